//! [`RawSpinLock`]: the data-less test-and-test-and-set lock under
//! [`SpinLock`](super::SpinLock), and the spin lock the bindings hand out.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::NotLocked;
use crate::loom::{AtomicBool, Ordering};
use crate::wait::{const_fn_unless_loom, Deadline, Spin};

/// A spin lock without data, that any thread may unlock.
///
/// Test-and-test-and-set: a waiter reads the flag until it looks free
/// (sharing the cache line instead of bouncing it), then tries to swap it,
/// pausing a little longer after each miss and yielding its CPU once the
/// pauses grow long. It never parks. An unlock of an unlocked
/// `RawSpinLock` is [`NotLocked`], never undefined behaviour; it is what
/// C's `pc_spinlock_*` and Python's `SpinLock` need. For data, use
/// [`SpinLock`](super::SpinLock), built on it.
///
/// ```
/// use polyconc::sync::RawSpinLock;
///
/// let lock = RawSpinLock::new();
/// lock.lock();
/// assert!(!lock.try_lock());
/// assert_eq!(lock.unlock(), Ok(()));
/// assert!(lock.unlock().is_err());
/// ```
pub struct RawSpinLock {
    locked: AtomicBool,
}

impl RawSpinLock {
    const_fn_unless_loom! {
        /// An unlocked spin lock.
        ///
        /// ```
        /// use polyconc::sync::RawSpinLock;
        /// static LOCK: RawSpinLock = RawSpinLock::new();
        /// assert!(LOCK.try_lock());
        /// # LOCK.unlock().unwrap();
        /// ```
        pub fn new() -> RawSpinLock {
            RawSpinLock {
                locked: AtomicBool::new(false),
            }
        }
    }

    /// Takes the lock, spinning (and yielding) until it is free.
    ///
    /// ```
    /// use polyconc::sync::RawSpinLock;
    /// let lock = RawSpinLock::new();
    /// lock.lock();
    /// assert!(lock.is_locked());
    /// # lock.unlock().unwrap();
    /// ```
    #[inline]
    pub fn lock(&self) {
        if !self.try_lock() {
            self.lock_slow(Deadline::never());
        }
    }

    /// Takes the lock if it is free now: the test-and-set, one swap if the
    /// flag looks free.
    ///
    /// ```
    /// use polyconc::sync::RawSpinLock;
    /// let lock = RawSpinLock::new();
    /// assert!(lock.try_lock());
    /// assert!(!lock.try_lock());
    /// # lock.unlock().unwrap();
    /// ```
    #[inline]
    pub fn try_lock(&self) -> bool {
        !self.locked.load(Ordering::Relaxed) && !self.locked.swap(true, Ordering::Acquire)
    }

    lock_waits!(RawSpinLock, "spinning");

    /// A future that takes the lock and never sleeps: while the lock is
    /// held, it wakes its own task and returns `Pending`, so the executor
    /// polls it again (and runs other tasks in between). Dropping it has
    /// no effect.
    ///
    /// ```
    /// use polyconc::sync::RawSpinLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = RawSpinLock::new();
    /// block_on(lock.lock_async());
    /// assert!(lock.is_locked());
    /// # lock.unlock().unwrap();
    /// ```
    pub fn lock_async(&self) -> RawSpinLockFuture<'_> {
        RawSpinLockFuture { lock: self }
    }

    /// A future that takes the lock by re-polling, as
    /// [`lock_async`](RawSpinLock::lock_async)'s, and holds `self`
    /// meanwhile, so it borrows nothing: what a binding keeps in a pending
    /// operation object.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::RawSpinLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = Arc::new(RawSpinLock::new());
    /// block_on(Arc::clone(&lock).lock_owned_async());
    /// assert_eq!(lock.unlock(), Ok(()));
    /// ```
    pub fn lock_owned_async(self: std::sync::Arc<Self>) -> OwnedRawSpinLockFuture {
        OwnedRawSpinLockFuture { lock: self }
    }

    /// Releases the lock, whichever thread took it. [`NotLocked`] if it
    /// was not locked (nothing changes then).
    ///
    /// A look and then a store, as a guard's release is, not one
    /// read-modify-write: a second unlock after the lock is free is
    /// [`NotLocked`], but of two unlocks of one hold that run at the same
    /// instant, both may see it locked and both return `Ok`. Telling the
    /// two apart needs an atomic read-modify-write (loads and stores alone
    /// cannot): one more locked instruction per unlock, which about
    /// doubles what a lock and unlock cost. (Either way, an unlock of a
    /// hold the caller does not own may release another thread's hold,
    /// as with any lock that any thread may unlock.)
    ///
    /// ```
    /// use polyconc::sync::RawSpinLock;
    /// let lock = RawSpinLock::new();
    /// lock.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| lock.unlock().unwrap());
    /// });
    /// assert!(!lock.is_locked());
    /// ```
    #[inline]
    pub fn unlock(&self) -> Result<(), NotLocked> {
        if !self.locked.load(Ordering::Relaxed) {
            return Err(NotLocked);
        }
        self.release();
        Ok(())
    }

    /// Whether the lock is held (by anyone) right now.
    ///
    /// ```
    /// use polyconc::sync::RawSpinLock;
    /// assert!(!RawSpinLock::new().is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.locked.load(Ordering::Relaxed)
    }

    /// Releases a lock the caller holds (a guard): one store.
    #[inline]
    pub(super) fn release(&self) {
        self.locked.store(false, Ordering::Release);
    }

    /// One poll of a lock future: the lock, or `Pending` with the task
    /// woken at once so that it is polled again.
    pub(super) fn poll_lock(&self, cx: &mut Context<'_>) -> Poll<()> {
        if self.try_lock() {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    #[cold]
    #[inline(never)]
    fn lock_slow(&self, deadline: Deadline) -> bool {
        let mut spin = Spin::unbounded();
        loop {
            // The test: read-only, so waiters share the line while it is held.
            while self.locked.load(Ordering::Relaxed) {
                if deadline.is_past() {
                    return false;
                }
                spin.spin_or_yield();
            }
            if !self.locked.swap(true, Ordering::Acquire) {
                return true;
            }
        }
    }
}

impl Default for RawSpinLock {
    /// An unlocked spin lock.
    ///
    /// ```
    /// use polyconc::sync::RawSpinLock;
    /// assert!(!RawSpinLock::default().is_locked());
    /// ```
    fn default() -> Self {
        RawSpinLock::new()
    }
}

impl fmt::Debug for RawSpinLock {
    /// Shows whether it is locked now.
    ///
    /// ```
    /// use polyconc::sync::RawSpinLock;
    /// assert_eq!(format!("{:?}", RawSpinLock::new()), "RawSpinLock { locked: false }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawSpinLock")
            .field("locked", &self.is_locked())
            .finish()
    }
}

/// Takes a [`RawSpinLock`] when awaited, by re-polling; made by
/// [`RawSpinLock::lock_async`].
///
/// ```
/// use polyconc::sync::{RawSpinLock, RawSpinLockFuture};
/// fn is_send<F: Send>(_: &F) {}
/// let lock = RawSpinLock::new();
/// let fut: RawSpinLockFuture<'_> = lock.lock_async();
/// is_send(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RawSpinLockFuture<'a> {
    lock: &'a RawSpinLock,
}

impl fmt::Debug for RawSpinLockFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawSpinLockFuture").finish_non_exhaustive()
    }
}

impl Future for RawSpinLockFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.lock.poll_lock(cx)
    }
}

/// Takes a [`RawSpinLock`] when awaited, by re-polling, owning a handle to
/// it; made by [`RawSpinLock::lock_owned_async`]. Dropping it has no effect.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedRawSpinLockFuture, RawSpinLock};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut: OwnedRawSpinLockFuture = Arc::new(RawSpinLock::new()).lock_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedRawSpinLockFuture {
    lock: std::sync::Arc<RawSpinLock>,
}

impl fmt::Debug for OwnedRawSpinLockFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedRawSpinLockFuture")
            .finish_non_exhaustive()
    }
}

impl Future for OwnedRawSpinLockFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.lock.poll_lock(cx)
    }
}
