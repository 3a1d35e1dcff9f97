//! The slow paths of [`RawMutex`]: queueing behind the lock, giving up,
//! unlocking with waiters (waking one to retry, or handing the lock to a
//! starving one), and a condition variable's requeueing.

use super::fairness::{HandOffs, Patience};
use super::{NotLocked, RawMutex, HANDED, LOCKED, PARKED, RETRY};
use crate::loom::{Arc, Ordering};
use crate::wait::{lock_or_spin, Backoff, Deadline, Spin, Waiter};

impl RawMutex {
    /// Queues `waiter` while the lock is held (first if it queued before:
    /// it was woken to retry and lost); `Err` if the lock was free after
    /// all (the caller retries).
    pub(super) fn enqueue(&self, waiter: &Arc<Waiter>, patience: &mut Patience) -> Result<(), ()> {
        // The clock is read before the queue's lock is taken: it is held
        // for a few steps only.
        patience.start();
        let mut q = self.queue.lock();
        let mut state = self.state.load(Ordering::Relaxed);
        while state & PARKED == 0 {
            if state & LOCKED == 0 {
                return Err(());
            }
            // The unlocker's CAS from `LOCKED` fails once this lands: it
            // takes the slow path, and the queue's lock, which we hold.
            match self.state.compare_exchange(
                state,
                state | PARKED,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        if state & LOCKED == 0 {
            return Err(());
        }
        if patience.queued_before() {
            q.push_front(Arc::clone(waiter), *patience);
        } else {
            q.push_back(Arc::clone(waiter), *patience);
        }
        Ok(())
    }

    /// The owner of a queued `waiter` gives up: `Ok` if it was still
    /// queued, else the case it was claimed for (the claim is complete).
    pub(super) fn leave(&self, waiter: &Arc<Waiter>) -> Result<(), usize> {
        let mut q = self.queue.lock();
        q.abort(waiter)?;
        if q.is_empty() {
            self.state.fetch_and(!PARKED, Ordering::Relaxed);
        }
        Ok(())
    }

    #[cold]
    #[inline(never)]
    pub(super) fn lock_slow(&self, deadline: Deadline) -> bool {
        let mut spin = Spin::before_parking();
        let mut patience = Patience::default();
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if lock_or_spin(&self.state, state, LOCKED, PARKED, &mut spin).is_ok() {
                return true;
            }
            if deadline.is_past() {
                return false;
            }
            let waiter = Waiter::for_thread();
            if self.enqueue(&waiter, &mut patience).is_err() {
                state = self.state.load(Ordering::Relaxed);
                continue;
            }
            let case = if waiter.wait(Backoff::Park, deadline) {
                waiter.claimed()
            } else {
                match self.leave(&waiter) {
                    Ok(()) => return false,
                    Err(case) => Some(case),
                }
            };
            if case == Some(HANDED) {
                return true;
            }
            // Woken to retry; past the deadline, one last try.
            if deadline.is_past() {
                return self.try_lock();
            }
            patience.lost();
            // As after the first miss: spin again while nobody is queued.
            spin = Spin::before_parking();
            state = self.state.load(Ordering::Relaxed);
        }
    }

    #[cold]
    #[inline(never)]
    pub(super) fn unlock_slow(&self) -> Result<(), NotLocked> {
        let woken = {
            let mut q = self.queue.lock();
            let state = self.state.load(Ordering::Relaxed);
            if state & LOCKED == 0 {
                return Err(NotLocked);
            }
            // SAFETY: we hold the queue's lock, which guards `hand_offs`.
            let hand_off = self.fair
                || q.front().is_some_and(Patience::starving)
                    && unsafe { self.hand_offs.with_mut(HandOffs::due) };
            let (popped, new) = if hand_off {
                let handed = q.pop(HANDED);
                let new = match handed {
                    // The lock stays locked: it changes hands.
                    Some(_) if !q.is_empty() => LOCKED | PARKED,
                    Some(_) => LOCKED,
                    None => 0,
                };
                (handed, new)
            } else {
                let woken = q.pop(RETRY);
                (woken, if q.is_empty() { 0 } else { PARKED })
            };
            // A store, not an RMW: while the mutex is locked, every other
            // change of the word is made holding the queue's lock, which
            // we hold, or is a CAS from a state that is not locked.
            self.state.store(new, Ordering::Release);
            popped.map(|(waiter, _)| {
                // Publishes the critical section to a waiter handed the lock.
                waiter.complete();
                waiter
            })
        };
        if let Some(waiter) = woken {
            waiter.wake();
        }
        Ok(())
    }

    /// Queues `waiters`, claimed by a condition variable, to take the lock
    /// in turn: they wake only when it is theirs or free. If it is free now,
    /// the first is handed it at once.
    ///
    /// The mutex may be freed as soon as the last of them is done: nothing
    /// here touches it after it completes one (the queued ones complete in
    /// a later unlock, which holds its own borrow of the mutex).
    pub(in crate::sync) fn requeue<I>(&self, waiters: I)
    where
        I: IntoIterator<Item = Arc<Waiter>>,
        I::IntoIter: ExactSizeIterator,
    {
        let mut waiters = waiters.into_iter();
        let Some(first) = waiters.next() else {
            return;
        };
        let more = waiters.len() != 0;
        let mut q = self.queue.lock();
        let mut state = self.state.load(Ordering::Relaxed);
        let handed = loop {
            let (new, handed) = if state & LOCKED == 0 {
                (state | LOCKED | if more { PARKED } else { 0 }, true)
            } else {
                (state | PARKED, false)
            };
            match self
                .state
                .compare_exchange(state, new, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => break handed,
                Err(now) => state = now,
            }
        };
        let handed = if handed {
            Some(first)
        } else {
            q.push_held(first, Patience::now());
            None
        };
        waiters.for_each(|w| q.push_held(w, Patience::now()));
        drop(q);
        if let Some(first) = handed {
            first.reclaim(HANDED);
            first.complete();
            first.wake();
        }
    }
}
