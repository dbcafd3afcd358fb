#!/usr/bin/env bash
# `campaign run --triage` end to end (docs/triage.md): fit a rule on one small
# campaign with exploding runs, run a second campaign (another seed) under it,
# and check that it stops runs after epoch 0 without stopping a run that stays
# stable, that the stopped runs are `terminated` with the rule's checksum, and
# that collect counts them. 66840108's unscaled targets explode its MSE.
set -euo pipefail
dynfault=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1
plan() {  # plan DIR SEED
  "$dynfault" campaign plan --programs 66840108,31556268,34311586 --repeats 2 --max-mutants 3 --probes cf \
    --scale smoke --seed "$2" --out "$1" >/dev/null
}
plan "$work/fit" 1
"$dynfault" campaign run "$work/fit" --quiet
"$dynfault" collect "$work/fit" --out "$work/fit.h5" >/dev/null
"$dynfault" triage fit "$work/fit.h5" --out "$work/rule.json" --triage-k 3 --quiet >/dev/null
plan "$work/second" 2
"$dynfault" campaign run "$work/second" --quiet --triage "$work/rule.json" 2>"$work/run.err"
grep -q "terminated by the triage rule" "$work/run.err" || { cat "$work/run.err" >&2; echo "no run was terminated" >&2; exit 1; }
"$dynfault" collect "$work/second" --out "$work/second.h5" >/dev/null
checksum=$(/usr/bin/python3 -c "import json; print(json.load(open('$work/rule.json'))['checksum'])")
"$dynfault" collect --summary "$work/second.h5" --json | /usr/bin/python3 -c "
import json, sys
s = json.load(sys.stdin)
assert s['runs_per_status'].get('terminated', 0) > 0, s['runs_per_status']
"
/usr/bin/python3 - "$work/second.h5" "$checksum" <<'PY'
import sys
import h5py
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
stopped = stable_stopped = 0
with h5py.File(sys.argv[1], "r") as f:
    for rid, g in f["runs"].items():
        a = g.attrs
        if text(a["status"]) != "terminated":
            assert "triage_rule" not in a, rid  # a passed run is the run without the rule
            continue
        stopped += 1
        assert int(a["epochs"]) == 1, (rid, int(a["epochs"]))
        assert text(a["triage_rule"]) == sys.argv[2], rid
        stable_stopped += text(a["program"]) == "31556268"  # learns XOR; never explodes
assert stopped > 0
assert stable_stopped == 0, stable_stopped
print(f"triage campaign: {stopped} runs stopped after epoch 0, none of 31556268")
PY
