//! [`LinkedBlockingQueue`]: Java's optionally bounded queue.

use super::buffered::Buffered;
use super::{
    queue_api, CapacityError, Engine, PutFuture, RecvTimeoutError, SendTimeoutError, TakeFuture,
};
use crate::wait::Wait;

/// An optionally bounded FIFO queue (Java's `LinkedBlockingQueue`). Puts
/// and takes proceed side by side, as with Java's two locks, on the
/// channel's lock-free buffer: a ring up to 65,536 elements, above that
/// (and unbounded) a list of blocks that come and go with the contents.
///
/// ```
/// use polyconc::queue::LinkedBlockingQueue;
/// let q = LinkedBlockingQueue::unbounded();
/// for i in 0..1000 {
///     q.put(i).unwrap();
/// }
/// assert_eq!(q.len(), 1000);
/// assert_eq!(q.remaining_capacity(), None);
/// ```
pub struct LinkedBlockingQueue<T> {
    engine: Buffered<T>,
}

impl<T> LinkedBlockingQueue<T> {
    /// A queue with room for `capacity` elements; `usize::MAX` means
    /// unbounded (as for [`Chan::new`](crate::chan::Chan::new)).
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 (as Java throws); [`try_new`](Self::try_new)
    /// returns the error instead.
    ///
    /// ```
    /// use polyconc::queue::LinkedBlockingQueue;
    /// assert_eq!(LinkedBlockingQueue::<u8>::new(8).remaining_capacity(), Some(8));
    /// assert_eq!(LinkedBlockingQueue::<u8>::new(usize::MAX).remaining_capacity(), None);
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self::try_new(capacity).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A queue with room for `capacity` elements, or why not.
    ///
    /// ```
    /// use polyconc::queue::{CapacityError, LinkedBlockingQueue};
    /// assert_eq!(LinkedBlockingQueue::<u8>::try_new(0).err(), Some(CapacityError::Zero));
    /// ```
    pub fn try_new(capacity: usize) -> Result<Self, CapacityError> {
        if capacity == 0 {
            return Err(CapacityError::Zero);
        }
        Ok(LinkedBlockingQueue {
            engine: Buffered::try_new(capacity)?,
        })
    }

    /// A queue whose puts never wait.
    ///
    /// ```
    /// use polyconc::queue::LinkedBlockingQueue;
    /// let q = LinkedBlockingQueue::unbounded();
    /// assert_eq!(q.offer(1), Ok(()));
    /// ```
    pub fn unbounded() -> Self {
        Self::new(usize::MAX)
    }
}

impl<T> Default for LinkedBlockingQueue<T> {
    /// [`LinkedBlockingQueue::unbounded`], as Java's constructor without a
    /// capacity.
    ///
    /// ```
    /// use polyconc::queue::LinkedBlockingQueue;
    /// let q: LinkedBlockingQueue<u8> = Default::default();
    /// assert_eq!(q.remaining_capacity(), None);
    /// ```
    fn default() -> Self {
        Self::unbounded()
    }
}

impl<T> Engine<T> for LinkedBlockingQueue<T> {
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
        self.engine.capacity()
    }
    fn close_queue(&self) -> bool {
        self.engine.close()
    }
    fn closed(&self) -> bool {
        self.engine.is_closed()
    }
    fn put_future(&self, value: T) -> PutFuture<T> {
        self.engine.put_future(value)
    }
    fn take_future(&self) -> TakeFuture<T> {
        self.engine.take_future()
    }
}

queue_api!(LinkedBlockingQueue<T>);

impl<T> std::fmt::Debug for LinkedBlockingQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkedBlockingQueue")
            .field("capacity", &self.engine.capacity())
            .finish_non_exhaustive()
    }
}
