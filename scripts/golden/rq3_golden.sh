#!/usr/bin/env bash
# Golden file of RQ3's numerical parity (tests/evaluate/golden/rq3_sklearn.json):
# bench/rq3_sklearn.py (scikit-learn 1.2, Debian's /usr/bin/python3) on two synthetic
# mismatch corpora written by evaluate_synthetic_corpus (deterministic), the same ones
# tests/evaluate/test_rq3.cpp writes in memory:
#   split  per-program probe split (program_overlap control), --gap-rule ge
#   both   both probes on every run (exact control), --gap-rule gt
# Usage: scripts/golden/rq3_golden.sh BUILD_DIR
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cases=()
for spec in split:ge both:gt; do
  probes=${spec%%:*} rule=${spec##*:}
  mkdir -p "$work/$probes"
  "$build/tests/evaluate/evaluate_synthetic_corpus" --mismatch "$work/$probes/mismatch_$probes.h5" "$probes"
  /usr/bin/python3 "$root/bench/rq3_sklearn.py" "$work/$probes/mismatch_$probes.h5" --out "$work/$probes" \
    --k 1,3,5 --table-k 5 --folds 5 --seed 7 --gap-rule "$rule" --exact
  cases+=("$work/$probes/rq3_sklearn.json")
done
/usr/bin/python3 - "$root/tests/evaluate/golden/rq3_sklearn.json" "${cases[@]}" <<'PY'
import json, sys
cases = [json.load(open(p)) for p in sys.argv[2:]]
for c, probes in zip(cases, ("split", "both")):
    c["probes"] = probes
json.dump({"sklearn": cases[0]["sklearn"], "made_by": "scripts/golden/rq3_golden.sh", "cases": cases},
          open(sys.argv[1], "w"), indent=1)
PY
echo "wrote tests/evaluate/golden/rq3_sklearn.json"
