//! Making a queue: `pc_queue_new`, `pc_queue_new_with_drop` and
//! `pc_queue_new_priority`, each a [`Spec`] the core's fallible
//! constructors build for the element type the size calls for.

use std::ffi::{c_int, c_void};
use std::sync::Arc;

use polyconc::queue::{
    ArrayBlockingQueue, CapacityError, DelayQueue, LinkedBlockingQueue, LinkedTransferQueue,
    PriorityBlockingQueue, SynchronousQueue,
};

use super::kind::{
    pc_queue_kind, Kind, Queues, PC_QUEUE_ARRAY, PC_QUEUE_DELAY, PC_QUEUE_LINKED,
    PC_QUEUE_PRIORITY, PC_QUEUE_SYNCHRONOUS, PC_QUEUE_TRANSFER,
};
use super::{pc_queue, AnyQueue, Shared};
use crate::callback::{pc_drop_fn, pc_free_fn, Ctx, DropFn};
use crate::chan::PC_UNBOUNDED;
use crate::elem::{Build, Elem};
use crate::ffi;
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_INVALID_ARG, PC_NO_MEMORY};

/// Orders two elements of a priority queue: negative if `a` leaves before
/// `b`, 0 if equal, positive if after. Called with the queue locked, on the
/// thread that puts, with pointers to the two elements' bytes and the
/// context given to `pc_queue_new_priority`; it must not use the queue and
/// must not unwind.
pub type pc_compare_fn =
    Option<unsafe extern "C" fn(a: *const c_void, b: *const c_void, ctx: *mut c_void) -> c_int>;

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
    // SAFETY: `out` is NULL or writable (the caller's promise).
    let out = unsafe { ffi::out(out) }?;
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
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { new_queue(elem_size, spec, None, out) }
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
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { new_queue(elem_size, spec, Some(on_drop), out) }
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
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { new_queue(elem_size, spec, DropFn::new(drop_fn, drop_ctx), out) }
    })
}
