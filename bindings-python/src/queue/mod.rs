//! `polyconc`'s blocking queues: the core's six `BlockingQueue`s of Python
//! objects.
//!
//! Each class is a [`Shared`] core queue plus its constructor; the
//! operations every queue has are written once ([`Shared`]'s methods, and
//! `queue_methods!` for the Python face). Every call into a core queue is
//! made holding the GIL, but two kinds of wait:
//!
//! - the channel-backed queues (`ArrayBlockingQueue`, `LinkedBlockingQueue`
//!   and `SynchronousQueue`, unfair) wait as `Chan` does, in GIL-free
//!   deadline slices ([`wait`]): the channel's `offer` meets a waiting
//!   *thread* only, not a pending future, so a thread must wait as one;
//! - the others wait with [`poll_until`] (the core's futures, polled holding
//!   the GIL, the thread parked without it), which keeps a fair queue's
//!   order from one slice to the next and runs a priority queue's Python
//!   comparisons holding the GIL.
//!
//! `LinkedTransferQueue.transfer` waits with [`poll_until`] on the core's
//! transfer future. GIL-free waits count in `in_flight` (see `gc`).

mod classes;
mod elem;
mod gate;
mod ops;
mod priority;
mod transfer;

use std::convert::identity;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use polyconc::queue::{
    BlockingQueue, PriorityBlockingQueue, RecvError, RecvTimeoutError, SendError, SendTimeoutError,
    TrySendError,
};
use pyo3::exceptions::PyValueError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::PyTraverseError;

pub(crate) use classes::{
    PyArrayBlockingQueue, PyDelayQueue, PyLinkedBlockingQueue, PyLinkedTransferQueue,
    PyPriorityBlockingQueue, PySynchronousQueue,
};
use elem::Elem;
pub(crate) use elem::Item;
use gate::Gate;
pub(crate) use ops::{DelayTakeOp, PriorityTakeOp, PutOp, TakeOp};
use priority::Keyed;
pub(crate) use transfer::TransferOp;

use crate::chan::with_progress;
use crate::errors::{OnQueue, ToPyErr};
use crate::gc::InFlight;
use crate::nested::{hand_to_own_receive, queue_at, with_received, OwnReceive, Place};
use crate::wait::{deadline_of, poll_until, wait, Stopped, Unfinished};
use crate::Obj;

/// A core queue as the binding uses it.
pub(crate) trait Core: BlockingQueue<Self::Elem> + Sized + 'static {
    type Elem: Elem;

    /// Inserts at once if it can: `Err(Ok(elem))` when full, `Err(Err(e))`
    /// when it fails for good.
    fn try_insert(&self, elem: Self::Elem) -> Result<(), Result<Self::Elem, PyErr>> {
        match self.add(elem) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(elem)) => Err(Ok(elem)),
            Err(e) => Err(Err(OnQueue(e).to_py_err())),
        }
    }
}

/// A priority queue never waits for room; a comparison that raised fails
/// the insert with that very exception, the queue unchanged.
impl Core for PriorityBlockingQueue<Keyed, PyErr> {
    type Elem = Keyed;

    fn try_insert(&self, elem: Keyed) -> Result<(), Result<Keyed, PyErr>> {
        use polyconc::queue::{InsertError, SendError};
        self.insert(elem).map_err(|e| {
            Err(match e {
                InsertError::Closed(_) => OnQueue(SendError(())).to_py_err(),
                InsertError::Compare(_, e) => e,
            })
        })
    }
}

/// A core queue, with what the binding needs beside it.
pub(crate) struct Shared<Q> {
    pub(crate) q: Q,
    /// A heap-based queue's gate (see `gate`).
    gate: Option<Arc<Gate>>,
    /// Whether blocking forms wait in GIL-free slices (channel-backed).
    slices: bool,
    /// Whether it holds nothing (an unfair `SynchronousQueue`): a signal
    /// handler's insert may then meet its thread's interrupted take (see
    /// `nested::hand_to_own_receive`).
    rendezvous: bool,
    /// GIL-free waits in flight (see `gc`).
    pub(crate) in_flight: InFlight,
}

/// Whether `deadline` has passed.
fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

impl<Q: Core> Shared<Q> {
    /// A queue whose blocking forms poll the core's futures.
    pub(crate) fn new(q: Q) -> Self {
        Shared {
            q,
            gate: None,
            slices: false,
            rendezvous: false,
            in_flight: InFlight::default(),
        }
    }

    /// A channel-backed queue, whose blocking forms wait as `Chan` does.
    pub(crate) fn on_chan(q: Q) -> Self {
        Shared {
            slices: true,
            ..Shared::new(q)
        }
    }

    /// A queue on a rendezvous channel, waiting as `Chan(0)` does.
    pub(crate) fn on_rendezvous(q: Q) -> Self {
        Shared {
            rendezvous: true,
            ..Shared::on_chan(q)
        }
    }

    /// The core queue, for a call without the gate: `None` for a
    /// heap-based queue, whose every call goes through it.
    pub(crate) fn ungated(&self) -> Option<&Q> {
        self.gate.is_none().then_some(&self.q)
    }

    /// Runs `f`, a call into the core, as this queue needs: inside its gate
    /// for a heap-based queue.
    fn with<R>(&self, py: Python<'_>, f: impl FnOnce(&Q) -> R) -> PyResult<R> {
        match &self.gate {
            None => Ok(f(&self.q)),
            Some(gate) => {
                let _inside = gate.enter(py)?;
                Ok(f(&self.q))
            }
        }
    }

    /// Inserts, waiting for room until `timeout` (`None`: forever); whether
    /// it did.
    pub(crate) fn offer(
        &self,
        py: Python<'_>,
        elem: Q::Elem,
        timeout: Option<f64>,
    ) -> PyResult<bool> {
        let deadline = deadline_of(timeout)?;
        let elem = match self.with(py, |q| q.try_insert(elem))? {
            Ok(()) => return Ok(true),
            Err(Ok(elem)) => elem,
            Err(Err(e)) => return Err(e),
        };
        let elem = match self.hand_to_own_receive(elem) {
            Ok(()) => return Ok(true),
            Err(elem) => elem,
        };
        if past(deadline) {
            return Ok(false);
        }
        if self.slices {
            return self.offer_in_slices(py, elem, deadline);
        }
        // A fair queue serves its waiters in order: a signal handler's wait
        // here would queue behind the one it interrupted (see `queue_at`).
        let _queued = queue_at(Place::of(self))?;
        let fut = self.with(py, |q| q.put_async(elem))?;
        let put = poll_until(py, deadline, fut, |f, cx| {
            self.with(py, |_| Pin::new(f).poll(cx))
        });
        match put {
            Ok(Ok(())) => Ok(true),
            Ok(Err(e)) => Err(OnQueue(e).to_py_err()),
            // Claimed by a consumer meanwhile: delivered.
            Err(Unfinished::TimedOut(f)) => Ok(self.with(py, |_| f.cancel().is_ok())?),
            Err(Unfinished::Raised(e, f)) => {
                self.with(py, |_| drop(f.cancel()))?;
                Err(e)
            }
        }
    }

    /// `offer`'s wait on a channel-backed queue (no gate): as `Chan.send`.
    fn offer_in_slices(
        &self,
        py: Python<'_>,
        elem: Q::Elem,
        deadline: Option<Instant>,
    ) -> PyResult<bool> {
        let q = &self.q;
        let put = wait(
            py,
            deadline,
            &[&self.in_flight],
            || Err(elem),
            identity,
            |elem, until| match q.offer_deadline(elem, until) {
                Ok(()) => Ok(Ok(())),
                // The element comes back, to be dropped holding the GIL.
                Err(SendTimeoutError::Closed(elem)) => Ok(Err(elem)),
                Err(e) => Err(e),
            },
        );
        match put {
            Ok(Ok(())) => Ok(true),
            Ok(Err(_)) => Err(OnQueue(SendError(())).to_py_err()),
            Err(Stopped::TimedOut(_)) => Ok(false),
            Err(Stopped::Interrupted(e, _)) => Err(e),
        }
    }

    /// `poll`'s wait on a channel-backed queue (no gate): as `Chan.recv`.
    fn poll_in_slices(&self, py: Python<'_>, deadline: Option<Instant>) -> PyResult<Option<Obj>> {
        let q = &self.q;
        let own = self.rendezvous.then(|| OwnReceive::open(Place::of(self)));
        let took = wait(
            py,
            deadline,
            &[&self.in_flight],
            || Err(()),
            identity,
            |(), until| {
                if let Some(obj) = own.as_ref().and_then(OwnReceive::take) {
                    return Ok(Some(obj));
                }
                match q.poll_deadline(until) {
                    Ok(elem) => Ok(Some(elem.into_obj())),
                    Err(RecvTimeoutError::Closed) => Ok(None),
                    Err(e) => Err(e),
                }
            },
        );
        match took {
            Ok(Some(obj)) => Ok(Some(obj)),
            Ok(None) => Err(OnQueue(RecvError).to_py_err()),
            Err(Stopped::TimedOut(_)) => Ok(None),
            Err(Stopped::Interrupted(e, ())) => {
                Err(match own.as_ref().and_then(OwnReceive::take) {
                    Some(obj) => with_received(py, e, obj),
                    None => e,
                })
            }
        }
    }

    /// Hands `elem` to this thread's own interrupted take, on a rendezvous.
    fn hand_to_own_receive(&self, elem: Q::Elem) -> Result<(), Q::Elem> {
        if self.rendezvous {
            hand_to_own_receive(Place::of(self), elem, Elem::into_obj)
        } else {
            Err(elem)
        }
    }

    /// Inserts now or raises `queue.Full`.
    pub(crate) fn add(&self, py: Python<'_>, elem: Q::Elem) -> PyResult<()> {
        match self.with(py, |q| q.try_insert(elem))? {
            Ok(()) => Ok(()),
            Err(Ok(elem)) => match self.hand_to_own_receive(elem) {
                Ok(()) => Ok(()),
                Err(elem) => Err(OnQueue(TrySendError::Full(elem)).to_py_err()),
            },
            Err(Err(e)) => Err(e),
        }
    }

    /// Takes, waiting until `timeout` (`None`: forever); `None` if nothing
    /// came. Raises QueueClosed once closed and drained.
    pub(crate) fn poll(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Obj>> {
        use polyconc::queue::TryRecvError;
        let deadline = deadline_of(timeout)?;
        match self.with(py, |q| q.remove())? {
            Ok(elem) => return Ok(Some(elem.into_obj())),
            Err(TryRecvError::Empty) => {}
            Err(e) => return Err(OnQueue(e).to_py_err()),
        }
        if past(deadline) {
            return Ok(None);
        }
        if self.slices {
            return self.poll_in_slices(py, deadline);
        }
        let _queued = queue_at(Place::of(self))?;
        let fut = self.with(py, |q| q.take_async())?;
        let took = poll_until(py, deadline, fut, |f, cx| {
            self.with(py, |_| Pin::new(f).poll(cx))
        });
        match took {
            Ok(Ok(elem)) => Ok(Some(elem.into_obj())),
            Ok(Err(e)) => Err(OnQueue(e).to_py_err()),
            // Dropped, the take gives back anything it was handed.
            Err(Unfinished::TimedOut(f)) => self.with(py, |_| drop(f)).map(|()| None),
            Err(Unfinished::Raised(e, f)) => {
                self.with(py, |_| drop(f))?;
                Err(e)
            }
        }
    }

    pub(crate) fn take(&self, py: Python<'_>) -> PyResult<Obj> {
        Ok(self
            .poll(py, None)?
            .expect("a wait without a deadline answers"))
    }

    pub(crate) fn remove(&self, py: Python<'_>) -> PyResult<Obj> {
        self.with(py, |q| q.remove())?
            .map(Elem::into_obj)
            .map_err(|e| OnQueue(e).to_py_err())
    }

    pub(crate) fn element(&self, py: Python<'_>) -> PyResult<Obj> {
        self.with(py, |q| q.element())?
            .map(Elem::into_obj)
            .map_err(|e| OnQueue(e).to_py_err())
    }

    pub(crate) fn peek(&self, py: Python<'_>) -> PyResult<Option<Obj>> {
        Ok(self.with(py, |q| q.peek())?.map(Elem::into_obj))
    }

    /// Removes what can be had at once (up to `max`) and appends it to
    /// `target`. If an `append` raises, the exception says how far it got
    /// (`sent`, and the removed objects not appended, `unsent`), as
    /// `Chan.send_many` does: none is lost.
    pub(crate) fn drain_to(
        &self,
        py: Python<'_>,
        target: &Bound<'_, PyAny>,
        max: Option<i64>,
    ) -> PyResult<usize> {
        let max = match max {
            None => usize::MAX,
            Some(m) => usize::try_from(m).map_err(|_| {
                PyValueError::new_err(format!("max_elements must be >= 0 or None, got {m}"))
            })?,
        };
        let mut got = Vec::new();
        self.with(py, |q| q.drain_to(&mut got, max))?;
        let mut objs = got.into_iter().map(Elem::into_obj);
        let mut sent = 0;
        while let Some(obj) = objs.next() {
            if let Err(e) = target.call_method1("append", (obj.clone_ref(py),)) {
                let unsent = std::iter::once(obj).chain(objs).collect();
                return Err(with_progress(py, e, sent, unsent));
            }
            sent += 1;
        }
        Ok(sent)
    }

    pub(crate) fn remaining_capacity(&self, py: Python<'_>) -> PyResult<Option<usize>> {
        self.with(py, |q| q.remaining_capacity())
    }

    pub(crate) fn len(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, |q| q.len())
    }

    /// The elements in removal order, copied.
    fn snapshot(&self, py: Python<'_>) -> PyResult<Vec<Q::Elem>> {
        self.with(py, |q| q.to_vec())
    }

    pub(crate) fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.snapshot(py)?.into_iter().map(Elem::into_obj))
    }

    /// `x in q`, by Python's rules (`is`, then `==`), on a snapshot: `==`
    /// may run any code, so it never runs inside the core.
    pub(crate) fn contains(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.to_list(py)?.contains(x)
    }

    /// Removes one element that is or equals `x` (the first in removal
    /// order): found on a snapshot, removed by identity. The snapshot keeps
    /// a reference, so the core's removal never frees the object (which
    /// could run a finalizer inside the core).
    pub(crate) fn remove_item(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<bool> {
        loop {
            let mut found = None;
            for elem in self.snapshot(py)? {
                let obj = elem.obj().bind(py);
                if obj.is(x) || obj.eq(x)? {
                    found = Some(elem);
                    break;
                }
            }
            let Some(elem) = found else {
                return Ok(false);
            };
            if self.with(py, |q| q.remove_item(&elem))? {
                return Ok(true);
            }
            // Taken by someone else meanwhile: look again.
        }
    }

    /// Removes every element. The FIFO queues drop each after their lock;
    /// the heap-based ones drop them inside it, which their gate makes safe.
    pub(crate) fn clear(&self, py: Python<'_>) -> PyResult<()> {
        self.with(py, |q| q.clear())
    }

    pub(crate) fn close(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |q| q.close())
    }

    pub(crate) fn closed(&self, py: Python<'_>) -> PyResult<bool> {
        self.with(py, |q| q.is_closed())
    }

    /// Shows the collector the queued objects. The core lends no element
    /// without copying it (the channel has `for_each_buffered`, the queues
    /// do not), so this visits a snapshot: a new reference to each object,
    /// dropped before it returns, while the queue still holds its own (so
    /// nothing is freed here). No call into the core is in progress: the
    /// collector holds the GIL, every call but a GIL-free wait holds it
    /// too, and a GIL-free wait in flight (or a heap-based queue's gate
    /// taken) skips the visit, which only keeps the objects alive this
    /// round.
    pub(crate) fn traverse(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        if self.in_flight.any() {
            return Ok(());
        }
        let snapshot = match &self.gate {
            None => self.q.to_vec(),
            Some(gate) => match gate.try_enter() {
                Some(inside) => gate.blind(&inside, || self.q.to_vec()),
                None => return Ok(()),
            },
        };
        snapshot.iter().try_for_each(|e| e.visit(visit))
    }

    /// Breaks a cycle through the queue: drops what it holds.
    pub(crate) fn clear_for_gc(&self) {
        match &self.gate {
            None => self.q.clear(),
            // Garbage has no call in progress: the gate is free.
            Some(gate) => {
                if let Some(_inside) = gate.try_enter() {
                    self.q.clear();
                }
            }
        }
    }
}

impl<Q: Core> Shared<Q> {
    /// A heap-based queue, whose calls go through `gate`.
    pub(crate) fn gated(q: Q, gate: Arc<Gate>) -> Self {
        Shared {
            gate: Some(gate),
            ..Shared::new(q)
        }
    }

    /// The gate of a heap-based queue, for its async takes.
    pub(crate) fn gate(&self) -> Arc<Gate> {
        Arc::clone(self.gate.as_ref().expect("a heap-based queue has a gate"))
    }
}
