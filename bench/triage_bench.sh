#!/usr/bin/env bash
# What the epoch-0 triage rule saves (docs/triage.md, "Measured"):
#   1. fit a rule on a campaign corpus (default: the main job's, out/main-job/corpus.h5;
#      scripts/main.sh makes it: 8 programs, 3 repeats, <= 8 mutants each, smoke scale, seed 1);
#   2. plan a second campaign of the same programs with another seed, and run that plan twice,
#      without and with `campaign run --triage`;
#   3. pair the runs by run id: the run without triage says whether it became unstable, the run
#      with triage whether it was stopped; print task-seconds (sum of the traces' wall_seconds),
#      campaign wall time, unstable runs caught, stable runs stopped, unstable runs missed, beside
#      the rule's own LOPO validation and the paper's (precision 1.00, recall 0.056).
# Usage: bench/triage_bench.sh [fit-corpus.h5] [work-dir]   (env: BUILD, SEED, RANKS, SCALE, DYNFAULT_PROGRAMS_LIST)
# A fit corpus that does not exist is made first: the same plan with seed 1 at SCALE (default smoke).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
dynfault="$build/cli/dynfault"
fit_corpus=${1:-$root/out/main-job/corpus.h5}
work=${2:-$root/out/triage-bench}
seed=${SEED:-2}
ranks=${RANKS:-$(( $(nproc) + 1 ))}
programs=${DYNFAULT_PROGRAMS_LIST:-31556268,34311586,48934338,64151679,77416892,73148058,76132850,70178206}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
scale=${SCALE:-smoke}
mkdir -p "$work"
plan() {  # plan DIR SEED
  [ -f "$1/plan.json" ] || "$dynfault" campaign plan --programs "$programs" --repeats 3 --probes cf,of --scale "$scale" \
    --max-mutants 8 --seed "$2" --out "$1" --force >/dev/null
}
if [ ! -f "$fit_corpus" ]; then
  plan "$work/fit" 1
  mpirun --oversubscribe -np "$ranks" "$dynfault" campaign run "$work/fit" --quiet
  "$dynfault" collect "$work/fit" --out "$fit_corpus" >/dev/null
fi

"$dynfault" triage fit "$fit_corpus" --out "$work/rule.json" --quiet
for variant in plain triaged; do plan "$work/$variant" "$seed"; done
cmp -s "$work/plain/plan.json" "$work/triaged/plan.json" || { echo "triage_bench: the two plans differ" >&2; exit 2; }
extra=()
for variant in plain triaged; do
  [ "$variant" = triaged ] && extra=(--triage "$work/rule.json")
  start=$(date +%s.%N)
  mpirun --oversubscribe -np "$ranks" "$dynfault" campaign run "$work/$variant" --quiet "${extra[@]}"
  end=$(date +%s.%N)
  echo "$end - $start" | bc > "$work/$variant.wall"
  "$dynfault" collect "$work/$variant" --out "$work/$variant.h5" >/dev/null
done

/usr/bin/python3 - "$work" "$seed" <<'PY'
import json, sys
import h5py
work = sys.argv[1]
rule = json.load(open(f"{work}/rule.json"))
def runs(path):
    with h5py.File(path, "r") as f:
        out = {}
        for rid, g in f["runs"].items():
            a = g.attrs
            s = lambda k: a[k].decode() if isinstance(a[k], bytes) else str(a[k])
            out[rid] = dict(status=s("status"), unstable=int(a["unstable"]), epochs=int(a["epochs"]),
                            wall=float(a["wall_seconds"]))
        return out
plain, triaged = runs(f"{work}/plain.h5"), runs(f"{work}/triaged.h5")
assert plain.keys() == triaged.keys(), "the two campaigns hold different runs"
tp = fp = fn = tn = 0
for rid, p in plain.items():
    if p["epochs"] == 0:
        continue  # crashed before the rule could look
    stopped = triaged[rid]["status"] == "terminated"
    u = p["unstable"] == 1
    tp += stopped and u; fp += stopped and not u; fn += (not stopped) and u; tn += (not stopped) and not u
wall = {v: float(open(f"{work}/{v}.wall").read()) for v in ("plain", "triaged")}
secs = {v: sum(r["wall"] for r in d.values()) for v, d in (("plain", plain), ("triaged", triaged))}
ratio = lambda a, b: a / b if b else float("nan")
lopo = rule["validation"]["lopo"]
print(f"rule: K={rule['K']}, fitted on {rule['fit']['runs']} runs ({rule['fit']['unstable']} unstable) of "
      f"{rule['fit']['programs']} programs; LOPO precision {lopo['precision']}, recall {lopo['recall']} "
      f"(paper: 1.00, 0.056)")
print(f"second campaign (seed {sys.argv[2]}, {len(plain)} runs): task-seconds {secs['plain']:.1f} -> "
      f"{secs['triaged']:.1f} (saved {secs['plain'] - secs['triaged']:.1f}, "
      f"{100 * ratio(secs['plain'] - secs['triaged'], secs['plain']):.1f} %); campaign wall {wall['plain']:.1f} s -> "
      f"{wall['triaged']:.1f} s")
stopped = [r for r in plain if triaged[r]["status"] == "terminated"]
epochs_saved = sum(plain[r]["epochs"] - triaged[r]["epochs"] for r in stopped)
paired = sum(plain[r]["wall"] - triaged[r]["wall"] for r in stopped)
print(f"stopped runs: {len(stopped)}; epochs saved {epochs_saved} of {sum(r['epochs'] for r in plain.values())}; "
      f"their task-seconds {sum(plain[r]['wall'] for r in stopped):.1f} -> {sum(triaged[r]['wall'] for r in stopped):.1f} "
      f"(saved {paired:.1f}; the runs the rule passed are the same runs, so the totals differ only by timing noise)")
print(f"unstable runs caught {tp} of {tp + fn} (missed {fn}); stable runs stopped {fp} of {fp + tn}; "
      f"precision {ratio(tp, tp + fp):.3f}, recall {ratio(tp, tp + fn):.3f}")
PY
