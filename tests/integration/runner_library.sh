#!/usr/bin/env bash
# The dynfault binary is torch-free and loads the runner only to train:
#   1. it links no LibTorch (nor does any library it needs);
#   2. a missing runner library is a one-line error naming the path, exit 1,
#      after the options are validated, and no trace is written.
# Usage: runner_library.sh DYNFAULT WORKDIR
set -euo pipefail
dynfault=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
if ldd "$dynfault" | grep -E 'libtorch|libc10'; then
  echo "FAIL: $dynfault maps LibTorch" >&2; exit 1
fi
missing=$work/no-such-dir/libdynfault_runner.so
set +e
DYNFAULT_RUNNER_LIBRARY=$missing "$dynfault" run --program 31556268 --seed 1 --scale smoke \
  --out "$work/run.h5" 2> "$work/stderr"
code=$?
DYNFAULT_RUNNER_LIBRARY=$missing "$dynfault" run --program 31556268 --seed 1 --probes cf,xx \
  --out "$work/run.h5" 2> "$work/stderr-probes"
code_probes=$?
set -e
[ "$code" = 1 ] || { echo "FAIL: exit $code, expected 1" >&2; cat "$work/stderr" >&2; exit 1; }
[ "$(wc -l < "$work/stderr")" = 1 ] || { echo "FAIL: not one line:" >&2; cat "$work/stderr" >&2; exit 1; }
grep -qF "dynfault: $missing: cannot load the LibTorch runner" "$work/stderr" ||
  { echo "FAIL: the error does not name the library:" >&2; cat "$work/stderr" >&2; exit 1; }
[ ! -e "$work/run.h5" ] || { echo "FAIL: a trace was written" >&2; exit 1; }
# Bad --probes are caught before the library is needed.
[ "$code_probes" = 1 ] && grep -qF -- "--probes: unknown probe 'xx'" "$work/stderr-probes" ||
  { echo "FAIL: --probes cf,xx:" >&2; cat "$work/stderr-probes" >&2; exit 1; }
echo "ok"
