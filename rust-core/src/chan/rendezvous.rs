//! The rendezvous channel's operations (capacity 0): every value moves
//! from a sender to a receiver under the lock, one of them waiting in the
//! channel's queues for the other.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;

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
        match self.wait_queued(st, Some(value), State::register_sender, deadline) {
            Ok(None) => Ok(()),
            Ok(Some(v)) => Err(SendTimeoutError::Closed(v)),
            Err(left) => Err(SendTimeoutError::Timeout(
                left.expect("an unclaimed sender keeps its value"),
            )),
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
        match self.wait_queued(st, None, State::register_receiver, deadline) {
            Ok(got) => got.ok_or(RecvTimeoutError::Closed),
            Err(_) => Err(RecvTimeoutError::Timeout),
        }
    }

    /// Queues this thread's waiter (by `register`, the lock held as `st`)
    /// with a slot holding `value`, unlocks, and sleeps until a partner
    /// claims it or `deadline` passes. `Ok` with what the slot holds then if
    /// claimed (also as the deadline passed: the claimer finished with the
    /// slot under the lock); `Err` with it if the deadline passed unclaimed
    /// (the entry is withdrawn, the slot as it was).
    ///
    /// The slot is the waiter's own room when the value fits there (see
    /// [`Waiter::slot`]), else on this stack.
    fn wait_queued(
        &self,
        mut st: Guard<'_, T>,
        value: Option<T>,
        register: fn(&mut State<T>, Entry<T>),
        deadline: Deadline,
    ) -> Result<Option<T>, Option<T>> {
        let on_stack = UnsafeCell::new(MaybeUninit::<Option<T>>::uninit());
        // Lent, not cloned: the only count this wait adds is the entry's,
        // which the claimer drops.
        Waiter::with_for_thread(|waiter| {
            let slot = waiter
                .slot::<Option<T>>()
                .unwrap_or_else(|| on_stack.get().cast());
            // SAFETY: the waiter is not queued yet, so nobody else knows
            // the slot, and it holds no value (a waiter's room is emptied
            // by the wait that filled it; `on_stack` is fresh).
            unsafe { slot.write(value) };
            let entry = Entry {
                waiter: Arc::clone(waiter),
                case: 0,
                slot,
            };
            register(&mut st, entry);
            drop(st);
            let claimed = waiter.wait(Backoff::Handoff, deadline) || {
                let mut st = self.lock();
                let withdrawn = waiter.abort().is_ok();
                if withdrawn {
                    st.unregister(waiter, 0);
                }
                !withdrawn
            };
            // SAFETY: the wait is over: the claimer completed the waiter
            // (seen done, or finished under the lock taken above), or the
            // entry is withdrawn; nobody else touches the slot any more, and
            // this read empties it.
            let left = unsafe { slot.read() };
            if claimed {
                Ok(left)
            } else {
                Err(left)
            }
        })
    }
}
