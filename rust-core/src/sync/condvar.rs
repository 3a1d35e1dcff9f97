//! [`Condvar`]: waiting for a condition on data behind a [`Mutex`](super::Mutex) (or a
//! [`RawMutex`]).

use std::fmt;
use std::time::{Duration, Instant};

use super::raw_mutex::{RawMutex, HANDED};
use super::{MutexGuard, NotLocked};
use crate::loom::Arc;
use crate::wait::{block_until, const_fn_unless_loom, Backoff, Deadline, WaitQueue, Waiter};

/// The case a condition variable claims a waiter for: notified, and
/// requeued onto its mutex (which then claims it over).
const NOTIFIED: usize = 2;

/// A condition variable: threads wait on it, each releasing a mutex
/// meanwhile, until another thread notifies them.
///
/// Notified waiters are not woken to fight for the mutex: they are moved
/// onto the mutex's own queue and wake when it is theirs (or, if it was
/// free, the first is handed it at once). So [`notify_all`](Condvar::notify_all)
/// wakes the waiters one by one, as the mutex frees up, instead of all at
/// once. One condition variable may be used with several mutexes.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{Condvar, Mutex};
///
/// let pair = Arc::new((Mutex::new(0), Condvar::new()));
/// let worker = {
///     let pair = Arc::clone(&pair);
///     std::thread::spawn(move || {
///         let (count, cv) = &*pair;
///         *count.lock() += 1;
///         cv.notify_all();
///     })
/// };
/// let (count, cv) = &*pair;
/// let count = cv.wait_while(count.lock(), |n| *n == 0);
/// assert_eq!(*count, 1);
/// # drop(count);
/// worker.join().unwrap();
/// ```
pub struct Condvar {
    waiters: WaitQueue<MutexRef>,
}

/// The mutex a waiter re-locks. It stays alive while the entry is queued:
/// its waiter's thread is blocked in `wait_on`, which borrows it, until its
/// waiter is done, and that happens only after the mutex took it over; or
/// the entry is a [`Queued`] one, whose owner holds the mutex alive (a
/// [`CondvarWait`] an `Arc` of it, a `Condition` its lock) for as long as
/// the condition variable lives, even if the wait is leaked.
struct MutexRef(*const RawMutex);

// SAFETY: a `RawMutex` is Sync; the pointer is only dereferenced while the
// mutex is alive (see above), by whichever thread notifies.
unsafe impl Send for MutexRef {}

/// Whether a timed wait on a [`Condvar`] ended by timing out.
///
/// ```
/// use std::time::Duration;
/// use polyconc::sync::{Condvar, Mutex};
/// let (m, cv) = (Mutex::new(()), Condvar::new());
/// let (_guard, result) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
/// assert!(result.timed_out());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitTimeoutResult(pub(super) bool);

impl WaitTimeoutResult {
    /// True if the wait ended because its time ran out (and, for the
    /// `*_while` forms, the condition still held).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(true), Condvar::new());
    /// let (_g, r) = cv.wait_timeout_while(m.lock(), Duration::from_secs(5), |go_on| !*go_on);
    /// assert!(!r.timed_out());
    /// ```
    pub fn timed_out(self) -> bool {
        self.0
    }
}

impl Condvar {
    const_fn_unless_loom! {
        /// A condition variable nobody waits on.
        ///
        /// ```
        /// use polyconc::sync::Condvar;
        /// static CV: Condvar = Condvar::new();
        /// CV.notify_all();
        /// ```
        pub fn new() -> Condvar {
            Condvar {
                waiters: WaitQueue::new(),
            }
        }
    }

    /// Releases the guard's mutex, waits to be notified, and locks it
    /// again. May return without a notification (as every condition
    /// variable may): re-check the condition, or use
    /// [`wait_while`](Condvar::wait_while).
    ///
    /// ```
    /// use polyconc::sync::{Condvar, Mutex};
    /// let (flag, cv) = (Mutex::new(false), Condvar::new());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         *flag.lock() = true;
    ///         cv.notify_one();
    ///     });
    ///     let mut guard = flag.lock();
    ///     while !*guard {
    ///         guard = cv.wait(guard);
    ///     }
    /// });
    /// ```
    pub fn wait<'a, T: ?Sized>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.wait_on(guard.mutex().raw(), Deadline::never());
        guard
    }

    /// Waits as [`wait`](Condvar::wait) does for as long as `condition`
    /// holds, and returns with it false and the lock held.
    ///
    /// ```
    /// use polyconc::sync::{Condvar, Mutex};
    /// let (queue, cv) = (Mutex::new(Vec::new()), Condvar::new());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         queue.lock().push(1);
    ///         cv.notify_one();
    ///     });
    ///     let mut items = cv.wait_while(queue.lock(), |items| items.is_empty());
    ///     assert_eq!(items.pop(), Some(1));
    /// });
    /// ```
    pub fn wait_while<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        while condition(&mut *guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// [`wait`](Condvar::wait) for at most `timeout`; the result says
    /// whether it timed out rather than being notified.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(0), Condvar::new());
    /// let (guard, result) = cv.wait_timeout(m.lock(), Duration::from_millis(1));
    /// assert!(result.timed_out());
    /// assert_eq!(*guard, 0);
    /// ```
    pub fn wait_timeout<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Duration,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        self.wait_until(guard, Deadline::after(timeout))
    }

    /// [`wait`](Condvar::wait) until `deadline` at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(0), Condvar::new());
    /// let (_guard, result) = cv.wait_deadline(m.lock(), Instant::now());
    /// assert!(result.timed_out());
    /// ```
    pub fn wait_deadline<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        deadline: Instant,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        self.wait_until(guard, Deadline::at(deadline))
    }

    fn wait_until<'a, T: ?Sized>(
        &self,
        guard: MutexGuard<'a, T>,
        deadline: Deadline,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        let notified = self.wait_on(guard.mutex().raw(), deadline);
        (guard, WaitTimeoutResult(!notified))
    }

    /// [`wait_while`](Condvar::wait_while) for at most `timeout`; timed out
    /// if the time ran out with `condition` still true.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::{Condvar, Mutex};
    /// let (m, cv) = (Mutex::new(false), Condvar::new());
    /// let (guard, result) =
    ///     cv.wait_timeout_while(m.lock(), Duration::from_millis(1), |done| !*done);
    /// assert!(result.timed_out() && !*guard);
    /// ```
    pub fn wait_timeout_while<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        timeout: Duration,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> (MutexGuard<'a, T>, WaitTimeoutResult) {
        let deadline = Deadline::after(timeout);
        while condition(&mut *guard) {
            let (again, result) = self.wait_until(guard, deadline);
            guard = again;
            if result.timed_out() {
                let timed_out = condition(&mut *guard);
                return (guard, WaitTimeoutResult(timed_out));
            }
        }
        (guard, WaitTimeoutResult(false))
    }

    /// Waits on a [`RawMutex`] the caller locked: releases it, waits to be
    /// notified, locks it again. [`NotLocked`] (without waiting) if it is
    /// not locked.
    ///
    /// ```
    /// use polyconc::sync::{Condvar, RawMutex};
    /// let (m, cv) = (RawMutex::new(), Condvar::new());
    /// assert!(cv.wait_raw(&m).is_err());
    /// m.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         m.lock();
    ///         cv.notify_one();
    ///         m.unlock().unwrap();
    ///     });
    ///     cv.wait_raw(&m).unwrap();
    /// });
    /// assert!(m.is_locked());
    /// # m.unlock().unwrap();
    /// ```
    pub fn wait_raw(&self, mutex: &RawMutex) -> Result<(), NotLocked> {
        self.wait_raw_until(mutex, Deadline::never()).map(drop)
    }

    /// [`wait_raw`](Condvar::wait_raw) for at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::{Condvar, RawMutex};
    /// let (m, cv) = (RawMutex::new(), Condvar::new());
    /// m.lock();
    /// let result = cv.wait_raw_timeout(&m, Duration::from_millis(1)).unwrap();
    /// assert!(result.timed_out() && m.is_locked());
    /// # m.unlock().unwrap();
    /// ```
    pub fn wait_raw_timeout(
        &self,
        mutex: &RawMutex,
        timeout: Duration,
    ) -> Result<WaitTimeoutResult, NotLocked> {
        self.wait_raw_until(mutex, Deadline::after(timeout))
    }

    /// [`wait_raw`](Condvar::wait_raw) until `deadline` at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::{Condvar, RawMutex};
    /// let (m, cv) = (RawMutex::new(), Condvar::new());
    /// m.lock();
    /// assert!(cv.wait_raw_deadline(&m, Instant::now()).unwrap().timed_out());
    /// # m.unlock().unwrap();
    /// ```
    pub fn wait_raw_deadline(
        &self,
        mutex: &RawMutex,
        deadline: Instant,
    ) -> Result<WaitTimeoutResult, NotLocked> {
        self.wait_raw_until(mutex, Deadline::at(deadline))
    }

    fn wait_raw_until(
        &self,
        mutex: &RawMutex,
        deadline: Deadline,
    ) -> Result<WaitTimeoutResult, NotLocked> {
        if !mutex.is_locked() {
            return Err(NotLocked);
        }
        Ok(WaitTimeoutResult(!self.wait_on(mutex, deadline)))
    }

    /// The wait itself, on a mutex the caller holds: queues, releases the
    /// mutex, sleeps, and returns holding it again; false if it timed out.
    pub(super) fn wait_on(&self, mutex: &RawMutex, deadline: Deadline) -> bool {
        let waiter = Waiter::for_thread();
        // Queued before the mutex is released: a notifier that takes the
        // mutex after us finds us.
        self.waiters
            .lock()
            .push_back(Arc::clone(&waiter), MutexRef(mutex));
        mutex.release();
        let notified =
            waiter.wait(Backoff::Park, deadline) || self.waiters.lock().abort(&waiter).is_err();
        if notified {
            // Requeued onto the mutex: done once it is ours or free.
            waiter.wait(Backoff::Park, Deadline::never());
            if waiter.claimed() == Some(HANDED) {
                return true;
            }
        }
        mutex.lock();
        notified
    }

    /// Starts a wait on `mutex`, which the caller holds, that keeps its
    /// place in this condition variable's queue across several timed
    /// waits: it queues, releases the mutex, and returns the wait, which
    /// [`CondvarWait::wait_deadline`] continues. For a thread that must do
    /// something between waits without the mutex (a binding checking for
    /// signals); [`wait_raw_deadline`](Condvar::wait_raw_deadline) queues
    /// again each time. [`NotLocked`] (without waiting) if `mutex` is not
    /// locked.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use polyconc::sync::{Condvar, RawMutex};
    /// let (m, cv) = (Arc::new(RawMutex::new()), Condvar::new());
    /// m.lock();
    /// let mut wait = cv.queue_wait_raw(&m).unwrap();
    /// assert!(!m.is_locked(), "released while it waits");
    /// assert!(!wait.wait_deadline(Instant::now()), "nobody notified it yet");
    /// cv.notify_one();
    /// assert!(wait.wait_deadline(Instant::now()), "notified: the mutex is held again");
    /// assert!(m.is_locked());
    /// # m.unlock().unwrap();
    /// ```
    pub fn queue_wait_raw(
        &self,
        mutex: &std::sync::Arc<RawMutex>,
    ) -> Result<CondvarWait<'_>, NotLocked> {
        if !mutex.is_locked() {
            return Err(NotLocked);
        }
        Ok(CondvarWait {
            queued: self.queue(mutex),
            condvar: self,
            mutex: std::sync::Arc::clone(mutex),
        })
    }

    /// Queues a task-style waiter for `mutex`, which the caller holds, then
    /// releases it (queued first: a notifier that takes the mutex after us
    /// finds us).
    pub(super) fn queue(&self, mutex: &RawMutex) -> Queued {
        let waiter = Waiter::for_task(std::task::Waker::noop());
        self.waiters
            .lock()
            .push_back(Arc::clone(&waiter), MutexRef(mutex));
        mutex.release();
        Queued {
            waiter: Some(waiter),
        }
    }

    /// How many threads wait right now (a snapshot).
    pub(super) fn waiting(&self) -> usize {
        self.waiters.len()
    }

    /// Wakes one waiter, the longest waiting (it takes the mutex once it
    /// is free).
    ///
    /// ```
    /// use polyconc::sync::Condvar;
    /// Condvar::new().notify_one(); // nobody waits: nothing happens
    /// ```
    pub fn notify_one(&self) {
        // A waiter queued before releasing the mutex: a notifier that
        // holds (or held) the mutex since sees the count.
        if self.waiters.len() == 0 {
            return;
        }
        let popped = self.waiters.lock().pop(NOTIFIED);
        if let Some((waiter, MutexRef(mutex))) = popped {
            // SAFETY: the waiter is claimed and not done: its thread waits
            // in `wait_on`, borrowing the mutex (see `MutexRef`).
            unsafe { &*mutex }.requeue(std::iter::once(waiter));
        }
    }

    /// Wakes every waiter, one at a time as the mutex frees up: they are
    /// moved onto the mutex's queue, not woken to fight for it.
    ///
    /// ```
    /// use polyconc::sync::{Condvar, Mutex};
    /// let (go, cv) = (Mutex::new(false), Condvar::new());
    /// std::thread::scope(|s| {
    ///     for _ in 0..3 {
    ///         s.spawn(|| drop(cv.wait_while(go.lock(), |go| !*go)));
    ///     }
    ///     *go.lock() = true;
    ///     cv.notify_all();
    /// });
    /// ```
    pub fn notify_all(&self) {
        if self.waiters.len() == 0 {
            return;
        }
        let mut all = Vec::new();
        {
            let mut q = self.waiters.lock();
            while let Some((waiter, MutexRef(mutex))) = q.pop(NOTIFIED) {
                all.push((mutex, waiter));
            }
        }
        // One requeue per mutex (waiters of one mutex keep their order).
        while let Some(&(mutex, _)) = all.first() {
            let (same, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(|(m, _)| *m == mutex);
            // SAFETY: as in `notify_one`, for every waiter of `same`.
            unsafe { &*mutex }.requeue(same.into_iter().map(|(_, w)| w));
            all = rest;
        }
    }
}

impl Default for Condvar {
    /// A condition variable nobody waits on.
    ///
    /// ```
    /// use polyconc::sync::Condvar;
    /// Condvar::default().notify_one();
    /// ```
    fn default() -> Self {
        Condvar::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar")
            .field("waiters", &self.waiters.len())
            .finish()
    }
}

/// A queued wait on a [`Condvar`] with a [`RawMutex`] held through an
/// [`Arc`] (so the mutex outlives the queue entry, even if the wait is
/// leaked); made by [`Condvar::queue_wait_raw`]. Dropped before it was
/// notified, it leaves the queue and locks the mutex again, as a wait
/// that timed out does.
///
/// ```
/// use std::sync::Arc;
/// use std::time::{Duration, Instant};
/// use polyconc::sync::{Condvar, RawMutex};
/// let (m, cv) = (Arc::new(RawMutex::new()), Condvar::new());
/// m.lock();
/// let mut wait = cv.queue_wait_raw(&m).unwrap();
/// assert!(!wait.wait_deadline(Instant::now() + Duration::from_millis(1)));
/// drop(wait); // gives up: the mutex is held again
/// assert!(m.is_locked());
/// # m.unlock().unwrap();
/// ```
#[must_use = "dropping the wait gives it up at once"]
pub struct CondvarWait<'a> {
    condvar: &'a Condvar,
    mutex: std::sync::Arc<RawMutex>,
    queued: Queued,
}

impl CondvarWait<'_> {
    /// Waits to be notified until `deadline` at most: true once notified,
    /// the mutex held again (the wait is over: a later call returns true
    /// at once); false if the deadline passed first, still queued without
    /// the mutex.
    pub fn wait_deadline(&mut self, deadline: Instant) -> bool {
        self.queued.wait(&self.mutex, Deadline::at(deadline))
    }
}

impl Drop for CondvarWait<'_> {
    fn drop(&mut self) {
        self.queued.give_up(self.condvar, &self.mutex);
    }
}

impl fmt::Debug for CondvarWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CondvarWait")
            .field("over", &self.queued.waiter.is_none())
            .finish_non_exhaustive()
    }
}

/// A waiter queued on a condition variable by [`Condvar::queue`], whoever
/// holds the condition variable and the mutex; `None` once its wait is
/// over (the mutex held again).
pub(super) struct Queued {
    waiter: Option<Arc<Waiter>>,
}

impl Queued {
    /// Waits until notified (true: the mutex held again) or `deadline`
    /// (false: still queued).
    pub(super) fn wait(&mut self, mutex: &RawMutex, deadline: Deadline) -> bool {
        let Some(waiter) = &self.waiter else {
            return true;
        };
        let done = |cx: &mut std::task::Context<'_>| {
            if waiter.poll_done(cx.waker()) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        };
        if block_until(done, deadline).is_none() {
            return false;
        }
        // Requeued onto the mutex and let go: handed it, or told to retry.
        if waiter.claimed() != Some(HANDED) {
            mutex.lock();
        }
        self.waiter = None;
        true
    }

    /// Gives up a wait that is not over: leaves the queue and locks the
    /// mutex again. True if it had been notified meanwhile.
    pub(super) fn give_up(&mut self, condvar: &Condvar, mutex: &RawMutex) -> bool {
        let Some(waiter) = &self.waiter else {
            return false;
        };
        if condvar.waiters.lock().abort(waiter).is_ok() {
            mutex.lock();
            self.waiter = None;
            return false;
        }
        // Notified and requeued onto the mutex: done once it is ours or free.
        self.wait(mutex, Deadline::never())
    }
}
