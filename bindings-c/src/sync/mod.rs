//! The locks, one file per C type: `pc_mutex` (`mutex.rs`, the core's
//! `RawMutex`, a lock without data that any thread may unlock, as C code
//! taking and releasing it in different calls needs), `pc_reentrant_lock`
//! (`reentrant.rs`, the core's `ReentrantLock`, owned by a thread) and
//! `pc_cond` (`cond.rs`, the core's `Condvar`, waiting on a `pc_mutex`),
//! `pc_spinlock` (`spin.rs`, the core's `RawSpinLock`) and `pc_rwlock`
//! (`rwlock.rs`, the core's `RawRwLock`).
//! Each export checks its pointers and calls the core; [`acquire`] turns
//! `timeout_ns` into the one way of taking a lock it names, for every lock.

use std::time::Duration;

use crate::status::Status;
use crate::wait::{in_time, Wait};

mod cond;
mod mutex;
mod reentrant;
mod rwlock;
mod spin;

pub use cond::{
    pc_cond, pc_cond_broadcast, pc_cond_free, pc_cond_new, pc_cond_signal, pc_cond_wait,
};
pub use mutex::{
    pc_mutex, pc_mutex_free, pc_mutex_is_locked, pc_mutex_lock, pc_mutex_new, pc_mutex_unlock,
};
pub use reentrant::{
    pc_reentrant_lock, pc_reentrant_lock_free, pc_reentrant_lock_hold_count,
    pc_reentrant_lock_is_locked, pc_reentrant_lock_lock, pc_reentrant_lock_new,
    pc_reentrant_lock_unlock,
};
pub use rwlock::{
    pc_rwlock, pc_rwlock_free, pc_rwlock_is_write_locked, pc_rwlock_lock_read,
    pc_rwlock_lock_write, pc_rwlock_new, pc_rwlock_readers, pc_rwlock_unlock_read,
    pc_rwlock_unlock_write,
};
pub use spin::{
    pc_spinlock, pc_spinlock_free, pc_spinlock_is_locked, pc_spinlock_lock, pc_spinlock_new,
    pc_spinlock_unlock,
};

/// The three ways a lock is taken.
trait Acquire {
    fn try_now(&self) -> bool;
    fn forever(&self);
    fn within(&self, timeout: Duration) -> bool;
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
