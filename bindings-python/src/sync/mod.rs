//! The core's locks and synchronizers (`polyconc::sync`) as Python
//! classes with `threading`'s signatures and errors, one file per concept.
//! Each is a thin crossing: a blocking call is `wait::wait_on` over the
//! core's try form and future (a queued waiter keeps its place across
//! slices), or `wait::wait_for` over its try and deadline forms where the
//! core has no future; either way the GIL is released, Ctrl-C is checked
//! between slices, and nothing is taken when it stops. An async call is an
//! `aio` op over the core's owned future (it holds an `Arc` of the core
//! object, so it borrows nothing from the Python object).

pub(crate) mod barrier;
pub(crate) mod condition;
pub(crate) mod latch;
pub(crate) mod mutex;
pub(crate) mod reentrant;
pub(crate) mod rwlock;
pub(crate) mod semaphore;
pub(crate) mod spin;
pub(crate) mod waitgroup;

use polyconc::sync::{
    OwnedAcquireFuture, OwnedLatchWaitFuture, OwnedRawLockFuture, OwnedRawRwLockFuture,
    OwnedRawSpinLockFuture, OwnedWaitGroupWaitFuture,
};
use pyo3::prelude::*;

use crate::aio::Awaitable;
use crate::wait::TimedOut;
use crate::Obj;

/// A core wait that stays queued when one GIL-free slice ends (a
/// reentrant lock's attempt): the next slice goes on with it, so it keeps
/// its place (a fair lock's turn).
pub(crate) struct StillQueued<W>(pub(crate) W);

impl<W> TimedOut for StillQueued<W> {
    type Held = W;
    fn held(self) -> W {
        self.0
    }
}

/// The core futures that only complete (a lock or permits taken, a latch
/// or group opened) answer `None`; withdrawn, they did nothing: dropped,
/// each gives back what it was handed meanwhile (a lock, permits) or just
/// stops waiting.
macro_rules! completes {
    ($($fut:ty),* $(,)?) => {$(
        impl Awaitable for $fut {
            fn answer(_: Python<'_>, (): ()) -> PyResult<Option<Obj>> {
                Ok(None)
            }

            fn withdraw(self) -> bool {
                false
            }
        }
    )*};
}

completes!(
    OwnedRawLockFuture,
    OwnedRawSpinLockFuture,
    OwnedRawRwLockFuture,
    OwnedAcquireFuture,
    OwnedLatchWaitFuture,
    OwnedWaitGroupWaitFuture,
);
