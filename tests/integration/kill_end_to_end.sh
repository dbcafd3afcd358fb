#!/usr/bin/env bash
# DeepCrime's kill rule end to end (`dynfault run --mutant ID --repeats N`):
# a mutant that must be killed is killed, an equivalent one is not.
set -euo pipefail
dynfault=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
verdict() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['killed'])"; }

# 31880720 learns all-ones vs all-zeros; a one-unit softmax output is constant 1: accuracy 0.5.
must=$("$dynfault" run --program 31880720 --mutant 31880720-change_activation_function-fcd2c676 \
  --repeats 4 --scale smoke --probes none --seed 1 --out "$work/killed.h5" 2>/dev/null | verdict)
[ "$must" = "True" ] || { echo "the constant-output mutant was not killed" >&2; exit 1; }

# 44164749 has random labels: a dropout-rate change cannot make accuracy worse than chance.
equivalent=$("$dynfault" run --program 44164749 --mutant 44164749-change_dropout_rate-2b59f0ac \
  --repeats 4 --scale smoke --probes none --seed 1 2>/dev/null | verdict)
[ "$equivalent" = "False" ] || { echo "the equivalent mutant was killed" >&2; exit 1; }

# The runs are kept as a corpus with the verdict: 4 originals + 4 killed mutants.
"$dynfault" collect --summary "$work/killed.h5" --json | /usr/bin/python3 -c "
import json, sys
s = json.load(sys.stdin)
assert s['trace_files'] == 8, s
killed = {c['category']: c['killed'] for c in s['categories']}
assert killed.get('Activation') == 4, killed
"
# Run ids are the campaign's (make_task_id): repeats from 0, zero-padded.
ids=$(h5ls "$work/killed.h5/runs" | awk '{print $1}' | LC_ALL=C sort | tr '\n' ' ')
expected="31880720-change_activation_function-fcd2c676.r000 31880720-change_activation_function-fcd2c676.r001 \
31880720-change_activation_function-fcd2c676.r002 31880720-change_activation_function-fcd2c676.r003 \
31880720.orig.r000 31880720.orig.r001 31880720.orig.r002 31880720.orig.r003 "
[ "$ids" = "$expected" ] || { echo "run ids are not the campaign's: $ids" >&2; exit 1; }
"$dynfault" run --program 31880720 --mutant no-such-mutant --repeats 2 --scale smoke --seed 1 2>"$work/err" && exit 1
grep -q "no-such-mutant" "$work/err"
echo "kill end to end ok"
