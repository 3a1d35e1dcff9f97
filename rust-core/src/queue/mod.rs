//! Java's blocking queues (`java.util.concurrent`), with the channel's
//! errors and one addition: [`close`](BlockingQueue::close).
//!
//! | type | Java's contract |
//! |---|---|
//! | [`ArrayBlockingQueue`] | bounded; `fair` serves blocked producers and consumers in arrival order |
//! | [`LinkedBlockingQueue`] | optionally bounded; puts and takes proceed side by side |
//! | [`SynchronousQueue`] | no capacity: a put completes only when a take receives it |
//! | [`PriorityBlockingQueue`] | unbounded, smallest first, FIFO among equals |
//! | [`DelayQueue`] | only expired elements leave, earliest first |
//! | [`LinkedTransferQueue`] | unbounded; `transfer` waits until a consumer received the element |
//!
//! Every operation is an inherent method and a method of the
//! [`BlockingQueue`] trait, so generic code and `&dyn BlockingQueue<T>`
//! work alike. A failed insert gives the element back in its error.
//!
//! | | fails at once | special value | blocks | times out |
//! |---|---|---|---|---|
//! | insert | `add` | `offer` | `put` | `offer_timeout` / `offer_deadline` |
//! | remove | `remove` | `poll` | `take` | `poll_timeout` / `poll_deadline` |
//! | examine | `element` | `peek` | — | — |
//!
//! **Close.** Java's queues have no end of stream; here `close` gives every
//! queue the channel's: later inserts fail with the element returned, takes
//! drain what is left and then fail, and every blocked thread and task
//! wakes. A queue that is never closed behaves as Java's.
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
//!
//! let q = Arc::new(LinkedBlockingQueue::new(16));
//! let producer = {
//!     let q = Arc::clone(&q);
//!     thread::spawn(move || {
//!         for i in 1..=100u64 {
//!             q.put(i).unwrap();
//!         }
//!         q.close();
//!     })
//! };
//! let total: u64 = q.iter().sum(); // ends when closed and drained
//! producer.join().unwrap();
//! assert_eq!(total, 5050);
//! ```

mod api;
mod array;
mod buffered;
mod delay;
mod error;
mod fair;
mod future;
mod heap;
mod linked;
mod priority;
mod synchronous;
mod transfer;

#[cfg(all(test, loom))]
mod loom_tests;

use std::time::{Duration, Instant};

pub use crate::chan::{
    RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError,
};
pub use array::ArrayBlockingQueue;
pub use delay::{DelayQueue, Delayed};
pub use error::{CapacityError, InsertError};
pub use future::{PutFuture, TakeFuture};
pub use linked::LinkedBlockingQueue;
pub use priority::PriorityBlockingQueue;
pub use synchronous::SynchronousQueue;
pub use transfer::{LinkedTransferQueue, TransferFuture};

use api::{queue_api, try_recv_error, try_send_error, until, Engine};

/// The operations every blocking queue has; each is also an inherent
/// method of every queue type, with the same signature.
///
/// The trait is object safe: `drain_to` and the async forms are left out
/// of `dyn BlockingQueue<T>`, and `peek`, `element`, `to_vec`, `contains`
/// and `remove_item` need `T: Clone` or `T: PartialEq`.
///
/// ```
/// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, PriorityBlockingQueue};
///
/// let queues: Vec<Box<dyn BlockingQueue<i32>>> = vec![
///     Box::new(ArrayBlockingQueue::new(4)),
///     Box::new(PriorityBlockingQueue::new()),
/// ];
/// for q in &queues {
///     q.put(2).unwrap();
///     q.put(1).unwrap();
/// }
/// assert_eq!(queues[0].take(), Ok(2)); // FIFO
/// assert_eq!(queues[1].take(), Ok(1)); // smallest first
/// ```
pub trait BlockingQueue<T>: Send + Sync {
    /// Inserts if that can be done at once; `Full` (with the element) if
    /// not, `Closed` once the queue is closed.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, TrySendError};
    /// let q = ArrayBlockingQueue::new(1);
    /// assert_eq!(q.add(1), Ok(()));
    /// assert_eq!(q.add(2), Err(TrySendError::Full(2)));
    /// ```
    fn add(&self, value: T) -> Result<(), TrySendError<T>>;

    /// Inserts if that can be done at once; gives the element back if not
    /// (full, no consumer waiting on a [`SynchronousQueue`], or closed).
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue};
    /// let q = ArrayBlockingQueue::new(1);
    /// assert_eq!(q.offer(1), Ok(()));
    /// assert_eq!(q.offer(2), Err(2));
    /// ```
    fn offer(&self, value: T) -> Result<(), T>;

    /// Inserts, waiting as long as it takes for room. Fails only when the
    /// queue is closed.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue, SendError};
    /// let q = LinkedBlockingQueue::unbounded();
    /// assert_eq!(q.put(1), Ok(()));
    /// q.close();
    /// assert_eq!(q.put(2), Err(SendError(2)));
    /// ```
    fn put(&self, value: T) -> Result<(), SendError<T>>;

    /// Inserts, waiting at most `timeout` for room.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, SendTimeoutError};
    /// let q = ArrayBlockingQueue::new(1);
    /// q.put(1).unwrap();
    /// let r = q.offer_timeout(2, Duration::from_millis(5));
    /// assert_eq!(r, Err(SendTimeoutError::Timeout(2)));
    /// ```
    fn offer_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>>;

    /// Inserts, waiting until `deadline` at the latest.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::queue::{BlockingQueue, SynchronousQueue, SendTimeoutError};
    /// let q = SynchronousQueue::new();
    /// let r = q.offer_deadline(7, Instant::now() + Duration::from_millis(5));
    /// assert_eq!(r, Err(SendTimeoutError::Timeout(7))); // nobody took it
    /// ```
    fn offer_deadline(&self, value: T, deadline: Instant) -> Result<(), SendTimeoutError<T>>;

    /// Removes the head if there is one now.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, TryRecvError};
    /// let q = ArrayBlockingQueue::<i32>::new(1);
    /// assert_eq!(q.remove(), Err(TryRecvError::Empty));
    /// q.close();
    /// assert_eq!(q.remove(), Err(TryRecvError::Closed));
    /// ```
    fn remove(&self) -> Result<T, TryRecvError>;

    /// Removes the head if there is one now.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::unbounded();
    /// assert_eq!(q.poll(), None);
    /// q.put('a').unwrap();
    /// assert_eq!(q.poll(), Some('a'));
    /// ```
    fn poll(&self) -> Option<T>;

    /// Removes the head, waiting as long as it takes. Fails only when the
    /// queue is closed and drained.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue, RecvError};
    /// let q = LinkedBlockingQueue::unbounded();
    /// q.put(3).unwrap();
    /// q.close();
    /// assert_eq!(q.take(), Ok(3));
    /// assert_eq!(q.take(), Err(RecvError));
    /// ```
    fn take(&self) -> Result<T, RecvError>;

    /// Removes the head, waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue, RecvTimeoutError};
    /// let q = LinkedBlockingQueue::<i32>::unbounded();
    /// assert_eq!(q.poll_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    /// ```
    fn poll_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError>;

    /// Removes the head, waiting until `deadline` at the latest.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::unbounded();
    /// q.put(1).unwrap();
    /// assert_eq!(q.poll_deadline(Instant::now() + Duration::from_secs(1)), Ok(1));
    /// ```
    fn poll_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError>;

    /// A copy of the head, leaving it in the queue; `Empty`, or `Closed`
    /// once closed and drained, when there is none.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, TryRecvError};
    /// let q = ArrayBlockingQueue::new(2);
    /// assert_eq!(q.element(), Err(TryRecvError::Empty));
    /// q.put(5).unwrap();
    /// assert_eq!(q.element(), Ok(5));
    /// assert_eq!(q.len(), 1);
    /// ```
    fn element(&self) -> Result<T, TryRecvError>
    where
        T: Clone;

    /// A copy of the head, leaving it in the queue.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, PriorityBlockingQueue};
    /// let q = PriorityBlockingQueue::new();
    /// q.put(3).unwrap();
    /// q.put(1).unwrap();
    /// assert_eq!(q.peek(), Some(1));
    /// ```
    fn peek(&self) -> Option<T>
    where
        T: Clone;

    /// Removes up to `max` available elements into `out` without waiting;
    /// returns how many.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::unbounded();
    /// for i in 0..5 { q.put(i).unwrap(); }
    /// let mut out = Vec::new();
    /// assert_eq!(q.drain_to(&mut out, 3), 3);
    /// assert_eq!(out, [0, 1, 2]);
    /// ```
    fn drain_to(&self, out: &mut impl Extend<T>, max: usize) -> usize
    where
        Self: Sized;

    /// How many elements are in the queue now.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::unbounded();
    /// q.put(()).unwrap();
    /// assert_eq!(q.len(), 1);
    /// ```
    fn len(&self) -> usize;

    /// Whether the queue holds nothing now.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// assert!(LinkedBlockingQueue::<u8>::unbounded().is_empty());
    /// ```
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many more elements fit now; `None` when unbounded.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, LinkedBlockingQueue};
    /// let q = ArrayBlockingQueue::new(3);
    /// q.put(1).unwrap();
    /// assert_eq!(q.remaining_capacity(), Some(2));
    /// assert_eq!(LinkedBlockingQueue::<u8>::unbounded().remaining_capacity(), None);
    /// ```
    fn remaining_capacity(&self) -> Option<usize>;

    /// Removes every element (each as [`poll`](BlockingQueue::poll) would,
    /// freeing its room at once; a [`DelayQueue`]'s unexpired ones too).
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::unbounded();
    /// q.put(1).unwrap();
    /// q.clear();
    /// assert!(q.is_empty());
    /// ```
    fn clear(&self);

    /// Removes every element and gives them back in removal order: Java's
    /// `drainTo` with no limit, except that a [`DelayQueue`] gives back its
    /// unexpired elements too (as its `clear` removes them; `drain_to`
    /// takes only the expired). What [`clear`](BlockingQueue::clear) does,
    /// keeping the elements. A [`SynchronousQueue`] holds none.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::queue::{BlockingQueue, DelayQueue};
    /// let q = DelayQueue::new();
    /// let later = Instant::now() + Duration::from_secs(60);
    /// q.put((later, "b")).unwrap();
    /// q.put((Instant::now(), "a")).unwrap();
    /// let all: Vec<_> = q.drain_all().into_iter().map(|e| e.1).collect();
    /// assert_eq!(all, ["a", "b"]);
    /// assert!(q.is_empty());
    /// ```
    fn drain_all(&self) -> Vec<T>;

    /// Whether an element equal to `value` is in the queue. The `==` runs
    /// with the queue locked (or, for the channel-backed queues, paused), so
    /// it must not use the queue.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue};
    /// let q = ArrayBlockingQueue::new(2);
    /// q.put("a").unwrap();
    /// assert!(q.contains(&"a"));
    /// assert!(!q.contains(&"b"));
    /// ```
    fn contains(&self, value: &T) -> bool
    where
        T: PartialEq;

    /// Removes one element equal to `value` (in a FIFO queue the first in
    /// removal order); whether there was one. Its room is free at once. As
    /// for [`contains`](BlockingQueue::contains), `==` must not use the queue.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue};
    /// let q = ArrayBlockingQueue::new(3);
    /// for i in [1, 2, 3] { q.put(i).unwrap(); }
    /// assert!(q.remove_item(&2));
    /// assert!(!q.remove_item(&2));
    /// assert_eq!(q.to_vec(), [1, 3]);
    /// ```
    fn remove_item(&self, value: &T) -> bool
    where
        T: PartialEq;

    /// A copy of the elements in the order they would be removed.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, PriorityBlockingQueue};
    /// let q = PriorityBlockingQueue::new();
    /// for i in [3, 1, 2] { q.put(i).unwrap(); }
    /// assert_eq!(q.to_vec(), [1, 2, 3]);
    /// assert_eq!(q.len(), 3);
    /// ```
    fn to_vec(&self) -> Vec<T>
    where
        T: Clone;

    /// Takes elements until the queue is closed and drained (blocking in
    /// between, as [`take`](BlockingQueue::take) does).
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::unbounded();
    /// for i in 0..3 { q.put(i).unwrap(); }
    /// q.close();
    /// assert_eq!(q.iter().collect::<Vec<_>>(), [0, 1, 2]);
    /// ```
    fn iter(&self) -> Iter<'_, T>;

    /// A future that puts `value`. Dropping it before it completes
    /// withdraws the element, unless a consumer had already claimed it
    /// (then it is delivered); [`PutFuture::cancel`] tells which.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = ArrayBlockingQueue::new(1);
    /// block_on(q.put_async(4)).unwrap();
    /// assert_eq!(q.poll(), Some(4));
    /// ```
    fn put_async(&self, value: T) -> PutFuture<T>
    where
        Self: Sized;

    /// A future that takes the head. Dropping it before it completes
    /// removes nothing.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, BlockingQueue};
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let q = ArrayBlockingQueue::new(1);
    /// q.put(9).unwrap();
    /// assert_eq!(block_on(q.take_async()), Ok(9));
    /// ```
    fn take_async(&self) -> TakeFuture<T>
    where
        Self: Sized;

    /// Closes the queue; whether this call closed it. Later inserts fail
    /// with the element returned; takes drain what is left, then fail;
    /// every blocked thread and task wakes.
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::unbounded();
    /// q.put(1).unwrap();
    /// assert!(q.close());
    /// assert!(!q.close());
    /// assert_eq!(q.offer(2), Err(2));
    /// assert_eq!(q.poll(), Some(1));
    /// ```
    fn close(&self) -> bool;

    /// Whether the queue has been closed (elements may remain).
    ///
    /// ```
    /// use polyconc::queue::{BlockingQueue, LinkedBlockingQueue};
    /// let q = LinkedBlockingQueue::<u8>::unbounded();
    /// q.close();
    /// assert!(q.is_closed());
    /// ```
    fn is_closed(&self) -> bool;
}

/// A blocking iterator that takes until the queue is closed and drained;
/// see [`BlockingQueue::iter`].
///
/// ```
/// use polyconc::queue::{BlockingQueue, SynchronousQueue};
/// let q = SynchronousQueue::<i32>::new();
/// q.close();
/// assert_eq!(q.iter().next(), None);
/// ```
pub struct Iter<'a, T> {
    queue: &'a (dyn BlockingQueue<T> + 'a),
}

impl<'a, T> Iter<'a, T> {
    fn new(queue: &'a (dyn BlockingQueue<T> + 'a)) -> Self {
        Iter { queue }
    }
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.queue.take().ok()
    }
}

impl<T> std::fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Iter { .. }")
    }
}
