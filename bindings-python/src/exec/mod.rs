//! Where the futures' Python callables run: the `executor=` argument as a
//! core `ExecutionContext`.
//!
//! `None` is the core's global pool, a `polyconc.ThreadPool` its core
//! pool: their tasks are the core's own (no extra box), and each Python
//! callable takes the GIL itself when it runs (see `future::calls`). Any
//! other `concurrent.futures.Executor` gets each task as a callable
//! ([`Run`]) through its `submit`.
//!
//! A `BaseException` that is not an `Exception` (KeyboardInterrupt,
//! SystemExit) raised by a callable fails its future and is then raised
//! again in the thread that ran it ([`escalate`]): out of `Run` on an
//! executor's thread, to `sys.unraisablehook` on a core pool thread, which
//! has no Python caller to raise into.

mod attach;
mod pool;

use std::cell::RefCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use polyconc::exec::{global, ExecutionContext, Rejected, Task, ThreadPool};
use polyconc::future::Failure;
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

pub(crate) use attach::{attach, register as register_attach};
pub(crate) use pool::PyThreadPool;

use crate::future::py_err;
use crate::Obj;

/// An `executor=` argument, as the core runs tasks on it.
#[derive(Clone)]
pub(crate) enum Context {
    /// The core's global pool (`executor=None`).
    Global,
    /// A `polyconc.ThreadPool`.
    Pool(ThreadPool),
    /// Any other `concurrent.futures.Executor` (shared: the core clones
    /// the context into every pending combinator).
    Executor(Arc<Obj>),
}

impl Context {
    /// The context of an `executor=` argument; TypeError for anything that
    /// is neither None, a `polyconc.ThreadPool` nor a
    /// `concurrent.futures.Executor`.
    pub(crate) fn of(executor: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let Some(executor) = executor.filter(|e| !e.is_none()) else {
            return Ok(Context::Global);
        };
        if let Ok(pool) = executor.cast::<PyThreadPool>() {
            return Ok(Context::Pool(pool.get().core().clone()));
        }
        if executor.is_instance(executor_class(executor.py())?.as_any())? {
            return Ok(Context::Executor(Arc::new(executor.clone().unbind())));
        }
        Err(PyTypeError::new_err(format!(
            "executor must be None, a polyconc.ThreadPool or a concurrent.futures.Executor, not {}",
            executor.get_type().name()?
        )))
    }
}

fn executor_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static EXECUTOR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    EXECUTOR.import(py, "concurrent.futures", "Executor")
}

impl ExecutionContext for Context {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        self.submit(Task::from(task))
    }

    fn submit(&self, task: Task) -> Result<(), Rejected> {
        match self {
            Context::Global => global().submit(task),
            Context::Pool(pool) => pool.submit(task),
            Context::Executor(executor) => submit_to(executor, task),
        }
    }

    /// A failure nobody else sees (a side-effect callback refused by a
    /// shut-down pool) goes where Python reports such things.
    fn report(&self, failure: &Failure) {
        attach(|py| py_err(py, failure).write_unraisable(py, None));
    }
}

/// Hands `task` to `executor.submit` as a [`Run`]. A `submit` that raises
/// refuses the task, which fails its future (`RuntimeError`, the context
/// is shut down); its exception, unless it is the `RuntimeError` a
/// shut-down `concurrent.futures` executor raises, also goes to
/// `sys.unraisablehook`, so that nothing is lost.
fn submit_to(executor: &Obj, task: Task) -> Result<(), Rejected> {
    attach(|py| {
        let run = match Bound::new(py, Run(Mutex::new(Some(task)))) {
            Ok(run) => run,
            Err(e) => {
                // No memory for the callable: dropping it unrun failed the
                // future (CancelledError).
                e.write_unraisable(py, Some(executor.bind(py)));
                return Ok(());
            }
        };
        let Err(e) = executor.call_method1(py, "submit", (&run,)) else {
            return Ok(());
        };
        if !e.is_instance_of::<PyRuntimeError>(py) {
            e.write_unraisable(py, Some(executor.bind(py)));
        }
        match run.get().take() {
            Some(task) => Err(Rejected::new(task)),
            // The executor ran it inline, then raised: nothing to refuse.
            None => Ok(()),
        }
    })
}

/// One core task, as the callable a `concurrent.futures.Executor` runs.
/// Dropped unrun (its executor cancelled it), its future fails with
/// `CancelledError`.
#[pyclass(frozen, name = "_Run", module = "polyconc._core")]
pub(crate) struct Run(Mutex<Option<Task>>);

impl Run {
    fn take(&self) -> Option<Task> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

#[pymethods]
impl Run {
    /// Runs the task (once; later calls do nothing), then raises the
    /// BaseException one of its callables raised, if any.
    fn __call__(&self) -> PyResult<()> {
        let Some(task) = self.take() else {
            return Ok(());
        };
        reraising(|| task.run())
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Some(task) = self.take() {
            // A core job inside a boxed closure fails its future when the
            // closure drops unrun.
            drop(task.into_boxed());
        }
    }
}

thread_local! {
    /// The BaseException to raise once the [`Run`] running on this thread
    /// is over; `None` outside one.
    static RERAISE: RefCell<Option<Option<PyErr>>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's slot open (the outer one's restored after:
/// an executor may run a task inline, inside another); then the
/// exception escalated meanwhile, to raise.
fn reraising(f: impl FnOnce()) -> PyResult<()> {
    let outer = RERAISE.with(|r| r.replace(Some(None)));
    let ran = catch_unwind(AssertUnwindSafe(f));
    let escalated = RERAISE.with(|r| r.replace(outer)).flatten();
    if let Err(panic) = ran {
        resume_unwind(panic);
    }
    escalated.map_or(Ok(()), Err)
}

/// Raises `e` (a BaseException that is not an Exception, whose future is
/// failed with it) again in the thread running the callable: once the
/// [`Run`] is over on an executor's thread; through `sys.unraisablehook`
/// at once on a core pool thread. A second one in the same `Run` is
/// reported too.
pub(crate) fn escalate(py: Python<'_>, e: PyErr) {
    let left = RERAISE.with(|r| match r.borrow_mut().as_mut() {
        Some(slot @ None) => {
            *slot = Some(e);
            None
        }
        _ => Some(e),
    });
    if let Some(e) = left {
        e.write_unraisable(py, None);
    }
}
