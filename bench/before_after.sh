#!/usr/bin/env bash
# Two builds of dynfault side by side, in the same conditions: the `quick` set at
# reduced scale (each program's runs alternate between the builds; median per
# program and the total of the medians) and, with BA_ESTIMATE=1, the full-scale
# `campaign plan --estimate` of the paper plan (dynfault38, its per-program probe
# split, 20 repeats) from each build, each with its own fresh cost cache.
#
# Usage: bench/before_after.sh BEFORE_DYNFAULT AFTER_DYNFAULT [REPEATS]
#   BEFORE_DYNFAULT, AFTER_DYNFAULT  dynfault binaries of the two builds (each
#                                    loads the runner library of its own build tree)
#   REPEATS                          runs per program and build (default 5)
# Env: BA_PROGRAMS (default: programs/sets/quick.json's), BA_SCALE (default
#      reduced), BA_PROBES (default cf,of: `dynfault run`'s), BA_ESTIMATE=1,
#      BA_CALIBRATION_TIMEOUT (the estimate's --calibration-timeout, default 300).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 2 ] || { sed -n '2,13p' "$0" >&2; exit 2; }
before=$1 after=$2 repeats=${3:-5}
for b in "$before" "$after"; do [ -x "$b" ] || { echo "before_after: no dynfault binary at $b" >&2; exit 2; }; done
[[ "$repeats" =~ ^[1-9][0-9]*$ ]] || { echo "before_after: REPEATS must be a positive integer, got '$repeats'" >&2; exit 2; }
programs=${BA_PROGRAMS:-$(/usr/bin/python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["programs"]))' "$root/programs/sets/quick.json")}
scale=${BA_SCALE:-reduced}
probes=${BA_PROBES:-cf,of}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

bench_name=before_after
# shellcheck source=bench/timing.sh
source "$root/bench/timing.sh"

echo "quick set: median wall seconds of $repeats alternating whole-process runs, scale $scale, probes $probes, 1 thread"
printf '%-9s %10s %10s %8s\n' program before_s after_s ratio
total_before=0 total_after=0
for program in $programs; do
  cmd() { "$1" run --program "$program" --scale "$scale" --probes "$probes" --seed 1 --threads 1 --out "$work/t.h5"; }
  wall cmd "$before" >/dev/null
  wall cmd "$after" >/dev/null
  b=() a=()
  for ((r = 0; r < repeats; ++r)); do
    b+=("$(wall cmd "$before")")
    a+=("$(wall cmd "$after")")
  done
  mb=$(median "${b[@]}") ma=$(median "${a[@]}")
  total_before=$(echo "$total_before + $mb" | bc -l) total_after=$(echo "$total_after + $ma" | bc -l)
  printf '%-9s %10.3f %10.3f %7.2fx\n' "$program" "$mb" "$ma" "$(echo "$mb / $ma" | bc -l)"
done
printf '%-9s %10.3f %10.3f %7.2fx\n' total "$total_before" "$total_after" "$(echo "$total_before / $total_after" | bc -l)"

if [ "${BA_ESTIMATE:-0}" = 1 ]; then
  keep=${BA_KEEP:-}  # a folder to keep both estimates' full output in
  echo "paper plan at full scale, --estimate (fresh cost cache per build):"
  for side in before after; do
    bin=$before
    if [ $side = after ]; then bin=$after; fi
    (cd "$root" && "$bin" campaign plan --set dynfault38 --probes-by-program programs/profiles/dynfault38-paper.json \
      --scale full --repeats 20 --estimate --cost-cache "$work/$side-cost.json" \
      --calibration-timeout "${BA_CALIBRATION_TIMEOUT:-300}") >"$work/$side-estimate.txt" 2>"$work/$side-estimate.err" ||
      { echo "before_after: $side estimate failed" >&2; cat "$work/$side-estimate.err" >&2; exit 1; }
    echo "--- $side ($bin)"
    cat "$work/$side-estimate.txt"
    if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$work/$side-estimate.txt" "$work/$side-estimate.err" "$keep/"; fi
  done
fi
