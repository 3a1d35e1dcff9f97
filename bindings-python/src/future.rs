//! `polyconc.Promise` and `polyconc.Future`: the core's promise and future
//! of a Python object, read the `concurrent.futures` way.
//!
//! A failure is the Python exception itself, carried by the core's
//! `Failure` (a `PyErr` is an `Error`): `result()` raises that very
//! object. Every call into the core is made holding the GIL (values are
//! cloned there, see `queue::elem::Item`); `result()` waits with
//! `poll_until`, GIL-free between polls.

use std::future::Future as _;
use std::pin::Pin;
use std::time::Duration;

use polyconc::exec::parasitic;
use polyconc::future::{Failure, Future, Promise};
use pyo3::exceptions::{PyBaseException, PyRuntimeError, PyTimeoutError};
use pyo3::prelude::*;
use pyo3::{import_exception, PyTypeInfo};

use crate::aio::{self, awaitable_op, Awaitable};
use crate::queue::Item;
use crate::wait::{deadline_of, poll_until, Unfinished};
use crate::Obj;

import_exception!(concurrent.futures, CancelledError);
import_exception!(concurrent.futures, InvalidStateError);

/// The Python exception a core failure stands for: the exception a
/// Python failure carries (that very object), `CancelledError` for a
/// cancellation, `TimeoutError`, and `RuntimeError` for a core panic.
fn py_err(py: Python<'_>, failure: &Failure) -> PyErr {
    if let Some(e) = failure.downcast_ref::<PyErr>() {
        return e.clone_ref(py);
    }
    if failure.is_cancelled() {
        return CancelledError::new_err(failure.to_string());
    }
    if failure.is_timeout() {
        return PyTimeoutError::new_err(failure.to_string());
    }
    PyRuntimeError::new_err(failure.to_string())
}

/// `exc` (an exception instance) as a core failure.
fn failure_of(exc: &Bound<'_, PyAny>) -> PyResult<Failure> {
    if !exc.is_instance(&PyBaseException::type_object(exc.py()))? {
        return Err(pyo3::exceptions::PyTypeError::new_err(
            "a failure is an exception instance",
        ));
    }
    Ok(Failure::new(PyErr::from_value(exc.clone())))
}

fn answer(py: Python<'_>, out: Result<Item, Failure>) -> PyResult<Obj> {
    out.map(|item| item.0).map_err(|f| py_err(py, &f))
}

impl Awaitable for Future<Item> {
    fn answer(py: Python<'_>, out: Self::Output) -> PyResult<Option<Obj>> {
        answer(py, out).map(Some)
    }

    /// Awaiting completes nothing: a cancelled `await` leaves the future.
    fn withdraw(self) -> bool {
        false
    }
}

awaitable_op!(
    /// A pending `await fut`.
    AwaitOp = "_AwaitOp" over Future<Item>, on PyAny
);

/// A future: the result of a computation, set once by its `Promise`.
#[pyclass(frozen, weakref, generic, name = "Future", module = "polyconc")]
pub(crate) struct PyFuture {
    fut: Future<Item>,
}

impl PyFuture {
    fn new(fut: Future<Item>) -> Self {
        PyFuture { fut }
    }

    /// The result, waiting at most `timeout` seconds (`None`: forever).
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Result<Item, Failure>> {
        if let Some(done) = self.fut.value() {
            return Ok(done.clone());
        }
        let deadline = deadline_of(timeout)?;
        let polled = poll_until(py, deadline, self.fut.clone(), |f, cx| {
            Ok(Pin::new(f).poll(cx))
        });
        match polled {
            Ok(done) => Ok(done),
            Err(Unfinished::TimedOut(_)) => Err(PyTimeoutError::new_err(
                "the future did not complete in time",
            )),
            Err(Unfinished::Raised(e, _)) => Err(e),
        }
    }
}

#[pymethods]
impl PyFuture {
    /// The value, or raises the failure itself, waiting at most `timeout`
    /// seconds (TimeoutError past it).
    #[pyo3(signature = (timeout = None))]
    fn result(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Obj> {
        answer(py, self.wait(py, timeout)?)
    }

    /// The failure's exception, or None on success.
    #[pyo3(signature = (timeout = None))]
    fn exception(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Obj>> {
        Ok(match self.wait(py, timeout)? {
            Ok(_) => None,
            Err(f) => Some(py_err(py, &f).into_value(py).into_any()),
        })
    }

    fn done(&self) -> bool {
        self.fut.is_completed()
    }

    /// Fails the future with CancelledError if it is not completed; whether it did.
    fn cancel(&self) -> bool {
        self.fut.cancel()
    }

    fn cancelled(&self) -> bool {
        matches!(self.fut.value(), Some(Err(f)) if f.is_cancelled())
    }

    /// Calls `fn(future)` once completed (at once if it is), in
    /// registration order; an exception it raises goes to
    /// `sys.unraisablehook`.
    fn add_done_callback(slf: &Bound<'_, Self>, f: Obj) {
        let me = slf.clone().unbind();
        // The thread that completes the future runs it (holding the GIL:
        // every completion goes through this module, which holds it).
        slf.get().fut.on_complete(&parasitic(), move |_| {
            Python::attach(|py| {
                if let Err(e) = f.call1(py, (me,)) {
                    e.write_unraisable(py, Some(f.bind(py)));
                }
            });
        });
    }

    /// This future, failed with TimeoutError unless it completes within
    /// `seconds` (the core's timer thread keeps the deadline; callbacks
    /// then run there, taking the GIL, with no core lock held).
    fn or_timeout(&self, seconds: f64) -> PyResult<Self> {
        deadline_of(Some(seconds))?; // the one check of a timeout
        let timeout = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
        Ok(PyFuture::new(self.fut.or_timeout(timeout)))
    }

    fn __await__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let op = AwaitOp::new(slf.as_any(), slf.get().fut.clone());
        aio::drive(slf.py(), op)?.call_method0("__await__")
    }

    /// A future completed with `value`.
    #[staticmethod]
    fn successful(value: Obj) -> Self {
        PyFuture::new(Future::successful(Item(value)))
    }

    /// A future failed with `exc`.
    #[staticmethod]
    fn failed(exc: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyFuture::new(Future::failed(failure_of(exc)?)))
    }

    fn __repr__(&self) -> &'static str {
        match self.fut.value() {
            None => "Future(pending)",
            Some(Ok(_)) => "Future(succeeded)",
            Some(Err(_)) => "Future(failed)",
        }
    }
}

/// Completes its future once.
#[pyclass(frozen, weakref, generic, name = "Promise", module = "polyconc")]
pub(crate) struct PyPromise {
    promise: Promise<Item>,
}

#[pymethods]
impl PyPromise {
    #[new]
    fn new() -> Self {
        PyPromise {
            promise: Promise::new(),
        }
    }

    /// The future this promise completes.
    #[getter]
    fn future(&self) -> PyFuture {
        PyFuture::new(self.promise.future())
    }

    /// Completes with `value`; InvalidStateError if already completed.
    fn success(&self, value: Obj) -> PyResult<()> {
        self.promise.success(Item(value)).map_err(|_| already())
    }

    /// Fails with `exc`; InvalidStateError if already completed.
    fn failure(&self, exc: &Bound<'_, PyAny>) -> PyResult<()> {
        self.promise
            .failure(failure_of(exc)?)
            .map_err(|_| already())
    }

    /// Completes with `value` unless already completed; whether it did.
    fn try_success(&self, value: Obj) -> bool {
        self.promise.try_success(Item(value))
    }

    /// Fails with `exc` unless already completed; whether it did.
    fn try_failure(&self, exc: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.promise.try_failure(failure_of(exc)?))
    }
}

fn already() -> PyErr {
    InvalidStateError::new_err("the promise is already completed")
}
