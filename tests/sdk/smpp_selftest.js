// Self-test of smpp_smsc.js and smpp_esme.js against each other (no gateway involved): bind with
// right and wrong passwords, submit with a receipt (hex ids, decimal receipt id, TLVs), ENROUTE,
// on-demand receipts, throttling, split submits (UDH and SAR), MO concatenated out of order with a
// duplicate part (8-bit and 16-bit UDH, SAR; GSM, Latin-1, UCS-2), enquire_link left unanswered,
// hold + drop with the resend accepted exactly once, a malformed PDU, unbind, and bench mode.
// Every wait is on an event, with a deadline.
// Usage: node smpp_selftest.js   (exits 0 and prints "smpp selftest: ok" on success;
//        SMPP_SELFTEST_VERBOSE=1 echoes every event line to stderr)
'use strict';
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');

const DEADLINE_MS = 10000;

function matches(ev, pattern) {
  if (typeof pattern === 'function') return pattern(ev);
  for (const [k, v] of Object.entries(pattern)) {
    if (typeof v === 'function') {
      if (!v(ev[k])) return false;
    } else if (v !== null && typeof v === 'object') {
      if (ev[k] === null || typeof ev[k] !== 'object' || !matches(ev[k], v)) return false;
    } else if (ev[k] !== v) return false;
  }
  return true;
}

// A child program speaking JSON lines; next() takes the first not yet taken event that matches.
class Proc {
  constructor(name, args) {
    this.name = name;
    this.events = [];
    this.taken = [];
    this.waiters = [];
    this.stderr = '';
    this.exited = null;
    this.child = spawn(process.execPath, [path.join(__dirname, args[0]), ...args.slice(1)],
      { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (d) => { this.stderr += d; });
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      let ev;
      try {
        ev = JSON.parse(line);
      } catch (e) {
        ev = { event: 'unparsable', line };
      }
      if (process.env.SMPP_SELFTEST_VERBOSE) process.stderr.write(`${this.name} ${line}\n`);
      this.events.push(ev);
      this.taken.push(false);
      this.wake();
    });
    this.exitPromise = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      this.exited = { code, signal };
      // Let the remaining stdout lines arrive before waiters are failed.
      setImmediate(() => { this.wake(); resolve(this.exited); });
    }));
  }

  send(cmd) {
    this.child.stdin.write(JSON.stringify(cmd) + '\n');
  }

  find(pattern) {
    for (let i = 0; i < this.events.length; i++) {
      if (!this.taken[i] && matches(this.events[i], pattern)) return i;
    }
    return -1;
  }

  wake() {
    for (const w of [...this.waiters]) {
      const i = this.find(w.pattern);
      if (i >= 0) {
        this.taken[i] = true;
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.resolve(this.events[i]);
      } else if (this.exited) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        clearTimeout(w.timer);
        w.reject(this.failure(`exited (${JSON.stringify(this.exited)}) before`, w.pattern));
      }
    }
  }

  failure(why, pattern) {
    const last = this.events.slice(-15).map((e) => JSON.stringify(e)).join('\n  ');
    return new Error(`${this.name}: ${why} ${JSON.stringify(pattern, (k, v) => (typeof v === 'function' ? String(v) : v))}` +
      `\n last events:\n  ${last}\n stderr: ${this.stderr}`);
  }

  next(pattern, ms = DEADLINE_MS) {
    if (typeof pattern === 'string') pattern = { event: pattern };
    return new Promise((resolve, reject) => {
      const w = { pattern, resolve, reject };
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(this.failure(`no event within ${ms} ms matching`, pattern));
      }, ms);
      this.waiters.push(w);
      this.wake();
    });
  }

  // Events matching pattern that arrived and were not taken (takes them).
  takeAll(pattern) {
    const got = [];
    for (let i = 0; i < this.events.length; i++) {
      if (!this.taken[i] && matches(this.events[i], pattern)) {
        this.taken[i] = true;
        got.push(this.events[i]);
      }
    }
    return got;
  }

  async command(cmd) {
    const tag = cmd.tag ?? `t${Proc.tags = (Proc.tags || 0) + 1}`;
    this.send({ ...cmd, tag });
    const ack = await this.next((ev) => ev.tag === tag && (ev.event === 'ack' || ev.event === 'error'));
    assert.equal(ack.event, 'ack', `${this.name} ${cmd.cmd}: ${JSON.stringify(ack)}`);
    return tag;
  }

  async stop() {
    if (!this.exited) {
      this.child.stdin.end();
      const t = setTimeout(() => this.child.kill('SIGKILL'), DEADLINE_MS);
      await this.exitPromise;
      clearTimeout(t);
    }
    return this.exited;
  }
}

function esme(port, systemId, password, bindType, opts) {
  const args = ['smpp_esme.js', '127.0.0.1', String(port), systemId, password, bindType];
  if (opts) args.push(JSON.stringify(opts));
  return new Proc(`esme(${systemId}/${bindType})`, args);
}

// Reassembles concatenated deliver_sm events (UDH or SAR), keeping the first copy of each part.
function reassemble(events) {
  const parts = new Map();
  let total = 0;
  for (const e of events) {
    assert.ok(e.concat, 'deliver_sm without concatenation info: ' + JSON.stringify(e));
    total = e.concat.total;
    if (!parts.has(e.concat.seq)) parts.set(e.concat.seq, e.text);
  }
  assert.equal(parts.size, total);
  return [...Array(total).keys()].map((i) => parts.get(i + 1)).join('');
}

async function main() {
  const all = [];
  const smsc = new Proc('smsc', ['smpp_smsc.js', JSON.stringify({ system_id: 'gw', password: 'pw', id_style: 'hex',
    receipt_id: 'decimal' })]);
  all.push(smsc);
  try {
    const { port } = await smsc.next('listening');
    assert.ok(port > 0);

    // Wrong password: ESME_RBINDFAIL, connection closed.
    const bad = esme(port, 'gw', 'nope', 'transceiver');
    all.push(bad);
    assert.equal((await bad.next('bind_resp')).command_status, 0x0d);
    assert.equal((await smsc.next({ event: 'bind', password: 'nope' })).command_status, 0x0d);
    await bad.next('disconnect');
    assert.equal((await bad.stop()).code, 0);

    // Right password.
    const e = esme(port, 'gw', 'pw', 'transceiver');
    all.push(e);
    assert.deepEqual((await e.next('bind_resp')).command_status, 0);
    const bind = await smsc.next({ event: 'bind', command_status: 0 });
    assert.equal(bind.bind_type, 'transceiver');
    assert.equal(bind.system_id, 'gw');
    assert.equal(bind.password, 'pw');

    // Submit with a receipt: hex message id, the receipt text has it in decimal; TLVs carry it as is.
    await e.command({ cmd: 'submit', to: '+14155550100', from: 'Switchbd', text: 'hello {world} €5',
      registered_delivery: 1, tag: 'one' });
    const resp = await e.next({ event: 'submit_sm_resp', tag: 'one' });
    assert.equal(resp.command_status, 0);
    assert.match(resp.message_id, /^[0-9A-F]+$/);
    assert.match(resp.message_id, /[A-F]/);
    const sub = await smsc.next({ event: 'submit_sm', message_id: resp.message_id });
    assert.equal(sub.destination_addr, '14155550100');
    assert.equal(sub.dest_addr_ton, 1);
    assert.equal(sub.dest_addr_npi, 1);
    assert.equal(sub.source_addr, 'Switchbd');
    assert.equal(sub.source_addr_ton, 5);
    assert.equal(sub.source_addr_npi, 0);
    assert.equal(sub.data_coding, 0);
    assert.equal(sub.esm_class, 0);
    assert.equal(sub.registered_delivery, 1);
    assert.equal(sub.text, 'hello {world} €5');
    assert.equal(sub.short_message, '68656c6c6f201b28776f726c641b2920' + '1b65' + '35'); // GSM unpacked, escapes
    assert.equal(sub.accepted, 1);
    const dlr = await e.next({ event: 'deliver_sm', is_receipt: true });
    assert.equal(dlr.esm_class, 0x04);
    assert.equal(dlr.receipt.id, BigInt('0x' + resp.message_id).toString(10));
    assert.equal(dlr.receipt.stat, 'DELIVRD');
    assert.equal(dlr.receipt.sub, '001');
    assert.equal(dlr.receipt.dlvrd, '001');
    assert.equal(dlr.receipt.err, '000');
    assert.match(dlr.receipt.submit_date, /^\d{10}$/);
    assert.equal(dlr.receipted_message_id, resp.message_id);
    assert.equal(dlr.message_state, 2);
    assert.equal(dlr.source_addr, '14155550100');
    assert.equal(dlr.destination_addr, 'Switchbd');
    assert.equal(dlr.receipt.text, 'hello {world} €5');
    assert.equal((await smsc.next({ event: 'deliver_sm_resp', kind: 'receipt', message_id: resp.message_id })).command_status, 0);

    // Receipt options: ENROUTE first, no sub/dlvrd, no TLVs, "same" id.
    await smsc.command({ cmd: 'config', receipt_enroute: true, receipt_sub_dlvrd: false, receipt_tlvs: false, receipt_id: 'same' });
    await e.command({ cmd: 'submit', to: '+14155550101', from: '+12025550100', text: 'two', registered_delivery: 1, tag: 'two' });
    const resp2 = await e.next({ event: 'submit_sm_resp', tag: 'two' });
    const enroute = await e.next({ event: 'deliver_sm', is_receipt: true });
    assert.equal(enroute.receipt.stat, 'ENROUTE');
    assert.equal(enroute.receipt.id, resp2.message_id);
    assert.equal(enroute.receipt.sub, null);
    assert.equal(enroute.receipted_message_id, null);
    assert.ok(!/sub:|dlvrd:/.test(enroute.text));
    assert.equal((await e.next({ event: 'deliver_sm', is_receipt: true })).receipt.stat, 'DELIVRD');
    await smsc.command({ cmd: 'config', receipt_enroute: false, receipt_sub_dlvrd: true, receipt_tlvs: true, receipt_id: 'decimal' });
    // On demand.
    await smsc.command({ cmd: 'receipt', id: resp2.message_id, stat: 'UNDELIV', err: '001' });
    const undeliv = await e.next({ event: 'deliver_sm', is_receipt: true });
    assert.equal(undeliv.receipt.stat, 'UNDELIV');
    assert.equal(undeliv.receipt.err, '001');
    assert.equal(undeliv.receipt.dlvrd, '000');
    assert.equal(undeliv.message_state, 5);
    assert.equal(undeliv.receipt.id, BigInt('0x' + resp2.message_id).toString(10));
    assert.equal(undeliv.destination_addr, '12025550100');

    // Throttle: the next 2 of 3 submits get 0x58.
    await smsc.command({ cmd: 'throttle', n: 2 });
    await e.command({ cmd: 'submit', to: '+14155550102', from: '+12025550100', text: 'thr', count: 3, window: 1, tag: 'thr' });
    const done = await e.next({ event: 'submit_done', tag: 'thr' });
    assert.deepEqual(done.statuses, { 88: 2, 0: 1 });
    const thr = [await e.next({ event: 'submit_sm_resp', tag: 'thr' }), await e.next({ event: 'submit_sm_resp', tag: 'thr' }),
      await e.next({ event: 'submit_sm_resp', tag: 'thr' })];
    assert.deepEqual(thr.map((r) => r.command_status), [0x58, 0x58, 0]);
    assert.equal(thr[2].index, 2);

    // Long submits split by the ESME: UDH (8-bit) and SAR, UCS-2.
    const long = 'Ünïcödé ' + 'x'.repeat(70) + ' 😀 end';
    await e.command({ cmd: 'submit', to: '+14155550103', from: '+12025550100', text: long, data_coding: 8, split: 'udh', ref: 7, tag: 'udh' });
    const udhDone = await e.next({ event: 'submit_done', tag: 'udh' });
    assert.equal(udhDone.ok, 2);
    const u1 = await smsc.next({ event: 'submit_sm', destination_addr: '14155550103', concat: { seq: 1 } });
    const u2 = await smsc.next({ event: 'submit_sm', destination_addr: '14155550103', concat: { seq: 2 } });
    assert.equal(u1.esm_class, 0x40);
    assert.equal(u1.udh, '050003070201');
    assert.equal(u1.data_coding, 8);
    assert.equal(u1.text + u2.text, long);
    await e.command({ cmd: 'submit', to: '+14155550104', from: '+12025550100', text: 'y'.repeat(200), split: 'sar', ref: 300, tag: 'sar' });
    await e.next({ event: 'submit_done', tag: 'sar', ok: 2 });
    const s1 = await smsc.next({ event: 'submit_sm', destination_addr: '14155550104', concat: { seq: 1 } });
    assert.deepEqual([s1.tlvs.sar_msg_ref_num, s1.tlvs.sar_total_segments, s1.tlvs.sar_segment_seqnum], [300, 2, 1]);
    assert.equal(s1.esm_class, 0);
    assert.equal(s1.text.length, 160);
    await e.command({ cmd: 'submit', to: '+14155550105', from: '+12025550100', text: 'z'.repeat(300), split: 'payload', tag: 'pl' });
    await e.next({ event: 'submit_done', tag: 'pl', ok: 1 });
    const pl = await smsc.next({ event: 'submit_sm', destination_addr: '14155550105' });
    assert.equal(pl.sm_length, 0);
    assert.equal(pl.tlvs.message_payload, Buffer.from('z'.repeat(300)).toString('hex'));
    assert.equal(pl.text, 'z'.repeat(300));

    // MO concatenated, out of order with a duplicate part: 8-bit UDH (GSM), 16-bit UDH (UCS-2), SAR (Latin-1).
    const moCases = [
      { split: 'udh8', data_coding: 0, text: 'GSM [x] ' + 'abcdefghij'.repeat(35), udh: /^050003/ },
      { split: 'udh16', data_coding: 8, text: 'Grüße 日本 😀 ' + 'ü'.repeat(150), udh: /^060804/ },
      { split: 'sar', data_coding: 3, text: 'café ' + 'é'.repeat(300), udh: null },
    ];
    for (const c of moCases) {
      const tag = await smsc.command({ cmd: 'mo', from: '+14155550199', to: '12345', text: c.text, data_coding: c.data_coding,
        split: c.split, order: [3, 1, 2, 1] });
      const moDone = await smsc.next({ event: 'mo_done', tag });
      assert.deepEqual(moDone.statuses, [0, 0, 0, 0]);
      const got = [];
      for (let i = 0; i < 4; i++) got.push(await e.next({ event: 'deliver_sm', is_receipt: false }));
      assert.deepEqual(got.map((g) => g.concat.seq), [3, 1, 2, 1]);
      for (const g of got) {
        assert.equal(g.data_coding, c.data_coding);
        assert.equal(g.source_addr, '14155550199');
        assert.equal(g.source_addr_ton, 1);
        assert.equal(g.destination_addr, '12345');
        assert.equal(g.concat.kind, c.split);
        assert.equal(g.concat.total, 3);
        if (c.udh) {
          assert.match(g.udh, c.udh);
          assert.equal(g.esm_class, 0x40);
        } else {
          assert.equal(g.udh, null);
          assert.equal(g.esm_class, 0);
        }
      }
      assert.equal(reassemble(got), c.text);
    }
    // MO single, answered with an error by the ESME: the SMSC prints that status.
    await e.command({ cmd: 'deliver_status', status: 0x08 });
    const tagSingle = await smsc.command({ cmd: 'mo', from: '+14155550199', to: '12345', text: 'hi', data_coding: 0 });
    assert.deepEqual((await smsc.next({ event: 'mo_done', tag: tagSingle })).statuses, [8]);
    const single = await e.next({ event: 'deliver_sm', is_receipt: false });
    assert.equal(single.text, 'hi');
    assert.equal(single.concat, null);
    assert.equal(single.answered_status, 8);

    // enquire_link answered, then not: the unanswered one is proven by a later submit's resp arriving
    // with no enquire_link_resp before it (one TCP stream, answered in order).
    await e.command({ cmd: 'enquire_link', tag: 'el1' });
    assert.equal((await e.next({ event: 'enquire_link_resp', tag: 'el1' })).command_status, 0);
    await smsc.next({ event: 'enquire_link', answered: true });
    await smsc.command({ cmd: 'enquire_link', answer: false });
    await e.command({ cmd: 'enquire_link', tag: 'el2' });
    await smsc.next({ event: 'enquire_link', answered: false });
    await e.command({ cmd: 'submit', to: '+14155550106', from: '+12025550100', text: 'after', tag: 'after' });
    await e.next({ event: 'submit_sm_resp', tag: 'after' });
    assert.equal(e.takeAll({ event: 'enquire_link_resp', tag: 'el2' }).length, 0);
    await smsc.command({ cmd: 'enquire_link', answer: true });
    // The SMSC pings the ESME.
    await smsc.command({ cmd: 'ping' });
    assert.equal((await smsc.next('enquire_link_resp')).command_status, 0);
    await e.next('enquire_link');

    // Malformed PDU (unknown command id 0x00000077): generic_nack ESME_RINVCMDID.
    await e.command({ cmd: 'raw', hex: '00000010' + '00000077' + '00000000' + '0000abcd' });
    assert.equal((await smsc.next('unknown_pdu')).command_id, '0x00000077');
    const nack = await e.next('generic_nack');
    assert.equal(nack.command_status, 3);
    assert.equal(nack.seq, 0xabcd);

    // Hold: 5 submits go unanswered (window full), drop the connection: none accepted. The same 5
    // on a new connection are accepted exactly once each.
    await smsc.command({ cmd: 'hold' });
    await e.command({ cmd: 'submit', to: '+14155550107', from: '+12025550100', text: 'held', count: 5, window: 5, tag: 'h1' });
    for (let i = 0; i < 5; i++) assert.equal((await smsc.next({ event: 'submit_sm', held: true })).command_status, null);
    await smsc.command({ cmd: 'drop' });
    assert.equal((await smsc.next('drop')).held_discarded, 5);
    await e.next('disconnect');
    const aborted = await e.next({ event: 'submit_done', tag: 'h1' });
    assert.equal(aborted.aborted, true);
    assert.equal(aborted.pdus, 0);
    await smsc.next({ event: 'disconnect', system_id: 'gw' });
    await e.stop();
    const e2 = esme(port, 'gw', 'pw', 'transmitter');
    all.push(e2);
    assert.equal((await e2.next('bind_resp')).command_status, 0);
    await e2.command({ cmd: 'submit', to: '+14155550107', from: '+12025550100', text: 'held', count: 5, window: 5, tag: 'h2' });
    assert.equal((await e2.next({ event: 'submit_done', tag: 'h2' })).ok, 5);
    for (let i = 0; i < 5; i++) assert.equal((await smsc.next({ event: 'submit_sm', destination_addr: '14155550107', held: false })).accepted, 1);
    // Release: held ones are answered when released.
    await smsc.command({ cmd: 'hold' });
    await e2.command({ cmd: 'submit', to: '+14155550108', from: '+12025550100', text: 'rel', count: 2, tag: 'rel' });
    await smsc.next({ event: 'submit_sm', held: true, destination_addr: '14155550108' });
    await smsc.next({ event: 'submit_sm', held: true, destination_addr: '14155550108' });
    await smsc.command({ cmd: 'release' });
    assert.equal((await e2.next({ event: 'submit_done', tag: 'rel' })).ok, 2);
    await smsc.command({ cmd: 'stats' });
    const st = await smsc.next('stats');
    assert.equal(st.max_accepted, 1);
    assert.deepEqual(st.duplicates, []);
    assert.equal(st.held, 0);
    // A transmitter gets no receipts: they wait for a receiver of the same system_id.
    await e2.command({ cmd: 'submit', to: '+14155550109', from: '+12025550100', text: 'later', registered_delivery: 1, tag: 'later' });
    const later = await e2.next({ event: 'submit_sm_resp', tag: 'later' });
    await smsc.next({ event: 'receipt_pending', message_id: later.message_id });
    const rx = esme(port, 'gw', 'pw', 'receiver');
    all.push(rx);
    assert.equal((await rx.next('bind_resp')).command_status, 0);
    const laterDlr = await rx.next({ event: 'deliver_sm', is_receipt: true });
    assert.equal(laterDlr.receipted_message_id, later.message_id);
    // A submit on a receiver bind: ESME_RINVBNDSTS.
    await rx.command({ cmd: 'submit', to: '+14155550110', from: '+12025550100', text: 'no', tag: 'rx' });
    assert.equal((await rx.next({ event: 'submit_sm_resp', tag: 'rx' })).command_status, 0x04);

    // fail: a given status; decimal ids with a zero-padded hex receipt id; explicit MO segments,
    // pipelined; raw MO bytes; the SMSC unbinding the receiver.
    await smsc.command({ cmd: 'fail', n: 1, status: 0x45 });
    await e2.command({ cmd: 'submit', to: '+14155550112', from: '+12025550100', text: 'f', tag: 'f' });
    assert.equal((await e2.next({ event: 'submit_sm_resp', tag: 'f' })).command_status, 0x45);
    await smsc.command({ cmd: 'config', id_style: 'decimal', id_start: 255, receipt_id: 'hex', receipt_id_pad: 8 });
    await e2.command({ cmd: 'submit', to: '+14155550113', from: '+12025550100', text: 'dec', registered_delivery: 1, tag: 'dec' });
    assert.equal((await e2.next({ event: 'submit_sm_resp', tag: 'dec' })).message_id, '255');
    const decDlr = await rx.next({ event: 'deliver_sm', is_receipt: true });
    assert.equal(decDlr.receipt.id, '000000FF');
    assert.equal(decDlr.receipted_message_id, '255');
    const segTag = await smsc.command({ cmd: 'mo', from: 'Bank', to: '12345', segments: ['ab', 'cd'], split: 'udh16',
      ref: 4660, order: [2, 1], pipeline: true });
    assert.deepEqual((await smsc.next({ event: 'mo_done', tag: segTag })).statuses, [0, 0]);
    const seg = [await rx.next({ event: 'deliver_sm', is_receipt: false }), await rx.next({ event: 'deliver_sm', is_receipt: false })];
    assert.equal(seg[0].udh, '060804123402' + '02');
    assert.equal(seg[0].source_addr_ton, 5);
    assert.equal(reassemble(seg), 'abcd');
    const hexTag = await smsc.command({ cmd: 'mo', from: '+1', to: '2', hex: '00ff41', data_coding: 4 });
    await smsc.next({ event: 'mo_done', tag: hexTag });
    assert.equal((await rx.next({ event: 'deliver_sm', is_receipt: false })).short_message, '00ff41');
    await smsc.command({ cmd: 'unbind', session: (await smsc.next({ event: 'bind', bind_type: 'receiver' })).session });
    await rx.next('unbind');
    assert.equal((await smsc.next('unbind_resp')).command_status, 0);
    await rx.next('disconnect');

    // Unbind.
    await e2.command({ cmd: 'unbind', tag: 'ub' });
    assert.equal((await e2.next({ event: 'unbind_resp', tag: 'ub' })).command_status, 0);
    await smsc.next('unbind');
    await e2.next('disconnect');
    assert.equal((await e2.stop()).code, 0);
    assert.equal((await rx.stop()).code, 0);
    assert.equal((await smsc.stop()).code, 0);
    await smsc.next('stats');

    // Bench: 2000 submits with receipts, window 50.
    const bench = new Proc('bench-smsc', ['smpp_smsc.js', JSON.stringify({ bench: true })]);
    all.push(bench);
    const bport = (await bench.next('listening')).port;
    const be = esme(bport, 'any', 'any', 'transceiver', { quiet: true });
    all.push(be);
    assert.equal((await be.next('bind_resp')).command_status, 0);
    await be.command({ cmd: 'submit', to: '+14155550111', from: '+12025550100', text: 'bench', count: 2000, window: 50,
      registered_delivery: 1, tag: 'bench' });
    const bdone = await be.next({ event: 'submit_done', tag: 'bench' }, 60000);
    assert.equal(bdone.ok, 2000);
    assert.equal(bdone.message_ids, undefined);
    await be.command({ cmd: 'close' });
    const bst = await be.next('stats');
    assert.equal(bst.submit_ok, 2000);
    bench.child.kill('SIGTERM');
    const bstats = await bench.next('stats');
    assert.equal(bstats.accepted, 2000);
    assert.equal(bstats.receipts_sent, 2000);
    assert.equal(bench.takeAll({ event: 'submit_sm' }).length, 0);
    console.log(JSON.stringify({ bench_ms: bdone.elapsed_ms, receipts_received: bst.receipts, receipt_resps: bstats.receipt_resps }));
  } finally {
    for (const p of all) if (!p.exited) p.child.kill('SIGKILL');
  }
  console.log('smpp selftest: ok');
}

main().catch((e) => {
  console.error(e.stack || e);
  process.exit(1);
});
