//! [`DelayQueue`]: Java's queue of delayed elements.

use std::convert::Infallible;
use std::time::Instant;

use super::heap::Sorted;
use super::{queue_api, Engine, PutFuture, RecvTimeoutError, SendTimeoutError, TakeFuture};
use crate::loom::Arc;
use crate::wait::Wait;

/// An element of a [`DelayQueue`]: it may leave once its deadline has
/// passed (Java's `Delayed`, as an instant rather than a remaining delay).
///
/// ```
/// use std::time::{Duration, Instant};
/// use polyconc::queue::Delayed;
/// let job = (Instant::now() + Duration::from_secs(1), "send the report");
/// assert!(job.deadline() > Instant::now());
/// ```
pub trait Delayed {
    /// When the element may leave the queue.
    fn deadline(&self) -> Instant;
}

/// A value paired with its deadline.
impl<T> Delayed for (Instant, T) {
    fn deadline(&self) -> Instant {
        self.0
    }
}

/// An unbounded queue whose elements leave only once their deadline has
/// passed, earliest first (Java's `DelayQueue`). `take` sleeps until the
/// head's deadline, waking early if an earlier element arrives; `poll`,
/// `remove` and `drain_to` see only expired elements; `peek`, `len`,
/// `to_vec`, `contains` and `clear` see them all.
///
/// ```
/// use std::time::{Duration, Instant};
/// use polyconc::queue::DelayQueue;
///
/// let q = DelayQueue::new();
/// let now = Instant::now();
/// q.put((now + Duration::from_millis(20), "later")).unwrap();
/// q.put((now, "now")).unwrap();
/// assert_eq!(q.take().unwrap().1, "now");
/// assert_eq!(q.poll(), None); // "later" has not expired
/// assert_eq!(q.take().unwrap().1, "later"); // sleeps until it has
/// ```
pub struct DelayQueue<T> {
    sorted: Arc<Sorted<T>>,
}

impl<T: Delayed> DelayQueue<T> {
    /// An empty delay queue.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::queue::DelayQueue;
    /// let q = DelayQueue::<(Instant, u8)>::new();
    /// assert_eq!(q.remaining_capacity(), None);
    /// ```
    pub fn new() -> Self {
        DelayQueue {
            sorted: Arc::new(Sorted::new(
                Box::new(|a: &T, b: &T| Some(a.deadline().cmp(&b.deadline()))),
                Some(<T as Delayed>::deadline),
            )),
        }
    }
}

impl<T: Delayed> Default for DelayQueue<T> {
    /// [`DelayQueue::new`].
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::queue::DelayQueue;
    /// let q: DelayQueue<(Instant, ())> = Default::default();
    /// assert!(q.is_empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Delayed> Engine<T> for DelayQueue<T> {
    fn insert(&self, value: T, _: Wait) -> Result<(), SendTimeoutError<T>> {
        let by_deadline = |a: &T, b: &T| Ok::<_, Infallible>(a.deadline().cmp(&b.deadline()));
        match self.sorted.insert(value, by_deadline) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(v)) => Err(SendTimeoutError::Closed(v)),
            Err((_, never)) => match never {},
        }
    }
    super::heap::sorted_engine!();
}

queue_api!(DelayQueue<T> where T: Delayed);

impl<T> std::fmt::Debug for DelayQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelayQueue")
            .field("len", &self.sorted.len())
            .finish_non_exhaustive()
    }
}
