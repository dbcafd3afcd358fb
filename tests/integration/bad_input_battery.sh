#!/usr/bin/env bash
# The bad-input battery (docs/reliability.md): one table of bad inputs across
# the CLI, specs, sets, mutants, CSV, manifests, HDF5 corpora, plans, journals,
# batch files, results directories and Slurm options. Every case must
#   - exit with its documented status (1: bad input, 64: usage error),
#   - print exactly one line on stderr, naming the file or option (NEEDLE),
#     and nothing on stdout,
#   - leave nothing behind: its scratch directory, inputs included, is
#     byte-identical before and after, and the shared fixtures too.
# No case trains: every input fails before the runner library would be loaded,
# so the battery runs in torch-free builds.
#
#   bad_input_battery.sh DYNFAULT WORKDIR
set -uo pipefail
dynfault=$1
work=$2
rm -rf "$work" && mkdir -p "$work/fx" || exit 1
fx=$work/fx
export DYNFAULT_CAMPAIGN_EXECUTOR=noop

# ---------------------------------------------------------------- fixtures
set -e
prog=31556268
zoo=${DYNFAULT_PROGRAMS:?DYNFAULT_PROGRAMS must name the program zoo}
"$dynfault" campaign plan --set quick --repeats 2 --max-mutants 2 --scale smoke --seed 3 --out "$fx/c" >/dev/null
"$dynfault" campaign run "$fx/c" --executor noop --quiet 2>/dev/null
"$dynfault" collect "$fx/c" --out "$fx/corpus.h5" >/dev/null 2>&1
"$dynfault" collect export-csv "$fx/corpus.h5" --out "$fx/csv" >/dev/null 2>&1
"$dynfault" campaign plan --set quick --repeats 2 --max-mutants 2 --scale smoke --seed 3 --out "$fx/fresh" >/dev/null
"$dynfault" programs show "$prog" >"$fx/spec.json"
mkdir -p "$fx/results" "$fx/empty"
echo "# summary" >"$fx/results/summary.md"
echo "not a corpus" >"$fx/text.h5"
head -c 4096 "$fx/corpus.h5" >"$fx/truncated.h5"
# HDF5 signature intact, superblock garbage.
{ head -c 8 "$fx/corpus.h5"; head -c 4088 /dev/zero | tr '\0' '\377'; } >"$fx/badsuper.h5"
set +e

# A copy of the zoo with one spec or set replaced, for zoo-level cases.
zoo_with() {  # zoo_with DIR FILE CONTENT
  mkdir -p "$1" && cp -r "$zoo/specs" "$zoo/sets" "$1/" && printf '%s' "$3" >"$1/$2"
}
# The spec with one jq-free edit: python3 is on every test machine.
spec_edit() {  # spec_edit OUT PYTHON-EXPRESSION-ON-s
  /usr/bin/python3 - "$fx/spec.json" "$1" "$2" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(s, open(sys.argv[2], "w"))
EOF
}

snapshot() { (cd "$1" && find . -printf '%y %p\n' | LC_ALL=C sort && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum); }
fx_before=$(snapshot "$fx")

pass=0
fail=0
cases=0
# case NAME STATUS NEEDLE -- COMMAND...
# Runs COMMAND in $work/case-NAME (made by the optional `prepare_NAME`).
run_case() {
  local name=$1 want=$2 needle=$3
  shift 4
  local dir=$work/case-$name
  mkdir -p "$dir"
  if declare -F "prepare_$name" >/dev/null; then (cd "$dir" && "prepare_$name") || { echo "FAIL $name: prepare"; fail=$((fail + 1)); return; }; fi
  local before after rc
  before=$(snapshot "$dir")
  (cd "$dir" && "$@" >"$work/out-$name" 2>"$work/err-$name" </dev/null)
  rc=$?
  # ASan writes this line to stderr itself, whatever log_path says (hostile_case below).
  [ -n "${DYNFAULT_SANITIZED:-}" ] && sed -i '/^AddressSanitizer:DEADLYSIGNAL$/d' "$work/err-$name"
  after=$(snapshot "$dir")
  cases=$((cases + 1))
  local problems=()
  [ "$rc" = "$want" ] || problems+=("exit $rc, expected $want")
  local lines
  lines=$(wc -l <"$work/err-$name")
  [ "$lines" = 1 ] || problems+=("$lines stderr lines, expected 1")
  grep -qF -- "$needle" "$work/err-$name" || problems+=("stderr does not name '$needle'")
  [ -s "$work/out-$name" ] && problems+=("stdout not empty")
  [ "$before" = "$after" ] || problems+=("files changed or left behind: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -3 | tr '\n' ' ')")
  if [ ${#problems[@]} -eq 0 ]; then
    pass=$((pass + 1))
    echo "ok   $name: $(cat "$work/err-$name")"
  else
    fail=$((fail + 1))
    echo "FAIL $name: ${problems[*]}"
    echo "     stderr: $(head -c 600 "$work/err-$name")"
    echo "     stdout: $(head -c 300 "$work/out-$name")"
  fi
}
D=$dynfault

# ------------------------------------------------------------ CLI usage (64)
run_case cli_unknown_flag 64 --seeed -- "$D" run --seeed 3
run_case cli_unknown_subcommand 64 frobnicate -- "$D" frobnicate
run_case cli_no_subcommand 64 subcommand -- "$D"
run_case cli_missing_positional 64 corpus -- "$D" evaluate rq1 --out r
run_case cli_missing_required 64 --mutant -- "$D" kill-test --original x
run_case cli_not_an_integer 64 --threads -- "$D" campaign run "$fx/c" --threads two
run_case cli_missing_value 64 --out -- "$D" collect "$fx/corpus.h5" --out
run_case cli_excluded_options 64 --programs -- "$D" campaign plan --set quick --programs "$prog" --out o
run_case cli_repeats_not_integer 64 --repeats -- "$D" campaign plan --set quick --repeats lots --out o
# ------------------------------------------------------- option values (1)
run_case seed_negative 1 --seed -- "$D" campaign plan --set quick --seed -1 --out o
run_case seed_overflow 1 --seed -- "$D" run --program "$prog" --seed 18446744073709551616 --out t.h5
run_case seed_evaluate_negative 1 --seed -- "$D" evaluate rq1 "$fx/corpus.h5" --seed -1 --out r
run_case plan_of_compat_unknown 1 --of-compat -- "$D" campaign plan --set quick --of-compat v3 --out o
run_case plan_recurrent_unknown 64 --recurrent -- "$D" campaign plan --set quick --recurrent fast --out o
run_case plan_hvp_vectors_zero 64 --hvp-vectors -- "$D" campaign plan --set quick --hvp-vectors 0 --out o
run_case run_of_compat_without_of 1 --of-compat -- "$D" run --program "$prog" --seed 1 --probes cf --of-compat v2 --out t.h5
run_case plan_exclude_not_selected 1 --exclude -- "$D" campaign plan --programs "$prog" --exclude 64151679 --out o
run_case plan_cost_cache_without_estimate 1 --cost-cache -- "$D" campaign plan --set quick --cost-cache c.json --out o
prepare_plan_cost_cache_foreign() { printf '{"format": "other"}' >c.json; }
run_case plan_cost_cache_foreign 1 c.json -- "$D" campaign plan --programs "$prog" --estimate --cost-cache c.json
# rq3: a window longer than every run, an unknown gap rule, no stable run with accuracy.
run_case rq3_window_too_long 1 --k -- "$D" evaluate rq3 "$fx/corpus.h5" --k 5,100000 --out r
run_case rq3_gap_rule_unknown 1 --gap-rule -- "$D" evaluate rq3 "$fx/corpus.h5" --gap-rule '>=' --out r
run_case rq3_no_stable_run 1 corpus.h5 -- "$D" evaluate rq3 "$fx/corpus.h5" --k 1 --table-k 1 --thresholds 1e-300 --out r
run_case run_threads_zero 1 --threads -- "$D" run --program "$prog" --seed 1 --threads 0 --out t.h5
run_case run_out_missing_dir 1 nodir -- "$D" run --program "$prog" --seed 1 --out nodir/t.h5
run_case run_probes_unknown 1 --probes -- "$D" run --program "$prog" --seed 1 --probes xyz --out t.h5
run_case plan_scale_unknown 1 --scale -- "$D" campaign plan --set quick --scale huge --out o
run_case plan_repeats_zero 1 --repeats -- "$D" campaign plan --set quick --repeats 0 --out o
# ------------------------------------------------------------------- specs
prepare_spec_negative_units() { spec_edit neg.json 's["layers"][0]["units"] = -4'; }
run_case spec_negative_units 1 neg.json -- "$D" run --spec neg.json --seed 1 --out t.h5
prepare_spec_unknown_optimizer_param() { spec_edit opt.json 's["optimizer"]["betta_1"] = 0.9'; }
run_case spec_unknown_optimizer_param 1 opt.json -- "$D" run --spec opt.json --seed 1 --out t.h5
prepare_spec_unknown_layer_argument() { spec_edit arg.json 's["layers"][0]["unitz"] = 4'; }
run_case spec_unknown_layer_argument 1 arg.json -- "$D" run --spec arg.json --seed 1 --out t.h5
prepare_spec_optimizer_out_of_range() { spec_edit beta.json 's["optimizer"]["beta_1"] = 1.5'; }
run_case spec_optimizer_out_of_range 1 beta.json -- "$D" run --spec beta.json --seed 1 --out t.h5
prepare_spec_unknown_layer_type() { spec_edit type.json 's["layers"][0]["type"] = "Dense2"'; }
run_case spec_unknown_layer_type 1 type.json -- "$D" run --spec type.json --seed 1 --out t.h5
prepare_spec_malformed_json() { printf '{"id": "1", ' >bad.json; }
run_case spec_malformed_json 1 bad.json -- "$D" run --spec bad.json --seed 1 --out t.h5
run_case spec_missing_file 1 nosuch.json -- "$D" run --spec nosuch.json --seed 1 --out t.h5
prepare_spec_id_mismatch() { cp "$fx/spec.json" s.json; }
run_case spec_id_mismatch 1 s.json -- "$D" run --spec s.json --program 77416892 --seed 1 --out t.h5
prepare_zoo_broken_spec() { zoo_with z specs/$prog.json '{"id": "'$prog'", "layers": 3}'; }
run_case zoo_broken_spec 1 "$prog.json" -- "$D" programs --zoo z show "$prog"
run_case zoo_not_a_zoo 1 "$fx/empty" -- "$D" programs --zoo "$fx/empty" list
# -------------------------------------------------------------------- sets
run_case set_unknown 1 nosuchset -- "$D" campaign plan --set nosuchset --out o
prepare_set_malformed() { zoo_with z sets/broken.json '{"programs": [1, '; }
run_case set_malformed 1 broken.json -- "$D" programs --zoo z list --set broken
prepare_set_unknown_program() { zoo_with z sets/ghost.json '{"programs": ["99999999"]}'; }
run_case set_unknown_program 1 ghost.json -- "$D" programs --zoo z list --set ghost
# ----------------------------------------------------------------- mutants
run_case mutant_unknown_operator 1 nosuch_operator -- "$D" mutate --program "$prog" --operator nosuch_operator --params '{}'
run_case mutant_params_malformed 1 --params -- "$D" mutate --program "$prog" --operator change_learning_rate --params '{bad'
run_case mutant_unknown_id 1 "$prog-nosuch" -- "$D" run --program "$prog" --mutant "$prog-nosuch-00000000" --seed 1 --out m.h5
# ---------------------------------------------------------- published CSV
csv_copy() { cp -r "$fx/csv" csv; }
prepare_csv_wrong_columns() { csv_copy; f=$(ls csv/traces | head -1); cut -d, -f1-5 "$fx/csv/traces/$f" >"csv/traces/$f"; }
run_case csv_wrong_columns 1 _0001.csv -- "$D" collect import-csv csv/traces --manifest csv/manifest.csv --out i.h5 --no-zoo
prepare_csv_bad_cell() { csv_copy; f=$(ls csv/traces | head -1); sed -i '2s/^[^,]*,/oops,/' "csv/traces/$f"; }
run_case csv_bad_cell 1 _0001.csv -- "$D" collect import-csv csv/traces --manifest csv/manifest.csv --out i.h5 --no-zoo
prepare_csv_unlisted_file() { csv_copy; cp "csv/traces/$(ls csv/traces | head -1)" csv/traces/extra.csv; }
run_case csv_unlisted_file 1 extra.csv -- "$D" collect import-csv csv/traces --manifest csv/manifest.csv --out i.h5 --no-zoo
run_case csv_missing_dir 1 nosuchdir -- "$D" collect import-csv nosuchdir --manifest "$fx/csv/manifest.csv" --out i.h5 --no-zoo
# --------------------------------------------------------------- manifests
run_case manifest_missing 1 nosuch.csv -- "$D" collect import-csv "$fx/csv/traces" --manifest nosuch.csv --out i.h5 --no-zoo
prepare_manifest_bad_header() { csv_copy; sed -i '1s/.*/file,id,category,run,rows/' csv/manifest.csv; }
run_case manifest_bad_header 1 manifest.csv -- "$D" collect import-csv csv/traces --manifest csv/manifest.csv --out i.h5 --no-zoo
prepare_manifest_row_count() { csv_copy; sed -i '2s/,1$/,7/' csv/manifest.csv; }
run_case manifest_row_count 1 _0001.csv -- "$D" collect import-csv csv/traces --manifest csv/manifest.csv --out i.h5 --no-zoo
prepare_manifest_missing_file() { csv_copy; rm "csv/traces/$(ls csv/traces | head -1)"; }
run_case manifest_missing_file 1 manifest.csv -- "$D" collect import-csv csv/traces --manifest csv/manifest.csv --out i.h5 --no-zoo
prepare_manifest_duplicate() { csv_copy; sed -n 2p csv/manifest.csv >>csv/manifest.csv; }
run_case manifest_duplicate 1 manifest.csv -- "$D" collect import-csv csv/traces --manifest csv/manifest.csv --out i.h5 --no-zoo
# ------------------------------------------------------------ HDF5 corpora
run_case h5_not_hdf5 1 text.h5 -- "$D" collect "$fx/text.h5" --out m.h5
run_case h5_truncated 1 truncated.h5 -- "$D" collect --summary "$fx/truncated.h5"
run_case h5_bad_superblock 1 badsuper.h5 -- "$D" collect "$fx/badsuper.h5" --out m.h5
run_case h5_evaluate_truncated 1 truncated.h5 -- "$D" evaluate rq1 "$fx/truncated.h5" --out r
run_case h5_export_not_hdf5 1 text.h5 -- "$D" collect export-csv "$fx/text.h5" --out e
run_case h5_missing 1 nosuch.h5 -- "$D" collect --summary nosuch.h5
prepare_h5_existing_out_kept() { cp "$fx/corpus.h5" keep.h5; }
run_case h5_existing_out_kept 1 truncated.h5 -- "$D" collect "$fx/truncated.h5" --out keep.h5
# Files the HDF5 fuzzer (fuzz/fuzz_h5) made, on which libhdf5 itself crashes
# (a heap overflow, a SEGV) or asks for 2 GiB: `collect` reads files from
# outside in a child process first, so each is one line and exit 1.
# Under scripts/sanitize.sh (DYNFAULT_SANITIZED=1) ASan reports libhdf5's own overflow in the
# reading child: the reports go to log files, so each case still checks dynfault's one line, and
# a note says how many came from inside libhdf5 (docs/reliability.md lists them).
here=$(cd "$(dirname "$0")" && pwd)
hostile_case() {  # hostile_case NAME NEEDLE COMMAND...
  local name=$1 needle=$2 sanitized=()
  shift 2
  [ -n "${DYNFAULT_SANITIZED:-}" ] && sanitized=("ASAN_OPTIONS=${ASAN_OPTIONS:-}:log_path=$work/asan-$name")
  run_case "$name" 1 "$needle" -- env "${sanitized[@]}" "$@"
  if compgen -G "$work/asan-$name.*" >/dev/null; then
    echo "note $name: $(grep -l libhdf5 "$work/asan-$name".* | wc -l) of $(ls "$work/asan-$name".* | wc -l) sanitizer report(s) inside libhdf5"
  fi
}
for hostile in "$here"/hostile_h5/*.h5; do
  n=$(basename "$hostile" .h5)
  # timeout.h5 makes libhdf5 loop: the child is stopped after 2 s here (60 s + 1 s/MB by default).
  hostile_case "h5_hostile_$n" "$(basename "$hostile")" DYNFAULT_UNTRUSTED_SECONDS=2 "$D" collect "$hostile" --out m.h5
done
hostile_case h5_hostile_summary segv-H5HG_read.h5 "$D" collect --summary "$here/hostile_h5/segv-H5HG_read.h5"
# ------------------------------------------------------------------- plans
prepare_plan_missing() { mkdir c; }
run_case plan_missing 1 plan.json -- "$D" campaign status c
prepare_plan_missing_run() { mkdir c; }
run_case plan_missing_run 1 plan.json -- "$D" campaign run c --executor noop --quiet
prepare_plan_malformed() { cp -r "$fx/fresh" c; printf '{"format": ' >c/plan.json; }
run_case plan_malformed 1 plan.json -- "$D" campaign run c --executor noop --quiet
prepare_plan_wrong_format() { cp -r "$fx/fresh" c; sed -i 's/"dynfault-campaign-plan"/"dynfault-other"/' c/plan.json; }
run_case plan_wrong_format 1 plan.json -- "$D" campaign status c
prepare_plan_not_object() { cp -r "$fx/fresh" c; echo '[1, 2, 3]' >c/plan.json; }
run_case plan_not_object 1 plan.json -- "$D" campaign status c
# ---------------------------------------------------------------- journals
prepare_journal_corrupt_middle() { cp -r "$fx/c" c; sed -i '2s/"ok"/"OK"/' c/journal.log; }
run_case journal_corrupt_middle 1 journal.log -- "$D" campaign status c
prepare_journal_unknown_task() {
  cp -r "$fx/c" c
  /usr/bin/python3 - c/journal.log <<'EOF'
import sys
def fnv(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h
lines = open(sys.argv[1]).read().splitlines()
rec = lines[0].split("\t")[0].replace('"task":"', '"task":"ghost-', 1)
lines[0] = rec + "\t%016x" % fnv(rec)
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
EOF
}
run_case journal_unknown_task 1 journal.log -- "$D" campaign status c
# ------------------------------------------------------------ triage rules
run_case triage_fit_no_unstable_run 1 corpus.h5 -- "$D" triage fit "$fx/corpus.h5" --out rule.json
prepare_triage_rule_not_json() { echo garbage >bad.json; }
run_case triage_rule_not_json 1 bad.json -- "$D" run --program "$prog" --seed 1 --out t.h5 --triage bad.json
prepare_triage_rule_wrong_format() { echo '{"format": "something-else"}' >rule.json; }
run_case triage_rule_wrong_format 1 rule.json -- "$D" triage apply "$fx/corpus.h5" rule.json
prepare_triage_campaign_rule_missing() { cp -r "$fx/fresh" c; }
run_case triage_campaign_rule_missing 1 nosuch.json -- "$D" campaign run c --triage nosuch.json
# ------------------------------------------------------------ batch files
prepare_batch_corrupt() { cp -r "$fx/c" c; rm c/traces.h5; f=$(ls c/batches | head -1); printf 'XXXX' | dd of="c/batches/$f" bs=1 seek=40 conv=notrunc 2>/dev/null; }
run_case batch_corrupt 1 batch-000001.dfb -- "$D" collect c --out m.h5
prepare_batch_missing() { cp -r "$fx/c" c; rm c/traces.h5 c/batches/*; }
run_case batch_missing 1 batch-000001.dfb -- "$D" collect c --out m.h5
prepare_batch_truncated() { cp -r "$fx/c" c; rm c/traces.h5; f=$(ls c/batches | head -1); truncate -s -9 "c/batches/$f"; }
run_case batch_truncated 1 batch-000001.dfb -- "$D" collect c --out m.h5
# ---------------------------------------------------- results directories
run_case results_missing 1 nosuchresults -- "$D" report "$fx/corpus.h5" --results nosuchresults --out r.md
run_case results_empty 1 "$fx/empty" -- "$D" report "$fx/corpus.h5" --results "$fx/empty" --out r.md
run_case results_bad_corpus 1 text.h5 -- "$D" report "$fx/text.h5" --results "$fx/results" --out r.md
prepare_results_out_exists() { mkdir r; echo keep >r/keep.txt; }
run_case results_out_exists 1 r -- "$D" evaluate rq1 "$fx/corpus.h5" --out r --quiet
# ---------------------------------------------------------- Slurm options
run_case slurm_bad_time 1 --time -- "$D" slurm submit campaign "$fx/fresh" --ntasks-per-node 2 --time 25:99 --dry-run
run_case slurm_zero_tasks 1 --ntasks-per-node -- "$D" slurm submit campaign "$fx/fresh" --ntasks-per-node 0 --time 01:00:00 --dry-run
run_case slurm_no_campaign 1 nosuchcampaign -- "$D" slurm submit campaign nosuchcampaign --ntasks-per-node 2 --time 01:00:00 --dry-run
run_case slurm_tasks_not_integer 64 --ntasks-per-node -- "$D" slurm submit campaign "$fx/fresh" --ntasks-per-node two --time 01:00:00 --dry-run
run_case slurm_negative_lead 1 --signal-lead -- "$D" slurm submit campaign "$fx/fresh" --ntasks-per-node 2 --time 01:00:00 --signal-lead -5 --dry-run

# -------------------------------------------------------------- the verdict
[ "$(snapshot "$fx")" = "$fx_before" ] || { echo "FAIL fixtures were changed by a case"; fail=$((fail + 1)); }
echo "bad-input battery: $pass of $cases cases clean, $fail failed"
[ "$cases" -ge 40 ] || { echo "FAIL fewer than 40 cases"; exit 1; }
[ "$fail" = 0 ]
