//! `polyconc.WaitGroup`: Go's `sync.WaitGroup` over the core's.

use std::sync::Arc;

use polyconc::sync::{OwnedWaitGroupWaitFuture, WaitGroup};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::aio::{self, awaitable_op};
use crate::errors::ToPyErr;
use crate::wait::{deadline_of, wait_done};

/// Waits for a counted group of tasks to be done.
#[pyclass(frozen, weakref, name = "WaitGroup", module = "polyconc")]
pub(crate) struct PyWaitGroup {
    /// Shared with the pending `wait_async` ops, which own their futures.
    group: Arc<WaitGroup>,
}

awaitable_op!(
    /// A pending `WaitGroup.wait_async`.
    WaitGroupOp = "_WaitGroupOp" over OwnedWaitGroupWaitFuture, on PyWaitGroup
);

#[pymethods]
impl PyWaitGroup {
    #[new]
    fn new() -> Self {
        PyWaitGroup {
            group: Arc::new(WaitGroup::new()),
        }
    }

    /// Adds `delta` (may be negative) to the counter; ValueError, and the
    /// counter unchanged, if it would go below zero.
    #[pyo3(signature = (delta = 1))]
    fn add(&self, delta: i64) -> PyResult<()> {
        let delta = isize::try_from(delta)
            .map_err(|_| PyValueError::new_err(format!("delta {delta} is out of range")))?;
        self.group.add(delta).map_err(|e| e.to_py_err())
    }

    /// `add(-1)`.
    fn done(&self) -> PyResult<()> {
        self.group.done().map_err(|e| e.to_py_err())
    }

    #[getter]
    fn count(&self) -> usize {
        self.group.count()
    }

    /// Waits until the counter is zero; False if `timeout` passes first.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let group = &self.group;
        wait_done(
            py,
            timeout,
            || group.wait_with(polyconc::Wait::Now),
            || group.wait_async(),
        )
    }

    #[pyo3(signature = (timeout = None))]
    fn wait_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        let fut = Arc::clone(&slf.get().group).wait_owned_async();
        aio::acquire(slf.py(), WaitGroupOp::new(slf, fut), timeout)
    }

    fn __repr__(&self) -> String {
        format!("<polyconc.WaitGroup count={}>", self.group.count())
    }
}
