// The official Twilio Node SDK (npm `twilio` 5.x, which runs on Debian's Node 18) against a running
// Switchboard: only `client.api.baseUrl` differs from code written for Twilio.
// Usage: node twilio_node.js BASE_URL ACCOUNT_SID AUTH_TOKEN FROM TO [MESSAGING_SERVICE_SID]
// (a sender pool holding FROM, docs/pools.md)
'use strict';
const assert = require('node:assert/strict');
const twilio = require('twilio');

const [base, sid, token, from, to, service] = process.argv.slice(2);
const client = twilio(sid, token);
client.api.baseUrl = base;

async function fails(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

async function waitFor(fetchOnce, done, ms = 15000) {
  const deadline = Date.now() + ms;
  for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
    const got = await fetchOnce();
    if (done(got)) return got;
    if (Date.now() > deadline) assert.fail('timed out; last: ' + JSON.stringify(got));
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function main() {
  const sms = await client.messages.create({ to, from, body: 'hello from node & friends' });
  assert.match(sms.sid, /^SM[0-9a-f]{32}$/);
  assert.equal(sms.accountSid, sid);
  assert.equal(sms.status, 'queued');
  assert.equal(sms.body, 'hello from node & friends');
  assert.equal(sms.numSegments, '1');
  assert.equal(sms.direction, 'outbound-api');
  assert.ok(sms.dateCreated instanceof Date && !isNaN(sms.dateCreated));

  const mms = await client.messages.create({
    to, from, body: 'a picture', mediaUrl: ['https://media.example.com/a.png'],
  });
  assert.equal(mms.numMedia, '1');

  const delivered = await waitFor(() => client.messages(sms.sid).fetch(),
                                  (m) => m.status === 'delivered');
  assert.ok(delivered.dateSent instanceof Date && !isNaN(delivered.dateSent));

  // Three pages of two, newest first, each message once.
  for (let i = 0; i < 4; i++) await client.messages.create({ to, from, body: `page ${i}` });
  const p1 = await client.messages.page({ pageSize: 2 });
  const p2 = await p1.nextPage();
  const p3 = await p2.nextPage();
  const sids = [...p1.instances, ...p2.instances, ...p3.instances].map((m) => m.sid);
  assert.equal(sids.length, 6);
  assert.equal(new Set(sids).size, 6);
  const all = await client.messages.list({ pageSize: 2 });
  assert.equal(all.length, 6);
  const mine = await client.messages.list({ to, from, limit: 100 });
  assert.equal(mine.length, 6);

  const notFound = await fails(client.messages('SM' + '0'.repeat(32)).fetch());
  assert.equal(notFound.status, 404);
  assert.equal(notFound.code, 20404);

  const badTo = await fails(client.messages.create({ to: 'not a number', from, body: 'x' }));
  assert.equal(badTo.status, 400);
  assert.equal(badTo.code, 21211);

  const wrong = twilio(sid, 'not-the-token');
  wrong.api.baseUrl = base;
  const denied = await fails(wrong.messages.list({ limit: 1 }));
  assert.equal(denied.status, 401);
  assert.equal(denied.code, 20003);

  // The MMS's media: one ME… resource, its content a redirect to the URL it was sent with.
  const media = await client.messages(mms.sid).media.list();
  assert.equal(media.length, 1);
  assert.match(media[0].sid, /^ME[0-9a-f]{32}$/);
  assert.equal(media[0].parentSid, mms.sid);
  const one = await client.messages(mms.sid).media(media[0].sid).fetch();
  assert.equal(one.sid, media[0].sid);
  const content = await fetch(base + media[0].uri.replace(/\.json$/, ''), {
    redirect: 'manual',
    headers: { Authorization: 'Basic ' + Buffer.from(sid + ':' + token).toString('base64') },
  });
  assert.equal(content.status, 307);
  assert.equal(content.headers.get('location'), 'https://media.example.com/a.png');

  // Redaction waits out a message being handed to the carrier (409 in flight): let it finish.
  await waitFor(() => client.messages(mms.sid).fetch(), (m) => m.status === 'delivered');
  const redacted = await client.messages(mms.sid).update({ body: '' });
  assert.equal(redacted.body, '');
  assert.equal(redacted.numMedia, '0');

  const later = await client.messages.create({
    to, from, body: 'later', sendAt: new Date(Date.now() + 3600 * 1000), scheduleType: 'fixed',
  });
  assert.equal(later.status, 'scheduled');
  const canceled = await client.messages(later.sid).update({ status: 'canceled' });
  assert.equal(canceled.status, 'canceled');

  assert.equal(await client.messages(sms.sid).remove(), true);
  assert.equal((await client.messages(sms.sid).fetch()).body, '');

  const numbers = await client.incomingPhoneNumbers.list({ pageSize: 1 });
  assert.deepEqual(numbers.map((n) => n.phoneNumber), ['+12025550100', '+12025550101']);
  const number = await client.incomingPhoneNumbers(numbers[1].sid).fetch();
  assert.equal(number.phoneNumber, '+12025550101');
  assert.equal(number.capabilities.sms, true);
  assert.equal(number.capabilities.mms, false);
  const updated = await client.incomingPhoneNumbers(numbers[1].sid).update({
    smsUrl: 'https://app.example.com/sms', smsMethod: 'GET', friendlyName: 'Front desk',
    statusCallback: 'https://app.example.com/status',
  });
  assert.equal(updated.smsUrl, 'https://app.example.com/sms');
  assert.equal(updated.smsMethod, 'GET');
  assert.equal(updated.friendlyName, 'Front desk');
  assert.equal(updated.statusCallback, 'https://app.example.com/status');
  const named = await client.incomingPhoneNumbers.list({ friendlyName: 'Front desk' });
  assert.deepEqual(named.map((n) => n.sid), [numbers[1].sid]);
  const cleared = await client.incomingPhoneNumbers(numbers[1].sid).update({ smsUrl: '' });
  assert.equal(cleared.smsUrl, '');

  // An API key (SK…) authenticates as the account; it is deleted with the auth token.
  const key = await client.newKeys.create({ friendlyName: 'node ci' });
  assert.match(key.sid, /^SK[0-9a-f]{32}$/);
  const keyed = twilio(key.sid, key.secret, { accountSid: sid });
  keyed.api.baseUrl = base;
  assert.equal((await keyed.messages.list({ limit: 1 })).length, 1);
  const keys = await client.keys.list();
  assert.ok(keys.some((k) => k.sid === key.sid && k.friendlyName === 'node ci'));
  assert.equal(await client.keys(key.sid).remove(), true);
  const revoked = await fails(keyed.messages.list({ limit: 1 }));
  assert.equal(revoked.status, 401);

  const account = await client.api.v2010.accounts(sid).fetch();
  assert.equal(account.sid, sid);
  assert.equal(account.status, 'active');

  if (service) {
    // A Messaging Service instead of From: the pool picks the sender and the message names it.
    const pooled = await client.messages.create({
      to, messagingServiceSid: service, body: 'from a messaging service',
    });
    assert.equal(pooled.messagingServiceSid, service);
    assert.equal(pooled.from, from);
    assert.equal((await client.messages(pooled.sid).fetch()).messagingServiceSid, service);
    const unknown = await fails(client.messages.create({
      to, messagingServiceSid: 'MG' + '0'.repeat(32), body: 'x',
    }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.code, 21705);
  }
  console.log('twilio node sdk: ok');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
