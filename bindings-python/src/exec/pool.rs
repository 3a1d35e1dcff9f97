//! `polyconc.ThreadPool`: the core's `exec::ThreadPool` as a
//! `concurrent.futures.Executor`. This is its Rust base, `_ThreadPool`;
//! `polyconc/_exec.py` adds `Executor` to its bases (for `map` and the
//! context manager, and for `isinstance`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use polyconc::exec::{ExecutionContext, JoinError, ThreadPool};
use polyconc::future::{Failure, Promise};
use polyconc::Wait;
use pyo3::exceptions::{PyException, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use super::escalate;
use crate::future::Call;
use crate::wait::wait_on;
use crate::Obj;

/// A fixed set of worker threads (the core's pool: per-worker deques with
/// stealing), for `submit` and as an `executor=`.
#[pyclass(frozen, subclass, name = "_ThreadPool", module = "polyconc._core")]
pub(crate) struct PyThreadPool {
    pool: ThreadPool,
    /// The name prefix of this pool's threads, one per pool, so that a
    /// thread can tell whether it is one of them.
    name: String,
}

impl PyThreadPool {
    pub(crate) fn core(&self) -> &ThreadPool {
        &self.pool
    }
}

#[pymethods]
impl PyThreadPool {
    /// `workers` threads (None: one per core); ValueError below 1, as
    /// `ThreadPoolExecutor(max_workers)`.
    #[new]
    #[pyo3(signature = (workers = None))]
    fn new(workers: Option<i64>) -> PyResult<Self> {
        let builder = ThreadPool::builder();
        let builder = match workers {
            None => builder,
            Some(n) if n >= 1 => builder.size(usize::try_from(n).unwrap_or(usize::MAX)),
            Some(n) => {
                return Err(PyValueError::new_err(format!(
                    "workers must be at least 1, got {n}"
                )))
            }
        };
        static POOLS: AtomicUsize = AtomicUsize::new(0);
        let name = format!("polyconc-py{}", POOLS.fetch_add(1, Ordering::Relaxed));
        Ok(PyThreadPool {
            pool: builder.name(name.as_str()).build(),
            name,
        })
    }

    /// How many worker threads.
    #[getter]
    fn workers(&self) -> usize {
        self.pool.size()
    }

    /// Runs `fn(*args, **kwargs)` on a worker; a `concurrent.futures.Future`
    /// of its result. RuntimeError once shut down.
    #[pyo3(signature = (f, /, *args, **kwargs))]
    fn submit(
        &self,
        py: Python<'_>,
        f: Obj,
        args: Py<PyTuple>,
        kwargs: Option<Py<PyDict>>,
    ) -> PyResult<Obj> {
        let cf = cf_future_class(py)?.call0()?.unbind();
        let work = Submitted {
            cf: cf.clone_ref(py),
            call: Some(Call::new(py, f, args, kwargs)),
        };
        self.pool
            .execute(Box::new(move || work.run()))
            .map_err(|_| PyRuntimeError::new_err("cannot schedule new futures after shutdown"))?;
        Ok(cf)
    }

    /// Refuses new tasks; with `cancel_futures`, cancels the queued ones
    /// (their futures, `submit`'s and the combinators', are cancelled);
    /// with `wait`, waits (GIL-free, stopped by Ctrl-C) until every worker
    /// has exited.
    #[pyo3(signature = (wait = true, *, cancel_futures = false))]
    fn shutdown(&self, py: Python<'_>, wait: bool, cancel_futures: bool) -> PyResult<()> {
        if cancel_futures {
            self.pool.shutdown_now();
        } else {
            self.pool.shutdown();
        }
        if !wait {
            return Ok(());
        }
        // RuntimeError from one of the pool's own workers, which would wait
        // for itself (as `ThreadPoolExecutor` cannot join its own thread).
        if self.is_own_thread() {
            return Err(PyRuntimeError::new_err(JoinError::OwnWorker.to_string()));
        }
        joined(py, &self.pool)
    }
}

impl PyThreadPool {
    /// Whether the calling thread is one of this pool's: the core names
    /// them `<prefix>-<n>` (spares `<prefix>-spare`).
    fn is_own_thread(&self) -> bool {
        thread::current()
            .name()
            .and_then(|n| n.strip_prefix(self.name.as_str()))
            .is_some_and(|rest| rest.starts_with('-'))
    }
}

/// Waits until `pool` (shut down) has no thread left, the Python way: the
/// core's `join` has no deadline, so a thread of its own joins, and this
/// one waits for it in GIL-free slices, running signal handlers between
/// them. Interrupted, the joining thread goes on and ends with the pool.
fn joined(py: Python<'_>, pool: &ThreadPool) -> PyResult<()> {
    let done = Promise::new();
    let exited = done.future();
    let pool = pool.clone();
    thread::Builder::new()
        .name("polyconc-py-join".to_owned())
        .spawn(move || {
            // Neither refusal applies: the pool is shut down, and this
            // thread is none of its workers.
            let _ = done.complete(pool.join().map_err(Failure::new));
        })
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start a thread: {e}")))?;
    let joined = wait_on(
        py,
        Wait::FOREVER,
        None,
        || exited.value().cloned(),
        || exited.clone(),
    )?;
    match joined {
        Some(Ok(())) | None => Ok(()),
        Some(Err(e)) => Err(PyRuntimeError::new_err(e.to_string())),
    }
}

fn cf_future_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static FUTURE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    FUTURE.import(py, "concurrent.futures", "Future")
}

/// A `submit`ted call and its `concurrent.futures.Future`, as
/// `ThreadPoolExecutor`'s work item: run once, unless the future was
/// cancelled first; dropped unrun (`shutdown(cancel_futures=True)`), it
/// cancels the future.
struct Submitted {
    cf: Obj,
    call: Option<Call>,
}

impl Submitted {
    fn run(mut self) {
        let Some(call) = self.call.take() else {
            return;
        };
        crate::exec::attach(|py| {
            if let Err(e) = self.complete(py, &call) {
                e.write_unraisable(py, Some(self.cf.bind(py)));
            }
        });
    }

    fn complete(&self, py: Python<'_>, call: &Call) -> PyResult<()> {
        let cf = self.cf.bind(py);
        if !cf
            .call_method0("set_running_or_notify_cancel")?
            .is_truthy()?
        {
            return Ok(());
        }
        match call.run(py) {
            Ok(value) => cf.call_method1("set_result", (value,)).map(drop),
            Err(e) => {
                cf.call_method1("set_exception", (e.value(py),))?;
                if !e.is_instance_of::<PyException>(py) {
                    escalate(py, e);
                }
                Ok(())
            }
        }
    }
}

impl Drop for Submitted {
    fn drop(&mut self) {
        if self.call.take().is_none() {
            return;
        }
        crate::exec::attach(|py| {
            // `cancel` then, as a cancelled work item does when it comes to
            // run, tell `wait` and `as_completed`.
            let cf = self.cf.bind(py);
            let told = cf
                .call_method0("cancel")
                .and_then(|_| cf.call_method0("set_running_or_notify_cancel"));
            if let Err(e) = told {
                e.write_unraisable(py, Some(cf));
            }
        });
    }
}
