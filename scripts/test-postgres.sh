#!/usr/bin/env bash
# Starts/stops a private throwaway PostgreSQL server for tests; prints its admin URL.
# Usage: scripts/test-postgres.sh start|stop|url|status
#   start   initdb (first time) and start the server, or reuse a running one; prints the URL
#   url     prints the URL if the server is running (exit 1 otherwise)
#   status  like url, but silent; exit 0 when running
#   stop    stops the server and removes its directory
# Environment:
#   SWITCHBOARD_PG_DIR      state dir (default ${TMPDIR:-/tmp}/switchboard-pg-$USER)
#   SWITCHBOARD_PG_BIN      PostgreSQL bin dir (default /usr/lib/postgresql/15/bin, else newest)
#   SWITCHBOARD_PG_PORTS    port range to try, "first-last" (default 54329-54400)
#   SWITCHBOARD_PG_TIMEOUT  seconds to wait for readiness/shutdown (default 60)
# Typical use:  export SWITCHBOARD_TEST_PG_URL="$(scripts/test-postgres.sh start)"
# The server trusts every local connection: it is for tests only, listens on 127.0.0.1 only, and
# keeps its unix socket inside its own data directory. Runs as root too (initdb/pg_ctl then run as
# the `postgres` user via runuser). Needs the `postgresql` package: scripts/setup.sh test.
set -euo pipefail

die() {
  echo "test-postgres: $*" >&2
  exit 1
}

cmd="${1:-}"
case "$cmd" in
  start | stop | url | status) ;;
  *) die "usage: $0 start|stop|url|status" ;;
esac

user_name="${USER:-$(id -un)}"
dir="${SWITCHBOARD_PG_DIR:-${TMPDIR:-/tmp}/switchboard-pg-${user_name}}"
case "$dir" in
  /*) ;;
  *) dir="$PWD/$dir" ;;
esac
dir="${dir%/}"
if [ -z "$dir" ] || [ "$dir" = "/" ]; then die "refusing to use '/' as the state directory"; fi
data="$dir/data"
marker="$dir/.switchboard-test-postgres"
port_file="$dir/port"
log="$dir/postgres.log"
timeout_s="${SWITCHBOARD_PG_TIMEOUT:-60}"
ports="${SWITCHBOARD_PG_PORTS:-54329-54400}"
port_first="${ports%-*}"
port_last="${ports#*-}"

find_bin() {
  if [ -n "${SWITCHBOARD_PG_BIN:-}" ]; then
    echo "$SWITCHBOARD_PG_BIN"
    return
  fi
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
    echo /usr/lib/postgresql/15/bin
    return
  fi
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then
    echo "$d"
    return
  fi
  d="$(command -v initdb 2>/dev/null || true)"
  [ -n "$d" ] && dirname "$d"
}

bin="$(find_bin || true)"
if [ "$cmd" = start ]; then
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
    die "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin); run: scripts/setup.sh test"
  fi
fi

# initdb and the server refuse to run as root: run them as the postgres user instead.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

url_for() { echo "postgresql://postgres@127.0.0.1:$1/postgres"; }

ready() { # port
  [ -n "$bin" ] || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$1" -U postgres -d postgres -t 2 >/dev/null 2>&1
}

postmaster_alive() {
  [ -f "$data/postmaster.pid" ] || return 1
  local pid
  pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

running_port() { # prints the port and succeeds when our server is up and answering
  [ -f "$marker" ] && [ -f "$port_file" ] || return 1
  local p
  p="$(cat "$port_file")"
  postmaster_alive && ready "$p" && echo "$p"
}

port_in_use() { # something already accepts TCP connections on 127.0.0.1:$1
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

deadline_passed() { [ "$SECONDS" -ge "$deadline" ]; }

# Serialize concurrent invocations for the same directory (parallel CI steps).
mkdir -p "$(dirname "$dir")"
exec 9>>"$dir.lock"
flock 9

do_init() {
  if [ -e "$dir" ] && [ ! -f "$marker" ]; then
    if [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
      die "$dir exists and was not created by this script; set SWITCHBOARD_PG_DIR elsewhere"
    fi
  fi
  mkdir -p "$dir"
  chmod 700 "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
    # The server runs as postgres, which must pass through every directory above its own (and
    # above its binaries, under /). On a normal system each one lets others pass (o+x); a root
    # made private, such as a chroot in a directory from mktemp -d, does not. Let others pass
    # through such a directory: search only, its listing stays private.
    local d="$dir"
    while [ "$d" != / ]; do
      d="$(dirname "$d")"
      case "$(stat -c %A "$d")" in
        *x | *t) ;;
        *)
          echo "test-postgres: $d is private to root; allowing others to pass through it (o+x)" >&2
          chmod o+x "$d"
          ;;
      esac
    done
  fi
  touch "$marker"
  as_pg test -w "$dir" ||
    die "the postgres user cannot write $dir (is a parent directory private?); set SWITCHBOARD_PG_DIR"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg rm -rf "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      die "initdb failed"
    }
    local sock="$data"
    # A unix socket path must fit in sun_path (107 bytes); TCP is what tests use anyway.
    if [ "${#sock}" -gt 90 ]; then sock=""; fi
    as_pg tee -a "$data/postgresql.conf" >/dev/null <<EOF

# --- switchboard test server ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$sock'
max_connections = 300
shared_buffers = 32MB
fsync = on
log_min_messages = warning
include_if_exists = 'switchboard_port.conf'
EOF
  fi
}

do_start() {
  local p
  if p="$(running_port)"; then
    url_for "$p"
    return
  fi
  if postmaster_alive; then
    # Up but not answering yet (another start still waiting?) or answering on an unknown port.
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t "$timeout_s" stop >/dev/null 2>&1 || true
  fi
  do_init
  [ "$port_first" -le "$port_last" ] 2>/dev/null || die "bad SWITCHBOARD_PG_PORTS '$ports'"
  deadline=$((SECONDS + timeout_s))
  local port
  for ((port = port_first; port <= port_last; port++)); do
    if port_in_use "$port"; then continue; fi
    echo "port = $port" | as_pg tee "$data/switchboard_port.conf" >/dev/null
    echo "$port" >"$port_file"
    : | as_pg tee "$log" >/dev/null
    # -W: do not let pg_ctl wait; readiness is checked below with pg_isready and a deadline.
    # 9>&-: the server must not inherit (and so hold forever) our lock.
    if ! as_pg "$bin/pg_ctl" -D "$data" -l "$log" -W start >/dev/null 2>&1 </dev/null 9>&-; then
      continue
    fi
    while :; do
      if ready "$port"; then
        url_for "$port"
        return
      fi
      if ! postmaster_alive && [ ! -f "$data/postmaster.pid" ]; then
        # The postmaster exited; pg_ctl may not have written the pid file yet right after start.
        if grep -q "could not bind\|Address already in use\|could not create any TCP/IP sockets" \
          "$log" 2>/dev/null; then
          break # port raced away: try the next one
        fi
        if grep -q "FATAL\|PANIC" "$log" 2>/dev/null; then
          tail -n 30 "$log" >&2
          die "PostgreSQL failed to start"
        fi
      fi
      if deadline_passed; then
        tail -n 30 "$log" >&2
        as_pg "$bin/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
        die "PostgreSQL did not become ready within ${timeout_s}s (log: $log)"
      fi
      sleep 0.1
    done
  done
  die "no free port in $ports"
}

do_stop() {
  if [ -f "$data/postmaster.pid" ] && [ -n "$bin" ]; then
    as_pg "$bin/pg_ctl" -D "$data" -m fast -w -t "$timeout_s" stop >/dev/null 2>&1 ||
      as_pg "$bin/pg_ctl" -D "$data" -m immediate -w -t "$timeout_s" stop >/dev/null 2>&1 || true
  fi
  if postmaster_alive; then
    die "PostgreSQL in $data is still running; not removing it"
  fi
  if [ -e "$dir" ]; then
    [ -f "$marker" ] || die "$dir was not created by this script; not removing it"
    rm -rf "$dir"
  fi
}

case "$cmd" in
  start) do_start ;;
  stop) do_stop ;;
  url)
    p="$(running_port)" || die "not running (start it with: $0 start)"
    url_for "$p"
    ;;
  status) running_port >/dev/null || exit 1 ;;
esac
