//! Awaitable operations: the core's futures, polled from Python.
//!
//! `Chan`'s async methods wrap the core's future in an op class and hand it
//! to `polyconc._aio.drive`, one coroutine that polls the op, awaits an
//! asyncio future between polls, and cancels the op when it ends early.
//! The op's waker calls a Python callable that re-schedules the task on its
//! own event loop.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError, Weak};
use std::task::{Context, Poll, Wake, Waker};

use polyconc::chan::{RecvFuture, SendFuture};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::chan::PyChan;
use crate::errors::ToPyErr;
use crate::Obj;

/// A core future that Python awaits.
pub(crate) trait Awaitable: Future + Unpin + Send + 'static {
    /// What the awaiting coroutine returns (or raises) once it is ready.
    fn answer(py: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>>;

    /// Stops the pending operation: true if it took effect anyway (its
    /// answer is then `None`), false if it did nothing.
    fn withdraw(self) -> bool;
}

impl Awaitable for RecvFuture<Obj> {
    fn answer(_: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>> {
        out.map(Some).map_err(|e| e.to_py_err())
    }

    /// A pending receive has taken nothing (it is only told of values).
    fn withdraw(self) -> bool {
        false
    }
}

impl Awaitable for SendFuture<Obj> {
    fn answer(_: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>> {
        out.map(|()| None).map_err(|e| e.to_py_err())
    }

    /// A value a receiver already claimed is delivered: the send happened.
    fn withdraw(self) -> bool {
        self.cancel().is_ok()
    }
}

/// What every op class holds: its core future until it is ready or
/// cancelled. Shared with the op's wakers (weakly, so that a waker kept by
/// the core does not keep the op alive), which drop the future when they
/// cannot wake the task.
pub(crate) struct Op<F> {
    fut: Arc<Mutex<Option<F>>>,
}

impl<F: Awaitable> Op<F> {
    pub(crate) fn new(fut: F) -> Self {
        Op {
            fut: Arc::new(Mutex::new(Some(fut))),
        }
    }

    /// `(True, answer)` when ready, `(False, None)` while pending (then
    /// `wake()` is called once it is worth polling again).
    pub(crate) fn poll(&self, py: Python<'_>, wake: Obj) -> PyResult<(bool, Option<Obj>)> {
        let mut slot = lock(&self.fut);
        let fut = slot
            .as_mut()
            .ok_or_else(|| PyRuntimeError::new_err("this operation already finished"))?;
        let waker = Waker::from(Arc::new(PyWake {
            callback: wake,
            fut: Arc::downgrade(&self.fut),
        }));
        match Pin::new(fut).poll(&mut Context::from_waker(&waker)) {
            Poll::Pending => Ok((false, None)),
            Poll::Ready(out) => {
                *slot = None;
                F::answer(py, out).map(|answer| (true, answer))
            }
        }
    }

    /// Stops the pending operation: true if it took effect anyway. False
    /// too once it is ready or stopped.
    pub(crate) fn cancel(&self) -> bool {
        let fut = lock(&self.fut).take();
        fut.is_some_and(F::withdraw)
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a panic (turned into a Python exception)
    // happened mid-poll; the future itself is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One op class per core future: Python classes cannot be generic. An op
/// holds the object it works on (a channel, a lock), and shows it to the
/// garbage collector: an object with a pending op is reachable from the
/// op's task.
///
/// The core future is an owned one (it holds an `Arc` of the core object,
/// as the channel's futures hold the channel), so it borrows nothing from
/// `owner`, and the two may drop in any order.
macro_rules! awaitable_op {
    ($(#[$doc:meta])* $name:ident = $py_name:literal over $fut:ty, on $owner:ty) => {
        $(#[$doc])*
        #[pyo3::pyclass(frozen, name = $py_name, module = "polyconc._core")]
        pub(crate) struct $name {
            op: $crate::aio::Op<$fut>,
            owner: pyo3::Py<$owner>,
        }

        impl $name {
            pub(crate) fn new(owner: &pyo3::Bound<'_, $owner>, fut: $fut) -> Self {
                $name {
                    op: $crate::aio::Op::new(fut),
                    owner: owner.clone().unbind(),
                }
            }
        }

        #[pyo3::pymethods]
        impl $name {
            /// `(True, answer)` when ready, `(False, None)` while pending
            /// (then `wake()` is called once it is worth polling again).
            fn poll(
                &self,
                py: pyo3::Python<'_>,
                wake: $crate::Obj,
            ) -> pyo3::PyResult<(bool, Option<$crate::Obj>)> {
                self.op.poll(py, wake)
            }

            /// Stops the pending operation: True if it took effect anyway
            /// (a send whose value a receiver had claimed).
            fn cancel(&self) -> bool {
                self.op.cancel()
            }

            fn __traverse__(
                &self,
                visit: pyo3::gc::PyVisit<'_>,
            ) -> Result<(), pyo3::PyTraverseError> {
                visit.call(&self.owner)
            }
        }
    };
}
pub(crate) use awaitable_op;

awaitable_op!(
    /// A pending `recv_async`: a cancelled receive consumes nothing.
    RecvOp = "_RecvOp" over RecvFuture<Obj>, on PyChan
);
awaitable_op!(
    /// A pending `send_async`: a cancelled send delivers nothing, unless a
    /// receiver had already claimed its value.
    SendOp = "_SendOp" over SendFuture<Obj>, on PyChan
);

/// Wakes an asyncio task: calls a Python callable that schedules the task's
/// re-poll on its event loop (`loop.call_soon_threadsafe`) and answers
/// whether it could. The core calls it after releasing its channel lock,
/// from any thread.
struct PyWake<F> {
    callback: Obj,
    fut: Weak<Mutex<Option<F>>>,
}

impl<F: Send + 'static> Wake for PyWake<F> {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        Python::attach(|py| {
            let woken = match self.callback.call0(py) {
                Ok(woken) => woken.is_truthy(py).unwrap_or(false),
                Err(e) => {
                    // Nobody awaits a waker's result: report as CPython does for callbacks.
                    e.write_unraisable(py, Some(self.callback.bind(py)));
                    false
                }
            };
            if !woken {
                // Holding the GIL: the future may drop a value it holds.
                self.give_up();
            }
        });
    }
}

impl<F> PyWake<F> {
    /// The task cannot be woken (its event loop is closed): drops its core
    /// future, which passes on the news it was told (a value to take, a
    /// free slot) to the next waiter, instead of sitting on it forever.
    fn give_up(&self) {
        let Some(fut) = self.fut.upgrade() else {
            return; // the op is gone, and its future with it
        };
        let taken = match fut.try_lock() {
            Ok(mut slot) => slot.take(),
            Err(TryLockError::Poisoned(e)) => e.into_inner().take(),
            // Being polled right now: its task is alive after all.
            Err(TryLockError::WouldBlock) => None,
        };
        drop(taken);
    }
}

/// The coroutine `_aio.drive(op)`, which awaits `op`.
pub(crate) fn drive<'py>(
    py: Python<'py>,
    op: impl IntoPyObject<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    static DRIVE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    DRIVE.import(py, "polyconc._aio", "drive")?.call1((op,))
}

/// The coroutine `_aio.acquire(op, timeout)`: True once `op` is done,
/// False if `timeout` seconds (`None`: forever) pass first, `op` cancelled.
pub(crate) fn acquire<'py>(
    py: Python<'py>,
    op: impl IntoPyObject<'py>,
    timeout: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    static ACQUIRE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    ACQUIRE
        .import(py, "polyconc._aio", "acquire")?
        .call1((op, timeout))
}

/// The coroutine `_aio.release(lock)`: `lock.release()`, for `__aexit__`.
pub(crate) fn release<'py>(lock: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    static RELEASE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    RELEASE
        .import(lock.py(), "polyconc._aio", "release")?
        .call1((lock,))
}

/// The coroutine `_aio.anext(ch)`, the next object of `async for`.
pub(crate) fn anext<'py>(chan: &Bound<'py, PyChan>) -> PyResult<Bound<'py, PyAny>> {
    static ANEXT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    ANEXT
        .import(chan.py(), "polyconc._aio", "anext")?
        .call1((chan,))
}
