//! loom models of the waiting layer itself: [`RawLock`]'s exclusion and
//! its park/unpark of contended lockers, [`WaitQueue`]'s hand-off and
//! abort, [`Event`]'s register/fence/re-check against notify, and the
//! pass-on of news a waiter leaves without. Loom fails a model in which
//! every thread ends up parked (a lost wake-up); the asserts check that
//! nothing is handed over twice or lost.
//!
//! Run with (the Makefile's `test-loom`):
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test -p polyconc --lib --release`

use std::sync::Arc as StdArc;
use std::task::{Context, Wake, Waker};
use std::time::Instant;

use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;

use super::{Backoff, Deadline, Event, RawLock, WaitQueue, Waiter, Watch};
use crate::loom::ValueCell;

/// The case a popper claims a waiter for in these models.
const HANDED: usize = 3;

/// Takes one permit from `permits`, if there is one: the re-check of the
/// permit models.
fn take(permits: &AtomicUsize) -> Option<()> {
    permits
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| p.checked_sub(1))
        .ok()
        .map(drop)
}

/// Starts a thread that sets `flag` and then calls `notify` on `event`.
fn set_and_notify(
    event: &Arc<Event>,
    flag: &Arc<AtomicBool>,
    notify: fn(&Event),
) -> thread::JoinHandle<()> {
    let (event, flag) = (event.clone(), flag.clone());
    thread::spawn(move || {
        flag.store(true, Ordering::Release);
        notify(&event);
    })
}

/// A hand-off through the queue: the popper claims the waiter, writes into
/// the cell it offered and completes it; the waiter reads the value only
/// after it is done (loom's cell fails the model otherwise).
#[test]
fn queue_hand_off() {
    loom::model(|| {
        let q = Arc::new(WaitQueue::<usize>::new());
        let cell = Arc::new(ValueCell::<u32>::new());
        let popper = {
            let (q, cell) = (q.clone(), cell.clone());
            thread::spawn(move || loop {
                let popped = q.lock().pop(HANDED).map(|(w, slot)| {
                    assert_eq!(slot, 7);
                    // SAFETY: the waiter is claimed: its cell is ours to fill.
                    unsafe { cell.write(42) };
                    w.complete();
                    w
                });
                match popped {
                    Some(w) => return w.wake(),
                    None => thread::yield_now(),
                }
            })
        };
        let w = Waiter::for_thread();
        q.lock().push_back(w.clone(), 7);
        assert!(w.wait(Backoff::Park, Deadline::never()));
        assert_eq!(w.claimed(), Some(HANDED));
        // SAFETY: done: the popper wrote the cell and no longer touches it.
        assert_eq!(unsafe { cell.take() }, 42);
        popper.join().unwrap();
        assert_eq!(q.len(), 0);
    });
}

/// A waiter whose deadline has passed aborts while a popper claims it:
/// exactly one of the two wins, and the queue ends empty.
#[test]
fn queue_abort_races_pop() {
    loom::model(|| {
        let q = Arc::new(WaitQueue::<()>::new());
        let w = Waiter::for_thread();
        q.lock().push_back(w.clone(), ());
        let popper = {
            let q = q.clone();
            thread::spawn(move || {
                let popped = {
                    let mut locked = q.lock();
                    let popped = locked.pop(HANDED);
                    if let Some((w, ())) = &popped {
                        w.complete();
                    }
                    popped
                };
                popped.map(|(w, ())| w.wake()).is_some()
            })
        };
        let past = Deadline::at(Instant::now());
        let aborted = !w.wait(Backoff::Park, past) && q.lock().abort(&w).is_ok();
        if !aborted {
            assert!(
                w.is_done(),
                "a failed abort under the lock finds the claim complete"
            );
        }
        let popped = popper.join().unwrap();
        assert_ne!(aborted, popped);
        assert_eq!(q.len(), 0);
    });
}

/// A condition set by another thread, then notified: the waiter's
/// re-check or the notify catches it.
#[test]
fn event_wait_sees_notify() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let flag = Arc::new(AtomicBool::new(false));
        let notifier = set_and_notify(&event, &flag, Event::notify_one);
        let ready = || flag.load(Ordering::Acquire).then_some(());
        assert_eq!(
            event.wait(ready, Backoff::Park, Deadline::never()),
            Some(())
        );
        notifier.join().unwrap();
    });
}

/// Two waiters take one permit each from two releases, each notify_one.
/// A waiter let go by its own re-check may have been told too: it must
/// pass that news on, or the other waiter sleeps beside a free permit.
#[test]
fn event_pass_on_after_recheck() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let permits = Arc::new(AtomicUsize::new(0));
        let waiter = {
            let (event, permits) = (event.clone(), permits.clone());
            thread::spawn(move || {
                assert!(event
                    .wait(|| take(&permits), Backoff::Park, Deadline::never())
                    .is_some());
            })
        };
        let releaser = {
            let (event, permits) = (event.clone(), permits.clone());
            thread::spawn(move || {
                for _ in 0..2 {
                    permits.fetch_add(1, Ordering::AcqRel);
                    event.notify_one();
                }
            })
        };
        assert!(event
            .wait(|| take(&permits), Backoff::Park, Deadline::never())
            .is_some());
        waiter.join().unwrap();
        releaser.join().unwrap();
        assert_eq!(permits.load(Ordering::Relaxed), 0);
    });
}

/// A waker that counts its wakes.
struct Counter(std::sync::atomic::AtomicUsize);

impl Wake for Counter {
    fn wake(self: StdArc<Self>) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A pending async watcher that is dropped after being told passes the
/// news on: the blocked thread behind it still gets the permit.
#[test]
fn event_dropped_watch_passes_on() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let permits = Arc::new(AtomicUsize::new(0));
        let waker = Waker::from(StdArc::new(Counter(0.into())));
        let mut cx = Context::from_waker(&waker);
        let mut watch = Watch::default();
        let polled = event.poll_wait(&mut watch, &mut cx, || take(&permits));
        assert!(polled.is_pending());
        let thread_waiter = {
            let (event, permits) = (event.clone(), permits.clone());
            thread::spawn(move || {
                assert!(event
                    .wait(|| take(&permits), Backoff::Park, Deadline::never())
                    .is_some());
            })
        };
        permits.fetch_add(1, Ordering::AcqRel);
        event.notify_one();
        // The task is cancelled without being polled again.
        event.stop_watching(&mut watch);
        thread_waiter.join().unwrap();
        assert_eq!(permits.load(Ordering::Relaxed), 0);
    });
}

/// A wait whose deadline has passed (it registers and re-checks once, then
/// gives up) racing a notify: it gives up only if its last check did not
/// see the condition, and it leaves no entry behind either way.
#[test]
fn event_timeout_races_notify() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let flag = Arc::new(AtomicBool::new(false));
        let notifier = set_and_notify(&event, &flag, Event::notify_all);
        let past = Deadline::at(Instant::now());
        let ready = || flag.load(Ordering::Acquire).then_some(());
        let _ = event.wait(ready, Backoff::Park, past);
        notifier.join().unwrap();
        assert!(!event.has_waiters());
    });
}

/// `notify_all` claims one waiter per hold of the lock under loom: a
/// blocked thread and a pending task, both registered before or during it,
/// are each told (or see the flag when they re-check), and the told task
/// is woken once; nothing is left queued.
#[test]
fn event_notify_all_in_batches_tells_every_waiter() {
    loom::model(|| {
        let event = Arc::new(Event::new());
        let flag = Arc::new(AtomicBool::new(false));
        let counter = StdArc::new(Counter(0.into()));
        let waker = Waker::from(StdArc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let mut watch = Watch::default();
        let ready = || flag.load(Ordering::Acquire).then_some(());
        assert!(event.poll_wait(&mut watch, &mut cx, ready).is_pending());
        let thread_waiter = {
            let (event, flag) = (event.clone(), flag.clone());
            thread::spawn(move || {
                let ready = || flag.load(Ordering::Acquire).then_some(());
                assert_eq!(
                    event.wait(ready, Backoff::Park, Deadline::never()),
                    Some(())
                );
            })
        };
        set_and_notify(&event, &flag, Event::notify_all)
            .join()
            .unwrap();
        // The task was queued before the flag was set: it was told.
        assert_eq!(counter.0.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert!(event.poll_wait(&mut watch, &mut cx, ready).is_ready());
        thread_waiter.join().unwrap();
        assert!(!event.has_waiters());
    });
}

/// A counter in loom's cell behind a [`RawLock`]: loom fails the model if
/// two increments are not ordered by the lock.
struct Counted {
    lock: RawLock,
    count: loom::cell::UnsafeCell<u32>,
}

// SAFETY: `count` is touched only holding `lock`.
unsafe impl Sync for Counted {}

impl Counted {
    fn new() -> Counted {
        Counted {
            lock: RawLock::new(),
            count: loom::cell::UnsafeCell::new(0),
        }
    }

    fn increment(&self) {
        self.lock.lock();
        // SAFETY: we hold the lock.
        self.count.with_mut(|n| unsafe { *n += 1 });
        // SAFETY: we hold the lock.
        unsafe { self.lock.unlock() };
    }
}

/// Three threads increment under the lock, none holding it first: those
/// that miss push their nodes and park (under loom nothing spins), and
/// every unlock that finds a node wakes the oldest, or leaves that to a
/// tender at work or to the next holder's unlock.
#[test]
fn raw_lock_three_lockers() {
    loom::model(|| {
        let c = Arc::new(Counted::new());
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || c.increment())
            })
            .collect();
        c.increment();
        threads.into_iter().for_each(|t| t.join().unwrap());
        c.increment();
        // SAFETY: every other thread has finished.
        assert_eq!(c.count.with(|n| unsafe { *n }), 4);
    });
}

/// Two lockers queue behind a held lock, so both park (or one finds it
/// already free): the unlock wakes the oldest, and the woken locker's own
/// unlock wakes the other, whether or not a node was pushed while the
/// tender linked the queue.
#[test]
fn raw_lock_contended_waiters_park_and_wake() {
    loom::model(|| {
        let c = Arc::new(Counted::new());
        c.lock.lock();
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || c.increment())
            })
            .collect();
        // SAFETY: we hold the lock.
        c.count.with_mut(|n| unsafe { *n += 1 });
        // SAFETY: we hold the lock.
        unsafe { c.lock.unlock() };
        threads.into_iter().for_each(|t| t.join().unwrap());
        // SAFETY: every other thread has finished.
        assert_eq!(c.count.with(|n| unsafe { *n }), 3);
    });
}
