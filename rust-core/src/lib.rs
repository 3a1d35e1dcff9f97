//! polyconc: Go channels, Java blocking queues and Scala futures, in one Rust
//! core that Python (pyo3) and C (a C ABI) share.
//!
//! ```
//! use polyconc::chan::Chan;
//! let ch = Chan::new(1);
//! ch.send(42).unwrap();
//! assert_eq!(ch.recv(), Ok(42));
//! ```
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
