//! Taking: `pc_queue_take`, `pc_queue_peek` and `pc_queue_drain` (the
//! core's `drain_to` into the caller's array).

use std::ffi::c_void;
use std::time::Instant;

use super::kind::each;
use super::pc_queue;
use crate::elem::{check_buf, fast_or, with_elem, word, Elem};
use crate::ffi::{self, handle};
use crate::panic::boundary;
use crate::status::pc_status;
use crate::wait::PC_FOREVER;

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
    // SAFETY: `queue` is NULL or a live handle, and `out` NULL or writable
    // for its `elem_size` bytes (the caller's promise).
    unsafe {
        fast_or(
            queue,
            out,
            timeout_ns,
            [take_8::<true>, take_8::<false>],
            take_any,
        )
    }
}

/// The fast path's take, as `put_8`.
///
/// # Safety
/// `q`'s elements are 8 bytes; `out` is writable for them.
#[inline(never)]
unsafe extern "C" fn take_8<const FOREVER: bool>(q: &pc_queue, out: *mut c_void) -> pc_status {
    let timeout_ns = if FOREVER { PC_FOREVER } else { 0 };
    boundary(|| {
        // SAFETY: 8-byte elements (the caller's promise).
        let head = unsafe { word(q) }.take(timeout_ns)?;
        // SAFETY: `out` is writable for them (the caller's promise).
        unsafe { out.cast::<u64>().write_unaligned(head) };
        Ok(())
    })
}

/// `pc_queue_take`'s general path.
///
/// # Safety
/// As `pc_queue_take`.
#[inline(never)]
unsafe extern "C" fn take_any(
    queue: *const pc_queue,
    out: *mut c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        let s = &unsafe { handle(queue) }?.shared;
        check_buf(out, s.elem_size)?;
        with_elem!(&s.queue, k => {
            let head = k.take(timeout_ns)?;
            // SAFETY: `out` has room for the checked handle's `elem_size`
            // bytes (the caller's promise).
            unsafe { head.write_to(out.cast(), s.elem_size) }
        });
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
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        let s = &unsafe { handle(queue) }?.shared;
        check_buf(out, s.elem_size)?;
        with_elem!(&s.queue, k => {
            let head = k.peek()?;
            // SAFETY: as in `pc_queue_take`.
            unsafe { head.write_to(out.cast(), s.elem_size) }
        });
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
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        let s = &unsafe { handle(queue) }?.shared;
        // SAFETY: `n` is NULL or writable (the caller's promise).
        let n = unsafe { ffi::out(n) }?;
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
