//! `pc_reentrant_lock`: the core's `ReentrantLock` (Java's).

use polyconc::sync::ReentrantLock;

use super::{lock_timeout, unlock};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::pc_status;

/// A lock owned by the thread that took it, which may take it again: it
/// counts the holds and is free only after as many unlocks (Java's
/// `ReentrantLock`). Opaque; create it with `pc_reentrant_lock_new`,
/// release it with `pc_reentrant_lock_free`.
pub struct pc_reentrant_lock {
    lock: ReentrantLock,
}

/// Creates a free reentrant lock and writes its handle to `*out`. A `fair`
/// lock is handed to its waiting threads in the order they came (a
/// `timeout_ns` 0 lock still takes it whenever it is free); an unfair one
/// lets a running thread take it first, which is faster.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_new(
    fair: bool,
    out: *mut *mut pc_reentrant_lock,
) -> pc_status {
    boundary(|| {
        let lock = if fair {
            ReentrantLock::fair()
        } else {
            ReentrantLock::new()
        };
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_reentrant_lock { lock });
        Ok(())
    })
}

/// Releases a reentrant lock; NULL does nothing. It may be held, but
/// nobody may be waiting for it.
///
/// # Safety
/// `lock` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_free(lock: *mut pc_reentrant_lock) {
    // SAFETY: `lock` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(lock) })
}

/// Takes the lock for the calling thread, waiting as long as it takes, or
/// takes it once more at once if that thread holds it already.
///
/// Returns `PC_OK` when the calling thread holds it (one more hold);
/// `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_lock(lock: *const pc_reentrant_lock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    super::lock(unsafe { handle(lock) }.map(|l| &l.lock))
}

/// As `pc_reentrant_lock_lock`, waiting at most `timeout_ns` for another
/// thread to let it go (a thread that holds it takes it again at once,
/// whatever the timeout); `timeout_ns` as for `pc_mutex_lock_timeout`.
///
/// Returns `PC_OK` when the calling thread holds it (one more hold);
/// `PC_TIMEOUT` if another thread still held it when the timeout passed
/// (or now, for a timeout of 0); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_lock_timeout(
    lock: *const pc_reentrant_lock,
    timeout_ns: u64,
) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    lock_timeout(unsafe { handle(lock) }.map(|l| &l.lock), timeout_ns)
}

/// Gives up one hold of the calling thread; the last one frees the lock
/// and lets a waiting thread take it.
///
/// Returns `PC_OK`; `PC_NOT_OWNER` if the calling thread does not hold it
/// (nothing changes); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_unlock(lock: *const pc_reentrant_lock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    unlock(unsafe { handle(lock) }.map(|l| &l.lock))
}

/// How many holds the calling thread has (0 when it does not hold the
/// lock, and for NULL).
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_hold_count(lock: *const pc_reentrant_lock) -> usize {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(lock) }?.lock.hold_count()))
}

/// Whether any thread holds the lock now; false for NULL. Only a hint: it
/// may change at once.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_is_locked(lock: *const pc_reentrant_lock) -> bool {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(lock) }?.lock.is_locked()))
}
