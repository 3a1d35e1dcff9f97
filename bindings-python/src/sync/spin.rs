//! `polyconc.SpinLock`: `threading.Lock`'s API over the core's `SpinLock`,
//! a lock that never sleeps.

use std::sync::Mutex;

use polyconc::sync::{SpinLock, SpinLockFuture, SpinLockGuard};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::{slot, Keep};
use crate::aio::{self, awaitable_op, lent};
use crate::wait::{acquire_wait, deadline_of, wait_for, Blocking};

/// A spin lock with the API of ``Mutex``: waiters spin (GIL released)
/// instead of sleeping.
#[pyclass(frozen, weakref, name = "SpinLock", module = "polyconc")]
pub(crate) struct PySpinLock {
    /// The guard while the lock is held, by any thread or task; `release`
    /// drops it. It borrows `lock` (see `lent`), and drops first.
    held: Mutex<Option<SpinLockGuard<'static, ()>>>,
    lock: SpinLock<()>,
}

type SpinAcquire = Keep<SpinLockFuture<'static, ()>, PySpinLock>;

awaitable_op!(
    /// A pending `SpinLock.acquire_async`.
    SpinOp = "_SpinOp" over SpinAcquire, on PySpinLock
);

impl PySpinLock {
    fn keep(&self, guard: SpinLockGuard<'static, ()>) {
        *slot(&self.held) = Some(guard);
    }
}

#[pymethods]
impl PySpinLock {
    #[new]
    fn new() -> Self {
        PySpinLock {
            held: Mutex::new(None),
            lock: SpinLock::new(()),
        }
    }

    /// Takes the lock, as `Mutex.acquire`.
    #[pyo3(
        signature = (blocking = Blocking(true), timeout = Some(-1.0)),
        text_signature = "($self, blocking=True, timeout=-1)"
    )]
    fn acquire(slf: &Bound<'_, Self>, blocking: Blocking, timeout: Option<f64>) -> PyResult<bool> {
        let wait = acquire_wait(blocking, timeout)?;
        // SAFETY: the guards are kept in `slf` itself, and drop before its lock.
        let this = unsafe { lent(slf) };
        let kept =
            |guard: Option<SpinLockGuard<'static, ()>>| guard.map(|g| this.keep(g)).is_some();
        wait_for(
            slf.py(),
            wait,
            || kept(this.lock.try_lock()),
            |until| kept(this.lock.lock_deadline(until)),
        )
    }

    /// Releases the lock, whichever thread took it.
    fn release(&self) -> PyResult<()> {
        let guard = slot(&self.held).take();
        match guard {
            Some(guard) => {
                drop(guard);
                Ok(())
            }
            None => Err(PyRuntimeError::new_err(
                "release of a SpinLock that is not locked",
            )),
        }
    }

    fn locked(&self) -> bool {
        slot(&self.held).is_some()
    }

    fn __enter__(slf: &Bound<'_, Self>) -> PyResult<bool> {
        Self::acquire(slf, Blocking(true), None)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release()
    }

    /// Takes the lock from a task (re-polling, never sleeping); False if
    /// `timeout` seconds pass first.
    #[pyo3(signature = (timeout = None))]
    fn acquire_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        // SAFETY: the op holds `slf` and drops the future first; a guard is
        // kept in `slf` itself.
        let this = unsafe { lent(slf) };
        let fut = Keep::new(this.lock.lock_async(), this, Self::keep);
        aio::acquire(slf.py(), SpinOp::new(slf, fut), timeout)
    }

    fn __aenter__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Self::acquire_async(slf, None)
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        slf: &Bound<'py, Self>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::release(slf.as_any())
    }

    fn __repr__(&self) -> String {
        let state = if self.locked() { "locked" } else { "unlocked" };
        format!("<polyconc.SpinLock {state}>")
    }
}
