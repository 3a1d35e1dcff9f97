//! `pc_mutex`: the core's `RawMutex`.

use polyconc::sync::RawMutex;

use std::ffi::c_void;

use super::room::{self, Room, Roomy};
use super::{lock_timeout_trying_first, lock_trying_first, unlock_trying_first};
use crate::ffi::{self, handle};
use crate::panic::boundary;
use crate::status::pc_status;

/// A mutual-exclusion lock. Opaque; create it with `pc_mutex_new`, release
/// it with `pc_mutex_free`. Any thread may unlock it (it is not tied to the
/// thread that locked it). An unlock wakes the first waiting thread; once
/// one has waited over about a millisecond, every unlock hands the lock to
/// the longest waiting thread (Go's starvation mode), so none waits for
/// ever while others keep taking it. `pc_mutex_new_with_data` makes one
/// with room for the data it guards.
pub struct pc_mutex {
    pub(super) raw: Room<RawMutex>,
}

impl Roomy for pc_mutex {
    type Lock = RawMutex;
    fn room(&self) -> &Room<RawMutex> {
        &self.raw
    }
    fn of(raw: Room<RawMutex>) -> pc_mutex {
        pc_mutex { raw }
    }
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
        unsafe { ffi::out(out) }?.write_handle(pc_mutex::of(Room::bare(RawMutex::new())));
        Ok(())
    })
}

/// Creates an unlocked mutex with room for `size` bytes of data aligned to
/// `align`, right after the lock in the same allocation, and writes its
/// handle to `*out`. `pc_mutex_data` finds the data, zeroed at first; it
/// lives as long as the mutex. This is C's `Mutex<T>`: a thread that takes
/// the lock finds what it guards next to the lock word, not behind another
/// pointer (one cache miss instead of two when the lock changes threads).
///
/// ```c
/// struct account { int64_t balance; };
/// pc_mutex *m;
/// if (pc_mutex_new_with_data(sizeof(struct account), alignof(struct account), &m) != PC_OK)
///   abort();
/// struct account *a = pc_mutex_data(m);
/// pc_mutex_lock(m);
/// a->balance += 10;
/// pc_mutex_unlock(m);
/// pc_mutex_free(m);
/// ```
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `out` is NULL, `size` is 0,
/// `align` is not a power of two or `size` is too large to lay out;
/// `PC_NO_MEMORY` if the allocation fails. `*out` is written only on
/// success.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_new_with_data(
    size: usize,
    align: usize,
    out: *mut *mut pc_mutex,
) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        room::write_with_data(unsafe { ffi::out(out) }?, RawMutex::new(), size, align)
    })
}

/// The data of a mutex made by `pc_mutex_new_with_data`: `size` bytes
/// aligned to `align`, which the caller reads and writes (holding the lock,
/// as it chooses). NULL for NULL or a mutex made by `pc_mutex_new`.
///
/// # Safety
/// `mutex` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_data(mutex: *const pc_mutex) -> *mut c_void {
    // SAFETY: `mutex` is NULL or a live handle (the caller's promise).
    unsafe { handle(mutex) }.map_or(std::ptr::null_mut(), room::data)
}

/// Releases a mutex; `pc_mutex_free(NULL)` does nothing. It may be locked,
/// but nobody may be waiting for it. Its data, if it has room for any,
/// goes with it.
///
/// # Safety
/// `mutex` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_free(mutex: *mut pc_mutex) {
    // SAFETY: `mutex` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { room::free(mutex) })
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
    lock_trying_first(unsafe { handle(mutex) })
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
    lock_timeout_trying_first(unsafe { handle(mutex) }, timeout_ns)
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
    unlock_trying_first(unsafe { handle(mutex) })
}

/// Whether the mutex is locked now (by anyone); false for NULL. Only a
/// hint: it may change at once.
///
/// # Safety
/// `mutex` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_is_locked(mutex: *const pc_mutex) -> bool {
    // SAFETY: `mutex` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(mutex) }?.raw.lock.is_locked()))
}
