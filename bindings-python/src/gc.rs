//! What makes `Chan` safe to show to Python's cyclic garbage collector.
//!
//! The collector calls `__traverse__` holding the GIL, and it must see the
//! objects a channel buffers (a channel that buffers itself, an actor whose
//! inbox holds `("hello", self)`, are cycles). The core lends them with
//! `for_each_buffered`, whose contract is that nobody moves values on the
//! channel meanwhile. Every channel operation that runs holding the GIL
//! cannot overlap a traversal (the collector holds the GIL), so only the
//! GIL-free ones need care: each of them (blocking waits, `send_many` /
//! `recv_many` batches) enters an [`InFlight`] count, holding the GIL,
//! before it lets the GIL go, and leaves it once the GIL is back, after its
//! last value move. `__traverse__` visits nothing while the count is not
//! zero. Skipping a visit only makes the collector think the objects are
//! referenced from outside, which keeps them alive, never frees them
//! early; and a channel with an operation in flight is reachable from that
//! operation's frame anyway, so nothing it holds is garbage yet. (Async ops
//! are polled holding the GIL, and hold the channel they work on.)
//!
//! A count left by a parent's thread after `fork()` stays in the child,
//! which then never traverses that channel: safe, at worst a leak.

use std::sync::atomic::{AtomicUsize, Ordering};

/// How many GIL-free operations are in flight on one channel.
#[derive(Default)]
pub(crate) struct InFlight(AtomicUsize);

// Relaxed is enough: every increment, decrement and read happens holding
// the GIL, whose hand-overs order them.
impl InFlight {
    /// Marks one GIL-free operation in flight on each of `chans` until the
    /// guard drops. Call both holding the GIL.
    pub(crate) fn enter<'a>(chans: &'a [&'a InFlight]) -> Moving<'a> {
        for c in chans {
            c.0.fetch_add(1, Ordering::Relaxed);
        }
        Moving(chans)
    }

    /// Whether a GIL-free operation is in flight (call holding the GIL).
    pub(crate) fn any(&self) -> bool {
        self.0.load(Ordering::Relaxed) != 0
    }
}

/// GIL-free operations in flight; see [`InFlight::enter`].
pub(crate) struct Moving<'a>(&'a [&'a InFlight]);

impl Drop for Moving<'_> {
    fn drop(&mut self) {
        for c in self.0 {
            c.0.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
