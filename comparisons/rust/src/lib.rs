//! The Rust side of polyconc's cross-language comparisons: the benchmark
//! program's [`harness`] and its suites ([`suite_c`]: suite C of
//! `comparisons/WORKLOADS.md` on four Rust channels and polyconc's queues; [`suite_l`]: suite L on
//! four locks, an atomic and two channels; [`suite_f`]: suite F on polyconc's futures, rayon and futures' oneshot; [`suite_x`]: suite X on polyconc's pools, futures and channels, std threads and tokio). polyconc's criterion
//! bench runs the same [`workloads`].
#![warn(missing_docs)]

pub mod harness;
pub mod suite_c;
pub mod suite_f;
pub mod suite_l;
pub mod suite_x;
pub mod workloads;
