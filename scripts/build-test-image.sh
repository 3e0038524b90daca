#!/usr/bin/env bash
# Builds orca's busybox test image without network access:
#   scripts/build-test-image.sh OUT.tar [REF] [--format docker|oci] [--compression none|gzip|zstd]
# REF defaults to docker.io/library/busybox:latest; the format to docker-archive.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)"
if ! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed'; then
  echo "build-test-image: installing busybox-static" >&2
  apt-get install -y busybox-static >&2 || { apt-get update >&2 && apt-get install -y busybox-static >&2; }
fi
exec "$here/node_modules/.bin/node" --disable-warning=ExperimentalWarning "$here/scripts/build-test-image.ts" "$@"
