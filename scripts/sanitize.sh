#!/usr/bin/env bash
# ASan + UBSan build of every torch-free library and its tests (clang-14,
# -DDYNFAULT_SANITIZE=ON, build-asan/), then ctest there. Leaks are reported
# too (LeakSanitizer); the last result is recorded in docs/reliability.md.
#
#   scripts/sanitize.sh [ctest options...]     SANITIZE_BUILD=DIR (default: build-fuzz if it exists, else build-asan)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# build-fuzz (scripts/fuzz.sh) has the same sanitizers (plus coverage
# instrumentation): reuse it if it exists rather than build everything twice.
if [ -z "${SANITIZE_BUILD:-}" ] && [ -f "$root/build-fuzz/CMakeCache.txt" ]; then SANITIZE_BUILD=$root/build-fuzz; fi
build=${SANITIZE_BUILD:-$root/build-asan}
if ! command -v clang++-14 >/dev/null; then
  echo "sanitize: clang++-14 is missing (bash scripts/install-deps.sh installs it)" >&2
  exit 1
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DDYNFAULT_WITH_TORCH=OFF -DDYNFAULT_SANITIZE=ON -DDYNFAULT_BUILD_BENCH=OFF \
    $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null
fi
nice cmake --build "$build" -j"${SANITIZE_JOBS:-1}"
# halt_on_error: the first report fails the test that caused it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# Open MPI's own allocations at start-up are not ours.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$root/scripts/lsan.supp:print_suppressions=0}
cd "$build" && ctest --output-on-failure "$@"
