//! The rendezvous channel's operations (capacity 0): every value moves
//! from a sender to a receiver under the lock, one of them waiting in the
//! channel's queues for the other.

use std::cell::UnsafeCell;

use super::error::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use super::state::{wake, Entry, Guard, Inner, State};
use crate::loom::Arc;
use crate::wait::{Backoff, Deadline, Wait, Waiter};

/// The deadline of a `wait` that may still block; `None` for one that may
/// not (a `try_`, or a deadline already past).
fn still_waiting(wait: Wait) -> Option<Deadline> {
    wait.deadline().filter(|d| !d.is_past())
}

impl<T> Inner<T> {
    /// Hands `value` to a waiting receiver, or waits as `wait` says to be
    /// taken by one. Out of line, so that buffered sends stay small.
    #[inline(never)]
    pub(super) fn rendezvous_send(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        let mut st = self.lock();
        let value = match st.try_send(value) {
            Ok(woken) => {
                drop(st);
                wake(woken);
                return Ok(());
            }
            Err(TrySendError::Closed(v)) => return Err(SendTimeoutError::Closed(v)),
            Err(TrySendError::Full(v)) => v,
        };
        let Some(deadline) = still_waiting(wait) else {
            return Err(SendTimeoutError::Timeout(value));
        };
        let slot = UnsafeCell::new(Some(value));
        if self.wait_queued(st, &slot, State::register_sender, deadline) {
            let value = slot
                .into_inner()
                .expect("an unclaimed sender keeps its value");
            return Err(SendTimeoutError::Timeout(value));
        }
        match slot.into_inner() {
            None => Ok(()),
            Some(v) => Err(SendTimeoutError::Closed(v)),
        }
    }

    /// Takes a waiting sender's value, or waits as `wait` says to be handed
    /// one. Out of line, as `rendezvous_send`.
    #[inline(never)]
    pub(super) fn rendezvous_recv(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        let mut st = self.lock();
        match st.try_recv() {
            Ok((value, woken)) => {
                drop(st);
                wake(woken);
                return Ok(value);
            }
            Err(TryRecvError::Closed) => return Err(RecvTimeoutError::Closed),
            Err(TryRecvError::Empty) => {}
        }
        let Some(deadline) = still_waiting(wait) else {
            return Err(RecvTimeoutError::Timeout);
        };
        let slot = UnsafeCell::new(None);
        if self.wait_queued(st, &slot, State::register_receiver, deadline) {
            return Err(RecvTimeoutError::Timeout);
        }
        slot.into_inner().ok_or(RecvTimeoutError::Closed)
    }

    /// Queues this thread's waiter with `slot` (by `register`, the lock
    /// held as `st`), unlocks, and sleeps until a partner claims it or
    /// `deadline` passes. True if the deadline passed unclaimed: the entry
    /// is withdrawn and the slot as it was. False if claimed (also as the
    /// deadline passed): the claimer finished with the slot under the lock.
    fn wait_queued(
        &self,
        mut st: Guard<'_, T>,
        slot: &UnsafeCell<Option<T>>,
        register: fn(&mut State<T>, Entry<T>),
        deadline: Deadline,
    ) -> bool {
        let waiter = Waiter::for_thread();
        let entry = Entry {
            waiter: Arc::clone(&waiter),
            case: 0,
            slot: slot.get(),
        };
        register(&mut st, entry);
        drop(st);
        if waiter.wait(Backoff::Adaptive, deadline) {
            return false;
        }
        let mut st = self.lock();
        if waiter.abort().is_ok() {
            st.unregister(&waiter, 0);
            return true;
        }
        false
    }
}
