//! Java's `transfer` on the [`Fair`] engine
//! ([`LinkedTransferQueue`](crate::queue::LinkedTransferQueue)): the
//! element waits in the buffer, or in `State::handed` once a take future
//! was handed it, with its producer's waiter beside it, until a consumer
//! received it; a producer that gives up takes it back.

use std::cell::UnsafeCell;

use super::{Fair, Item, Slot, Transfer};
use crate::loom::Arc;
use crate::queue::SendTimeoutError;
use crate::wait::{Deadline, Wait, Waiter};

/// Where a transfer's element went when it started.
pub(super) enum Started {
    /// To a consumer blocked in a thread: the transfer is done.
    HandedOver,
    /// Into the buffer, or to a waiting take future, with its producer's
    /// waiter beside it.
    Queued,
}

impl<T> Fair<T> {
    /// `transfer`: inserts `value` and waits until a consumer received it.
    /// Without a consumer waiting and with `Wait::Now`, or when the
    /// deadline passes first, the element comes back out of the queue.
    pub(crate) fn transfer(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        let deadline = wait.deadline().filter(|d| !d.is_past());
        self.transfer_until(value, deadline)
    }

    /// [`Fair::transfer`] once the wait is decided: `None` hands over to a
    /// waiting consumer or gives the element back; `Some` queues it and
    /// waits until the deadline (which may pass at once).
    pub(crate) fn transfer_until(
        &self,
        value: T,
        deadline: Option<Deadline>,
    ) -> Result<(), SendTimeoutError<T>> {
        let slot = UnsafeCell::new(None);
        let waiter = Waiter::for_thread();
        let started = self.start_transfer(value, || {
            deadline
                .is_some()
                .then(|| (Arc::clone(&waiter), Slot(slot.get())))
        })?;
        let (Started::Queued, Some(deadline)) = (started, deadline) else {
            return Ok(());
        };
        // A transfer queue's backoff spins first: the consumer that
        // receives the element is usually running (see `Fair::transfer_queue`).
        if !waiter.wait(self.backoff, deadline) {
            if let Some(value) = self.withdraw_transfer(&waiter) {
                return Err(SendTimeoutError::Timeout(value));
            }
        }
        // Claimed, and complete: taken (slot empty), or given back by close.
        match slot.into_inner() {
            None => Ok(()),
            Some(v) => Err(SendTimeoutError::Closed(v)),
        }
    }

    /// A transfer's first step, under the lock: a closed queue gives the
    /// element back (`Closed`); a consumer blocked in a thread is handed
    /// it (done); otherwise, with the producer's waiter and slot that
    /// `producer` makes, it is handed to a waiting take future or joins
    /// the buffer; if `producer` makes none, it comes back (`Timeout`).
    /// `producer` runs only when needed, so a hand-over allocates nothing.
    pub(super) fn start_transfer(
        &self,
        value: T,
        producer: impl FnOnce() -> Option<Transfer<T>>,
    ) -> Result<Started, SendTimeoutError<T>> {
        let mut st = self.state.lock();
        if st.closed {
            return Err(SendTimeoutError::Closed(value));
        }
        let (item, started) = if self.thread_waits_first() == Some(true) {
            (Item::plain(value), Started::HandedOver)
        } else {
            let Some(transfer) = producer() else {
                return Err(SendTimeoutError::Timeout(value));
            };
            let item = Item {
                value,
                transfer: Some(transfer),
            };
            (item, Started::Queued)
        };
        match self.hand_to_consumer(&mut st, item) {
            Ok(woken) => {
                drop(st);
                woken.wake();
            }
            Err(item) => st.items.push_back(item),
        }
        Ok(started)
    }

    /// The producer of a queued transfer gives up: its element, taken back
    /// out of the buffer (or from the take future it was handed to, which
    /// has not returned it), if nobody claimed `waiter` first; `None` if a
    /// consumer or `close` did, and then the producer's slot is final (it
    /// completed the claim under the lock taken here).
    pub(super) fn withdraw_transfer(&self, waiter: &Arc<Waiter>) -> Option<T> {
        let mut st = self.state.lock();
        waiter.abort().ok()?;
        // Receipts and aborts both run under the lock: still queued, or
        // still handed.
        let mine = |w: &Arc<Waiter>| Arc::ptr_eq(w, waiter);
        if let Some(at) = st
            .items
            .iter()
            .position(|i| i.transfer.as_ref().is_some_and(|(w, _)| mine(w)))
        {
            return Some(st.items.remove(at).expect("found above").value);
        }
        let at = st
            .handed
            .iter()
            .position(|h| mine(&h.transfer.0))
            .expect("an unclaimed transfer is queued or handed");
        Some(st.handed.swap_remove(at).value)
    }
}
