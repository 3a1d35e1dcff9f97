//! Counts, per message, what the channel's threads do in C2 (one
//! producer, one consumer), C3 (four producers, one consumer) and C4 (four
//! of each) of `comparisons/WORKLOADS.md`, and in C6 (two threads bouncing one
//! message over two rendezvous channels, counted per round trip): parks,
//! wake-ups, lost claims, registrations, tells, retries, yields and
//! allocations (all threads' together, by a counting allocator), the
//! kernel's context switches and its CPU and run-queue time (on a CPU, and
//! runnable but waiting for one: how the threads share the cores), and how
//! full the buffer is as the consumers find it (sampled every 64
//! receives): nearly empty means a consumer follows its producers slot by
//! slot, sharing their cache lines. No wall-clock timing: on a loaded
//! machine only counts are comparable. Run it under `strace -c -f` for the
//! system calls per message.
//!
//! `cargo run --release -p polyconc --features test-hooks --example chan_counts [messages] [runs] [only]`
//!
//! `only` picks one workload and capacity, as `C3:0`, `C4:unbounded` or `C6:0`.

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
    kernel: Kernel,
}

/// What the kernel counted for a thread (Linux; zeros elsewhere).
#[derive(Default, Clone, Copy)]
struct Kernel {
    /// Context switches, voluntary (it slept or yielded) and not (preempted).
    voluntary: u64,
    involuntary: u64,
    /// Nanoseconds on a CPU, and runnable but waiting for one.
    on_cpu: u64,
    queued: u64,
}

impl Kernel {
    /// The calling thread's counts so far, from `/proc/thread-self`.
    fn now() -> Kernel {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0)
        };
        let sched = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
        let mut sched = sched.split_whitespace().map(|v| v.parse().unwrap_or(0));
        Kernel {
            voluntary: field("voluntary_ctxt_switches:"),
            involuntary: field("nonvoluntary_ctxt_switches:"),
            on_cpu: sched.next().unwrap_or(0),
            queued: sched.next().unwrap_or(0),
        }
    }

    fn add(&mut self, k: Kernel) {
        self.voluntary += k.voluntary;
        self.involuntary += k.involuntary;
        self.on_cpu += k.on_cpu;
        self.queued += k.queued;
    }

    fn minus(self, k: Kernel) -> Kernel {
        Kernel {
            voluntary: self.voluntary - k.voluntary,
            involuntary: self.involuntary - k.involuntary,
            on_cpu: self.on_cpu - k.on_cpu,
            queued: self.queued - k.queued,
        }
    }
}

impl Sum {
    /// A thread's counts so far.
    fn now() -> Sum {
        let mut s = Sum::default();
        s.add(&test_hooks::counts(), Kernel::now());
        s
    }

    /// What was counted since `before`.
    fn minus(self, before: Sum) -> Sum {
        Sum {
            parks: self.parks - before.parks,
            wakes: self.wakes - before.wakes,
            lost: self.lost - before.lost,
            watches: self.watches - before.watches,
            tells: self.tells - before.tells,
            retries: self.retries - before.retries,
            yields: self.yields - before.yields,
            kernel: self.kernel.minus(before.kernel),
        }
    }

    fn add(&mut self, c: &Counts, kernel: Kernel) {
        self.kernel.add(kernel);
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
                (sum, test_hooks::counts(), Kernel::now(), lens)
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
                (test_hooks::counts(), Kernel::now())
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
        let (sum, counts, sw, l): (u64, Arc<Counts>, Kernel, Vec<usize>) = r.join().unwrap();
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
         switches {:.4}+{:.4} cpu {:.0} ns queued {:.0} ns",
        f(s.parks),
        f(s.wakes),
        f(s.lost),
        f(s.watches),
        f(s.tells),
        f(s.retries),
        f(s.yields),
        f(s.kernel.voluntary),
        f(s.kernel.involuntary),
        f(s.kernel.on_cpu),
        f(s.kernel.queued)
    )
}

/// C6: `rounds` round trips of one message between the calling thread and
/// an echo thread started for the run, over two rendezvous channels (as the
/// comparison program runs it: its starter is the same thread from run to
/// run, keeping its spin budget and spare waiters); the starting and the
/// echoing thread's counts.
fn ping_pong(rounds: u64) -> (Sum, Sum) {
    let (ping, pong) = (Chan::new(0), Chan::new(0));
    let echo = {
        let (ping, pong) = (ping.clone(), pong.clone());
        thread::spawn(move || {
            for v in ping.iter() {
                pong.send(v + 1).unwrap();
            }
            Sum::now()
        })
    };
    let before = Sum::now();
    for i in 0..rounds {
        ping.send(i).unwrap();
        assert_eq!(pong.recv(), Ok(i + 1), "a lost or foreign reply");
    }
    ping.close();
    let started = Sum::now().minus(before);
    (started, echo.join().unwrap())
}

/// Runs `f`, with the allocations it made (every thread's) per message.
fn counting_allocations<R>(messages: u64, f: impl FnOnce() -> R) -> (R, f64) {
    let before = allocations::allocations();
    let r = f();
    let made = allocations::allocations() - before;
    (r, made as f64 / messages as f64)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let messages: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let runs: usize = args.next().map_or(5, |a| a.parse().unwrap());
    let only = args.next();
    if only.as_deref().is_none_or(|o| o == "C6:0") {
        for run_no in 0..runs {
            let ((s, e), made) = counting_allocations(messages, || ping_pong(messages));
            println!("C6 cap 0 run {run_no}: {made:.4} allocations per round trip");
            println!("  starter   {}", per_message(s, messages));
            println!("  echo      {}", per_message(e, messages));
        }
    }
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
                let ((s, r, lens), made) = counting_allocations(messages, || {
                    run(Chan::new(cap), producers, consumers, messages)
                });
                println!("{name} cap {label} run {run_no}: {made:.4} allocations per message");
                println!("  senders   {}", per_message(s, messages));
                println!("  receivers {}", per_message(r, messages));
                if cap > 0 {
                    println!("  found     {}", fullness(&lens, cap));
                }
            }
        }
    }
}
