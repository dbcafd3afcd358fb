#!/usr/bin/python3
"""Golden files for tests/evaluate: scikit-learn 1.2 answers on fixed inputs.

Run with Debian's python3 (python3-sklearn 1.2.1, numpy 1.24.2):
    /usr/bin/python3 scripts/golden/sklearn_golden.py tests/evaluate/golden
Every input is written next to its answer, so the C++ tests need no numpy RNG.
"""
import json
import sys
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (accuracy_score, average_precision_score, balanced_accuracy_score,
                             precision_recall_curve, roc_auc_score, silhouette_score)
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler, label_binarize

warnings.filterwarnings("ignore")


def tolist(a):
    return np.asarray(a).tolist()


def fold_ids(splitter, X, y, groups=None):
    fold = np.full(len(y), -1)
    for f, (_, test) in enumerate(splitter.split(X, y, groups)):
        fold[test] = f
    return fold.tolist()


def logistic_cases(rng):
    cases = []
    specs = [("binary", 80, 5, [0.7, 0.3]), ("four_class", 120, 6, [0.4, 0.3, 0.2, 0.1]),
             ("three_class_strings", 90, 3, [0.5, 0.3, 0.2])]
    for name, n, d, weights in specs:
        k = len(weights)
        y = rng.choice(k, size=n, p=weights)
        centres = rng.normal(0, 1.5, size=(k, d))
        X = centres[y] + rng.normal(0, 1.0, size=(n, d))
        X[:, 0] *= 3.0  # unequal scales
        labels = np.array(["Layer", "Loss", "Hyperparameter", "Optimization"])[y] if "strings" in name else y
        tight = LogisticRegression(C=1.0, class_weight="balanced", multi_class="ovr", solver="newton-cg",
                                   tol=1e-12, max_iter=10000).fit(X, labels)
        lbfgs = LogisticRegression(C=1.0, class_weight="balanced", multi_class="ovr", tol=1e-12,
                                   max_iter=100000).fit(X, labels)
        cases.append({
            "name": name, "X": tolist(X), "y": tolist(labels),
            "classes": tolist(tight.classes_), "coef": tolist(tight.coef_), "intercept": tolist(tight.intercept_),
            "proba": tolist(tight.predict_proba(X)), "predict": tolist(tight.predict(X)),
            "lbfgs_max_abs_coef_diff": float(np.max(np.abs(lbfgs.coef_ - tight.coef_))),
        })
    # The reference doc's tiny case.
    X = np.arange(6.0).reshape(-1, 1)
    y = np.array([0, 0, 1, 0, 1, 1])
    tight = LogisticRegression(tol=1e-10, solver="newton-cg", max_iter=10000).fit(X, y)
    cases.append({"name": "doc_tiny", "X": tolist(X), "y": tolist(y), "classes": [0, 1],
                  "coef": tolist(tight.coef_), "intercept": tolist(tight.intercept_),
                  "proba": tolist(tight.predict_proba(X)), "predict": tolist(tight.predict(X)),
                  "unbalanced": True})
    return cases


def metric_cases(rng):
    cases = []
    fixed = [
        ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
        ([0, 0, 1, 1], [0.5, 0.5, 0.5, 0.5]),
        ([1, 0, 1, 0, 1], [.9, .9, .5, .5, .1]),
    ]
    for y, s in fixed:
        cases.append({"kind": "binary", "y": y, "score": s, "roc_auc": roc_auc_score(y, s),
                      "average_precision": average_precision_score(y, s)})
    for n in (7, 50, 333):
        y = rng.integers(0, 2, size=n)
        y[0], y[1] = 0, 1
        s = np.round(rng.random(n), 1)  # many ties
        cases.append({"kind": "binary", "y": tolist(y), "score": tolist(s), "roc_auc": roc_auc_score(y, s),
                      "average_precision": average_precision_score(y, s)})
    for n, k in ((40, 3), (200, 4), (97, 6)):
        y = rng.integers(0, k, size=n)
        y[:k] = np.arange(k)
        raw = np.round(rng.random((n, k)), 2) + 0.01
        proba = raw / raw.sum(axis=1, keepdims=True)
        pred = rng.integers(0, k, size=n)
        Y = label_binarize(y, classes=np.arange(k))
        cases.append({"kind": "multiclass", "y": tolist(y), "proba": tolist(proba), "pred": tolist(pred),
                      "roc_auc_ovr_macro": roc_auc_score(y, proba, multi_class="ovr", average="macro"),
                      "average_precision_macro": average_precision_score(Y, proba, average="macro"),
                      "balanced_accuracy": balanced_accuracy_score(y, pred),
                      "accuracy": accuracy_score(y, pred)})
    bal = [([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1]), ([0, 0, 1, 1], [0, 2, 1, 1])]
    for y, p in bal:
        cases.append({"kind": "balanced", "y": y, "pred": p, "balanced_accuracy": balanced_accuracy_score(y, p)})
    return cases


def split_cases(rng):
    cases = []
    ys = [[1, 1, 0, 0, 1, 1, 0, 1, 1, 1], tolist(rng.integers(0, 4, size=57)), tolist(rng.integers(0, 3, size=23)),
          tolist(np.repeat([2, 0, 1, 3], [30, 12, 7, 5]))]
    for y in ys:
        n_splits = 3 if len(y) == 10 else 5
        X = np.zeros((len(y), 1))
        entry = {"kind": "stratified", "y": y, "n_splits": n_splits,
                 "fold_noshuffle": fold_ids(StratifiedKFold(n_splits), X, y), "shuffled": []}
        for seed in (0, 42, 123456789, 4294967295):
            entry["shuffled"].append({"seed": seed, "fold": fold_ids(
                StratifiedKFold(n_splits, shuffle=True, random_state=seed), X, y)})
        cases.append(entry)
    # GroupKFold, including many tied group sizes (> 16 groups: numpy introsort order).
    sizes_list = [[5, 5, 4, 4, 3, 2, 1], tolist(rng.choice([2, 4, 6, 8], size=37)), tolist(rng.choice([1, 2, 3], size=60)),
                  tolist(rng.choice([2, 8], size=200))]
    for sizes in sizes_list:
        groups = np.repeat(np.arange(len(sizes)), sizes)
        perm = rng.permutation(len(groups)) if len(sizes) > 7 else np.arange(len(groups))
        groups = groups[perm]
        # non-contiguous string-like ids are sorted by np.unique: use numbers with gaps
        group_ids = (groups * 7 + 3).tolist()
        n_splits = 3 if len(sizes) == 7 else 5
        X = np.zeros((len(groups), 1))
        cases.append({"kind": "group", "groups": group_ids, "n_splits": n_splits,
                      "fold": fold_ids(GroupKFold(n_splits), X, np.zeros(len(groups)), group_ids)})
    # numpy argsort (quicksort kind) on int64 counts, the GroupKFold primitive.
    for n in (5, 17, 18, 40, 300):
        v = rng.integers(0, 4, size=n)
        cases.append({"kind": "argsort", "values": tolist(v), "order": tolist(np.argsort(v))})
    return cases


def preprocess_cases(rng):
    X = rng.normal(3.0, 2.0, size=(25, 5))
    X[rng.random((25, 5)) < 0.2] = np.nan
    X[:, 2] = np.nan  # all missing: dropped by the imputer (1.2)
    X[:, 3] = 7.25    # constant: scale 1
    imp = SimpleImputer(strategy="median").fit(X[:20])
    Xi = imp.transform(X)
    sc = StandardScaler().fit(Xi[:20])
    out = {"X": np.where(np.isnan(X), None, X).tolist(), "fit_rows": 20,
           "imputer_statistics": np.where(np.isnan(imp.statistics_), None, imp.statistics_).tolist(),
           "imputed": tolist(Xi), "scaler_mean": tolist(sc.mean_), "scaler_scale": tolist(sc.scale_),
           "scaled": tolist(sc.transform(Xi))}
    q = rng.random(101)
    out["percentile_input"] = tolist(q)
    out["percentiles"] = {str(p): float(np.percentile(q, p)) for p in (2.5, 50, 97.5, 25, 75)}
    return out


def cluster_cases(rng):
    cases = []
    X = np.array([[0, 0], [0, 1], [1, 0], [5, 5], [5, 6], [9, 9]], dtype=float)
    lab = [0, 0, 0, 1, 1, 2]
    cases.append({"kind": "silhouette", "X": tolist(X), "labels": lab, "value": silhouette_score(X, lab)})
    X = rng.normal(size=(60, 4))
    lab = rng.integers(0, 5, size=60)
    X += lab[:, None] * 0.7
    cases.append({"kind": "silhouette", "X": tolist(X), "labels": tolist(lab), "value": silhouette_score(X, lab)})
    # MMD^2 (biased V-statistic), RBF k = exp(-d^2 / median(d^2 > 0)) on the pooled sample (Gretton's convention).
    A = rng.normal(0.0, 1.0, size=(15, 3))
    B = rng.normal(0.5, 1.2, size=(11, 3))
    P = np.vstack([A, B])
    d2 = ((P[:, None, :] - P[None, :, :]) ** 2).sum(-1)
    med = np.median(d2[np.triu_indices(len(P), 1)][d2[np.triu_indices(len(P), 1)] > 0])
    gamma = 1.0 / med
    mmd = rbf_kernel(A, A, gamma=gamma).mean() + rbf_kernel(B, B, gamma=gamma).mean() - 2 * rbf_kernel(A, B, gamma=gamma).mean()
    cases.append({"kind": "mmd", "A": tolist(A), "B": tolist(B), "median_sq_distance": float(med), "mmd2": float(mmd)})
    return cases


def saturated_cases():
    """OvR rows where two sigmoids saturate at 1.0: predict_proba ties, predict
    (argmax of decision_function) takes the larger margin."""
    X = np.array([[0, 0], [20, 0], [0, 20], [20, 20]], dtype=float)
    X = np.repeat(X, 10, axis=0) + np.tile(np.linspace(-1, 1, 10)[:, None] * [[1, -1]], (4, 1))
    y = np.repeat([0, 1, 2, 3], 10)
    model = LogisticRegression(C=1.0, class_weight="balanced", multi_class="ovr", solver="newton-cg",
                               tol=1e-12, max_iter=10000).fit(X, y)
    grid = np.array([[a, b] for a in np.linspace(-400, 400, 41) for b in np.linspace(-400, 400, 41)])
    dec = model.decision_function(grid)
    proba = model.predict_proba(grid)
    pred = model.predict(grid)
    top = np.sort(dec, axis=1)
    keep = np.flatnonzero((np.argmax(proba, axis=1) != pred) & (top[:, -1] - top[:, -2] > 1.0))[::29]
    return [{"name": "saturated_ovr", "X": tolist(X), "y": tolist(y), "X_test": tolist(grid[keep]),
             "decision": tolist(dec[keep]), "proba": tolist(proba[keep]), "predict": tolist(pred[keep])}]


def kmeans_cases(rng):
    cases = []
    specs = [("blobs", 90, 2, 3, 6.0), ("overlap", 200, 5, 4, 1.5), ("many", 300, 7, 7, 2.5)]
    for name, n, d, k, spread in specs:
        centres = rng.normal(0, spread, size=(k, d))
        lab = rng.integers(0, k, size=n)
        X = centres[lab] + rng.normal(0, 1.0, size=(n, d))
        X[:, 0] *= 10.0
        init = X[rng.choice(n, size=k, replace=False)]
        km = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd").fit(X)
        best = KMeans(n_clusters=k, init="k-means++", n_init=10, algorithm="lloyd", random_state=0).fit(X)
        cases.append({"name": name, "X": tolist(X), "K": k, "init": tolist(init), "labels": tolist(km.labels_),
                      "inertia": float(km.inertia_), "centres": tolist(km.cluster_centers_), "n_iter": int(km.n_iter_),
                      "silhouette": float(silhouette_score(X, km.labels_)),
                      "sklearn_seeded_inertia": float(best.inertia_)})
    return cases


def pca_cases(rng):
    cases = []
    for n, d in ((40, 6), (120, 3), (25, 7)):
        X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(0, 5, size=d)
        p = PCA(2, svd_solver="full").fit(X)
        cases.append({"X": tolist(X), "coordinates": tolist(p.transform(X)), "components": tolist(p.components_),
                      "explained_variance_ratio": tolist(p.explained_variance_ratio_)})
    return cases


def pr_curve_cases(rng):
    cases = []
    for n in (12, 80, 400):
        y = rng.integers(0, 2, size=n)
        y[0] = 1
        s = np.round(rng.random(n), 1 if n == 80 else 3)
        prec, rec, thr = precision_recall_curve(y, s)
        cases.append({"y": tolist(y), "score": tolist(s), "precision": tolist(prec), "recall": tolist(rec),
                      "thresholds": tolist(thr)})
    return cases


def grid_cases():
    # DEFault's detector grid (Fault_Detection.py) in GridSearchCV's order: ParameterGrid sorts the
    # keys and varies the last fastest; that order breaks ties between equal mean scores.
    from sklearn.model_selection import ParameterGrid
    grid = {"n_estimators": [50, 100, 200], "max_depth": [None, 10, 20, 30], "min_samples_split": [2, 5, 10],
            "min_samples_leaf": [1, 2, 4], "max_features": ["sqrt", "log2"]}
    return [{"default_grid": [{k: (0 if v is None else v) for k, v in p.items()} for p in ParameterGrid(grid)]}]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/evaluate/golden"
    rng = np.random.default_rng(20240601)
    meta = {"sklearn": sklearn.__version__, "numpy": np.__version__}
    for name, payload in (("logistic", logistic_cases(rng)), ("metrics", metric_cases(rng)),
                          ("splits", split_cases(rng)), ("preprocess", preprocess_cases(rng)),
                          ("cluster", cluster_cases(rng))):
        with open(f"{out}/{name}.json", "w") as f:
            json.dump({"generated_by": "scripts/golden/sklearn_golden.py", **meta, "cases": payload}, f, indent=None)
            f.write("\n")
    # Added later, from their own stream so the files above stay as they were.
    rng2 = np.random.default_rng(20261206)
    for name, payload in (("saturated", saturated_cases()), ("kmeans", kmeans_cases(rng2)), ("pca", pca_cases(rng2)),
                          ("pr_curve", pr_curve_cases(rng2)), ("rf_grid", grid_cases())):
        with open(f"{out}/{name}.json", "w") as f:
            json.dump({"generated_by": "scripts/golden/sklearn_golden.py", **meta, "cases": payload}, f, indent=None)
            f.write("\n")


if __name__ == "__main__":
    main()
