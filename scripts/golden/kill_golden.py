#!/usr/bin/python3
"""Golden file for tests/mutate: DeepCrime's kill rule computed by statsmodels.

Run with Debian's python3 (python3-statsmodels 0.13.5, scipy 1.10.1, numpy 1.24.2, pandas 1.5.3):
    /usr/bin/python3 scripts/golden/kill_golden.py tests/mutate/golden/kill.json
Every input list is written next to its answers, so the C++ test needs no numpy RNG.

Per case (docs/kill.md):
  p          Wald z p-value of the `Mod` term of the Gaussian GLM `Acc ~ Mod` (statsmodels)
  p_summary  the same p as DeepCrime reads it: float(summary().tables[1][2][4]) (3 decimals)
  d          DeepCrime's cohen_d (numpy, ddof=1, pooled)
  power      FTestAnovaPower().solve_power(effect_size=d, nobs=n+m, alpha=0.05)
  killed     DeepCrime's is_diff_sts: p_summary < 0.05 and d >= 0.5 (d <= -0.5 for regression)
  glm_error  exception class when statsmodels cannot fit (then p/p_summary/killed are absent)
  p_finite   GLM p on the finite values only (what dynfault reports when a list holds NaN/inf)
"""
import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.stats.power as pw
from patsy import dmatrices

warnings.filterwarnings("ignore")


def cohen_d(orig, mut):  # DeepCrime stats.py, verbatim formula
    nx = len(orig)
    ny = len(mut)
    dof = nx + ny - 2
    pooled_std = np.sqrt(((nx - 1) * np.std(orig, ddof=1) ** 2 + (ny - 1) * np.std(mut, ddof=1) ** 2) / dof)
    return (np.mean(orig) - np.mean(mut)) / pooled_std


def glm(orig, mut):
    # DeepCrime's p_value_glm, generalised to n != m (upstream builds Mod from len(orig) twice).
    df = pd.DataFrame({"Acc": list(orig) + list(mut), "Mod": [0] * len(orig) + [1] * len(mut)})
    response, predictors = dmatrices("Acc ~ Mod", df, return_type="dataframe")
    res = sm.GLM(response, predictors).fit()
    return float(res.pvalues.iloc[1]), float(str(res.summary().tables[1][2][4]))


def power(d, nobs):
    return float(pw.FTestAnovaPower().solve_power(effect_size=d, nobs=nobs, alpha=0.05))


def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def case(name, orig, mut, regression=False):
    orig = [float(v) for v in orig]
    mut = [float(v) for v in mut]
    out = {"name": name, "original": [num(v) for v in orig], "mutant": [num(v) for v in mut],
           "regression": regression}
    with np.errstate(all="ignore"):
        d = cohen_d(orig, mut)
    out["d"] = num(d)
    try:
        out["power"] = num(power(d, len(orig) + len(mut)))
    except Exception as e:  # noqa: BLE001
        out["power_error"] = type(e).__name__
    try:
        p, p_summary = glm(orig, mut)
        out["p"] = num(p)
        out["p_summary"] = num(p_summary)
        if regression:
            out["killed"] = bool(p_summary < 0.05 and d <= -0.5)
        else:
            out["killed"] = bool(p_summary < 0.05 and d >= 0.5)
    except Exception as e:  # noqa: BLE001
        out["glm_error"] = type(e).__name__
    fo = [v for v in orig if math.isfinite(v)]
    fm = [v for v in mut if math.isfinite(v)]
    if (len(fo) != len(orig) or len(fm) != len(mut)) and len(fo) >= 2 and len(fm) >= 2:
        out["p_finite"] = num(glm(fo, fm)[0])
    return out


def shifted_to_z(rng, n, m, z, loc, sd):
    """Lists whose Wald z is exactly z (up to rounding): shift a zero-difference pair."""
    a = rng.normal(loc, sd, n)
    b = rng.normal(loc, sd, m)
    b = b - b.mean() + a.mean()
    sp = math.sqrt(((n - 1) * a.var(ddof=1) + (m - 1) * b.var(ddof=1)) / (n + m - 2))
    return a, b - z * sp * math.sqrt(1 / n + 1 / m)


def main(path):
    rng = np.random.default_rng(20210711)  # DeepCrime ISSTA'21
    cases = []
    # Random accuracies: the common case. Shifts straddle the decision threshold.
    for i in range(120):
        n = int(rng.choice([3, 5, 8, 10, 15, 20, 25, 30, 40]))
        m = n if i % 4 else int(rng.choice([3, 5, 10, 15, 20]))
        loc = rng.uniform(0.3, 0.95)
        sd = rng.choice([0.001, 0.01, 0.03, 0.1])
        shift = rng.choice([0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, -1.0, -2.0]) * sd
        a = rng.normal(loc, sd, n)
        b = rng.normal(loc - shift, sd * rng.uniform(0.5, 2.0), m)
        cases.append(case(f"random_{i}", a, b, regression=bool(i % 5 == 0)))
    # Losses on a log scale, regression direction (mutant loss higher = killed).
    for i in range(30):
        n = int(rng.choice([5, 10, 20]))
        a = np.exp(rng.normal(-2.0, 0.3, n))
        b = np.exp(rng.normal(-2.0 + rng.choice([0.0, 0.2, 0.5, 1.0]), 0.3, n))
        cases.append(case(f"loss_{i}", a, b, regression=True))
    # Accuracies on a small validation set are multiples of 1/k: many ties.
    for i in range(20):
        n = 20
        k = int(rng.choice([6, 20, 28, 50]))
        a = rng.binomial(k, 0.8, n) / k
        b = rng.binomial(k, rng.choice([0.8, 0.7, 0.5]), n) / k
        cases.append(case(f"ties_{i}", a, b))
    # |z| around the 3-decimal rounding boundary: p in [0.0495, 0.05) prints 0.050 and is not killed.
    for i, z in enumerate([1.9500, 1.9600, 1.9620, 1.9640, 1.9642, 1.9643, 1.9645, 1.9660, 1.9700, 2.5]):
        a, b = shifted_to_z(rng, 20, 20, z, 0.8, 0.02)
        cases.append(case(f"boundary_{i}", a, b))
        cases.append(case(f"boundary_reg_{i}", b, a, regression=True))
    # Large offset: cancellation in the mean and variance.
    a = 1e6 + rng.normal(0, 1e-3, 20)
    cases.append(case("offset_1e6", a, a - 2e-3))
    # Edge cases (docs/kill.md).
    cases.append(case("all_identical", [0.5] * 10, [0.5] * 10))
    cases.append(case("constant_lists_mutant_worse", [0.5] * 5, [0.4] * 5))
    cases.append(case("constant_lists_mutant_better", [0.4] * 5, [0.5] * 5))
    cases.append(case("constant_lists_regression", [0.4] * 5, [0.5] * 5, regression=True))
    cases.append(case("one_constant", [0.5] * 5, [0.1, 0.2, 0.1, 0.2, 0.1]))
    cases.append(case("nan_in_mutant", [0.8, 0.82, 0.79, 0.81, 0.8], [0.5, float("nan"), 0.52, 0.49, 0.5]))
    cases.append(case("nan_in_original", [0.8, float("nan"), 0.79, 0.81, 0.8], [0.5, 0.51, 0.52, 0.49, 0.5]))
    cases.append(case("inf_in_mutant", [0.1, 0.12, 0.11, 0.1, 0.13], [0.5, float("inf"), 0.52, 0.49, 0.5],
                      regression=True))
    cases.append(case("two_each", [0.8, 0.9], [0.1, 0.2]))
    cases.append(case("equal_means_nonconstant", [0.1, 0.2, 0.3], [0.3, 0.2, 0.1]))
    with open(path, "w") as f:
        json.dump({"generator": "scripts/golden/kill_golden.py",
                   "versions": {"statsmodels": sm.__version__, "numpy": np.__version__,
                                "pandas": pd.__version__},
                   "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main(sys.argv[1])
