//! What makes the heap-based queues (`PriorityBlockingQueue`,
//! `DelayQueue`) of Python objects safe: their core runs Python code
//! inside its heap lock. A priority queue compares elements with `<`
//! there; both drop elements there on `clear` (a finalizer).
//!
//! Python code only runs holding the GIL, and it may let the GIL go
//! between bytecodes; so the thread inside the heap lock may have to wait
//! for the GIL. That is safe only if no thread ever waits for the heap
//! lock while holding the GIL. The [`Gate`] guarantees it: every call into
//! such a queue's core (every method, the async take's polls and its
//! drop, the collector's visit) is made inside the gate and holding the
//! GIL, and a thread that finds the gate taken waits for it with the GIL
//! released. So the heap lock is never contended at all, and the
//! comparator always runs on a thread that holds the GIL (its `attach`
//! only counts). A comparison that uses the queue it orders would wait for
//! itself: the gate raises `RuntimeError` instead.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::thread::{self, ThreadId};

use polyconc::queue::{RecvError, TakeFuture};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use super::elem::Elem;

/// One queue's calls into its core, one at a time (see above).
#[derive(Default)]
pub(crate) struct Gate {
    /// The thread inside, if any. This lock is held only to read or flip
    /// it, never while waiting for the GIL.
    holder: Mutex<Option<ThreadId>>,
    left: Condvar,
    /// Set while the collector takes a snapshot: comparisons then answer
    /// "unordered" without calling Python (the order of a visit does not
    /// matter, and no Python code may run inside a traversal).
    blind: AtomicBool,
}

/// Inside the gate until dropped.
pub(crate) struct Inside<'a>(&'a Gate);

impl Drop for Inside<'_> {
    fn drop(&mut self) {
        *lock(&self.0.holder) = None;
        self.0.left.notify_one();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Gate {
    /// Enters the gate; call holding the GIL, which is released while the
    /// gate is taken by another thread.
    pub(crate) fn enter(&self, py: Python<'_>) -> PyResult<Inside<'_>> {
        let me = thread::current().id();
        {
            let mut holder = lock(&self.holder);
            match *holder {
                None => {
                    *holder = Some(me);
                    return Ok(Inside(self));
                }
                Some(t) if t == me => {
                    return Err(PyRuntimeError::new_err(
                        "a comparison (or a finalizer) run by a queue used that queue",
                    ))
                }
                Some(_) => {}
            }
        }
        py.detach(|| {
            let mut holder = lock(&self.holder);
            while holder.is_some() {
                holder = self.left.wait(holder).unwrap_or_else(|e| e.into_inner());
            }
            *holder = Some(me);
        });
        Ok(Inside(self))
    }

    /// Enters the gate if it is free (for the collector, which may not wait).
    pub(crate) fn try_enter(&self) -> Option<Inside<'_>> {
        let mut holder = lock(&self.holder);
        if holder.is_some() {
            return None;
        }
        *holder = Some(thread::current().id());
        Some(Inside(self))
    }

    /// Runs `f` with comparisons answering "unordered" (see `blind`).
    pub(crate) fn blind<R>(&self, _inside: &Inside<'_>, f: impl FnOnce() -> R) -> R {
        self.blind.store(true, Ordering::Relaxed);
        let r = f();
        self.blind.store(false, Ordering::Relaxed);
        r
    }

    /// Whether comparisons are to answer "unordered" (see `blind`).
    pub(crate) fn is_blind(&self) -> bool {
        self.blind.load(Ordering::Relaxed)
    }
}

/// A gated queue's async take, polled and dropped inside its gate.
pub(crate) struct GatedTake<E: Elem> {
    fut: Option<TakeFuture<E>>,
    gate: Arc<Gate>,
}

impl<E: Elem> GatedTake<E> {
    pub(crate) fn new(fut: TakeFuture<E>, gate: Arc<Gate>) -> Self {
        GatedTake {
            fut: Some(fut),
            gate,
        }
    }
}

impl<E: Elem> Future for GatedTake<E> {
    type Output = PyResult<Result<E, RecvError>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        Python::attach(|py| {
            let _inside = match this.gate.enter(py) {
                Ok(inside) => inside,
                Err(e) => return Poll::Ready(Err(e)),
            };
            let fut = this.fut.as_mut().expect("polled after it completed");
            Pin::new(fut).poll(cx).map(Ok)
        })
    }
}

impl<E: Elem> Drop for GatedTake<E> {
    fn drop(&mut self) {
        let Some(fut) = self.fut.take() else { return };
        Python::attach(|py| {
            // Re-entered only from a comparison, which holds no take: the
            // gate is then ours already.
            let _inside = self.gate.enter(py).ok();
            drop(fut);
        });
    }
}
