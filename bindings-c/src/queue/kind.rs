//! The six kinds behind one `pc_queue`: the kind constants C names them
//! by, the enum of the core's queues, [`each!`] to run code on whichever
//! kind a handle holds, and the operations every export reaches them by.

use std::time::Instant;

use polyconc::queue::{
    ArrayBlockingQueue, BlockingQueue, DelayQueue, LinkedBlockingQueue, LinkedTransferQueue,
    PriorityBlockingQueue, SynchronousQueue,
};

use crate::callback::DropFn;
use crate::elem::{Elem, Family};
use crate::status::Status;
use crate::wait::Wait;

/// Which of Java's blocking queues a `pc_queue` is.
pub type pc_queue_kind = i32;

/// Bounded FIFO (`ArrayBlockingQueue`); `capacity` at least 1. `fair`
/// serves blocked producers and consumers in arrival order.
pub const PC_QUEUE_ARRAY: pc_queue_kind = 1;
/// FIFO bounded by `capacity` (at least 1), or unbounded for
/// `PC_UNBOUNDED` (`LinkedBlockingQueue`).
pub const PC_QUEUE_LINKED: pc_queue_kind = 2;
/// No room at all: a put completes only when a take receives its element
/// (`SynchronousQueue`). `fair` serves waiting threads in arrival order.
pub const PC_QUEUE_SYNCHRONOUS: pc_queue_kind = 3;
/// Unbounded, smallest first by a comparator, FIFO among equals
/// (`PriorityBlockingQueue`); made by `pc_queue_new_priority`.
pub const PC_QUEUE_PRIORITY: pc_queue_kind = 4;
/// Unbounded; an element leaves only once its delay has passed, earliest
/// first (`DelayQueue`); see `pc_queue_put_delayed`.
pub const PC_QUEUE_DELAY: pc_queue_kind = 5;
/// Unbounded FIFO whose producers may wait for a consumer to receive their
/// element (`LinkedTransferQueue`); see `pc_queue_transfer`. Always fair.
pub const PC_QUEUE_TRANSFER: pc_queue_kind = 6;

/// One core queue of elements `T`, of any kind. The delay queue holds each
/// element with the instant it may leave.
pub(crate) enum Kind<T> {
    Array(ArrayBlockingQueue<T>),
    Linked(LinkedBlockingQueue<T>),
    Synchronous(SynchronousQueue<T>),
    Priority(PriorityBlockingQueue<T>),
    Delay(DelayQueue<(Instant, T)>),
    Transfer(LinkedTransferQueue<T>),
}

/// Runs `$fifo` with `$q` bound to the queue of any kind but the delay
/// queue, and `$delay` with `$d` bound to that one; the one-arm form runs
/// the same code for all six.
macro_rules! each {
    ($kind:expr, $q:ident => $fifo:expr, $d:ident => $delay:expr) => {
        match $kind {
            $crate::queue::kind::Kind::Array($q) => $fifo,
            $crate::queue::kind::Kind::Linked($q) => $fifo,
            $crate::queue::kind::Kind::Synchronous($q) => $fifo,
            $crate::queue::kind::Kind::Priority($q) => $fifo,
            $crate::queue::kind::Kind::Transfer($q) => $fifo,
            $crate::queue::kind::Kind::Delay($d) => $delay,
        }
    };
    ($kind:expr, $q:ident => $any:expr) => {
        each!($kind, $q => $any, $q => $any)
    };
}

/// The core's queues, as an element family.
pub(crate) struct Queues;

impl Family for Queues {
    type Of<T: Elem> = Kind<T>;
}

pub(super) use each;

/// Inserts as `timeout_ns` says.
#[inline(always)]
fn insert<U>(q: &impl BlockingQueue<U>, value: U, timeout_ns: u64) -> Result<(), Status> {
    match Wait::from_ns(timeout_ns) {
        Wait::Try => q.add(value)?,
        Wait::Forever => q.put(value)?,
        Wait::For(timeout) => q.offer_timeout(value, timeout)?,
    }
    Ok(())
}

/// Removes the head as `timeout_ns` says.
#[inline(always)]
fn extract<U>(q: &impl BlockingQueue<U>, timeout_ns: u64) -> Result<U, Status> {
    Ok(match Wait::from_ns(timeout_ns) {
        Wait::Try => q.remove()?,
        Wait::Forever => q.take()?,
        Wait::For(timeout) => q.poll_timeout(timeout)?,
    })
}

// `put` and `take` are always inlined, with `insert` and `extract`, so
// that the fast path's constant timeout (`put_8`, `take_8`) leaves one
// branch of each: callgrind, C1 on an array queue from C, per message: 243
// instructions with them called, 215 inlined (Rust's own: 161).
impl<T: Elem> Kind<T> {
    #[inline(always)]
    pub(super) fn put(&self, value: T, timeout_ns: u64) -> Result<(), Status> {
        each!(self, q => insert(q, value, timeout_ns), d => insert(d, (Instant::now(), value), timeout_ns))
    }

    #[inline(always)]
    pub(super) fn take(&self, timeout_ns: u64) -> Result<T, Status> {
        each!(self, q => extract(q, timeout_ns), d => Ok(extract(d, timeout_ns)?.1))
    }

    pub(super) fn peek(&self) -> Result<T, Status> {
        each!(self, q => Ok(q.element()?), d => Ok(d.element()?.1))
    }

    /// Removes every element (a delay queue's unexpired ones too), handing
    /// each to `on_drop` in removal order.
    pub(super) fn drain_into(&self, on_drop: &DropFn) {
        each!(self,
            q => q.drain_all().iter().for_each(|e| on_drop.call(e)),
            d => d.drain_all().iter().for_each(|(_, e)| on_drop.call(e)))
    }
}
