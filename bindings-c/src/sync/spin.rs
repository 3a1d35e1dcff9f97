//! `pc_spinlock`: the core's `RawSpinLock`.

use polyconc::sync::RawSpinLock;

use std::ffi::c_void;

use super::room::{self, Room, Roomy};
use super::{lock_timeout_trying_first, lock_trying_first, unlock};
use crate::ffi::{self, handle};
use crate::panic::boundary;
use crate::status::pc_status;

/// A lock for very short critical sections: a thread that finds it held
/// spins (yielding its CPU once the pauses grow long) and never sleeps, so
/// taking it after a short wait costs no wake-up, and a wait while the
/// holder is descheduled burns CPU time. Opaque; create it with
/// `pc_spinlock_new`, release it with `pc_spinlock_free`. Any thread may
/// unlock it. Not fair: a spinning thread may take it before one that has
/// waited longer. For sections that may block or run long, use `pc_mutex`.
/// `pc_spinlock_new_with_data` makes one with room for the data it guards.
pub struct pc_spinlock {
    raw: Room<RawSpinLock>,
}

impl Roomy for pc_spinlock {
    type Lock = RawSpinLock;
    fn room(&self) -> &Room<RawSpinLock> {
        &self.raw
    }
    fn of(raw: Room<RawSpinLock>) -> pc_spinlock {
        pc_spinlock { raw }
    }
}

/// Creates an unlocked spin lock and writes its handle to `*out`.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_new(out: *mut *mut pc_spinlock) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_spinlock::of(Room::bare(RawSpinLock::new())));
        Ok(())
    })
}

/// Creates an unlocked spin lock with room for `size` bytes of data aligned
/// to `align` right after the lock, as `pc_mutex_new_with_data` does for a
/// mutex; `pc_spinlock_data` finds it. The statuses as for
/// `pc_mutex_new_with_data`.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_new_with_data(
    size: usize,
    align: usize,
    out: *mut *mut pc_spinlock,
) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        room::write_with_data(unsafe { ffi::out(out) }?, RawSpinLock::new(), size, align)
    })
}

/// The data of a spin lock made by `pc_spinlock_new_with_data`, as
/// `pc_mutex_data`; NULL for NULL or a spin lock made by `pc_spinlock_new`.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_data(lock: *const pc_spinlock) -> *mut c_void {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    unsafe { handle(lock) }.map_or(std::ptr::null_mut(), room::data)
}

/// Releases a spin lock, as `pc_mutex_free` does a mutex.
///
/// # Safety
/// `lock` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_free(lock: *mut pc_spinlock) {
    // SAFETY: `lock` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { room::free(lock) })
}

/// Locks the spin lock, spinning while it is held, as long as it takes
/// (not reentrant either); the statuses as for `pc_mutex_lock`.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_lock(lock: *const pc_spinlock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    lock_trying_first(unsafe { handle(lock) })
}

/// Locks the spin lock, spinning at most `timeout_ns`; `timeout_ns` and the
/// statuses as for `pc_mutex_lock_timeout`.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_lock_timeout(
    lock: *const pc_spinlock,
    timeout_ns: u64,
) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    lock_timeout_trying_first(unsafe { handle(lock) }, timeout_ns)
}

/// Unlocks the spin lock, from any thread; the statuses as for
/// `pc_mutex_unlock` (`PC_NOT_OWNER` if it was not locked).
///
/// A look and then a plain store, so that an unlock costs no locked
/// instruction: an unlock of a lock found unlocked (a second unlock after
/// the first has returned, too) is `PC_NOT_OWNER`, but of two unlocks of
/// one hold made at the same instant, both may return `PC_OK`.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_unlock(lock: *const pc_spinlock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    unlock(unsafe { handle(lock) }.map(|l| &l.raw.lock))
}

/// Whether the spin lock is locked now (by anyone); false for NULL. Only a
/// hint: it may change at once.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_spinlock_is_locked(lock: *const pc_spinlock) -> bool {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(lock) }?.raw.lock.is_locked()))
}
