#!/usr/bin/env bash
# Random-forest parity of `dynfault evaluate peers` (OpenCV RTrees) with scikit-learn's
# RandomForestClassifier (bench/peers_sklearn.py, same settings, same folds, same features):
# 3 data sets x 10 seeds; the mean balanced accuracy of each (data set, classifier, split)
# must agree within +-0.02 and within > held-out must hold for both or neither.
# Data sets: the Deep4ge sample's DEFault and DeepFD features, and the DEFault features of a
# synthetic corpus. Usage: bench/peers_parity.sh DYNFAULT MAKE_SYNTHETIC_CORPUS [SEEDS]
set -euo pipefail
dynfault=$1 make_corpus=$2 seeds=${3:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
sample="$root/../shared/datasets/deep4ge-sample"
[ -f "$sample/manifest.csv" ] || { echo "peers_parity: no $sample" >&2; exit 2; }
"$dynfault" collect import-csv "$sample/traces" --manifest "$sample/manifest.csv" --out "$work/deep4ge.h5" 2>/dev/null
"$make_corpus" "$work/synthetic.h5" 12 3 20 >/dev/null
for corpus in deep4ge synthetic; do
  for ((s = 0; s < seeds; s++)); do
    d="$work/$corpus-$s"
    "$dynfault" evaluate peers "$work/$corpus.h5" --techniques default,deepfd --bootstrap 0 --seed "$s" \
      --out "$d-out" --dump "$d-dump" --quiet 2>/dev/null ||
      "$dynfault" evaluate peers "$work/$corpus.h5" --techniques default --bootstrap 0 --seed "$s" \
        --out "$d-out" --dump "$d-dump" --quiet
    /usr/bin/python3 "$root/bench/peers_sklearn.py" "$d-out" "$d-dump" --seed "$s" --parts rf --csv "$d-sk.csv" >/dev/null 2>&1
  done
done
/usr/bin/python3 - "$work" "$seeds" <<'PY'
import csv, sys
work, seeds = sys.argv[1], int(sys.argv[2])
acc = {}
for corpus in ("deep4ge", "synthetic"):
    for s in range(seeds):
        for tool, path in (("dynfault", f"{work}/{corpus}-{s}-out/fig13.csv"), ("sklearn", f"{work}/{corpus}-{s}-sk.csv")):
            for r in csv.DictReader(open(path)):
                if not r["classifier"].startswith("random_forest"):
                    continue
                key = (corpus, r["technique"], r["classifier"])
                acc.setdefault(key, {}).setdefault(tool, []).append((float(r["within"]), float(r["heldout"])))
ok = True
print("| data set | classifier | dynfault within | sklearn within | dynfault held-out | sklearn held-out | |")
print("|---|---|---|---|---|---|---|")
for (corpus, technique, name), tools in sorted(acc.items()):
    mean = {t: [sum(v[i] for v in tools[t]) / len(tools[t]) for i in (0, 1)] for t in tools}
    dw, dh = mean["dynfault"]
    sw, sh = mean["sklearn"]
    good = abs(dw - sw) <= 0.02 and abs(dh - sh) <= 0.02 and (dw > dh) == (sw > sh)
    ok &= good
    print(f"| {corpus} {technique} | {name} | {dw:.3f} | {sw:.3f} | {dh:.3f} | {sh:.3f} | {'ok' if good else 'DIFFERS'} |")
print(f"{seeds} seeds; parity {'holds' if ok else 'FAILS'} (+-0.02, same within > held-out ordering)")
sys.exit(0 if ok else 1)
PY
