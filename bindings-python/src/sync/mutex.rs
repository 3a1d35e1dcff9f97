//! `polyconc.Mutex`: `threading.Lock` over the core's `RawMutex`.

use std::sync::Arc;

use polyconc::sync::{OwnedRawLockFuture, RawMutex};
use polyconc::Wait;
use pyo3::prelude::*;

use crate::aio::{self, awaitable_op};
use crate::errors::ToPyErr;
use crate::nested::{give_up_at, Place};
use crate::wait::{acquire_wait, deadline_of, wait_on, Blocking};

/// A lock, as ``threading.Lock``: any thread may release it. Blocking
/// acquires release the GIL and stay interruptible by Ctrl-C; an
/// interrupted, timed-out or cancelled acquire holds nothing.
#[pyclass(frozen, weakref, name = "Mutex", module = "polyconc")]
pub(crate) struct PyMutex {
    /// Shared with the pending `acquire_async` ops, which own their futures.
    pub(crate) raw: Arc<RawMutex>,
}

awaitable_op!(
    /// A pending `Mutex.acquire_async`.
    LockOp = "_LockOp" over OwnedRawLockFuture, on PyMutex
);

impl PyMutex {
    /// Takes the lock as `acquire` does; shared with `Condition`.
    pub(crate) fn acquire_raw(
        raw: &RawMutex,
        py: Python<'_>,
        blocking: Blocking,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let wait = acquire_wait(blocking, timeout)?;
        let place = Place::of(raw);
        // A signal handler's wait takes over the hold of the condition wait
        // it interrupted, if that one was taking this mutex back.
        let now = || raw.try_lock() || matches!(wait, Wait::Until(_)) && give_up_at(py, place);
        let taken = wait_on(
            py,
            wait,
            Some(place),
            || now().then_some(()),
            || raw.lock_async(),
        )?;
        Ok(taken.is_some())
    }
}

#[pymethods]
impl PyMutex {
    #[new]
    fn new() -> Self {
        PyMutex {
            raw: Arc::new(RawMutex::new()),
        }
    }

    /// Takes the lock; see the stubs for the arguments.
    #[pyo3(
        signature = (blocking = Blocking(true), timeout = Some(-1.0)),
        text_signature = "($self, blocking=True, timeout=-1)"
    )]
    fn acquire(&self, py: Python<'_>, blocking: Blocking, timeout: Option<f64>) -> PyResult<bool> {
        Self::acquire_raw(&self.raw, py, blocking, timeout)
    }

    /// Releases the lock, whichever thread took it.
    fn release(&self) -> PyResult<()> {
        self.raw.unlock().map_err(|e| e.to_py_err())
    }

    fn locked(&self) -> bool {
        self.raw.is_locked()
    }

    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.acquire(py, Blocking(true), None)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        self.release()
    }

    /// Takes the lock; False if `timeout` seconds pass first.
    #[pyo3(signature = (timeout = None))]
    fn acquire_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        let fut = Arc::clone(&slf.get().raw).lock_owned_async();
        aio::acquire(slf.py(), LockOp::new(slf, fut), timeout)
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::acquire_async(slf, None)
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        slf: &Bound<'py, Self>,
        _exc: &Bound<'py, pyo3::types::PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::release(slf.as_any())
    }

    fn __repr__(&self) -> String {
        let state = if self.raw.is_locked() {
            "locked"
        } else {
            "unlocked"
        };
        format!("<polyconc.Mutex {state}>")
    }
}
