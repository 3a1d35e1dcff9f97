#!/bin/sh
# Instructions per round of each probe, C (libpolyconc) vs Rust (the core
# directly), counted by callgrind: a run of 2N rounds minus a run of N, so
# start-up and tear-down cancel out. Usage: run.sh C_PROBE RUST_PROBE.
set -eu
c_probe=$1
rust_probe=$2

instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

# Instructions inside one function ($1) per call, over N calls.
inside() {
  fn=$1
  shift
  total=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$fn" "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  awk -v t="$total" -v n="$3" 'BEGIN { printf "%.1f", t / n }'
}

per_round() {
  one=$(instructions "$1" "$2" "$3")
  two=$(instructions "$1" "$2" $(($3 * 2)))
  awk -v a="$one" -v b="$two" -v n="$3" 'BEGIN { printf "%.1f", (b - a) / n }'
}

printf '%-12s %12s %12s %8s\n' probe 'C instr' 'Rust instr' 'C/Rust'
for spec in mutex:100000 mutex_try:100000 spinlock:100000 rwlock_read:100000 chan:100000 \
  chan_wait:100000 queue:100000 queue_wait:100000 promise:20000 map:2000 spawn:2000; do
  op=${spec%%:*}
  n=${spec#*:}
  c=$(per_round "$c_probe" "$op" "$n")
  rust=$(per_round "$rust_probe" "$op" "$n")
  awk -v op="$op" -v c="$c" -v r="$rust" 'BEGIN { printf "%-12s %12.1f %12.1f %8.2f\n", op, c, r, c / r }'
done
# The combinators' calls alone (the round trips above include waking a
# pool thread, whose spinning callgrind counts too).
for spec in map:pc_future_map:probe::map_call spawn:pc_future_spawn:probe::spawn_call; do
  op=${spec%%:*}
  fns=${spec#*:}
  c=$(inside "${fns%%:*}" "$c_probe" "$op" 2000)
  rust=$(inside "${fns#*:}" "$rust_probe" "$op" 2000)
  awk -v op="$op call" -v c="$c" -v r="$rust" 'BEGIN { printf "%-12s %12.1f %12.1f %8.2f\n", op, c, r, c / r }'
done
