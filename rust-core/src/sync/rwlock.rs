//! [`RwLock<T>`]: data behind a [`RawRwLock`], many readers or one
//! writer, and no writer starves.

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::raw_rwlock::{Access, Pending};
use super::RawRwLock;
use crate::wait::{const_fn_unless_loom, Deadline, Wait};

/// A reader-writer lock protecting a `T`: any number of readers at once,
/// or one writer.
///
/// A writer that waits blocks readers that come after it, so a stream of
/// readers cannot starve writers; waiters are handed the lock in the order
/// they came (the readers queued together get it together). There is no
/// poisoning.
///
/// ```
/// use polyconc::sync::RwLock;
///
/// let lock = RwLock::new(5);
/// {
///     let a = lock.read();
///     let b = lock.read();
///     assert_eq!(*a + *b, 10);
/// }
/// *lock.write() += 1;
/// assert_eq!(*lock.read(), 6);
/// ```
pub struct RwLock<T: ?Sized> {
    raw: RawRwLock,
    data: UnsafeCell<T>,
}

// SAFETY: a writer gets `&mut T` (T: Send, it may be another thread each
// time), readers share `&T` across threads (T: Sync).
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

/// A read lock of an [`RwLock`], held: derefs to the data and unlocks on
/// drop.
///
/// ```
/// use polyconc::sync::RwLock;
/// let lock = RwLock::new("x");
/// let guard = lock.read();
/// assert_eq!(*guard, "x");
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    _data: PhantomData<&'a T>,
}

/// The write lock of an [`RwLock`], held: derefs (mutably) to the data and
/// unlocks on drop.
///
/// ```
/// use polyconc::sync::RwLock;
/// let lock = RwLock::new(0);
/// *lock.write() = 1;
/// assert_eq!(*lock.read(), 1);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    _data: PhantomData<&'a mut T>,
}

impl<T> RwLock<T> {
    const_fn_unless_loom! {
        /// A lock holding `value`, unlocked.
        ///
        /// ```
        /// use polyconc::sync::RwLock;
        /// static CONFIG: RwLock<u32> = RwLock::new(1);
        /// assert_eq!(*CONFIG.read(), 1);
        /// ```
        pub fn new(value: T) -> RwLock<T> {
            RwLock {
                raw: RawRwLock::new(),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// The data, the lock consumed.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// assert_eq!(RwLock::new(2).into_inner(), 2);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            lock: self,
            _data: PhantomData,
        }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            lock: self,
            _data: PhantomData,
        }
    }

    /// Read-locks, blocking while a writer holds or waits for the lock.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(1);
    /// assert_eq!(*lock.read(), 1);
    /// ```
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.raw.read();
        self.read_guard()
    }

    /// Read-locks if that is possible now (no writer holds or waits).
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(1);
    /// let w = lock.write();
    /// assert!(lock.try_read().is_none());
    /// drop(w);
    /// assert!(lock.try_read().is_some());
    /// ```
    pub fn try_read(&self) -> Option<RwLockReadGuard<'_, T>> {
        self.read_with(Wait::Now)
    }

    /// Read-locks, waiting as `wait` says; `None` if it did not get the lock.
    ///
    /// ```
    /// use polyconc::{sync::RwLock, Wait};
    /// let lock = RwLock::new(1);
    /// assert!(lock.read_with(Wait::FOREVER).is_some());
    /// ```
    pub fn read_with(&self, wait: Wait) -> Option<RwLockReadGuard<'_, T>> {
        self.raw.read_with(wait).then(|| self.read_guard())
    }

    /// Read-locks, waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(1);
    /// let w = lock.write();
    /// assert!(lock.read_timeout(Duration::from_millis(1)).is_none());
    /// # drop(w);
    /// ```
    pub fn read_timeout(&self, timeout: Duration) -> Option<RwLockReadGuard<'_, T>> {
        self.read_with(Wait::timeout(timeout))
    }

    /// Read-locks, waiting until `deadline` at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(1);
    /// assert!(lock.read_deadline(Instant::now()).is_some());
    /// ```
    pub fn read_deadline(&self, deadline: Instant) -> Option<RwLockReadGuard<'_, T>> {
        self.read_with(Wait::Until(Deadline::at(deadline)))
    }

    /// A `Send` future of a read guard (when `T: Sync`). Dropped before it
    /// is ready, it leaves the lock as it was: a grant it got meanwhile is
    /// released.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = RwLock::new(3);
    /// assert_eq!(*block_on(lock.read_async()), 3);
    /// ```
    pub fn read_async(&self) -> RwLockReadFuture<'_, T> {
        RwLockReadFuture {
            lock: self,
            wait: Pending::new(Access::Read),
        }
    }

    /// Write-locks, blocking until no reader or writer holds the lock.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(vec![]);
    /// lock.write().push(1);
    /// assert_eq!(*lock.read(), [1]);
    /// ```
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.raw.write();
        self.write_guard()
    }

    /// Write-locks if the lock is free now.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(1);
    /// let r = lock.read();
    /// assert!(lock.try_write().is_none());
    /// drop(r);
    /// assert!(lock.try_write().is_some());
    /// ```
    pub fn try_write(&self) -> Option<RwLockWriteGuard<'_, T>> {
        self.write_with(Wait::Now)
    }

    /// Write-locks, waiting as `wait` says; `None` if it did not get the lock.
    ///
    /// ```
    /// use polyconc::{sync::RwLock, Wait};
    /// let lock = RwLock::new(1);
    /// assert!(lock.write_with(Wait::FOREVER).is_some());
    /// ```
    pub fn write_with(&self, wait: Wait) -> Option<RwLockWriteGuard<'_, T>> {
        self.raw.write_with(wait).then(|| self.write_guard())
    }

    /// Write-locks, waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(1);
    /// let r = lock.read();
    /// assert!(lock.write_timeout(Duration::from_millis(1)).is_none());
    /// # drop(r);
    /// ```
    pub fn write_timeout(&self, timeout: Duration) -> Option<RwLockWriteGuard<'_, T>> {
        self.write_with(Wait::timeout(timeout))
    }

    /// Write-locks, waiting until `deadline` at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::RwLock;
    /// let lock = RwLock::new(1);
    /// assert!(lock.write_deadline(Instant::now()).is_some());
    /// ```
    pub fn write_deadline(&self, deadline: Instant) -> Option<RwLockWriteGuard<'_, T>> {
        self.write_with(Wait::Until(Deadline::at(deadline)))
    }

    /// A `Send` future of the write guard (when `T: Send`). Dropped before
    /// it is ready, it leaves the lock as it was.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = RwLock::new(3);
    /// *block_on(lock.write_async()) += 1;
    /// assert_eq!(*lock.read(), 4);
    /// ```
    pub fn write_async(&self) -> RwLockWriteFuture<'_, T> {
        RwLockWriteFuture {
            lock: self,
            wait: Pending::new(Access::Write),
        }
    }

    /// The data, through the exclusive borrow.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// let mut lock = RwLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(*lock.read(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for RwLock<T> {
    /// A lock holding `T::default()`.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// let lock: RwLock<String> = RwLock::default();
    /// assert!(lock.read().is_empty());
    /// ```
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    /// Shows the data if it can be read now, `<locked>` otherwise.
    ///
    /// ```
    /// use polyconc::sync::RwLock;
    /// assert_eq!(format!("{:?}", RwLock::new(1)), "RwLock { data: 1 }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<T: ?Sized> Deref for RwLockReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read grant: no writer holds the lock, so no `&mut T`
        // exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.release(Access::Read);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockReadGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Deref for RwLockWriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write grant: nobody else holds the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for RwLockWriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write grant, and `&mut self` makes this the only
        // reference through the guard.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for RwLockWriteGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.raw.release(Access::Write);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLockWriteGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Read-locks an [`RwLock`] when awaited; made by [`RwLock::read_async`].
///
/// ```
/// use polyconc::sync::RwLock;
/// fn is_send<F: Send>(_: &F) {}
/// let lock = RwLock::new(0);
/// is_send(&lock.read_async());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RwLockReadFuture<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    wait: Pending,
}

/// Write-locks an [`RwLock`] when awaited; made by [`RwLock::write_async`].
///
/// ```
/// use polyconc::sync::RwLock;
/// fn is_send<F: Send>(_: &F) {}
/// let lock = RwLock::new(0);
/// is_send(&lock.write_async());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RwLockWriteFuture<'a, T: ?Sized> {
    lock: &'a RwLock<T>,
    wait: Pending,
}

impl<'a, T: ?Sized> Future for RwLockReadFuture<'a, T> {
    type Output = RwLockReadGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.wait
            .poll(&this.lock.raw, cx)
            .map(|()| this.lock.read_guard())
    }
}

impl<'a, T: ?Sized> Future for RwLockWriteFuture<'a, T> {
    type Output = RwLockWriteGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.wait
            .poll(&this.lock.raw, cx)
            .map(|()| this.lock.write_guard())
    }
}

impl<T: ?Sized> fmt::Debug for RwLockReadFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockReadFuture")
            .field("queued", &self.wait.is_queued())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for RwLockWriteFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RwLockWriteFuture")
            .field("queued", &self.wait.is_queued())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> Drop for RwLockReadFuture<'_, T> {
    fn drop(&mut self) {
        self.wait.cancel(&self.lock.raw);
    }
}

impl<T: ?Sized> Drop for RwLockWriteFuture<'_, T> {
    fn drop(&mut self) {
        self.wait.cancel(&self.lock.raw);
    }
}
