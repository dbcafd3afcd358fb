#!/usr/bin/env bash
# Disk full, for real (docs/reliability.md): a size-limited tmpfs, mounted and
# removed by this test, filled so that a campaign's writes fail at a random
# point (a batch file, the journal or traces.h5). Each round checks that
#   - the run stops with exit 75 and one stderr line naming a file of the campaign,
#   - nothing journaled is lost (every done record's batch file reads back),
#   - once the space is back, the same command completes to a corpus
#     byte-identical to an uninterrupted run's.
# Then collect --out, collect export-csv --out, report --out, campaign plan
# --out and evaluate rq1 --out on the full file system: exit 75, one line, no partial output, and an
# existing output left byte-identical.
# Needs root and mount(2) (exit 77, skipped, where tmpfs cannot be mounted).
# Tasks run with the noop executor: no LibTorch.
#
#   disk_full.sh DYNFAULT WORKDIR [ROUNDS]
set -uo pipefail
dynfault=$1
work=$2
rounds=${3:-6}
rm -rf "$work" && mkdir -p "$work/mnt" || exit 1
mnt=$work/mnt
if ! mount -t tmpfs -o size=4m,mode=0755 dynfault-diskfull "$mnt" 2>"$work/mount.err"; then
  echo "disk_full: cannot mount a tmpfs here ($(cat "$work/mount.err")): skipped"
  exit 77
fi
cleanup() { umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null; }
trap cleanup EXIT
export DYNFAULT_CAMPAIGN_EXECUTOR=noop
fail=0
problem() { echo "FAIL $*"; fail=1; }

plan_args=(campaign plan --set quick --repeats 3 --max-mutants 6 --scale smoke --seed 11)
run_args=(--executor noop --quiet --batch 5 --flush-seconds 1000)

# The reference: the same campaign, uninterrupted, on the ordinary disk.
"$dynfault" "${plan_args[@]}" --out "$work/ref" >/dev/null || exit 1
"$dynfault" campaign run "$work/ref" "${run_args[@]}" 2>/dev/null || exit 1
ref_sum=$(sha256sum <"$work/ref/traces.h5")
tasks=$(grep -c . "$work/ref/journal.log")

# Leaves `free` bytes free on the tmpfs (to a page).
fill_to() {
  rm -f "$mnt/filler"
  local avail
  avail=$(df -B1 --output=avail "$mnt" | tail -1 | tr -d ' ')
  [ "$avail" -gt "$1" ] && head -c $((avail - $1)) /dev/zero >"$mnt/filler"
  sync
}

one_line() {  # one_line FILE -> 0 if FILE has exactly one line
  [ "$(wc -l <"$1")" = 1 ]
}

# ------------------------------------------------------------ campaign rounds
stopped_in=()
for round in $(seq "$rounds"); do
  rm -rf "$mnt/c" && rm -f "$mnt/filler"
  "$dynfault" "${plan_args[@]}" --out "$mnt/c" >/dev/null || { problem "round $round: plan"; continue; }
  # A random point: between a few batch files and the final traces.h5.
  free=$(( (RANDOM % 48 + 4) * 4096 ))
  fill_to "$free"
  "$dynfault" campaign run "$mnt/c" "${run_args[@]}" >"$work/out" 2>"$work/err"
  rc=$?
  if [ "$rc" = 0 ]; then
    # It fit: make it fail at the end instead (traces.h5) and resume from there.
    echo "round $round: ${free} B free was enough; refilling to 0"
    rm -f "$mnt/c/traces.h5" && fill_to 0
    "$dynfault" campaign run "$mnt/c" "${run_args[@]}" >"$work/out" 2>"$work/err"
    rc=$?
  fi
  [ "$rc" = 75 ] || problem "round $round: exit $rc, expected 75: $(head -c 400 "$work/err")"
  one_line "$work/err" || problem "round $round: stderr is not one line: $(head -c 600 "$work/err")"
  grep -qE "$mnt/c/(batches/batch-[0-9]+\.dfb|journal\.log|traces\.h5)" "$work/err" ||
    problem "round $round: the message names no campaign file: $(cat "$work/err")"
  where=$(grep -oE "(batch-[0-9]+\.dfb|journal\.log|traces\.h5)" "$work/err" | head -1 | sed 's/-[0-9]*\././')
  stopped_in+=("$where")
  # Nothing journaled is lost: every done record names a batch file that holds its trace.
  journaled=$(grep -c . "$mnt/c/journal.log" || true)
  rm -f "$mnt/filler"
  "$dynfault" campaign status "$mnt/c" >"$work/status" 2>&1 || problem "round $round: status after the stop: $(cat "$work/status")"
  # Space is back: the same command completes, to the reference corpus.
  "$dynfault" campaign run "$mnt/c" "${run_args[@]}" >"$work/out" 2>"$work/err2"
  rc=$?
  [ "$rc" = 0 ] || problem "round $round: resume exit $rc: $(head -c 400 "$work/err2")"
  [ "$(sha256sum <"$mnt/c/traces.h5")" = "$ref_sum" ] || problem "round $round: resumed corpus differs from the uninterrupted one"
  [ "$(grep -c . "$mnt/c/journal.log")" = "$tasks" ] || problem "round $round: journal has $(grep -c . "$mnt/c/journal.log") records, expected $tasks"
  leftovers=$(find "$mnt/c" -name '*.tmp.*' | head -3)
  [ -z "$leftovers" ] || problem "round $round: temporaries left: $leftovers"
  echo "round $round: ${free} B free: stopped in $where after $journaled journaled records ($(cat "$work/err")); resumed to the reference corpus"
done

# ---------------------------------- the end of the campaign: traces.h5 does not fit
rm -rf "$mnt/c" && rm -f "$mnt/filler"
"$dynfault" "${plan_args[@]}" --out "$mnt/c" >/dev/null
"$dynfault" campaign run "$mnt/c" "${run_args[@]}" --no-consolidate 2>/dev/null || problem "consolidation round: first run"
fill_to 0
"$dynfault" campaign run "$mnt/c" "${run_args[@]}" >"$work/out" 2>"$work/err"
rc=$?
[ "$rc" = 75 ] && one_line "$work/err" && grep -q "$mnt/c/traces.h5" "$work/err" ||
  problem "consolidation round: exit $rc, expected 75 and one line naming traces.h5: $(head -c 400 "$work/err")"
[ -z "$(find "$mnt/c" -name '*.tmp.*')" ] || problem "consolidation round: temporaries left"
rm -f "$mnt/filler"
"$dynfault" campaign run "$mnt/c" "${run_args[@]}" 2>/dev/null && [ "$(sha256sum <"$mnt/c/traces.h5")" = "$ref_sum" ] ||
  problem "consolidation round: resume did not give the reference corpus"
echo "consolidation round: stopped in traces.h5 ($(cat "$work/err")); resumed to the reference corpus"
stopped_in+=(traces.h5)

# ------------------------- journal and EIO rounds: the write-failure shim
# A full tmpfs always fails the batch file first (it needs new pages, the
# journal's append mostly fits in its last page), so the journal's own failure
# and EIO are injected: tests/support/write_fault.c fails the writes to one
# file after a random number of them succeeded.
if [ -n "${DYNFAULT_WRITE_FAULT_SHIM:-}" ] && [ -f "$DYNFAULT_WRITE_FAULT_SHIM" ]; then
  for spec in "journal.log:5" "journal.log:28" "batches/batch-:5" "traces.h5:5"; do
    file=${spec%%:*} errno_value=${spec##*:}
    after=$((RANDOM % 12))
    [ "$file" = traces.h5 ] && after=$((RANDOM % 4))
    rm -rf "$work/s"
    "$dynfault" "${plan_args[@]}" --out "$work/s" >/dev/null
    LD_PRELOAD=$DYNFAULT_WRITE_FAULT_SHIM DYNFAULT_FAULT_FILE="$work/s/$file" DYNFAULT_FAULT_AFTER=$after \
      DYNFAULT_FAULT_ERRNO=$errno_value "$dynfault" campaign run "$work/s" "${run_args[@]}" >"$work/out" 2>"$work/err"
    rc=$?
    name="shim $file after $after writes, errno $errno_value"
    [ "$rc" = 75 ] || problem "$name: exit $rc, expected 75: $(head -c 400 "$work/err")"
    one_line "$work/err" || problem "$name: stderr is not one line: $(head -c 600 "$work/err")"
    grep -q "$work/s/$file" "$work/err" || problem "$name: the message does not name $file: $(cat "$work/err")"
    journaled=$(grep -c . "$work/s/journal.log" || true)
    "$dynfault" campaign run "$work/s" "${run_args[@]}" 2>"$work/err2" && [ "$(sha256sum <"$work/s/traces.h5")" = "$ref_sum" ] ||
      problem "$name: resume did not give the reference corpus: $(head -c 300 "$work/err2")"
    echo "$name: stopped after $journaled journaled records ($(cat "$work/err")); resumed to the reference corpus"
    stopped_in+=("$file(shim)")
  done
else
  problem "the write-failure shim (DYNFAULT_WRITE_FAULT_SHIM) is not built"
fi

# ------------------------------------------------ collect, export, report, evaluate
rm -rf "$mnt/c" "$mnt"/* 2>/dev/null
cp "$work/ref/traces.h5" "$work/corpus.h5"
# Real results for the report (the same small RQ1 as the evaluate case below, on a disk with room).
"$dynfault" evaluate rq1 "$work/corpus.h5" --out "$work/results" --k 1 --table-k 1 --folds 2 \
  --bootstrap 0 --permutations 0 --quiet
# Outputs that exist before: each must come out byte-identical.
echo "old corpus" >"$mnt/corpus.h5"
mkdir -p "$mnt/report" && echo "old report" >"$mnt/report/index.html"
mkdir -p "$mnt/rq1" && echo "old results" >"$mnt/rq1/summary.md"
snapshot() { (cd "$mnt" && find . -path ./filler -prune -o -printf '%y %p %s\n' | LC_ALL=C sort && find . -path ./filler -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum); }
check_full() {  # check_full NAME COMMAND...
  local name=$1
  shift
  fill_to 0
  local before
  before=$(snapshot)
  "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  [ "$rc" = 75 ] || problem "$name on a full disk: exit $rc, expected 75: $(head -c 400 "$work/err")"
  one_line "$work/err" || problem "$name: stderr is not one line: $(head -c 600 "$work/err")"
  grep -q "$mnt" "$work/err" || problem "$name: the message names no output file: $(cat "$work/err")"
  [ "$(snapshot)" = "$before" ] || problem "$name: the file system changed (partial output or a damaged old one)"
  echo "$name on a full disk: exit $rc: $(cat "$work/err")"
}
check_full collect "$dynfault" collect "$work/corpus.h5" --out "$mnt/corpus.h5"
check_full collect_new_file "$dynfault" collect "$work/corpus.h5" --out "$mnt/new.h5"
check_full export_csv "$dynfault" collect export-csv "$work/corpus.h5" --out "$mnt/csv"
check_full report "$dynfault" report "$work/corpus.h5" --results "$work/results" --out "$mnt/report"
check_full campaign_plan "$dynfault" "${plan_args[@]}" --out "$mnt/plan"
check_full evaluate "$dynfault" evaluate rq1 "$work/corpus.h5" --out "$mnt/rq1" --k 1 --table-k 1 --folds 2 \
  --bootstrap 0 --permutations 0 --quiet
rm -f "$mnt/filler"

echo "disk_full: campaign stopped in: ${stopped_in[*]}"
exit "$fail"
