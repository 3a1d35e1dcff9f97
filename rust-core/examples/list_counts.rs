//! Counts of the list buffer (unbounded channels, and bounded above
//! 65,536) on two workloads of `comparisons/WORKLOADS.md`, run as the
//! comparison program runs them (a fresh channel per run, made outside the
//! timed part, consumers started first):
//!
//! - `C1`: one thread sends M into a channel of capacity M, then receives
//!   them; page faults (`getrusage`'s minor faults) and allocations per
//!   1,000 messages of the timed part, on `Chan` and on `std::sync::mpsc`
//!   (`sync_channel`, an array allocated up front, and `channel`, a list).
//! - `C4`: four producers and four consumers on an unbounded channel;
//!   per run, the wall and CPU time per message (only meaningful on a quiet
//!   machine), each side's context switches (voluntary, involuntary),
//!   lost claims, yields, parks, and the receives that found their claimed
//!   slot not yet written; how often receivers found the channel nearly
//!   empty; then the same run's time and switches on crossbeam-channel.
//!
//! `cargo run --release -p polyconc --features test-hooks --example list_counts [C1|C4] [messages] [runs]`

#[path = "support/allocations.rs"]
mod allocations;

use std::hint::black_box;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use polyconc::chan::Chan;
use polyconc::test_hooks::{self, Counts};

fn rusage(who: libc::c_int) -> libc::rusage {
    // SAFETY: getrusage fills the struct it is given; `who` is valid.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    unsafe { libc::getrusage(who, &mut ru) };
    ru
}

fn cpu_ns(ru: &libc::rusage) -> i64 {
    let ns = |t: libc::timeval| t.tv_sec * 1_000_000_000 + t.tv_usec * 1000;
    ns(ru.ru_utime) + ns(ru.ru_stime)
}

/// Runs `runs` fresh bodies made by `prepare` and prints, per run, the page
/// faults and allocations per 1,000 messages of its timed part.
fn c1(name: &str, m: u64, runs: usize, prepare: impl Fn() -> Box<dyn FnOnce() -> u64>) {
    let mut line = format!("C1 {name}: faults/allocations per 1000 messages:");
    for _ in 0..runs {
        let body = prepare();
        let (f0, a0) = (
            rusage(libc::RUSAGE_SELF).ru_minflt,
            allocations::allocations(),
        );
        let sum = black_box(body());
        let (f1, a1) = (
            rusage(libc::RUSAGE_SELF).ru_minflt,
            allocations::allocations(),
        );
        assert_eq!(sum, m * (m + 1) / 2, "values lost or duplicated");
        let per = |x: f64| x * 1000.0 / m as f64;
        line += &format!(" {:.2}/{:.2}", per((f1 - f0) as f64), per((a1 - a0) as f64));
    }
    println!("{line}");
}

/// One side's counts in a C4 run, summed over its threads.
#[derive(Default)]
struct Side {
    voluntary: i64,
    involuntary: i64,
    lost: u64,
    yields: u64,
    parks: u64,
    write_waits: u64,
    /// Receivers only: how often (of `looks`, every 64th receive) the
    /// channel held at most 4 values, so receivers followed the senders
    /// slot by slot.
    near_empty: u64,
    looks: u64,
}

impl Side {
    /// Adds the calling thread's counts (call at the end of the thread).
    fn of_thread(counts: &Counts) -> Side {
        let ru = rusage(libc::RUSAGE_THREAD);
        Side {
            voluntary: ru.ru_nvcsw,
            involuntary: ru.ru_nivcsw,
            lost: counts.lost_claims(),
            yields: counts.yields(),
            parks: counts.parks(),
            write_waits: counts.write_waits(),
            near_empty: 0,
            looks: 0,
        }
    }

    fn add(&mut self, s: Side) {
        self.voluntary += s.voluntary;
        self.involuntary += s.involuntary;
        self.lost += s.lost;
        self.yields += s.yields;
        self.parks += s.parks;
        self.write_waits += s.write_waits;
        self.near_empty += s.near_empty;
        self.looks += s.looks;
    }

    fn show(&self) -> String {
        let near = if self.looks > 0 {
            format!(
                " nearly empty {:.0}%",
                100.0 * self.near_empty as f64 / self.looks as f64
            )
        } else {
            String::new()
        };
        format!(
            "switches {}+{} lost {} yields {} parks {} write-waits {}{near}",
            self.voluntary, self.involuntary, self.lost, self.yields, self.parks, self.write_waits
        )
    }
}

/// One C4 run of `m` messages on a fresh unbounded `Chan`.
fn c4_core(m: u64) -> String {
    let ch = Chan::unbounded();
    let (before, start) = (rusage(libc::RUSAGE_SELF), Instant::now());
    let (sent, received, sum) = thread::scope(|s| {
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let ch = ch.clone();
                s.spawn(move || {
                    let (mut sum, mut near_empty, mut looks) = (0, 0u64, 0u64);
                    for (i, v) in ch.iter().enumerate() {
                        sum += v;
                        if i % 64 == 0 {
                            looks += 1;
                            near_empty += u64::from(ch.len() <= 4);
                        }
                    }
                    let mut side = Side::of_thread(&test_hooks::counts());
                    (side.near_empty, side.looks) = (near_empty, looks);
                    (sum, side)
                })
            })
            .collect();
        let producers: Vec<_> = (0..4u64)
            .map(|p| {
                let ch = ch.clone();
                s.spawn(move || {
                    for i in p * m / 4 + 1..=(p + 1) * m / 4 {
                        ch.send(i).unwrap();
                    }
                    Side::of_thread(&test_hooks::counts())
                })
            })
            .collect();
        let mut sent = Side::default();
        for p in producers {
            sent.add(p.join().unwrap());
        }
        ch.close();
        let (mut received, mut sum) = (Side::default(), 0);
        for c in consumers {
            let (s, side) = c.join().unwrap();
            sum += s;
            received.add(side);
        }
        (sent, received, sum)
    });
    let (wall, after) = (start.elapsed(), rusage(libc::RUSAGE_SELF));
    assert_eq!(sum, m * (m + 1) / 2, "values lost or duplicated");
    format!(
        "{:.1} ns/msg cpu {:.1}; senders {}; receivers {}",
        wall.as_nanos() as f64 / m as f64,
        (cpu_ns(&after) - cpu_ns(&before)) as f64 / m as f64,
        sent.show(),
        received.show()
    )
}

/// One C4 run of `m` messages on a fresh unbounded crossbeam channel.
fn c4_crossbeam(m: u64) -> String {
    let (tx, rx) = crossbeam_channel::unbounded::<u64>();
    let (before, start) = (rusage(libc::RUSAGE_SELF), Instant::now());
    let sum: u64 = thread::scope(|s| {
        let consumers: Vec<_> = (0..4)
            .map(|_| {
                let rx = rx.clone();
                s.spawn(move || rx.iter().sum::<u64>())
            })
            .collect();
        let producers: Vec<_> = (0..4u64)
            .map(|p| {
                let tx = tx.clone();
                s.spawn(move || {
                    for i in p * m / 4 + 1..=(p + 1) * m / 4 {
                        tx.send(i).unwrap();
                    }
                })
            })
            .collect();
        for p in producers {
            p.join().unwrap();
        }
        drop(tx);
        consumers.into_iter().map(|c| c.join().unwrap()).sum()
    });
    let (wall, after) = (start.elapsed(), rusage(libc::RUSAGE_SELF));
    assert_eq!(sum, m * (m + 1) / 2, "values lost or duplicated");
    format!(
        "{:.1} ns/msg cpu {:.1}; switches {}",
        wall.as_nanos() as f64 / m as f64,
        (cpu_ns(&after) - cpu_ns(&before)) as f64 / m as f64,
        (after.ru_nvcsw + after.ru_nivcsw) - (before.ru_nvcsw + before.ru_nivcsw)
    )
}

fn main() {
    let mut args = std::env::args().skip(1);
    let what = args.next().unwrap_or_else(|| "C1".into());
    let m: u64 = args.next().map_or(1_000_000, |a| a.parse().unwrap());
    let runs: usize = args.next().map_or(6, |a| a.parse().unwrap());
    let cap = usize::try_from(m).expect("M fits in usize");
    match what.as_str() {
        // Each in its own process: a large free changes glibc's trimming.
        "C1" | "C1:core" => c1("core bounded", m, runs, || {
            let ch = Chan::new(cap);
            Box::new(move || {
                for i in 1..=m {
                    ch.send(i).unwrap();
                }
                (0..m).map(|_| ch.recv().unwrap()).sum()
            })
        }),
        "C1:std" => c1("std sync_channel", m, runs, || {
            let (tx, rx) = mpsc::sync_channel(cap);
            Box::new(move || {
                for i in 1..=m {
                    tx.send(i).unwrap();
                }
                (0..m).map(|_| rx.recv().unwrap()).sum()
            })
        }),
        "C1:std-list" => c1("std channel", m, runs, || {
            let (tx, rx) = mpsc::channel();
            Box::new(move || {
                for i in 1..=m {
                    tx.send(i).unwrap();
                }
                (0..m).map(|_| rx.recv().unwrap()).sum()
            })
        }),
        "C4" => {
            for run in 0..runs {
                println!("C4 core run {run}: {}", c4_core(m));
                println!("C4 crossbeam run {run}: {}", c4_crossbeam(m));
            }
        }
        other => panic!("unknown workload {other}: C1, C1:std, C1:std-list or C4"),
    }
}
