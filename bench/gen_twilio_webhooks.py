#!/usr/bin/env python3
"""Writes N signed Twilio inbound-SMS webhooks, one per line: "<X-Twilio-Signature>\t<form body>".

Signatures follow Twilio's published algorithm (base64 HMAC-SHA1 of the URL followed by every
parameter name+value, sorted by name), computed here independently of the gateway's code.
Usage: gen_twilio_webhooks.py N AUTH_TOKEN URL TO_NUMBER > file
"""
import base64, hashlib, hmac, sys, urllib.parse

n, token, url, to = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
out = sys.stdout
for i in range(n):
    sid = "SM%032x" % (i + 1)
    params = {
        "ToCountry": "US", "ToState": "DC", "SmsMessageSid": sid, "NumMedia": "0",
        "ToCity": "", "FromZip": "94105", "SmsSid": sid, "FromState": "CA", "SmsStatus": "received",
        "FromCity": "SAN FRANCISCO", "Body": "bench inbound message %d" % i, "FromCountry": "US",
        "To": to, "ToZip": "", "NumSegments": "1", "MessageSid": sid,
        "AccountSid": "AC" + "a" * 32, "From": "+1415%07d" % (5550000 + i % 10000),
        "ApiVersion": "2010-04-01",
    }
    data = url + "".join(k + params[k] for k in sorted(params))
    sig = base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
    out.write(sig + "\t" + urllib.parse.urlencode(params) + "\n")
