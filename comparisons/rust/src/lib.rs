//! The Rust side of polyconc's cross-language comparisons: suite C of
//! `comparisons/WORKLOADS.md` on four Rust channels. The binary
//! (`build/bench`) prints the result lines; polyconc's criterion bench runs
//! the same [`workloads`].
#![warn(missing_docs)]

pub mod workloads;
