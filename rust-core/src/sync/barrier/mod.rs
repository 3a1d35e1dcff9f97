//! [`CyclicBarrier`]: the parties arrived in this generation and a few
//! flags, in one word, and a [`WaitQueue`] of the parties waiting.
//!
//! Each waiting party is told how its generation ended by the case it is
//! claimed for: tripped, or broken. The last party to arrive claims every
//! waiter of its generation, runs the action, and only then completes the
//! waiters it claimed, with the case changed to broken if the action
//! panicked. While the action runs (the word says `TRIPPING`), parties that
//! arrive queue to be told to arrive again once it is over: the next
//! generation starts after the action, as in Java, whose tripping thread
//! holds the barrier's lock throughout. A waiter whose deadline passes
//! after it was claimed has lost the race to its generation's end: it
//! waits for the claim to complete (the action to finish).
//!
//! The word is changed only under the queue's lock; it is atomic so that
//! `number_waiting` and `is_broken` need no lock. The async forms are in
//! `future.rs`.

mod future;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

use future::WaitState;
pub use future::{BarrierWaitFuture, OwnedBarrierWaitFuture};

use crate::loom::{Arc, AtomicUsize, Ordering};
use crate::wait::{Backoff, Deadline, Locked, Wait, WaitQueue, Waiter};

/// The case a waiter is claimed for: its generation tripped.
const TRIPPED: usize = 0;
/// The case a waiter is claimed for: its generation broke.
const BROKEN: usize = 1;
/// The case a waiter is claimed for: it came while an action ran, and
/// arrives again now that it is over.
const RETRY: usize = 2;

/// The state word's flag: the barrier is broken.
const BROKEN_FLAG: usize = 1 << (usize::BITS - 1);
/// The state word's flag: the last party runs the action.
const TRIPPING: usize = 1 << (usize::BITS - 2);
/// The state word's flag: a reset came while the action ran.
const RESET_PENDING: usize = 1 << (usize::BITS - 3);
/// The state word's flag: an abort came while the action ran (the later
/// of a reset and an abort wins).
const ABORT_PENDING: usize = 1 << (usize::BITS - 4);
/// The state word's bits that count the parties arrived.
const ARRIVED: usize = ABORT_PENDING - 1;

/// Java's `java.util.concurrent.CyclicBarrier`: `parties` threads (or
/// tasks) wait for each other, then all go on together; then it is ready
/// for the next round (generation).
///
/// [`wait`](CyclicBarrier::wait) returns the arrival index, as Java's
/// `await`: the first to arrive gets `parties - 1`, the last 0. The last
/// also runs the optional action ([`with_action`](CyclicBarrier::with_action))
/// before any of the others is released; parties that come while it runs
/// belong to the next generation, which starts once the action is over.
///
/// A waiter that times out or is cancelled, an action that panics, or an
/// [`abort`](CyclicBarrier::abort) **breaks** the barrier: the waiter that
/// timed out gets [`BarrierError::Timeout`], the thread that ran the
/// action [`BarrierError::ActionPanicked`], and every other waiter, those
/// waiting and those that come later, [`BarrierError::Broken`] until
/// [`reset`](CyclicBarrier::reset).
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
/// use polyconc::sync::CyclicBarrier;
///
/// let barrier = Arc::new(CyclicBarrier::new(3));
/// let others: Vec<_> = (0..2)
///     .map(|_| {
///         let barrier = Arc::clone(&barrier);
///         thread::spawn(move || barrier.wait().unwrap())
///     })
///     .collect();
/// let mine = barrier.wait().unwrap();
/// let mut indices: Vec<usize> = others.into_iter().map(|t| t.join().unwrap()).collect();
/// indices.push(mine);
/// indices.sort();
/// assert_eq!(indices, [0, 1, 2]);
/// ```
pub struct CyclicBarrier {
    parties: usize,
    /// The flags and the parties arrived in this generation.
    state: AtomicUsize,
    /// The parties of this generation waiting; while an action runs, the
    /// parties waiting for it to finish.
    waiters: WaitQueue<()>,
    action: Option<Box<dyn Fn() + Send + Sync>>,
}

/// Why a [`CyclicBarrier`] wait did not see its generation trip.
///
/// ```
/// use std::time::Duration;
/// use polyconc::sync::{BarrierError, CyclicBarrier};
/// let b = CyclicBarrier::new(2);
/// assert_eq!(b.wait_timeout(Duration::ZERO), Err(BarrierError::Timeout));
/// assert_eq!(b.wait(), Err(BarrierError::Broken));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BarrierError {
    /// The barrier was broken (by another party's timeout or cancellation,
    /// a panicking action, or a reset) before or while this party waited.
    Broken,
    /// This party's wait timed out; it broke the barrier.
    Timeout,
    /// This party was the last to arrive and ran the action, which
    /// panicked; that broke the barrier.
    ActionPanicked,
}

impl std::fmt::Display for BarrierError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BarrierError::Broken => "the barrier is broken (reset it to use it again)",
            BarrierError::Timeout => "timed out waiting at the barrier, which is now broken",
            BarrierError::ActionPanicked => "the barrier action panicked, which broke the barrier",
        })
    }
}

impl std::error::Error for BarrierError {}

/// A [`CyclicBarrier::try_new`] asked for no parties, or more than
/// [`CyclicBarrier::MAX_PARTIES`].
///
/// ```
/// use polyconc::sync::{CyclicBarrier, InvalidParties};
/// assert_eq!(CyclicBarrier::try_new(0).unwrap_err(), InvalidParties(0));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidParties(
    /// The number of parties asked for.
    pub usize,
);

impl std::fmt::Display for InvalidParties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "a barrier needs between 1 and {} parties, not {}",
            CyclicBarrier::MAX_PARTIES,
            self.0
        )
    }
}

impl std::error::Error for InvalidParties {}

/// What a party found when it arrived.
enum Arrival {
    /// The barrier is broken.
    Broken,
    /// It was the last; the generation tripped (or broke, if the action
    /// panicked) with it.
    Last(Result<usize, BarrierError>),
    /// It waits, with this arrival index.
    Waits(usize),
    /// An action runs: it waits to arrive again.
    Early,
}

impl CyclicBarrier {
    /// The most parties a barrier can have.
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// assert!(CyclicBarrier::try_new(CyclicBarrier::MAX_PARTIES).is_ok());
    /// ```
    pub const MAX_PARTIES: usize = ARRIVED;

    /// A barrier for `parties` parties, without an action.
    ///
    /// # Panics
    ///
    /// If `parties` is 0 or above [`CyclicBarrier::MAX_PARTIES`]: use
    /// [`CyclicBarrier::try_new`] for a number that comes from outside.
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// assert_eq!(CyclicBarrier::new(4).parties(), 4);
    /// ```
    pub fn new(parties: usize) -> CyclicBarrier {
        match CyclicBarrier::try_new(parties) {
            Ok(b) => b,
            Err(e) => panic!("{e}"),
        }
    }

    /// A barrier for `parties` parties, or an error for 0 (or more than
    /// [`CyclicBarrier::MAX_PARTIES`]).
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// assert!(CyclicBarrier::try_new(0).is_err());
    /// assert!(CyclicBarrier::try_new(2).is_ok());
    /// ```
    pub fn try_new(parties: usize) -> Result<CyclicBarrier, InvalidParties> {
        if parties == 0 || parties > CyclicBarrier::MAX_PARTIES {
            return Err(InvalidParties(parties));
        }
        Ok(CyclicBarrier {
            parties,
            state: AtomicUsize::new(0),
            waiters: WaitQueue::new(),
            action: None,
        })
    }

    /// The barrier with `action`, run at every trip by the last party to
    /// arrive, before the others are released. If it panics, that party
    /// gets [`BarrierError::ActionPanicked`] and the barrier is broken.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::sync::Arc;
    /// use polyconc::sync::CyclicBarrier;
    ///
    /// let trips = Arc::new(AtomicUsize::new(0));
    /// let b = {
    ///     let trips = Arc::clone(&trips);
    ///     CyclicBarrier::new(1).with_action(move || {
    ///         trips.fetch_add(1, Ordering::Relaxed);
    ///     })
    /// };
    /// b.wait().unwrap();
    /// b.wait().unwrap();
    /// assert_eq!(trips.load(Ordering::Relaxed), 2);
    /// ```
    pub fn with_action(self, action: impl Fn() + Send + Sync + 'static) -> CyclicBarrier {
        CyclicBarrier {
            action: Some(Box::new(action)),
            ..self
        }
    }

    /// The number of parties.
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// assert_eq!(CyclicBarrier::new(3).parties(), 3);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// The parties waiting in this generation (0 while broken, all of them
    /// while the action runs).
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// assert_eq!(CyclicBarrier::new(3).number_waiting(), 0);
    /// ```
    pub fn number_waiting(&self) -> usize {
        self.state.load(Ordering::Acquire) & ARRIVED
    }

    /// Whether the barrier is broken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::CyclicBarrier;
    /// let b = CyclicBarrier::new(2);
    /// assert!(!b.is_broken());
    /// let _ = b.wait_timeout(Duration::ZERO);
    /// assert!(b.is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.state.load(Ordering::Acquire) & BROKEN_FLAG != 0
    }

    /// Breaks the current generation (its waiters get
    /// [`BarrierError::Broken`]) and starts a fresh one: the barrier is no
    /// longer broken. A generation whose action is running has tripped
    /// already: the reset takes effect when the action is over (as Java's
    /// waits for the lock the action's thread holds), and the generation
    /// after it starts whole even if the action panicked.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::CyclicBarrier;
    /// let b = CyclicBarrier::new(2);
    /// let _ = b.wait_timeout(Duration::ZERO);
    /// assert!(b.is_broken());
    /// b.reset();
    /// assert!(!b.is_broken());
    /// ```
    pub fn reset(&self) {
        let mut q = self.waiters.lock();
        let s = self.state.load(Ordering::Relaxed);
        if s & TRIPPING != 0 {
            self.state
                .store(s & !ABORT_PENDING | RESET_PENDING, Ordering::Release);
            return;
        }
        let woken = release_all(&mut q, BROKEN);
        self.state.store(0, Ordering::Release);
        drop(q);
        wake(&woken);
    }

    /// Breaks the barrier without a waiting party (Python's
    /// `threading.Barrier.abort`): every party waiting now and every later
    /// one gets [`BarrierError::Broken`], until [`reset`](CyclicBarrier::reset).
    /// A generation whose action is running has tripped already: its
    /// parties go on, and the barrier is broken once the action is over
    /// (unless a reset comes after the abort, before then).
    ///
    /// ```
    /// use polyconc::sync::{BarrierError, CyclicBarrier};
    /// let b = CyclicBarrier::new(2);
    /// std::thread::scope(|s| {
    ///     let waiting = s.spawn(|| b.wait());
    ///     while b.number_waiting() == 0 {
    ///         std::thread::yield_now();
    ///     }
    ///     b.abort();
    ///     assert_eq!(waiting.join().unwrap(), Err(BarrierError::Broken));
    /// });
    /// assert_eq!(b.wait(), Err(BarrierError::Broken));
    /// b.reset();
    /// assert!(!b.is_broken());
    /// ```
    pub fn abort(&self) {
        let q = self.waiters.lock();
        let s = self.state.load(Ordering::Relaxed);
        if s & TRIPPING != 0 {
            self.state
                .store(s & !RESET_PENDING | ABORT_PENDING, Ordering::Release);
            return;
        }
        self.break_now(q);
    }

    /// Waits until all parties have arrived; returns this party's arrival
    /// index (`parties - 1` for the first, 0 for the last).
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// let b = CyclicBarrier::new(2);
    /// std::thread::scope(|s| {
    ///     let other = s.spawn(|| b.wait());
    ///     let mine = b.wait().unwrap();
    ///     assert_eq!(mine + other.join().unwrap().unwrap(), 1);
    /// });
    /// ```
    pub fn wait(&self) -> Result<usize, BarrierError> {
        self.wait_with(Wait::FOREVER)
    }

    /// [`wait`](CyclicBarrier::wait), giving up after `timeout`: then this
    /// party gets [`BarrierError::Timeout`] and the barrier is broken. A
    /// zero timeout trips the barrier if this party is the last, else
    /// breaks it. A party that comes while the action of the generation
    /// before runs first waits for it to finish, whatever the timeout (as a
    /// Java thread waits for the barrier's lock).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::{BarrierError, CyclicBarrier};
    /// let b = CyclicBarrier::new(2);
    /// assert_eq!(b.wait_timeout(Duration::from_millis(1)), Err(BarrierError::Timeout));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<usize, BarrierError> {
        self.wait_with(Wait::timeout(timeout))
    }

    /// [`wait`](CyclicBarrier::wait), giving up at `deadline` as
    /// [`wait_timeout`](CyclicBarrier::wait_timeout) does.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::CyclicBarrier;
    /// assert_eq!(CyclicBarrier::new(1).wait_deadline(Instant::now()), Ok(0));
    /// ```
    pub fn wait_deadline(&self, deadline: Instant) -> Result<usize, BarrierError> {
        self.wait_with(Wait::Until(Deadline::at(deadline)))
    }

    /// [`wait`](CyclicBarrier::wait), waiting as `wait` says: [`Wait::Now`]
    /// is a zero timeout (trips the barrier if this party is the last, else
    /// breaks it).
    ///
    /// ```
    /// use polyconc::{sync::{BarrierError, CyclicBarrier}, Wait};
    /// let b = CyclicBarrier::new(2);
    /// assert_eq!(b.wait_with(Wait::Now), Err(BarrierError::Timeout));
    /// ```
    pub fn wait_with(&self, wait: Wait) -> Result<usize, BarrierError> {
        let deadline = wait
            .deadline()
            .unwrap_or_else(|| Deadline::at(Instant::now()));
        self.wait_until(deadline)
    }

    /// [`wait`](CyclicBarrier::wait) in async code. The party arrives at the
    /// first poll (or, if the action of the generation before is running
    /// then, once it is over); dropping the future while it waits breaks the
    /// barrier, as a timeout does. A future dropped before it arrived, or
    /// after its generation tripped, changes nothing.
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let b = CyclicBarrier::new(1);
    /// assert_eq!(block_on(b.wait_async()), Ok(0));
    /// ```
    pub fn wait_async(&self) -> BarrierWaitFuture<'_> {
        BarrierWaitFuture {
            barrier: self,
            state: WaitState::Start,
        }
    }

    /// [`wait_async`](CyclicBarrier::wait_async) as a future that holds
    /// `self`, so it borrows nothing: what a binding keeps in a pending
    /// operation object. It arrives, waits and breaks the barrier when
    /// dropped exactly as `wait_async`'s does.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::task::Poll;
    /// use polyconc::sync::CyclicBarrier;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let b = Arc::new(CyclicBarrier::new(2));
    /// let mut f = Arc::clone(&b).wait_owned_async();
    /// assert_eq!(poll_once(&mut f), Poll::Pending);
    /// assert_eq!(b.wait(), Ok(0));
    /// assert_eq!(poll_once(&mut f), Poll::Ready(Ok(1)));
    /// ```
    pub fn wait_owned_async(self: std::sync::Arc<Self>) -> OwnedBarrierWaitFuture {
        OwnedBarrierWaitFuture {
            barrier: self,
            state: WaitState::Start,
        }
    }

    fn wait_until(&self, deadline: Deadline) -> Result<usize, BarrierError> {
        loop {
            let waiter = Waiter::for_thread();
            let index = match self.arrive(&waiter) {
                Arrival::Broken => return Err(BarrierError::Broken),
                Arrival::Last(r) => return r,
                Arrival::Waits(index) => index,
                Arrival::Early => {
                    // As a Java thread waits for the lock: untimed, and
                    // the deadline applies once it has arrived.
                    let told = waiter.wait(Backoff::Park, Deadline::never());
                    debug_assert!(told);
                    continue;
                }
            };
            if !waiter.wait(Backoff::Park, deadline) && self.leave(&waiter) {
                return Err(BarrierError::Timeout);
            }
            return outcome(&waiter, index);
        }
    }

    /// Counts a party in; queues `waiter` unless it is the last (which
    /// trips the barrier) or the barrier is broken. While an action runs,
    /// queues it to arrive again.
    fn arrive(&self, waiter: &Arc<Waiter>) -> Arrival {
        let mut q = self.waiters.lock();
        let s = self.state.load(Ordering::Relaxed);
        if s & TRIPPING != 0 {
            q.push_back(Arc::clone(waiter), ());
            return Arrival::Early;
        }
        if s & BROKEN_FLAG != 0 {
            return Arrival::Broken;
        }
        let arrived = s + 1;
        if arrived < self.parties {
            self.state.store(arrived, Ordering::Release);
            q.push_back(Arc::clone(waiter), ());
            return Arrival::Waits(self.parties - arrived);
        }
        // The last: this generation is over; the next starts after the action.
        let claimed = claim_all(&mut q, TRIPPED);
        self.state.store(TRIPPING | arrived, Ordering::Release);
        drop(q);
        Arrival::Last(self.trip(claimed))
    }

    /// Runs the action, then lets the generation's waiters go: tripped, or
    /// broken (with the barrier, unless a reset came meanwhile) if the
    /// action panicked. Those that came meanwhile arrive again.
    fn trip(&self, claimed: Vec<Arc<Waiter>>) -> Result<usize, BarrierError> {
        let ran = match &self.action {
            Some(action) => catch_unwind(AssertUnwindSafe(action)).is_ok(),
            None => true,
        };
        let woken = {
            let mut q = self.waiters.lock();
            let s = self.state.load(Ordering::Relaxed);
            let reset = s & RESET_PENDING != 0;
            let broken = s & ABORT_PENDING != 0 || !ran && !reset;
            self.state
                .store(if broken { BROKEN_FLAG } else { 0 }, Ordering::Release);
            release_all(&mut q, RETRY)
        };
        for w in &claimed {
            if !ran {
                w.reclaim(BROKEN);
            }
            w.complete();
        }
        wake(&claimed);
        wake(&woken);
        if ran {
            Ok(0)
        } else {
            Err(BarrierError::ActionPanicked)
        }
    }

    /// A waiting party gives up (its deadline passed, or its future was
    /// dropped). True if it left, breaking the barrier; false if its
    /// generation ended first (it was claimed): then the claim decides.
    fn leave(&self, waiter: &Arc<Waiter>) -> bool {
        let mut q = self.waiters.lock();
        if q.abort(waiter).is_err() {
            return false;
        }
        // Still waiting, so its generation has not tripped: no action runs.
        debug_assert_eq!(self.state.load(Ordering::Relaxed) & TRIPPING, 0);
        self.break_now(q);
        true
    }

    /// Breaks the barrier while no action runs: its waiters go, broken.
    fn break_now(&self, mut q: Locked<'_, ()>) {
        let woken = release_all(&mut q, BROKEN);
        self.state.store(BROKEN_FLAG, Ordering::Release);
        drop(q);
        wake(&woken);
    }
}

/// Claims every waiter in `q` for `case`, without completing them.
fn claim_all(q: &mut Locked<'_, ()>, case: usize) -> Vec<Arc<Waiter>> {
    std::iter::from_fn(|| q.pop(case).map(|(w, ())| w)).collect()
}

/// Claims and completes every waiter in `q` for `case`; returns them, to
/// wake once unlocked.
fn release_all(q: &mut Locked<'_, ()>, case: usize) -> Vec<Arc<Waiter>> {
    let woken = claim_all(q, case);
    woken.iter().for_each(|w| w.complete());
    woken
}

fn wake(woken: &[Arc<Waiter>]) {
    woken.iter().for_each(|w| w.wake());
}

/// The result of a waiter that was claimed: it may still be waiting for
/// the claim to complete (its generation's action to finish).
fn outcome(waiter: &Waiter, index: usize) -> Result<usize, BarrierError> {
    let done = waiter.wait(Backoff::Park, Deadline::never());
    debug_assert!(done);
    match waiter.claimed() {
        Some(TRIPPED) => Ok(index),
        _ => Err(BarrierError::Broken),
    }
}

impl std::fmt::Debug for CyclicBarrier {
    /// Shows the parties, those waiting, and whether it is broken.
    ///
    /// ```
    /// use polyconc::sync::CyclicBarrier;
    /// assert!(format!("{:?}", CyclicBarrier::new(2)).contains("parties: 2"));
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CyclicBarrier")
            .field("parties", &self.parties)
            .field("waiting", &self.number_waiting())
            .field("broken", &self.is_broken())
            .finish()
    }
}
