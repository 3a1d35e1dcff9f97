//! `polyconc.Semaphore`: `threading.Semaphore` over the core's
//! `Semaphore` (Java's), whose acquires take several permits at once.

use std::sync::Arc;

use polyconc::sync::{OwnedAcquireFuture, Semaphore};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::aio::{self, awaitable_op};
use crate::errors::ToPyErr;
use crate::nested::Place;
use crate::wait::{deadline_of, wait_of, wait_on, Blocking};

/// A counting semaphore, as ``threading.Semaphore``.
#[pyclass(frozen, weakref, name = "Semaphore", module = "polyconc")]
pub(crate) struct PySemaphore {
    /// Shared with the pending `acquire_async` ops, which own their futures.
    sem: Arc<Semaphore>,
}

awaitable_op!(
    /// A pending `Semaphore.acquire_async`.
    AcquireOp = "_AcquireOp" over OwnedAcquireFuture, on PySemaphore
);

/// `permits`, checked: at least one.
fn permits_of(permits: i64) -> PyResult<usize> {
    match usize::try_from(permits) {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(PyValueError::new_err(format!(
            "permits must be at least 1, got {permits}"
        ))),
    }
}

#[pymethods]
impl PySemaphore {
    #[new]
    #[pyo3(signature = (value = 1, fair = false))]
    fn new(value: i64, fair: bool) -> PyResult<Self> {
        let value = usize::try_from(value)
            .map_err(|_| PyValueError::new_err("semaphore initial value must be >= 0"))?;
        let sem = if fair {
            Semaphore::fair(value)
        } else {
            Semaphore::new(value)
        };
        Ok(PySemaphore { sem: Arc::new(sem) })
    }

    /// Takes `permits` permits, all or none; see the stubs.
    #[pyo3(signature = (blocking = Blocking(true), timeout = None, *, permits = 1))]
    #[pyo3(text_signature = "($self, blocking=True, timeout=None, *, permits=1)")]
    fn acquire(
        &self,
        py: Python<'_>,
        blocking: Blocking,
        timeout: Option<f64>,
        permits: i64,
    ) -> PyResult<bool> {
        let n = permits_of(permits)?;
        let wait = match (blocking.0, timeout) {
            (true, t) => wait_of(t)?,
            (false, None) => polyconc::Wait::Now,
            (false, Some(_)) => {
                return Err(PyValueError::new_err(
                    "can't specify timeout for non-blocking acquire",
                ))
            }
        };
        let sem = &self.sem;
        let taken = wait_on(
            py,
            wait,
            Some(Place::of(&**sem)),
            || sem.try_acquire(n).then_some(()),
            || sem.acquire_async(n),
        )?;
        Ok(taken.is_some())
    }

    /// Gives `n` permits (any thread may).
    #[pyo3(signature = (n = 1))]
    fn release(&self, n: i64) -> PyResult<()> {
        let n = usize::try_from(n)
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| PyValueError::new_err("n must be one or more"))?;
        self.sem.release(n).map_err(|e| e.to_py_err())
    }

    fn available_permits(&self) -> usize {
        self.sem.available_permits()
    }

    /// Takes every permit available now; how many.
    fn drain_permits(&self) -> usize {
        self.sem.drain_permits()
    }

    fn queue_length(&self) -> usize {
        self.sem.queue_length()
    }

    #[getter]
    fn fair(&self) -> bool {
        self.sem.is_fair()
    }

    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.acquire(py, Blocking(true), None, 1)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release(1)
    }

    /// Takes `permits` permits from a task; False if `timeout` passes first.
    #[pyo3(signature = (timeout = None, *, permits = 1))]
    fn acquire_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
        permits: i64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let n = permits_of(permits)?;
        deadline_of(timeout)?;
        let fut = Arc::clone(&slf.get().sem).acquire_owned_async(n);
        aio::acquire(slf.py(), AcquireOp::new(slf, fut), timeout)
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::acquire_async(slf, None, 1)
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        slf: &Bound<'py, Self>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::release(slf.as_any())
    }

    fn __repr__(&self) -> String {
        format!(
            "<polyconc.Semaphore permits={} fair={}>",
            self.sem.available_permits(),
            self.sem.is_fair()
        )
    }
}
