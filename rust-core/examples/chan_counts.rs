//! Counts, per message, what the buffered channel's threads do in C2 (one
//! producer, one consumer) and C4 (four of each) of
//! `comparisons/WORKLOADS.md`: parks, wake-ups, lost claims, registrations
//! and tells. No timing: on a loaded machine only counts are comparable.
//!
//! `cargo run --release -p polyconc --features test-hooks --example chan_counts [messages] [runs]`

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
}

impl Sum {
    fn add(&mut self, c: &Counts) {
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
/// first; returns the producers' and consumers' counts.
fn run(ch: Chan<u64>, producers: u64, consumers: u64, messages: u64) -> (Sum, Sum) {
    let per = messages / producers;
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let ch = ch.clone();
            thread::spawn(move || {
                let mut sum = 0u64;
                for v in &ch {
                    sum += v;
                }
                (sum, test_hooks::counts())
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
                test_hooks::counts()
            })
        })
        .collect();
    let mut sent = Sum::default();
    for s in senders {
        sent.add(&s.join().unwrap());
    }
    ch.close();
    let mut received = Sum::default();
    let mut total = 0;
    for r in receivers {
        let (sum, counts): (u64, Arc<Counts>) = r.join().unwrap();
        total += sum;
        received.add(&counts);
    }
    let n = per * producers;
    assert_eq!(total, n * (n - 1) / 2, "values lost or duplicated");
    (sent, received)
}

fn per_message(s: Sum, n: u64) -> String {
    let f = |x: u64| x as f64 / n as f64;
    format!(
        "parks {:.4} wakes {:.4} lost {:.4} watches {:.4} tells {:.4} retries {:.4} yields {:.4}",
        f(s.parks),
        f(s.wakes),
        f(s.lost),
        f(s.watches),
        f(s.tells),
        f(s.retries),
        f(s.yields)
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let messages: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let runs: usize = args.next().map_or(5, |a| a.parse().unwrap());
    for (name, producers, consumers) in [("C2", 1, 1), ("C4", 4, 4)] {
        for cap in [1usize, 1024, usize::MAX] {
            for run_no in 0..runs {
                let (s, r) = run(Chan::new(cap), producers, consumers, messages);
                let cap = if cap == usize::MAX {
                    "unbounded".into()
                } else {
                    cap.to_string()
                };
                println!("{name} cap {cap} run {run_no}");
                println!("  senders   {}", per_message(s, messages));
                println!("  receivers {}", per_message(r, messages));
            }
        }
    }
}
