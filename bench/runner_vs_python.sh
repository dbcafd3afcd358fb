#!/usr/bin/env bash
# dynfault's runner against the same program and loop in eager python3-torch
# (bench/python_reference/<program>.py), whole processes, side by side.
#
# For each program and probe setting, the two commands alternate REPEATS times
# (after one warm-up each, so both find their shared libraries in the page
# cache); the script prints the median wall time of each and their ratio.
# Both run with one thread. Whole-process times include start-up: LibTorch's
# load for dynfault (its 288 shared libraries), `import torch` for python. The
# "loop" columns are each side's own timing of data, model and training without
# the start-up (the trace's wall_seconds; the script's "seconds"): what a task
# of a campaign costs, whose workers load the runner once.
#
# Usage: bench/runner_vs_python.sh [DYNFAULT] [REPEATS]
#   DYNFAULT  the dynfault binary (default build/cli/dynfault)
#   REPEATS   runs of each command (default 5)
# Env: RVP_PROGRAMS (default "64151679 73148058"), RVP_PROBES
#      (default "none cf"), RVP_SCALE (default full), RVP_SEED (default 1),
#      RVP_EXTRA (extra `dynfault run` options, e.g. "--hvp-vectors 2"),
#      RVP_K, RVP_P (CF's --hvp-vectors and --probe-batch, on both sides;
#      default: each side's default, which agree),
#      RVP_EPOCHS (train at most this many epochs on both sides: a spec copy
#      with fewer epochs for dynfault, --max-epochs for python; for the CNN
#      50079585, whose 50 full-scale epochs take hours).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dynfault=${1:-$root/build/cli/dynfault}
repeats=${2:-5}
[ -x "$dynfault" ] || { echo "runner_vs_python: no dynfault binary at $dynfault" >&2; exit 2; }
[[ "$repeats" =~ ^[1-9][0-9]*$ ]] || { echo "runner_vs_python: REPEATS must be a positive integer, got '$repeats'" >&2; exit 2; }
/usr/bin/python3 -c 'import torch' 2>/dev/null ||
  { echo "runner_vs_python: /usr/bin/python3 has no torch (apt-get install python3-torch)" >&2; exit 2; }
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
scale=${RVP_SCALE:-full}
seed=${RVP_SEED:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

bench_name=runner_vs_python
# shellcheck source=bench/timing.sh
source "$root/bench/timing.sh"

printf '%-9s %-5s %12s %12s %8s   %12s %12s %8s\n' program probes dynfault_s python_s ratio loop_dynfault loop_python ratio
for program in ${RVP_PROGRAMS:-64151679 73148058}; do
  script="$root/bench/python_reference/$program.py"
  [ -f "$script" ] || { echo "runner_vs_python: no python reference $script" >&2; exit 2; }
  program_args=(--program "$program") epoch_args=() cf_args=()
  if [ -n "${RVP_K:-}" ]; then cf_args+=(--hvp-vectors "$RVP_K"); fi
  if [ -n "${RVP_P:-}" ]; then cf_args+=(--probe-batch "$RVP_P"); fi
  if [ -n "${RVP_EPOCHS:-}" ]; then
    [[ "$RVP_EPOCHS" =~ ^[1-9][0-9]*$ ]] || { echo "runner_vs_python: RVP_EPOCHS must be a positive integer, got '$RVP_EPOCHS'" >&2; exit 2; }
    /usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["epochs"] = min(d["epochs"], int(sys.argv[2])); json.dump(d, open(sys.argv[3], "w"))' \
      "$root/programs/specs/$program.json" "$RVP_EPOCHS" "$work/$program.json"
    program_args=(--spec "$work/$program.json") epoch_args=(--max-epochs "$RVP_EPOCHS")
  fi
  for probes in ${RVP_PROBES:-none cf}; do
    # shellcheck disable=SC2206
    ours_cmd=("$dynfault" run "${program_args[@]}" --scale "$scale" --probes "$probes" --seed "$seed"
              --threads 1 --out "$work/trace.h5" "${cf_args[@]}" ${RVP_EXTRA:-})
    theirs_cmd=(/usr/bin/python3 "$script" --scale "$scale" --probes "$probes" --seed "$seed" "${epoch_args[@]}" "${cf_args[@]}")
    wall "${ours_cmd[@]}" >/dev/null
    wall "${theirs_cmd[@]}" >/dev/null
    ours=() theirs=() ours_loop=() theirs_loop=()
    for ((r = 0; r < repeats; ++r)); do
      ours+=("$(wall "${ours_cmd[@]}")")
      ours_loop+=("$(sed -n 's/.* \([0-9.]*\) s -> .*/\1/p' "$work/log")")  # "<program>: ok, N epochs, S s -> FILE"
      theirs+=("$(wall "${theirs_cmd[@]}")")
      theirs_loop+=("$(awk '$1 == "seconds" {print $2}' "$work/log")")
    done
    mo=$(median "${ours[@]}") mt=$(median "${theirs[@]}")
    lo=$(median "${ours_loop[@]}") lt=$(median "${theirs_loop[@]}")
    printf '%-9s %-5s %12.3f %12.3f %7.2fx   %12.3f %12.3f %7.2fx\n' "$program" "$probes" "$mo" "$mt" \
      "$(echo "$mt / $mo" | bc -l)" "$lo" "$lt" "$(echo "$lt / $lo" | bc -l)"
  done
done
