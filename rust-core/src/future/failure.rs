//! [`Failure`]: why a future failed, and the few errors the library itself
//! fails futures with.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// Why a future failed: any error, shared. Cloning is cheap (an `Arc`), so
/// every dependent sees the very error object the promise was failed with,
/// and [`Failure::downcast_ref`] gets it back (a binding's exception, a C
/// error code).
///
/// ```
/// use std::io;
/// use polyconc::future::Failure;
/// let f = Failure::new(io::Error::new(io::ErrorKind::NotFound, "gone"));
/// let g = f.clone();
/// assert_eq!(g.downcast_ref::<io::Error>().unwrap().kind(), io::ErrorKind::NotFound);
/// assert_eq!(g.to_string(), "gone");
/// ```
#[derive(Clone)]
pub struct Failure(Arc<dyn Error + Send + Sync>);

impl Failure {
    /// Wraps an error.
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// let f = Failure::new(std::fmt::Error);
    /// assert!(f.downcast_ref::<std::fmt::Error>().is_some());
    /// ```
    pub fn new<E: Error + Send + Sync + 'static>(error: E) -> Self {
        Failure(Arc::new(error))
    }

    /// A failure that is only a message.
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// assert_eq!(Failure::msg("boom").to_string(), "boom");
    /// ```
    pub fn msg(message: impl Into<String>) -> Self {
        Failure::new(Message(message.into()))
    }

    /// The failure of a cancelled future ([`Future::cancel`](super::Future::cancel),
    /// a task dropped by `ThreadPool::shutdown_now`).
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// assert!(Failure::cancelled().is_cancelled());
    /// ```
    pub fn cancelled() -> Self {
        Failure::new(Cancelled)
    }

    /// The failure of a future that did not complete in time
    /// ([`Future::or_timeout`](super::Future::or_timeout)), and of a wait that timed out.
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// assert!(Failure::timeout().is_timeout());
    /// ```
    pub fn timeout() -> Self {
        Failure::new(Timeout)
    }

    /// The failure of `filter`, `collect`, `failed` and `reduce_left` when there
    /// is no element (Scala's `NoSuchElementException`).
    ///
    /// ```
    /// use polyconc::future::{Failure, NoSuchElement};
    /// let f = Failure::no_such_element("empty");
    /// assert!(f.downcast_ref::<NoSuchElement>().is_some());
    /// ```
    pub fn no_such_element(message: &'static str) -> Self {
        Failure::new(NoSuchElement(message))
    }

    /// Turns a panic payload (from `catch_unwind`) into a failure.
    ///
    /// ```
    /// use polyconc::future::{Failure, Panicked};
    /// let payload = std::panic::catch_unwind(|| panic!("oops")).unwrap_err();
    /// let f = Failure::from_panic(payload);
    /// assert_eq!(f.downcast_ref::<Panicked>().unwrap().message(), "oops");
    /// ```
    pub fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let message = match payload.downcast::<String>() {
            Ok(s) => *s,
            Err(payload) => match payload.downcast::<&'static str>() {
                Ok(s) => (*s).to_owned(),
                Err(_) => "a panic with a non-string payload".to_owned(),
            },
        };
        Failure::new(Panicked(message))
    }

    /// Whether this is a [`Cancelled`] failure.
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// assert!(!Failure::msg("x").is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.downcast_ref::<Cancelled>().is_some()
    }

    /// Whether this is a [`Timeout`] failure.
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// assert!(!Failure::cancelled().is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        self.downcast_ref::<Timeout>().is_some()
    }

    /// The error, if it is an `E`.
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// let f = Failure::new(std::fmt::Error);
    /// assert!(f.downcast_ref::<std::io::Error>().is_none());
    /// ```
    pub fn downcast_ref<E: Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref::<E>()
    }

    /// The shared error object itself.
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// let f = Failure::msg("shared");
    /// assert_eq!(f.error().to_string(), "shared");
    /// ```
    pub fn error(&self) -> &Arc<dyn Error + Send + Sync> {
        &self.0
    }

    /// Whether both are the same error object (not merely equal messages).
    ///
    /// ```
    /// use polyconc::future::Failure;
    /// let f = Failure::msg("a");
    /// assert!(f.same_as(&f.clone()));
    /// assert!(!f.same_as(&Failure::msg("a")));
    /// ```
    pub fn same_as(&self, other: &Failure) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl From<Arc<dyn Error + Send + Sync>> for Failure {
    /// Shares an error that is already in an `Arc`.
    ///
    /// ```
    /// use std::{error::Error, sync::Arc};
    /// use polyconc::future::Failure;
    /// let e: Arc<dyn Error + Send + Sync> = Arc::new(std::fmt::Error);
    /// assert!(Failure::from(e).downcast_ref::<std::fmt::Error>().is_some());
    /// ```
    fn from(error: Arc<dyn Error + Send + Sync>) -> Self {
        Failure(error)
    }
}

impl PartialEq for Failure {
    /// The same error object ([`Failure::same_as`]): a failure equals its
    /// clones, as a Scala test's `mustBe` compares exceptions.
    fn eq(&self, other: &Failure) -> bool {
        self.same_as(other)
    }
}

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Failure({:?})", self.0)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl Error for Failure {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.0)
    }
}

#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Message {}

/// The future was cancelled before it completed.
///
/// ```
/// use polyconc::future::{Cancelled, Failure};
/// assert!(Failure::cancelled().downcast_ref::<Cancelled>().is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the future was cancelled")
    }
}

impl Error for Cancelled {}

/// The deadline passed first.
///
/// ```
/// use polyconc::future::{Failure, Timeout};
/// assert_eq!(Failure::timeout().downcast_ref::<Timeout>(), Some(&Timeout));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeout;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the future did not complete in time")
    }
}

impl Error for Timeout {}

/// There was no element: a predicate not satisfied, an empty input (Scala's
/// `NoSuchElementException`, with its messages).
///
/// ```
/// use polyconc::future::NoSuchElement;
/// assert_eq!(NoSuchElement("none").to_string(), "none");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoSuchElement(pub &'static str);

impl fmt::Display for NoSuchElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for NoSuchElement {}

/// A closure panicked; its message is kept.
///
/// ```
/// use polyconc::future::{Failure, Panicked};
/// let p = std::panic::catch_unwind(|| panic!("{}", 42)).unwrap_err();
/// assert_eq!(Failure::from_panic(p).to_string(), "panicked: 42");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked(String);

impl Panicked {
    /// The panic's message.
    ///
    /// ```
    /// use polyconc::future::{Failure, Panicked};
    /// let p = std::panic::catch_unwind(|| panic!("m")).unwrap_err();
    /// assert_eq!(Failure::from_panic(p).downcast_ref::<Panicked>().unwrap().message(), "m");
    /// ```
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "panicked: {}", self.0)
    }
}

impl Error for Panicked {}

/// A second completion of a [`Promise`](super::Promise): the result it was
/// given comes back.
///
/// ```
/// use polyconc::future::{AlreadyCompleted, Promise};
/// let p = Promise::new();
/// p.success(1).unwrap();
/// let AlreadyCompleted(back) = p.success(2).unwrap_err();
/// assert_eq!(back.unwrap(), 2);
/// ```
pub struct AlreadyCompleted<T>(pub Result<T, Failure>);

impl<T> fmt::Debug for AlreadyCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AlreadyCompleted(..)")
    }
}

impl<T> fmt::Display for AlreadyCompleted<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the promise was already completed")
    }
}

impl<T> Error for AlreadyCompleted<T> {}
