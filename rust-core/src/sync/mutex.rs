//! [`Mutex<T>`]: data behind a [`RawMutex`].

use std::cell::UnsafeCell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::raw_mutex::{Acquiring, RawLockFuture, RawMutex};
use crate::wait::{const_fn_unless_loom, Deadline, Wait};

/// A mutual-exclusion lock protecting a `T`.
///
/// [`lock`](Mutex::lock) gives the guard itself: there is no poisoning
/// (a panic while holding the guard just releases the lock), so there is
/// no `Result` to unwrap. The fast path is one CAS; a contended `lock`
/// spins briefly while nobody is queued, then sleeps in a FIFO queue.
/// Released, the lock goes to whoever takes it first (a running thread
/// usually beats a woken one, which keeps the lock busy), but a waiter
/// that has waited about a millisecond is handed it directly, so nobody
/// starves.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::Mutex;
///
/// let counter = Arc::new(Mutex::new(0));
/// let handles: Vec<_> = (0..4)
///     .map(|_| {
///         let counter = Arc::clone(&counter);
///         std::thread::spawn(move || *counter.lock() += 1)
///     })
///     .collect();
/// handles.into_iter().for_each(|h| h.join().unwrap());
/// assert_eq!(*counter.lock(), 4);
/// ```
pub struct Mutex<T: ?Sized> {
    raw: RawMutex,
    data: UnsafeCell<T>,
}

// SAFETY: the lock gives one thread at a time access to the T, which may
// be a different thread each time: T: Send suffices, as for std's Mutex.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// The lock of a [`Mutex`], held: derefs to the data and unlocks on drop.
/// It may be sent to another thread (when `T: Send`) and dropped there.
///
/// ```
/// use polyconc::sync::Mutex;
/// let m = Mutex::new(vec![1]);
/// let mut guard = m.lock();
/// guard.push(2);
/// drop(guard);
/// assert_eq!(*m.lock(), [1, 2]);
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Sync only when T is (the guard hands out `&T`), Send only when T
    /// is (it hands out `&mut T` wherever it goes).
    _data: PhantomData<&'a mut T>,
}

impl<T> Mutex<T> {
    const_fn_unless_loom! {
        /// A mutex holding `value`, unlocked. Usable in a `static`.
        ///
        /// ```
        /// use polyconc::sync::Mutex;
        /// static NAMES: Mutex<Vec<&str>> = Mutex::new(Vec::new());
        /// NAMES.lock().push("a");
        /// assert_eq!(NAMES.lock().len(), 1);
        /// ```
        pub fn new(value: T) -> Mutex<T> {
            Mutex {
                raw: RawMutex::new(),
                data: UnsafeCell::new(value),
            }
        }
    }

    /// The data, the mutex consumed.
    ///
    /// ```
    /// use polyconc::sync::Mutex;
    /// assert_eq!(Mutex::new(5).into_inner(), 5);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    fn guard(&self) -> MutexGuard<'_, T> {
        MutexGuard {
            mutex: self,
            _data: PhantomData,
        }
    }

    /// Locks, blocking until the lock is free.
    ///
    /// ```
    /// use polyconc::sync::Mutex;
    /// let m = Mutex::new(1);
    /// *m.lock() += 1;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.raw.lock();
        self.guard()
    }

    /// Locks if the lock is free now.
    ///
    /// ```
    /// use polyconc::sync::Mutex;
    /// let m = Mutex::new(());
    /// let held = m.lock();
    /// assert!(m.try_lock().is_none());
    /// drop(held);
    /// assert!(m.try_lock().is_some());
    /// ```
    #[inline]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.raw.try_lock().then(|| self.guard())
    }

    /// Locks, waiting as `wait` says; `None` if it did not get the lock.
    ///
    /// ```
    /// use polyconc::{sync::Mutex, Wait};
    /// let m = Mutex::new(0);
    /// let held = m.lock_with(Wait::FOREVER).unwrap();
    /// assert!(m.lock_with(Wait::Now).is_none());
    /// # drop(held);
    /// ```
    pub fn lock_with(&self, wait: Wait) -> Option<MutexGuard<'_, T>> {
        self.raw.lock_with(wait).then(|| self.guard())
    }

    /// Locks, waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::Mutex;
    /// let m = Mutex::new(0);
    /// let held = m.lock();
    /// assert!(m.lock_timeout(Duration::from_millis(1)).is_none());
    /// drop(held);
    /// assert!(m.lock_timeout(Duration::from_millis(1)).is_some());
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> Option<MutexGuard<'_, T>> {
        self.lock_with(Wait::timeout(timeout))
    }

    /// Locks, waiting until `deadline` at most.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::sync::Mutex;
    /// let m = Mutex::new(0);
    /// assert!(m.lock_deadline(Instant::now() + Duration::from_secs(1)).is_some());
    /// ```
    pub fn lock_deadline(&self, deadline: Instant) -> Option<MutexGuard<'_, T>> {
        self.lock_with(Wait::Until(Deadline::at(deadline)))
    }

    /// A `Send` future of the guard. Dropped before it is ready, it leaves
    /// the lock as it was (a lock handed to it meanwhile passes on).
    ///
    /// ```
    /// use polyconc::sync::Mutex;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let m = Mutex::new(String::new());
    /// block_on(m.lock_async()).push('x');
    /// assert_eq!(*m.lock(), "x");
    /// ```
    pub fn lock_async(&self) -> MutexLockFuture<'_, T> {
        MutexLockFuture {
            mutex: self,
            raw: self.raw.lock_async(),
        }
    }

    /// A future that locks the mutex and holds `self` meanwhile, so that
    /// neither it nor its [`OwnedMutexGuard`] borrows anything (tokio's
    /// `lock_owned`). Dropped before it is ready, it leaves the lock as it
    /// was.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::Mutex;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let m = Arc::new(Mutex::new(1));
    /// let mut guard = block_on(Arc::clone(&m).lock_owned_async());
    /// *guard += 1;
    /// std::thread::spawn(move || drop(guard)).join().unwrap();
    /// assert_eq!(*m.lock(), 2);
    /// ```
    pub fn lock_owned_async(self: Arc<Self>) -> OwnedMutexLockFuture<T> {
        OwnedMutexLockFuture {
            mutex: Some(self),
            acquiring: Acquiring::default(),
        }
    }

    /// The data, through the exclusive borrow (no locking needed).
    ///
    /// ```
    /// use polyconc::sync::Mutex;
    /// let mut m = Mutex::new(1);
    /// *m.get_mut() = 2;
    /// assert_eq!(*m.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// The lock under the data, for [`Condvar`](super::Condvar).
    pub(super) fn raw(&self) -> &RawMutex {
        &self.raw
    }
}

impl<T: Default> Default for Mutex<T> {
    /// A mutex holding `T::default()`.
    ///
    /// ```
    /// use polyconc::sync::Mutex;
    /// let m: Mutex<u8> = Mutex::default();
    /// assert_eq!(*m.lock(), 0);
    /// ```
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    /// Shows the data if the lock is free now, `<locked>` otherwise.
    ///
    /// ```
    /// use polyconc::sync::Mutex;
    /// let m = Mutex::new(3);
    /// assert_eq!(format!("{m:?}"), "Mutex { data: 3 }");
    /// let _held = m.lock();
    /// assert_eq!(format!("{m:?}"), "Mutex { data: <locked> }");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => d.field("data", &&*guard),
            None => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard holds, for [`Condvar`](super::Condvar).
    pub(super) fn mutex(&self) -> &'a Mutex<T> {
        self.mutex
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no `&mut T` exists elsewhere.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` makes this the
        // only reference through it.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.raw.release();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Locks a [`Mutex`] when awaited; made by [`Mutex::lock_async`].
///
/// ```
/// use polyconc::sync::Mutex;
/// fn is_send<F: Send>(_: &F) {}
/// let m = Mutex::new(0);
/// let fut = m.lock_async();
/// is_send(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct MutexLockFuture<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    raw: RawLockFuture<'a>,
}

impl<T: ?Sized> fmt::Debug for MutexLockFuture<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLockFuture")
            .field("raw", &self.raw)
            .finish_non_exhaustive()
    }
}

impl<'a, T: ?Sized> Future for MutexLockFuture<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Pin::new(&mut this.raw)
            .poll(cx)
            .map(|()| this.mutex.guard())
    }
}

/// The lock of a [`Mutex`] held through an [`Arc`]: derefs to the data and
/// unlocks on drop, like [`MutexGuard`], without borrowing; made by
/// [`Mutex::lock_owned_async`].
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{Mutex, OwnedMutexGuard};
/// fn is_static<G: Send + 'static>(_: &G) {}
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let m = Arc::new(Mutex::new(0));
/// let guard: OwnedMutexGuard<i32> = block_on(Arc::clone(&m).lock_owned_async());
/// is_static(&guard);
/// assert!(m.try_lock().is_none());
/// drop(guard);
/// assert!(m.try_lock().is_some());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct OwnedMutexGuard<T: ?Sized> {
    mutex: Arc<Mutex<T>>,
}

// SAFETY: the guard hands out `&mut T` wherever it goes (T: Send), and
// shared, `&T` (T: Sync). Without these, `Arc<Mutex<T>>` would make it
// Sync for any `T: Send`, sharing a `Cell` across threads.
unsafe impl<T: ?Sized + Send> Send for OwnedMutexGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedMutexGuard<T> {}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard holds.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::Mutex;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let m = Arc::new(Mutex::new(0));
    /// let guard = block_on(Arc::clone(&m).lock_owned_async());
    /// assert!(Arc::ptr_eq(guard.mutex(), &m));
    /// ```
    pub fn mutex(&self) -> &Arc<Mutex<T>> {
        &self.mutex
    }
}

impl<T: ?Sized> Deref for OwnedMutexGuard<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no `&mut T` exists elsewhere.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for OwnedMutexGuard<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` makes this the
        // only reference through it.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    #[inline]
    fn drop(&mut self) {
        self.mutex.raw.release();
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for OwnedMutexGuard<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Locks a [`Mutex`] held through an [`Arc`] when awaited; made by
/// [`Mutex::lock_owned_async`].
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::Mutex;
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut = Arc::new(Mutex::new(0)).lock_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedMutexLockFuture<T: ?Sized> {
    /// `None` once it has become the guard.
    mutex: Option<Arc<Mutex<T>>>,
    acquiring: Acquiring,
}

impl<T: ?Sized> fmt::Debug for OwnedMutexLockFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedMutexLockFuture")
            .field("ready", &self.mutex.is_none())
            .finish_non_exhaustive()
    }
}

impl<T: ?Sized> Future for OwnedMutexLockFuture<T> {
    type Output = OwnedMutexGuard<T>;

    /// # Panics
    /// If polled again after it was ready, as a future may.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mutex = this.mutex.as_ref().expect("polled after it was ready");
        match this.acquiring.poll(&mutex.raw, cx) {
            Poll::Ready(()) => Poll::Ready(OwnedMutexGuard {
                mutex: this.mutex.take().expect("checked above"),
            }),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: ?Sized> Drop for OwnedMutexLockFuture<T> {
    fn drop(&mut self) {
        if let Some(mutex) = &self.mutex {
            self.acquiring.cancel(&mutex.raw);
        }
    }
}
