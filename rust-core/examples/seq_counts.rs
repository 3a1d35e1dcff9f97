//! C1 of `comparisons/WORKLOADS.md` (one thread sends M into a channel of
//! capacity M, then receives M) on `Chan` and on `std::sync::mpsc`'s
//! `sync_channel`, counting what does not depend on the machine's load:
//! allocations per message in the timed part (a counting allocator here)
//! and, under callgrind, instructions per message:
//!
//! `valgrind --tool=callgrind --toggle-collect='seq_counts::seq_*' target/release/examples/seq_counts [messages]`
//!
//! then `callgrind_annotate` gives each body's instructions; divide by M.
//! Both channels are made outside the timed bodies, as the comparison
//! program's `prepare` makes them.
//!
//! `cargo run --release -p polyconc --example seq_counts [messages]`

#[path = "support/allocations.rs"]
mod allocations;

use std::hint::black_box;
use std::sync::mpsc;

use polyconc::chan::Chan;

/// C1's timed body on `Chan`.
#[inline(never)]
fn seq_core(ch: &Chan<u64>, m: u64) -> u64 {
    for i in 1..=m {
        ch.send(i).unwrap();
    }
    (0..m).map(|_| ch.recv().unwrap()).sum()
}

/// C1's timed body on `std::sync::mpsc`.
#[inline(never)]
fn seq_std(tx: &mpsc::SyncSender<u64>, rx: &mpsc::Receiver<u64>, m: u64) -> u64 {
    for i in 1..=m {
        tx.send(i).unwrap();
    }
    (0..m).map(|_| rx.recv().unwrap()).sum()
}

/// Runs `body` and prints the allocations it made per message.
fn counted(name: &str, m: u64, body: impl FnOnce() -> u64) {
    let before = allocations::allocations();
    let sum = black_box(body());
    let made = allocations::allocations() - before;
    assert_eq!(sum, m * (m + 1) / 2, "values lost or duplicated");
    println!(
        "{name}: {:.4} allocations per message",
        made as f64 / m as f64
    );
}

fn main() {
    let m: u64 = std::env::args()
        .nth(1)
        .map_or(1_000_000, |a| a.parse().unwrap());
    let cap = usize::try_from(m).expect("M fits in usize");
    let ch = Chan::new(cap);
    counted("core", m, || seq_core(&ch, m));
    let (tx, rx) = mpsc::sync_channel(cap);
    counted("std", m, || seq_std(&tx, &rx, m));
}
