//! [`LinkedTransferQueue`]: Java's unbounded queue with hand-offs.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::fair::{Fair, FairPut, FairTake};
use super::{
    queue_api, until, Engine, PutFuture, RecvTimeoutError, SendError, SendTimeoutError, TakeFuture,
};
use crate::loom::Arc;
use crate::wait::Wait;

/// An unbounded FIFO queue whose producers may wait until a consumer has
/// received their element (Java's `LinkedTransferQueue`): `put` never
/// waits; [`transfer`](Self::transfer) waits until a consumer received the
/// element; [`try_transfer`](Self::try_transfer) hands it over only to a
/// consumer already waiting. A transfer that does not happen never leaves
/// its element behind. Waiting consumers (threads and tasks) are served in
/// arrival order.
///
/// *Received* means returned to the consumer's caller: by a `take`,
/// `poll` or `drain_to`, by a `take_async` future that completes with it,
/// or handed to a thread blocked in `take` or a timed `poll`, which then
/// surely returns it. A `take_async` future handed the element may still
/// be dropped: until it completes, the transfer waits on; dropped, it puts
/// the element back at the head for the next consumer.
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
/// use polyconc::queue::LinkedTransferQueue;
///
/// let q = Arc::new(LinkedTransferQueue::new());
/// assert_eq!(q.try_transfer(1), Err(1)); // nobody waiting: not enqueued
/// assert!(q.is_empty());
/// let consumer = {
///     let q = Arc::clone(&q);
///     thread::spawn(move || q.take())
/// };
/// q.transfer(2).unwrap(); // returns once the consumer has it
/// assert_eq!(consumer.join().unwrap(), Ok(2));
/// ```
pub struct LinkedTransferQueue<T> {
    engine: Arc<Fair<T>>,
}

impl<T> LinkedTransferQueue<T> {
    /// An empty queue.
    ///
    /// ```
    /// use polyconc::queue::LinkedTransferQueue;
    /// let q = LinkedTransferQueue::<u8>::new();
    /// assert!(!q.has_waiting_consumer());
    /// ```
    pub fn new() -> Self {
        LinkedTransferQueue {
            engine: Arc::new(Fair::transfer_queue()),
        }
    }

    /// Inserts `value` and waits until a consumer has received it. Fails
    /// only if the queue is closed first; the element comes back.
    ///
    /// ```
    /// use polyconc::queue::{LinkedTransferQueue, SendError};
    /// let q = LinkedTransferQueue::new();
    /// q.close();
    /// assert_eq!(q.transfer(1), Err(SendError(1)));
    /// ```
    pub fn transfer(&self, value: T) -> Result<(), SendError<T>> {
        self.engine
            .transfer(value, Wait::FOREVER)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// A future that inserts `value` when first polled and completes once
    /// a consumer has received it: the async form of
    /// [`transfer`](Self::transfer), waiting in the same line. It fails
    /// only if the queue is closed first; the element comes back.
    ///
    /// Dropping it before it completes withdraws the element, unless a
    /// consumer had already taken it: then it is delivered all the same.
    /// [`TransferFuture::cancel`] says which happened and gives back an
    /// element nobody took (the rule of [`PutFuture`] and the channel's
    /// `SendFuture`).
    ///
    /// The future holds the queue's shared state, not a borrow of the
    /// queue, so it is `'static` when `T` is: it may outlive this handle
    /// and move into a task or a binding's object, and no separate owned
    /// form is needed.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    /// use polyconc::queue::LinkedTransferQueue;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = Arc::new(LinkedTransferQueue::new());
    /// let consumer = {
    ///     let q = Arc::clone(&q);
    ///     thread::spawn(move || q.take())
    /// };
    /// block_on(q.transfer_async("x")).unwrap(); // ready once the consumer has it
    /// assert_eq!(consumer.join().unwrap(), Ok("x"));
    /// ```
    pub fn transfer_async(&self, value: T) -> TransferFuture<T> {
        TransferFuture(FairPut::transfer(Arc::clone(&self.engine), value))
    }

    /// Hands `value` to a consumer waiting now in a thread (`take` or a
    /// timed `poll`); otherwise gives it back without enqueuing it. A
    /// pending `take_async` first in line does not count: it might be
    /// dropped without receiving the element, and this call cannot wait
    /// to see.
    ///
    /// ```
    /// use polyconc::queue::LinkedTransferQueue;
    /// let q = LinkedTransferQueue::new();
    /// assert_eq!(q.try_transfer("x"), Err("x"));
    /// ```
    pub fn try_transfer(&self, value: T) -> Result<(), T> {
        self.engine
            .transfer(value, Wait::Now)
            .map_err(SendTimeoutError::into_inner)
    }

    /// Inserts `value` and waits at most `timeout` for a consumer to
    /// receive it; if none does, the element is taken back out and returned.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::queue::{LinkedTransferQueue, SendTimeoutError};
    /// let q = LinkedTransferQueue::new();
    /// let r = q.try_transfer_timeout(5, Duration::from_millis(5));
    /// assert_eq!(r, Err(SendTimeoutError::Timeout(5)));
    /// assert!(q.is_empty()); // not left behind
    /// ```
    pub fn try_transfer_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        self.engine.transfer(value, Wait::timeout(timeout))
    }

    /// [`try_transfer_timeout`](Self::try_transfer_timeout) until `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::queue::LinkedTransferQueue;
    /// let q = LinkedTransferQueue::new();
    /// let r = q.try_transfer_deadline('a', Instant::now() + Duration::from_millis(5));
    /// assert!(r.is_err());
    /// ```
    pub fn try_transfer_deadline(
        &self,
        value: T,
        deadline: Instant,
    ) -> Result<(), SendTimeoutError<T>> {
        self.engine.transfer(value, until(deadline))
    }

    /// Whether a consumer is waiting in `take`, a timed `poll` or a pending
    /// `take_async`.
    ///
    /// ```
    /// use polyconc::queue::LinkedTransferQueue;
    /// assert!(!LinkedTransferQueue::<u8>::new().has_waiting_consumer());
    /// ```
    pub fn has_waiting_consumer(&self) -> bool {
        self.engine.has_waiting_consumer()
    }

    /// How many consumers are waiting now.
    ///
    /// ```
    /// use polyconc::queue::LinkedTransferQueue;
    /// assert_eq!(LinkedTransferQueue::<u8>::new().waiting_consumer_count(), 0);
    /// ```
    pub fn waiting_consumer_count(&self) -> usize {
        self.engine.waiting_consumer_count()
    }

    /// How many producers are blocked in `transfer` or a timed
    /// `try_transfer` now, waiting for a consumer (no Java peer: for tests
    /// of the order they are matched in). A producer giving up may be
    /// counted a moment longer.
    ///
    /// ```
    /// use polyconc::queue::LinkedTransferQueue;
    /// assert_eq!(LinkedTransferQueue::<u8>::new().waiting_producer_count(), 0);
    /// ```
    pub fn waiting_producer_count(&self) -> usize {
        self.engine.waiting_producer_count()
    }
}

impl<T> Default for LinkedTransferQueue<T> {
    /// [`LinkedTransferQueue::new`].
    ///
    /// ```
    /// use polyconc::queue::LinkedTransferQueue;
    /// let q: LinkedTransferQueue<u8> = Default::default();
    /// assert!(q.is_empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Engine<T> for LinkedTransferQueue<T> {
    fn insert(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        self.engine.insert(value, wait)
    }
    fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        self.engine.extract(wait)
    }
    fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        self.engine.peek_with(f)
    }
    fn any(&self, f: impl FnMut(&T) -> bool) -> bool {
        self.engine.any(f)
    }
    fn remove_first(&self, f: impl FnMut(&T) -> bool) -> bool {
        self.engine.remove_first(f)
    }
    fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.engine.snapshot()
    }
    fn count(&self) -> usize {
        self.engine.len()
    }
    fn capacity(&self) -> Option<usize> {
        None
    }
    fn close_queue(&self) -> bool {
        self.engine.close()
    }
    fn closed(&self) -> bool {
        self.engine.is_closed()
    }
    fn put_future(&self, value: T) -> PutFuture<T> {
        PutFuture::done(self.put(value))
    }
    fn take_future(&self) -> TakeFuture<T> {
        TakeFuture::fair(FairTake::new(Arc::clone(&self.engine)))
    }
}

queue_api!(LinkedTransferQueue<T>);

/// Transfers an element when awaited; made by
/// [`LinkedTransferQueue::transfer_async`]. Ready with `Ok(())` once a
/// consumer has received the element (a thread's `take` or `poll`, a
/// `take_async` that completed with it, or `remove_item`, which counts as
/// received, as in Java),
/// with `Err(SendError(value))` if the queue was closed first.
///
/// Nothing is queued until the first poll. Dropping it while it waits
/// takes the element back out of the queue, unless a consumer had already
/// received it: then it is delivered all the same. [`cancel`](Self::cancel)
/// says which happened. A `take_async` that is handed the element is no
/// receipt until it completes with it: dropped before, it puts the
/// element back at the head and the transfer waits on; a cancel
/// meanwhile takes the element back from it.
///
/// ```
/// use polyconc::queue::LinkedTransferQueue;
/// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> std::task::Poll<F::Output> {
/// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
/// # }
/// let q = LinkedTransferQueue::new();
/// let mut t = q.transfer_async(1);
/// assert!(poll_once(&mut t).is_pending()); // queued, waiting for a consumer
/// assert_eq!(q.take(), Ok(1));
/// assert!(poll_once(&mut t).is_ready());
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct TransferFuture<T>(FairPut<T>);

// Nothing in it is pinned: the element moves into the queue.
impl<T> Unpin for TransferFuture<T> {}

impl<T> TransferFuture<T> {
    /// Stops the transfer: `Ok(())` if a consumer received the element
    /// (before or after the future completed), `Err(value)` with the
    /// element if nobody took it: it is then out of the queue and never
    /// delivered. A future that completed with `Err` (closed) gives its
    /// element here too, if it was not yet returned by a poll.
    ///
    /// ```
    /// use polyconc::queue::LinkedTransferQueue;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> std::task::Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let q = LinkedTransferQueue::new();
    /// let mut nobody_came = q.transfer_async("a");
    /// assert!(poll_once(&mut nobody_came).is_pending());
    /// assert_eq!(nobody_came.cancel(), Err("a"));
    /// assert!(q.is_empty());
    /// ```
    pub fn cancel(self) -> Result<(), T> {
        self.0.cancel()
    }
}

impl<T> Future for TransferFuture<T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx)
    }
}

impl<T> std::fmt::Debug for TransferFuture<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferFuture").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for LinkedTransferQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedTransferQueue")
            .field("len", &self.engine.len())
            .finish_non_exhaustive()
    }
}
