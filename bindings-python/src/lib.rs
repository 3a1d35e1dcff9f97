//! `polyconc._core`: the Python face of the core's Go channel.
//!
//! The binding holds no channel logic. It converts (the element type is
//! `Py<PyAny>`, so objects travel by reference), maps core errors to Python
//! exceptions in `raise`, and waits the Python way: an operation that can
//! complete at once does so holding the GIL; one that would block waits in
//! the core without the GIL, in slices, re-taking the GIL between slices to
//! run signal handlers. A timed-out core operation consumes nothing (a send
//! gets its value back), so an exception raised by a handler between slices
//! (KeyboardInterrupt) loses no value.
//!
//! Async operations are the core's `RecvFuture` / `SendFuture`, polled from
//! Python (the coroutines of `python/polyconc/_aio.py` drive them, and
//! `Chan`'s async methods return those coroutines); their waker calls a
//! Python callable that re-schedules the task on its own event loop.

use std::collections::VecDeque;
use std::fmt::Display;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use polyconc::chan::{
    Chan, RecvFuture, RecvTimeoutError, Select, SendFuture, SendTimeoutError, TryRecvError,
    TrySendError,
};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyRuntimeError, PyTimeoutError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyTuple};

create_exception!(
    polyconc,
    ChannelClosed,
    PyException,
    "Raised by recv once the channel is closed and drained, and by send on a closed channel."
);

/// A Python object; channels carry references, so the object received `is`
/// the object sent.
type Obj = Py<PyAny>;

/// How long one GIL-free wait lasts before the thread re-takes the GIL to run
/// signal handlers: short enough that Ctrl-C feels immediate, long enough
/// that an idle waiter costs nothing measurable.
const SLICE: Duration = Duration::from_millis(50);

/// How many items `send_many` takes from its iterable (holding the GIL)
/// before it pushes them into the channel (without the GIL): large enough
/// that the GIL changes hands rarely, small enough that the receiver gets
/// the first items soon and an interrupted call has taken few items it
/// then does not send.
const SEND_CHUNK: usize = 1024;

/// What went wrong, for [`raise`].
enum Failure {
    Closed,
    Timeout,
}

/// The one place where a core error becomes a Python exception; `why` is the
/// core error, whose text says which operation failed.
fn raise(failure: Failure, why: &dyn Display) -> PyErr {
    match failure {
        Failure::Closed => ChannelClosed::new_err(why.to_string()),
        Failure::Timeout => PyTimeoutError::new_err(why.to_string()),
    }
}

/// The deadline of a `timeout` in float seconds; `None` waits forever (so
/// does a timeout too large to be an `Instant`).
fn deadline_of(timeout: Option<f64>) -> PyResult<Option<Instant>> {
    match timeout {
        None => Ok(None),
        Some(t) if t.is_nan() || t < 0.0 => Err(PyValueError::new_err(format!(
            "timeout must be a non-negative number of seconds or None, got {t}"
        ))),
        Some(t) => Ok(Duration::try_from_secs_f64(t)
            .ok()
            .and_then(|d| Instant::now().checked_add(d))),
    }
}

/// When the next GIL-free slice of a wait ends.
fn slice_end(deadline: Option<Instant>) -> Instant {
    let end = Instant::now() + SLICE;
    match deadline {
        Some(d) if d < end => d,
        _ => end,
    }
}

/// Between two slices, holding the GIL: runs signal handlers (their
/// exception ends the wait) and says whether the whole deadline has passed.
fn between_slices(py: Python<'_>, deadline: Option<Instant>) -> PyResult<bool> {
    py.check_signals()?;
    Ok(deadline.is_some_and(|d| Instant::now() >= d))
}

/// How one GIL-free slice of a wait ended.
enum Slice<S, R> {
    /// The operation completed (or failed for good) with `R`.
    Done(R),
    /// The slice ran out; `S` is what the operation gets back to try again.
    Again(S),
}

/// Waits for `step` to complete without holding the GIL, in slices. `Ok(Err(state))`
/// means the deadline passed, and `Err((error, state))` that a signal
/// handler raised; either way the state (what a send still holds) is given
/// back.
fn wait_in_slices<S: Send, R: Send>(
    py: Python<'_>,
    deadline: Option<Instant>,
    mut state: S,
    step: impl Fn(S, Instant) -> Slice<S, R> + Sync,
) -> Result<Result<R, S>, (PyErr, S)> {
    loop {
        let until = slice_end(deadline);
        match py.detach(|| step(state, until)) {
            Slice::Done(r) => return Ok(Ok(r)),
            Slice::Again(s) => state = s,
        }
        match between_slices(py, deadline) {
            Ok(true) => return Ok(Err(state)),
            Ok(false) => {}
            Err(e) => return Err((e, state)),
        }
    }
}

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
struct PyChan {
    chan: Chan<Obj>,
}

impl PyChan {
    fn send_obj(&self, py: Python<'_>, value: Obj, timeout: Option<f64>) -> PyResult<()> {
        let deadline = deadline_of(timeout)?;
        let value = match self.chan.try_send(value) {
            Ok(()) => return Ok(()),
            Err(e @ TrySendError::Closed(_)) => return Err(raise(Failure::Closed, &e)),
            Err(TrySendError::Full(v)) => v,
        };
        let chan = &self.chan;
        // Interrupted, the value goes back to the caller, who still holds it.
        let waited = wait_in_slices(py, deadline, value, |v, until| {
            match chan.send_deadline(v, until) {
                Ok(()) => Slice::Done(Ok(())),
                Err(e @ SendTimeoutError::Closed(_)) => Slice::Done(Err(e)),
                Err(SendTimeoutError::Timeout(v)) => Slice::Again(v),
            }
        })
        .map_err(|(e, _)| e)?;
        match waited {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(raise(Failure::Closed, &e)),
            Err(v) => Err(raise(Failure::Timeout, &SendTimeoutError::Timeout(v))),
        }
    }

    /// `None` once the channel is closed and drained.
    fn recv_obj(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Obj>> {
        let deadline = deadline_of(timeout)?;
        match self.chan.try_recv() {
            Ok(v) => return Ok(Some(v)),
            Err(TryRecvError::Closed) => return Ok(None),
            Err(TryRecvError::Empty) => {}
        }
        let chan = &self.chan;
        let waited = wait_in_slices(py, deadline, (), |(), until| {
            match chan.recv_deadline(until) {
                Ok(v) => Slice::Done(Some(v)),
                Err(RecvTimeoutError::Closed) => Slice::Done(None),
                Err(RecvTimeoutError::Timeout) => Slice::Again(()),
            }
        })
        .map_err(|(e, ())| e)?;
        waited.map_err(|()| raise(Failure::Timeout, &RecvTimeoutError::Timeout))
    }

    /// Sends `chunk` in order without holding the GIL (re-taking it between
    /// slices for signal handlers). On failure, the items before the failing
    /// one were sent, and the rest come back with the error.
    fn send_chunk(
        &self,
        py: Python<'_>,
        chunk: VecDeque<Obj>,
        deadline: Option<Instant>,
    ) -> Result<(), (PyErr, VecDeque<Obj>)> {
        if chunk.is_empty() {
            return Ok(());
        }
        let chan = &self.chan;
        let waited = wait_in_slices(py, deadline, chunk, |mut chunk, until| {
            while let Some(v) = chunk.pop_front() {
                match chan.send_deadline(v, until) {
                    Ok(()) => {}
                    Err(SendTimeoutError::Timeout(v)) => {
                        chunk.push_front(v);
                        return Slice::Again(chunk);
                    }
                    Err(SendTimeoutError::Closed(v)) => {
                        chunk.push_front(v);
                        return Slice::Done(Err(chunk));
                    }
                }
            }
            Slice::Done(Ok(()))
        });
        match waited {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(unsent))) => Err((
                raise(Failure::Closed, &SendTimeoutError::Closed(())),
                unsent,
            )),
            Ok(Err(unsent)) => Err((
                raise(Failure::Timeout, &SendTimeoutError::Timeout(())),
                unsent,
            )),
            Err(interrupted) => Err(interrupted),
        }
    }
}

/// Tells the caller of a `send_many` that stopped part-way how far it got:
/// `sent` items went, and `unsent` lists those it had taken from the
/// iterable but not sent, so that none is lost.
fn with_progress(py: Python<'_>, err: PyErr, sent: usize, unsent: VecDeque<Obj>) -> PyErr {
    let value = err.value(py);
    let noted = value
        .setattr("sent", sent)
        .and_then(|()| value.setattr("unsent", PyList::new(py, unsent)?));
    match noted {
        Ok(()) => err,
        Err(e) => e,
    }
}

fn closed_and_drained() -> PyErr {
    raise(Failure::Closed, &polyconc::chan::RecvError)
}

/// The coroutine function `name` of `polyconc._aio`, imported on first use
/// (`cell` keeps it): the async operations are written in Python, where
/// awaiting and cancellation are plain asyncio.
fn aio_fn<'a, 'py>(
    py: Python<'py>,
    cell: &'a PyOnceLock<Py<PyAny>>,
    name: &str,
) -> PyResult<&'a Bound<'py, PyAny>> {
    cell.import(py, "polyconc._aio", name)
}

#[pymethods]
impl PyChan {
    #[new]
    #[pyo3(signature = (capacity = Some(0)), text_signature = "(capacity=0)")]
    fn new(capacity: Option<i64>) -> PyResult<Self> {
        let chan = match capacity {
            None => Chan::unbounded(),
            Some(c) => match usize::try_from(c) {
                Ok(c) => Chan::new(c),
                Err(_) => {
                    return Err(PyValueError::new_err(format!(
                        "capacity must be a non-negative int or None (unbounded), got {c}"
                    )))
                }
            },
        };
        Ok(PyChan { chan })
    }

    /// Sends `value`, waiting for room (or a receiver) at most `timeout` seconds.
    #[pyo3(signature = (value, timeout = None))]
    fn send(&self, py: Python<'_>, value: Obj, timeout: Option<f64>) -> PyResult<()> {
        self.send_obj(py, value, timeout)
    }

    /// Receives, waiting at most `timeout` seconds.
    #[pyo3(signature = (timeout = None))]
    fn recv(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Obj> {
        self.recv_obj(py, timeout)?.ok_or_else(closed_and_drained)
    }

    /// Sends if it can without waiting; False if it would block.
    fn try_send(&self, value: Obj) -> PyResult<bool> {
        match self.chan.try_send(value) {
            Ok(()) => Ok(true),
            Err(TrySendError::Full(_)) => Ok(false),
            Err(e @ TrySendError::Closed(_)) => Err(raise(Failure::Closed, &e)),
        }
    }

    /// `(value, True)`, or `(None, False)` when nothing can be had at once.
    fn try_recv(&self) -> (Option<Obj>, bool) {
        match self.chan.try_recv() {
            Ok(v) => (Some(v), true),
            Err(_) => (None, false),
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
        let got = match chan.try_recv() {
            Ok(first) => py.detach(|| take_more(first)),
            Err(TryRecvError::Closed) => return Ok(PyList::empty(py)),
            Err(TryRecvError::Empty) => {
                let waited = wait_in_slices(py, deadline, (), |(), until| {
                    match chan.recv_deadline(until) {
                        Ok(first) => Slice::Done(Some(take_more(first))),
                        Err(RecvTimeoutError::Closed) => Slice::Done(None),
                        Err(RecvTimeoutError::Timeout) => Slice::Again(()),
                    }
                })
                .map_err(|(e, ())| e)?;
                match waited {
                    Ok(Some(got)) => got,
                    Ok(None) => return Ok(PyList::empty(py)),
                    Err(()) => return Err(raise(Failure::Timeout, &RecvTimeoutError::Timeout)),
                }
            }
        };
        PyList::new(py, got)
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

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Obj>> {
        self.recv_obj(py, None)
    }

    /// Sends ``value``; a cancelled send delivers nothing (unless it already
    /// completed).
    fn send_async<'py>(slf: &Bound<'py, Self>, value: Obj) -> PyResult<Bound<'py, PyAny>> {
        static SEND_ASYNC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        aio_fn(slf.py(), &SEND_ASYNC, "send_async")?.call1((slf, value))
    }

    /// Receives; raises ChannelClosed once closed and drained. A cancelled
    /// receive consumes nothing.
    fn recv_async<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        static RECV_ASYNC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        aio_fn(slf.py(), &RECV_ASYNC, "recv_async")?.call1((slf,))
    }

    fn __aiter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __anext__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        static ANEXT: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
        aio_fn(slf.py(), &ANEXT, "anext")?.call1((slf,))
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

/// One case of a `select`, as parsed: the channel (`None`: disabled) and,
/// for a send case, the value.
struct CaseSpec<'py> {
    chan: Option<Bound<'py, PyChan>>,
    value: Option<Obj>,
}

fn parse_case<'py>(item: &Bound<'py, PyAny>) -> PyResult<CaseSpec<'py>> {
    let chan_or_none = |obj: &Bound<'py, PyAny>| -> PyResult<Option<Bound<'py, PyChan>>> {
        if obj.is_none() {
            return Ok(None);
        }
        match obj.cast::<PyChan>() {
            Ok(c) => Ok(Some(c.clone())),
            Err(_) => Err(PyTypeError::new_err(format!(
                "a select case is a Chan (receive), a (Chan, value) pair (send) or None, got {}",
                obj.get_type().name()?
            ))),
        }
    };
    if let Ok(pair) = item.cast::<PyTuple>() {
        if pair.len() != 2 {
            return Err(PyTypeError::new_err(format!(
                "a send case is a (Chan, value) pair, got a tuple of {} items",
                pair.len()
            )));
        }
        return Ok(CaseSpec {
            chan: chan_or_none(&pair.get_item(0)?)?,
            value: Some(pair.get_item(1)?.unbind()),
        });
    }
    Ok(CaseSpec {
        chan: chan_or_none(item)?,
        value: None,
    })
}

/// Which case of a select fired, and how.
enum Fired {
    Received(usize, Option<Obj>),
    Sent(usize),
    SendClosed(usize),
}

/// One core select over `chans`; `values[i]` is `Some` for send cases.
fn build_select<'a>(
    chans: &[Option<&'a Chan<Obj>>],
    values: Vec<Option<Obj>>,
) -> Select<'a, Fired> {
    let mut sel = Select::new();
    for (i, (chan, value)) in chans.iter().zip(values).enumerate() {
        sel = match value {
            None => sel.recv(*chan, move |r| Fired::Received(i, r.ok())),
            Some(v) => sel.send(*chan, v, move |r| match r {
                Ok(()) => Fired::Sent(i),
                Err(_) => Fired::SendClosed(i),
            }),
        };
    }
    sel
}

/// Go's `select`: see the stubs (`_core.pyi`) for the contract.
#[pyfunction]
#[pyo3(signature = (*cases, timeout = None, default = false))]
fn select(
    py: Python<'_>,
    cases: &Bound<'_, PyTuple>,
    timeout: Option<f64>,
    default: bool,
) -> PyResult<(isize, Option<Obj>, bool)> {
    if default && timeout.is_some() {
        return Err(PyValueError::new_err(
            "select takes default=True or a timeout, not both: a default never waits",
        ));
    }
    let deadline = deadline_of(timeout)?;
    let specs = cases
        .iter()
        .map(|c| parse_case(&c))
        .collect::<PyResult<Vec<_>>>()?;
    let chans: Vec<Option<&Chan<Obj>>> = specs
        .iter()
        .map(|s| s.chan.as_ref().map(|c| &c.get().chan))
        .collect();
    // A select consumes its send values even when nothing fires; each
    // attempt gets new references (the caller keeps the objects).
    let values = || -> Vec<Option<Obj>> {
        specs
            .iter()
            .map(|s| s.value.as_ref().map(|v| v.clone_ref(py)))
            .collect()
    };
    let finish = |fired: Fired| -> PyResult<(isize, Option<Obj>, bool)> {
        let index = |i: usize| isize::try_from(i).expect("a tuple index fits an isize");
        match fired {
            Fired::Received(i, v) => {
                let ok = v.is_some();
                Ok((index(i), v, ok))
            }
            Fired::Sent(i) => Ok((index(i), None, true)),
            Fired::SendClosed(i) => Err(raise(
                Failure::Closed,
                &format!("{} (select case {i})", polyconc::chan::SendError(())),
            )),
        }
    };

    // Fast path, holding the GIL.
    if let Ok(fired) = build_select(&chans, values()).try_select() {
        return finish(fired);
    }
    if default {
        return Ok((-1, None, false));
    }
    loop {
        let attempt = values();
        let until = slice_end(deadline);
        let fired = py.detach(|| build_select(&chans, attempt).select_deadline(until).ok());
        if let Some(fired) = fired {
            return finish(fired);
        }
        if between_slices(py, deadline)? {
            return Err(raise(Failure::Timeout, &polyconc::chan::SelectTimeoutError));
        }
    }
}

/// Wakes an asyncio task: calls a Python callable that schedules the task's
/// re-poll on its event loop (`loop.call_soon_threadsafe`). The core calls
/// it after releasing its channel lock, from any thread.
struct PyWake {
    callback: Obj,
}

impl Wake for PyWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        Python::attach(|py| {
            if let Err(e) = self.callback.call0(py) {
                // Nobody awaits a waker's result: report as CPython does for callbacks.
                e.write_unraisable(py, Some(self.callback.bind(py)));
            }
        });
    }
}

/// Polls `fut` once with a waker that calls `wake`; `None` while pending.
fn poll_once<F: std::future::Future + Unpin>(
    slot: &mut Option<F>,
    wake: Obj,
) -> PyResult<Option<F::Output>> {
    let fut = slot
        .as_mut()
        .ok_or_else(|| PyRuntimeError::new_err("this channel operation already finished"))?;
    let waker = Waker::from(Arc::new(PyWake { callback: wake }));
    match Pin::new(fut).poll(&mut Context::from_waker(&waker)) {
        Poll::Pending => Ok(None),
        Poll::Ready(out) => {
            *slot = None;
            Ok(Some(out))
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means a panic (turned into a Python exception)
    // happened mid-poll; the future itself is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A pending `recv_async`: the core's `RecvFuture`, polled by Python.
#[pyclass(frozen, name = "_RecvOp", module = "polyconc._core")]
struct RecvOp {
    fut: Mutex<Option<RecvFuture<Obj>>>,
}

#[pymethods]
impl RecvOp {
    #[new]
    fn new(chan: &Bound<'_, PyChan>) -> Self {
        RecvOp {
            fut: Mutex::new(Some(chan.get().chan.recv_async())),
        }
    }

    /// `(True, value)` when received, `(False, None)` while pending (then
    /// `wake()` is called once it is worth polling again).
    fn poll(&self, wake: Obj) -> PyResult<(bool, Option<Obj>)> {
        match poll_once(&mut lock(&self.fut), wake)? {
            None => Ok((false, None)),
            Some(Ok(v)) => Ok((true, Some(v))),
            Some(Err(_)) => Err(closed_and_drained()),
        }
    }

    /// Drops the receive; it consumes nothing.
    fn cancel(&self) {
        let fut = lock(&self.fut).take();
        drop(fut);
    }
}

/// A pending `send_async`: the core's `SendFuture`, polled by Python.
#[pyclass(frozen, name = "_SendOp", module = "polyconc._core")]
struct SendOp {
    fut: Mutex<Option<SendFuture<Obj>>>,
}

#[pymethods]
impl SendOp {
    #[new]
    fn new(chan: &Bound<'_, PyChan>, value: Obj) -> Self {
        SendOp {
            fut: Mutex::new(Some(chan.get().chan.send_async(value))),
        }
    }

    /// True when sent, False while pending (then `wake()` is called once it
    /// is worth polling again).
    fn poll(&self, wake: Obj) -> PyResult<bool> {
        match poll_once(&mut lock(&self.fut), wake)? {
            None => Ok(false),
            Some(Ok(())) => Ok(true),
            Some(Err(e)) => Err(raise(Failure::Closed, &e)),
        }
    }

    /// Withdraws the send unless it already completed; the value is then
    /// never received.
    fn cancel(&self) {
        let fut = lock(&self.fut).take();
        drop(fut);
    }
}

#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyChan>()?;
    m.add_class::<RecvOp>()?;
    m.add_class::<SendOp>()?;
    m.add_function(wrap_pyfunction!(select, m)?)?;
    m.add("ChannelClosed", m.py().get_type::<ChannelClosed>())?;
    Ok(())
}
