//! What a signal handler may do with the wait it interrupted. Handlers run
//! on the waiting thread, between two GIL-free slices of its wait (see
//! `wait`), while that wait still stands where it queued: a handler's own
//! wait on the same primitive could need the interrupted one to go on
//! first, which it cannot until the handler returns. Each case is settled
//! here, by what this thread is waiting for (thread-local lists):
//!
//! - a wait that would queue behind the interrupted one (a lock's, a
//!   semaphore's, a fair queue's) is refused ([`queue_at`]);
//! - a lock's acquire ends the interrupted `Condition` wait that takes that
//!   lock back ([`give_up_at`]);
//! - a send on a rendezvous meets the interrupted receive
//!   ([`hand_to_own_receive`]).

use std::cell::RefCell;
use std::time::Instant;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::wait::slice_end;
use crate::Obj;

/// A primitive whose waiters queue for it (a lock, a semaphore), named by
/// its address: a waiting thread keeps its place in that queue from one
/// slice to the next, signal handlers included.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Place(usize);

impl Place {
    pub(crate) fn of<T>(primitive: &T) -> Place {
        Place(std::ptr::from_ref(primitive) as usize)
    }
}

thread_local! {
    /// The places this thread is queued at now: more than one only while a
    /// signal handler that runs between two slices waits for another one.
    static QUEUED: RefCell<Vec<Place>> = const { RefCell::new(Vec::new()) };
}

/// This thread queued at a place, until dropped.
pub(crate) struct Queued(Place);

/// Marks this thread queued at `place` for a wait that could not succeed at
/// once. RuntimeError if it already is: a signal handler that waits for the
/// lock whose wait it interrupted would be queued behind that wait (a fair
/// lock serves its queue in order, and any lock may hand itself to a waiter
/// that has waited long), which cannot go on until the handler returns, so
/// the handler would never return. So would a wait on a queue that serves
/// its waiters in order (a fair one, or one waited on as the core's
/// futures): the element or room the handler waits for goes to the
/// interrupted wait first. The wait is refused instead of deadlocking; an
/// attempt that need not wait (the lock is free) is not.
pub(crate) fn queue_at(place: Place) -> PyResult<Queued> {
    QUEUED.with_borrow_mut(|queued| {
        if queued.contains(&place) {
            return Err(PyRuntimeError::new_err(
                "a signal handler cannot wait for a lock, semaphore or queue \
                 that its thread is already waiting for: the handler's wait \
                 would be queued behind the interrupted one",
            ));
        }
        queued.push(place);
        Ok(Queued(place))
    })
}

impl Drop for Queued {
    fn drop(&mut self) {
        QUEUED.with_borrow_mut(|queued| {
            if let Some(i) = queued.iter().rposition(|&p| p == self.0) {
                queued.remove(i);
            }
        });
    }
}

thread_local! {
    /// This thread's receives on a rendezvous, innermost last, each with
    /// the slot a signal handler of this thread may hand it a value in
    /// (see [`hand_to_own_receive`]).
    static RECEIVING: RefCell<Vec<(Place, Option<Obj>)>> = const { RefCell::new(Vec::new()) };
}

/// This thread receiving on the rendezvous at a place, until dropped: its
/// entry in `RECEIVING`, by position (entries come and go innermost last).
pub(crate) struct OwnReceive(usize);

impl OwnReceive {
    /// Lists a receive on the rendezvous at `place` for the whole of its
    /// wait (a handler only runs between two slices of it anyway).
    pub(crate) fn open(place: Place) -> OwnReceive {
        RECEIVING.with_borrow_mut(|r| {
            r.push((place, None));
            OwnReceive(r.len() - 1)
        })
    }

    /// The value a handler handed, if one did (callable without the GIL,
    /// on this thread: it only moves the reference).
    pub(crate) fn take(&self) -> Option<Obj> {
        RECEIVING.with_borrow_mut(|r| r[self.0].1.take())
    }
}

impl Drop for OwnReceive {
    fn drop(&mut self) {
        // A value still there was handed during the last check of the
        // signals and given to the exception (see `with_received`).
        RECEIVING.with_borrow_mut(|r| r.truncate(self.0));
    }
}

/// Hands `value` to a receive that this thread's running signal handler
/// interrupted on the rendezvous at `place`, if the innermost one there has
/// no value yet: the send meets that receive (which answers with it once
/// the handler returns) instead of waiting for another thread's receiver,
/// the interrupted one being unable to go on until the handler returns.
/// `Err(value)` if there is none.
pub(crate) fn hand_to_own_receive<E>(
    place: Place,
    value: E,
    into_obj: impl FnOnce(E) -> Obj,
) -> Result<(), E> {
    RECEIVING.with_borrow_mut(|r| match r.iter_mut().rev().find(|(p, _)| *p == place) {
        Some((_, slot @ None)) => {
            *slot = Some(into_obj(value));
            Ok(())
        }
        _ => Err(value),
    })
}

/// The exception that stopped a receive after a handler had handed it
/// `value` (see [`hand_to_own_receive`]), with that value as its
/// `received` attribute, so that it is not lost.
pub(crate) fn with_received(py: Python<'_>, e: PyErr, value: Obj) -> PyErr {
    // Python's exceptions all take attributes; one that refuses them is
    // raised as it is, and the value dropped.
    let _ = e.value(py).setattr("received", value);
    e
}

/// A wait queued once for its whole length, that a signal handler run
/// between two of its slices may end (see [`give_up_at`]).
trait GiveUp {
    /// Drops the wait, GIL-free, if it is still there; whether it was.
    fn give_up(&self, py: Python<'_>) -> bool;
}

impl<W: Send> GiveUp for RefCell<Option<W>> {
    fn give_up(&self, py: Python<'_>) -> bool {
        let Some(wait) = self.borrow_mut().take() else {
            return false;
        };
        py.detach(move || drop(wait));
        true
    }
}

thread_local! {
    /// The condition waits of this thread whose signal handlers are running
    /// now, by the lock they take back, innermost last. Each entry points
    /// at a slot on the stack of [`wait_queued_at`], which removes it
    /// before that slot goes (see [`Suspended`]).
    static SUSPENDED: RefCell<Vec<(Place, *const (dyn GiveUp + 'static))>> =
        const { RefCell::new(Vec::new()) };
}

/// A wait listed in `SUSPENDED` until dropped.
struct Suspended;

impl Suspended {
    fn list<W: Send>(place: Place, slot: &RefCell<Option<W>>) -> Suspended {
        let wait: *const (dyn GiveUp + '_) = slot;
        // SAFETY: only the lifetime changes. The pointer is read on this
        // thread only, while this guard lives (its drop removes it, also on
        // unwinding), and the guard is dropped before `slot`.
        let wait = unsafe {
            std::mem::transmute::<*const (dyn GiveUp + '_), *const (dyn GiveUp + 'static)>(wait)
        };
        SUSPENDED.with_borrow_mut(|waits| waits.push((place, wait)));
        Suspended
    }
}

impl Drop for Suspended {
    fn drop(&mut self) {
        SUSPENDED.with_borrow_mut(|waits| waits.pop());
    }
}

/// Ends the condition wait that this thread's running signal handler
/// interrupted, if that wait takes back the lock at `place`: call it from
/// a lock's acquire that would have to wait. Such a wait may already be
/// queued for the lock (notified), so the handler's own wait would queue
/// behind it and never end. Dropped instead, the wait leaves the
/// condition and takes the lock back for this thread (waiting GIL-free,
/// without the handler's timeout, as long as the lock's holder keeps it):
/// whether it did, the lock then held by this thread. The interrupted
/// `wait` then returns as if woken (see `Condition.wait`).
pub(crate) fn give_up_at(py: Python<'_>, place: Place) -> bool {
    let wait = SUSPENDED.with_borrow(|waits| {
        waits
            .iter()
            .rev()
            .find(|(p, _)| *p == place)
            .map(|&(_, wait)| wait)
    });
    // SAFETY: a listed pointer is valid while it is listed (see
    // `Suspended::list`), and this runs on the listing thread.
    wait.is_some_and(|wait| unsafe { &*wait }.give_up(py))
}

/// Waits the Python way on a wait queued once for its whole length (a
/// condition's, which keeps its place in the notify order):
/// `slice(queued, until)` without the GIL, one slice at a time; whether it
/// answered true before `deadline`. While signal handlers run between
/// slices, the wait is listed at `place`, the lock it takes back, for
/// [`give_up_at`]; a wait a handler ended that way counts as woken, and
/// `retake` (GIL-free) gets the lock back if the handler took this wait's
/// hold over (a mutex, which has no owner to hold it twice). Timed out, or
/// stopped by a handler's exception, the wait is dropped GIL-free.
pub(crate) fn wait_queued_at<W: Send>(
    py: Python<'_>,
    deadline: Option<Instant>,
    place: Place,
    queued: W,
    slice: fn(&mut W, Instant) -> bool,
    retake: impl Fn() + Send + Sync,
) -> PyResult<bool> {
    let slot = RefCell::new(Some(queued));
    loop {
        let until = slice_end(deadline);
        let done = {
            let mut held = slot.borrow_mut();
            let queued = held.as_mut().expect("a wait given up returns");
            py.detach(|| slice(queued, until))
        };
        if done || deadline.is_some_and(|d| until >= d) {
            slot.give_up(py);
            return Ok(done);
        }
        let checked = {
            let _listed = Suspended::list(place, &slot);
            py.check_signals()
        };
        let given_up = slot.borrow().is_none();
        if given_up {
            py.detach(&retake);
        }
        match checked {
            Err(e) => {
                slot.give_up(py);
                return Err(e);
            }
            Ok(()) if given_up => return Ok(true),
            Ok(()) => {}
        }
    }
}
