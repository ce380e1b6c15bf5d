#!/usr/bin/env bash
# tools/test.sh — set up a Debian 12 machine and run the whole test suite.
#
# 1. installs missing build/test dependencies with apt (tools/setup.sh)
# 2. builds with ThreadSanitizer and runs the multi-threaded tests
# 3. builds with AddressSanitizer + UndefinedBehaviorSanitizer (halt on
#    error, leak detection on) and runs every test
# 4. builds the libFuzzer targets (clang, ASan+UBSan) and runs each for
#    TRUENO_FUZZ_SECONDS (60) from tests/fuzz/corpus; a crash fails the run
# 5. builds the release configuration with warnings as errors and runs
#    every test (last, so ctest's closing line counts the whole suite)
#
# TRUENO_BUILD_DIR (default build/) holds the builds; re-running is cheap.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tools/setup.sh"
trueno_setup

build=${TRUENO_BUILD_DIR:-$root/build}
jobs=$(nproc)

# configure NAME FLAGS BUILD_TYPE: a build tree under $build/NAME
configure() {
    cmake -S "$root" -B "$build/$1" -G Ninja -DTRUENO_WERROR=ON -DCMAKE_BUILD_TYPE="$3" \
          -DCMAKE_C_FLAGS="$2" -DCMAKE_EXE_LINKER_FLAGS="$2" -DCMAKE_SHARED_LINKER_FLAGS="$2" \
          -DCMAKE_MODULE_LINKER_FLAGS="$2" >/dev/null
    cmake --build "$build/$1" -j "$jobs"
}

echo "== concurrency tests under ThreadSanitizer ($build/tsan)"
configure tsan "-fsanitize=thread" RelWithDebInfo
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest --test-dir "$build/tsan" --output-on-failure -j "$jobs" \
          -R '^(threads|dispatch|loader|ops_reference)$'

echo "== every test under AddressSanitizer + UndefinedBehaviorSanitizer ($build/asan)"
configure asan "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" Debug
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ctest --test-dir "$build/asan" --output-on-failure -j "$jobs"

echo "== fuzzing, ${TRUENO_FUZZ_SECONDS:-60} s per target ($build/fuzz)"
fsan="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
CC=clang cmake -S "$root" -B "$build/fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRUENO_FUZZ=ON \
      -DCMAKE_C_FLAGS="$fsan -fsanitize=fuzzer-no-link" -DCMAKE_EXE_LINKER_FLAGS="$fsan" \
      -DCMAKE_SHARED_LINKER_FLAGS="$fsan" >/dev/null
cmake --build "$build/fuzz" -j "$jobs" --target fuzz_npy fuzz_views fuzz_op_run
for target in npy views op_run; do
    work="$build/fuzz/run-$target"
    rm -rf "$work" && mkdir -p "$work/corpus" && cp "$root/tests/fuzz/corpus/$target/"* "$work/corpus/"
    if ! (cd "$work" && "$build/fuzz/bin/fuzz_$target" -max_total_time="${TRUENO_FUZZ_SECONDS:-60}" \
            -print_final_stats=1 corpus > log 2>&1); then
        tail -40 "$work/log"
        echo "fuzz_$target found a crash: the input is in $work (add it to tests/fuzz/corpus/$target)"
        exit 1
    fi
    echo "fuzz_$target: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | grep -o '[0-9]*$') executions, no crash"
done

echo "== every test, release build ($build/release)"
configure release "" RelWithDebInfo
ctest --test-dir "$build/release" --output-on-failure -j "$jobs"
