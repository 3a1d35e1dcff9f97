//! Waits that keep their place in a queue across several timed waits
//! (what a binding that checks for signals between waits needs):
//! `ReentrantLock::attempt`, `Condition::queue_wait` and
//! `Condvar::queue_wait_raw`. Waiters that each time out many times before
//! their turn are still served in the order they came, and a wait given up
//! leaves the lock as it was.

mod sync_locks_util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::thread;
use std::time::{Duration, Instant};

use polyconc::sync::{Condvar, RawMutex, ReentrantLock};
use sync_locks_util::{wait_until, SHORT_DELAY};

const WAITERS: usize = 4;

/// A deadline a moment away: each waiter times out many times before its
/// turn comes.
fn soon() -> Instant {
    Instant::now() + Duration::from_micros(200)
}

#[test]
fn fair_lock_attempts_keep_their_place_across_timeouts() {
    let lock = ReentrantLock::fair();
    let order = StdMutex::new(Vec::new());
    let timeouts = StdMutex::new(0usize);
    lock.lock();
    thread::scope(|s| {
        for i in 0..WAITERS {
            let (lock, order, timeouts) = (&lock, &order, &timeouts);
            s.spawn(move || {
                let mut attempt = lock.attempt();
                while !attempt.wait_deadline(soon()) {
                    *timeouts.lock().unwrap() += 1;
                }
                order.lock().unwrap().push(i);
                lock.unlock().unwrap();
            });
            wait_until("the waiter is queued", || lock.queue_length() == i + 1);
        }
        // Every waiter times out again and again while the lock is held.
        thread::sleep(SHORT_DELAY);
        lock.unlock().unwrap();
    });
    assert_eq!(*order.lock().unwrap(), (0..WAITERS).collect::<Vec<_>>());
    assert!(
        *timeouts.lock().unwrap() >= WAITERS,
        "the waits did time out"
    );
    assert!(!lock.is_locked());
}

#[test]
fn a_dropped_lock_attempt_leaves_the_lock_to_the_next() {
    let lock = ReentrantLock::fair();
    lock.lock();
    thread::scope(|s| {
        let gave_up = s.spawn(|| {
            let mut attempt = lock.attempt();
            assert!(!attempt.wait_deadline(soon()));
            attempt
        });
        let attempt = gave_up.join().unwrap();
        let next = s.spawn(|| {
            lock.lock();
            lock.unlock().unwrap();
        });
        wait_until("the next waiter is queued", || lock.queue_length() == 2);
        lock.unlock().unwrap(); // hands the lock to the first attempt, queued
        drop(attempt); // which passes it on
        next.join().unwrap();
    });
    assert!(!lock.is_locked());
    // An attempt by the owner is one more hold.
    lock.lock();
    assert!(lock.attempt().wait_deadline(Instant::now()));
    assert_eq!(lock.hold_count(), 2);
    lock.unlock().unwrap();
    lock.unlock().unwrap();
}

#[test]
fn condition_waits_keep_their_place_across_timeouts() {
    let lock = ReentrantLock::fair();
    let cond = lock.new_condition();
    let order = StdMutex::new(Vec::new());
    thread::scope(|s| {
        for i in 0..WAITERS {
            let (lock, cond, order) = (&lock, &cond, &order);
            s.spawn(move || {
                lock.lock();
                lock.lock();
                let mut wait = cond.queue_wait().unwrap();
                while !wait.wait_deadline(soon()) {}
                drop(wait);
                assert_eq!(lock.hold_count(), 2, "both holds are back");
                order.lock().unwrap().push(i);
                lock.unlock().unwrap();
                lock.unlock().unwrap();
            });
            wait_until("the waiter waits", || {
                lock.lock();
                let n = cond.wait_queue_length().unwrap();
                lock.unlock().unwrap();
                n == i + 1
            });
        }
        thread::sleep(SHORT_DELAY);
        for _ in 0..WAITERS {
            lock.lock();
            cond.signal().unwrap();
            lock.unlock().unwrap();
        }
    });
    assert_eq!(*order.lock().unwrap(), (0..WAITERS).collect::<Vec<_>>());
}

#[test]
fn a_dropped_condition_wait_takes_the_holds_back() {
    let lock = ReentrantLock::new();
    let cond = lock.new_condition();
    lock.lock();
    lock.lock();
    let mut wait = cond.queue_wait().unwrap();
    assert!(!lock.is_locked());
    assert!(!wait.wait_deadline(soon()));
    drop(wait);
    assert_eq!(lock.hold_count(), 2);
    lock.lock();
    cond.signal().unwrap(); // nobody waits any more
    assert_eq!(cond.wait_queue_length(), Ok(0));
    for _ in 0..3 {
        lock.unlock().unwrap();
    }
    assert!(cond.queue_wait().is_err(), "a wait needs the lock");
}

#[test]
fn condvar_waits_keep_their_place_and_a_signal_after_the_timeout_is_kept() {
    let m = Arc::new(RawMutex::new());
    let cv = Condvar::new();
    let order = StdMutex::new(Vec::new());
    let queued = AtomicUsize::new(0);
    thread::scope(|s| {
        for i in 0..WAITERS {
            let (m, cv, order, queued) = (&m, &cv, &order, &queued);
            s.spawn(move || {
                m.lock();
                queued.fetch_add(1, Ordering::Relaxed);
                let mut wait = cv.queue_wait_raw(m).unwrap();
                while !wait.wait_deadline(soon()) {}
                drop(wait);
                assert!(m.is_locked(), "the mutex is held again");
                order.lock().unwrap().push(i);
                m.unlock().unwrap();
            });
            // It queues before it releases the mutex: free again, it waits.
            wait_until("the waiter waits", || {
                queued.load(Ordering::Relaxed) == i + 1 && m.try_lock() && m.unlock().is_ok()
            });
        }
        thread::sleep(SHORT_DELAY);
        for _ in 0..WAITERS {
            cv.notify_one();
        }
    });
    // Notified, and given the mutex, in the order they queued.
    assert_eq!(
        order.into_inner().unwrap(),
        (0..WAITERS).collect::<Vec<_>>()
    );

    // Notified after its last timeout but before it gave up: the give-up
    // finds the notification and still leaves holding the mutex.
    m.lock();
    let mut wait = cv.queue_wait_raw(&m).unwrap();
    assert!(!wait.wait_deadline(Instant::now()));
    cv.notify_one();
    drop(wait);
    assert!(m.is_locked());
    m.unlock().unwrap();
}
