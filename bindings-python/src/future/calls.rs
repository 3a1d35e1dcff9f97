//! How the combinators call Python, with the exception rules of
//! `polyconc`'s futures. Every function here runs holding the GIL: the
//! core runs a combinator's closure on the executor's thread, and the
//! closure (in `chain`) takes the GIL around its Python calls.
//!
//! - A value-computing callable (`map`, `flat_map`, `filter`, `recover*`,
//!   `transform`, `future`) that raises fails its future with that very
//!   exception ([`compute`], [`raised`]).
//! - A side-effect callback (`and_then`, `on_complete`,
//!   `add_done_callback`) has no future to fail: its exception goes to
//!   `sys.unraisablehook` ([`side_effect`]).
//! - A `BaseException` that is not an `Exception` (KeyboardInterrupt,
//!   SystemExit) also escalates: raised again in the thread that ran the
//!   callable (see `exec::escalate`).

use polyconc::future::{Failure, Future};
use pyo3::call::PyCallArgs;
use pyo3::exceptions::{PyBaseException, PyException, PyTypeError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::PyTypeInfo;

use super::hold::may_be_tracked;
use super::{py_err, PyFuture, Raised, Value};
use crate::exec::escalate;
use crate::Obj;

/// A call `f(*args, **kwargs)` made later, on a pool (`future()`,
/// `ThreadPool.submit`).
pub(crate) struct Call {
    pub(crate) f: Obj,
    pub(crate) args: Py<PyTuple>,
    pub(crate) kwargs: Option<Py<PyDict>>,
}

impl Call {
    /// The call `f(*args, **kwargs)`. Nothing but the core holds `args`, a
    /// new tuple: when none of its items may be part of a cycle, the
    /// collector is told to skip it at once, as its first pass would (the
    /// rule of CPython's `_PyTuple_MaybeUntrack`), instead of visiting it
    /// in the young generation meanwhile.
    pub(crate) fn new(
        py: Python<'_>,
        f: Obj,
        args: Py<PyTuple>,
        kwargs: Option<Py<PyDict>>,
    ) -> Self {
        let tuple = args.bind(py);
        if !tuple.iter().any(|item| may_be_tracked(&item)) {
            // SAFETY: a live tuple, holding the GIL, outside any traversal;
            // untracking a tuple of atomic items is what the collector
            // itself does (`PyObject_GC_UnTrack` accepts one untracked
            // already: the empty tuple).
            unsafe { ffi::PyObject_GC_UnTrack(tuple.as_ptr().cast()) };
        }
        Call { f, args, kwargs }
    }

    pub(crate) fn run(&self, py: Python<'_>) -> PyResult<Obj> {
        let kwargs = self.kwargs.as_ref().map(|k| k.bind(py));
        self.f.call(py, self.args.bind(py), kwargs)
    }
}

/// The failure of a callable that raised `e`: that very exception. A
/// BaseException that is not an Exception escalates as well.
pub(super) fn raised(py: Python<'_>, e: PyErr) -> Failure {
    if !e.is_instance_of::<PyException>(py) {
        escalate(py, e.clone_ref(py));
    }
    Raised::failure(py, e)
}

/// `f(*args)` as a future's value, or its exception as the failure.
pub(super) fn compute<'py>(
    py: Python<'py>,
    f: &Obj,
    args: impl PyCallArgs<'py>,
) -> Result<Value, Failure> {
    f.call1(py, args).map(Value).map_err(|e| raised(py, e))
}

/// `f(*args)` for its effect: an exception goes to `sys.unraisablehook`
/// (a BaseException escalates).
pub(super) fn side_effect<'py>(py: Python<'py>, f: &Obj, args: impl PyCallArgs<'py>) {
    if let Err(e) = f.call1(py, args) {
        if e.is_instance_of::<PyException>(py) {
            e.write_unraisable(py, Some(f.bind(py)));
        } else {
            escalate(py, e);
        }
    }
}

/// The core future of what `what`'s callable returned, which must be a
/// `polyconc.Future`; a TypeError failure otherwise.
pub(super) fn returned_future(out: &Bound<'_, PyAny>, what: &str) -> Future<Value> {
    match out.cast::<PyFuture>() {
        Ok(f) => PyFuture::core(f),
        Err(_) => {
            let kind = out
                .get_type()
                .name()
                .map_or_else(|_| "?".to_owned(), |n| n.to_string());
            let e = PyTypeError::new_err(format!(
                "{what}'s function must return a polyconc.Future, not {kind}"
            ));
            Future::failed(Raised::failure(out.py(), e))
        }
    }
}

/// `exceptions` as `except` takes it: an exception class, or a tuple of
/// them; TypeError otherwise.
pub(super) fn exception_classes(exceptions: &Bound<'_, PyAny>) -> PyResult<Obj> {
    let py = exceptions.py();
    let base = PyBaseException::type_object(py);
    let is_class = |c: &Bound<'_, PyAny>| {
        c.cast::<PyType>()
            .is_ok_and(|t| t.is_subclass(&base).unwrap_or(false))
    };
    let ok = match exceptions.cast::<PyTuple>() {
        Ok(tuple) => tuple.iter().all(|c| is_class(&c)),
        Err(_) => is_class(exceptions),
    };
    if !ok {
        return Err(PyTypeError::new_err(
            "exceptions must be an exception class or a tuple of exception classes",
        ));
    }
    Ok(exceptions.clone().unbind())
}

/// The exception of `failure`, if it is one of `exceptions` (checked by
/// [`exception_classes`]).
pub(super) fn matching(py: Python<'_>, failure: &Failure, exceptions: &Obj) -> Option<PyErr> {
    let e = py_err(py, failure);
    e.is_instance(py, exceptions.bind(py)).then_some(e)
}
