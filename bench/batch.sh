#!/usr/bin/env bash
# Batch benchmark (docs/batches.md): a ROWS-row CSV (default 1,000,000) uploaded to the real
# binary on SQLite with durable commits. Reports the time to the 202, the time until every row is
# a message (materialised), the server's memory growth during both (VmRSS sampled every 50 ms,
# minus its value just before the upload), and, in the same run on the same server, the rate of
# the same kind of message sent one POST /v1/messages at a time (wrk, one connection) for
# DURATION seconds: the ratio of the two rates is the figure. The dispatcher does not run
# (workers = 0) so both phases measure acceptance alone.
# Usage: bench/batch.sh [BUILD_DIR]   env: ROWS (1000000), DURATION (s, default 10), KEEP_CSV (path:
#   keep the generated CSV there), PERF_OUT (file: perf-record the server while it materialises)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
rows="${ROWS:-1000000}"
duration="${DURATION:-10}"
scripts/setup.sh bench

dir="$(mktemp -d)"
server_pid=""
sampler_pid=""
cleanup() {
  [ -n "${SERVER_LOG:-}" ] && cp "$dir/err.txt" "$SERVER_LOG"
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

cat > "$dir/switchboard.toml" <<TOML
[server]
listen = "127.0.0.1:0"
[database]
url = "sqlite://$dir/switchboard.db"
[accounts]
print_first_key = false
[dispatcher]
workers = 0
[log]
level = "info"
[[connectors]]
id = "sim"
provider = "sim"
[[numbers]]
number = "+12025550100"
account = "bench"
TOML

# The list: distinct recipients in the 10,000-number blocks the single-send phase also uses.
python3 - "$rows" "$dir/list.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("to,name,time\n")
    for i in range(n):
        f.write(f"+1415{2000000 + i:07d},Patient {i},{9 + i % 8}:{(i * 7) % 60:02d}\n")
PY
[ -n "${KEEP_CSV:-}" ] && cp "$dir/list.csv" "$KEEP_CSV"
csv_bytes=$(stat -c %s "$dir/list.csv")

key="$("$build/switchboard" keys create --account bench --config "$dir/switchboard.toml" | tail -n 1)"
"$build/switchboard" serve --config "$dir/switchboard.toml" > "$dir/out.txt" 2> "$dir/err.txt" &
server_pid=$!
for _ in $(seq 1 200); do grep -q "listening on" "$dir/out.txt" 2>/dev/null && break; sleep 0.05; done
url="$(grep -o 'http://[0-9.:]*' "$dir/out.txt" | head -n 1)"
[ -n "$url" ] || { cat "$dir/err.txt"; exit 1; }

rss() { awk '/^VmRSS/ {print $2}' "/proc/$server_pid/status"; }
( while kill -0 "$server_pid" 2>/dev/null; do rss; sleep 0.05; done ) > "$dir/rss.txt" &
sampler_pid=$!
rss0=$(rss)

echo "== POST /v1/batches: $rows rows, $csv_bytes bytes of CSV"
t0=$(date +%s%N)
resp="$(curl -s -w '\n%{http_code}' -X POST -H "Authorization: Bearer $key" -H "Content-Type: text/csv" \
  --data-binary @"$dir/list.csv" "$url/v1/batches?body=Hi%20%7B%7Bname%7D%7D%2C%20see%20you%20tomorrow%20at%20%7B%7Btime%7D%7D")"
t1=$(date +%s%N)
code="$(tail -n 1 <<< "$resp")"
[ "$code" = 202 ] || { echo "upload answered $code: $resp" >&2; exit 1; }
id="$(head -n 1 <<< "$resp" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')"
perf_pid=""
if [ -n "${PERF_OUT:-}" ]; then
  perf record -q -F 999 -g -p "$server_pid" -o "$PERF_OUT" 2>/dev/null &
  perf_pid=$!
fi
batch() { curl -s -H "Authorization: Bearer $key" "$url/v1/batches/$id?errors_limit=0"; }
while [ "$(batch | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = materializing ]; do
  sleep 0.2
done
t2=$(date +%s%N)
[ -n "$perf_pid" ] && kill -INT "$perf_pid" && wait "$perf_pid" 2>/dev/null || true
final="$(batch)"
kill "$sampler_pid" 2>/dev/null; wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""
peak=$(sort -n "$dir/rss.txt" | tail -n 1)

echo "== POST /v1/messages one at a time (1 connection), ${duration}s"
single="$(SB_KEY="$key" wrk -t1 -c1 -d"${duration}s" -s bench/post_messages.lua "$url/v1/messages" | grep '^RESULT')"

python3 - "$rows" "$t0" "$t1" "$t2" "$final" "$rss0" "$peak" "$single" <<'PY'
import json, re, sys
rows = int(sys.argv[1])
t0, t1, t2 = (int(x) for x in sys.argv[2:5])
b = json.loads(sys.argv[5])
rss0, peak = int(sys.argv[6]), int(sys.argv[7])
single = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", sys.argv[8])}
c = b["counts"]
made = c["queued"] + c["sending"] + c["sent"] + c["delivered"]
accept_s, mat_s = (t1 - t0) / 1e9, (t2 - t1) / 1e9
mat_rate = rows / mat_s
single_rate = single["requests"] / (single["duration_us"] / 1e6)
print(f"upload answered:    202 in {accept_s:.2f} s ({rows / accept_s:,.0f} rows/s)")
print(f"materialised:       {made:,} messages in {mat_s:.2f} s after the 202 ({mat_rate:,.0f} rows/s); "
      f"status {b['status']}, invalid {c['invalid']}, duplicates {c['duplicates']}")
print(f"one POST at a time: {single_rate:,.0f} msg/s  p50 {single['p50_us']/1000:.2f} ms  p99 {single['p99_us']/1000:.2f} ms")
print(f"batch / single:     {mat_rate / single_rate:.1f}x")
print(f"server memory:      {rss0/1024:.0f} MB before the upload, peak {peak/1024:.0f} MB "
      f"(growth {(peak - rss0)/1024:.0f} MB)")
PY
