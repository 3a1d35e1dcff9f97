//! Suite L of `comparisons/WORKLOADS.md` (L1–L5): one criterion group per
//! workload and thread count, with polyconc's `Mutex` and `SpinLock`
//! beside `std::sync::Mutex` and `parking_lot::Mutex` (and an `AtomicU64`
//! for L4, a `polyconc::chan::Chan` for L5), so that each group shows the
//! ratios. Throughput is in increments; every run checks the final count.
//!
//! A last group, `L2-wait/T=8`, prints the wait for the lock at L2 T = 8
//! sampled 1 in 64 acquisitions (median, 99th and 99.9th percentiles, each
//! the median of 5 runs that alternate the locks), and polyconc's 99.9th
//! percentile over parking_lot's, so that fairness is visible beside the
//! throughput (the target: at most 10).
//!
//! `cargo bench -p polyconc --bench sync -- L3` runs one workload; `-- L2`
//! runs L2 and its wait report in well under a minute.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, Criterion, SamplingMode, Throughput,
};

/// K inside criterion: smaller than the comparisons' 10,000,000 so that a
/// run of every group stays within minutes.
const K: u64 = 400_000;

/// The thread counts of the contended workloads.
const THREADS: [u64; 3] = [2, 4, 8];

/// Rounds of the L3 critical section's work: a dependent multiply-add
/// chain of about 1 µs (about 4 cycles a round at 2–3 GHz).
const WORK_ROUNDS: u32 = 600;

/// L3's critical section: fixed, deterministic CPU work on the counter.
fn work(seed: u64) -> u64 {
    let mut x = seed;
    for _ in 0..WORK_ROUNDS {
        x = black_box(x)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
    }
    x
}

/// A lock around a `u64` counter, as the workloads use it.
trait CounterLock: Sync + Default {
    const NAME: &'static str;
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R;
}

#[derive(Default)]
struct PcMutex(polyconc::sync::Mutex<u64>);
#[derive(Default)]
struct PcSpin(polyconc::sync::SpinLock<u64>);
#[derive(Default)]
struct StdMutex(std::sync::Mutex<u64>);
#[derive(Default)]
struct PlMutex(parking_lot::Mutex<u64>);

impl CounterLock for PcMutex {
    const NAME: &'static str = "polyconc::Mutex";
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.0.lock())
    }
}

impl CounterLock for PcSpin {
    const NAME: &'static str = "polyconc::SpinLock";
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.0.lock())
    }
}

impl CounterLock for StdMutex {
    const NAME: &'static str = "std::Mutex";
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.0.lock().expect("no thread panics while holding it"))
    }
}

impl CounterLock for PlMutex {
    const NAME: &'static str = "parking_lot::Mutex";
    fn with<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.0.lock())
    }
}

/// Runs `per_thread` on `threads` threads started together; the elapsed
/// time from the start signal to the last thread's end.
fn timed_threads(threads: u64, per_thread: impl Fn() + Sync) -> Duration {
    let start = std::sync::Barrier::new(threads as usize + 1);
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                start.wait();
                per_thread();
            });
        }
        start.wait();
        let begun = Instant::now();
        // The scope joins every thread before returning.
        begun
    })
    .elapsed()
}

/// L1 and L2 (and L4, L5's lock rows) for one lock: `threads` threads share
/// `ops` increments, each inside the lock.
fn contended<L: CounterLock>(threads: u64, ops: u64) -> Duration {
    let lock = L::default();
    let elapsed = timed_threads(threads, || {
        for _ in 0..ops / threads {
            lock.with(|n| *n += 1);
        }
    });
    assert_eq!(
        lock.with(|n| *n),
        ops / threads * threads,
        "{}: increments lost",
        L::NAME
    );
    elapsed
}

/// L3: as L2 with about 1 µs of work in the critical section; the counter
/// goes through the work, so the increments are counted on the side.
fn contended_long<L: CounterLock>(threads: u64, ops: u64) -> Duration {
    let lock = L::default();
    let count = AtomicU64::new(0);
    let elapsed = timed_threads(threads, || {
        for _ in 0..ops / threads {
            lock.with(|n| {
                *n = work(*n);
                // Inside the lock: a relaxed counter checks the exclusion.
                let c = count.load(Ordering::Relaxed);
                count.store(c + 1, Ordering::Relaxed);
            });
        }
    });
    assert_eq!(
        count.into_inner(),
        ops / threads * threads,
        "{}: increments lost",
        L::NAME
    );
    elapsed
}

/// L4: the floor, an atomic fetch-add and no lock.
fn atomic(threads: u64, ops: u64) -> Duration {
    let counter = AtomicU64::new(0);
    let elapsed = timed_threads(threads, || {
        for _ in 0..ops / threads {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });
    assert_eq!(counter.into_inner(), ops / threads * threads);
    elapsed
}

/// L5: the increments go over one channel to the thread that owns the
/// counter.
fn by_message(threads: u64, ops: u64) -> Duration {
    let ch = polyconc::chan::Chan::new(1024);
    let per_thread = ops / threads;
    let total = per_thread * threads;
    let owner = {
        let ch = ch.clone();
        thread::spawn(move || {
            let mut counter = 0u64;
            for _ in 0..total {
                counter += ch.recv().expect("open until every increment arrived");
            }
            counter
        })
    };
    let elapsed = timed_threads(threads, || {
        for _ in 0..per_thread {
            ch.send(1u64).expect("the owner receives until the end");
        }
    });
    let counter = owner.join().expect("the owner does not panic");
    assert_eq!(counter, total);
    // The owner's last receives finish after the senders: count them in.
    elapsed
}

fn group<'a>(c: &'a mut Criterion, name: &str, ops: u64) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .throughput(Throughput::Elements(ops))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group
}

/// One benchmark of `run` (the elapsed time of one whole run per iteration).
fn bench(group: &mut BenchmarkGroup<'_, WallTime>, name: &str, run: impl Fn() -> Duration) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| (0..iters).map(|_| run()).sum())
    });
}

macro_rules! every_lock {
    ($group:expr, $f:ident, $($arg:expr),*) => {
        bench($group, PcMutex::NAME, || $f::<PcMutex>($($arg),*));
        bench($group, PlMutex::NAME, || $f::<PlMutex>($($arg),*));
        bench($group, StdMutex::NAME, || $f::<StdMutex>($($arg),*));
        bench($group, PcSpin::NAME, || $f::<PcSpin>($($arg),*));
    };
}

fn locks(c: &mut Criterion) {
    let mut g = group(c, "L1", K);
    every_lock!(&mut g, contended, 1, K);
    g.finish();
    for t in THREADS {
        let mut g = group(c, &format!("L2/T={t}"), K);
        every_lock!(&mut g, contended, t, K);
        g.finish();
    }
    for t in THREADS {
        let mut g = group(c, &format!("L3/T={t}"), K / 100);
        every_lock!(&mut g, contended_long, t, K / 100);
        g.finish();
    }
    for t in THREADS {
        let mut g = group(c, &format!("L4/T={t}"), K);
        bench(&mut g, "AtomicU64", || atomic(t, K));
        every_lock!(&mut g, contended, t, K);
        g.finish();
    }
    for t in THREADS {
        let mut g = group(c, &format!("L5/T={t}"), K);
        bench(&mut g, "polyconc::chan", || by_message(t, K));
        every_lock!(&mut g, contended, t, K);
        g.finish();
    }
}

/// L2 at T = 8 with the wait for the lock sampled 1 in 64 acquisitions;
/// prints the median, 99th and 99.9th percentile waits per lock.
fn l2_wait_latency<L: CounterLock>(ops: u64) -> Vec<Duration> {
    const T: u64 = 8;
    let lock = L::default();
    let samples = std::sync::Mutex::new(Vec::new());
    timed_threads(T, || {
        let mut mine = Vec::new();
        for i in 0..ops / T {
            if i % 64 == 0 {
                let asked = Instant::now();
                lock.with(|n| {
                    mine.push(asked.elapsed());
                    *n += 1;
                });
            } else {
                lock.with(|n| *n += 1);
            }
        }
        samples.lock().expect("not poisoned").extend(mine);
    });
    assert_eq!(lock.with(|n| *n), ops / T * T);
    let mut samples = samples.into_inner().expect("not poisoned");
    samples.sort();
    samples
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// The runs of the wait report, alternating the locks.
const WAIT_RUNS: usize = 5;

/// One run's wait percentiles: p50, p99, p99.9.
type Percentiles = [Duration; 3];

fn wait_percentiles<L: CounterLock>(ops: u64) -> Percentiles {
    let s = l2_wait_latency::<L>(ops);
    [0.5, 0.99, 0.999].map(|p| percentile(&s, p))
}

/// The median of each percentile over the runs.
fn medians(mut runs: Vec<Percentiles>) -> Percentiles {
    std::array::from_fn(|i| {
        runs.sort_by_key(|r| r[i]);
        runs[runs.len() / 2][i]
    })
}

/// Prints the L2 T = 8 wait percentiles per lock, each the median of
/// [`WAIT_RUNS`] runs in which the locks take turns (outside criterion:
/// the figure is the spread, not a time), unless a filter on the command
/// line leaves this group out.
fn wait_latency(_: &mut Criterion) {
    const NAME: &str = "L2-wait/T=8";
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if !filters.is_empty() && !filters.iter().any(|f| NAME.contains(f.as_str())) {
        return;
    }
    let ops = if args.iter().any(|a| a == "--test") {
        K / 10
    } else {
        10 * K
    };
    let runs: [fn(u64) -> Percentiles; 4] = [
        wait_percentiles::<PcMutex>,
        wait_percentiles::<PlMutex>,
        wait_percentiles::<StdMutex>,
        wait_percentiles::<PcSpin>,
    ];
    let names = [PcMutex::NAME, PlMutex::NAME, StdMutex::NAME, PcSpin::NAME];
    let mut results: [Vec<Percentiles>; 4] = Default::default();
    for _ in 0..WAIT_RUNS {
        for (run, out) in runs.iter().zip(&mut results) {
            out.push(run(ops));
        }
    }
    let median = results.map(medians);
    for (name, [p50, p99, p999]) in names.iter().zip(&median) {
        println!(
            "{NAME} {name:<20} median of {WAIT_RUNS}: p50 {p50:>10?}  p99 {p99:>10?}  p99.9 {p999:>10?}"
        );
    }
    let ratio = median[0][2].as_secs_f64() / median[1][2].as_secs_f64().max(1e-9);
    println!(
        "{NAME} p99.9 {} / {}: {ratio:.2} (target: at most 10)",
        PcMutex::NAME,
        PlMutex::NAME
    );
}

criterion_group!(benches, locks, wait_latency);
criterion_main!(benches);
