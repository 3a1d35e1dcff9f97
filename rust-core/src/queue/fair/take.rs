//! [`FairTake`]: an async take on the [`Fair`] engine.

use std::cell::UnsafeCell;
use std::task::{Context, Poll};

use super::{received, Fair, HeapSlot, Item, Slot, Taker};
use crate::loom::Arc;
use crate::queue::RecvError;
use crate::wait::Waiter;

/// A pending async take on a [`Fair`] engine.
pub(crate) struct FairTake<T> {
    engine: Arc<Fair<T>>,
    queued: Option<(Arc<Waiter>, HeapSlot<T>)>,
}

impl<T> FairTake<T> {
    pub(crate) fn new(engine: Arc<Fair<T>>) -> Self {
        FairTake {
            engine,
            queued: None,
        }
    }

    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        let Some((waiter, _)) = &self.queued else {
            return self.take_or_wait(cx, None);
        };
        if !waiter.poll_done(cx.waker()) {
            return Poll::Pending;
        }
        let (waiter, slot) = self.queued.take().expect("checked above");
        match slot.into_inner() {
            Some(value) => Poll::Ready(Ok(value)),
            // Handed a transfer's element (in `handed`), or let go empty:
            // by `close`, or by a transfer that took its element back.
            None => self.take_or_wait(cx, Some(&waiter)),
        }
    }

    /// Under the lock: the transfer's element handed to `handed_to` (its
    /// waiter, claimed), if it is still there; else the head; else the
    /// end if closed; else it waits in line, first if it was handed an
    /// element that its transfer took back.
    fn take_or_wait(
        &mut self,
        cx: &mut Context<'_>,
        handed_to: Option<&Arc<Waiter>>,
    ) -> Poll<Result<T, RecvError>> {
        let engine = &*self.engine;
        let mut st = engine.state.lock();
        if let Some(h) = handed_to.and_then(|w| st.take_handed(w)) {
            // Returned to the caller now: the transfer is done.
            let woken = received(h.transfer.0);
            drop(st);
            woken.into_iter().for_each(|w| w.wake());
            return Poll::Ready(Ok(h.value));
        }
        if let Some((value, woken)) = engine.try_extract_locked(&mut st) {
            drop(st);
            woken.wake();
            return Poll::Ready(Ok(value));
        }
        if st.closed {
            return Poll::Ready(Err(RecvError));
        }
        let slot = Box::new(UnsafeCell::new(None));
        let waiter = Waiter::for_task(cx.waker());
        let taker = Taker {
            slot: Slot(slot.get()),
            task: true,
        };
        let mut consumers = engine.consumers.lock();
        if handed_to.is_some() {
            consumers.push_front(Arc::clone(&waiter), taker);
        } else {
            consumers.push_back(Arc::clone(&waiter), taker);
        }
        st.waiting_consumers += 1;
        self.queued = Some((waiter, slot));
        Poll::Pending
    }
}

impl<T> Drop for FairTake<T> {
    fn drop(&mut self) {
        let Some((waiter, slot)) = self.queued.take() else {
            return;
        };
        let mut st = self.engine.state.lock();
        if self.engine.consumers.lock().abort(&waiter).is_ok() {
            st.waiting_consumers -= 1;
            return;
        }
        // Handed an element it will not return: it goes back to the head,
        // a transfer's with its producer still waiting.
        let item = match slot.into_inner() {
            Some(value) => Some(Item::plain(value)),
            None => st.take_handed(&waiter).map(|h| Item {
                value: h.value,
                transfer: Some(h.transfer),
            }),
        };
        if let Some(item) = item {
            let woken = self.engine.give_back(&mut st, item);
            drop(st);
            woken.wake();
        }
    }
}
