//! The lock-free buffers that buffered channels and the channel-backed
//! queues move values through: a [`Ring`] when the capacity is small
//! enough to allocate up front, a [`List`] of blocks when it is unbounded
//! or larger than that.
//!
//! Both move values without a lock; waiting is their user's (the
//! channel's `Inner::after`): an operation that must wait registers under
//! the user's lock, then re-checks readiness with [`Buffer::can_send`] or
//! [`Buffer::can_recv`]; an operation that made the other side ready tells
//! one registered waiter.

mod barrier;
mod list;
mod pause;
mod ring;

#[cfg(all(test, loom))]
mod loom_tests;

use std::ops::ControlFlow;

use list::List;
pub(crate) use ring::Ring;

use crate::loom::ValueCell;
pub(crate) use pause::Paused;

/// The capacity of an unbounded buffer.
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// Why a buffer operation did not happen.
pub(crate) enum Refused<T> {
    /// No room (a send) or no value (a receive).
    NotReady(T),
    Closed(T),
    /// The partner that makes room or a value has claimed its slot and not
    /// yet finished with it; wait for it to tell.
    Busy(T),
}

/// Head and tail as read at one moment each: equal snapshots taken before
/// and after some checks prove nothing moved in between (positions only grow).
pub(crate) type Snapshot = (usize, usize);

/// Capacities up to this are rings, allocated when the channel is made;
/// larger ones grow block by block as lists do. Under loom a capacity of 2
/// is already a list, so that the models check a bounded list too.
#[cfg(not(loom))]
const RING_AT_MOST: usize = 1 << 16;
#[cfg(loom)]
const RING_AT_MOST: usize = 1;

pub(crate) enum Buffer<T> {
    Ring(Ring<T>),
    List(List<T>),
}

impl<T> Buffer<T> {
    /// A buffer of `cap` values (or [`UNBOUNDED`]); `None` for a capacity
    /// of 0, which has no buffer. Fails with the number of slots it
    /// allocates up front if they cannot be had.
    pub(crate) fn new(cap: usize) -> Result<Option<Self>, usize> {
        let (buffer, slots) = match cap {
            0 => return Ok(None),
            c if c <= RING_AT_MOST => (Ring::try_new(c).map(Buffer::Ring), c),
            // Too big to allocate up front (it may be more than the machine
            // has), or unbounded: blocks come and go with the contents.
            c => (List::try_new(c).map(Buffer::List), List::<T>::BLOCK_CAP),
        };
        buffer.map(Some).ok_or(slots)
    }

    pub(crate) fn try_push(&self, value: T) -> Result<(), Refused<T>> {
        match self {
            Buffer::Ring(r) => r.try_push(value),
            Buffer::List(l) => l.try_push(value),
        }
    }

    /// As [`Buffer::try_push`], for a send that will wait if refused, and
    /// so need not learn whether the refusal was `Busy` (see
    /// `Ring::try_push_waiting`).
    pub(crate) fn try_push_waiting(&self, value: T) -> Result<(), Refused<T>> {
        match self {
            Buffer::Ring(r) => r.try_push_waiting(value),
            Buffer::List(l) => l.try_push(value),
        }
    }

    /// As [`Buffer::try_pop`], for a receive that will wait if refused,
    /// and so need not learn whether the refusal was `Busy`, or even
    /// `Closed`: it learns that when it looks again (see
    /// `Ring::try_pop_waiting`).
    pub(crate) fn try_pop_waiting(&self) -> Result<T, Refused<()>> {
        match self {
            Buffer::Ring(r) => r.try_pop_waiting(),
            Buffer::List(l) => l.try_pop(),
        }
    }

    pub(crate) fn try_pop(&self) -> Result<T, Refused<()>> {
        match self {
            Buffer::Ring(r) => r.try_pop(),
            Buffer::List(l) => l.try_pop(),
        }
    }

    /// Marks the buffer closed; true if this call did.
    pub(crate) fn close(&self) -> bool {
        match self {
            Buffer::Ring(r) => r.close(),
            Buffer::List(l) => l.close(),
        }
    }

    pub(crate) fn is_closed(&self) -> bool {
        match self {
            Buffer::Ring(r) => r.is_closed(),
            Buffer::List(l) => l.is_closed(),
        }
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        match self {
            Buffer::Ring(r) => r.snapshot(),
            Buffer::List(l) => l.snapshot(),
        }
    }

    /// Whether a receive can go on now without waiting to be told.
    pub(crate) fn can_recv(&self) -> bool {
        match self {
            Buffer::Ring(r) => r.can_recv(),
            Buffer::List(l) => l.can_recv(),
        }
    }

    /// Whether a send can go on now without waiting to be told.
    pub(crate) fn can_send(&self) -> bool {
        match self {
            Buffer::Ring(r) => r.can_send(),
            Buffer::List(l) => l.can_send(),
        }
    }

    /// Lends each buffered value to `f`, oldest first.
    ///
    /// # Safety
    /// No one sends or receives meanwhile.
    pub(crate) unsafe fn for_each(&self, mut f: impl FnMut(&T)) {
        let each = |cell: &ValueCell<T>| {
            // SAFETY: no one sends or receives meanwhile (this function's
            // contract), so the cell holds its value, untouched.
            unsafe { cell.with_value(&mut f) };
            ControlFlow::Continue(())
        };
        // SAFETY: no one sends or receives meanwhile (this function's
        // contract, which is the buffers').
        unsafe {
            match self {
                Buffer::Ring(r) => r.cells(each),
                Buffer::List(l) => l.cells(each),
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Buffer::Ring(r) => r.len(),
            Buffer::List(l) => l.len(),
        }
    }
}
