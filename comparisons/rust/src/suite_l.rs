//! Suite L (locks and the cost of sharing) for the [harness](crate::harness):
//! polyconc's `Mutex` and `SpinLock`, `std::sync::Mutex` and
//! `parking_lot::Mutex` on L1–L3 and the window rows L2f/L3f, an `AtomicU64`
//! on L4, and L5's owner thread fed by polyconc's `Chan` or crossbeam-channel.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use polyconc::chan::Chan;
use serde_json::{json, Value};

use crate::harness::{start_clock, Body, Case, Params, Suite};

/// Suite L of WORKLOADS.md.
pub struct SuiteL;

const IDS: [&str; 7] = ["L1", "L2", "L3", "L4", "L5", "L2f", "L3f"];
/// The capacity of L5's channel.
const L5_CAPACITY: usize = 1024;
/// L3's step (WORKLOADS.md).
const LCG_MUL: u64 = 6_364_136_223_846_793_005;
const LCG_ADD: u64 = 1_442_695_040_888_963_407;

/// The locked data: the counter and L3's state.
pub struct Counted {
    n: u64,
    x: u64,
}

impl Counted {
    fn new() -> Counted {
        Counted { n: 0, x: 1 }
    }

    /// One operation inside the lock: L3's work (none for L1, L2) and the
    /// increment.
    fn step(&mut self, work: u64) {
        if work > 0 {
            self.x = lcg(self.x, work);
        }
        self.n += 1;
    }

    /// The counter if the state is `want` (the step applied n·work times to
    /// 1, computed outside the timed part), else `u64::MAX`, which fails the
    /// run's check.
    fn checked(&self, want: u64) -> u64 {
        if self.x != want {
            eprintln!(
                "bench: L3 state {} after {} operations, want {want} (a lost update)",
                self.x, self.n
            );
            return u64::MAX;
        }
        self.n
    }
}

/// L3's step applied `steps` times to `x` (suite X's CPU work too).
pub(crate) fn lcg(mut x: u64, steps: u64) -> u64 {
    for _ in 0..steps {
        x = (x ^ (x >> 29)).wrapping_mul(LCG_MUL).wrapping_add(LCG_ADD);
    }
    x
}

/// A lock around [`Counted`], as the workloads use it.
trait CounterLock: Send + Sync + 'static {
    fn new(data: Counted) -> Self;
    fn with<R>(&self, f: impl FnOnce(&mut Counted) -> R) -> R;
}

impl CounterLock for polyconc::sync::Mutex<Counted> {
    fn new(data: Counted) -> Self {
        polyconc::sync::Mutex::new(data)
    }
    fn with<R>(&self, f: impl FnOnce(&mut Counted) -> R) -> R {
        f(&mut self.lock())
    }
}

impl CounterLock for polyconc::sync::SpinLock<Counted> {
    fn new(data: Counted) -> Self {
        polyconc::sync::SpinLock::new(data)
    }
    fn with<R>(&self, f: impl FnOnce(&mut Counted) -> R) -> R {
        f(&mut self.lock())
    }
}

impl CounterLock for std::sync::Mutex<Counted> {
    fn new(data: Counted) -> Self {
        std::sync::Mutex::new(data)
    }
    fn with<R>(&self, f: impl FnOnce(&mut Counted) -> R) -> R {
        f(&mut self.lock().expect("no thread panics while holding it"))
    }
}

impl CounterLock for parking_lot::Mutex<Counted> {
    fn new(data: Counted) -> Self {
        parking_lot::Mutex::new(data)
    }
    fn with<R>(&self, f: impl FnOnce(&mut Counted) -> R) -> R {
        f(&mut self.lock())
    }
}

/// The locks, with their kinds: (impl, kind).
const LOCKS: [(&str, &str); 4] = [
    ("core.Mutex", "mutex"),
    ("core.SpinLock", "spin"),
    ("std::sync::Mutex", "os-mutex"),
    ("parking_lot::Mutex", "mutex"),
];

/// What one case runs: a workload at one T, and its lock or channel.
#[derive(Clone, Copy)]
struct Shape {
    threads: usize,
    ops: u64,
    work: u64,
    window: Duration,
}

/// Runs `each(i)` on `t` threads released together and `main` on the
/// calling thread meanwhile; returns what `main` and each thread returned.
/// The clock starts between two barriers, once every thread waits at the
/// first and before any passes the second, as in the C program: it times
/// neither the spawns nor a thread that has not reached the start yet.
fn together<R>(
    t: usize,
    each: impl Fn(usize) -> u64 + Sync,
    main: impl FnOnce() -> R,
) -> (R, Vec<u64>) {
    let (ready, go) = (Barrier::new(t + 1), Barrier::new(t + 1));
    thread::scope(|s| {
        let (ready, go, each) = (&ready, &go, &each);
        let handles: Vec<_> = (0..t)
            .map(|i| {
                s.spawn(move || {
                    ready.wait();
                    go.wait();
                    each(i)
                })
            })
            .collect();
        ready.wait();
        start_clock();
        go.wait();
        let r = main();
        let counts = handles
            .into_iter()
            .map(|h| h.join().expect("a worker panicked"))
            .collect();
        (r, counts)
    })
}

/// L1–L3: each thread does ops/T operations inside the lock.
fn lock_run<L: CounterLock>(s: Shape) -> Body {
    let lock = L::new(Counted::new());
    let want = lcg(1, s.ops / s.threads as u64 * s.threads as u64 * s.work);
    Box::new(move || {
        together(
            s.threads,
            |_| {
                for _ in 0..s.ops / s.threads as u64 {
                    lock.with(|d| d.step(s.work));
                }
                0
            },
            || (),
        );
        lock.with(|d| d.checked(want))
    })
}

/// What a window run leaves for the check after its timed part: the
/// per-thread counts and the final counter and state.
#[derive(Default)]
struct Window {
    counts: Vec<u64>,
    n: u64,
    x: u64,
}

impl Window {
    /// The counts, or none if L3's state is wrong (which fails the run); the
    /// state check costs as much as the run, so it is not timed.
    fn checked_counts(&self, work: u64) -> Vec<u64> {
        let state = Counted {
            n: self.n,
            x: self.x,
        };
        if state.checked(lcg(1, self.n * work)) == u64::MAX {
            return Vec::new();
        }
        self.counts.clone()
    }
}

type WindowSlot = Arc<std::sync::Mutex<Window>>;

/// L2f/L3f: the threads run the operation until the window ends, each
/// counting its own (at least one, however late it starts); `slot`
/// receives the counts and the final state.
fn window_run<L: CounterLock>(s: Shape, slot: WindowSlot) -> Body {
    let lock = L::new(Counted::new());
    Box::new(move || {
        let stop = AtomicBool::new(false);
        let ((), mine) = together(
            s.threads,
            |_| {
                let mut n = 0;
                loop {
                    lock.with(|d| d.step(s.work));
                    n += 1;
                    if stop.load(Ordering::Relaxed) {
                        break n;
                    }
                }
            },
            || {
                thread::sleep(s.window);
                stop.store(true, Ordering::Relaxed);
            },
        );
        let (n, x) = lock.with(|d| (d.n, d.x));
        *slot.lock().expect("not poisoned") = Window { counts: mine, n, x };
        n
    })
}

/// L4: each thread does ops/T fetch-adds.
fn atomic_run(s: Shape) -> Body {
    let n = AtomicU64::new(0);
    Box::new(move || {
        together(
            s.threads,
            |_| {
                for _ in 0..s.ops / s.threads as u64 {
                    n.fetch_add(1, Ordering::SeqCst);
                }
                0
            },
            || (),
        );
        n.load(Ordering::SeqCst)
    })
}

/// L5: the threads send their increments, then a 0 each (done); the calling
/// thread owns the counter and adds up what it receives until it has had T
/// zeros.
fn message_run<Tx, Rx>(
    s: Shape,
    (tx, rx): (Tx, Rx),
    send: fn(&Tx, u64),
    recv: fn(&Rx) -> u64,
) -> Body
where
    Tx: Send + Sync + 'static,
    Rx: Send + 'static,
{
    Box::new(move || {
        let (n, _) = together(
            s.threads,
            |_| {
                for _ in 0..s.ops / s.threads as u64 {
                    send(&tx, 1);
                }
                send(&tx, 0);
                0
            },
            || {
                let (mut n, mut done) = (0, 0);
                while done < s.threads {
                    let v = recv(&rx);
                    done += usize::from(v == 0);
                    n += v;
                }
                n
            },
        );
        n
    })
}

fn core_chan(s: Shape) -> Body {
    let ch = Chan::new(L5_CAPACITY);
    message_run(
        s,
        (ch.clone(), ch),
        |tx, v| tx.send(v).expect("L5's channel is never closed"),
        |rx| rx.recv().expect("L5's channel is never closed"),
    )
}

fn crossbeam(s: Shape) -> Body {
    message_run(
        s,
        crossbeam_channel::bounded(L5_CAPACITY),
        |tx, v| tx.send(v).expect("the owner receives until the end"),
        |rx| rx.recv().expect("the senders live until the end"),
    )
}

/// A lock's body for one workload: the window rows write their counts.
fn lock_body(name: &str, s: Shape, counts: Option<WindowSlot>) -> Body {
    macro_rules! by_lock {
        ($f:ident $(, $arg:expr)?) => {
            match name {
                "core.Mutex" => $f::<polyconc::sync::Mutex<Counted>>(s $(, $arg)?),
                "core.SpinLock" => $f::<polyconc::sync::SpinLock<Counted>>(s $(, $arg)?),
                "std::sync::Mutex" => $f::<std::sync::Mutex<Counted>>(s $(, $arg)?),
                _ => $f::<parking_lot::Mutex<Counted>>(s $(, $arg)?),
            }
        };
    }
    match counts {
        Some(counts) => by_lock!(window_run, counts),
        None => by_lock!(lock_run),
    }
}

impl Suite for SuiteL {
    fn id(&self) -> &'static str {
        "L"
    }

    fn workloads(&self) -> &'static [&'static str] {
        &IDS
    }

    fn impls(&self) -> Vec<&'static str> {
        let mut out: Vec<_> = LOCKS.iter().map(|(name, _)| *name).collect();
        out.extend(["AtomicU64", "core.Chan", "crossbeam-channel"]);
        out
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        if p.ops < 100 {
            return Err(format!(
                "--ops {}: need at least 100 (L3 does K/100)",
                p.ops
            ));
        }
        if p.threads.is_empty() || p.threads.iter().any(|&t| t == 0 || t as u64 > p.ops / 100) {
            return Err(format!("--threads {:?}: need 1 <= T <= K/100", p.threads));
        }
        if p.work == 0 || p.window_ms == 0 {
            return Err("--work and --window-ms must be at least 1".into());
        }
        Ok(())
    }

    fn cases(&self, workload: &str, p: &Params) -> Vec<Case> {
        let Some(&workload) = IDS.iter().find(|&&w| w == workload) else {
            return Vec::new();
        };
        let threads = if workload == "L1" {
            vec![1]
        } else {
            p.threads.clone()
        };
        let windowed = workload.ends_with('f');
        let work = if workload.starts_with("L3") {
            p.work
        } else {
            0
        };
        let mut out = Vec::new();
        for t in threads {
            let k = if workload == "L3" { p.ops / 100 } else { p.ops };
            let s = Shape {
                threads: t,
                ops: k / t as u64 * t as u64,
                work,
                window: Duration::from_millis(p.window_ms),
            };
            let mut params = if windowed {
                json!({"threads": t, "window_ms": p.window_ms})
            } else {
                json!({"threads": t, "ops": s.ops})
            };
            if work > 0 {
                params["work"] = json!(work);
            }
            let case = |impl_name: &'static str,
                        kind: &'static str,
                        params: Value,
                        prepare: Box<dyn Fn() -> Body>| Case {
                workload,
                impl_name,
                kind,
                label: format!("{workload} {impl_name} T={t}"),
                unit: "ns/op",
                params,
                ops: s.ops,
                want: s.ops,
                prepare,
                counts: None,
            };
            match workload {
                "L4" => out.push(case(
                    "AtomicU64",
                    "atomic",
                    params,
                    Box::new(move || atomic_run(s)),
                )),
                "L5" => {
                    params["capacity"] = json!(L5_CAPACITY);
                    out.push(case(
                        "core.Chan",
                        "message",
                        params.clone(),
                        Box::new(move || core_chan(s)),
                    ));
                    out.push(case(
                        "crossbeam-channel",
                        "message",
                        params,
                        Box::new(move || crossbeam(s)),
                    ));
                }
                _ => {
                    for (name, kind) in LOCKS {
                        if windowed {
                            let slot = WindowSlot::default();
                            let mine = Arc::clone(&slot);
                            let mut c = case(
                                name,
                                kind,
                                params.clone(),
                                Box::new(move || lock_body(name, s, Some(Arc::clone(&mine)))),
                            );
                            c.counts = Some(Box::new(move || {
                                slot.lock().expect("not poisoned").checked_counts(work)
                            }));
                            out.push(c);
                        } else {
                            out.push(case(
                                name,
                                kind,
                                params.clone(),
                                Box::new(move || lock_body(name, s, None)),
                            ));
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Params {
        Params {
            ops: 1000,
            threads: vec![2, 3],
            work: 5,
            window_ms: 5,
            ..Params::default()
        }
    }

    #[test]
    fn every_case_gives_its_exact_count() {
        for w in IDS {
            let cases = SuiteL.cases(w, &tiny());
            assert!(!cases.is_empty(), "{w}");
            for case in cases {
                let got = (case.prepare)()();
                match &case.counts {
                    Some(counts) => assert_eq!(counts().iter().sum::<u64>(), got, "{}", case.label),
                    None => assert_eq!(got, case.want, "{}", case.label),
                }
                assert_eq!(case.want, case.ops);
            }
        }
    }

    #[test]
    fn the_clock_starts_before_any_thread_begins_its_part() {
        let begun = std::sync::Mutex::new(Vec::new());
        let spawned = std::time::Instant::now();
        together(
            4,
            |_| {
                begun
                    .lock()
                    .expect("not poisoned")
                    .push(std::time::Instant::now());
                0
            },
            || (),
        );
        let start = crate::harness::clock_set()
            .0
            .expect("together starts the clock");
        let begun = begun.into_inner().expect("not poisoned");
        assert_eq!(begun.len(), 4);
        assert!(spawned <= start && begun.iter().all(|&b| start <= b));
    }

    #[test]
    fn a_lost_update_of_l3s_state_fails_the_check() {
        let lost = Counted { n: 2, x: lcg(1, 5) };
        assert_eq!(lost.checked(lcg(1, 10)), u64::MAX);
        let right = Counted {
            n: 2,
            x: lcg(1, 10),
        };
        assert_eq!(right.checked(lcg(1, 10)), 2);
        let window = |x| Window {
            counts: vec![1, 1],
            n: 2,
            x,
        };
        assert_eq!(window(lcg(1, 10)).checked_counts(5), [1, 1]);
        assert!(window(lcg(1, 5)).checked_counts(5).is_empty());
    }
}
