#!/usr/bin/python3
"""The RQ3 pipeline of `dynfault evaluate rq3`, written with scikit-learn 1.2.

Recomputed here from the corpus, without dynfault's dump: the mismatch label
(stable runs with both accuracies; |train_acc - val_acc| >= 0.1, or > 0.1 with
--gap-rule gt, at some epoch of the first k), which runs carry the CF / OF
probes (the probe sets of evaluate/channel_sets.h), the populations and the
control (exact / program_overlap / single_probe), the window features, and
the within (StratifiedKFold(shuffle=True, random_state=seed)) and held-out
(GroupKFold) out-of-fold ROC-AUC of Table VIII, Table IX, Fig. 10 and the
Fig. 12 ablation (point estimates), plus Fig. 11's coefficients of the +OF
model in every within fold (newton-cg to tol=1e-10, so that they compare
with dynfault's exact optimum). Used by bench/evaluate_bench.sh (BENCH_PARTS=rq3)
and to write the golden file of tests/evaluate/test_rq3.cpp:

    /usr/bin/python3 bench/rq3_sklearn.py CORPUS.h5 --out DIR [--k 1,3,5,10,20,50] [--table-k 5]
        [--folds 5] [--seed 0] [--threshold 1e6] [--gap-rule ge] [--exact]
    /usr/bin/python3 bench/rq3_sklearn.py --compare PY_DIR DYNFAULT_OUT
"""
import argparse
import csv
import json
import os
import sys
import warnings

import numpy as np
import sklearn
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate_sklearn import BASELINE, features  # noqa: E402  (RQ1's reference window features)
from rq2_sklearn import column, load, unstable  # noqa: E402  (every run with an epoch; RQ2's instability)

warnings.filterwarnings("ignore")
# runner/probes/*.cpp DYNFAULT_PROBE_CHANNELS (names, or prefixes ending in *).
CF = ["cf_*", "mean_hvp", "hvp_std"]
OF = ["of_*", "sys_*", "gradient_max", "gradient_min", "gradient_median", "adjusted_lr", "mean_activation",
      "std_activation", "mean_grad", "std_grad", "cpu_utilization", "memory_usage", "gpu_memory_utilization",
      "learning_rate", "grad_global_norm"]
# evaluate/channel_sets.cpp's of_channel_groups().
GROUPS = {"activation": ["mean_activation", "std_activation"],
          "system": ["sys_*", "cpu_utilization", "memory_usage", "gpu_memory_utilization"],
          "gradient": ["gradient_max", "gradient_min", "gradient_median", "mean_grad", "std_grad", "grad_global_norm"],
          "learning_rate": ["adjusted_lr", "learning_rate"]}


def claims(patterns, c):
    if c == "sys_wall_seconds":
        return False
    return any(c.startswith(p[:-1]) if p.endswith("*") else c == p for p in patterns)


def mismatch(run, k, rule):
    d = np.abs(column(run, "train_acc")[:k] - column(run, "val_acc")[:k])
    with np.errstate(invalid="ignore"):
        return int(np.any(d >= 0.1 if rule == "ge" else d > 0.1))


def pipe(exact=False):
    # exact: newton-cg to tol 1e-10 (lbfgs stops at its ftol on ill-conditioned folds), for coefficients
    lr = LogisticRegression(C=1.0, class_weight="balanced", multi_class="ovr")
    if exact:
        lr.set_params(solver="newton-cg", tol=1e-10, max_iter=10000)
    return make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), lr)


def run(a):
    runs = load(a.corpus)
    ks = [int(x) for x in a.k.split(",")]
    lab = [r for r in runs if not unstable(r, a.threshold) and "train_acc" in r["names"] and "val_acc" in r["names"]]
    present = sorted({c for r in lab for c in r["names"]} | {c for r in runs for c in r["names"]})
    cf_ch = [c for c in present if claims(CF, c) and c not in BASELINE]
    of_ch = [c for c in present if claims(OF, c) and c not in BASELINE]
    has = lambda r, chs: any(c in r["names"] for c in chs)
    cf = [i for i, r in enumerate(lab) if has(r, cf_ch)]
    of = [i for i, r in enumerate(lab) if has(r, of_ch)]
    both = [i for i in cf if i in set(of)]
    sets = {"baseline": BASELINE, "cf": BASELINE + cf_ch, "of": BASELINE + of_ch}
    pops, t8, t9 = {}, [], []
    if cf:
        pops["cf_all"] = cf
        t9.append(("cf_all", "cf"))
    if of:
        pops["of_all"] = of
        t9.append(("of_all", "of"))
    if both:
        control = "exact"
        pops["both"] = both
        t8 = [("both", "cf"), ("both", "of")]
    elif cf and of:
        control = "program_overlap"
        overlap = {lab[i]["program"] for i in cf} & {lab[i]["program"] for i in of}
        for name, rows in (("cf", cf), ("of", of)):
            pops[name + "_overlap"] = [i for i in rows if lab[i]["program"] in overlap]
            t8.append((name + "_overlap", name))
    else:
        control = "single_probe"
        t8 = list(t9[:1])
    keys = set()
    for p, s in t8:
        keys |= {(p, "baseline", a.table_k), (p, s, a.table_k)}
    for p, s in t9:
        keys |= {(p, "baseline", k) for k in ks} | {(p, s, k) for k in ks}
    ablation = []
    if of:
        for g, pats in GROUPS.items():
            kept = [c for c in of_ch if not claims(pats, c)]
            if len(kept) < len(of_ch):
                sets["of_without_" + g] = BASELINE + kept
                ablation.append("of_without_" + g)
                keys.add(("of_all", "of_without_" + g, a.table_k))
    rows = []
    for p, s, k in sorted(keys):
        pr = [lab[i] for i in pops[p]]
        y = np.array([mismatch(r, k, a.gap_rule) for r in pr])
        g = np.array([r["program"] for r in pr])
        X = features(pr, k, sets[s])
        out = {"population": p, "features": s, "k": k, "runs": len(pr), "positives": int(y.sum())}
        for split, cv, groups in (("within", StratifiedKFold(a.folds, shuffle=True, random_state=a.seed), None),
                                  ("heldout", GroupKFold(a.folds), g)):
            P = cross_val_predict(pipe(), X, y, cv=cv, groups=groups, method="predict_proba")[:, 1]
            out[split] = roc_auc_score(y, P)
            if a.exact:
                P = cross_val_predict(pipe(exact=True), X, y, cv=cv, groups=groups, method="predict_proba")[:, 1]
                out[split + "_exact"] = roc_auc_score(y, P)
        rows.append(out)
    coef = []
    if of:
        pr = [lab[i] for i in pops["of_all"]]
        y = np.array([mismatch(r, a.table_k, a.gap_rule) for r in pr])
        X = features(pr, a.table_k, sets["of"])
        for train, _ in StratifiedKFold(a.folds, shuffle=True, random_state=a.seed).split(X, y):
            coef.append(pipe(exact=True).fit(X[train], y[train])[-1].coef_[0].tolist())
    res = {"sklearn": sklearn.__version__, "corpus": os.path.basename(a.corpus), "k": ks, "table_k": a.table_k,
           "folds": a.folds, "seed": a.seed, "gap_rule": a.gap_rule, "control": control, "labelled": len(lab), "rows": rows,
           "fig11_coefficients": coef}
    with open(os.path.join(a.out, "rq3_sklearn.json"), "w") as f:
        json.dump(res, f, indent=1)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def compare(py_dir, dyn_dir):
    py = json.load(open(os.path.join(py_dir, "rq3_sklearn.json")))
    dyn = {}
    for name in ("table8.csv", "table9.csv", "fig10_auc_by_k.csv", "fig12_ablation.csv"):  # fig12: of_without_<g>
        for r in read_csv(os.path.join(dyn_dir, name)):
            if r["roc_auc_within"]:
                dyn[(r["population"], r["features"], int(r["k"]))] = (float(r["roc_auc_within"]),
                                                                      float(r["roc_auc_heldout"]))
    missing = [(r["population"], r["features"], r["k"]) for r in py["rows"]
               if (r["population"], r["features"], r["k"]) not in dyn]
    diff = max(max(abs(dyn[(r["population"], r["features"], r["k"])][0] - r["within"]),
                   abs(dyn[(r["population"], r["features"], r["k"])][1] - r["heldout"]))
               for r in py["rows"] if (r["population"], r["features"], r["k"]) in dyn)
    coef = read_csv(os.path.join(dyn_dir, "fig11_coefficients.csv"))
    dc = 0.0
    if py["fig11_coefficients"]:
        ours = np.array([[float(r[f"fold{f}"]) for r in coef] for f in range(len(py["fig11_coefficients"]))])
        theirs = np.array(py["fig11_coefficients"])
        dc = float(np.abs(ours - theirs).max() / max(1.0, np.abs(theirs).max()))
    ctl = read_csv(os.path.join(dyn_dir, "table8.csv"))[0]["control"]
    print(f"rq3 vs scikit-learn: control {ctl} / {py['control']}; {len(py['rows'])} comparisons, {len(missing)} "
          f"missing; ROC-AUC max |diff| {diff:.2e}; Fig. 11 coefficients max relative |diff| {dc:.2e}")
    return 0 if not missing and ctl == py["control"] and diff < 1e-3 and dc < 1e-4 else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("--out")
    ap.add_argument("--k", default="1,3,5,10,20,50")
    ap.add_argument("--table-k", type=int, default=5)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=1e6)
    ap.add_argument("--gap-rule", default="ge", choices=["ge", "gt"])
    ap.add_argument("--exact", action="store_true",
                    help="also every ROC-AUC with newton-cg to tol 1e-10 (the golden file of tests/evaluate)")
    ap.add_argument("--compare", nargs=2)
    a = ap.parse_args()
    if a.compare:
        raise SystemExit(compare(*a.compare))
    run(a)


if __name__ == "__main__":
    main()
