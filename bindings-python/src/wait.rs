//! Waiting the Python way, for every blocking operation: first one try
//! holding the GIL (most operations complete there, at no cost beyond the
//! core's own), then waits in the core without the GIL, in slices, taking
//! the GIL back between slices to run signal handlers. A timed-out core
//! attempt consumes nothing (a send gets its value back), so an exception
//! raised by a handler between slices (KeyboardInterrupt) loses no value.

use std::collections::VecDeque;
use std::convert::identity;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use polyconc::chan::{RecvTimeoutError, SelectTimeoutError, SendTimeoutError};
use polyconc::Wait;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::ToPyErr;
use crate::gc::InFlight;
use crate::nested::{queue_at, Place};

/// How long one GIL-free wait lasts before the thread re-takes the GIL to run
/// signal handlers: short enough that Ctrl-C feels immediate, long enough
/// that an idle waiter costs nothing measurable.
const SLICE: Duration = Duration::from_millis(50);

/// The deadline of a `timeout` in float seconds; `None` waits forever (so
/// does a timeout too large to be an `Instant`).
pub(crate) fn deadline_of(timeout: Option<f64>) -> PyResult<Option<Instant>> {
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

/// How long a `timeout` in float seconds lets a wait last (`None`: forever),
/// as the core says it.
pub(crate) fn wait_of(timeout: Option<f64>) -> PyResult<Wait> {
    Ok(until(deadline_of(timeout)?))
}

/// `threading`'s `blocking` argument: any object, by its truth value (as
/// `lock.acquire(0)`).
#[derive(Clone, Copy)]
pub(crate) struct Blocking(pub(crate) bool);

impl<'a, 'py> FromPyObject<'a, 'py> for Blocking {
    type Error = PyErr;

    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        obj.is_truthy().map(Blocking)
    }
}

/// `threading.Lock.acquire(blocking, timeout)`'s wait, with its errors:
/// `timeout=-1` (and `None`) waits forever, a non-blocking call tries once
/// and takes no timeout.
pub(crate) fn acquire_wait(blocking: Blocking, timeout: Option<f64>) -> PyResult<Wait> {
    let timeout = timeout.filter(|&t| t != -1.0);
    if !blocking.0 {
        return match timeout {
            None => Ok(Wait::Now),
            Some(_) => Err(PyValueError::new_err(
                "can't specify a timeout for a non-blocking call",
            )),
        };
    }
    match timeout {
        Some(t) if t < 0.0 => Err(PyValueError::new_err(
            "timeout value must be a non-negative number",
        )),
        t => wait_of(t),
    }
}

fn until(deadline: Option<Instant>) -> Wait {
    match deadline {
        None => Wait::FOREVER,
        Some(d) => Wait::Until(polyconc::Deadline::at(d)),
    }
}

/// A slice of a [`wait_for`] ended without success.
pub(crate) struct Missed;

impl TimedOut for Missed {
    type Held = ();
    fn held(self) {}
}

/// Waits the Python way (see [`wait`]) for an operation that only succeeds
/// or not and holds nothing between tries (a lock, permits, a latch):
/// `try_now` holding the GIL, then `attempt(until)` without it, one slice
/// at a time. Whether it succeeded before `wait` ran out; a signal
/// handler's exception stops it having taken nothing.
pub(crate) fn wait_for(
    py: Python<'_>,
    wait: Wait,
    try_now: impl FnOnce() -> bool,
    attempt: impl Fn(Instant) -> bool + Sync,
) -> PyResult<bool> {
    if try_now() {
        return Ok(true);
    }
    let Wait::Until(deadline) = wait else {
        return Ok(false);
    };
    let waited = self::wait(
        py,
        deadline.instant(),
        &[],
        || Err(()),
        identity,
        |(), until| if attempt(until) { Ok(()) } else { Err(Missed) },
    );
    match waited {
        Ok(()) => Ok(true),
        Err(Stopped::TimedOut(Missed)) => Ok(false),
        Err(Stopped::Interrupted(e, ())) => Err(e),
    }
}

/// A core error that says "the deadline passed", with what the operation
/// held (a send's value), so that it can try again.
pub(crate) trait TimedOut {
    /// What the operation needs to try again.
    type Held;
    fn held(self) -> Self::Held;
}

impl TimedOut for RecvTimeoutError {
    type Held = ();
    fn held(self) {}
}

impl TimedOut for SelectTimeoutError {
    type Held = ();
    fn held(self) {}
}

impl<T> TimedOut for SendTimeoutError<T> {
    type Held = T;
    fn held(self) -> T {
        self.into_inner()
    }
}

/// A batch of sends timed out at `.0`; `.1` are the items after it.
impl<T> TimedOut for (SendTimeoutError<T>, VecDeque<T>) {
    type Held = VecDeque<T>;
    fn held(self) -> VecDeque<T> {
        let (at, mut rest) = self;
        rest.push_front(at.into_inner());
        rest
    }
}

/// Why a wait ended without an answer.
pub(crate) enum Stopped<E: TimedOut> {
    /// The whole deadline passed: the core's own timeout error.
    TimedOut(E),
    /// A signal handler raised between two slices; the operation gives back
    /// what it held.
    Interrupted(PyErr, E::Held),
}

impl<E: TimedOut + ToPyErr> Stopped<E> {
    pub(crate) fn into_py_err(self) -> PyErr {
        match self {
            Stopped::TimedOut(e) => e.to_py_err(),
            Stopped::Interrupted(e, _) => e,
        }
    }
}

/// Runs a blocking operation: `try_now` once holding the GIL, which answers
/// or gives back what the operation holds; then, until `deadline` (`None`:
/// forever), `attempt(prepare(held), until)` without the GIL, one slice at a
/// time, where `until` is the end of the slice. `prepare` runs holding the
/// GIL (a select makes the references its send cases consume there).
///
/// An operation answers `R` when it completes or fails for good (a closed
/// channel); its core's timeout error `E` ends the wait only at the
/// deadline. The GIL-free part counts as in flight on the channels
/// `moving` (see `gc`).
pub(crate) fn wait<H, S: Send, R: Send, E: TimedOut<Held = H> + Send>(
    py: Python<'_>,
    deadline: Option<Instant>,
    moving: &[&InFlight],
    try_now: impl FnOnce() -> Result<R, H>,
    mut prepare: impl FnMut(H) -> S,
    attempt: impl Fn(S, Instant) -> Result<R, E> + Sync,
) -> Result<R, Stopped<E>> {
    let mut held = match try_now() {
        Ok(answer) => return Ok(answer),
        Err(held) => held,
    };
    let _moving = InFlight::enter(moving);
    loop {
        let state = prepare(held);
        let until = slice_end(deadline);
        let timed_out = match py.detach(|| attempt(state, until)) {
            Ok(answer) => return Ok(answer),
            Err(e) => e,
        };
        if deadline.is_some_and(|d| until >= d) {
            return Err(Stopped::TimedOut(timed_out));
        }
        held = timed_out.held();
        if let Err(e) = py.check_signals() {
            return Err(Stopped::Interrupted(e, held));
        }
    }
}

/// When the next GIL-free slice of a wait ends: a slice later, or at the
/// deadline if that comes first.
pub(crate) fn slice_end(deadline: Option<Instant>) -> Instant {
    let end = Instant::now() + SLICE;
    match deadline {
        Some(d) if d < end => d,
        _ => end,
    }
}

/// Awaits a core future from a thread, the Python way, polling it without
/// the GIL (a lock's, a latch's: their polls run no Python code): `try_now`
/// holding the GIL; then the future, a slice at a time (see [`await_core`]),
/// queued at `place` if it stands in a primitive's queue (see `nested::queue_at`).
/// `None` once `wait` runs out; then, or when a handler raises, the future
/// is dropped, which gives back whatever it was handed (a lock, permits) or
/// leaves as the core defines (a barrier breaks).
pub(crate) fn wait_on<F>(
    py: Python<'_>,
    wait: Wait,
    place: Option<Place>,
    try_now: impl FnOnce() -> Option<F::Output>,
    fut: impl FnOnce() -> F,
) -> PyResult<Option<F::Output>>
where
    F: Future + Unpin + Send,
    F::Output: Send,
{
    if let Some(out) = try_now() {
        return Ok(Some(out));
    }
    let Wait::Until(deadline) = wait else {
        return Ok(None);
    };
    let _queued = place.map(queue_at).transpose()?;
    let mut fut = fut();
    await_core(py, deadline.instant(), &mut fut, |fut, waker, until| {
        py.detach(|| {
            poll_slice(
                fut,
                waker,
                until,
                |f, cx| Ok(Pin::new(f).poll(cx)),
                thread::park_timeout,
            )
        })
    })
}

/// [`wait_on`] for a wait that only ends (a latch's or wait group's count
/// reaching zero): `is_done` holding the GIL, then `fut`. Whether it ended
/// before `timeout` passed.
pub(crate) fn wait_done<F>(
    py: Python<'_>,
    timeout: Option<f64>,
    is_done: impl FnOnce() -> bool,
    fut: impl FnOnce() -> F,
) -> PyResult<bool>
where
    F: Future<Output = ()> + Unpin + Send,
{
    let done = wait_on(py, wait_of(timeout)?, None, || is_done().then_some(()), fut)?;
    Ok(done.is_some())
}

/// Why a [`poll_until`] ended without an answer; either way the future
/// comes back, still pending, for the caller to withdraw (a put's
/// `cancel` says whether its element was delivered meanwhile).
pub(crate) enum Unfinished<F> {
    /// The deadline passed.
    TimedOut(F),
    /// A signal handler (or the poll itself) raised.
    Raised(PyErr, F),
}

/// Awaits a core future from a thread as [`wait_on`] does, but each
/// `poll` holds the GIL, so that it may run Python code (a priority
/// queue's comparisons) and raise; only the parks between polls are
/// GIL-free.
pub(crate) fn poll_until<F, R>(
    py: Python<'_>,
    deadline: Option<Instant>,
    mut fut: F,
    mut poll: impl FnMut(&mut F, &mut Context<'_>) -> PyResult<Poll<R>>,
) -> Result<R, Unfinished<F>> {
    let park = |d| py.detach(|| thread::park_timeout(d));
    let waited = await_core(py, deadline, &mut fut, |fut, waker, until| {
        poll_slice(fut, waker, until, &mut poll, park)
    });
    match waited {
        Ok(Some(answer)) => Ok(answer),
        Ok(None) => Err(Unfinished::TimedOut(fut)),
        Err(e) => Err(Unfinished::Raised(e, fut)),
    }
}

/// The loop of [`wait_on`] and [`poll_until`]: `slice` polls the future
/// until `until`, the end of one slice; between slices, signal handlers run
/// holding the GIL. The future stays registered from one slice to the next,
/// so it keeps its place (a fair lock's or queue's arrival order, a
/// barrier's arrival), and a future that answered is taken before signals
/// are checked. `None` once `deadline` passed.
fn await_core<F, R>(
    py: Python<'_>,
    deadline: Option<Instant>,
    fut: &mut F,
    mut slice: impl FnMut(&mut F, &Waker, Instant) -> PyResult<Option<R>>,
) -> PyResult<Option<R>> {
    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    loop {
        let until = slice_end(deadline);
        if let Some(answer) = slice(fut, &waker, until)? {
            return Ok(Some(answer));
        }
        if deadline.is_some_and(|d| until >= d) {
            return Ok(None);
        }
        py.check_signals()?;
    }
}

/// One slice of [`await_core`]: polls, and parks (a wake-up that came
/// before the park makes it return at once) until the future answers or
/// `until` passes.
fn poll_slice<F, R>(
    fut: &mut F,
    waker: &Waker,
    until: Instant,
    mut poll: impl FnMut(&mut F, &mut Context<'_>) -> PyResult<Poll<R>>,
    mut park: impl FnMut(Duration),
) -> PyResult<Option<R>> {
    let mut cx = Context::from_waker(waker);
    loop {
        if let Poll::Ready(answer) = poll(fut, &mut cx)? {
            return Ok(Some(answer));
        }
        let now = Instant::now();
        if now >= until {
            return Ok(None);
        }
        park(until - now);
    }
}

/// Wakes the thread parked in [`await_core`].
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}
