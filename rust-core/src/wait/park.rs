//! Putting the owning thread of a waiter to sleep until it is let go or
//! its deadline passes.
//!
//! The token itself, [`Parker`], is switched between std and loom here:
//! natively the thread's own park/unpark token, under loom a mutex and a
//! condvar (loom has no clock, so a modelled park is untimed; models give
//! up by deadlines already past, which are checked before parking).

use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::Deadline;
use crate::loom::{AtomicBool, Ordering};

#[cfg(not(loom))]
use crate::hooks::{count, Count};

/// Puts one thread to sleep until another wakes it: the thread's own
/// park/unpark token. A clone is a handle to the same token, which a waker
/// can keep while the sleeper's own handle goes away.
#[cfg(not(loom))]
#[derive(Clone)]
pub(crate) struct Parker(std::thread::Thread);

#[cfg(not(loom))]
impl Parker {
    /// A parker for the calling thread.
    pub(crate) fn for_current_thread() -> Self {
        Parker(std::thread::current())
    }

    /// Sleeps (on the calling thread, which must be the parker's) until
    /// woken or `deadline` passes, unless `done` already holds. May return
    /// early: callers re-check.
    pub(crate) fn park(&self, done: impl Fn() -> bool, deadline: Option<std::time::Instant>) {
        if done() {
            return;
        }
        count(Count::Park);
        match deadline {
            None => std::thread::park(),
            Some(d) => {
                let now = std::time::Instant::now();
                if d > now {
                    std::thread::park_timeout(d - now);
                }
            }
        }
    }

    /// Wakes the parked thread (or makes its next park return at once).
    pub(crate) fn unpark(&self) {
        count(Count::Wake);
        self.0.unpark();
    }

    /// As [`Parker::park`] untimed, but left out of the counters: for the
    /// core's internal lock ([`RawLock`](super::RawLock)), whose few-step
    /// waits the counters left out while that lock was parking_lot's, so
    /// that a test counting a primitive's wake-ups still counts only those.
    pub(crate) fn park_uncounted(&self, done: impl Fn() -> bool) {
        if !done() {
            std::thread::park();
        }
    }

    /// As [`Parker::unpark`], left out of the counters (see
    /// [`Parker::park_uncounted`]).
    pub(crate) fn unpark_uncounted(&self) {
        self.0.unpark();
    }
}

/// The loom model of [`Parker`]: a mutex and a condvar of its own. Loom's
/// `Thread::unpark` is not used, because loom 0.7 aborts when an unpark
/// reaches a thread blocked on something else (tokio-rs/loom#249), which a
/// late unpark legitimately does under std.
#[cfg(loom)]
#[derive(Clone)]
pub(crate) struct Parker(crate::loom::Arc<(::loom::sync::Mutex<()>, ::loom::sync::Condvar)>);

#[cfg(loom)]
impl Parker {
    pub(crate) fn for_current_thread() -> Self {
        Parker(crate::loom::Arc::new((
            ::loom::sync::Mutex::new(()),
            ::loom::sync::Condvar::new(),
        )))
    }

    /// Loom has no clock: every park is untimed.
    pub(crate) fn park(&self, done: impl Fn() -> bool, _deadline: Option<std::time::Instant>) {
        let (lock, woken) = &*self.0;
        let guard = lock.lock().unwrap();
        if !done() {
            drop(woken.wait(guard).unwrap());
        }
    }

    pub(crate) fn unpark(&self) {
        let (lock, woken) = &*self.0;
        let _guard = lock.lock().unwrap();
        woken.notify_all();
    }

    /// Loom counts nothing: [`Parker::park`], untimed.
    pub(crate) fn park_uncounted(&self, done: impl Fn() -> bool) {
        self.park(done, None);
    }

    pub(crate) fn unpark_uncounted(&self) {
        self.unpark();
    }
}

/// Parks on `parker` until `done` holds (true) or `deadline` passes
/// (false). Spurious returns of the token are absorbed here: the caller
/// sees only the two outcomes. Must run on the parker's thread.
pub(crate) fn park_until(
    parker: &Parker,
    done: impl Fn() -> bool,
    deadline: Option<Instant>,
) -> bool {
    loop {
        if done() {
            return true;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        parker.park(&done, deadline);
    }
}

/// Blocks the calling thread on `poll` (a queued waiter's task-style
/// check) until it is ready or `deadline` passes; `None` then, with the
/// waiter still queued. For a thread that must keep its place in a queue
/// across several timed waits (a binding that checks for signals between
/// them): the waiter's waker wakes whichever thread waits on it now.
pub(crate) fn block_until<R>(
    mut poll: impl FnMut(&mut Context<'_>) -> Poll<R>,
    deadline: Deadline,
) -> Option<R> {
    let wake = std::sync::Arc::new(ThreadWake {
        parker: Parker::for_current_thread(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(std::sync::Arc::clone(&wake));
    let mut cx = Context::from_waker(&waker);
    loop {
        // A swap, so that a wake-up it consumes happens before the poll
        // that follows (and that poll sees what the waker published).
        wake.woken.swap(false, Ordering::Acquire);
        if let Poll::Ready(out) = poll(&mut cx) {
            return Some(out);
        }
        if deadline.is_past() {
            return None;
        }
        wake.parker
            .park(|| wake.woken.load(Ordering::Acquire), deadline.instant());
    }
}

/// The waker of [`block_until`]: sets its flag and unparks the thread.
struct ThreadWake {
    parker: Parker,
    woken: AtomicBool,
}

impl std::task::Wake for ThreadWake {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.parker.unpark();
    }
}
