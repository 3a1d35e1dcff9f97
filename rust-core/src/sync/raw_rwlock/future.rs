//! The async forms of [`RawRwLock`]: a borrowing and an owning lock
//! future, over one [`Pending`] state that [`RwLock`](crate::sync::RwLock)'s
//! futures share.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{Access, RawRwLock};
use crate::loom::Arc;
use crate::wait::Waiter;

/// The waiting part of an async read or write, whoever holds the lock:
/// shared by every lock future of [`RawRwLock`] and
/// [`RwLock`](crate::sync::RwLock).
pub(in crate::sync) struct Pending {
    access: Access,
    /// Queued, waiting to be granted the lock.
    waiter: Option<Arc<Waiter>>,
}

impl Pending {
    pub(in crate::sync) fn new(access: Access) -> Self {
        Pending {
            access,
            waiter: None,
        }
    }

    /// Polls for `lock`, which must be the same on every call.
    pub(in crate::sync) fn poll(&mut self, lock: &RawRwLock, cx: &mut Context<'_>) -> Poll<()> {
        if self.waiter.is_none() {
            if lock.try_acquire(self.access) {
                return Poll::Ready(());
            }
            let waiter = Waiter::for_task(cx.waker());
            lock.enqueue(&waiter, self.access);
            self.waiter = Some(waiter);
        }
        let waiter = self.waiter.as_ref().expect("queued above");
        if !waiter.poll_done(cx.waker()) {
            return Poll::Pending;
        }
        self.waiter = None;
        Poll::Ready(())
    }

    /// Gives up: leaves the lock as it was before the first poll (a grant
    /// made meanwhile is released, and so passed on).
    pub(in crate::sync) fn cancel(&mut self, lock: &RawRwLock) {
        if let Some(waiter) = self.waiter.take() {
            if lock.leave(&waiter).is_err() {
                lock.release(self.access);
            }
        }
    }

    pub(in crate::sync) fn is_queued(&self) -> bool {
        self.waiter.is_some()
    }
}

/// Takes a hold of a [`RawRwLock`] when awaited; made by
/// [`RawRwLock::read_async`] and [`RawRwLock::write_async`].
///
/// ```
/// use polyconc::sync::{RawRwLock, RawRwLockFuture};
/// fn is_send<F: Send>(_: &F) {}
/// let lock = RawRwLock::new();
/// let fut: RawRwLockFuture<'_> = lock.write_async();
/// is_send(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RawRwLockFuture<'a> {
    pub(super) lock: &'a RawRwLock,
    pub(super) pending: Pending,
}

impl fmt::Debug for RawRwLockFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawRwLockFuture")
            .field("queued", &self.pending.is_queued())
            .finish_non_exhaustive()
    }
}

impl Future for RawRwLockFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.pending.poll(this.lock, cx)
    }
}

impl Drop for RawRwLockFuture<'_> {
    fn drop(&mut self) {
        self.pending.cancel(self.lock);
    }
}

/// Takes a hold of a [`RawRwLock`] when awaited, owning a handle to it;
/// made by [`RawRwLock::read_owned_async`] and
/// [`RawRwLock::write_owned_async`]. It borrows nothing, so a binding can
/// keep it pending in an object of its own.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedRawRwLockFuture, RawRwLock};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut: OwnedRawRwLockFuture = Arc::new(RawRwLock::new()).read_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedRawRwLockFuture {
    pub(super) lock: std::sync::Arc<RawRwLock>,
    pub(super) pending: Pending,
}

impl fmt::Debug for OwnedRawRwLockFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedRawRwLockFuture")
            .field("queued", &self.pending.is_queued())
            .finish_non_exhaustive()
    }
}

impl Future for OwnedRawRwLockFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.pending.poll(&this.lock, cx)
    }
}

impl Drop for OwnedRawRwLockFuture {
    fn drop(&mut self) {
        self.pending.cancel(&self.lock);
    }
}
