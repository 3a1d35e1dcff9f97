//! Tests of `polyconc::sync`'s synchronizers: `Semaphore`, `CountDownLatch`,
//! `CyclicBarrier`, `WaitGroup` and `Once`. Each module names the JSR-166 TCK
//! or Go test file it ports; `stress` mixes every way of waiting under load.
//! One test binary, so the helpers in `util` are written once.
//!
//! Native tests only (a `static` `Once` needs the `const fn` that loom's
//! atomics cannot give): the loom models of these synchronizers are in
//! `tests/loom_sync2.rs`.
#![cfg(not(loom))]

mod barrier;
mod latch;
mod once;
mod semaphore;
mod stress;
mod util;
mod waitgroup;
