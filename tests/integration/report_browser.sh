#!/usr/bin/env bash
# The report as a person would look at it: `dynfault report` on a synthetic
# corpus's `evaluate all` results, then headless Chromium loads index.html from
# file:// (no network) and the dumped DOM must hold every chart drawn as SVG,
# every table, and no console message or page error; the same for a second
# report, of `evaluate rq3` results (Figs. 10-12) on a synthetic mismatch
# corpus. Writes PNG screenshots (report.png, report-rq3.png in the scratch
# directory) for a person to look at. Also: without
# Node the HTML is still written (one-line warning, no SVGs); results of
# another corpus are a one-line error, exit 1, the old report intact.
# Usage: report_browser.sh DYNFAULT SCRATCH. Exit 77 (skipped) without
# chromium, node or the vega packages (scripts/install-deps.sh installs them).
set -euo pipefail
dynfault=$1 work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$(dirname "$dynfault")/.." && pwd)
make_corpus="$build/tests/evaluate/evaluate_synthetic_corpus"
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "skipped: no chromium"; exit 77; }
command -v node >/dev/null || { echo "skipped: no node"; exit 77; }
[ -f "$build/web/node_modules/vega/build/vega.min.js" ] || { echo "skipped: no $build/web (scripts/install-web.sh)"; exit 77; }
[ -x "$make_corpus" ] || { echo "missing $make_corpus"; exit 1; }

rm -rf "$work"
mkdir -p "$work"
cd "$work"
"$make_corpus" --instability corpus.h5 6 12 Hyperparameter,Layer,Loss,Optimization >/dev/null
"$make_corpus" --instability other.h5 6 10 Hyperparameter,Layer,Loss,Optimization >/dev/null
"$dynfault" evaluate all corpus.h5 --out results --labels category --k 1,3 --table-k 3 --folds 3 --bootstrap 30 \
  --permutations 3 --clusters 2,3 --triage-k 3 --restarts 2 --quiet >/dev/null
start=$(date +%s.%N)
"$dynfault" report corpus.h5 --results results --out report
end=$(date +%s.%N)
echo "report generated in $(echo "$end - $start" | bc) s, $(du -sb report | cut -f1) bytes"

# check_report DIR MIN_FIGURES TABLE...: scripts/check-report.sh (the check a user runs on any
# report): DIR/index.html declares at least MIN_FIGURES figures, DIR/figures/ holds one SVG each,
# and Chromium draws every one of them as <svg> with every TABLE present, no console message and no
# page error. Leaves the DOM in ./dom.html and the figure count in $svgs.
check_report() {
  CHECK_REPORT_WORK="$work/check" CHECK_REPORT_SCREENSHOT=0 bash "$root/scripts/check-report.sh" "$work/$1" "${@:2}"
  cp "$work/check/dom.html" dom.html
  svgs=$(sed -n "/^<body/,\$p" dom.html | grep -o "<svg" | wc -l)
}

browse=(timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile"
        --enable-logging=stderr --v=0 --virtual-time-budget=30000)
check_report report 11 table2 table2-categories tasks table4 fig2-table table5 table5-identity fig3a-table fig3b-table \
  separation rq2-parts fig5a-table table6 fig6-table fig7-table table7-silhouette table7 triage fig9-table paper-values \
  configuration
grep -q "not computed" dom.html || { echo "no 'not computed' entry (RQ3 figures should be listed)"; exit 1; }
# `evaluate all` runs peers on this corpus: Fig. 13 is among the SVGs counted above, its tables drawn.
[ -f results/peers/fig13.csv ] || { echo "results/peers/fig13.csv missing: evaluate all ran no peers"; exit 1; }
[ -s report/figures/fig13_peers.svg ] || { echo "report: figures/fig13_peers.svg missing"; exit 1; }
for table in fig13-table peers-rules; do
  grep -q "<table id=\"$table\">" dom.html || { echo "report: table $table missing"; exit 1; }
done
echo "chromium: $svgs SVG charts drawn, every table present, no console message"

# RQ3's charts (Figs. 10-12): the instability corpus has no CF/OF channels for rq3, so a
# probe-split corpus with a planted mismatch and its rq3 results make a second report.
"$make_corpus" --mismatch mismatch.h5 split >/dev/null
"$dynfault" evaluate rq3 mismatch.h5 --out rq3 --k 1,3,5 --bootstrap 20 --quiet >/dev/null
"$dynfault" report mismatch.h5 --results rq3 --out report-rq3
check_report report-rq3 4 table8 table9 fig10-table fig11-table fig12-table paper-values
for name in fig10_mismatch_auc_by_k fig11_coefficients fig12_ablation; do
  [ -s "report-rq3/figures/$name.svg" ] || { echo "report-rq3: figures/$name.svg missing"; exit 1; }
done
echo "chromium (rq3): $svgs SVG charts drawn (Figs. 10-12 among them), every table present, no console message"

"${browse[@]}" --window-size=1280,9000 --hide-scrollbars --screenshot="$work/report.png" "file://$work/report/index.html" \
  >/dev/null 2>&1
[ -s "$work/report.png" ] || { echo "no screenshot written"; exit 1; }
"${browse[@]}" --window-size=1280,4000 --hide-scrollbars --screenshot="$work/report-rq3.png" \
  "file://$work/report-rq3/index.html" >/dev/null 2>&1
[ -s "$work/report-rq3.png" ] || { echo "no rq3 screenshot written"; exit 1; }
echo "screenshots: $work/report.png, $work/report-rq3.png"

# Without Node: the HTML is still written, with a one-line warning, and no SVGs.
DYNFAULT_NODE=/nonexistent/node "$dynfault" report corpus.h5 --results results --out report-nonode 2>warn.txt
[ "$(wc -l <warn.txt)" -eq 1 ] && grep -q "warning: SVG figures skipped" warn.txt || { cat warn.txt; exit 1; }
[ -f report-nonode/index.html ] && ! ls report-nonode/figures/*.svg >/dev/null 2>&1 || { echo "no-node report wrong"; exit 1; }

# Results of another corpus: exit 1, one line naming the file, the old report untouched.
before=$(cd report && find . -type f -exec sha256sum {} + | sort)
set +e
"$dynfault" report other.h5 --results results --out report 2>err.txt
rc=$?
set -e
[ "$rc" -eq 1 ] || { echo "exit $rc for results of another corpus"; exit 1; }
[ "$(wc -l <err.txt)" -eq 1 ] && grep -qE "results/(peers|rq1)/run.json: results of another corpus" err.txt || { cat err.txt; exit 1; }
[ "$(cd report && find . -type f -exec sha256sum {} + | sort)" = "$before" ] || { echo "old report changed"; exit 1; }
[ -z "$(ls -A . | grep '^\.report')" ] || { echo "staging directory left behind"; exit 1; }
echo "ok"
