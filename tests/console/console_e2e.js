// End-to-end tests of the console in a real browser (Debian's chromium driven by npm
// playwright-core) against the real binary, started by tests/integration/console_e2e_test.cc.
// Usage: node console_e2e.js BASE_URL API_KEY ADMIN_EMAIL ADMIN_PASSWORD AGENT_EMAIL AGENT_PASSWORD
// Prints "console e2e: ok" and exits 0 when every check passed; the first failure exits 1.
'use strict';
const assert = require('node:assert/strict');
const http = require('node:http');
const { chromium } = require('playwright-core');

const [base, key, adminEmail, adminPassword, agentEmail, agentPassword] = process.argv.slice(2);
const OURS = '+12025550100';
const PHONE = '+12025550177';
const STOPPER = '+12025550166';
const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
const T = 15000;  // every wait has a deadline

function api(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(base + path, { method, headers: {
      Authorization: `Bearer ${key}`, ...(data ? { 'Content-Type': 'application/json' } : {}), ...headers,
    } }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.setTimeout(T, () => req.destroy(new Error(`${method} ${path}: timeout`)));
    if (data) req.write(data);
    req.end();
  });
}

function step(name) { console.log(`- ${name}`); }

async function watchErrors(page, errors) {
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  // API refusals the screens show (401, 403, 422) are logged by the browser as failed loads:
  // expected. Anything else written as an error is a bug.
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource: .*status of 4\d\d/.test(m.text())) errors.push(`console: ${m.text()}`); });
}

async function signIn(page, email, password) {
  await page.goto(base + '/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor({ timeout: T });
}

async function main() {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'] });
  const errors = [];
  try {
    // --- the console's own page: headers a browser enforces
    step('GET / carries a strict CSP and refuses framing');
    const root = await fetch(base + '/');
    assert.equal(root.status, 200);
    const csp = root.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(root.headers.get('x-frame-options'), 'DENY');
    assert.equal(root.headers.get('referrer-policy'), 'no-referrer');

    const admin = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await admin.newPage();
    await watchErrors(page, errors);

    step('sign in: a wrong password is refused, then the right one works');
    await page.goto(base + '/');
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong email or password.').waitFor({ timeout: T });
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor({ timeout: T });
    await page.locator('.live.live').waitFor({ timeout: T });  // the events socket is open
    await page.evaluate(() => { window.__noReload = true; });

    step('a simulated inbound message appears live with an unread badge');
    const sim = await api('POST', '/v1/sim/inbound', { from: PHONE, to: OURS, body: 'Hi, can I move my appointment?' });
    assert.equal(sim.status, 201, JSON.stringify(sim.body));
    const item = page.locator('.conversations li', { hasText: 'Hi, can I move my appointment?' });
    await item.locator('.badge', { hasText: '1' }).waitFor({ timeout: T });

    step('search finds a conversation by name or digits, and nothing for a stranger');
    const search = page.getByLabel('Search');
    await search.fill('nobody at all');
    await page.locator('.empty').waitFor({ timeout: T });
    await search.fill(PHONE.slice(-4));
    await item.waitFor({ timeout: T });
    await search.fill('');
    await item.waitFor({ timeout: T });

    step('open it (marked read), reply, and watch the marks go sent -> delivered without reload');
    await item.locator('a').click();
    await page.locator('.thread h2', { hasText: PHONE }).waitFor({ timeout: T });
    await item.locator('.badge').waitFor({ state: 'detached', timeout: T });
    await page.evaluate(() => {
      window.__seen = [];
      new MutationObserver(() => {
        for (const li of document.querySelectorAll('.thread .msg.out')) {
          const s = li.dataset.status;
          if (window.__seen[window.__seen.length - 1] !== s) window.__seen.push(s);
        }
      }).observe(document.querySelector('.thread'), { subtree: true, childList: true, attributes: true });
    });
    await page.getByLabel(/^Reply to/).fill('Yes: Thursday at 10 works.');
    await page.locator('.thread').getByRole('button', { name: 'Send' }).click();
    await page.locator('.thread .msg.out[data-status="delivered"]').waitFor({ timeout: T });
    const seen = await page.evaluate(() => window.__seen);
    assert.ok(seen.includes('sent') && seen.indexOf('sent') < seen.indexOf('delivered'), `marks seen: ${seen}`);
    assert.equal(await page.evaluate(() => window.__noReload), true, 'the page was reloaded');

    step('the composer counts segments and names what forces UCS-2');
    await page.getByLabel(/^Reply to/).fill('Café ☕ tomorrow?');
    await page.locator('.thread .counter', { hasText: 'UCS-2 because of: ☕' }).waitFor({ timeout: T });
    await page.getByLabel(/^Reply to/).fill('');

    step('a body with markup renders as text and runs nothing');
    const x = await api('POST', '/v1/sim/inbound', { from: PHONE, to: OURS, body: XSS });
    assert.equal(x.status, 201);
    const bubble = page.locator('.thread .msg.in .body', { hasText: 'onerror' });
    await bubble.waitFor({ timeout: T });
    assert.equal(await bubble.textContent(), XSS);
    assert.equal(await page.locator('.thread .msg.in .body img').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);

    step("the log: a message's timeline");
    await page.getByRole('link', { name: 'Log' }).click();
    const row = page.locator('table.log tr', { hasText: 'Yes: Thursday at 10 works.' });
    await row.click();
    const timeline = page.locator('.detail .timeline');
    await timeline.locator('li:not(.ignored) strong', { hasText: /^Delivered$/ }).waitFor({ timeout: T });
    await timeline.locator('li:not(.ignored) strong', { hasText: /^Sent$/ }).waitFor({ timeout: T });

    step('redact it, after a confirmation');
    await page.locator('.detail').getByRole('button', { name: 'Redact' }).click();
    await page.locator('dialog').getByRole('button', { name: 'Redact' }).click();
    await page.locator('.detail').getByText(/^Redacted /).waitFor({ timeout: T });
    const id = await page.locator('.detail dd.mono').first().textContent();
    const stored = await api('GET', `/v1/messages/${id}`);
    assert.equal(stored.body.body, '');
    assert.ok(stored.body.redaction, 'the API shows the redaction');

    step("set a number's forwarding");
    await page.getByRole('link', { name: 'Numbers' }).click();
    await page.getByRole('button', { name: 'Edit +12025550101' }).click();
    await page.getByLabel('URL').fill('https://app.example.com/sms');
    await page.getByLabel('Format').selectOption('twilio');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor({ timeout: T });
    const number = await api('GET', '/v1/numbers/+12025550101');
    assert.deepEqual(number.body.forwarding, { url: 'https://app.example.com/sms', method: 'POST', format: 'twilio' });
    await page.getByLabel('URL').fill('not a url at all');
    await page.getByLabel('URL').evaluate((el) => { el.type = 'text'; });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.editor .notice.error', { hasText: 'forwarding.url' }).waitFor({ timeout: T });

    step('STOP from the simulated phone shows in opt-outs');
    await page.getByRole('link', { name: 'Simulated phone' }).click();
    await page.getByLabel('This phone').fill(STOPPER);
    await page.getByLabel('This phone').dispatchEvent('change');
    await page.getByLabel('Message', { exact: true }).fill('STOP');
    await page.getByRole('button', { name: 'Send text' }).click();
    await page.locator('.phone-screen .msg.in').first().waitFor({ timeout: T });  // the confirmation
    await page.getByRole('link', { name: 'Opt-outs' }).click();
    await page.locator(`tr[data-number="${STOPPER}"]`, { hasText: 'keyword' }).waitFor({ timeout: T });

    step('an API key made in the console works within its scope, then revoked is refused');
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name').fill('Reminders reader');
    await page.getByRole('checkbox', { name: /messages:send/ }).uncheck();
    await page.getByRole('checkbox', { name: /messages:read/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.locator('.onetime code.secret').textContent({ timeout: T })).trim();
    assert.match(secret, /^sbk_[0-9a-f]{48}$/);
    const asKey = (method, path, body) => api(method, path, body, { Authorization: `Bearer ${secret}` });
    assert.equal((await asKey('GET', '/v1/messages?limit=1')).status, 200);
    const noSend = await asKey('POST', '/v1/messages', { to: PHONE, body: 'not allowed' });
    assert.equal(noSend.status, 403);
    assert.match(noSend.body.error.message, /messages:send/);
    const listed = page.locator('tr', { hasText: 'Reminders reader' });
    await listed.locator('td', { hasText: 'messages:read' }).waitFor({ timeout: T });
    assert.ok(!(await page.locator('table').textContent()).includes(secret.slice(12)), 'the table shows the secret');
    await listed.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await page.locator('tr[data-state="revoked"]', { hasText: 'Reminders reader' }).waitFor({ timeout: T });
    assert.equal((await asKey('GET', '/v1/messages?limit=1')).status, 401);

    step('a sender pool made in the console; the Send screen sends from it, the gateway picking the number');
    await page.getByRole('link', { name: 'Sender pools' }).click();
    // The keys screen has a Name field too: wait for this screen before filling its.
    await page.getByRole('heading', { name: 'Sender pools' }).waitFor({ timeout: T });
    await page.getByLabel('Name').fill('Front desk');
    await page.getByRole('checkbox', { name: /\+12025550100/ }).check();
    await page.getByRole('checkbox', { name: /\+12025550101/ }).check();
    await page.getByRole('button', { name: 'Create pool' }).click();
    const poolRow = page.locator('tr', { hasText: 'Front desk' });
    await poolRow.waitFor({ timeout: T });
    assert.match((await poolRow.locator('code').textContent()).trim(), /^MG[0-9a-f]{32}$/);
    await page.getByRole('link', { name: 'Send', exact: true }).click();
    await page.getByLabel('To', { exact: true }).fill('+12025550188');
    await page.getByLabel('From').selectOption({ label: 'Front desk (2 numbers)' });
    await page.getByLabel('Message', { exact: true }).fill('Your table is ready');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('.sent a', { hasText: '+12025550188' }).waitFor({ timeout: T });
    const pooled = (await api('GET', `/v1/messages?to=${encodeURIComponent('+12025550188')}&limit=1`)).body.data[0];
    assert.ok(['+12025550100', '+12025550101'].includes(pooled.from), pooled.from);
    assert.match(pooled.pool, /^pool_/);

    step('a batch from a CSV: the phone column mapped, a preview with segments, sent, followed to the end');
    await page.getByRole('link', { name: 'Batches' }).click();
    await page.getByLabel('CSV file').setInputFiles({ name: 'tomorrow.csv', mimeType: 'text/csv',
      buffer: Buffer.from('Phone,Name\n+12025550181,Ann\n"+12025550182","Bob, Jr."\nnope,Carl\n') });
    // The file is read in the page (asynchronously): its columns appear as insert buttons.
    await page.getByRole('button', { name: 'Insert Name' }).waitFor({ timeout: T });
    assert.equal(await page.getByLabel('Phone number column').inputValue(), 'Phone');
    await page.getByLabel('Message', { exact: true }).fill('Hi , see you tomorrow at 9');
    await page.getByLabel('Message', { exact: true }).evaluate((t) => t.setSelectionRange(3, 3));
    await page.getByRole('button', { name: 'Insert Name' }).click();
    assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'Hi {{Name}}, see you tomorrow at 9');
    await page.getByRole('button', { name: 'Preview' }).click();
    const previewRows = page.locator('table.preview tbody tr');
    await previewRows.nth(1).waitFor({ timeout: T });
    assert.equal(await previewRows.count(), 2);
    assert.match(await previewRows.nth(1).textContent(), /Hi Bob, Jr\., see you tomorrow at 9.*1 \(GSM-7\)/);
    assert.match(await page.locator('table.errors').textContent(), /4\s*Phone/);
    assert.equal((await api('GET', '/v1/batches')).body.data.length, 0, 'a preview stored a batch');
    await page.getByRole('button', { name: 'Send 2 messages' }).click();
    await page.locator('.batch-status[data-status="completed"]').waitFor({ timeout: T });
    await page.locator('dd[data-count="delivered"]', { hasText: /^2$/ }).waitFor({ timeout: T });
    assert.equal(await page.locator('dd[data-count="invalid"]').textContent(), '1');
    const batch = (await api('GET', '/v1/batches')).body.data[0];
    assert.deepEqual([batch.status, batch.counts.delivered, batch.columns], ['completed', 2, ['to', 'Name']]);

    step('a cross-origin POST with the session cookie is refused');
    const cookie = (await admin.cookies()).find((c) => c.name === 'sb_session');
    assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));
    const before = (await api('GET', `/v1/messages?to=${encodeURIComponent(PHONE)}&limit=100`)).body.data.length;
    const forged = await new Promise((resolve, reject) => {
      const req = http.request(base + '/v1/messages', { method: 'POST', headers: {
        Cookie: `sb_session=${cookie.value}`, Origin: 'https://evil.example', 'Content-Type': 'application/json' } },
      (res) => { res.resume(); res.on('end', () => resolve(res.statusCode)); });
      req.on('error', reject);
      req.end(JSON.stringify({ to: PHONE, body: 'forged' }));
    });
    assert.equal(forged, 403);
    // And from a page of another site: the browser does not even send the cookie (SameSite).
    const other = http.createServer((q, s) => { s.setHeader('Content-Type', 'text/html'); s.end('<p>elsewhere</p>'); });
    await new Promise((r) => other.listen(0, '127.0.0.1', r));
    const elsewhere = await admin.newPage();
    await elsewhere.goto(`http://localhost:${other.address().port}/`);
    const sameSite = await elsewhere.evaluate(async (u) => {
      try {
        const r = await fetch(u + '/v1/messages', { method: 'POST', credentials: 'include', mode: 'no-cors',
          headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ to: '+12025550177', body: 'forged' }) });
        return r.type;
      } catch (e) { return String(e); }
    }, base);
    other.close();
    assert.ok(sameSite === 'opaque' || /Failed/.test(sameSite), sameSite);
    const after = (await api('GET', `/v1/messages?to=${encodeURIComponent(PHONE)}&limit=100`)).body.data.length;
    assert.equal(after, before, 'a forged request sent a message');

    step('an agent: no admin screens, 403 on them and on the same API calls');
    const agentCtx = await browser.newContext({ viewport: { width: 375, height: 812 } });
    const agent = await agentCtx.newPage();
    await watchErrors(agent, errors);
    await signIn(agent, agentEmail, agentPassword);
    assert.equal(await agent.locator('nav a', { hasText: 'Numbers' }).count(), 0);
    assert.equal(await agent.locator('nav a', { hasText: 'Inbox' }).count(), 1);
    for (const screen of ['numbers', 'opt-outs', 'auto-replies', 'signing-secret', 'users', 'keys']) {
      await agent.goto(`${base}/#/${screen}`);
      await agent.locator('main [role=alert]', { hasText: 'Forbidden' }).waitFor({ timeout: T });
    }
    const statuses = await agent.evaluate(async () => {
      const j = { 'Content-Type': 'application/json' };
      return Promise.all([
        fetch('/v1/opt-outs').then((r) => r.status),
        fetch('/v1/numbers/+12025550100', { method: 'PATCH', headers: j, body: '{"conversations":false}' }).then((r) => r.status),
        fetch('/v1/signing-secret').then((r) => r.status),
        fetch('/v1/users').then((r) => r.status),
        fetch('/v1/keys').then((r) => r.status),
        fetch('/v1/conversations').then((r) => r.status),
      ]);
    });
    assert.deepEqual(statuses, [403, 403, 403, 403, 403, 200]);
    // The agent's inbox at phone width: the list, then the thread over it.
    await agent.goto(`${base}/#/inbox`);
    await agent.locator('.conversations li', { hasText: PHONE }).first().locator('a').click();
    await agent.locator('.thread.open .msg').first().waitFor({ timeout: T });

    step('sign out ends the session');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: T });
    const gone = await new Promise((resolve) => {
      http.get(base + '/v1/session', { headers: { Cookie: `sb_session=${cookie.value}` } }, (res) => { res.resume(); resolve(res.statusCode); });
    });
    assert.equal(gone, 401);

    assert.deepEqual(errors, [], 'the console logged errors');
  } finally {
    await browser.close();
  }
  console.log('console e2e: ok');
}

main().catch((e) => { console.error(e && e.stack ? e.stack : e); process.exit(1); });
