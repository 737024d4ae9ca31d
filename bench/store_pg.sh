#!/usr/bin/env bash
# The store on PostgreSQL, build against build: `store_bench --lifecycle 1` (insert, claim, sent,
# reports; bench/store_bench.cc) of each BUILD_DIR in turn, ROUNDS times, on a private PostgreSQL
# (bench/pg_lib.sh), each run on a fresh database. Per run: the client's CPU per message and
# step (as store_bench prints it), and what PostgreSQL spent per message stored: WAL records and
# bytes (pg_stat_wal) and the server's CPU (postmaster and children, reaped ones included).
# Figures and how to read them: docs/benchmarks.md ("A message's state in a row of its own").
# Usage: bench/store_pg.sh BUILD_DIR [BUILD_DIR...]   env: ROUNDS (default 3), PG_PORTS
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [BUILD_DIR...]" >&2; exit 2; }
rounds="${ROUNDS:-3}"
. bench/kannel_lib.sh
. bench/pg_lib.sh

dir="$(mktemp -d)"
cleanup() {
  pg_private_stop
  rm -rf "$dir"
}
trap cleanup EXIT
pg_private_start "$dir"
ticks="$(getconf CLK_TCK)"

n=0
for round in $(seq 1 "$rounds"); do
  for build in "$@"; do
    n=$((n + 1))
    db="sb_store_$n"
    psql_ "$admin" -c "CREATE DATABASE $db" > /dev/null
    url="${admin%/*}/$db"
    read -r r0 b0 <<< "$(psql_ "$admin" -F ' ' -c "SELECT wal_records, wal_bytes FROM pg_stat_wal")"
    c0="$(pg_cpu)"
    out="$("$build/bench/store_bench" --url "$url" --lifecycle 1 2> /dev/null | grep '^lifecycle')"
    # The run's backends have exited; wait until the postmaster has reaped them.
    until [ -z "$(psql_ "$admin" -c "SELECT 1 FROM pg_stat_activity WHERE datname = '$db'")" ]; do
      sleep 0.1
    done
    c1="$(pg_cpu)"
    read -r r1 b1 <<< "$(psql_ "$admin" -F ' ' -c "SELECT wal_records, wal_bytes FROM pg_stat_wal")"
    msgs="$(psql_ "$url" -c "SELECT count(*) FROM messages")"
    psql_ "$admin" -c "DROP DATABASE $db WITH (FORCE)" > /dev/null
    printf 'round %d %s: WAL %d records, %d bytes; PostgreSQL CPU %d us per message; client %s\n' \
      "$round" "$build" $(( (r1 - r0) / msgs )) $(( (b1 - b0) / msgs )) \
      $(( (c1 - c0) * 1000000 / ticks / msgs )) "${out#lifecycle CPU per message: }"
  done
done
