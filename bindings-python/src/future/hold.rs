//! A Python object's hold on a core future or promise, and why the cyclic
//! garbage collector may look through it.
//!
//! The collector must see the objects a completed future holds: an
//! exception whose traceback's frames hold the promise, a value that holds
//! its own future, are cycles. But a core node is shared (by every Python
//! object wrapping it, by the futures that adopted it through `flat_map`'s
//! links, by combinators in flight), and a reference may be shown once
//! only: shown by two wrappers, it would be counted twice, and the
//! collector could clear objects still in use.
//!
//! So a wrapper shows nothing while it shares its node. The first time it
//! finds its future completed, holding the GIL (any method; its promise
//! completing it), it takes a node of its own: a new completed future with
//! new references to the same objects, which it never hands out. The core
//! is given another new completed future each time it asks. Only the own
//! node is shown, and a reference in it is reachable through this wrapper
//! alone. A wrapper never seen completed shows nothing: its cycle stays
//! alive (a leak, never an early free).
//!
//! A wrapper that shows nothing need not be tracked by the collector at
//! all, and a pending future's is not (see `PyFuture::wrap`): a collection
//! then skips it, where it used to visit every pending future a program
//! holds (a fan-out of thousands of tasks) for nothing. Untracked, it is
//! to the collector what a tracked wrapper that shows nothing was: an
//! object whose references are external. The wrapper is tracked again
//! when its own node holds an object that may be part of a cycle, or once
//! it has a done callback whose callable it may show (see `done`).

use std::mem;
use std::sync::{Mutex, MutexGuard, TryLockError};

use polyconc::future::{Failure, Future, Promise};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::{ffi, PyTraverseError};

use super::{Raised, Value};

/// A core future or promise, as a wrapper holds it.
pub(super) trait Handle: Clone {
    /// Its read side.
    fn future(&self) -> Future<Value>;
    /// A new handle, completed with `result`, that nobody else has.
    fn completed(result: Result<Value, Failure>) -> Self;
    /// Whether it is the only handle on a pending, unlinked promise (see
    /// `done`; a promise wrapper registers no callbacks: never asked).
    fn is_sole_pending(&self) -> bool;
}

impl Handle for Future<Value> {
    fn future(&self) -> Future<Value> {
        self.clone()
    }

    fn completed(result: Result<Value, Failure>) -> Self {
        Future::from_result(result)
    }

    fn is_sole_pending(&self) -> bool {
        Future::is_sole_pending(self)
    }
}

impl Handle for Promise<Value> {
    fn future(&self) -> Future<Value> {
        Promise::future(self)
    }

    fn completed(result: Result<Value, Failure>) -> Self {
        let own = Promise::new();
        own.try_complete(result);
        own
    }

    fn is_sole_pending(&self) -> bool {
        false
    }
}

/// See the module docs.
pub(super) struct Hold<H>(Mutex<State<H>>);

enum State<H> {
    /// The node it was made with, maybe shared.
    Shared(H),
    /// Its own completed node, and that node's read side.
    Own(H, Future<Value>),
}

/// `result` with new references to its objects (a failure's exception
/// too: the core shares one `Failure` between every future it passes
/// through).
fn copied(py: Python<'_>, result: &Result<Value, Failure>) -> Result<Value, Failure> {
    match result {
        Ok(v) => Ok(Value(v.0.clone_ref(py))),
        Err(f) => Err(match f.downcast_ref::<Raised>() {
            Some(Raised(e)) => Failure::new(Raised(e.clone_ref(py))),
            None => f.clone(),
        }),
    }
}

/// Whether `obj` may be part of a cycle: CPython's own test for the items
/// of a tuple it untracks (`_PyObject_GC_MAY_BE_TRACKED`): a collected
/// type's object, unless it is a tuple the collector found to hold atomic
/// objects only (and a tuple never changes).
pub(super) fn may_be_tracked(obj: &Bound<'_, PyAny>) -> bool {
    let ptr = obj.as_ptr();
    // SAFETY: a live object, read holding the GIL.
    unsafe {
        ffi::PyType_IS_GC(ffi::Py_TYPE(ptr)) != 0
            && (ffi::PyTuple_CheckExact(ptr) == 0 || ffi::PyObject_GC_IsTracked(ptr) != 0)
    }
}

/// Whether a result may be part of a cycle: a value that may be, or a
/// Python exception (whose traceback holds frames).
fn may_be_cyclic(py: Python<'_>, result: &Result<Value, Failure>) -> bool {
    match result {
        Ok(v) => may_be_tracked(v.0.bind(py)),
        Err(f) => f.downcast_ref::<Raised>().is_some(),
    }
}

/// Has the collector track `owner`, a wrapper, if it does not. Called from
/// a method of it, holding the GIL.
pub(super) fn track(owner: &Bound<'_, PyAny>) {
    // SAFETY: a live collected object, holding the GIL, outside any
    // traversal (a method of it runs), tracked once (checked first).
    unsafe {
        if ffi::PyObject_GC_IsTracked(owner.as_ptr()) == 0 {
            ffi::PyObject_GC_Track(owner.as_ptr().cast());
        }
    }
}

impl<H: Handle> Hold<H> {
    pub(super) fn new(handle: H) -> Self {
        Hold(Mutex::new(State::Shared(handle)))
    }

    fn lock(&self) -> MutexGuard<'_, State<H>> {
        // Nothing panics while holding it; a poisoned lock holds a valid state.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The state, having taken an own node if the future is completed;
    /// `owner` is the wrapper, tracked then if it needs to be.
    fn settled(&self, owner: &Bound<'_, PyAny>) -> MutexGuard<'_, State<H>> {
        let mut state = self.lock();
        let State::Shared(shared) = &*state else {
            return state;
        };
        let read = shared.future();
        let Some(result) = read.value() else {
            return state;
        };
        let own = H::completed(copied(owner.py(), result));
        let own_read = own.future();
        if may_be_cyclic(owner.py(), result) {
            track(owner);
        }
        let old = mem::replace(&mut *state, State::Own(own, own_read));
        // Dropping the shared node may free objects, whose finalizers may
        // run Python code: not while holding the lock.
        drop(state);
        drop((old, read));
        self.lock()
    }

    /// A handle for the core (to combine, wait for, complete): the shared
    /// one while pending; once completed, a new completed one.
    pub(super) fn get(&self, owner: &Bound<'_, PyAny>) -> H {
        match &*self.settled(owner) {
            State::Shared(h) => h.clone(),
            // (An own node is always completed.)
            State::Own(own, read) => read
                .value()
                .map_or_else(|| own.clone(), |r| H::completed(copied(owner.py(), r))),
        }
    }

    /// Whether the future is completed (then the own node is taken).
    pub(super) fn is_completed(&self, owner: &Bound<'_, PyAny>) -> bool {
        matches!(&*self.settled(owner), State::Own(..))
    }

    /// The result, once completed.
    pub(super) fn result(&self, owner: &Bound<'_, PyAny>) -> Option<Result<Value, Failure>> {
        match &*self.settled(owner) {
            State::Shared(_) => None,
            State::Own(_, read) => read.value().map(|r| copied(owner.py(), r)),
        }
    }

    /// Shows the collector the objects of an own node.
    pub(super) fn visit(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        // Every holder of the lock holds the GIL, which the collector holds
        // now: it is free, unless a thread was stopped mid-way (fork).
        let state = match self.0.try_lock() {
            Ok(state) => state,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => return Ok(()),
        };
        let State::Own(_, read) = &*state else {
            return Ok(());
        };
        match read.value() {
            Some(Ok(v)) => visit.call(&v.0),
            Some(Err(f)) => match f.downcast_ref::<Raised>() {
                Some(Raised(e)) => visit.call(e),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }

    /// Whether the hold's handle is the only one on a pending, unlinked
    /// promise (see `done`); for a traversal.
    pub(super) fn is_sole_pending(&self) -> bool {
        match self.0.try_lock() {
            Ok(state) => matches!(&*state, State::Shared(h) if h.is_sole_pending()),
            Err(_) => false,
        }
    }

    /// Drops the references of an own node (the collector breaking a
    /// cycle): the wrapper is left cancelled.
    pub(super) fn clear(&self) {
        let mut state = self.lock();
        if let State::Own(..) = &*state {
            let cleared = H::completed(Err(Failure::cancelled()));
            let read = cleared.future();
            let old = mem::replace(&mut *state, State::Own(cleared, read));
            drop(state);
            drop(old);
        }
    }
}
