//! The C ABI of polyconc (see include/polyconc.h, generated from this crate
//! by cbindgen). Every rule lives in the core; this crate converts
//! arguments and errors and keeps panics out of C, with one file per
//! concern:
//!
//! - `status.rs`: `pc_status` and the one mapping from core errors;
//! - `panic.rs`: the panic boundary every export runs in;
//! - `ffi.rs`: handles, out-pointers and `_free` for every `pc_*` type;
//! - `wait.rs`: `timeout_ns` to how the core waits;
//! - `elem.rs`: fixed-size elements as the core's typed values;
//! - one file per C type: `chan.rs`, `select.rs`, `sem.rs`, `latch.rs`,
//!   `barrier.rs`, `waitgroup.rs`, `exec.rs`, `promise.rs`; the locks in
//!   `sync/` (`mutex.rs`, `spin.rs`, `rwlock.rs`, `reentrant.rs`,
//!   `cond.rs`); the two larger types are folders split by concern:
//!   `queue/` (`kind.rs`, `new.rs`, `put.rs`, `take.rs`) and `future/`
//!   (the handle in `mod.rs`, `then.rs`, `join.rs`);
//! - `callback.rs`: the caller's callbacks, contexts and `ctx_free`.
#![allow(non_camel_case_types)]

mod barrier;
mod callback;
mod chan;
mod elem;
mod exec;
mod ffi;
mod future;
mod latch;
mod panic;
mod promise;
mod queue;
mod select;
mod sem;
mod status;
mod sync;
mod wait;
mod waitgroup;

use std::ffi::c_char;

pub use barrier::{
    pc_barrier, pc_barrier_free, pc_barrier_is_broken, pc_barrier_new, pc_barrier_parties,
    pc_barrier_reset, pc_barrier_wait, pc_barrier_waiting,
};
pub use callback::{pc_drop_fn, pc_free_fn};
pub use chan::{
    pc_chan, pc_chan_capacity, pc_chan_clone, pc_chan_close, pc_chan_elem_size, pc_chan_free,
    pc_chan_is_closed, pc_chan_len, pc_chan_new, pc_chan_new_with_drop, pc_chan_recv, pc_chan_send,
    PC_UNBOUNDED,
};
pub use exec::{
    pc_executor, pc_executor_free, pc_executor_global, pc_executor_shutdown, pc_executor_submit,
    pc_task_fn, pc_thread_pool_new,
};
pub use future::{
    pc_complete_fn, pc_flat_map_fn, pc_future, pc_future_cancel, pc_future_clone,
    pc_future_elem_size, pc_future_failure, pc_future_first_completed_of, pc_future_flat_map,
    pc_future_free, pc_future_is_completed, pc_future_map, pc_future_map_take,
    pc_future_on_complete, pc_future_or_timeout, pc_future_recover, pc_future_sequence,
    pc_future_sequence_take, pc_future_spawn, pc_future_wait, pc_future_zip, pc_map_fn,
    pc_recover_fn, pc_spawn_fn,
};
pub use latch::{
    pc_latch, pc_latch_count, pc_latch_count_down, pc_latch_free, pc_latch_new, pc_latch_wait,
};
pub use promise::{
    pc_promise, pc_promise_failure, pc_promise_free, pc_promise_future, pc_promise_new,
    pc_promise_success,
};
pub use queue::{
    pc_compare_fn, pc_queue, pc_queue_clear, pc_queue_clone, pc_queue_close, pc_queue_drain,
    pc_queue_elem_size, pc_queue_free, pc_queue_is_closed, pc_queue_kind, pc_queue_len,
    pc_queue_new, pc_queue_new_priority, pc_queue_new_with_drop, pc_queue_peek, pc_queue_put,
    pc_queue_put_delayed, pc_queue_remaining_capacity, pc_queue_take, pc_queue_transfer,
    PC_QUEUE_ARRAY, PC_QUEUE_DELAY, PC_QUEUE_LINKED, PC_QUEUE_PRIORITY, PC_QUEUE_SYNCHRONOUS,
    PC_QUEUE_TRANSFER,
};
pub use select::{
    pc_select, pc_select_case, pc_select_kind, PC_SELECT_DISABLED, PC_SELECT_RECV, PC_SELECT_SEND,
};
pub use sem::{
    pc_sem, pc_sem_acquire, pc_sem_available, pc_sem_drain, pc_sem_free, pc_sem_new,
    pc_sem_release, pc_sem_waiting,
};
pub use status::{
    pc_status, pc_status_str, PC_ALREADY_COMPLETED, PC_BROKEN, PC_CANCELLED, PC_CLOSED, PC_EMPTY,
    PC_FAILED, PC_FULL, PC_INVALID_ARG, PC_NEGATIVE_COUNT, PC_NOT_OWNER, PC_NO_MEMORY, PC_OK,
    PC_PANIC, PC_TIMEOUT,
};
pub use sync::{
    pc_cond, pc_cond_broadcast, pc_cond_free, pc_cond_new, pc_cond_signal, pc_cond_wait, pc_mutex,
    pc_mutex_data, pc_mutex_free, pc_mutex_is_locked, pc_mutex_lock, pc_mutex_lock_timeout,
    pc_mutex_new, pc_mutex_new_with_data, pc_mutex_unlock, pc_reentrant_lock,
    pc_reentrant_lock_free, pc_reentrant_lock_hold_count, pc_reentrant_lock_is_locked,
    pc_reentrant_lock_lock, pc_reentrant_lock_lock_timeout, pc_reentrant_lock_new,
    pc_reentrant_lock_unlock, pc_rwlock, pc_rwlock_free, pc_rwlock_is_write_locked,
    pc_rwlock_lock_read, pc_rwlock_lock_read_timeout, pc_rwlock_lock_write,
    pc_rwlock_lock_write_timeout, pc_rwlock_new, pc_rwlock_readers, pc_rwlock_unlock_read,
    pc_rwlock_unlock_write, pc_spinlock, pc_spinlock_data, pc_spinlock_free, pc_spinlock_is_locked,
    pc_spinlock_lock, pc_spinlock_lock_timeout, pc_spinlock_new, pc_spinlock_new_with_data,
    pc_spinlock_unlock,
};
pub use wait::PC_FOREVER;
pub use waitgroup::{
    pc_waitgroup, pc_waitgroup_add, pc_waitgroup_count, pc_waitgroup_done, pc_waitgroup_free,
    pc_waitgroup_new, pc_waitgroup_wait,
};

/// Major version of the library this header belongs to.
pub const PC_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const PC_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const PC_VERSION_PATCH: u32 = 0;

/// The library's version, e.g. `"0.1.0"` (static; never free it). Compare
/// with `PC_VERSION_MAJOR`/`MINOR`/`PATCH` to check that the header and the
/// library agree.
#[no_mangle]
pub extern "C" fn pc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constants_match_the_crate() {
        let v = |name: &str, s: &str| s.parse::<u32>().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            PC_VERSION_MAJOR,
            v("major", env!("CARGO_PKG_VERSION_MAJOR"))
        );
        assert_eq!(
            PC_VERSION_MINOR,
            v("minor", env!("CARGO_PKG_VERSION_MINOR"))
        );
        assert_eq!(
            PC_VERSION_PATCH,
            v("patch", env!("CARGO_PKG_VERSION_PATCH"))
        );
    }
}
