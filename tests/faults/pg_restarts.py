#!/usr/bin/env python3
"""Fault campaign: PostgreSQL stopped (alternately -m fast and -m immediate) and started again under
load, several times, on a private cluster of the campaign's own. While it is down the API must
answer 503 database_unavailable (never 500) and the gateway must stay up; afterwards every message
that got a 202 must reach the provider (the fake Sinch) exactly once and be delivered.

Short form (make test): 2 restarts, 2 s down. Long form (make faults): RESTARTS=8, 5 s down.
Usage: tests/faults/pg_restarts.py [--long] [--restarts N] [--down-s S] [--rate R]
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402
import pg_cluster  # noqa: E402


def main():
    p = fl.common_args(__doc__, None, None)
    p.add_argument("--restarts", type=int, default=int(os.environ.get("RESTARTS", 0)) or None)
    p.add_argument("--down-s", type=float)
    a = p.parse_args()
    restarts = a.restarts or (8 if a.long else 2)
    down_s = a.down_s or (5.0 if a.long else 2.0)
    up_s = 4.0 if a.long else 2.0
    rate = a.rate or 100
    work = fl.workdir("pg", a.keep)
    pg = pg_cluster.Cluster(work)
    fake = fl.FakeSinch()
    gw = fl.Gateway(work, pg.url, fake.url)
    fl.log("pg_restarts: %d restarts, %.1f s down, %s msg/s offered, PostgreSQL %s" % (
        restarts, down_s, rate, pg.url))
    gw.start()
    load = fl.Load(gw, rate, threads=8, name="pg")
    load.start()
    windows, recover, pg_start_s = [], [], []
    problems = []
    try:
        for i in range(restarts):
            if not load.wait_accepts(20, 30):
                raise fl.CampaignFailure("nothing accepted before restart %d" % (i + 1))
            time.sleep(up_s)
            mode = "fast" if i % 2 == 0 else "immediate"
            t_down = time.time()
            pg.stop(mode)
            time.sleep(down_s)
            if not gw.alive():
                problems.append("gateway died while PostgreSQL was down (restart %d): %s" % (
                    i + 1, gw.proc.returncode))
                break
            t_up = time.time()
            pg_start_s.append(pg.start())
            windows.append((t_down, t_up, mode))
            recover.append(load.first_accept_after(t_up))
            fl.log("pg_restarts: restart %d (-m %s) done, recovered %.2f s after start" % (
                i + 1, mode, recover[-1]))
        time.sleep(up_s)
    finally:
        load.stop()
    # What the API answered while the database was down (from the stop to the start command).
    down_answers = load.answers_between([(d, u) for d, u, _ in windows])
    fig, more = fl.audit(gw, fake, load, max_attempts=10)
    problems += more
    bad_down = {k: v for k, v in down_answers.items() if k not in ("202", "503", "unknown")}
    if bad_down:
        problems.append("answers other than 202/503 while PostgreSQL was down: %s" % bad_down)
    # The outage must have reached the gateway: 503s, or commits that lost their connection (the
    # outbox then waits up to 10 s for the server, so a short outage can end in late 202s alone).
    lost_commits = gw.log_count("was lost while committing")
    if not load.count(503) and not lost_commits:
        problems.append("no 503 and no lost commit while PostgreSQL was down: the fault did not "
                        "bite")
    # Down means unreachable: database_unavailable, or commit_unknown for a commit the server
    # may have taken before it went (the gateway waits up to 10 s for it to say).
    other_codes = {k: v for k, v in load.codes.items() if k.startswith("503 ")
                   and k not in ("503 database_unavailable", "503 commit_unknown")}
    if other_codes:
        problems.append("503s with another code than database_unavailable: %s" % other_codes)
    fig.update({
        "restarts": len(windows),
        "stop_modes": [m for _, _, m in windows],
        "down_s_each": down_s,
        "answers_while_down": down_answers,
        "pg_start_s_max": round(max(pg_start_s), 2) if pg_start_s else None,
        "recover_s_after_pg_start": [round(r, 2) for r in recover],
        "other_503_codes": other_codes,
        "commits_lost_connection": lost_commits,
        "commits_lost_connection_but_stored": gw.log_count("was stored: answered as accepted"),
    })
    fl.conclude("pg_restarts", fig, problems, gw, fake, a.json, after_stop=pg.destroy)


if __name__ == "__main__":
    fl.run(main)
