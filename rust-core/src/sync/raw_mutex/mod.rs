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
//! waited longer than [`FAIR_AFTER`](fairness::FAIR_AFTER) hands the lock
//! straight to it instead, keeping it locked, so newcomers cannot take it
//! and queue behind. The unlocking thread decides (parking_lot's fair
//! unlock, with Go's 1 ms), so a waiter is served even while it cannot get
//! a CPU to ask. Such hand-offs come at most once per
//! [`FAIR_AFTER`](fairness::FAIR_AFTER), as parking_lot's do (its come at
//! random intervals of 0 to 1 ms, whoever waits): once every waiter has waited that long (threads outnumbering cores), a
//! hand-off at every unlock would turn the lock into a FIFO convoy. A
//! [`fair`](RawMutex::fair) mutex always hands over.
//!
//! Here: the type and its fast paths; in `slow.rs` the queueing, waking
//! and hand-off; in `fairness.rs` how long a waiter has waited and the
//! hand-offs' rate; in `future.rs` the async forms.

mod fairness;
mod future;
mod slow;

use std::fmt;

use crate::loom::{AtomicUsize, LockedCell, Ordering};
use crate::wait::{const_fn_unless_loom, Deadline, WaitQueue};
use fairness::{HandOffs, Patience};
pub(super) use future::Acquiring;
pub use future::{OwnedRawLockFuture, RawLockFuture};

const LOCKED: usize = 1;
const PARKED: usize = 2;

/// The case a waiter is claimed for when the lock is handed to it: it
/// holds the lock when it wakes.
pub(super) const HANDED: usize = 0;
/// The case a waiter is claimed for when the lock was released: it wakes
/// to try again.
pub(super) const RETRY: usize = 1;

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
    /// When the next hand-off to a starving waiter may come; read and
    /// written only holding the queue's lock.
    hand_offs: LockedCell<HandOffs>,
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
                hand_offs: LockedCell::new(HandOffs::new()),
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
                hand_offs: LockedCell::new(HandOffs::new()),
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
        if !self.try_lock_uncontended() {
            self.lock_slow(Deadline::never());
        }
    }

    /// Takes the lock if it is free with nobody queued: the one
    /// compare-and-swap that begins [`lock`](RawMutex::lock), without
    /// [`try_lock`](RawMutex::try_lock)'s look first. For a binding that
    /// tries inline and calls `lock` out of line only when this fails (a
    /// free lock that waiters are queued for fails here, and `lock` takes
    /// it).
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// let m = RawMutex::new();
    /// assert!(m.try_lock_uncontended());
    /// assert!(!m.try_lock_uncontended());
    /// # m.unlock().unwrap();
    /// ```
    #[inline]
    pub fn try_lock_uncontended(&self) -> bool {
        self.state
            .compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
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

    lock_waits!(RawMutex, "waiting");

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
    // staying out of line (`#[cold]`). The CAS comes first, with no look
    // before it: a look would fetch the line shared and the CAS then own
    // it, two transfers when another thread has just touched it. An
    // unlock of an unlocked mutex (a caller's bug) finds out in the slow
    // path.
    #[inline]
    pub fn unlock(&self) -> Result<(), NotLocked> {
        if self.try_unlock_uncontended() {
            return Ok(());
        }
        self.unlock_slow()
    }

    /// Releases the lock if it is locked with nobody queued: the one
    /// compare-and-swap that begins [`unlock`](RawMutex::unlock); `false`,
    /// changing nothing, otherwise (then `unlock` does the rest, or finds
    /// it not locked). For a binding that releases inline and calls
    /// `unlock` out of line only when this fails.
    ///
    /// ```
    /// use polyconc::sync::RawMutex;
    /// let m = RawMutex::new();
    /// assert!(!m.try_unlock_uncontended());
    /// m.lock();
    /// assert!(m.try_unlock_uncontended());
    /// assert!(!m.is_locked());
    /// ```
    #[inline]
    pub fn try_unlock_uncontended(&self) -> bool {
        self.state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_ok()
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
        let released = self.unlock();
        debug_assert!(released.is_ok(), "a guard's mutex is locked");
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
