//! Suite F's loops of `benches/future.rs` (the same code:
//! `benches/suite_f/loops.rs`) as a plain binary, for counting
//! instructions per task or per hand-off under callgrind (timing on a
//! shared machine means little; instruction counts compare builds):
//!
//! ```sh
//! cargo build --release -p polyconc --example future_counts
//! for n in 2000 12000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/f3.$n \
//!     target/release/examples/future_counts f3 $n
//! done
//! ```
//!
//! The difference of the two totals over the 10,000 extra is the cost of
//! one. `f1` is a `map` chain on the global pool, `f2` the fan-out
//! (`future` + `sequence`), `f3` the hand-off between two threads through
//! fresh promises, `c6` the channel's ping-pong that F3 is measured against.

#[path = "../benches/suite_f/loops.rs"]
mod loops;

use polyconc::exec::global;

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let (got, want) = match which.as_str() {
        "f1" => (loops::chain(&global(), n), n),
        "f2" => (loops::fan_out(&global(), n), n * (n - 1) / 2),
        "f3" => (loops::hand_off(n), 2 * n),
        "c6" => (loops::ping_pong(n), 2 * n),
        _ => {
            eprintln!("usage: future_counts f1|f2|f3|c6 [n]");
            std::process::exit(2);
        }
    };
    assert_eq!(got, want, "{which} {n}");
    println!("{which} {n}: {got}");
}
