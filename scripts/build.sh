#!/usr/bin/env bash
# Compiles src/ to dist/ (plain JavaScript plus the data files the code
# reads), so orca starts without loading a TypeScript stripper into each of
# its threads: that costs about 40 MB of memory per process.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
rm -rf dist.tmp
node_modules/.bin/tsc -p tsconfig.build.json --noCheck --outDir dist.tmp
(cd src && find . -type f ! -name '*.ts' -exec cp --parents {} ../dist.tmp/ \;)
touch dist.tmp/.built
rm -rf dist && mv dist.tmp dist
