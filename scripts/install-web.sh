#!/usr/bin/env bash
# Installs the pinned vega / vega-lite / vega-embed of report/web/package-lock.json
# into ${1:-${DYNFAULT_BUILD_DIR:-build}}/web (`npm ci`), where `dynfault report`
# finds their UMD files (docs/report.md). Needs Node >= 18 and npm
# (scripts/install-deps.sh installs them). Idempotent: a web directory installed
# from the same lock file is kept (~0.1 s).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${DYNFAULT_BUILD_DIR:-$root/build}}
web="$build/web"
lock="$root/report/web/package-lock.json"

for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "install-web: $tool not found (run scripts/install-deps.sh as root)" >&2; exit 1; }
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 18 ]; then
  echo "install-web: Node $(node --version) is too old (vega 5 needs >= 18)" >&2
  exit 1
fi

stamp="$web/installed-lock.sha256"
want=$(sha256sum "$lock" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$web/node_modules/vega-embed" ]; then
  echo "install-web: $web up to date"
  exit 0
fi

mkdir -p "$web"
cp "$root/report/web/package.json" "$lock" "$web/"
rm -f "$stamp"
(cd "$web" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "$want" >"$stamp"
echo "install-web: installed vega, vega-lite, vega-embed into $web"
