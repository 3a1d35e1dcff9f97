//! `polyconc.CountDownLatch`: Java's latch over the core's.

use polyconc::sync::{CountDownLatch, LatchWaitFuture};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::aio::{self, awaitable_op, lent, Awaitable};
use crate::wait::{deadline_of, wait_done};
use crate::Obj;

/// Opens once counted down to zero, and stays open.
#[pyclass(frozen, weakref, name = "CountDownLatch", module = "polyconc")]
pub(crate) struct PyCountDownLatch {
    latch: CountDownLatch,
}

impl Awaitable for LatchWaitFuture<'static> {
    fn answer(_: Python<'_>, (): ()) -> PyResult<Option<Obj>> {
        Ok(None)
    }

    /// A wait takes nothing.
    fn withdraw(self) -> bool {
        false
    }
}

awaitable_op!(
    /// A pending `CountDownLatch.wait_async`.
    LatchOp = "_LatchOp" over LatchWaitFuture<'static>, on PyCountDownLatch
);

#[pymethods]
impl PyCountDownLatch {
    #[new]
    fn new(count: i64) -> PyResult<Self> {
        let count = usize::try_from(count).map_err(|_| {
            PyValueError::new_err(format!("count must be a non-negative int, got {count}"))
        })?;
        Ok(PyCountDownLatch {
            latch: CountDownLatch::new(count),
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
        // SAFETY: the op holds `slf`, and drops the future first.
        let fut = unsafe { lent(slf) }.latch.wait_async();
        aio::acquire(slf.py(), LatchOp::new(slf, fut), timeout)
    }

    fn __repr__(&self) -> String {
        format!("<polyconc.CountDownLatch count={}>", self.latch.count())
    }
}
