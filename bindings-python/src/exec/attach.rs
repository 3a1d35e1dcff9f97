//! Taking the GIL on a core pool thread without a new thread state per
//! task.
//!
//! `Python::attach` on a thread CPython does not know creates a
//! `PyThreadState` and destroys it again when the GIL is released, so each
//! task on the core's global pool or a `ThreadPool` paid for a fresh one.
//! [`attach`] instead keeps one per such thread for the thread's life: the
//! first call holds an extra `PyGILState_Ensure` (then releases the GIL),
//! and every `PyGILState_Ensure`/`Release` pair after it only takes and
//! drops the GIL with that state.
//!
//! At interpreter shutdown, once `atexit` handlers run ([`register`]), no
//! state is kept any more and none is given back: a thread that ends then
//! would wait for the GIL of a finalizing interpreter, which never gives it
//! (it hangs or ends the thread); finalization frees the states itself.
//! After `fork()` only the forking thread lives in the child: its kept
//! state is the one CPython keeps for it, and the other threads' states
//! are deleted by CPython with them.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::ffi;
use pyo3::prelude::*;

/// Set from `atexit`: the interpreter is about to finalize.
static FINALIZING: AtomicBool = AtomicBool::new(false);

/// A thread state kept for this thread's life, if the thread had none.
struct Kept(bool);

impl Kept {
    fn new() -> Self {
        // SAFETY: these calls need an initialized interpreter (checked) and
        // no GIL held by this thread: it has no thread state, so it holds
        // none.
        unsafe {
            if FINALIZING.load(Ordering::Acquire)
                || ffi::Py_IsInitialized() == 0
                || !ffi::PyGILState_GetThisThreadState().is_null()
            {
                return Kept(false);
            }
            ffi::PyGILState_Ensure();
            ffi::PyEval_SaveThread();
        }
        Kept(true)
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        if !self.0 || FINALIZING.load(Ordering::Acquire) {
            return;
        }
        // SAFETY: the thread's kept state exists and is not current (the
        // thread is ending, outside any attach); the last release of the
        // `PyGILState_Ensure` in `new` deletes it and drops the GIL.
        unsafe {
            if ffi::Py_IsInitialized() == 0 {
                return;
            }
            ffi::PyEval_RestoreThread(ffi::PyGILState_GetThisThreadState());
            ffi::PyGILState_Release(ffi::PyGILState_STATE::PyGILState_UNLOCKED);
        }
    }
}

thread_local! {
    static KEPT: Kept = Kept::new();
}

/// `Python::attach`, keeping this thread's Python thread state for later
/// calls if CPython did not know the thread.
pub(crate) fn attach<R>(f: impl for<'py> FnOnce(Python<'py>) -> R) -> R {
    // A thread already ending (its kept state gone) takes a fresh one.
    let _ = KEPT.try_with(|_| ());
    Python::attach(f)
}

/// Stops keeping (and giving back) thread states once `atexit` runs.
pub(crate) fn register(py: Python<'_>) -> PyResult<()> {
    py.import("atexit")?
        .call_method1("register", (wrap_pyfunction!(at_exit, py)?,))?;
    Ok(())
}

#[pyfunction]
fn at_exit() {
    FINALIZING.store(true, Ordering::Release);
}
