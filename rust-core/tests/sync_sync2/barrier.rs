//! Port of the JSR-166 TCK's `src/test/tck/CyclicBarrierTest.java` (jsr166
//! CVS head, 2015). Java's interrupted waiter becomes an async wait that is
//! cancelled while waiting (the barrier breaks as Java's does when a waiter
//! is interrupted); its `NullPointerException` thrown by the action becomes
//! a panicking action, reported to the last arrival as
//! `BarrierError::ActionPanicked`.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use polyconc::sync::{BarrierError, CountDownLatch, CyclicBarrier};

use crate::util::{
    assert_send, assert_stays_blocked, block_on, join, poll_once, spawn, wait_until, LONG, SHORT,
};

fn await_number_waiting(b: &CyclicBarrier, n: usize) {
    wait_until("the waiters arrived", || b.number_waiting() == n);
}

/// Starts `n` parties blocked in `wait`, and waits until they have arrived.
fn parties_waiting(
    b: &Arc<CyclicBarrier>,
    n: usize,
) -> Vec<JoinHandle<Result<usize, BarrierError>>> {
    let ts = (0..n)
        .map(|_| {
            let b = Arc::clone(b);
            spawn(move || b.wait())
        })
        .collect();
    await_number_waiting(b, n);
    ts
}

/// The TCK's check after a broken round: broken, nobody waiting; and after
/// a reset, whole again.
fn assert_broken_then_reset(b: &CyclicBarrier) {
    assert!(b.is_broken());
    assert_eq!(b.number_waiting(), 0);
    b.reset();
    assert!(!b.is_broken());
    assert_eq!(b.number_waiting(), 0);
}

/// testConstructor1/2: zero parties is an error, not a barrier.
#[test]
fn zero_parties_is_an_error() {
    let err = CyclicBarrier::try_new(0).unwrap_err();
    assert!(!err.to_string().is_empty());
    assert!(CyclicBarrier::try_new(1).is_ok());
}

/// `new(0)` says what went wrong.
#[test]
#[should_panic(expected = "parties")]
fn new_with_zero_parties_panics() {
    let _ = CyclicBarrier::new(0);
}

/// testGetParties.
#[test]
fn get_parties() {
    let b = CyclicBarrier::new(2);
    assert_eq!(b.parties(), 2);
    assert_eq!(b.number_waiting(), 0);
    assert!(!b.is_broken());
}

/// testSingleParty: a 1-party barrier trips at every wait.
#[test]
fn single_party() {
    let b = CyclicBarrier::new(1);
    assert_eq!(b.parties(), 1);
    assert_eq!(b.wait(), Ok(0));
    assert_eq!(b.wait_timeout(SHORT), Ok(0));
    assert_eq!(block_on(b.wait_async()), Ok(0));
    assert_eq!(b.number_waiting(), 0);
}

/// testBarrierAction: the action runs at every trip.
#[test]
fn barrier_action() {
    let count = Arc::new(AtomicUsize::new(0));
    let b = {
        let count = Arc::clone(&count);
        CyclicBarrier::new(1).with_action(move || {
            count.fetch_add(1, Ordering::SeqCst);
        })
    };
    b.wait().unwrap();
    b.wait().unwrap();
    assert_eq!(b.number_waiting(), 0);
    assert_eq!(count.load(Ordering::SeqCst), 2);
}

/// testTwoParties: a 2-party barrier trips four times in a row.
#[test]
fn two_parties() {
    let b = Arc::new(CyclicBarrier::new(2));
    let t = {
        let b = Arc::clone(&b);
        spawn(move || (0..4).for_each(|_| assert!(b.wait().is_ok())))
    };
    (0..4).for_each(|_| assert!(b.wait().is_ok()));
    join(t);
}

/// Java's arrival index: the first to arrive gets `parties - 1`, the last 0,
/// and one generation hands out each index once.
#[test]
fn arrival_index() {
    const PARTIES: usize = 4;
    let b = Arc::new(CyclicBarrier::new(PARTIES));
    let mut ts = Vec::new();
    for i in 0..PARTIES - 1 {
        let b2 = Arc::clone(&b);
        ts.push(spawn(move || b2.wait().unwrap()));
        await_number_waiting(&b, i + 1);
    }
    assert_eq!(b.wait(), Ok(0));
    let got: Vec<usize> = ts.into_iter().map(join).collect();
    assert_eq!(got, vec![3, 2, 1]);
}

/// The action runs on the last thread to arrive, before the others go on.
#[test]
fn action_runs_before_the_others_are_released() {
    let ran_on = Arc::new(Mutex::new(Vec::new()));
    let b = {
        let ran_on = Arc::clone(&ran_on);
        Arc::new(CyclicBarrier::new(3).with_action(move || {
            std::thread::sleep(SHORT);
            ran_on.lock().unwrap().push(std::thread::current().id());
        }))
    };
    let ts: Vec<_> = (0..2)
        .map(|_| {
            let (b, ran_on) = (Arc::clone(&b), Arc::clone(&ran_on));
            spawn(move || {
                let index = b.wait().unwrap();
                assert_eq!(ran_on.lock().unwrap().len(), 1);
                index
            })
        })
        .collect();
    await_number_waiting(&b, 2);
    assert_eq!(b.wait(), Ok(0));
    assert_eq!(*ran_on.lock().unwrap(), vec![std::thread::current().id()]);
    let mut got: Vec<usize> = ts.into_iter().map(join).collect();
    got.sort();
    assert_eq!(got, vec![1, 2]);
}

/// A party waiting on its own thread.
type Party = JoinHandle<Result<usize, BarrierError>>;

/// A 2-party barrier whose first action, run by the party that came last,
/// waits for `go_on` and then runs `then`. Its action counts the trips and
/// panics (`ActionPanicked`) if two actions ever overlap. Returns once the
/// first action has started, with the two parties of that generation.
fn tripping_barrier(
    then: fn(),
) -> (
    Arc<CyclicBarrier>,
    Arc<CountDownLatch>,
    Arc<AtomicUsize>,
    [Party; 2],
) {
    let started = Arc::new(CountDownLatch::new(1));
    let go_on = Arc::new(CountDownLatch::new(1));
    let trips = Arc::new(AtomicUsize::new(0));
    let running = Arc::new(AtomicUsize::new(0));
    let b = {
        let (started, go_on, trips) =
            (Arc::clone(&started), Arc::clone(&go_on), Arc::clone(&trips));
        Arc::new(CyclicBarrier::new(2).with_action(move || {
            assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "actions overlap");
            if trips.fetch_add(1, Ordering::SeqCst) == 0 {
                started.count_down();
                go_on.wait();
                running.fetch_sub(1, Ordering::SeqCst);
                then();
            } else {
                running.fetch_sub(1, Ordering::SeqCst);
            }
        }))
    };
    let first = parties_waiting(&b, 1).pop().unwrap();
    let last = {
        let b = Arc::clone(&b);
        spawn(move || b.wait())
    };
    started.wait();
    (b, go_on, trips, [first, last])
}

/// Parties that come while the action runs wait for it to finish, then
/// form the next generation: two actions never overlap, and the
/// generation being tripped is all there while its action runs.
#[test]
fn arrivals_during_the_action_wait_for_it() {
    let (b, go_on, trips, [first, last]) = tripping_barrier(|| {});
    assert_eq!(b.number_waiting(), 2);
    let early: Vec<Party> = vec![
        {
            let b = Arc::clone(&b);
            spawn(move || b.wait())
        },
        {
            let b = Arc::clone(&b);
            spawn(move || block_on(b.wait_async()))
        },
    ];
    assert_stays_blocked(&early[0]);
    assert!(!early[1].is_finished());
    assert_eq!(b.number_waiting(), 2);
    go_on.count_down();
    assert_eq!(join(first), Ok(1));
    assert_eq!(join(last), Ok(0));
    let mut next: Vec<usize> = early.into_iter().map(|t| join(t).unwrap()).collect();
    next.sort();
    assert_eq!(next, [0, 1]);
    assert_eq!(trips.load(Ordering::SeqCst), 2);
    assert!(!b.is_broken());
}

/// A reset while the action runs takes effect once it is over: the action
/// panics, which breaks its generation, and the reset after it leaves the
/// barrier whole.
#[test]
fn reset_during_the_action() {
    let (b, go_on, _, [first, last]) = tripping_barrier(|| panic!("the action fails"));
    b.reset();
    assert!(!b.is_broken());
    go_on.count_down();
    assert_eq!(join(first), Err(BarrierError::Broken));
    assert_eq!(join(last), Err(BarrierError::ActionPanicked));
    assert!(!b.is_broken());
    let t = parties_waiting(&b, 1).pop().unwrap();
    assert_eq!(b.wait(), Ok(0));
    assert_eq!(join(t), Ok(1));
}

/// An async wait that came while the action ran and is dropped before it
/// arrived changes nothing: the barrier stays whole, nobody waits.
#[test]
fn cancel_while_the_action_runs() {
    let (b, go_on, trips, [first, last]) = tripping_barrier(|| {});
    let mut early = b.wait_async();
    assert_eq!(poll_once(&mut early), Poll::Pending);
    drop(early);
    go_on.count_down();
    assert_eq!(join(first), Ok(1));
    assert_eq!(join(last), Ok(0));
    assert!(!b.is_broken());
    assert_eq!(b.number_waiting(), 0);
    assert_eq!(trips.load(Ordering::SeqCst), 1);
}

/// testAwait1_Interrupted_BrokenBarrier: a cancelled wait breaks the barrier
/// for a party waiting in `wait`.
#[test]
fn cancelled_wait_breaks_blocking_waiter() {
    let c = Arc::new(CyclicBarrier::new(3));
    let t2 = parties_waiting(&c, 1);
    let mut t1 = c.wait_async();
    assert_send(&t1);
    assert_eq!(poll_once(&mut t1), Poll::Pending);
    assert_eq!(c.number_waiting(), 2);
    drop(t1);
    t2.into_iter()
        .for_each(|t| assert_eq!(join(t), Err(BarrierError::Broken)));
    assert!(c.is_broken());
}

/// testAwait2_Interrupted_BrokenBarrier: the same for a timed wait.
#[test]
fn cancelled_wait_breaks_timed_waiter() {
    let c = Arc::new(CyclicBarrier::new(3));
    let t2 = {
        let c = Arc::clone(&c);
        spawn(move || c.wait_timeout(LONG))
    };
    await_number_waiting(&c, 1);
    let mut t1 = c.wait_async();
    assert_eq!(poll_once(&mut t1), Poll::Pending);
    drop(t1);
    assert_eq!(join(t2), Err(BarrierError::Broken));
}

/// testAwait3_TimeoutException.
#[test]
fn timeout() {
    let c = Arc::new(CyclicBarrier::new(2));
    let t = {
        let c = Arc::clone(&c);
        spawn(move || {
            let start = Instant::now();
            assert_eq!(c.wait_timeout(SHORT), Err(BarrierError::Timeout));
            assert!(start.elapsed() >= SHORT);
        })
    };
    join(t);
    assert!(c.is_broken());
}

/// testAwait4_Timeout_BrokenBarrier / testAwait5: a timeout breaks the
/// barrier for a party waiting timed, and for one waiting untimed.
#[test]
fn timeout_breaks_the_others() {
    for timed in [true, false] {
        let c = Arc::new(CyclicBarrier::new(3));
        let t1 = {
            let c = Arc::clone(&c);
            spawn(move || {
                if timed {
                    c.wait_timeout(LONG)
                } else {
                    c.wait()
                }
            })
        };
        let t2 = {
            let c = Arc::clone(&c);
            spawn(move || {
                await_number_waiting(&c, 1);
                let start = Instant::now();
                assert_eq!(c.wait_timeout(SHORT), Err(BarrierError::Timeout));
                assert!(start.elapsed() >= SHORT);
            })
        };
        assert_eq!(join(t1), Err(BarrierError::Broken));
        join(t2);
    }
}

/// A broken barrier fails every later wait at once, whatever its form,
/// until `reset`.
#[test]
fn broken_until_reset() {
    let c = CyclicBarrier::new(2);
    assert_eq!(c.wait_timeout(Duration::ZERO), Err(BarrierError::Timeout));
    assert!(c.is_broken());
    assert_eq!(c.number_waiting(), 0);
    assert_eq!(c.wait(), Err(BarrierError::Broken));
    assert_eq!(c.wait_timeout(LONG), Err(BarrierError::Broken));
    assert_eq!(
        c.wait_deadline(Instant::now() + LONG),
        Err(BarrierError::Broken)
    );
    assert_eq!(block_on(c.wait_async()), Err(BarrierError::Broken));
    c.reset();
    assert!(!c.is_broken());
    let mut f = c.wait_async();
    assert_eq!(poll_once(&mut f), Poll::Pending);
    assert_eq!(c.wait(), Ok(0));
    assert_eq!(poll_once(&mut f), Poll::Ready(Ok(1)));
}

/// testReset_BrokenBarrier: a reset breaks the current waiters.
#[test]
fn reset_breaks_current_waiters() {
    let c = Arc::new(CyclicBarrier::new(3));
    let ts = parties_waiting(&c, 2);
    c.reset();
    for t in ts {
        assert_eq!(join(t), Err(BarrierError::Broken));
    }
    // The reset also started a fresh generation.
    assert!(!c.is_broken());
    assert_eq!(c.number_waiting(), 0);
}

/// testReset_NoBrokenBarrier: a reset before anyone waits changes nothing.
#[test]
fn reset_before_waiting() {
    let c = Arc::new(CyclicBarrier::new(3));
    c.reset();
    let ts = parties_waiting(&c, 2);
    c.wait().unwrap();
    ts.into_iter().for_each(|t| assert!(join(t).is_ok()));
}

/// testReset_Leakage: while a barrier is broken no wait passes it; a party
/// that resets and waits alone always gives up.
#[test]
fn reset_leakage() {
    let c = CyclicBarrier::new(2);
    for _ in 0..4 {
        while c.is_broken() {
            c.reset();
        }
        assert_eq!(c.wait_timeout(SHORT), Err(BarrierError::Timeout));
        assert_eq!(c.wait(), Err(BarrierError::Broken));
    }
}

/// testResetWithoutBreakage: a reset between generations does not break.
#[test]
fn reset_without_breakage() {
    let barrier = Arc::new(CyclicBarrier::new(3));
    for i in 0..3 {
        let start = Arc::new(CyclicBarrier::new(3));
        let ts: Vec<_> = (0..2)
            .map(|_| {
                let (start, barrier) = (Arc::clone(&start), Arc::clone(&barrier));
                spawn(move || {
                    start.wait().unwrap();
                    barrier.wait().unwrap();
                })
            })
            .collect();
        start.wait().unwrap();
        barrier.wait().unwrap();
        ts.into_iter().for_each(join);
        assert!(!barrier.is_broken());
        assert_eq!(barrier.number_waiting(), 0);
        if i == 1 {
            barrier.reset();
        }
        assert!(!barrier.is_broken());
        assert_eq!(barrier.number_waiting(), 0);
    }
}

/// testResetAfterInterrupt: a reset after a cancelled wait broke the barrier
/// makes it whole again.
#[test]
fn reset_after_cancel() {
    let barrier = Arc::new(CyclicBarrier::new(3));
    for _ in 0..2 {
        let t2 = parties_waiting(&barrier, 1);
        let mut t1 = barrier.wait_async();
        assert_eq!(poll_once(&mut t1), Poll::Pending);
        drop(t1);
        t2.into_iter()
            .for_each(|t| assert_eq!(join(t), Err(BarrierError::Broken)));
        assert_broken_then_reset(&barrier);
    }
}

/// testResetAfterTimeout.
#[test]
fn reset_after_timeout() {
    let barrier = Arc::new(CyclicBarrier::new(3));
    for _ in 0..2 {
        assert_eq!(barrier.number_waiting(), 0);
        let t1 = {
            let barrier = Arc::clone(&barrier);
            spawn(move || barrier.wait())
        };
        let t2 = {
            let barrier = Arc::clone(&barrier);
            spawn(move || {
                await_number_waiting(&barrier, 1);
                barrier.wait_timeout(SHORT)
            })
        };
        assert_eq!(join(t1), Err(BarrierError::Broken));
        assert_eq!(join(t2), Err(BarrierError::Timeout));
        assert_broken_then_reset(&barrier);
    }
}

/// testResetAfterCommandException: a panicking action breaks the barrier;
/// its thread hears `ActionPanicked`, the others `Broken`; a reset mends it.
#[test]
fn reset_after_action_panicked() {
    let panics = Arc::new(AtomicUsize::new(1));
    let barrier = {
        let panics = Arc::clone(&panics);
        Arc::new(CyclicBarrier::new(3).with_action(move || {
            if panics.load(Ordering::SeqCst) != 0 {
                panic!("the barrier action fails");
            }
        }))
    };
    for _ in 0..2 {
        let ts = parties_waiting(&barrier, 2);
        assert_eq!(barrier.wait(), Err(BarrierError::ActionPanicked));
        for t in ts {
            assert_eq!(join(t), Err(BarrierError::Broken));
        }
        assert_broken_then_reset(&barrier);
    }
    // Once the action stops failing, the barrier trips again.
    panics.store(0, Ordering::SeqCst);
    let ts = parties_waiting(&barrier, 2);
    assert_eq!(barrier.wait(), Ok(0));
    ts.into_iter().for_each(|t| assert!(join(t).is_ok()));
}

/// A wait cancelled after its generation tripped (its result not yet
/// collected) does not break the next generation.
#[test]
fn cancel_after_trip_does_not_break() {
    let b = CyclicBarrier::new(2);
    let mut f = b.wait_async();
    assert_eq!(poll_once(&mut f), Poll::Pending);
    assert_eq!(b.wait(), Ok(0));
    drop(f);
    assert!(!b.is_broken());
    assert_eq!(b.number_waiting(), 0);
    // A future never polled never arrived.
    drop(b.wait_async());
    assert_eq!(b.number_waiting(), 0);
    let mut f = b.wait_async();
    assert_eq!(poll_once(&mut f), Poll::Pending);
    assert_eq!(b.wait(), Ok(0));
    assert_eq!(poll_once(&mut f), Poll::Ready(Ok(1)));
}

/// Reuse across many generations, every waiting form mixed: each
/// generation hands out every index exactly once and runs the action once.
#[test]
fn many_generations() {
    const PARTIES: usize = 4;
    const GENERATIONS: usize = 200;
    let trips = Arc::new(AtomicUsize::new(0));
    let b = {
        let trips = Arc::clone(&trips);
        Arc::new(CyclicBarrier::new(PARTIES).with_action(move || {
            trips.fetch_add(1, Ordering::SeqCst);
        }))
    };
    let ts: Vec<_> = (0..PARTIES)
        .map(|p| {
            let b = Arc::clone(&b);
            spawn(move || {
                (0..GENERATIONS)
                    .map(|g| match (p + g) % 3 {
                        0 => b.wait().unwrap(),
                        1 => b.wait_timeout(LONG).unwrap(),
                        _ => block_on(b.wait_async()).unwrap(),
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let per_party: Vec<Vec<usize>> = ts.into_iter().map(join).collect();
    for g in 0..GENERATIONS {
        let indices: BTreeSet<usize> = per_party.iter().map(|v| v[g]).collect();
        assert_eq!(indices, (0..PARTIES).collect(), "generation {g}");
    }
    assert_eq!(trips.load(Ordering::SeqCst), GENERATIONS);
    assert!(!b.is_broken());
}

/// A party blocked in `wait` stays blocked until the last one arrives.
#[test]
fn waits_for_the_last() {
    let b = Arc::new(CyclicBarrier::new(2));
    let t = parties_waiting(&b, 1).pop().unwrap();
    assert_stays_blocked(&t);
    assert_eq!(b.wait(), Ok(0));
    assert_eq!(join(t), Ok(1));
}
