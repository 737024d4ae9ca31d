#!/usr/bin/env python3
"""Writes N signed Twilio webhooks, one per line: "<X-Twilio-Signature>\t<form body>".

inbound (the default): N inbound SMS to TO_NUMBER from 10,000 senders, each a new message.
status: N status callbacks `MessageStatus=delivered` from TO_NUMBER (our number, the sender),
for the message sids SM + 32 hex digits counting up from 1, the sids bench/fake_provider gives
the messages it accepts, in order. Inbound sids count from 2^120 so they never meet those.

Signatures follow Twilio's published algorithm (base64 HMAC-SHA1 of the URL followed by every
parameter name+value, sorted by name), computed here independently of the gateway's code.
Usage: gen_twilio_webhooks.py N AUTH_TOKEN URL TO_NUMBER [inbound|status] > file
"""
import base64, hashlib, hmac, sys, urllib.parse

n, token, url, to = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
mode = sys.argv[5] if len(sys.argv) > 5 else "inbound"
if mode not in ("inbound", "status"):
    sys.exit("mode: inbound or status")
out = sys.stdout
for i in range(n):
    if mode == "status":
        sid = "SM%032x" % (i + 1)
        params = {
            "SmsSid": sid, "SmsStatus": "delivered", "MessageStatus": "delivered",
            "To": "+1415%07d" % (2000000 + i), "MessageSid": sid, "AccountSid": "AC" + "a" * 32,
            "From": to, "ApiVersion": "2010-04-01", "RawDlrDoneDate": "2612071000",
        }
    else:
        sid = "SM%032x" % (i + 1 + (1 << 120))
        params = {
            "ToCountry": "US", "ToState": "DC", "SmsMessageSid": sid, "NumMedia": "0",
            "ToCity": "", "FromZip": "94105", "SmsSid": sid, "FromState": "CA",
            "SmsStatus": "received", "FromCity": "SAN FRANCISCO",
            "Body": "bench inbound message %d" % i, "FromCountry": "US", "To": to, "ToZip": "",
            "NumSegments": "1", "MessageSid": sid, "AccountSid": "AC" + "a" * 32,
            "From": "+1415%07d" % (5550000 + i % 10000), "ApiVersion": "2010-04-01",
        }
    data = url + "".join(k + params[k] for k in sorted(params))
    sig = base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
    out.write(sig + "\t" + urllib.parse.urlencode(params) + "\n")
