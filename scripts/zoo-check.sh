#!/usr/bin/env bash
# Acceptance check of the runner on the program zoo: trains every program at
# smoke scale and every program of the default set (dynfault38) at reduced
# scale, both probes on, and prints one row per run (program, scale, status,
# epochs, seconds). Exits non-zero if any run crashed or failed. A run that
# exceeds the per-run time limit is killed and listed as "timeout" (too slow
# for this machine, not a failure of the program).
#
# Usage: scripts/zoo-check.sh [SEED]     (default seed 7)
# Env:   DYNFAULT_BIN       dynfault binary (default: $DYNFAULT_BUILD_DIR or build/, cli/dynfault)
#        ZOO_CHECK_SETS     "scale:set ..." (default "smoke:all reduced:dynfault38")
#        ZOO_CHECK_TIMEOUT  seconds per run (default 600)
#        ZOO_CHECK_WRAP     command prefix for each run, e.g. "flock /tmp/build.lock" on a shared machine
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DYNFAULT_BUILD_DIR:-$root/build}
dynfault=${DYNFAULT_BIN:-$build/cli/dynfault}
seed=${1:-7}
plan=${ZOO_CHECK_SETS:-"smoke:all reduced:dynfault38"}
limit=${ZOO_CHECK_TIMEOUT:-600}
read -r -a wrap <<<"${ZOO_CHECK_WRAP:-}"
[ -x "$dynfault" ] || { echo "zoo-check: no dynfault binary at $dynfault (set DYNFAULT_BIN)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1

printf '%-10s %-8s %-9s %7s %9s  %s\n' program scale status epochs seconds note
bad=0 total=0 unstable=0 slow=0
errors=()
for entry in $plan; do
  scale=${entry%%:*}
  set_name=${entry#*:}
  ids=$("$dynfault" programs list --set "$set_name" | awk 'NR > 1 {print $1}') || { echo "zoo-check: cannot list set $set_name" >&2; exit 2; }
  for id in $ids; do
    total=$((total + 1))
    out="$work/$id-$scale.h5"
    start=$(date +%s.%N)
    line=$("${wrap[@]}" timeout "$limit" "$dynfault" run --program "$id" --probes cf,of --seed "$seed" --scale "$scale" \
           --threads 1 --out "$out" 2>"$work/stderr")
    rc=$?
    if [ $rc -eq 124 ]; then
      slow=$((slow + 1))
      printf '%-10s %-8s %-9s %7s %9s  %s\n' "$id" "$scale" timeout - "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')" \
             "killed after ${limit} s"
      continue
    fi
    # "<id>: <status>[ (unstable)], <n> epochs, <s> s -> <path>"
    status=$(sed -n 's/^[^:]*: \([a-z]*\).*/\1/p' <<<"$line")
    epochs=$(sed -n 's/.*, \([0-9]*\) epochs,.*/\1/p' <<<"$line")
    seconds=$(sed -n 's/.* epochs, \([0-9.]*\) s ->.*/\1/p' <<<"$line")
    note=""
    [[ $line == *"(unstable)"* ]] && { note="unstable"; unstable=$((unstable + 1)); }
    if [ $rc -ne 0 ] || [ "$status" != ok ]; then
      bad=$((bad + 1))
      [ -n "$status" ] || status="error"
      note=$(head -c 200 "$work/stderr" | head -n 1)
      errors+=("$id ($scale): $note")
    fi
    printf '%-10s %-8s %-9s %7s %9s  %s\n' "$id" "$scale" "$status" "${epochs:--}" "${seconds:--}" "$note"
  done
done
echo "runs: $total, crashed/failed: $bad, unstable: $unstable, timeout (> ${limit} s): $slow"
if [ $bad -ne 0 ]; then
  printf '  %s\n' "${errors[@]}"
  exit 1
fi
