#!/usr/bin/env bash
# Checks a `dynfault report` directory as a person would look at it (docs/report.md): headless
# Chromium loads REPORT/index.html from file:// (no network, a fresh profile) and the dumped DOM
# must hold every figure the page declares drawn as <svg>, REPORT/figures/ one SVG per figure,
# every TABLE id given, no console message and no page error. Writes REPORT/../<name>.png, a
# screenshot of the whole page, unless CHECK_REPORT_SCREENSHOT=0.
# Usage: check-report.sh REPORT [MIN_FIGURES [TABLE...]]
# Exit 0 when it holds, 1 when it does not (one line saying what), 77 without chromium.
# Prints "<report>: N figures drawn, T tables present" and leaves the DOM in $CHECK_REPORT_WORK
# (default a temporary directory, removed) as dom.html.
set -euo pipefail
report=${1:?usage: check-report.sh REPORT [MIN_FIGURES [TABLE...]]}
min=${2:-1}
shift $(( $# >= 2 ? 2 : 1 ))
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "skipped: no chromium (scripts/install-deps.sh installs it)"; exit 77; }
[ -f "$report/index.html" ] || { echo "$report/index.html: no such report"; exit 1; }
report=$(cd "$report" && pwd)
work=${CHECK_REPORT_WORK:-}
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work"

expected=$(sed -n 's/.*<meta name="dynfault-figures" content="\([0-9]*\)">.*/\1/p' "$report/index.html")
[ -n "$expected" ] && [ "$expected" -ge "$min" ] || {
  echo "$report: expected at least $min figures, the page declares '$expected'"; exit 1; }
if [ "$expected" -gt 0 ]; then
  [ "$(ls "$report"/figures/*.svg 2>/dev/null | wc -l)" -eq "$expected" ] || {
    echo "$report/figures/*.svg: not one per figure"; exit 1; }
fi
rm -rf "$work/profile"
browse=(timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile"
        --enable-logging=stderr --v=0 --virtual-time-budget=30000)
"${browse[@]}" --dump-dom "file://$report/index.html" >"$work/dom.html" 2>"$work/console.log"
if grep -q "CONSOLE" "$work/console.log"; then
  echo "$report: console messages in the browser: $(grep "CONSOLE" "$work/console.log" | head -3 | tr '\n' ' ')"
  exit 1
fi
grep -q '<pre id="report-errors" hidden=""></pre>' "$work/dom.html" || {
  echo "$report: page errors: $(grep -A3 'report-errors' "$work/dom.html" | tr '\n' ' ')"; exit 1; }
grep -q "data-rendered=\"$expected\"" "$work/dom.html" || {
  echo "$report: body data-rendered is not $expected ($(grep -o 'data-rendered="[0-9]*"' "$work/dom.html"))"; exit 1; }
svgs=$(sed -n "/^<body/,\$p" "$work/dom.html" | grep -o "<svg" | wc -l)  # the inlined scripts in <head> hold "<svg" strings
[ "$svgs" -eq "$expected" ] || { echo "$report: $svgs <svg> elements after rendering, expected $expected"; exit 1; }
for name in $(sed -n 's/.*<div class="chart" id="chart-\([a-z0-9_]*\)">.*/\1/p' "$report/index.html"); do
  grep -q "id=\"chart-$name\"[^>]*><svg" "$work/dom.html" || { echo "$report: figure $name not drawn"; exit 1; }
done
for table in "$@"; do
  grep -q "<table id=\"$table\">" "$work/dom.html" || { echo "$report: table $table missing"; exit 1; }
done
tables=$(grep -o '<table id="' "$work/dom.html" | wc -l)
if [ "${CHECK_REPORT_SCREENSHOT:-1}" != 0 ]; then
  shot="$(dirname "$report")/$(basename "$report").png"
  "${browse[@]}" --window-size=1280,9000 --hide-scrollbars --screenshot="$shot" "file://$report/index.html" \
    >/dev/null 2>&1
  [ -s "$shot" ] || { echo "$report: no screenshot written"; exit 1; }
fi
echo "$report: $svgs figures drawn, $tables tables present, no console message or page error"
