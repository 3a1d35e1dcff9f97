//! `LinkedTransferQueue.transfer_async`: the core's transfer future,
//! awaited as `put_async` awaits a put (see `ops`).

use polyconc::queue::TransferFuture;
use pyo3::prelude::*;

use super::elem::Item;
use crate::aio::{self, awaitable_op, Awaitable};
use crate::errors::{OnQueue, ToPyErr};
use crate::Obj;

impl Awaitable for TransferFuture<Item> {
    fn answer(_: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>> {
        out.map(|()| None).map_err(|e| OnQueue(e).to_py_err())
    }

    /// An element a consumer already received is delivered: the transfer
    /// happened, and the cancelled `await` returns normally (the rule of a
    /// claimed hand-off); otherwise it is out of the queue, never delivered.
    fn withdraw(self) -> bool {
        self.cancel().is_ok()
    }
}

awaitable_op!(
    /// A pending `transfer_async`: a cancelled transfer delivers nothing,
    /// unless a consumer had already received its element.
    TransferOp = "_TransferOp" over TransferFuture<Item>, on PyAny
);

/// The coroutine of `transfer_async(elem)` on `owner`'s queue `fut`.
pub(super) fn transfer_op<'py>(
    owner: &Bound<'py, PyAny>,
    fut: TransferFuture<Item>,
) -> PyResult<Bound<'py, PyAny>> {
    aio::drive(owner.py(), TransferOp::new(owner, fut))
}
