#!/usr/bin/env python3
# Seeds one conversation with N messages (cloned from a real one through SQL: seconds, not
# minutes) and times GET /v1/conversations/{id}/messages page by page over HTTP keep-alive, both
# cursor directions, at the start, middle and end, against GET /healthz in the same run; prints
# the store's query plans (EXPLAIN) to show the pages are index-backed.
# Run by bench/conversation_paging.sh (which starts the server); not on its own.
import http.client
import json
import os
import secrets
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid(prefix: str, t_ms: int, seq: int) -> str:
    # The server's id shape (core/ids.cc): 10 base32 characters of time, 16 of randomness. A
    # sequence in the high bits keeps ids of one millisecond in seeding order.
    r = (seq << 40) | secrets.randbits(40)
    t = "".join(ALPHABET[(t_ms >> (5 * i)) & 31] for i in range(9, -1, -1))
    rnd = "".join(ALPHABET[(r >> (5 * i)) & 31] for i in range(15, -1, -1))
    return prefix + t + rnd


class Client:
    def __init__(self, base: str, key: str):
        u = urllib.parse.urlparse(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.auth = {"Authorization": f"Bearer {key}"}

    def get(self, path: str):
        self.conn.request("GET", path, headers=self.auth)
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status} {body[:200]!r}")
        return json.loads(body)

    def post(self, path: str, obj):
        self.conn.request("POST", path, body=json.dumps(obj),
                          headers={**self.auth, "Content-Type": "application/json"})
        r = self.conn.getresponse()
        body = r.read()
        if r.status not in (200, 201, 202):
            raise RuntimeError(f"POST {path}: {r.status} {body[:200]!r}")
        return json.loads(body)

    def timed(self, path: str, repeat: int) -> float:
        """Median milliseconds of `repeat` GETs of `path`."""
        samples = []
        for _ in range(repeat):
            t = time.perf_counter()
            self.get(path)
            samples.append((time.perf_counter() - t) * 1000)
        return statistics.median(samples)


def psql(db_url: str, script: str) -> str:
    out = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", db_url],
                         input=script, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return out.stdout


def seed(kind: str, db: str, template: str, n: int):
    """n-1 clones of message `template`, older than it, in its conversation; returns all ids,
    oldest first."""
    if kind == "sqlite":
        c = sqlite3.connect(db, timeout=30)
        cols = [r[1] for r in c.execute("PRAGMA table_info(messages)")]
        t0 = c.execute("SELECT created_at FROM messages WHERE id = ?", (template,)).fetchone()[0]
    else:
        cols = psql(db, "SELECT column_name FROM information_schema.columns WHERE "
                        "table_name = 'messages' ORDER BY ordinal_position").split()
        t0 = int(psql(db, f"SELECT created_at FROM messages WHERE id = '{template}'").strip())
    # 10 messages a millisecond, older than the template.
    ids = [ulid("msg_", t0 - 1 - (n - 1 - i) // 10, i % 10) for i in range(n - 1)]
    times = [t0 - 1 - (n - 1 - i) // 10 for i in range(n - 1)]
    fresh = {"id": "s.id", "created_at": "s.t", "updated_at": "s.t",
             "idempotency_key": "NULL", "request_hash": "NULL"}
    select = ", ".join(fresh.get(col, "m." + col) for col in cols)
    insert = f"INSERT INTO messages ({', '.join(cols)}) SELECT {select} "
    # and each clone's state row (message_states: status, times, provider reference)
    states = ("INSERT INTO message_states (message_id, status, updated_at, attempts, "
              "next_attempt_at, lease_owner, connector_id, provider_message_id, error_code, "
              "error_message) SELECT s.id, m.status, s.t, m.attempts, m.next_attempt_at, "
              "m.lease_owner, m.connector_id, NULL, m.error_code, m.error_message ")
    if kind == "sqlite":
        with c:
            c.execute("CREATE TEMP TABLE seed (id TEXT, t BIGINT)")
            c.executemany("INSERT INTO seed VALUES (?, ?)", zip(ids, times))
            c.execute(insert + "FROM seed s, messages m WHERE m.id = ?", (template,))
            c.execute(states + "FROM seed s, message_states m WHERE m.message_id = ?", (template,))
            c.execute("UPDATE conversations SET outbound_count = outbound_count + ? "
                      "WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)",
                      (n - 1, template))
        c.execute("ANALYZE")
        c.close()
    else:
        rows = "\n".join(f"{i}\t{t}" for i, t in zip(ids, times))
        psql(db, "CREATE TEMP TABLE seed (id TEXT, t BIGINT);\n"
                 f"COPY seed FROM STDIN;\n{rows}\n\\.\n"
                 f"{insert} FROM seed s, messages m WHERE m.id = '{template}';\n"
                 f"{states} FROM seed s, message_states m WHERE m.message_id = '{template}';\n"
                 f"UPDATE conversations SET outbound_count = outbound_count + {n - 1} "
                 f"WHERE id = (SELECT conversation_id FROM messages WHERE id = '{template}');\n"
                 "ANALYZE;\n")
    return ids + [template]


def plans(kind: str, db: str, account: str, conv: str, cursor: str, number: str):
    # The store's statements (message_repository.cc MessageRepository::list), with this run's values.
    queries = {
        "after (oldest first)":
            f"SELECT id FROM messages JOIN message_states ON message_id = id WHERE account_id = '{account}' AND id > '{cursor}' "
            f"AND conversation_id = '{conv}' ORDER BY id LIMIT 101",
        "before (newest first)":
            f"SELECT id FROM messages JOIN message_states ON message_id = id WHERE account_id = '{account}' AND id < '{cursor}' "
            f"AND conversation_id = '{conv}' ORDER BY id DESC LIMIT 101",
        "GET /v1/messages?number=":
            f"SELECT id FROM messages JOIN message_states ON message_id = id WHERE account_id = '{account}' AND (CASE WHEN direction = "
            f"'outbound' THEN from_addr ELSE to_addr END) = '{number}' ORDER BY id DESC LIMIT 51",
    }
    out = {}
    for name, q in queries.items():
        if kind == "sqlite":
            c = sqlite3.connect(db, timeout=30)
            out[name] = "; ".join(r[3] for r in c.execute("EXPLAIN QUERY PLAN " + q))
            c.close()
        else:
            out[name] = " | ".join(l.strip() for l in psql(db, "EXPLAIN " + q).splitlines()[:3])
    return out


def main():
    base, key, kind, db, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    repeat = int(os.environ.get("REPEAT", "15"))
    c = Client(base, key)
    m = c.post("/v1/messages", {"to": "+14155550123", "from": "+12025550100", "body": "seed"})
    deadline = time.time() + 30
    while c.get(f"/v1/messages/{m['id']}")["status"] != "delivered":
        if time.time() > deadline:
            raise RuntimeError("the seed message was not delivered")
        time.sleep(0.05)
    conv = m["conversation_id"]
    t = time.perf_counter()
    ids = seed(kind, db, m["id"], n)
    seeded_s = time.perf_counter() - t
    got = c.get(f"/v1/conversations/{conv}")
    assert got["message_count"] == n, got
    print(f"seeded {n} messages in one conversation in {seeded_s:.1f} s ({kind})")

    health = c.timed("/healthz", repeat * 2)
    print(f"GET /healthz: {health:.3f} ms (median of {repeat * 2})")
    path = f"/v1/conversations/{conv}/messages"
    results = {"healthz_ms": health, "n": n, "backend": kind, "points": {}}
    for limit in (None, 100):
        size = limit or 50
        q = "" if limit is None else f"&limit={limit}"
        points = {
            "after: first page (no cursor)": f"{path}?{q[1:]}",
            "after: middle": f"{path}?after={ids[n // 2]}{q}",
            "after: last page": f"{path}?after={ids[n - size - 1]}{q}",
            "before: first page": f"{path}?before={ids[size]}{q}",
            "before: middle": f"{path}?before={ids[n // 2]}{q}",
            "before: last page (newest)": f"{path}?before={ids[-1]}{q}",
        }
        print(f"-- page size {size}{' (default)' if limit is None else ''}: median ms of {repeat}")
        for name, p in points.items():
            ms = c.timed(p, repeat)
            results["points"][f"{size} {name}"] = ms
            print(f"   {name:32s} {ms:8.3f} ms   {ms / health:6.1f}x healthz")
        first = results["points"][f"{size} after: first page (no cursor)"]
        last = results["points"][f"{size} after: last page"]
        print(f"   last page / first page: {last / first:.2f}")
    # The whole conversation, page by page (100 a page), forwards and backwards.
    for direction in ("after", "before"):
        cursor = None if direction == "after" else ids[-1]
        pages, seen, samples = 0, 0, []
        while True:
            p = f"{path}?limit=100" + (f"&{direction}={cursor}" if cursor else "")
            t = time.perf_counter()
            page = c.get(p)
            samples.append((time.perf_counter() - t) * 1000)
            pages += 1
            seen += len(page["data"])
            cursor = page[f"{direction}_cursor"]
            if cursor is None:
                break
        samples.sort()
        print(f"-- whole conversation via {direction}= (100 a page): {pages} pages, {seen} messages, "
              f"{sum(samples) / 1000:.2f} s; ms/page p50 {samples[len(samples) // 2]:.3f}, "
              f"p99 {samples[int(len(samples) * 0.99)]:.3f}, first {samples and samples[0]:.3f}")
    # Our side, through the number filter (index messages_our_number).
    ms = c.timed("/v1/messages?number=%2B12025550100&direction=outbound", repeat)
    print(f"-- GET /v1/messages?number=...&direction=outbound (newest 50 of {n}): {ms:.3f} ms")
    print("-- query plans")
    for name, plan in plans(kind, db, "bench", conv, ids[n // 2], "+12025550100").items():
        print(f"   {name}: {plan}")


if __name__ == "__main__":
    main()
