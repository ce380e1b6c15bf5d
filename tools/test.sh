#!/usr/bin/env bash
# tools/test.sh — set up a Debian 12 machine and run the whole test suite.
#
# 1. installs missing build/test dependencies with apt (tools/setup.sh)
# 2. builds and runs every test (ctest) with warnings as errors
# 3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer
#    (halt on error, leak detection on) and runs every test again
#
# TRUENO_BUILD_DIR (default build/) holds the builds; re-running is cheap.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/setup.sh"
trueno_setup

build=${TRUENO_BUILD_DIR:-$root/build}
jobs=$(nproc)

echo "== build and test ($build/release)"
cmake -S "$root" -B "$build/release" -G Ninja -DTRUENO_WERROR=ON >/dev/null
cmake --build "$build/release" -j "$jobs"
ctest --test-dir "$build/release" --output-on-failure -j "$jobs"

echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer ($build/asan)"
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
cmake -S "$root" -B "$build/asan" -G Ninja -DTRUENO_WERROR=ON -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" -DCMAKE_SHARED_LINKER_FLAGS="$san" \
      -DCMAKE_MODULE_LINKER_FLAGS="$san" >/dev/null
cmake --build "$build/asan" -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir "$build/asan" --output-on-failure -j "$jobs"
