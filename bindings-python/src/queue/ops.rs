//! The queues' awaitable ops (see `aio`): one class per core future.

use polyconc::queue::{PutFuture, TakeFuture};
use pyo3::prelude::*;

use super::elem::{Delayed, Elem, Item};
use super::gate::GatedTake;
use super::priority::Keyed;
use crate::aio::{awaitable_op, Awaitable};
use crate::errors::{OnQueue, ToPyErr};
use crate::Obj;

impl Awaitable for PutFuture<Item> {
    fn answer(_: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>> {
        out.map(|()| None).map_err(|e| OnQueue(e).to_py_err())
    }

    /// An element a consumer already claimed is delivered: the put happened.
    fn withdraw(self) -> bool {
        self.cancel().is_ok()
    }
}

impl<E: Elem> Awaitable for TakeFuture<E> {
    fn answer(_: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>> {
        out.map(|e| Some(e.into_obj()))
            .map_err(|e| OnQueue(e).to_py_err())
    }

    /// A pending take has taken nothing (an element handed to it goes
    /// back to the head when it drops).
    fn withdraw(self) -> bool {
        false
    }
}

impl<E: Elem> Awaitable for GatedTake<E> {
    fn answer(py: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>> {
        <TakeFuture<E> as Awaitable>::answer(py, out?)
    }

    fn withdraw(self) -> bool {
        false
    }
}

awaitable_op!(
    /// A pending `put_async`: a cancelled put delivers nothing, unless a
    /// consumer had already claimed its element.
    PutOp = "_QueuePutOp" over PutFuture<Item>, on PyAny
);
awaitable_op!(
    /// A pending `take_async`: a cancelled take removes nothing.
    TakeOp = "_QueueTakeOp" over TakeFuture<Item>, on PyAny
);
awaitable_op!(
    /// A pending `DelayQueue.take_async`, polled inside its gate.
    DelayTakeOp = "_DelayTakeOp" over GatedTake<Delayed>, on PyAny
);
awaitable_op!(
    /// A pending `PriorityBlockingQueue.take_async`, polled inside its gate.
    PriorityTakeOp = "_PriorityTakeOp" over GatedTake<Keyed>, on PyAny
);
