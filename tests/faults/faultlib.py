"""Shared machinery of the fault campaigns (tests/faults/*.py): a fake Sinch that keeps a ledger of
every batch it accepted (and can misbehave on purpose), a load generator that posts /v1/messages
and remembers every answer, the gateway as a child process on a fixed port, and the final audit
that proves every accepted message was delivered exactly once.

The gateway talks to the fake through its real Sinch connector (base_url pointed at the fake).
Sinch is the provider used because its requests carry the message id (client_reference), so the
fake counts deliveries per message without guessing, and because the gateway can ask it whether
an interrupted attempt already went through (the lookup after a crash).
"""

import argparse
import base64
import ctypes
import heapq
import http.client
import http.server
import json
import os
import random
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLAN = "faultplan"
TOKEN = "fault-api-token"
DLR_USER = "sinch"
DLR_PASSWORD = "fault-dlr-password"
FROM = "+12025550100"
FINAL = {"delivered", "undelivered", "failed", "expired", "canceled"}
BATCH_KEYS = {"from", "to", "delivery_report", "callback_url", "client_reference", "type", "body"}


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


class CampaignFailure(Exception):
    pass


def die_with_parent():
    """In a child before exec: SIGKILL it when the campaign dies, so a campaign that crashes
    leaves no gateway behind to claim the next campaign's messages."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------------------------
# The fake Sinch


class Chaos:
    """Probabilities of each misbehaviour, per request (they add up to at most 1)."""

    KINDS = ("5xx", "429", "hang", "reset", "lost")

    def __init__(self, **p):
        self.p = {k: float(p.get(k, 0)) for k in self.KINDS}
        if sum(self.p.values()) > 1:
            raise ValueError("chaos probabilities add up to more than 1")

    def off(self):
        return all(v == 0 for v in self.p.values())

    def draw(self, rng, allowed):
        x = rng.random()
        for k in self.KINDS:
            if k not in allowed:
                continue
            if x < self.p[k]:
                return k
            x -= self.p[k]
        return None


class FakeSinch:
    """Sinch's xms batches API on loopback.

    POST /xms/v1/{plan}/batches creates a batch (checked field by field against what the
    connector must send); GET /xms/v1/{plan}/batches?client_reference= lists them (the gateway's
    lookup after a crash); every created batch gets a delivery report (Delivered) POSTed to the
    batch's callback_url with Basic credentials, retried until the gateway answers 2xx.

    Chaos (when set): a send may be answered 500/502/503, 429 with Retry-After, hang past the
    connector's timeout and then be dropped unprocessed ("hang"), be cut by a TCP reset without an
    answer ("reset"), or be processed and then have its answer lost past the timeout ("lost": the
    provider accepted it, the gateway cannot know). Lookups may get 5xx, hangs and resets too.
    """

    def __init__(self, hang_s=2.0, dlr_delay_s=0.3, seed=None, send_latency_s=0.0, dlr_threads=4):
        self.lock = threading.Lock()
        # Each send takes this long, half before the batch is created and half after (so a
        # gateway killed mid-send leaves batches created and batches not yet created); 0: none.
        self.send_latency_s = send_latency_s
        self.rng = random.Random(seed)
        self.chaos = Chaos()
        self.hang_s = hang_s
        self.dlr_delay_s = dlr_delay_s
        self.batches = {}  # batch id -> {ref, body, to}
        self.by_ref = {}  # client_reference -> [batch ids]
        self.lookup_at = {}  # client_reference -> [times it was looked up]
        self.faults = {k: 0 for k in Chaos.KINDS}
        self.posts = 0  # every send request, answered or not
        self.lookups = 0
        self.lookup_found = 0
        self.shape_errors = []
        self.next_id = 0
        self.dlr_queue = []  # heap of (due, batch id)
        self.dlr_cv = threading.Condition(self.lock)
        self.dlr_sent = 0
        self.dlr_retries = 0
        self.dlr_503 = 0
        self.dlr_500 = 0
        self.stopping = False
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_GET(self):
                fake.handle(self, "GET")

            def do_POST(self):
                fake.handle(self, "POST")

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            request_queue_size = 256

            def handle_error(self, request, client_address):
                pass  # a client that went away (a killed gateway) is part of the campaign

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        # Several senders, as a provider has: one would fall behind a gateway on PostgreSQL,
        # where each webhook is a synchronous commit.
        for _ in range(dlr_threads):
            threading.Thread(target=self.dlr_loop, daemon=True).start()

    def set_chaos(self, chaos):
        with self.lock:
            self.chaos = chaos

    def close(self):
        with self.lock:
            self.stopping = True
            self.dlr_cv.notify_all()
        self.server.shutdown()

    # -- request handling

    def reply(self, h, status, body, headers=()):
        data = json.dumps(body).encode()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(data)

    def reset(self, h):
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True
        h.connection.close()

    def misbehave(self, h, kind):
        """Answers a request the chaos drew; returns after the answer (or non-answer)."""
        with self.lock:
            self.faults[kind] += 1
        if kind == "5xx":
            status = random.choice((500, 502, 503))
            self.reply(h, status, {"code": "internal_error", "text": "chaos"})
        elif kind == "429":
            self.reply(h, 429, {"code": "too_many_requests", "text": "chaos"},
                       [("Retry-After", "1")])
        elif kind == "hang":
            time.sleep(self.hang_s)
            h.close_connection = True
        elif kind == "reset":
            self.reset(h)

    def handle(self, h, method):
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        parsed = urllib.parse.urlsplit(h.path)
        prefix = "/xms/v1/%s/batches" % PLAN
        if parsed.path != prefix:
            self.shape_error("unexpected %s %s" % (method, h.path))
            return self.reply(h, 404, {"code": "not_found", "text": h.path})
        if h.headers.get("Authorization") != "Bearer " + TOKEN:
            self.shape_error("bad Authorization on %s %s" % (method, h.path))
            return self.reply(h, 401, {"code": "unauthorized", "text": "token"})
        with self.lock:
            if method == "POST":
                self.posts += 1
            chaos = self.chaos
            kind = None if chaos.off() else chaos.draw(
                self.rng, Chaos.KINDS if method == "POST" else ("5xx", "hang", "reset"))
        if method == "GET":
            if kind:
                return self.misbehave(h, kind)
            return self.lookup(h, urllib.parse.parse_qs(parsed.query))
        if kind and kind != "lost":
            return self.misbehave(h, kind)
        if self.send_latency_s:
            time.sleep(self.send_latency_s / 2)
        batch = self.create(h, raw)
        if batch is None:
            return
        if self.send_latency_s:
            time.sleep(self.send_latency_s / 2)
        if kind == "lost":
            with self.lock:
                self.faults["lost"] += 1
            time.sleep(self.hang_s)
            h.close_connection = True
            return
        self.reply(h, 201, batch)

    def shape_error(self, what):
        with self.lock:
            self.shape_errors.append(what)

    def create(self, h, raw):
        if h.headers.get("Content-Type", "").split(";")[0] != "application/json":
            self.shape_error("send without JSON content type")
            self.reply(h, 400, {"code": "syntax_invalid_json", "text": "content type"})
            return None
        try:
            b = json.loads(raw)
        except ValueError:
            self.shape_error("send body is not JSON")
            self.reply(h, 400, {"code": "syntax_invalid_json", "text": "json"})
            return None
        problems = []
        if not isinstance(b, dict):
            problems.append("not an object")
        else:
            missing = BATCH_KEYS - set(b)
            extra = set(b) - BATCH_KEYS - {"expire_at"}
            if missing:
                problems.append("missing %s" % sorted(missing))
            if extra:
                problems.append("unexpected %s" % sorted(extra))
            if b.get("type") != "mt_text" or not isinstance(b.get("body"), str):
                problems.append("not an mt_text batch with a string body")
            if b.get("delivery_report") != "per_recipient":
                problems.append("delivery_report %r" % b.get("delivery_report"))
            if b.get("from") != FROM.lstrip("+"):
                problems.append("from %r" % b.get("from"))
            to = b.get("to")
            if not (isinstance(to, list) and len(to) == 1 and str(to[0]).isdigit()):
                problems.append("to %r" % to)
            ref = b.get("client_reference")
            if not (isinstance(ref, str) and ref.startswith("msg_")):
                problems.append("client_reference %r" % ref)
            if not str(b.get("callback_url", "")).endswith("/webhooks/sn"):
                problems.append("callback_url %r" % b.get("callback_url"))
        if problems:
            self.shape_error("send: " + "; ".join(problems))
            self.reply(h, 400, {"code": "syntax_constraint_violation", "text": "; ".join(problems)})
            return None
        ref = b["client_reference"]
        with self.lock:
            self.next_id += 1
            bid = "01FAULT%019d" % self.next_id
            self.batches[bid] = {"ref": ref, "body": b["body"], "to": b["to"][0],
                                 "callback_url": b["callback_url"], "at": time.time()}
            self.by_ref.setdefault(ref, []).append(bid)
            heapq.heappush(self.dlr_queue, (time.time() + self.dlr_delay_s, bid))
            self.dlr_cv.notify_all()
        return {"id": bid, "to": b["to"], "from": b["from"], "canceled": False,
                "body": b["body"], "type": "mt_text", "client_reference": ref,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())}

    def lookup(self, h, q):
        ref = (q.get("client_reference") or [None])[0]
        if ref is None:  # the health check: one page of anything
            return self.reply(h, 200, {"batches": [], "count": 0, "page": 0, "page_size": 1})
        for needed in ("start_date", "page_size"):
            if needed not in q:
                self.shape_error("lookup without %s" % needed)
        with self.lock:
            self.lookups += 1
            self.lookup_at.setdefault(ref, []).append(time.time())
            ids = list(self.by_ref.get(ref, []))
            if ids:
                self.lookup_found += 1
            rows = [{"id": i, "client_reference": ref, "type": "mt_text"} for i in ids]
        self.reply(h, 200, {"batches": rows, "count": len(rows), "page": 0, "page_size": 10})

    # -- delivery reports

    def dlr_loop(self):
        conns = {}
        while True:
            with self.lock:
                while not self.stopping and (not self.dlr_queue or
                                             self.dlr_queue[0][0] > time.time()):
                    wait = self.dlr_queue[0][0] - time.time() if self.dlr_queue else 1.0
                    self.dlr_cv.wait(max(0.01, min(wait, 1.0)))
                if self.stopping:
                    return
                due, bid = heapq.heappop(self.dlr_queue)
                batch = self.batches[bid]
            url = urllib.parse.urlsplit(batch["callback_url"])
            body = json.dumps({"type": "recipient_delivery_report_sms", "batch_id": bid,
                               "recipient": batch["to"], "code": 0, "status": "Delivered",
                               "at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                               "client_reference": batch["ref"]})
            auth = base64.b64encode(("%s:%s" % (DLR_USER, DLR_PASSWORD)).encode()).decode()
            status = 0
            try:
                c = conns.get(url.netloc)
                if c is None:
                    c = conns[url.netloc] = http.client.HTTPConnection(url.netloc, timeout=5)
                c.request("POST", url.path, body, {"Content-Type": "application/json",
                                                   "Authorization": "Basic " + auth})
                r = c.getresponse()
                r.read()
                status = r.status
            except (OSError, http.client.HTTPException):
                conns.pop(url.netloc, None)
            with self.lock:
                if 200 <= status < 300:
                    self.dlr_sent += 1
                else:
                    # Sinch retries a callback that failed; so does the fake, half a second on.
                    self.dlr_retries += 1
                    if status == 503:
                        self.dlr_503 += 1
                    if status >= 500 and status != 503:
                        self.dlr_500 += 1
                    heapq.heappush(self.dlr_queue, (time.time() + 0.5, bid))

    def dlr_pending(self):
        with self.lock:
            return len(self.dlr_queue)


# --------------------------------------------------------------------------------------------
# The gateway


class Gateway:
    """switchboard serve on a fixed port (so clients find it again after a restart)."""

    def __init__(self, workdir, database_url, fake_url, dispatcher=None, connector_timeout_ms=1000,
                 public_url=None):
        """`public_url`: where the provider's delivery reports go (default: this gateway)."""
        self.dir = workdir
        self.bin = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, "build", "switchboard"))
        if not os.access(self.bin, os.X_OK):
            raise CampaignFailure("no gateway binary at %s (build it, or set SWITCHBOARD_BIN)"
                                  % self.bin)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.public_url = public_url or self.url
        self.config = os.path.join(workdir, "switchboard.toml")
        d = {"lease_ms": 5000, "retry_base_ms": 200, "retry_max_ms": 2000,
             "circuit_open_ms": 1000, "health_check_at_start": "false",
             "reconcile_interval_ms": 0}
        d.update(dispatcher or {})
        disp = "\n".join("%s = %s" % (k, v) for k, v in d.items())
        with open(self.config, "w") as f:
            f.write(f"""[server]
listen = "127.0.0.1:{self.port}"
public_url = "{self.public_url}"
[database]
url = "{database_url}"
[accounts]
bootstrap = "faults"
print_first_key = false
[dispatcher]
{disp}
[log]
level = "info"
[media]
dir = "{workdir}/media"
[[connectors]]
id = "sn"
provider = "sinch"
base_url = "{fake_url}"
service_plan_id = "{PLAN}"
api_token = "{TOKEN}"
callback_username = "{DLR_USER}"
callback_password = "{DLR_PASSWORD}"
timeout_ms = {connector_timeout_ms}
max_concurrency = 16
[[numbers]]
number = "{FROM}"
account = "faults"
connector = "sn"
throughput = 0
""")
        self.proc = None
        self.starts = 0
        self.log_path = os.path.join(workdir, "gateway.log")
        self.unexpected_exits = []
        out = subprocess.run([self.bin, "keys", "create", "--account", "faults", "--config",
                              self.config], capture_output=True, text=True, cwd=workdir)
        if out.returncode != 0:
            raise CampaignFailure("keys create failed: %s" % out.stderr[-2000:])
        self.key = out.stdout.strip().splitlines()[-1]

    def start(self, timeout=60):
        """Starts the server and waits until it listens; returns the seconds that took."""
        t0 = time.time()
        self.starts += 1
        err = open(self.log_path, "a")
        self.proc = subprocess.Popen([self.bin, "serve", "--config", self.config], cwd=self.dir,
                                     stdout=subprocess.PIPE, stderr=err, text=True,
                                     preexec_fn=die_with_parent)
        err.close()
        deadline = t0 + timeout
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if "listening on" in line:
                threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                return time.time() - t0
            if not line and self.proc.poll() is not None:
                raise CampaignFailure("gateway exited at start (code %s); log: %s\n%s" % (
                    self.proc.returncode, self.log_path, self.tail()))
        raise CampaignFailure("gateway not listening after %ss" % timeout)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self, timeout=60):
        """SIGTERM, wait; returns the exit code."""
        if not self.alive():
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "hung at shutdown (killed)"

    def tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def log_count(self, needle):
        try:
            with open(self.log_path, errors="replace") as f:
                return sum(1 for line in f if needle in line)
        except OSError:
            return 0

    def log_levels(self):
        """Lines per log level (the word after the timestamp)."""
        out = {}
        try:
            with open(self.log_path, errors="replace") as f:
                for line in f:
                    parts = line.split(" ", 2)
                    if len(parts) > 2 and parts[0][:4].isdigit():
                        out[parts[1]] = out.get(parts[1], 0) + 1
        except OSError:
            pass
        return out


class Client:
    """One keep-alive connection to the gateway's API."""

    def __init__(self, gw, timeout=10):
        self.gw = gw
        self.timeout = timeout
        self.conn = None

    def call(self, method, path, body=None):
        """Returns (status, json or None); raises OSError / HTTPException on transport errors."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.gw.port, timeout=self.timeout)
        headers = {"Authorization": "Bearer " + self.gw.key}
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, data, headers)
            r = self.conn.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            raise
        try:
            j = json.loads(raw) if raw else None
        except ValueError:
            j = None
        return r.status, j


# --------------------------------------------------------------------------------------------
# Load


class Load:
    """Posts /v1/messages at `rate` per second from `threads` connections until stopped.

    Every request carries a unique token in its body. Outcomes: 202 (with the message id),
    other statuses (with the error code), `refused` (no connection: nothing was sent), and
    `unknown` (the request went out but no answer came back: it may or may not have been
    accepted; the audit checks such tokens separately).
    """

    def __init__(self, gw, rate, threads=8, name="load"):
        self.gw = gw
        self.rate = rate
        self.threads = threads
        self.name = name
        self.lock = threading.Lock()
        self.accepted = {}  # id -> (token, time)
        self.by_token = {}  # token -> id
        self.statuses = {}  # status -> count
        self.codes = {}  # "503 database_unavailable" -> count
        self.unknown = set()  # tokens
        self.refused = 0
        # (sent at, answered at, outcome) with outcome 202, another status, "refused", "unknown"
        self.events = []
        self.seq = 0
        self.stop_flag = threading.Event()
        self.workers = []

    def start(self):
        self.t0 = time.time()
        for i in range(self.threads):
            t = threading.Thread(target=self.run, args=(i,), daemon=True)
            t.start()
            self.workers.append(t)

    def stop(self):
        self.stop_flag.set()
        for t in self.workers:
            t.join()

    def next_slot(self):
        with self.lock:
            n = self.seq
            self.seq += 1
        return n, self.t0 + n / self.rate

    def run(self, i):
        client = Client(self.gw, timeout=15)
        while not self.stop_flag.is_set():
            n, at = self.next_slot()
            delay = at - time.time()
            if delay > 0:
                if self.stop_flag.wait(delay):
                    return
            token = "%s-%d" % (self.name, n)
            body = {"to": "+1415555%04d" % (n % 10000), "from": FROM, "body": "fault " + token}
            now = time.time()
            fresh = client.conn is None
            try:
                status, j = client.call("POST", "/v1/messages", body)
            except ConnectionRefusedError:
                self.record(now, "refused")
                self.stop_flag.wait(0.05)
                continue
            except (OSError, http.client.HTTPException) as e:
                # A keep-alive connection closed by a server that went away before this request
                # was read is indistinguishable from one cut mid-request: either way, the token
                # might be in the database.
                with self.lock:
                    self.unknown.add(token)
                self.record(now, "unknown", str(type(e).__name__) + (" fresh" if fresh else ""))
                self.stop_flag.wait(0.05)
                continue
            if status == 202:
                with self.lock:
                    self.accepted[j["id"]] = (token, now)
                    self.by_token[token] = j["id"]
                self.record(now, 202)
            else:
                code = (j or {}).get("error", {}).get("code") if isinstance(j, dict) else None
                if code == "commit_unknown":  # the gateway says it cannot tell: may be stored
                    with self.lock:
                        self.unknown.add(token)
                self.record(now, status, code)

    def record(self, t, outcome, code=None):
        with self.lock:
            self.events.append((t, time.time(), outcome))
            self.statuses[outcome] = self.statuses.get(outcome, 0) + 1
            if code is not None:
                k = "%s %s" % (outcome, code)
                self.codes[k] = self.codes.get(k, 0) + 1

    def answers_between(self, windows):
        """What the API answered to requests sent inside any (start, end) window: {outcome: n}."""
        out = {}
        with self.lock:
            for t, _, outcome in self.events:
                if any(start <= t < end for start, end in windows):
                    out[str(outcome)] = out.get(str(outcome), 0) + 1
        return out

    def first_accept_after(self, t, timeout=60):
        """Seconds from `t` until the first 202 answered after it (waiting up to `timeout`);
        raises CampaignFailure when none comes."""
        deadline = time.time() + timeout
        while True:
            with self.lock:
                times = [a for _, a, o in self.events if o == 202 and a >= t]
            if times:
                return min(times) - t
            if time.time() > deadline:
                raise CampaignFailure("nothing accepted within %ss" % timeout)
            time.sleep(0.02)

    def count(self, outcome):
        with self.lock:
            return self.statuses.get(outcome, 0)

    def wait_accepts(self, n, timeout):
        """Waits until `n` more messages were accepted (the load is getting through)."""
        start = len(self.accepted)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(self.accepted) >= start + n:
                return True
            time.sleep(0.05)
        return False


class Loads:
    """Several stopped Loads (one per gateway sharing a database) seen as one, for audit()."""

    def __init__(self, loads):
        self.accepted, self.by_token, self.unknown = {}, {}, set()
        self.statuses, self.codes, self.refused, self.events = {}, {}, 0, []
        for load in loads:
            with load.lock:
                self.accepted.update(load.accepted)
                self.by_token.update(load.by_token)
                self.unknown |= load.unknown
                self.refused += load.refused
                self.events += load.events
                for k, v in load.statuses.items():
                    self.statuses[k] = self.statuses.get(k, 0) + v
                for k, v in load.codes.items():
                    self.codes[k] = self.codes.get(k, 0) + v

    def count(self, outcome):
        return self.statuses.get(outcome, 0)


# --------------------------------------------------------------------------------------------
# Audit


def wait_settled(gw, timeout):
    """Seconds until /v1/stats counts no message still on its way; None after `timeout`."""
    client = Client(gw, timeout=10)
    t0 = time.time()
    while time.time() - t0 < timeout:
        try:
            status, j = client.call("GET", "/v1/stats")
        except (OSError, http.client.HTTPException):
            status, j = 0, None
        if status == 200:
            by = j["messages"]["by_status"]
            if not any(by.get(k) for k in ("accepted", "queued", "sending", "sent", "scheduled")):
                return time.time() - t0
        time.sleep(0.1)
    return None


def wait_all_final(gw, fake, ids, timeout):
    """Polls each accepted message until it is final; returns {id: message}."""
    client = Client(gw, timeout=10)
    done = {}
    pending = list(ids)
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        still = []
        for mid in pending:
            try:
                status, j = client.call("GET", "/v1/messages/" + mid)
            except (OSError, http.client.HTTPException):
                still.append(mid)
                continue
            if status == 200 and j.get("status") in FINAL:
                done[mid] = j
            else:
                still.append(mid)
        pending = still
        if pending:
            time.sleep(0.5)
    for mid in pending:  # the last state seen of those that never became final
        try:
            status, j = client.call("GET", "/v1/messages/" + mid)
            done[mid] = j if status == 200 else {"status": "http %d" % status}
        except (OSError, http.client.HTTPException) as e:
            done[mid] = {"status": "unreadable: %s" % e}
    return done, pending


def audit(gw, fake, load, max_attempts, settle_timeout=180, exhausted_ok=False):
    """The exactly-once audit: returns (figures, problems), problems listing every broken promise.

    Every accepted message must be delivered, at the provider exactly once. With `exhausted_ok`
    (a provider failing on purpose) a message may instead have failed after exactly max_attempts
    transient failures: a reported outcome, not a loss; those are counted, and whether the
    provider still holds a batch for one (its last answer lost) is counted too."""
    t0 = time.time()
    ids = sorted(load.accepted)
    settle = wait_settled(gw, settle_timeout)
    final, pending = wait_all_final(gw, fake, ids, max(10, settle_timeout - (time.time() - t0)))
    audit_s = time.time() - t0 - (settle or 0)
    with fake.lock:
        by_ref = {k: list(v) for k, v in fake.by_ref.items()}
        shape_errors = list(fake.shape_errors)
        batches = dict(fake.batches)
    problems = []
    lost, doubled, not_delivered, over_attempts = [], [], [], []
    exhausted, exhausted_at_provider = [], []
    retries = 0
    attempts_hist = {}
    for mid in ids:
        n = len(by_ref.get(mid, []))
        m = final.get(mid, {})
        a = m.get("attempts", 0) or 0
        if exhausted_ok and m.get("status") == "failed" and a == max_attempts:
            exhausted.append(mid)
            if n > 0:
                exhausted_at_provider.append(mid)
        elif n == 0:
            lost.append(mid)
        elif m.get("status") != "delivered":
            not_delivered.append((mid, m.get("status")))
        if n > 1:
            doubled.append(mid)
        attempts_hist[a] = attempts_hist.get(a, 0) + 1
        retries += max(0, a - 1)
        if a > max_attempts:
            over_attempts.append((mid, a))
    # Batches for messages nobody was told were accepted: only a request whose answer never came
    # may have been accepted.
    phantom, unknown_accepted = [], 0
    for ref, bids in by_ref.items():
        if ref in load.accepted:
            continue
        token = batches[bids[0]]["body"].replace("fault ", "", 1)
        if token in load.unknown and token not in load.by_token:
            unknown_accepted += 1
            if len(bids) > 1:
                doubled.append(ref)
        else:
            phantom.append((ref, token))
    if lost:
        problems.append("%d accepted messages never reached the provider: %s" % (len(lost), lost[:10]))
    if doubled:
        problems.append("%d messages reached the provider more than once: %s" % (
            len(doubled), [(d, by_ref.get(d)) for d in doubled[:10]]))
    if not_delivered:
        problems.append("%d accepted messages not delivered at the end: %s" % (
            len(not_delivered), not_delivered[:10]))
    if over_attempts:
        problems.append("%d messages over max_attempts=%d: %s" % (
            len(over_attempts), max_attempts, over_attempts[:10]))
    if phantom:
        problems.append("%d messages at the provider were never accepted by the API: %s" % (
            len(phantom), phantom[:10]))
    if shape_errors:
        problems.append("%d requests of the wrong shape reached the fake: %s" % (
            len(shape_errors), shape_errors[:5]))
    if load.count(500) or fake.dlr_500:
        problems.append("HTTP 500 answers: API %d, webhooks %d" % (load.count(500), fake.dlr_500))
    fig = {
        "accepted_202": len(ids),
        "lost": len(lost),
        "doubled": len(doubled),
        "not_delivered": len(not_delivered),
        "failed_after_max_attempts": len(exhausted),
        "failed_after_max_attempts_but_at_provider": len(exhausted_at_provider),
        "unanswered_requests": len(load.unknown),
        "unanswered_but_accepted": unknown_accepted,
        "refused_connections": load.refused + load.count("refused"),
        "api_statuses": {str(k): v for k, v in sorted(load.statuses.items(), key=str)},
        "api_error_codes": dict(sorted(load.codes.items())),
        "provider_send_requests": fake.posts,
        "provider_batches": len(batches),
        "retries_recorded": retries,
        "attempts_histogram": {str(k): v for k, v in sorted(attempts_hist.items())},
        "provider_lookups": fake.lookups,
        "lookups_found_earlier_batch": fake.lookup_found,
        "chaos_faults": dict(fake.faults),
        "dlr_posted": fake.dlr_sent,
        "dlr_retries": fake.dlr_retries,
        "dlr_503": fake.dlr_503,
        # From the end of the load (every fault over) until /v1/stats shows no message left to
        # send or to hear about (none accepted, queued, sending or sent); None: not within the
        # audit's timeout.
        "settle_s": round(settle, 1) if settle is not None else None,
        "audit_s": round(audit_s, 1),
    }
    return fig, problems


def finish(name, fig, problems, gw, out_path=None):
    """Prints the figures (and writes them as JSON); exits non-zero on any broken promise."""
    fig["campaign"] = name
    levels = gw.log_levels() if gw else {}
    fig["gateway_log_errors"] = levels.get("error", 0)
    if levels.get("critical"):
        problems.append("the gateway logged %d critical lines (a stop)" % levels["critical"])
    text = json.dumps(fig, indent=2, sort_keys=True)
    print(text, flush=True)
    if out_path:
        with open(out_path, "w") as f:
            f.write(text + "\n")
    if problems:
        print("\nFAILED: %s" % name, file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        if gw:
            print("gateway log tail:\n" + gw.tail(), file=sys.stderr)
        sys.exit(1)
    print("\nPASSED: %s" % name, flush=True)


def conclude(name, fig, problems, gw, fake, out_path=None, after_stop=None):
    """Stops the gateway (SIGTERM: it must exit 0) and the fake, runs `after_stop` (checks that
    need the gateway gone), then finish()."""
    code = gw.stop()
    if code != 0:
        problems.append("gateway exit code %s at the final SIGTERM" % code)
    fake.close()
    if after_stop:
        after_stop()
    finish(name, fig, problems, gw, out_path)


def run(main):
    """Runs a campaign's main(); a CampaignFailure (the fault could not be set up) fails it."""
    try:
        main()
    except CampaignFailure as e:
        print("FAILED: %s" % e, file=sys.stderr)
        sys.exit(1)


def common_args(description, short, long_):
    """--short / --long presets and overrides shared by every campaign."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--long", action="store_true", help="the on-demand form (make faults)")
    p.add_argument("--rate", type=float, help="messages per second offered")
    p.add_argument("--json", help="write the figures to this file")
    p.add_argument("--keep", action="store_true", help="keep the working directory")
    return p


def workdir(name, keep):
    d = tempfile.mkdtemp(prefix="sb-fault-%s-" % name)
    if not keep:
        import atexit
        import shutil

        atexit.register(shutil.rmtree, d, True)
    return d
