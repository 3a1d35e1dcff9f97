//! The core's locks and synchronizers (`polyconc::sync`) as Python
//! classes with `threading`'s signatures and errors, one file per concept.
//! Each is a thin crossing: a blocking call is `wait::wait_on` over the
//! core's try form and future (a queued waiter keeps its place across
//! slices), or `wait::wait_for` over its try and deadline forms where the
//! core has no future; either way the GIL is released, Ctrl-C is checked
//! between slices, and nothing is taken when it stops. An async call is an
//! `aio` op over the core's future.

pub(crate) mod barrier;
pub(crate) mod condition;
pub(crate) mod latch;
pub(crate) mod mutex;
pub(crate) mod reentrant;
pub(crate) mod rwlock;
pub(crate) mod semaphore;
pub(crate) mod spin;
pub(crate) mod waitgroup;

use std::future::Future;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard};
use std::task::{Context, Poll};

use pyo3::prelude::*;

use crate::aio::Awaitable;
use crate::Obj;

/// A core lock future whose guard the Python object keeps (the core's
/// `SpinLock` and `RwLock` unlock only by dropping a guard, so a Python
/// `release()`, from any thread, drops the guard its object kept).
pub(crate) struct Keep<F: Future, O: 'static> {
    fut: F,
    owner: &'static O,
    keep: fn(&O, F::Output),
}

impl<F: Future, O> Keep<F, O> {
    /// `fut`, whose guard goes to `keep(owner, guard)` when it is ready.
    pub(crate) fn new(fut: F, owner: &'static O, keep: fn(&O, F::Output)) -> Self {
        Keep { fut, owner, keep }
    }
}

impl<F: Future + Unpin, O> Future for Keep<F, O> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let (owner, keep) = (self.owner, self.keep);
        Pin::new(&mut self.fut)
            .poll(cx)
            .map(|guard| keep(owner, guard))
    }
}

impl<F: Future + Unpin + Send + 'static, O: Sync> Awaitable for Keep<F, O> {
    fn answer(_: Python<'_>, (): ()) -> PyResult<Option<Obj>> {
        Ok(None)
    }

    /// Dropped before it is ready, a lock future holds nothing (a lock
    /// granted to it meanwhile is passed on).
    fn withdraw(self) -> bool {
        false
    }
}

/// A slot of kept guards.
pub(crate) fn slot<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Poisoned only by a panic while a guard was pushed or popped: the slot
    // itself is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}
