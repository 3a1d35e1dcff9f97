//! One-call fast paths for the calls a loop makes per item or per
//! critical section (`Chan.send(x)` and `recv()`, a FIFO queue's `put(x)`,
//! `offer(x)`, `take()` and `poll()`, a `Mutex`'s or `SpinLock`'s
//! `acquire()`, `release()` and `with`).
//!
//! pyo3's glue around a method (parsing the arguments against the
//! signature, the panic trampoline, its attach count in a thread-local)
//! costs about as much as the core's `try_send` / `try_recv` themselves:
//! callgrind counted about 1,400 instructions per `send(x)` + `recv()` on
//! `Chan(None)` through it, against 1,225 for `queue.SimpleQueue`'s `put` +
//! `get`; with these entries, about 920. For `ArrayBlockingQueue(1024)`'s
//! `put(x)` + `take()`, about 1,170 through it and 890 with them (against
//! about 15,200 for `queue.Queue(1024)`'s `put` + `get`). For a `Mutex`,
//! per `with m: pass` in a module-level loop, about 1,930 through it and
//! 1,310 with them (`threading.Lock`: 2,130); per `acquire()` +
//! `release()`, 1,000 and 670 (`threading.Lock`: 1,250).
//! [`install`] therefore puts an entry in front of each of these methods
//! that answers the plain form (`send(x)`, `recv()`: positional, no
//! keyword) when the core's non-blocking operation completes at once, and
//! hands every other call to pyo3's method unchanged, which tries again and
//! then waits, parses or raises as it always did. Each method still has one
//! implementation (in `chan`, `queue` and `sync`); the entry calls the
//! same core operation that method tries first, and only answers the calls
//! that need no waiting and no timeout.
//!
//! pyo3 does not count these entries as attached: a `Py` dropped in one
//! would have its reference given back later, so they give back what they
//! drop at once ([`give_back`]) and create no `Py` they do not hand on.

use std::ffi::{c_int, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use pyo3::exceptions::PyRuntimeError;
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::pyclass::boolean_struct::True;
use pyo3::types::{PyBool, PyType};
use pyo3::PyClass;

use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, LinkedBlockingQueue, SynchronousQueue};

use crate::chan::PyChan;
use crate::queue::{
    Core, Item, PyArrayBlockingQueue, PyLinkedBlockingQueue, PySynchronousQueue, Shared,
};
use crate::sync::mutex::PyMutex;
use crate::sync::spin::PySpinLock;
use crate::Obj;

/// A `METH_FASTCALL | METH_KEYWORDS` method's C entry.
type Keywords = ffi::PyCFunctionFastWithKeywords;

const FASTCALL_KEYWORDS: c_int = ffi::METH_FASTCALL | ffi::METH_KEYWORDS;

/// One of our entries, of the kind of pyo3's method it stands in front of
/// (pyo3 makes a method without arguments `METH_NOARGS`).
#[derive(Clone, Copy)]
enum Fast {
    Keywords(Keywords),
    NoArgs(ffi::PyCFunction),
}

impl Fast {
    fn flags(self) -> c_int {
        match self {
            Fast::Keywords(_) => FASTCALL_KEYWORDS,
            Fast::NoArgs(_) => ffi::METH_NOARGS,
        }
    }

    fn pointer(self) -> ffi::PyMethodDefPointer {
        match self {
            Fast::Keywords(f) => ffi::PyMethodDefPointer {
                PyCFunctionFastWithKeywords: f,
            },
            Fast::NoArgs(f) => ffi::PyMethodDefPointer { PyCFunction: f },
        }
    }
}

/// pyo3's entry behind one of ours, as CPython stores it: a `PyCFunction`
/// of the kind our entry is.
type Saved = OnceLock<ffi::PyCFunction>;

/// What a fast entry's answer gives: `Some` answers the call (the result,
/// or null with an exception set), `None` hands it to pyo3's method.
type Answer = Option<*mut ffi::PyObject>;

/// A `METH_FASTCALL | METH_KEYWORDS` entry: `answer` gets the calls with
/// `n` positional arguments and no keyword; every other call, and every
/// call `answer` hands over, goes to pyo3's entry `saved`.
///
/// # Safety
/// The arguments of a call of a method of `C`, as Python passed them.
unsafe fn keywords<C: PyClass<Frozen = True> + Sync>(
    saved: &Saved,
    n: usize,
    (slf, args, nargs, kwnames): KeywordsCall,
    answer: impl FnOnce(Python<'_>, &C, &[*mut ffi::PyObject]) -> Answer,
) -> *mut ffi::PyObject {
    if nargs as usize == n && kwnames.is_null() {
        // SAFETY: Python calls a method holding the GIL, with `nargs`
        // arguments at `args`, and `slf` is a `C`: the method descriptor
        // checks the type of the object it is bound to.
        let (py, this, args) = unsafe {
            let py = Python::assume_attached();
            let args: &[*mut ffi::PyObject] = match n {
                // `args` may be null when there are none.
                0 => &[],
                _ => std::slice::from_raw_parts(args, n),
            };
            (py, slf.assume::<C>(py), args)
        };
        if let Some(out) = guarded(py, || answer(py, this, args)) {
            return out;
        }
    }
    match saved.get() {
        // SAFETY: the caller's arguments, to the entry Python would have
        // called; `install` saved a `METH_FASTCALL | METH_KEYWORDS` one.
        Some(&entry) => unsafe {
            std::mem::transmute::<ffi::PyCFunction, Keywords>(entry)(slf, args, nargs, kwnames)
        },
        None => unsaved(),
    }
}

/// A `METH_FASTCALL | METH_KEYWORDS` call's arguments.
type KeywordsCall = (
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
);

/// Declares a `METH_FASTCALL | METH_KEYWORDS` entry `$name`: [`keywords`]
/// with pyo3's entry `$saved` behind it, `$answer` getting the calls with
/// `$n` positional arguments.
macro_rules! keywords_entry {
    ($(#[$doc:meta])* fn $name:ident $(<$g:ident: $bound:path>)? ($saved:expr, $n:expr)
        = $answer:expr) => {
        $(#[$doc])*
        unsafe extern "C" fn $name $(<$g: $bound>)? (
            slf: *mut ffi::PyObject,
            args: *const *mut ffi::PyObject,
            nargs: ffi::Py_ssize_t,
            kwnames: *mut ffi::PyObject,
        ) -> *mut ffi::PyObject {
            // SAFETY: Python's call of the method this entry stands in front of.
            unsafe { keywords($saved, $n, (slf, args, nargs, kwnames), $answer) }
        }
    };
}

/// Declares a `METH_NOARGS` entry: [`no_args`] with pyo3's entry `$saved`
/// behind it.
macro_rules! no_args_entry {
    ($(#[$doc:meta])* fn $name:ident $(<$g:ident: $bound:path>)? ($saved:expr)
        = $answer:expr) => {
        $(#[$doc])*
        unsafe extern "C" fn $name $(<$g: $bound>)? (
            slf: *mut ffi::PyObject,
            _: *mut ffi::PyObject,
        ) -> *mut ffi::PyObject {
            // SAFETY: Python's call of the method this entry stands in front of.
            unsafe { no_args($saved, slf, $answer) }
        }
    };
}

/// A `METH_NOARGS` entry: `answer` gets every call first.
///
/// # Safety
/// As [`keywords`].
unsafe fn no_args<C: PyClass<Frozen = True> + Sync>(
    saved: &Saved,
    slf: *mut ffi::PyObject,
    answer: impl FnOnce(Python<'_>, &C) -> Answer,
) -> *mut ffi::PyObject {
    // SAFETY: as in `keywords`.
    let (py, this) = unsafe {
        let py = Python::assume_attached();
        (py, slf.assume::<C>(py))
    };
    if let Some(out) = guarded(py, || answer(py, this)) {
        return out;
    }
    match saved.get() {
        // SAFETY: the call Python would have made.
        Some(&entry) => unsafe { entry(slf, std::ptr::null_mut()) },
        None => unsaved(),
    }
}

/// Runs an answer; a panic in the core becomes the exception pyo3 raises
/// for one.
fn guarded(py: Python<'_>, answer: impl FnOnce() -> Answer) -> Answer {
    catch_unwind(AssertUnwindSafe(answer)).unwrap_or_else(|panic| {
        let msg = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic in polyconc's core".to_owned());
        PanicException::new_err(msg).restore(py);
        Some(std::ptr::null_mut())
    })
}

/// Not reached: `install` saves pyo3's entry before it puts ours.
fn unsaved() -> *mut ffi::PyObject {
    // SAFETY: called from an entry, holding the GIL.
    let py = unsafe { Python::assume_attached() };
    PyRuntimeError::new_err("polyconc's fast entry has no method behind it").restore(py);
    std::ptr::null_mut()
}

/// A result as a call's answer: the object, or null with the exception set.
fn answer(py: Python<'_>, result: PyResult<Obj>) -> *mut ffi::PyObject {
    match result {
        Ok(obj) => obj.into_ptr(),
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// Drops a reference now. A drop of `Obj` here would defer it: pyo3 does
/// not count these entries as attached.
fn give_back(obj: Obj) {
    // SAFETY: called holding the GIL.
    unsafe { ffi::Py_DecRef(obj.into_ptr()) }
}

/// An argument of the call, as an owned reference.
fn arg(py: Python<'_>, arg: *mut ffi::PyObject) -> Obj {
    // SAFETY: Python lends the call its arguments for the call.
    unsafe { Bound::from_borrowed_ptr(py, arg) }.unbind()
}

fn true_(py: Python<'_>) -> Obj {
    PyBool::new(py, true).to_owned().into_any().unbind()
}

static SEND: Saved = OnceLock::new();
static RECV: Saved = OnceLock::new();

keywords_entry!(
    /// `Chan.send`: `send(x)` answered here when the value goes in at once.
    fn send(&SEND, 1) = |py, chan: &PyChan, args| {
        match chan.chan.try_send(arg(py, args[0])) {
            Ok(()) => Some(py.None().into_ptr()),
            // Full or closed: pyo3's method tries again, then waits or
            // raises.
            Err(e) => {
                give_back(e.into_inner());
                None
            }
        }
    }
);

keywords_entry!(
    /// `Chan.recv`: `recv()` answered here when a value can be had at once;
    /// empty, or closed and drained, pyo3's method waits or raises.
    fn recv(&RECV, 0) = |_, chan: &PyChan, _| chan.chan.try_recv().ok().map(Py::into_ptr)
);

/// A FIFO queue class of Python objects, with pyo3's entries behind ours.
trait FastQueue: PyClass<Frozen = True> + Sync {
    type Q: Core<Elem = Item>;
    fn shared(&self) -> &Shared<Self::Q>;
    fn saved() -> &'static QueueSaved;
}

/// pyo3's `put`, `offer`, `take` and `poll` of one queue class.
struct QueueSaved([Saved; 4]);

macro_rules! fast_queue {
    ($($class:ty => $core:ty),*) => {$(
        impl FastQueue for $class {
            type Q = $core;
            fn shared(&self) -> &Shared<$core> {
                &self.inner
            }
            fn saved() -> &'static QueueSaved {
                static SAVED: QueueSaved = QueueSaved([const { OnceLock::new() }; 4]);
                &SAVED
            }
        }
    )*};
}
fast_queue!(
    PyArrayBlockingQueue => ArrayBlockingQueue<Item>,
    PyLinkedBlockingQueue => LinkedBlockingQueue<Item>,
    PySynchronousQueue => SynchronousQueue<Item>
);

/// Inserts `value` at once, as `offer` first tries to (the same
/// `Item::new` and `Core::try_insert`): `None` when it would wait, and for
/// a heap-based queue (whose calls go through its gate).
fn insert<C: FastQueue>(
    py: Python<'_>,
    queue: &C,
    value: *mut ffi::PyObject,
) -> Option<PyResult<()>> {
    let q = queue.shared().ungated()?;
    let elem = match Item::new(py, arg(py, value)) {
        Ok(elem) => elem,
        Err(e) => return Some(Err(e)),
    };
    match q.try_insert(elem) {
        Ok(()) => Some(Ok(())),
        Err(Ok(full)) => {
            give_back(full.0);
            None
        }
        Err(Err(e)) => Some(Err(e)),
    }
}

/// Takes the head at once, as `poll` first tries to (`BlockingQueue::remove`);
/// empty or closed, pyo3's method waits or raises.
fn remove<C: FastQueue>(queue: &C) -> Answer {
    Some(queue.shared().ungated()?.remove().ok()?.0.into_ptr())
}

keywords_entry!(
    /// `put(x)`.
    fn put<C: FastQueue>(&C::saved().0[0], 1) = |py, q: &C, args| {
        insert(py, q, args[0]).map(|r| answer(py, r.map(|()| py.None())))
    }
);

keywords_entry!(
    /// `offer(x)`: only a success is answered here (a full queue's `False`
    /// is pyo3's method's, which tries again).
    fn offer<C: FastQueue>(&C::saved().0[1], 1) = |py, q: &C, args| {
        insert(py, q, args[0]).map(|r| answer(py, r.map(|()| true_(py))))
    }
);

no_args_entry!(
    /// `take()`.
    fn take<C: FastQueue>(&C::saved().0[2]) = |_, q: &C| remove(q)
);

keywords_entry!(
    /// `poll()`.
    fn poll<C: FastQueue>(&C::saved().0[3], 0) = |_, q: &C, _| remove(q)
);

/// A lock class with `threading.Lock`'s methods, with pyo3's entries
/// behind ours.
trait FastLock: PyClass<Frozen = True> + Sync {
    /// Takes the lock if it is free, as `acquire` first tries to.
    fn try_acquire(&self) -> bool;
    /// Releases the lock; false if it is not locked (pyo3's `release`
    /// then raises).
    fn try_release(&self) -> bool;
    /// pyo3's `acquire`, `release`, `__enter__` and `__exit__`.
    fn saved() -> &'static [Saved; 4];
}

macro_rules! fast_lock {
    ($($class:ty),*) => {$(
        impl FastLock for $class {
            fn try_acquire(&self) -> bool {
                self.raw.try_lock()
            }
            fn try_release(&self) -> bool {
                self.raw.unlock().is_ok()
            }
            fn saved() -> &'static [Saved; 4] {
                static SAVED: [Saved; 4] = [const { OnceLock::new() }; 4];
                &SAVED
            }
        }
    )*};
}
fast_lock!(PyMutex, PySpinLock);

fn acquired<L: FastLock>(py: Python<'_>, lock: &L) -> Answer {
    lock.try_acquire().then(|| true_(py).into_ptr())
}

fn released<L: FastLock>(py: Python<'_>, lock: &L) -> Answer {
    lock.try_release().then(|| py.None().into_ptr())
}

keywords_entry!(
    /// `acquire()`: answered here when the lock is free.
    fn acquire<L: FastLock>(&L::saved()[0], 0) = |py, lock: &L, _| acquired(py, lock)
);

no_args_entry!(
    /// `release()`: answered here unless it raises.
    fn release<L: FastLock>(&L::saved()[1]) = released::<L>
);

no_args_entry!(
    /// `__enter__()` of `with lock:`.
    fn enter<L: FastLock>(&L::saved()[2]) = acquired::<L>
);

keywords_entry!(
    /// `__exit__(type, value, traceback)` of `with lock:`.
    fn exit<L: FastLock>(&L::saved()[3], 3) = |py, lock: &L, _| released(py, lock)
);

trait Assume {
    /// The Rust value behind a method's `self`.
    ///
    /// # Safety
    /// `self` points to a live `C` (or subclass) instance, borrowed for `'py`.
    unsafe fn assume<'py, C: PyClass<Frozen = True> + Sync>(self, py: Python<'py>) -> &'py C;
}

impl Assume for *mut ffi::PyObject {
    unsafe fn assume<'py, C: PyClass<Frozen = True> + Sync>(self, py: Python<'py>) -> &'py C {
        // SAFETY: the caller's guarantee; `C` is frozen, so `get` needs no
        // borrow flag.
        unsafe { pyo3::Borrowed::from_ptr(py, self).cast_unchecked::<C>() }.get()
    }
}

/// Puts the fast entries in front of pyo3's methods. Each new method keeps
/// the name, text signature and doc of pyo3's. If pyo3 ever builds a
/// method another way, it stays as it is.
pub(crate) fn install(py: Python<'_>) -> PyResult<()> {
    let chan = py.get_type::<PyChan>();
    let chan_probe = chan.call0()?;
    install_on(
        &chan,
        &chan_probe,
        &[
            ("send", Fast::Keywords(send), &SEND),
            ("recv", Fast::Keywords(recv), &RECV),
        ],
    )?;
    queue::<PyArrayBlockingQueue>(py, (1,))?;
    queue::<PyLinkedBlockingQueue>(py, ())?;
    queue::<PySynchronousQueue>(py, ())?;
    lock::<PyMutex>(py)?;
    lock::<PySpinLock>(py)?;
    Ok(())
}

/// The fast entries of lock class `L`.
fn lock<L: FastLock>(py: Python<'_>) -> PyResult<()> {
    let ty = py.get_type::<L>();
    let probe = ty.call0()?;
    let [acquire_, release_, enter_, exit_] = L::saved();
    install_on(
        &ty,
        &probe,
        &[
            ("acquire", Fast::Keywords(acquire::<L>), acquire_),
            ("release", Fast::NoArgs(release::<L>), release_),
            ("__enter__", Fast::NoArgs(enter::<L>), enter_),
            ("__exit__", Fast::Keywords(exit::<L>), exit_),
        ],
    )
}

/// The fast entries of queue class `C`, probed on `C(*args)`.
fn queue<'py, C: FastQueue>(
    py: Python<'py>,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyResult<()> {
    let ty = py.get_type::<C>();
    let probe = ty.call1(args)?;
    let [put_, offer_, take_, poll_] = &C::saved().0;
    install_on(
        &ty,
        &probe,
        &[
            ("put", Fast::Keywords(put::<C>), put_),
            ("offer", Fast::Keywords(offer::<C>), offer_),
            ("take", Fast::NoArgs(take::<C>), take_),
            ("poll", Fast::Keywords(poll::<C>), poll_),
        ],
    )
}

/// Puts each `(name, fast, saved)` in front of `ty`'s method `name`, whose
/// C entry the bound method of `probe` (a `ty`) exposes.
fn install_on(
    ty: &Bound<'_, PyType>,
    probe: &Bound<'_, PyAny>,
    methods: &[(&str, Fast, &'static Saved)],
) -> PyResult<()> {
    let py = ty.py();
    for &(name, fast, saved) in methods {
        let method = probe.getattr(name)?;
        // SAFETY: `method` is a live object; both calls only read it.
        let (flags, entry) = unsafe {
            (
                ffi::PyCFunction_GetFlags(method.as_ptr()),
                ffi::PyCFunction_GetFunction(method.as_ptr()),
            )
        };
        let Some(entry) = entry.filter(|_| flags == fast.flags()) else {
            continue;
        };
        if saved.set(entry).is_err() {
            return Err(PyRuntimeError::new_err("polyconc was initialised twice"));
        }
        let doc: Option<String> = method.getattr("__doc__")?.extract()?;
        let doc = doc.unwrap_or_default();
        let signature: Option<String> = method.getattr("__text_signature__")?.extract()?;
        let doc = match signature {
            Some(signature) => format!("{name}{signature}\n--\n\n{doc}"),
            None => doc,
        };
        // The method table outlives the type, as CPython requires: one per
        // process, like pyo3's own.
        let def = Box::leak(Box::new(ffi::PyMethodDef {
            ml_name: leak(name)?,
            ml_meth: fast.pointer(),
            ml_flags: flags,
            ml_doc: leak(&doc)?,
        }));
        // SAFETY: a live type object and a method table that is never freed.
        let descr = unsafe {
            Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(ty.as_type_ptr(), def))?
        };
        ty.setattr(name, descr)?;
    }
    Ok(())
}

/// A C string that lives as long as the process.
fn leak(s: &str) -> PyResult<*const std::ffi::c_char> {
    let c = CString::new(s).map_err(|e| PyRuntimeError::new_err(e.to_string()))?;
    Ok(Box::leak(c.into_boxed_c_str()).as_ptr())
}
