#!/usr/bin/env bash
# dynfault evaluate rq1 vs the same RQ1 pipeline in scikit-learn (bench/evaluate_sklearn.py,
# Debian's /usr/bin/python3) on the same corpus, one run each, side by side: the speed ratio
# (target >= 10x) and the equal-numbers check; then strong scaling 1 -> 2 MPI ranks
# (target >= 1.8x). Corpus: the Deep4ge sample (../shared) imported with `dynfault collect
# import-csv`, or CORPUS.h5 if given.
# Usage: bench/evaluate_bench.sh DYNFAULT [CORPUS.h5 [MAKE_SYNTHETIC_CORPUS]]   (or: cmake --build BUILD --target bench_evaluate)
# Env: BENCH_PARTS (default rq1,scaling,rq2,rq3,peers): which of the comparisons to run. peers:
# `evaluate peers` vs bench/peers_sklearn.py (the same Fig. 13 fits on dynfault's exported
# features and folds; sklearn skips the features, the rules and the bootstrap, so the ratio
# favours it), LR and RF parts timed apart on the sklearn side; RF ratio per core.
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
# timed NAME CMD...: runs CMD (its stderr to $work/NAME.err, shown if it fails) and sets
# NAME_wall and NAME_cpu (user + system seconds, children included). CPU time is the fair
# ratio on a shared machine: wall time also counts the other processes' turns.
timed() {
  local name=$1 TIMEFORMAT='%R %U %S' rc=0
  shift
  { time "$@" 2>"$work/$name.err" || rc=$?; } 2>"$work/$name.time"
  if [ "$rc" != 0 ]; then cat "$work/$name.err" >&2; return "$rc"; fi
  read -r w u s < <(tail -n 1 "$work/$name.time")
  printf -v "${name}_wall" '%s' "$w"
  printf -v "${name}_cpu" '%s' "$(calc "$u + $s")"
}
ratios() {  # ratios LABEL OURS THEIRS TARGET: the side-by-side line, wall and CPU
  local a=$2 b=$3 aw bw ac bc
  aw=${a}_wall bw=${b}_wall ac=${a}_cpu bc=${b}_cpu
  printf '%s: dynfault %.2f s wall / %.2f s CPU, scikit-learn %.2f s wall / %.2f s CPU: %.1fx faster by wall, %.1fx by CPU (target >= %s)\n' \
    "$1" "${!aw}" "${!ac}" "${!bw}" "${!bc}" "$(calc "${!bw} / ${!aw}")" "$(calc "${!bc} / ${!ac}")" "$4"
}
cores=$(nproc --all)
parts=",${BENCH_PARTS:-rq1,scaling,rq2,rq3,peers},"
wanted() { [[ $parts == *",$1,"* ]]; }
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

if wanted rq1; then
  echo "== RQ1 on $corpus (defaults: k 1,3,5,10,20,50; 1000 bootstrap replicates; 25 permutations)"
  timed rq1_dyn "$dynfault" evaluate rq1 "$corpus" --out "$work/dynfault" --quiet
  timed rq1_py /usr/bin/python3 "$root/bench/evaluate_sklearn.py" "$corpus" --out "$work"
  ratios rq1 rq1_dyn rq1_py 10x
  /usr/bin/python3 "$root/bench/evaluate_sklearn.py" --compare "$work" "$work/dynfault"
fi
if wanted scaling; then
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
fi

# RQ2 on a synthetic corpus with planted explosions and curvature (the Deep4ge sample has no
# curvature channels): dynfault vs bench/rq2_sklearn.py (point estimates only on both sides:
# --bootstrap 0), the equal-numbers check from dynfault's dumped k-means centres, then 1 -> 2 ranks.
make_corpus=${3:-$(dirname "$dynfault")/../tests/evaluate/evaluate_synthetic_corpus}
if wanted rq2 && [ -x "$make_corpus" ]; then
  "$make_corpus" --instability "$work/unstable.h5" ${RQ2_PROGRAMS:-40} ${RQ2_RUNS:-60}
  echo "== RQ2 on $work/unstable.h5 ($("$dynfault" collect --summary "$work/unstable.h5" --json 2>/dev/null | \
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("trace_files", "?"))' 2>/dev/null || echo '?') runs)"
  rq2=(evaluate rq2 "$work/unstable.h5" --k 1,3,5 --quiet)
  timed rq2_dyn "$dynfault" "${rq2[@]}" --bootstrap 0 --out "$work/rq2-dyn" --dump "$work/rq2-dump"
  timed rq2_py /usr/bin/python3 "$root/bench/rq2_sklearn.py" "$work/unstable.h5" "$work/rq2-dump" --out "$work" --k 1,3,5
  ratios rq2 rq2_dyn rq2_py 20x
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

# RQ3 on the same corpus as RQ1 (the Deep4ge sample: OF columns only, so the single_probe
# case) and on a synthetic probe-split corpus (the program_overlap case): dynfault vs
# bench/rq3_sklearn.py, point estimates on both sides (--bootstrap 0: the sklearn script
# has no bootstrap), then the equal-numbers check (ROC-AUC and Fig. 11's coefficients).
if wanted rq3; then
  rq3_case() {  # rq3_case LABEL CORPUS
    echo "== RQ3 on $2 (k 1,3,5,10,20,50 where the runs are long enough)"
    local ks=1,3,5,10,20,50
    [ "$1" = synthetic ] && ks=1,3,5
    timed rq3_dyn "$dynfault" evaluate rq3 "$2" --k "$ks" --bootstrap 0 --out "$work/rq3-dyn-$1" --quiet
    timed rq3_py /usr/bin/python3 "$root/bench/rq3_sklearn.py" "$2" --out "$work" --k "$ks"
    ratios "rq3 $1" rq3_dyn rq3_py 20x
    /usr/bin/python3 "$root/bench/rq3_sklearn.py" --compare "$work" "$work/rq3-dyn-$1" || true
  }
  rq3_case deep4ge "$corpus"
  if [ -x "$make_corpus" ]; then
    "$make_corpus" --mismatch "$work/mismatch.h5" split
    rq3_case synthetic "$work/mismatch.h5"
  fi
fi

if wanted peers; then
  echo "== peers on $corpus (cat4, k=5; Fig. 13 fits only: --techniques default,deepfd, no bootstrap)"
  common=(evaluate peers "$corpus" --techniques default,deepfd --bootstrap 0 --quiet)
  "$dynfault" "${common[@]}" --out "$work/peers" --dump "$work/peers-dump"
  timed peers_lr_dyn "$dynfault" "${common[@]}" --classifiers lr --out "$work/peers-lr"
  timed peers_rf_dyn "$dynfault" "${common[@]}" --classifiers rf --out "$work/peers-rf"
  timed peers_lr_py /usr/bin/python3 "$root/bench/peers_sklearn.py" "$work/peers" "$work/peers-dump" --parts lr
  timed peers_rf_py /usr/bin/python3 "$root/bench/peers_sklearn.py" "$work/peers" "$work/peers-dump" --parts rf
  ratios "peers LR (dynfault: features + LR; sklearn: LR on dynfault's exported features)" peers_lr_dyn peers_lr_py 20x
  ratios "peers RF, one core each (dynfault: features + RF; sklearn: RF, n_jobs=1)" peers_rf_dyn peers_rf_py "1x per core"
  sed -n '/^| technique/,/^$/p' "$work/peers/summary.md"
fi
