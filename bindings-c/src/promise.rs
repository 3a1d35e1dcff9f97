//! `pc_promise`: the core's `Promise`, completed once from C.

use std::ffi::{c_char, c_void, CStr};
use std::ptr::NonNull;

use polyconc::future::{promise_housed, Promise};

use crate::elem::{check_buf, map_elem, with_elem, Build, Elem, Erased, Family};
use crate::ffi::{self, handle};
use crate::future::{c_failure, pc_future};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_ALREADY_COMPLETED, PC_INVALID_ARG};

/// The core's promises, as an element family.
pub(crate) struct Promises;

impl Family for Promises {
    type Of<T: Elem> = Promise<T>;
}

/// The handles `pc_promise_new` makes, for every element type: each in
/// the allocation of its promise's state (housed by the core's
/// `promise_housed`), so that a promise is one allocation, as in Rust, not
/// two (the comparison's F3 makes one per hop). The handle owns the
/// promise, and no second reference to it is kept beside it.
struct Houses;

impl Family for Houses {
    type Of<T: Elem> = NonNull<pc_promise>;
}

/// A new promise's handle, of `elem_size`-byte values.
struct Empty {
    elem_size: usize,
}

impl Build<Houses> for Empty {
    fn build<T: Elem>(self) -> Result<NonNull<pc_promise>, Status> {
        // SAFETY: the handle holds the promise.
        Ok(unsafe {
            promise_housed(|p| pc_promise {
                promise: T::erase(p),
                elem_size: self.elem_size,
            })
        })
    }
}

/// The write side of a future: completed once, with a value or a failure.
/// Opaque; create it with `pc_promise_new`, release it with
/// `pc_promise_free` (a promise freed before it is completed leaves its
/// future pending for ever, as Scala's does).
pub struct pc_promise {
    promise: Erased<Promises>,
    elem_size: usize,
}

/// Creates a promise of a value of `elem_size` bytes (0 allowed) and
/// writes its handle to `*out`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `out` is NULL or `elem_size` is
/// larger than any object can be.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_promise_new(elem_size: usize, out: *mut *mut pc_promise) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        let out = unsafe { ffi::out(out) }?;
        let housed = Erased::<Houses>::new(elem_size, Empty { elem_size })?;
        out.write(with_elem!(housed, h => h.as_ptr()));
        Ok(())
    })
}

/// Releases a promise; NULL does nothing. Its futures stay valid.
///
/// # Safety
/// `promise` is NULL or a live handle that no other thread is using and
/// that is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_promise_free(promise: *mut pc_promise) {
    // SAFETY: `promise` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| {
        if !promise.is_null() {
            // SAFETY: live, used by nobody after this (the caller's
            // promise). Every `pc_promise` is housed (`pc_promise_new`):
            // moved out of its room first, as `promise_housed` asks, then
            // dropped, which may free the room.
            drop(unsafe { promise.read() });
        }
    })
}

/// Writes to `*out` a handle to the promise's future (freed on its own).
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `promise` or `out` is NULL.
///
/// # Safety
/// `promise` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_promise_future(
    promise: *const pc_promise,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        // SAFETY: `promise` is NULL or a live handle (the caller's promise).
        let p = unsafe { handle(promise) }?;
        // SAFETY: `out` is NULL or writable (the caller's promise).
        let out = unsafe { ffi::out(out) }?;
        pc_future::hand_out(out, map_elem!(&p.promise, p => p.future()), p.elem_size);
        Ok(())
    })
}

/// Completes the promise with the `elem_size` bytes at `value` (copied;
/// NULL allowed only for 0 bytes). Callbacks of its future are submitted to
/// their executors now.
///
/// Returns `PC_OK`; `PC_ALREADY_COMPLETED` if it was completed (or its
/// future cancelled or timed out) before: nothing changes;
/// `PC_INVALID_ARG` for a NULL `promise` or `value`; `PC_NO_MEMORY` if a
/// value over 16 bytes cannot be allocated.
///
/// # Safety
/// `promise` is NULL or a live handle; `value` is NULL or readable for
/// `elem_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn pc_promise_success(
    promise: *const pc_promise,
    value: *const c_void,
) -> pc_status {
    boundary(|| {
        // SAFETY: `promise` is NULL or a live handle (the caller's promise).
        let p = unsafe { handle(promise) }?;
        check_buf(value, p.elem_size)?;
        with_elem!(&p.promise, p2 => {
            // SAFETY: `value` is readable for the checked handle's
            // `elem_size` bytes (the caller's promise).
            let value = unsafe { Elem::read(value.cast(), p.elem_size) }?;
            p2.success(value).map_err(|_| Status::of(PC_ALREADY_COMPLETED))
        })
    })
}

/// Fails the promise with `code` (any value but 0) and a copy of
/// `message` (NULL for none); `pc_future_failure` reads both back.
///
/// Returns `PC_OK`; `PC_ALREADY_COMPLETED` if it was completed before
/// (nothing changes); `PC_INVALID_ARG` for a NULL `promise` or a `code` of
/// 0.
///
/// # Safety
/// `promise` is NULL or a live handle; `message` is NULL or a
/// NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn pc_promise_failure(
    promise: *const pc_promise,
    code: i32,
    message: *const c_char,
) -> pc_status {
    boundary(|| {
        // SAFETY: `promise` is NULL or a live handle (the caller's promise).
        let p = unsafe { handle(promise) }?;
        if code == 0 {
            return Err(Status::of(PC_INVALID_ARG));
        }
        // SAFETY: a message that is not NULL is NUL-terminated (the
        // caller's promise).
        let message =
            (!message.is_null()).then(|| unsafe { CStr::from_ptr(message) }.to_string_lossy());
        let failure = c_failure(code, message.as_deref());
        with_elem!(&p.promise, p => p
            .failure(failure)
            .map_err(|_| Status::of(PC_ALREADY_COMPLETED)))
    })
}
