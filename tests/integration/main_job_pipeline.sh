#!/usr/bin/env bash
# The main job's pipeline in miniature: plan -> mpirun campaign (3 ranks) ->
# collect -> evaluate -> report, checking what each stage hands the next.
set -euo pipefail
dynfault=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1

"$dynfault" campaign plan --programs 31556268,77416892,76132850 --repeats 2 --probes cf,of --scale smoke \
  --max-mutants 7 --seed 3 --out "$work/campaign"
mpirun --oversubscribe -np 3 "$dynfault" campaign run "$work/campaign" --quiet
"$dynfault" collect "$work/campaign" --out "$work/corpus.h5"
summary=$("$dynfault" collect --summary "$work/corpus.h5" --json)
planned=$(/usr/bin/python3 -c "import json,sys; print(sum(len(g['repeats']) for g in json.load(open(sys.argv[1]))['task_groups']))" "$work/campaign/plan.json")
runs=$(echo "$summary" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['trace_files'])")
# DeepCrime's search may add tasks beyond the plan, never fewer.
[ "$runs" -ge "$planned" ] || { echo "corpus has $runs runs, plan has $planned tasks" >&2; exit 1; }
"$dynfault" evaluate rq1 "$work/corpus.h5" --out "$work/results" --labels category --k 1,3 --table-k 3 \
  --folds 3 --bootstrap 50 --permutations 3 --quiet
# The report reads build/web (scripts/install-web.sh, run by scripts/install-deps.sh).
"$dynfault" report "$work/corpus.h5" --results "$work/results" --out "$work/report"
grep -q "## Corpus composition" "$work/report/summary.md"
grep -q "Table IV" "$work/report/summary.md"
grep -q '<table id="table4">' "$work/report/index.html"
echo "pipeline ok: $runs runs (plan $planned tasks)"
