// The console's pictures and its first-load cost, against a gateway this script starts itself
// (SQLite, the simulated carrier) and fills with a clinic's worth of data.
//   node console_pages.js screenshots BUILD_DIR OUT_DIR
//     every screen at 1280x800 and 375x812 as OUT_DIR/<screen>-<desktop|phone>.png
//   node console_pages.js load BUILD_DIR CONVERSATIONS
//     CONVERSATIONS conversations in the database, then a cold first load of the console in
//     Chromium: bytes transferred and the time until the inbox is usable (the conversation list
//     drawn and the live-events socket open), median of 5 loads.
'use strict';
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { chromium } = require('playwright-core');

const [mode, buildDir, arg] = process.argv.slice(2);
const bin = path.resolve(buildDir || 'build', 'switchboard');
const EMAIL = 'frontdesk@clinic.example';
const PASSWORD = 'front desk password';

async function startGateway() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-console-'));
  const config = path.join(dir, 'switchboard.toml');
  fs.writeFileSync(config, `[server]\nlisten = "127.0.0.1:0"\n` +
    `[database]\nurl = "sqlite://${dir}/sb.db"\n[accounts]\nprint_first_key = false\n` +
    `[media]\ndir = "${dir}/media"\n` +
    `[log]\nlevel = "warn"\n` +
    `[[connectors]]\nid = "sim"\nprovider = "sim"\ndelivery_delay_ms = 300\n` +
    `[[numbers]]\nnumber = "+12025550100"\naccount = "clinic"\nconnector = "sim"\n` +
    `[[numbers]]\nnumber = "+12025550101"\naccount = "clinic"\nconnector = "sim"\nmms = false\n`);
  const key = execFileSync(bin, ['keys', 'create', '--account', 'clinic', '--name', 'Operator', '--config', config]).toString().trim().split('\n').pop();
  execFileSync(bin, ['users', 'create', '--account', 'clinic', '--email', EMAIL, '--role', 'admin', '--password-stdin', '--config', config], { input: `${PASSWORD}\n` });
  execFileSync(bin, ['users', 'create', '--account', 'clinic', '--email', 'sam@clinic.example', '--role', 'agent', '--password-stdin', '--config', config], { input: 'agent password 1\n' });
  execFileSync(bin, ['keys', 'create', '--account', 'clinic', '--name', 'Appointment reminders', '--scopes', 'messages:send', '--rate-limit', '20', '--config', config]);
  execFileSync(bin, ['keys', 'create', '--account', 'clinic', '--name', 'Billing CRM', '--scopes', 'conversations,messages:send,messages:read', '--expires-in-days', '90', '--config', config]);
  const proc = spawn(bin, ['serve', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const base = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the gateway did not start')), 30000);
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = /listening on (http:\/\/\S+)/.exec(line);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  return { base, key, dir, stop: () => { proc.kill('SIGTERM'); } };
}

function client(base, key) {
  return async (method, p, body) => {
    const r = await fetch(base + p, { method, headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: body && JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

async function until(cond, what, ms = 20000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function seedClinic(api) {
  const people = [['Maria Lopez', '+12025550123'], ['Dev Patel', '+12025550124'], ['Aiko Tanaka', '+12025550125'], ['Jonas Berg', '+12025550126']];
  for (const [name, number] of people) await api('POST', '/v1/contacts', { number, name });
  await api('POST', '/v1/sim/inbound', { from: '+12025550126', to: '+12025550100', body: 'Is the clinic open on Saturday?' });
  await api('POST', '/v1/messages', { from: '+12025550100', to: '+12025550126', body: 'Yes, 9:00 to 13:00. See you then!' });
  await api('POST', '/v1/sim/inbound', { from: '+12025550125', to: '+12025550100', body: 'Thanks! Could I get a receipt for my visit?' });
  await api('POST', '/v1/messages', { from: '+12025550100', to: '+12025550125', body: 'Of course — it is on its way by email.' });
  await api('POST', '/v1/sim/inbound', { from: '+12025550124', to: '+12025550101', body: 'Running 10 minutes late, sorry' });
  await api('POST', '/v1/sim/inbound', { from: '+12025550123', to: '+12025550100', body: 'Hi, can I move my appointment to Thursday?' });
  await api('POST', '/v1/messages', { from: '+12025550100', to: '+12025550123', body: 'Thursday 10:00 works. Reply YES to confirm.' });
  await api('POST', '/v1/sim/inbound', { from: '+12025550123', to: '+12025550100', body: 'YES' });
  await api('POST', '/v1/sim/inbound', { from: '+12025550123', to: '+12025550100', body: 'And could you text my husband too? <b>+1 202 555 0130</b>' });
  await api('POST', '/v1/sim/inbound', { from: '+12025550188', to: '+12025550100', body: 'STOP' });
  await api('POST', '/v1/auto-replies', { match: 'exact', pattern: 'HOURS', body: 'We are open Mon–Fri 8:00–18:00 and Sat 9:00–13:00.' });
  await api('POST', '/v1/auto-replies', { match: 'contains', pattern: 'emergency', body: 'For an emergency call 911. We will text you back shortly.' });
  await api('POST', '/v1/pools', { name: 'Reminders', numbers: ['+12025550100', '+12025550101'] });
  await api('POST', '/v1/pools', { name: 'Front desk', numbers: ['+12025550100'], geomatch: false });
  await api('POST', '/v1/batches', { body: 'Hi {{name}}, your cleaning is tomorrow at {{time}}. Reply C to confirm.',
    from: '+12025550101', recipients: [
      { to: '+12025550140', variables: { name: 'Ana', time: '9:00' } },
      { to: '+12025550141', variables: { name: 'Ben', time: '9:30' } },
      { to: '+12025550142', variables: { name: 'Chloé', time: '10:15' } },
      { to: '+12025550188', variables: { name: 'Dan', time: '11:00' } },
      { to: '555-01', variables: { name: 'Eve', time: '11:45' } }] });
  await api('PATCH', '/v1/numbers/+12025550100', { friendly_name: 'Front desk', forwarding: { url: 'https://crm.clinic.example/sms', method: 'POST', format: 'switchboard' } });
  await until(async () => (await api('GET', '/v1/messages?status=delivered')).data.length >= 3, 'deliveries');
}

async function signIn(page, base) {
  await page.goto(base + '/');
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.live.live').waitFor();
}

async function screenshots(outDir) {
  const gw = await startGateway();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const api = client(gw.base, gw.key);
    await seedClinic(api);
    const maria = (await api('GET', '/v1/conversations?q=Maria')).data[0];
    const sent = (await api('GET', '/v1/messages?direction=outbound&limit=1')).data[0];
    fs.mkdirSync(outDir, { recursive: true });
    for (const [size, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 375, height: 812 }]]) {
      const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1 });
      const page = await ctx.newPage();
      const shot = async (name) => {
        await page.evaluate(() => document.activeElement && document.activeElement.blur());
        await page.screenshot({ path: path.join(outDir, `${name}-${size}.png`) });
      };
      await page.goto(gw.base + '/');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await shot('sign-in');
      await signIn(page, gw.base);
      await page.locator('.conversations li').first().waitFor();
      await shot('inbox');
      await page.goto(`${gw.base}/#/inbox/${maria.id}`);
      await page.locator('.thread .msg').first().waitFor();
      await page.getByLabel(/^Reply to/).fill('See you Thursday! ☕');
      await page.locator('.counter', { hasText: 'UCS-2' }).waitFor();
      await shot('thread');
      const screens = [['log', `#/log/${sent.id}`, '.detail .timeline li'], ['send', '#/send', 'form.composer'],
        ['numbers', '#/numbers', 'tbody tr'], ['contacts', '#/contacts', 'tbody tr'], ['opt-outs', '#/opt-outs', 'tbody tr'],
        ['auto-replies', '#/auto-replies', 'tbody tr'], ['signing-secret', '#/signing-secret', '.secret'],
        ['users', '#/users', 'tbody tr'], ['keys', '#/keys', 'tbody tr'], ['pools', '#/pools', 'tbody tr'],
        ['batches', '#/batches', 'tbody tr'], ['phone', '#/phone', '.phone-screen']];
      for (const [name, hash, ready] of screens) {
        await page.goto(gw.base + '/' + hash);
        await page.locator(ready).first().waitFor();
        if (name === 'numbers') await page.getByRole('button', { name: 'Edit +12025550100' }).click();
        if (name === 'batches') {  // tomorrow's list chosen, mapped and previewed
          await page.getByLabel('CSV file').setInputFiles({ name: 'tomorrow.csv', mimeType: 'text/csv',
            buffer: Buffer.from('Mobile,First name,Time\n+1 202 555 0150,Maria,9:00\n(202) 555-0151,Tom,9:30\n+12025550152,Zoë,10:00\nnone,Sam,10:30\n') });
          await page.getByLabel('Message', { exact: true }).fill('Hi {{First name}}, see you tomorrow at {{Time}}. Reply C to confirm.');
          await page.getByRole('button', { name: 'Preview' }).click();
          await page.locator('table.preview tbody tr').first().waitFor();
          await page.evaluate(() => document.querySelector('section[aria-label="Preview"]').scrollIntoView({ block: 'end' }));
        }
        if (name === 'phone') {  // Maria's phone: her side of the conversation
          await page.getByLabel('This phone').fill('+12025550123');
          await page.getByLabel('This phone').dispatchEvent('change');
          await page.locator('.phone-screen .msg', { hasText: 'resubscribed' }).waitFor();
        }
        await shot(name);
      }
      if (size === 'phone') {
        await page.goto(gw.base + '/#/inbox');
        await page.getByRole('button', { name: 'Menu' }).click();
        await shot('menu');
      }
      await ctx.close();
    }
    console.log(`screenshots in ${outDir}`);
  } finally {
    await browser.close();
    gw.stop();
  }
}

async function firstLoad(conversations) {
  const gw = await startGateway();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const api = client(gw.base, gw.key);
    // N people text the front desk: N conversations (and contacts, and 2N messages with replies).
    const t0 = Date.now();
    const batch = 32;
    for (let i = 0; i < conversations; i += batch) {
      const sends = [];
      for (let j = i; j < Math.min(i + batch, conversations); j++) {
        sends.push(api('POST', '/v1/sim/inbound', { from: `+1303555${String(j).padStart(4, '0')}`, to: '+12025550100', body: `Message number ${j} from a patient` }));
      }
      await Promise.all(sends);
    }
    const seeded = Date.now() - t0;
    await until(async () => {
      const page = await api('GET', '/v1/conversations?limit=1000');
      return page.data.length === Math.min(1000, conversations);
    }, 'conversations');
    const runs = [];
    for (let run = 0; run < 6; run++) {  // the first is a warm-up
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await ctx.newPage();
      await signIn(page, gw.base);  // the session cookie; the cold load is measured after
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Network.enable');
      await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      let bytes = 0;
      let requests = 0;
      cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; requests++; });
      cdp.on('Network.webSocketFrameReceived', (e) => { bytes += e.response.payloadData.length; });
      const start = Date.now();
      await page.goto(gw.base + '/', { waitUntil: 'commit' });
      await page.locator('.conversations li').first().waitFor();
      await page.locator('.live.live').waitFor();
      const ms = Date.now() - start;
      const nav = await page.evaluate(() => { const n = performance.getEntriesByType('navigation')[0]; return n ? n.domInteractive : 0; });
      if (run > 0) runs.push({ ms, bytes, requests, domInteractive: nav });
      await ctx.close();
    }
    runs.sort((a, b) => a.ms - b.ms);
    const med = runs[Math.floor(runs.length / 2)];
    console.log(`seeded ${conversations} conversations in ${(seeded / 1000).toFixed(1)} s`);
    console.log(`RESULT console_first_load conversations=${conversations} bytes=${med.bytes} requests=${med.requests} ms_to_usable=${med.ms} (min ${runs[0].ms}, max ${runs[runs.length - 1].ms}) dom_interactive_ms=${Math.round(med.domInteractive)}`);
  } finally {
    await browser.close();
    gw.stop();
  }
}

(mode === 'screenshots' ? screenshots(arg || 'docs/console') : mode === 'load' ? firstLoad(Number(arg || 10000)) : Promise.reject(new Error('usage: console_pages.js screenshots|load BUILD_DIR ARG')))
  .catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
