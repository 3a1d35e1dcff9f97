//! [`SpinLock<T>`]: data behind a [`RawSpinLock`], a lock that never
//! sleeps.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::RawSpinLock;
use crate::wait::{const_fn_unless_loom, Deadline, Wait};

/// A spin lock protecting a `T`, with the API of [`Mutex`](super::Mutex).
///
/// Test-and-test-and-set (see [`RawSpinLock`], which it is built on): it
/// never parks, so a waiter burns CPU time for as long as the holder
/// holds; and its [`lock_async`](SpinLock::lock_async) future
/// re-polls itself (it wakes its own task at once) instead of sleeping.
///
/// It is here as the experiment's exhibit, not as a default: it can beat a
/// parking lock when critical sections are a few instructions long and
/// every thread has its own CPU, and loses badly when a holder is
/// descheduled. Prefer [`Mutex`](super::Mutex).
///
/// ```
/// use polyconc::sync::SpinLock;
/// let lock = SpinLock::new(0);
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| *lock.lock() += 1);
///     }
/// });
/// assert_eq!(lock.into_inner(), 4);
/// ```
pub struct SpinLock<T: ?Sized> {
    raw: RawSpinLock,
    data: UnsafeCell<T>,
}

// SAFETY: the lock gives one thread at a time access to the T: T: Send.
unsafe impl<T: ?Sized + Send> Send for SpinLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for SpinLock<T> {}

/// The lock of a [`SpinLock`], held: derefs to the data and unlocks on drop.
///
/// ```
/// use polyconc::sync::SpinLock;
/// let lock = SpinLock::new(1);
/// let mut guard = lock.lock();
/// *guard += 1;
/// drop(guard);
/// assert_eq!(*lock.lock(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct SpinLockGuard<'a, T: ?Sized> {
    lock: &'a SpinLock<T>,
    _data: PhantomData<&'a mut T>,
}

impl<T> SpinLock<T> {
    const_fn_unless_loom! {
        /// A spin lock holding `value`, unlocked.
        ///
        /// ```
        /// use polyconc::sync::SpinLock;
        /// static HITS: SpinLock<u64> = SpinLock::new(0);
        /// *HITS.lock() += 1;
        /// assert_eq!(*HITS.lock(), 1);
        /// ```
        pub fn new(value: T) -> SpinLock<T> {
            SpinLock {
                raw: RawSpinLock::new(),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// The data, the lock consumed.
    ///
    /// ```
    /// use polyconc::sync::SpinLock;
    /// assert_eq!(SpinLock::new('a').into_inner(), 'a');
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> SpinLock<T> {
    fn guard(&self) -> SpinLockGuard<'_, T> {
        SpinLockGuard {
            lock: self,
            _data: PhantomData,
        }
    }

    /// Locks, spinning (and yielding) until the lock is free.
    ///
    /// ```
    /// use polyconc::sync::SpinLock;
    /// let lock = SpinLock::new(vec![]);
    /// lock.lock().push(1);
    /// assert_eq!(lock.lock().len(), 1);
    /// ```
    #[inline]
    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        self.raw.lock();
        self.guard()
    }

    /// Locks if the lock is free now.
    ///
    /// ```
    /// use polyconc::sync::SpinLock;
    /// let lock = SpinLock::new(());
    /// let held = lock.try_lock().unwrap();
    /// assert!(lock.try_lock().is_none());
    /// # drop(held);
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<SpinLockGuard<'_, T>> {
        self.raw.try_lock().then(|| self.guard())
    }

    /// Locks, waiting as `wait` says; `None` if it did not get the lock.
    ///
    /// ```
    /// use polyconc::{sync::SpinLock, Wait};
    /// let lock = SpinLock::new(0);
    /// let held = lock.lock_with(Wait::FOREVER).unwrap();
    /// assert!(lock.lock_with(Wait::Now).is_none());
    /// # drop(held);
    /// ```
    pub fn lock_with(&self, wait: Wait) -> Option<SpinLockGuard<'_, T>> {
        self.raw.lock_with(wait).then(|| self.guard())
    }

    /// Locks, spinning at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::SpinLock;
    /// let lock = SpinLock::new(0);
    /// let held = lock.lock();
    /// assert!(lock.lock_timeout(Duration::from_millis(1)).is_none());
    /// # drop(held);
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> Option<SpinLockGuard<'_, T>> {
        self.lock_with(Wait::timeout(timeout))
    }

    /// Locks, spinning until `deadline` at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::SpinLock;
    /// let lock = SpinLock::new(0);
    /// assert!(lock.lock_deadline(Instant::now()).is_some());
    /// ```
    pub fn lock_deadline(&self, deadline: Instant) -> Option<SpinLockGuard<'_, T>> {
        self.lock_with(Wait::Until(Deadline::at(deadline)))
    }

    /// A future of the guard that never sleeps: while the lock is held, it
    /// wakes its own task and returns `Pending`, so the executor polls it
    /// again (and runs other tasks in between). Dropping it has no effect.
    ///
    /// ```
    /// use polyconc::sync::SpinLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = SpinLock::new(1);
    /// *block_on(lock.lock_async()) += 1;
    /// assert_eq!(*lock.lock(), 2);
    /// ```
    pub fn lock_async(&self) -> SpinLockFuture<'_, T> {
        SpinLockFuture { lock: self }
    }

    /// The data, through the exclusive borrow.
    ///
    /// ```
    /// use polyconc::sync::SpinLock;
    /// let mut lock = SpinLock::new(1);
    /// *lock.get_mut() = 3;
    /// assert_eq!(*lock.lock(), 3);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for SpinLock<T> {
    /// A spin lock holding `T::default()`.
    ///
    /// ```
    /// use polyconc::sync::SpinLock;
    /// let lock: SpinLock<i32> = SpinLock::default();
    /// assert_eq!(*lock.lock(), 0);
    /// ```
    fn default() -> Self {
        SpinLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for SpinLock<T> {
    /// Shows the data if the lock is free now, `<locked>` otherwise.
    ///
    /// ```
    /// use polyconc::sync::SpinLock;
    /// assert_eq!(format!("{:?}", SpinLock::new(1)), "SpinLock { data: 1 }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("SpinLock");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no `&mut T` exists elsewhere.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` makes this the
        // only reference through it.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for SpinLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.lock.raw.release();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for SpinLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Locks a [`SpinLock`] when awaited, by re-polling; made by
/// [`SpinLock::lock_async`].
///
/// ```
/// use polyconc::sync::SpinLock;
/// fn is_send<F: Send>(_: &F) {}
/// let lock = SpinLock::new(0);
/// is_send(&lock.lock_async());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SpinLockFuture<'a, T: ?Sized> {
    lock: &'a SpinLock<T>,
}

impl<T: ?Sized> fmt::Debug for SpinLockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpinLockFuture").finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> Future for SpinLockFuture<'a, T> {
    type Output = SpinLockGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let lock = self.lock;
        lock.raw.poll_lock(cx).map(|()| lock.guard())
    }
}
