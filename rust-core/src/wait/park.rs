//! Putting the owning thread of a waiter to sleep until it is let go or
//! its deadline passes.
//!
//! The token itself, [`Parker`], is the core's std/loom switch
//! (`crate::primitives`): natively the thread's own park/unpark token,
//! under loom a mutex and a condvar (loom has no clock, so a modelled park
//! is untimed; models give up by deadlines already past, which are checked
//! before parking).

pub(crate) use crate::primitives::Parker;

use std::time::Instant;

/// Parks on `parker` until `done` holds (true) or `deadline` passes
/// (false). Spurious returns of the token are absorbed here: the caller
/// sees only the two outcomes. Must run on the parker's thread.
pub(crate) fn park_until(
    parker: &Parker,
    done: impl Fn() -> bool,
    deadline: Option<Instant>,
) -> bool {
    loop {
        if done() {
            return true;
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return false;
        }
        parker.park(&done, deadline);
    }
}
