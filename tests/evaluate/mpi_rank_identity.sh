#!/usr/bin/env bash
# RQ1, RQ2, RQ3 and peers results and dumps must be byte-identical for mpirun -np 1, 2, 3
# and a plain single-process run. Usage: mpi_rank_identity.sh MPIRUN DYNFAULT MAKE_CORPUS
set -euo pipefail
mpirun=$1 dynfault=$2 make_corpus=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$make_corpus" "$work/corpus.h5" 10 3 30
"$make_corpus" --instability "$work/unstable.h5" 8 12
"$make_corpus" --mismatch "$work/mismatch.h5" split
rq1=(evaluate rq1 "$work/corpus.h5" --k 1,3,5,10 --bootstrap 200 --permutations 5 --seed 11 --quiet)
rq2=(evaluate rq2 "$work/unstable.h5" --k 1,3 --folds 4 --bootstrap 100 --clusters 2,3,4 --triage-k 3 --restarts 4
     --seed 11 --quiet)
rq3=(evaluate rq3 "$work/mismatch.h5" --k 1,3,5 --bootstrap 100 --seed 11 --quiet)
peers=(evaluate peers "$work/corpus.h5" --bootstrap 100 --seed 11 --quiet)  # random forests included
run() {  # run SUFFIX [LAUNCHER...]
  local s=$1
  shift
  "$@" "$dynfault" "${rq1[@]}" --out "$work/rq1-out$s" --dump "$work/rq1-dump$s"
  "$@" "$dynfault" "${rq2[@]}" --out "$work/rq2-out$s" --dump "$work/rq2-dump$s"
  "$@" "$dynfault" "${rq3[@]}" --out "$work/rq3-out$s" --dump "$work/rq3-dump$s"
  "$@" "$dynfault" "${peers[@]}" --out "$work/peers-out$s" --dump "$work/peers-dump$s"
}
run 0
for np in 1 2 3; do
  run "$np" "$mpirun" --allow-run-as-root --oversubscribe -np "$np"
done
for np in 1 2 3; do
  for d in rq1-out rq1-dump rq2-out rq2-dump rq3-out rq3-dump peers-out peers-dump; do diff -r "$work/${d}0" "$work/$d$np"; done
done
files=$(find "$work"/rq1-out0 "$work"/rq1-dump0 "$work"/rq2-out0 "$work"/rq2-dump0 "$work"/rq3-out0 "$work"/rq3-dump0 "$work"/peers-out0 "$work"/peers-dump0 -type f | wc -l)
[ "$files" -gt 80 ] || { echo "too few output files: $files"; exit 1; }
[ -f "$work/rq2-out0/triage_lopo.csv" ] || { echo "rq2 triage missing"; exit 1; }
grep -q '^program_overlap,cf_overlap,cf,5,' "$work/rq3-out0/table8.csv" || { echo "rq3 Table VIII missing"; exit 1; }
grep -q random_forest_default "$work/peers-out0/fig13.csv" || { echo "peers random forest missing"; exit 1; }
echo "identical: $files files (rq1, rq2, rq3, peers) for a plain run and mpirun -np 1, 2, 3"
