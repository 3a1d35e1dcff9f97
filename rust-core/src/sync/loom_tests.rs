//! loom models of the locks' wait and wake paths: the mutex's park/unpark
//! and hand-off, a cancelled async lock racing an unlock, a condition
//! variable's notify racing a timeout, its requeueing notify_all, the
//! reader-writer lock's grants to readers behind a writer, two unlocks of
//! one raw write hold racing (one wins, the queued reader gets in), a raw
//! spin lock unlocked from another thread, a reentrant lock's condition
//! releasing every hold while it waits, and the waits that keep their
//! place across timeouts (a lock attempt, a condition wait) woken by the
//! unlock or signal that comes after their first timeout.
//! Loom fails a model in which every thread ends up parked (a lost
//! wake-up); the asserts check the counts.
//!
//! Run with the crate's lib tests (the Makefile's `test-loom`).

use std::task::Poll;
use std::time::{Duration, Instant};

use loom::sync::Arc;
use loom::thread;

use super::{
    Condition, Condvar, Mutex, NotLocked, RawMutex, RawRwLock, RawSpinLock, ReentrantLock, RwLock,
};

fn poll_once<F: std::future::Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    std::pin::Pin::new(fut).poll(&mut cx)
}

/// Three threads increment under the mutex: the ones that find it held
/// queue and park (under loom nothing spins), and each unlock wakes or
/// hands off to the next. Under loom a waiter that lost one retry asks for
/// hand-off mode, so that path is explored too.
#[test]
fn mutex_park_unpark() {
    loom::model(|| {
        let m = Arc::new(Mutex::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || *m.lock() += 1)
            })
            .collect();
        *m.lock() += 1;
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*m.lock(), 3);
    });
}

/// An async lock queued behind a held lock is dropped while the holder
/// unlocks (and may hand the lock to it): the lock must pass on to the
/// blocked thread queued beside it.
#[test]
fn mutex_cancelled_async_lock_races_unlock() {
    // Barging, the unlock wakes the future to retry; fair, it hands the
    // lock to the future.
    loom::model(|| cancelled_async_lock_races_unlock(RawMutex::new()));
    loom::model(|| cancelled_async_lock_races_unlock(RawMutex::fair()));
}

fn cancelled_async_lock_races_unlock(m: RawMutex) {
    {
        let m = Arc::new(m);
        m.lock();
        let mut fut = m.lock_async();
        assert!(poll_once(&mut fut).is_pending());
        let blocked = {
            let m = m.clone();
            thread::spawn(move || {
                m.lock();
                m.unlock().unwrap();
            })
        };
        let unlocker = {
            let m = m.clone();
            thread::spawn(move || m.unlock().unwrap())
        };
        drop(fut);
        unlocker.join().unwrap();
        blocked.join().unwrap();
        assert!(
            !m.is_locked(),
            "a lock handed to the dropped future was passed on"
        );
    }
}

/// A timed wait whose deadline has passed (it queues, releases the mutex,
/// then gives up) against a notify under the mutex: a wait that says it
/// was notified sees the notifier's write, and nobody is left queued.
#[test]
fn condvar_notify_races_timeout() {
    loom::model(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let notifier = {
            let pair = pair.clone();
            thread::spawn(move || {
                let (flag, cv) = &*pair;
                *flag.lock() = true;
                cv.notify_one();
            })
        };
        let (flag, cv) = &*pair;
        let (guard, result) = cv.wait_deadline(flag.lock(), Instant::now());
        if !result.timed_out() {
            assert!(*guard, "notified, so the notifier had set the flag");
        }
        drop(guard);
        notifier.join().unwrap();
        assert_eq!(cv.waiting(), 0);
    });
}

/// Two waiters, one notify_all: both are requeued onto the mutex (one
/// handed it if it is free) and both return.
#[test]
fn condvar_notify_all_requeues() {
    loom::model(|| {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let waiter = {
            let pair = pair.clone();
            thread::spawn(move || {
                let (flag, cv) = &*pair;
                drop(cv.wait_while(flag.lock(), |go| !*go));
            })
        };
        let notifier = {
            let pair = pair.clone();
            thread::spawn(move || {
                let (flag, cv) = &*pair;
                *flag.lock() = true;
                cv.notify_all();
            })
        };
        let (flag, cv) = &*pair;
        drop(cv.wait_while(flag.lock(), |go| !*go));
        waiter.join().unwrap();
        notifier.join().unwrap();
    });
}

/// A writer queued behind a reader blocks new readers; when it is
/// cancelled, the reader queued behind it must be let in (while the first
/// reader still holds the lock).
#[test]
fn rwlock_cancelled_writer_lets_readers_in() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(0));
        let held = lock.read();
        let mut writer = lock.write_async();
        assert!(poll_once(&mut writer).is_pending());
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || *lock.read())
        };
        drop(writer);
        assert_eq!(reader.join().unwrap(), 0);
        drop(held);
        assert!(lock.try_write().is_some());
    });
}

/// A writer's release hands the lock to every reader queued behind it.
#[test]
fn rwlock_write_release_grants_readers() {
    loom::model(|| {
        let lock = Arc::new(RwLock::new(0));
        let mut held = lock.write();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                let lock = lock.clone();
                thread::spawn(move || *lock.read())
            })
            .collect();
        *held = 1;
        drop(held);
        for r in readers {
            assert_eq!(r.join().unwrap(), 1);
        }
    });
}

/// Two threads unlock one write hold of a raw lock while a reader is
/// queued: exactly one unlock succeeds, the other is `NotLocked` (it never
/// clears a hold granted meanwhile), and the reader is let in.
#[test]
fn raw_rwlock_racing_write_unlocks() {
    loom::model(|| {
        let lock = Arc::new(RawRwLock::new());
        lock.write();
        let reader = {
            let lock = lock.clone();
            thread::spawn(move || {
                lock.read();
                lock.unlock_read()
            })
        };
        let other = {
            let lock = lock.clone();
            thread::spawn(move || lock.unlock_write())
        };
        let mine = lock.unlock_write();
        let theirs = other.join().unwrap();
        assert_eq!(reader.join().unwrap(), Ok(()));
        let mut results = [mine, theirs];
        results.sort_by_key(Result::is_err);
        assert_eq!(results, [Ok(()), Err(NotLocked)]);
        assert!(lock.try_write());
    });
}

/// A raw spin lock taken by one thread and unlocked by another: the
/// waiter spinning for it (under loom, yielding) gets it, and publishes
/// its write to the first thread's next hold.
#[test]
fn raw_spin_lock_unlocked_by_another_thread() {
    loom::model(|| {
        let lock = Arc::new(RawSpinLock::new());
        let seen = Arc::new(loom::sync::atomic::AtomicUsize::new(0));
        lock.lock();
        let waiter = {
            let (lock, seen) = (lock.clone(), seen.clone());
            thread::spawn(move || {
                lock.lock();
                seen.store(1, loom::sync::atomic::Ordering::Relaxed);
                lock.unlock()
            })
        };
        let unlocker = {
            let lock = lock.clone();
            thread::spawn(move || lock.unlock())
        };
        assert_eq!(unlocker.join().unwrap(), Ok(()));
        assert_eq!(waiter.join().unwrap(), Ok(()));
        lock.lock();
        assert_eq!(seen.load(loom::sync::atomic::Ordering::Relaxed), 1);
        assert_eq!(lock.unlock(), Ok(()));
        assert_eq!(lock.unlock(), Err(NotLocked));
    });
}

/// Two unlocks of one raw spin lock hold racing: an unlock is a look and a
/// store, so both may succeed (that is the documented race), but at least
/// one does, and the lock ends free with a later unlock an error.
#[test]
fn raw_spin_lock_racing_unlocks() {
    loom::model(|| {
        let lock = Arc::new(RawSpinLock::new());
        lock.lock();
        let other = {
            let lock = lock.clone();
            thread::spawn(move || lock.unlock())
        };
        let mine = lock.unlock();
        let theirs = other.join().unwrap();
        assert!(mine.is_ok() || theirs.is_ok());
        assert_eq!(lock.unlock(), Err(NotLocked));
        assert!(lock.try_lock());
    });
}

/// A thread holding a reentrant lock twice waits on one of its conditions
/// (every hold released: the signalling thread can take the lock) and gets
/// both holds back, whether the signal or its timeout (already past) wins.
#[test]
fn reentrant_condition_releases_every_hold() {
    loom::model(|| {
        // Leaked: a condition borrows its lock, and loom's threads are 'static.
        let lock: &'static ReentrantLock = Box::leak(Box::new(ReentrantLock::new()));
        let cond: &'static Condition<'static> = Box::leak(Box::new(lock.new_condition()));
        let flag = Arc::new(loom::sync::atomic::AtomicBool::new(false));
        let signaller = {
            let flag = flag.clone();
            thread::spawn(move || {
                lock.lock();
                flag.store(true, loom::sync::atomic::Ordering::Relaxed);
                cond.signal().unwrap();
                lock.unlock().unwrap();
            })
        };
        lock.lock();
        lock.lock();
        let mut timed_out_once = false;
        while !flag.load(loom::sync::atomic::Ordering::Relaxed) {
            if timed_out_once {
                cond.wait().unwrap();
            } else {
                timed_out_once = cond.wait_deadline(Instant::now()).unwrap().timed_out();
            }
            assert_eq!(lock.hold_count(), 2);
        }
        lock.unlock().unwrap();
        lock.unlock().unwrap();
        signaller.join().unwrap();
        assert!(!lock.is_locked());
    });
}

/// Loom has no clock: a deadline this far off never passes in a model, so
/// a wait on it ends only by being woken (loom fails a lost wake-up).
fn far() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

/// A fair lock attempt times out once (its deadline already past) and
/// stays queued; the holder's unlock, racing that timeout, hands it the
/// lock, and the next wait of the same attempt is woken with it.
#[test]
fn lock_attempt_kept_across_a_timeout_is_handed_the_lock() {
    loom::model(|| {
        let lock = Arc::new(ReentrantLock::fair());
        lock.lock();
        let waiter = {
            let lock = lock.clone();
            thread::spawn(move || {
                let mut attempt = lock.attempt();
                if !attempt.wait_deadline(Instant::now()) {
                    assert!(attempt.wait_deadline(far()));
                }
                assert_eq!(lock.hold_count(), 1);
                lock.unlock().unwrap();
            })
        };
        lock.unlock().unwrap();
        waiter.join().unwrap();
        assert!(!lock.is_locked());
    });
}

/// A condition wait times out once and stays queued; the signal that
/// follows (or races the timeout) is not lost, and the wait ends holding
/// the lock again.
#[test]
fn condition_wait_kept_across_a_timeout_is_signalled() {
    loom::model(|| {
        // std's Arc: the condition owns its lock through one.
        let lock = std::sync::Arc::new(ReentrantLock::new());
        let cond = Arc::new(std::sync::Arc::clone(&lock).new_owned_condition());
        let waiting = Arc::new(loom::sync::atomic::AtomicBool::new(false));
        let waiter = {
            let (lock, cond, waiting) = (lock.clone(), cond.clone(), waiting.clone());
            thread::spawn(move || {
                lock.lock();
                let mut wait = cond.queue_wait().unwrap();
                waiting.store(true, loom::sync::atomic::Ordering::Release);
                if !wait.wait_deadline(Instant::now()) {
                    assert!(wait.wait_deadline(far()));
                }
                drop(wait);
                assert_eq!(lock.hold_count(), 1);
                lock.unlock().unwrap();
            })
        };
        // Signal only once the waiter is queued (it releases the lock after
        // queueing, so taking the lock then is enough).
        loop {
            lock.lock();
            if waiting.load(loom::sync::atomic::Ordering::Acquire) {
                break;
            }
            lock.unlock().unwrap();
            thread::yield_now();
        }
        cond.signal().unwrap();
        lock.unlock().unwrap();
        waiter.join().unwrap();
        assert!(!lock.is_locked());
    });
}
