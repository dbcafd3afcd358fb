#!/usr/bin/env bash
# RQ1 outputs on the published Deep4ge sample, compared byte for byte with the
# checksums committed in tests/integration/rq1_deep4ge.sha256: a refactor that
# changes any number, row order or formatting of `dynfault evaluate rq1` fails.
#
#   bash scripts/rq1-identity.sh [DYNFAULT] [WORKDIR]           check
#   bash scripts/rq1-identity.sh --update [DYNFAULT] [WORKDIR]  rewrite the checksums
#                                                               (only for an explained change)
# The sample is ${DYNFAULT_SHARED_DIR:-<repo>/../shared}/datasets/deep4ge-sample; without it the
# script exits 77 (skipped: a user's clone has no shared data).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
dynfault=${1:-$root/build/cli/dynfault}
work=${2:-}
if [ -z "$work" ]; then
  work=$(mktemp -d "${TMPDIR:-/tmp}/dynfault-rq1-identity.XXXXXX")
  trap 'rm -rf "$work"' EXIT  # a scratch directory of our own; kept when WORKDIR is given
fi
shared=${DYNFAULT_SHARED_DIR:-$root/../shared}
sample=$shared/datasets/deep4ge-sample
expected=$root/tests/integration/rq1_deep4ge.sha256

if [ ! -f "$sample/manifest.csv" ]; then
  echo "rq1-identity: skipped: no $sample (the shared data is not in a clone)"
  exit 77
fi
[ -x "$dynfault" ] || { echo "rq1-identity: no dynfault binary at $dynfault" >&2; exit 2; }

dynfault=$(cd "$(dirname "$dynfault")" && pwd)/$(basename "$dynfault")
rm -rf "$work/out"
mkdir -p "$work/out"
# Relative paths from the work directory: run.json and summary.md name the corpus as given.
cd "$work"
"$dynfault" collect import-csv "$sample/traces" --manifest "$sample/manifest.csv" --out deep4ge.h5 2>/dev/null
# Two configurations: the defaults (baseline channels), and every channel with a
# short bootstrap (the V2 columns, the imputer's all-missing columns, clipping).
"$dynfault" evaluate rq1 deep4ge.h5 --out out/baseline --dump out/baseline-dump \
  --bootstrap 200 --permutations 5 >/dev/null
"$dynfault" evaluate rq1 deep4ge.h5 --out out/all --dump out/all-dump \
  --channels all --k 1,5,10 --table-k 5 --bootstrap 100 --permutations 3 --seed 7 >/dev/null

bash "$root/scripts/compare-checksums.sh" rq1-identity "$work/out" "$expected" $([ "$update" = 1 ] && echo --update)
