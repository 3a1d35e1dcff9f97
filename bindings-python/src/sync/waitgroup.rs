//! `polyconc.WaitGroup`: Go's `sync.WaitGroup` over the core's.

use polyconc::sync::{WaitGroup, WaitGroupWaitFuture};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::aio::{self, awaitable_op, lent, Awaitable};
use crate::errors::ToPyErr;
use crate::wait::{deadline_of, wait_done};
use crate::Obj;

/// Waits for a counted group of tasks to be done.
#[pyclass(frozen, weakref, name = "WaitGroup", module = "polyconc")]
pub(crate) struct PyWaitGroup {
    group: WaitGroup,
}

impl Awaitable for WaitGroupWaitFuture<'static> {
    fn answer(_: Python<'_>, (): ()) -> PyResult<Option<Obj>> {
        Ok(None)
    }

    /// A wait takes nothing.
    fn withdraw(self) -> bool {
        false
    }
}

awaitable_op!(
    /// A pending `WaitGroup.wait_async`.
    WaitGroupOp = "_WaitGroupOp" over WaitGroupWaitFuture<'static>, on PyWaitGroup
);

#[pymethods]
impl PyWaitGroup {
    #[new]
    fn new() -> Self {
        PyWaitGroup {
            group: WaitGroup::new(),
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
        // SAFETY: the op holds `slf`, and drops the future first.
        let fut = unsafe { lent(slf) }.group.wait_async();
        aio::acquire(slf.py(), WaitGroupOp::new(slf, fut), timeout)
    }

    fn __repr__(&self) -> String {
        format!("<polyconc.WaitGroup count={}>", self.group.count())
    }
}
