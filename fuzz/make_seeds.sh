#!/usr/bin/env bash
# The seed corpora of the fuzz targets, made from real files: a small campaign
# planned, run with the noop executor, collected and exported by DYNFAULT,
# plus the zoo's specs. Writes OUT/<target>/ for every target, and
# OUT/files/c/plan.json, the plan fuzz_journal replays against.
#   fuzz/make_seeds.sh DYNFAULT OUT
set -euo pipefail
D=$1
out=$2
root=$(cd "$(dirname "$0")/.." && pwd)
export DYNFAULT_PROGRAMS=$root/programs
f=$out/files
rm -rf "$out" && mkdir -p "$f"
"$D" campaign plan --programs 31556268 --repeats 2 --max-mutants 2 --scale smoke --seed 5 --out "$f/c" >/dev/null
"$D" campaign run "$f/c" --executor noop --quiet 2>/dev/null
"$D" collect "$f/c" --out "$f/corpus.h5" >/dev/null 2>&1
"$D" collect export-csv "$f/corpus.h5" --out "$f/csv" >/dev/null 2>&1
"$D" campaign plan --set quick --repeats 2 --max-mutants 1 --scale smoke --shards 2 --seed 5 --out "$f/sharded" >/dev/null
for t in spec csv manifest plan journal batch h5 slurm; do mkdir -p "$out/$t"; done
cp "$root"/programs/specs/{31556268,77416892,76132850}.json "$out/spec/"
ls "$f/csv/traces" | head -3 | while read -r name; do cp "$f/csv/traces/$name" "$out/csv/"; done
cp "$f/csv/manifest.csv" "$out/manifest/"
cp "$f/c/plan.json" "$out/plan/plan.json"
cp "$f/sharded/plan.json" "$out/plan/sharded.json"
cp "$f/c/journal.log" "$out/journal/"
head -3 "$f/c/journal.log" >"$out/journal/partial.log"
cp "$f"/c/batches/*.dfb "$out/batch/"
cp "$f/corpus.h5" "$out/h5/"
printf 't01:00:00' >"$out/slurm/time"
printf 't2-12:30:00' >"$out/slurm/days"
cp "$f/sharded/plan.json" "$out/slurm/root.json"
cp "$f/c/plan.json" "$out/slurm/plan.json"
