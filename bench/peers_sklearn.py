#!/usr/bin/python3
"""The Fig. 13 classification of `dynfault evaluate peers`, in scikit-learn 1.2.

Reads what dynfault exports (no re-implementation of the features): the
peers' feature table <OUT>/features_<technique>.csv and the folds of the
run, <DUMP>/folds/cat4.csv. Fits, per technique, the same pipeline on the same
folds -- SimpleImputer(median) -> StandardScaler -> classifier -- with
    logistic_regression    LogisticRegression(C=1, class_weight='balanced', multi_class='ovr')
    random_forest_default  RandomForestClassifier() (DEFault: sklearn's defaults)
    random_forest_deepfd   RandomForestClassifier(n_estimators=32, max_depth=10, max_features=min(60, d))
all with n_jobs=1, random_state=SEED, and prints balanced accuracy within and
held-out (point estimates). Random forests agree statistically, not bit for
bit (docs/peers.md): bench/peers_parity.sh compares means over seeds.

    /usr/bin/python3 bench/peers_sklearn.py OUT DUMP [--seed 0] [--parts lr,rf] [--csv FILE]
"""
import argparse
import csv
import sys
import time
import warnings

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

warnings.filterwarnings("ignore")


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def classifier(name, d, seed):
    if name == "logistic_regression":
        return LogisticRegression(C=1.0, class_weight="balanced", multi_class="ovr", max_iter=10000)
    if name == "random_forest_default":
        return RandomForestClassifier(random_state=seed, n_jobs=1)
    if name == "random_forest_deepfd":
        return RandomForestClassifier(n_estimators=32, max_depth=10, max_features=min(60, d), random_state=seed, n_jobs=1)
    raise ValueError(name)


def out_of_fold(X, y, folds, make):
    predicted = np.empty(len(y), dtype=int)
    for f in sorted(set(folds)):
        test = folds == f
        model = make_pipeline(SimpleImputer(strategy="median"), StandardScaler(), make())
        model.fit(X[~test], y[~test])
        predicted[test] = model.predict(X[test])
    return predicted


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("dump")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--parts", default="lr,rf")
    p.add_argument("--csv")
    a = p.parse_args()
    parts = a.parts.split(",")
    folds = {r["run_id"]: r for r in read_csv(f"{a.dump}/folds/cat4.csv")}
    rows = []
    seconds = {"lr": 0.0, "rf": 0.0}
    for technique in ("default", "deepfd"):
        try:
            table = read_csv(f"{a.out}/features_{technique}.csv")
        except FileNotFoundError:
            continue
        names = [c for c in table[0].keys() if c not in ("run_id", "program", "label")]
        table = [r for r in table if r["run_id"] in folds]
        X = np.array([[float(r[c]) if r[c] != "" else np.nan for c in names] for r in table])
        X[~np.isfinite(X)] = np.nan  # dynfault clips to +-1e12 already; NaN imputed per split
        y = np.array([int(folds[r["run_id"]]["class"]) for r in table])
        for name in ("logistic_regression", f"random_forest_{technique}"):
            part = "lr" if name == "logistic_regression" else "rf"
            if part not in parts:
                continue
            start = time.process_time()
            scores = {}
            for scheme in ("within", "heldout"):
                fold = np.array([int(folds[r["run_id"]][f"fold_{scheme}"]) for r in table])
                predicted = out_of_fold(X, y, fold, lambda: classifier(name, X.shape[1], a.seed))
                scores[scheme] = balanced_accuracy_score(y, predicted)
            seconds[part] += time.process_time() - start
            rows.append((technique, name, X.shape[1], scores["within"], scores["heldout"]))
    for t, n, d, w, h in rows:
        print(f"sklearn {t:8s} {n:22s} d={d:3d} within {w:.3f} heldout {h:.3f} gap {w - h:.3f}")
    print(f"sklearn CPU seconds: lr {seconds['lr']:.2f}, rf {seconds['rf']:.2f}", file=sys.stderr)
    if a.csv:
        with open(a.csv, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["technique", "classifier", "features", "within", "heldout"])
            for r in rows:
                w.writerow(r)


if __name__ == "__main__":
    main()
