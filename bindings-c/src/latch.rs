//! `pc_latch`: the core's `CountDownLatch` (Java's).

use polyconc::sync::CountDownLatch;

use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::pc_status;
use crate::wait::{core_wait, in_time};

/// A count that only goes down; waits return once it is zero, and every
/// later wait returns at once. Opaque; create it with `pc_latch_new`,
/// release it with `pc_latch_free`. Whatever a thread did before its
/// `pc_latch_count_down` is visible to the threads that wait returns to.
pub struct pc_latch {
    latch: CountDownLatch,
}

/// Creates a latch that opens after `count` count-downs (at once for 0)
/// and writes its handle to `*out`.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_latch_new(count: usize, out: *mut *mut pc_latch) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_latch {
            latch: CountDownLatch::new(count),
        });
        Ok(())
    })
}

/// Releases a latch; NULL does nothing. Nobody may be waiting on it.
///
/// # Safety
/// `latch` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_latch_free(latch: *mut pc_latch) {
    // SAFETY: `latch` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(latch) })
}

/// Counts down by one (nothing once at zero); reaching zero releases every
/// waiter.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `latch` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_latch_count_down(latch: *const pc_latch) -> pc_status {
    boundary(|| {
        // SAFETY: `latch` is NULL or a live handle (the caller's promise).
        unsafe { handle(latch) }?.latch.count_down();
        Ok(())
    })
}

/// The count now; 0 for NULL.
///
/// # Safety
/// `latch` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_latch_count(latch: *const pc_latch) -> usize {
    // SAFETY: `latch` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(latch) }?.latch.count()))
}

/// Waits until the count is zero. `timeout_ns` 0 only looks, `PC_FOREVER`
/// waits as long as it takes, any other value at most that many
/// nanoseconds.
///
/// Returns `PC_OK` once the count is zero; `PC_TIMEOUT` if it was not when
/// the timeout passed; `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `latch` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_latch_wait(latch: *const pc_latch, timeout_ns: u64) -> pc_status {
    boundary(|| {
        // SAFETY: `latch` is NULL or a live handle (the caller's promise).
        let h = unsafe { handle(latch) }?;
        in_time(h.latch.wait_with(core_wait(timeout_ns)))
    })
}
