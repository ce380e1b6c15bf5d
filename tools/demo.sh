#!/usr/bin/env bash
# tools/demo.sh — from a fresh Debian 12 machine to a first result:
# installs what is missing (apt), builds, installs into ./_install,
# shows what this machine offers (trueno-info), and runs the main job on real
# data: Fashion-MNIST nearest-neighbour classification (examples/fashion-knn),
# which writes a gallery PNG.
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
echo "== trueno-fashion-knn: 10,000 Fashion-MNIST test images classified by their nearest of 60,000 training images"
gallery=$root/fashion-knn-gallery.png
"$prefix/bin/trueno-fashion-knn" --gallery "$gallery"
echo
echo "The gallery (test images, each with its nearest training images) is $gallery"
echo "Installed into $prefix (bin/, lib/, include/). Try: $prefix/bin/trueno-fashion-knn --k 5 --weights distance,"
echo "or a smaller first program: $prefix/bin/trueno-first-steps"
