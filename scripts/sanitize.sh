#!/usr/bin/env bash
# ASan + UBSan build of every torch-free library and its tests (clang-14,
# -DDYNFAULT_SANITIZE=ON, build-asan/), then ctest there. Leaks are reported
# too (LeakSanitizer); the last result is recorded in docs/reliability.md.
#
#   scripts/sanitize.sh [ctest options...]     SANITIZE_BUILD=DIR (default: build-fuzz if it exists, else build-asan)
#
# Tests that grow many random forests are left out by default (SANITIZE_EXCLUDE, a ctest -E
# regex; set it empty to run them): OpenCV's RTrees is not instrumented and allocates large
# per-node buffers, which ASan's allocator serves by mmap each time, so they run 50-100x slower
# (the RandomForest unit test alone took over 25 minutes). Deep4ge.PeersRun... still grows the
# peers' forests under the sanitizers (about 10 minutes). docs/reliability.md has the last result.
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
# tests/integration/bad_input_battery.sh sends the reports ASan makes inside libhdf5 (hostile files) to logs.
export DYNFAULT_SANITIZED=1
exclude=${SANITIZE_EXCLUDE-RandomForest|ReportTest|evaluate_mpi_rank_identity|report_browser}
# Tests that start MPI ranks run without LeakSanitizer: Open MPI dlclose()s its components at
# MPI_Finalize, so their one-time allocations show as leaks from unknown modules that no
# suppression can name. ASan and UBSan still check them.
mpi='CampaignMpi|SlurmCampaignScript|slurm.local_cluster'
cd "$build"
status=0
ctest --output-on-failure --timeout 1200 -E "${exclude:+$exclude|}$mpi" "$@" || status=$?
ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 ctest --output-on-failure --timeout 1200 -R "$mpi" ${exclude:+-E "$exclude"} "$@" ||
  status=$?
exit "$status"
