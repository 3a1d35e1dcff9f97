//! [`ArrayBlockingQueue`]: Java's bounded queue.

use super::buffered::Buffered;
use super::fair::{Fair, FairPut, FairTake};
use super::{
    queue_api, CapacityError, Engine, PutFuture, RecvTimeoutError, SendTimeoutError, TakeFuture,
};
use crate::loom::Arc;
use crate::wait::Wait;

/// A bounded FIFO queue of a fixed capacity (Java's
/// `ArrayBlockingQueue`). [`new`](Self::new) serves blocked threads in no
/// particular order and moves elements through the channel's lock-free
/// buffer; [`fair`](Self::fair) serves blocked producers and consumers in
/// arrival order, at the cost of a lock.
///
/// ```
/// use polyconc::queue::ArrayBlockingQueue;
/// let q = ArrayBlockingQueue::new(2);
/// q.put(1).unwrap();
/// q.put(2).unwrap();
/// assert_eq!(q.offer(3), Err(3)); // full
/// assert_eq!(q.take(), Ok(1));
/// ```
pub struct ArrayBlockingQueue<T> {
    engine: Flavour<T>,
}

enum Flavour<T> {
    Fast(Buffered<T>),
    Fair(Arc<Fair<T>>),
}

impl<T> ArrayBlockingQueue<T> {
    /// A queue with room for `capacity` elements.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 (as Java throws); [`try_new`](Self::try_new)
    /// returns the error instead.
    ///
    /// ```
    /// use polyconc::queue::ArrayBlockingQueue;
    /// let q = ArrayBlockingQueue::<u8>::new(16);
    /// assert_eq!(q.remaining_capacity(), Some(16));
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self::try_new(capacity).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A queue with room for `capacity` elements, or why not.
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, CapacityError};
    /// assert!(ArrayBlockingQueue::<u8>::try_new(1).is_ok());
    /// assert_eq!(ArrayBlockingQueue::<u8>::try_new(0).err(), Some(CapacityError::Zero));
    /// let huge = ArrayBlockingQueue::<[u8; 1 << 40]>::try_new(1 << 16);
    /// assert!(matches!(huge, Err(CapacityError::Alloc(_))));
    /// ```
    pub fn try_new(capacity: usize) -> Result<Self, CapacityError> {
        if capacity == 0 {
            return Err(CapacityError::Zero);
        }
        Ok(ArrayBlockingQueue {
            engine: Flavour::Fast(Buffered::try_new(capacity)?),
        })
    }

    /// A queue with room for `capacity` elements that serves blocked
    /// producers and consumers in the order they came.
    ///
    /// # Panics
    ///
    /// If `capacity` is 0; [`try_fair`](Self::try_fair) returns the error
    /// instead.
    ///
    /// ```
    /// use polyconc::queue::ArrayBlockingQueue;
    /// let q = ArrayBlockingQueue::fair(1);
    /// q.put('a').unwrap();
    /// assert_eq!(q.take(), Ok('a'));
    /// ```
    pub fn fair(capacity: usize) -> Self {
        Self::try_fair(capacity).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A fair queue with room for `capacity` elements, or why not (its room
    /// is allocated as it fills, so only 0 is refused).
    ///
    /// ```
    /// use polyconc::queue::{ArrayBlockingQueue, CapacityError};
    /// assert_eq!(ArrayBlockingQueue::<u8>::try_fair(0).err(), Some(CapacityError::Zero));
    /// ```
    pub fn try_fair(capacity: usize) -> Result<Self, CapacityError> {
        if capacity == 0 {
            return Err(CapacityError::Zero);
        }
        Ok(ArrayBlockingQueue {
            engine: Flavour::Fair(Arc::new(Fair::new(capacity))),
        })
    }
}

super::fair::waiting_counts!(ArrayBlockingQueue, "fair(1)", "new(1)");

/// Forwards an engine call to the flavour in use.
macro_rules! each {
    ($self:ident, $e:ident => $call:expr) => {
        match &$self.engine {
            Flavour::Fast($e) => $call,
            Flavour::Fair($e) => $call,
        }
    };
}

impl<T> Engine<T> for ArrayBlockingQueue<T> {
    fn insert(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        each!(self, e => e.insert(value, wait))
    }
    fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        each!(self, e => e.extract(wait))
    }
    fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        each!(self, e => e.peek_with(f))
    }
    fn any(&self, f: impl FnMut(&T) -> bool) -> bool {
        each!(self, e => e.any(f))
    }
    fn remove_first(&self, f: impl FnMut(&T) -> bool) -> bool {
        each!(self, e => e.remove_first(f))
    }
    fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        each!(self, e => e.snapshot())
    }
    fn count(&self) -> usize {
        each!(self, e => e.len())
    }
    fn capacity(&self) -> Option<usize> {
        each!(self, e => e.capacity())
    }
    fn close_queue(&self) -> bool {
        each!(self, e => e.close())
    }
    fn closed(&self) -> bool {
        each!(self, e => e.is_closed())
    }
    fn put_future(&self, value: T) -> PutFuture<T> {
        match &self.engine {
            Flavour::Fast(b) => b.put_future(value),
            Flavour::Fair(f) => PutFuture::fair(FairPut::new(Arc::clone(f), value)),
        }
    }
    fn take_future(&self) -> TakeFuture<T> {
        match &self.engine {
            Flavour::Fast(b) => b.take_future(),
            Flavour::Fair(f) => TakeFuture::fair(FairTake::new(Arc::clone(f))),
        }
    }
}

queue_api!(ArrayBlockingQueue<T>);

impl<T> std::fmt::Debug for ArrayBlockingQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArrayBlockingQueue")
            .field("capacity", &Engine::capacity(self))
            .field("fair", &matches!(self.engine, Flavour::Fair(_)))
            .finish_non_exhaustive()
    }
}
