// A fake SMSC (the npm `smpp` server, farhadi/node-smpp) for the gateway's SMPP connector to bind to.
//
// Usage: node smpp_smsc.js ['{"key": value, ...}']
//   The optional JSON argument sets the configuration (keys below; the `config` command changes
//   them later). Listens on 127.0.0.1, port 0 (or "port"), and prints {"event":"listening","port":N}.
//   Everything after that is JSON lines: events on stdout, commands on stdin. Every command
//   prints {"event":"ack","cmd":CMD[,"tag":TAG]} once carried out (its synchronous events come
//   before the ack; answers from the peer come later as their own events), or instead
//   {"event":"error","cmd":CMD,"tag":TAG,"error":...} when it is refused (e.g. mo with no receiver
//   bound). A command's "tag" is echoed in the ack and in receipt/mo events it causes. End of
//   stdin, SIGTERM, SIGINT and {"cmd":"quit"} print the stats event and exit 0 (quit prints no ack).
//
// Configuration (defaults):
//   system_id: null, password: null  credentials accepted; null accepts any. Others get bind_resp
//                                    ESME_RBINDFAIL (0x0D) and the connection is closed.
//   id_style: "hex"                  submit_sm_resp message_id: "hex" = uppercase hex of a counter,
//                                    "decimal" = the counter in decimal
//   id_start: 10485760 (0xA00000)    the counter's first value
//   receipts: true                   send a receipt after each accepted submit_sm whose
//                                    registered_delivery & 3 is 1 (or 2 when receipt_stat is not DELIVRD)
//   receipt_id: "same"               the id in the receipt text: "same" (as in submit_sm_resp),
//                                    "decimal" (the hex id converted to decimal), "hex" (uppercase),
//                                    "hex_lower"
//   receipt_id_pad: 0                left-pad the receipt text id with zeros to this width
//   receipt_sub_dlvrd: true          false omits the sub: and dlvrd: fields
//   receipt_tlvs: true               receipted_message_id (the submit_sm_resp id) and message_state TLVs
//   receipt_enroute: false           first an intermediate receipt (stat:ENROUTE, dlvrd:000, state 1)
//   receipt_stat: "DELIVRD", receipt_err: "000"
//   receipt_delay_ms: 0              delay before the receipt(s) of each message
//   answer_enquire_link: true        false leaves enquire_link unanswered
//   bench: false                     bench mode: every submit_sm on a bound session is answered OK at once and
//                                    (when registered_delivery asks) gets a DELIVRD receipt;
//                                    stdout has only {"event":"bench",...} once a second while
//                                    busy and the stats event on `stats` / SIGTERM
//   port: 0
//
// Receipts (automatic or on demand) go to the submitting session if it is a transceiver, else to
// a receiver/transceiver session of the same system_id, else to any bound receiver/transceiver;
// with none bound they wait ({"event":"receipt_pending"}) and go to the next one that binds.
//
// Commands (stdin):
//   {"cmd":"config", KEY: VALUE...}             merge into the configuration
//   {"cmd":"credentials","system_id":S,"password":P}
//   {"cmd":"throttle","n":N}                    the next N submit_sm get ESME_RTHROTTLED (0x58)
//   {"cmd":"fail","n":N,"status":S}             the next N submit_sm get command_status S
//   {"cmd":"hold"}                              stop answering submit_sm (they are kept, unanswered)
//   {"cmd":"release"}                           stop holding; answer the held ones (accepting them)
//   {"cmd":"drop"[,"session":ID][,"keep_hold":true]}
//                                               destroy the connection(s) (all, or that session);
//                                               held submit_sm on them are discarded, never accepted;
//                                               holding stops unless keep_hold
//   {"cmd":"enquire_link","answer":BOOL}        same as config answer_enquire_link
//   {"cmd":"ping"}                              send enquire_link to every bound session
//   {"cmd":"unbind"[,"session":ID]}             send unbind to bound sessions
//   {"cmd":"receipt","id":ID[,"stat":"DELIVRD"][,"err":"000"][,"receipt_id":STYLE]
//      [,"sub_dlvrd":BOOL][,"tlvs":BOOL][,"text_id":LITERAL][,"text":T][,"from":A,"to":B]
//      [,"system_id":S]}
//                                               send a receipt for message id ID (as answered in
//                                               submit_sm_resp; receipted_message_id carries ID).
//                                               from/to are the original message's source and
//                                               destination (the receipt goes from `to` to `from`),
//                                               needed only for an id this SMSC did not issue;
//                                               text_id puts that literal id in the text; options
//                                               left out follow the configuration
//   {"cmd":"mo","from":A,"to":B,"text":T,"data_coding":0|3|8[,"split":"none"|"udh8"|"udh16"|"sar"]
//      [,"segments":[T1,T2..]][,"part_size":N][,"ref":R][,"order":[seqnum,...]][,"hex":H]
//      [,"from_ton","from_npi","to_ton","to_npi"][,"esm_class":E][,"system_id":S][,"pipeline":BOOL]}
//                                               a mobile-originated deliver_sm (esm_class 0) to a
//                                               bound receiver/transceiver (of system_id, if given).
//                                               text is encoded per data_coding (0: GSM 03.38
//                                               unpacked, 3: Latin-1, 8: UCS-2 BE) and split into
//                                               parts of part_size octets (default 153/152/160 for
//                                               dc 0 with udh8/udh16/sar, 134/133/140 for dc 3,
//                                               134/132/140 for dc 8); segments gives the part texts
//                                               instead; order lists the 1-based parts to send, in
//                                               that order, repeats allowed (default all in order);
//                                               hex sends those bytes as one short_message.
//                                               Parts go one at a time, each after the previous
//                                               resp, unless pipeline.
//   {"cmd":"stats"}                             print the stats event
//   {"cmd":"quit"}
//
// Events (stdout), each a JSON object with "event":
//   listening {port}
//   connect {session, remote_port}
//   bind {session, bind_type: "transmitter"|"receiver"|"transceiver", system_id, password,
//         system_type, interface_version, addr_ton, addr_npi, address_range, command_status}
//   submit_sm {session, system_id, seq, <all mandatory fields: service_type, source_addr_ton,
//         source_addr_npi, source_addr, dest_addr_ton, dest_addr_npi, destination_addr, esm_class,
//         protocol_id, priority_flag, schedule_delivery_time, validity_period, registered_delivery,
//         replace_if_present_flag, data_coding, sm_default_msg_id>, sm_length, short_message (hex),
//         udh (hex incl. its length octet, or null), body (hex after any UDH, or message_payload),
//         text (body decoded by data_coding), concat ({kind:"udh8"|"udh16"|"sar", ref, total, seq}
//         or null), tlvs ({sar_msg_ref_num, sar_total_segments, sar_segment_seqnum,
//         message_payload (hex), ... by name; unknown ones as "0xTTTT": hex}),
//         held (bool), command_status (answered, or null while held), message_id (or null),
//         accepted (times this message — destination_addr + body — has now been accepted)}
//   released {session, seq, message_id, command_status, accepted, destination_addr, text}
//   receipt_sent {session, message_id, receipt_id (id in the text), stat, message_state, seq,
//         short_message (the receipt text; sent as data_coding 0, GSM 03.38 unpacked), tag}
//         The receipt deliver_sm: esm_class 0x04, source = the message's destination (addr, ton,
//         npi), destination = its source; text "id:ID sub:001 dlvrd:001 submit date:YYMMDDhhmm
//         done date:YYMMDDhhmm stat:STAT err:ERR text:FIRST20" (UTC dates; dlvrd:000 unless
//         DELIVRD); TLVs receipted_message_id (0x001E) and message_state (0x0427: ENROUTE 1,
//         DELIVRD 2, EXPIRED 3, DELETED 4, UNDELIV 5, ACCEPTD 6, UNKNOWN 7, REJECTD 8).
//   receipt_pending {message_id, stat}
//   deliver_sm_resp {session, kind: "receipt"|"mo", command_status, message_id (receipt: the
//         submit's id; mo: the resp's message_id), stat (receipt), part, ref, tag (mo)}
//   mo_sent {session, seq, part, total, ref, tag}
//   mo_done {tag, statuses: [command_status per part sent, in send order]}
//   enquire_link {session, answered}
//   enquire_link_resp {session, command_status}
//   unbind {session}            (answered with unbind_resp, then the connection is closed)
//   unbind_resp {session, command_status}
//   generic_nack {session, command_status, seq}
//   unknown_pdu {session, command_id (hex string)}   (answered with generic_nack 0x03)
//   pdu {session, command, command_status, seq}      (anything else received)
//   drop {session, held_discarded}
//   disconnect {session, system_id, bind_type}
//   error {error[, session][, cmd]}
//   bench {elapsed_s, submit_per_s, submits, receipts, receipt_resps}
//   stats {connections, binds, bind_failures, bound, submit_sm, accepted, rejected, held,
//          receipts_sent, receipt_resps, mo_sent, mo_resps, enquire_links, unique_accepted,
//          max_accepted, duplicates: [{destination_addr, text, count}] (first 50)}
'use strict';
const {
  smpp, out, coalesceWrites, commands, encode, decode, buildParts, partFields, receiptText, smppDate,
  MESSAGE_STATE, address, describeSm, parseUdh,
} = require('./smpp_common');

const config = {
  system_id: null,
  password: null,
  id_style: 'hex',
  id_start: 0xa00000,
  receipts: true,
  receipt_id: 'same',
  receipt_id_pad: 0,
  receipt_sub_dlvrd: true,
  receipt_tlvs: true,
  receipt_enroute: false,
  receipt_stat: 'DELIVRD',
  receipt_err: '000',
  receipt_delay_ms: 0,
  answer_enquire_link: true,
  bench: false,
  port: 0,
};
if (process.argv[2]) Object.assign(config, JSON.parse(process.argv[2]));

const stats = {
  connections: 0, binds: 0, bind_failures: 0, submit_sm: 0, accepted: 0, rejected: 0,
  receipts_sent: 0, receipt_resps: 0, mo_sent: 0, mo_resps: 0, enquire_links: 0,
};
const acceptedByKey = new Map(); // destination_addr + body hex -> {count, destination_addr, text}
const messages = new Map(); // message_id -> what a receipt needs
const sessions = new Set();
const pendingReceipts = [];
let counter = null;
let failNext = { n: 0, status: 0 };
let holding = false;
let nextSessionId = 1;

function nextMessageId() {
  if (counter === null) counter = BigInt(config.id_start);
  const v = counter++;
  return config.id_style === 'decimal' ? v.toString(10) : v.toString(16).toUpperCase();
}

function receiptIdFor(id, style) {
  let v = id;
  try {
    const n = config.id_style === 'decimal' ? BigInt(id) : BigInt('0x' + id);
    if (style === 'decimal') v = n.toString(10);
    else if (style === 'hex') v = n.toString(16).toUpperCase();
    else if (style === 'hex_lower') v = n.toString(16);
  } catch (e) {
    v = id; // not a number of that style: left as is
  }
  const pad = config.receipt_id_pad || 0;
  return pad ? v.padStart(pad, '0') : v;
}

function isReceiver(s) {
  return s.bound === 'receiver' || s.bound === 'transceiver';
}

function receiverFor(origin, systemId) {
  if (origin && sessions.has(origin) && origin.bound === 'transceiver') return origin;
  for (const s of sessions) if (isReceiver(s) && s.system_id === systemId) return s;
  for (const s of sessions) if (isReceiver(s)) return s;
  return null;
}

// A receipt: {message_id, stat, err, receipt_id style, sub_dlvrd, tlvs, text_id, text, src, dst,
// submit_date, origin, system_id, tag}
function sendReceipt(r) {
  const s = receiverFor(r.origin, r.system_id);
  if (!s) {
    pendingReceipts.push(r);
    if (!config.bench) out({ event: 'receipt_pending', message_id: r.message_id, stat: r.stat, tag: r.tag });
    return;
  }
  const stat = r.stat || 'DELIVRD';
  const receiptId = r.text_id ?? receiptIdFor(r.message_id, r.receipt_id ?? config.receipt_id);
  const text = receiptText({
    id: receiptId,
    sub: '001',
    dlvrd: stat === 'DELIVRD' ? '001' : '000',
    submitDate: r.submit_date || smppDate(),
    doneDate: smppDate(),
    stat,
    err: r.err ?? config.receipt_err,
    text: r.text ?? '',
    subDlvrd: r.sub_dlvrd ?? config.receipt_sub_dlvrd,
  });
  const fields = {
    source_addr_ton: r.dst.ton, source_addr_npi: r.dst.npi, source_addr: r.dst.addr,
    dest_addr_ton: r.src.ton, dest_addr_npi: r.src.npi, destination_addr: r.src.addr,
    esm_class: 0x04, data_coding: 0, short_message: encode(text, 0), // GSM 03.38 unpacked, as dc 0 says
  };
  const state = MESSAGE_STATE[stat] ?? 7;
  if (r.tlvs ?? config.receipt_tlvs) {
    fields.receipted_message_id = r.message_id;
    fields.message_state = state;
  }
  const pdu = new smpp.PDU('deliver_sm', fields);
  s.session.send(pdu, (resp) => {
    stats.receipt_resps++;
    if (!config.bench) {
      out({ event: 'deliver_sm_resp', session: s.id, kind: 'receipt', command_status: resp.command_status,
        message_id: r.message_id, stat, tag: r.tag });
    }
  });
  stats.receipts_sent++;
  if (!config.bench) {
    out({ event: 'receipt_sent', session: s.id, message_id: r.message_id, receipt_id: receiptId, stat,
      message_state: state, seq: pdu.sequence_number, short_message: text, tag: r.tag });
  }
}

function flushPendingReceipts() {
  const list = pendingReceipts.splice(0);
  for (const r of list) sendReceipt(r);
}

function wantsReceipt(rd, stat) {
  const v = rd & 0x03;
  return v === 1 || (v === 2 && stat !== 'DELIVRD');
}

function receiptTextOf(pdu) {
  const sm = pdu.short_message && pdu.short_message.length ? pdu.short_message : pdu.message_payload;
  if (!sm) return '';
  const body = pdu.esm_class & 0x40 ? parseUdh(sm).body : sm;
  return decode(body, pdu.data_coding & 0xff).slice(0, 20);
}

function scheduleReceipts(s, pdu, messageId, submitDate) {
  const stat = config.receipt_stat;
  if (!config.receipts || !wantsReceipt(pdu.registered_delivery, stat)) return;
  const base = {
    message_id: messageId, origin: s, system_id: s.system_id, submit_date: submitDate,
    src: { addr: pdu.source_addr, ton: pdu.source_addr_ton, npi: pdu.source_addr_npi },
    dst: { addr: pdu.destination_addr, ton: pdu.dest_addr_ton, npi: pdu.dest_addr_npi },
    text: config.bench ? '' : receiptTextOf(pdu), err: config.receipt_err,
  };
  const go = () => {
    if (config.receipt_enroute) sendReceipt({ ...base, stat: 'ENROUTE', err: '000' });
    sendReceipt({ ...base, stat });
  };
  if (config.receipt_delay_ms > 0) setTimeout(go, config.receipt_delay_ms);
  else go();
}

function keyOf(info) {
  return info.destination_addr + '|' + info.body;
}

// Answers a submit_sm OK: a new message id, the acceptance count, the receipt(s).
function accept(s, pdu, info) {
  const messageId = nextMessageId();
  const submitDate = smppDate();
  s.session.send(pdu.response({ message_id: messageId }));
  stats.accepted++;
  const key = keyOf(info);
  let entry = acceptedByKey.get(key);
  if (!entry) {
    entry = { count: 0, destination_addr: info.destination_addr, text: info.text };
    acceptedByKey.set(key, entry);
  }
  entry.count++;
  messages.set(messageId, {
    src: { addr: pdu.source_addr, ton: pdu.source_addr_ton, npi: pdu.source_addr_npi },
    dst: { addr: pdu.destination_addr, ton: pdu.dest_addr_ton, npi: pdu.dest_addr_npi },
    submit_date: submitDate, system_id: s.system_id, text: info.text.slice(0, 20),
  });
  scheduleReceipts(s, pdu, messageId, submitDate);
  return { messageId, accepted: entry.count };
}

function onSubmit(s, pdu) {
  stats.submit_sm++;
  if (config.bench) {
    if (s.bound !== 'transmitter' && s.bound !== 'transceiver') {
      s.session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      stats.rejected++;
      return;
    }
    const messageId = nextMessageId();
    s.session.send(pdu.response({ message_id: messageId }));
    stats.accepted++;
    scheduleReceipts(s, pdu, messageId, benchDate());
    return;
  }
  const info = describeSm(pdu);
  const ev = { event: 'submit_sm', session: s.id, system_id: s.system_id, seq: pdu.sequence_number, ...info };
  if (s.bound !== 'transmitter' && s.bound !== 'transceiver') {
    s.session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
    stats.rejected++;
    out({ ...ev, held: false, command_status: smpp.ESME_RINVBNDSTS, message_id: null, accepted: 0 });
    return;
  }
  if (failNext.n > 0) {
    failNext.n--;
    s.session.send(pdu.response({ command_status: failNext.status }));
    stats.rejected++;
    const entry = acceptedByKey.get(keyOf(info));
    out({ ...ev, held: false, command_status: failNext.status, message_id: null, accepted: entry ? entry.count : 0 });
    return;
  }
  if (holding) {
    s.held.push({ pdu, info });
    const entry = acceptedByKey.get(keyOf(info));
    out({ ...ev, held: true, command_status: null, message_id: null, accepted: entry ? entry.count : 0 });
    return;
  }
  const { messageId, accepted } = accept(s, pdu, info);
  out({ ...ev, held: false, command_status: 0, message_id: messageId, accepted });
}

let benchDateCache = { at: 0, v: '' };
function benchDate() {
  const now = Date.now();
  if (now - benchDateCache.at > 1000) benchDateCache = { at: now, v: smppDate(new Date(now)) };
  return benchDateCache.v;
}

const BIND_TYPES = { bind_transmitter: 'transmitter', bind_receiver: 'receiver', bind_transceiver: 'transceiver' };

const server = smpp.createServer((session) => {
  const s = { id: nextSessionId++, session, bound: null, system_id: null, held: [] };
  sessions.add(s);
  coalesceWrites(session.socket);
  stats.connections++;
  out({ event: 'connect', session: s.id, remote_port: session.socket.remotePort });

  for (const [command, bindType] of Object.entries(BIND_TYPES)) {
    session.on(command, (pdu) => {
      const ok = (config.system_id === null || pdu.system_id === config.system_id) &&
        (config.password === null || pdu.password === config.password);
      let status = ok ? 0 : smpp.ESME_RBINDFAIL;
      if (ok && s.bound) status = smpp.ESME_RALYBND;
      out({ event: 'bind', session: s.id, bind_type: bindType, system_id: pdu.system_id, password: pdu.password,
        system_type: pdu.system_type, interface_version: pdu.interface_version, addr_ton: pdu.addr_ton,
        addr_npi: pdu.addr_npi, address_range: pdu.address_range, command_status: status });
      if (status === smpp.ESME_RBINDFAIL) {
        stats.bind_failures++;
        session.send(pdu.response({ command_status: status }), () => session.close());
        return;
      }
      if (status) {
        session.send(pdu.response({ command_status: status }));
        return;
      }
      stats.binds++;
      s.bound = bindType;
      s.system_id = pdu.system_id;
      session.send(pdu.response({ system_id: 'fakesmsc' }));
      if (isReceiver(s)) flushPendingReceipts();
    });
  }
  session.on('submit_sm', (pdu) => onSubmit(s, pdu));
  session.on('enquire_link', (pdu) => {
    stats.enquire_links++;
    const answered = config.answer_enquire_link;
    if (answered) session.send(pdu.response());
    if (!config.bench) out({ event: 'enquire_link', session: s.id, answered });
  });
  session.on('unbind', (pdu) => {
    out({ event: 'unbind', session: s.id });
    s.bound = null;
    session.send(pdu.response(), () => session.close());
  });
  session.on('unknown', (pdu) => {
    out({ event: 'unknown_pdu', session: s.id, command_id: '0x' + (pdu.command_id >>> 0).toString(16).padStart(8, '0') });
    session.send(pdu.response());
  });
  session.on('pdu', (pdu) => {
    if (pdu.command === 'generic_nack') {
      out({ event: 'generic_nack', session: s.id, command_status: pdu.command_status, seq: pdu.sequence_number });
    } else if (!['submit_sm', 'enquire_link', 'unbind', 'unknown', 'deliver_sm_resp', 'enquire_link_resp',
      'unbind_resp', ...Object.keys(BIND_TYPES)].includes(pdu.command)) {
      out({ event: 'pdu', session: s.id, command: pdu.command, command_status: pdu.command_status, seq: pdu.sequence_number });
      if (!pdu.isResponse()) session.send(pdu.response({ command_status: smpp.ESME_RINVCMDID }));
    }
  });
  session.on('error', (e) => {
    out({ event: 'error', session: s.id, error: e.message });
    session.destroy();
  });
  session.on('close', () => {
    if (!sessions.has(s)) return;
    sessions.delete(s);
    out({ event: 'disconnect', session: s.id, system_id: s.system_id, bind_type: s.bound });
    s.bound = null;
    s.held = [];
  });
});

server.on('error', (e) => {
  out({ event: 'error', error: e.message });
  process.exit(1);
});

server.listen(config.port, '127.0.0.1', () => {
  out({ event: 'listening', port: server.address().port });
});

function statsEvent() {
  let max = 0;
  const duplicates = [];
  for (const e of acceptedByKey.values()) {
    max = Math.max(max, e.count);
    if (e.count > 1 && duplicates.length < 50) duplicates.push({ destination_addr: e.destination_addr, text: e.text, count: e.count });
  }
  let held = 0;
  let bound = 0;
  for (const s of sessions) {
    held += s.held.length;
    if (s.bound) bound++;
  }
  return { event: 'stats', ...stats, bound, held, unique_accepted: acceptedByKey.size, max_accepted: max, duplicates };
}

// Bench: one line a second while there is traffic.
const started = Date.now();
let lastSubmits = 0;
setInterval(() => {
  if (!config.bench || stats.submit_sm === lastSubmits) return;
  out({ event: 'bench', elapsed_s: Math.round((Date.now() - started) / 1000), submit_per_s: stats.submit_sm - lastSubmits,
    submits: stats.submit_sm, receipts: stats.receipts_sent, receipt_resps: stats.receipt_resps });
  lastSubmits = stats.submit_sm;
}, 1000).unref();

function quit() {
  out(statsEvent());
  process.exit(0);
}
process.on('SIGTERM', quit);
process.on('SIGINT', quit);

function targets(cmd) {
  return [...sessions].filter((s) => cmd.session === undefined || s.id === cmd.session);
}

function sendMo(cmd) {
  const s = [...sessions].find((x) => isReceiver(x) && (cmd.system_id === undefined || x.system_id === cmd.system_id));
  if (!s) throw new Error('no receiver or transceiver bound');
  const dc = cmd.data_coding ?? 0;
  const parts = buildParts({ ...cmd, data_coding: dc });
  const order = cmd.order || parts.map((p) => p.seq);
  for (const n of order) if (!parts[n - 1]) throw new Error(`no part ${n} (of ${parts.length})`);
  if (!order.length) throw new Error('empty order');
  const bodies = parts.map((p) => partFields(p, cmd.esm_class || 0)); // throws before anything is sent
  const from = address(cmd.from, cmd.from_ton, cmd.from_npi);
  const to = address(cmd.to, cmd.to_ton, cmd.to_npi);
  const statuses = [];
  let i = 0;
  let inflight = 0;
  const sendOne = () => {
    const seqnum = order[i++];
    const part = parts[seqnum - 1];
    const pdu = new smpp.PDU('deliver_sm', {
      source_addr_ton: from.ton, source_addr_npi: from.npi, source_addr: from.addr,
      dest_addr_ton: to.ton, dest_addr_npi: to.npi, destination_addr: to.addr,
      data_coding: dc, ...bodies[seqnum - 1],
    });
    const idx = statuses.length;
    statuses.push(null);
    inflight++;
    const sent = s.session.send(pdu, (resp) => {
      stats.mo_resps++;
      inflight--;
      statuses[idx] = resp.command_status;
      out({ event: 'deliver_sm_resp', session: s.id, kind: 'mo', command_status: resp.command_status,
        message_id: resp.message_id ?? null, part: part.seq, ref: part.ref ?? null, tag: cmd.tag });
      if (!cmd.pipeline && i < order.length) sendOne();
      else if (i >= order.length && inflight === 0) out({ event: 'mo_done', tag: cmd.tag, statuses });
    });
    if (!sent) {
      out({ event: 'error', cmd: 'mo', tag: cmd.tag, error: 'connection not writable' });
      return;
    }
    stats.mo_sent++;
    out({ event: 'mo_sent', session: s.id, seq: pdu.sequence_number, part: part.seq, total: part.total,
      ref: part.ref ?? null, tag: cmd.tag });
  };
  if (cmd.pipeline) while (i < order.length) sendOne();
  else sendOne();
}

function onCommand(cmd) {
  switch (cmd.cmd) {
    case 'config': {
      const { cmd: _c, tag: _t, ...rest } = cmd;
      if ('id_start' in rest) counter = null;
      Object.assign(config, rest);
      break;
    }
    case 'credentials':
      config.system_id = cmd.system_id ?? null;
      config.password = cmd.password ?? null;
      break;
    case 'throttle':
      failNext = { n: cmd.n ?? 1, status: smpp.ESME_RTHROTTLED };
      break;
    case 'fail':
      failNext = { n: cmd.n ?? 1, status: cmd.status ?? smpp.ESME_RSYSERR };
      break;
    case 'hold':
      holding = true;
      break;
    case 'release':
      holding = false;
      for (const s of sessions) {
        for (const { pdu, info } of s.held.splice(0)) {
          const { messageId, accepted } = accept(s, pdu, info);
          out({ event: 'released', session: s.id, seq: pdu.sequence_number, message_id: messageId, command_status: 0,
            accepted, destination_addr: info.destination_addr, text: info.text });
        }
      }
      break;
    case 'drop':
      for (const s of targets(cmd)) {
        out({ event: 'drop', session: s.id, held_discarded: s.held.length });
        s.held = [];
        s.session.destroy();
      }
      if (!cmd.keep_hold) holding = false;
      break;
    case 'enquire_link':
      config.answer_enquire_link = cmd.answer ?? true;
      break;
    case 'ping':
      for (const s of targets(cmd)) {
        if (!s.bound) continue;
        s.session.enquire_link({}, (resp) => out({ event: 'enquire_link_resp', session: s.id, command_status: resp.command_status }));
      }
      break;
    case 'unbind':
      for (const s of targets(cmd)) {
        if (!s.bound) continue;
        s.session.unbind({}, (resp) => out({ event: 'unbind_resp', session: s.id, command_status: resp.command_status }));
      }
      break;
    case 'receipt': {
      const known = messages.get(cmd.id);
      if (!known && (cmd.from === undefined || cmd.to === undefined)) throw new Error(`unknown message id ${cmd.id}: give from and to`);
      const src = cmd.from !== undefined ? address(cmd.from) : known.src; // the submit's source
      const dst = cmd.to !== undefined ? address(cmd.to) : known.dst;
      sendReceipt({
        message_id: cmd.id, stat: cmd.stat || 'DELIVRD', err: cmd.err, receipt_id: cmd.receipt_id,
        sub_dlvrd: cmd.sub_dlvrd, tlvs: cmd.tlvs, text_id: cmd.text_id, text: cmd.text ?? (known ? known.text : ''),
        src, dst, submit_date: known ? known.submit_date : smppDate(), origin: null,
        system_id: known ? known.system_id : cmd.system_id, tag: cmd.tag,
      });
      break;
    }
    case 'mo':
      sendMo(cmd);
      break;
    case 'stats':
      out(statsEvent());
      break;
    case 'quit':
      quit();
      return;
    default:
      throw new Error(`unknown command ${cmd.cmd}`);
  }
  out({ event: 'ack', cmd: cmd.cmd, tag: cmd.tag });
}

commands(onCommand, quit);
