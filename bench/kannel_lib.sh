# Shared by the benchmarks that run Kannel beside Switchboard (bench/kannel.sh, bench/smpp.sh):
# free ports, a process's CPU, and Kannel's configuration around the smsc group each one differs
# in. Sourced, not run.

free_ports() {  # N free loopback TCP ports
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# Writes DIR/kannel.conf: bearerbox's core group (admin on ADMIN, smsbox link on BOX, CORE_EXTRA
# lines added), the smsc group given on stdin, smsbox's sendsms on SENDSMS and the user bench/bench.
# Usage: kannel_conf DIR ADMIN BOX SENDSMS "CORE_EXTRA" < smsc-group
kannel_conf() {
  local k="$1"
  {
    printf 'group = core\nadmin-port = %s\nadmin-password = bench\nadmin-allow-ip = 127.0.0.1\n' "$2"
    printf 'smsbox-port = %s\nbox-allow-ip = 127.0.0.1\nlog-file = %s/bearerbox.log\nlog-level = 4\n' "$3" "$k"
    [ -n "$5" ] && printf '%b\n' "$5"
    printf '\n'
    cat
    printf '\ngroup = smsbox\nbearerbox-host = 127.0.0.1\nsendsms-port = %s\n' "$4"
    printf 'log-file = %s/smsbox.log\nlog-level = 4\n\n' "$k"
    printf 'group = sendsms-user\nusername = bench\npassword = bench\n'
  } > "$k/kannel.conf"
}

# Starts smsbox on DIR/kannel.conf and waits until its sendsms on SENDSMS accepts a probe
# (EXTRA appended to the probe's query); sets smsbox_pid and adds it to pids.
start_smsbox() {
  local k="$1" sendsms="$2" extra="${3:-}"
  /usr/sbin/smsbox -v 4 "$k/kannel.conf" > "$k/smsbox.out" 2>&1 &
  smsbox_pid=$!
  pids+=("$smsbox_pid")
  local probe="http://127.0.0.1:$sendsms/cgi-bin/sendsms?username=bench&password=bench&from=12025550100&to=14155550199&text=probe$extra"
  for _ in $(seq 1 200); do
    curl -sf "$probe" 2>/dev/null | grep -q "^[03]:" && return 0
    sleep 0.05
  done
  echo "bench: kannel did not accept a message" >&2; tail -5 "$k"/*.out >&2; exit 1
}
