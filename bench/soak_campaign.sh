#!/usr/bin/env bash
# Soak (docs/campaign.md, "Scale"): a 500-task sleep-executor campaign under
# mpirun -np 3, interrupted CYCLES times (default 20), each time once the
# journal has grown by a random number of records, by a random choice of
# SIGKILL to every rank (a node lost) or SIGUSR1 to mpirun (a drain: must exit
# 75), and resumed; the final corpus must equal an uninterrupted run's
# (compared as `collect` writes it: runs sorted by id, byte for byte). A bench script, not a ctest (minutes).
# Usage: bench/soak_campaign.sh DYNFAULT [CYCLES]   Env: SOAK_SLEEP_MS (20)
set -uo pipefail
dynfault=$1
cycles=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
export DYNFAULT_SLEEP_MS=${SOAK_SLEEP_MS:-20}
plan=(campaign plan --set quick --repeats 5 --max-mutants 32 --probes none --scale smoke --seed 9)
run=(campaign run --executor sleep --quiet --batch 7 --flush-seconds 0.2 --grace 2)

"$dynfault" "${plan[@]}" --out "$work/ref" >/dev/null
tasks=$(/usr/bin/python3 -c "import json; print(sum(len(g['repeats']) for g in json.load(open('$work/ref/plan.json'))['task_groups']))")
echo "soak: $tasks planned tasks (searches add more), $cycles interruptions"
mpirun --oversubscribe -np 3 "$dynfault" "${run[@]}" "$work/ref" 2>/dev/null || { echo "soak: reference run failed"; exit 1; }
# traces.h5 is written in journal order, which interruptions change; `collect`
# writes runs sorted by id, so its output compares content byte for byte.
canonical() { "$dynfault" collect "$1" --out "$work/canonical.h5" >/dev/null 2>&1 && sha256sum <"$work/canonical.h5"; }
ref=$(canonical "$work/ref")

"$dynfault" "${plan[@]}" --out "$work/c" >/dev/null
records() {
  local n
  n=$(grep -c . "$work/c/journal.log" 2>/dev/null)
  echo "${n:-0}"
}
kills=0 drains=0 failures=0
for cycle in $(seq "$cycles"); do
  [ -f "$work/c/traces.h5" ] && break
  before=$(records)
  target=$((before + 1 + RANDOM % 40))
  setsid mpirun --oversubscribe -np 3 "$dynfault" "${run[@]}" "$work/c" 2>"$work/err.$cycle" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null && [ "$(records)" -lt "$target" ]; do sleep 0.02; done
  if ! kill -0 "$pid" 2>/dev/null; then wait "$pid"; echo "cycle $cycle: finished before the interruption"; break; fi
  if [ $((RANDOM % 2)) = 0 ]; then
    # A node lost: every rank (mpirun's children) and mpirun itself. Ranks that
    # outlived mpirun would still hold the campaign's lock.
    ranks=$(pgrep -P "$pid")
    kill -KILL $ranks "$pid" 2>/dev/null
    for r in $ranks; do while kill -0 "$r" 2>/dev/null; do sleep 0.05; done; done
    wait "$pid" 2>/dev/null
    kills=$((kills + 1))
    how="SIGKILL"
  else
    kill -USR1 "$pid"
    wait "$pid"
    rc=$?
    drains=$((drains + 1))
    how="SIGUSR1 drain, exit $rc"
    [ "$rc" = 75 ] || [ "$rc" = 0 ] || {
      failures=$((failures + 1))
      how="$how (expected 75): $(grep -v '^ *$' "$work/err.$cycle" | grep -v -- '---' | head -3 | tr '\n' ' ' | cut -c1-400)"
    }
  fi
  echo "cycle $cycle: $how at $(records) journaled records (was $before)"
done
mpirun --oversubscribe -np 3 "$dynfault" "${run[@]}" "$work/c" 2>"$work/err.final" || { echo "soak: final run failed: $(tail -3 "$work/err.final")"; exit 1; }
if [ "$(canonical "$work/c")" = "$ref" ] && [ "$failures" = 0 ]; then
  echo "soak: $kills SIGKILLs, $drains drains: final corpus identical to the uninterrupted run's (collected, byte for byte)"
else
  echo "soak: FAILED: corpus differs or a drain did not exit 75 ($failures)"
  exit 1
fi
