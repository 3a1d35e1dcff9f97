//! [`WaitGroup`]: a counter and the number of times it has come down to
//! zero, in one word, and an [`Event`] its waiters re-check it on.
//!
//! A wait returns once the counter has been zero at some moment after the
//! wait began. Counting the zeros (the *epoch*) in the counter's own word
//! lets a waiter tell that moment from a stale one: a wait that sees the
//! counter above zero waits for the epoch to move, and the epoch moves in
//! the same atomic step as the counter reaches zero, so neither a group
//! reused at once (`add` right after the last `done`) nor a `done` still
//! on its way out can release a wait that began after the zero.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

// The counter and its epoch need 64 bits on every target.
use crate::loom::{AtomicU64, Ordering};
use crate::wait::{const_fn_unless_loom, Backoff, Deadline, Event, Wait, Watch};

/// The counter: the low 32 bits of the word (as Go's `int32` counter).
const COUNT: u64 = u32::MAX as u64;
/// One step of the epoch, the high 32 bits; it wraps.
const EPOCH_ONE: u64 = COUNT + 1;

/// Go's `sync.WaitGroup`: [`add`](WaitGroup::add) the number of tasks,
/// each calls [`done`](WaitGroup::done), and [`wait`](WaitGroup::wait)
/// blocks until the counter is zero.
///
/// Where Go panics, on a counter that would go below zero (or past
/// [`WaitGroup::MAX`]), this returns [`NegativeCounter`] and changes
/// nothing. What Go calls misuse and detects by chance, an `add` racing a
/// `wait` and reuse before a `wait` returned, is allowed: a wait returns
/// once the counter was zero at some moment after it began. Everything a
/// task did before its `done` happens before the wait that `done` lets
/// return.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::thread;
/// use polyconc::sync::WaitGroup;
///
/// let wg = Arc::new(WaitGroup::new());
/// let sum = Arc::new(AtomicUsize::new(0));
/// for i in 1..=3 {
///     wg.add(1).unwrap();
///     let (wg, sum) = (Arc::clone(&wg), Arc::clone(&sum));
///     thread::spawn(move || {
///         sum.fetch_add(i, Ordering::Relaxed);
///         wg.done().unwrap();
///     });
/// }
/// wg.wait();
/// assert_eq!(sum.load(Ordering::Relaxed), 6);
/// ```
pub struct WaitGroup {
    /// The counter (low half) and its epoch (high half).
    state: AtomicU64,
    zero: Event,
}

/// A [`WaitGroup::add`] or [`WaitGroup::done`] that would take the counter
/// below zero (or past [`WaitGroup::MAX`]); the counter is left as it was.
///
/// ```
/// use polyconc::sync::{NegativeCounter, WaitGroup};
/// assert_eq!(WaitGroup::new().done(), Err(NegativeCounter));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NegativeCounter;

impl std::fmt::Display for NegativeCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the WaitGroup counter would go below zero (or past WaitGroup::MAX)")
    }
}

impl std::error::Error for NegativeCounter {}

impl WaitGroup {
    /// The largest counter.
    ///
    /// ```
    /// use polyconc::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// wg.add(WaitGroup::MAX as isize).unwrap();
    /// assert!(wg.add(1).is_err());
    /// ```
    pub const MAX: usize = COUNT as usize;

    const_fn_unless_loom! {
        /// A group with a zero counter (Go's zero value).
        ///
        /// ```
        /// use polyconc::sync::WaitGroup;
        /// let wg = WaitGroup::new();
        /// wg.wait(); // returns at once
        /// ```
        pub fn new() -> WaitGroup {
            WaitGroup {
                state: AtomicU64::new(0),
                zero: Event::new(),
            }
        }
    }

    /// Adds `delta`, which may be negative, to the counter; when the
    /// counter reaches zero, every wait returns. An error, changing
    /// nothing, if the counter would go below zero or past
    /// [`WaitGroup::MAX`].
    ///
    /// ```
    /// use polyconc::sync::{NegativeCounter, WaitGroup};
    /// let wg = WaitGroup::new();
    /// wg.add(2).unwrap();
    /// assert_eq!(wg.add(-3), Err(NegativeCounter));
    /// wg.add(-2).unwrap();
    /// assert_eq!(wg.count(), 0);
    /// ```
    pub fn add(&self, delta: isize) -> Result<(), NegativeCounter> {
        let delta = i64::try_from(delta).map_err(|_| NegativeCounter)?;
        let mut s = self.state.load(Ordering::Acquire);
        let reached_zero = loop {
            let count = (s & COUNT) as i64;
            let new = count
                .checked_add(delta)
                .filter(|n| (0..=COUNT as i64).contains(n))
                .ok_or(NegativeCounter)?;
            let moved = if new == 0 && count != 0 { EPOCH_ONE } else { 0 };
            let next = ((s & !COUNT) | new as u64).wrapping_add(moved);
            match self
                .state
                .compare_exchange_weak(s, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break moved != 0,
                Err(actual) => s = actual,
            }
        };
        if reached_zero {
            self.zero.notify_all();
        }
        Ok(())
    }

    /// Subtracts one from the counter: `add(-1)`.
    ///
    /// ```
    /// use polyconc::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// wg.add(1).unwrap();
    /// wg.done().unwrap();
    /// assert!(wg.done().is_err());
    /// ```
    pub fn done(&self) -> Result<(), NegativeCounter> {
        self.add(-1)
    }

    /// The counter now.
    ///
    /// ```
    /// use polyconc::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// wg.add(3).unwrap();
    /// assert_eq!(wg.count(), 3);
    /// ```
    pub fn count(&self) -> usize {
        (self.state.load(Ordering::Acquire) & COUNT) as usize
    }

    /// Blocks until the counter is zero.
    ///
    /// ```
    /// use polyconc::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// wg.add(1).unwrap();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| wg.done().unwrap());
    ///     wg.wait();
    /// });
    /// ```
    pub fn wait(&self) {
        let zero = self.wait_with(Wait::FOREVER);
        debug_assert!(zero);
    }

    /// Blocks until the counter is zero (true) or `timeout` passes (false).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::WaitGroup;
    /// let wg = WaitGroup::new();
    /// wg.add(1).unwrap();
    /// assert!(!wg.wait_timeout(Duration::from_millis(1)));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_with(Wait::timeout(timeout))
    }

    /// Blocks until the counter is zero (true) or `deadline` passes (false).
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::WaitGroup;
    /// assert!(WaitGroup::new().wait_deadline(Instant::now()));
    /// ```
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.wait_with(Wait::Until(Deadline::at(deadline)))
    }

    /// Waits for the counter to be zero as `wait` says; whether it was.
    ///
    /// ```
    /// use polyconc::{sync::WaitGroup, Wait};
    /// let wg = WaitGroup::new();
    /// wg.add(1).unwrap();
    /// assert!(!wg.wait_with(Wait::Now));
    /// wg.done().unwrap();
    /// assert!(wg.wait_with(Wait::FOREVER));
    /// ```
    pub fn wait_with(&self, wait: Wait) -> bool {
        match (self.epoch_to_pass(), wait) {
            (None, _) => true,
            (Some(_), Wait::Now) => false,
            (Some(epoch), Wait::Until(deadline)) => self
                .zero
                .wait(|| self.passed(epoch), Backoff::Park, deadline)
                .is_some(),
        }
    }

    /// Waits for the counter to be zero, in async code. Dropping the future
    /// is all it takes to stop waiting.
    ///
    /// ```
    /// use std::task::Poll;
    /// use polyconc::sync::WaitGroup;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let wg = WaitGroup::new();
    /// wg.add(1).unwrap();
    /// let mut f = wg.wait_async();
    /// assert_eq!(poll_once(&mut f), Poll::Pending);
    /// wg.done().unwrap();
    /// assert_eq!(poll_once(&mut f), Poll::Ready(()));
    /// ```
    pub fn wait_async(&self) -> WaitGroupWaitFuture<'_> {
        WaitGroupWaitFuture {
            group: self,
            waiting: Waiting::default(),
        }
    }

    /// A future that waits for the counter to be zero and holds `self`
    /// meanwhile, so it borrows nothing: what a binding keeps in a pending
    /// operation object. As [`wait_async`](WaitGroup::wait_async)'s, the
    /// wait begins at the first poll, and dropping the future stops it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::task::Poll;
    /// use polyconc::sync::WaitGroup;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let wg = Arc::new(WaitGroup::new());
    /// wg.add(1).unwrap();
    /// let mut f = Arc::clone(&wg).wait_owned_async();
    /// assert_eq!(poll_once(&mut f), Poll::Pending);
    /// wg.done().unwrap();
    /// assert_eq!(poll_once(&mut f), Poll::Ready(()));
    /// ```
    pub fn wait_owned_async(self: std::sync::Arc<Self>) -> OwnedWaitGroupWaitFuture {
        OwnedWaitGroupWaitFuture {
            group: self,
            waiting: Waiting::default(),
        }
    }

    /// The epoch to wait past, or `None` if the counter is zero now.
    fn epoch_to_pass(&self) -> Option<u64> {
        let s = self.state.load(Ordering::Acquire);
        (s & COUNT != 0).then_some(s >> 32)
    }

    /// Whether the counter reached zero since `epoch`.
    fn passed(&self, epoch: u64) -> Option<()> {
        (self.state.load(Ordering::Acquire) >> 32 != epoch).then_some(())
    }
}

impl Default for WaitGroup {
    /// [`WaitGroup::new`].
    ///
    /// ```
    /// use polyconc::sync::WaitGroup;
    /// assert_eq!(WaitGroup::default().count(), 0);
    /// ```
    fn default() -> WaitGroup {
        WaitGroup::new()
    }
}

impl std::fmt::Debug for WaitGroup {
    /// Shows the counter.
    ///
    /// ```
    /// use polyconc::sync::WaitGroup;
    /// assert!(format!("{:?}", WaitGroup::new()).contains("count: 0"));
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitGroup")
            .field("count", &self.count())
            .finish()
    }
}

/// Waits for a group's counter to be zero when awaited; made by
/// [`WaitGroup::wait_async`]. The wait begins at the first poll.
///
/// ```
/// use polyconc::sync::WaitGroup;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// block_on(WaitGroup::new().wait_async());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitGroupWaitFuture<'a> {
    group: &'a WaitGroup,
    waiting: Waiting,
}

/// Waits for a group's counter to be zero when awaited, owning a handle to
/// the group; made by [`WaitGroup::wait_owned_async`]. It borrows nothing,
/// so a binding can keep it pending in an object of its own.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedWaitGroupWaitFuture, WaitGroup};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut: OwnedWaitGroupWaitFuture = Arc::new(WaitGroup::new()).wait_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedWaitGroupWaitFuture {
    group: std::sync::Arc<WaitGroup>,
    waiting: Waiting,
}

/// A pending asynchronous wait, whoever holds the group.
#[derive(Default)]
struct Waiting {
    /// Set at the first poll that found the counter above zero.
    epoch: Option<u64>,
    watch: Watch,
}

impl Waiting {
    /// Polls for `group`, which must be the same on every call.
    fn poll(&mut self, group: &WaitGroup, cx: &mut Context<'_>) -> Poll<()> {
        let epoch = match self.epoch {
            Some(epoch) => epoch,
            None => match group.epoch_to_pass() {
                None => return Poll::Ready(()),
                Some(epoch) => *self.epoch.insert(epoch),
            },
        };
        group
            .zero
            .poll_wait(&mut self.watch, cx, || group.passed(epoch))
    }

    /// Stops waiting (passing on news it was told and did not see).
    fn cancel(&mut self, group: &WaitGroup) {
        group.zero.stop_watching(&mut self.watch);
    }
}

impl Future for WaitGroupWaitFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.waiting.poll(this.group, cx)
    }
}

impl Drop for WaitGroupWaitFuture<'_> {
    fn drop(&mut self) {
        self.waiting.cancel(self.group);
    }
}

impl Future for OwnedWaitGroupWaitFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.waiting.poll(&this.group, cx)
    }
}

impl Drop for OwnedWaitGroupWaitFuture {
    fn drop(&mut self) {
        self.waiting.cancel(&self.group);
    }
}

impl std::fmt::Debug for OwnedWaitGroupWaitFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedWaitGroupWaitFuture")
            .field("count", &self.group.count())
            .finish_non_exhaustive()
    }
}
