#!/usr/bin/env bash
# Webhook ingest benchmark: signed Twilio inbound-SMS webhooks at 50 connections (wrk), each
# verified (X-Twilio-Signature) and durably stored (SQLite, WAL fsync'd) with its contact and
# conversation before the 200, plus a GET /healthz baseline in the same run.
# Usage: bench/webhooks.sh [BUILD_DIR]   env: DURATION (s, default 10), CONNECTIONS (50), N (requests
# to pre-sign, default 200000; each is sent at most once per run unless the load outruns them)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
duration="${DURATION:-10}"
conns="${CONNECTIONS:-50}"
n="${N:-200000}"
scripts/setup.sh bench

dir="$(mktemp -d)"
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

token="bench_auth_token_0123456789abcdef"
public="https://bench.example.test"
cat > "$dir/switchboard.toml" <<TOML
[server]
listen = "127.0.0.1:0"
public_url = "$public"
[database]
url = "sqlite://$dir/switchboard.db"
[accounts]
print_first_key = false
[dispatcher]
workers = 0
[log]
level = "warn"
[[connectors]]
id = "tw"
provider = "twilio"
base_url = "http://127.0.0.1:9"
account_sid = "AC$(printf 'a%.0s' $(seq 1 32))"
auth_token = "$token"
[[numbers]]
number = "+12025550100"
account = "bench"
connector = "tw"
TOML

echo "== signing $n Twilio webhooks"
python3 bench/gen_twilio_webhooks.py "$n" "$token" "$public/webhooks/tw" "+12025550100" > "$dir/hooks.tsv"

key="$("$build/switchboard" keys create --account bench --config "$dir/switchboard.toml" | tail -n 1)"
"$build/switchboard" serve --config "$dir/switchboard.toml" > "$dir/out.txt" 2> "$dir/err.txt" &
server_pid=$!
for _ in $(seq 1 200); do grep -q "listening on" "$dir/out.txt" 2>/dev/null && break; sleep 0.05; done
url="$(grep -o 'http://[0-9.:]*' "$dir/out.txt" | head -n 1)"
[ -n "$url" ] || { cat "$dir/err.txt"; exit 1; }

echo "== baseline: GET /healthz, $conns connections, ${duration}s"
base="$(wrk -t2 -c"$conns" -d"${duration}s" -s bench/healthz.lua "$url/healthz" | grep '^RESULT')"
echo "$base"

echo "== POST /webhooks/tw (signed inbound SMS), $conns connections, ${duration}s"
cpu() { awk '{print $14 + $15}' "/proc/$server_pid/stat"; }
cpu0=$(cpu)
load="$(SB_WEBHOOKS="$dir/hooks.tsv" SB_PATH="/webhooks/tw" wrk -t2 -c"$conns" -d"${duration}s" -s bench/webhooks.lua "$url/webhooks/tw" | grep '^RESULT')"
cpu1=$(cpu)
echo "$load"
stats="$(curl -s -H "Authorization: Bearer $key" "$url/v1/stats")"

python3 - "$base" "$load" "$stats" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$n" <<'PY'
import json, re, sys
def parse(line): return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}
base, load = parse(sys.argv[1]), parse(sys.argv[2])
stats = json.loads(sys.argv[3])["messages"]
rps = lambda r: r["requests"] / (r["duration_us"] / 1e6)
stored = stats["by_status"].get("received", 0)
print(f"healthz baseline:   {rps(base):10.0f} req/s  p50 {base['p50_us']/1000:.2f} ms  p99 {base['p99_us']/1000:.2f} ms")
print(f"webhooks stored:    {rps(load):10.0f} /s     p50 {load['p50_us']/1000:.2f} ms  p99 {load['p99_us']/1000:.2f} ms  (non-2xx: {load['errors_status']}, socket errors: {load['errors_connect']+load['errors_timeout']})")
print(f"webhooks / healthz: {rps(load)/rps(base):10.2f}")
ok = load["requests"] - load["errors_status"]
print(f"inbound messages:   {stored} stored for {ok} 2xx answers"
      + ("" if load["requests"] <= int(sys.argv[7]) else " (requests outran the pre-signed set: repeats were duplicates)"))
cpu0, cpu1, tck = (int(x) for x in sys.argv[4:7])
print(f"server CPU:         {(cpu1-cpu0)/tck*1e6/max(stored,1):.0f} us per stored webhook")
PY
