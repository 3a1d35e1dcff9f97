//! The locks: `pc_mutex` (the core's `RawMutex`, a lock without data that
//! any thread may unlock, as C code taking and releasing it in different
//! calls needs), `pc_reentrant_lock` (the core's `ReentrantLock`, owned by
//! a thread) and `pc_cond` (the core's `Condvar`, waiting on a `pc_mutex`).
//! Each export checks its pointers and calls the core; `acquire` turns
//! `timeout_ns` into the one way of taking a lock it names, for both locks.

use std::time::Duration;

use polyconc::sync::{Condvar, RawMutex, ReentrantLock};

use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status};
use crate::wait::{in_time, Wait};

/// The three ways a lock is taken.
trait Acquire {
    fn try_now(&self) -> bool;
    fn forever(&self);
    fn within(&self, timeout: Duration) -> bool;
}

impl Acquire for RawMutex {
    #[inline]
    fn try_now(&self) -> bool {
        self.try_lock()
    }
    #[inline]
    fn forever(&self) {
        self.lock()
    }
    fn within(&self, timeout: Duration) -> bool {
        self.lock_timeout(timeout)
    }
}

impl Acquire for ReentrantLock {
    fn try_now(&self) -> bool {
        self.try_lock()
    }
    fn forever(&self) {
        self.lock()
    }
    fn within(&self, timeout: Duration) -> bool {
        self.lock_timeout(timeout)
    }
}

/// Takes `lock` as `timeout_ns` says: `PC_TIMEOUT` when it was not taken.
#[inline]
fn acquire(lock: &impl Acquire, timeout_ns: u64) -> Result<(), Status> {
    let taken = match Wait::from_ns(timeout_ns) {
        Wait::Try => lock.try_now(),
        Wait::Forever => {
            lock.forever();
            true
        }
        Wait::For(timeout) => lock.within(timeout),
    };
    in_time(taken)
}

/// A mutual-exclusion lock. Opaque; create it with `pc_mutex_new`, release
/// it with `pc_mutex_free`. Any thread may unlock it (it is not tied to the
/// thread that locked it). An unlock wakes the first waiting thread; once
/// one has waited over about a millisecond, every unlock hands the lock to
/// the longest waiting thread (Go's starvation mode), so none waits for
/// ever while others keep taking it.
pub struct pc_mutex {
    raw: RawMutex,
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

/// Locks the mutex. `timeout_ns` 0 takes it only if it is free now,
/// `PC_FOREVER` waits as long as it takes, any other value waits at most
/// that many nanoseconds. Not reentrant: a thread that locks a mutex it
/// holds waits for itself (until its timeout).
///
/// Returns `PC_OK` when this call took the lock; `PC_TIMEOUT` if it did
/// not (still held when the timeout passed, or held now for a timeout of
/// 0); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `mutex` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_mutex_lock(mutex: *const pc_mutex, timeout_ns: u64) -> pc_status {
    // SAFETY: `mutex` is NULL or a live handle (the caller's promise).
    boundary(|| acquire(&unsafe { handle(mutex) }?.raw, timeout_ns))
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
    boundary(|| Ok(unsafe { handle(mutex) }?.raw.unlock()?))
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

/// Takes the lock for the calling thread, or takes it once more if that
/// thread holds it already (at once, whatever the timeout). `timeout_ns`
/// as for `pc_mutex_lock`.
///
/// Returns `PC_OK` when the calling thread holds it (one more hold);
/// `PC_TIMEOUT` if another thread still held it when the timeout passed
/// (or now, for a timeout of 0); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_reentrant_lock_lock(
    lock: *const pc_reentrant_lock,
    timeout_ns: u64,
) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    boundary(|| acquire(&unsafe { handle(lock) }?.lock, timeout_ns))
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
    boundary(|| Ok(unsafe { handle(lock) }?.lock.unlock()?))
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
/// signalled or `timeout_ns` passes (as for `pc_mutex_lock`; 0 gives the
/// mutex up and takes it back at once), and locks `mutex` again before it
/// returns, whatever it returns but `PC_NOT_OWNER` and `PC_INVALID_ARG`.
/// Wait in a loop that re-checks what you wait for: a signal says only
/// that it may have changed.
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
        let (cond, raw) = unsafe { (&handle(cond)?.cond, &handle(mutex)?.raw) };
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
