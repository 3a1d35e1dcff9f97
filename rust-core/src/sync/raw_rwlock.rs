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

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::NotLocked;
use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::wait::{const_fn_unless_loom, Backoff, Deadline, Locked, Spin, Wait, WaitQueue, Waiter};

const WRITER: usize = 1;
const PARKED: usize = 2;
const WRITER_QUEUED: usize = 4;
const ONE_READER: usize = 8;
const READERS: usize = !(ONE_READER - 1);

/// The case a waiter is claimed for: it was granted the lock.
const GRANTED: usize = 0;

/// Spin steps before queueing, while nobody is queued.
const SPIN_STEPS: u32 = 10;

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
        if self.try_acquire(access) {
            return true;
        }
        match wait {
            Wait::Now => false,
            Wait::Until(deadline) => self.acquire_slow(access, deadline),
        }
    }

    #[cold]
    #[inline(never)]
    fn acquire_slow(&self, access: Access, deadline: Deadline) -> bool {
        let mut spin = Spin::new(SPIN_STEPS);
        while self.state.load(Ordering::Relaxed) & PARKED == 0 && spin.spin() {
            if self.try_acquire(access) {
                return true;
            }
        }
        if deadline.is_past() {
            return self.try_acquire(access);
        }
        let waiter = Waiter::for_thread();
        self.enqueue(&waiter, access);
        if waiter.wait(Backoff::Park, deadline) {
            return true;
        }
        // A grant that raced with the deadline is kept.
        self.leave(&waiter).is_err()
    }

    /// Queues `waiter` for `access` and grants what can be granted (maybe
    /// to `waiter` itself, which then finds itself done).
    fn enqueue(&self, waiter: &Arc<Waiter>, access: Access) {
        let granted = {
            let mut q = self.queue.lock();
            q.push_back(Arc::clone(waiter), access);
            let bits = match access {
                Access::Read => PARKED,
                Access::Write => PARKED | WRITER_QUEUED,
            };
            // Before the first grant attempt: a release that comes after
            // this sees the bits and dispatches (under our lock, so after us).
            self.state.fetch_or(bits, Ordering::Relaxed);
            self.dispatch(&mut q)
        };
        wake_all(granted);
    }

    /// The owner of a queued `waiter` gives up: `Ok` if it was still
    /// queued, `Err` if it was granted the lock (and holds it).
    fn leave(&self, waiter: &Arc<Waiter>) -> Result<(), usize> {
        let granted = {
            let mut q = self.queue.lock();
            q.abort(waiter)?;
            // A writer that leaves may let the readers behind it in.
            self.dispatch(&mut q)
        };
        wake_all(granted);
        Ok(())
    }

    /// Grants the lock to the first waiters that can have it now, in queue
    /// order, then recomputes the queue's bits. Returns those to wake.
    fn dispatch(&self, q: &mut Locked<'_, Access>) -> Vec<Arc<Waiter>> {
        let mut granted = Vec::new();
        while let Some(&access) = q.front() {
            let grant = |state: usize| match access {
                Access::Read if state & WRITER == 0 => Some(state + ONE_READER),
                Access::Write if state & (WRITER | READERS) == 0 => Some(state | WRITER),
                _ => None,
            };
            if self
                .state
                .fetch_update(Ordering::AcqRel, Ordering::Relaxed, grant)
                .is_err()
            {
                break;
            }
            // The front is live: only its owner aborts it, under this lock.
            let Some((waiter, _)) = q.pop(GRANTED) else {
                self.give_back(access);
                break;
            };
            waiter.complete();
            granted.push(waiter);
            if access == Access::Write {
                break;
            }
        }
        let mut bits = 0;
        if !q.is_empty() {
            bits |= PARKED;
        }
        if q.payloads().any(|a| *a == Access::Write) {
            bits |= WRITER_QUEUED;
        }
        let _ = self
            .state
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |state| {
                Some(state & !(PARKED | WRITER_QUEUED) | bits)
            });
        granted
    }

    /// Gives back a grant made in [`dispatch`](Self::dispatch) that found
    /// nobody to take it (the queue's lock held).
    fn give_back(&self, access: Access) {
        match access {
            Access::Read => self.state.fetch_sub(ONE_READER, Ordering::Release),
            Access::Write => self.state.fetch_and(!WRITER, Ordering::Release),
        };
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

    /// A release that found waiters: gives back the write hold (if `access`
    /// says so; a read hold is given back already) under the queue's lock,
    /// and grants the next waiters. [`NotLocked`] if the write hold was
    /// given back meanwhile (a second unlock racing this one).
    #[cold]
    #[inline(never)]
    fn release_slow(&self, access: Option<Access>) -> Result<(), NotLocked> {
        let granted = {
            let mut q = self.queue.lock();
            if access == Some(Access::Write) {
                self.state
                    .fetch_update(Ordering::Release, Ordering::Relaxed, |state| {
                        (state & WRITER != 0).then_some(state & !WRITER)
                    })
                    .map_err(|_| NotLocked)?;
            }
            self.dispatch(&mut q)
        };
        wake_all(granted);
        Ok(())
    }
}

fn wake_all(waiters: Vec<Arc<Waiter>>) {
    waiters.iter().for_each(|w| w.wake());
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

/// The waiting part of an async read or write, whoever holds the lock:
/// shared by every lock future of [`RawRwLock`] and
/// [`RwLock`](super::RwLock).
pub(super) struct Pending {
    access: Access,
    /// Queued, waiting to be granted the lock.
    waiter: Option<Arc<Waiter>>,
}

impl Pending {
    pub(super) fn new(access: Access) -> Self {
        Pending {
            access,
            waiter: None,
        }
    }

    /// Polls for `lock`, which must be the same on every call.
    pub(super) fn poll(&mut self, lock: &RawRwLock, cx: &mut Context<'_>) -> Poll<()> {
        if self.waiter.is_none() {
            if lock.try_acquire(self.access) {
                return Poll::Ready(());
            }
            let waiter = Waiter::for_task(cx.waker());
            lock.enqueue(&waiter, self.access);
            self.waiter = Some(waiter);
        }
        let waiter = self.waiter.as_ref().expect("queued above");
        if !waiter.poll_done(cx.waker()) {
            return Poll::Pending;
        }
        self.waiter = None;
        Poll::Ready(())
    }

    /// Gives up: leaves the lock as it was before the first poll (a grant
    /// made meanwhile is released, and so passed on).
    pub(super) fn cancel(&mut self, lock: &RawRwLock) {
        if let Some(waiter) = self.waiter.take() {
            if lock.leave(&waiter).is_err() {
                lock.release(self.access);
            }
        }
    }

    pub(super) fn is_queued(&self) -> bool {
        self.waiter.is_some()
    }
}

/// Takes a hold of a [`RawRwLock`] when awaited; made by
/// [`RawRwLock::read_async`] and [`RawRwLock::write_async`].
///
/// ```
/// use polyconc::sync::{RawRwLock, RawRwLockFuture};
/// fn is_send<F: Send>(_: &F) {}
/// let lock = RawRwLock::new();
/// let fut: RawRwLockFuture<'_> = lock.write_async();
/// is_send(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RawRwLockFuture<'a> {
    lock: &'a RawRwLock,
    pending: Pending,
}

impl fmt::Debug for RawRwLockFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRwLockFuture")
            .field("queued", &self.pending.is_queued())
            .finish_non_exhaustive()
    }
}

impl Future for RawRwLockFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.pending.poll(this.lock, cx)
    }
}

impl Drop for RawRwLockFuture<'_> {
    fn drop(&mut self) {
        self.pending.cancel(self.lock);
    }
}
