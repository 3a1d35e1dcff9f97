//! loom model checks of the synchronizers' wake-up and give-up paths: a
//! semaphore release racing a cancelled acquire, a barrier broken by a
//! timeout or a cancelled wait, a party arriving while the action runs, a
//! wait group's last `done` racing `wait`, a latch's last count-down racing
//! `wait`, and two callers of a `Once`. Loom has no clock, so a timeout is
//! modelled by a deadline that has already passed (the waiter arrives, then
//! gives up at once), and a cancellation by an async wait polled once and
//! dropped.
//! Loom fails a model in which every thread ends up parked (a lost
//! wake-up); the models assert the counts.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p polyconc --test loom_sync2 --release`
#![cfg(loom)]

use std::future::Future;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use polyconc::sync::{BarrierError, CountDownLatch, CyclicBarrier, Once, Semaphore, WaitGroup};

/// Polls `f` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    std::pin::Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

fn empty_semaphore(fair: bool) -> Arc<Semaphore> {
    Arc::new(if fair {
        Semaphore::fair(0)
    } else {
        Semaphore::new(0)
    })
}

#[test]
fn semaphore_release_races_cancelled_acquire() {
    // A queued async acquire is dropped while a release comes: whether the
    // release granted the permit to it or not, the permit ends up back.
    for fair in [false, true] {
        loom::model(move || {
            let s = empty_semaphore(fair);
            let mut f = s.acquire_async(1);
            assert_eq!(poll_once(&mut f), Poll::Pending);
            let releaser = {
                let s = s.clone();
                thread::spawn(move || s.release(1).unwrap())
            };
            drop(f);
            releaser.join().unwrap();
            assert_eq!(s.available_permits(), 1);
            assert_eq!(s.queue_length(), 0);
        });
    }
}

#[test]
fn semaphore_cancelled_head_passes_on() {
    // The head of the queue, waiting for 2 permits, is cancelled while a
    // release of 1 comes and a blocking acquire of 1 waits behind it: the
    // blocked one must get the permit, from the release itself (once the
    // head has left) or passed on by the leaving head.
    for fair in [false, true] {
        loom::model(move || {
            let s = empty_semaphore(fair);
            let mut head = s.acquire_async(2);
            assert_eq!(poll_once(&mut head), Poll::Pending);
            let behind = {
                let s = s.clone();
                thread::spawn(move || s.acquire(1))
            };
            let releaser = {
                let s = s.clone();
                thread::spawn(move || s.release(1).unwrap())
            };
            drop(head);
            releaser.join().unwrap();
            behind.join().unwrap();
            assert_eq!(s.available_permits(), 0);
        });
    }
}

#[test]
fn semaphore_timed_out_acquire_races_release() {
    // A timed acquire gives up (its deadline has passed) while a release
    // comes: it either got the permit or left it.
    loom::model(|| {
        let s = Arc::new(Semaphore::new(0));
        let releaser = {
            let s = s.clone();
            thread::spawn(move || s.release(1).unwrap())
        };
        let got = s.acquire_deadline(1, Instant::now());
        releaser.join().unwrap();
        assert_eq!(s.available_permits(), if got { 0 } else { 1 });
        assert_eq!(s.queue_length(), 0);
    });
}

#[test]
fn barrier_broken_by_timeout() {
    // Three parties: two wait, one arrives and times out at once. Either the
    // barrier tripped before the timeout took effect (all go on, with the
    // three indices), or the timeout broke it for the other two, whether
    // they were waiting already or came later.
    loom::model(|| {
        let b = Arc::new(CyclicBarrier::new(3));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let b = b.clone();
                thread::spawn(move || b.wait())
            })
            .collect();
        let mine = b.wait_deadline(Instant::now());
        let theirs: Vec<_> = waiters.into_iter().map(|t| t.join().unwrap()).collect();
        match mine {
            Ok(i) => {
                let mut all: Vec<usize> = theirs.iter().map(|r| r.unwrap()).collect();
                all.push(i);
                all.sort();
                assert_eq!(all, [0, 1, 2]);
                assert!(!b.is_broken());
            }
            Err(BarrierError::Timeout) => {
                assert_eq!(theirs, [Err(BarrierError::Broken); 2]);
                assert!(b.is_broken());
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(b.number_waiting(), 0);
    });
}

#[test]
fn barrier_broken_by_cancelled_wait() {
    // Three parties: one waits, one arrives with an async wait and drops it,
    // one arrives last. The last finds the barrier broken unless it tripped
    // it before the cancellation.
    loom::model(|| {
        let b = Arc::new(CyclicBarrier::new(3));
        let trips = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let b = b.clone();
            thread::spawn(move || b.wait())
        };
        let last = {
            let b = b.clone();
            thread::spawn(move || b.wait())
        };
        let mut f = b.wait_async();
        let polled = poll_once(&mut f);
        if let Poll::Ready(r) = &polled {
            assert_eq!(*r, Ok(0));
            trips.fetch_add(1, Ordering::SeqCst);
        }
        drop(f);
        let (a, c) = (waiter.join().unwrap(), last.join().unwrap());
        let oks = [a, c].iter().filter(|r| r.is_ok()).count();
        if oks == 2 {
            // Tripped: the dropped future either tripped it or arrived in time.
            assert!(!b.is_broken());
        } else {
            assert_eq!(polled, Poll::Pending);
            assert_eq!(
                (a, c),
                (Err(BarrierError::Broken), Err(BarrierError::Broken))
            );
            assert!(b.is_broken());
        }
    });
}

#[test]
fn barrier_arrival_during_action() {
    // One party and an action, two threads: each wait trips the barrier,
    // and one may come while the other's action runs. It must wait for
    // that action and trip the next generation: both get Ok(0), the action
    // runs twice and never twice at once.
    loom::model(|| {
        let running = Arc::new(AtomicUsize::new(0));
        let trips = Arc::new(AtomicUsize::new(0));
        let b = {
            let (running, trips) = (running.clone(), trips.clone());
            Arc::new(CyclicBarrier::new(1).with_action(move || {
                assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0, "actions overlap");
                running.fetch_sub(1, Ordering::SeqCst);
                trips.fetch_add(1, Ordering::SeqCst);
            }))
        };
        let other = {
            let b = b.clone();
            thread::spawn(move || b.wait())
        };
        assert_eq!(b.wait(), Ok(0));
        assert_eq!(other.join().unwrap(), Ok(0));
        assert_eq!(trips.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn waitgroup_last_done_races_wait() {
    // Two workers call `done` while the main thread waits: the wait returns
    // only after both, and sees what they did.
    loom::model(|| {
        let wg = Arc::new(WaitGroup::new());
        let work = Arc::new(AtomicUsize::new(0));
        wg.add(2).unwrap();
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (wg, work) = (wg.clone(), work.clone());
                thread::spawn(move || {
                    work.fetch_add(1, Ordering::Relaxed);
                    wg.done().unwrap();
                })
            })
            .collect();
        wg.wait();
        assert_eq!(work.load(Ordering::Relaxed), 2);
        workers.into_iter().for_each(|t| t.join().unwrap());
    });
}

#[test]
fn waitgroup_done_races_cancelled_async_wait() {
    // An async wait is polled, dropped, and another thread waits while the
    // last `done` comes: the blocked wait is released.
    loom::model(|| {
        let wg = Arc::new(WaitGroup::new());
        wg.add(1).unwrap();
        let mut f = wg.wait_async();
        let _ = poll_once(&mut f);
        let waiter = {
            let wg = wg.clone();
            thread::spawn(move || wg.wait())
        };
        let worker = {
            let wg = wg.clone();
            thread::spawn(move || wg.done().unwrap())
        };
        drop(f);
        worker.join().unwrap();
        waiter.join().unwrap();
        assert_eq!(wg.count(), 0);
    });
}

#[test]
fn latch_count_down_races_wait() {
    // The last count-down races a blocked wait: the wait returns, and sees
    // what both counting threads did.
    loom::model(|| {
        let latch = Arc::new(CountDownLatch::new(2));
        let work = Arc::new(AtomicUsize::new(0));
        let counters: Vec<_> = (0..2)
            .map(|_| {
                let (latch, work) = (latch.clone(), work.clone());
                thread::spawn(move || {
                    work.fetch_add(1, Ordering::Relaxed);
                    latch.count_down();
                })
            })
            .collect();
        latch.wait();
        assert_eq!(work.load(Ordering::Relaxed), 2);
        counters.into_iter().for_each(|t| t.join().unwrap());
    });
}

#[test]
fn once_callers_race() {
    // Two callers race: one function runs, and both get its value (the
    // loser waits for the winner if it comes while the function runs).
    loom::model(|| {
        let once = Arc::new(Once::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let other = {
            let (once, runs) = (once.clone(), runs.clone());
            thread::spawn(move || {
                *once.call_once(|| {
                    runs.fetch_add(1, Ordering::Relaxed);
                    1
                })
            })
        };
        let mine = *once.call_once(|| {
            runs.fetch_add(1, Ordering::Relaxed);
            2
        });
        assert_eq!(other.join().unwrap(), mine);
        assert_eq!(runs.load(Ordering::Relaxed), 1);
    });
}
