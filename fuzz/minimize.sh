#!/usr/bin/env bash
# Replaces the committed seed corpora with the smallest set of inputs (libFuzzer -merge=1) that
# reaches the coverage of the committed seeds plus a run's corpus, so what a long run learnt is
# kept and the repository stays small. See docs/fuzzing.md.
# Usage: fuzz/minimize.sh BUILD_DIR [TARGET...]   (the run's corpora: FUZZ_WORK/corpus/<target>,
#        FUZZ_WORK defaulting to BUILD_DIR/fuzz-work as in fuzz/run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:?usage: fuzz/minimize.sh BUILD_DIR [TARGET...]}"
shift
work="${FUZZ_WORK:-$build/fuzz-work}"
# shellcheck source=fuzz/targets.sh
. fuzz/targets.sh
for t in "${targets[@]}"; do
  merged="$(mktemp -d)"
  "$build/fuzz/fuzz_$t" -merge=1 -timeout=10 "$merged" "fuzz/corpus/$t" "$work/corpus/$t" \
    >"$work/logs/$t.merge.log" 2>&1
  rm -rf "fuzz/corpus/$t"
  mkdir -p "fuzz/corpus/$t"
  cp "$merged"/* "fuzz/corpus/$t"/
  rm -rf "$merged"
  echo "$t: $(find "fuzz/corpus/$t" -type f | wc -l) inputs, $(cat "fuzz/corpus/$t"/* | wc -c) bytes"
done
