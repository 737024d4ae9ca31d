#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each on a copy of its committed corpus
# (fuzz/corpus/<target>) plus its committed regression inputs (fuzz/regressions/<target>), then
# prints a summary: executions, coverage (cov: edges, ft: features), corpus size, crash files.
# See docs/fuzzing.md.
# Usage: fuzz/run.sh BUILD_DIR [TARGET...]      (no TARGET: every target)
# Environment:
#   FUZZ_SECONDS  seconds per target (default 180)
#   FUZZ_RUNS     executions per target instead of a time (libFuzzer -runs)
#   FUZZ_JOBS     targets run at once (default 1)
#   FUZZ_WORK     where the corpus copies, logs and crash files go (default BUILD_DIR/fuzz-work);
#                 a corpus copy already there is kept and grows from run to run
#   FUZZ_FLAGS    extra libFuzzer flags
# Exit status: 0 when no target crashed, 1 otherwise (crash inputs stay under FUZZ_WORK/crashes).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: fuzz/run.sh BUILD_DIR [TARGET...]}"
shift
seconds="${FUZZ_SECONDS:-180}"
jobs="${FUZZ_JOBS:-1}"
work="${FUZZ_WORK:-$build/fuzz-work}"

# shellcheck source=fuzz/targets.sh
. fuzz/targets.sh

started=$(date +%s)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
      -DSWITCHBOARD_FUZZ=ON >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target fuzzers
echo "fuzz: targets built in $(( $(date +%s) - started )) s"

mkdir -p "$work/logs"
# Readable stacks; a UBSan report is fatal (the build also says -fno-sanitize-recover).
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run_one() {
  local t="$1" corpus="$work/corpus/$1" crashes="$work/crashes/$1/"
  mkdir -p "$corpus" "$crashes"
  cp -n fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  local args=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -print_funcs=0 -artifact_prefix="$crashes")
  if [ -n "${FUZZ_RUNS:-}" ]; then args+=(-runs="$FUZZ_RUNS"); else args+=(-max_total_time="$seconds"); fi
  [ -f "fuzz/dict/$t.dict" ] && args+=(-dict="fuzz/dict/$t.dict")
  local dirs=("$corpus")
  [ -d "fuzz/regressions/$t" ] && dirs+=("fuzz/regressions/$t")
  # shellcheck disable=SC2086
  if "$build/fuzz/fuzz_$t" "${args[@]}" ${FUZZ_FLAGS:-} "${dirs[@]}" >"$work/logs/$t.log" 2>&1; then
    echo 0 >"$work/logs/$t.rc"
  else
    echo $? >"$work/logs/$t.rc"
  fi
}

running=0
for t in "${targets[@]}"; do
  [ -x "$build/fuzz/fuzz_$t" ] || { echo "fuzz: no target $t" >&2; exit 2; }
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

status=0
printf '%-20s %12s %9s %8s %8s %7s %s\n' target execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
  log="$work/logs/$t.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  cov=$(sed -E 's/.*cov: ([0-9]+).*/\1/' <<<"$last")
  ft=$(sed -E 's/.*ft: ([0-9]+).*/\1/' <<<"$last")
  corpus=$(find "$work/corpus/$t" -type f | wc -l)
  crashes=$(find "$work/crashes/$t" -type f | wc -l)
  rc=$(cat "$work/logs/$t.rc" 2>/dev/null || echo 1)
  result=ok
  if [ "$rc" != 0 ] || [ "$crashes" -gt 0 ]; then
    result="FAILED (exit $rc, $crashes crash file(s) in $work/crashes/$t, log $log)"
    status=1
  fi
  printf '%-20s %12s %9s %8s %8s %7s %s\n' "$t" "${execs:-?}" "${speed:-?}" "${cov:-?}" \
         "${ft:-?}" "$corpus" "$result"
done
echo "fuzz: done in $(( $(date +%s) - started )) s"
exit "$status"
