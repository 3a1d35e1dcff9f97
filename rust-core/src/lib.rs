//! polyconc: Go channels, Java blocking queues and Scala futures, in one Rust
//! core that Python (pyo3) and C (a C ABI) share.
//!
//! ```
//! use polyconc::chan::Chan;
//! let ch = Chan::new(1);
//! ch.send(42).unwrap();
//! assert_eq!(ch.recv(), Ok(42));
//! ```
//!
//! # How a blocked thread waits
//!
//! Every primitive waits the same way: a thread whose partner usually runs
//! right now (a channel's or a queue's hand-off) spins for a few
//! microseconds, then yields, then sleeps until it is woken; a lock's
//! waiter spins less and sleeps sooner. With one CPU to run on nobody
//! spins. A thread whose waits keep ending only when it yields its CPU
//! (its partner runs on the same CPU) parts from it:
//! first by sleeping, which lets the kernel wake it on an idle CPU; on
//! Linux, if that left it where it was, by moving itself to another CPU
//! that its affinity allows. The move sets the thread's affinity to that
//! one CPU and at once back to what it was, so another thread reading or
//! setting it in that moment sees the one CPU or has its setting undone;
//! a thread pinned to one CPU is never moved.
#![warn(missing_docs)]

mod buffer;
pub mod chan;
pub mod exec;
pub mod future;
mod hooks;
mod loom;
pub mod queue;
pub mod sync;
#[cfg(all(feature = "test-hooks", not(loom)))]
pub mod test_hooks;
mod wait;

pub use wait::{Deadline, Wait};

/// The workspace README's examples, run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
