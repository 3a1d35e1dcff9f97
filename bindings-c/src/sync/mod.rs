//! The locks, one file per C type: `pc_mutex` (`mutex.rs`, the core's
//! `RawMutex`, a lock without data that any thread may unlock, as C code
//! taking and releasing it in different calls needs), `pc_reentrant_lock`
//! (`reentrant.rs`, the core's `ReentrantLock`, owned by a thread) and
//! `pc_cond` (`cond.rs`, the core's `Condvar`, waiting on a `pc_mutex`),
//! `pc_spinlock` (`spin.rs`, the core's `RawSpinLock`) and `pc_rwlock`
//! (`rwlock.rs`, the core's `RawRwLock`). A mutex or spin lock may carry
//! its caller's data after the lock (`room.rs`).
//!
//! Every lock has the same three exports for taking and releasing it:
//! `_lock` (waits as long as it takes), `_lock_timeout` (`timeout_ns`) and
//! `_unlock`. Their bodies are [`lock`], [`lock_timeout`] and [`unlock`]
//! here, once for every lock ([`Lock`]); each export only finds its lock in
//! its handle. (The exports stay written out, one per lock: cbindgen does
//! not see functions a macro makes.) The plain `_lock` has no timeout to
//! look at. The mutex's and the spin lock's are [`lock_trying_first`]: the
//! core's inlined first step (a compare-and-swap, a look and a swap), the
//! NULL test and the status, with no stack frame; the mutex's `_unlock` is
//! [`unlock_trying_first`] likewise.

use std::time::Duration;

use polyconc::sync::{RawMutex, RawSpinLock, ReentrantLock};

use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_OK, PC_TIMEOUT};
use crate::wait::{in_time, Wait};
use room::Roomy;

mod cond;
mod mutex;
mod reentrant;
mod room;
mod rwlock;
mod spin;

pub use cond::{
    pc_cond, pc_cond_broadcast, pc_cond_free, pc_cond_new, pc_cond_signal, pc_cond_wait,
};
pub use mutex::{
    pc_mutex, pc_mutex_data, pc_mutex_free, pc_mutex_is_locked, pc_mutex_lock,
    pc_mutex_lock_timeout, pc_mutex_new, pc_mutex_new_with_data, pc_mutex_unlock,
};
pub use reentrant::{
    pc_reentrant_lock, pc_reentrant_lock_free, pc_reentrant_lock_hold_count,
    pc_reentrant_lock_is_locked, pc_reentrant_lock_lock, pc_reentrant_lock_lock_timeout,
    pc_reentrant_lock_new, pc_reentrant_lock_unlock,
};
pub use rwlock::{
    pc_rwlock, pc_rwlock_free, pc_rwlock_is_write_locked, pc_rwlock_lock_read,
    pc_rwlock_lock_read_timeout, pc_rwlock_lock_write, pc_rwlock_lock_write_timeout, pc_rwlock_new,
    pc_rwlock_readers, pc_rwlock_unlock_read, pc_rwlock_unlock_write,
};
pub use spin::{
    pc_spinlock, pc_spinlock_data, pc_spinlock_free, pc_spinlock_is_locked, pc_spinlock_lock,
    pc_spinlock_lock_timeout, pc_spinlock_new, pc_spinlock_new_with_data, pc_spinlock_unlock,
};

/// A lock as the exports take and release it: the core's locks, and each
/// side of its readers-writer lock.
trait Lock {
    /// Takes it, waiting as long as it takes.
    fn acquire(&self);
    /// Takes it if that can be done now.
    fn try_acquire(&self) -> bool;
    /// The first step of `acquire`, inline: takes it if it is free with
    /// nobody waiting; a miss goes on to `acquire`. Unless the lock's
    /// `acquire` begins otherwise, `try_acquire`.
    #[inline(always)]
    fn try_acquire_first(&self) -> bool {
        self.try_acquire()
    }
    /// Takes it, waiting at most `timeout`; whether it was taken.
    fn acquire_within(&self, timeout: Duration) -> bool;
    /// Releases it: `PC_NOT_OWNER` when the caller may not.
    fn release(&self) -> Result<(), Status>;
}

/// [`Lock`] for a core lock whose calls have the usual names (`lock`,
/// `try_lock`, `lock_timeout`, `unlock`), and the call that is the first
/// step of its `lock` if that is not `try_lock`.
macro_rules! lock_of_usual_names {
    ($($core:ty $(: $first:ident)?),*) => {$(
        impl Lock for &$core {
            #[inline(always)]
            fn acquire(&self) {
                self.lock()
            }
            #[inline(always)]
            fn try_acquire(&self) -> bool {
                self.try_lock()
            }
            $(
                #[inline(always)]
                fn try_acquire_first(&self) -> bool {
                    self.$first()
                }
            )?
            fn acquire_within(&self, timeout: Duration) -> bool {
                self.lock_timeout(timeout)
            }
            #[inline(always)]
            fn release(&self) -> Result<(), Status> {
                Ok(self.unlock()?)
            }
        }
    )*};
}

lock_of_usual_names!(RawMutex: try_lock_uncontended, RawSpinLock, ReentrantLock);

/// What a handle's lock is found by: the handle, or `PC_INVALID_ARG` for a
/// NULL one.
type Found<L> = Result<L, Status>;

/// `_lock`: takes the lock, waiting as long as it takes.
#[inline(always)]
fn lock(lock: Found<impl Lock>) -> pc_status {
    boundary(|| {
        lock?.acquire();
        Ok(())
    })
}

/// `_lock` of a lock whose own `lock` is a first step and then its slow
/// path (the mutex: a compare-and-swap; the spin lock: its `try_lock`):
/// that step inline, with nothing that could unwind, and the wait of a
/// miss as a tail call, so the fast path has no landing pad and no stack
/// frame. It takes the handle, not its lock, so that a miss passes the
/// handle on as it came (no offset added first). Callgrind, a
/// `pc_mutex_lock` + `pc_mutex_unlock` round (with
/// [`unlock_trying_first`]): 38 instructions before, 28 after, the core's
/// from Rust 10; a `pc_spinlock_lock` + `pc_spinlock_unlock` round: 33
/// before, 31 after, Rust's 14 (30 and 15 since the core's unlock is a
/// look and a store: the same count, one locked instruction fewer).
#[inline(always)]
fn lock_trying_first<H: Roomy>(handle: Found<&H>) -> pc_status
where
    for<'a> &'a H::Lock: Lock,
{
    match handle {
        Ok(h) if (&h.room().lock).try_acquire_first() => PC_OK,
        Ok(h) => wait_for(h),
        Err(s) => s.code(),
    }
}

/// The wait of [`lock_trying_first`], out of line; `extern "C"` as the
/// exports are, so that their call to it is a tail call.
#[inline(never)]
extern "C" fn wait_for<H: Roomy>(handle: &H) -> pc_status
where
    for<'a> &'a H::Lock: Lock,
{
    boundary(|| {
        (&handle.room().lock).acquire();
        Ok(())
    })
}

/// `_lock_timeout`: takes the lock as `timeout_ns` says (0 tries once,
/// `PC_FOREVER` is `_lock`); `PC_TIMEOUT` when it was not taken.
#[inline(always)]
fn lock_timeout(lock: Found<impl Lock>, timeout_ns: u64) -> pc_status {
    boundary(|| {
        let lock = lock?;
        in_time(match Wait::from_ns(timeout_ns) {
            Wait::Try => lock.try_acquire(),
            Wait::Forever => {
                lock.acquire();
                true
            }
            Wait::For(timeout) => lock.acquire_within(timeout),
        })
    })
}

/// `_lock_timeout` of the mutex and the spin lock, shaped as
/// [`lock_trying_first`]: a timeout of 0 is the core's `try_lock` inline
/// (a load and a compare-and-swap, or a look and a swap), the status with
/// no stack frame; any other timeout goes on to [`lock_timeout`] by a tail
/// call. Callgrind, a `pc_mutex_lock_timeout(m, 0)` + `pc_mutex_unlock`
/// round: 42 instructions before, the core's from Rust 14.
#[inline(always)]
fn lock_timeout_trying_first<H: Roomy>(handle: Found<&H>, timeout_ns: u64) -> pc_status
where
    for<'a> &'a H::Lock: Lock,
{
    match handle {
        Ok(h) if timeout_ns == 0 => {
            if (&h.room().lock).try_acquire() {
                PC_OK
            } else {
                PC_TIMEOUT
            }
        }
        Ok(h) => wait_within(h, timeout_ns),
        Err(s) => s.code(),
    }
}

/// The wait of [`lock_timeout_trying_first`], out of line as [`wait_for`].
#[inline(never)]
extern "C" fn wait_within<H: Roomy>(handle: &H, timeout_ns: u64) -> pc_status
where
    for<'a> &'a H::Lock: Lock,
{
    lock_timeout(Ok(&handle.room().lock), timeout_ns)
}

/// `_unlock`: releases the lock.
#[inline(always)]
fn unlock(lock: Found<impl Lock>) -> pc_status {
    boundary(|| lock?.release())
}

/// `pc_mutex_unlock`, shaped as [`lock_trying_first`]: the core's release
/// compare-and-swap inline, and the rest of its `unlock` (waking a waiter,
/// or finding it not locked) as a tail call.
#[inline(always)]
fn unlock_trying_first(mutex: Found<&pc_mutex>) -> pc_status {
    match mutex {
        Ok(m) if m.room().lock.try_unlock_uncontended() => PC_OK,
        Ok(m) => release(m),
        Err(s) => s.code(),
    }
}

/// The rest of [`unlock_trying_first`], out of line as [`wait_for`].
#[inline(never)]
extern "C" fn release(mutex: &pc_mutex) -> pc_status {
    boundary(|| (&mutex.room().lock).release())
}
