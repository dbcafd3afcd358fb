#!/usr/bin/env bash
# Runner benchmarks: probe overhead (CF, OF, both vs none) for one FFNN, one
# RNN and one CNN program, and dynfault vs the python3-torch reference on the
# FFNN program. Ratios are measured side by side in one process run.
# Usage: bench/run-benchmarks.sh [extra probe_overhead options, e.g. --repeats 7]
# Env:   DYNFAULT_BUILD_DIR (default build/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DYNFAULT_BUILD_DIR:-$root/build}
bench="$build/bench/probe_overhead"
[ -x "$bench" ] || { echo "run-benchmarks: build the probe_overhead target first ($bench)" >&2; exit 2; }
export OPENBLAS_NUM_THREADS=1
python_args=()
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  python_args=(--python "$root/bench/python_reference/31556268.py")
else
  echo "run-benchmarks: /usr/bin/python3 has no torch (apt-get install python3-torch); skipping the python reference" >&2
fi
"$bench" --zoo "$root/programs" "${python_args[@]}" "$@"
