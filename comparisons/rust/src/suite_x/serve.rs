//! X2's execution models (WORKLOADS.md, suite X): n requests, all submitted
//! at once, each waiting for the simulated service and then doing X2's CPU
//! work. polyconc's models call polyconc's `exec::Timer` (one timer thread
//! completing a `Promise`); tokio's call `tokio::time::sleep`, tokio's own
//! timer wheel.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::exec::{ThreadPool, Timer};
use polyconc::future::{future, sequence, Future, Promise};
use serde_json::json;
use tokio::runtime::{Builder, Runtime};

use super::{cores, cpu_work, failing, sum, WAIT, X2_STEPS};
use crate::harness::{Body, Case};

/// One model of X2.
pub struct Model {
    /// The line's `impl`.
    pub impl_name: &'static str,
    /// The line's `kind`.
    pub kind: &'static str,
    /// The line's `threads`: the OS threads serving the requests.
    threads: Threads,
    serve: fn(n: u64, d: Duration) -> Body,
}

/// How many OS threads a model serves its requests on.
#[derive(Clone, Copy)]
enum Threads {
    /// One per request.
    PerRequest,
    /// As many as cores.
    Cores,
    /// One.
    One,
    /// The runtime decides (0 in the line).
    Runtime,
}

/// Every model, in output order.
pub const MODELS: [Model; 5] = [
    Model {
        impl_name: "thread-per-request",
        kind: "thread-per-request",
        threads: Threads::PerRequest,
        serve: thread_per_request,
    },
    Model {
        impl_name: "core.ThreadPool.blocking",
        kind: "blocking-pool",
        threads: Threads::Cores,
        serve: blocking_pool,
    },
    Model {
        impl_name: "core.map",
        kind: "callback-pool",
        threads: Threads::Cores,
        serve: callbacks,
    },
    Model {
        impl_name: "tokio.current_thread",
        kind: "green",
        threads: Threads::One,
        serve: |n, d| tokio_tasks(Builder::new_current_thread(), n, d),
    },
    Model {
        impl_name: "tokio.multi_thread",
        kind: "green",
        threads: Threads::Runtime,
        serve: |n, d| tokio_tasks(Builder::new_multi_thread(), n, d),
    },
];

/// X2's cases: every model serving n requests with latency `latency_ms`;
/// `want` is what their CPU work adds up to.
pub fn cases(n: u64, latency_ms: u64, want: u64) -> Vec<Case> {
    let d = Duration::from_millis(latency_ms);
    MODELS
        .iter()
        .map(|m| {
            let threads = match m.threads {
                Threads::PerRequest => n,
                Threads::Cores => cores() as u64,
                Threads::One => 1,
                Threads::Runtime => 0,
            };
            let serve = m.serve;
            Case {
                workload: "X2",
                impl_name: m.impl_name,
                kind: m.kind,
                label: format!("X2 {} requests={n}", m.impl_name),
                unit: "ns/request",
                params: json!({"requests": n, "latency_ms": latency_ms, "steps": X2_STEPS, "threads": threads}),
                ops: n,
                want,
                prepare: Box::new(move || serve(n, d)),
                counts: None,
            }
        })
        .collect()
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

fn thread_per_request(n: u64, d: Duration) -> Body {
    let timer = Arc::new(Timer::new());
    Box::new(move || {
        let all: Vec<_> = (1..=n)
            .map(|i| {
                let timer = Arc::clone(&timer);
                thread::spawn(move || {
                    let _ = call(&timer, d).result(WAIT);
                    cpu_work(i, X2_STEPS)
                })
            })
            .collect();
        sum(all.into_iter().map(|t| t.join().unwrap_or(0)))
    })
}

/// A pool of cores workers and no spare threads: a worker waiting for its
/// answer holds its thread (a polyconc pool would otherwise run a spare
/// while it waits, as Scala's `blocking {}` does).
fn pool() -> ThreadPool {
    ThreadPool::builder().size(cores()).max_blocking(0).build()
}

fn blocking_pool(n: u64, d: Duration) -> Body {
    let (timer, pool) = (Arc::new(Timer::new()), pool());
    Box::new(move || {
        let all: Vec<_> = (1..=n)
            .map(|i| {
                let timer = Arc::clone(&timer);
                future(&pool, move || {
                    let _ = call(&timer, d).result(WAIT);
                    cpu_work(i, X2_STEPS)
                })
            })
            .collect();
        let out = sequence(&pool, all).result(WAIT).map_or(0, sum);
        pool.shutdown();
        out
    })
}

fn callbacks(n: u64, d: Duration) -> Body {
    let (timer, pool) = (Timer::new(), pool());
    Box::new(move || {
        let all: Vec<_> = (1..=n)
            .map(|i| call(&timer, d).map(&pool, move |_| cpu_work(i, X2_STEPS)))
            .collect();
        let out = sequence(&pool, all).result(WAIT).map_or(0, sum);
        pool.shutdown();
        out
    })
}

/// A tokio task per request on the runtime `builder` makes (outside the
/// timed part), sleeping d and then working.
fn tokio_tasks(mut builder: Builder, n: u64, d: Duration) -> Body {
    let rt: Runtime = match builder.enable_time().build() {
        Ok(rt) => rt,
        Err(e) => return failing(format!("X2: cannot build a tokio runtime: {e}")),
    };
    Box::new(move || {
        rt.block_on(async move {
            let all: Vec<_> = (1..=n)
                .map(|i| {
                    tokio::spawn(async move {
                        tokio::time::sleep(d).await;
                        cpu_work(i, X2_STEPS)
                    })
                })
                .collect();
            let mut out = 0u64;
            for task in all {
                out = out.wrapping_add(task.await.unwrap_or(0));
            }
            out
        })
    })
}
