#!/usr/bin/env bash
# Installs test dependencies, checks the include layering, builds, starts a private PostgreSQL,
# runs every test with ctest, then the fuzz targets briefly (clang, ASan+UBSan, in build-fuzz
# beside BUILD_DIR: FUZZ_SECONDS each, two at a time; FUZZ_SECONDS=0 skips them).
# Usage: scripts/run-tests.sh BUILD_DIR BUILD_TYPE [extra cmake args...]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
type="${2:-Release}"
shift $(( $# >= 2 ? 2 : $# ))

scripts/setup.sh test
scripts/check-layering.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"

started_pg=0
if [ -z "${SWITCHBOARD_TEST_PG_URL:-}" ]; then
  if ! SWITCHBOARD_TEST_PG_URL="$(scripts/test-postgres.sh url 2>/dev/null)"; then
    SWITCHBOARD_TEST_PG_URL="$(scripts/test-postgres.sh start)"
    started_pg=1
  fi
fi
export SWITCHBOARD_TEST_PG_URL
export SWITCHBOARD_REQUIRE_PG=1
cleanup() { if [ "$started_pg" = 1 ]; then scripts/test-postgres.sh stop >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT

echo "tests: PostgreSQL at $SWITCHBOARD_TEST_PG_URL"
ctest --test-dir "$build" --output-on-failure -j 2 --timeout 300

# The fuzz targets' short form: every target over its committed corpus and regression inputs,
# then FUZZ_SECONDS of fuzzing (docs/fuzzing.md); a crash fails the run.
fuzz_seconds="${FUZZ_SECONDS:-10}"
if [ "$fuzz_seconds" != 0 ]; then
  fuzz_build="$(dirname "$build")/build-fuzz"
  rm -rf "$fuzz_build/fuzz-smoke"
  FUZZ_SECONDS="$fuzz_seconds" FUZZ_JOBS=2 FUZZ_WORK="$fuzz_build/fuzz-smoke" \
    fuzz/run.sh "$fuzz_build"
fi
