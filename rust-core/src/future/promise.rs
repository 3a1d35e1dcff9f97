//! [`Promise`]: the write side, completed once.

use std::fmt;
use std::sync::Arc;

use super::state::Core;
use super::{AlreadyCompleted, Failure, Future};

/// Completes its [`Future`] once, with a value or a [`Failure`]. Clones
/// complete the same future (whichever comes first wins).
///
/// ```
/// use polyconc::future::{Failure, Promise};
/// let p = Promise::<i32>::new();
/// let f = p.future();
/// assert!(p.try_failure(Failure::msg("first")));
/// assert!(!p.try_success(2)); // already completed
/// assert_eq!(f.value().unwrap().as_ref().unwrap_err().to_string(), "first");
/// ```
pub struct Promise<T> {
    future: Future<T>,
}

impl<T> Clone for Promise<T> {
    /// Another handle that may complete the same future.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// p.clone().success(()).unwrap();
    /// assert!(p.is_completed());
    /// ```
    fn clone(&self) -> Self {
        Promise {
            future: self.future.clone(),
        }
    }
}

impl<T: Send + Sync + 'static> Default for Promise<T> {
    fn default() -> Self {
        Promise::new()
    }
}

impl<T: Send + Sync + 'static> Promise<T> {
    /// The promise that completes `future` (a node made for it).
    pub(super) fn of(future: Future<T>) -> Self {
        Promise { future }
    }

    /// A promise not completed yet.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// assert!(!Promise::<String>::new().is_completed());
    /// ```
    pub fn new() -> Self {
        Promise {
            future: Future::from_node(Arc::new(Core::new())),
        }
    }

    /// The future this promise completes.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// let f = p.future();
    /// p.success(1).unwrap();
    /// assert!(f.is_completed());
    /// ```
    pub fn future(&self) -> Future<T> {
        self.future.clone()
    }

    /// Whether the future is completed (by this promise, a clone, a
    /// cancellation or a timeout).
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// p.success(0).unwrap();
    /// assert!(p.is_completed());
    /// ```
    pub fn is_completed(&self) -> bool {
        self.future.is_completed()
    }

    /// Completes the future with `result`; if it was completed already,
    /// the result comes back in the error.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// assert!(p.complete(Ok(1)).is_ok());
    /// assert!(p.complete(Ok(2)).is_err());
    /// ```
    pub fn complete(&self, result: Result<T, Failure>) -> Result<(), AlreadyCompleted<T>> {
        self.future.complete_root(result).map_err(AlreadyCompleted)
    }

    /// Completes the future with a value; see [`Promise::complete`].
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// p.success("a").unwrap();
    /// assert!(p.success("b").is_err());
    /// ```
    pub fn success(&self, value: T) -> Result<(), AlreadyCompleted<T>> {
        self.complete(Ok(value))
    }

    /// Fails the future; see [`Promise::complete`].
    ///
    /// ```
    /// use polyconc::future::{Failure, Promise};
    /// let p = Promise::<()>::new();
    /// p.failure(Failure::msg("broken")).unwrap();
    /// assert!(p.future().value().unwrap().is_err());
    /// ```
    pub fn failure(&self, failure: Failure) -> Result<(), AlreadyCompleted<T>> {
        self.complete(Err(failure))
    }

    /// Completes the future if it is not completed yet; returns whether it did.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// assert!(p.try_complete(Ok(1)));
    /// assert!(!p.try_complete(Ok(2)));
    /// ```
    pub fn try_complete(&self, result: Result<T, Failure>) -> bool {
        self.future.complete_root(result).is_ok()
    }

    /// Completes the future with `other`'s result once `other` completes,
    /// unless it is completed first (Scala 2.13's `completeWith`); the
    /// result is copied, on the thread that completes `other`.
    ///
    /// ```
    /// use polyconc::future::{Future, Promise};
    /// let p = Promise::new();
    /// p.complete_with(&Future::successful("foo"));
    /// assert_eq!(p.future().value().unwrap().as_ref().ok(), Some(&"foo"));
    /// ```
    pub fn complete_with(&self, other: &Future<T>)
    where
        T: Clone,
    {
        if std::ptr::eq(self.future.core(), other.core()) {
            return;
        }
        let p = self.clone();
        other.when_done(move |done| {
            p.try_complete(done.done().clone());
        });
    }

    /// [`Promise::try_complete`] with a value.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// assert!(p.try_success(1));
    /// ```
    pub fn try_success(&self, value: T) -> bool {
        self.try_complete(Ok(value))
    }

    /// [`Promise::try_complete`] with a failure.
    ///
    /// ```
    /// use polyconc::future::{Failure, Promise};
    /// let p = Promise::<u8>::new();
    /// assert!(p.try_failure(Failure::msg("x")));
    /// ```
    pub fn try_failure(&self, failure: Failure) -> bool {
        self.try_complete(Err(failure))
    }
}

impl<T: Send + Sync + fmt::Debug + 'static> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Promise({:?})", self.future)
    }
}
