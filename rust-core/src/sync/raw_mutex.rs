//! [`RawMutex`]: the data-less lock under [`Mutex`](super::Mutex),
//! [`Condvar`](super::Condvar)'s requeueing target, and the lock the
//! bindings hand out.
//!
//! The state word holds two bits: `LOCKED`, and `PARKED`, set while the
//! wait queue may hold waiters, so that an unlock that finds it clear is
//! one CAS. Normally the lock *barges*: an unlock releases it and wakes the
//! first waiter to *retry*, and a running thread may take the lock first
//! (handing it over in FIFO order convoys: every hand-off waits for a
//! sleeping thread to be scheduled). But an unlock whose first waiter has
//! waited longer than [`FAIR_AFTER`] hands the lock straight to it instead,
//! keeping it locked, so newcomers cannot take it and queue behind. The
//! unlocking thread decides (parking_lot's fair unlock, with Go's 1 ms),
//! so a waiter is served even while it cannot get a CPU to ask. A
//! [`fair`](RawMutex::fair) mutex always hands over.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::wait::{const_fn_unless_loom, Backoff, Deadline, Spin, Wait, WaitQueue, Waiter};

const LOCKED: usize = 1;
const PARKED: usize = 2;

/// The case a waiter is claimed for when the lock is handed to it: it
/// holds the lock when it wakes.
pub(super) const HANDED: usize = 0;
/// The case a waiter is claimed for when the lock was released: it wakes
/// to try again.
pub(super) const RETRY: usize = 1;

/// How long a waiter waits before an unlock hands it the lock directly.
pub(super) const FAIR_AFTER: Duration = Duration::from_millis(1);

/// Spin steps before queueing, taken only while nobody is queued: the
/// first seven pause-spin (127 pauses in all), the rest yield.
const SPIN_STEPS: u32 = 10;

/// A mutual-exclusion lock without data, that any thread may unlock.
///
/// It is what Python's `threading.Lock` and C's `pc_mutex_*` need: a lock
/// taken in one call and released in another, possibly by another thread;
/// an unlock of an unlocked `RawMutex` is [`NotLocked`], never undefined
/// behaviour. For data, use [`Mutex`](super::Mutex), built on it.
///
/// ```
/// use polyconc::sync::RawMutex;
///
/// let m = RawMutex::new();
/// m.lock();
/// assert!(!m.try_lock());
/// assert_eq!(m.unlock(), Ok(()));
/// assert!(m.unlock().is_err());
/// ```
pub struct RawMutex {
    state: AtomicUsize,
    queue: WaitQueue<Patience>,
    /// Always hand off (Java's fair `ReentrantLock`).
    fair: bool,
}

/// An unlock of a data-less lock that is not locked: [`RawMutex::unlock`],
/// [`RawSpinLock::unlock`](super::RawSpinLock::unlock), and
/// [`RawRwLock`](super::RawRwLock)'s `unlock_read` without a read hold or
/// `unlock_write` without the write hold.
///
/// ```
/// use polyconc::sync::{NotLocked, RawMutex, RawRwLock, RawSpinLock};
/// assert_eq!(RawMutex::new().unlock(), Err(NotLocked));
/// assert_eq!(RawSpinLock::new().unlock(), Err(NotLocked));
/// assert_eq!(RawRwLock::new().unlock_read(), Err(NotLocked));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotLocked;

impl fmt::Display for NotLocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unlock of a lock that is not locked")
    }
}

impl std::error::Error for NotLocked {}

impl RawMutex {
    const_fn_unless_loom! {
        /// An unlocked mutex.
        ///
        /// ```
        /// use polyconc::sync::RawMutex;
        /// static LOCK: RawMutex = RawMutex::new();
        /// assert!(LOCK.try_lock());
        /// # LOCK.unlock().unwrap();
        /// ```
        pub fn new() -> RawMutex {
            RawMutex {
                state: AtomicUsize::new(0),
                queue: WaitQueue::new(),
                fair: false,
            }
        }
    }

    const_fn_unless_loom! {
        /// An unlocked mutex that hands itself to its waiters in FIFO order
        /// (only `try_lock` barges).
        pub(crate) fn fair() -> RawMutex {
            RawMutex {
                state: AtomicUsize::new(0),
                queue: WaitQueue::new(),
                fair: true,
            }
        }
    }

    /// Takes the lock, blocking until it is free.
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// let m = RawMutex::new();
    /// m.lock();
    /// assert!(m.is_locked());
    /// # m.unlock().unwrap();
    /// ```
    #[inline]
    pub fn lock(&self) {
        if self
            .state
            .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_slow(Deadline::never());
        }
    }

    /// Takes the lock if it is free now.
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// let m = RawMutex::new();
    /// assert!(m.try_lock());
    /// assert!(!m.try_lock());
    /// # m.unlock().unwrap();
    /// ```
    #[inline]
    pub fn try_lock(&self) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        // While anyone waits in hand-off mode the lock is never free: an
        // unlock hands it over. So `try_lock` may barge in every mode.
        state & LOCKED == 0
            && self
                .state
                .compare_exchange(state, state | LOCKED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }

    /// Takes the lock, waiting as `wait` says; whether it was taken.
    ///
    /// ```
    /// use polyconc::{sync::RawMutex, Wait};
    /// let m = RawMutex::new();
    /// assert!(m.lock_with(Wait::FOREVER));
    /// assert!(!m.lock_with(Wait::Now));
    /// # m.unlock().unwrap();
    /// ```
    pub fn lock_with(&self, wait: Wait) -> bool {
        match wait {
            Wait::Now => self.try_lock(),
            Wait::Until(deadline) => self.try_lock() || self.lock_slow(deadline),
        }
    }

    /// Takes the lock, waiting at most `timeout`; whether it was taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::RawMutex;
    /// let m = RawMutex::new();
    /// m.lock();
    /// assert!(!m.lock_timeout(Duration::from_millis(1)));
    /// # m.unlock().unwrap();
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> bool {
        self.lock_with(Wait::timeout(timeout))
    }

    /// Takes the lock, waiting until `deadline` at most; whether it was taken.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::sync::RawMutex;
    /// let m = RawMutex::new();
    /// assert!(m.lock_deadline(Instant::now() + Duration::from_secs(1)));
    /// # m.unlock().unwrap();
    /// ```
    pub fn lock_deadline(&self, deadline: Instant) -> bool {
        self.lock_with(Wait::Until(Deadline::at(deadline)))
    }

    /// A future that takes the lock. Dropped before it is ready, it leaves
    /// the lock as it was: a lock handed to it meanwhile is released (and
    /// so passed on).
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let m = RawMutex::new();
    /// block_on(m.lock_async());
    /// assert!(m.is_locked());
    /// # m.unlock().unwrap();
    /// ```
    pub fn lock_async(&self) -> RawLockFuture<'_> {
        RawLockFuture {
            mutex: self,
            acquiring: Acquiring::default(),
        }
    }

    /// A future that takes the lock and holds `self` meanwhile, so it
    /// borrows nothing (tokio's `lock_owned`): what a binding keeps in a
    /// pending operation object. Dropped before it is ready, it leaves the
    /// lock as it was, as [`lock_async`](RawMutex::lock_async)'s does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::RawMutex;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let m = Arc::new(RawMutex::new());
    /// let fut = std::thread::spawn({
    ///     let m = Arc::clone(&m);
    ///     move || m.lock_owned_async()
    /// })
    /// .join()
    /// .unwrap();
    /// block_on(fut);
    /// assert_eq!(m.unlock(), Ok(()));
    /// ```
    pub fn lock_owned_async(self: std::sync::Arc<Self>) -> OwnedRawLockFuture {
        OwnedRawLockFuture {
            mutex: self,
            acquiring: Acquiring::default(),
        }
    }

    /// Releases the lock, whichever thread took it. [`NotLocked`] if it
    /// was not locked (nothing changes then).
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// let m = RawMutex::new();
    /// m.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| m.unlock().unwrap());
    /// });
    /// assert!(!m.is_locked());
    /// ```
    // Inlined across crates, as `lock` and `try_lock` are: a binding's
    // uncontended lock/unlock pair is then two CASes, the slow paths
    // staying out of line (`#[cold]`).
    #[inline]
    pub fn unlock(&self) -> Result<(), NotLocked> {
        let mut state = self.state.load(Ordering::Relaxed);
        while state == LOCKED {
            match self
                .state
                .compare_exchange_weak(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(now) => state = now,
            }
        }
        if state & LOCKED == 0 {
            return Err(NotLocked);
        }
        self.unlock_slow()
    }

    /// Whether the lock is held (by anyone) right now.
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// assert!(!RawMutex::new().is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & LOCKED != 0
    }

    /// Whether the mutex was made by [`RawMutex::fair`].
    pub(crate) fn is_fair(&self) -> bool {
        self.fair
    }

    /// How many waiters are queued right now (a snapshot).
    pub(crate) fn queue_length(&self) -> usize {
        self.queue.len()
    }

    /// Releases a lock the caller holds (a guard).
    #[inline]
    pub(crate) fn release(&self) {
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            let released = self.unlock_slow();
            debug_assert!(released.is_ok(), "a guard's mutex is locked");
        }
    }

    /// Queues `waiter` while the lock is held (first if it queued before:
    /// it was woken to retry and lost); `Err` if the lock was free after
    /// all (the caller retries).
    fn enqueue(&self, waiter: &Arc<Waiter>, patience: &mut Patience) -> Result<(), ()> {
        let mut q = self.queue.lock();
        let mut state = self.state.load(Ordering::Relaxed);
        while state & PARKED == 0 {
            if state & LOCKED == 0 {
                return Err(());
            }
            // The unlocker's CAS from `LOCKED` fails once this lands: it
            // takes the slow path, and the queue's lock, which we hold.
            match self.state.compare_exchange(
                state,
                state | PARKED,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state & LOCKED == 0 {
            return Err(());
        }
        match patience.since {
            Some(_) => q.push_front(Arc::clone(waiter), *patience),
            None => {
                patience.since = Some(Instant::now());
                q.push_back(Arc::clone(waiter), *patience);
            }
        }
        Ok(())
    }

    /// The owner of a queued `waiter` gives up: `Ok` if it was still
    /// queued, else the case it was claimed for (the claim is complete).
    fn leave(&self, waiter: &Arc<Waiter>) -> Result<(), usize> {
        let mut q = self.queue.lock();
        q.abort(waiter)?;
        if q.is_empty() {
            self.state.fetch_and(!PARKED, Ordering::Relaxed);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    fn lock_slow(&self, deadline: Deadline) -> bool {
        let mut spin = Spin::new(SPIN_STEPS);
        let mut patience = Patience::default();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & LOCKED == 0 {
                match self.state.compare_exchange_weak(
                    state,
                    state | LOCKED,
                    Ordering::Acquire,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return true,
                    Err(now) => state = now,
                }
                continue;
            }
            if state & PARKED == 0 && spin.spin() {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            if deadline.is_past() {
                return false;
            }
            let waiter = Waiter::for_thread();
            if self.enqueue(&waiter, &mut patience).is_err() {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            let case = if waiter.wait(Backoff::Park, deadline) {
                waiter.claimed()
            } else {
                match self.leave(&waiter) {
                    Ok(()) => return false,
                    Err(case) => Some(case),
                }
            };
            if case == Some(HANDED) {
                return true;
            }
            // Woken to retry; past the deadline, one last try.
            if deadline.is_past() {
                return self.try_lock();
            }
            patience.lost();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    #[cold]
    #[inline(never)]
    fn unlock_slow(&self) -> Result<(), NotLocked> {
        let woken = {
            let mut q = self.queue.lock();
            let state = self.state.load(Ordering::Relaxed);
            if state & LOCKED == 0 {
                return Err(NotLocked);
            }
            if self.fair || q.front().is_some_and(Patience::starving) {
                let handed = q.pop(HANDED);
                let clear = match handed {
                    // The lock stays locked: it changes hands.
                    Some(_) if !q.is_empty() => 0,
                    Some(_) => PARKED,
                    None => LOCKED | PARKED,
                };
                self.state.fetch_and(!clear, Ordering::Release);
                handed
            } else {
                let woken = q.pop(RETRY);
                let clear = if q.is_empty() {
                    LOCKED | PARKED
                } else {
                    LOCKED
                };
                self.state.fetch_and(!clear, Ordering::Release);
                woken
            }
            .map(|(waiter, _)| {
                // Publishes the critical section to a waiter handed the lock.
                waiter.complete();
                waiter
            })
        };
        if let Some(waiter) = woken {
            waiter.wake();
        }
        Ok(())
    }

    /// Queues `waiters`, claimed by a condition variable, to take the lock
    /// in turn: they wake only when it is theirs or free. If it is free now,
    /// the first is handed it at once.
    ///
    /// The mutex may be freed as soon as the last of them is done: nothing
    /// here touches it after it completes one (the queued ones complete in
    /// a later unlock, which holds its own borrow of the mutex).
    pub(super) fn requeue<I>(&self, waiters: I)
    where
        I: IntoIterator<Item = Arc<Waiter>>,
        I::IntoIter: ExactSizeIterator,
    {
        let mut waiters = waiters.into_iter();
        let Some(first) = waiters.next() else {
            return;
        };
        let more = waiters.len() != 0;
        let mut q = self.queue.lock();
        let mut state = self.state.load(Ordering::Relaxed);
        let handed = loop {
            let (new, handed) = if state & LOCKED == 0 {
                (state | LOCKED | if more { PARKED } else { 0 }, true)
            } else {
                (state | PARKED, false)
            };
            match self
                .state
                .compare_exchange(state, new, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => break handed,
                Err(now) => state = now,
            }
        };
        let handed = if handed {
            Some(first)
        } else {
            q.push_held(first, Patience::now());
            None
        };
        waiters.for_each(|w| q.push_held(w, Patience::now()));
        drop(q);
        if let Some(first) = handed {
            first.reclaim(HANDED);
            first.complete();
            first.wake();
        }
    }
}

/// How long a waiter has waited for the lock: since it first queued, and
/// how many times it was woken to retry and lost. Queued with the waiter,
/// for the unlocker to read.
#[derive(Clone, Copy, Debug, Default)]
struct Patience {
    since: Option<Instant>,
    lost: u32,
}

impl Patience {
    /// A waiter queued now (one requeued from a condition variable).
    fn now() -> Patience {
        Patience {
            since: Some(Instant::now()),
            lost: 0,
        }
    }

    /// The waiter was woken to retry (and queues again unless it wins).
    fn lost(&mut self) {
        self.lost += 1;
    }

    /// Whether it has waited long enough to be handed the lock: about
    /// [`FAIR_AFTER`]. Under loom, which must replay every run alike, once
    /// it was woken to retry and lost instead.
    fn starving(&self) -> bool {
        if cfg!(loom) {
            self.lost >= 1
        } else {
            self.since.is_some_and(|t| t.elapsed() >= FAIR_AFTER)
        }
    }
}

impl Default for RawMutex {
    /// An unlocked mutex.
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// assert!(!RawMutex::default().is_locked());
    /// ```
    fn default() -> Self {
        RawMutex::new()
    }
}

impl fmt::Debug for RawMutex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawMutex")
            .field("locked", &self.is_locked())
            .finish_non_exhaustive()
    }
}

/// Takes a [`RawMutex`] when awaited; made by [`RawMutex::lock_async`].
///
/// ```
/// use polyconc::sync::RawMutex;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let m = RawMutex::new();
/// let fut = m.lock_async();
/// block_on(fut);
/// assert_eq!(m.unlock(), Ok(()));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RawLockFuture<'a> {
    mutex: &'a RawMutex,
    acquiring: Acquiring,
}

/// Takes a [`RawMutex`] when awaited, owning a handle to it; made by
/// [`RawMutex::lock_owned_async`]. It borrows nothing, so a binding can
/// keep it pending in an object of its own.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedRawLockFuture, RawMutex};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let m = Arc::new(RawMutex::new());
/// let fut: OwnedRawLockFuture = Arc::clone(&m).lock_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedRawLockFuture {
    mutex: std::sync::Arc<RawMutex>,
    acquiring: Acquiring,
}

/// The state of a pending asynchronous lock, whoever holds the mutex.
#[derive(Default)]
pub(super) struct Acquiring {
    /// Queued, waiting to be handed the lock or told to retry.
    waiter: Option<Arc<Waiter>>,
    patience: Patience,
}

impl Acquiring {
    /// Polls for `mutex`, which must be the same on every call.
    pub(super) fn poll(&mut self, mutex: &RawMutex, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(waiter) = &self.waiter {
                if !waiter.poll_done(cx.waker()) {
                    return Poll::Pending;
                }
                let case = waiter.claimed();
                self.waiter = None;
                if case == Some(HANDED) {
                    return Poll::Ready(());
                }
                self.patience.lost();
            }
            if mutex.try_lock() {
                return Poll::Ready(());
            }
            let waiter = Waiter::for_task(cx.waker());
            if mutex.enqueue(&waiter, &mut self.patience).is_ok() {
                self.waiter = Some(waiter);
            }
        }
    }

    /// Gives up: leaves the lock as it was before the first poll (a lock
    /// handed over meanwhile is released, and so passed on).
    pub(super) fn cancel(&mut self, mutex: &RawMutex) {
        let Some(waiter) = self.waiter.take() else {
            return;
        };
        match mutex.leave(&waiter) {
            Ok(()) => {}
            // Handed the lock it will not use: release it (to the next).
            Err(HANDED) => mutex.release(),
            // Woken to retry, which it will not: let the next one try.
            Err(_) => {
                if mutex.try_lock() {
                    mutex.release();
                }
            }
        }
    }

    fn is_queued(&self) -> bool {
        self.waiter.is_some()
    }
}

impl fmt::Debug for RawLockFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawLockFuture")
            .field("queued", &self.acquiring.is_queued())
            .finish_non_exhaustive()
    }
}

impl Future for RawLockFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.acquiring.poll(this.mutex, cx)
    }
}

impl Drop for RawLockFuture<'_> {
    fn drop(&mut self) {
        self.acquiring.cancel(self.mutex);
    }
}

impl fmt::Debug for OwnedRawLockFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedRawLockFuture")
            .field("queued", &self.acquiring.is_queued())
            .finish_non_exhaustive()
    }
}

impl Future for OwnedRawLockFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.acquiring.poll(&this.mutex, cx)
    }
}

impl Drop for OwnedRawLockFuture {
    fn drop(&mut self) {
        self.acquiring.cancel(&self.mutex);
    }
}
