//! [`SynchronousQueue`]: Java's queue without capacity.

use super::fair::{Fair, FairPut, FairTake};
use super::{queue_api, Engine, PutFuture, RecvTimeoutError, SendTimeoutError, TakeFuture};
use crate::chan::Chan;
use crate::loom::Arc;
use crate::wait::Wait;

/// A queue that holds nothing (Java's `SynchronousQueue`): a put completes
/// only when a take receives its element, and `offer` succeeds only if a
/// consumer is already waiting. [`new`](Self::new) promises no order among
/// waiting threads and is the channel's rendezvous (`Chan::new(0)`) itself;
/// [`fair`](Self::fair) matches producers and consumers in arrival order.
/// `peek` is always empty, `len` always 0, as in Java.
///
/// The unfair queue's async operations are the channel's `send_async` and
/// `recv_async`, with the channel's rules; the fair queue queues async
/// producers and consumers beside blocked threads, in the same order.
///
/// ```
/// use std::sync::Arc;
/// use std::thread;
/// use polyconc::queue::SynchronousQueue;
///
/// let q = Arc::new(SynchronousQueue::new());
/// assert_eq!(q.offer(1), Err(1)); // nobody is waiting
/// let consumer = {
///     let q = Arc::clone(&q);
///     thread::spawn(move || q.take())
/// };
/// q.put(2).unwrap(); // returns once the consumer has it
/// assert_eq!(consumer.join().unwrap(), Ok(2));
/// ```
pub struct SynchronousQueue<T> {
    engine: Flavour<T>,
}

enum Flavour<T> {
    Unfair(Chan<T>),
    Fair(Arc<Fair<T>>),
}

impl<T> SynchronousQueue<T> {
    /// A synchronous queue that promises no order among waiters: the
    /// channel's rendezvous.
    ///
    /// ```
    /// use polyconc::queue::SynchronousQueue;
    /// let q = SynchronousQueue::<u8>::new();
    /// assert_eq!(q.remaining_capacity(), Some(0));
    /// ```
    pub fn new() -> Self {
        SynchronousQueue {
            engine: Flavour::Unfair(Chan::new(0)),
        }
    }

    /// A synchronous queue that matches producers and consumers in the
    /// order they came.
    ///
    /// ```
    /// use polyconc::queue::SynchronousQueue;
    /// let q = SynchronousQueue::<u8>::fair();
    /// assert_eq!(q.poll(), None);
    /// ```
    pub fn fair() -> Self {
        SynchronousQueue {
            engine: Flavour::Fair(Arc::new(Fair::new(0))),
        }
    }
}

super::fair::waiting_counts!(SynchronousQueue, "fair()", "new()");

impl<T> Default for SynchronousQueue<T> {
    /// [`SynchronousQueue::new`].
    ///
    /// ```
    /// use polyconc::queue::SynchronousQueue;
    /// let q: SynchronousQueue<i32> = Default::default();
    /// assert!(q.is_empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Engine<T> for SynchronousQueue<T> {
    fn insert(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        match &self.engine {
            Flavour::Unfair(chan) => chan.send_with(value, wait),
            Flavour::Fair(e) => e.insert(value, wait),
        }
    }
    fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        match &self.engine {
            Flavour::Unfair(chan) => chan.recv_with(wait),
            Flavour::Fair(e) => e.extract(wait),
        }
    }
    // Nothing is ever held: the rare operations see an empty queue.
    fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(None)
    }
    fn any(&self, _: impl FnMut(&T) -> bool) -> bool {
        false
    }
    fn remove_first(&self, _: impl FnMut(&T) -> bool) -> bool {
        false
    }
    fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        Vec::new()
    }
    fn take_all(&self) -> Vec<T> {
        Vec::new() // it holds none (a waiting producer's element is not in it)
    }
    fn count(&self) -> usize {
        0
    }
    fn capacity(&self) -> Option<usize> {
        Some(0)
    }
    fn close_queue(&self) -> bool {
        match &self.engine {
            Flavour::Unfair(chan) => chan.close(),
            Flavour::Fair(e) => e.close(),
        }
    }
    fn closed(&self) -> bool {
        match &self.engine {
            Flavour::Unfair(chan) => chan.is_closed(),
            Flavour::Fair(e) => e.is_closed(),
        }
    }
    fn put_future(&self, value: T) -> PutFuture<T> {
        match &self.engine {
            Flavour::Unfair(chan) => PutFuture::chan(chan.send_async(value)),
            Flavour::Fair(e) => PutFuture::fair(FairPut::new(Arc::clone(e), value)),
        }
    }
    fn take_future(&self) -> TakeFuture<T> {
        match &self.engine {
            Flavour::Unfair(chan) => TakeFuture::chan(chan.recv_async()),
            Flavour::Fair(e) => TakeFuture::fair(FairTake::new(Arc::clone(e))),
        }
    }
}

queue_api!(SynchronousQueue<T>);

impl<T> std::fmt::Debug for SynchronousQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynchronousQueue")
            .field("fair", &matches!(self.engine, Flavour::Fair(_)))
            .finish_non_exhaustive()
    }
}
