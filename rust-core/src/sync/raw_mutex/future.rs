//! The async forms of [`RawMutex`]: a borrowing and an owning lock
//! future, over one [`Acquiring`] state that [`Mutex`](crate::sync::Mutex)'s
//! and [`ReentrantLock`](crate::sync::ReentrantLock)'s futures share.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::fairness::Patience;
use super::{RawMutex, HANDED};
use crate::loom::Arc;
use crate::wait::Waiter;

/// Takes a [`RawMutex`] when awaited; made by [`RawMutex::lock_async`].
///
/// ```
/// use polyconc::sync::RawMutex;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let m = RawMutex::new();
/// let fut = m.lock_async();
/// block_on(fut);
/// assert_eq!(m.unlock(), Ok(()));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RawLockFuture<'a> {
    pub(super) mutex: &'a RawMutex,
    pub(super) acquiring: Acquiring,
}

/// Takes a [`RawMutex`] when awaited, owning a handle to it; made by
/// [`RawMutex::lock_owned_async`]. It borrows nothing, so a binding can
/// keep it pending in an object of its own.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedRawLockFuture, RawMutex};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let m = Arc::new(RawMutex::new());
/// let fut: OwnedRawLockFuture = Arc::clone(&m).lock_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedRawLockFuture {
    pub(super) mutex: std::sync::Arc<RawMutex>,
    pub(super) acquiring: Acquiring,
}

/// The state of a pending asynchronous lock, whoever holds the mutex.
#[derive(Default)]
pub(in crate::sync) struct Acquiring {
    /// Queued, waiting to be handed the lock or told to retry.
    waiter: Option<Arc<Waiter>>,
    patience: Patience,
}

impl Acquiring {
    /// Polls for `mutex`, which must be the same on every call.
    pub(in crate::sync) fn poll(&mut self, mutex: &RawMutex, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if let Some(waiter) = &self.waiter {
                if !waiter.poll_done(cx.waker()) {
                    return Poll::Pending;
                }
                let case = waiter.claimed();
                self.waiter = None;
                if case == Some(HANDED) {
                    return Poll::Ready(());
                }
                self.patience.lost();
            }
            if mutex.try_lock() {
                return Poll::Ready(());
            }
            let waiter = Waiter::for_task(cx.waker());
            if mutex.enqueue(&waiter, &mut self.patience).is_ok() {
                self.waiter = Some(waiter);
            }
        }
    }

    /// Gives up: leaves the lock as it was before the first poll (a lock
    /// handed over meanwhile is released, and so passed on).
    pub(in crate::sync) fn cancel(&mut self, mutex: &RawMutex) {
        let Some(waiter) = self.waiter.take() else {
            return;
        };
        match mutex.leave(&waiter) {
            Ok(()) => {}
            // Handed the lock it will not use: release it (to the next).
            Err(HANDED) => mutex.release(),
            // Woken to retry, which it will not: let the next one try.
            Err(_) => {
                if mutex.try_lock() {
                    mutex.release();
                }
            }
        }
    }

    fn is_queued(&self) -> bool {
        self.waiter.is_some()
    }
}

impl fmt::Debug for RawLockFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawLockFuture")
            .field("queued", &self.acquiring.is_queued())
            .finish_non_exhaustive()
    }
}

impl Future for RawLockFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.acquiring.poll(this.mutex, cx)
    }
}

impl Drop for RawLockFuture<'_> {
    fn drop(&mut self) {
        self.acquiring.cancel(self.mutex);
    }
}

impl fmt::Debug for OwnedRawLockFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedRawLockFuture")
            .field("queued", &self.acquiring.is_queued())
            .finish_non_exhaustive()
    }
}

impl Future for OwnedRawLockFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.acquiring.poll(&this.mutex, cx)
    }
}

impl Drop for OwnedRawLockFuture {
    fn drop(&mut self) {
        self.acquiring.cancel(&self.mutex);
    }
}
