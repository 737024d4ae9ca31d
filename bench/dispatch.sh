#!/usr/bin/env bash
# Dispatcher benchmark: how fast queued messages leave for a fast fake Twilio (bench/fake_provider,
# a fixed DELAY_MS per request) with up to 100 requests in flight. An accept-only instance is
# loaded with wrk first (POST /v1/messages for LOAD_SECONDS), stopped, then a dispatching
# instance on the same SQLite file sends everything; the time until nothing is left to send gives
# messages/s. In the same run wrk then hits the fake directly with 100 connections (what the fake
# can absorb) as the baseline, next to the theoretical 100 / latency.
# Usage: bench/dispatch.sh [BUILD_DIR]   env: LOAD_SECONDS (3), DELAY_MS (20), IN_FLIGHT (100),
# WORKERS (4), SEND_THREADS (IN_FLIGHT), BASE_SECONDS (5), MAX_WAIT (300), PERF_OUT (file: perf-record
# the dispatching server until it has sent everything), PERF_ARGS (extra perf record arguments)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
load_s="${LOAD_SECONDS:-3}"
delay="${DELAY_MS:-20}"
inflight="${IN_FLIGHT:-100}"
workers="${WORKERS:-4}"
send_threads="${SEND_THREADS:-$inflight}"
base_s="${BASE_SECONDS:-5}"
scripts/setup.sh bench
[ -x "$build/bench/fake_provider" ] || ninja -C "$build" fake_provider switchboard >/dev/null

dir="$(mktemp -d)"
server_pid=""
fake_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null
  wait 2>/dev/null; rm -rf "$dir"
}
trap cleanup EXIT

. bench/server_lib.sh

"$build/bench/fake_provider" --delay-ms "$delay" --threads $((inflight * 2 + 16)) > "$dir/fake.txt" 2>&1 &
fake_pid=$!
fake="$(wait_listening "$dir/fake.txt")"
[ -n "$fake" ] || { cat "$dir/fake.txt"; exit 1; }

config() {  # WORKERS
  cat <<TOML
[server]
listen = "127.0.0.1:0"
[database]
url = "sqlite://$dir/switchboard.db"
[accounts]
print_first_key = false
[dispatcher]
workers = $1
send_threads = $send_threads
health_check_at_start = false
[log]
level = "warn"
[[connectors]]
id = "tw"
provider = "twilio"
base_url = "$fake"
timeout_ms = 30000
max_concurrency = $inflight
account_sid = "AC$(printf 'a%.0s' $(seq 1 32))"
auth_token = "bench_auth_token"
[[numbers]]
number = "+12025550100"
account = "bench"
connector = "tw"
throughput = 0
TOML
}
config 0 > "$dir/accept.toml"
config "$workers" > "$dir/dispatch.toml"

# Messages not yet handed to the provider (the fake never reports delivery, so `sent` is final).
unsent() {
  stats | grep -o '"\(accepted\|queued\|sending\)": *[0-9]*' | grep -o '[0-9]*$' | awk '{s+=$1} END {print s+0}'
}

key="$("$build/switchboard" keys create --account bench --config "$dir/accept.toml" | tail -n 1)"

echo "== loading: POST /v1/messages for ${load_s}s into an accept-only instance (workers = 0)"
start_server "$dir/accept.toml"
load="$(SB_KEY="$key" wrk -t2 -c50 -d"${load_s}s" -s bench/post_messages.lua "$url/v1/messages" | grep '^RESULT')"
echo "$load"
queued="$(unsent)"
stop_server
echo "   $queued messages queued"

echo "== dispatching: workers = $workers, send_threads = $send_threads, max_concurrency = $inflight, fake latency ${delay} ms"
start_ns=$(date +%s%N)
start_server "$dir/dispatch.toml"
cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
perf_pid=""
if [ -n "${PERF_OUT:-}" ]; then
  perf record -q -F 1999 ${PERF_ARGS:-} -p "$server_pid" -o "$PERF_OUT" 2>/dev/null &
  perf_pid=$!
fi
deadline=$((SECONDS + ${MAX_WAIT:-300}))
while [ "$(unsent)" != "0" ]; do
  [ "$SECONDS" -lt "$deadline" ] || { echo "bench: still unsent after ${MAX_WAIT:-300}s" >&2; stats >&2; exit 1; }
  sleep 0.1
done
done_ns=$(date +%s%N)
cpu1=$(cpu)
[ -n "$perf_pid" ] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
final="$(stats)"
fake_stats="$(curl -s "$fake/stats")"
stop_server

echo "== baseline: POST straight to the fake, $inflight connections, ${base_s}s"
base="$(wrk -t2 -c"$inflight" -d"${base_s}s" -s bench/fake_post.lua "$fake/2010-04-01/Accounts/x/Messages.json" | grep '^RESULT')"
echo "$base"

python3 - "$queued" "$start_ns" "$done_ns" "$cpu1" "$(getconf CLK_TCK)" "$final" "$fake_stats" "$base" "$delay" "$inflight" <<'PY'
import json, re, sys
queued, start, done, cpu, tck = (int(x) for x in sys.argv[1:6])
final = json.loads(sys.argv[6])["messages"]
fake = json.loads(sys.argv[7])
base = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", sys.argv[8])}
delay, inflight = int(sys.argv[9]), int(sys.argv[10])
secs = (done - start) / 1e9
rate = queued / secs
base_rate = base["requests"] / (base["duration_us"] / 1e6)
theory = inflight * 1000 / delay if delay else float("inf")
sent = final["by_status"].get("sent", 0)
print(f"dispatched:         {queued} messages in {secs:.2f} s = {rate:.0f} msg/s  (by status {final['by_status']})")
print(f"provider saw:       {fake['posts']} POSTs for {sent} sent; at most {fake['max_in_flight']} in flight at once, "
      f"{rate*delay/1000:.0f} on average (rate x latency)")
print(f"fake direct (wrk):  {base_rate:10.0f} req/s  p50 {base['p50_us']/1000:.2f} ms  p99 {base['p99_us']/1000:.2f} ms  (non-2xx: {base['errors_status']})")
print(f"dispatch / fake:    {rate/base_rate:10.2f}")
print(f"dispatch / theory:  {rate/theory:10.2f}  ({inflight} in flight / {delay} ms = {theory:.0f}/s)")
print(f"server CPU:         {cpu/tck*1e6/max(queued,1):.0f} us per message dispatched (start to drained, start-up included)")
PY
