//! `polyconc.CyclicBarrier`: `threading.Barrier` over the core's
//! `CyclicBarrier` (Java's).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use polyconc::sync::{BarrierError, CyclicBarrier, OwnedBarrierWaitFuture};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

use crate::aio::{awaitable_op, Awaitable};
use crate::errors::ToPyErr;
use crate::wait::{deadline_of, wait_of, wait_on};
use crate::Obj;

thread_local! {
    /// The exception the action raised, kept for the party that ran it: the
    /// core runs the action in that party's own `wait` (or poll), on this
    /// thread, and tells it `ActionPanicked` right after.
    static ACTION_ERROR: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// Unwinds out of a failed action, so that the core breaks the barrier
/// (without the panic hook: `resume_unwind` does not call it).
struct ActionFailed;

/// A barrier for `parties` threads or tasks, as ``threading.Barrier``.
#[pyclass(frozen, weakref, name = "CyclicBarrier", module = "polyconc")]
pub(crate) struct PyCyclicBarrier {
    /// Shared with the pending waits, which own their futures.
    barrier: Arc<CyclicBarrier>,
    /// The default timeout of `wait`, in seconds.
    timeout: Option<f64>,
    /// The action, shared with the closure the core runs: the only
    /// reference to it, so that the collector sees it (`__traverse__`) and
    /// can break a cycle through it (`__clear__`).
    action: Action,
}

type Action = Arc<Mutex<Option<Obj>>>;

/// The action's slot.
fn slot(action: &Action) -> MutexGuard<'_, Option<Obj>> {
    // Poisoned only by a panic while the action was cloned out or taken:
    // the slot itself is still consistent.
    action.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs the action, if it is still there; an exception is kept for the
/// party that ran it, and unwinds so that the core breaks the barrier.
fn run(action: &Action) {
    let failed = Python::attach(|py| {
        let Some(action) = slot(action).as_ref().map(|a| a.clone_ref(py)) else {
            return false;
        };
        match action.call0(py) {
            Ok(_) => false,
            Err(e) => {
                ACTION_ERROR.with(|slot| *slot.borrow_mut() = Some(e));
                true
            }
        }
    });
    if failed {
        std::panic::resume_unwind(Box::new(ActionFailed));
    }
}

/// A wait's outcome the `threading` way: the first to arrive gets index 0
/// (the core, as Java, gives it `parties - 1`), and the action's own
/// exception for the party that ran it.
fn outcome(parties: usize, waited: Result<usize, BarrierError>) -> PyResult<usize> {
    match waited {
        Ok(java) => Ok(parties - 1 - java),
        Err(e @ BarrierError::ActionPanicked) => Err(ACTION_ERROR
            .with(|slot| slot.borrow_mut().take())
            .unwrap_or_else(|| e.to_py_err())),
        Err(e) => Err(e.to_py_err()),
    }
}

/// The core's wait future, answering as [`outcome`].
pub(crate) struct BarrierWait {
    fut: OwnedBarrierWaitFuture,
    parties: usize,
}

impl Future for BarrierWait {
    type Output = PyResult<usize>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let parties = self.parties;
        Pin::new(&mut self.fut)
            .poll(cx)
            .map(|w| outcome(parties, w))
    }
}

impl Awaitable for BarrierWait {
    fn answer(py: Python<'_>, out: PyResult<usize>) -> PyResult<Option<Obj>> {
        Ok(Some(out?.into_pyobject(py)?.into_any().unbind()))
    }

    /// Dropped while waiting, the future breaks the barrier (the core's
    /// rule for a cancelled party).
    fn withdraw(self) -> bool {
        false
    }
}

awaitable_op!(
    /// A pending `CyclicBarrier.wait_async`.
    BarrierOp = "_BarrierOp" over BarrierWait, on PyCyclicBarrier
);

impl PyCyclicBarrier {
    fn wait_future(&self) -> BarrierWait {
        BarrierWait {
            fut: Arc::clone(&self.barrier).wait_owned_async(),
            parties: self.barrier.parties(),
        }
    }
}

#[pymethods]
impl PyCyclicBarrier {
    #[new]
    #[pyo3(signature = (parties, action = None, timeout = None))]
    fn new(parties: i64, action: Option<Obj>, timeout: Option<f64>) -> PyResult<Self> {
        deadline_of(timeout)?;
        let barrier = CyclicBarrier::try_new(usize::try_from(parties).unwrap_or(0))
            .map_err(|e| e.to_py_err())?;
        let has_action = action.is_some();
        let action: Action = Arc::new(Mutex::new(action));
        let barrier = if has_action {
            let shared = Arc::clone(&action);
            barrier.with_action(move || run(&shared))
        } else {
            barrier
        };
        Ok(PyCyclicBarrier {
            barrier: Arc::new(barrier),
            timeout,
            action,
        })
    }

    /// Waits for every party; see the stubs.
    #[pyo3(signature = (timeout = None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<usize> {
        let wait = wait_of(timeout.or(self.timeout))?;
        match wait_on(py, wait, None, || None, || self.wait_future())? {
            Some(out) => out,
            // Timed out: dropping the future broke the barrier.
            None => Err(BarrierError::Timeout.to_py_err()),
        }
    }

    #[pyo3(signature = (timeout = None))]
    fn wait_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let timeout = timeout.or(slf.get().timeout);
        deadline_of(timeout)?;
        let op = BarrierOp::new(slf, slf.get().wait_future());
        static WAIT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        WAIT.import(slf.py(), "polyconc._aio", "wait_or_break")?
            .call1((op, timeout))
    }

    /// Breaks the waiting parties out (BrokenBarrierError) and makes the
    /// barrier new again.
    fn reset(&self) {
        self.barrier.reset();
    }

    /// Breaks the barrier without a waiting party (`threading.Barrier.abort`):
    /// every party waiting now and every later one raises
    /// BrokenBarrierError until `reset`.
    fn abort(&self) {
        self.barrier.abort();
    }

    #[getter]
    fn parties(&self) -> usize {
        self.barrier.parties()
    }

    #[getter]
    fn n_waiting(&self) -> usize {
        self.barrier.number_waiting()
    }

    #[getter]
    fn broken(&self) -> bool {
        self.barrier.is_broken()
    }

    fn __traverse__(&self, visit: pyo3::gc::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        // A Python call holds the GIL, as the collector does, so the slot
        // is free (the action's runner clones out of it before calling).
        match self.action.try_lock() {
            Ok(action) => visit.call(action.as_ref()),
            Err(_) => Ok(()),
        }
    }

    /// Breaks a cycle through the action: the barrier then has none.
    fn __clear__(&self) {
        let action = slot(&self.action).take();
        drop(action);
    }

    fn __repr__(&self) -> String {
        format!(
            "<polyconc.CyclicBarrier parties={} waiting={} broken={}>",
            self.barrier.parties(),
            self.barrier.number_waiting(),
            self.barrier.is_broken()
        )
    }
}
