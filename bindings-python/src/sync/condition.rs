//! `polyconc.Condition`: `threading.Condition` over a polyconc
//! `ReentrantLock` (the core's `Condition`) or `Mutex` (the core's
//! `Condvar` on its `RawMutex`).

use std::time::Instant;

use polyconc::sync::{Condition, ConditionWait, Condvar, CondvarWait};
use pyo3::exceptions::{PyRuntimeError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::mutex::PyMutex;
use super::reentrant::PyReentrantLock;
use crate::errors::ToPyErr;
use crate::nested::{wait_queued_at, Place};
use crate::wait::{deadline_of, Blocking};

/// The lock a condition waits with.
enum Over {
    /// `cond` shares the core lock of `lock`.
    Reentrant {
        cond: Condition<'static>,
        lock: Py<PyReentrantLock>,
    },
    Mutex {
        cond: Condvar,
        lock: Py<PyMutex>,
    },
}

/// A condition variable, as ``threading.Condition``.
#[pyclass(frozen, weakref, name = "Condition", module = "polyconc")]
pub(crate) struct PyCondition {
    over: Over,
}

impl PyCondition {
    pub(crate) fn over_reentrant(lock: &Bound<'_, PyReentrantLock>) -> Self {
        let cond = std::sync::Arc::clone(&lock.get().lock).new_owned_condition();
        PyCondition {
            over: Over::Reentrant {
                cond,
                lock: lock.clone().unbind(),
            },
        }
    }

    fn lock<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        match &self.over {
            Over::Reentrant { lock, .. } => lock.bind(py).clone().into_any(),
            Over::Mutex { lock, .. } => lock.bind(py).clone().into_any(),
        }
    }

    /// Whether the calling thread may wait or notify: it holds the
    /// reentrant lock, or the mutex is locked (a mutex has no owner; this
    /// is `threading.Condition`'s test for a `Lock`).
    fn owned(&self, py: Python<'_>) -> bool {
        match &self.over {
            Over::Reentrant { lock, .. } => lock.get().lock.is_held_by_current_thread(),
            Over::Mutex { lock, .. } => lock.bind(py).get().raw.is_locked(),
        }
    }
}

#[pymethods]
impl PyCondition {
    #[new]
    #[pyo3(signature = (lock = None))]
    fn new(py: Python<'_>, lock: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let Some(lock) = lock else {
            let lock = Bound::new(py, PyReentrantLock::new(false))?;
            return Ok(Self::over_reentrant(&lock));
        };
        if let Ok(lock) = lock.cast::<PyReentrantLock>() {
            return Ok(Self::over_reentrant(lock));
        }
        if let Ok(lock) = lock.cast::<PyMutex>() {
            return Ok(PyCondition {
                over: Over::Mutex {
                    cond: Condvar::new(),
                    lock: lock.clone().unbind(),
                },
            });
        }
        Err(PyTypeError::new_err(format!(
            "Condition needs a polyconc.ReentrantLock or polyconc.Mutex, got {}",
            lock.get_type().name()?
        )))
    }

    /// The lock the condition waits with.
    #[getter(lock)]
    fn get_lock<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.lock(py)
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn acquire<'py>(
        &self,
        py: Python<'py>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, pyo3::types::PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.lock(py).call_method("acquire", args, kwargs)
    }

    fn release(&self, py: Python<'_>) -> PyResult<()> {
        self.lock(py).call_method0("release").map(drop)
    }

    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        match &self.over {
            Over::Reentrant { lock, .. } => lock.get().acquire(py, Blocking(true), None),
            Over::Mutex { lock, .. } => {
                PyMutex::acquire_raw(&lock.get().raw, py, Blocking(true), None)
            }
        }
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release(py)
    }

    /// Releases the lock, waits for a notify (at most `timeout` seconds),
    /// takes the lock again; False if it timed out.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let deadline = deadline_of(timeout)?;
        if !self.owned(py) {
            return Err(PyRuntimeError::new_err("cannot wait on un-acquired lock"));
        }
        // Queued once for the whole wait, it keeps its place in the notify
        // order (each slice queueing again would put it behind later
        // waiters). Given up (timed out, or a signal handler raised), it
        // takes the lock back without the GIL, as `threading` leaves a wait
        // with the lock held. A handler that takes the lock ends the wait
        // (see `nested::give_up_at`): it returns as if woken, which
        // `threading` allows (`wait_for` checks its predicate again).
        match &self.over {
            Over::Reentrant { cond, lock } => {
                let queued = cond.queue_wait().map_err(|e| e.to_py_err())?;
                let place = Place::of(&*lock.get().lock);
                // The handler's acquire counted its hold on top of ours.
                let retake = || {};
                wait_queued_at(
                    py,
                    deadline,
                    place,
                    queued,
                    ConditionWait::wait_deadline,
                    retake,
                )
            }
            Over::Mutex { cond, lock } => {
                let raw = &lock.get().raw;
                let queued = cond.queue_wait_raw(raw).map_err(|e| e.to_py_err())?;
                // The handler's acquire took our hold over and let it go.
                let retake = || raw.lock();
                wait_queued_at(
                    py,
                    deadline,
                    Place::of(&**raw),
                    queued,
                    CondvarWait::wait_deadline,
                    retake,
                )
            }
        }
    }

    /// Waits until `predicate()` is true (at most `timeout` seconds in
    /// all); the predicate's last answer.
    #[pyo3(signature = (predicate, timeout = None))]
    fn wait_for<'py>(
        &self,
        py: Python<'py>,
        predicate: &Bound<'py, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let deadline = deadline_of(timeout)?;
        loop {
            let result = predicate.call0()?;
            if result.is_truthy()? {
                return Ok(result);
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left.as_secs_f64()),
                    _ => return Ok(result),
                },
            };
            self.wait(py, left)?;
        }
    }

    /// Wakes up to `n` waiters.
    #[pyo3(signature = (n = 1))]
    fn notify(&self, py: Python<'_>, n: usize) -> PyResult<()> {
        if !self.owned(py) {
            return Err(PyRuntimeError::new_err("cannot notify on un-acquired lock"));
        }
        for _ in 0..n {
            match &self.over {
                Over::Reentrant { cond, .. } => cond.signal().map_err(|e| e.to_py_err())?,
                Over::Mutex { cond, .. } => cond.notify_one(),
            }
        }
        Ok(())
    }

    /// Wakes every waiter.
    fn notify_all(&self, py: Python<'_>) -> PyResult<()> {
        if !self.owned(py) {
            return Err(PyRuntimeError::new_err("cannot notify on un-acquired lock"));
        }
        match &self.over {
            Over::Reentrant { cond, .. } => cond.signal_all().map_err(|e| e.to_py_err()),
            Over::Mutex { cond, .. } => {
                cond.notify_all();
                Ok(())
            }
        }
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "<polyconc.Condition over {}>",
            self.lock(py).repr()?
        ))
    }
}
