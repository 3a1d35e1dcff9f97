//! `polyconc.ReentrantLock`: `threading.RLock` over the core's
//! `ReentrantLock` (Java's), plus its queries.

use std::convert::identity;
use std::sync::Arc;

use polyconc::sync::{LockAttempt, ReentrantLock};
use polyconc::Wait;
use pyo3::prelude::*;

use super::StillQueued;
use crate::errors::ToPyErr;
use crate::nested::{give_up_at, queue_at, Place};
use crate::wait::{acquire_wait, Blocking, Stopped};

/// A lock its holder may take again, as ``threading.RLock``.
#[pyclass(frozen, weakref, name = "ReentrantLock", module = "polyconc")]
pub(crate) struct PyReentrantLock {
    /// Shared with the `Condition`s over it.
    pub(crate) lock: Arc<ReentrantLock>,
}

#[pymethods]
impl PyReentrantLock {
    #[new]
    #[pyo3(signature = (fair = false))]
    pub(crate) fn new(fair: bool) -> Self {
        let lock = if fair {
            ReentrantLock::fair()
        } else {
            ReentrantLock::new()
        };
        PyReentrantLock {
            lock: Arc::new(lock),
        }
    }

    /// Takes the lock (again, if this thread holds it).
    #[pyo3(
        signature = (blocking = Blocking(true), timeout = Some(-1.0)),
        text_signature = "($self, blocking=True, timeout=-1)"
    )]
    pub(crate) fn acquire(
        &self,
        py: Python<'_>,
        blocking: Blocking,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let lock = &*self.lock;
        let wait = acquire_wait(blocking, timeout)?;
        if lock.try_lock() {
            return Ok(true);
        }
        let Wait::Until(deadline) = wait else {
            return Ok(false);
        };
        let place = Place::of(lock);
        // A signal handler's wait ends the condition wait it interrupted,
        // if that one was taking this lock back: the holds are then ours.
        if give_up_at(py, place) && lock.try_lock() {
            return Ok(true);
        }
        let _queued = queue_at(place)?;
        // One attempt for the whole wait, which stays queued from one slice
        // to the next: a fair lock's waiter keeps its turn.
        let waited = crate::wait::wait(
            py,
            deadline.instant(),
            &[],
            || Err(lock.attempt()),
            identity,
            |mut attempt: LockAttempt<'_>, until| {
                if attempt.wait_deadline(until) {
                    Ok(())
                } else {
                    Err(StillQueued(attempt))
                }
            },
        );
        // A dropped attempt leaves the queue (and passes on a lock handed
        // to it meanwhile).
        match waited {
            Ok(()) => Ok(true),
            Err(Stopped::TimedOut(_)) => Ok(false),
            Err(Stopped::Interrupted(e, _)) => Err(e),
        }
    }

    /// Releases one hold; RuntimeError if this thread holds none.
    fn release(&self) -> PyResult<()> {
        self.lock.unlock().map_err(|e| e.to_py_err())
    }

    fn locked(&self) -> bool {
        self.lock.is_locked()
    }

    fn hold_count(&self) -> usize {
        self.lock.hold_count()
    }

    fn is_held_by_current_thread(&self) -> bool {
        self.lock.is_held_by_current_thread()
    }

    fn queue_length(&self) -> usize {
        self.lock.queue_length()
    }

    /// `threading.Condition`'s hooks, which `threading.RLock` has too, so
    /// that a `threading.Condition` over this lock works: whether this
    /// thread holds it; release every hold (how many); take them again.
    fn _is_owned(&self) -> bool {
        self.lock.is_held_by_current_thread()
    }

    fn _release_save(&self) -> PyResult<usize> {
        let holds = self.lock.hold_count();
        for _ in 0..holds {
            self.release()?;
        }
        Ok(holds)
    }

    fn _acquire_restore(&self, py: Python<'_>, holds: usize) -> PyResult<()> {
        for _ in 0..holds {
            self.acquire(py, Blocking(true), None)?;
        }
        Ok(())
    }

    #[getter]
    fn fair(&self) -> bool {
        self.lock.is_fair()
    }

    /// A new `Condition` over this lock.
    fn new_condition<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<Bound<'py, super::condition::PyCondition>> {
        Bound::new(slf.py(), super::condition::PyCondition::over_reentrant(slf))
    }

    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        self.acquire(py, Blocking(true), None)
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<()> {
        self.release()
    }

    fn __repr__(&self) -> String {
        format!(
            "<polyconc.ReentrantLock locked={} fair={}>",
            self.lock.is_locked(),
            self.lock.is_fair()
        )
    }
}
