#!/usr/bin/env bash
# Installs the Debian 12 packages Switchboard needs to build, run and test. Idempotent; apt-get only.
# Every program the build, the tests and the benchmarks call is installed here, so the README's two
# commands work on a fresh Debian 12 (which has no make, compiler or client programs).
# Usage: scripts/setup.sh [run|test|bench]
#   run: build and serve; test: adds the PostgreSQL server, Node with npm and python3-twilio for
#   the tests that drive official SDKs, clang with its libFuzzer runtime and llvm-symbolizer for
#   the fuzz targets (fuzz/, docs/fuzzing.md), Kannel (an SMPP client of the SMPP server's tests),
#   and Chromium for the console's browser tests (the npm
#   packages, playwright-core among them: tests/sdk/package.json, installed into
#   tests/sdk/node_modules by `npm ci`);
#   bench: adds the load generator (wrk), Kannel (the peer bench/kannel.sh measures against), curl,
#   the PostgreSQL server and client, and perf (PERF_OUT profiles).
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-run}"

pkgs=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev libcurl4-openssl-dev nlohmann-json3-dev
  libsqlite3-dev libpq-dev libphonenumber-dev libprotobuf-dev libssl-dev
  libspdlog-dev libfmt-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libhowardhinnant-date-dev tzdata
  python3 python3-yaml  # docs/openapi.yaml -> /v1/openapi.json at build time
  libmagic-dev  # media sniffing
  libexpat1-dev  # TwiML answers of apps (Twilio-format forwarding)
  libsodium-dev  # console passwords (Argon2id)
)
case "$mode" in
  run) ;;
  # prometheus: promtool (metrics tests); clang, libclang-rt-14-dev, llvm-14: libFuzzer targets;
  # kannel: a real SMS gateway binding to the SMPP server (docs/smpp.md)
  test) pkgs+=(postgresql nodejs python3-twilio chromium fonts-dejavu-core prometheus
              clang libclang-rt-14-dev llvm-14 kannel) ;;
  bench) pkgs+=(postgresql postgresql-client curl wrk kannel kannel-extras linux-perf) ;;
  *) echo "usage: scripts/setup.sh [run|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Debian's npm, unless the installed Node brings its own (NodeSource's does).
if [ "$mode" = test ] && ! command -v npm >/dev/null; then missing+=(npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The SDKs' npm packages, as package-lock.json pins them (again when the lock file changes).
if [ "$mode" = test ] && { [ ! -f tests/sdk/node_modules/.package-lock.json ] ||
                           [ tests/sdk/package-lock.json -nt tests/sdk/node_modules/.package-lock.json ]; }; then
  echo "setup: npm ci in tests/sdk" >&2
  (cd tests/sdk && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
