// Live-event clients for bench/run.sh (npm ws from tests/sdk/node_modules).
//   node bench/events_clients.js listen URL KEY CLIENTS SECONDS
//     CLIENTS connections to GET /v1/events of the key's account for SECONDS; prints "ready" once
//     all are open, then one RESULT line: clients, events received (all clients), and the
//     latency of message.status events, receive time minus the event's `at`, p50/p99 in µs, and
//     how many connections the gateway closed before the end (cut_off: 4008, too slow), so a
//     figure taken after the clients were cut off is not mistaken for one with them connected.
//   node bench/events_clients.js paced URL KEY RATE SECONDS [CLIENTS]
//     CLIENTS connections (default 1) listen while this script sends RATE messages/s for SECONDS
//     (POST /v1/messages, keep-alive); prints the same RESULT line for them.
'use strict';
const http = require('node:http');
const WebSocket = require('ws');

const [mode, url, key, nText, secondsText, clientsText] = process.argv.slice(2);
const n = Number(nText);
const seconds = Number(secondsText);
const latencies = [];
let events = 0;
let cutOff = 0;
let closedEarly = 0;
let done = false;

function listen(count) {
  return Promise.all(Array.from({ length: count }, (_, i) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/v1/events',
                             { headers: { Authorization: `Bearer ${key}` } });
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (done) return;
      closedEarly++;
      if (code === 4008) cutOff++;
    });
    ws.on('message', (data) => {
      events++;
      if (i !== 0) return;  // one client's latencies stand for all (they get the same frames)
      const ev = JSON.parse(data.toString());
      if (ev.type === 'message.status') latencies.push((Date.now() - Date.parse(ev.at)) * 1000);
    });
  })));
}

function report(clients) {
  latencies.sort((a, b) => a - b);
  const q = (p) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] : 0);
  console.log(`RESULT clients=${clients} events=${events} samples=${latencies.length} ` +
              `p50_us=${Math.round(q(0.5))} p99_us=${Math.round(q(0.99))} ` +
              `closed=${closedEarly} cut_off=${cutOff}`);
}

async function paced(rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const target = new URL(url + '/v1/messages');
  let sent = 0;
  let failed = 0;
  const t0 = Date.now();
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) / 1000) * rate);
      for (; sent < due; sent++) {
        const req = http.request(target, {
          method: 'POST', agent,
          headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        }, (res) => { if (res.statusCode !== 202) failed++; res.resume(); });
        req.on('error', () => { failed++; });
        req.end(JSON.stringify({ to: `+1415555${String(1000 + (sent % 9000))}`, body: 'paced' }));
      }
      if (Date.now() - t0 >= seconds * 1000) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  if (failed) console.error(`paced: ${failed} sends failed`);
}

(async () => {
  const sockets = await listen(mode === 'listen' ? n : Number(clientsText || 1));
  console.log('ready');
  if (mode === 'paced') {
    await paced(n);
    await new Promise((r) => setTimeout(r, 2000));  // the last deliveries
  } else {
    await new Promise((r) => setTimeout(r, seconds * 1000));
  }
  done = true;
  report(sockets.length);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
