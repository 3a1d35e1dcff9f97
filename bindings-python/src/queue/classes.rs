//! The six Python queue classes: constructors, the insert forms (plain,
//! or with a delay), the async forms and `LinkedTransferQueue`'s extras;
//! the rest is `queue_class!`, over [`Shared`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use polyconc::queue::{
    ArrayBlockingQueue, CapacityError, DelayQueue, LinkedBlockingQueue, LinkedTransferQueue,
    PriorityBlockingQueue, SynchronousQueue,
};
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyList;
use pyo3::PyTraverseError;

use super::elem::{Delayed, Item};
use super::gate::{Gate, GatedTake};
use super::priority::{self, Keyed};
use super::transfer::transfer_op;
use super::{past, Core, DelayTakeOp, PriorityTakeOp, PutOp, Shared, TakeOp};
use crate::aio;
use crate::errors::{OnQueue, QueueClosed, ToPyErr};
use crate::nested::{queue_at, Place};
use crate::wait::{deadline_of, poll_until, Unfinished};
use crate::Obj;

impl Core for ArrayBlockingQueue<Item> {
    type Elem = Item;
}
impl Core for LinkedBlockingQueue<Item> {
    type Elem = Item;
}
impl Core for SynchronousQueue<Item> {
    type Elem = Item;
}
impl Core for LinkedTransferQueue<Item> {
    type Elem = Item;
}
impl Core for DelayQueue<Delayed> {
    type Elem = Delayed;
}

/// A capacity from Python: a non-negative int.
fn capacity_of(capacity: i64) -> PyResult<usize> {
    usize::try_from(capacity).map_err(|_| {
        PyValueError::new_err(format!("capacity must be a positive int, got {capacity}"))
    })
}

/// The coroutine `_aio.settled(error)`: raises `error` if it is not None,
/// for the async put of a queue whose puts never wait (done at the call).
fn settled(py: Python<'_>, done: PyResult<()>) -> PyResult<Bound<'_, PyAny>> {
    static SETTLED: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let error = done.err().map(|e| e.into_value(py));
    SETTLED
        .import(py, "polyconc._aio", "settled")?
        .call1((error,))
}

/// The coroutine `_aio.take_next(q)`, the next object of `async for`.
fn take_next<'py>(q: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    static TAKE_NEXT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    TAKE_NEXT
        .import(q.py(), "polyconc._aio", "take_next")?
        .call1((q,))
}

/// `put_async` on a queue whose puts may wait.
fn put_op<'py, Q: Core<Elem = Item>>(
    owner: &Bound<'py, PyAny>,
    shared: &Shared<Q>,
    value: Obj,
) -> PyResult<Bound<'py, PyAny>> {
    let elem = Item::new(owner.py(), value)?;
    aio::drive(owner.py(), PutOp::new(owner, shared.q.put_async(elem)))
}

/// `take_async` on a FIFO queue.
fn take_op<'py, Q: Core<Elem = Item>>(
    owner: &Bound<'py, PyAny>,
    shared: &Shared<Q>,
) -> PyResult<Bound<'py, PyAny>> {
    aio::drive(owner.py(), TakeOp::new(owner, shared.q.take_async()))
}

/// The Python class of a queue: every operation but the constructor and a
/// class's extras (spliced in as `$extra`). `plain` and `delayed` say how
/// elements are inserted (a delay queue's take a delay); `fifo` is
/// `plain` with the FIFO queues' element, `put_async` and `take_async`.
/// Each class gives `elem` (an object as its element) and `take_op`.
macro_rules! queue_class {
    ($name:ident = $py_name:literal, fifo, { $($extra:tt)* }) => {
        impl $name {
            fn elem(&self, py: Python<'_>, value: Obj) -> PyResult<Item> {
                Item::new(py, value)
            }
            fn take_op<'py>(&self, owner: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
                take_op(owner, &self.inner)
            }
        }

        queue_class!($name = $py_name, plain, {
            /// Inserts, waiting for room; a cancelled put delivers nothing
            /// unless a consumer had claimed the element.
            fn put_async<'py>(slf: &Bound<'py, Self>, value: Obj) -> PyResult<Bound<'py, PyAny>> {
                put_op(slf.as_any(), &slf.get().inner, value)
            }

            $($extra)*
        });
    };
    ($name:ident = $py_name:literal, plain, { $($extra:tt)* }) => {
        queue_class!(@impl $name = $py_name, {
            /// Inserts, waiting for room as long as it takes.
            fn put(&self, py: Python<'_>, value: Obj) -> PyResult<()> {
                let elem = self.elem(py, value)?;
                self.inner.offer(py, elem, None).map(drop)
            }

            /// Inserts, waiting for room at most `timeout` seconds.
            #[pyo3(signature = (value, timeout = Some(0.0)), text_signature = "($self, value, timeout=0.0)")]
            fn offer(&self, py: Python<'_>, value: Obj, timeout: Option<f64>) -> PyResult<bool> {
                let elem = self.elem(py, value)?;
                self.inner.offer(py, elem, timeout)
            }

            /// Inserts now, or raises queue.Full.
            fn add(&self, py: Python<'_>, value: Obj) -> PyResult<()> {
                let elem = self.elem(py, value)?;
                self.inner.add(py, elem)
            }

            $($extra)*
        });
    };
    ($name:ident = $py_name:literal, delayed, { $($extra:tt)* }) => {
        queue_class!(@impl $name = $py_name, {
            /// Inserts `value`, which leaves once `delay` seconds have passed.
            fn put(&self, py: Python<'_>, value: Obj, delay: f64) -> PyResult<()> {
                let elem = self.elem(py, value, delay)?;
                self.inner.offer(py, elem, None).map(drop)
            }

            /// As `put` (a delay queue never waits for room).
            #[pyo3(signature = (value, delay, timeout = Some(0.0)), text_signature = "($self, value, delay, timeout=0.0)")]
            fn offer(&self, py: Python<'_>, value: Obj, delay: f64, timeout: Option<f64>) -> PyResult<bool> {
                let elem = self.elem(py, value, delay)?;
                self.inner.offer(py, elem, timeout)
            }

            /// As `put`.
            fn add(&self, py: Python<'_>, value: Obj, delay: f64) -> PyResult<()> {
                let elem = self.elem(py, value, delay)?;
                self.inner.add(py, elem)
            }

            $($extra)*
        });
    };
    (@impl $name:ident = $py_name:literal, { $($methods:tt)* }) => {
        #[pymethods]
        impl $name {
            $($methods)*

            /// Takes the head, waiting as long as it takes.
            fn take(&self, py: Python<'_>) -> PyResult<Obj> {
                self.inner.take(py)
            }

            /// Takes the head, waiting at most `timeout` seconds; None if none came.
            #[pyo3(signature = (timeout = Some(0.0)), text_signature = "($self, timeout=0.0)")]
            fn poll(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Obj>> {
                self.inner.poll(py, timeout)
            }

            /// Takes the head now, or raises queue.Empty.
            fn remove(&self, py: Python<'_>) -> PyResult<Obj> {
                self.inner.remove(py)
            }

            /// The head, left in the queue, or raises queue.Empty.
            fn element(&self, py: Python<'_>) -> PyResult<Obj> {
                self.inner.element(py)
            }

            /// The head, left in the queue, or None.
            fn peek(&self, py: Python<'_>) -> PyResult<Option<Obj>> {
                self.inner.peek(py)
            }

            /// Moves what can be had at once (at most `max_elements`) to `target`.
            #[pyo3(signature = (target, max_elements = None))]
            fn drain_to(
                &self,
                py: Python<'_>,
                target: &Bound<'_, PyAny>,
                max_elements: Option<i64>,
            ) -> PyResult<usize> {
                self.inner.drain_to(py, target, max_elements)
            }

            /// How many more elements fit now; None when unbounded.
            fn remaining_capacity(&self, py: Python<'_>) -> PyResult<Option<usize>> {
                self.inner.remaining_capacity(py)
            }

            fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
                self.inner.len(py)
            }

            /// A queue is always true, even when empty (as `Chan`).
            fn __bool__(&self) -> bool {
                true
            }

            fn __contains__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<bool> {
                self.inner.contains(py, x)
            }

            /// Removes one element that is or equals `x`; whether there was one.
            fn remove_item(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<bool> {
                self.inner.remove_item(py, x)
            }

            /// Removes every element.
            fn clear(&self, py: Python<'_>) -> PyResult<()> {
                self.inner.clear(py)
            }

            /// The elements in removal order (a snapshot).
            fn to_list<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
                self.inner.to_list(py)
            }

            /// Closes; True if this call closed it.
            fn close(&self, py: Python<'_>) -> PyResult<bool> {
                self.inner.close(py)
            }

            /// Whether the queue is closed (elements may remain).
            #[getter]
            fn closed(&self, py: Python<'_>) -> PyResult<bool> {
                self.inner.closed(py)
            }

            fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
                slf
            }

            /// The next element; StopIteration once closed and drained.
            fn __next__(&self, py: Python<'_>) -> PyResult<Option<Obj>> {
                match self.inner.take(py) {
                    Ok(obj) => Ok(Some(obj)),
                    Err(e) if e.is_instance_of::<QueueClosed>(py) => Ok(None),
                    Err(e) => Err(e),
                }
            }

            /// Takes the head; a cancelled take removes nothing.
            fn take_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                slf.get().take_op(slf.as_any())
            }

            fn __aiter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
                slf
            }

            fn __anext__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
                take_next(slf.as_any())
            }

            fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
                self.inner.traverse(&visit)
            }

            fn __clear__(&self) {
                self.inner.clear_for_gc();
            }

            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                let closed = if self.inner.closed(py)? { "True" } else { "False" };
                Ok(format!("{}(len={}, closed={closed})", $py_name, self.inner.len(py)?))
            }
        }
    };
}

/// Java's `ArrayBlockingQueue`: bounded, FIFO; `fair` serves blocked
/// threads and tasks in arrival order.
#[pyclass(
    frozen,
    subclass,
    weakref,
    generic,
    name = "ArrayBlockingQueue",
    module = "polyconc"
)]
pub(crate) struct PyArrayBlockingQueue {
    pub(crate) inner: Shared<ArrayBlockingQueue<Item>>,
}

queue_class!(PyArrayBlockingQueue = "ArrayBlockingQueue", fifo, {
    #[new]
    #[pyo3(signature = (capacity, fair = false))]
    fn new(capacity: i64, fair: bool) -> PyResult<Self> {
        let capacity = capacity_of(capacity)?;
        let inner = if fair {
            // The core's `fair` has no fallible twin: its one refusal, here.
            if capacity == 0 {
                return Err(CapacityError::Zero.to_py_err());
            }
            Shared::new(ArrayBlockingQueue::fair(capacity))
        } else {
            Shared::on_chan(ArrayBlockingQueue::try_new(capacity).map_err(|e| e.to_py_err())?)
        };
        Ok(PyArrayBlockingQueue { inner })
    }
});

/// Java's `LinkedBlockingQueue`: FIFO, bounded by `capacity` or unbounded.
#[pyclass(
    frozen,
    subclass,
    weakref,
    generic,
    name = "LinkedBlockingQueue",
    module = "polyconc"
)]
pub(crate) struct PyLinkedBlockingQueue {
    pub(crate) inner: Shared<LinkedBlockingQueue<Item>>,
}

queue_class!(PyLinkedBlockingQueue = "LinkedBlockingQueue", fifo, {
    #[new]
    #[pyo3(signature = (capacity = None))]
    fn new(capacity: Option<i64>) -> PyResult<Self> {
        let q = match capacity {
            None => LinkedBlockingQueue::unbounded(),
            Some(c) => LinkedBlockingQueue::try_new(capacity_of(c)?).map_err(|e| e.to_py_err())?,
        };
        Ok(PyLinkedBlockingQueue {
            inner: Shared::on_chan(q),
        })
    }
});

/// Java's `SynchronousQueue`: holds nothing; a put completes when a take
/// receives its element.
#[pyclass(
    frozen,
    subclass,
    weakref,
    generic,
    name = "SynchronousQueue",
    module = "polyconc"
)]
pub(crate) struct PySynchronousQueue {
    pub(crate) inner: Shared<SynchronousQueue<Item>>,
}

queue_class!(PySynchronousQueue = "SynchronousQueue", fifo, {
    #[new]
    #[pyo3(signature = (fair = false))]
    fn new(fair: bool) -> Self {
        let inner = if fair {
            Shared::new(SynchronousQueue::fair())
        } else {
            Shared::on_rendezvous(SynchronousQueue::new())
        };
        PySynchronousQueue { inner }
    }
});

/// Java's `PriorityBlockingQueue`: unbounded, smallest first by `<` on the
/// items (or on `key(item)`), FIFO among equals.
#[pyclass(
    frozen,
    subclass,
    weakref,
    generic,
    name = "PriorityBlockingQueue",
    module = "polyconc"
)]
pub(crate) struct PyPriorityBlockingQueue {
    inner: Shared<PriorityBlockingQueue<Keyed, PyErr>>,
    key: Option<Obj>,
}

impl PyPriorityBlockingQueue {
    fn elem(&self, py: Python<'_>, value: Obj) -> PyResult<Keyed> {
        Keyed::new(py, value, self.key.as_ref())
    }
    fn take_op<'py>(&self, owner: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let py = owner.py();
        let fut = GatedTake::new(self.inner.q.take_async(), self.inner.gate());
        aio::drive(py, PriorityTakeOp::new(owner, fut))
    }
}

queue_class!(PyPriorityBlockingQueue = "PriorityBlockingQueue", plain, {
    #[new]
    #[pyo3(signature = (key = None))]
    fn new(key: Option<Bound<'_, PyAny>>) -> PyResult<Self> {
        if let Some(k) = &key {
            if !k.is_callable() {
                return Err(PyTypeError::new_err("key must be callable or None"));
            }
        }
        let gate = Arc::new(Gate::default());
        Ok(PyPriorityBlockingQueue {
            inner: Shared::gated(priority::queue(&gate), gate),
            key: key.map(Bound::unbind),
        })
    }

    /// Inserts (a priority queue never waits for room).
    fn put_async<'py>(slf: &Bound<'py, Self>, value: Obj) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let done = this.elem(py, value).and_then(|e| this.inner.add(py, e));
        settled(py, done)
    }

    /// The key function, if any.
    #[getter]
    fn key(&self, py: Python<'_>) -> Option<Obj> {
        self.key.as_ref().map(|k| k.clone_ref(py))
    }
});

/// Java's `DelayQueue`: an element leaves once its delay has passed,
/// earliest deadline first.
#[pyclass(
    frozen,
    subclass,
    weakref,
    generic,
    name = "DelayQueue",
    module = "polyconc"
)]
pub(crate) struct PyDelayQueue {
    inner: Shared<DelayQueue<Delayed>>,
}

impl PyDelayQueue {
    /// `value` with the instant `delay` seconds from now (a negative delay
    /// expired that long ago, as in Java; too long ago is now).
    fn elem(&self, py: Python<'_>, value: Obj, delay: f64) -> PyResult<Delayed> {
        let item = Item::new(py, value)?;
        if delay.is_nan() {
            return Err(PyValueError::new_err(
                "delay must be a number of seconds, got nan",
            ));
        }
        let now = Instant::now();
        let span = Duration::try_from_secs_f64(delay.abs()).ok();
        let at = if delay < 0.0 {
            span.and_then(|d| now.checked_sub(d)).unwrap_or(now)
        } else {
            span.and_then(|d| now.checked_add(d))
                .ok_or_else(|| PyOverflowError::new_err(format!("delay too large: {delay}")))?
        };
        Ok((at, item))
    }
    fn take_op<'py>(&self, owner: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let fut = GatedTake::new(self.inner.q.take_async(), self.inner.gate());
        aio::drive(owner.py(), DelayTakeOp::new(owner, fut))
    }
}

queue_class!(PyDelayQueue = "DelayQueue", delayed, {
    #[new]
    fn new() -> Self {
        PyDelayQueue {
            inner: Shared::gated(DelayQueue::new(), Arc::new(Gate::default())),
        }
    }

    /// Inserts (a delay queue never waits for room).
    fn put_async<'py>(
        slf: &Bound<'py, Self>,
        value: Obj,
        delay: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let this = slf.get();
        let done = this
            .elem(py, value, delay)
            .and_then(|e| this.inner.add(py, e));
        settled(py, done)
    }
});

/// Java's `LinkedTransferQueue`: unbounded FIFO; `transfer` waits until a
/// consumer has received the element.
#[pyclass(
    frozen,
    subclass,
    weakref,
    generic,
    name = "LinkedTransferQueue",
    module = "polyconc"
)]
pub(crate) struct PyLinkedTransferQueue {
    inner: Shared<LinkedTransferQueue<Item>>,
}

impl PyLinkedTransferQueue {
    /// Transfers, waiting for a consumer until `timeout` (`None`: forever);
    /// whether one received it. It waits on the core's transfer future
    /// (polled holding the GIL, the thread parked without it), so the
    /// element keeps its place in the queue from one slice to the next,
    /// while signal handlers run. A timeout or a raising handler withdraws
    /// it, unless a consumer had received it meanwhile: a timeout then
    /// answers `True`; the handler's exception is raised either way, as
    /// `offer`'s is.
    fn transfer_for(&self, py: Python<'_>, value: Obj, timeout: Option<f64>) -> PyResult<bool> {
        let deadline = deadline_of(timeout)?;
        let elem = self.elem(py, value)?;
        let q = &self.inner.q;
        let elem = match q.try_transfer(elem) {
            Ok(()) => return Ok(true),
            Err(elem) => elem,
        };
        if q.is_closed() {
            return Err(OnQueue(polyconc::queue::SendError(())).to_py_err());
        }
        if past(deadline) {
            return Ok(false);
        }
        let _queued = queue_at(Place::of(&self.inner))?;
        let sent = poll_until(py, deadline, q.transfer_async(elem), |f, cx| {
            Ok(Pin::new(f).poll(cx))
        });
        match sent {
            Ok(done) => done.map(|()| true).map_err(|e| OnQueue(e).to_py_err()),
            Err(Unfinished::TimedOut(f)) => Ok(f.cancel().is_ok()),
            Err(Unfinished::Raised(e, f)) => {
                drop(f.cancel());
                Err(e)
            }
        }
    }
}

queue_class!(PyLinkedTransferQueue = "LinkedTransferQueue", fifo, {
    #[new]
    fn new() -> Self {
        PyLinkedTransferQueue {
            inner: Shared::new(LinkedTransferQueue::new()),
        }
    }

    /// Inserts and waits until a consumer has received the element.
    fn transfer(&self, py: Python<'_>, value: Obj) -> PyResult<()> {
        self.transfer_for(py, value, None).map(drop)
    }

    /// Inserts and completes once a consumer has received the element; a
    /// cancelled transfer withdraws it, unless a consumer had received it.
    fn transfer_async<'py>(slf: &Bound<'py, Self>, value: Obj) -> PyResult<Bound<'py, PyAny>> {
        let elem = slf.get().elem(slf.py(), value)?;
        transfer_op(slf.as_any(), slf.get().inner.q.transfer_async(elem))
    }

    /// Transfers if a consumer takes the element within `timeout` seconds
    /// (0: only to a consumer already waiting in a thread: a pending
    /// `take_async` may be cancelled before it receives it); else inserts
    /// nothing.
    #[pyo3(signature = (value, timeout = Some(0.0)), text_signature = "($self, value, timeout=0.0)")]
    fn try_transfer(&self, py: Python<'_>, value: Obj, timeout: Option<f64>) -> PyResult<bool> {
        self.transfer_for(py, value, timeout)
    }

    /// Whether a consumer is waiting in `take` or `poll`.
    fn has_waiting_consumer(&self) -> bool {
        self.inner.q.has_waiting_consumer()
    }

    /// How many consumers are waiting.
    fn waiting_consumer_count(&self) -> usize {
        self.inner.q.waiting_consumer_count()
    }
});
