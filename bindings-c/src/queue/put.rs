//! Putting: `pc_queue_put` (any kind), `pc_queue_put_delayed` (the delay
//! queue) and `pc_queue_transfer` (the transfer queue).

use std::ffi::c_void;
use std::time::{Duration, Instant};

use super::kind::Kind;
use super::{pc_queue, Shared};
use crate::elem::{check_buf, fast_or, with_elem, word, Elem};
use crate::ffi::handle;
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_CLOSED, PC_FULL, PC_INVALID_ARG};
use crate::wait::{Wait, PC_FOREVER};

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
    // SAFETY: `queue` is NULL or a live handle (the caller's promise).
    let s = &unsafe { handle(queue) }?.shared;
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
    // SAFETY: `queue` is NULL or a live handle, and `elem` NULL or readable
    // for its `elem_size` bytes (the caller's promise).
    unsafe {
        fast_or(
            queue,
            elem,
            timeout_ns,
            [put_8::<true>, put_8::<false>],
            put_any,
        )
    }
}

/// The fast path's put: waits for ever if `FOREVER`, else tries once.
///
/// # Safety
/// `q`'s elements are 8 bytes; `elem` is readable for them.
#[inline(never)]
unsafe extern "C" fn put_8<const FOREVER: bool>(q: &pc_queue, elem: *const c_void) -> pc_status {
    let timeout_ns = if FOREVER { PC_FOREVER } else { 0 };
    // SAFETY: 8-byte elements, `elem` readable for them (the caller's
    // promise).
    boundary(|| unsafe { word(q).put(elem.cast::<u64>().read_unaligned(), timeout_ns) })
}

/// `pc_queue_put`'s general path.
///
/// # Safety
/// As `pc_queue_put`.
#[inline(never)]
unsafe extern "C" fn put_any(
    queue: *const pc_queue,
    elem: *const c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `queue` is NULL or live (the caller's promise).
        let s = unsafe { put_target(queue, elem) }?;
        // SAFETY: `elem` is readable for the checked handle's `elem_size`
        // bytes (the caller's promise).
        with_elem!(&s.queue, k => k.put(unsafe { Elem::read(elem.cast(), s.elem_size) }?, timeout_ns))
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
        // SAFETY: `queue` is NULL or live (the caller's promise).
        let s = unsafe { put_target(queue, elem) }?;
        let due = Instant::now()
            .checked_add(Duration::from_nanos(delay_ns))
            .ok_or(Status::of(PC_INVALID_ARG))?;
        with_elem!(&s.queue, k => match k {
            // SAFETY: as in `pc_queue_put`.
            Kind::Delay(d) => Ok(d.put((due, unsafe { Elem::read(elem.cast(), s.elem_size) }?))?),
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
        // SAFETY: `queue` is NULL or live (the caller's promise).
        let s = unsafe { put_target(queue, elem) }?;
        with_elem!(&s.queue, k => {
            let Kind::Transfer(q) = k else {
                return Err(Status::of(PC_INVALID_ARG));
            };
            // SAFETY: as in `pc_queue_put`.
            let value = unsafe { Elem::read(elem.cast(), s.elem_size) }?;
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
