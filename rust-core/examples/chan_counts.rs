//! Counts, per message, what the channel's threads do in C2 (one
//! producer, one consumer), C3 (four producers, one consumer) and C4 (four
//! of each) of `comparisons/WORKLOADS.md`: parks, wake-ups, lost claims,
//! registrations, tells, retries, yields and allocations (all threads'
//! together, by a counting allocator), and how full the buffer is as
//! the consumers find it (sampled every 64 receives): nearly empty means a
//! consumer follows its producers slot by slot, sharing their cache lines.
//! No timing: on a loaded machine only counts are comparable. Run it under
//! `strace -c -f` for the system calls per message.
//!
//! `cargo run --release -p polyconc --features test-hooks --example chan_counts [messages] [runs] [only]`
//!
//! `only` picks one workload and capacity, as `C3:0` or `C4:unbounded`.

#[path = "support/allocations.rs"]
mod allocations;

use std::sync::Arc;
use std::thread;

use polyconc::chan::Chan;
use polyconc::test_hooks::{self, Counts};

#[derive(Default, Clone, Copy)]
struct Sum {
    parks: u64,
    wakes: u64,
    lost: u64,
    watches: u64,
    tells: u64,
    retries: u64,
    yields: u64,
    /// Context switches the kernel counted, voluntary and not (Linux).
    switches: (u64, u64),
}

/// The calling thread's context switches so far, voluntary and not, from
/// `/proc/thread-self/status`; zeros where there is none.
fn switches() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    (
        field("voluntary_ctxt_switches:"),
        field("nonvoluntary_ctxt_switches:"),
    )
}

impl Sum {
    fn add(&mut self, c: &Counts, switches: (u64, u64)) {
        self.switches.0 += switches.0;
        self.switches.1 += switches.1;
        self.parks += c.parks();
        self.wakes += c.wakes();
        self.lost += c.lost_claims();
        self.watches += c.watches();
        self.tells += c.tells();
        self.retries += c.retries();
        self.yields += c.yields();
    }
}

/// Runs `producers` x `consumers` over `ch`, the consumer side started
/// first; returns the producers' and consumers' counts, and the buffer's
/// lengths the consumers sampled.
fn run(ch: Chan<u64>, producers: u64, consumers: u64, messages: u64) -> (Sum, Sum, Vec<usize>) {
    let per = messages / producers;
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let ch = ch.clone();
            thread::spawn(move || {
                let (mut sum, mut lens) = (0u64, Vec::new());
                for (i, v) in ch.iter().enumerate() {
                    sum += v;
                    // A rendezvous channel holds nothing, and its length takes the lock.
                    if i % 64 == 0 && ch.capacity() != Some(0) {
                        lens.push(ch.len());
                    }
                }
                (sum, test_hooks::counts(), switches(), lens)
            })
        })
        .collect();
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let ch = ch.clone();
            thread::spawn(move || {
                for i in 0..per {
                    ch.send(p * per + i).unwrap();
                }
                (test_hooks::counts(), switches())
            })
        })
        .collect();
    let mut sent = Sum::default();
    for s in senders {
        let (counts, sw) = s.join().unwrap();
        sent.add(&counts, sw);
    }
    ch.close();
    let mut received = Sum::default();
    let (mut total, mut lens) = (0, Vec::new());
    for r in receivers {
        let (sum, counts, sw, l): (u64, Arc<Counts>, (u64, u64), Vec<usize>) = r.join().unwrap();
        total += sum;
        received.add(&counts, sw);
        lens.extend(l);
    }
    let n = per * producers;
    assert_eq!(total, n * (n - 1) / 2, "values lost or duplicated");
    (sent, received, lens)
}

/// The shares of `lens` nearly empty (at most 4), between, and nearly
/// full (within 4 of `cap`; above 1024 when unbounded).
fn fullness(lens: &[usize], cap: usize) -> String {
    let full = if cap == usize::MAX {
        1024
    } else {
        cap.saturating_sub(4)
    };
    let share = |f: &dyn Fn(usize) -> bool| {
        100.0 * lens.iter().filter(|&&l| f(l)).count() as f64 / lens.len().max(1) as f64
    };
    format!(
        "nearly empty {:.0}%  between {:.0}%  nearly full {:.0}%",
        share(&|l| l <= 4 && l < full),
        share(&|l| l > 4 && l < full),
        share(&|l| l >= full && l > 4)
    )
}

fn per_message(s: Sum, n: u64) -> String {
    let f = |x: u64| x as f64 / n as f64;
    format!(
        "parks {:.4} wakes {:.4} lost {:.4} watches {:.4} tells {:.4} retries {:.4} yields {:.4} \
         switches {:.4}+{:.4}",
        f(s.parks),
        f(s.wakes),
        f(s.lost),
        f(s.watches),
        f(s.tells),
        f(s.retries),
        f(s.yields),
        f(s.switches.0),
        f(s.switches.1)
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let messages: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let runs: usize = args.next().map_or(5, |a| a.parse().unwrap());
    let only = args.next();
    for (name, producers, consumers) in [("C2", 1, 1), ("C3", 4, 1), ("C4", 4, 4)] {
        for cap in [0usize, 1, 1024, usize::MAX] {
            let label = if cap == usize::MAX {
                "unbounded".into()
            } else {
                cap.to_string()
            };
            if only
                .as_ref()
                .is_some_and(|o| *o != format!("{name}:{label}"))
            {
                continue;
            }
            for run_no in 0..runs {
                let before = allocations::allocations();
                let (s, r, lens) = run(Chan::new(cap), producers, consumers, messages);
                let made = allocations::allocations() - before;
                println!(
                    "{name} cap {label} run {run_no}: {:.4} allocations per message",
                    made as f64 / messages as f64
                );
                println!("  senders   {}", per_message(s, messages));
                println!("  receivers {}", per_message(r, messages));
                if cap > 0 {
                    println!("  found     {}", fullness(&lens, cap));
                }
            }
        }
    }
}
