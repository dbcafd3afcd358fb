#!/usr/bin/env bash
# The reference regeneration: a DynFault-shaped corpus of the dynfault38 programs on one
# workstation (docs/regeneration.md). It installs what is missing and builds, then
#   1. plans dynfault38 with the paper's CF/OF split (programs/profiles/dynfault38-paper.json) at
#      `tiny` scale (64 training / 32 validation samples, the programs' full epochs), R repeats of
#      every original and mutant, at most M mutants per program spread over fault categories, and
#      without the heavy programs (listed with their cost in docs/regeneration.md);
#   2. runs it under mpirun on this machine's cores. Resumable: re-running this script continues
#      where an interrupted run stopped (the journal keeps every finished trace);
#   3. collects the corpus and prints its composition (Table II);
#   4. evaluates it (RQ1, RQ2, RQ3, peers: the defaults, killed mutants labelled by category) and
#      writes the report.
# Results: ${DYNFAULT_OUT:-out/regeneration}/{campaign,corpus.h5,results,report/index.html}.
#
# Environment: DYNFAULT_REPEATS (default 4), DYNFAULT_MAX_MUTANTS (5), DYNFAULT_SCALE (tiny),
# DYNFAULT_EXCLUDE (the heavy programs), DYNFAULT_RANKS (cores + 1), DYNFAULT_TASK_TIMEOUT (600 s),
# DYNFAULT_BIN (a built dynfault: skips install and build, e.g. on a cluster node).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${DYNFAULT_OUT:-$root/out/regeneration}
repeats=${DYNFAULT_REPEATS:-4}
max_mutants=${DYNFAULT_MAX_MUTANTS:-5}
scale=${DYNFAULT_SCALE:-tiny}
# Too heavy for a workstation even at tiny scale (docs/run.md, "Checks of the whole zoo").
exclude=${DYNFAULT_EXCLUDE-37624102,70848143,73146829}
ranks=${DYNFAULT_RANKS:-$(( $(nproc) + 1 ))}  # one worker per core + the master, which sleeps while it waits
timeout=${DYNFAULT_TASK_TIMEOUT:-600}

if [ -n "${DYNFAULT_BIN:-}" ]; then
  dynfault=$DYNFAULT_BIN
else
  bash "$root/scripts/install-deps.sh"
  bash "$root/scripts/build.sh"
  dynfault="${DYNFAULT_BUILD_DIR:-$root/build}/cli/dynfault"
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$out"

if [ ! -f "$out/campaign/plan.json" ]; then
  "$dynfault" campaign plan --set dynfault38 ${exclude:+--exclude "$exclude"} \
    --probes-by-program "$root/programs/profiles/dynfault38-paper.json" --scale "$scale" \
    --repeats "$repeats" --max-mutants "$max_mutants" --seed 1 --out "$out/campaign" --force
fi
start=$(date +%s)
mpirun --oversubscribe -np "$ranks" "$dynfault" campaign run "$out/campaign" --task-timeout "$timeout"
echo "regeneration: campaign finished in $(( $(date +%s) - start )) s (this invocation)"
"$dynfault" campaign status "$out/campaign" | tail -n 5
"$dynfault" collect "$out/campaign" --out "$out/corpus.h5"
"$dynfault" collect --summary "$out/corpus.h5"
rm -rf "$out/results"
mpirun --oversubscribe -np "$ranks" "$dynfault" evaluate all "$out/corpus.h5" --out "$out/results"
"$dynfault" report "$out/corpus.h5" --results "$out/results" --out "$out/report"
echo "regeneration: corpus $out/corpus.h5, results $out/results, report $out/report/index.html"
