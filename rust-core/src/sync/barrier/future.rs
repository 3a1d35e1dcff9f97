//! The async forms of [`CyclicBarrier`]'s wait: a borrowing and an
//! owning future, over one [`WaitState`].

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{outcome, Arrival, BarrierError, CyclicBarrier};
use crate::loom::Arc;
use crate::wait::Waiter;

/// Waits at a barrier when awaited; made by [`CyclicBarrier::wait_async`].
///
/// ```
/// use std::task::Poll;
/// use polyconc::sync::CyclicBarrier;
/// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
/// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
/// # }
/// let b = CyclicBarrier::new(2);
/// let mut f = b.wait_async();
/// assert_eq!(poll_once(&mut f), Poll::Pending);
/// assert_eq!(b.wait(), Ok(0));
/// assert_eq!(poll_once(&mut f), Poll::Ready(Ok(1)));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWaitFuture<'a> {
    pub(super) barrier: &'a CyclicBarrier,
    pub(super) state: WaitState,
}

/// Waits at a barrier when awaited, owning a handle to it; made by
/// [`CyclicBarrier::wait_owned_async`]. It borrows nothing, so a binding
/// can keep it pending in an object of its own.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{CyclicBarrier, OwnedBarrierWaitFuture};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut: OwnedBarrierWaitFuture = Arc::new(CyclicBarrier::new(2)).wait_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedBarrierWaitFuture {
    pub(super) barrier: std::sync::Arc<CyclicBarrier>,
    pub(super) state: WaitState,
}

/// A pending asynchronous wait, whoever holds the barrier.
pub(super) enum WaitState {
    Start,
    /// Came while an action ran; arrives again when told.
    Early(Arc<Waiter>),
    Waiting(Arc<Waiter>, usize),
    Done,
}

impl WaitState {
    /// Polls at `barrier`, which must be the same on every call.
    fn poll(
        &mut self,
        barrier: &CyclicBarrier,
        cx: &mut Context<'_>,
    ) -> Poll<Result<usize, BarrierError>> {
        let result = loop {
            match &*self {
                WaitState::Start => {
                    let waiter = Waiter::for_task(cx.waker());
                    match barrier.arrive(&waiter) {
                        Arrival::Broken => break Err(BarrierError::Broken),
                        Arrival::Last(r) => break r,
                        Arrival::Waits(index) => *self = WaitState::Waiting(waiter, index),
                        Arrival::Early => *self = WaitState::Early(waiter),
                    }
                    return Poll::Pending;
                }
                WaitState::Early(waiter) => {
                    if !waiter.poll_done(cx.waker()) {
                        return Poll::Pending;
                    }
                    *self = WaitState::Start;
                }
                WaitState::Waiting(waiter, index) => {
                    if !waiter.poll_done(cx.waker()) {
                        return Poll::Pending;
                    }
                    break outcome(waiter, *index);
                }
                WaitState::Done => panic!("a barrier's wait future polled after it completed"),
            }
        };
        *self = WaitState::Done;
        Poll::Ready(result)
    }

    /// Gives up: breaks the barrier if it arrived and its generation has
    /// not tripped; changes nothing otherwise.
    fn cancel(&mut self, barrier: &CyclicBarrier) {
        match &*self {
            WaitState::Waiting(waiter, _) => {
                barrier.leave(waiter);
            }
            // Never arrived: just leaves the queue, if still in it.
            WaitState::Early(waiter) => {
                let _ = barrier.waiters.lock().abort(waiter);
            }
            WaitState::Start | WaitState::Done => {}
        }
        *self = WaitState::Done;
    }
}

impl Future for BarrierWaitFuture<'_> {
    type Output = Result<usize, BarrierError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.state.poll(this.barrier, cx)
    }
}

impl Drop for BarrierWaitFuture<'_> {
    fn drop(&mut self) {
        self.state.cancel(self.barrier);
    }
}

impl Future for OwnedBarrierWaitFuture {
    type Output = Result<usize, BarrierError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.state.poll(&this.barrier, cx)
    }
}

impl Drop for OwnedBarrierWaitFuture {
    fn drop(&mut self) {
        self.state.cancel(&self.barrier);
    }
}

impl std::fmt::Debug for OwnedBarrierWaitFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedBarrierWaitFuture")
            .field("parties", &self.barrier.parties)
            .finish_non_exhaustive()
    }
}
