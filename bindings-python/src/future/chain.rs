//! The closures the combinators give the core: each takes the GIL where
//! the core runs it (on the executor's thread) and calls Python by the
//! rules of `calls`. Which core combinator each one is, and so its
//! semantics (what runs when, what passes through, what is linked rather
//! than copied), is the core's.
//!
//! Where the core's closure cannot fail (`map`, `filter`, `recover`), the
//! binding uses the core combinator that can (`transform`,
//! `recover_with`), since a Python callable may raise.

use polyconc::exec::parasitic;
use polyconc::future::{Failure, Future};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use super::calls::{compute, matching, raised, returned_future, side_effect, Call};
use super::{failure_of, PyFuture, Raised, Value};
use crate::exec::Context;
use crate::Obj;

type Fut = Future<Value>;

/// A new reference to a value, for a call.
fn arg(py: Python<'_>, v: &Value) -> Obj {
    v.0.clone_ref(py)
}

pub(super) fn map(up: &Fut, ec: &Context, f: Obj) -> Fut {
    up.transform(ec, move |r| {
        crate::exec::attach(move |py| match r {
            Ok(v) => compute(py, &f, (arg(py, v),)),
            Err(e) => Err(e.clone()),
        })
    })
}

pub(super) fn flat_map(up: &Fut, ec: &Context, f: Obj) -> Fut {
    up.flat_map(ec, move |v| {
        crate::exec::attach(move |py| match f.call1(py, (arg(py, v),)) {
            Ok(out) => returned_future(out.bind(py), "flat_map"),
            Err(e) => Future::failed(raised(py, e)),
        })
    })
}

pub(super) fn filter(up: &Fut, ec: &Context, pred: Obj) -> Fut {
    up.transform(ec, move |r| {
        crate::exec::attach(move |py| {
            let v = r.as_ref().map_err(Failure::clone)?;
            let keep = pred
                .call1(py, (arg(py, v),))
                .and_then(|k| k.is_truthy(py))
                .map_err(|e| raised(py, e))?;
            if keep {
                Ok(Value(arg(py, v)))
            } else {
                let e = PyValueError::new_err("Future.filter predicate is not satisfied");
                Err(Raised::failure(py, e))
            }
        })
    })
}

pub(super) fn recover(up: &Fut, ec: &Context, f: Obj, exceptions: Obj) -> Fut {
    up.recover_with(ec, move |failure| {
        crate::exec::attach(move |py| {
            let e = matching(py, failure, &exceptions)?;
            Some(match compute(py, &f, (e.value(py),)) {
                Ok(v) => Future::successful(v),
                Err(failed) => Future::failed(failed),
            })
        })
    })
}

pub(super) fn recover_with(up: &Fut, ec: &Context, f: Obj, exceptions: Obj) -> Fut {
    up.recover_with(ec, move |failure| {
        crate::exec::attach(move |py| {
            let e = matching(py, failure, &exceptions)?;
            Some(match f.call1(py, (e.value(py),)) {
                Ok(out) => returned_future(out.bind(py), "recover_with"),
                Err(e) => Future::failed(raised(py, e)),
            })
        })
    })
}

/// Scala's `transform(s, f)`: `on_success(value)` is the new value,
/// `on_failure(exc)` the new exception.
pub(super) fn transform(up: &Fut, ec: &Context, on_success: Obj, on_failure: Obj) -> Fut {
    up.transform(ec, move |r| {
        crate::exec::attach(move |py| match r {
            Ok(v) => compute(py, &on_success, (arg(py, v),)),
            Err(failure) => {
                let e = super::py_err(py, failure);
                Err(match on_failure.call1(py, (e.value(py),)) {
                    Ok(exc) => failure_of(exc.bind(py)).unwrap_or_else(|_| {
                        let e =
                            PyTypeError::new_err("transform's on_failure must return an exception");
                        Raised::failure(py, e)
                    }),
                    Err(e) => raised(py, e),
                })
            }
        })
    })
}

/// Both values as a tuple, made on the thread that completes the second.
pub(super) fn zip(up: &Fut, other: &Fut) -> Fut {
    up.zip(other).transform(&parasitic(), |r| {
        let (a, b) = r.as_ref().map_err(Failure::clone)?;
        crate::exec::attach(|py| {
            PyTuple::new(py, [arg(py, a), arg(py, b)])
                .map(|t| Value(t.into_any().unbind()))
                .map_err(|e| Raised::failure(py, e))
        })
    })
}

/// Runs `f` with a future completed as this one (a new, completed
/// `Future`: holding this one would keep it alive while it is pending),
/// then passes the result through.
pub(super) fn and_then(up: &Fut, ec: &Context, f: Obj) -> Fut {
    up.and_then(ec, move |r| crate::exec::attach(move |py| tell(py, &f, r)))
}

/// Runs `f` as `and_then` does, with nothing after it.
pub(super) fn on_complete(up: &Fut, ec: &Context, f: Obj) {
    up.on_complete(ec, move |r| crate::exec::attach(move |py| tell(py, &f, r)));
}

/// `f(future)` for its effect, with a new future completed with `r`.
pub(super) fn tell(py: Python<'_>, f: &Obj, r: &Result<Value, Failure>) {
    match PyFuture::wrap(py, Future::from_result(r.clone())) {
        Ok(done) => side_effect(py, f, (done,)),
        Err(e) => e.write_unraisable(py, Some(f.bind(py))),
    }
}

/// Scala's `Future.apply`: the call on `ec`.
pub(super) fn call(ec: &Context, call: Call) -> Fut {
    Future::unit().transform(ec, move |_| {
        crate::exec::attach(move |py| call.run(py).map(Value).map_err(|e| raised(py, e)))
    })
}

/// The values of all of `futures` as a list, once all succeed (the first
/// failure fails it at once), gathered on `ec`.
pub(super) fn sequence(ec: &Context, futures: Vec<Fut>) -> Fut {
    polyconc::future::sequence(ec, futures).transform(&parasitic(), |r| {
        let values = r.as_ref().map_err(Failure::clone)?;
        crate::exec::attach(|py| {
            PyList::new(py, values.iter().map(|v| arg(py, v)))
                .map(|l| Value(l.into_any().unbind()))
                .map_err(|e| Raised::failure(py, e))
        })
    })
}
