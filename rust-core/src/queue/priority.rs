//! [`PriorityBlockingQueue`]: Java's unbounded priority queue.

use std::cmp::Ordering;
use std::convert::Infallible;

use super::heap::Sorted;
use super::{
    queue_api, Engine, InsertError, PutFuture, RecvTimeoutError, SendTimeoutError, TakeFuture,
};
use crate::loom::Arc;
use crate::wait::Wait;

/// The comparator, shared by the insert path and the heap's removals. A
/// std `Arc`, not the loom switch's: it is immutable once made (and loom's
/// `Arc` cannot hold a `dyn`).
type TryCmp<T, E> = std::sync::Arc<dyn Fn(&T, &T) -> Result<Ordering, E> + Send + Sync>;

/// An unbounded queue that hands out its smallest element first (Java's
/// `PriorityBlockingQueue`), by `Ord` or by a comparator given at
/// construction; equal elements leave in the order they came.
///
/// The comparator may fail ([`with_try_comparator`](Self::with_try_comparator),
/// for a Python `__lt__` that raises): [`insert`](Self::insert) then
/// returns the element with the error and leaves the queue as it was.
/// Through the [`BlockingQueue`](super::BlockingQueue) operations (`put`,
/// `offer`, `add`, …) a failed comparison refuses the element as a closed
/// queue would, with the element given back (`is_closed` tells the two
/// apart). Taking never fails: a comparison that fails while the rest is
/// reordered counts as a tie, broken by arrival. The comparator runs with
/// the queue locked, so it must not use the queue.
///
/// ```
/// use polyconc::queue::PriorityBlockingQueue;
/// let q = PriorityBlockingQueue::new();
/// for x in [5, 1, 4, 1] {
///     q.put(x).unwrap();
/// }
/// assert_eq!(q.to_vec(), [1, 1, 4, 5]);
/// assert_eq!(q.take(), Ok(1));
/// ```
pub struct PriorityBlockingQueue<T, E = Infallible> {
    sorted: Arc<Sorted<T>>,
    cmp: TryCmp<T, E>,
}

impl<T: Ord + 'static> PriorityBlockingQueue<T> {
    /// A queue ordered by `T`'s `Ord`, smallest first.
    ///
    /// ```
    /// use std::cmp::Reverse;
    /// use polyconc::queue::PriorityBlockingQueue;
    /// let q = PriorityBlockingQueue::new();
    /// q.put(Reverse(1)).unwrap();
    /// q.put(Reverse(2)).unwrap();
    /// assert_eq!(q.take(), Ok(Reverse(2))); // largest first, by Reverse
    /// ```
    pub fn new() -> Self {
        Self::with_comparator(T::cmp)
    }
}

impl<T: Ord + 'static> Default for PriorityBlockingQueue<T> {
    /// [`PriorityBlockingQueue::new`].
    ///
    /// ```
    /// use polyconc::queue::PriorityBlockingQueue;
    /// let q: PriorityBlockingQueue<u8> = Default::default();
    /// assert!(q.is_empty());
    /// ```
    fn default() -> Self {
        Self::new()
    }
}

impl<T: 'static> PriorityBlockingQueue<T> {
    /// A queue ordered by `cmp`, smallest (`Less`) first.
    ///
    /// ```
    /// use polyconc::queue::PriorityBlockingQueue;
    /// let q = PriorityBlockingQueue::with_comparator(|a: &&str, b: &&str| a.len().cmp(&b.len()));
    /// q.put("ccc").unwrap();
    /// q.put("a").unwrap();
    /// assert_eq!(q.take(), Ok("a"));
    /// ```
    pub fn with_comparator(cmp: impl Fn(&T, &T) -> Ordering + Send + Sync + 'static) -> Self {
        Self::with_try_comparator(move |a, b| Ok(cmp(a, b)))
    }
}

impl<T: 'static, E: 'static> PriorityBlockingQueue<T, E> {
    /// A queue ordered by a comparator that may fail; see
    /// [`insert`](Self::insert).
    ///
    /// ```
    /// use polyconc::queue::PriorityBlockingQueue;
    /// let q = PriorityBlockingQueue::with_try_comparator(|a: &f64, b: &f64| {
    ///     a.partial_cmp(b).ok_or("cannot order NaN")
    /// });
    /// q.insert(2.0).unwrap();
    /// assert!(q.insert(f64::NAN).is_err());
    /// assert_eq!(q.len(), 1);
    /// ```
    pub fn with_try_comparator(
        cmp: impl Fn(&T, &T) -> Result<Ordering, E> + Send + Sync + 'static,
    ) -> Self {
        let cmp: TryCmp<T, E> = std::sync::Arc::new(cmp);
        let lenient = std::sync::Arc::clone(&cmp);
        PriorityBlockingQueue {
            sorted: Arc::new(Sorted::new(Box::new(move |a, b| lenient(a, b).ok()), None)),
            cmp,
        }
    }
}

impl<T, E> PriorityBlockingQueue<T, E> {
    /// Inserts `value` (a priority queue never waits for room): `Closed`
    /// once closed, `Compare` with the comparator's error, the queue
    /// unchanged, if a comparison failed.
    ///
    /// ```
    /// use polyconc::queue::{InsertError, PriorityBlockingQueue};
    /// let q = PriorityBlockingQueue::new();
    /// assert!(q.insert(1).is_ok());
    /// q.close();
    /// assert!(matches!(q.insert(2), Err(InsertError::Closed(2))));
    /// ```
    pub fn insert(&self, value: T) -> Result<(), InsertError<T, E>> {
        match self.sorted.insert(value, |a, b| (self.cmp)(a, b)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(v)) => Err(InsertError::Closed(v)),
            Err((v, e)) => Err(InsertError::Compare(v, e)),
        }
    }
}

impl<T, E> Engine<T> for PriorityBlockingQueue<T, E> {
    fn insert(&self, value: T, _: Wait) -> Result<(), SendTimeoutError<T>> {
        PriorityBlockingQueue::insert(self, value)
            .map_err(|e| SendTimeoutError::Closed(e.into_inner()))
    }
    super::heap::sorted_engine!();
}

queue_api!(PriorityBlockingQueue<T, E>);

impl<T, E> std::fmt::Debug for PriorityBlockingQueue<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PriorityBlockingQueue")
            .field("len", &self.sorted.len())
            .finish_non_exhaustive()
    }
}
