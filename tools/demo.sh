#!/usr/bin/env bash
# tools/demo.sh — from a fresh Debian 12 machine to a first result:
# installs what is missing (apt), builds, installs into ./_install,
# shows what this machine offers (trueno-info), and runs a first program
# on real values (examples/first-steps).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/setup.sh"
trueno_setup

build=${TRUENO_BUILD_DIR:-$root/build}/release
prefix=$root/_install
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$build" -j "$(nproc)"
cmake --install "$build" >/dev/null

echo
echo "== trueno-info: what this machine offers"
"$prefix/bin/trueno-info"
echo
echo "== trueno-first-steps: 1991-2020 monthly mean temperatures of three cities"
"$prefix/bin/trueno-first-steps"
echo
echo "Installed into $prefix (bin/, lib/, include/). Try: TRUENO_LOG=dispatch $prefix/bin/trueno-first-steps"
