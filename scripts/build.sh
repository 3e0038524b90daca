#!/usr/bin/env bash
# Compiles src/ to dist/ (plain JavaScript plus the data files the code
# reads), so orca starts without loading a TypeScript stripper into each of
# its threads: that costs about 40 MB of memory per process. The one C
# program, the attach relay (src/runtime/oci/attach-relay.c), is built beside
# the module that runs it.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
rm -rf dist.tmp
node_modules/.bin/tsc -p tsconfig.build.json --noCheck --outDir dist.tmp
(cd src && find . -type f ! -name '*.ts' ! -name '*.c' -exec cp --parents {} ../dist.tmp/ \;)
gcc -O2 -Wall -Wextra -Werror -o dist.tmp/runtime/oci/orca-attach-relay src/runtime/oci/attach-relay.c
touch dist.tmp/.built
rm -rf dist && mv dist.tmp dist
