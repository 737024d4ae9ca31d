#!/usr/bin/env python3
"""Fault campaign: kill -9 the gateway again and again under load, restarting it each time on the
same database. At the end every message that got a 202 must have reached the provider (the fake
Sinch) exactly once and be delivered.

Short form (make test): KILLS=5. Long form (make faults): KILLS=50.
Usage: tests/faults/kill9_restarts.py [--long] [--kills N] [--backend sqlite|postgres] [--rate R]
PostgreSQL: the database is created on SWITCHBOARD_TEST_PG_URL's server.
"""
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402


def main():
    p = fl.common_args(__doc__, None, None)
    p.add_argument("--kills", type=int, default=int(os.environ.get("KILLS", 0)) or None)
    p.add_argument("--backend", default=os.environ.get("FAULT_BACKEND", "sqlite"))
    a = p.parse_args()
    kills = a.kills or (50 if a.long else 5)
    rate = a.rate or 150
    work = fl.workdir("kill9", a.keep)
    rng = random.Random()
    pgdb = None
    if a.backend == "postgres":
        import pg_cluster

        pgdb = pg_cluster.Database.create_on_test_server()
        db_url = pgdb.url
    else:
        db_url = "sqlite://%s/switchboard.db" % work
    fake = fl.FakeSinch()
    gw = fl.Gateway(work, db_url, fake.url)
    fl.log("kill9: %d kills, %s, %s msg/s offered, work dir %s" % (kills, a.backend, rate, work))
    gw.start()
    load = fl.Load(gw, rate, threads=8, name="k9")
    load.start()
    recover = []
    crashed = []
    try:
        for i in range(kills):
            # Run long enough to have messages in every stage (accepted, claimed, at the fake, DLR).
            if not load.wait_accepts(20, 30):
                raise fl.CampaignFailure("no messages accepted after restart %d" % i)
            time.sleep(rng.uniform(0.3, 1.5))
            if not gw.alive():
                crashed.append(gw.proc.returncode)
            gw.kill9()
            t = time.time()
            gw.start()
            recover.append(load.first_accept_after(t))
            if (i + 1) % 10 == 0 or i + 1 == kills:
                fl.log("kill9: %d kills, %d accepted" % (i + 1, len(load.accepted)))
        time.sleep(1)
    finally:
        load.stop()
    fig, problems = fl.audit(gw, fake, load, max_attempts=10)
    fig.update({
        "backend": a.backend,
        "kills": kills,
        "unexpected_exits": len(crashed),
        "recover_s_median": round(sorted(recover)[len(recover) // 2], 3),
        "recover_s_max": round(max(recover), 3),
        "lookup_log_not_resent": gw.log_count("before the restart; not resent"),
    })
    if crashed:
        problems.append("gateway died on its own %d times" % len(crashed))
    fl.conclude("kill9_restarts", fig, problems, gw, fake, a.json,
                after_stop=pgdb.drop if pgdb else None)


if __name__ == "__main__":
    fl.run(main)
