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

use pyo3::prelude::*;

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

/// Registers [`on_collection`] in `gc.callbacks`.
///
/// A `Py` dropped by a thread that does not hold the GIL (a pool worker
/// letting go of a completed future's node, the timer thread) is given
/// back by pyo3 later, at the next call into this module from any thread.
/// Until then the object counts one reference too many, and the collector
/// takes it for reachable: a cycle through a completed future (its value
/// holding the future) outlived a `gc.collect()` that came first.
pub(crate) fn register(py: Python<'_>) -> PyResult<()> {
    py.import("gc")?
        .getattr("callbacks")?
        .call_method1("append", (wrap_pyfunction!(on_collection, py)?,))?;
    Ok(())
}

/// Called by the collector before (and after) each collection: entering
/// it gives back the references pyo3 deferred (the call's own prologue
/// does), so that the collection counts them right.
#[pyfunction]
fn on_collection(_phase: &Bound<'_, PyAny>, _info: &Bound<'_, PyAny>) {}
