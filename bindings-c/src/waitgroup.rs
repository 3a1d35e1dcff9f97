//! `pc_waitgroup`: the core's `WaitGroup` (Go's `sync.WaitGroup`).

use polyconc::sync::WaitGroup;

use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::pc_status;
use crate::wait::{core_wait, in_time};

/// A counter of tasks in flight: add the number of tasks, each calls
/// `pc_waitgroup_done`, and `pc_waitgroup_wait` returns once the counter is
/// zero. Where Go panics (a counter driven below zero) this returns
/// `PC_NEGATIVE_COUNT` and changes nothing. Whatever a task did before its
/// `done` is visible to the thread that wait returns to. Opaque; create it
/// with `pc_waitgroup_new`, release it with `pc_waitgroup_free`.
pub struct pc_waitgroup {
    group: WaitGroup,
}

/// Creates a wait group with a zero counter and writes its handle to
/// `*out`.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_waitgroup_new(out: *mut *mut pc_waitgroup) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_waitgroup {
            group: WaitGroup::new(),
        });
        Ok(())
    })
}

/// Releases a wait group; NULL does nothing. Nobody may be waiting on it.
///
/// # Safety
/// `group` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_waitgroup_free(group: *mut pc_waitgroup) {
    // SAFETY: `group` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(group) })
}

/// Adds `delta` (which may be negative) to the counter; reaching zero
/// releases every wait.
///
/// Returns `PC_OK`; `PC_NEGATIVE_COUNT` if the counter would go below zero
/// or past 2^32 - 1 (nothing changes); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `group` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_waitgroup_add(group: *const pc_waitgroup, delta: isize) -> pc_status {
    // SAFETY: `group` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(group) }?.group.add(delta)?))
}

/// Subtracts one from the counter: `pc_waitgroup_add(group, -1)`.
///
/// # Safety
/// `group` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_waitgroup_done(group: *const pc_waitgroup) -> pc_status {
    // SAFETY: `group` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(group) }?.group.done()?))
}

/// The counter now; 0 for NULL.
///
/// # Safety
/// `group` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_waitgroup_count(group: *const pc_waitgroup) -> usize {
    // SAFETY: `group` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(group) }?.group.count()))
}

/// Waits until the counter has been zero at some moment after the call
/// began. `timeout_ns` 0 only looks, `PC_FOREVER` waits as long as it
/// takes, any other value at most that many nanoseconds.
///
/// Returns `PC_OK`; `PC_TIMEOUT` if the timeout passed first;
/// `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `group` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_waitgroup_wait(
    group: *const pc_waitgroup,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `group` is NULL or a live handle (the caller's promise).
        let h = unsafe { handle(group) }?;
        in_time(h.group.wait_with(core_wait(timeout_ns)))
    })
}
