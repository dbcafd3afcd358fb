#!/usr/bin/env bash
# Start time (median of N runs) and peak RSS of dynfault commands that do not
# train: the binary links no LibTorch (docs/run.md), target < 50 ms, < 30 MB.
# Usage: bench/startup.sh DYNFAULT [CORPUS]
#   DYNFAULT  the binary to measure (e.g. build/cli/dynfault)
#   CORPUS    corpus for `collect --summary` (default: a small synthetic one
#             from the build's tests/evaluate/evaluate_synthetic_corpus)
# Env: BENCH_RUNS (11)
set -euo pipefail
dynfault=$(realpath "$1")
corpus=${2:-}
runs=${BENCH_RUNS:-11}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -z "$corpus" ]; then
  maker=$(dirname "$dynfault")/../tests/evaluate/evaluate_synthetic_corpus
  [ -x "$maker" ] || { echo "startup: give a CORPUS or build evaluate_synthetic_corpus ($maker)" >&2; exit 2; }
  corpus=$work/corpus.h5
  "$maker" "$corpus" > /dev/null
fi
# os.wait4 gives each child's own peak RSS; the clock brackets fork to exit.
/usr/bin/python3 - "$runs" "$dynfault" "$corpus" <<'PY'
import os, statistics, subprocess, sys, time
runs, exe, corpus = int(sys.argv[1]), sys.argv[2], sys.argv[3]
commands = [["programs", "list"], ["mutate", "--list"], ["collect", "--summary", corpus], ["evaluate", "rq1", "--help"]]
print(f"{exe}  ({runs} runs each)")
print(f"{'command':<40} {'median ms':>10} {'peak RSS MB':>12}")
for args in commands:
    times, rss = [], []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.Popen([exe] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        times.append((time.perf_counter() - start) * 1e3)
        rss.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"startup: {' '.join(args)} failed: {p.stderr.read().decode().strip()}")
    label = " ".join(a if a != corpus else "CORPUS" for a in args)
    print(f"{label:<40} {statistics.median(times):>10.1f} {max(rss):>12.1f}")
PY
