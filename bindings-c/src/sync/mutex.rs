//! `pc_mutex`: the core's `RawMutex`.

use polyconc::sync::RawMutex;

use super::{lock, lock_timeout, unlock};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::pc_status;

/// A mutual-exclusion lock. Opaque; create it with `pc_mutex_new`, release
/// it with `pc_mutex_free`. Any thread may unlock it (it is not tied to the
/// thread that locked it). An unlock wakes the first waiting thread; once
/// one has waited over about a millisecond, every unlock hands the lock to
/// the longest waiting thread (Go's starvation mode), so none waits for
/// ever while others keep taking it.
pub struct pc_mutex {
    pub(super) raw: RawMutex,
}

/// Creates an unlocked mutex and writes its handle to `*out`.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_new(out: *mut *mut pc_mutex) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_mutex {
            raw: RawMutex::new(),
        });
        Ok(())
    })
}

/// Releases a mutex; `pc_mutex_free(NULL)` does nothing. It may be locked,
/// but nobody may be waiting for it.
///
/// # Safety
/// `mutex` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_free(mutex: *mut pc_mutex) {
    // SAFETY: `mutex` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(mutex) })
}

/// Locks the mutex, waiting as long as it takes. Not reentrant: a thread
/// that locks a mutex it holds waits for itself for ever.
///
/// Returns `PC_OK` when this call took the lock; `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `mutex` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_lock(mutex: *const pc_mutex) -> pc_status {
    // SAFETY: `mutex` is NULL or a live handle (the caller's promise).
    lock(unsafe { handle(mutex) }.map(|m| &m.raw))
}

/// Locks the mutex, waiting at most `timeout_ns`: 0 takes it only if it is
/// free now, `PC_FOREVER` waits as long as it takes (as `pc_mutex_lock`),
/// any other value waits at most that many nanoseconds.
///
/// Returns `PC_OK` when this call took the lock; `PC_TIMEOUT` if it did
/// not (still held when the timeout passed, or held now for a timeout of
/// 0); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `mutex` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_lock_timeout(
    mutex: *const pc_mutex,
    timeout_ns: u64,
) -> pc_status {
    // SAFETY: `mutex` is NULL or a live handle (the caller's promise).
    lock_timeout(unsafe { handle(mutex) }.map(|m| &m.raw), timeout_ns)
}

/// Unlocks the mutex, from any thread, and lets a waiting thread take it.
///
/// Returns `PC_OK`; `PC_NOT_OWNER` if it was not locked (nothing changes);
/// `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `mutex` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_unlock(mutex: *const pc_mutex) -> pc_status {
    // SAFETY: `mutex` is NULL or a live handle (the caller's promise).
    unlock(unsafe { handle(mutex) }.map(|m| &m.raw))
}

/// Whether the mutex is locked now (by anyone); false for NULL. Only a
/// hint: it may change at once.
///
/// # Safety
/// `mutex` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_is_locked(mutex: *const pc_mutex) -> bool {
    // SAFETY: `mutex` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(mutex) }?.raw.is_locked()))
}
