//! The Python classes `Future` and `Promise`, and `future()`: each method
//! converts its arguments and calls the core (or `chain`, for the
//! combinators).

use std::future::Future as _;
use std::pin::Pin;
use std::time::Duration;

use polyconc::exec::{blocking, parasitic};
use polyconc::future::{first_completed_of, Failure, Future, Promise};
use pyo3::exceptions::{PyException, PyTimeoutError, PyTypeError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule, PyTuple, PyWeakrefMethods, PyWeakrefReference};
use pyo3::{PyTraverseError, PyTypeInfo};

use super::calls::{exception_classes, side_effect, Call};
use super::hold::Hold;
use super::{chain, failure_of, py_err, InvalidStateError, Value};
use crate::aio::{self, awaitable_op, Awaitable};
use crate::exec::Context;
use crate::wait::{deadline_of, poll_until, Unfinished};
use crate::Obj;

fn answer(py: Python<'_>, out: Result<Value, Failure>) -> PyResult<Obj> {
    out.map(|v| v.0).map_err(|f| py_err(py, &f))
}

impl Awaitable for Future<Value> {
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
    AwaitOp = "_AwaitOp" over Future<Value>, on PyAny
);

/// A future: the result of a computation, set once by its `Promise`.
#[pyclass(frozen, weakref, generic, name = "Future", module = "polyconc")]
pub(crate) struct PyFuture {
    hold: Hold<Future<Value>>,
}

impl PyFuture {
    pub(super) fn new(fut: Future<Value>) -> Self {
        PyFuture {
            hold: Hold::new(fut),
        }
    }

    /// A new future: `combine` of this one's core future on `executor`'s
    /// context (the combinators' shared opening).
    fn then(
        &self,
        py: Python<'_>,
        executor: Option<&Bound<'_, PyAny>>,
        combine: impl FnOnce(&Future<Value>, &Context) -> Future<Value>,
    ) -> PyResult<Self> {
        let ec = Context::of(executor)?;
        Ok(Self::new(combine(&self.core(py), &ec)))
    }

    /// The core future, for the core (see `hold`).
    pub(super) fn core(&self, py: Python<'_>) -> Future<Value> {
        self.hold.get(py)
    }

    /// The result, waiting at most `timeout` seconds (`None`: forever).
    /// On a pool's worker the wait counts as the core's `blocking`, so that
    /// waiting for another task of the same pool does not starve it.
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Result<Value, Failure>> {
        if let Some(done) = self.hold.result(py) {
            return Ok(done);
        }
        let deadline = deadline_of(timeout)?;
        let polled = blocking(|| {
            poll_until(
                py,
                deadline,
                self.core(py),
                |f, cx| Ok(Pin::new(f).poll(cx)),
            )
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

    fn done(&self, py: Python<'_>) -> bool {
        self.hold.is_completed(py)
    }

    /// Fails the future with CancelledError if it is not completed; whether it did.
    fn cancel(&self, py: Python<'_>) -> bool {
        self.core(py).cancel()
    }

    fn cancelled(&self, py: Python<'_>) -> bool {
        matches!(self.hold.result(py), Some(Err(f)) if f.is_cancelled())
    }

    /// Calls `fn(future)` once completed (at once if it is), in
    /// registration order; an exception it raises goes to
    /// `sys.unraisablehook`.
    fn add_done_callback(slf: &Bound<'_, Self>, f: Obj) -> PyResult<()> {
        // The callback holds this future weakly. Held strongly, a pending
        // future would keep itself alive through its own core node (a cycle
        // the collector cannot see, and never broken if nothing completes
        // it). Freed before it completes, the callback gets a new future of
        // the same result: nobody is left to tell the two apart.
        let me = PyWeakrefReference::new(slf.as_any())?.unbind();
        // The thread that completes the future runs it, taking the GIL.
        slf.get()
            .core(slf.py())
            .on_complete(&parasitic(), move |r| {
                // `move`: `f` and `me` are dropped holding the GIL too.
                crate::exec::attach(move |py| match me.bind(py).upgrade() {
                    Some(me) => side_effect(py, &f, (me,)),
                    None => chain::tell(py, &f, r),
                });
            });
        Ok(())
    }

    /// This future, failed with TimeoutError unless it completes within
    /// `seconds` (the core's timer thread keeps the deadline; callbacks
    /// then run there, taking the GIL, with no core lock held).
    fn or_timeout(&self, py: Python<'_>, seconds: f64) -> PyResult<Self> {
        deadline_of(Some(seconds))?; // the one check of a timeout
        let timeout = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
        Ok(PyFuture::new(self.core(py).or_timeout(timeout)))
    }

    /// `fn(value)` on `executor`; a failure passes through.
    #[pyo3(signature = (f, *, executor = None))]
    fn map(&self, py: Python<'_>, f: Obj, executor: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        self.then(py, executor, |up, ec| chain::map(up, ec, f))
    }

    /// The future `fn(value)` returns (TypeError if it is not one).
    #[pyo3(signature = (f, *, executor = None))]
    fn flat_map(
        &self,
        py: Python<'_>,
        f: Obj,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        self.then(py, executor, |up, ec| chain::flat_map(up, ec, f))
    }

    /// This future's value if `pred(value)` is true, else ValueError.
    #[pyo3(signature = (pred, *, executor = None))]
    fn filter(
        &self,
        py: Python<'_>,
        pred: Obj,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        self.then(py, executor, |up, ec| chain::filter(up, ec, pred))
    }

    /// On a failure that is one of `exceptions`, the value `fn(exc)`.
    #[pyo3(signature = (f, exceptions = None, *, executor = None))]
    fn recover(
        &self,
        py: Python<'_>,
        f: Obj,
        exceptions: Option<&Bound<'_, PyAny>>,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let exceptions = caught(py, exceptions)?;
        self.then(py, executor, |up, ec| chain::recover(up, ec, f, exceptions))
    }

    /// On a failure that is one of `exceptions`, the future `fn(exc)`.
    #[pyo3(signature = (f, exceptions = None, *, executor = None))]
    fn recover_with(
        &self,
        py: Python<'_>,
        f: Obj,
        exceptions: Option<&Bound<'_, PyAny>>,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let exceptions = caught(py, exceptions)?;
        self.then(py, executor, |up, ec| {
            chain::recover_with(up, ec, f, exceptions)
        })
    }

    /// `on_success(value)` as the value, or `on_failure(exc)` as the exception.
    #[pyo3(signature = (on_success, on_failure, *, executor = None))]
    fn transform(
        &self,
        py: Python<'_>,
        on_success: Obj,
        on_failure: Obj,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        self.then(py, executor, |up, ec| {
            chain::transform(up, ec, on_success, on_failure)
        })
    }

    /// Both values as a tuple; the first failure fails it at once.
    fn zip(&self, py: Python<'_>, other: PyRef<'_, Self>) -> Self {
        Self::new(chain::zip(&self.core(py), &other.core(py)))
    }

    /// This future's result if it succeeds, else `other`'s if that
    /// succeeds, else this one's failure.
    fn fallback_to(&self, py: Python<'_>, other: PyRef<'_, Self>) -> Self {
        Self::new(self.core(py).fallback_to(&other.core(py)))
    }

    /// Runs `fn(future)` on `executor`, then completes with this result.
    #[pyo3(signature = (f, *, executor = None))]
    fn and_then(
        &self,
        py: Python<'_>,
        f: Obj,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        self.then(py, executor, |up, ec| chain::and_then(up, ec, f))
    }

    /// Runs `fn(future)` on `executor` once completed.
    #[pyo3(signature = (f, *, executor = None))]
    fn on_complete(
        &self,
        py: Python<'_>,
        f: Obj,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        chain::on_complete(&self.core(py), &Context::of(executor)?, f);
        Ok(())
    }

    /// A future of the list of the values of `futures`.
    #[staticmethod]
    #[pyo3(signature = (futures, *, executor = None))]
    fn sequence(futures: &Bound<'_, PyAny>, executor: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let ec = Context::of(executor)?;
        Ok(Self::new(chain::sequence(&ec, cores(futures.try_iter()?)?)))
    }

    /// `Future.sequence` of `fn(item)` for each item, called here.
    #[staticmethod]
    #[pyo3(signature = (items, f, *, executor = None))]
    fn traverse(
        items: &Bound<'_, PyAny>,
        f: &Bound<'_, PyAny>,
        executor: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let ec = Context::of(executor)?;
        let futures = items.try_iter()?.map(|item| f.call1((item?,)));
        Ok(Self::new(chain::sequence(&ec, cores(futures)?)))
    }

    /// The result of whichever of `futures` completes first.
    #[staticmethod]
    fn first_completed_of(futures: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self::new(first_completed_of(cores(futures.try_iter()?)?)))
    }

    /// A `concurrent.futures.Future` completed as this one is; cancelling
    /// either cancels the other.
    fn to_concurrent<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        interop(slf.as_any(), "to_concurrent")
    }

    /// A future completed as the `concurrent.futures.Future` `source` is.
    #[staticmethod]
    fn from_concurrent<'py>(source: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        interop(source, "from_concurrent")
    }

    /// A future completed as the asyncio future or task `source` is.
    #[staticmethod]
    fn from_asyncio<'py>(source: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        interop(source, "from_asyncio")
    }

    fn __await__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let op = AwaitOp::new(slf.as_any(), slf.get().core(slf.py()));
        aio::drive(slf.py(), op)?.call_method0("__await__")
    }

    /// A future completed with `value`.
    #[staticmethod]
    fn successful(value: Obj) -> Self {
        PyFuture::new(Future::successful(Value(value)))
    }

    /// A future failed with `exc`.
    #[staticmethod]
    fn failed(exc: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(PyFuture::new(Future::failed(failure_of(exc)?)))
    }

    /// Shows the collector the objects of a completed future (see `hold`).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.hold.visit(&visit)
    }

    fn __clear__(&self) {
        self.hold.clear();
    }

    fn __repr__(&self, py: Python<'_>) -> &'static str {
        match self.hold.result(py) {
            None => "Future(pending)",
            Some(Ok(_)) => "Future(succeeded)",
            Some(Err(_)) => "Future(failed)",
        }
    }
}

/// Completes its future once.
#[pyclass(frozen, weakref, generic, name = "Promise", module = "polyconc")]
pub(crate) struct PyPromise {
    hold: Hold<Promise<Value>>,
}

#[pymethods]
impl PyPromise {
    #[new]
    fn new() -> Self {
        PyPromise {
            hold: Hold::new(Promise::new()),
        }
    }

    /// The future this promise completes.
    #[getter]
    fn future(&self, py: Python<'_>) -> PyFuture {
        PyFuture::new(self.hold.get(py).future())
    }

    /// Completes with `value`; InvalidStateError if already completed.
    fn success(&self, py: Python<'_>, value: Obj) -> PyResult<()> {
        let done = self.hold.get(py).success(Value(value));
        self.seen(py);
        done.map_err(|_| already())
    }

    /// Fails with `exc`; InvalidStateError if already completed.
    fn failure(&self, exc: &Bound<'_, PyAny>) -> PyResult<()> {
        let done = self.hold.get(exc.py()).failure(failure_of(exc)?);
        self.seen(exc.py());
        done.map_err(|_| already())
    }

    /// Completes with `value` unless already completed; whether it did.
    fn try_success(&self, py: Python<'_>, value: Obj) -> bool {
        let done = self.hold.get(py).try_success(Value(value));
        self.seen(py);
        done
    }

    /// Fails with `exc` unless already completed; whether it did.
    fn try_failure(&self, exc: &Bound<'_, PyAny>) -> PyResult<bool> {
        let done = self.hold.get(exc.py()).try_failure(failure_of(exc)?);
        self.seen(exc.py());
        Ok(done)
    }

    /// Shows the collector the objects of a completed promise (see `hold`).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.hold.visit(&visit)
    }

    fn __clear__(&self) {
        self.hold.clear();
    }
}

impl PyPromise {
    /// Takes its own node once completed, so that the collector sees the
    /// result (an exception whose traceback holds this promise is a cycle).
    fn seen(&self, py: Python<'_>) {
        self.hold.is_completed(py);
    }
}

/// `polyconc._interop.<name>(arg)`: the bridges to the standard library's
/// futures are their done callbacks, written in Python.
fn interop<'py>(arg: &Bound<'py, PyAny>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    static INTEROP: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = INTEROP.get_or_try_init(arg.py(), || {
        arg.py().import("polyconc._interop").map(Bound::unbind)
    })?;
    module.bind(arg.py()).getattr(name)?.call1((arg,))
}

/// The `exceptions=` of `recover` and `recover_with`: `(Exception,)` by default.
fn caught(py: Python<'_>, exceptions: Option<&Bound<'_, PyAny>>) -> PyResult<Obj> {
    match exceptions {
        Some(e) => exception_classes(e),
        None => Ok(PyException::type_object(py).into_any().unbind()),
    }
}

/// The core futures of polyconc futures; TypeError for anything else.
fn cores<'py>(
    futures: impl Iterator<Item = PyResult<Bound<'py, PyAny>>>,
) -> PyResult<Vec<Future<Value>>> {
    futures
        .map(|f| {
            let f = f?;
            let f = f
                .cast::<PyFuture>()
                .map_err(|_| PyTypeError::new_err("expected polyconc.Future objects"))?;
            Ok(f.get().core(f.py()))
        })
        .collect()
}

fn already() -> PyErr {
    InvalidStateError::new_err("the promise is already completed")
}

/// Scala's `Future.apply`: `fn(*args, **kwargs)` run on `executor`.
#[pyfunction]
#[pyo3(signature = (f, /, *args, executor = None, **kwargs))]
pub(crate) fn future(
    f: Obj,
    args: Py<PyTuple>,
    executor: Option<&Bound<'_, PyAny>>,
    kwargs: Option<Py<PyDict>>,
) -> PyResult<PyFuture> {
    let ec = Context::of(executor)?;
    Ok(PyFuture::new(chain::call(&ec, Call { f, args, kwargs })))
}
