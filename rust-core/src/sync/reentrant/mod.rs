//! [`ReentrantLock`]: Java's `ReentrantLock`, with its [`Condition`]s (in
//! `condition.rs`).

mod condition;

use std::cell::Cell;
use std::fmt;
use std::time::{Duration, Instant};

use super::raw_mutex::Acquiring;
use super::{Condvar, RawMutex};
use crate::loom::{AtomicUsize, Ordering};
use crate::wait::{block_until, const_fn_unless_loom, Deadline, Wait};
use condition::LockRef;
pub use condition::{Condition, ConditionWait};

/// A lock that its owner thread may take again: it counts the holds, and
/// frees only after as many unlocks. Java's `ReentrantLock`, with
/// misuse as an error: an unlock by a thread that does not own it is
/// [`NotOwner`].
///
/// [`ReentrantLock::new`] barges (as [`Mutex`](super::Mutex) does);
/// [`ReentrantLock::fair`] hands itself to its waiters in the order they
/// came, except that [`try_lock`](ReentrantLock::try_lock) takes it
/// whenever it is free (as Java's `tryLock()` does). There are no async
/// forms: the owner is a thread.
///
/// ```
/// use polyconc::sync::ReentrantLock;
///
/// let lock = ReentrantLock::new();
/// lock.lock();
/// lock.lock();
/// assert_eq!(lock.hold_count(), 2);
/// lock.unlock().unwrap();
/// lock.unlock().unwrap();
/// assert!(lock.unlock().is_err());
/// ```
pub struct ReentrantLock {
    raw: RawMutex,
    /// The owner's thread id (see `thread_id`), 0 when free. Written only by
    /// the owner; read by others only to learn that they are not it.
    owner: AtomicUsize,
    /// The owner's holds; touched only by the owner.
    holds: AtomicUsize,
}

/// An operation that needs the lock held by the calling thread, called by
/// another: an unlock, or a [`Condition`] wait or signal.
///
/// ```
/// use polyconc::sync::{NotOwner, ReentrantLock};
/// assert_eq!(ReentrantLock::new().unlock(), Err(NotOwner));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotOwner;

impl fmt::Display for NotOwner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the lock is not held by the calling thread")
    }
}

impl std::error::Error for NotOwner {}

/// A number for the calling thread, never 0 and never reused (a thread's
/// address could be, by a thread started after it exited).
fn thread_id() -> usize {
    // Not a loom atomic: ids are bookkeeping, not synchronisation.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    #[cfg(not(loom))]
    thread_local! {
        static ID: Cell<usize> = const { Cell::new(0) };
    }
    // Loom's threads share OS threads: its own thread-locals tell them apart.
    #[cfg(loom)]
    loom::thread_local! {
        static ID: Cell<usize> = Cell::new(0);
    }
    ID.with(|id| {
        if id.get() == 0 {
            id.set(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        }
        id.get()
    })
}

impl ReentrantLock {
    const_fn_unless_loom! {
        /// A free lock that lets a running thread take it before queued
        /// ones, handing it over after they waited a millisecond.
        ///
        /// ```
        /// use polyconc::sync::ReentrantLock;
        /// assert!(!ReentrantLock::new().is_fair());
        /// ```
        pub fn new() -> ReentrantLock {
            ReentrantLock {
                raw: RawMutex::new(),
                owner: AtomicUsize::new(0),
                holds: AtomicUsize::new(0),
            }
        }
    }

    const_fn_unless_loom! {
        /// A free lock that goes to its waiters in the order they came.
        ///
        /// ```
        /// use polyconc::sync::ReentrantLock;
        /// assert!(ReentrantLock::fair().is_fair());
        /// ```
        pub fn fair() -> ReentrantLock {
            ReentrantLock {
                raw: RawMutex::fair(),
                owner: AtomicUsize::new(0),
                holds: AtomicUsize::new(0),
            }
        }
    }

    /// Whether this lock was made by [`ReentrantLock::fair`].
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// assert!(ReentrantLock::fair().is_fair());
    /// ```
    pub fn is_fair(&self) -> bool {
        self.raw.is_fair()
    }

    /// One more hold if the calling thread owns the lock.
    fn relock(&self, me: usize) -> bool {
        if self.owner.load(Ordering::Relaxed) != me {
            return false;
        }
        let holds = self.holds.load(Ordering::Relaxed);
        // Java's limit is an Error; this one cannot be reached by holds
        // that each take a call.
        self.holds.store(holds + 1, Ordering::Relaxed);
        true
    }

    fn own(&self, me: usize, holds: usize) {
        self.owner.store(me, Ordering::Relaxed);
        self.holds.store(holds, Ordering::Relaxed);
    }

    /// Takes the lock (again, if the calling thread holds it), blocking
    /// until it is free.
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// lock.lock();
    /// assert!(lock.is_held_by_current_thread());
    /// # lock.unlock().unwrap();
    /// ```
    pub fn lock(&self) {
        self.lock_with(Wait::FOREVER);
    }

    /// Takes the lock if the calling thread holds it or it is free now,
    /// even on a fair lock with queued waiters.
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// assert!(lock.try_lock());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert!(!lock.try_lock()));
    /// });
    /// # lock.unlock().unwrap();
    /// ```
    pub fn try_lock(&self) -> bool {
        self.lock_with(Wait::Now)
    }

    /// Takes the lock, waiting as `wait` says; whether it was taken.
    ///
    /// ```
    /// use polyconc::{sync::ReentrantLock, Wait};
    /// let lock = ReentrantLock::new();
    /// assert!(lock.lock_with(Wait::FOREVER));
    /// # lock.unlock().unwrap();
    /// ```
    pub fn lock_with(&self, wait: Wait) -> bool {
        let me = thread_id();
        if self.relock(me) {
            return true;
        }
        if !self.raw.lock_with(wait) {
            return false;
        }
        self.own(me, 1);
        true
    }

    /// Takes the lock, waiting at most `timeout`; whether it was taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// lock.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert!(!lock.lock_timeout(Duration::from_millis(1))));
    /// });
    /// # lock.unlock().unwrap();
    /// ```
    pub fn lock_timeout(&self, timeout: Duration) -> bool {
        self.lock_with(Wait::timeout(timeout))
    }

    /// Takes the lock, waiting until `deadline` at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// assert!(lock.lock_deadline(Instant::now()));
    /// # lock.unlock().unwrap();
    /// ```
    pub fn lock_deadline(&self, deadline: Instant) -> bool {
        self.lock_with(Wait::Until(Deadline::at(deadline)))
    }

    /// Gives up one hold; the last frees the lock. [`NotOwner`] (and
    /// nothing changes) if the calling thread does not hold it.
    ///
    /// ```
    /// use polyconc::sync::{NotOwner, ReentrantLock};
    /// let lock = ReentrantLock::new();
    /// lock.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert_eq!(lock.unlock(), Err(NotOwner)));
    /// });
    /// assert_eq!(lock.unlock(), Ok(()));
    /// ```
    pub fn unlock(&self) -> Result<(), NotOwner> {
        let me = thread_id();
        if self.owner.load(Ordering::Relaxed) != me {
            return Err(NotOwner);
        }
        let holds = self.holds.load(Ordering::Relaxed) - 1;
        self.holds.store(holds, Ordering::Relaxed);
        if holds == 0 {
            self.owner.store(0, Ordering::Relaxed);
            self.raw.release();
        }
        Ok(())
    }

    /// The calling thread's holds (0 if it does not own the lock).
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// assert_eq!(lock.hold_count(), 0);
    /// lock.lock();
    /// assert_eq!(lock.hold_count(), 1);
    /// # lock.unlock().unwrap();
    /// ```
    pub fn hold_count(&self) -> usize {
        if self.is_held_by_current_thread() {
            self.holds.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// Whether the calling thread owns the lock.
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// lock.lock();
    /// assert!(lock.is_held_by_current_thread());
    /// std::thread::scope(|s| {
    ///     s.spawn(|| assert!(!lock.is_held_by_current_thread()));
    /// });
    /// # lock.unlock().unwrap();
    /// ```
    pub fn is_held_by_current_thread(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == thread_id()
    }

    /// Whether any thread owns the lock right now.
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// assert!(!lock.is_locked());
    /// ```
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// How many threads wait to take the lock right now (a snapshot, for
    /// monitoring, as Java's `getQueueLength`).
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// assert_eq!(ReentrantLock::new().queue_length(), 0);
    /// ```
    pub fn queue_length(&self) -> usize {
        self.raw.queue_length()
    }

    /// Whether any thread waits to take the lock right now.
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// assert!(!ReentrantLock::new().has_queued_threads());
    /// ```
    pub fn has_queued_threads(&self) -> bool {
        self.queue_length() != 0
    }

    /// Starts taking the lock in a way that keeps its place in the lock's
    /// queue across several timed waits: the attempt that
    /// [`LockAttempt::wait_deadline`] continues. For a thread that must do
    /// something between waits (a binding checking for signals), where
    /// repeated [`lock_deadline`](ReentrantLock::lock_deadline) calls
    /// would queue again each time, and lose a fair lock's turn.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::fair();
    /// lock.lock();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| {
    ///         let mut attempt = lock.attempt();
    ///         let soon = || Instant::now() + Duration::from_millis(1);
    ///         while !attempt.wait_deadline(soon()) {} // keeps its place
    ///         assert!(lock.is_held_by_current_thread());
    ///         lock.unlock().unwrap();
    ///     });
    ///     while lock.queue_length() == 0 {
    ///         std::thread::yield_now();
    ///     }
    ///     lock.unlock().unwrap();
    /// });
    /// ```
    pub fn attempt(&self) -> LockAttempt<'_> {
        LockAttempt {
            lock: self,
            acquiring: Acquiring::default(),
        }
    }

    /// A condition bound to this lock: its waits release every hold of
    /// the calling thread and take them all back before returning.
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// lock.lock();
    /// assert_eq!(cond.signal(), Ok(()));
    /// # lock.unlock().unwrap();
    /// ```
    pub fn new_condition(&self) -> Condition<'_> {
        Condition {
            lock: LockRef::Borrowed(self),
            waiters: Condvar::new(),
        }
    }

    /// A condition bound to this lock, as
    /// [`new_condition`](ReentrantLock::new_condition)'s, that holds
    /// `self` instead of borrowing it: what a binding keeps beside the
    /// lock in an object of its own.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::{Condition, ReentrantLock};
    /// let lock = Arc::new(ReentrantLock::new());
    /// let cond: Condition<'static> = Arc::clone(&lock).new_owned_condition();
    /// lock.lock();
    /// assert!(cond.wait_timeout(std::time::Duration::ZERO).unwrap().timed_out());
    /// assert_eq!(lock.hold_count(), 1);
    /// # lock.unlock().unwrap();
    /// ```
    pub fn new_owned_condition(self: std::sync::Arc<Self>) -> Condition<'static> {
        Condition {
            lock: LockRef::Shared(self),
            waiters: Condvar::new(),
        }
    }
}

impl Default for ReentrantLock {
    /// [`ReentrantLock::new`].
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// assert!(!ReentrantLock::default().is_locked());
    /// ```
    fn default() -> Self {
        ReentrantLock::new()
    }
}

impl fmt::Debug for ReentrantLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReentrantLock")
            .field("locked", &self.is_locked())
            .field("fair", &self.is_fair())
            .field("queue_length", &self.queue_length())
            .finish()
    }
}

/// A thread's attempt to take a [`ReentrantLock`] that keeps its place in
/// the lock's queue between timed waits; made by
/// [`ReentrantLock::attempt`]. Dropped while it waits, it leaves the queue
/// (a lock handed to it meanwhile passes on).
///
/// ```
/// use std::time::Instant;
/// use polyconc::sync::ReentrantLock;
/// let lock = ReentrantLock::new();
/// let mut attempt = lock.attempt();
/// assert!(attempt.wait_deadline(Instant::now()));
/// assert_eq!(lock.hold_count(), 1);
/// # lock.unlock().unwrap();
/// ```
#[must_use = "an attempt does nothing unless waited on"]
pub struct LockAttempt<'a> {
    lock: &'a ReentrantLock,
    acquiring: Acquiring,
}

impl LockAttempt<'_> {
    /// Waits for the lock until `deadline` at most: true once the calling
    /// thread holds it (one hold more, if it held it already: each true is
    /// one hold); false if the deadline passed first, the attempt still
    /// queued. The thread that waits is the one that owns the lock after.
    pub fn wait_deadline(&mut self, deadline: Instant) -> bool {
        let me = thread_id();
        if self.lock.relock(me) {
            self.acquiring.cancel(&self.lock.raw);
            return true;
        }
        let (raw, acquiring) = (&self.lock.raw, &mut self.acquiring);
        if block_until(|cx| acquiring.poll(raw, cx), Deadline::at(deadline)).is_none() {
            return false;
        }
        self.lock.own(me, 1);
        true
    }
}

impl Drop for LockAttempt<'_> {
    fn drop(&mut self) {
        self.acquiring.cancel(&self.lock.raw);
    }
}

impl fmt::Debug for LockAttempt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockAttempt").finish_non_exhaustive()
    }
}
