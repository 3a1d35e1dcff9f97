//! `polyconc.Chan`: the core's channel of Python objects.

use std::collections::VecDeque;
use std::convert::identity;
use std::time::Instant;

use polyconc::chan::{Chan, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use pyo3::exceptions::PyValueError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::types::PyList;
use pyo3::PyTraverseError;

use crate::aio::{self, RecvOp, SendOp};
use crate::errors::ToPyErr;
use crate::gc::InFlight;
use crate::nested::{hand_to_own_receive, with_received, OwnReceive, Place};
use crate::wait::{deadline_of, wait, Stopped, TimedOut};
use crate::Obj;

/// How many items `send_many` takes from its iterable (holding the GIL)
/// before it pushes them into the channel (without the GIL): large enough
/// that the GIL changes hands rarely, small enough that the receiver gets
/// the first items soon and an interrupted call has taken few items it
/// then does not send.
const SEND_CHUNK: usize = 1024;

/// A Go channel. ``Chan(0)`` is a rendezvous channel (the default),
/// ``Chan(n)`` buffers ``n`` objects, ``Chan(None)`` is unbounded.
///
/// Objects travel by reference. Threads and asyncio tasks may share a
/// channel; blocking operations release the GIL and stay interruptible by
/// Ctrl-C, and an interrupted or cancelled operation loses no object.
//
// `generic` gives the class a `__class_getitem__` (`Chan[int]` is a
// `types.GenericAlias`), as `typing.Generic` did for the Python subclass
// this class replaces.
#[pyclass(frozen, subclass, weakref, generic, name = "Chan", module = "polyconc")]
pub(crate) struct PyChan {
    pub(crate) chan: Chan<Obj>,
    /// GIL-free operations on `chan` in flight (see `gc`).
    pub(crate) in_flight: InFlight,
}

/// A sent batch stopped part-way: why, and the items it had not sent.
type Unsent = (PyErr, VecDeque<Obj>);

impl PyChan {
    fn send_obj(&self, py: Python<'_>, value: Obj, timeout: Option<f64>) -> PyResult<()> {
        let deadline = deadline_of(timeout)?;
        let chan = &self.chan;
        // Interrupted, the value goes back to the caller, who still holds it.
        wait(
            py,
            deadline,
            &[&self.in_flight],
            || match chan.try_send(value) {
                Ok(()) => Ok(Ok(())),
                Err(TrySendError::Full(v)) => match self.hand_to_own_receive(v) {
                    Ok(()) => Ok(Ok(())),
                    Err(v) => Err(v),
                },
                Err(e) => Ok(Err(e.to_py_err())),
            },
            identity,
            |v, until| match chan.send_deadline(v, until) {
                Ok(()) => Ok(Ok(())),
                Err(e @ SendTimeoutError::Closed(_)) => Ok(Err(e.to_py_err())),
                Err(e) => Err(e),
            },
        )
        .unwrap_or_else(|stopped| Err(stopped.into_py_err()))
    }

    /// The received object, or (inner `Err`) the channel is closed and
    /// drained.
    fn recv_obj(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<PyResult<Obj>> {
        let deadline = deadline_of(timeout)?;
        let chan = &self.chan;
        let own = self.rendezvous().then(|| OwnReceive::open(Place::of(self)));
        wait(
            py,
            deadline,
            &[&self.in_flight],
            || match chan.try_recv() {
                Ok(v) => Ok(Ok(v)),
                Err(TryRecvError::Empty) => Err(()),
                Err(e) => Ok(Err(e.to_py_err())),
            },
            identity,
            |(), until| {
                if let Some(v) = own.as_ref().and_then(OwnReceive::take) {
                    return Ok(Ok(v));
                }
                match chan.recv_deadline(until) {
                    Ok(v) => Ok(Ok(v)),
                    Err(e @ RecvTimeoutError::Closed) => Ok(Err(e.to_py_err())),
                    Err(e) => Err(e),
                }
            },
        )
        .map_err(|stopped| {
            let e = stopped.into_py_err();
            match own.as_ref().and_then(OwnReceive::take) {
                Some(v) => with_received(py, e, v),
                None => e,
            }
        })
    }

    /// Whether this channel is a rendezvous, whose receives a signal
    /// handler's send may meet (see `nested::hand_to_own_receive`).
    fn rendezvous(&self) -> bool {
        self.chan.capacity() == Some(0)
    }

    /// Hands `v` to this thread's own interrupted receive, on a rendezvous.
    fn hand_to_own_receive(&self, v: Obj) -> Result<(), Obj> {
        if self.rendezvous() {
            hand_to_own_receive(Place::of(self), v, identity)
        } else {
            Err(v)
        }
    }

    /// Sends `chunk` in order without holding the GIL (re-taking it between
    /// slices for signal handlers). On failure, the items before the failing
    /// one were sent, and the rest come back with the error.
    fn send_chunk(
        &self,
        py: Python<'_>,
        chunk: VecDeque<Obj>,
        deadline: Option<Instant>,
    ) -> Result<(), Unsent> {
        if chunk.is_empty() {
            return Ok(());
        }
        let chan = &self.chan;
        let sent = wait(
            py,
            deadline,
            &[&self.in_flight],
            // The batch goes without the GIL at once: that is its point.
            || Err(chunk),
            identity,
            |mut chunk, until| {
                while let Some(v) = chunk.pop_front() {
                    match chan.send_deadline(v, until) {
                        Ok(()) => {}
                        Err(e @ SendTimeoutError::Timeout(_)) => return Err((e, chunk)),
                        Err(e) => {
                            let err = e.to_py_err();
                            chunk.push_front(e.into_inner());
                            return Ok(Err((err, chunk)));
                        }
                    }
                }
                Ok(Ok(()))
            },
        );
        match sent {
            Ok(done) => done,
            Err(Stopped::TimedOut((at, rest))) => Err((at.to_py_err(), (at, rest).held())),
            Err(Stopped::Interrupted(e, unsent)) => Err((e, unsent)),
        }
    }
}

/// Tells the caller of a `send_many` that stopped part-way how far it got:
/// `sent` items went, and `unsent` lists those it had taken from the
/// iterable but not sent, so that none is lost.
pub(crate) fn with_progress(
    py: Python<'_>,
    err: PyErr,
    sent: usize,
    unsent: VecDeque<Obj>,
) -> PyErr {
    let value = err.value(py);
    let noted = value
        .setattr("sent", sent)
        .and_then(|()| value.setattr("unsent", PyList::new(py, unsent)?));
    match noted {
        Ok(()) => err,
        Err(e) => e,
    }
}

#[pymethods]
impl PyChan {
    #[new]
    #[pyo3(signature = (capacity = Some(0)), text_signature = "(capacity=0)")]
    fn new(capacity: Option<i64>) -> PyResult<Self> {
        let capacity = match capacity {
            None => usize::MAX, // the core's "unbounded"
            Some(c) => usize::try_from(c).map_err(|_| {
                PyValueError::new_err(format!(
                    "capacity must be a non-negative int or None (unbounded), got {c}"
                ))
            })?,
        };
        // The core says what it allocates up front, and whether it could.
        let chan = Chan::try_with_capacity(capacity).map_err(|e| e.to_py_err())?;
        Ok(PyChan {
            chan,
            in_flight: InFlight::default(),
        })
    }

    /// Sends `value`, waiting for room (or a receiver) at most `timeout` seconds.
    #[pyo3(signature = (value, timeout = None))]
    fn send(&self, py: Python<'_>, value: Obj, timeout: Option<f64>) -> PyResult<()> {
        self.send_obj(py, value, timeout)
    }

    /// Receives, waiting at most `timeout` seconds.
    #[pyo3(signature = (timeout = None))]
    fn recv(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Obj> {
        self.recv_obj(py, timeout)?
    }

    /// Sends if it can without waiting; False if it would block.
    fn try_send(&self, value: Obj) -> PyResult<bool> {
        match self.chan.try_send(value) {
            Ok(()) => Ok(true),
            Err(TrySendError::Full(v)) => Ok(self.hand_to_own_receive(v).is_ok()),
            Err(e) => Err(e.to_py_err()),
        }
    }

    /// `(value, True)`, or `(None, False)` when nothing can be had at once;
    /// raises ChannelClosed once closed and drained, as `recv` does.
    fn try_recv(&self) -> PyResult<(Option<Obj>, bool)> {
        match self.chan.try_recv() {
            Ok(v) => Ok((Some(v), true)),
            Err(TryRecvError::Empty) => Ok((None, false)),
            Err(e) => Err(e.to_py_err()),
        }
    }

    /// Closes; True if this call closed it.
    fn close(&self) -> bool {
        self.chan.close()
    }

    /// Sends every item of `items` in order. See the stubs (`_core.pyi`) for
    /// what was sent when it raises.
    #[pyo3(signature = (items, timeout = None))]
    fn send_many(
        &self,
        py: Python<'_>,
        items: &Bound<'_, PyAny>,
        timeout: Option<f64>,
    ) -> PyResult<()> {
        let deadline = deadline_of(timeout)?;
        let mut iter = items.try_iter()?;
        let mut sent = 0;
        loop {
            // Items are taken from the iterable a chunk at a time, holding the
            // GIL, and pushed without it: the receiving thread runs Python
            // meanwhile, instead of the two threads taking turns per item.
            let mut chunk = VecDeque::with_capacity(SEND_CHUNK);
            let mut failed = None;
            while chunk.len() < SEND_CHUNK {
                match iter.next() {
                    Some(Ok(item)) => chunk.push_back(item.unbind()),
                    Some(Err(e)) => {
                        failed = Some(e);
                        break;
                    }
                    None => break,
                }
            }
            let last = failed.is_some() || chunk.len() < SEND_CHUNK;
            let taken = chunk.len();
            if let Err((e, unsent)) = self.send_chunk(py, chunk, deadline) {
                let sent = sent + taken - unsent.len();
                return Err(with_progress(py, e, sent, unsent));
            }
            sent += taken;
            // The items before the one the iterable failed on are sent first,
            // as a one-by-one loop would have sent them.
            if let Some(e) = failed {
                return Err(with_progress(py, e, sent, VecDeque::new()));
            }
            if last {
                return Ok(());
            }
        }
    }

    /// Waits (at most `timeout` seconds) for one object, then takes what else
    /// can be had at once, up to `max` in all; `[]` once closed and drained.
    #[pyo3(signature = (max, timeout = None))]
    fn recv_many<'py>(
        &self,
        py: Python<'py>,
        max: i64,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyList>> {
        let max = match usize::try_from(max) {
            Ok(m) if m >= 1 => m,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "max must be at least 1, got {max}"
                )))
            }
        };
        let deadline = deadline_of(timeout)?;
        let chan = &self.chan;
        // Taking the objects without the GIL lets the sending thread run
        // Python (fetch its next items) at the same time.
        let take_more = |first: Obj| {
            let mut got = Vec::with_capacity(max.min(SEND_CHUNK));
            got.push(first);
            while got.len() < max {
                match chan.try_recv() {
                    Ok(v) => got.push(v),
                    Err(_) => break,
                }
            }
            got
        };
        // `None`: closed and drained.
        let got = wait(
            py,
            deadline,
            &[&self.in_flight],
            || match chan.try_recv() {
                Ok(first) => {
                    let this = [&self.in_flight];
                    let _moving = InFlight::enter(&this);
                    Ok(Some(py.detach(|| take_more(first))))
                }
                Err(TryRecvError::Closed) => Ok(None),
                Err(TryRecvError::Empty) => Err(()),
            },
            identity,
            |(), until| match chan.recv_deadline(until) {
                Ok(first) => Ok(Some(take_more(first))),
                Err(RecvTimeoutError::Closed) => Ok(None),
                Err(e) => Err(e),
            },
        )
        .map_err(Stopped::into_py_err)?;
        PyList::new(py, got.unwrap_or_default())
    }

    /// The buffer size: 0 for rendezvous, None when unbounded.
    #[getter]
    fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }

    /// Whether the channel is closed (buffered objects may remain).
    #[getter]
    fn closed(&self) -> bool {
        self.chan.is_closed()
    }

    fn __len__(&self) -> usize {
        self.chan.len()
    }

    /// A channel is always true, even when empty (`__len__` would otherwise
    /// make `if ch:` test for buffered objects).
    fn __bool__(&self) -> bool {
        true
    }

    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// The next object; `None` (StopIteration) once closed and drained.
    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Obj>> {
        // A loop's usual case first, an object at once, without a wait's
        // setup: a `for` loop calls this slot, which `fast` cannot stand
        // in front of (the limited API cannot change a type's slots).
        if let Ok(v) = self.chan.try_recv() {
            return Ok(Some(v));
        }
        Ok(self.recv_obj(py, None)?.ok())
    }

    /// Sends ``value``. Cancelled, it delivers nothing and raises
    /// CancelledError, unless a receiver had already claimed the value: then
    /// the value is delivered and it returns normally.
    fn send_async<'py>(slf: &Bound<'py, Self>, value: Obj) -> PyResult<Bound<'py, PyAny>> {
        let op = SendOp::new(slf, slf.get().chan.send_async(value));
        aio::drive(slf.py(), op)
    }

    /// Receives; raises ChannelClosed once closed and drained. A cancelled
    /// receive consumes nothing.
    fn recv_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let op = RecvOp::new(slf, slf.get().chan.recv_async());
        aio::drive(slf.py(), op)
    }

    fn __aiter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __anext__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        aio::anext(slf)
    }

    /// Shows the collector the objects buffered now (see `gc` for why no
    /// value moves meanwhile).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if self.in_flight.any() {
            return Ok(()); // keeps them alive this round: see `gc`
        }
        let mut visited = Ok(());
        // SAFETY: the collector holds the GIL, so no operation that needs it
        // runs on this channel now, and none that runs without it is in
        // flight (the count is zero, and only GIL holders raise it).
        unsafe {
            self.chan.for_each_buffered(|v| {
                if visited.is_ok() {
                    visited = visit.call(v);
                }
            });
        }
        visited
    }

    /// Breaks a cycle through the buffer: drops what it holds.
    fn __clear__(&self) {
        while let Ok(v) = self.chan.try_recv() {
            drop(v);
        }
    }

    fn __repr__(&self) -> String {
        let cap = self
            .chan
            .capacity()
            .map_or_else(|| "None".to_owned(), |c| c.to_string());
        let closed = if self.chan.is_closed() {
            "True"
        } else {
            "False"
        };
        format!(
            "Chan(capacity={cap}, len={}, closed={closed})",
            self.chan.len()
        )
    }
}
