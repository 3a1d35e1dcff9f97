//! `pc_barrier`: the core's `CyclicBarrier` (Java's), without an action.

use polyconc::sync::CyclicBarrier;

use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::pc_status;
use crate::wait::core_wait;

/// `parties` threads wait for each other, then all go on together, and the
/// barrier is ready for the next round. A party whose wait times out
/// breaks it: that party gets `PC_TIMEOUT`, every other waiting party, and
/// every later one, `PC_BROKEN` until `pc_barrier_reset`. Opaque; create it
/// with `pc_barrier_new`, release it with `pc_barrier_free`.
pub struct pc_barrier {
    barrier: CyclicBarrier,
}

/// Creates a barrier for `parties` parties and writes its handle to `*out`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `out` is NULL, or `parties` is 0
/// or more than the core allows (2^61 - 1 on 64-bit targets).
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_barrier_new(parties: usize, out: *mut *mut pc_barrier) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        let out = unsafe { ffi::out(out) }?;
        out.write_handle(pc_barrier {
            barrier: CyclicBarrier::try_new(parties)?,
        });
        Ok(())
    })
}

/// Releases a barrier; NULL does nothing. Nobody may be waiting on it.
///
/// # Safety
/// `barrier` is NULL or a live handle that no other thread is using and
/// that is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_barrier_free(barrier: *mut pc_barrier) {
    // SAFETY: `barrier` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(barrier) })
}

/// Arrives at the barrier and waits until all parties have. `timeout_ns`
/// 0 trips the barrier if this party is the last and breaks it otherwise,
/// `PC_FOREVER` waits as long as it takes, any other value at most that
/// many nanoseconds. On `PC_OK`, writes this party's arrival index to
/// `*index` (if `index` is not NULL): `parties - 1` for the first to
/// arrive, 0 for the last.
///
/// Returns `PC_OK` when the round tripped; `PC_TIMEOUT` when this party's
/// timeout passed (it broke the barrier); `PC_BROKEN` when the barrier was
/// or became broken (another party timed out, or a reset); `PC_INVALID_ARG`
/// for a NULL `barrier`.
///
/// # Safety
/// `barrier` is NULL or a live handle; `index` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_barrier_wait(
    barrier: *const pc_barrier,
    timeout_ns: u64,
    index: *mut usize,
) -> pc_status {
    boundary(|| {
        // SAFETY: `barrier` is NULL or a live handle (the caller's promise).
        let arrived = unsafe { handle(barrier) }?
            .barrier
            .wait_with(core_wait(timeout_ns))?;
        // SAFETY: `index` is NULL or writable (the caller's promise).
        if let Ok(index) = unsafe { ffi::out(index) } {
            index.write(arrived);
        }
        Ok(())
    })
}

/// Breaks the current round (its waiters get `PC_BROKEN`) and starts a
/// fresh one: the barrier is no longer broken.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `barrier` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_barrier_reset(barrier: *const pc_barrier) -> pc_status {
    boundary(|| {
        // SAFETY: `barrier` is NULL or a live handle (the caller's promise).
        unsafe { handle(barrier) }?.barrier.reset();
        Ok(())
    })
}

/// The number of parties; 0 for NULL.
///
/// # Safety
/// `barrier` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_barrier_parties(barrier: *const pc_barrier) -> usize {
    // SAFETY: `barrier` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(barrier) }?.barrier.parties()))
}

/// The parties waiting in this round now (0 while broken); 0 for NULL.
///
/// # Safety
/// `barrier` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_barrier_waiting(barrier: *const pc_barrier) -> usize {
    // SAFETY: `barrier` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(barrier) }?.barrier.number_waiting()))
}

/// Whether the barrier is broken; false for NULL.
///
/// # Safety
/// `barrier` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_barrier_is_broken(barrier: *const pc_barrier) -> bool {
    // SAFETY: `barrier` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(barrier) }?.barrier.is_broken()))
}
