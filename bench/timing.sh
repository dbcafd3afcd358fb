# Shared by the whole-process benches (runner_vs_python.sh, before_after.sh).
# Source it after setting $work (a scratch folder) and $bench_name (the prefix
# of error messages).

# wall CMD...: runs CMD with its output in $work/log (shown if it fails, and the
# bench stops) and prints its wall seconds.
wall() {
  local t0 t1
  t0=$(date +%s.%N)
  if ! "$@" >"$work/log" 2>&1; then
    echo "$bench_name: failed: $*" >&2
    cat "$work/log" >&2
    exit 1
  fi
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

# median X...: the median of the numbers.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
