#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, ASan + UBSan, torch-free)
# into build-fuzz/, makes each a seed corpus from real files (a small campaign
# planned, run with the noop executor, collected and exported by this build's
# own dynfault), replays fuzz/regressions/, then fuzzes every target for
# SECONDS (default 60) and prints executions, coverage and crashes per target
# (docs/reliability.md). A crash leaves its input in
# build-fuzz/fuzz-out/<target>/artifacts/ and makes the script exit 1.
#
#   scripts/fuzz.sh [SECONDS]      FUZZ_TARGETS="spec csv" to run only some
#                                  FUZZ_BUILD=DIR (default build-fuzz), DYNFAULT=binary for the seeds,
#                                  FUZZ_NO_BUILD=1 to run what is built
set -euo pipefail
seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD:-$root/build-fuzz}
targets=${FUZZ_TARGETS:-spec csv manifest plan journal batch h5 slurm}

if ! command -v clang++-14 >/dev/null; then
  echo "fuzz: clang++-14 is missing (bash scripts/install-deps.sh installs clang-14 and libclang-rt-14-dev)" >&2
  exit 1
fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
    -DDYNFAULT_WITH_TORCH=OFF -DDYNFAULT_FUZZ=ON -DDYNFAULT_BUILD_BENCH=OFF \
    $(command -v ccache >/dev/null && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache) >/dev/null
fi
# The seeds' files are made by a dynfault binary: $DYNFAULT, else the ordinary
# build's, else this build's (built here).
D=${DYNFAULT:-$root/build/cli/dynfault}
extra_target=()
[ -x "$D" ] || { D=$build/cli/dynfault; extra_target=(dynfault); }
[ -n "${FUZZ_NO_BUILD:-}" ] || nice cmake --build "$build" -j"${FUZZ_JOBS:-1}" --target fuzzers "${extra_target[@]}" >/dev/null

out=$build/fuzz-out
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
bash "$root/fuzz/make_seeds.sh" "$D" "$out/seeds"
export DYNFAULT_FUZZ_PLAN=$out/seeds/files/c/plan.json

status=0
printf '%-9s %10s %8s %8s %7s %s\n' target execs exec/s cov ft crashes >"$out/summary.txt"
for t in $targets; do
  bin=$build/fuzz/fuzz_$t
  corpus=$out/$t/corpus
  rm -rf "$corpus" && mkdir -p "$corpus" && cp "$out/seeds/$t"/* "$corpus/"
  mkdir -p "$out/$t/artifacts"
  if [ -d "$root/fuzz/regressions/$t" ]; then
    DYNFAULT_FUZZ_PLAN=$root/fuzz/regressions/journal-plan.json "$bin" -runs=0 "$root/fuzz/regressions/$t" \
      >"$out/$t/regressions.log" 2>&1 || { echo "fuzz: $t: a saved regression input fails again" >&2; status=1; }
  fi
  # libhdf5 crashes on some malformed files (its bugs, not ours: the policy
  # for them is a child process, docs/reliability.md); the h5 target keeps
  # going after one (fork mode) so its run still covers our reader.
  extra=()
  [ "$t" = h5 ] && extra=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  case $t in spec | plan | journal | slurm) extra+=(-dict="$root/fuzz/json.dict") ;; esac
  set +e
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 "${extra[@]}" \
    -artifact_prefix="$out/$t/artifacts/" "$corpus" >"$out/$t/fuzz.log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$t/fuzz.log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$out/$t/fuzz.log" | grep -o '[0-9]*$' || echo 0)
  cov=$(grep -o 'cov: [0-9]*' "$out/$t/fuzz.log" | tail -1 | grep -o '[0-9]*' || echo 0)
  ft=$(grep -o 'ft: [0-9]*' "$out/$t/fuzz.log" | tail -1 | grep -o '[0-9]*' || echo 0)
  crashes=$(find "$out/$t/artifacts" -type f | wc -l)
  note=""
  if [ "$t" = h5 ] && [ "$crashes" != 0 ]; then
    # Inputs on which libhdf5 crashes, hangs or asks for too much memory: the
    # policy must contain each (dynfault collect: one line, exit 1).
    contained=0
    for a in "$out/$t/artifacts"/*; do
      rm -f "$out/h5/probe.h5"
      set +e
      DYNFAULT_UNTRUSTED_SECONDS=5 "$D" collect "$a" --out "$out/h5/probe.h5" >/dev/null 2>"$out/h5/probe.err"
      probe_rc=$?
      set -e
      if [ "$probe_rc" = 1 ] && [ "$(wc -l <"$out/h5/probe.err")" = 1 ] && [ ! -e "$out/h5/probe.h5" ]; then
        contained=$((contained + 1))
      else
        echo "fuzz: h5: $a is not contained by dynfault collect (exit $probe_rc): $(head -c 300 "$out/h5/probe.err")" >&2
      fi
    done
    note=" (libhdf5's own; $contained of $crashes contained by collect's child-process check)"
    [ "$contained" = "$crashes" ] && rc=0 && crashes_ours=0 || crashes_ours=$crashes
  else
    crashes_ours=$crashes
  fi
  printf '%-9s %10s %8s %8s %7s %s\n' "$t" "${execs:-0}" "${rate:-0}" "${cov:-0}" "${ft:-0}" "$crashes$note" >>"$out/summary.txt"
  if [ "$rc" != 0 ] || [ "$crashes_ours" != 0 ]; then status=1; fi
done
cat "$out/summary.txt"
[ "$status" = 0 ] || echo "fuzz: crashes (inputs in $out/<target>/artifacts/); add each to fuzz/regressions/<target>/ with its fix" >&2
exit "$status"
