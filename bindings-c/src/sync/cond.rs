//! `pc_cond`: the core's `Condvar`, waiting on a `pc_mutex`.

use std::time::Duration;

use polyconc::sync::Condvar;

use super::mutex::pc_mutex;
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::pc_status;
use crate::wait::{in_time, Wait};

/// A condition variable: threads wait on it, with a `pc_mutex` they hold,
/// until another thread signals it (`pthread_cond_t`'s role). Opaque; create
/// it with `pc_cond_new`, release it with `pc_cond_free`.
pub struct pc_cond {
    cond: Condvar,
}

/// Creates a condition variable and writes its handle to `*out`.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_cond_new(out: *mut *mut pc_cond) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_cond {
            cond: Condvar::new(),
        });
        Ok(())
    })
}

/// Releases a condition variable; NULL does nothing. Nobody may be
/// waiting on it.
///
/// # Safety
/// `cond` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_cond_free(cond: *mut pc_cond) {
    // SAFETY: `cond` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(cond) })
}

/// Unlocks `mutex`, which the caller holds, waits until the condition is
/// signalled or `timeout_ns` passes (as for `pc_mutex_lock_timeout`; 0
/// gives the mutex up and takes it back at once), and locks `mutex` again
/// before it returns, whatever it returns but `PC_NOT_OWNER` and
/// `PC_INVALID_ARG`. Wait in a loop that re-checks what you wait for: a
/// signal says only that it may have changed.
///
/// Returns `PC_OK` when signalled; `PC_TIMEOUT` when the timeout passed
/// first; `PC_NOT_OWNER` (without waiting) if `mutex` is not locked (a
/// mutex locked by another thread is not told apart: it is released as if
/// the caller held it); `PC_INVALID_ARG` if either is NULL.
///
/// # Safety
/// `cond` and `mutex` are NULL or live handles.
#[no_mangle]
pub unsafe extern "C" fn pc_cond_wait(
    cond: *const pc_cond,
    mutex: *const pc_mutex,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `cond` and `mutex` are NULL or live handles (the
        // caller's promise).
        let (cond, raw) = unsafe { (&handle(cond)?.cond, &handle(mutex)?.raw.lock) };
        let timeout = match Wait::from_ns(timeout_ns) {
            Wait::Forever => return Ok(cond.wait_raw(raw)?),
            Wait::Try => Duration::ZERO,
            Wait::For(timeout) => timeout,
        };
        in_time(!cond.wait_raw_timeout(raw, timeout)?.timed_out())
    })
}

/// Wakes the thread that has waited longest on the condition, if any (it
/// returns from `pc_cond_wait` once it has the mutex again).
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `cond` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_cond_signal(cond: *const pc_cond) -> pc_status {
    boundary(|| {
        // SAFETY: `cond` is NULL or a live handle (the caller's promise).
        unsafe { handle(cond) }?.cond.notify_one();
        Ok(())
    })
}

/// Wakes every thread waiting on the condition (they return one at a time,
/// as the mutex frees up).
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `cond` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_cond_broadcast(cond: *const pc_cond) -> pc_status {
    boundary(|| {
        // SAFETY: `cond` is NULL or a live handle (the caller's promise).
        unsafe { handle(cond) }?.cond.notify_all();
        Ok(())
    })
}
