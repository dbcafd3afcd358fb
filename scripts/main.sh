#!/usr/bin/env bash
# The main job on the embedded default: install what is missing, build, then
#   1. plan a small campaign (the `quick` programs plus a few more, smoke scale,
#      both probes, a capped number of mutants per program),
#   2. run it under mpirun on this machine's cores (resumable: re-running this
#      script continues where an interrupted run stopped),
#   3. collect it into one corpus and print its composition,
#   4. evaluate it (RQ1 within-program vs program-held-out, RQ2 instability and curvature) and
#      write the report.
# Results: ${DYNFAULT_OUT:-out/main-job}/{campaign,corpus.h5,results,report/}; open
# report/index.html in a browser (self-contained; docs/report.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DYNFAULT_BUILD_DIR:-$root/build}
out=${DYNFAULT_OUT:-$root/out/main-job}
programs=${DYNFAULT_PROGRAMS_LIST:-31556268,34311586,48934338,64151679,77416892,73148058,76132850,70178206}
repeats=${DYNFAULT_REPEATS:-3}
max_mutants=${DYNFAULT_MAX_MUTANTS:-8}
ranks=${DYNFAULT_RANKS:-$(( $(nproc) + 1 ))}  # one worker per core + the master, which sleeps while it waits

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh"
dynfault="$build/cli/dynfault"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
mkdir -p "$out"

if [ ! -f "$out/campaign/plan.json" ]; then
  "$dynfault" campaign plan --programs "$programs" --repeats "$repeats" --probes cf,of --scale smoke \
    --max-mutants "$max_mutants" --seed 1 --out "$out/campaign" --force
fi
mpirun --oversubscribe -np "$ranks" "$dynfault" campaign run "$out/campaign"
"$dynfault" collect "$out/campaign" --out "$out/corpus.h5"
"$dynfault" collect --summary "$out/corpus.h5"
rm -rf "$out/results"
# Every analysis (RQ1 and RQ2, results/<analysis>/). Smoke runs log 3 epochs (windows k = 1, 3), and
# 3 repeats kill few mutants: label every mutant run by its category (docs/evaluate.md, --labels).
# A full campaign uses the defaults (killed mutants, k up to 50).
mpirun --oversubscribe -np "$ranks" "$dynfault" evaluate all "$out/corpus.h5" --out "$out/results" \
  --labels category --k 1,3 --table-k 3 --bootstrap 200 --permutations 10
"$dynfault" report "$out/corpus.h5" --results "$out/results" --out "$out/report"
echo "main job: corpus $out/corpus.h5, results $out/results, report $out/report/index.html"
