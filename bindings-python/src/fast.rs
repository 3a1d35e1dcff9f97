//! One-call fast paths for `Chan.send(x)` and `Chan.recv()`, the two calls
//! a producer/consumer loop makes per item.
//!
//! pyo3's glue around a method (parsing the arguments against the
//! signature, the panic trampoline, its attach count in a thread-local)
//! costs about as much as the core's `try_send` / `try_recv` themselves:
//! callgrind counted about 1,400 instructions per `send(x)` + `recv()` on
//! `Chan(None)` through it, against 1,225 for `queue.SimpleQueue`'s `put` +
//! `get`; with these entries, about 920.
//! [`install`] therefore puts an entry in front of each of the two methods
//! that answers the plain form (`send(x)`, `recv()`: positional, no
//! keyword) when the core's non-blocking operation completes at once, and
//! hands every other call to pyo3's method unchanged, which tries again and
//! then waits, parses or raises as it always did. Each method still has one
//! implementation (in `chan`); the entry only answers the calls that need
//! no waiting, no timeout and no error.

use std::ffi::{c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::chan::PyChan;

/// A `METH_FASTCALL | METH_KEYWORDS` method's C entry.
type Entry = ffi::PyCFunctionFastWithKeywords;

const FASTCALL_KEYWORDS: c_int = ffi::METH_FASTCALL | ffi::METH_KEYWORDS;

/// pyo3's entries, for every call the fast paths do not answer.
static SEND: OnceLock<Entry> = OnceLock::new();
static RECV: OnceLock<Entry> = OnceLock::new();

/// `Chan.send`: `send(x)` answered here when the value goes in at once.
unsafe extern "C" fn send(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    if nargs == 1 && kwnames.is_null() {
        // SAFETY: Python calls a method holding the GIL, with `nargs`
        // arguments at `args`, and `slf` is a Chan: the method descriptor
        // checks the type of the object it is bound to.
        let (py, chan, value) = unsafe {
            let py = Python::assume_attached();
            let chan = slf.assume_chan(py);
            (py, chan, Bound::from_borrowed_ptr(py, *args).unbind())
        };
        match catch_unwind(AssertUnwindSafe(|| chan.chan.try_send(value))) {
            Ok(Ok(())) => return py.None().into_ptr(),
            // Full or closed: pyo3's method tries again, then waits or
            // raises. The reference taken above goes back now: a drop here
            // would defer it (pyo3 does not count this entry as attached).
            // SAFETY: holding the GIL.
            Ok(Err(e)) => unsafe { ffi::Py_DecRef(e.into_inner().into_ptr()) },
            Err(panic) => return raise_panic(py, panic),
        }
    }
    // SAFETY: the arguments Python gave, to the entry it would have called.
    unsafe { general(&SEND, slf, args, nargs, kwnames) }
}

/// `Chan.recv`: `recv()` answered here when a value can be had at once.
unsafe extern "C" fn recv(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    if nargs == 0 && kwnames.is_null() {
        // SAFETY: as in `send`.
        let (py, chan) = unsafe {
            let py = Python::assume_attached();
            (py, slf.assume_chan(py))
        };
        match catch_unwind(AssertUnwindSafe(|| chan.chan.try_recv())) {
            Ok(Ok(v)) => return v.into_ptr(),
            // Empty or closed and drained: pyo3's method waits or raises.
            Ok(Err(_)) => {}
            Err(panic) => return raise_panic(py, panic),
        }
    }
    // SAFETY: as in `send`.
    unsafe { general(&RECV, slf, args, nargs, kwnames) }
}

trait AssumeChan {
    /// The channel behind a method's `self`.
    ///
    /// # Safety
    /// `self` points to a live `Chan` (or subclass) instance, borrowed for `'py`.
    unsafe fn assume_chan<'py>(self, py: Python<'py>) -> &'py PyChan;
}

impl AssumeChan for *mut ffi::PyObject {
    unsafe fn assume_chan<'py>(self, py: Python<'py>) -> &'py PyChan {
        // SAFETY: the caller's guarantee; `PyChan` is frozen, so `get`
        // needs no borrow flag.
        unsafe { pyo3::Borrowed::from_ptr(py, self).cast_unchecked::<PyChan>() }.get()
    }
}

/// Calls pyo3's entry, saved by `install` before it put a fast one in front.
///
/// # Safety
/// The arguments of a method call, as Python passed them, holding the GIL.
unsafe fn general(
    saved: &OnceLock<Entry>,
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    match saved.get() {
        // SAFETY: the caller's guarantee; `entry` expects them.
        Some(entry) => unsafe { entry(slf, args, nargs, kwnames) },
        None => {
            // Not reached: `install` saves pyo3's entry before it puts ours.
            // SAFETY: the caller holds the GIL.
            let py = unsafe { Python::assume_attached() };
            PyRuntimeError::new_err("polyconc's fast entry has no method behind it").restore(py);
            std::ptr::null_mut()
        }
    }
}

/// A panic in the core becomes the exception pyo3 raises for one.
fn raise_panic(py: Python<'_>, panic: Box<dyn std::any::Any + Send>) -> *mut ffi::PyObject {
    let msg = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic in polyconc's core".to_owned());
    PanicException::new_err(msg).restore(py);
    std::ptr::null_mut()
}

/// Puts the fast entries in front of `Chan.send` and `Chan.recv`. Each new
/// method keeps the name, text signature and doc of pyo3's. If pyo3 ever
/// builds the methods another way, they stay as they are.
pub(crate) fn install(chan: &Bound<'_, PyType>) -> PyResult<()> {
    let py = chan.py();
    // A channel's bound methods expose the C entries pyo3 made.
    let probe = chan.call0()?;
    for (name, fast, saved) in [("send", send as Entry, &SEND), ("recv", recv, &RECV)] {
        let method = probe.getattr(name)?;
        // SAFETY: `method` is a live object; both calls only read it.
        let (flags, entry) = unsafe {
            (
                ffi::PyCFunction_GetFlags(method.as_ptr()),
                ffi::PyCFunction_GetFunction(method.as_ptr()),
            )
        };
        let Some(entry) = entry.filter(|_| flags == FASTCALL_KEYWORDS) else {
            continue;
        };
        // SAFETY: a method flagged METH_FASTCALL | METH_KEYWORDS has an
        // entry of that type; CPython stores it as a `PyCFunction` too.
        let entry = unsafe { std::mem::transmute::<ffi::PyCFunction, Entry>(entry) };
        if saved.set(entry).is_err() {
            return Err(PyRuntimeError::new_err("polyconc was initialised twice"));
        }
        let doc = format!(
            "{name}{}\n--\n\n{}",
            method.getattr("__text_signature__")?,
            method.getattr("__doc__")?
        );
        // The method table outlives the type, as CPython requires: one per
        // process, like pyo3's own.
        let def = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: leak(name)?,
            ml_meth: ffi::PyMethodDefPointer {
                PyCFunctionFastWithKeywords: fast,
            },
            ml_flags: flags,
            ml_doc: leak(&doc)?,
        }));
        // SAFETY: a live type object and a method table that is never freed.
        let descr = unsafe {
            Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(chan.as_type_ptr(), def))?
        };
        chan.setattr(name, descr)?;
    }
    Ok(())
}

/// A C string that lives as long as the process.
fn leak(s: &str) -> PyResult<*const std::ffi::c_char> {
    let c = CString::new(s).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok(Box::leak(c.into_boxed_c_str()).as_ptr())
}
