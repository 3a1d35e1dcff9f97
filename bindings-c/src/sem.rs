//! `pc_sem`: the core's `Semaphore` (Java's), each acquire all-or-nothing.

use polyconc::sync::Semaphore;

use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::pc_status;
use crate::wait::{core_wait, in_time};

/// A counting semaphore. Opaque; create it with `pc_sem_new`, release it
/// with `pc_sem_free`. Any thread may release permits, whether or not it
/// acquired any. Waiting acquires are served in the order they came, each
/// only once all the permits it asked for are free at once.
pub struct pc_sem {
    sem: Semaphore,
}

/// Creates a semaphore with `permits` permits and writes its handle to
/// `*out`. On an unfair semaphore an acquire that finds its permits free
/// takes them even while others wait (faster); on a `fair` one it queues
/// behind them (an acquire with timeout 0 still takes free permits).
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_sem_new(
    permits: usize,
    fair: bool,
    out: *mut *mut pc_sem,
) -> pc_status {
    boundary(|| {
        let sem = if fair {
            Semaphore::fair(permits)
        } else {
            Semaphore::new(permits)
        };
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_sem { sem });
        Ok(())
    })
}

/// Releases a semaphore; NULL does nothing. Nobody may be waiting on it.
///
/// # Safety
/// `sem` is NULL or a live handle that no other thread is using and that is
/// not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_sem_free(sem: *mut pc_sem) {
    // SAFETY: `sem` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(sem) })
}

/// Takes `n` permits, all at once or none: it waits until all `n` are
/// free together (0 returns at once). `timeout_ns` 0 takes them only if
/// they are free now, `PC_FOREVER` waits as long as it takes, any other
/// value waits at most that many nanoseconds.
///
/// Returns `PC_OK` when this call took the `n` permits; `PC_TIMEOUT` when
/// it took none (not enough free when the timeout passed, or now for a
/// timeout of 0); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `sem` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_sem_acquire(
    sem: *const pc_sem,
    n: usize,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `sem` is NULL or a live handle (the caller's promise).
        let h = unsafe { handle(sem) }?;
        in_time(h.sem.acquire_with(n, core_wait(timeout_ns)))
    })
}

/// Adds `n` permits and lets waiting acquires go on, in order, as far as
/// the permits go.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` for NULL, or if the count would pass
/// `SIZE_MAX` (then none is added).
///
/// # Safety
/// `sem` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_sem_release(sem: *const pc_sem, n: usize) -> pc_status {
    // SAFETY: `sem` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(sem) }?.sem.release(n)?))
}

/// The permits free now; 0 for NULL. Only a hint: it may change at once.
///
/// # Safety
/// `sem` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_sem_available(sem: *const pc_sem) -> usize {
    // SAFETY: `sem` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(sem) }?.sem.available_permits()))
}

/// Takes every free permit and returns how many it took; 0 for NULL.
///
/// # Safety
/// `sem` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_sem_drain(sem: *const pc_sem) -> usize {
    // SAFETY: `sem` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(sem) }?.sem.drain_permits()))
}

/// How many acquires are waiting now; 0 for NULL. Only a hint: it may
/// change at once.
///
/// # Safety
/// `sem` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_sem_waiting(sem: *const pc_sem) -> usize {
    // SAFETY: `sem` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(sem) }?.sem.queue_length()))
}
