//! X3's models (WORKLOADS.md, suite X): Q tasks, each parked on its own
//! promise or channel, released with their numbers 1..=Q and joined. The
//! timed run and the memory child ([`super::memory`]) park them the same
//! way, through [`Model::park`].

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;

use polyconc::chan::Chan;
use polyconc::exec::parasitic;
use polyconc::future::Promise;
use polyconc::sync::CountDownLatch;
use serde_json::json;
use tokio::runtime::Runtime;

use super::{failing, sum, WAIT};
use crate::harness::{Body, Case};

/// Every model: the line's `impl` and `kind`, in output order.
pub const MODELS: [(&str, &str); 4] = [
    ("std::thread", "thread-per-request"),
    ("core.Promise", "promise"),
    ("core.Chan", "promise"),
    ("tokio.multi_thread", "green"),
];

/// A model ready to park tasks; made outside the timed part (tokio's
/// runtime and its threads are not the tasks' cost).
pub enum Model {
    /// A `std::thread` per task, blocked on its own polyconc `Promise`.
    Threads,
    /// A polyconc `Promise` per task with a callback that adds its value.
    Promises,
    /// A polyconc `Chan` per task with a pending `recv_async`, polled once.
    Receivers,
    /// A tokio task per task, awaiting its own `tokio::sync::oneshot`.
    Tokio(Runtime),
}

/// Q parked tasks: releasing gives task i (1..=Q) the number i; joining
/// returns the sum of what they got.
pub struct Parked(Box<dyn FnOnce() -> u64>);

impl Parked {
    /// Releases the tasks and joins them; the sum of what they got.
    pub fn release_and_join(self) -> u64 {
        (self.0)()
    }
}

impl Model {
    /// The model named `name` (one of [`MODELS`]).
    pub fn new(name: &str) -> Result<Model, String> {
        match name {
            "std::thread" => Ok(Model::Threads),
            "core.Promise" => Ok(Model::Promises),
            "core.Chan" => Ok(Model::Receivers),
            "tokio.multi_thread" => tokio::runtime::Builder::new_multi_thread()
                .build()
                .map(Model::Tokio)
                .map_err(|e| format!("cannot build a tokio runtime: {e}")),
            _ => Err(format!("unknown X3 model {name:?}")),
        }
    }

    /// Ends the model without waiting for tokio's runtime threads to end,
    /// so that a run's time is the tasks'.
    fn dismiss(self) {
        if let Model::Tokio(rt) = self {
            rt.shutdown_background();
        }
    }

    /// Starts q tasks, each parked on its own promise or channel, and
    /// returns once all have started; an error says which task could not
    /// start and why (the ones started before it are released and joined).
    pub fn park(&self, q: u64) -> Result<Parked, String> {
        match self {
            Model::Threads => threads(q),
            Model::Promises => Ok(promises(q)),
            Model::Receivers => Ok(receivers(q)),
            Model::Tokio(rt) => Ok(tokio_tasks(rt, q)),
        }
    }
}

/// X3's cases: every model with q tasks.
pub fn cases(q: u64) -> Vec<Case> {
    MODELS
        .iter()
        .map(|&(impl_name, kind)| Case {
            workload: "X3",
            impl_name,
            kind,
            label: format!("X3 {impl_name} tasks={q}"),
            unit: "ns/task",
            params: json!({"tasks": q}),
            ops: q,
            want: q * (q + 1) / 2,
            prepare: Box::new(move || -> Body {
                match Model::new(impl_name) {
                    Ok(model) => Box::new(move || {
                        let got = match model.park(q) {
                            Ok(parked) => parked.release_and_join(),
                            Err(e) => {
                                eprintln!("bench: X3 {impl_name}: {e}");
                                u64::MAX
                            }
                        };
                        model.dismiss();
                        got
                    }),
                    Err(e) => failing(format!("X3 {impl_name}: {e}")),
                }
            }),
            counts: None,
        })
        .collect()
}

fn gates(q: u64) -> Vec<Promise<u64>> {
    (0..q).map(|_| Promise::new()).collect()
}

/// Completes gate k with k + 1.
fn release(gates: &[Promise<u64>]) {
    for (k, gate) in (1..).zip(gates) {
        let _ = gate.success(k);
    }
}

fn threads(q: u64) -> Result<Parked, String> {
    let gates = gates(q);
    let started = Arc::new(CountDownLatch::new(gates.len()));
    let mut joins = Vec::with_capacity(gates.len());
    for (k, gate) in gates.iter().enumerate() {
        let (gate, started) = (gate.future(), Arc::clone(&started));
        let spawned = thread::Builder::new().spawn(move || {
            started.count_down();
            gate.result(WAIT).unwrap_or(0)
        });
        match spawned {
            Ok(join) => joins.push(join),
            Err(e) => {
                // A thread limit: let the started ones go before saying so.
                for gate in &gates {
                    let _ = gate.success(0);
                }
                for join in joins {
                    let _ = join.join();
                }
                return Err(format!("cannot start thread {} of {q}: {e}", k + 1));
            }
        }
    }
    started.wait();
    Ok(Parked(Box::new(move || {
        release(&gates);
        sum(joins.into_iter().map(|j| j.join().unwrap_or(0)))
    })))
}

fn promises(q: u64) -> Parked {
    let (gates, got) = (gates(q), Arc::new(AtomicU64::new(0)));
    for gate in &gates {
        let got = Arc::clone(&got);
        // Parasitic: the callback runs in `success`, so none is left after
        // the release.
        gate.future().foreach(&parasitic(), move |v| {
            got.fetch_add(*v, Ordering::Relaxed);
        });
    }
    Parked(Box::new(move || {
        release(&gates);
        got.load(Ordering::Relaxed)
    }))
}

fn receivers(q: u64) -> Parked {
    let chans: Vec<Chan<u64>> = (0..q).map(|_| Chan::new(1)).collect();
    let mut waiting: Vec<_> = chans.iter().map(Chan::recv_async).collect();
    let mut cx = Context::from_waker(Waker::noop());
    for f in &mut waiting {
        // Pending (the channel is empty): a registered waiting receiver now.
        let _ = Pin::new(f).poll(&mut cx);
    }
    Parked(Box::new(move || {
        for (k, ch) in (1..).zip(&chans) {
            let _ = ch.send(k);
        }
        let mut cx = Context::from_waker(Waker::noop());
        sum(waiting.iter_mut().map(|f| match Pin::new(f).poll(&mut cx) {
            Poll::Ready(Ok(v)) => v,
            _ => 0,
        }))
    }))
}

fn tokio_tasks(rt: &Runtime, q: u64) -> Parked {
    let started = Arc::new(CountDownLatch::new(q as usize));
    let (gates, tasks): (Vec<_>, Vec<_>) = (0..q)
        .map(|_| {
            let (gate, wait) = tokio::sync::oneshot::channel::<u64>();
            let started = Arc::clone(&started);
            let task = rt.spawn(async move {
                started.count_down();
                wait.await.unwrap_or(0)
            });
            (gate, task)
        })
        .unzip();
    started.wait();
    let handle = rt.handle().clone();
    Parked(Box::new(move || {
        for (k, gate) in (1..).zip(gates) {
            let _ = gate.send(k);
        }
        handle.block_on(async move {
            let mut out = 0u64;
            for task in tasks {
                out = out.wrapping_add(task.await.unwrap_or(0));
            }
            out
        })
    }))
}
