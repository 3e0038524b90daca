#!/usr/bin/env bash
# Installs everything orca and its tests need on a Debian machine: OS packages
# (apt, only those missing; gcc builds the attach relay) and the npm
# dependencies, including Node.js 24 from the npm package `node`. Safe to run
# again.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

packages=(runc conmon catatonit containernetworking-plugins iproute2 iptables nftables
  busybox-static etcd-server docker-registry skopeo tmux util-linux
  gcc libc6-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing OS packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "setup: run as root (apt-get install needs it)" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (Node.js 24 comes with them)"
  npm install --no-audit --no-fund --loglevel=error
fi
echo "setup: ready ($(node_modules/.bin/node --version))"
