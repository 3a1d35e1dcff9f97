//! Eventual fairness: how long a waiter has waited ([`Patience`]), and
//! how often an unlock may hand the lock to one that starves
//! ([`HandOffs`]).

use std::time::{Duration, Instant};

/// How long a waiter waits before an unlock hands it the lock directly.
pub(in crate::sync) const FAIR_AFTER: Duration = Duration::from_millis(1);

/// How long a waiter has waited for the lock: since it first queued, and
/// how many times it was woken to retry and lost. Queued with the waiter,
/// for the unlocker to read.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Patience {
    since: Option<Instant>,
    lost: u32,
}

impl Patience {
    /// A waiter queued now (one requeued from a condition variable).
    pub(super) fn now() -> Patience {
        Patience {
            since: Some(Instant::now()),
            lost: 0,
        }
    }

    /// The waiter is about to queue: the wait starts now, unless it
    /// started before.
    pub(super) fn start(&mut self) {
        if self.since.is_none() {
            self.since = Some(Instant::now());
        }
    }

    /// The waiter was woken to retry (and queues again unless it wins).
    pub(super) fn lost(&mut self) {
        self.lost += 1;
    }

    /// Whether it queued before (and lost a retry since): it queues first
    /// again, keeping its place.
    pub(super) fn queued_before(&self) -> bool {
        self.lost > 0
    }

    /// Whether it has waited long enough to be handed the lock: about
    /// [`FAIR_AFTER`]. Under loom, which must replay every run alike, once
    /// it was woken to retry and lost instead.
    pub(super) fn starving(&self) -> bool {
        if cfg!(loom) {
            self.lost >= 1
        } else {
            self.since.is_some_and(|t| t.elapsed() >= FAIR_AFTER)
        }
    }
}

/// The rate limit of the hand-offs to starving waiters: at most one per
/// [`FAIR_AFTER`], because once every waiter has waited that long (threads
/// outnumbering cores) a hand-off at every unlock would make a convoy.
/// Kept in a [`LockedCell`](crate::loom::LockedCell) under the queue's
/// lock.
///
/// Its clock is the time natively. Loom has none (and must replay every
/// run alike), so there it counts the hand-offs asked for: every second one
/// is refused, and a model meets both answers.
#[derive(Debug)]
pub(super) struct HandOffs {
    /// The clock reading from which the next hand-off may come.
    next: u64,
    /// Loom's clock: the hand-offs asked for so far.
    #[cfg(loom)]
    asked: u64,
}

impl HandOffs {
    /// No hand-off so far: the first is due at once.
    pub(super) const fn new() -> HandOffs {
        HandOffs {
            next: 0,
            #[cfg(loom)]
            asked: 0,
        }
    }

    /// Whether a hand-off to a starving waiter is due now; if so, the next
    /// one is due a [`FAIR_AFTER`] from now.
    pub(super) fn due(&mut self) -> bool {
        let (now, interval) = self.clock();
        if now < self.next {
            return false;
        }
        self.next = now + interval;
        true
    }

    /// The clock reading and the interval between hand-offs on its scale.
    #[cfg(not(loom))]
    fn clock(&mut self) -> (u64, u64) {
        static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        let epoch = *EPOCH.get_or_init(Instant::now);
        (
            epoch.elapsed().as_nanos() as u64,
            FAIR_AFTER.as_nanos() as u64,
        )
    }

    #[cfg(loom)]
    fn clock(&mut self) -> (u64, u64) {
        self.asked += 1;
        (self.asked, 2)
    }
}
