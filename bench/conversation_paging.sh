#!/usr/bin/env bash
# Conversation paging benchmark: one conversation of N messages (default 100,000), listed page by
# page through GET /v1/conversations/{id}/messages over HTTP, on SQLite and (when
# SWITCHBOARD_TEST_PG_URL names an admin URL) PostgreSQL, against GET /healthz in the same run.
# Usage: bench/conversation_paging.sh [BUILD_DIR]   env: N (messages), REPEAT (samples per point),
# BACKENDS ("sqlite postgres")
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
scripts/setup.sh bench
n="${N:-100000}"

run() {  # run <backend>
  local backend="$1" dir db_url db_name="" server_pid=""
  dir="$(mktemp -d)"
  if [ "$backend" = postgres ]; then
    [ -n "${SWITCHBOARD_TEST_PG_URL:-}" ] || { echo "== postgres: SWITCHBOARD_TEST_PG_URL unset, skipped"; return; }
    db_name="sb_bench_$$"
    psql -X -q "$SWITCHBOARD_TEST_PG_URL" -c "CREATE DATABASE $db_name" >/dev/null
    db_url="${SWITCHBOARD_TEST_PG_URL%/*}/$db_name"
  else
    db_url="sqlite://$dir/switchboard.db"
  fi
  cat > "$dir/switchboard.toml" <<TOML
[server]
listen = "127.0.0.1:0"
[database]
url = "$db_url"
[accounts]
print_first_key = false
[dispatcher]
poll_interval_ms = 50
[log]
level = "warn"
[[connectors]]
id = "sim"
provider = "sim"
delivery_delay_ms = 0
journal = "$dir/sim.jsonl"
[[numbers]]
number = "+12025550100"
account = "bench"
TOML
  local key url
  key="$("$build/switchboard" keys create --account bench --config "$dir/switchboard.toml" | tail -n 1)"
  "$build/switchboard" serve --config "$dir/switchboard.toml" > "$dir/out.txt" 2> "$dir/err.txt" &
  server_pid=$!
  for _ in $(seq 1 200); do grep -q "listening on" "$dir/out.txt" 2>/dev/null && break; sleep 0.05; done
  url="$(grep -o 'http://[0-9.:]*' "$dir/out.txt" | head -n 1)"
  [ -n "$url" ] || { cat "$dir/err.txt"; exit 1; }
  echo "== $backend"
  local target="$dir/switchboard.db"
  [ "$backend" = postgres ] && target="$db_url"
  python3 bench/conversation_paging.py "$url" "$key" "$backend" "$target" "$n" || status=$?
  kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true
  [ -n "$db_name" ] && psql -X -q "$SWITCHBOARD_TEST_PG_URL" -c "DROP DATABASE $db_name WITH (FORCE)" >/dev/null
  rm -rf "$dir"
  return "${status:-0}"
}

for b in ${BACKENDS:-sqlite postgres}; do run "$b"; done
