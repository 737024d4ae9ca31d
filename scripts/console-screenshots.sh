#!/usr/bin/env bash
# Photographs every console screen at 1280x800 and 375x812 into docs/console/ (docs/console.md):
# starts the built gateway on SQLite with the simulated carrier, fills it with a clinic's day of
# messages, and drives Chromium through each screen (tests/console/console_pages.js).
# Usage: scripts/console-screenshots.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
scripts/setup.sh test
cmake --build "$build" --target switchboard >/dev/null
NODE_PATH="$PWD/tests/sdk/node_modules" node tests/console/console_pages.js screenshots "$build" docs/console
