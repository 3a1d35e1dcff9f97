//! The data-less locks the bindings hand out, `RawSpinLock` and
//! `RawRwLock`: unlocks from any thread, unlocks of holds nobody has
//! (`NotLocked`, nothing changed), the reader-writer lock's writer
//! preference, and exact counters under stress, with concurrent misuse
//! (several threads unlocking one hold) counted exactly.

mod sync_locks_util;

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::thread;
use std::time::Duration;

use polyconc::sync::{NotLocked, RawRwLock, RawSpinLock, RwLock, SpinLock};
use sync_locks_util::{block_on, poll_once, wait_until, SHORT_DELAY};

const THREADS: usize = 8;
const INCREMENTS: usize = 5_000;

/// Runs `body(thread index)` on `THREADS` threads at once.
fn run(body: impl Fn(usize) + Sync) {
    thread::scope(|s| {
        for t in 0..THREADS {
            let body = &body;
            s.spawn(move || body(t));
        }
    });
}

/// A counter that is not atomic: increments lost to a race show up.
struct Racy(UnsafeCell<usize>);
// SAFETY: only touched under the lock under test.
unsafe impl Sync for Racy {}
impl Racy {
    fn bump(&self) {
        // SAFETY: the caller holds the lock under test (exclusively).
        unsafe { *self.0.get() += 1 }
    }
    fn get(&self) -> usize {
        // SAFETY: the caller holds the lock under test, or every thread
        // has finished.
        unsafe { *self.0.get() }
    }
}

#[test]
fn raw_spin_lock_unlock_when_unlocked_is_an_error_and_changes_nothing() {
    let lock = RawSpinLock::new();
    assert_eq!(lock.unlock(), Err(NotLocked));
    assert!(!lock.is_locked());
    assert!(lock.try_lock());
    assert_eq!(lock.unlock(), Ok(()));
    assert_eq!(lock.unlock(), Err(NotLocked));
    assert!(lock.try_lock(), "a failed unlock left the lock free");
    assert!(lock.is_locked());
    assert_eq!(lock.unlock(), Ok(()));
}

#[test]
fn raw_spin_lock_is_unlocked_by_another_thread_and_lets_a_waiter_in() {
    let lock = RawSpinLock::new();
    lock.lock();
    thread::scope(|s| {
        let waiter = s.spawn(|| {
            lock.lock();
            lock.unlock()
        });
        assert!(!lock.lock_timeout(SHORT_DELAY));
        s.spawn(|| lock.unlock()).join().unwrap().unwrap();
        assert_eq!(waiter.join().unwrap(), Ok(()));
    });
    assert!(!lock.is_locked());
}

#[test]
fn raw_spin_lock_future_re_polls_and_holds_nothing_when_dropped() {
    let lock = RawSpinLock::new();
    lock.lock();
    let mut fut = lock.lock_async();
    assert!(poll_once(&mut fut).is_pending());
    drop(fut);
    lock.unlock().unwrap();
    let mut fut = lock.lock_async();
    assert_eq!(poll_once(&mut fut), Poll::Ready(()));
    assert_eq!(lock.unlock(), Ok(()));
    assert_eq!(lock.unlock(), Err(NotLocked));
}

#[test]
fn raw_spin_lock_counter_is_exact() {
    let lock = RawSpinLock::new();
    let n = Racy(UnsafeCell::new(0));
    let missed = AtomicUsize::new(0);
    run(|t| {
        for i in 0..INCREMENTS {
            let locked = match (t + i) % 4 {
                0 => lock.try_lock(),
                1 => lock.lock_timeout(Duration::from_micros(5)),
                2 => {
                    block_on(lock.lock_async());
                    true
                }
                _ => {
                    lock.lock();
                    true
                }
            };
            if locked {
                n.bump();
                lock.unlock().unwrap();
            } else {
                missed.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    assert_eq!(n.get() + missed.into_inner(), THREADS * INCREMENTS);
    assert!(!lock.is_locked());
}

#[test]
fn raw_spin_lock_handed_between_threads_through_unlock() {
    // Each round one thread locks and another, chosen by the round,
    // unlocks: the lock has no owner.
    let lock = RawSpinLock::new();
    let turn = AtomicUsize::new(0);
    let n = Racy(UnsafeCell::new(0));
    run(|t| {
        for round in (t..THREADS * 50).step_by(THREADS) {
            wait_until("my turn", || turn.load(Ordering::Acquire) == round);
            if round % 2 == 0 {
                lock.lock();
                n.bump();
            } else {
                // Unlocks the lock the previous round's thread took.
                n.bump();
                lock.unlock().unwrap();
            }
            turn.store(round + 1, Ordering::Release);
        }
    });
    assert_eq!(n.get(), THREADS * 50);
    assert!(!lock.is_locked());
}

#[test]
fn raw_spin_lock_racing_unlocks_of_one_hold_free_it_once_and_some_succeed() {
    // An unlock is a look and a store (see `RawSpinLock::unlock`): of
    // unlocks racing for one hold, more than one may see it locked and
    // succeed, but at least one does, the lock ends free, and an unlock
    // after them is an error.
    let lock = RawSpinLock::new();
    for _ in 0..200 {
        lock.lock();
        let ok = AtomicUsize::new(0);
        run(|_| {
            if lock.unlock().is_ok() {
                ok.fetch_add(1, Ordering::Relaxed);
            }
        });
        assert!((1..=THREADS).contains(&ok.into_inner()));
        assert!(!lock.is_locked());
        assert_eq!(lock.unlock(), Err(NotLocked));
    }
}

#[test]
fn spin_lock_is_built_on_the_raw_lock() {
    let lock = SpinLock::new(1);
    let guard = lock.lock();
    assert!(lock.try_lock().is_none());
    assert!(lock.lock_timeout(Duration::from_millis(1)).is_none());
    drop(guard);
    *lock.try_lock().unwrap() += 1;
    assert_eq!(lock.into_inner(), 2);
}

/// Whether a writer waits: a new reader cannot get in (one that does is
/// let out again at once).
fn writer_queued(lock: &RawRwLock) -> bool {
    if lock.try_read() {
        lock.unlock_read().unwrap();
        return false;
    }
    true
}

#[test]
fn raw_rwlock_unlocks_of_holds_nobody_has_are_errors_and_change_nothing() {
    let lock = RawRwLock::new();
    assert_eq!(lock.unlock_read(), Err(NotLocked));
    assert_eq!(lock.unlock_write(), Err(NotLocked));

    lock.read();
    lock.read();
    assert_eq!(
        lock.unlock_write(),
        Err(NotLocked),
        "read holds are no write hold"
    );
    assert_eq!(lock.reader_count(), 2);
    assert!(!lock.try_write());
    lock.unlock_read().unwrap();
    lock.unlock_read().unwrap();
    assert_eq!(lock.unlock_read(), Err(NotLocked));
    assert_eq!(lock.reader_count(), 0);

    lock.write();
    assert_eq!(
        lock.unlock_read(),
        Err(NotLocked),
        "the write hold is no read hold"
    );
    assert!(lock.is_write_locked());
    assert!(!lock.try_read());
    lock.unlock_write().unwrap();
    assert_eq!(lock.unlock_write(), Err(NotLocked));
    assert!(lock.try_write(), "failed unlocks left the lock free");
    lock.unlock_write().unwrap();
}

#[test]
fn raw_rwlock_holds_are_released_by_other_threads() {
    let lock = RawRwLock::new();
    lock.read();
    lock.read();
    thread::scope(|s| {
        let writer = s.spawn(|| {
            lock.write();
            lock.unlock_write()
        });
        wait_until("the writer is queued", || writer_queued(&lock));
        s.spawn(|| lock.unlock_read()).join().unwrap().unwrap();
        assert!(!lock.write_timeout(SHORT_DELAY), "one read hold is left");
        s.spawn(|| lock.unlock_read()).join().unwrap().unwrap();
        assert_eq!(writer.join().unwrap(), Ok(()));
    });
    assert!(lock.try_read());
    lock.unlock_read().unwrap();
}

/// Writer preference, as `RwLock`'s: a queued writer keeps new readers out
/// (try, timed and async alike), and gets the lock before readers that
/// queued after it.
#[test]
fn raw_rwlock_a_waiting_writer_blocks_new_readers() {
    let lock = RawRwLock::new();
    let order = std::sync::Mutex::new(Vec::new());
    lock.read();
    thread::scope(|s| {
        let writer = s.spawn(|| {
            lock.write();
            order.lock().unwrap().push("writer");
            lock.unlock_write().unwrap();
        });
        wait_until("the writer is queued", || writer_queued(&lock));
        assert!(!lock.read_timeout(SHORT_DELAY));
        let mut fut = lock.read_async();
        assert!(poll_once(&mut fut).is_pending());
        drop(fut);
        let reader = s.spawn(|| {
            lock.read();
            order.lock().unwrap().push("reader");
            lock.unlock_read().unwrap();
        });
        // The late reader is queued behind the writer (no way to observe
        // it queueing: a late reader only makes the test pass for a weaker
        // reason, never fail).
        thread::sleep(SHORT_DELAY);
        assert!(!lock.try_write());
        lock.unlock_read().unwrap();
        writer.join().unwrap();
        reader.join().unwrap();
    });
    assert_eq!(*order.lock().unwrap(), ["writer", "reader"]);
    assert!(lock.try_write());
    lock.unlock_write().unwrap();
}

#[test]
fn raw_rwlock_cancelled_futures_give_back_their_grants() {
    let lock = RawRwLock::new();
    lock.write();
    let mut read = lock.read_async();
    let mut write = lock.write_async();
    assert!(poll_once(&mut read).is_pending());
    assert!(poll_once(&mut write).is_pending());
    lock.unlock_write().unwrap(); // grants the read future (first in line)
    assert_eq!(lock.reader_count(), 1);
    drop(read);
    assert_eq!(poll_once(&mut write), Poll::Ready(()));
    drop(write); // ready: it holds the write lock, and dropping keeps it
    assert!(lock.is_write_locked());
    lock.unlock_write().unwrap();
    assert_eq!(lock.unlock_write(), Err(NotLocked));
}

#[test]
fn raw_rwlock_counter_is_exact_with_readers() {
    let lock = RawRwLock::new();
    let n = Racy(UnsafeCell::new(0));
    let writes = AtomicUsize::new(0);
    run(|t| {
        for i in 0..INCREMENTS {
            match (t + i) % 6 {
                0 | 1 => {
                    let read = if i % 2 == 0 {
                        lock.read_timeout(Duration::from_micros(20))
                    } else {
                        block_on(lock.read_async());
                        true
                    };
                    if read {
                        // No writer runs while a read hold is taken.
                        let seen = n.get();
                        thread::yield_now();
                        assert_eq!(n.get(), seen);
                        lock.unlock_read().unwrap();
                    }
                }
                2 => {
                    if lock.write_timeout(Duration::from_micros(20)) {
                        n.bump();
                        writes.fetch_add(1, Ordering::Relaxed);
                        lock.unlock_write().unwrap();
                    }
                }
                3 => {
                    let mut fut = lock.write_async();
                    if poll_once(&mut fut).is_ready() {
                        n.bump();
                        writes.fetch_add(1, Ordering::Relaxed);
                        lock.unlock_write().unwrap();
                    }
                }
                4 => {
                    block_on(lock.write_async());
                    n.bump();
                    writes.fetch_add(1, Ordering::Relaxed);
                    lock.unlock_write().unwrap();
                }
                _ => {
                    lock.write();
                    n.bump();
                    writes.fetch_add(1, Ordering::Relaxed);
                    lock.unlock_write().unwrap();
                }
            }
        }
    });
    assert_eq!(n.get(), writes.into_inner());
    assert_eq!(lock.reader_count(), 0);
    assert!(!lock.is_write_locked());
    assert!(lock.try_write());
}

#[test]
fn raw_rwlock_racing_unlocks_succeed_once_per_hold() {
    let lock = RawRwLock::new();
    for round in 0..100 {
        // A write hold, unlocked by every thread at once, with a reader
        // queued behind it on even rounds.
        lock.write();
        let ok = AtomicUsize::new(0);
        thread::scope(|s| {
            let reader = (round % 2 == 0).then(|| {
                s.spawn(|| {
                    lock.read();
                    lock.unlock_read()
                })
            });
            run(|_| {
                if lock.unlock_write().is_ok() {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            });
            if let Some(reader) = reader {
                assert_eq!(reader.join().unwrap(), Ok(()));
            }
        });
        assert_eq!(ok.swap(0, Ordering::Relaxed), 1);
        assert!(!lock.is_write_locked());

        // Three read holds, unlocked by more threads than holds.
        for _ in 0..3 {
            lock.read();
        }
        run(|_| {
            if lock.unlock_read().is_ok() {
                ok.fetch_add(1, Ordering::Relaxed);
            }
        });
        assert_eq!(ok.into_inner(), 3);
        assert_eq!(lock.reader_count(), 0);
    }
    assert!(lock.try_write());
}

#[test]
fn rwlock_is_built_on_the_raw_lock() {
    let lock = RwLock::new(0);
    let read = lock.read();
    assert!(lock.try_write().is_none());
    assert!(lock.write_timeout(Duration::from_millis(1)).is_none());
    drop(read);
    *lock.write() += 1;
    assert_eq!(*lock.read(), 1);
}
