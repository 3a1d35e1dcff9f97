//! `pc_queue`: one handle for the core's six blocking queues. The kind is
//! chosen at creation; every export checks its pointers, converts its
//! timeout and calls the core's queue of that kind through [`each!`].

use std::ffi::{c_int, c_void};
use std::sync::Arc;
use std::time::{Duration, Instant};

use polyconc::queue::{
    ArrayBlockingQueue, BlockingQueue, CapacityError, DelayQueue, LinkedBlockingQueue,
    LinkedTransferQueue, PriorityBlockingQueue, SynchronousQueue,
};

use crate::callback::{pc_drop_fn, pc_free_fn, Ctx, DropFn};
use crate::chan::PC_UNBOUNDED;
use crate::elem::{check_buf, with_elem, Build, Elem, Erased, Family};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_CLOSED, PC_FULL, PC_INVALID_ARG, PC_NO_MEMORY};
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

/// Orders two elements of a priority queue: negative if `a` leaves before
/// `b`, 0 if equal, positive if after. Called with the queue locked, on the
/// thread that puts, with pointers to the two elements' bytes and the
/// context given to `pc_queue_new_priority`; it must not use the queue and
/// must not unwind.
pub type pc_compare_fn =
    Option<unsafe extern "C" fn(a: *const c_void, b: *const c_void, ctx: *mut c_void) -> c_int>;

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
            Kind::Array($q) => $fifo,
            Kind::Linked($q) => $fifo,
            Kind::Synchronous($q) => $fifo,
            Kind::Priority($q) => $fifo,
            Kind::Transfer($q) => $fifo,
            Kind::Delay($d) => $delay,
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

/// A C comparator and its context, which the queue owns.
struct Comparator {
    compare: unsafe extern "C" fn(*const c_void, *const c_void, *mut c_void) -> c_int,
    ctx: Ctx,
}

/// What `pc_queue_new*` asked for.
struct Spec {
    kind: pc_queue_kind,
    capacity: usize,
    fair: bool,
    /// The priority queue's comparator.
    compare: Option<Comparator>,
}

impl Build<Queues> for Spec {
    fn build<T: Elem>(self) -> Result<Kind<T>, Status> {
        Ok(match (self.kind, self.compare) {
            (PC_QUEUE_ARRAY, None) if self.fair => {
                Kind::Array(ArrayBlockingQueue::try_fair(self.capacity)?)
            }
            (PC_QUEUE_ARRAY, None) => Kind::Array(ArrayBlockingQueue::try_new(self.capacity)?),
            (PC_QUEUE_LINKED, None) => Kind::Linked(LinkedBlockingQueue::try_new(self.capacity)?),
            (PC_QUEUE_SYNCHRONOUS, None) if self.fair => {
                Kind::Synchronous(SynchronousQueue::fair())
            }
            (PC_QUEUE_SYNCHRONOUS, None) => Kind::Synchronous(SynchronousQueue::new()),
            (PC_QUEUE_DELAY, None) => Kind::Delay(DelayQueue::new()),
            (PC_QUEUE_TRANSFER, None) => Kind::Transfer(LinkedTransferQueue::new()),
            (PC_QUEUE_PRIORITY, Some(c)) => {
                Kind::Priority(PriorityBlockingQueue::with_comparator(
                    move |a: &T, b: &T| {
                        // SAFETY: the comparator and its context were given
                        // together; the elements' bytes live for the call.
                        let order =
                            unsafe { (c.compare)(a.bytes().cast(), b.bytes().cast(), c.ctx.ptr()) };
                        order.cmp(&0)
                    },
                ))
            }
            _ => return Err(Status::of(PC_INVALID_ARG)),
        })
    }
}

impl From<CapacityError> for Status {
    fn from(e: CapacityError) -> Self {
        match e {
            CapacityError::Zero => Status::of(PC_INVALID_ARG),
            _ => Status::of(PC_NO_MEMORY),
        }
    }
}

/// Inserts as `timeout_ns` says.
#[inline]
fn insert<U>(q: &impl BlockingQueue<U>, value: U, timeout_ns: u64) -> Result<(), Status> {
    match Wait::from_ns(timeout_ns) {
        Wait::Try => q.add(value)?,
        Wait::Forever => q.put(value)?,
        Wait::For(timeout) => q.offer_timeout(value, timeout)?,
    }
    Ok(())
}

/// Removes the head as `timeout_ns` says.
#[inline]
fn extract<U>(q: &impl BlockingQueue<U>, timeout_ns: u64) -> Result<U, Status> {
    Ok(match Wait::from_ns(timeout_ns) {
        Wait::Try => q.remove()?,
        Wait::Forever => q.take()?,
        Wait::For(timeout) => q.poll_timeout(timeout)?,
    })
}

/// The C array `pc_queue_drain` fills, one element after the other.
struct Filling {
    next: *mut u8,
    size: usize,
}

impl Filling {
    fn push<T: Elem>(&mut self, elem: T) {
        // SAFETY: `pc_queue_drain`'s contract: room for `max` elements, and
        // the core extends by at most `max`.
        unsafe {
            elem.write_to(self.next, self.size);
            self.next = self.next.add(self.size);
        }
    }
}

impl<T: Elem> Extend<T> for Filling {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        items.into_iter().for_each(|e| self.push(e));
    }
}

impl<T: Elem> Extend<(Instant, T)> for Filling {
    fn extend<I: IntoIterator<Item = (Instant, T)>>(&mut self, items: I) {
        items.into_iter().for_each(|(_, e)| self.push(e));
    }
}

impl<T: Elem> Kind<T> {
    fn put(&self, value: T, timeout_ns: u64) -> Result<(), Status> {
        each!(self, q => insert(q, value, timeout_ns), d => insert(d, (Instant::now(), value), timeout_ns))
    }

    fn take(&self, timeout_ns: u64) -> Result<T, Status> {
        each!(self, q => extract(q, timeout_ns), d => Ok(extract(d, timeout_ns)?.1))
    }

    fn peek(&self) -> Result<T, Status> {
        each!(self, q => Ok(q.element()?), d => Ok(d.element()?.1))
    }

    /// Every element left, in removal order, to `on_drop`.
    fn drop_all(&self, on_drop: &DropFn) {
        each!(self,
            q => q.to_vec().iter().for_each(|e| on_drop.call(e)),
            d => d.to_vec().iter().for_each(|(_, e)| on_drop.call(e)))
    }

    /// Removes every element; each one this call removed goes to `on_drop`.
    fn clear(&self, on_drop: Option<&DropFn>) {
        let Some(on_drop) = on_drop else {
            return each!(self, q => q.clear());
        };
        // The core's `clear` gives nothing back: remove what a snapshot
        // saw, one element at a time (in a FIFO queue each is the head).
        each!(self,
            q => q.to_vec().iter().filter(|e| q.remove_item(e)).for_each(|e| on_drop.call(e)),
            d => d.to_vec().iter().filter(|e| d.remove_item(e)).for_each(|(_, e)| on_drop.call(e)))
    }
}

type AnyQueue = Erased<Queues>;

/// What every handle of a queue shares.
struct Shared {
    queue: AnyQueue,
    elem_size: usize,
    on_drop: Option<DropFn>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(on_drop) = &self.on_drop {
            with_elem!(&self.queue, k => k.drop_all(on_drop))
        }
    }
}

/// A handle to a blocking queue of fixed-size elements, copied in and out
/// by value. Opaque; create it with `pc_queue_new` (or `_new_with_drop`,
/// `_new_priority`), release it with `pc_queue_free`. Every kind has every
/// operation; `pc_queue_put_delayed` and `pc_queue_transfer` are for their
/// own kinds.
#[derive(Clone)]
pub struct pc_queue {
    shared: Arc<Shared>,
}

/// `pc_queue_new*`.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn new_queue(
    elem_size: usize,
    spec: Spec,
    on_drop: Option<DropFn>,
    out: *mut *mut pc_queue,
) -> Result<(), Status> {
    let out = ffi::out(out)?;
    let queue = AnyQueue::new(elem_size, spec)?;
    out.write_handle(pc_queue {
        shared: Arc::new(Shared {
            queue,
            elem_size,
            on_drop,
        }),
    });
    Ok(())
}

/// Creates a queue of `kind` (any `PC_QUEUE_*` but `PC_QUEUE_PRIORITY`)
/// for elements of `elem_size` bytes (0 allowed) and writes its handle to
/// `*out`. `capacity` counts for `PC_QUEUE_ARRAY` (at least 1) and
/// `PC_QUEUE_LINKED` (at least 1, or `PC_UNBOUNDED`); `fair` for
/// `PC_QUEUE_ARRAY` and `PC_QUEUE_SYNCHRONOUS`. Both are ignored for the
/// other kinds.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `out` is NULL, `kind` is not one
/// of these, `capacity` is 0 where it counts, or `elem_size` is larger than
/// any object can be; `PC_NO_MEMORY` if the room allocated now cannot be
/// had.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_new(
    kind: pc_queue_kind,
    elem_size: usize,
    capacity: usize,
    fair: bool,
    out: *mut *mut pc_queue,
) -> pc_status {
    boundary(|| {
        let spec = Spec {
            kind,
            capacity,
            fair,
            compare: None,
        };
        new_queue(elem_size, spec, None, out)
    })
}

/// As `pc_queue_new`, and `drop_fn(elem, drop_ctx)` is called for every
/// element left when the queue's last handle is freed (on that thread), and
/// for every element `pc_queue_clear` removes (on its thread), so that
/// pointer payloads do not leak. Elements a failed or timed-out put did not
/// insert stay the caller's and are not passed to it.
///
/// Returns `PC_INVALID_ARG` if `drop_fn` is NULL, else as `pc_queue_new`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_new_with_drop(
    kind: pc_queue_kind,
    elem_size: usize,
    capacity: usize,
    fair: bool,
    drop_fn: pc_drop_fn,
    drop_ctx: *mut c_void,
    out: *mut *mut pc_queue,
) -> pc_status {
    boundary(|| {
        let on_drop = DropFn::new(drop_fn, drop_ctx).ok_or(Status::of(PC_INVALID_ARG))?;
        let spec = Spec {
            kind,
            capacity,
            fair,
            compare: None,
        };
        new_queue(elem_size, spec, Some(on_drop), out)
    })
}

/// Creates a `PC_QUEUE_PRIORITY` queue ordered by `compare(a, b, ctx)`
/// (smallest first, FIFO among equals) and writes its handle to `*out`.
/// The queue owns `ctx`: `ctx_free(ctx)` (if not NULL) is called exactly
/// once, when the last handle is freed, or before this call returns if it
/// fails. `drop_fn` (NULL for none) and `drop_ctx` as for
/// `pc_queue_new_with_drop`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `compare` or `out` is NULL, or
/// `elem_size` is larger than any object can be.
///
/// # Safety
/// `out` is NULL or writable; `compare`, `ctx_free` and `drop_fn` may be
/// called from any thread that uses or frees the queue.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_new_priority(
    elem_size: usize,
    compare: pc_compare_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    drop_fn: pc_drop_fn,
    drop_ctx: *mut c_void,
    out: *mut *mut pc_queue,
) -> pc_status {
    boundary(|| {
        let ctx = Ctx::new(ctx, ctx_free);
        let compare = compare.ok_or(Status::of(PC_INVALID_ARG))?;
        let spec = Spec {
            kind: PC_QUEUE_PRIORITY,
            capacity: PC_UNBOUNDED,
            fair: false,
            compare: Some(Comparator { compare, ctx }),
        };
        new_queue(elem_size, spec, DropFn::new(drop_fn, drop_ctx), out)
    })
}

/// Writes to `*out` another handle to the same queue (to be freed on its
/// own). The queue lives until its last handle is freed.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `queue` or `out` is NULL.
///
/// # Safety
/// `queue` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_clone(
    queue: *const pc_queue,
    out: *mut *mut pc_queue,
) -> pc_status {
    boundary(|| {
        let q = handle(queue)?;
        ffi::out(out)?.write_handle(q.clone());
        Ok(())
    })
}

/// Releases a handle; NULL does nothing. Freeing does not close the queue.
/// When this was the last handle, the queue and its elements are released
/// (through the drop callback, if it has one).
///
/// # Safety
/// `queue` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_free(queue: *mut pc_queue) {
    boundary(|| free_handle(queue))
}

/// The queue behind `queue`, once it and the element buffer `elem` are
/// checked: the opening `pc_queue_put`, `pc_queue_put_delayed` and
/// `pc_queue_transfer` share.
///
/// # Safety
/// As `pc_queue_put`.
unsafe fn put_target<'a>(
    queue: *const pc_queue,
    elem: *const c_void,
) -> Result<&'a Shared, Status> {
    let s = &handle(queue)?.shared;
    check_buf(elem, s.elem_size)?;
    Ok(s)
}

/// Puts the `elem_size` bytes at `elem` (copied; NULL allowed only when
/// `elem_size` is 0). `timeout_ns` 0 is Java's `offer` (inserts only if it
/// can at once), `PC_FOREVER` is `put` (waits for room as long as it
/// takes), any other value waits at most that many nanoseconds. A
/// synchronous queue inserts only into the hands of a waiting (or, within
/// the timeout, arriving) taker; a delay queue's element may leave at once.
///
/// Returns `PC_OK`; `PC_FULL` (timeout 0) if it would have had to wait;
/// `PC_TIMEOUT` when the timeout passed; `PC_CLOSED` if the queue is or
/// becomes closed; `PC_INVALID_ARG` for a NULL `queue` or `elem`;
/// `PC_NO_MEMORY` if an element over 16 bytes cannot be allocated. On any
/// failure nothing was inserted and the element is still the caller's.
///
/// # Safety
/// `queue` is NULL or a live handle; `elem` is NULL or readable for the
/// queue's `elem_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_put(
    queue: *const pc_queue,
    elem: *const c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        let s = put_target(queue, elem)?;
        with_elem!(&s.queue, k => k.put(Elem::read(elem.cast(), s.elem_size)?, timeout_ns))
    })
}

/// Puts an element into a `PC_QUEUE_DELAY` queue that may leave it only
/// `delay_ns` nanoseconds from now (never waits: the queue is unbounded).
///
/// Returns `PC_OK`; `PC_CLOSED` if the queue is closed; `PC_INVALID_ARG`
/// for a NULL `queue` or `elem`, a queue of another kind, or a delay past
/// what the clock can hold; `PC_NO_MEMORY` as for `pc_queue_put`.
///
/// # Safety
/// As `pc_queue_put`.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_put_delayed(
    queue: *const pc_queue,
    elem: *const c_void,
    delay_ns: u64,
) -> pc_status {
    boundary(|| {
        let s = put_target(queue, elem)?;
        let due = Instant::now()
            .checked_add(Duration::from_nanos(delay_ns))
            .ok_or(Status::of(PC_INVALID_ARG))?;
        with_elem!(&s.queue, k => match k {
            Kind::Delay(d) => Ok(d.put((due, Elem::read(elem.cast(), s.elem_size)?))?),
            _ => Err(Status::of(PC_INVALID_ARG)),
        })
    })
}

/// Hands an element to a consumer of a `PC_QUEUE_TRANSFER` queue
/// (`transfer`): `timeout_ns` 0 only to a consumer waiting now (Java's
/// `tryTransfer`), `PC_FOREVER` inserts it and waits until a consumer has
/// received it, any other value waits at most that long and then takes the
/// element back out.
///
/// Returns `PC_OK` once a consumer has it; `PC_FULL` (timeout 0) if no
/// consumer was waiting; `PC_TIMEOUT` when none took it in time;
/// `PC_CLOSED` if the queue is or becomes closed; `PC_INVALID_ARG` for a
/// NULL `queue` or `elem`, or a queue of another kind. On any failure the
/// element is not in the queue and is still the caller's.
///
/// # Safety
/// As `pc_queue_put`.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_transfer(
    queue: *const pc_queue,
    elem: *const c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        let s = put_target(queue, elem)?;
        with_elem!(&s.queue, k => {
            let Kind::Transfer(q) = k else {
                return Err(Status::of(PC_INVALID_ARG));
            };
            let value = Elem::read(elem.cast(), s.elem_size)?;
            match Wait::from_ns(timeout_ns) {
                Wait::Try => q
                    .try_transfer(value)
                    .map_err(|_| Status::of(if q.is_closed() { PC_CLOSED } else { PC_FULL })),
                Wait::Forever => Ok(q.transfer(value)?),
                Wait::For(timeout) => Ok(q.try_transfer_timeout(value, timeout)?),
            }
        })
    })
}

/// Takes the head into the `elem_size` bytes at `out` (NULL allowed only
/// when `elem_size` is 0). `timeout_ns` 0 is Java's `poll` (only if there
/// is one now), `PC_FOREVER` is `take`, any other value waits at most that
/// many nanoseconds. Elements put before a close are still taken. A delay
/// queue gives only elements whose delay has passed.
///
/// Returns `PC_OK` (only then is `out` written); `PC_EMPTY` (timeout 0) if
/// there was none; `PC_TIMEOUT` when the timeout passed; `PC_CLOSED` when
/// the queue is closed and drained; `PC_INVALID_ARG` for a NULL `queue` or
/// `out`.
///
/// # Safety
/// `queue` is NULL or a live handle; `out` is NULL or writable for the
/// queue's `elem_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_take(
    queue: *const pc_queue,
    out: *mut c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        let s = &handle(queue)?.shared;
        check_buf(out, s.elem_size)?;
        with_elem!(&s.queue, k => k.take(timeout_ns)?.write_to(out.cast(), s.elem_size));
        Ok(())
    })
}

/// Copies the head to `out` without removing it (a delay queue's head even
/// before its delay has passed).
///
/// Returns `PC_OK`; `PC_EMPTY` if there is none; `PC_CLOSED` if the queue
/// is closed and drained; `PC_INVALID_ARG` for a NULL `queue` or `out`.
///
/// # Safety
/// As `pc_queue_take`.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_peek(queue: *const pc_queue, out: *mut c_void) -> pc_status {
    boundary(|| {
        let s = &handle(queue)?.shared;
        check_buf(out, s.elem_size)?;
        with_elem!(&s.queue, k => k.peek()?.write_to(out.cast(), s.elem_size));
        Ok(())
    })
}

/// Takes up to `max` elements that are there now, without waiting, into
/// the array at `out` (room for `max` elements of `elem_size` bytes), in
/// removal order, and writes how many to `*n`.
///
/// Returns `PC_OK` (also when none was there: `*n` is 0); `PC_INVALID_ARG`
/// for a NULL `queue` or `n`, or a NULL `out` with `max` elements of more
/// than 0 bytes.
///
/// # Safety
/// `queue` is NULL or a live handle; `out` is NULL or writable for `max *
/// elem_size` bytes; `n` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_drain(
    queue: *const pc_queue,
    out: *mut c_void,
    max: usize,
    n: *mut usize,
) -> pc_status {
    boundary(|| {
        let s = &handle(queue)?.shared;
        let n = ffi::out(n)?;
        if max > 0 {
            check_buf(out, s.elem_size)?;
        }
        let mut filling = Filling {
            next: out.cast(),
            size: s.elem_size,
        };
        n.write(with_elem!(&s.queue, k => each!(k, q => q.drain_to(&mut filling, max))));
        Ok(())
    })
}

/// How many elements the queue holds now (a delay queue: expired or not);
/// 0 for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_len(queue: *const pc_queue) -> usize {
    boundary(|| Ok(with_elem!(&handle(queue)?.shared.queue, k => each!(k, q => q.len()))))
}

/// How many more elements fit now: `PC_UNBOUNDED` for the unbounded kinds,
/// 0 for a synchronous queue (and for NULL).
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_remaining_capacity(queue: *const pc_queue) -> usize {
    boundary(|| {
        let room =
            with_elem!(&handle(queue)?.shared.queue, k => each!(k, q => q.remaining_capacity()));
        Ok(room.unwrap_or(PC_UNBOUNDED))
    })
}

/// Removes every element, each one passed to the drop callback if the
/// queue has one (elements put meanwhile by other threads may stay).
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_clear(queue: *const pc_queue) -> pc_status {
    boundary(|| {
        let s = &handle(queue)?.shared;
        with_elem!(&s.queue, k => k.clear(s.on_drop.as_ref()));
        Ok(())
    })
}

/// Closes the queue (beyond Java: the channel's end of stream): later puts
/// fail with `PC_CLOSED`, takes get what is left and then `PC_CLOSED`, and
/// every waiting thread wakes.
///
/// Returns `PC_OK` if this call closed it, `PC_CLOSED` if it was closed
/// already, `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_close(queue: *const pc_queue) -> pc_status {
    boundary(|| {
        if with_elem!(&handle(queue)?.shared.queue, k => each!(k, q => q.close())) {
            Ok(())
        } else {
            Err(Status::of(PC_CLOSED))
        }
    })
}

/// Whether the queue has been closed (elements may remain); false for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_is_closed(queue: *const pc_queue) -> bool {
    boundary(|| Ok(with_elem!(&handle(queue)?.shared.queue, k => each!(k, q => q.is_closed()))))
}

/// The element size given at creation; 0 for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_elem_size(queue: *const pc_queue) -> usize {
    boundary(|| Ok(handle(queue)?.shared.elem_size))
}
