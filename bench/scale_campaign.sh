#!/usr/bin/env bash
# The campaign master at cluster scale, by simulation (docs/campaign.md, "Scale"):
#   1. a plan of ~1,000,000 no-op tasks over the real programs (dynfault38,
#      4 mutants each, R repeats): plan time, plan.json size, planner peak RSS;
#   2. `mpirun -np 3 campaign run --executor noop --no-isolation --no-consolidate`:
#      dispatch per task, master CPU per task, master RSS per 100k finished
#      traces, journal size, batch files;
#   3. replay (`campaign status` of the finished campaign) time and RSS;
#   4. many workers: oversubscribed -np 64 on short sleep tasks: worker busy
#      fraction and the master's CPU share.
# Usage: bench/scale_campaign.sh DYNFAULT [WORKDIR]
# Env: SCALE_REPEATS (5263: 38 programs x 5 runs x 5263 = 999,970 tasks), SCALE_NP (64),
#      SCALE_SLEEP_MS (200), SCALE_SLEEP_TASKS_PER_WORKER (8)
set -euo pipefail
dynfault=$1
work=${2:-$(mktemp -d)}
mkdir -p "$work"
repeats=${SCALE_REPEATS:-5263}
np=${SCALE_NP:-64}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
py=/usr/bin/python3
jstat() { "$py" -c "import json,sys; s=json.load(open('$1')); print($2)"; }
timed() {  # timed NAME COMMAND...: wall seconds and peak RSS (kB) into $work/NAME.time
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@"
}

echo "== 1. plan: dynfault38, 4 mutants per program, $repeats repeats"
rm -rf "$work/c"
timed plan "$dynfault" campaign plan --set dynfault38 --repeats "$repeats" --max-mutants 4 --probes none \
  --scale smoke --seed 1 --out "$work/c" >/dev/null
tasks=$("$py" -c "import json; print(sum(len(g['repeats']) for g in json.load(open('$work/c/plan.json'))['task_groups']))")
read -r plan_s plan_kb <"$work/plan.time"
plan_bytes=$(stat -c %s "$work/c/plan.json")
printf '  %d tasks planned in %.1f s (peak RSS %d MB); plan.json %.1f MB (%.0f B/task)\n' \
  "$tasks" "$plan_s" $((plan_kb / 1024)) "$(echo "$plan_bytes / 1000000" | bc -l)" "$(echo "$plan_bytes / $tasks" | bc -l)"

echo "== 2. run: mpirun -np 3, noop tasks inline, no consolidation"
timed run mpirun --oversubscribe -np 3 "$dynfault" campaign run "$work/c" --executor noop --no-isolation \
  --no-consolidate --quiet --stats "$work/run.json"
read -r run_s run_kb <"$work/run.time"
jstat "$work/run.json" "'  %d tasks in %.1f s: %.4f ms/task wall, master CPU %.4f ms/task; %d batch files, %.1f s flushing' % (s['tasks_finished'], s['wall_seconds'], 1e3*s['wall_seconds']/s['tasks_finished'], 1e3*s['master_cpu_seconds']/s['tasks_finished'], s['batches_written'], s['flush_seconds'])"
jstat "$work/run.json" "'  master RSS (kB) by finished traces: ' + ', '.join(f'{n}: {kb}' for n, kb in s['rss_kb_by_tasks'][::max(1, len(s['rss_kb_by_tasks'])//10)])"
jstat "$work/run.json" "'  master RSS growth: %.0f kB per 100k traces (first sample after start to last); peak %d MB' % (1e5*(s['rss_kb_by_tasks'][-1][1]-s['rss_kb_by_tasks'][1][1])/max(1, s['rss_kb_by_tasks'][-1][0]-s['rss_kb_by_tasks'][1][0]), s['peak_rss_kb']//1024)"
journal_bytes=$(stat -c %s "$work/c/journal.log")
batch_bytes=$(du -sb "$work/c/batches" | cut -f1)
printf '  journal.log %.1f MB (%.0f B/record); batches/ %.1f MB\n' "$(echo "$journal_bytes / 1000000" | bc -l)" \
  "$(echo "$journal_bytes / $(grep -c . "$work/c/journal.log")" | bc -l)" "$(echo "$batch_bytes / 1000000" | bc -l)"

echo "== 3. replay: campaign status of the finished campaign"
timed status "$dynfault" campaign status "$work/c" >"$work/status.txt"
read -r st_s st_kb <"$work/status.time"
printf '  %.2f s, peak RSS %d MB (target < 10 s): %s\n' "$st_s" $((st_kb / 1024)) "$(head -1 "$work/status.txt")"

echo "== 4. many workers: mpirun -np $np (oversubscribed), sleep tasks of ${SCALE_SLEEP_MS:-200} ms"
per=${SCALE_SLEEP_TASKS_PER_WORKER:-8}
rm -rf "$work/w"
"$dynfault" campaign plan --programs 31556268 --repeats $(((np - 1) * per)) --max-mutants 0 --probes none \
  --scale smoke --out "$work/w" >/dev/null
DYNFAULT_SLEEP_MS=${SCALE_SLEEP_MS:-200} mpirun --oversubscribe -np "$np" "$dynfault" campaign run "$work/w" \
  --executor sleep --no-isolation --no-consolidate --quiet --stats "$work/w.json"
jstat "$work/w.json" "'  %d workers, %d tasks in %.2f s: worker busy fraction %.1f%%, master CPU %.3f s = %.2f%% of one core' % (s['workers'], s['tasks_finished'], s['wall_seconds'], 100*s['worker_busy_seconds']/(s['workers']*s['wall_seconds']), s['master_cpu_seconds'], 100*s['master_cpu_seconds']/s['wall_seconds'])"
