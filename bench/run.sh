#!/usr/bin/env bash
# Load benchmark: POST /v1/messages with 50 concurrent connections (wrk) against the real binary
# on SQLite with durable commits, plus a GET /healthz baseline in the same run. Reports accepted
# messages/s, p50/p99 latency, and how long the dispatcher takes to deliver everything.
# Usage: bench/run.sh [BUILD_DIR]   env: DURATION (s, default 10), CONNECTIONS (50), DB (sqlite URL),
#   WORKERS (dispatcher workers, 0 = accept only), PERF_OUT (file: perf-record the server during the
#   POST phase only), PERF_ARGS (extra perf record arguments, e.g. "-g"), SERVER_LOG (file: keep
#   the server's log), LOG_LEVEL (the server's; default info accept-only, else warn), IO_THREADS (default 2),
#   WRK_THREADS (the load generator's, default 2), WARMUP (s of unmeasured POST load first, on the
#   same server and database; default 0), CONVERSATIONS (the sending number's setting: all, the
#   default, threads every message into a conversation; inbound starts none, docs/numbers.md),
#   METRICS (1: print the gateway's report and group-commit counters at the end),
#   SIM_REPORTS (true, the default: the simulated carrier reports `sent` and `delivered` for every
#   message; false: it only acknowledges each submit, as an SMPP route without receipts does).
#   Accept-only runs end with the outbox's own latency summary (log level info): time waiting
#   for the writer, in the commit, in the fsync, in all. TWILIO=1 adds a phase of the same length
#   after the native one: POST …/Messages.json of the Twilio-compatible API (form-encoded, Basic
#   auth), on the same server, with its rate as a ratio to the native phase's. EVENTS=N adds two
#   phases of the same length: POST /v1/messages again with N live-event clients connected
#   (GET /v1/events, bench/events_clients.js), then again with none, and reports the rate with
#   clients as a ratio to the mean of the two phases without; EVENTS_RATE=R (with EVENTS) then
#   sends R msg/s for the duration with one client and reports its event latency (receive time
#   minus the event's time, message.status events; EVENTS_RATE_CLIENTS=N listeners instead of one,
#   and the server's CPU per message in that phase). The clients' line says how many the gateway
#   cut off as too slow (close 4008, cut_off=); EVENTS_QUEUE=N sets [events] queue_limit (frames
#   waiting per client, default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
duration="${DURATION:-10}"
conns="${CONNECTIONS:-50}"
scripts/setup.sh bench

# Accept-only runs log at info: nothing per message is logged then, and at shutdown the outbox
# logs where its time went. With dispatcher workers, info would log every send.
default_level=warn
[ "${WORKERS:-4}" = 0 ] && default_level=info
dir="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; [ -n "${SERVER_LOG:-}" ] && cp "$dir/err.txt" "$SERVER_LOG"; rm -rf "$dir"; }
trap cleanup EXIT

cat > "$dir/switchboard.toml" <<TOML
[server]
listen = "127.0.0.1:0"
io_threads = ${IO_THREADS:-2}
[database]
url = "${DB:-sqlite://$dir/switchboard.db}"
[accounts]
print_first_key = false
[dispatcher]
workers = ${WORKERS:-4}
[events]
queue_limit = ${EVENTS_QUEUE:-1000}
[log]
level = "${LOG_LEVEL:-$default_level}"
[[connectors]]
id = "sim"
provider = "sim"
delivery_delay_ms = 0
${SIM_REPORTS:+reports = $SIM_REPORTS}
journal = "$dir/sim.jsonl"
[[numbers]]
number = "+12025550100"
account = "bench"
TOML

key="$("$build/switchboard" keys create --account bench --config "$dir/switchboard.toml" | tail -n 1)"
if [ "${TWILIO:-0}" = 1 ]; then
  creds="$("$build/switchboard" twilio-credentials --account bench --json --config "$dir/switchboard.toml" | tail -n 1)"
  twilio_sid="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["account_sid"])' "$creds")"
  twilio_auth="Basic $(python3 -c 'import base64,json,sys; j=json.loads(sys.argv[1]); print(base64.b64encode((j["account_sid"]+":"+j["auth_token"]).encode()).decode())' "$creds")"
fi
${SB_WRAP:-} "$build/switchboard" serve --config "$dir/switchboard.toml" > "$dir/out.txt" 2> "$dir/err.txt" &
server_pid=$!
for _ in $(seq 1 200); do grep -q "listening on" "$dir/out.txt" 2>/dev/null && break; sleep 0.05; done
url="$(grep -o 'http://[0-9.:]*' "$dir/out.txt" | head -n 1)"
[ -n "$url" ] || { cat "$dir/err.txt"; exit 1; }

field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<< "$2"; }
stats() { curl -s -H "Authorization: Bearer $key" "$url/v1/stats"; }
# Not yet where it ends: `sent` too while the carrier reports (without reports it ends there).
pending() { stats | python3 -c 'import json,sys; s=json.load(sys.stdin)["messages"]["by_status"]; print(sum(s.get(k,0) for k in ("accepted","queued","sending") + (("sent",) if sys.argv[1] == "true" else ())))' "${SIM_REPORTS:-true}"; }

if [ "${CONVERSATIONS:-all}" != all ]; then
  curl -sf -X PATCH -H "Authorization: Bearer $key" -H "Content-Type: application/json" \
    -d "{\"conversations\": \"$CONVERSATIONS\"}" "$url/v1/numbers/%2B12025550100" > /dev/null \
    || { echo "bench: cannot set conversations=$CONVERSATIONS" >&2; exit 1; }
  echo "== number +12025550100: conversations = $CONVERSATIONS"
fi

echo "== baseline: GET /healthz, $conns connections, ${duration}s"
base="$(wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${duration}s" -s bench/healthz.lua "$url/healthz" | grep '^RESULT')"
echo "$base"

echo "== POST /v1/messages, $conns connections, ${duration}s (SQLite, WAL fsync'd before each 202, group commit)"
cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
if [ "${WARMUP:-0}" != 0 ]; then
  echo "== warm-up: POST /v1/messages for ${WARMUP}s (not measured)"
  SB_KEY="$key" wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${WARMUP}s" -s bench/post_messages.lua "$url/v1/messages" > /dev/null
fi
before="$(stats | python3 -c 'import json,sys; print(json.load(sys.stdin)["messages"]["total"])')"
perf_pid=""
if [ -n "${PERF_OUT:-}" ]; then
  perf record -q -F 1999 ${PERF_ARGS:-} -p "$server_pid" -o "$PERF_OUT" -- sleep "$duration" 2>/dev/null &
  perf_pid=$!
fi
cpu0=$(cpu)
start_ns=$(date +%s%N)
load="$(SB_KEY="$key" wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${duration}s" -s bench/post_messages.lua "$url/v1/messages" | grep '^RESULT')"
load_end_ns=$(date +%s%N)
cpu1=$(cpu)
[ -n "$perf_pid" ] && wait "$perf_pid"
echo "$load"
if [ "${WORKERS:-4}" != 0 ]; then while [ "$(pending)" != "0" ]; do sleep 0.1; done; fi
done_ns=$(date +%s%N)
cpu2=$(cpu)

python3 - "$base" "$load" "$start_ns" "$load_end_ns" "$done_ns" "$(stats)" "$cpu0" "$cpu1" "$cpu2" "$(getconf CLK_TCK)" "$before" <<'PY'
import json, re, sys
def parse(line): return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
base, load = parse(sys.argv[1]), parse(sys.argv[2])
start, load_end, done = (int(x) for x in sys.argv[3:6])
stats = json.loads(sys.argv[6])["messages"]
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
accepted = stats["total"] - int(sys.argv[11])  # this phase's (a warm-up's came before)
print(f"healthz baseline:   {rps(base):10.0f} req/s  p50 {base['p50_us']/1000:.2f} ms  p99 {base['p99_us']/1000:.2f} ms")
print(f"accepted messages:  {rps(load):10.0f} msg/s  p50 {load['p50_us']/1000:.2f} ms  p99 {load['p99_us']/1000:.2f} ms  (non-2xx: {load['errors_status']}, socket errors: {load['errors_connect']+load['errors_timeout']})")
print(f"send / healthz:     {rps(load)/rps(base):10.2f}")
print(f"stored messages:    {accepted}  by status {stats['by_status']}")
cpu0, cpu1, cpu2, tck = (int(x) for x in sys.argv[7:11])
print(f"server CPU:         {(cpu2-cpu0)/tck*1e6/max(accepted,1):.0f} us per message end to end "
      f"({(cpu1-cpu0)/tck:.1f} s during the load, {(cpu2-cpu1)/tck:.1f} s draining)")
print(f"dispatch drain:     {(done-load_end)/1e9:.2f} s after the load ended; "
      f"{accepted/((done-start)/1e9):.0f} delivered/s over the whole run")
PY

if [ "${TWILIO:-0}" = 1 ]; then
  echo "== POST /2010-04-01/Accounts/{AccountSid}/Messages.json (Twilio-compatible), $conns connections, ${duration}s"
  path="/2010-04-01/Accounts/$twilio_sid/Messages.json"
  tw="$(SB_TWILIO_AUTH="$twilio_auth" SB_TWILIO_PATH="$path" wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${duration}s" -s bench/twilio_post.lua "$url$path" | grep '^RESULT')"
  echo "$tw"
  python3 - "$load" "$tw" <<'PY'
import re, sys
def parse(line): return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
native, tw = parse(sys.argv[1]), parse(sys.argv[2])
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
print(f"twilio-compatible:  {rps(tw):10.0f} msg/s  p50 {tw['p50_us']/1000:.2f} ms  p99 {tw['p99_us']/1000:.2f} ms  (non-2xx: {tw['errors_status']})")
print(f"twilio / native:    {rps(tw)/rps(native):10.2f}")
PY
fi

if [ "${EVENTS:-0}" != 0 ]; then
  export NODE_PATH="$PWD/tests/sdk/node_modules"
  [ -d "$NODE_PATH/ws" ] || scripts/setup.sh test >/dev/null
  echo "== POST /v1/messages with $EVENTS live-event clients, $conns connections, ${duration}s"
  node bench/events_clients.js listen "$url" "$key" "$EVENTS" "$((duration + 3))" > "$dir/events.txt" &
  events_pid=$!
  for _ in $(seq 1 200); do grep -q ready "$dir/events.txt" 2>/dev/null && break; sleep 0.05; done
  ecpu0=$(cpu)
  with="$(SB_KEY="$key" wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${duration}s" -s bench/post_messages.lua "$url/v1/messages" | grep '^RESULT')"
  ecpu1=$(cpu)
  echo "$with"
  wait "$events_pid"
  clients="$(grep '^RESULT' "$dir/events.txt")"
  echo "$clients"
  echo "== POST /v1/messages again with no client, $conns connections, ${duration}s"
  without="$(SB_KEY="$key" wrk -t"${WRK_THREADS:-2}" -c"$conns" -d"${duration}s" -s bench/post_messages.lua "$url/v1/messages" | grep '^RESULT')"
  echo "$without"
  python3 - "$load" "$with" "$without" "$clients" "$ecpu0" "$ecpu1" "$(getconf CLK_TCK)" "${WORKERS:-4}" <<'PY'
import re, sys
def parse(line): return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
a, w, b, c = (parse(x) for x in sys.argv[1:5])
cpu = (int(sys.argv[6]) - int(sys.argv[5])) / int(sys.argv[7])
print(f"with clients:       {rps(w):10.0f} msg/s  p99 {w['p99_us']/1000:.2f} ms; without: {rps(a):.0f} and {rps(b):.0f} msg/s")
print(f"clients / none:     {rps(w)/((rps(a)+rps(b))/2):10.2f}")
# Accept-only, a message is three events: created, conversation.updated, queued.
expected = w["requests"] * 3 * c.get("clients", 0) if sys.argv[8] == "0" else 0
share = f" of ~{expected} ({c.get('events', 0)/expected:.0%})" if expected else ""
print(f"events delivered:   {c.get('events', 0)}{share}; "
      f"cut off as too slow: {c.get('cut_off', 0)} of {c.get('clients', 0)} clients; "
      f"server CPU {cpu:.1f} s during the phase")
PY
  if [ "${EVENTS_RATE:-0}" != 0 ]; then
    echo "== $EVENTS_RATE msg/s for ${duration}s, ${EVENTS_RATE_CLIENTS:-1} live-event client(s): commit-to-client latency"
    pcpu0=$(cpu)
    node bench/events_clients.js paced "$url" "$key" "$EVENTS_RATE" "$duration" "${EVENTS_RATE_CLIENTS:-1}" | grep '^RESULT'
    pcpu1=$(cpu)
    python3 -c 'import sys; c=(int(sys.argv[2])-int(sys.argv[1]))/int(sys.argv[3]); print(f"server CPU:         {c:.1f} s, {c*1e6/(int(sys.argv[4])*int(sys.argv[5])):.0f} us per message")' \
      "$pcpu0" "$pcpu1" "$(getconf CLK_TCK)" "$EVENTS_RATE" "$duration"
  fi
fi

# METRICS=1: what the run did by the gateway's own counters (status reports by outcome: an
# `unknown` one overtook the record of its send and was offered again; rows per group commit).
if [ "${METRICS:-0}" = 1 ]; then
  echo "== /metrics"
  curl -s -H "Authorization: Bearer $key" "$url/metrics" |
    grep -E '^switchboard_(receipts_total|group_commit_batch_size_(sum|count)|messages_total)' || true
fi

# Stop the server as an operator would (SIGTERM, graceful) and show its outbox summary.
kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
server_pid=""
summary="$(grep -o 'outbox: .* items in .*' "$dir/err.txt" | tail -n 1 || true)"
echo "outbox (whole run): ${summary:-not logged at log level ${LOG_LEVEL:-$default_level}}"
