//! Ports of the JSR-166 TCK's `ReentrantLockTest.java` (Doug Lea et al.,
//! public domain; read at codehaus/jsr166-mirror `src/test/tck/`), its
//! `Condition` tests included, onto `polyconc::sync::ReentrantLock`. Each
//! test names the TCK test it follows.
//!
//! Mappings: `IllegalMonitorStateException` is `Err(NotOwner)`. Java's
//! interrupts become timeouts: "interrupted while waiting" is a timed
//! `lock_timeout` or `wait_timeout` that runs out (the thread gives up and
//! leaves the queue), "interrupted before waiting" a timeout already past.
//! Where the TCK sleeps SHORT_DELAY_MS to let a thread queue, these poll
//! `queue_length` / `wait_queue_length` until it has.

mod sync_locks_util;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use polyconc::sync::{NotOwner, ReentrantLock};
use sync_locks_util::{wait_until, HANG, SHORT_DELAY};

const SIZE: usize = 20;

/// Starts a thread that blocks in `lock()` and unlocks once it has it.
fn locker(lock: &Arc<ReentrantLock>) -> thread::JoinHandle<()> {
    let lock = lock.clone();
    thread::spawn(move || {
        lock.lock();
        lock.unlock().unwrap();
    })
}

/// Starts a thread that waits at most `patience` for the lock (the
/// "interruptible" locker: running out is its interrupt); it reports
/// whether it got the lock.
fn timed_locker(lock: &Arc<ReentrantLock>, patience: Duration) -> thread::JoinHandle<bool> {
    let lock = lock.clone();
    thread::spawn(move || {
        let got = lock.lock_timeout(patience);
        if got {
            lock.unlock().unwrap();
        }
        got
    })
}

/// testConstructor
#[test]
fn constructor_sets_fairness() {
    assert!(!ReentrantLock::new().is_fair());
    assert!(ReentrantLock::fair().is_fair());
}

/// testLock, testFairLock
#[test]
fn lock_unlocked_succeeds() {
    for rl in [ReentrantLock::new(), ReentrantLock::fair()] {
        rl.lock();
        assert!(rl.is_locked());
        rl.unlock().unwrap();
        assert!(!rl.is_locked());
    }
}

/// testUnlock_IllegalMonitorStateException, and an unlock by a thread
/// that does not own a held lock.
#[test]
fn unlock_by_non_owner_is_an_error() {
    let rl = Arc::new(ReentrantLock::new());
    assert_eq!(rl.unlock(), Err(NotOwner));
    rl.lock();
    let other = {
        let rl = rl.clone();
        thread::spawn(move || rl.unlock())
    };
    assert_eq!(other.join().unwrap(), Err(NotOwner));
    assert!(rl.is_held_by_current_thread());
    assert_eq!(rl.hold_count(), 1);
    rl.unlock().unwrap();
    assert!(!NotOwner.to_string().is_empty());
}

/// testTryLock
#[test]
fn try_lock_unlocked_succeeds() {
    let rl = ReentrantLock::new();
    assert!(rl.try_lock());
    assert!(rl.is_locked());
    rl.unlock().unwrap();
}

/// testhasQueuedThreads, testGetQueueLength, testGetQueueLength_fair:
/// t1 gives up (its interrupt), t2 gets the lock once it is released.
#[test]
fn queue_length_follows_waiters() {
    for lock in [ReentrantLock::new(), ReentrantLock::fair()] {
        let lock = Arc::new(lock);
        assert_eq!(lock.queue_length(), 0);
        assert!(!lock.has_queued_threads());
        lock.lock();
        let t2 = locker(&lock);
        wait_until("t2 queued", || lock.queue_length() == 1);
        assert!(lock.has_queued_threads());
        let t1 = timed_locker(&lock, Duration::from_millis(50));
        // Both queued, unless t1 already ran out of time.
        wait_until("t1 queued or gone", || {
            lock.queue_length() == 2 || t1.is_finished()
        });
        assert!(!t1.join().unwrap(), "t1 gave up: the lock is held");
        assert_eq!(lock.queue_length(), 1, "t1 left the queue, t2 is in it");
        assert!(lock.has_queued_threads());
        lock.unlock().unwrap();
        t2.join().unwrap();
        assert_eq!(lock.queue_length(), 0);
        assert!(!lock.has_queued_threads());
    }
}

/// testInterruptedException2 (timed tryLock interrupted) and
/// testLockInterruptibly1: a timed lock on a held lock gives up, and the
/// lock still works for the next thread.
#[test]
fn timed_lock_gives_up_then_lock_still_works() {
    let lock = Arc::new(ReentrantLock::new());
    lock.lock();
    let t = timed_locker(&lock, SHORT_DELAY);
    assert!(!t.join().unwrap());
    lock.unlock().unwrap();
    let t = timed_locker(&lock, HANG);
    assert!(t.join().unwrap());
}

/// testLockInterruptibly2: the owner keeps the lock while a waiter gives up.
#[test]
fn owner_keeps_lock_while_waiter_gives_up() {
    let lock = Arc::new(ReentrantLock::new());
    assert!(lock.lock_timeout(SHORT_DELAY));
    let t = timed_locker(&lock, Duration::ZERO);
    assert!(!t.join().unwrap());
    assert!(lock.is_locked());
    assert!(lock.is_held_by_current_thread());
    lock.unlock().unwrap();
}

/// testTryLockWhenLocked
#[test]
fn try_lock_when_locked_fails() {
    let lock = Arc::new(ReentrantLock::new());
    lock.lock();
    let t = {
        let lock = lock.clone();
        thread::spawn(move || lock.try_lock())
    };
    assert!(!t.join().unwrap());
    lock.unlock().unwrap();
}

/// testTryLock_Timeout
#[test]
fn timed_try_lock_times_out() {
    let lock = Arc::new(ReentrantLock::new());
    lock.lock();
    let t = {
        let lock = lock.clone();
        thread::spawn(move || {
            let start = Instant::now();
            let got = lock.lock_timeout(Duration::from_millis(1));
            (got, start.elapsed())
        })
    };
    let (got, waited) = t.join().unwrap();
    assert!(!got);
    assert!(waited >= Duration::from_millis(1));
    lock.unlock().unwrap();
}

/// testGetHoldCount
#[test]
fn hold_count_counts_recursive_holds() {
    let lock = ReentrantLock::new();
    for i in 1..=SIZE {
        lock.lock();
        assert_eq!(lock.hold_count(), i);
    }
    for i in (1..=SIZE).rev() {
        lock.unlock().unwrap();
        assert_eq!(lock.hold_count(), i - 1);
    }
}

/// testIsLocked
#[test]
fn is_locked_while_another_thread_holds() {
    let lock = Arc::new(ReentrantLock::new());
    lock.lock();
    assert!(lock.is_locked());
    lock.unlock().unwrap();
    assert!(!lock.is_locked());
    let (held_tx, held_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let t = {
        let lock = lock.clone();
        thread::spawn(move || {
            lock.lock();
            held_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            lock.unlock().unwrap();
        })
    };
    held_rx.recv_timeout(HANG).unwrap();
    assert!(lock.is_locked());
    assert!(!lock.is_held_by_current_thread());
    release_tx.send(()).unwrap();
    t.join().unwrap();
    assert!(!lock.is_locked());
}

/// testAwait_IllegalMonitor, testSignal_IllegalMonitor,
/// testHasWaitersIMSE, testGetWaitQueueLengthIMSE
#[test]
fn condition_needs_the_lock() {
    let lock = ReentrantLock::new();
    let c = lock.new_condition();
    assert_eq!(c.wait(), Err(NotOwner));
    assert_eq!(c.wait_timeout(SHORT_DELAY), Err(NotOwner));
    assert_eq!(c.signal(), Err(NotOwner));
    assert_eq!(c.signal_all(), Err(NotOwner));
    assert_eq!(c.has_waiters(), Err(NotOwner));
    assert_eq!(c.wait_queue_length(), Err(NotOwner));
}

/// testAwaitNanos_Timeout, testAwait_Timeout, testAwaitUntil_Timeout: a
/// timed wait without a signal times out, holding the lock again.
#[test]
fn timed_await_times_out() {
    let lock = ReentrantLock::new();
    let c = lock.new_condition();
    lock.lock();
    assert!(c
        .wait_timeout(Duration::from_nanos(100))
        .unwrap()
        .timed_out());
    assert!(c.wait_timeout(SHORT_DELAY).unwrap().timed_out());
    let until = Instant::now() + Duration::from_millis(10);
    assert!(c.wait_deadline(until).unwrap().timed_out());
    assert!(Instant::now() >= until);
    assert!(lock.is_held_by_current_thread());
    lock.unlock().unwrap();
}

/// Waits until `n` threads wait on `c` (checked with the lock held).
fn wait_for_waiters(lock: &ReentrantLock, c: &polyconc::sync::Condition<'_>, n: usize) {
    wait_until("threads wait on the condition", || {
        lock.lock();
        let waiting = c.wait_queue_length().unwrap();
        lock.unlock().unwrap();
        waiting == n
    });
}

/// testAwait: await returns when signalled.
#[test]
fn await_returns_when_signalled() {
    let lock = ReentrantLock::new();
    let c = lock.new_condition();
    let signalled = AtomicBool::new(false);
    thread::scope(|s| {
        s.spawn(|| {
            lock.lock();
            while !signalled.load(Ordering::Relaxed) {
                c.wait().unwrap();
            }
            lock.unlock().unwrap();
        });
        wait_for_waiters(&lock, &c, 1);
        lock.lock();
        signalled.store(true, Ordering::Relaxed);
        c.signal().unwrap();
        lock.unlock().unwrap();
    });
}

/// testHasWaiters, testGetWaitQueueLength: the waiters are counted, and
/// no longer once signalled.
#[test]
fn wait_queue_length_counts_waiters() {
    let lock = ReentrantLock::new();
    let c = lock.new_condition();
    let go = AtomicBool::new(false);
    thread::scope(|s| {
        for expected_before in 0..2 {
            let (lock, c, go) = (&lock, &c, &go);
            wait_for_waiters(lock, c, expected_before);
            s.spawn(move || {
                lock.lock();
                assert_eq!(c.has_waiters(), Ok(expected_before > 0));
                assert_eq!(c.wait_queue_length(), Ok(expected_before));
                while !go.load(Ordering::Relaxed) {
                    c.wait().unwrap();
                }
                lock.unlock().unwrap();
            });
        }
        wait_for_waiters(&lock, &c, 2);
        lock.lock();
        assert_eq!(c.has_waiters(), Ok(true));
        assert_eq!(c.wait_queue_length(), Ok(2));
        go.store(true, Ordering::Relaxed);
        c.signal_all().unwrap();
        assert_eq!(c.has_waiters(), Ok(false));
        assert_eq!(c.wait_queue_length(), Ok(0));
        lock.unlock().unwrap();
    });
}

/// testAwait_Interrupt, testAwaitNanos_Interrupt, testAwaitUntil_Interrupt:
/// a wait that gives up (its interrupt: the timeout) returns with the lock
/// held again and leaves no waiter behind.
#[test]
fn await_given_up_holds_the_lock_again() {
    let lock = ReentrantLock::new();
    let c = lock.new_condition();
    thread::scope(|s| {
        s.spawn(|| {
            lock.lock();
            let result = c.wait_timeout(Duration::from_millis(20)).unwrap();
            assert!(result.timed_out());
            assert!(lock.is_held_by_current_thread());
            assert_eq!(c.wait_queue_length(), Ok(0));
            lock.unlock().unwrap();
        });
    });
    assert!(!lock.is_locked());
}

/// testSignalAll: signal_all wakes every waiter.
#[test]
fn signal_all_wakes_everyone() {
    let lock = ReentrantLock::new();
    let c = lock.new_condition();
    let go = AtomicBool::new(false);
    thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                lock.lock();
                while !go.load(Ordering::Relaxed) {
                    c.wait().unwrap();
                }
                lock.unlock().unwrap();
            });
        }
        wait_for_waiters(&lock, &c, 2);
        lock.lock();
        go.store(true, Ordering::Relaxed);
        c.signal_all().unwrap();
        lock.unlock().unwrap();
    });
}

/// testAwaitLockCount: a wait releases every hold and restores them all.
#[test]
fn await_preserves_hold_count() {
    for lock in [ReentrantLock::new(), ReentrantLock::fair()] {
        let c = lock.new_condition();
        let go = AtomicBool::new(false);
        thread::scope(|s| {
            for holds in [1, 2] {
                let (lock, c, go) = (&lock, &c, &go);
                s.spawn(move || {
                    for _ in 0..holds {
                        lock.lock();
                    }
                    assert_eq!(lock.hold_count(), holds);
                    while !go.load(Ordering::Relaxed) {
                        c.wait().unwrap();
                        assert_eq!(lock.hold_count(), holds);
                    }
                    for _ in 0..holds {
                        lock.unlock().unwrap();
                    }
                });
            }
            wait_for_waiters(&lock, &c, 2);
            // Every hold was released while waiting: the lock is free.
            assert!(lock.try_lock());
            go.store(true, Ordering::Relaxed);
            c.signal_all().unwrap();
            lock.unlock().unwrap();
        });
    }
}
