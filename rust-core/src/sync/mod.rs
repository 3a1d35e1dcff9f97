//! Locks and synchronizers: the primitives of Go's `sync` and of
//! `java.util.concurrent.locks`, each a small state word plus the waiting
//! layer's queues.
//!
//! Errors are values, as in [`chan`](crate::chan): a timeout says so
//! (`None`, `false`, or a result that tells), and a misuse, such as an
//! unlock by a thread that does not own the lock, is an `Err`, never a
//! panic and never undefined behaviour. Every blocking call has a timeout
//! and a deadline form; a cancelled async wait gives back whatever it was
//! handed meanwhile.
//!
//! ```
//! use polyconc::sync::{Condvar, Mutex};
//!
//! let ready = Mutex::new(false);
//! let cv = Condvar::new();
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         *ready.lock() = true;
//!         cv.notify_one();
//!     });
//!     let guard = cv.wait_while(ready.lock(), |ready| !*ready);
//!     assert!(*guard);
//! });
//! ```

/// The waiting forms of a data-less lock, written once for [`RawMutex`]
/// and [`RawSpinLock`] (the rule itself is `Wait::attempt`'s): `lock_with`
/// over the type's `try_lock` and its `lock_slow(Deadline) -> bool`, and
/// `lock_timeout` and `lock_deadline` over `lock_with`. `$waits` says how
/// the type waits ("waiting", "spinning").
macro_rules! lock_waits {
    ($lock:ident, $waits:literal) => {
        #[doc = concat!("Takes the lock, ", $waits, " as `wait` says; whether it was taken.")]
        ///
        /// ```
        #[doc = concat!("use polyconc::{sync::", stringify!($lock), ", Wait};")]
        #[doc = concat!("let m = ", stringify!($lock), "::new();")]
        /// assert!(m.lock_with(Wait::FOREVER));
        /// assert!(!m.lock_with(Wait::Now));
        /// # m.unlock().unwrap();
        /// ```
        pub fn lock_with(&self, wait: $crate::Wait) -> bool {
            wait.attempt(|| self.try_lock(), |deadline| self.lock_slow(deadline))
        }

        #[doc = concat!("Takes the lock, ", $waits, " at most `timeout`; whether it was taken.")]
        ///
        /// ```
        /// use std::time::Duration;
        #[doc = concat!("use polyconc::sync::", stringify!($lock), ";")]
        #[doc = concat!("let m = ", stringify!($lock), "::new();")]
        /// m.lock();
        /// assert!(!m.lock_timeout(Duration::from_millis(1)));
        /// # m.unlock().unwrap();
        /// ```
        pub fn lock_timeout(&self, timeout: std::time::Duration) -> bool {
            self.lock_with($crate::Wait::timeout(timeout))
        }

        #[doc = concat!("Takes the lock, ", $waits, " until `deadline` at most; whether it was taken.")]
        ///
        /// ```
        /// use std::time::{Duration, Instant};
        #[doc = concat!("use polyconc::sync::", stringify!($lock), ";")]
        #[doc = concat!("let m = ", stringify!($lock), "::new();")]
        /// assert!(m.lock_deadline(Instant::now() + Duration::from_secs(1)));
        /// m.unlock().unwrap();
        /// assert!(m.lock_deadline(Instant::now()));
        /// # m.unlock().unwrap();
        /// ```
        pub fn lock_deadline(&self, deadline: std::time::Instant) -> bool {
            self.lock_with($crate::Wait::Until($crate::Deadline::at(deadline)))
        }
    };
}

mod barrier;
mod condvar;
mod latch;
mod mutex;
mod once;
mod raw_mutex;
mod raw_rwlock;
mod raw_spin;
mod reentrant;
mod rwlock;
mod rwlock_owned;
mod semaphore;
mod spin;
mod waitgroup;

pub use barrier::{
    BarrierError, BarrierWaitFuture, CyclicBarrier, InvalidParties, OwnedBarrierWaitFuture,
};
pub use condvar::{Condvar, CondvarWait, WaitTimeoutResult};
pub use latch::{CountDownLatch, LatchWaitFuture, OwnedLatchWaitFuture};
pub use mutex::{Mutex, MutexGuard, MutexLockFuture, OwnedMutexGuard, OwnedMutexLockFuture};
pub use once::Once;
pub use raw_mutex::{NotLocked, OwnedRawLockFuture, RawLockFuture, RawMutex};
pub use raw_rwlock::{OwnedRawRwLockFuture, RawRwLock, RawRwLockFuture};
pub use raw_spin::{OwnedRawSpinLockFuture, RawSpinLock, RawSpinLockFuture};
pub use reentrant::{Condition, ConditionWait, LockAttempt, NotOwner, ReentrantLock};
pub use rwlock::{RwLock, RwLockReadFuture, RwLockReadGuard, RwLockWriteFuture, RwLockWriteGuard};
pub use rwlock_owned::{
    OwnedRwLockReadFuture, OwnedRwLockReadGuard, OwnedRwLockWriteFuture, OwnedRwLockWriteGuard,
};
pub use semaphore::{AcquireFuture, OwnedAcquireFuture, PermitOverflow, Semaphore};
pub use spin::{SpinLock, SpinLockFuture, SpinLockGuard};
pub use waitgroup::{NegativeCounter, OwnedWaitGroupWaitFuture, WaitGroup, WaitGroupWaitFuture};

#[cfg(all(test, loom))]
mod loom_tests;
