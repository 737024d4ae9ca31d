#!/usr/bin/env python3
"""Fault campaign: the SQLite database's filesystem fills up under load. The database lives on a
small tmpfs of its own; a filler file takes every free byte, stays a few seconds, and is removed
again. While the disk is full the API must answer 503 with an error code (never 500) and the
gateway must stay up; when space returns it must accept again; at the end every message that got
a 202 must have reached the provider (the fake Sinch) exactly once and be delivered, and
`PRAGMA integrity_check` must say ok.

Mounting needs root (or password-less sudo). Where it is impossible the campaign fails and says
so: a campaign that cannot inject its fault proves nothing.

Short form (make test): 1 fill, 3 s full. Long form (make faults): FILLS=5, 8 s full each.
Usage: tests/faults/sqlite_disk_full.py [--long] [--fills N] [--full-s S] [--rate R]
"""
import atexit
import errno
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import faultlib as fl  # noqa: E402


def mount_tmpfs(path, size):
    os.makedirs(path)
    cmd = ["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size, "tmpfs", path]
    if os.geteuid() != 0:
        if subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode != 0:
            raise fl.CampaignFailure(
                "cannot mount a small filesystem for the database: not root and no "
                "password-less sudo. This campaign needs `mount -t tmpfs`; run it as root.")
        cmd = ["sudo", "-n"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise fl.CampaignFailure("cannot mount a tmpfs at %s (%s): this campaign needs "
                                 "`mount -t tmpfs` (root, outside a restricted container)"
                                 % (path, out.stderr.strip()))
    umount = (["sudo", "-n"] if os.geteuid() != 0 else []) + ["umount", "-l", path]
    atexit.register(subprocess.run, umount, capture_output=True)


def fill(path):
    """Writes a file until the filesystem refuses another byte; returns the bytes written."""
    n = 0
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 12, 1):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                    n += chunk
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break
    return n


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def main():
    p = fl.common_args(__doc__, None, None)
    p.add_argument("--fills", type=int, default=int(os.environ.get("FILLS", 0)) or None)
    p.add_argument("--full-s", type=float)
    p.add_argument("--size", default="96m", help="the database filesystem's size")
    a = p.parse_args()
    fills = a.fills or (5 if a.long else 1)
    full_s = a.full_s or (8.0 if a.long else 3.0)
    up_s = 4.0 if a.long else 2.0
    rate = a.rate or 100
    work = fl.workdir("disk", a.keep)
    dbdir = os.path.join(work, "db")
    mount_tmpfs(dbdir, a.size)
    db = os.path.join(dbdir, "switchboard.db")
    fake = fl.FakeSinch()
    gw = fl.Gateway(work, "sqlite://" + db, fake.url)
    fl.log("sqlite_disk_full: %d fills, %.1f s full, %s msg/s offered, tmpfs %s at %s" % (
        fills, full_s, rate, a.size, dbdir))
    gw.start()
    load = fl.Load(gw, rate, threads=8, name="disk")
    load.start()
    windows, recover = [], []
    problems = []
    filler = os.path.join(dbdir, "filler")
    try:
        for i in range(fills):
            if not load.wait_accepts(20, 30):
                raise fl.CampaignFailure("nothing accepted before fill %d" % (i + 1))
            time.sleep(up_s)
            t_full = time.time()
            written = fill(filler)
            time.sleep(full_s)
            left = free_bytes(dbdir)
            alive = gw.alive()
            os.unlink(filler)
            t_free = time.time()
            windows.append((t_full, t_free))
            fl.log("sqlite_disk_full: fill %d: %d MB filler, %d bytes left while full" % (
                i + 1, written >> 20, left))
            if not alive:
                problems.append("gateway died while the disk was full (fill %d): exit %s" % (
                    i + 1, gw.proc.returncode))
                break
            recover.append(load.first_accept_after(t_free))
            fl.log("sqlite_disk_full: accepting again %.2f s after the disk was freed" % recover[-1])
        time.sleep(up_s)
    finally:
        load.stop()
    full_answers = load.answers_between(windows)
    fig, more = fl.audit(gw, fake, load, max_attempts=10)
    problems += more
    bad = {k: v for k, v in full_answers.items() if k not in ("202", "503")}
    if bad:
        problems.append("answers other than 202/503 while the disk was full: %s" % bad)
    if not full_answers.get("503"):
        problems.append("no 503 while the disk was full: the fault did not bite (%s)" % full_answers)
    # A full disk refuses the dispatcher's claims while reads still work: each worker must wait a
    # poll interval (0.5 s) between failed claims, not spin (found by this campaign: ~8,000 failed
    # claims a second, every one logged).
    claim_failures = gw.log_count("dispatcher: claim failed")
    bound = 4 * (int(full_s / 0.5) + 4) * len(windows)
    if claim_failures > bound:
        problems.append("%d failed claims while the disk was full (at most %d: 4 workers, one a "
                        "poll interval): the dispatcher spins" % (claim_failures, bound))
    fig["dispatcher_claims_failed"] = claim_failures
    unclear = {k: v for k, v in load.codes.items()
               if k.startswith("503 ") and k != "503 storage_full"}
    if unclear:
        problems.append("503s without the disk-full code storage_full: %s" % unclear)
    fig.update({
        "fills": len(windows),
        "full_s_each": full_s,
        "tmpfs_size": a.size,
        "answers_while_full": full_answers,
        "recover_s_after_free": [round(r, 2) for r in recover],
    })

    def check_integrity():  # with the gateway stopped: the whole file, WAL folded in
        integrity = sqlite3.connect(db).execute("PRAGMA integrity_check").fetchall()
        if integrity != [("ok",)]:
            problems.append("integrity_check: %s" % integrity[:10])
        fig["integrity_check"] = integrity[0][0] if integrity else None

    fl.conclude("sqlite_disk_full", fig, problems, gw, fake, a.json, after_stop=check_integrity)


if __name__ == "__main__":
    fl.run(main)
