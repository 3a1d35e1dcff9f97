//! Port of Go's `src/sync/waitgroup_test.go`. Where Go panics ("sync:
//! negative WaitGroup counter") the counter is left as it was and the call
//! returns `NegativeCounter`; the misuse Go detects opportunistically
//! (TestWaitGroupMisuse2/3: `Add` racing `Wait`, reuse before `Wait`
//! returned) is allowed here, and the tests pin that it works.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::Poll;
use std::time::{Duration, Instant};

use polyconc::sync::{NegativeCounter, WaitGroup};

use crate::util::{assert_send, block_on, join, poll_once, spawn, LONG, SHORT};

/// One round of Go's testWaitGroup: `wg1` lets the main thread know all 16
/// started, `wg2` holds them until the main thread has called `done` 16 times.
fn round(wg1: &Arc<WaitGroup>, wg2: &Arc<WaitGroup>) {
    const N: usize = 16;
    wg1.add(N as isize).unwrap();
    wg2.add(N as isize).unwrap();
    let (exited_tx, exited) = mpsc::channel();
    let ts: Vec<_> = (0..N)
        .map(|i| {
            let (wg1, wg2, exited_tx) = (Arc::clone(wg1), Arc::clone(wg2), exited_tx.clone());
            spawn(move || {
                wg1.done().unwrap();
                // Every third waits in another form, to cover them all.
                match i % 3 {
                    0 => wg2.wait(),
                    1 => assert!(wg2.wait_timeout(LONG)),
                    _ => block_on(wg2.wait_async()),
                }
                exited_tx.send(()).unwrap();
            })
        })
        .collect();
    wg1.wait();
    for _ in 0..N {
        assert!(
            exited.try_recv().is_err(),
            "WaitGroup released group too soon"
        );
        wg2.done().unwrap();
    }
    for _ in 0..N {
        exited
            .recv_timeout(LONG)
            .expect("a waiter was never released");
    }
    ts.into_iter().for_each(join);
}

/// TestWaitGroup: the same pair of groups, eight rounds in a row.
#[test]
fn wait_group() {
    let wg1 = Arc::new(WaitGroup::new());
    let wg2 = Arc::new(WaitGroup::new());
    for _ in 0..8 {
        round(&wg1, &wg2);
    }
}

/// TestWaitGroupMisuse: a `done` too many is an error that changes nothing.
#[test]
fn misuse_is_an_error() {
    let wg = WaitGroup::new();
    wg.add(1).unwrap();
    wg.done().unwrap();
    assert_eq!(wg.done(), Err(NegativeCounter));
    assert_eq!(wg.count(), 0);
    assert!(!NegativeCounter.to_string().is_empty());
    // So is an `add` that would go below zero, whatever the step.
    wg.add(2).unwrap();
    assert_eq!(wg.add(-3), Err(NegativeCounter));
    assert_eq!(wg.count(), 2);
    wg.add(-2).unwrap();
    assert_eq!(wg.count(), 0);
    assert!(wg.wait_timeout(Duration::ZERO));
}

/// A counter that would pass `WaitGroup::MAX` is refused too (Go's `int32`
/// counter would wrap negative and panic with the same message).
#[test]
fn overflow_is_an_error() {
    let wg = WaitGroup::new();
    wg.add(WaitGroup::MAX as isize).unwrap();
    assert_eq!(wg.add(1), Err(NegativeCounter));
    assert_eq!(wg.count(), WaitGroup::MAX);
    wg.add(-(WaitGroup::MAX as isize)).unwrap();
    assert_eq!(wg.count(), 0);
    assert_eq!(wg.add(isize::MAX), Err(NegativeCounter));
    assert_eq!(wg.add(isize::MIN), Err(NegativeCounter));
    assert_eq!(wg.count(), 0);
    assert!(wg.wait_timeout(Duration::ZERO));
}

/// TestWaitGroupMisuse2: an `add` racing a `wait` on a counter about to
/// reach zero. Here that is allowed: every wait returns, nothing panics.
#[test]
fn add_racing_wait_is_allowed() {
    for _ in 0..200 {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1).unwrap();
        let waiter = {
            let wg = Arc::clone(&wg);
            spawn(move || wg.wait())
        };
        let bad_guy = {
            let wg = Arc::clone(&wg);
            spawn(move || {
                wg.add(1).unwrap();
                wg.done().unwrap();
            })
        };
        wg.done().unwrap();
        join(bad_guy);
        join(waiter);
        assert_eq!(wg.count(), 0);
    }
}

/// TestWaitGroupMisuse3: reusing the group before an earlier wait returned.
/// Here that is allowed: a wait returns once the counter was zero at some
/// moment after it began, even if it went up again since.
#[test]
fn reuse_before_wait_returned_is_allowed() {
    for _ in 0..200 {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1).unwrap();
        let first = {
            let wg = Arc::clone(&wg);
            spawn(move || wg.done().unwrap())
        };
        let reuser = {
            let wg = Arc::clone(&wg);
            spawn(move || {
                wg.wait();
                wg.add(1).unwrap();
                let last = {
                    let wg = Arc::clone(&wg);
                    spawn(move || wg.done().unwrap())
                };
                wg.wait();
                join(last);
            })
        };
        wg.wait();
        join(first);
        join(reuser);
    }
}

/// TestWaitGroupRace: a wait returns only after both `done`s, and sees
/// what the threads did before them.
#[test]
fn race() {
    for _ in 0..300 {
        let wg = Arc::new(WaitGroup::new());
        let n = Arc::new(AtomicUsize::new(0));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                wg.add(1).unwrap();
                let (wg, n) = (Arc::clone(&wg), Arc::clone(&n));
                spawn(move || {
                    n.fetch_add(1, Ordering::Relaxed);
                    wg.done().unwrap();
                })
            })
            .collect();
        wg.wait();
        assert_eq!(n.load(Ordering::Relaxed), 2, "Spurious wakeup from Wait");
        ts.into_iter().for_each(join);
    }
}

/// A timed wait on a counter nobody brings down times out; an async wait
/// cancelled while waiting changes nothing.
#[test]
fn timeout_and_cancel() {
    let wg = WaitGroup::new();
    assert!(wg.wait_timeout(Duration::ZERO));
    wg.add(1).unwrap();
    let start = Instant::now();
    assert!(!wg.wait_timeout(SHORT));
    assert!(start.elapsed() >= SHORT);
    assert!(!wg.wait_deadline(Instant::now()));
    let mut f = wg.wait_async();
    assert_send(&f);
    assert_eq!(poll_once(&mut f), Poll::Pending);
    drop(f);
    assert_eq!(wg.count(), 1);
    let mut f = wg.wait_async();
    assert_eq!(poll_once(&mut f), Poll::Pending);
    wg.done().unwrap();
    assert_eq!(poll_once(&mut f), Poll::Ready(()));
}

/// An async wait is woken by the last `done` on another thread.
#[test]
fn async_wait_woken_by_last_done() {
    let wg = Arc::new(WaitGroup::new());
    wg.add(3).unwrap();
    let ts: Vec<_> = (0..3)
        .map(|_| {
            let wg = Arc::clone(&wg);
            spawn(move || wg.done().unwrap())
        })
        .collect();
    block_on(wg.wait_async());
    assert_eq!(wg.count(), 0);
    ts.into_iter().for_each(join);
}

/// Go's zero value is ready to use: `Default` is an empty group.
#[test]
fn default_is_empty() {
    let wg = WaitGroup::default();
    assert_eq!(wg.count(), 0);
    wg.wait();
    assert!(format!("{wg:?}").contains("count: 0"));
}
