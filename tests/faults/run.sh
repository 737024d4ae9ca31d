#!/usr/bin/env bash
# The fault campaigns' long forms, one after another (make faults); docs/reliability.md.
# Usage: tests/faults/run.sh [BUILD_DIR]
# Environment: FAULT_MINUTES (chaos, default 5), KILLS (default 50), RESTARTS (PostgreSQL restarts,
# default 8), FILLS (disk fills, default 5), FAULT_OUT (where the figures go, default
# var/faults), FAULT_ONLY (space-separated campaign names to run a subset).
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build}"
export SWITCHBOARD_BIN="${SWITCHBOARD_BIN:-$PWD/$build/switchboard}"
out="${FAULT_OUT:-var/faults}"
mkdir -p "$out"
only="${FAULT_ONLY:-kill9_restarts kill9_restarts_pg chaos_provider pg_restarts sqlite_disk_full pg_instances}"

started_pg=0
cleanup() { if [ "$started_pg" = 1 ]; then scripts/test-postgres.sh stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
if [[ " $only " == *" kill9_restarts_pg "* || " $only " == *" pg_instances "* ]] &&
  [ -z "${SWITCHBOARD_TEST_PG_URL:-}" ]; then
  if ! SWITCHBOARD_TEST_PG_URL="$(scripts/test-postgres.sh url 2>/dev/null)"; then
    SWITCHBOARD_TEST_PG_URL="$(scripts/test-postgres.sh start)"
    started_pg=1
  fi
  export SWITCHBOARD_TEST_PG_URL
fi

failed=()
for c in $only; do
  echo "== $c"
  start=$SECONDS
  case "$c" in
    kill9_restarts_pg) cmd=(tests/faults/kill9_restarts.py --long --backend postgres) ;;
    *) cmd=("tests/faults/$c.py" --long) ;;
  esac
  if "${cmd[@]}" --json "$out/$c.json" 2>&1 | tee "$out/$c.log"; then
    echo "== $c passed in $((SECONDS - start)) s (figures: $out/$c.json)"
  else
    echo "== $c FAILED after $((SECONDS - start)) s (log: $out/$c.log)"
    failed+=("$c")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fault campaigns failed: ${failed[*]}" >&2
  exit 1
fi
echo "all fault campaigns passed"
