//! The owned forms of [`RwLock`]'s async locks: futures and guards that
//! hold the lock through an [`Arc`] instead of borrowing it (tokio's
//! `read_owned` / `write_owned`), for code that must keep them in a
//! `'static` place (a binding's pending operation, a spawned task).

use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::raw_rwlock::{Access, Pending};
use super::RwLock;

impl<T: ?Sized> RwLock<T> {
    /// A future of a read guard that holds `self`, so that neither it nor
    /// its [`OwnedRwLockReadGuard`] borrows anything. Dropped before it is
    /// ready, it leaves the lock as it was.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::RwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = Arc::new(RwLock::new(3));
    /// let guard = block_on(Arc::clone(&lock).read_owned_async());
    /// assert_eq!(*guard, 3);
    /// assert!(lock.try_write().is_none());
    /// drop(guard);
    /// assert!(lock.try_write().is_some());
    /// ```
    pub fn read_owned_async(self: Arc<Self>) -> OwnedRwLockReadFuture<T> {
        OwnedRwLockReadFuture {
            lock: Some(self),
            wait: Pending::new(Access::Read),
        }
    }

    /// A future of the write guard that holds `self`, so that neither it
    /// nor its [`OwnedRwLockWriteGuard`] borrows anything. Dropped before
    /// it is ready, it leaves the lock as it was.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::RwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = Arc::new(RwLock::new(3));
    /// let mut guard = block_on(Arc::clone(&lock).write_owned_async());
    /// *guard += 1;
    /// std::thread::spawn(move || drop(guard)).join().unwrap();
    /// assert_eq!(*lock.read(), 4);
    /// ```
    pub fn write_owned_async(self: Arc<Self>) -> OwnedRwLockWriteFuture<T> {
        OwnedRwLockWriteFuture {
            lock: Some(self),
            wait: Pending::new(Access::Write),
        }
    }
}

/// A read lock of an [`RwLock`] held through an [`Arc`]: derefs to the data
/// and unlocks on drop, without borrowing; made by
/// [`RwLock::read_owned_async`].
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedRwLockReadGuard, RwLock};
/// fn is_static<G: Send + 'static>(_: &G) {}
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let lock = Arc::new(RwLock::new(1));
/// let guard: OwnedRwLockReadGuard<i32> = block_on(Arc::clone(&lock).read_owned_async());
/// is_static(&guard);
/// assert_eq!(*guard, 1);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockReadGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

/// The write lock of an [`RwLock`] held through an [`Arc`]: derefs
/// (mutably) to the data and unlocks on drop, without borrowing; made by
/// [`RwLock::write_owned_async`].
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedRwLockWriteGuard, RwLock};
/// fn is_static<G: Send + 'static>(_: &G) {}
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let lock = Arc::new(RwLock::new(1));
/// let mut guard: OwnedRwLockWriteGuard<i32> = block_on(Arc::clone(&lock).write_owned_async());
/// is_static(&guard);
/// *guard = 2;
/// drop(guard);
/// assert_eq!(*lock.read(), 2);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
}

impl<T: ?Sized> Deref for OwnedRwLockReadGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: a read grant: no writer holds the lock, so no `&mut T`
        // exists.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockReadGuard<T> {
    fn drop(&mut self) {
        self.lock.raw.release(Access::Read);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockReadGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized> Deref for OwnedRwLockWriteGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the write grant: nobody else holds the lock.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedRwLockWriteGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the write grant, and `&mut self` makes this the only
        // reference through the guard.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.raw.release(Access::Write);
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedRwLockWriteGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Read-locks an [`RwLock`] held through an [`Arc`] when awaited; made by
/// [`RwLock::read_owned_async`].
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::RwLock;
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut = Arc::new(RwLock::new(0)).read_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedRwLockReadFuture<T: ?Sized> {
    /// `None` once it has become the guard.
    lock: Option<Arc<RwLock<T>>>,
    wait: Pending,
}

/// Write-locks an [`RwLock`] held through an [`Arc`] when awaited; made by
/// [`RwLock::write_owned_async`].
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::RwLock;
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut = Arc::new(RwLock::new(0)).write_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedRwLockWriteFuture<T: ?Sized> {
    /// `None` once it has become the guard.
    lock: Option<Arc<RwLock<T>>>,
    wait: Pending,
}

/// One poll of an owned lock future: the lock itself once granted.
fn poll_owned<T: ?Sized>(
    lock: &mut Option<Arc<RwLock<T>>>,
    wait: &mut Pending,
    cx: &mut Context<'_>,
) -> Poll<Arc<RwLock<T>>> {
    let held = lock.as_ref().expect("polled after it was ready");
    wait.poll(&held.raw, cx)
        .map(|()| lock.take().expect("checked above"))
}

impl<T: ?Sized> Future for OwnedRwLockReadFuture<T> {
    type Output = OwnedRwLockReadGuard<T>;

    /// # Panics
    /// If polled again after it was ready, as a future may.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_owned(&mut this.lock, &mut this.wait, cx).map(|lock| OwnedRwLockReadGuard { lock })
    }
}

impl<T: ?Sized> Future for OwnedRwLockWriteFuture<T> {
    type Output = OwnedRwLockWriteGuard<T>;

    /// # Panics
    /// If polled again after it was ready, as a future may.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        poll_owned(&mut this.lock, &mut this.wait, cx).map(|lock| OwnedRwLockWriteGuard { lock })
    }
}

impl<T: ?Sized> Drop for OwnedRwLockReadFuture<T> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            self.wait.cancel(&lock.raw);
        }
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteFuture<T> {
    fn drop(&mut self) {
        if let Some(lock) = &self.lock {
            self.wait.cancel(&lock.raw);
        }
    }
}

impl<T: ?Sized> fmt::Debug for OwnedRwLockReadFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedRwLockReadFuture")
            .field("queued", &self.wait.is_queued())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> fmt::Debug for OwnedRwLockWriteFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedRwLockWriteFuture")
            .field("queued", &self.wait.is_queued())
            .finish_non_exhaustive()
    }
}
