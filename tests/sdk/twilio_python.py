"""The official Twilio Python SDK (Debian's python3-twilio) against a running Switchboard: only
`client.api.base_url` differs from code written for Twilio.
Usage: /usr/bin/python3 twilio_python.py BASE_URL ACCOUNT_SID AUTH_TOKEN FROM TO
"""
import sys
import time
from datetime import datetime, timedelta, timezone

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

base, sid, token, frm, to = sys.argv[1:6]
client = Client(sid, token)
client.api.base_url = base


def fails(call):
    try:
        call()
    except TwilioRestException as e:
        return e
    raise AssertionError("expected an error")


def wait_for(fetch_once, done, seconds=15):
    deadline = time.monotonic() + seconds
    wait = 0.01
    while True:
        got = fetch_once()
        if done(got):
            return got
        assert time.monotonic() < deadline, "timed out; last status " + str(got.status)
        time.sleep(wait)
        wait = min(wait * 2, 0.2)


sms = client.messages.create(to=to, from_=frm, body="hello from python + friends")
assert sms.sid.startswith("SM") and len(sms.sid) == 34, sms.sid
assert sms.account_sid == sid
assert sms.status == "queued", sms.status
assert sms.body == "hello from python + friends", sms.body
assert sms.date_created is not None

mms = client.messages.create(to=to, from_=frm, body="a picture",
                             media_url=["https://media.example.com/a.png"])
assert mms.num_media == "1", mms.num_media

delivered = wait_for(lambda: client.messages(sms.sid).fetch(), lambda m: m.status == "delivered")
assert delivered.date_sent is not None

for i in range(4):
    client.messages.create(to=to, from_=frm, body="page %d" % i)
p1 = client.messages.page(page_size=2)
p2 = p1.next_page()
p3 = p2.next_page()
sids = [m.sid for m in list(p1) + list(p2) + list(p3)]
assert len(sids) == 6 and len(set(sids)) == 6, sids
assert len(client.messages.list(page_size=2)) == 6
assert len(client.messages.list(to=to, from_=frm, limit=100)) == 6

e = fails(lambda: client.messages("SM" + "0" * 32).fetch())
assert e.status == 404 and e.code == 20404, (e.status, e.code)
e = fails(lambda: client.messages.create(to="not a number", from_=frm, body="x"))
assert e.status == 400 and e.code == 21211, (e.status, e.code)
wrong = Client(sid, "not-the-token")
wrong.api.base_url = base
e = fails(lambda: wrong.messages.create(to=to, from_=frm, body="x"))
assert e.status == 401 and e.code == 20003, (e.status, e.code)

media = client.messages(mms.sid).media.list()
assert len(media) == 1 and media[0].sid.startswith("ME") and media[0].parent_sid == mms.sid, media

# Redaction waits out a message being handed to the carrier (409 in flight): let it finish.
wait_for(lambda: client.messages(mms.sid).fetch(), lambda m: m.status == "delivered")
redacted = client.messages(mms.sid).update(body="")
assert redacted.body == "" and redacted.num_media == "0"

later = client.messages.create(to=to, from_=frm, body="later", schedule_type="fixed",
                               send_at=datetime.now(timezone.utc) + timedelta(hours=1))
assert later.status == "scheduled", later.status
assert client.messages(later.sid).update(status="canceled").status == "canceled"

assert client.messages(sms.sid).delete() is True
assert client.messages(sms.sid).fetch().body == ""

numbers = client.incoming_phone_numbers.list(page_size=1)
assert [n.phone_number for n in numbers] == ["+12025550100", "+12025550101"], numbers
number = client.incoming_phone_numbers(numbers[1].sid).fetch()
assert number.phone_number == "+12025550101"
assert number.capabilities["sms"] is True and number.capabilities["mms"] is False
updated = client.incoming_phone_numbers(numbers[0].sid).update(
    sms_url="https://app.example.com/py", sms_method="POST", friendly_name="Python desk")
assert updated.sms_url == "https://app.example.com/py" and updated.sms_method == "POST"
assert updated.friendly_name == "Python desk"
assert [n.sid for n in client.incoming_phone_numbers.list(friendly_name="Python desk")] == \
    [numbers[0].sid]

account = client.api.accounts(sid).fetch()
assert account.sid == sid and account.status == "active"
print("twilio python sdk: ok")
