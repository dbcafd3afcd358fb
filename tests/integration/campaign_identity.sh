#!/usr/bin/env bash
# A campaign's files stay byte-identical across refactors of how a run is named
# (RunIdentity, task ids, task seeds): a small campaign planned and run with the
# synthetic executor (one process: the journal's order is fixed), collected and
# exported: plan, journal, batch files, corpus and CSVs, compared with the checksums in
# tests/integration/campaign_identity.sha256. The synthetic traces depend on
# every identity field (ids, seeds, mutants), and carry no wall time.
#
#   campaign_identity.sh [--update] DYNFAULT WORKDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
dynfault=$1
work=$2
expected=$here/campaign_identity.sha256
rm -rf "$work" && mkdir -p "$work/out"
"$dynfault" campaign plan --set quick --repeats 2 --max-mutants 4 --scale smoke --probes cf,of --seed 4 \
  --out "$work/c" >/dev/null
"$dynfault" campaign run "$work/c" --executor noop --quiet
cp -r "$work/c/plan.json" "$work/c/journal.log" "$work/c/batches" "$work/out/"
"$dynfault" collect "$work/c" --out "$work/out/corpus.h5" >/dev/null 2>&1
"$dynfault" collect export-csv "$work/out/corpus.h5" --out "$work/out/csv" >/dev/null 2>&1

bash "$here/../../scripts/compare-checksums.sh" campaign-identity "$work/out" "$expected" \
  $([ "$update" = 1 ] && echo --update)
