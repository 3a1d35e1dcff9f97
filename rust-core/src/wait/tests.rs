//! Native tests of the waiting layer with real threads and clocks (the
//! loom models are in `loom_tests.rs`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use super::{Backoff, Deadline, Event, RawLock, WaitQueue, Waiter, Watch};

/// Takes one permit from `permits`, if there is one.
fn take(permits: &AtomicUsize) -> Option<()> {
    permits
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |p| p.checked_sub(1))
        .ok()
        .map(drop)
}

#[test]
fn event_wait_times_out_and_leaves_no_entry() {
    let event = Event::new();
    let start = Instant::now();
    let got = event.wait(
        || None::<()>,
        Backoff::Park,
        Deadline::after(Duration::from_millis(5)),
    );
    assert_eq!(got, None);
    assert!(start.elapsed() >= Duration::from_millis(5));
    assert!(!event.has_waiters());
}

/// Many threads each take permits released one at a time, each release
/// telling one waiter: every permit is taken, nobody is left asleep.
#[test]
fn event_notify_one_per_permit_lets_everyone_through() {
    const WAITERS: usize = 8;
    const EACH: usize = 500;
    let event = Arc::new(Event::new());
    let permits = Arc::new(AtomicUsize::new(0));
    let waiters: Vec<_> = (0..WAITERS)
        .map(|i| {
            let (event, permits) = (event.clone(), permits.clone());
            thread::spawn(move || {
                for _ in 0..EACH {
                    let backoff = if i % 2 == 0 {
                        Backoff::Park
                    } else {
                        Backoff::Adaptive
                    };
                    assert!(event
                        .wait(|| take(&permits), backoff, Deadline::never())
                        .is_some());
                }
            })
        })
        .collect();
    for _ in 0..WAITERS * EACH {
        permits.fetch_add(1, Ordering::AcqRel);
        event.notify_one();
    }
    waiters.into_iter().for_each(|w| w.join().unwrap());
    assert_eq!(permits.load(Ordering::Relaxed), 0);
    assert!(!event.has_waiters());
}

#[test]
fn event_notify_all_wakes_every_waiter() {
    let event = Arc::new(Event::new());
    let open = Arc::new(AtomicUsize::new(0));
    let waiters: Vec<_> = (0..6)
        .map(|_| {
            let (event, open) = (event.clone(), open.clone());
            thread::spawn(move || {
                let ready = || (open.load(Ordering::Acquire) == 1).then_some(());
                event.wait(ready, Backoff::Park, Deadline::never())
            })
        })
        .collect();
    open.store(1, Ordering::Release);
    event.notify_all();
    for w in waiters {
        assert_eq!(w.join().unwrap(), Some(()));
    }
}

struct Flag(AtomicUsize);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn event_poll_wait_registers_then_is_woken() {
    let event = Event::new();
    let permits = AtomicUsize::new(0);
    let flag = Arc::new(Flag(AtomicUsize::new(0)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut watch = Watch::default();
    assert!(event
        .poll_wait(&mut watch, &mut cx, || take(&permits))
        .is_pending());
    assert!(event.has_waiters());
    permits.fetch_add(1, Ordering::AcqRel);
    event.notify_one();
    assert_eq!(flag.0.load(Ordering::Relaxed), 1, "the task was woken");
    assert_eq!(
        event.poll_wait(&mut watch, &mut cx, || take(&permits)),
        Poll::Ready(())
    );
    assert!(!event.has_waiters());
}

#[test]
fn queue_pops_in_fifo_order_and_abort_removes() {
    let q = WaitQueue::<u32>::new();
    let (a, b, c) = (
        Waiter::for_task(Waker::noop()),
        Waiter::for_task(Waker::noop()),
        Waiter::for_task(Waker::noop()),
    );
    {
        let mut locked = q.lock();
        locked.push_back(a.clone(), 1);
        locked.push_back(b.clone(), 2);
        locked.push_front(c.clone(), 0);
        assert_eq!(locked.abort(&b), Ok(Some(2)));
        assert_eq!(locked.front(), Some(&0));
    }
    assert_eq!(q.len(), 2);
    let mut locked = q.lock();
    let (first, p) = locked.pop(7).unwrap();
    assert!(Arc::ptr_eq(&first, &c) && p == 0 && c.claimed() == Some(7));
    let (second, p) = locked.pop(7).unwrap();
    assert!(Arc::ptr_eq(&second, &a) && p == 1);
    assert!(locked.pop(7).is_none());
    // A claimed waiter can no longer abort.
    assert_eq!(a.abort(), Err(7));
}

#[test]
fn thread_waiter_is_woken_by_another_thread() {
    let q = Arc::new(WaitQueue::<()>::new());
    let w = Waiter::for_thread();
    q.lock().push_back(w.clone(), ());
    let popper = {
        let q = q.clone();
        thread::spawn(move || loop {
            let popped = {
                let mut locked = q.lock();
                locked.pop(1).map(|(w, ())| {
                    w.complete();
                    w
                })
            };
            if let Some(w) = popped {
                w.wake();
                return;
            }
            thread::yield_now();
        })
    };
    assert!(w.wait(Backoff::Adaptive, Deadline::never()));
    assert_eq!(w.claimed(), Some(1));
    popper.join().unwrap();
}

/// A plain counter behind a [`RawLock`].
struct Counted {
    lock: RawLock,
    count: std::cell::UnsafeCell<u64>,
}

// SAFETY: `count` is touched only holding `lock`.
unsafe impl Sync for Counted {}

/// More threads than cores increment under the lock, so that lockers
/// park and are woken in every order: no increment is lost, and the lock
/// ends free with nobody queued.
#[test]
fn raw_lock_keeps_every_increment() {
    const THREADS: u64 = 8;
    const EACH: u64 = 20_000;
    let c = Counted {
        lock: RawLock::new(),
        count: std::cell::UnsafeCell::new(0),
    };
    let shared = &c;
    thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(move || {
                let c = shared;
                for _ in 0..EACH {
                    c.lock.lock();
                    // SAFETY: we hold the lock.
                    unsafe { *c.count.get() += 1 };
                    // SAFETY: we hold the lock.
                    unsafe { c.lock.unlock() };
                }
            });
        }
    });
    assert_eq!(c.count.into_inner(), THREADS * EACH);
    assert!(c.lock.is_free());
}

/// A locker that finds the lock held parks (once nobody else runs, its
/// thread is asleep), and the unlock wakes it.
#[test]
fn raw_lock_wakes_a_parked_locker() {
    let lock = Arc::new(RawLock::new());
    lock.lock();
    let locker = {
        let lock = lock.clone();
        thread::spawn(move || {
            lock.lock();
            // SAFETY: we hold the lock.
            unsafe { lock.unlock() };
        })
    };
    while !lock.has_parked() {
        thread::yield_now();
    }
    // SAFETY: we hold the lock.
    unsafe { lock.unlock() };
    locker.join().unwrap();
    assert!(lock.is_free());
}
