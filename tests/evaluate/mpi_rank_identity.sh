#!/usr/bin/env bash
# RQ1 results and dumps must be byte-identical for mpirun -np 1, 2, 3 and a
# plain single-process run. Usage: mpi_rank_identity.sh MPIRUN DYNFAULT MAKE_CORPUS
set -euo pipefail
mpirun=$1 dynfault=$2 make_corpus=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$make_corpus" "$work/corpus.h5" 10 3 30
args=(evaluate rq1 "$work/corpus.h5" --k 1,3,5,10 --bootstrap 200 --permutations 5 --seed 11 --quiet)
"$dynfault" "${args[@]}" --out "$work/out0" --dump "$work/dump0"
for np in 1 2 3; do
  "$mpirun" --allow-run-as-root --oversubscribe -np "$np" "$dynfault" "${args[@]}" \
    --out "$work/out$np" --dump "$work/dump$np"
done
for np in 1 2 3; do
  diff -r "$work/out0" "$work/out$np"
  diff -r "$work/dump0" "$work/dump$np"
done
files=$(find "$work/out0" "$work/dump0" -type f | wc -l)
[ "$files" -gt 50 ] || { echo "too few output files: $files"; exit 1; }
echo "identical: $files files for a plain run and mpirun -np 1, 2, 3"
