# A private PostgreSQL for a benchmark (sourced by bench/scaleout.sh and bench/store_pg.sh):
# scripts/test-postgres.sh in a directory of the run's own, so nothing else runs on that server
# and its processes' CPU is the benchmark's alone. Needs cpu_of (bench/kannel_lib.sh).

# Starts it under DIR/pg; sets pgdir, admin (its admin URL) and postmaster (its pid).
# Usage: pg_private_start DIR   env: PG_PORTS (port range, default 55600-55700)
pg_private_start() {
  pgdir="$1/pg"
  admin="$(SWITCHBOARD_PG_DIR="$pgdir" SWITCHBOARD_PG_PORTS="${PG_PORTS:-55600-55700}" scripts/test-postgres.sh start)"
  postmaster="$(head -n 1 "$pgdir/data/postmaster.pid")"
  echo "== PostgreSQL (private): $admin, postmaster $postmaster" >&2
}

pg_private_stop() {
  SWITCHBOARD_PG_DIR="$pgdir" scripts/test-postgres.sh stop > /dev/null 2>&1 || true
}

psql_() { psql -X -q -At "$@"; }

# CPU ticks of the PostgreSQL server: the postmaster, its live children, and those it reaped.
pg_cpu() {
  local t c v
  t="$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat")"
  for c in $(ps -o pid= --ppid "$postmaster"); do
    v="$(cpu_of "$c" 2> /dev/null)" || v=0
    t=$(( t + ${v:-0} ))
  done
  echo "$t"
}
