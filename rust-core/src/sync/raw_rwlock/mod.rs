//! [`RawRwLock`]: the data-less reader-writer lock under
//! [`RwLock`](super::RwLock), and the one the bindings hand out.
//!
//! The state word counts readers and holds three bits: `WRITER` (write
//! locked), `PARKED` (the queue may hold waiters: a release must look) and
//! `WRITER_QUEUED` (a writer waits: new readers queue behind it instead of
//! joining the readers in). Waiters queue in one FIFO, readers and writers
//! alike, and are *handed* the lock in that order: when it frees up, the
//! first writer, or every reader up to the next writer, is granted it
//! before it wakes. The queue's bits are raised before a waiter's first
//! grant attempt and recomputed under the queue's lock after each, so a
//! release either sees them or happens before that attempt.
//!
//! Here: the type and its fast paths; in `slow.rs` the queueing and the
//! grants; in `future.rs` the async forms.

mod future;
mod slow;

use std::fmt;
use std::time::{Duration, Instant};

use super::NotLocked;
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::{const_fn_unless_loom, Deadline, Wait, WaitQueue};
pub(super) use future::Pending;
pub use future::{OwnedRawRwLockFuture, RawRwLockFuture};

const WRITER: usize = 1;
const PARKED: usize = 2;
const WRITER_QUEUED: usize = 4;
const ONE_READER: usize = 8;
const READERS: usize = !(ONE_READER - 1);

/// The case a waiter is claimed for: it was granted the lock.
const GRANTED: usize = 0;

/// What a waiter asks the lock for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Access {
    Read,
    Write,
}

/// A reader-writer lock without data, that any thread may unlock: any
/// number of readers at once, or one writer.
///
/// A writer that waits blocks readers that come after it, so a stream of
/// readers cannot starve writers; waiters are handed the lock in the order
/// they came (the readers queued together get it together). An unlock of a
/// hold nobody has is [`NotLocked`], never undefined behaviour; it is what
/// C's `pc_rwlock_*` and Python's `RwLock` need. For data, use
/// [`RwLock`](super::RwLock), built on it.
///
/// ```
/// use polyconc::sync::RawRwLock;
///
/// let lock = RawRwLock::new();
/// lock.read();
/// lock.read();
/// assert!(!lock.try_write());
/// assert_eq!(lock.unlock_read(), Ok(()));
/// assert_eq!(lock.unlock_read(), Ok(()));
/// assert!(lock.unlock_read().is_err());
/// lock.write();
/// assert!(!lock.try_read());
/// assert_eq!(lock.unlock_write(), Ok(()));
/// ```
pub struct RawRwLock {
    state: AtomicUsize,
    queue: WaitQueue<Access>,
}

impl RawRwLock {
    const_fn_unless_loom! {
        /// An unlocked lock.
        ///
        /// ```
        /// use polyconc::sync::RawRwLock;
        /// static LOCK: RawRwLock = RawRwLock::new();
        /// assert!(LOCK.try_read());
        /// # LOCK.unlock_read().unwrap();
        /// ```
        pub fn new() -> RawRwLock {
            RawRwLock {
                state: AtomicUsize::new(0),
                queue: WaitQueue::new(),
            }
        }
    }

    /// Takes a read hold, blocking while a writer holds or waits for the
    /// lock.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.read();
    /// assert_eq!(lock.reader_count(), 1);
    /// # lock.unlock_read().unwrap();
    /// ```
    #[inline]
    pub fn read(&self) {
        self.acquire(Access::Read, Wait::FOREVER);
    }

    /// Takes a read hold if that is possible now (no writer holds or
    /// waits); whether it was taken.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.write();
    /// assert!(!lock.try_read());
    /// lock.unlock_write().unwrap();
    /// assert!(lock.try_read());
    /// # lock.unlock_read().unwrap();
    /// ```
    #[inline]
    pub fn try_read(&self) -> bool {
        self.try_acquire(Access::Read)
    }

    /// Takes a read hold, waiting as `wait` says; whether it was taken.
    ///
    /// ```
    /// use polyconc::{sync::RawRwLock, Wait};
    /// let lock = RawRwLock::new();
    /// assert!(lock.read_with(Wait::FOREVER));
    /// # lock.unlock_read().unwrap();
    /// ```
    pub fn read_with(&self, wait: Wait) -> bool {
        self.acquire(Access::Read, wait)
    }

    /// Takes a read hold, waiting at most `timeout`; whether it was taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.write();
    /// assert!(!lock.read_timeout(Duration::from_millis(1)));
    /// # lock.unlock_write().unwrap();
    /// ```
    pub fn read_timeout(&self, timeout: Duration) -> bool {
        self.read_with(Wait::timeout(timeout))
    }

    /// Takes a read hold, waiting until `deadline` at most; whether it was
    /// taken.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// assert!(lock.read_deadline(Instant::now()));
    /// # lock.unlock_read().unwrap();
    /// ```
    pub fn read_deadline(&self, deadline: Instant) -> bool {
        self.read_with(Wait::Until(Deadline::at(deadline)))
    }

    /// A future that takes a read hold. Dropped before it is ready, it
    /// leaves the lock as it was: a grant it got meanwhile is released.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = RawRwLock::new();
    /// block_on(lock.read_async());
    /// assert_eq!(lock.reader_count(), 1);
    /// # lock.unlock_read().unwrap();
    /// ```
    pub fn read_async(&self) -> RawRwLockFuture<'_> {
        RawRwLockFuture {
            lock: self,
            pending: Pending::new(Access::Read),
        }
    }

    /// A future that takes a read hold and holds `self` meanwhile, so it
    /// borrows nothing: what a binding keeps in a pending operation object.
    /// Dropped before it is ready, it leaves the lock as it was, as
    /// [`read_async`](RawRwLock::read_async)'s does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::RawRwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = Arc::new(RawRwLock::new());
    /// block_on(Arc::clone(&lock).read_owned_async());
    /// assert_eq!(lock.unlock_read(), Ok(()));
    /// ```
    pub fn read_owned_async(self: std::sync::Arc<Self>) -> OwnedRawRwLockFuture {
        OwnedRawRwLockFuture {
            lock: self,
            pending: Pending::new(Access::Read),
        }
    }

    /// A future that takes the write hold and holds `self` meanwhile, so
    /// it borrows nothing. Dropped before it is ready, it leaves the lock
    /// as it was.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::RawRwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = Arc::new(RawRwLock::new());
    /// block_on(Arc::clone(&lock).write_owned_async());
    /// assert_eq!(lock.unlock_write(), Ok(()));
    /// ```
    pub fn write_owned_async(self: std::sync::Arc<Self>) -> OwnedRawRwLockFuture {
        OwnedRawRwLockFuture {
            lock: self,
            pending: Pending::new(Access::Write),
        }
    }

    /// Releases one read hold, whichever thread took it. [`NotLocked`] if
    /// no read hold is taken (nothing changes then).
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.read();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| lock.unlock_read().unwrap());
    /// });
    /// assert_eq!(lock.reader_count(), 0);
    /// assert!(lock.unlock_read().is_err());
    /// ```
    #[inline]
    pub fn unlock_read(&self) -> Result<(), NotLocked> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & READERS == 0 {
                return Err(NotLocked);
            }
            match self.state.compare_exchange_weak(
                state,
                state - ONE_READER,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        self.after_read_release(state);
        Ok(())
    }

    /// Takes the write hold, blocking until no reader or writer holds the
    /// lock.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.write();
    /// assert!(lock.is_write_locked());
    /// # lock.unlock_write().unwrap();
    /// ```
    #[inline]
    pub fn write(&self) {
        self.acquire(Access::Write, Wait::FOREVER);
    }

    /// Takes the write hold if the lock is free now; whether it was taken.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.read();
    /// assert!(!lock.try_write());
    /// lock.unlock_read().unwrap();
    /// assert!(lock.try_write());
    /// # lock.unlock_write().unwrap();
    /// ```
    #[inline]
    pub fn try_write(&self) -> bool {
        self.try_acquire(Access::Write)
    }

    /// Takes the write hold, waiting as `wait` says; whether it was taken.
    ///
    /// ```
    /// use polyconc::{sync::RawRwLock, Wait};
    /// let lock = RawRwLock::new();
    /// assert!(lock.write_with(Wait::FOREVER));
    /// assert!(!lock.write_with(Wait::Now));
    /// # lock.unlock_write().unwrap();
    /// ```
    pub fn write_with(&self, wait: Wait) -> bool {
        self.acquire(Access::Write, wait)
    }

    /// Takes the write hold, waiting at most `timeout`; whether it was
    /// taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.read();
    /// assert!(!lock.write_timeout(Duration::from_millis(1)));
    /// # lock.unlock_read().unwrap();
    /// ```
    pub fn write_timeout(&self, timeout: Duration) -> bool {
        self.write_with(Wait::timeout(timeout))
    }

    /// Takes the write hold, waiting until `deadline` at most; whether it
    /// was taken.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// assert!(lock.write_deadline(Instant::now()));
    /// # lock.unlock_write().unwrap();
    /// ```
    pub fn write_deadline(&self, deadline: Instant) -> bool {
        self.write_with(Wait::Until(Deadline::at(deadline)))
    }

    /// A future that takes the write hold. Dropped before it is ready, it
    /// leaves the lock as it was.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let lock = RawRwLock::new();
    /// block_on(lock.write_async());
    /// assert!(lock.is_write_locked());
    /// # lock.unlock_write().unwrap();
    /// ```
    pub fn write_async(&self) -> RawRwLockFuture<'_> {
        RawRwLockFuture {
            lock: self,
            pending: Pending::new(Access::Write),
        }
    }

    /// Releases the write hold, whichever thread took it. [`NotLocked`] if
    /// it is not taken (nothing changes then).
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// lock.write();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| lock.unlock_write().unwrap());
    /// });
    /// assert!(!lock.is_write_locked());
    /// assert!(lock.unlock_write().is_err());
    /// ```
    #[inline]
    pub fn unlock_write(&self) -> Result<(), NotLocked> {
        match self
            .state
            .compare_exchange(WRITER, 0, Ordering::Release, Ordering::Relaxed)
        {
            Ok(_) => Ok(()),
            Err(state) if state & WRITER == 0 => Err(NotLocked),
            Err(_) => self.release_slow(Some(Access::Write)),
        }
    }

    /// How many read holds are taken right now (a snapshot).
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// assert!(lock.try_read() && lock.try_read());
    /// assert_eq!(lock.reader_count(), 2);
    /// # lock.unlock_read().unwrap();
    /// # lock.unlock_read().unwrap();
    /// ```
    pub fn reader_count(&self) -> usize {
        (self.state.load(Ordering::Relaxed) & READERS) / ONE_READER
    }

    /// Whether the write hold is taken right now.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// let lock = RawRwLock::new();
    /// assert!(!lock.is_write_locked());
    /// ```
    pub fn is_write_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & WRITER != 0
    }

    /// Takes the lock for `access` if that is possible without waiting.
    #[inline]
    fn try_acquire(&self, access: Access) -> bool {
        let state = self.state.load(Ordering::Relaxed);
        let new = match access {
            Access::Read if state & (WRITER | WRITER_QUEUED) == 0 => state + ONE_READER,
            Access::Write if state & (WRITER | READERS) == 0 => state | WRITER,
            _ => return false,
        };
        self.state
            .compare_exchange(state, new, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    #[inline]
    fn acquire(&self, access: Access, wait: Wait) -> bool {
        wait.attempt(
            || self.try_acquire(access),
            |deadline| self.acquire_slow(access, deadline),
        )
    }

    /// Releases a hold the caller has (a guard, a future granted the lock).
    #[inline]
    pub(super) fn release(&self, access: Access) {
        match access {
            Access::Read => {
                let before = self.state.fetch_sub(ONE_READER, Ordering::Release);
                self.after_read_release(before);
            }
            Access::Write => {
                let released = self.unlock_write();
                debug_assert!(released.is_ok(), "a write guard's lock is write locked");
            }
        }
    }

    /// After a read hold was given back from `before`: the last reader
    /// out lets queued waiters in.
    #[inline]
    fn after_read_release(&self, before: usize) {
        if before & READERS == ONE_READER && before & PARKED != 0 {
            let _ = self.release_slow(None);
        }
    }
}

impl Default for RawRwLock {
    /// An unlocked lock.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// assert_eq!(RawRwLock::default().reader_count(), 0);
    /// ```
    fn default() -> Self {
        RawRwLock::new()
    }
}

impl fmt::Debug for RawRwLock {
    /// Shows the holds taken now.
    ///
    /// ```
    /// use polyconc::sync::RawRwLock;
    /// assert_eq!(
    ///     format!("{:?}", RawRwLock::new()),
    ///     "RawRwLock { readers: 0, writer: false, .. }"
    /// );
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRwLock")
            .field("readers", &self.reader_count())
            .field("writer", &self.is_write_locked())
            .finish_non_exhaustive()
    }
}
