#!/usr/bin/env python3
"""Fault campaign: a provider that misbehaves under load. The fake Sinch answers a share of sends
with 500/502/503, 429 with Retry-After, hangs past the connector's timeout (dropping the request),
TCP resets, and "lost answers" (it accepts the batch, then the answer never arrives in time), and
lookups with 5xx, hangs and resets. Then the chaos stops, and every message that got a 202 must
have reached the provider exactly once and be delivered, with no message over max_attempts. The
circuit breaker is sampled through /readyz all along: it must open under the storm, and close
again once the provider behaves.

Every 10 s the mix gives way to a 2 s storm in which every request fails.
Short form (make test): 20 s of chaos. Long form (make faults): FAULT_MINUTES=5.
Usage: tests/faults/chaos_provider.py [--long] [--minutes M | --seconds S] [--rate R]
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402


def main():
    p = fl.common_args(__doc__, None, None)
    p.add_argument("--minutes", type=float, default=float(os.environ.get("FAULT_MINUTES", 0)) or None)
    p.add_argument("--seconds", type=float)
    a = p.parse_args()
    seconds = a.seconds or (a.minutes * 60 if a.minutes else (300 if a.long else 20))
    rate = a.rate or 60
    max_attempts = 10
    work = fl.workdir("chaos", a.keep)
    fake = fl.FakeSinch(hang_s=1.5)
    gw = fl.Gateway(work, "sqlite://%s/switchboard.db" % work, fake.url,
                    dispatcher={"max_attempts": max_attempts}, connector_timeout_ms=1000)
    chaos = fl.Chaos(**{"5xx": 0.10, "429": 0.05, "hang": 0.03, "reset": 0.04, "lost": 0.03})
    fl.log("chaos_provider: %.0f s of chaos %s, %s msg/s offered" % (seconds, chaos.p, rate))
    gw.start()
    samples = {"closed": 0, "open": 0, "half_open": 0}
    opens = [0]
    sampling = threading.Event()

    def sample_circuit():
        c = fl.Client(gw, timeout=5)
        last = "closed"
        while not sampling.is_set():
            try:
                _, j = c.call("GET", "/readyz")
                state = [x for x in (j or {}).get("checks", {}).get("connectors", [])
                         if x.get("id") == "sn"]
                state = state[0]["circuit"] if state else "closed"
            except (OSError, fl.http.client.HTTPException, KeyError, TypeError):
                state = last
            samples[state] = samples.get(state, 0) + 1
            if state == "open" and last != "open":
                opens[0] += 1
            last = state
            sampling.wait(0.1)

    sampler = threading.Thread(target=sample_circuit, daemon=True)
    sampler.start()
    load = fl.Load(gw, rate, threads=6, name="chaos")
    load.start()
    # Every 10 s: 8 s of mixed chaos, then a 2 s storm in which every request fails (5xx), which
    # must open the circuit.
    storm = fl.Chaos(**{"5xx": 1.0})
    t_end = time.time() + seconds
    next_log = time.time() + 30
    storms = 0
    while time.time() < t_end and gw.alive():
        fake.set_chaos(chaos)
        time.sleep(max(0, min(8, t_end - time.time())))
        if time.time() >= t_end:
            break
        fake.set_chaos(storm)
        storms += 1
        time.sleep(max(0, min(2, t_end - time.time())))
        if time.time() >= next_log:
            next_log += 30
            fl.log("chaos_provider: %d accepted, faults %s" % (len(load.accepted), fake.faults))
    load.stop()
    fake.set_chaos(fl.Chaos())
    t_calm = time.time()
    problems = []
    if not gw.alive():
        problems.append("gateway died under chaos: exit %s" % gw.proc.returncode)
    fig, more = fl.audit(gw, fake, load, max_attempts=max_attempts, settle_timeout=240,
                         exhausted_ok=True)
    problems += more
    sampling.set()
    sampler.join()
    during = dict(samples)
    # After the storm the circuit must be closed again (the audit waited for every message).
    c = fl.Client(gw)
    _, ready = c.call("GET", "/readyz")
    final_circuit = [x["circuit"] for x in ready.get("checks", {}).get("connectors", [])
                     if x.get("id") == "sn"]
    if final_circuit != ["closed"]:
        problems.append("circuit not closed after the chaos ended: %s" % ready)
    if opens[0] == 0:
        problems.append("the circuit never opened under the chaos (sampled %s)" % during)
    faults = sum(fake.faults.values())
    if faults == 0:
        problems.append("no fault was injected")
    fig.update({
        "chaos_seconds": seconds,
        "chaos_probabilities": chaos.p,
        "faults_injected": faults,
        "storms_2s_all_5xx": storms,
        "circuit_samples": during,
        "circuit_opened": opens[0],
        "recover_s_all_final_after_chaos": round(time.time() - t_calm, 1),
        "accepted_per_s": round(len(load.accepted) / seconds, 1),
    })
    fl.conclude("chaos_provider", fig, problems, gw, fake, a.json)


if __name__ == "__main__":
    fl.run(main)
