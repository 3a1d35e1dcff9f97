//! `polyconc.SpinLock`: `threading.Lock`'s API over the core's
//! `RawSpinLock`, a lock that never sleeps.

use std::sync::Arc;

use polyconc::sync::{OwnedRawSpinLockFuture, RawSpinLock};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::aio::{self, awaitable_op};
use crate::errors::ToPyErr;
use crate::wait::{acquire_wait, deadline_of, wait_for, Blocking};

/// A spin lock with the API of ``Mutex``: waiters spin (GIL released)
/// instead of sleeping.
#[pyclass(frozen, weakref, name = "SpinLock", module = "polyconc")]
pub(crate) struct PySpinLock {
    /// Shared with the pending `acquire_async` ops, which own their futures.
    pub(crate) raw: Arc<RawSpinLock>,
}

awaitable_op!(
    /// A pending `SpinLock.acquire_async`.
    SpinOp = "_SpinOp" over OwnedRawSpinLockFuture, on PySpinLock
);

#[pymethods]
impl PySpinLock {
    #[new]
    fn new() -> Self {
        PySpinLock {
            raw: Arc::new(RawSpinLock::new()),
        }
    }

    /// Takes the lock, as `Mutex.acquire`. A spin lock keeps no queue, so
    /// each GIL-free slice is one deadline-bounded spin.
    #[pyo3(
        signature = (blocking = Blocking(true), timeout = Some(-1.0)),
        text_signature = "($self, blocking=True, timeout=-1)"
    )]
    fn acquire(&self, py: Python<'_>, blocking: Blocking, timeout: Option<f64>) -> PyResult<bool> {
        let raw = &self.raw;
        wait_for(
            py,
            acquire_wait(blocking, timeout)?,
            || raw.try_lock(),
            |until| raw.lock_deadline(until),
        )
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
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release()
    }

    /// Takes the lock from a task (re-polling, never sleeping); False if
    /// `timeout` seconds pass first.
    #[pyo3(signature = (timeout = None))]
    fn acquire_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        let fut = Arc::clone(&slf.get().raw).lock_owned_async();
        aio::acquire(slf.py(), SpinOp::new(slf, fut), timeout)
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::acquire_async(slf, None)
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        slf: &Bound<'py, Self>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::release(slf.as_any())
    }

    fn __repr__(&self) -> String {
        let state = if self.locked() { "locked" } else { "unlocked" };
        format!("<polyconc.SpinLock {state}>")
    }
}
