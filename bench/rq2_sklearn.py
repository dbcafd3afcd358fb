#!/usr/bin/python3
"""The RQ2 pipeline of `dynfault evaluate rq2`, written with scikit-learn 1.2.

Same runs (every run with an epoch), instability label (loss > threshold or
non-finite at any epoch), window features, Table VI detection (GroupKFold /
StratifiedKFold, logistic regression, ROC-AUC and average precision; point
estimates), epoch-0 geometry (curvature.h's channels), k-means from dynfault's
dumped initial centres (KMeans(init=<array>, n_init=1) per restart, best
inertia), silhouettes, the Table VII phenotypes, PCA(2, svd_solver='full') and
the LOPO triage (again from dynfault's dumped centres), so clusters, phenotype
counts and triage counts compare exactly. Used by bench/evaluate_bench.sh:

    /usr/bin/python3 bench/rq2_sklearn.py CORPUS.h5 DYNFAULT_DUMP --out DIR [--k 1,3] [--folds 5]
        [--clusters 2,...] [--triage-k 7] [--restarts 10] [--seed 0]
    /usr/bin/python3 bench/rq2_sklearn.py --compare DIR DYNFAULT_OUT
"""
import argparse
import csv
import json
import os
import warnings

import sys

import h5py
import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score, silhouette_score
from sklearn.model_selection import GroupKFold, StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from evaluate_sklearn import features  # noqa: E402  (the same window features as RQ1's reference)

warnings.filterwarnings("ignore")
BASELINE = ["train_loss", "train_acc", "val_loss", "val_acc"]
# evaluate/curvature.h: the paper's muHVP and sigmaHVP are the CF probe's cross-layer mean and std.
MEAN_HVP, HVP_STD, GRAD_STD, LAYER_HVP = "cf_hvp_layer_mean", "cf_hvp_layer_std", "cf_grad_std", "hvp_norm"
VARIANTS = {"baseline": BASELINE, "baseline_no_loss": ["train_acc", "val_acc"],
            "cf": BASELINE + [MEAN_HVP, HVP_STD], "cf_no_loss": ["train_acc", "val_acc", MEAN_HVP, HVP_STD]}


def s(x):
    return x.decode() if isinstance(x, bytes) else x


def load(path):
    runs = []
    with h5py.File(path, "r") as f:
        idx = f["index"]
        for rid, prog, epochs in zip(idx["run_id"][()], idx["program"][()], idx["epochs"][()]):
            rid, prog = s(rid), s(prog)
            if epochs <= 0:
                continue
            g = f["runs"][rid]
            ds = g["channels"]
            run = {"run_id": rid, "program": prog, "values": ds[()], "names": [s(n) for n in ds.attrs["names"]]}
            if "layers" in g and LAYER_HVP in g["layers"]:
                run["layers"] = g["layers"][LAYER_HVP][()]
            runs.append(run)
    runs.sort(key=lambda r: r["run_id"])
    return runs


def column(run, name):
    return run["values"][:, run["names"].index(name)] if name in run["names"] else None


def unstable(run, t):
    for e in range(run["values"].shape[0]):
        for c in ("train_loss", "val_loss"):
            v = column(run, c)
            if v is not None and (not np.isfinite(v[e]) or v[e] > t):
                return True
    return False


def lg(x):
    return np.log10(np.clip(x, 1e-12, 1e12))


def geometry(runs):
    rows, raw = [], []
    any_layers = any("layers" in r for r in runs)
    for i, r in enumerate(runs):
        m = column(r, MEAN_HVP)[0]
        if np.isnan(m):
            continue
        hs, gs = column(r, HVP_STD), column(r, GRAD_STD)
        f = [lg(m), lg(hs[0]) if hs is not None else np.nan, lg(gs[0]) if gs is not None else np.nan]
        if any_layers:  # core/hvp_profile.h recomputed here from the per-layer series itself
            if "layers" in r and len(r["layers"][0]):
                v = np.asarray(r["layers"][0], dtype=float)
                depth = np.arange(len(v)) / (len(v) - 1) if len(v) > 1 else np.zeros(len(v))
                ok = np.isfinite(v) & (v > 0)
                slope = np.nan
                if ok.sum() >= 2:
                    x, y = depth[ok], np.log10(v[ok])
                    slope = ((x - x.mean()) * (y - y.mean())).sum() / ((x - x.mean()) ** 2).sum()
                f += [lg(np.median(v)), lg(v.max()), lg(v.min()), slope]
            else:
                f += [np.nan] * 4
        rows.append(i)
        raw.append(f)
    return rows, np.array(raw)


def standardise(fit, apply):
    imp = SimpleImputer(strategy="median").fit(fit)
    sc = StandardScaler().fit(imp.transform(fit))
    return sc.transform(imp.transform(apply))


def best_from(Z, dump, prefix, K, restarts):
    best = None
    for r in range(restarts):
        init = np.loadtxt(os.path.join(dump, f"{prefix}_r{r}_init.csv"), delimiter=",", ndmin=2)
        km = KMeans(n_clusters=K, init=init, n_init=1, algorithm="lloyd").fit(Z)
        if best is None or km.inertia_ < best.inertia_:
            best = km
    return best


def counts(flag, y):
    tp, fp = int((flag & y).sum()), int((flag & ~y).sum())
    fn, tn = int((~flag & y).sum()), int((~flag & ~y).sum())
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn}


def run(a):
    runs = load(a.corpus)
    thresholds = [float(t) for t in a.thresholds.split(",")]
    y_all = np.array([unstable(r, thresholds[0]) for r in runs])
    out = {"fig5a": [{"threshold": t, "unstable": int(sum(unstable(r, t) for r in runs))} for t in thresholds]}
    cf = [i for i, r in enumerate(runs) if MEAN_HVP in r["names"]]
    pop = [runs[i] for i in cf]
    y = y_all[cf].astype(int)
    g = np.array([r["program"] for r in pop])
    det = []
    pipe = lambda: make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                                 LogisticRegression(C=1.0, class_weight="balanced", multi_class="ovr"))
    for name, channels in VARIANTS.items():
        for k in [int(x) for x in a.k.split(",")]:
            X = features(pop, k, channels)
            for split, cv, groups in (("heldout", GroupKFold(a.folds), g),
                                      ("within", StratifiedKFold(a.folds, shuffle=True, random_state=a.seed), None)):
                P = cross_val_predict(pipe(), X, y, cv=cv, groups=groups, method="predict_proba")[:, 1]
                det.append({"k": k, "variant": name, "split": split, "roc_auc": roc_auc_score(y, P),
                            "average_precision": average_precision_score(y, P)})
    out["table6"] = det
    rows, raw = geometry(pop)
    Z = standardise(raw, raw)
    yg = y[rows].astype(bool)
    progs = g[rows]
    Ks = sorted(set([int(x) for x in a.clusters.split(",")] + [a.triage_k]))
    sil, labels_k = [], None
    for K in Ks:
        km = best_from(Z, os.path.join(a.dump, "kmeans"), f"K{K}", K, a.restarts)
        if K in [int(x) for x in a.clusters.split(",")]:
            sil.append({"K": K, "silhouette": silhouette_score(Z, km.labels_), "inertia": km.inertia_})
        if K == a.triage_k:
            labels_k, centres = km.labels_, km.cluster_centers_
    out["silhouettes"] = sil
    term = int(np.argmax(centres[:, 0]))
    out["phenotypes"] = [{"cluster": c, "runs": int((labels_k == c).sum()),
                          "unstable": int(((labels_k == c) & yg).sum())} for c in range(a.triage_k)]
    out["in_sample"] = counts(labels_k == term, yg)
    out["pca"] = PCA(2, svd_solver="full").fit_transform(Z).tolist()
    lopo = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for p in sorted(set(progs)):
        train, test = progs != p, progs == p
        Zt = standardise(raw[train], raw[train])
        km = best_from(Zt, os.path.join(a.dump, "triage"), p, a.triage_k, a.restarts)
        t = int(np.argmax(km.cluster_centers_[:, 0]))
        flag = km.predict(standardise(raw[train], raw[test])) == t
        for key, v in counts(flag, yg[test]).items():
            lopo[key] += v
    out["lopo"] = lopo
    with open(os.path.join(a.out, "rq2_sklearn.json"), "w") as f:
        json.dump(out, f, indent=1)


def read_csv(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def compare(py_dir, dyn_dir):
    py = json.load(open(os.path.join(py_dir, "rq2_sklearn.json")))
    det = {(int(r["k"]), r["variant"], r["split"], r["metric"]): float(r["value"])
           for r in read_csv(os.path.join(dyn_dir, "table6_detection.csv"))}
    d6 = max(abs(det[(r["k"], r["variant"], r["split"], m)] - r[m]) for r in py["table6"]
             for m in ("roc_auc", "average_precision"))
    sil = {int(r["K"]): float(r["silhouette"]) for r in read_csv(os.path.join(dyn_dir, "table7_silhouette.csv"))}
    ds = max(abs(sil[r["K"]] - r["silhouette"]) for r in py["silhouettes"])
    ph = read_csv(os.path.join(dyn_dir, "table7_phenotypes.csv"))
    same_ph = all(int(ph[r["cluster"]]["runs"]) == r["runs"] and int(ph[r["cluster"]]["unstable_runs"]) == r["unstable"]
                  for r in py["phenotypes"])
    tri = {r["program"]: r for r in read_csv(os.path.join(dyn_dir, "triage_lopo.csv"))}["all"]
    same_lopo = all(int(tri[k]) == v for k, v in py["lopo"].items())
    pca = np.array([[float(r["pc1"]), float(r["pc2"])] for r in read_csv(os.path.join(dyn_dir, "fig8_pca.csv"))])
    dp = float(np.abs(pca - np.array(py["pca"])).max())
    fig5 = {float(r["threshold"]): int(r["unstable"]) for r in read_csv(os.path.join(dyn_dir, "fig5a_summary.csv"))}
    same5 = all(fig5[r["threshold"]] == r["unstable"] for r in py["fig5a"])
    print(f"rq2 vs scikit-learn: fig5a counts {'equal' if same5 else 'DIFFER'}; Table VI max |diff| {d6:.2e}; "
          f"silhouettes {ds:.2e}; phenotype counts {'equal' if same_ph else 'DIFFER'}; "
          f"LOPO counts {'equal' if same_lopo else 'DIFFER'} {py['lopo']}; PCA {dp:.2e}")
    return 0 if same5 and same_ph and same_lopo and d6 < 1e-3 and ds < 1e-6 and dp < 1e-6 else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("dump", nargs="?")
    ap.add_argument("--out")
    ap.add_argument("--thresholds", default="1e6,1e3,1e4")
    ap.add_argument("--k", default="1,3,5,10,20,50")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--clusters", default="2,3,4,5,6,7,8,9,10")
    ap.add_argument("--triage-k", type=int, default=7)
    ap.add_argument("--restarts", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compare", nargs=2)
    a = ap.parse_args()
    if a.compare:
        raise SystemExit(compare(*a.compare))
    run(a)


if __name__ == "__main__":
    main()
