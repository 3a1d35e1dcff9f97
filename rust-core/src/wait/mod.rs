//! The waiting layer: how every blocking primitive of the core sleeps, is
//! let go, times out and is cancelled. A primitive is a small state word
//! plus one or two of the queues here; none of them spins, parks, computes
//! deadlines or argues about fences on its own.
//!
//! The protocol, in five words:
//!
//! - **claim**: whoever lets a blocked [`Waiter`] go claims it first, for
//!   one *case* (what it is let go with: a hand-off, "retry", …). Only one
//!   claim ever succeeds, and the owner's `abort` (timeout, cancellation) is
//!   a claim too, so exactly one of "let go" and "gave up" wins.
//! - **complete**: the claimer writes what it hands over (a value in the
//!   waiter's slot, a lock's ownership) and then marks the waiter done,
//!   which publishes those writes. It does both under the queue's lock, so
//!   an owner that fails to abort under that lock finds the claim complete.
//! - **wake**: after releasing its locks, the claimer wakes the owner: it
//!   unparks the thread (only if it went to sleep) or wakes the task.
//! - **tell**: an [`Event`] hands nothing over; it tells a waiter
//!   "re-check". A waiter registers, fences, re-checks, and only then
//!   sleeps; a notifier changes the state, fences, and reads the "anyone
//!   waiting?" mirror. In the total order of the two fences one side sees
//!   the other, so no sleeper misses a change.
//! - **pass on**: a told waiter that leaves without having seen the news
//!   (a future dropped after the tell, a waiter let go by a re-check that
//!   ran before the tell) tells the next waiter, so news is never lost with
//!   the waiter that drops it.
//!
//! Which piece for which job:
//!
//! - A primitive whose waiters re-check a state word (a latch, a barrier,
//!   a promise) keeps an [`Event`]: `notify_one`/`notify_all` after each
//!   change; `Event::wait(ready, Backoff::Park, deadline)` on a thread;
//!   `Event::poll_wait(&mut watch, cx, ready)` in a future, whose `Drop`
//!   calls `Event::stop_watching`.
//! - A primitive that hands something to a waiter (a lock's ownership,
//!   permits, a value) keeps a [`WaitQueue`] of payloads: under
//!   `queue.lock()` it pushes, or pops (claims) and completes; it wakes the
//!   popped waiters after unlocking; a waiter gives up with `abort` under
//!   the same lock, and an `Err` there means it was handed the thing and
//!   must keep or give it back.
//! - Every queue's few-step critical sections run under [`RawLock`], the
//!   core's own word lock, which parks on the same [`Waiter`]s.
//! - Timeouts are a [`Deadline`] (or a [`Wait`] for "try / forever /
//!   until"); busy phases are a [`Backoff`] or a bounded [`Spin`].
//! - Whoever completes a waiter must not touch the primitive afterwards
//!   unless it holds its own borrow of it: the woken owner may free it.

mod backoff;
mod cpus;
mod deadline;
mod event;
mod park;
mod queue;
mod raw_lock;
mod waiter;

pub(crate) use backoff::{first_yield, retried_after, sleep_instead_of, spin, Backoff, Spin};
pub(crate) use cpus::one_cpu;
pub use deadline::{Deadline, Wait};
pub(crate) use event::{Event, Watch};
pub(crate) use park::block_until;
pub(crate) use queue::{Locked, WaitQueue};
pub(crate) use raw_lock::{lock_or_spin, RawLock};
pub(crate) use waiter::{prefetch_line, Waiter};

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

/// Defines a function as a `const fn` natively and as a plain `fn` under
/// loom, whose atomics cannot be built in a const context.
macro_rules! const_fn_unless_loom {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty $body:block) => {
        #[cfg(not(loom))]
        $(#[$attr])*
        $vis const fn $name($($arg: $ty),*) -> $ret $body
        #[cfg(loom)]
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> $ret $body
    };
}
pub(crate) use const_fn_unless_loom;
