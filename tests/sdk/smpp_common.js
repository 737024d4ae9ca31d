// Shared helpers of smpp_smsc.js and smpp_esme.js (npm `smpp`, farhadi/node-smpp): raw PDU fields,
// the three encodings the tests use (data_coding 0 = GSM 03.38 unpacked septets, 3 = Latin-1,
// 8 = UCS-2 big-endian), splitting into concatenated parts (8-bit or 16-bit UDH, SAR TLVs),
// delivery receipt text, and JSON lines on stdout / commands on stdin.
'use strict';
const readline = require('node:readline');
const smpp = require('smpp');

// The library decodes short_message / message_payload into {udh, message} strings and time fields
// into Dates, guessing encodings. These programs must see and send the exact bytes, so every field
// filter is removed: short_message and message_payload stay Buffers, times stay strings.
for (const command of Object.values(smpp.commands)) {
  for (const param of Object.values(command.params || {})) delete param.filter;
}
for (const tlv of Object.values(smpp.tlvs)) delete tlv.filter;

// One write(2) per batch of PDUs instead of one per PDU: everything written in the same tick
// (e.g. the answers to all PDUs of one read) goes out together.
// Writes made in one tick leave in one segment, at once: Nagle's algorithm off (SMSCs and ESMEs
// set TCP_NODELAY; with it on, each small response would wait for the peer's delayed ACK).
function coalesceWrites(socket) {
  socket.setNoDelay(true);
  const write = socket.write.bind(socket);
  let corked = false;
  socket.write = (...args) => {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  };
}

function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// Calls handler(obj) for each JSON line on stdin; a line that is not JSON prints an error event.
function commands(handler, onEnd) {
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  rl.on('line', (line) => {
    line = line.trim();
    if (!line) return;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch (e) {
      out({ event: 'error', error: 'bad command line: ' + e.message, line });
      return;
    }
    try {
      handler(cmd);
    } catch (e) {
      out({ event: 'error', cmd: cmd.cmd, tag: cmd.tag, error: e.message });
    }
  });
  rl.on('close', () => onEnd && onEnd());
}

// GSM 03.38 default alphabet (index = septet) and its extension table (after 0x1B).
const GSM = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXT = { '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f, '[': 0x3c, '~': 0x3d,
  ']': 0x3e, '|': 0x40, '€': 0x65 };
const GSM_ENC = new Map([...GSM].map((c, i) => [c, i]));
const GSM_EXT_DEC = new Map(Object.entries(GSM_EXT).map(([c, v]) => [v, c]));
if (GSM_ENC.size !== 128) throw new Error('GSM table');

// The text as a list of per-character byte groups, so splitting never cuts an escape sequence
// or a UTF-16 surrogate pair. GSM characters outside the alphabet become '?'.
function encodeUnits(text, dataCoding) {
  const units = [];
  if (dataCoding === 8) {
    for (const ch of text) { // code points: a surrogate pair stays one unit
      const le = Buffer.from(ch, 'utf16le');
      units.push(le.swap16());
    }
  } else if (dataCoding === 0) {
    for (const ch of text) {
      if (GSM_ENC.has(ch) && ch !== '\x1b') units.push(Buffer.from([GSM_ENC.get(ch)]));
      else if (ch in GSM_EXT) units.push(Buffer.from([0x1b, GSM_EXT[ch]]));
      else units.push(Buffer.from([0x3f]));
    }
  } else {
    for (const ch of text) units.push(Buffer.from(ch, 'latin1'));
  }
  return units;
}

function encode(text, dataCoding) {
  // Fast path: these ASCII characters have the same code in GSM 03.38 and Latin-1.
  if ((dataCoding === 0 || dataCoding === 3) && /^[ !"#%-?A-Za-z]*$/.test(text)) return Buffer.from(text, 'latin1');
  return Buffer.concat(encodeUnits(text, dataCoding));
}

function decode(buf, dataCoding) {
  if (!buf) return '';
  if (dataCoding === 8) {
    const b = Buffer.from(buf.subarray(0, buf.length & ~1));
    return b.swap16().toString('utf16le');
  }
  if (dataCoding === 0) {
    let s = '';
    for (let i = 0; i < buf.length; i++) {
      const v = buf[i];
      if (v === 0x1b && i + 1 < buf.length) {
        const e = GSM_EXT_DEC.get(buf[i + 1]);
        if (e !== undefined) { s += e; i++; continue; }
        s += ' '; // unknown extension: a space, as 03.38 says
        i++;
        continue;
      }
      s += v < 128 ? GSM[v] : '?';
    }
    return s;
  }
  return buf.toString('latin1');
}

// Default body size per part, in short_message octets (GSM: unpacked septets).
function defaultPartSize(dataCoding, split) {
  const single = dataCoding === 0 ? 160 : 140;
  if (split === 'sar' || split === 'payload' || !split || split === 'none') return single;
  const udhLen = split === 'udh16' ? 7 : 6;
  if (dataCoding === 0) return 160 - Math.ceil((udhLen * 8) / 7);
  const n = 140 - udhLen;
  return dataCoding === 8 ? n & ~1 : n;
}

// Splits encoded units into parts of at most size octets.
function splitUnits(units, size) {
  const parts = [];
  let cur = [];
  let len = 0;
  for (const u of units) {
    if (len + u.length > size && cur.length) {
      parts.push(Buffer.concat(cur));
      cur = [];
      len = 0;
    }
    cur.push(u);
    len += u.length;
  }
  if (cur.length || !parts.length) parts.push(Buffer.concat(cur));
  return parts;
}

function udhFor(kind, ref, total, seq) {
  if (kind === 'udh16') return Buffer.from([0x06, 0x08, 0x04, (ref >> 8) & 0xff, ref & 0xff, total, seq]);
  return Buffer.from([0x05, 0x00, 0x03, ref & 0xff, total, seq]);
}

// Splits a UDH-prefixed body: {udh (Buffer incl. length octet), body, concat: {iei, ref, total, seq}}.
function parseUdh(buf) {
  if (!buf || !buf.length) return { udh: null, body: buf || Buffer.alloc(0), concat: null };
  const udhl = buf[0];
  const udh = buf.subarray(0, udhl + 1);
  let concat = null;
  for (let i = 1; i + 1 < udh.length;) {
    const iei = udh[i];
    const len = udh[i + 1];
    const v = udh.subarray(i + 2, i + 2 + len);
    if (iei === 0x00 && len === 3) concat = { iei, ref: v[0], total: v[1], seq: v[2] };
    if (iei === 0x08 && len === 4) concat = { iei, ref: (v[0] << 8) | v[1], total: v[2], seq: v[3] };
    i += 2 + len;
  }
  return { udh, body: buf.subarray(udhl + 1), concat };
}

// The standard receipt text (SMPP 3.4 appendix B).
function receiptText({ id, sub = '001', dlvrd = '001', submitDate, doneDate, stat, err = '000',
  text = '', subDlvrd = true }) {
  const parts = [`id:${id}`];
  if (subDlvrd) parts.push(`sub:${sub}`, `dlvrd:${dlvrd}`);
  parts.push(`submit date:${submitDate}`, `done date:${doneDate}`, `stat:${stat}`, `err:${err}`,
    `text:${text}`);
  return parts.join(' ');
}

function parseReceipt(text) {
  const m = /id:(\S+)\s+(?:sub:(\S+)\s+)?(?:dlvrd:(\S+)\s+)?submit date:(\S+)\s+done date:(\S+)\s+stat:(\S+)\s+err:(\S+)(?:\s+text:([\s\S]*))?/i
    .exec(text);
  if (!m) return null;
  return { id: m[1], sub: m[2] ?? null, dlvrd: m[3] ?? null, submit_date: m[4], done_date: m[5],
    stat: m[6], err: m[7], text: m[8] ?? null };
}

// YYMMDDhhmm (UTC).
function smppDate(d = new Date()) {
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getUTCFullYear() % 100) + p(d.getUTCMonth() + 1) + p(d.getUTCDate()) +
    p(d.getUTCHours()) + p(d.getUTCMinutes());
}

const MESSAGE_STATE = { ENROUTE: 1, DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, ACCEPTD: 6,
  UNKNOWN: 7, REJECTD: 8 };

// An address as given in a command: '+' prefix -> TON 1 (international) NPI 1, '+' stripped;
// letters -> TON 5 (alphanumeric) NPI 0; otherwise TON 0 NPI 1. Explicit ton/npi win.
function address(addr, ton, npi) {
  addr = String(addr ?? '');
  let t = 0;
  let n = 1;
  if (addr.startsWith('+')) { addr = addr.slice(1); t = 1; n = 1; } else if (/[A-Za-z]/.test(addr)) { t = 5; n = 0; }
  return { addr, ton: ton ?? t, npi: npi ?? n };
}

const PARAM_FIELDS = ['service_type', 'source_addr_ton', 'source_addr_npi', 'source_addr',
  'dest_addr_ton', 'dest_addr_npi', 'destination_addr', 'esm_class', 'protocol_id', 'priority_flag',
  'schedule_delivery_time', 'validity_period', 'registered_delivery', 'replace_if_present_flag',
  'data_coding', 'sm_default_msg_id'];

function jsonValue(v) {
  if (Buffer.isBuffer(v)) return v.toString('hex');
  if (Array.isArray(v)) return v.map(jsonValue);
  return v;
}

// All TLVs of a received PDU: known ones by name (numbers as numbers, C-strings as strings,
// octet strings such as message_payload as hex), unknown ones as "0xTTTT": hex.
function pduTlvs(pdu) {
  const params = smpp.commands[pdu.command]?.params || {};
  const tlvs = {};
  for (const key of Object.keys(pdu)) {
    if (key in params) continue;
    if (key in smpp.tlvs) tlvs[key] = jsonValue(pdu[key]);
    else if (/^\d+$/.test(key)) tlvs['0x' + Number(key).toString(16).padStart(4, '0')] = jsonValue(pdu[key]);
  }
  return tlvs;
}

// A submit_sm / deliver_sm as one flat object: mandatory fields, short_message and udh as hex,
// the text (body after any UDH, or message_payload when short_message is empty) decoded by its
// data_coding, the concatenation info (UDH or SAR) and all TLVs.
function describeSm(pdu) {
  const o = {};
  for (const f of PARAM_FIELDS) if (f in pdu) o[f] = jsonValue(pdu[f]);
  const sm = pdu.short_message || Buffer.alloc(0);
  o.sm_length = sm.length;
  o.short_message = sm.toString('hex');
  o.tlvs = pduTlvs(pdu);
  const payload = Buffer.isBuffer(pdu.message_payload) ? pdu.message_payload : null;
  const raw = sm.length ? sm : payload || sm;
  const udhi = (pdu.esm_class & 0x40) !== 0;
  const parsed = udhi ? parseUdh(raw) : { udh: null, body: raw, concat: null };
  o.udh = parsed.udh ? parsed.udh.toString('hex') : null;
  o.body = parsed.body.toString('hex');
  o.text = decode(parsed.body, pdu.data_coding & 0xff);
  let concat = null;
  if (parsed.concat) concat = { kind: parsed.concat.iei === 0 ? 'udh8' : 'udh16', ref: parsed.concat.ref,
    total: parsed.concat.total, seq: parsed.concat.seq };
  else if (pdu.sar_msg_ref_num !== undefined) concat = { kind: 'sar', ref: pdu.sar_msg_ref_num,
    total: pdu.sar_total_segments ?? null, seq: pdu.sar_segment_seqnum ?? null };
  o.concat = concat;
  return o;
}

// Builds the parts of a message: [{short_message | message_payload, esm_class bit, sar TLVs}].
// opts: {text, hex, data_coding, split ('udh'|'udh8'|'udh16'|'sar'|'payload'|'none'), part_size,
//        ref, segments (explicit part texts)}
function buildParts(opts) {
  const dc = opts.data_coding ?? 0;
  let split = opts.split || 'none';
  if (split === 'udh') split = 'udh8';
  if (opts.hex !== undefined) {
    return [{ body: Buffer.from(opts.hex, 'hex'), udh: null, sar: null, payload: split === 'payload', seq: 1, total: 1 }];
  }
  let bodies;
  if (opts.segments) bodies = opts.segments.map((t) => encode(t, dc));
  else if (split === 'none' || split === 'payload') bodies = [encode(opts.text ?? '', dc)];
  else bodies = splitUnits(encodeUnits(opts.text ?? '', dc), opts.part_size || defaultPartSize(dc, split));
  const total = bodies.length;
  const ref = opts.ref ?? Math.floor(Math.random() * (split === 'udh16' || split === 'sar' ? 65536 : 256));
  return bodies.map((body, i) => ({
    body,
    udh: split === 'udh8' || split === 'udh16' ? udhFor(split, ref, total, i + 1) : null,
    sar: split === 'sar' ? { sar_msg_ref_num: ref & 0xffff, sar_total_segments: total, sar_segment_seqnum: i + 1 } : null,
    payload: split === 'payload',
    seq: i + 1,
    total,
    ref,
  }));
}

// PDU options for one part (esm_class gets the UDHI bit when a UDH is present).
function partFields(part, esmClass) {
  const f = { esm_class: (esmClass || 0) | (part.udh ? 0x40 : 0) };
  const bytes = part.udh ? Buffer.concat([part.udh, part.body]) : part.body;
  if (part.payload) {
    f.short_message = Buffer.alloc(0);
    f.message_payload = bytes;
  } else {
    if (bytes.length > 254) throw new Error(`short_message of ${bytes.length} octets: split it`);
    f.short_message = bytes;
  }
  if (part.sar) Object.assign(f, part.sar);
  return f;
}

module.exports = {
  smpp, out, coalesceWrites, commands, encode, encodeUnits, decode, splitUnits, defaultPartSize, udhFor, parseUdh,
  receiptText, parseReceipt, smppDate, MESSAGE_STATE, address, describeSm, pduTlvs, buildParts,
  partFields, jsonValue,
};
