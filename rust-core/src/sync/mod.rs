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
mod semaphore;
mod spin;
mod waitgroup;

pub use barrier::{BarrierError, BarrierWaitFuture, CyclicBarrier, InvalidParties};
pub use condvar::{Condvar, WaitTimeoutResult};
pub use latch::{CountDownLatch, LatchWaitFuture};
pub use mutex::{Mutex, MutexGuard, MutexLockFuture, OwnedMutexGuard, OwnedMutexLockFuture};
pub use once::Once;
pub use raw_mutex::{NotLocked, OwnedRawLockFuture, RawLockFuture, RawMutex};
pub use raw_rwlock::{RawRwLock, RawRwLockFuture};
pub use raw_spin::{RawSpinLock, RawSpinLockFuture};
pub use reentrant::{Condition, NotOwner, ReentrantLock};
pub use rwlock::{RwLock, RwLockReadFuture, RwLockReadGuard, RwLockWriteFuture, RwLockWriteGuard};
pub use semaphore::{AcquireFuture, OwnedAcquireFuture, PermitOverflow, Semaphore};
pub use spin::{SpinLock, SpinLockFuture, SpinLockGuard};
pub use waitgroup::{NegativeCounter, WaitGroup, WaitGroupWaitFuture};

#[cfg(all(test, loom))]
mod loom_tests;
