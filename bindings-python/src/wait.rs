//! Waiting the Python way, for every blocking operation: first one try
//! holding the GIL (most operations complete there, at no cost beyond the
//! core's own), then waits in the core without the GIL, in slices, taking
//! the GIL back between slices to run signal handlers. A timed-out core
//! attempt consumes nothing (a send gets its value back), so an exception
//! raised by a handler between slices (KeyboardInterrupt) loses no value.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use polyconc::chan::{RecvTimeoutError, SelectTimeoutError, SendTimeoutError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::ToPyErr;
use crate::gc::InFlight;

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
fn slice_end(deadline: Option<Instant>) -> Instant {
    let end = Instant::now() + SLICE;
    match deadline {
        Some(d) if d < end => d,
        _ => end,
    }
}
