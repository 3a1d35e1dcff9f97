//! Suite F (futures and promises) for the [harness](crate::harness):
//! polyconc's `Future` and `Promise` on its global context (executor
//! "global") and on a `ThreadPool` of cores workers ("fixed").

use std::time::Duration;

use polyconc::exec::{global, ExecutionContext, ThreadPool};
use polyconc::future::{future, sequence, Future, Promise};
use serde_json::json;

use crate::harness::{Body, Case, Params, Suite};

/// Suite F of WORKLOADS.md.
pub struct SuiteF;

const IDS: [&str; 3] = ["F1", "F2", "F3"];
/// F1's chain length.
const STAGES: u64 = 1000;
/// Only guards against a hang.
const WAIT: Duration = Duration::from_secs(600);

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A chain of STAGES `map`s from a completed future of 0, `chains` times.
fn chain<E: ExecutionContext + Clone + 'static>(ec: &E, chains: u64) -> u64 {
    (0..chains)
        .map(|_| {
            let mut f = Future::successful(0u64);
            for _ in 0..STAGES {
                f = f.map(ec, |x| x + 1);
            }
            f.result(WAIT).unwrap_or(0)
        })
        .sum()
}

/// n futures returning their index, sequenced and summed.
fn fanout<E: ExecutionContext + Clone + 'static>(ec: &E, n: u64) -> u64 {
    let all: Vec<Future<u64>> = (1..=n).map(|i| future(ec, move || i)).collect();
    sequence(ec, all).result(WAIT).map_or(0, |v| v.iter().sum())
}

/// F3's message: the counter and the fresh promise the answer goes to.
#[derive(Clone)]
struct Hop {
    value: u64,
    reply: Promise<Hop>,
}

/// The caller and a task on `ec` pass a counter r times back and forth,
/// each hop through a fresh promise made by the side that waits.
fn handoff<E: ExecutionContext + Clone + 'static>(ec: &E, r: u64) -> u64 {
    let first = Promise::<Hop>::new();
    let peer_inbox = first.clone();
    let peer = future(ec, move || {
        let mut inbox = peer_inbox;
        for _ in 0..r {
            let Ok(h) = inbox.future().result(WAIT) else {
                return;
            };
            inbox = Promise::new();
            let _ = h.reply.success(Hop {
                value: h.value + 1,
                reply: inbox.clone(),
            });
        }
    });
    let (mut inbox, mut v) = (first, 0);
    for _ in 0..r {
        let reply = Promise::new();
        let _ = inbox.success(Hop {
            value: v,
            reply: reply.clone(),
        });
        let Ok(h) = reply.future().result(WAIT) else {
            return 0;
        };
        v = h.value + 1;
        inbox = h.reply;
    }
    let _ = peer.result(WAIT);
    v
}

/// The run's body on the executor named `executor`; a fixed pool is made
/// here, outside the timed part, and shut down at the end of the body.
fn on(executor: &'static str, body: fn(&dyn Runner, u64) -> u64, n: u64) -> Body {
    if executor == "global" {
        return Box::new(move || body(&global(), n));
    }
    let pool = ThreadPool::new(cores());
    Box::new(move || {
        let out = body(&pool, n);
        pool.shutdown();
        out
    })
}

/// The workloads over either context (generic functions behind one object).
trait Runner {
    fn chain(&self, n: u64) -> u64;
    fn fanout(&self, n: u64) -> u64;
    fn handoff(&self, n: u64) -> u64;
}

impl<E: ExecutionContext + Clone + 'static> Runner for E {
    fn chain(&self, n: u64) -> u64 {
        chain(self, n)
    }
    fn fanout(&self, n: u64) -> u64 {
        fanout(self, n)
    }
    fn handoff(&self, n: u64) -> u64 {
        handoff(self, n)
    }
}

impl Suite for SuiteF {
    fn id(&self) -> &'static str {
        "F"
    }

    fn workloads(&self) -> &'static [&'static str] {
        &IDS
    }

    fn impls(&self) -> Vec<&'static str> {
        vec!["core"]
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if p.tasks < 10 {
            return Err("--tasks must be at least 10 (F3 does tasks/10 round trips)".into());
        }
        Ok(())
    }

    fn cases(&self, workload: &str, p: &Params) -> Vec<Case> {
        let Some(&workload) = IDS.iter().find(|&&w| w == workload) else {
            return Vec::new();
        };
        let n = p.tasks;
        let (chains, r) = ((n / STAGES).max(1), n / 10);
        ["global", "fixed"]
            .into_iter()
            .map(|executor| {
                let (unit, params, ops, want, body): (_, _, _, _, fn(&dyn Runner, u64) -> u64) =
                    match workload {
                        "F1" => (
                            "ns/stage",
                            json!({"executor": executor, "tasks": n, "chains": chains, "stages": STAGES}),
                            chains * STAGES,
                            chains * STAGES,
                            |r, c| r.chain(c),
                        ),
                        "F2" => (
                            "ns/task",
                            json!({"executor": executor, "tasks": n}),
                            n,
                            n * (n + 1) / 2,
                            |r, n| r.fanout(n),
                        ),
                        _ => (
                            "ns/roundtrip",
                            json!({"executor": executor, "round_trips": r}),
                            r,
                            2 * r,
                            |r, n| r.handoff(n),
                        ),
                    };
                let count = if workload == "F1" { chains } else { ops };
                Case {
                    workload,
                    impl_name: "core",
                    kind: "future",
                    label: format!("{workload} core {executor}"),
                    unit,
                    params,
                    ops,
                    want,
                    prepare: Box::new(move || on(executor, body, count)),
                    counts: None,
                }
            })
            .collect()
    }
}
