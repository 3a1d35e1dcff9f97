//! [`Condition`]: a [`ReentrantLock`]'s condition variable, which releases
//! every hold while it waits and takes them back after, and
//! [`ConditionWait`], a wait that keeps its place across timed waits.

use std::fmt;
use std::time::{Duration, Instant};

use super::{thread_id, NotOwner, ReentrantLock};
use crate::loom::Ordering;
use crate::sync::condvar::Queued;
use crate::sync::{Condvar, WaitTimeoutResult};
use crate::wait::Deadline;

/// A condition of a [`ReentrantLock`] (Java's `Condition`); made by
/// [`ReentrantLock::new_condition`]. Every method needs the lock held by
/// the calling thread, and is [`NotOwner`] otherwise.
///
/// ```
/// use polyconc::sync::ReentrantLock;
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// let lock = ReentrantLock::new();
/// let cond = lock.new_condition();
/// let ready = AtomicBool::new(false);
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         lock.lock();
///         ready.store(true, Ordering::Relaxed);
///         cond.signal().unwrap();
///         lock.unlock().unwrap();
///     });
///     lock.lock();
///     while !ready.load(Ordering::Relaxed) {
///         cond.wait().unwrap();
///     }
///     lock.unlock().unwrap();
/// });
/// ```
pub struct Condition<'a> {
    pub(super) lock: LockRef<'a>,
    pub(super) waiters: Condvar,
}

/// The lock of a [`Condition`], borrowed or shared.
pub(super) enum LockRef<'a> {
    Borrowed(&'a ReentrantLock),
    Shared(std::sync::Arc<ReentrantLock>),
}

impl std::ops::Deref for LockRef<'_> {
    type Target = ReentrantLock;

    fn deref(&self) -> &ReentrantLock {
        match self {
            LockRef::Borrowed(lock) => lock,
            LockRef::Shared(lock) => lock,
        }
    }
}

impl Condition<'_> {
    fn check_owner(&self) -> Result<usize, NotOwner> {
        let me = thread_id();
        if self.lock.owner.load(Ordering::Relaxed) == me {
            Ok(me)
        } else {
            Err(NotOwner)
        }
    }

    fn wait_until(&self, deadline: Deadline) -> Result<WaitTimeoutResult, NotOwner> {
        let me = self.check_owner()?;
        let holds = self.lock.holds.load(Ordering::Relaxed);
        self.lock.own(0, 0);
        let notified = self.waiters.wait_on(&self.lock.raw, deadline);
        self.lock.own(me, holds);
        Ok(WaitTimeoutResult(!notified))
    }

    /// Starts a wait that keeps its place in this condition's queue across
    /// several timed waits: releases every hold, queues, and returns the
    /// wait, which [`ConditionWait::wait_deadline`] continues. For a thread
    /// that must do something between waits without the lock (a binding
    /// checking for signals); repeated
    /// [`wait_deadline`](Condition::wait_deadline) calls would queue again
    /// each time, behind later waiters.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// lock.lock();
    /// let mut wait = cond.queue_wait().unwrap();
    /// assert!(!lock.is_locked(), "every hold released while it waits");
    /// assert!(!wait.wait_deadline(Instant::now()));
    /// drop(wait); // gives up: the holds are back
    /// assert_eq!(lock.hold_count(), 1);
    /// # lock.unlock().unwrap();
    /// ```
    pub fn queue_wait(&self) -> Result<ConditionWait<'_>, NotOwner> {
        self.check_owner()?;
        let holds = self.lock.holds.load(Ordering::Relaxed);
        self.lock.own(0, 0);
        Ok(ConditionWait {
            queued: self.waiters.queue(&self.lock.raw),
            condition: self,
            holds: Some(holds),
        })
    }

    /// Releases every hold, waits to be signalled, and takes them back.
    /// May return without a signal: re-check the condition in a loop.
    ///
    /// ```
    /// use polyconc::sync::{NotOwner, ReentrantLock};
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// assert_eq!(cond.wait(), Err(NotOwner));
    /// ```
    pub fn wait(&self) -> Result<(), NotOwner> {
        self.wait_until(Deadline::never()).map(drop)
    }

    /// [`wait`](Condition::wait) for at most `timeout`; the result says
    /// whether it timed out.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// lock.lock();
    /// lock.lock();
    /// let result = cond.wait_timeout(Duration::from_millis(1)).unwrap();
    /// assert!(result.timed_out());
    /// assert_eq!(lock.hold_count(), 2);
    /// # lock.unlock().unwrap(); lock.unlock().unwrap();
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<WaitTimeoutResult, NotOwner> {
        self.wait_until(Deadline::after(timeout))
    }

    /// [`wait`](Condition::wait) until `deadline` at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// lock.lock();
    /// assert!(cond.wait_deadline(Instant::now()).unwrap().timed_out());
    /// # lock.unlock().unwrap();
    /// ```
    pub fn wait_deadline(&self, deadline: Instant) -> Result<WaitTimeoutResult, NotOwner> {
        self.wait_until(Deadline::at(deadline))
    }

    /// Wakes the longest-waiting waiter (it takes the lock once the caller
    /// frees it).
    ///
    /// ```
    /// use polyconc::sync::{NotOwner, ReentrantLock};
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// assert_eq!(cond.signal(), Err(NotOwner));
    /// ```
    pub fn signal(&self) -> Result<(), NotOwner> {
        self.check_owner()?;
        self.waiters.notify_one();
        Ok(())
    }

    /// Wakes every waiter, one at a time as the lock frees up.
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// lock.lock();
    /// assert_eq!(cond.signal_all(), Ok(()));
    /// # lock.unlock().unwrap();
    /// ```
    pub fn signal_all(&self) -> Result<(), NotOwner> {
        self.check_owner()?;
        self.waiters.notify_all();
        Ok(())
    }

    /// Whether any thread waits on this condition (Java's `hasWaiters`).
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// lock.lock();
    /// assert_eq!(cond.has_waiters(), Ok(false));
    /// # lock.unlock().unwrap();
    /// ```
    pub fn has_waiters(&self) -> Result<bool, NotOwner> {
        self.wait_queue_length().map(|n| n != 0)
    }

    /// How many threads wait on this condition (Java's
    /// `getWaitQueueLength`).
    ///
    /// ```
    /// use polyconc::sync::ReentrantLock;
    /// let lock = ReentrantLock::new();
    /// let cond = lock.new_condition();
    /// lock.lock();
    /// assert_eq!(cond.wait_queue_length(), Ok(0));
    /// # lock.unlock().unwrap();
    /// ```
    pub fn wait_queue_length(&self) -> Result<usize, NotOwner> {
        self.check_owner()?;
        Ok(self.waiters.waiting())
    }
}

impl fmt::Debug for Condition<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condition")
            .field("waiters", &self.waiters)
            .finish_non_exhaustive()
    }
}

/// A queued wait on a [`Condition`], every hold of the lock released
/// meanwhile; made by [`Condition::queue_wait`]. Dropped before it was
/// signalled, it leaves the queue and takes the holds back, as a wait
/// that timed out does.
///
/// ```
/// use std::time::Instant;
/// use polyconc::sync::ReentrantLock;
/// let lock = ReentrantLock::new();
/// let cond = lock.new_condition();
/// lock.lock();
/// lock.lock();
/// let mut wait = cond.queue_wait().unwrap();
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         lock.lock();
///         cond.signal().unwrap();
///         lock.unlock().unwrap();
///     });
/// });
/// assert!(wait.wait_deadline(Instant::now()), "signalled: the holds are back");
/// assert_eq!(lock.hold_count(), 2);
/// # lock.unlock().unwrap(); lock.unlock().unwrap();
/// ```
#[must_use = "dropping the wait gives it up at once"]
pub struct ConditionWait<'c> {
    condition: &'c Condition<'c>,
    queued: Queued,
    /// The holds to take back, until they are.
    holds: Option<usize>,
}

impl ConditionWait<'_> {
    /// Waits to be signalled until `deadline` at most: true once
    /// signalled, every hold taken back by the calling thread (the wait is
    /// over); false if the deadline passed first, still queued without
    /// the lock.
    pub fn wait_deadline(&mut self, deadline: Instant) -> bool {
        let lock = &self.condition.lock;
        if !self.queued.wait(&lock.raw, Deadline::at(deadline)) {
            return false;
        }
        if let Some(holds) = self.holds.take() {
            lock.own(thread_id(), holds);
        }
        true
    }
}

impl Drop for ConditionWait<'_> {
    fn drop(&mut self) {
        let lock = &self.condition.lock;
        self.queued.give_up(&self.condition.waiters, &lock.raw);
        if let Some(holds) = self.holds.take() {
            lock.own(thread_id(), holds);
        }
    }
}

impl fmt::Debug for ConditionWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionWait")
            .field("over", &self.holds.is_none())
            .finish_non_exhaustive()
    }
}
