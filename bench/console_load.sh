#!/usr/bin/env bash
# The console's first load: CONVERSATIONS (10000) conversations in a SQLite database, then a cold
# load of the console in Chromium (cache disabled, signed in): bytes transferred (scripts, styles,
# API answers and live-event frames) and the time from navigation until the inbox is usable (the
# conversation list drawn and the live-events socket open); median of 5 loads.
# Targets (issue): <= 200 KB and <= 1 s on this machine. Usage: bench/console_load.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
scripts/setup.sh test
NODE_PATH="$PWD/tests/sdk/node_modules" node tests/console/console_pages.js load "$build" "${CONVERSATIONS:-10000}"
