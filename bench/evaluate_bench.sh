#!/usr/bin/env bash
# dynfault evaluate rq1 vs the same RQ1 pipeline in scikit-learn (bench/evaluate_sklearn.py,
# Debian's /usr/bin/python3) on the same corpus, one run each, side by side: the speed ratio
# (target >= 10x) and the equal-numbers check; then strong scaling 1 -> 2 MPI ranks
# (target >= 1.8x). Corpus: the Deep4ge sample (../shared) imported with `dynfault collect
# import-csv`, or CORPUS.h5 if given.
# Usage: bench/evaluate_bench.sh DYNFAULT [CORPUS.h5 [MAKE_SYNTHETIC_CORPUS]]   (or: cmake --build BUILD --target bench_evaluate)
set -euo pipefail
dynfault=$1
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=${2:-}
if [ -z "$corpus" ]; then
  sample="$root/../shared/datasets/deep4ge-sample"
  [ -f "$sample/manifest.csv" ] || { echo "evaluate_bench: no $sample; pass a corpus" >&2; exit 2; }
  corpus="$work/deep4ge.h5"
  "$dynfault" collect import-csv "$sample/traces" --manifest "$sample/manifest.csv" --out "$corpus" 2>/dev/null
fi
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.4f\", $1 }"; }
cores=$(nproc --all)
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

echo "== RQ1 on $corpus (defaults: k 1,3,5,10,20,50; 1000 bootstrap replicates; 25 permutations)"
t0=$(now)
"$dynfault" evaluate rq1 "$corpus" --out "$work/dynfault" --quiet
t1=$(now)
/usr/bin/python3 "$root/bench/evaluate_sklearn.py" "$corpus" --out "$work" 
t2=$(now)
dyn=$(calc "$t1 - $t0"); py=$(calc "$t2 - $t1")
printf 'dynfault %.2f s, scikit-learn %.2f s: dynfault is %.1fx faster (target >= 10x)\n' "$dyn" "$py" "$(calc "$py / $dyn")"
/usr/bin/python3 "$root/bench/evaluate_sklearn.py" --compare "$work" "$work/dynfault"

echo "== strong scaling, same corpus, 10000 replicates, 200 permutations"
args=(evaluate rq1 "$corpus" --bootstrap 10000 --permutations 200)
inner() { sed -n 's/.* rank(s), \([0-9.]*\) s;.*/\1/p' "$1"; }
t0=$(now)
mpirun --allow-run-as-root -np 1 "$dynfault" "${args[@]}" --out "$work/np1" 2>"$work/np1.log"
t1=$(now)
mpirun --allow-run-as-root -np 2 "$dynfault" "${args[@]}" --out "$work/np2" 2>"$work/np2.log"
t2=$(now)
one=$(calc "$t1 - $t0"); two=$(calc "$t2 - $t1")
i1=$(inner "$work/np1.log"); i2=$(inner "$work/np2.log")
printf 'mpirun -np 1 %.2f s, -np 2 %.2f s: speed-up %.2fx with launch (in-process %.2f s vs %.2f s: %.2fx); target >= 1.8x; %s cores, shared\n' \
  "$one" "$two" "$(calc "$one / $two")" "$i1" "$i2" "$(calc "$i1 / $i2")" "$cores"
diff -r "$work/np1" "$work/np2" >/dev/null && echo "np1 and np2 results identical"

# RQ2 on a synthetic corpus with planted explosions and curvature (the Deep4ge sample has no
# curvature channels): dynfault vs bench/rq2_sklearn.py (point estimates only on both sides:
# --bootstrap 0), the equal-numbers check from dynfault's dumped k-means centres, then 1 -> 2 ranks.
make_corpus=${3:-$(dirname "$dynfault")/../tests/evaluate/evaluate_synthetic_corpus}
if [ -x "$make_corpus" ]; then
  "$make_corpus" --instability "$work/unstable.h5" ${RQ2_PROGRAMS:-40} ${RQ2_RUNS:-60}
  echo "== RQ2 on $work/unstable.h5 ($("$dynfault" collect --summary "$work/unstable.h5" --json 2>/dev/null | \
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("runs", "?"))' 2>/dev/null || echo '?') runs)"
  rq2=(evaluate rq2 "$work/unstable.h5" --k 1,3,5 --quiet)
  t0=$(now)
  "$dynfault" "${rq2[@]}" --bootstrap 0 --out "$work/rq2-dyn" --dump "$work/rq2-dump"
  t1=$(now)
  /usr/bin/python3 "$root/bench/rq2_sklearn.py" "$work/unstable.h5" "$work/rq2-dump" --out "$work" --k 1,3,5
  t2=$(now)
  dyn=$(calc "$t1 - $t0"); py=$(calc "$t2 - $t1")
  printf 'rq2: dynfault %.2f s, scikit-learn %.2f s: dynfault is %.1fx faster (target >= 20x)\n' "$dyn" "$py" "$(calc "$py / $dyn")"
  /usr/bin/python3 "$root/bench/rq2_sklearn.py" --compare "$work" "$work/rq2-dyn" || true
  t0=$(now)
  mpirun --allow-run-as-root -np 1 "$dynfault" "${rq2[@]}" --out "$work/rq2-np1"
  t1=$(now)
  mpirun --allow-run-as-root -np 2 "$dynfault" "${rq2[@]}" --out "$work/rq2-np2"
  t2=$(now)
  one=$(calc "$t1 - $t0"); two=$(calc "$t2 - $t1")
  printf 'rq2 (1000 replicates): mpirun -np 1 %.2f s, -np 2 %.2f s: speed-up %.2fx; %s cores, shared\n' \
    "$one" "$two" "$(calc "$one / $two")" "$cores"
  diff -r "$work/rq2-np1" "$work/rq2-np2" >/dev/null && echo "rq2 np1 and np2 results identical"
fi
