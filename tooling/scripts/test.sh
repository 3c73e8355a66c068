#!/usr/bin/env bash
# The whole test suite from a fresh clone: install, build, run every package's tests in one
# vitest run, and end with a plain "N passed, N failed" line. This is the README's test command
# and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1 NO_COLOR=1
PNPM=(npx -y pnpm@10.34.9)

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
  echo "Reference Redis 7.0 missing; install it with: apt-get install -y redis-server redis-tools" >&2
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools
  else
    exit 1
  fi
fi

# redis-py with client-side caching (5.1+), for client-tracking-libraries.test.ts.
if ! python3 -c "from redis.cache import CacheConfig" 2>/dev/null; then
  python3 -m pip install -q redis==8.1.0 || {
    echo "redis-py 8.1.0 could not be installed (pip install redis==8.1.0): the client-side caching interop test will fail" >&2
  }
fi

"${PNPM[@]}" install --frozen-lockfile
"${PNPM[@]}" build
mkdir -p .vitest
status=0
"${PNPM[@]}" exec vitest run --reporter=default --reporter=json --outputFile.json=.vitest/report.json "$@" || status=$?
node tooling/scripts/test-report.mjs .vitest/report.json || status=1
exit "$status"
