#!/usr/bin/env bash
# Scale-out benchmark: 1, 2 and 3 instances of `switchboard serve` on one PostgreSQL database,
# in the same run, in a rotating order over ROUNDS rounds (so the ratios hold when the machine's
# speed drifts). Each configuration gets a fresh database on a private PostgreSQL
# (scripts/test-postgres.sh in a directory of the run's own, so nothing else runs on that server
# and its processes' CPU is this benchmark's alone), N instances with the simulated carrier
# (delivery_delay_ms = 0, dispatcher workers 4, a sim journal each), and the same total load
# spread across them: wrk, one process per instance with -t1 (two on the single instance, so 1
# and 2 instances are offered the very same generator), CONNECTIONS split evenly,
# bench/post_messages.lua (each process starting at its own place in the recipient list, as
# wrk's threads do), DURATION seconds. Then it waits until every message is delivered.
#
# Per configuration: accepted msg/s (the wrk processes' answered requests over the duration),
# p99 (the worst of the wrk processes'), messages stored and delivered; CPU per message end to
# end (from the load's start until everything is delivered) of the gateway processes alone and
# of gateway + PostgreSQL (the postmaster, its live children and the children it reaped:
# utime + stime from /proc, the lock sampler's own backend subtracted), each as a ratio to the
# 1-instance figure of the same round; lock waits: pg_stat_activity sampled every ~100 ms during
# the load (this database's sessions waiting on a heavyweight Lock, and on an LWLock), mean and
# max per sample; messages sent twice: message ids with more than one accepted submit across
# every instance's sim journal (0 expected); each message delivered exactly once in the
# database (one applied `delivered` event per message, as many as delivered rows); and where
# PostgreSQL's share goes: transactions committed in the database, WAL flushes, and messages per
# dispatcher claim. Figures and how to read them: docs/benchmarks.md ("Scale-out on one
# PostgreSQL"). Exits non-zero when a message was sent twice or not delivered exactly once.
# Usage: bench/scaleout.sh [BUILD_DIR]   env: ROUNDS (default 2), DURATION (s, 10),
#   CONNECTIONS (total, 50), CONFIGS (default "1 2 3"), WORKERS (dispatcher workers per instance,
#   4), PG_PORTS (the private PostgreSQL's port range, default 55600-55700), KEEP (1: keep the
#   work directory)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
rounds="${ROUNDS:-2}"
duration="${DURATION:-10}"
conns="${CONNECTIONS:-50}"
read -r -a configs <<< "${CONFIGS:-1 2 3}"
scripts/setup.sh bench
. bench/kannel_lib.sh
. bench/pg_lib.sh

dir="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_private_stop
  [ "${KEEP:-0}" = 1 ] && echo "bench: kept $dir" >&2 || rm -rf "$dir"
}
trap cleanup EXIT

pg_private_start "$dir"

# One configuration: N instances on a fresh database; prints one "RESULT ..." line.
run_config() {
  local n="$1" round="$2"
  local run="$dir/r${round}_n$n" db="sb_scale_r${round}_n$n"
  mkdir -p "$run"
  psql_ "$admin" -c "CREATE DATABASE $db" > /dev/null
  local db_url="${admin%/*}/$db"
  local ports i
  read -r -a ports <<< "$(free_ports "$n")"
  for i in $(seq 0 $(( n - 1 ))); do
    cat > "$run/i$i.toml" <<TOML
[server]
listen = "127.0.0.1:${ports[$i]}"
io_threads = 2
[database]
url = "$db_url"
[accounts]
print_first_key = false
[dispatcher]
workers = ${WORKERS:-4}
[log]
level = "warn"
[[connectors]]
id = "sim"
provider = "sim"
delivery_delay_ms = 0
journal = "$run/sim$i.jsonl"
[[numbers]]
number = "+12025550100"
account = "bench"
TOML
  done
  local key
  key="$("$build/switchboard" keys create --account bench --config "$run/i0.toml" | tail -n 1)"
  local gw=()
  for i in $(seq 0 $(( n - 1 ))); do  # one after another: the first runs the migrations
    "$build/switchboard" serve --config "$run/i$i.toml" > "$run/out$i.txt" 2> "$run/err$i.txt" &
    gw+=($!)
    pids+=($!)
    for _ in $(seq 1 400); do grep -q "listening on" "$run/out$i.txt" 2> /dev/null && break; sleep 0.05; done
    grep -q "listening on" "$run/out$i.txt" || { echo "bench: instance $i did not start" >&2; tail -20 "$run/err$i.txt" >&2; exit 1; }
  done
  local url0="http://127.0.0.1:${ports[0]}"
  gw_cpu() { local t=0 p; for p in "${gw[@]}"; do t=$(( t + $(cpu_of "$p") )); done; echo "$t"; }
  stats() { curl -s -H "Authorization: Bearer $key" "$url0/v1/stats"; }
  pending() { stats | python3 -c 'import json,sys; s=json.load(sys.stdin)["messages"]["by_status"]; print(sum(s.get(k,0) for k in ("accepted","queued","sending","sent","scheduled")))'; }

  # The lock sampler: one psql session (one backend, whose CPU is subtracted) during the load.
  touch "$run/sampling"
  ( echo "SELECT pg_backend_pid();"
    while [ -e "$run/sampling" ]; do
      echo "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE wait_event_type = 'LWLock'), coalesce(string_agg(wait_event_type || ':' || wait_event, ' ') FILTER (WHERE wait_event_type IN ('Lock', 'LWLock')), '') FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();"
      sleep 0.1
    done ) | psql_ "$db_url" > "$run/locks.txt" &
  local sampler=$!
  local sampler_backend=""
  for _ in $(seq 1 200); do sampler_backend="$(head -n 1 "$run/locks.txt" 2> /dev/null)"; [ -n "$sampler_backend" ] && break; sleep 0.05; done

  # wrk processes: max(2, n), one per instance (two on a single one), connections split evenly.
  local procs=$(( n > 2 ? n : 2 )) w target c
  local g0 p0 s0 start_ns
  # Transactions committed in this database, WAL records and WAL flushes (the cluster's: nothing
  # else runs on it), per message: where PostgreSQL's CPU goes.
  pg_counters() { psql_ "$db_url" -c "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) || ' ' || wal_records || ' ' || wal_sync FROM pg_stat_wal"; }
  local x0 x1
  x0="$(pg_counters)"
  g0=$(gw_cpu); p0=$(pg_cpu); s0=$(cpu_of "$sampler_backend")
  start_ns=$(date +%s%N)
  local wrks=()
  for w in $(seq 0 $(( procs - 1 ))); do
    target=$(( w % n ))
    c=$(( conns / procs + (w < conns % procs ? 1 : 0) ))
    SB_KEY="$key" SB_OFFSET=$(( w * 7919 )) wrk -t1 -c"$c" -d"${duration}s" -s bench/post_messages.lua "http://127.0.0.1:${ports[$target]}/v1/messages" > "$run/wrk$w.txt" &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  local load_end_ns s1
  load_end_ns=$(date +%s%N)
  s1=$(cpu_of "$sampler_backend")
  rm -f "$run/sampling"
  wait "$sampler"
  local deadline=$(( SECONDS + 300 ))
  while [ "$(pending)" != "0" ]; do
    [ $SECONDS -lt $deadline ] || { echo "bench: messages still pending after 300 s" >&2; break; }
    sleep 0.1
  done
  local done_ns g1 p1
  done_ns=$(date +%s%N)
  g1=$(gw_cpu); p1=$(pg_cpu)
  for p in "${gw[@]}"; do kill -TERM "$p" 2> /dev/null || true; done
  wait "${gw[@]}" 2> /dev/null || true
  pids=()  # stopped and reaped: never signal their ids again (they may be reused)
  x1="$(pg_counters)"  # after the instances' sessions ended: their statistics are flushed

  # The database: messages by status, and delivered events per message.
  local by_status total delivered events_delivered delivered_twice
  total="$(psql_ "$db_url" -c "SELECT count(*) FROM messages")"
  delivered="$(psql_ "$db_url" -c "SELECT count(*) FROM message_states WHERE status = 'delivered'")"
  by_status="$(psql_ "$db_url" -c "SELECT string_agg(status || ':' || n, ',') FROM (SELECT status, count(*) n FROM message_states GROUP BY 1 ORDER BY 1) s")"
  events_delivered="$(psql_ "$db_url" -c "SELECT count(*) FROM message_events WHERE status = 'delivered' AND applied = 1")"
  delivered_twice="$(psql_ "$db_url" -c "SELECT count(*) FROM (SELECT message_id FROM message_events WHERE status = 'delivered' AND applied = 1 GROUP BY 1 HAVING count(*) > 1) d")"
  # Claims: a claim stamps its messages' `sending` events with one time, under its owner (two
  # claims of one instance in the same millisecond count once).
  local claims
  claims="$(psql_ "$db_url" -c "SELECT count(*) FROM (SELECT DISTINCT e.at, m.lease_owner FROM message_events e JOIN message_states m ON m.message_id = e.message_id WHERE e.status = 'sending') c")"
  psql_ "$admin" -c "DROP DATABASE $db WITH (FORCE)" > /dev/null
  echo "round $round, $n instance(s): messages by status $by_status" >&2

  python3 - "$run" "$procs" "$n" "$total" "$delivered" "$events_delivered" "$delivered_twice" \
    "$g0" "$g1" "$p0" "$p1" "$s0" "$s1" "$start_ns" "$load_end_ns" "$done_ns" "$x0" "$x1" "$claims" <<'PY'
import glob, json, re, sys
run, procs = sys.argv[1], int(sys.argv[2])
n, total, delivered, ev_delivered, twice_db = (int(x) for x in sys.argv[3:8])
g0, g1, p0, p1, s0, s1, start, load_end, done = (int(x) for x in sys.argv[8:17])
x0, x1 = ([int(v) for v in a.split()] for a in sys.argv[17:19])
claims = int(sys.argv[19])
w = [{k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", l)}
     for f in sorted(glob.glob(run + "/wrk*.txt")) for l in open(f) if l.startswith("RESULT")]
assert len(w) == procs, "a wrk process printed no RESULT"
accepted = {}
duplicates = 0
for f in glob.glob(run + "/sim*.jsonl"):
    for line in open(f):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("op") == "submit" and j.get("result") == "accepted":
            accepted[j["message_id"]] = accepted.get(j["message_id"], 0) + 1
        elif j.get("op") == "submit" and j.get("result") == "duplicate":
            duplicates += 1
sent_twice = sum(1 for v in accepted.values() if v > 1)
locks = [l.split("|") for l in open(run + "/locks.txt").read().splitlines()[1:] if "|" in l]
lock = [int(a) for a, _, _ in locks] or [0]
lw = [int(b) for _, b, _ in locks] or [0]
events = {}
for _, _, names in locks:
    for e in names.split():
        events[e] = events.get(e, 0) + 1
top = ",".join("%s=%d" % (k, v) for k, v in sorted(events.items(), key=lambda kv: -kv[1])[:4])
print("RESULT requests=%d errors_status=%d errors_connect=%d errors_timeout=%d duration_us=%d "
      "p50_us=%d p99_us=%d stored=%d delivered=%d delivered_events=%d delivered_twice_db=%d "
      "sim_accepted=%d sent_twice=%d sim_duplicates=%d gw_ticks=%d pg_ticks=%d samples=%d "
      "lock_sum=%d lock_max=%d lwlock_sum=%d lwlock_max=%d drain_ms=%d xacts=%d wal_records=%d "
      "wal_syncs=%d claims=%d waits=%s" % (
          sum(x["requests"] for x in w), sum(x["errors_status"] for x in w),
          sum(x["errors_connect"] for x in w), sum(x["errors_timeout"] for x in w),
          max(x["duration_us"] for x in w), max(x["p50_us"] for x in w),
          max(x["p99_us"] for x in w), total, delivered, ev_delivered, twice_db,
          len(accepted), sent_twice, duplicates, g1 - g0, (p1 - p0) - (s1 - s0), len(locks),
          sum(lock), max(lock), sum(lw), max(lw), (done - load_end) // 1000000,
          x1[0] - x0[0] - len(locks) - 2, x1[1] - x0[1], x1[2] - x0[2], claims, top or "none"))
PY
}

results="$dir/results.txt"
for r in $(seq 1 "$rounds"); do
  for i in $(seq 0 $(( ${#configs[@]} - 1 ))); do
    n="${configs[$(( (i + r - 1) % ${#configs[@]} ))]}"
    echo "== round $r: $n instance(s) on one PostgreSQL, $conns connections in all, ${duration}s" >&2
    run_config "$n" "$r" > "$dir/line.txt"  # not in a subshell: its servers stay in pids
    line="$(grep '^RESULT' "$dir/line.txt")"
    echo "$line" >&2
    echo "$r $n $line" >> "$results"
  done
done

python3 - "$results" "$(getconf CLK_TCK)" <<'PY'
import re, sys
rows, waits = {}, {}
for line in open(sys.argv[1]):
    r, n, rest = line.split(" ", 2)
    rows.setdefault(int(r), {})[int(n)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", rest)}
    waits[(int(r), int(n))] = re.search(r"waits=(\S+)", rest).group(1)
tck = int(sys.argv[2])
def rate(x): return x["requests"] / (x["duration_us"] / 1e6)
def per_msg(ticks, x): return ticks / tck * 1e6 / max(x["delivered"], 1)
print("round  inst    msg/s  p99 ms  delivered/stored  drain s  gw us/msg  (x1)  gw+pg us/msg  (x1)"
      "  Lock mean/max  LWLock mean/max  sent twice  db delivered twice  xacts/msg  WAL flushes/msg  msg/claim")
problems = []
for r in sorted(rows):
    one = rows[r].get(1)
    for n in sorted(rows[r]):
        x = rows[r][n]
        gw, all_ = per_msg(x["gw_ticks"], x), per_msg(x["gw_ticks"] + x["pg_ticks"], x)
        gw1 = per_msg(one["gw_ticks"], one) if one else None
        all1 = per_msg(one["gw_ticks"] + one["pg_ticks"], one) if one else None
        s = max(x["samples"], 1)
        errors = x["errors_status"] + x["errors_connect"] + x["errors_timeout"]
        print(f"{r:5d}  {n:4d}  {rate(x):7.0f}  {x['p99_us']/1000:6.1f}  {x['delivered']:8d}/{x['stored']:<8d}"
              f"  {x['drain_ms']/1000:7.2f}  {gw:9.0f}  {gw/gw1 if gw1 else 0:4.2f}"
              f"  {all_:12.0f}  {all_/all1 if all1 else 0:4.2f}"
              f"  {x['lock_sum']/s:6.2f}/{x['lock_max']:<6d}  {x['lwlock_sum']/s:7.2f}/{x['lwlock_max']:<7d}"
              f"  {x['sent_twice']:10d}  {x['delivered_twice_db']:17d}"
              f"  {x['xacts']/max(x['delivered'], 1):9.2f}  {x['wal_syncs']/max(x['delivered'], 1):15.3f}"
              f"  {x['delivered']/max(x['claims'], 1):9.1f}"
              + (f"  ({errors} wrk errors)" if errors else ""))
        if x["sent_twice"] or x["delivered_twice_db"]:
            problems.append(f"round {r}, {n} instances: {x['sent_twice']} sent twice, "
                            f"{x['delivered_twice_db']} delivered twice in the database")
        if x["delivered"] != x["stored"] or x["delivered_events"] != x["delivered"]:
            problems.append(f"round {r}, {n} instances: {x['delivered']} delivered of {x['stored']} stored, "
                            f"{x['delivered_events']} delivered events")
        if x["sim_accepted"] != x["delivered"]:
            problems.append(f"round {r}, {n} instances: {x['sim_accepted']} messages accepted by the sim, "
                            f"{x['delivered']} delivered")
print("(x1: ratio to the 1-instance figure of the same round; CPU per message from the load's start "
      "until every message was delivered; Lock/LWLock: this database's sessions waiting, per "
      "~100 ms sample during the load; xacts: transactions committed in the database, from the "
      "load's start until the instances stopped; WAL flushes: the cluster's; msg/claim: messages per "
      "dispatcher claim)")
print("waits seen (wait_event_type:wait_event=samples, top 4):")
for r in sorted(rows):
    for n in sorted(rows[r]):
        print(f"  round {r}, {n} instance(s): {waits[(r, n)]}")
for p in problems:
    print("PROBLEM: " + p)
sys.exit(1 if problems else 0)
PY
