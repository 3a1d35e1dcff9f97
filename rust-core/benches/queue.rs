//! The blocking queues on workloads C2, C4 and C6 of
//! `comparisons/WORKLOADS.md`, each group with `polyconc::chan::Chan` of
//! the same capacity and crossbeam's `ArrayQueue`/`SegQueue` (which do not
//! block: their consumers spin) beside every queue type that has that
//! capacity. Throughput is in messages (round trips for C6); every run
//! checks the sum of what was received.
//!
//! `cargo bench -p polyconc --bench queue -- C2` runs one workload.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use crossbeam_queue::{ArrayQueue, SegQueue};
use polyconc::chan::Chan;
use polyconc::queue::{
    ArrayBlockingQueue, BlockingQueue, DelayQueue, LinkedBlockingQueue, LinkedTransferQueue,
    PriorityBlockingQueue, SynchronousQueue,
};

/// Messages per run (C6: ten times the round trips).
const MESSAGES: u64 = 100_000;

/// What a workload needs of a queue: a blocking send, a receive that
/// returns `None` once the queue is finished and drained, and `finish`.
trait Pipe: Send + Sync + 'static {
    fn send(&self, v: u64);
    fn recv(&self) -> Option<u64>;
    fn finish(&self);
}

/// A polyconc blocking queue.
struct Blocking<Q>(Q);

impl<Q: BlockingQueue<u64> + 'static> Pipe for Blocking<Q> {
    fn send(&self, v: u64) {
        self.0.put(v).expect("open while sending");
    }
    fn recv(&self) -> Option<u64> {
        self.0.take().ok()
    }
    fn finish(&self) {
        self.0.close();
    }
}

/// A delay queue of elements that have already expired.
struct Delay(DelayQueue<(Instant, u64)>, Instant);

impl Pipe for Delay {
    fn send(&self, v: u64) {
        self.0.put((self.1, v)).expect("open while sending");
    }
    fn recv(&self) -> Option<u64> {
        self.0.take().ok().map(|e| e.1)
    }
    fn finish(&self) {
        self.0.close();
    }
}

impl Pipe for Chan<u64> {
    fn send(&self, v: u64) {
        Chan::send(self, v).expect("open while sending");
    }
    fn recv(&self) -> Option<u64> {
        Chan::recv(self).ok()
    }
    fn finish(&self) {
        self.close();
    }
}

/// crossbeam's lock-free queues, which never block: both sides spin.
struct Spin<Q> {
    queue: Q,
    done: AtomicBool,
}

/// `push` tries once, giving the value back if the queue is full.
macro_rules! spin_pipe {
    ($q:ty, $push:expr) => {
        impl Pipe for Spin<$q> {
            fn send(&self, mut v: u64) {
                let push: fn(&$q, u64) -> Result<(), u64> = $push;
                while let Err(back) = push(&self.queue, v) {
                    v = back;
                    std::hint::spin_loop();
                }
            }
            fn recv(&self) -> Option<u64> {
                loop {
                    if let Some(v) = self.queue.pop() {
                        return Some(v);
                    }
                    if self.done.load(Ordering::Acquire) {
                        return self.queue.pop();
                    }
                    std::hint::spin_loop();
                }
            }
            fn finish(&self) {
                self.done.store(true, Ordering::Release);
            }
        }
    };
}
spin_pipe!(ArrayQueue<u64>, |q, v| q.push(v));
spin_pipe!(SegQueue<u64>, |q, v| {
    q.push(v);
    Ok(())
});

fn spin<Q>(queue: Q) -> Spin<Q> {
    Spin {
        queue,
        done: AtomicBool::new(false),
    }
}

/// A capacity as the workloads name it.
#[derive(Clone, Copy, PartialEq)]
enum Cap {
    Zero,
    One,
    Bounded,
    Unbounded,
}

const BOUNDED: usize = 1024;

type Make = fn() -> Arc<dyn Pipe>;

/// Every implementation that has capacity `cap`.
fn impls(cap: Cap) -> Vec<(&'static str, Make)> {
    let mut v: Vec<(&'static str, Make)> = Vec::new();
    match cap {
        Cap::Zero => {
            v.push(("chan", || Arc::new(Chan::<u64>::new(0))));
            v.push(("SynchronousQueue", || {
                Arc::new(Blocking(SynchronousQueue::new()))
            }));
            v.push(("SynchronousQueue fair", || {
                Arc::new(Blocking(SynchronousQueue::fair()))
            }));
        }
        Cap::One => {
            v.push(("chan", || Arc::new(Chan::<u64>::new(1))));
            v.push(("ArrayBlockingQueue", || {
                Arc::new(Blocking(ArrayBlockingQueue::new(1)))
            }));
            v.push(("ArrayBlockingQueue fair", || {
                Arc::new(Blocking(ArrayBlockingQueue::fair(1)))
            }));
            v.push(("LinkedBlockingQueue", || {
                Arc::new(Blocking(LinkedBlockingQueue::new(1)))
            }));
            v.push(("crossbeam ArrayQueue", || {
                Arc::new(spin(ArrayQueue::<u64>::new(1)))
            }));
        }
        Cap::Bounded => {
            v.push(("chan", || Arc::new(Chan::<u64>::new(BOUNDED))));
            v.push(("ArrayBlockingQueue", || {
                Arc::new(Blocking(ArrayBlockingQueue::new(BOUNDED)))
            }));
            v.push(("ArrayBlockingQueue fair", || {
                Arc::new(Blocking(ArrayBlockingQueue::fair(BOUNDED)))
            }));
            v.push(("LinkedBlockingQueue", || {
                Arc::new(Blocking(LinkedBlockingQueue::new(BOUNDED)))
            }));
            v.push(("crossbeam ArrayQueue", || {
                Arc::new(spin(ArrayQueue::<u64>::new(BOUNDED)))
            }));
        }
        Cap::Unbounded => {
            v.push(("chan", || Arc::new(Chan::<u64>::unbounded())));
            v.push(("LinkedBlockingQueue", || {
                Arc::new(Blocking(LinkedBlockingQueue::unbounded()))
            }));
            v.push(("PriorityBlockingQueue", || {
                Arc::new(Blocking(PriorityBlockingQueue::new()))
            }));
            v.push(("DelayQueue", || {
                Arc::new(Delay(DelayQueue::new(), Instant::now()))
            }));
            v.push(("LinkedTransferQueue", || {
                Arc::new(Blocking(LinkedTransferQueue::new()))
            }));
            v.push(("crossbeam SegQueue", || {
                Arc::new(spin(SegQueue::<u64>::new()))
            }));
        }
    }
    v
}

/// `producers` send 1..=m split evenly, `consumers` add up what they get;
/// returns the total.
fn mpmc(pipe: Arc<dyn Pipe>, producers: u64, consumers: usize, m: u64) -> u64 {
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let pipe = Arc::clone(&pipe);
            let share = m / producers;
            thread::spawn(move || {
                for v in p * share + 1..=(p + 1) * share {
                    pipe.send(v);
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let pipe = Arc::clone(&pipe);
            thread::spawn(move || std::iter::from_fn(|| pipe.recv()).sum::<u64>())
        })
        .collect();
    senders.into_iter().for_each(|s| s.join().unwrap());
    pipe.finish();
    receivers.into_iter().map(|r| r.join().unwrap()).sum()
}

/// Two threads bounce one message `rounds` times over two pipes; returns
/// the sum of the values that came back.
fn pingpong(ping: Arc<dyn Pipe>, pong: Arc<dyn Pipe>, rounds: u64) -> u64 {
    let echo = {
        let (ping, pong) = (Arc::clone(&ping), Arc::clone(&pong));
        thread::spawn(move || {
            while let Some(v) = ping.recv() {
                pong.send(v);
            }
        })
    };
    let mut sum = 0;
    for v in 1..=rounds {
        ping.send(v);
        sum += pong.recv().expect("echoed");
    }
    ping.finish();
    echo.join().unwrap();
    sum
}

fn run_group(
    c: &mut Criterion,
    label: &str,
    units: u64,
    body: impl Fn(Make) -> u64,
    want: u64,
    cap: Cap,
) {
    let mut group = c.benchmark_group(label);
    group
        .throughput(Throughput::Elements(units))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, make) in impls(cap) {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let sum = body(make);
                    total += start.elapsed();
                    assert_eq!(sum, want, "{label} [{name}]: messages lost or duplicated");
                }
                total
            })
        });
    }
    group.finish();
}

fn queues(c: &mut Criterion) {
    let want = MESSAGES * (MESSAGES + 1) / 2;
    for (id, shape, producers, consumers) in [("C2", "spsc", 1, 1), ("C4", "mpmc 4x4", 4, 4)] {
        for (cap, cap_name) in [
            (Cap::Zero, "0"),
            (Cap::Bounded, "1024"),
            (Cap::Unbounded, "unbounded"),
        ] {
            // WORKLOADS.md runs C4 at capacity 0 too; its rendezvous
            // figures come from C2 and C6 here, to keep the run short.
            if id == "C4" && cap == Cap::Zero {
                continue;
            }
            let label = format!("queue {id} {shape} capacity {cap_name}");
            let body = |make: Make| mpmc(make(), producers, consumers, MESSAGES);
            run_group(c, &label, MESSAGES, body, want, cap);
        }
    }
    let rounds = MESSAGES / 10;
    let want = rounds * (rounds + 1) / 2;
    for (cap, cap_name) in [(Cap::Zero, "0"), (Cap::One, "1")] {
        let label = format!("queue C6 pingpong capacity {cap_name}");
        run_group(
            c,
            &label,
            rounds,
            |make| pingpong(make(), make(), rounds),
            want,
            cap,
        );
    }
}

criterion_group!(benches, queues);
criterion_main!(benches);
