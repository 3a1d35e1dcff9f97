//! `polyconc.Promise`, `polyconc.Future` and `polyconc.future()`: the
//! core's promise and future of a Python object, read the
//! `concurrent.futures` way, with the core's combinators.
//!
//! A failure is the Python exception itself, carried by the core's
//! `Failure` as a [`Raised`]: `result()` raises that very object. The combinators are the core's (`class` converts the
//! arguments, `chain` gives the core its closures); what Python adds is
//! in `calls`: the GIL, taken by each callable where the core runs it,
//! and the exception rules.

mod calls;
mod chain;
mod class;
mod done;
mod hold;

use std::fmt;

use polyconc::future::Failure;
use pyo3::exceptions::{PyBaseException, PyRuntimeError, PyTimeoutError, PyTypeError};
use pyo3::import_exception;
use pyo3::prelude::*;

pub(crate) use calls::Call;
pub(crate) use class::{future, AwaitOp, PyFuture, PyPromise};

use crate::Obj;

import_exception!(concurrent.futures, CancelledError);
import_exception!(concurrent.futures, InvalidStateError);

/// A future's value: the user's object. The core clones values on any
/// thread (`sequence` on a pool worker, a poll), so a clone takes the GIL
/// if the thread does not hold it (cheap when it does).
pub(crate) struct Value(pub(crate) Obj);

impl Clone for Value {
    fn clone(&self) -> Self {
        crate::exec::attach(|py| Value(self.0.clone_ref(py)))
    }
}

/// A Python exception as a core failure: the exception object itself, so
/// that `result()` raises that very object.
#[derive(Debug)]
pub(crate) struct Raised(Py<PyBaseException>);

impl Raised {
    /// The failure of `e`.
    pub(crate) fn failure(py: Python<'_>, e: PyErr) -> Failure {
        Failure::new(Raised(e.into_value(py)))
    }
}

impl fmt::Display for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::exec::attach(|py| match self.0.bind(py).str() {
            Ok(s) => write!(f, "{s}"),
            Err(_) => f.write_str("<an exception that cannot be printed>"),
        })
    }
}

impl std::error::Error for Raised {}

/// The Python exception a core failure stands for: the exception a
/// Python failure carries (that very object), `CancelledError` for a
/// cancellation, `TimeoutError`, and `RuntimeError` for the rest (a core
/// panic, a shut-down executor).
pub(crate) fn py_err(py: Python<'_>, failure: &Failure) -> PyErr {
    if let Some(Raised(e)) = failure.downcast_ref::<Raised>() {
        return PyErr::from_value(e.bind(py).clone().into_any());
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
    let exc = exc
        .cast::<PyBaseException>()
        .map_err(|_| PyTypeError::new_err("a failure is an exception instance"))?;
    Ok(Failure::new(Raised(exc.clone().unbind())))
}
