#!/usr/bin/env bash
# Webhook ingest benchmark: signed Twilio webhooks at 50 connections (wrk) against the real binary
# on SQLite, each verified (X-Twilio-Signature) and durably stored (WAL fsync'd) before its 200,
# with a GET /healthz baseline in the same run. Two phases on one server:
# - inbound: inbound-SMS webhooks, each a new message stored with its contact and conversation;
# - status: status callbacks `MessageStatus=delivered`, each for a different message we sent.
#   Those messages are made first: a batch of N_STATUS recipients sent through the Twilio
#   connector to bench/fake_provider (which names them SM…1, SM…2, …), on a preparing instance
#   with the dispatcher on; the measured instance (workers = 0) then opens the same database.
# Each phase reports its rate as a ratio to /healthz, p50/p99, and the server's CPU per webhook.
# Usage: bench/webhooks.sh [BUILD_DIR]   env: DURATION (s per phase, default 10), CONNECTIONS (50),
#   N (inbound requests to pre-sign, default 200000), N_STATUS (messages to send and then report
#   delivered, default N; each request is sent at most once per run unless the load outruns
#   them: the repeats are then duplicates, and the report says so), PHASES ("inbound status",
#   the default, or one of them), STATUS_CACHE (directory: keep the prepared database of sent
#   messages there and reuse it in later runs with the same N_STATUS and schema), PERF_OUT (file
#   prefix: perf-record the server during each phase into PREFIX.inbound, PREFIX.status),
#   PERF_ARGS (extra perf record arguments, e.g. "-g"), SERVER_LOG (file: keep the server's log)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
duration="${DURATION:-10}"
conns="${CONNECTIONS:-50}"
n="${N:-200000}"
n_status="${N_STATUS:-$n}"
phases="${PHASES:-inbound status}"
scripts/setup.sh bench
has_phase() { [[ " $phases " == *" $1 "* ]]; }
has_phase status && { [ -x "$build/bench/fake_provider" ] || ninja -C "$build" fake_provider >/dev/null; }

dir="$(mktemp -d)"
server_pid=""
fake_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  wait 2>/dev/null
  [ -n "${SERVER_LOG:-}" ] && [ -f "$dir/err.txt" ] && cp "$dir/err.txt" "$SERVER_LOG"
  rm -rf "$dir"
}
trap cleanup EXIT

. bench/server_lib.sh

fake="http://127.0.0.1:9"
if has_phase status; then
  "$build/bench/fake_provider" --delay-ms 0 --threads 64 > "$dir/fake.txt" 2>&1 &
  fake_pid=$!
  fake="$(wait_listening "$dir/fake.txt")"
  [ -n "$fake" ] || { cat "$dir/fake.txt"; exit 1; }
fi

token="bench_auth_token_0123456789abcdef"
public="https://bench.example.test"
number="+12025550100"
config() {  # WORKERS
  cat <<TOML
[server]
listen = "127.0.0.1:0"
public_url = "$public"
[database]
url = "sqlite://$dir/switchboard.db"
[accounts]
print_first_key = false
[dispatcher]
workers = $1
send_threads = 100
health_check_at_start = false
[log]
level = "warn"
[[connectors]]
id = "tw"
provider = "twilio"
base_url = "$fake"
max_concurrency = 100
account_sid = "AC$(printf 'a%.0s' $(seq 1 32))"
auth_token = "$token"
[[numbers]]
number = "$number"
account = "bench"
connector = "tw"
throughput = 0
TOML
}
config 4 > "$dir/prepare.toml"
config 0 > "$dir/switchboard.toml"

by_status() {  # STATUS -> that status's count
  stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"]["by_status"].get(sys.argv[1], 0))' "$1"
}
unsent() {
  stats | python3 -c 'import json,sys; s=json.load(sys.stdin)["messages"]["by_status"]; print(sum(s.get(k,0) for k in ("accepted","queued","sending")))'
}

key="$("$build/switchboard" keys create --account bench --config "$dir/switchboard.toml" | tail -n 1)"

if has_phase status; then
  cache=""
  if [ -n "${STATUS_CACHE:-}" ]; then
    mkdir -p "$STATUS_CACHE"
    cache="$STATUS_CACHE/sent-$n_status-$(cat src/store/migrations.cc | sha256sum | cut -c1-12).db"
  fi
  if [ -n "$cache" ] && [ -f "$cache" ]; then
    echo "== $n_status sent messages: reusing $cache"
    cp "$cache" "$dir/switchboard.db"
    rm -f "$dir/switchboard.db-wal" "$dir/switchboard.db-shm"
    [ -f "$cache-wal" ] && cp "$cache-wal" "$dir/switchboard.db-wal"
    # The cached database has its own API key; make one for this run.
    key="$("$build/switchboard" keys create --account bench --config "$dir/switchboard.toml" | tail -n 1)"
  else
    echo "== preparing: a batch of $n_status recipients sent through connector tw to the fake provider"
    python3 - "$n_status" "$dir/list.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("to\n")
    for i in range(n):
        f.write(f"+1415{2000000 + i:07d}\n")
PY
    t0=$SECONDS
    start_server "$dir/prepare.toml"
    curl -sf -X POST -H "Authorization: Bearer $key" -H "Content-Type: text/csv" \
      --data-binary @"$dir/list.csv" "$url/v1/batches?body=bench%20status%20message" > /dev/null \
      || { echo "bench: batch upload failed" >&2; exit 1; }
    while [ "$(by_status sent)" -lt "$n_status" ]; do
      [ $((SECONDS - t0)) -lt 900 ] || { echo "bench: messages still unsent after 900 s" >&2; stats >&2; exit 1; }
      sleep 1
    done
    stop_server
    echo "   sent in $((SECONDS - t0)) s"
    if [ -n "$cache" ]; then
      # The server has stopped: the database file and what is left of its WAL are the state.
      cp "$dir/switchboard.db" "$cache"
      rm -f "$cache-wal"
      [ -s "$dir/switchboard.db-wal" ] && cp "$dir/switchboard.db-wal" "$cache-wal"
    fi
  fi
fi

echo "== signing webhooks"
has_phase inbound && python3 bench/gen_twilio_webhooks.py "$n" "$token" "$public/webhooks/tw" "$number" inbound > "$dir/inbound.tsv"
has_phase status && python3 bench/gen_twilio_webhooks.py "$n_status" "$token" "$public/webhooks/tw" "$number" status > "$dir/status.tsv"

start_server "$dir/switchboard.toml"
cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }

echo "== baseline: GET /healthz, $conns connections, ${duration}s"
base="$(wrk -t2 -c"$conns" -d"${duration}s" -s bench/healthz.lua "$url/healthz" | grep '^RESULT')"
echo "$base"

results=()
run_phase() {  # NAME HOOKS COUNTED_STATUS N
  local name="$1" hooks="$2" counted="$3" pre="$4"
  echo "== POST /webhooks/tw (signed $name webhooks), $conns connections, ${duration}s"
  local before perf_pid="" cpu0 cpu1 load after
  before="$(by_status "$counted")"
  if [ -n "${PERF_OUT:-}" ]; then
    perf record -q -F 1999 ${PERF_ARGS:-} -p "$server_pid" -o "$PERF_OUT.$name" -- sleep "$duration" 2>/dev/null &
    perf_pid=$!
  fi
  cpu0=$(cpu)
  load="$(SB_WEBHOOKS="$hooks" SB_PATH="/webhooks/tw" wrk -t2 -c"$conns" -d"${duration}s" -s bench/webhooks.lua "$url/webhooks/tw" | grep '^RESULT')"
  cpu1=$(cpu)
  [ -n "$perf_pid" ] && wait "$perf_pid"
  echo "$load"
  after="$(by_status "$counted")"
  results+=("$name|$load|$((after - before))|$cpu0|$cpu1|$pre|$counted")
}
has_phase inbound && run_phase inbound "$dir/inbound.tsv" received "$n"
has_phase status && run_phase status "$dir/status.tsv" delivered "$n_status"

python3 - "$base" "$(getconf CLK_TCK)" "${results[@]}" <<'PY'
import re, sys
def parse(line): return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
base, tck = parse(sys.argv[1]), int(sys.argv[2])
print(f"healthz baseline:   {rps(base):10.0f} req/s  p50 {base['p50_us']/1000:.2f} ms  p99 {base['p99_us']/1000:.2f} ms")
for phase in sys.argv[3:]:
    name, line, done, cpu0, cpu1, pre, counted = phase.split("|")
    load = parse(line)
    done, cpu0, cpu1, pre = int(done), int(cpu0), int(cpu1), int(pre)
    ok = load["requests"] - load["errors_status"]
    print(f"{name + ' webhooks:':20}{rps(load):10.0f} /s     p50 {load['p50_us']/1000:.2f} ms  p99 {load['p99_us']/1000:.2f} ms  "
          f"(non-2xx: {load['errors_status']}, socket errors: {load['errors_connect']+load['errors_timeout']})")
    print(f"{name + ' / healthz:':20}{rps(load)/rps(base):10.2f}")
    print(f"{'  effect:':20}{done} messages now {counted} for {ok} 2xx answers"
          + ("" if load["requests"] <= pre else " (requests outran the pre-signed set: repeats were duplicates)"))
    print(f"{'  server CPU:':20}{(cpu1-cpu0)/tck*1e6/max(done,1):7.0f} us per webhook")
PY
