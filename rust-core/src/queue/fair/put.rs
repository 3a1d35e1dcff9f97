//! [`FairPut`]: an async put or transfer on the [`Fair`] engine.

use std::cell::UnsafeCell;
use std::task::{Context, Poll};

use super::transfer::Started;
use super::{Fair, HeapSlot, Slot};
use crate::loom::Arc;
use crate::queue::SendError;
use crate::wait::Waiter;

/// A pending async put on a [`Fair`] engine, or a transfer: a transfer
/// whose element waits in the buffer (or with a take future it was handed
/// to) with the future's waiter beside it, as a blocked `transfer`'s
/// does, until a consumer receives it (or `close`, which puts it back in
/// the slot) and completes the waiter.
pub(crate) struct FairPut<T> {
    engine: Arc<Fair<T>>,
    transfer: bool,
    /// Before the first poll.
    value: Option<T>,
    /// Once queued as a producer, or as a transfer.
    queued: Option<(Arc<Waiter>, HeapSlot<T>)>,
}

impl<T> FairPut<T> {
    pub(crate) fn new(engine: Arc<Fair<T>>, value: T) -> Self {
        FairPut::with(engine, value, false)
    }

    pub(crate) fn transfer(engine: Arc<Fair<T>>, value: T) -> Self {
        FairPut::with(engine, value, true)
    }

    fn with(engine: Arc<Fair<T>>, value: T, transfer: bool) -> Self {
        FairPut {
            engine,
            transfer,
            value: Some(value),
            queued: None,
        }
    }

    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        if let Some((waiter, _)) = &self.queued {
            if !waiter.poll_done(cx.waker()) {
                return Poll::Pending;
            }
            let (_, slot) = self.queued.take().expect("checked above");
            return Poll::Ready(match slot.into_inner() {
                None => Ok(()),
                Some(v) => Err(SendError(v)),
            });
        }
        let value = self
            .value
            .take()
            .expect("a put or transfer future polled after it completed");
        if self.transfer {
            self.start_transfer(value, cx)
        } else {
            self.start_put(value, cx)
        }
    }

    fn start_put(&mut self, value: T, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let engine = &*self.engine;
        let mut st = engine.state.lock();
        if st.closed {
            return Poll::Ready(Err(SendError(value)));
        }
        match engine.try_insert_locked(&mut st, value) {
            Ok(woken) => {
                drop(st);
                woken.wake();
                Poll::Ready(Ok(()))
            }
            Err(value) => {
                let slot = Box::new(UnsafeCell::new(Some(value)));
                let waiter = Waiter::for_task(cx.waker());
                engine
                    .producers
                    .lock()
                    .push_back(Arc::clone(&waiter), Slot(slot.get()));
                self.queued = Some((waiter, slot));
                Poll::Pending
            }
        }
    }

    fn start_transfer(&mut self, value: T, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let queued = &mut self.queued;
        let started = self.engine.start_transfer(value, || {
            let slot: HeapSlot<T> = Box::new(UnsafeCell::new(None));
            let waiter = Waiter::for_task(cx.waker());
            let transfer = (Arc::clone(&waiter), Slot(slot.get()));
            *queued = Some((waiter, slot));
            Some(transfer)
        });
        match started {
            Ok(Started::Queued) => Poll::Pending,
            Ok(Started::HandedOver) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(SendError(e.into_inner()))),
        }
    }

    /// `Ok(())` if the element was delivered (moved in, or for a transfer
    /// taken by a consumer; or the future completed), `Err(value)` with the
    /// element nobody took (for a transfer: still queued, it leaves the
    /// queue; or given back by `close`).
    pub(crate) fn cancel(mut self) -> Result<(), T> {
        match self.withdraw() {
            Some(v) => Err(v),
            None => Ok(()),
        }
    }

    /// Takes the element back unless it was delivered.
    fn withdraw(&mut self) -> Option<T> {
        if let Some(v) = self.value.take() {
            return Some(v);
        }
        let (waiter, slot) = self.queued.take()?;
        if self.transfer {
            return self
                .engine
                .withdraw_transfer(&waiter)
                .or_else(|| slot.into_inner());
        }
        let _st = self.engine.state.lock();
        // Aborted, or claimed (and complete, under this lock): either way
        // the slot holds what is left.
        let _ = self.engine.producers.lock().abort(&waiter);
        slot.into_inner()
    }
}

impl<T> Drop for FairPut<T> {
    fn drop(&mut self) {
        drop(self.withdraw());
    }
}
