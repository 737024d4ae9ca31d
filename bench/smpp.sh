#!/usr/bin/env bash
# SMPP benchmark (docs/benchmarks.md, "SMPP"), two parts, each in one run:
# 1. Delivery through SMPP, Switchboard's connector beside Kannel's SMPP client, in alternating
#    rounds, both binding to the same fast fake SMSC (the npm `smpp` server in bench mode,
#    tests/sdk/smpp_smsc.js: every submit_sm answered at once, a DELIVRD receipt for each that
#    asks) with the same window, and both loaded the same way for DURATION seconds (wrk, 2
#    threads, CONNECTIONS keep-alive connections, one sender, 10,000 recipients rotating):
#      kannel       smsbox sendsms (dlr-mask=3) -> bearerbox -> smsc = smpp, transceiver
#      switchboard  POST /v1/messages -> outbox (fsync'd) -> dispatcher -> provider = "smpp"
#    A run ends when the fake has answered every message's submit and had every receipt
#    acknowledged (receipts matched to their message: Kannel's DLR store, our status ingest).
#    Reported: delivered msg/s over the whole run (accepted / time until the last receipt was
#    acknowledged), CPU per message of the gateway's processes (not the fake's), the ratio to
#    Kannel.
# 2. Accepts: the SMPP server (npm `smpp` client, tests/sdk/smpp_esme.js, WINDOW submits in
#    flight, SUBMITS messages) beside POST /v1/messages (wrk), on one server in one run, dispatcher
#    off: accepted msg/s of each and their ratio.
# Usage: bench/smpp.sh [BUILD_DIR]   env: ROUNDS (3), DURATION (s, 10), CONNECTIONS (50),
#   WINDOW (10: submits in flight per bind, both gateways), SUBMITS (20000), PART (both|deliver|accept),
#   RECEIPTS (1; 0: no receipts asked, a run ends when every submit is answered)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-10}"
conns="${CONNECTIONS:-50}"
window="${WINDOW:-10}"
submits="${SUBMITS:-20000}"
part="${PART:-both}"
receipts="${RECEIPTS:-1}"
dlr_mask=""; [ "$receipts" = 1 ] && dlr_mask="&dlr-mask=3"
scripts/setup.sh bench
scripts/setup.sh test >/dev/null  # node and the npm smpp package (tests/sdk)
export NODE_PATH="$PWD/tests/sdk/node_modules"

dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

. bench/kannel_lib.sh
wait_for() {  # FILE PATTERN: until FILE has a line matching PATTERN (10 s)
  for _ in $(seq 1 200); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "bench: no '$2' in $1" >&2; cat "$1" >&2; exit 1
}

# The fake SMSC, fed commands through a FIFO on fd 3; sets smsc_port.
start_smsc() {
  rm -f "$dir/smsc.in" "$dir/smsc.out"
  mkfifo "$dir/smsc.in"
  node tests/sdk/smpp_smsc.js '{"bench":true}' < "$dir/smsc.in" > "$dir/smsc.out" 2> "$dir/smsc.err" &
  smsc_pid=$!
  pids+=("$smsc_pid")
  exec 3> "$dir/smsc.in"
  wait_for "$dir/smsc.out" '"event":"listening"'
  smsc_port="$(sed -n 's/.*"event":"listening","port":\([0-9]*\).*/\1/p' "$dir/smsc.out" | head -n 1)"
}
stop_smsc() { exec 3>&-; wait "$smsc_pid" 2>/dev/null || true; }
# The fake's counters: "submits accepted receipt_resps".
smsc_counts() {
  local n
  n=$(grep -c '"event":"stats"' "$dir/smsc.out" || true)
  echo '{"cmd":"stats"}' >&3
  for _ in $(seq 1 100); do
    [ "$(grep -c '"event":"stats"' "$dir/smsc.out" || true)" -gt "$n" ] && break
    sleep 0.02
  done
  grep '"event":"stats"' "$dir/smsc.out" | tail -n 1 |
    python3 -c 'import json,sys; s=json.loads(sys.stdin.read()); print(s["submit_sm"], s["accepted"], s["receipt_resps"])'
}
# Waits until the fake saw N messages done (with RECEIPTS=1 their receipts acknowledged, else
# their submits answered) and then no more for 1 s (wrk counts only the answers it read: a few
# more were accepted as it stopped); prints the time (ns) of the last one seen.
wait_done() {
  local want="$1" counts done last=-1 last_ns=0 field=3
  [ "$receipts" = 1 ] || field=2
  for _ in $(seq 1 12000); do
    counts="$(smsc_counts)"
    done="$(cut -d' ' -f$field <<< "$counts")"
    if [ "$done" != "$last" ]; then last="$done"; last_ns=$(date +%s%N); fi
    if [ "$done" -ge "$want" ] && [ $(( $(date +%s%N) - last_ns )) -ge 1000000000 ]; then
      echo "$last_ns"; return 0
    fi
    sleep 0.05
  done
  echo "bench: the fake saw only $counts of $want" >&2; exit 1
}

run_kannel() {
  local k="$dir/kannel" admin box sendsms
  rm -rf "$k" && mkdir -p "$k"
  read -r admin box sendsms <<< "$(free_ports 3)"
  start_smsc
  kannel_conf "$k" "$admin" "$box" "$sendsms" "dlr-storage = internal" <<CONF
group = smsc
smsc = smpp
smsc-id = fake
host = 127.0.0.1
port = $smsc_port
transceiver-mode = true
smsc-username = kannel
smsc-password = kannel
system-type = ""
max-pending-submits = $window
source-addr-ton = 1
source-addr-npi = 1
dest-addr-ton = 1
dest-addr-npi = 1
CONF
  /usr/sbin/bearerbox -v 4 "$k/kannel.conf" > "$k/bearerbox.out" 2>&1 &
  local bb=$!
  pids+=("$bb")
  wait_for "$dir/smsc.out" '"event":"bind"'
  start_smsbox "$k" "$sendsms" "$dlr_mask"
  local sb=$smsbox_pid
  wait_done 1 > /dev/null
  local c0 c1 load start end answered
  c0=$(( $(cpu_of "$bb") + $(cpu_of "$sb") ))
  start=$(date +%s%N)
  load="$(KANNEL_EXTRA="$dlr_mask" wrk -t2 -c"$conns" -d"${duration}s" -s bench/kannel_sendsms.lua "http://127.0.0.1:$sendsms" | grep '^RESULT')"
  answered="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<< "$load")"
  end="$(wait_done $(( answered + 1 )))"
  c1=$(( $(cpu_of "$bb") + $(cpu_of "$sb") ))
  local counts
  counts="$(smsc_counts)"
  kill "$bb" "$sb" 2>/dev/null || true
  wait "$bb" "$sb" 2>/dev/null || true
  stop_smsc
  echo "$load delivered=$(( $(cut -d' ' -f$(( receipts ? 3 : 2 )) <<< "$counts") - 1 )) submits=$(( $(cut -d' ' -f1 <<< "$counts") - 1 )) elapsed_ns=$(( end - start )) cpu_ticks=$(( c1 - c0 ))"
}

# A Switchboard server (config from stdin); sets server_pid, url, key.
start_switchboard() {
  local d="$1"
  mkdir -p "$d"
  cat > "$d/switchboard.toml"
  key="$("$build/switchboard" keys create --account bench --config "$d/switchboard.toml" 2> /dev/null | tail -n 1)"
  "$build/switchboard" serve --config "$d/switchboard.toml" > "$d/out.txt" 2> "$d/err.txt" &
  server_pid=$!
  pids+=("$server_pid")
  wait_for "$d/out.txt" "listening on"
  url="$(grep -o 'http://[0-9.:]*' "$d/out.txt" | head -n 1)"
}

run_switchboard() {
  local d="$dir/sb-$RANDOM"
  start_smsc
  start_switchboard "$d" <<TOML
[server]
listen = "127.0.0.1:0"
[database]
url = "sqlite://$d/switchboard.db"
[accounts]
print_first_key = false
[log]
level = "warn"
[[connectors]]
id = "fake"
provider = "smpp"
host = "127.0.0.1"
port = $smsc_port
system_id = "switchboard"
password = "bench"
window = $window
registered_delivery = $receipts
[[numbers]]
number = "+12025550100"
account = "bench"
connector = "fake"
throughput = 0
TOML
  wait_for "$dir/smsc.out" '"event":"bind"'
  local c0 c1 load start end answered counts
  c0=$(cpu_of "$server_pid")
  start=$(date +%s%N)
  load="$(SB_KEY="$key" wrk -t2 -c"$conns" -d"${duration}s" -s bench/post_messages.lua "$url/v1/messages" | grep '^RESULT')"
  answered="$(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<< "$load")"
  end="$(wait_done "$answered")"
  c1=$(cpu_of "$server_pid")
  counts="$(smsc_counts)"
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  stop_smsc
  echo "$load delivered=$(cut -d' ' -f$(( receipts ? 3 : 2 )) <<< "$counts") submits=$(cut -d' ' -f1 <<< "$counts") elapsed_ns=$(( end - start )) cpu_ticks=$(( c1 - c0 ))"
}

if [ "$part" != accept ]; then
  results="$dir/results.txt"
  modes=(kannel switchboard)
  for r in $(seq 1 "$rounds"); do
    for i in 0 1; do
      mode="${modes[$(( (i + r - 1) % 2 ))]}"
      echo "== round $r: $mode" >&2
      if [ "$mode" = kannel ]; then line="$(run_kannel)"; else line="$(run_switchboard)"; fi
      echo "$line" >&2
      echo "$r $mode $line" >> "$results"
    done
  done
  echo "== delivery through SMPP to one fake SMSC (window $window, $([ "$receipts" = 1 ] && echo "a receipt for every message" || echo "no receipts")), ${duration}s of load"
  python3 - "$results" "$(getconf CLK_TCK)" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    r, mode, rest = line.split(" ", 2)
    rows.setdefault(int(r), {})[mode] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", rest)}
tck = int(sys.argv[2])
rate = lambda x: x["delivered"] / (x["elapsed_ns"] / 1e9)
cpu = lambda x: x["cpu_ticks"] / tck * 1e6 / max(x["delivered"], 1)
names = {"kannel": "Kannel 1.4.5 (smsbox + bearerbox)", "switchboard": "Switchboard (provider = smpp)"}
print("round  gateway                              accepted  delivered  submits  delivered/s  CPU us/msg  rate vs Kannel  CPU vs Kannel")
for r in sorted(rows):
    k = rows[r]["kannel"]
    for mode in ("kannel", "switchboard"):
        x = rows[r][mode]
        print(f"{r:5d}  {names[mode]:36s} {x['requests']:9d}  {x['delivered']:9d}  {x['submits']:7d}"
              f"  {rate(x):11.0f}  {cpu(x):10.0f}  {rate(x)/rate(k):14.2f}  {cpu(x)/cpu(k):13.2f}")
PY
fi

if [ "$part" != deliver ]; then
  d="$dir/accept"
  start_switchboard "$d" <<TOML
[server]
listen = "127.0.0.1:0"
[database]
url = "sqlite://$d/switchboard.db"
[accounts]
print_first_key = false
[dispatcher]
workers = 0
[log]
level = "info"
[smpp]
listen = "127.0.0.1:0"
bind_throughput = 0
[[numbers]]
number = "+12025550100"
account = "bench"
connector = "sim"
TOML
  creds="$("$build/switchboard" smpp-credentials --account bench --json --config "$d/switchboard.toml" 2> /dev/null | tail -n 1)"
  sid="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["system_id"])' "$creds")"
  pw="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["password"])' "$creds")"
  wait_for "$d/err.txt" "smpp: listening on"
  smpp_port="$(sed -n 's/.*smpp: listening on [0-9.]*:\([0-9]*\).*/\1/p' "$d/err.txt" | head -n 1)"
  echo "== accepts: SMPP server (npm smpp client, window $window, $submits submits) and POST /v1/messages (wrk, $conns connections, ${duration}s), one server, dispatcher off"
  c0=$(cpu_of "$server_pid")
  mkfifo "$dir/esme.in"
  node tests/sdk/smpp_esme.js 127.0.0.1 "$smpp_port" "$sid" "$pw" transmitter '{"quiet":true}' \
    < "$dir/esme.in" > "$dir/esme.out" 2> "$dir/esme.err" &
  esme_pid=$!
  pids+=("$esme_pid")
  exec 4> "$dir/esme.in"
  wait_for "$dir/esme.out" '"event":"bind_resp"'
  echo "{\"cmd\":\"submit\",\"from\":\"+12025550100\",\"to\":\"+14155550100\",\"text\":\"bench message\",\"count\":$submits,\"window\":$window,\"quiet\":true,\"tag\":\"bench\"}" >&4
  for _ in $(seq 1 6000); do grep -q '"event":"submit_done"' "$dir/esme.out" && break; sleep 0.05; done
  esme="$(grep -m 1 '"event":"submit_done"' "$dir/esme.out")"
  exec 4>&-
  wait "$esme_pid" 2>/dev/null || true
  c1=$(cpu_of "$server_pid")
  load="$(SB_KEY="$key" wrk -t2 -c"$conns" -d"${duration}s" -s bench/post_messages.lua "$url/v1/messages" | grep '^RESULT')"
  c2=$(cpu_of "$server_pid")
  python3 - "$esme" "$load" "$c0" "$c1" "$c2" "$(getconf CLK_TCK)" <<'PY'
import json, re, sys
esme = json.loads(sys.argv[1])
load = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", sys.argv[2])}
c0, c1, c2, tck = (int(x) for x in sys.argv[3:7])
smpp = esme["ok"] / (esme["elapsed_ms"] / 1e3)
http = load["requests"] / (load["duration_us"] / 1e6)
print(f"SMPP submit_sm:      {smpp:8.0f} accepted/s ({esme['ok']} ok, {esme['failed']} refused, "
      f"{(c1-c0)/tck*1e6/max(esme['ok'],1):.0f} us server CPU each)")
print(f"POST /v1/messages:   {http:8.0f} accepted/s ({load['requests']} answered, "
      f"{(c2-c1)/tck*1e6/max(load['requests'],1):.0f} us server CPU each)")
print(f"SMPP / HTTP:         {smpp/http:8.2f}")
PY
fi
