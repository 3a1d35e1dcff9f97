//! Suite X (execution models) for the [harness](crate::harness), X1 and X2:
//! polyconc's `ThreadPool` at each size W (X1); a thread per request, a
//! blocking pool (a `ThreadPool` of cores workers and no spare threads,
//! each waiting for its answer)
//! and polyconc futures with callbacks on that pool (X2), the service being
//! polyconc's `exec::Timer` completing a `Promise`. X3 is not here yet: it
//! needs the harness's child-process memory measure (see the report).

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::exec::{ThreadPool, Timer};
use polyconc::future::{future, sequence, Future, Promise};
use serde_json::json;

use crate::harness::{Body, Case, Params, Suite};
use crate::suite_l::lcg;

/// Suite X of WORKLOADS.md.
pub struct SuiteX;

const IDS: [&str; 3] = ["X1", "X2", "X3"];
/// X1's and X2's step counts of the CPU work (about 50 µs and 10 µs).
pub const X1_STEPS: u64 = 25_000;
/// See [`X1_STEPS`].
pub const X2_STEPS: u64 = 5_000;
/// Only guards against a hang.
const WAIT: Duration = Duration::from_secs(600);

fn cores() -> usize {
    thread::available_parallelism().map_or(1, |n| n.get())
}

/// Task i's CPU work (WORKLOADS.md, "CPU work"): L3's step `steps` times
/// from x = i.
///
/// ```
/// use polyconc_compare::suite_x::cpu_work;
/// assert_eq!(cpu_work(1, 25_000), 0x228f_b28c_0054_581d); // WORKLOADS.md's table
/// ```
pub fn cpu_work(i: u64, steps: u64) -> u64 {
    lcg(i, steps)
}

/// What tasks 1..=n of [`cpu_work`] add up to (wrapping): the tasks one
/// after another on the calling thread, once before the runs, which must
/// give the same.
///
/// ```
/// use polyconc_compare::suite_x::work_sum;
/// assert_eq!(work_sum(20, 5_000), 0x238f_182f_160e_3730); // WORKLOADS.md's table
/// ```
pub fn work_sum(n: u64, steps: u64) -> u64 {
    sum((1..=n).map(|i| cpu_work(i, steps)))
}

fn sum(values: impl IntoIterator<Item = u64>) -> u64 {
    values.into_iter().fold(0, u64::wrapping_add)
}

/// The simulated service: the timer thread completes the answer d later.
fn call(timer: &Timer, d: Duration) -> Future<()> {
    let answer = Promise::new();
    let done = answer.clone();
    timer.schedule(d, move || {
        let _ = done.success(());
    });
    answer.future()
}

fn x1(w: usize, n: u64) -> Body {
    let pool = ThreadPool::new(w);
    Box::new(move || {
        let all: Vec<_> = (1..=n)
            .map(|i| future(&pool, move || cpu_work(i, X1_STEPS)))
            .collect();
        let out = sequence(&pool, all).result(WAIT).map_or(0, sum);
        pool.shutdown();
        out
    })
}

fn x2(model: &'static str, n: u64, d: Duration) -> Body {
    let timer = Arc::new(Timer::new());
    // No spares: a worker waiting for its answer holds its thread (a
    // polyconc pool would otherwise run a spare while it waits, as Scala's
    // `blocking {}` does).
    let pool = ThreadPool::builder().size(cores()).max_blocking(0).build();
    Box::new(move || {
        let out = match model {
            "thread-per-request" => sum((1..=n)
                .map(|i| {
                    let timer = Arc::clone(&timer);
                    thread::spawn(move || {
                        let _ = call(&timer, d).result(WAIT);
                        cpu_work(i, X2_STEPS)
                    })
                })
                .collect::<Vec<_>>()
                .into_iter()
                .map(|t| t.join().unwrap_or(0))),
            "ThreadPool.blocking" => {
                let all: Vec<_> = (1..=n)
                    .map(|i| {
                        let timer = Arc::clone(&timer);
                        future(&pool, move || {
                            let _ = call(&timer, d).result(WAIT);
                            cpu_work(i, X2_STEPS)
                        })
                    })
                    .collect();
                sequence(&pool, all).result(WAIT).map_or(0, sum)
            }
            _ => {
                let all: Vec<_> = (1..=n)
                    .map(|i| call(&timer, d).map(&pool, move |_| cpu_work(i, X2_STEPS)))
                    .collect();
                sequence(&pool, all).result(WAIT).map_or(0, sum)
            }
        };
        pool.shutdown();
        out
    })
}

impl Suite for SuiteX {
    fn id(&self) -> &'static str {
        "X"
    }

    fn workloads(&self) -> &'static [&'static str] {
        &IDS
    }

    fn impls(&self) -> Vec<&'static str> {
        vec![
            "core.ThreadPool",
            "thread-per-request",
            "core.ThreadPool.blocking",
            "core.map",
        ]
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if p.tasks < 10 {
            return Err("--tasks must be at least 10 (X1 and X2 do tasks/10)".into());
        }
        if p.pool_sizes.is_empty() || p.pool_sizes.contains(&0) {
            return Err("--pool-sizes must list sizes >= 1".into());
        }
        if p.latency_ms < 1 {
            return Err("--latency-ms must be at least 1".into());
        }
        Ok(())
    }

    fn cases(&self, workload: &str, p: &Params) -> Vec<Case> {
        let n = p.tasks / 10;
        match workload {
            "X1" => {
                let want = work_sum(n, X1_STEPS);
                p.pool_sizes
                    .iter()
                    .map(|&w| Case {
                        workload: "X1",
                        impl_name: "core.ThreadPool",
                        kind: "pool",
                        label: format!("X1 W={w} tasks={n}"),
                        unit: "ns/task",
                        params: json!({"workers": w, "tasks": n, "steps": X1_STEPS}),
                        ops: n,
                        want,
                        prepare: Box::new(move || x1(w, n)),
                        counts: None,
                    })
                    .collect()
            }
            "X2" => {
                let d = Duration::from_millis(p.latency_ms);
                let want = work_sum(n, X2_STEPS);
                let cores = cores() as u64;
                [
                    ("thread-per-request", "thread-per-request", "thread-per-request", n),
                    ("core.ThreadPool.blocking", "ThreadPool.blocking", "blocking-pool", cores),
                    ("core.map", "map", "callback-pool", cores),
                ]
                .into_iter()
                .map(|(impl_name, model, kind, threads)| Case {
                    workload: "X2",
                    impl_name,
                    kind,
                    label: format!("X2 {impl_name} requests={n}"),
                    unit: "ns/request",
                    params: json!({"requests": n, "latency_ms": p.latency_ms, "steps": X2_STEPS, "threads": threads}),
                    ops: n,
                    want,
                    prepare: Box::new(move || x2(model, n, d)),
                    counts: None,
                })
                .collect()
            }
            _ => Vec::new(),
        }
    }
}
