#!/usr/bin/env bash
# Peer benchmark: Kannel (the classic C SMS gateway, Debian's `kannel` package) and Switchboard
# accepting the same load on the same machine, in alternating runs, so the ratios hold even when
# the machine's speed drifts. Each round runs, in a rotating order:
#   kannel   smsbox's sendsms (HTTP GET) -> bearerbox -> its file store (`store-type = file`:
#            written, never fsync'd; no SMSC connected, so every message stays queued)
#   all      Switchboard accept only (bench/run.sh, WORKERS=0), every 202 fsync'd, the default
#            `conversations = "all"` (every send filed in a conversation)
#   inbound  the same with the number set to `conversations = "inbound"` (docs/numbers.md)
# The load is the same for all three: wrk, 2 threads, 50 keep-alive connections, one sender,
# recipients rotating over 10,000 numbers. Kannel's store size and Switchboard's stored count
# are checked against what wrk saw answered.
# With DELIVER=1 both also deliver while they accept: Kannel to an SMSC (its `fakesmsc` test
# program, kannel-extras, on Kannel's fake SMSC link; no delivery reports), Switchboard to its
# simulated carrier (dispatcher on, sent and delivered reports after 0 ms). Each run then also
# reports how long after the load everything was delivered, and the CPU includes the draining
# (and, for Kannel, fakesmsc's, as Switchboard's includes its in-process carrier).
# SIM_REPORTS=false makes the comparison like for like: Switchboard's carrier then acknowledges
# each submit and reports nothing, as fakesmsc does (default true: two reports per message).
# Usage: bench/kannel.sh [BUILD_DIR]   env: ROUNDS (default 3), DURATION (s, 10), CONNECTIONS (50),
#   DELIVER (0), SIM_REPORTS (true)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
rounds="${ROUNDS:-3}"
duration="${DURATION:-10}"
conns="${CONNECTIONS:-50}"
deliver="${DELIVER:-0}"
scripts/setup.sh bench
fakesmsc=/usr/lib/kannel/test/fakesmsc
# The package's init script may have started a system Kannel; ours runs on its own ports.

dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

. bench/kannel_lib.sh

# One Kannel run: prints "RESULT … stored=N cpu_ticks=T" (DELIVER=1: stored = delivered, and
# drain_ms=D).
run_kannel() {
  local k="$dir/kannel" admin box sendsms smsc
  rm -rf "$k" && mkdir -p "$k"
  read -r admin box sendsms smsc <<< "$(free_ports 4)"
  kannel_conf "$k" "$admin" "$box" "$sendsms" "store-type = file\nstore-location = $k/kannel.store" <<CONF
group = smsc
smsc = fake
smsc-id = fake
port = $smsc
connect-allow-ip = 127.0.0.1
CONF
  /usr/sbin/bearerbox -v 4 "$k/kannel.conf" > "$k/bearerbox.out" 2>&1 &
  local bb=$!
  pids+=("$bb")
  local status="http://127.0.0.1:$admin/status.txt?password=bench"
  for _ in $(seq 1 200); do curl -sf "$status" > /dev/null && break; sleep 0.05; done
  local carrier=""
  if [ "$deliver" = 1 ]; then
    "$fakesmsc" -H 127.0.0.1 -r "$smsc" -m 0 "1 2 text unused" > /dev/null 2>&1 &
    carrier=$!
    pids+=("$carrier")
    for _ in $(seq 1 200); do curl -sf "$status" | grep -q "FAKE:$smsc (online" && break; sleep 0.05; done
  fi
  start_smsbox "$k" "$sendsms"
  local sb=$smsbox_pid
  local procs=("$bb" "$sb" $carrier)
  cpu() { local t=0 p; for p in "${procs[@]}"; do t=$(( t + $(cpu_of "$p") )); done; echo "$t"; }
  local c0 c1 load stored extra=""
  c0=$(cpu)
  load="$(wrk -t2 -c"$conns" -d"${duration}s" -s bench/kannel_sendsms.lua "http://127.0.0.1:$sendsms" | grep '^RESULT')"
  if [ "$deliver" = 1 ]; then
    # Delivered when nothing is queued for the SMSC or left in the store ("sent N (0 queued)").
    local end_ns line
    end_ns=$(date +%s%N)
    for _ in $(seq 1 1200); do
      line="$(curl -sf "$status" | grep '^SMS: received')"
      grep -q "sent [0-9]* (0 queued), store size 0" <<< "$line" && break
      sleep 0.05
    done
    extra=" drain_ms=$(( ($(date +%s%N) - end_ns) / 1000000 ))"
    stored="$(sed -n 's/.* sent \([0-9]*\) (0 queued).*/\1/p' <<< "$line")"
  else
    # The probe is in the store too.
    stored="$(curl -sf "$status" | sed -n 's/.*store size \([0-9]*\).*/\1/p')"
  fi
  c1=$(cpu)
  kill "${procs[@]}" 2>/dev/null || true
  wait "${procs[@]}" 2>/dev/null || true
  echo "$load stored=$(( ${stored:-1} - 1 )) cpu_ticks=$(( c1 - c0 ))$extra"
}

# One Switchboard run through bench/run.sh: prints "RESULT … stored=N cpu_us_per_msg=C"
# (DELIVER=1: stored = delivered, and drain_ms=D).
run_switchboard() {
  local out load extra=""
  out="$(WORKERS="$([ "$deliver" = 1 ] && echo 4 || echo 0)" CONVERSATIONS="$1" DURATION="$duration" CONNECTIONS="$conns" bench/run.sh "$build" 2> "$dir/run.err")" \
    || { cat "$dir/run.err" >&2; exit 1; }
  load="$(grep '^RESULT' <<< "$out" | tail -n 1)"
  local stored
  stored="$(sed -n 's/^stored messages: *\([0-9]*\).*/\1/p' <<< "$out")"
  if [ "$deliver" = 1 ]; then
    extra=" drain_ms=$(sed -n 's/^dispatch drain: *\([0-9.]*\) s.*/\1/p' <<< "$out" | awk '{printf "%d", $1 * 1000}')"
    # Delivered, or `sent` where the carrier sends no reports.
    local final=delivered
    [ "${SIM_REPORTS:-true}" = false ] && final=sent
    stored="$(sed -n "s/.*'$final': \([0-9]*\).*/\1/p" <<< "$out")"
  fi
  echo "$load stored=${stored:-0} cpu_us_per_msg=$(sed -n 's/^server CPU: *\([0-9]*\) us.*/\1/p' <<< "$out")$extra"
}

results="$dir/results.txt"
modes=(kannel all inbound)
for r in $(seq 1 "$rounds"); do
  for i in 0 1 2; do
    mode="${modes[$(( (i + r - 1) % 3 ))]}"
    echo "== round $r: $mode" >&2
    if [ "$mode" = kannel ]; then line="$(run_kannel)"; else line="$(run_switchboard "$mode")"; fi
    echo "$line" >&2
    echo "$r $mode $line" >> "$results"
  done
done

python3 - "$results" "$(getconf CLK_TCK)" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    r, mode, rest = line.split(" ", 2)
    rows.setdefault(int(r), {})[mode] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", rest)}
tck = int(sys.argv[2])
def rate(x): return x["requests"] / (x["duration_us"] / 1e6)
def cpu_us(x):
    if "cpu_ticks" in x: return x["cpu_ticks"] / tck * 1e6 / max(x["requests"], 1)
    return x["cpu_us_per_msg"]
deliver = any("drain_ms" in x for r in rows.values() for x in r.values())
print("round  gateway                                     msg/s   p50 ms   p99 ms  CPU us/msg  "
      + ("delivered/answered  drain s" if deliver else "stored/answered") + "  rate vs Kannel  p99 vs Kannel")
names = {"kannel": "Kannel (file store, no fsync)",
         "all": "Switchboard, conversations = all",
         "inbound": "Switchboard, conversations = inbound"}
for r in sorted(rows):
    k = rows[r]["kannel"]
    for mode in ("kannel", "all", "inbound"):
        x = rows[r][mode]
        errors = x["errors_status"] + x["errors_connect"] + x["errors_timeout"]
        print(f"{r:5d}  {names[mode]:40s} {rate(x):9.0f}  {x['p50_us']/1000:7.2f}  {x['p99_us']/1000:7.2f}"
              f"  {cpu_us(x):10.0f}  {x['stored']:7d}/{x['requests']:<7d}"
              + (f"    {x.get('drain_ms', 0)/1000:7.2f}" if deliver else "")
              + f"  {rate(x)/rate(k):14.2f}"
              f"  {x['p99_us']/k['p99_us']:13.2f}" + (f"  ({errors} errors)" if errors else ""))
PY
