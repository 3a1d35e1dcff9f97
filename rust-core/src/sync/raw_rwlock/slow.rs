//! The slow paths of [`RawRwLock`]: queueing, giving up, and granting the
//! lock to the waiters at the front when a release finds them.

use super::{Access, RawRwLock, GRANTED, ONE_READER, PARKED, READERS, WRITER, WRITER_QUEUED};
use crate::loom::{Arc, Ordering};
use crate::sync::NotLocked;
use crate::wait::{Backoff, Deadline, Locked, Spin, Waiter};

impl RawRwLock {
    #[cold]
    #[inline(never)]
    pub(super) fn acquire_slow(&self, access: Access, deadline: Deadline) -> bool {
        let mut spin = Spin::before_parking();
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
    pub(super) fn enqueue(&self, waiter: &Arc<Waiter>, access: Access) {
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
    pub(super) fn leave(&self, waiter: &Arc<Waiter>) -> Result<(), usize> {
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

    /// A release that found waiters: gives back the write hold (if `access`
    /// says so; a read hold is given back already) under the queue's lock,
    /// and grants the next waiters. [`NotLocked`] if the write hold was
    /// given back meanwhile (a second unlock racing this one).
    #[cold]
    #[inline(never)]
    pub(super) fn release_slow(&self, access: Option<Access>) -> Result<(), NotLocked> {
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
