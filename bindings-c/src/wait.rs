//! `timeout_ns`, as every blocking call takes it, to how the core waits:
//! the one place the C ABI's timeout rule lives. A finite timeout stays a
//! `Duration` for the core's `*_timeout` calls, so the core's rule for a
//! deadline past what the clock can hold (wait forever) applies as it is.

use std::time::Duration;

use crate::status::{pc_status, Status, PC_TIMEOUT};

/// `timeout_ns` that waits as long as it takes.
pub const PC_FOREVER: u64 = u64::MAX;

/// How long an operation may wait.
pub(crate) enum Wait {
    /// Try once (`timeout_ns` 0).
    Try,
    /// No deadline (`PC_FOREVER`).
    Forever,
    /// At most this long.
    For(Duration),
}

impl Wait {
    // Always inlined, and a plain function of `timeout_ns`, so that the
    // caller's `match` on the result compiles to branches on `timeout_ns`
    // itself: no `Wait` is built on the fast path.
    #[inline(always)]
    pub(crate) fn from_ns(timeout_ns: u64) -> Wait {
        match timeout_ns {
            0 => Wait::Try,
            PC_FOREVER => Wait::Forever,
            ns => Wait::For(Duration::from_nanos(ns)),
        }
    }
}

/// `timeout_ns` as the core's own [`polyconc::Wait`], for the core calls
/// that take one (`acquire_with`, `wait_with`): 0 is `Wait::Now`.
// Always inlined, as `from_ns`: the export's branches are on `timeout_ns`.
#[inline(always)]
pub(crate) fn core_wait(timeout_ns: u64) -> polyconc::Wait {
    match Wait::from_ns(timeout_ns) {
        Wait::Try => polyconc::Wait::Now,
        Wait::Forever => polyconc::Wait::FOREVER,
        Wait::For(timeout) => polyconc::Wait::timeout(timeout),
    }
}

/// The status of a call that could not be done in time: `at_once` (say
/// `PC_FULL`) when it was told not to wait (`timeout_ns` 0), else
/// `PC_TIMEOUT`.
#[inline]
pub(crate) fn not_in_time(timeout_ns: u64, at_once: pc_status) -> Status {
    Status::of(if timeout_ns == 0 { at_once } else { PC_TIMEOUT })
}

/// `Ok` when a wait succeeded, `PC_TIMEOUT` when it did not.
#[inline]
pub(crate) fn in_time(done: bool) -> Result<(), Status> {
    if done {
        Ok(())
    } else {
        Err(Status::of(PC_TIMEOUT))
    }
}
