//! [`Semaphore`]: a count of permits and a FIFO of acquires waiting for
//! them, each for all of its permits at once.
//!
//! The count is one atomic word; a waiting acquire is an entry of a
//! [`WaitQueue`] whose payload is the number of permits it wants. Whoever
//! adds permits (a release, or a waiter that leaves the head of the queue)
//! hands them to the queue's head while the head's whole request fits, and
//! only then: an acquire never holds part of what it asked for, so two
//! acquires of 2 out of 3 permits cannot deadlock each other.
//!
//! Every abort happens under the queue's lock, so while the lock is held
//! every queued entry can still be claimed: the permits a hand-off takes
//! always reach their waiter.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::loom::{fence, Arc, AtomicUsize, Ordering};
use crate::wait::{const_fn_unless_loom, Backoff, Deadline, Locked, Wait, WaitQueue, Waiter};

/// The case a waiter is claimed for: its permits were taken for it.
const GRANTED: usize = 0;

/// A counting semaphore, as Java's `java.util.concurrent.Semaphore`.
///
/// [`acquire`](Semaphore::acquire) takes `n` permits, waiting until all `n`
/// are there at once; [`release`](Semaphore::release) gives permits (any
/// thread may, whether or not it acquired any). Waiting acquires are
/// served in the order they came. On the default, unfair semaphore an
/// acquire that finds enough permits free takes them even while others
/// wait (barging: it keeps the permits busy); on a [`fair`](Semaphore::fair)
/// one it queues behind them, except [`try_acquire`](Semaphore::try_acquire),
/// which always barges, as Java's `tryAcquire()` does.
///
/// A timed-out or cancelled acquire leaves the count exactly as it was, and
/// if its leaving lets the acquire behind it go on, lets it go.
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
/// use polyconc::sync::Semaphore;
///
/// // At most two workers in the section at once.
/// let slots = Arc::new(Semaphore::new(2));
/// let workers: Vec<_> = (0..4)
///     .map(|_| {
///         let slots = Arc::clone(&slots);
///         thread::spawn(move || {
///             slots.acquire(1);
///             // ... at most one other worker is here ...
///             slots.release(1).unwrap();
///         })
///     })
///     .collect();
/// workers.into_iter().for_each(|w| w.join().unwrap());
/// assert_eq!(slots.available_permits(), 2);
/// ```
pub struct Semaphore {
    permits: AtomicUsize,
    /// Acquires waiting, each with the number of permits it wants.
    waiters: WaitQueue<usize>,
    fair: bool,
}

/// A [`Semaphore::release`] that would take the count past `usize::MAX`;
/// the count is left as it was.
///
/// ```
/// use polyconc::sync::{PermitOverflow, Semaphore};
/// let s = Semaphore::new(usize::MAX);
/// assert_eq!(s.release(1), Err(PermitOverflow));
/// assert_eq!(s.available_permits(), usize::MAX);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PermitOverflow;

impl std::fmt::Display for PermitOverflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("releasing these permits would take the semaphore's count past usize::MAX")
    }
}

impl std::error::Error for PermitOverflow {}

impl Semaphore {
    const_fn_unless_loom! {
        /// An unfair semaphore with `permits` permits.
        ///
        /// ```
        /// use polyconc::sync::Semaphore;
        /// let s = Semaphore::new(3);
        /// assert_eq!(s.available_permits(), 3);
        /// assert!(!s.is_fair());
        /// ```
        pub fn new(permits: usize) -> Semaphore {
            Semaphore {
                permits: AtomicUsize::new(permits),
                waiters: WaitQueue::new(),
                fair: false,
            }
        }
    }

    const_fn_unless_loom! {
        /// A fair semaphore with `permits` permits: an acquire that may wait
        /// never takes permits ahead of one already waiting.
        ///
        /// ```
        /// use polyconc::sync::Semaphore;
        /// let s = Semaphore::fair(1);
        /// assert!(s.is_fair());
        /// ```
        pub fn fair(permits: usize) -> Semaphore {
            Semaphore {
                permits: AtomicUsize::new(permits),
                waiters: WaitQueue::new(),
                fair: true,
            }
        }
    }

    /// Whether the semaphore was made by [`Semaphore::fair`].
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// assert!(!Semaphore::new(0).is_fair());
    /// ```
    pub fn is_fair(&self) -> bool {
        self.fair
    }

    /// Takes `n` permits, waiting as long as it takes until all `n` are
    /// free at once. `n = 0` returns at once.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// let s = Semaphore::new(3);
    /// s.acquire(2);
    /// assert_eq!(s.available_permits(), 1);
    /// ```
    pub fn acquire(&self, n: usize) {
        let acquired = self.acquire_with(n, Wait::FOREVER);
        debug_assert!(acquired);
    }

    /// Takes `n` permits if they are free now, even on a fair semaphore
    /// with acquires waiting (as Java's `tryAcquire()`); false otherwise,
    /// taking none.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// let s = Semaphore::new(2);
    /// assert!(!s.try_acquire(3));
    /// assert!(s.try_acquire(2));
    /// assert_eq!(s.available_permits(), 0);
    /// ```
    pub fn try_acquire(&self, n: usize) -> bool {
        self.acquire_with(n, Wait::Now)
    }

    /// Takes `n` permits, waiting as `wait` says; whether it took them.
    /// [`Wait::Now`] is [`try_acquire`](Semaphore::try_acquire) (it barges);
    /// a deadline that has passed does not wait, but on a fair semaphore
    /// does not barge either.
    ///
    /// ```
    /// use polyconc::{sync::Semaphore, Wait};
    /// let s = Semaphore::new(1);
    /// assert!(s.acquire_with(1, Wait::FOREVER));
    /// assert!(!s.acquire_with(1, Wait::Now));
    /// ```
    pub fn acquire_with(&self, n: usize, wait: Wait) -> bool {
        match wait {
            Wait::Now => self.take(n),
            Wait::Until(deadline) => {
                (self.may_take() && self.take(n)) || self.acquire_slow(n, deadline)
            }
        }
    }

    /// [`acquire`](Semaphore::acquire), giving up after `timeout` (false,
    /// taking none). A zero timeout does not wait, but on a fair semaphore
    /// does not barge either (Java's `tryAcquire(n, 0, unit)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::Semaphore;
    /// let s = Semaphore::new(1);
    /// assert!(!s.acquire_timeout(2, Duration::from_millis(1)));
    /// assert!(s.acquire_timeout(1, Duration::from_millis(1)));
    /// ```
    pub fn acquire_timeout(&self, n: usize, timeout: Duration) -> bool {
        self.acquire_with(n, Wait::timeout(timeout))
    }

    /// [`acquire`](Semaphore::acquire), giving up at `deadline` (false,
    /// taking none).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::sync::Semaphore;
    /// let s = Semaphore::new(0);
    /// assert!(!s.acquire_deadline(1, Instant::now() + Duration::from_millis(1)));
    /// ```
    pub fn acquire_deadline(&self, n: usize, deadline: Instant) -> bool {
        self.acquire_with(n, Wait::Until(Deadline::at(deadline)))
    }

    /// [`acquire`](Semaphore::acquire) for async code. Dropping the future
    /// before it completes leaves the count as it was: permits handed to it
    /// meanwhile are released again.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let s = Semaphore::new(2);
    /// block_on(s.acquire_async(2));
    /// assert_eq!(s.available_permits(), 0);
    /// ```
    pub fn acquire_async(&self, n: usize) -> AcquireFuture<'_> {
        AcquireFuture {
            semaphore: self,
            acquiring: Acquiring::new(n),
        }
    }

    /// A future that takes `n` permits and holds `self` meanwhile, so it
    /// borrows nothing (tokio's `acquire_many_owned`, without a permit
    /// guard: permits are given back by [`release`](Semaphore::release), as
    /// with [`acquire`](Semaphore::acquire)). Dropped before it is ready,
    /// it leaves the count exactly as it was.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use polyconc::sync::Semaphore;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let s = Arc::new(Semaphore::new(3));
    /// block_on(Arc::clone(&s).acquire_owned_async(2));
    /// assert_eq!(s.available_permits(), 1);
    /// ```
    pub fn acquire_owned_async(self: std::sync::Arc<Self>, n: usize) -> OwnedAcquireFuture {
        OwnedAcquireFuture {
            semaphore: self,
            acquiring: Acquiring::new(n),
        }
    }

    /// Adds `n` permits, letting waiting acquires go on (in order) as far
    /// as the permits go. Fails, adding none, if the count would pass
    /// `usize::MAX`.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// let s = Semaphore::new(0);
    /// s.release(2).unwrap();
    /// assert_eq!(s.available_permits(), 2);
    /// ```
    pub fn release(&self, n: usize) -> Result<(), PermitOverflow> {
        self.permits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| p.checked_add(n))
            .map_err(|_| PermitOverflow)?;
        // Pairs with the fence after queueing in `register`: either we see
        // the waiter here, or it sees our permits when it re-checks.
        fence(Ordering::SeqCst);
        if self.waiters.len() != 0 {
            self.hand_out();
        }
        Ok(())
    }

    /// The permits free now.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// assert_eq!(Semaphore::new(5).available_permits(), 5);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.permits.load(Ordering::SeqCst)
    }

    /// Takes every free permit; returns how many.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// let s = Semaphore::new(4);
    /// assert_eq!(s.drain_permits(), 4);
    /// assert_eq!(s.available_permits(), 0);
    /// ```
    pub fn drain_permits(&self) -> usize {
        self.permits.swap(0, Ordering::SeqCst)
    }

    /// How many acquires are waiting (an estimate while they come and go).
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// assert_eq!(Semaphore::new(1).queue_length(), 0);
    /// ```
    pub fn queue_length(&self) -> usize {
        self.waiters.len()
    }

    /// Takes `n` permits if they are free.
    fn take(&self, n: usize) -> bool {
        self.permits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| p.checked_sub(n))
            .is_ok()
    }

    /// Whether an acquire that may wait may take free permits now: always
    /// on an unfair semaphore; on a fair one only if nobody waits.
    fn may_take(&self) -> bool {
        !self.fair || self.waiters.len() == 0
    }

    /// Queues the calling thread until it is handed its permits or
    /// `deadline` passes. Out of line: the fast path stays small.
    #[inline(never)]
    fn acquire_slow(&self, n: usize, deadline: Deadline) -> bool {
        let waiter = Waiter::for_thread();
        match self.register(&waiter, n, deadline) {
            Registered::Took => return true,
            Registered::GaveUp => return false,
            Registered::Queued => {}
        }
        // If the deadline passed, leave, unless the permits were handed
        // over as it did.
        waiter.wait(Backoff::Park, deadline) || !self.leave(&waiter)
    }

    /// A queued acquire gives up: true if it left the queue (and passed on
    /// what could not serve it: its leaving may let the next one go on),
    /// false if it was handed its permits first.
    fn leave(&self, waiter: &Arc<Waiter>) -> bool {
        let mut q = self.waiters.lock();
        if q.abort(waiter).is_err() {
            return false;
        }
        let woken = self.hand_out_locked(&mut q);
        drop(q);
        wake(woken);
        true
    }

    /// Under the lock: takes the permits if this acquire may, else queues
    /// `waiter` (unless `deadline` has passed) and re-checks by handing out
    /// what is free, which may serve `waiter` itself.
    fn register(&self, waiter: &Arc<Waiter>, n: usize, deadline: Deadline) -> Registered {
        let mut q = self.waiters.lock();
        if (!self.fair || q.front().is_none()) && self.take(n) {
            return Registered::Took;
        }
        if deadline.is_past() {
            return Registered::GaveUp;
        }
        q.push_back(Arc::clone(waiter), n);
        fence(Ordering::SeqCst);
        let woken = self.hand_out_locked(&mut q);
        drop(q);
        wake(woken);
        Registered::Queued
    }

    /// Hands free permits to the waiters at the head of the queue.
    #[inline(never)]
    fn hand_out(&self) {
        let mut q = self.waiters.lock();
        let woken = self.hand_out_locked(&mut q);
        drop(q);
        wake(woken);
    }

    /// Serves the queue's head while its whole request fits in the free
    /// permits; returns the waiters served, to wake once unlocked.
    fn hand_out_locked(&self, q: &mut Locked<'_, usize>) -> Vec<Arc<Waiter>> {
        let mut woken = Vec::new();
        while let Some(&n) = q.front() {
            if !self.take(n) {
                break;
            }
            // Nobody aborts without the lock we hold: the head is still
            // there to be claimed, with the permits we took for it.
            let (waiter, wanted) = q.pop(GRANTED).expect("the head waits for its permits");
            debug_assert_eq!(wanted, n);
            waiter.complete();
            woken.push(waiter);
        }
        woken
    }
}

/// What [`Semaphore::register`] did.
enum Registered {
    Took,
    GaveUp,
    Queued,
}

fn wake(woken: Vec<Arc<Waiter>>) {
    woken.iter().for_each(|w| w.wake());
}

impl Default for Semaphore {
    /// An unfair semaphore with no permits.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// assert_eq!(Semaphore::default().available_permits(), 0);
    /// ```
    fn default() -> Semaphore {
        Semaphore::new(0)
    }
}

impl std::fmt::Debug for Semaphore {
    /// Shows the free permits, the fairness and the waiting acquires.
    ///
    /// ```
    /// use polyconc::sync::Semaphore;
    /// assert!(format!("{:?}", Semaphore::new(2)).contains("permits: 2"));
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("fair", &self.fair)
            .field("waiting", &self.queue_length())
            .finish()
    }
}

/// Takes permits when awaited; made by [`Semaphore::acquire_async`].
///
/// ```
/// use std::task::Poll;
/// use polyconc::sync::Semaphore;
/// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> Poll<F::Output> {
/// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
/// # }
/// let s = Semaphore::new(0);
/// let mut f = s.acquire_async(1);
/// assert_eq!(poll_once(&mut f), Poll::Pending);
/// s.release(1).unwrap();
/// assert_eq!(poll_once(&mut f), Poll::Ready(()));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AcquireFuture<'a> {
    semaphore: &'a Semaphore,
    acquiring: Acquiring,
}

/// Takes permits when awaited, owning a handle to the semaphore; made by
/// [`Semaphore::acquire_owned_async`]. It borrows nothing, so a binding can
/// keep it pending in an object of its own.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::sync::{OwnedAcquireFuture, Semaphore};
/// fn is_static<F: Send + 'static>(_: &F) {}
/// let fut: OwnedAcquireFuture = Arc::new(Semaphore::new(1)).acquire_owned_async(1);
/// is_static(&fut);
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct OwnedAcquireFuture {
    semaphore: std::sync::Arc<Semaphore>,
    acquiring: Acquiring,
}

/// A pending asynchronous acquire of `n` permits, whoever holds the
/// semaphore.
struct Acquiring {
    n: usize,
    state: AcquireState,
}

enum AcquireState {
    Start,
    Queued(Arc<Waiter>),
    Done,
}

impl Acquiring {
    fn new(n: usize) -> Acquiring {
        Acquiring {
            n,
            state: AcquireState::Start,
        }
    }

    /// Polls for `s`, which must be the same on every call.
    fn poll(&mut self, s: &Semaphore, cx: &mut Context<'_>) -> Poll<()> {
        match &self.state {
            AcquireState::Start => {
                if s.may_take() && s.take(self.n) {
                    self.state = AcquireState::Done;
                    return Poll::Ready(());
                }
                let waiter = Waiter::for_task(cx.waker());
                match s.register(&waiter, self.n, Deadline::never()) {
                    Registered::Took => {}
                    Registered::GaveUp => unreachable!("a wait without a deadline"),
                    Registered::Queued if waiter.is_done() => {}
                    Registered::Queued => {
                        self.state = AcquireState::Queued(waiter);
                        return Poll::Pending;
                    }
                }
            }
            AcquireState::Queued(waiter) => {
                if !waiter.poll_done(cx.waker()) {
                    return Poll::Pending;
                }
            }
            AcquireState::Done => panic!("AcquireFuture polled after it completed"),
        }
        self.state = AcquireState::Done;
        Poll::Ready(())
    }

    /// Gives up, leaving the count as it was before the first poll.
    fn cancel(&mut self, s: &Semaphore) {
        let AcquireState::Queued(waiter) = &self.state else {
            return;
        };
        if !s.leave(waiter) {
            // Handed our permits, which nobody will use: give them back. They
            // were counted before, so only a count others pushed to the very
            // top since can refuse them, and then no permit is missed.
            let _ = s.release(self.n);
        }
        self.state = AcquireState::Done;
    }
}

impl Future for AcquireFuture<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.acquiring.poll(this.semaphore, cx)
    }
}

impl Drop for AcquireFuture<'_> {
    fn drop(&mut self) {
        self.acquiring.cancel(self.semaphore);
    }
}

impl Future for OwnedAcquireFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        this.acquiring.poll(&this.semaphore, cx)
    }
}

impl Drop for OwnedAcquireFuture {
    fn drop(&mut self) {
        self.acquiring.cancel(&self.semaphore);
    }
}

impl std::fmt::Debug for OwnedAcquireFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnedAcquireFuture")
            .field("permits", &self.acquiring.n)
            .finish_non_exhaustive()
    }
}
