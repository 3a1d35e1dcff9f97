//! `polyconc.select`: the core's `Select` over Python-given cases.

use polyconc::chan::{Chan, Select};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::chan::PyChan;
use crate::errors::ToPyErr;
use crate::gc::InFlight;
use crate::wait::{deadline_of, wait, Stopped};
use crate::Obj;

/// One case of a `select`, as parsed: the channel (`None`: disabled) and,
/// for a send case, the value.
struct CaseSpec<'py> {
    chan: Option<Bound<'py, PyChan>>,
    value: Option<Obj>,
}

fn parse_case<'py>(item: &Bound<'py, PyAny>) -> PyResult<CaseSpec<'py>> {
    let chan_or_none = |obj: &Bound<'py, PyAny>| -> PyResult<Option<Bound<'py, PyChan>>> {
        if obj.is_none() {
            return Ok(None);
        }
        match obj.cast::<PyChan>() {
            Ok(c) => Ok(Some(c.clone())),
            Err(_) => Err(PyTypeError::new_err(format!(
                "a select case is a Chan (receive), a (Chan, value) pair (send) or None, got {}",
                obj.get_type().name()?
            ))),
        }
    };
    if let Ok(pair) = item.cast::<PyTuple>() {
        if pair.len() != 2 {
            return Err(PyTypeError::new_err(format!(
                "a send case is a (Chan, value) pair, got a tuple of {} items",
                pair.len()
            )));
        }
        return Ok(CaseSpec {
            chan: chan_or_none(&pair.get_item(0)?)?,
            value: Some(pair.get_item(1)?.unbind()),
        });
    }
    Ok(CaseSpec {
        chan: chan_or_none(item)?,
        value: None,
    })
}

/// Which case of a select fired, and how.
enum Fired {
    Received(usize, Option<Obj>),
    Sent(usize),
    /// A send case's channel is closed.
    SendFailed(PyErr),
}

/// One core select over `chans`; `values[i]` is `Some` for send cases.
fn build_select<'a>(
    chans: &[Option<&'a Chan<Obj>>],
    values: Vec<Option<Obj>>,
) -> Select<'a, Fired> {
    let mut sel = Select::new();
    for (i, (chan, value)) in chans.iter().zip(values).enumerate() {
        sel = match value {
            None => sel.recv(*chan, move |r| Fired::Received(i, r.ok())),
            Some(v) => sel.send(*chan, v, move |r| match r {
                Ok(()) => Fired::Sent(i),
                Err(e) => Fired::SendFailed(e.to_py_err_at(format_args!("select case {i}"))),
            }),
        };
    }
    sel
}

/// Go's `select`: see the stubs (`_core.pyi`) for the contract.
#[pyfunction]
#[pyo3(signature = (*cases, timeout = None, default = false))]
pub(crate) fn select(
    py: Python<'_>,
    cases: &Bound<'_, PyTuple>,
    timeout: Option<f64>,
    default: bool,
) -> PyResult<(isize, Option<Obj>, bool)> {
    if default && timeout.is_some() {
        return Err(PyValueError::new_err(
            "select takes default=True or a timeout, not both: a default never waits",
        ));
    }
    let deadline = deadline_of(timeout)?;
    let specs = cases
        .iter()
        .map(|c| parse_case(&c))
        .collect::<PyResult<Vec<_>>>()?;
    let chans: Vec<Option<&Chan<Obj>>> = specs
        .iter()
        .map(|s| s.chan.as_ref().map(|c| &c.get().chan))
        .collect();
    let in_flight: Vec<&InFlight> = specs
        .iter()
        .filter_map(|s| s.chan.as_ref().map(|c| &c.get().in_flight))
        .collect();
    // A select consumes its send values even when nothing fires; each
    // attempt gets new references (the caller keeps the objects).
    let values = || -> Vec<Option<Obj>> {
        specs
            .iter()
            .map(|s| s.value.as_ref().map(|v| v.clone_ref(py)))
            .collect()
    };
    let try_now = || build_select(&chans, values()).try_select().map_err(|_| ());
    let fired = if default {
        match try_now() {
            Ok(fired) => fired,
            Err(()) => return Ok((-1, None, false)),
        }
    } else {
        wait(
            py,
            deadline,
            &in_flight,
            try_now,
            |()| values(),
            |values, until| build_select(&chans, values).select_deadline(until),
        )
        .map_err(Stopped::into_py_err)?
    };
    let index = |i: usize| isize::try_from(i).expect("a tuple index fits an isize");
    match fired {
        Fired::Received(i, v) => {
            let ok = v.is_some();
            Ok((index(i), v, ok))
        }
        Fired::Sent(i) => Ok((index(i), None, true)),
        Fired::SendFailed(e) => Err(e),
    }
}
