#!/usr/bin/env bash
# The whole test suite: sets everything up, type-checks, lints, then runs the
# unit and integration tests on Node 24's test runner.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"

echo "== type check"
tsc --noEmit
echo "== lint and format"
biome check .
echo "== tests"
files=$(ls test/unit/*.test.ts test/integration/*.test.ts 2>/dev/null)
# shellcheck disable=SC2086
exec node --disable-warning=ExperimentalWarning --test --test-concurrency="${TEST_CONCURRENCY:-2}" --test-timeout=300000 $files
