//! Suite F (futures and promises) for the [harness](crate::harness):
//! polyconc's `Future` and `Promise` on its global context (executor
//! "global") and on a `ThreadPool` of cores workers ("fixed"); beside them
//! ([`peers`]) `rayon::spawn` answering on a channel, `rayon::scope` and
//! `futures::channel::oneshot`, on rayon's global pool.

pub mod peers;

use std::time::Duration;

use polyconc::exec::{global, ExecutionContext, ThreadPool};
use polyconc::future::{future, sequence, Future, Promise};
use serde_json::{json, Value};

use crate::harness::{stop_clock, Body, Case, Params, Suite};

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

/// The run's body on the executor named `executor`. A fixed pool is made
/// here, before the clock starts, and shut down and joined after it stops,
/// as the C program does: no worker of this run is left to exit during the
/// next one.
fn on(executor: &'static str, body: fn(&dyn Runner, u64) -> u64, n: u64) -> Body {
    if executor == "global" {
        return Box::new(move || body(&global(), n));
    }
    let pool = ThreadPool::new(cores());
    Box::new(move || {
        let out = body(&pool, n);
        stop_clock();
        pool.shutdown();
        pool.join()
            .expect("a pool shut down and joined from outside its workers");
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

/// The peers of polyconc's futures, all on rayon's global pool: an F
/// workload, the line's `impl` and `kind`, and the body for n (F1: chains).
type Peer = (&'static str, &'static str, &'static str, fn(u64) -> u64);

const PEERS: [Peer; 5] = [
    ("F1", "rayon::spawn", "channel", peers::spawn_chain),
    ("F2", "rayon::spawn", "channel", peers::spawn_fanout),
    ("F2", "rayon::scope", "join", peers::scope_fanout),
    ("F2", "futures::oneshot", "channel", peers::oneshot_fanout),
    ("F3", "futures::oneshot", "channel", peers::oneshot_handoff),
];

/// What one workload's lines hold for N = n: unit, params, operations,
/// the expected result, and the count its body gets (F1: chains, F2: n,
/// F3: round trips).
fn shape(workload: &str, executor: &str, n: u64) -> (&'static str, Value, u64, u64, u64) {
    let (chains, r) = ((n / STAGES).max(1), n / 10);
    match workload {
        "F1" => (
            "ns/stage",
            json!({"executor": executor, "tasks": n, "chains": chains, "stages": STAGES}),
            chains * STAGES,
            chains * STAGES,
            chains,
        ),
        "F2" => (
            "ns/task",
            json!({"executor": executor, "tasks": n}),
            n,
            n * (n + 1) / 2,
            n,
        ),
        _ => (
            "ns/roundtrip",
            json!({"executor": executor, "round_trips": r}),
            r,
            2 * r,
            r,
        ),
    }
}

/// One case of `workload` whose body `prepare` makes for its count.
fn case(
    workload: &'static str,
    (impl_name, kind, executor): (&'static str, &'static str, &'static str),
    n: u64,
    prepare: impl Fn(u64) -> Body + 'static,
) -> Case {
    let (unit, params, ops, want, count) = shape(workload, executor, n);
    Case {
        workload,
        impl_name,
        kind,
        label: format!("{workload} {impl_name} {executor}"),
        unit,
        params,
        ops,
        want,
        prepare: Box::new(move || prepare(count)),
        counts: None,
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
        let mut all = vec!["core"];
        for (_, name, _, _) in PEERS {
            if !all.contains(&name) {
                all.push(name);
            }
        }
        all
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
        let body: fn(&dyn Runner, u64) -> u64 = match workload {
            "F1" => |r, c| r.chain(c),
            "F2" => |r, n| r.fanout(n),
            _ => |r, n| r.handoff(n),
        };
        let core = ["global", "fixed"].into_iter().map(|executor| {
            case(
                workload,
                ("core", "future", executor),
                p.tasks,
                move |count| on(executor, body, count),
            )
        });
        let peers = PEERS.into_iter().filter(|peer| peer.0 == workload).map(
            |(_, impl_name, kind, body)| {
                case(
                    workload,
                    (impl_name, kind, "global"),
                    p.tasks,
                    move |count| -> Body { Box::new(move || body(count)) },
                )
            },
        );
        core.chain(peers).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_pool_is_shut_down_after_the_clock_stops() {
        let fanout: fn(&dyn Runner, u64) -> u64 = |r, n| r.fanout(n);
        assert_eq!(on("global", fanout, 100)(), 5050);
        assert_eq!(crate::harness::clock_set(), (None, None));
        assert_eq!(on("fixed", fanout, 100)(), 5050);
        assert!(crate::harness::clock_set().1.is_some());
    }
}
