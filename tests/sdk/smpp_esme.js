// An ESME (the npm `smpp` client, farhadi/node-smpp) that binds to the gateway's SMPP server.
//
// Usage: node smpp_esme.js HOST PORT SYSTEM_ID PASSWORD BIND_TYPE ['{"key": value, ...}']
//   BIND_TYPE: transceiver | transmitter | receiver | none (connect without binding; see `bind`).
//   Options (defaults): system_type "", interface_version 0x34, addr_ton 0, addr_npi 0,
//   address_range "", window 10 (default submit window), quiet false (no per-PDU submit_sm_resp /
//   deliver_sm events), enquire_link_period_ms 0 (no automatic enquire_link), tls false (SMPP over
//   TLS, the server's certificate checked against `ca`, a PEM file; its handshake done before
//   `connected`).
//   Events on stdout and commands on stdin are JSON lines. Every command prints
//   {"event":"ack","cmd":CMD[,"tag":TAG]} once started, or instead {"event":"error","cmd":CMD,
//   "tag":TAG,"error":...} when refused (e.g. a part over 254 octets without split); a command's
//   "tag" is echoed in the events it causes. The process stays up after a disconnect (a
//   bind failure included); end of stdin or `close` closes the connection, prints the stats event
//   and exits 0.
//
// Commands (stdin):
//   {"cmd":"submit","to":B,"from":A,"text":T[,"data_coding":0|3|8][,"registered_delivery":0]
//      [,"split":"none"|"udh"|"udh8"|"udh16"|"sar"|"payload"][,"part_size":N][,"ref":R]
//      [,"segments":[T1,T2..]][,"hex":H][,"count":1][,"window":W][,"esm_class":0]
//      [,"from_ton","from_npi","to_ton","to_npi"][,"extra":{field: value}][,"quiet":BOOL][,"tag":TAG]}
//        text is encoded per data_coding (0: GSM 03.38 unpacked septets, 3: Latin-1, 8: UCS-2 BE;
//        any other value: Latin-1) and, with split, cut into parts of part_size octets (default
//        153/152/160 for dc 0 with udh8/udh16/sar, 134/133/140 for dc 3, 134/132/140 for dc 8):
//        "udh"/"udh8" = UDH IEI 0x00 (8-bit ref), "udh16" = IEI 0x08, "sar" = sar_* TLVs,
//        "payload" = the whole text in one submit_sm's message_payload TLV. segments gives the part
//        texts; hex sends those bytes as one short_message. count N sends N messages, copy i
//        (0-based) having text "T i" when N > 1, keeping at most window submit_sm unanswered.
//        extra adds library fields (e.g. "validity_period", "service_type", TLVs by name).
//        Addresses: "+digits" -> TON 1 NPI 1 with '+' stripped; letters -> TON 5 NPI 0; else TON 0 NPI 1.
//   {"cmd":"raw","hex":H}              write these bytes on the socket as they are
//   {"cmd":"enquire_link"}
//   {"cmd":"unbind"}
//   {"cmd":"bind","type":T[,"system_id":S][,"password":P]}   bind (again) on this connection
//   {"cmd":"deliver_status","status":S[,"n":N]}   answer the next N (default 1) deliver_sm with S
//   {"cmd":"quiet","on":BOOL}
//   {"cmd":"stats"}
//   {"cmd":"close"}                    close the connection, print stats, exit 0
//
// Events (stdout), each a JSON object with "event":
//   connected {}
//   bind_resp {bind_type, command_status, system_id}
//   submit_sm_resp {tag, index (copy), part (1-based), parts, seq, command_status, message_id}
//   submit_done {tag, pdus, ok, failed, statuses: {"<status>": count}, message_ids (when count*parts
//     <= 1000), aborted (connection lost first), elapsed_ms}
//   deliver_sm {seq, service_type, source_addr_ton, source_addr_npi, source_addr, dest_addr_ton,
//     dest_addr_npi, destination_addr, esm_class, protocol_id, priority_flag,
//     schedule_delivery_time, validity_period, registered_delivery, replace_if_present_flag,
//     data_coding, sm_default_msg_id, sm_length, short_message (hex), udh (hex or null), body (hex),
//     text (decoded), concat ({kind,ref,total,seq} or null), tlvs {...}, is_receipt
//     (esm_class & 0x3C is 0x04 or 0x20), receipt ({id, sub, dlvrd, submit_date, done_date, stat,
//     err, text} parsed from the text, or null), receipted_message_id (or null), message_state (or
//     null), answered_status}
//   enquire_link_resp {command_status, tag}
//   enquire_link {}                    (from the peer; answered)
//   unbind_resp {command_status, tag}
//   unbind {}                          (from the peer; answered, then the connection is closed)
//   generic_nack {command_status, seq}
//   pdu {command, command_id, command_status, seq}   (anything else)
//   disconnect {}
//   error {error[, cmd]}
//   stats {submit_sm, submit_ok, submit_failed, deliver_sm, receipts, mo}
'use strict';
const { smpp, out, coalesceWrites, commands, buildParts, partFields, address, describeSm, parseReceipt } = require('./smpp_common');

const [host, portText, systemId, password, bindTypeArg, optsText] = process.argv.slice(2);
if (!host || !portText || bindTypeArg === undefined) {
  process.stderr.write('usage: node smpp_esme.js HOST PORT SYSTEM_ID PASSWORD BIND_TYPE [JSON]\n');
  process.exit(2);
}
const opts = {
  system_type: '', interface_version: 0x34, addr_ton: 0, addr_npi: 0, address_range: '',
  window: 10, quiet: false, enquire_link_period_ms: 0, ...(optsText ? JSON.parse(optsText) : {}),
};
const BIND = { transceiver: 'bind_transceiver', trx: 'bind_transceiver', transmitter: 'bind_transmitter',
  tx: 'bind_transmitter', receiver: 'bind_receiver', rx: 'bind_receiver' };

const stats = { submit_sm: 0, submit_ok: 0, submit_failed: 0, deliver_sm: 0, receipts: 0, mo: 0 };
let connected = false;
let closing = false;
let deliverStatus = { n: 0, status: 0 };
const jobs = new Set();

const session = smpp.connect({
  host, port: Number(portText), auto_enquire_link_period: opts.enquire_link_period_ms || 0,
  ...(opts.tls ? { tls: true, ca: [require('fs').readFileSync(opts.ca)], rejectUnauthorized: true } : {}),
});
coalesceWrites(session.socket);

function bind(type, sid, pw) {
  const command = BIND[type];
  if (!command) throw new Error(`bad bind type ${type}`);
  session[command]({
    system_id: sid, password: pw, system_type: opts.system_type, interface_version: opts.interface_version,
    addr_ton: opts.addr_ton, addr_npi: opts.addr_npi, address_range: opts.address_range,
  }, (resp) => {
    out({ event: 'bind_resp', bind_type: command.slice(5), command_status: resp.command_status,
      system_id: resp.system_id ?? null });
  });
}

session.on(opts.tls ? 'secureConnect' : 'connect', () => {
  connected = true;
  out({ event: 'connected' });
  if (bindTypeArg !== 'none') {
    try {
      bind(bindTypeArg, systemId, password);
    } catch (e) {
      out({ event: 'error', error: e.message });
    }
  }
});

session.on('deliver_sm', (pdu) => {
  stats.deliver_sm++;
  let status = 0;
  if (deliverStatus.n > 0) {
    deliverStatus.n--;
    status = deliverStatus.status;
  }
  const type = pdu.esm_class & 0x3c;
  const isReceipt = type === 0x04 || type === 0x20;
  if (isReceipt) stats.receipts++;
  else stats.mo++;
  if (!opts.quiet) {
    const info = describeSm(pdu);
    out({ event: 'deliver_sm', seq: pdu.sequence_number, ...info, is_receipt: isReceipt,
      receipt: isReceipt ? parseReceipt(info.text) : null,
      receipted_message_id: pdu.receipted_message_id ?? null, message_state: pdu.message_state ?? null,
      answered_status: status });
  }
  session.send(pdu.response({ command_status: status }));
});

session.on('enquire_link', (pdu) => {
  out({ event: 'enquire_link' });
  session.send(pdu.response());
});

session.on('unbind', (pdu) => {
  out({ event: 'unbind' });
  session.send(pdu.response(), () => session.close());
});

session.on('pdu', (pdu) => {
  if (pdu.command === 'generic_nack') {
    out({ event: 'generic_nack', command_status: pdu.command_status, seq: pdu.sequence_number });
  } else if (!['deliver_sm', 'enquire_link', 'unbind', 'submit_sm_resp', 'enquire_link_resp', 'unbind_resp',
    'bind_transceiver_resp', 'bind_transmitter_resp', 'bind_receiver_resp'].includes(pdu.command)) {
    out({ event: 'pdu', command: pdu.command, command_id: '0x' + (pdu.command_id >>> 0).toString(16).padStart(8, '0'),
      command_status: pdu.command_status, seq: pdu.sequence_number });
    if (pdu.command === 'unknown' || !pdu.isResponse()) session.send(pdu.response());
  }
});

session.on('error', (e) => out({ event: 'error', error: e.message }));

session.on('close', () => {
  out({ event: 'disconnect' });
  connected = false;
  for (const job of jobs) finishJob(job, true);
  if (closing) finish();
});

function finish() {
  out({ event: 'stats', ...stats });
  process.exit(0);
}

function finishJob(job, aborted) {
  if (!jobs.has(job)) return;
  jobs.delete(job);
  const ev = { event: 'submit_done', tag: job.tag, pdus: job.answered, ok: job.ok, failed: job.failed,
    statuses: job.statuses, aborted, elapsed_ms: Date.now() - job.started };
  if (job.messageIds) ev.message_ids = job.messageIds;
  out(ev);
}

// One submit command: count copies × parts, at most window unanswered.
function submit(cmd) {
  const count = cmd.count ?? 1;
  if (!(count >= 1)) throw new Error('count must be at least 1');
  const window = cmd.window ?? opts.window;
  const quiet = cmd.quiet ?? opts.quiet;
  const dc = cmd.data_coding ?? 0;
  const from = address(cmd.from, cmd.from_ton, cmd.from_npi);
  const to = address(cmd.to, cmd.to_ton, cmd.to_npi);
  const partsOf = (i) => buildParts({ ...cmd, data_coding: dc, text: count > 1 ? `${cmd.text ?? ''} ${i}` : cmd.text });
  const first = partsOf(0);
  first.forEach((p) => partFields(p, 0)); // throws (nothing sent) when a part is too long
  const job = { tag: cmd.tag, started: Date.now(), answered: 0, ok: 0, failed: 0, statuses: {},
    messageIds: count * first.length <= 1000 ? [] : null };
  jobs.add(job);
  let index = 0;
  let queue = first.map((p) => ({ index: 0, part: p }));
  let inflight = 0;
  const pump = () => {
    while (inflight < window && jobs.has(job)) {
      if (!queue.length) {
        if (++index >= count) break;
        queue = partsOf(index).map((p) => ({ index, part: p }));
      }
      const { index: idx, part } = queue.shift();
      const pdu = new smpp.PDU('submit_sm', {
        source_addr_ton: from.ton, source_addr_npi: from.npi, source_addr: from.addr,
        dest_addr_ton: to.ton, dest_addr_npi: to.npi, destination_addr: to.addr,
        registered_delivery: cmd.registered_delivery ?? 0, data_coding: dc,
        ...partFields(part, cmd.esm_class || 0), ...(cmd.extra || {}),
      });
      if (!session.send(pdu, (resp) => {
        inflight--;
        job.answered++;
        stats.submit_sm++;
        if (resp.command_status === 0) {
          job.ok++;
          stats.submit_ok++;
        } else {
          job.failed++;
          stats.submit_failed++;
        }
        job.statuses[resp.command_status] = (job.statuses[resp.command_status] || 0) + 1;
        if (job.messageIds) job.messageIds.push(resp.message_id ?? null);
        if (!quiet) {
          out({ event: 'submit_sm_resp', tag: cmd.tag, index: idx, part: part.seq, parts: part.total,
            seq: resp.sequence_number, command_status: resp.command_status, message_id: resp.message_id ?? null });
        }
        if (inflight === 0 && !queue.length && index >= count - 1) finishJob(job, false);
        else pump();
      })) {
        finishJob(job, true);
        return;
      }
      inflight++;
    }
  };
  pump();
}

commands((cmd) => {
  switch (cmd.cmd) {
    case 'submit':
      submit(cmd);
      break;
    case 'raw':
      session.socket.write(Buffer.from(cmd.hex, 'hex'));
      break;
    case 'enquire_link':
      session.enquire_link({}, (resp) => out({ event: 'enquire_link_resp', command_status: resp.command_status, tag: cmd.tag }));
      break;
    case 'unbind':
      session.unbind({}, (resp) => out({ event: 'unbind_resp', command_status: resp.command_status, tag: cmd.tag }));
      break;
    case 'bind':
      bind(cmd.type || 'transceiver', cmd.system_id ?? systemId, cmd.password ?? password);
      break;
    case 'deliver_status':
      deliverStatus = { n: cmd.n ?? 1, status: cmd.status ?? 0 };
      break;
    case 'quiet':
      opts.quiet = cmd.on ?? true;
      break;
    case 'stats':
      out({ event: 'stats', ...stats });
      break;
    case 'close':
      out({ event: 'ack', cmd: 'close', tag: cmd.tag });
      closing = true;
      if (!connected) finish();
      session.close();
      return;
    default:
      throw new Error(`unknown command ${cmd.cmd}`);
  }
  out({ event: 'ack', cmd: cmd.cmd, tag: cmd.tag });
}, () => {
  closing = true;
  if (!connected) finish();
  session.close();
});
