//! `timeout_ns`, as every blocking call takes it, to how the core waits:
//! the one place the C ABI's timeout rule lives.

use std::time::{Duration, Instant};

/// `timeout_ns` that waits as long as it takes.
pub const PC_FOREVER: u64 = u64::MAX;

/// How long an operation may wait.
pub(crate) enum Wait {
    /// Try once (`timeout_ns` 0).
    Try,
    /// No deadline (`PC_FOREVER`, or a deadline the clock cannot hold).
    Forever,
    Until(Instant),
}

impl Wait {
    #[inline]
    pub(crate) fn from_ns(timeout_ns: u64) -> Wait {
        match timeout_ns {
            0 => Wait::Try,
            PC_FOREVER => Wait::Forever,
            ns => match Instant::now().checked_add(Duration::from_nanos(ns)) {
                Some(d) => Wait::Until(d),
                // Past what the clock can represent: the same as forever.
                None => Wait::Forever,
            },
        }
    }
}
