//! `polyconc.CountDownLatch`: Java's latch over the core's.

use std::sync::Arc;

use polyconc::sync::{CountDownLatch, OwnedLatchWaitFuture};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::aio::{self, awaitable_op};
use crate::wait::{deadline_of, wait_done};

/// Opens once counted down to zero, and stays open.
#[pyclass(frozen, weakref, name = "CountDownLatch", module = "polyconc")]
pub(crate) struct PyCountDownLatch {
    /// Shared with the pending `wait_async` ops, which own their futures.
    latch: Arc<CountDownLatch>,
}

awaitable_op!(
    /// A pending `CountDownLatch.wait_async`.
    LatchOp = "_LatchOp" over OwnedLatchWaitFuture, on PyCountDownLatch
);

#[pymethods]
impl PyCountDownLatch {
    #[new]
    fn new(count: i64) -> PyResult<Self> {
        let count = usize::try_from(count).map_err(|_| {
            PyValueError::new_err(format!("count must be a non-negative int, got {count}"))
        })?;
        Ok(PyCountDownLatch {
            latch: Arc::new(CountDownLatch::new(count)),
        })
    }

    fn count_down(&self) {
        self.latch.count_down();
    }

    #[getter]
    fn count(&self) -> usize {
        self.latch.count()
    }

    /// Waits until the count is zero; False if `timeout` passes first.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let latch = &self.latch;
        wait_done(
            py,
            timeout,
            || latch.wait_with(polyconc::Wait::Now),
            || latch.wait_async(),
        )
    }

    #[pyo3(signature = (timeout = None))]
    fn wait_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        let fut = Arc::clone(&slf.get().latch).wait_owned_async();
        aio::acquire(slf.py(), LatchOp::new(slf, fut), timeout)
    }

    fn __repr__(&self) -> String {
        format!("<polyconc.CountDownLatch count={}>", self.latch.count())
    }
}
