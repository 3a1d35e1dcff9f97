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
use super::done::DoneCallbacks;
use super::hold::{track, Hold};
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
    /// The callables of `add_done_callback` (see `done`).
    callbacks: DoneCallbacks,
}

/// A new Python future; `'py` methods answer with one.
type New<'py> = PyResult<Bound<'py, PyFuture>>;

impl PyFuture {
    /// The Python future of `fut`. Pending, it is not tracked by the
    /// collector, which it would show nothing (see `hold`); completed, it
    /// takes its own node at once (and is tracked if that needs it).
    pub(super) fn wrap(py: Python<'_>, fut: Future<Value>) -> New<'_> {
        let this = Bound::new(
            py,
            PyFuture {
                hold: Hold::new(fut),
                callbacks: DoneCallbacks::default(),
            },
        )?;
        // SAFETY: a new, live, tracked object, holding the GIL.
        unsafe { pyo3::ffi::PyObject_GC_UnTrack(this.as_ptr().cast()) };
        this.get().hold.is_completed(this.as_any());
        Ok(this)
    }

    /// A new future: `combine` of this one's core future on `executor`'s
    /// context (the combinators' shared opening).
    fn then<'py>(
        slf: &Bound<'py, Self>,
        executor: Option<&Bound<'_, PyAny>>,
        combine: impl FnOnce(&Future<Value>, &Context) -> Future<Value>,
    ) -> New<'py> {
        let ec = Context::of(executor)?;
        Self::wrap(slf.py(), combine(&Self::core(slf), &ec))
    }

    /// The core future, for the core (see `hold`).
    pub(super) fn core(slf: &Bound<'_, Self>) -> Future<Value> {
        slf.get().hold.get(slf.as_any())
    }

    /// The result, if completed.
    fn result_now(slf: &Bound<'_, Self>) -> Option<Result<Value, Failure>> {
        slf.get().hold.result(slf.as_any())
    }

    /// The result, waiting at most `timeout` seconds (`None`: forever).
    /// On a pool's worker the wait counts as the core's `blocking`, so that
    /// waiting for another task of the same pool does not starve it.
    /// A bad `timeout` raises whether or not the future is completed, as
    /// every other blocking call's does.
    fn wait(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<Result<Value, Failure>> {
        let deadline = deadline_of(timeout)?;
        if let Some(done) = Self::result_now(slf) {
            return Ok(done);
        }
        let py = slf.py();
        let polled = blocking(|| {
            poll_until(py, deadline, Self::core(slf), |f, cx| {
                Ok(Pin::new(f).poll(cx))
            })
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

/// The one `#[pymethods]` block of `PyFuture` (pyo3 takes no macro inside
/// it): the methods of `rest`, and the combinators that only hand their
/// callables to `chain`. Each `plain` one, `name(<callables>, *,
/// executor=None)`, and each `caught` one, `name(f, exceptions=None, *,
/// executor=None)`, is `chain::name` of this future on `executor`'s
/// context, the new future wrapped.
macro_rules! future_methods {
    (
        plain { $( $(#[$doc:meta])* fn $name:ident($($f:ident),+); )* }
        caught { $( $(#[$caught_doc:meta])* fn $caught:ident; )* }
        rest { $($rest:tt)* }
    ) => {
        #[pymethods]
        impl PyFuture {
            $(
                $(#[$doc])*
                #[pyo3(signature = ($($f),+, *, executor = None))]
                fn $name<'py>(
                    slf: &Bound<'py, Self>,
                    $($f: Obj,)+
                    executor: Option<&Bound<'_, PyAny>>,
                ) -> New<'py> {
                    Self::then(slf, executor, |up, ec| chain::$name(up, ec, $($f),+))
                }
            )*
            $(
                $(#[$caught_doc])*
                #[pyo3(signature = (f, exceptions = None, *, executor = None))]
                fn $caught<'py>(
                    slf: &Bound<'py, Self>,
                    f: Obj,
                    exceptions: Option<&Bound<'_, PyAny>>,
                    executor: Option<&Bound<'_, PyAny>>,
                ) -> New<'py> {
                    let exceptions = caught(slf.py(), exceptions)?;
                    Self::then(slf, executor, |up, ec| chain::$caught(up, ec, f, exceptions))
                }
            )*
            $($rest)*
        }
    };
}

future_methods! {
    plain {
        /// `fn(value)` on `executor`; a failure passes through.
        fn map(f);
        /// The future `fn(value)` returns (TypeError if it is not one).
        fn flat_map(f);
        /// This future's value if `pred(value)` is true, else ValueError.
        fn filter(pred);
        /// `on_success(value)` as the value, or `on_failure(exc)` as the exception.
        fn transform(on_success, on_failure);
        /// Runs `fn(future)` on `executor`, then completes with this result.
        fn and_then(f);
    }
    caught {
        /// On a failure that is one of `exceptions`, the value `fn(exc)`.
        fn recover;
        /// On a failure that is one of `exceptions`, the future `fn(exc)`.
        fn recover_with;
    }
    rest {
        /// The value, or raises the failure itself, waiting at most `timeout`
        /// seconds (TimeoutError past it).
        #[pyo3(signature = (timeout = None))]
        fn result(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<Obj> {
            answer(slf.py(), Self::wait(slf, timeout)?)
        }

        /// The failure's exception, or None on success.
        #[pyo3(signature = (timeout = None))]
        fn exception(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<Option<Obj>> {
            let py = slf.py();
            Ok(match Self::wait(slf, timeout)? {
                Ok(_) => None,
                Err(f) => Some(py_err(py, &f).into_value(py).into_any()),
            })
        }

        fn done(slf: &Bound<'_, Self>) -> bool {
            slf.get().hold.is_completed(slf.as_any())
        }

        /// Fails the future with CancelledError if it is not completed; whether it did.
        fn cancel(slf: &Bound<'_, Self>) -> bool {
            Self::core(slf).cancel()
        }

        fn cancelled(slf: &Bound<'_, Self>) -> bool {
            matches!(Self::result_now(slf), Some(Err(f)) if f.is_cancelled())
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
            // The callable may refer to this future: the collector is shown it
            // through this wrapper, which it must then track (see `done`).
            let registered = slf.get().callbacks.record(f);
            track(slf.as_any());
            // The thread that completes the future runs it, taking the GIL.
            Self::core(slf).on_complete(&parasitic(), move |r| {
                // `move`: `registered` and `me` are dropped holding the GIL too.
                crate::exec::attach(move |py| {
                    let Some(f) = registered.take() else {
                        return; // a collection broke its cycle
                    };
                    match me.bind(py).upgrade() {
                        Some(me) => side_effect(py, &f, (me,)),
                        None => chain::tell(py, &f, r),
                    }
                });
            });
            Ok(())
        }

        /// This future, failed with TimeoutError unless it completes within
        /// `seconds` (the core's timer thread keeps the deadline; callbacks
        /// then run there, taking the GIL, with no core lock held).
        fn or_timeout<'py>(slf: &Bound<'py, Self>, seconds: f64) -> New<'py> {
            deadline_of(Some(seconds))?; // the one check of a timeout
            let timeout = Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX);
            Self::wrap(slf.py(), Self::core(slf).or_timeout(timeout))
        }

        /// Both values as a tuple; the first failure fails it at once.
        fn zip<'py>(slf: &Bound<'py, Self>, other: &Bound<'_, Self>) -> New<'py> {
            Self::wrap(slf.py(), chain::zip(&Self::core(slf), &Self::core(other)))
        }

        /// This future's result if it succeeds, else `other`'s if that
        /// succeeds, else this one's failure.
        fn fallback_to<'py>(slf: &Bound<'py, Self>, other: &Bound<'_, Self>) -> New<'py> {
            Self::wrap(slf.py(), Self::core(slf).fallback_to(&Self::core(other)))
        }

        /// Runs `fn(future)` on `executor` once completed.
        #[pyo3(signature = (f, *, executor = None))]
        fn on_complete(
            slf: &Bound<'_, Self>,
            f: Obj,
            executor: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<()> {
            chain::on_complete(&Self::core(slf), &Context::of(executor)?, f);
            Ok(())
        }

        /// A future of the list of the values of `futures`.
        #[staticmethod]
        #[pyo3(signature = (futures, *, executor = None))]
        fn sequence<'py>(futures: &Bound<'py, PyAny>, executor: Option<&Bound<'_, PyAny>>) -> New<'py> {
            let ec = Context::of(executor)?;
            let all = chain::sequence(&ec, cores(futures.try_iter()?)?);
            Self::wrap(futures.py(), all)
        }

        /// `Future.sequence` of `fn(item)` for each item, called here.
        #[staticmethod]
        #[pyo3(signature = (items, f, *, executor = None))]
        fn traverse<'py>(
            items: &Bound<'py, PyAny>,
            f: &Bound<'_, PyAny>,
            executor: Option<&Bound<'_, PyAny>>,
        ) -> New<'py> {
            let ec = Context::of(executor)?;
            let futures = items.try_iter()?.map(|item| f.call1((item?,)));
            Self::wrap(items.py(), chain::sequence(&ec, cores(futures)?))
        }

        /// The result of whichever of `futures` completes first.
        #[staticmethod]
        fn first_completed_of<'py>(futures: &Bound<'py, PyAny>) -> New<'py> {
            let first = first_completed_of(cores(futures.try_iter()?)?);
            Self::wrap(futures.py(), first)
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
            let op = AwaitOp::new(slf.as_any(), Self::core(slf));
            aio::drive(slf.py(), op)?.call_method0("__await__")
        }

        /// A future completed with `value`.
        #[staticmethod]
        fn successful(py: Python<'_>, value: Obj) -> New<'_> {
            Self::wrap(py, Future::successful(Value(value)))
        }

        /// A future failed with `exc`.
        #[staticmethod]
        fn failed<'py>(exc: &Bound<'py, PyAny>) -> New<'py> {
            Self::wrap(exc.py(), Future::failed(failure_of(exc)?))
        }

        /// Shows the collector the objects of a completed future (see `hold`),
        /// and its callbacks' callables while only it can reach them (see
        /// `done`).
        fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
            self.hold.visit(&visit)?;
            self.callbacks.visit(&visit, self.hold.is_sole_pending())
        }

        fn __clear__(&self) {
            self.hold.clear();
            self.callbacks.clear();
        }

        fn __repr__(slf: &Bound<'_, Self>) -> &'static str {
            match Self::result_now(slf) {
                None => "Future(pending)",
                Some(Ok(_)) => "Future(succeeded)",
                Some(Err(_)) => "Future(failed)",
            }
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
    fn future<'py>(slf: &Bound<'py, Self>) -> New<'py> {
        PyFuture::wrap(slf.py(), Self::core(slf).future())
    }

    /// Completes with `value`; InvalidStateError if already completed.
    fn success(slf: &Bound<'_, Self>, value: Obj) -> PyResult<()> {
        let done = Self::core(slf).success(Value(value));
        Self::seen(slf);
        done.map_err(|_| already())
    }

    /// Fails with `exc`; InvalidStateError if already completed.
    fn failure(slf: &Bound<'_, Self>, exc: &Bound<'_, PyAny>) -> PyResult<()> {
        let done = Self::core(slf).failure(failure_of(exc)?);
        Self::seen(slf);
        done.map_err(|_| already())
    }

    /// Completes with `value` unless already completed; whether it did.
    fn try_success(slf: &Bound<'_, Self>, value: Obj) -> bool {
        let done = Self::core(slf).try_success(Value(value));
        Self::seen(slf);
        done
    }

    /// Fails with `exc` unless already completed; whether it did.
    fn try_failure(slf: &Bound<'_, Self>, exc: &Bound<'_, PyAny>) -> PyResult<bool> {
        let done = Self::core(slf).try_failure(failure_of(exc)?);
        Self::seen(slf);
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
    /// The core promise, for the core (see `hold`).
    fn core(slf: &Bound<'_, Self>) -> Promise<Value> {
        slf.get().hold.get(slf.as_any())
    }

    /// Takes its own node once completed, so that the collector sees the
    /// result (an exception whose traceback holds this promise is a cycle).
    fn seen(slf: &Bound<'_, Self>) {
        slf.get().hold.is_completed(slf.as_any());
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
            Ok(PyFuture::core(f))
        })
        .collect()
}

fn already() -> PyErr {
    InvalidStateError::new_err("the promise is already completed")
}

/// Scala's `Future.apply`: `fn(*args, **kwargs)` run on `executor`.
#[pyfunction]
#[pyo3(signature = (f, /, *args, executor = None, **kwargs))]
pub(crate) fn future<'py>(
    py: Python<'py>,
    f: Obj,
    args: Py<PyTuple>,
    executor: Option<&Bound<'_, PyAny>>,
    kwargs: Option<Py<PyDict>>,
) -> New<'py> {
    let ec = Context::of(executor)?;
    PyFuture::wrap(py, chain::call(&ec, Call::new(py, f, args, kwargs)))
}
