//! The queues' own errors; the rest are the channel's.

use std::fmt;

/// A queue could not be made with the capacity asked for.
///
/// ```
/// use polyconc::queue::{ArrayBlockingQueue, CapacityError};
/// assert_eq!(ArrayBlockingQueue::<u8>::try_new(0).unwrap_err(), CapacityError::Zero);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CapacityError {
    /// A bounded queue needs room for at least one element.
    Zero,
    /// The room allocated up front could not be had.
    Alloc(crate::chan::CapacityError),
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CapacityError::Zero => f.write_str(
                "a bounded queue needs a capacity of at least 1 \
                 (usize::MAX is unbounded; a SynchronousQueue holds nothing)",
            ),
            CapacityError::Alloc(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CapacityError {}

impl From<crate::chan::CapacityError> for CapacityError {
    fn from(e: crate::chan::CapacityError) -> Self {
        CapacityError::Alloc(e)
    }
}

/// [`PriorityBlockingQueue::insert`](super::PriorityBlockingQueue::insert)
/// failed; the element comes back.
///
/// ```
/// use std::cmp::Ordering;
/// use polyconc::queue::{InsertError, PriorityBlockingQueue};
/// let q = PriorityBlockingQueue::with_try_comparator(|a: &f64, b: &f64| {
///     a.partial_cmp(b).ok_or("NaN")
/// });
/// q.insert(1.0).unwrap();
/// assert_eq!(q.insert(f64::NAN).unwrap_err().into_inner().is_nan(), true);
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum InsertError<T, E> {
    /// The queue is closed.
    Closed(T),
    /// The comparator failed with this error; the queue is unchanged.
    Compare(T, E),
}

impl<T, E> InsertError<T, E> {
    /// The element that was not inserted.
    ///
    /// ```
    /// use polyconc::queue::InsertError;
    /// assert_eq!(InsertError::<_, ()>::Closed(4).into_inner(), 4);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            InsertError::Closed(v) | InsertError::Compare(v, _) => v,
        }
    }
}

impl<T, E: fmt::Debug> fmt::Debug for InsertError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsertError::Closed(_) => f.write_str("Closed(..)"),
            InsertError::Compare(_, e) => f.debug_tuple("Compare").field(&"..").field(e).finish(),
        }
    }
}

impl<T, E: fmt::Display> fmt::Display for InsertError<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InsertError::Closed(_) => f.write_str("inserting into a closed queue"),
            InsertError::Compare(_, e) => write!(f, "comparing the element failed: {e}"),
        }
    }
}

impl<T, E: fmt::Debug + fmt::Display> std::error::Error for InsertError<T, E> {}
