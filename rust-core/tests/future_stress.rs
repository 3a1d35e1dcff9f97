//! Stress: 100,000 promises completed from several threads while several
//! others attach callbacks to them on four contexts. Every callback runs
//! exactly once, on the context it was given, and sees its promise's value.

use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use polyconc::exec::{global, parasitic, ExecutionContext, ThreadPool};
use polyconc::future::{Future, Promise};

const PROMISES: usize = 100_000;
const COMPLETERS: usize = 4;
const ATTACHERS: usize = 4;
const CONTEXTS: usize = 4;

struct Tally {
    /// Callbacks run per promise (each attacher adds one per promise).
    per_promise: Vec<AtomicU8>,
    /// Callbacks run per context, and those that ran on a wrong thread.
    per_context: [AtomicUsize; CONTEXTS],
    wrong_thread: AtomicUsize,
    value_sum: AtomicU64,
    remaining: AtomicUsize,
    done: Promise<()>,
}

fn on_context(ctx: usize, attacher: &str, completer_prefix: &str) -> bool {
    let current = thread::current();
    let name = current.name().unwrap_or("");
    match ctx {
        // The completing thread, or the attaching one if it came second.
        0 => name == attacher || name.starts_with(completer_prefix),
        1 => name.starts_with("polyconc-global"),
        2 => name.starts_with("stress-a"),
        _ => name.starts_with("stress-b"),
    }
}

fn attach<E: ExecutionContext + Clone + 'static>(
    ec: &E,
    ctx: usize,
    attacher: &'static str,
    f: &Future<u64>,
    i: usize,
    tally: &Arc<Tally>,
) {
    let tally = Arc::clone(tally);
    f.on_complete(ec, move |r| {
        if !on_context(ctx, attacher, "completer") {
            tally.wrong_thread.fetch_add(1, Ordering::Relaxed);
        }
        tally.per_promise[i].fetch_add(1, Ordering::Relaxed);
        tally.per_context[ctx].fetch_add(1, Ordering::Relaxed);
        tally
            .value_sum
            .fetch_add(*r.as_ref().unwrap(), Ordering::Relaxed);
        if tally.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
            tally.done.success(()).unwrap();
        }
    });
}

#[test]
fn every_callback_runs_once_on_its_context() {
    let pool_a = ThreadPool::builder().size(2).name("stress-a").build();
    let pool_b = ThreadPool::builder().size(2).name("stress-b").build();
    let promises: Arc<Vec<Promise<u64>>> =
        Arc::new((0..PROMISES).map(|_| Promise::new()).collect());
    let tally = Arc::new(Tally {
        per_promise: (0..PROMISES).map(|_| AtomicU8::new(0)).collect(),
        per_context: Default::default(),
        wrong_thread: AtomicUsize::new(0),
        value_sum: AtomicU64::new(0),
        remaining: AtomicUsize::new(PROMISES * ATTACHERS),
        done: Promise::new(),
    });
    let start = Arc::new(Barrier::new(COMPLETERS + ATTACHERS));
    let mut threads = Vec::new();
    for c in 0..COMPLETERS {
        let (promises, start) = (Arc::clone(&promises), Arc::clone(&start));
        threads.push(
            thread::Builder::new()
                .name(format!("completer-{c}"))
                .spawn(move || {
                    start.wait();
                    for i in (c..PROMISES).step_by(COMPLETERS) {
                        promises[i].success(i as u64).unwrap();
                    }
                })
                .unwrap(),
        );
    }
    const NAMES: [&str; ATTACHERS] = ["attacher-0", "attacher-1", "attacher-2", "attacher-3"];
    for (a, name) in NAMES.into_iter().enumerate() {
        let (promises, start, tally) = (
            Arc::clone(&promises),
            Arc::clone(&start),
            Arc::clone(&tally),
        );
        let (pool_a, pool_b) = (pool_a.clone(), pool_b.clone());
        threads.push(
            thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || {
                    start.wait();
                    // Attachers walk the promises in different orders, so
                    // some attach before and some after completion.
                    for k in 0..PROMISES {
                        let i = if a % 2 == 0 { k } else { PROMISES - 1 - k };
                        let f = promises[i].future();
                        match (i + a) % CONTEXTS {
                            0 => attach(&parasitic(), 0, name, &f, i, &tally),
                            1 => attach(&global(), 1, name, &f, i, &tally),
                            2 => attach(&pool_a, 2, name, &f, i, &tally),
                            _ => attach(&pool_b, 3, name, &f, i, &tally),
                        }
                    }
                })
                .unwrap(),
        );
    }
    for t in threads {
        t.join().unwrap();
    }
    tally.done.future().ready(Duration::from_secs(120)).unwrap();
    assert_eq!(tally.wrong_thread.load(Ordering::SeqCst), 0);
    assert!(tally
        .per_promise
        .iter()
        .all(|n| n.load(Ordering::SeqCst) == ATTACHERS as u8));
    let per_context: Vec<usize> = tally
        .per_context
        .iter()
        .map(|n| n.load(Ordering::SeqCst))
        .collect();
    assert_eq!(per_context, vec![PROMISES * ATTACHERS / CONTEXTS; CONTEXTS]);
    let n = PROMISES as u64;
    assert_eq!(
        tally.value_sum.load(Ordering::SeqCst),
        ATTACHERS as u64 * n * (n - 1) / 2
    );
}

#[test]
fn racing_completers_one_wins_and_every_waiter_sees_it() {
    for _ in 0..2_000 {
        let p = Promise::<usize>::new();
        let wins = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(4));
        let racers: Vec<_> = (0..3)
            .map(|t| {
                let (p, wins, start) = (p.clone(), Arc::clone(&wins), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    if p.try_success(t) {
                        wins.fetch_add(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        start.wait();
        let seen = p.future().result(Duration::from_secs(30)).unwrap();
        for r in racers {
            r.join().unwrap();
        }
        assert_eq!(wins.load(Ordering::SeqCst), 1);
        assert!(seen < 3);
        assert_eq!(p.future().value().unwrap().as_ref().ok(), Some(&seen));
    }
}

/// The race loom's `completion_races_registrations` found: a registration
/// whose CAS loses to the completer must fire its callback alone (not the
/// stack it had tried to link to, which the completer fires).
#[test]
fn registrations_racing_a_completion_run_once_each() {
    for _ in 0..5_000 {
        let p = Promise::<u32>::new();
        let runs = Arc::new(AtomicUsize::new(0));
        let start = Arc::new(Barrier::new(3));
        let registrars: Vec<_> = (0..2)
            .map(|_| {
                let (f, runs, start) = (p.future(), Arc::clone(&runs), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    for _ in 0..4 {
                        let runs = Arc::clone(&runs);
                        f.on_complete(&parasitic(), move |r| {
                            assert_eq!(r.as_ref().ok(), Some(&9));
                            runs.fetch_add(1, Ordering::SeqCst);
                        });
                    }
                })
            })
            .collect();
        start.wait();
        p.success(9).unwrap();
        for r in registrars {
            r.join().unwrap();
        }
        assert_eq!(runs.load(Ordering::SeqCst), 8);
    }
}

/// `sequence`'s countdown under contention: inputs completed by several
/// threads at once, in interleaved order, while `sequence` registers on
/// them; every value arrives in order. With one input failed among them,
/// the result fails with it, once.
#[test]
fn sequences_of_inputs_completed_from_many_threads_see_every_value() {
    const INPUTS: usize = 20_000;
    let pool = ThreadPool::new(2);
    for failing in [None, Some(INPUTS / 3)] {
        let promises: Arc<Vec<Promise<usize>>> =
            Arc::new((0..INPUTS).map(|_| Promise::new()).collect());
        let start = Arc::new(Barrier::new(COMPLETERS + 1));
        let completers: Vec<_> = (0..COMPLETERS)
            .map(|t| {
                let (promises, start) = (Arc::clone(&promises), Arc::clone(&start));
                thread::spawn(move || {
                    start.wait();
                    for (i, p) in promises.iter().enumerate().skip(t).step_by(COMPLETERS) {
                        if Some(i) == failing {
                            p.failure(polyconc::future::Failure::msg("the one"))
                                .unwrap();
                        } else {
                            p.success(i).unwrap();
                        }
                    }
                })
            })
            .collect();
        start.wait();
        let all = polyconc::future::sequence(&pool, promises.iter().map(Promise::future));
        for c in completers {
            c.join().unwrap();
        }
        let result = all.result(Duration::from_secs(60));
        match failing {
            None => assert_eq!(result, Ok((0..INPUTS).collect::<Vec<_>>())),
            Some(_) => assert_eq!(result.unwrap_err().to_string(), "the one"),
        }
    }
}
