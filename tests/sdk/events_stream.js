// The live event stream (GET /v1/events) from an independent WebSocket client (npm `ws`).
// Usage:
//   node events_stream.js resume SEND_URL LISTEN_URL KEY OTHER_KEY N
//     Sends N messages through SEND_URL while a client of LISTEN_URL (the same gateway, or another
//     instance on the same database) reads the stream, dropping its connection at random points
//     and resuming with after=<last id>. Every message must be created, queued, sent and delivered
//     exactly once in the stream, ids strictly increasing, nothing repeated; a client of another
//     account (OTHER_KEY) must see none of it. The client pings all along: the gateway's pongs go
//     out between its batched event frames and must neither split nor corrupt them.
//   node events_stream.js slow URL KEY N
//     A client that stops reading while N messages are sent: every send is still accepted, the
//     client is cut off with close code 4008 and a reason naming the id to resume after, and
//     resuming from it works.
//   node events_stream.js batch URL KEY N
//     A client that reads the stream while a batch of N recipients is sent: batch.progress events
//     from `materializing` to `completed`, their counts never going back, the last one counting N
//     delivered, and every message.created of the batch naming it.
// Prints one JSON line of figures, then "events stream: ok".
'use strict';
const assert = require('node:assert/strict');
const WebSocket = require('ws');

const [mode, ...args] = process.argv.slice(2);

function eventsUrl(base, after) {
  return base.replace(/^http/, 'ws') + '/v1/events' + (after ? `?after=${after}` : '');
}

function connect(base, key, after) {
  return new WebSocket(eventsUrl(base, after), { headers: { Authorization: `Bearer ${key}` } });
}

function opened(ws) {
  return new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

async function send(base, key, n, tag) {
  let next = 0;
  const ids = [];
  async function worker() {
    while (next < n) {
      const i = next++;
      const to = `+1415555${String(1000 + (i % 9000)).padStart(4, '0')}`;
      const res = await fetch(base + '/v1/messages', {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ to, from: '+12025550100', body: `${tag} ${i}` }),
      });
      const text = await res.text();
      assert.equal(res.status, 202, text);
      ids.push(JSON.parse(text).id);
    }
  }
  await Promise.all(Array.from({ length: 16 }, worker));
  return ids;
}

async function resume() {
  const [sendUrl, listenUrl, key, otherKey, nText] = args;
  const n = Number(nText);
  const seen = new Set();
  const byMessage = new Map();
  let last = null;
  let total = 0;
  let reconnects = 0;
  let sentIds = null;
  let delivered = 0;
  let pongs = 0;

  // The other account listens the whole time and must hear nothing.
  const other = connect(listenUrl, otherKey);
  let leaked = 0;
  other.on('message', () => { leaked++; });
  await opened(other);

  let finish;
  const done = new Promise((resolve) => { finish = resolve; });
  function check() {
    if (sentIds && delivered === n) finish();
  }
  function record(ev) {
    assert.ok(!seen.has(ev.id), `event ${ev.id} repeated`);
    if (last !== null) assert.ok(ev.id > last, `id ${ev.id} after ${last}`);
    seen.add(ev.id);
    last = ev.id;
    total++;
    if (ev.type === 'message.created') {
      assert.ok(!byMessage.has(ev.data.id), `message ${ev.data.id} created twice`);
      byMessage.set(ev.data.id, []);
    } else if (ev.type === 'message.status') {
      const list = byMessage.get(ev.data.message_id);
      assert.ok(list, `status before creation for ${ev.data.message_id}`);
      list.push(ev.data.status);
      if (ev.data.status === 'delivered') delivered++;
    }
  }
  function open(after) {
    const ws = connect(listenUrl, key, after);
    let budget = 1 + Math.floor(Math.random() * 600);
    ws.on('message', (data) => {
      if (budget <= 0) return;  // dropped: whatever still arrives is not counted
      record(JSON.parse(data.toString()));
      check();
      if (--budget === 0) {
        reconnects++;
        if (Math.random() < 0.5) ws.terminate(); else ws.close();
        open(last);
      }
    });
    ws.on('error', () => {});
    ws.on('pong', () => { pongs++; });
    const pinger = setInterval(() => { if (ws.readyState === WebSocket.OPEN) ws.ping(); }, 1);
    ws.on('close', () => clearInterval(pinger));
  }
  open(null);
  // The first connection is registered before sending starts.
  await new Promise((r) => setTimeout(r, 200));
  sentIds = await send(sendUrl, key, n, 'resume');
  check();
  const timer = setTimeout(() => {
    console.error(`timed out: ${delivered}/${n} delivered, ${total} events, last ${last}`);
    process.exit(1);
  }, 120000);
  await done;
  clearTimeout(timer);
  for (const id of sentIds) {
    const statuses = byMessage.get(id);
    assert.ok(statuses, `message ${id} never created in the stream`);
    assert.deepEqual(statuses, ['queued', 'sending', 'sent', 'delivered'], `${id}: ${statuses}`);
  }
  assert.equal(leaked, 0, 'another account received events');
  assert.ok(pongs > 0, 'no pong came back');
  console.log(JSON.stringify({ events: total, reconnects, messages: n, pongs }));
  console.log('events stream: ok');
  process.exit(0);
}

async function slow() {
  const [url, key, nText] = args;
  const n = Number(nText);
  const ws = connect(url, key);
  await opened(ws);
  ws._socket.pause();  // stop reading: the gateway's queue for this client fills
  const closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  const t0 = Date.now();
  await send(url, key, n, 'slow');
  const acceptMs = Date.now() - t0;
  ws._socket.resume();
  const { code, reason } = await closed;
  assert.equal(code, 4008, `close ${code} ${reason}`);
  const after = /after=([0-9a-f]{48})/.exec(reason);
  assert.ok(after, reason);
  // Resuming from the id it names works.
  const again = connect(url, key, after[1]);
  const first = await new Promise((resolve, reject) => {
    again.once('message', (d) => resolve(JSON.parse(d.toString())));
    again.once('error', reject);
  });
  assert.ok(first.id > after[1]);
  again.terminate();
  console.log(JSON.stringify({ messages: n, accept_ms: acceptMs, close: code }));
  console.log('events stream: ok');
  process.exit(0);
}

async function batch() {
  const [url, key, nText] = args;
  const n = Number(nText);
  let ws = connect(url, key);
  await opened(ws);
  const progress = [];
  let created = 0;
  let batchId = null;
  let resumes = 0;
  const pending = [];
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no batch.progress with every message delivered; saw ' +
      JSON.stringify(pending.filter((e) => e.type === 'batch.progress').slice(-3).map((e) => e.data)))), 60000);
    const listen = (socket) => {
      socket.on('message', (d) => {
        const e = JSON.parse(d.toString());
        pending.push(e);
        // Delivery reports can follow the last send: done once every message is delivered.
        if (e.type === 'batch.progress' && e.data.status === 'completed' && e.data.counts.delivered === n) {
          clearTimeout(timer);
          resolve();
        }
      });
      // A client too slow for the burst (a loaded machine) is cut off (4008): resume after the
      // last event it had, as any client should.
      socket.on('close', (code) => {
        if (code !== 4008) return;
        ++resumes;
        ws = connect(url, key, pending.length ? pending[pending.length - 1].id : undefined);
        listen(ws);
      });
    };
    listen(ws);
  });
  const recipients = Array.from({ length: n }, (_, i) => ({
    to: `+1415555${String(2000 + i).padStart(4, '0')}`, variables: { i: String(i) } }));
  const res = await fetch(url + '/v1/batches', {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ body: 'Batch row {{i}}', from: '+12025550100', recipients }),
  });
  const text = await res.text();
  assert.equal(res.status, 202, text);
  batchId = JSON.parse(text).id;
  await done;
  let last = '';
  for (const e of pending) {
    assert.ok(e.id > last, `ids out of order: ${e.id} after ${last}`);
    assert.equal(e.id.length, 48);
    last = e.id;
    if (e.type === 'message.created' && e.data.batch === batchId) ++created;
    if (e.type === 'batch.progress') {
      assert.equal(e.data.batch_id, batchId);
      progress.push(e.data);
    }
  }
  assert.equal(created, n, 'message.created events of the batch');
  assert.ok(progress.length >= 2, JSON.stringify(progress));
  assert.equal(progress[0].counts.total, n);
  for (let i = 1; i < progress.length; ++i) {
    assert.ok(progress[i].rows_processed >= progress[i - 1].rows_processed);
    assert.ok(progress[i].counts.delivered >= progress[i - 1].counts.delivered);
  }
  const final = progress[progress.length - 1];
  assert.equal(final.counts.delivered, n);
  assert.equal(final.rows_processed, n);
  ws.terminate();
  console.log(JSON.stringify({ batch: batchId, progress_events: progress.length, resumes,
    statuses: [...new Set(progress.map((p) => p.status))] }));
  console.log('events stream: ok');
  process.exit(0);
}

({ resume, slow, batch })[mode]().catch((e) => {
  console.error(e);
  process.exit(1);
});
