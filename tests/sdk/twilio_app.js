// A Twilio-style app, written as it would be for Twilio: its inbound-message handler checks
// X-Twilio-Signature with the official SDK's `twilio.validateRequest` and answers TwiML built with
// `twilio.twiml.MessagingResponse`; its status-callback handler checks the signature too. Nothing
// in it knows about Switchboard. Each request it receives is printed as one JSON line on stdout:
// {"path", "valid", "params"}.
// Usage: node twilio_app.js AUTH_TOKEN   (prints "listening <port>" once it listens on 127.0.0.1)
'use strict';
const http = require('node:http');
const querystring = require('node:querystring');
const twilio = require('twilio');

const [token] = process.argv.slice(2);
let port = 0;

function twiml(res, body) {
  res.writeHead(200, { 'Content-Type': 'text/xml' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  let raw = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => { raw += chunk; });
  req.on('end', () => {
    const url = `http://127.0.0.1:${port}${req.url}`;
    const params = req.method === 'POST' ? querystring.parse(raw) : {};
    const valid = twilio.validateRequest(token, req.headers['x-twilio-signature'] || '', url, params);
    const path = req.url.split('?')[0];
    console.log(JSON.stringify({ path, valid, params }));
    if (!valid) {
      res.writeHead(403);
      res.end('invalid signature');
      return;
    }
    if (path === '/sms') {
      // A reply, with its own status callback (the action URL).
      const reply = new twilio.twiml.MessagingResponse();
      reply.message({ action: `http://127.0.0.1:${port}/status` }, `Thanks, we got: ${params.Body}`);
      return twiml(res, reply.toString());
    }
    if (path === '/silent') return twiml(res, new twilio.twiml.MessagingResponse().toString());
    if (path === '/voice') {
      // A voice verb where a messaging answer belongs: the gateway records why it sent nothing.
      return twiml(res, '<?xml version="1.0" encoding="UTF-8"?><Response><Dial>+15005550006</Dial></Response>');
    }
    res.writeHead(204);
    res.end();
  });
});

server.listen(0, '127.0.0.1', () => {
  port = server.address().port;
  console.log(`listening ${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
