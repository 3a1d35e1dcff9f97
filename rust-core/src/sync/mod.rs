//! Locks and synchronizers: Go's `sync` and `java.util.concurrent`'s.

mod barrier;
mod latch;
mod once;
mod semaphore;
mod waitgroup;

pub use barrier::{BarrierError, BarrierWaitFuture, CyclicBarrier, InvalidParties};
pub use latch::{CountDownLatch, LatchWaitFuture};
pub use once::Once;
pub use semaphore::{AcquireFuture, PermitOverflow, Semaphore};
pub use waitgroup::{NegativeCounter, WaitGroup, WaitGroupWaitFuture};
