#!/usr/bin/env bash
# compare-checksums.sh NAME DIR EXPECTED [--update]: the sha256 of every file
# below DIR, compared with (or, with --update, written to) EXPECTED. Used by the
# byte-identity checks (scripts/rq1-identity.sh, tests/integration/campaign_identity.sh).
set -euo pipefail
name=$1 dir=$2 expected=$3 update=${4:-}
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
(cd "$dir" && find . -type f | LC_ALL=C sort | xargs sha256sum) > "$actual"
if [ "$update" = --update ]; then
  cp "$actual" "$expected"
  echo "$name: wrote $(wc -l < "$expected") checksums to $expected"
  exit 0
fi
if diff -u "$expected" "$actual" >&2; then
  echo "$name: $(wc -l < "$actual") files byte-identical to $expected"
  exit 0
fi
echo "$name: files in $dir differ from $expected" >&2
exit 1
