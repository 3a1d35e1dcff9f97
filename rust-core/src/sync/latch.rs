//! [`CountDownLatch`]: a count that only goes down, and an [`Event`] its
//! waiters re-check it on when it reaches zero.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::loom::{AtomicUsize, Ordering};
use crate::wait::{const_fn_unless_loom, Backoff, Deadline, Event, Wait, Watch};

/// Java's `java.util.concurrent.CountDownLatch`: threads wait until the
/// count, set once, has been counted down to zero. Zero releases every
/// waiter, and every later wait returns at once, forever (make a new latch,
/// or a [`CyclicBarrier`](super::CyclicBarrier), to wait again).
///
/// Everything a thread did before its [`count_down`](CountDownLatch::count_down)
/// happens before a wait that it lets return.
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
/// use polyconc::sync::CountDownLatch;
///
/// let ready = Arc::new(CountDownLatch::new(3));
/// for _ in 0..3 {
///     let ready = Arc::clone(&ready);
///     thread::spawn(move || ready.count_down());
/// }
/// ready.wait();
/// assert_eq!(ready.count(), 0);
/// ```
pub struct CountDownLatch {
    count: AtomicUsize,
    zero: Event,
}

impl CountDownLatch {
    const_fn_unless_loom! {
        /// A latch that opens after `count` count-downs (at once for 0).
        ///
        /// ```
        /// use polyconc::sync::CountDownLatch;
        /// assert_eq!(CountDownLatch::new(2).count(), 2);
        /// ```
        pub fn new(count: usize) -> CountDownLatch {
            CountDownLatch {
                count: AtomicUsize::new(count),
                zero: Event::new(),
            }
        }
    }

    /// Counts down by one; the count reaching zero releases every waiter.
    /// No effect once at zero.
    ///
    /// ```
    /// use polyconc::sync::CountDownLatch;
    /// let l = CountDownLatch::new(1);
    /// l.count_down();
    /// l.count_down();
    /// assert_eq!(l.count(), 0);
    /// ```
    pub fn count_down(&self) {
        let was = self
            .count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| c.checked_sub(1));
        if was == Ok(1) {
            self.zero.notify_all();
        }
    }

    /// The count now.
    ///
    /// ```
    /// use polyconc::sync::CountDownLatch;
    /// let l = CountDownLatch::new(2);
    /// l.count_down();
    /// assert_eq!(l.count(), 1);
    /// ```
    pub fn count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Blocks until the count is zero.
    ///
    /// ```
    /// use polyconc::sync::CountDownLatch;
    /// let l = CountDownLatch::new(0);
    /// l.wait();
    /// ```
    pub fn wait(&self) {
        let opened = self.wait_with(Wait::FOREVER);
        debug_assert!(opened);
    }

    /// Blocks until the count is zero (true) or `timeout` passes (false).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::CountDownLatch;
    /// let l = CountDownLatch::new(1);
    /// assert!(!l.wait_timeout(Duration::from_millis(1)));
    /// l.count_down();
    /// assert!(l.wait_timeout(Duration::ZERO));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_with(Wait::timeout(timeout))
    }

    /// Blocks until the count is zero (true) or `deadline` passes (false).
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::CountDownLatch;
    /// assert!(!CountDownLatch::new(1).wait_deadline(Instant::now()));
    /// ```
    pub fn wait_deadline(&self, deadline: Instant) -> bool {
        self.wait_with(Wait::Until(Deadline::at(deadline)))
    }

    /// Waits for the count to be zero as `wait` says; whether it is.
    ///
    /// ```
    /// use polyconc::{sync::CountDownLatch, Wait};
    /// let l = CountDownLatch::new(1);
    /// assert!(!l.wait_with(Wait::Now));
    /// l.count_down();
    /// assert!(l.wait_with(Wait::FOREVER));
    /// ```
    pub fn wait_with(&self, wait: Wait) -> bool {
        match wait {
            Wait::Now => self.is_open().is_some(),
            Wait::Until(deadline) => self
                .zero
                .wait(|| self.is_open(), Backoff::Park, deadline)
                .is_some(),
        }
    }

    /// Waits for the count to be zero, in async code. Dropping the future
    /// is all it takes to stop waiting.
    ///
    /// ```
    /// use std::task::Poll;
    /// use polyconc::sync::CountDownLatch;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let l = CountDownLatch::new(1);
    /// let mut f = l.wait_async();
    /// assert_eq!(poll_once(&mut f), Poll::Pending);
    /// l.count_down();
    /// assert_eq!(poll_once(&mut f), Poll::Ready(()));
    /// ```
    pub fn wait_async(&self) -> LatchWaitFuture<'_> {
        LatchWaitFuture {
            latch: self,
            watch: Watch::default(),
        }
    }

    /// A future that waits for the count to be zero and holds `self`
    /// meanwhile, so it borrows nothing: what a binding keeps in a pending
    /// operation object. Dropping it is all it takes to stop waiting, as
    /// with [`wait_async`](CountDownLatch::wait_async).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::task::Poll;
    /// use polyconc::sync::CountDownLatch;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let l = Arc::new(CountDownLatch::new(1));
    /// let mut f = Arc::clone(&l).wait_owned_async();
    /// assert_eq!(poll_once(&mut f), Poll::Pending);
    /// l.count_down();
    /// assert_eq!(poll_once(&mut f), Poll::Ready(()));
    /// ```
    pub fn wait_owned_async(self: std::sync::Arc<Self>) -> OwnedLatchWaitFuture {
        OwnedLatchWaitFuture {
            latch: self,
            watch: Watch::default(),
        }
    }

    /// One poll of a wait future: ready once the count is zero.
    fn poll_wait(&self, watch: &mut Watch, cx: &mut Context<'_>) -> Poll<()> {
        self.zero.poll_wait(watch, cx, || self.is_open())
    }

    fn is_open(&self) -> Option<()> {
        (self.count() == 0).then_some(())
    }
}

impl std::fmt::Debug for CountDownLatch {
    /// Shows the count.
    ///
    /// ```
    /// use polyconc::sync::CountDownLatch;
    /// assert!(format!("{:?}", CountDownLatch::new(2)).contains("count: 2"));
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountDownLatch")
            .field("count", &self.count())
            .finish()
    }
}

/// Waits for a latch to open when awaited; made by
/// [`CountDownLatch::wait_async`]. Ready, and ready again if polled again,
/// once the count is zero.
///
/// ```
/// use polyconc::sync::CountDownLatch;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let l = CountDownLatch::new(0);
/// block_on(l.wait_async());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct LatchWaitFuture<'a> {
    latch: &'a CountDownLatch,
    watch: Watch,
}

impl Future for LatchWaitFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.latch.poll_wait(&mut this.watch, cx)
    }
}

impl Drop for LatchWaitFuture<'_> {
    fn drop(&mut self) {
        self.latch.zero.stop_watching(&mut self.watch);
    }
}

/// Waits for a latch to open when awaited, owning a handle to it; made by
/// [`CountDownLatch::wait_owned_async`]. It borrows nothing, so a binding
/// can keep it pending in an object of its own.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{CountDownLatch, OwnedLatchWaitFuture};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut: OwnedLatchWaitFuture = Arc::new(CountDownLatch::new(1)).wait_owned_async();
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedLatchWaitFuture {
    latch: std::sync::Arc<CountDownLatch>,
    watch: Watch,
}

impl Future for OwnedLatchWaitFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.latch.poll_wait(&mut this.watch, cx)
    }
}

impl Drop for OwnedLatchWaitFuture {
    fn drop(&mut self) {
        self.latch.zero.stop_watching(&mut self.watch);
    }
}

impl std::fmt::Debug for OwnedLatchWaitFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedLatchWaitFuture")
            .field("count", &self.latch.count())
            .finish_non_exhaustive()
    }
}
