//! Suite F of `comparisons/WORKLOADS.md`: F1 chain, F2 fan-out, F3
//! hand-off, one criterion group each, with polyconc's futures on the
//! global context and on a `ThreadPool` beside `rayon::spawn` + a channel,
//! `rayon::scope`, `futures::channel::oneshot` and (F2) `std::thread::spawn`,
//! so that each group shows the ratios. F3 also runs the channel's C6
//! ping-pong, its target's yardstick.
//!
//! A last group measures what `blocking`'s spare threads buy.
//!
//! Before its group, a counting allocator measures F1's allocations per
//! `map` stage and F2's per task on each context, and prints them.
//!
//! `cargo bench -p polyconc --bench future -- F2` runs one workload.

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use polyconc::exec::{global, parasitic, ThreadPool};

#[path = "suite_f/loops.rs"]
mod loops;
use loops::{chain, fan_out, fan_out_of, hand_off, hand_off_over, ping_pong, Ball, OneShot};

// Counts allocations, for F1's per-stage and F2's per-task figures: the
// examples' counting allocator.
#[path = "../examples/support/allocations.rs"]
mod allocations;

/// Stages per F1 chain.
const STAGES: u64 = 1_000;
/// N, tasks per F2 run and round trips per F3 run (the comparisons use
/// 100,000; smaller here so a run of every group stays within minutes).
const N: u64 = 10_000;

/// F1 on rayon: each stage is a spawned job that spawns the next; the
/// last sends the value on a channel.
fn rayon_chain() -> u64 {
    fn stage(v: u64, left: u64, tx: crossbeam_channel::Sender<u64>) {
        if left == 0 {
            tx.send(v).unwrap();
        } else {
            rayon::spawn(move || stage(v + 1, left - 1, tx));
        }
    }
    let (tx, rx) = crossbeam_channel::bounded(1);
    stage(0, STAGES, tx);
    rx.recv().unwrap()
}

/// Allocations per unit of `run(n)` (an F1 stage, an F2 task), counted
/// over all threads and averaged over one run after a warm one (pool
/// threads, deques, caches); `want` is the run's result.
fn allocations_per(n: u64, want: u64, run: impl Fn(u64) -> u64) -> f64 {
    assert_eq!(run(n), want);
    let before = allocations::allocations();
    assert_eq!(run(n), want);
    (allocations::allocations() - before) as f64 / n as f64
}

fn f1_chain(c: &mut Criterion) {
    let pool = ThreadPool::new(2);
    eprintln!(
        "F1 allocations per map stage: parasitic {:.3}, global {:.3}, ThreadPool {:.3}",
        allocations_per(STAGES, STAGES, |n| chain(&parasitic(), n)),
        allocations_per(STAGES, STAGES, |n| chain(&global(), n)),
        allocations_per(STAGES, STAGES, |n| chain(&pool, n)),
    );
    let mut group = c.benchmark_group("F1 chain");
    group.throughput(Throughput::Elements(STAGES));
    group.bench_function("core global", |b| {
        b.iter(|| assert_eq!(chain(&global(), STAGES), STAGES))
    });
    group.bench_function("core ThreadPool", |b| {
        b.iter(|| assert_eq!(chain(&pool, STAGES), STAGES))
    });
    group.bench_function("core parasitic", |b| {
        b.iter(|| assert_eq!(chain(&parasitic(), STAGES), STAGES))
    });
    group.bench_function("rayon spawn+channel", |b| {
        b.iter(|| assert_eq!(rayon_chain(), STAGES))
    });
    group.finish();
}

fn want_sum() -> u64 {
    N * (N - 1) / 2
}

/// Blocks the thread until `f` is ready (for the oneshot peer).
fn block_on<F: std::future::Future + Unpin>(mut f: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        if let Poll::Ready(v) = std::pin::Pin::new(&mut f).poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

fn f2_fan_out(c: &mut Criterion) {
    let pool = ThreadPool::new(thread::available_parallelism().map_or(1, |n| n.get()));
    eprintln!(
        "F2 allocations per task: global {:.3}, ThreadPool {:.3}",
        allocations_per(N, want_sum(), |n| fan_out(&global(), n)),
        allocations_per(N, want_sum(), |n| fan_out(&pool, n)),
    );
    let mut group = c.benchmark_group("F2 fanout");
    group.throughput(Throughput::Elements(N)).sample_size(10);
    group.bench_function("core global", |b| {
        b.iter(|| assert_eq!(fan_out(&global(), N), want_sum()))
    });
    group.bench_function("core ThreadPool", |b| {
        b.iter(|| assert_eq!(fan_out(&pool, N), want_sum()))
    });
    group.bench_function("rayon spawn+channel", |b| {
        b.iter(|| {
            let (tx, rx) = crossbeam_channel::unbounded();
            for i in 0..N {
                let tx = tx.clone();
                rayon::spawn(move || tx.send(black_box(i)).unwrap());
            }
            drop(tx);
            assert_eq!(rx.iter().sum::<u64>(), want_sum());
        })
    });
    group.bench_function("rayon scope", |b| {
        b.iter(|| {
            let total = AtomicUsize::new(0);
            rayon::scope(|s| {
                for i in 0..N {
                    let total = &total;
                    s.spawn(move |_| {
                        total.fetch_add(black_box(i) as usize, Ordering::Relaxed);
                    });
                }
            });
            assert_eq!(total.into_inner() as u64, want_sum());
        })
    });
    group.bench_function("futures oneshot", |b| {
        b.iter(|| {
            let receivers: Vec<_> = (0..N)
                .map(|i| {
                    let (tx, rx) = futures_channel::oneshot::channel();
                    rayon::spawn(move || {
                        let _ = tx.send(black_box(i));
                    });
                    rx
                })
                .collect();
            let sum: u64 = receivers.into_iter().map(|rx| block_on(rx).unwrap()).sum();
            assert_eq!(sum, want_sum());
        })
    });
    group.bench_function("std thread::spawn", |b| {
        b.iter(|| {
            let handles: Vec<_> = (0..N)
                .map(|i| thread::spawn(move || black_box(i)))
                .collect();
            assert_eq!(
                handles.into_iter().map(|h| h.join().unwrap()).sum::<u64>(),
                want_sum()
            );
        })
    });
    group.finish();
}

/// F3's one-shot channel in the futures crate, the caller blocking on
/// each receiver.
struct Oneshots;

impl OneShot for Oneshots {
    type Sender = futures_channel::oneshot::Sender<Ball<Oneshots>>;
    type Receiver = futures_channel::oneshot::Receiver<Ball<Oneshots>>;

    fn channel() -> (Self::Sender, Self::Receiver) {
        futures_channel::oneshot::channel()
    }

    fn send(to: Self::Sender, ball: Ball<Self>) {
        let _ = to.send(ball);
    }

    fn recv(from: Self::Receiver) -> Ball<Self> {
        block_on(from).unwrap()
    }
}

fn f3_hand_off(c: &mut Criterion) {
    let mut group = c.benchmark_group("F3 handoff");
    group.throughput(Throughput::Elements(N)).sample_size(10);
    group.bench_function("core promises", |b| {
        b.iter(|| assert_eq!(hand_off(N), 2 * N))
    });
    group.bench_function("futures oneshot", |b| {
        b.iter(|| assert_eq!(hand_off_over::<Oneshots>(N), 2 * N))
    });
    group.bench_function("chan C6 pingpong", |b| {
        b.iter(|| assert_eq!(ping_pong(N), 2 * N))
    });
    group.finish();
}

/// Tasks that block 1 ms each on a two-worker pool, with spare threads
/// (the default) and without (`max_blocking(0)`): what `blocking`'s
/// compensation buys. Not a WORKLOADS.md workload; the issue asks for the
/// measurement.
fn blocking_compensation(c: &mut Criterion) {
    const TASKS: u64 = 64;
    let run = |pool: &ThreadPool| {
        let sum = fan_out_of(pool, TASKS, |i| {
            polyconc::exec::blocking(|| thread::sleep(Duration::from_millis(1)));
            i
        });
        assert_eq!(sum, TASKS * (TASKS - 1) / 2);
    };
    let spares = ThreadPool::new(2);
    let fixed = ThreadPool::builder().size(2).max_blocking(0).build();
    let mut group = c.benchmark_group("blocking 1 ms x 64 on 2 workers");
    group
        .throughput(Throughput::Elements(TASKS))
        .sample_size(10);
    group.bench_function("with spares", |b| b.iter(|| run(&spares)));
    group.bench_function("max_blocking(0)", |b| b.iter(|| run(&fixed)));
    group.finish();
}

criterion_group!(
    benches,
    f1_chain,
    f2_fan_out,
    f3_hand_off,
    blocking_compensation
);
criterion_main!(benches);
