//! Suite X (execution models) for the [harness](crate::harness):
//! polyconc's `ThreadPool` at each size W (X1); a thread per request, a
//! blocking pool, polyconc futures with callbacks and tokio's two runtimes
//! ([`serve`], X2); parked threads, polyconc promises and `Chan`
//! receivers and tokio tasks ([`parked`], X3), with memory per task from a
//! fresh child process ([`memory`]).

pub mod memory;
pub mod parked;
pub mod serve;

use std::thread;
use std::time::Duration;

use polyconc::exec::ThreadPool;
use polyconc::future::{future, sequence};
use serde_json::{json, Map, Value};

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

/// A body that only says why the run cannot be done; its result fails the
/// run's check.
fn failing(why: String) -> Body {
    Box::new(move || {
        eprintln!("bench: {why}");
        u64::MAX
    })
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

impl Suite for SuiteX {
    fn id(&self) -> &'static str {
        "X"
    }

    fn workloads(&self) -> &'static [&'static str] {
        &IDS
    }

    fn impls(&self) -> Vec<&'static str> {
        let x2 = serve::MODELS.iter().map(|m| m.impl_name);
        let x3 = parked::MODELS.iter().map(|m| m.0);
        let mut all = vec!["core.ThreadPool"];
        for name in x2.chain(x3) {
            if !all.contains(&name) {
                all.push(name);
            }
        }
        all
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if p.tasks < 10 {
            return Err("--tasks must be at least 10 (X1 and X2 do tasks/10)".into());
        }
        if p.pool_sizes.is_empty() || p.pool_sizes.contains(&0) {
            return Err("--pool-sizes must list sizes >= 1".into());
        }
        if p.latency_ms < 1 || p.parked < 1 {
            return Err("--latency-ms and --parked must be at least 1".into());
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
            "X2" => serve::cases(n, p.latency_ms, work_sum(n, X2_STEPS)),
            "X3" => parked::cases(p.parked),
            _ => Vec::new(),
        }
    }

    /// X3's lines carry memory per task, from a fresh child process.
    fn extras(&self, case: &Case) -> Result<Map<String, Value>, String> {
        if case.workload != "X3" {
            return Ok(Map::new());
        }
        memory::from_child(case.impl_name, case.ops)
    }
}
