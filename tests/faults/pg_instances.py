#!/usr/bin/env python3
"""Fault campaign: three gateway instances on one PostgreSQL database, the load spread across
their three APIs, and one of them killed with SIGKILL under load (and not restarted). Afterwards
every message any instance answered 202 must have reached the provider (the fake Sinch) exactly
once and be delivered, and the messages the killed instance had claimed must have gone out
through the two survivors once their lease ended: the takeover (from the kill until the last of
them reached the fake) must stay within lease_ms + poll_interval_ms + a small slack.

The fake's delivery reports go through a small relay in front of the three instances (the load
balancer a deployment has): each instance's public_url is the relay with a path of its own, so
the fake's ledger tells which instance sent a batch, and a report for a batch the killed instance
sent reaches a survivor.

Short form (make test): 150 msg/s, lease 3 s, ~8 s of load after the kill.
Long form (make faults): 200 msg/s, lease 5 s, 20 s of load before the kill, 60 s after.
The fake takes 100 ms per send (--latency-ms), so every instance always has claims in flight;
the rates stay within what two survivors can send (16 sends in flight each: 160 msg/s), so the
takeover measures the lease, not a backlog.
Usage: tests/faults/pg_instances.py [--long] [--lease-ms L] [--poll-ms P] [--rate R]
PostgreSQL: a throwaway database on SWITCHBOARD_TEST_PG_URL's server when that is set, else a
private cluster of the campaign's own (scripts/test-postgres.sh, as pg_restarts.py starts one).
"""
import http.client
import http.server
import os
import socketserver
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402
import pg_cluster  # noqa: E402

INSTANCES = 3
VICTIM = 1  # the instance killed (0 and 2 survive)


class Relay:
    """The load balancer in front of the instances, for the provider's delivery reports:
    POST /i<N>/webhooks/... goes to instance N, or to another one when N refuses the connection
    (it was killed). Answers 503 when no instance answered (the fake retries)."""

    def __init__(self):
        self.backends = []  # ports, by instance
        self.lock = threading.Lock()
        self.local = threading.local()  # each relay thread's kept connections, by port
        self.rerouted = 0
        relay = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                relay.forward(self)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request, client_address):
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def forward(self, h):
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        prefix, _, rest = h.path.lstrip("/").partition("/")
        try:
            first = int(prefix[1:])
        except ValueError:
            first = 0
        order = [first] + [i for i in range(len(self.backends)) if i != first]
        headers = {k: v for k, v in h.headers.items() if k.lower() in ("content-type",
                                                                       "authorization")}
        conns = self.local.__dict__.setdefault("conns", {})
        for n, i in enumerate(order):
            port = self.backends[i]
            c = conns.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                c.request("POST", "/" + rest, raw, headers)
                r = c.getresponse()
                body = r.read()
                conns[port] = c
            except (OSError, http.client.HTTPException):
                c.close()
                conns.pop(port, None)
                continue  # refused (killed), or cut mid-request: the next instance
            if n:
                with self.lock:
                    self.rerouted += 1
            h.send_response(r.status)
            h.send_header("Content-Type", r.getheader("Content-Type") or "application/json")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        h.send_response(503)
        h.send_header("Content-Length", "0")
        h.end_headers()

    def close(self):
        self.server.shutdown()


class AllLogs:
    """finish()'s view of the gateway: the log levels of every instance, and their tails."""

    def __init__(self, gws):
        self.gws = gws

    def log_levels(self):
        out = {}
        for gw in self.gws:
            for k, v in gw.log_levels().items():
                out[k] = out.get(k, 0) + v
        return out

    def tail(self, n=40):
        return "\n".join("-- instance %d:\n%s" % (i, gw.tail(n // 2))
                         for i, gw in enumerate(self.gws))


def sql(url, query):
    return [line.split("|") for line in pg_cluster._sql(url, query).splitlines() if line]


def quoted(ids):
    return ",".join("'%s'" % i.replace("'", "''") for i in ids)


def main():
    p = fl.common_args(__doc__, None, None)
    p.add_argument("--lease-ms", type=int)
    p.add_argument("--poll-ms", type=int, default=500)
    p.add_argument("--slack-ms", type=int, default=1500,
                   help="allowed beyond lease + poll for the takeover (default 1500)")
    p.add_argument("--latency-ms", type=int, default=100,
                   help="the fake provider's time per send (default 100: with the connector's "
                   "max_concurrency of 16, at most 160 msg/s per instance)")
    a = p.parse_args()
    lease_ms = a.lease_ms or (5000 if a.long else 3000)
    poll_ms = a.poll_ms
    rate = a.rate or (200 if a.long else 150)
    warm_s = 20.0 if a.long else 3.0
    after_s = 60.0 if a.long else lease_ms / 1000 + 5.0
    work = fl.workdir("pginst", a.keep)

    if os.environ.get("SWITCHBOARD_TEST_PG_URL"):
        db = pg_cluster.Database.create_on_test_server()
        cleanup_db, where = db.drop, "test server"
    else:
        db = pg_cluster.Cluster(work)
        cleanup_db, where = db.destroy, "private cluster"
    # More report senders than the single-instance campaigns' 4: each report crosses the relay.
    fake = fl.FakeSinch(send_latency_s=a.latency_ms / 1000, dlr_threads=16)
    relay = Relay()
    gws = []
    for i in range(INSTANCES):
        d = os.path.join(work, "i%d" % i)
        os.makedirs(d)
        gws.append(fl.Gateway(d, db.url, fake.url, public_url="%s/i%d" % (relay.url, i),
                              dispatcher={"lease_ms": lease_ms, "poll_interval_ms": poll_ms}))
    fl.log("pg_instances: %d instances on one PostgreSQL (%s: %s), %s msg/s offered across them, "
           "lease %d ms, poll %d ms, instance %d killed" % (INSTANCES, where, db.url, rate, lease_ms,
                                                            poll_ms, VICTIM))
    for gw in gws:  # one after another: the first runs the migrations
        gw.start()
    relay.backends = [gw.port for gw in gws]
    loads = [fl.Load(gw, rate / INSTANCES, threads=4, name="i%d" % i) for i, gw in enumerate(gws)]
    for load in loads:
        load.start()
    victim, victim_load = gws[VICTIM], loads[VICTIM]
    problems = []
    try:
        # Every instance accepting and sending before the kill.
        deadline = time.time() + 60
        marker = "/i%d/" % VICTIM
        while True:
            with fake.lock:
                sent_by = {}
                for b in fake.batches.values():
                    for i in range(INSTANCES):
                        if "/i%d/" % i in b["callback_url"]:
                            sent_by[i] = sent_by.get(i, 0) + 1
            if all(len(load.accepted) >= 20 for load in loads) and all(
                    sent_by.get(i, 0) >= 20 for i in range(INSTANCES)):
                break
            if time.time() > deadline:
                raise fl.CampaignFailure("not every instance accepted and sent 20 messages in 60 s:"
                                         " accepted %s, sent %s" % (
                                             [len(x.accepted) for x in loads], sent_by))
            time.sleep(0.05)
        time.sleep(warm_s)  # load running for a while: messages in every stage on every instance
        # The killed instance's claim owner: the lease_owner of messages it sent.
        with fake.lock:
            its = [b["ref"] for b in fake.batches.values() if marker in b["callback_url"]][-50:]
        owners = sql(db.url, "SELECT lease_owner, count(*) FROM message_states WHERE message_id IN (%s) "
                     "GROUP BY 1 ORDER BY 2 DESC" % quoted(its))
        owner = owners[0][0]
        # Kill it while it holds claims (messages claimed, at the fake or on their way).
        deadline = time.time() + 30
        while int(sql(db.url, "SELECT count(*) FROM message_states WHERE status = 'sending' AND "
                      "lease_owner = '%s'" % owner)[0][0]) < 3:
            if time.time() > deadline:
                raise fl.CampaignFailure("instance %d never held 3 claims at once" % VICTIM)
            time.sleep(0.02)
        victim.kill9()
        t_kill = time.time()
        victim_load.stop()  # the balancer takes it out; its unanswered requests stay "unknown"
        held = {r[0]: int(r[1]) for r in sql(
            db.url, "SELECT message_id, next_attempt_at FROM message_states WHERE status = 'sending' AND "
            "lease_owner = '%s'" % owner)}
        with victim_load.lock:
            victim_ids = list(victim_load.accepted)
        at_kill = {r[0]: int(r[1]) for r in sql(
            db.url, "SELECT status, count(*) FROM message_states WHERE message_id IN (%s) GROUP BY 1" %
            quoted(victim_ids))} if victim_ids else {}
        fl.log("pg_instances: instance %d killed holding %d claims; its accepted messages by "
               "status at the kill: %s" % (VICTIM, len(held), at_kill))

        # The takeover: every held message either sent by a survivor or, when the killed instance
        # had already handed it to the fake, found there by a survivor's lookup.
        def reached():
            out = {}
            with fake.lock:
                for mid in held:
                    survivor = [fake.batches[b]["at"] for b in fake.by_ref.get(mid, [])
                                if marker not in fake.batches[b]["callback_url"]]
                    looked = [t for t in fake.lookup_at.get(mid, []) if t > t_kill]
                    if survivor:
                        out[mid] = ("sent", min(survivor))
                    elif looked and fake.by_ref.get(mid):
                        out[mid] = ("found", min(looked))
            return out

        bound_s = (lease_ms + poll_ms + a.slack_ms) / 1000
        deadline = t_kill + bound_s + 30
        while len(reached()) < len(held) and time.time() < deadline:
            time.sleep(0.02)
        took = reached()
        missing = sorted(set(held) - set(took))
        if missing:
            problems.append("%d messages the killed instance held never reached the fake through "
                            "a survivor within %.0f s: %s" % (len(missing), deadline - t_kill,
                                                              missing[:10]))
        takeover = {mid: t - t_kill for mid, (_, t) in took.items()}
        takeover_max = max(takeover.values()) if takeover else None
        fl.log("pg_instances: %d of %d held claims taken over, the last %.2f s after the kill "
               "(lease %d ms)" % (len(took), len(held), takeover_max or 0, lease_ms))
        if takeover_max is not None and takeover_max > bound_s:
            problems.append("takeover took %.2f s, more than lease + poll + slack = %.2f s" % (
                takeover_max, bound_s))
        # No survivor may take a claim before its lease ends (the holder might still be sending).
        retaken = sql(db.url, "SELECT message_id, min(at) FROM message_events WHERE detail LIKE "
                      "'lease expired%%' AND message_id IN (%s) GROUP BY 1" % quoted(held)) \
            if held else []
        early = [(mid, held[mid] - int(at)) for mid, at in retaken if int(at) < held[mid]]
        if early:
            problems.append("%d claims retaken before their lease ended (ms early): %s" % (
                len(early), early[:10]))
        retake_s = [int(at) / 1000 - t_kill for _, at in retaken]
        left_s = [exp / 1000 - t_kill for exp in held.values()]

        # The survivors go on under load for a while after the kill.
        while time.time() < t_kill + after_s:
            time.sleep(0.1)
    finally:
        for load in loads:
            load.stop()
    for i, gw in enumerate(gws):
        if i != VICTIM and not gw.alive():
            problems.append("instance %d died on its own (code %s)" % (i, gw.proc.returncode))
    survivor = gws[0]
    load = fl.Loads(loads)
    fig, more = fl.audit(survivor, fake, load, max_attempts=10)
    problems += more
    # Each message delivered exactly once in the database too.
    ids = sorted(load.accepted)
    twice = sql(db.url, "SELECT message_id, count(*) FROM message_events WHERE status = "
                "'delivered' AND applied = 1 GROUP BY 1 HAVING count(*) > 1")
    if twice:
        problems.append("%d messages recorded delivered more than once: %s" % (len(twice),
                                                                               twice[:10]))
    delivered_rows = int(sql(db.url, "SELECT count(*) FROM message_states WHERE status = 'delivered'")[0][0])
    with fake.lock:
        by_instance = {}
        for b in fake.batches.values():
            for i in range(INSTANCES):
                if "/i%d/" % i in b["callback_url"]:
                    by_instance[i] = by_instance.get(i, 0) + 1
    fig.update({
        "instances": INSTANCES,
        "killed_instance": VICTIM,
        "database": where,
        "lease_ms": lease_ms,
        "poll_interval_ms": poll_ms,
        "fake_send_latency_ms": a.latency_ms,
        "accepted_by_instance": [len(x.accepted) for x in loads],
        "batches_by_sending_instance": [by_instance.get(i, 0) for i in range(INSTANCES)],
        "killed_accepted_by_status_at_kill": at_kill,
        "killed_claims_held": len(held),
        "killed_claims_sent_by_survivor": sum(1 for k, _ in took.values() if k == "sent"),
        "killed_claims_found_by_lookup": sum(1 for k, _ in took.values() if k == "found"),
        "lease_left_at_kill_s": [round(min(left_s), 2), round(max(left_s), 2)] if left_s else None,
        "retaken_s_after_kill": [round(min(retake_s), 2), round(max(retake_s), 2)]
        if retake_s else None,
        "takeover_s_max": round(takeover_max, 2) if takeover_max is not None else None,
        "takeover_s_min": round(min(takeover.values()), 2) if takeover else None,
        "takeover_bound_s": bound_s,
        "retaken_before_lease_end": len(early),
        "delivered_rows": delivered_rows,
        "delivered_twice_in_db": len(twice),
        "reports_rerouted_by_relay": relay.rerouted,
    })
    if delivered_rows != len(ids) + fig["unanswered_but_accepted"]:
        problems.append("%d messages delivered in the database, %d accepted (+%d unanswered but "
                        "stored)" % (delivered_rows, len(ids), fig["unanswered_but_accepted"]))
    for i, gw in enumerate(gws):
        if i == VICTIM:
            continue
        code = gw.stop()
        if code != 0:
            problems.append("instance %d exit code %s at the final SIGTERM" % (i, code))
    fake.close()
    relay.close()
    cleanup_db()
    fl.finish("pg_instances", fig, problems, AllLogs(gws), a.json)


if __name__ == "__main__":
    fl.run(main)
