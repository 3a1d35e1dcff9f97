//! `polyconc.ThreadPool`: the core's `exec::ThreadPool` as a
//! `concurrent.futures.Executor`. This is its Rust base, `_ThreadPool`;
//! `polyconc/_exec.py` adds `Executor` to its bases (for `map` and the
//! context manager, and for `isinstance`).

use polyconc::exec::{ExecutionContext, ThreadPool};
use pyo3::exceptions::{PyException, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use super::escalate;
use crate::future::Call;
use crate::Obj;

/// A fixed set of worker threads (the core's pool: per-worker deques with
/// stealing), for `submit` and as an `executor=`.
#[pyclass(frozen, subclass, name = "_ThreadPool", module = "polyconc._core")]
pub(crate) struct PyThreadPool {
    pool: ThreadPool,
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
        Ok(PyThreadPool {
            pool: builder.name("polyconc-py").build(),
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
            call: Some(Call { f, args, kwargs }),
        };
        self.pool
            .execute(Box::new(move || work.run()))
            .map_err(|_| PyRuntimeError::new_err("cannot schedule new futures after shutdown"))?;
        Ok(cf)
    }

    /// Refuses new tasks; with `cancel_futures`, cancels the queued ones
    /// (their futures, `submit`'s and the combinators', are cancelled);
    /// with `wait`, waits (GIL-free) until every worker has exited.
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
        py.detach(|| self.pool.join())
            .map_err(|e| PyRuntimeError::new_err(e.to_string()))
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
