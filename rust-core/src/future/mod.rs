//! Scala's futures and promises: [`Promise`] completes once, its
//! [`Future`] is read by anyone, and combinators (`map`, `flat_map`, `zip`,
//! ...) build new futures that run their closure on an
//! [execution context](crate::exec) once the one before completes.
//!
//! ```
//! use std::time::Duration;
//! use polyconc::exec::global;
//! use polyconc::future::{future, Promise};
//!
//! let ec = global();
//! let p = Promise::new();
//! let doubled = p.future().map(&ec, |v: &i32| v * 2);
//! let summed = doubled.zip_with(&ec, &future(&ec, || 1), |a, b| a + b);
//! p.success(20).unwrap();
//! assert_eq!(summed.result(Duration::from_secs(10)), Ok(41));
//! ```
//!
//! # The model
//!
//! A future holds `Result<T, Failure>`; [`Failure`] is a shared error
//! object. Combinators take the context first and a closure over `&T`, so
//! values are never copied unless asked for (`result`, `.await`, `zip` and
//! `sequence` need `T: Clone`). The state of a promise is one atomic word
//! (Scala 2.13's `DefaultPromise`): a combinator is one allocation, at once
//! the callback, the task given to the context and its result's promise;
//! `flat_map` links the inner future to the outer one instead of copying,
//! so a recursive `flat_map` loop runs in constant memory, and a chain of
//! any length runs in constant stack.
//!
//! # Where callbacks run
//!
//! Every combinator that takes a context runs its closure there, as a task
//! submitted when the future completes (or at once, if it is completed when
//! the combinator is called). Callbacks of one future are submitted in
//! registration order, oldest first (Scala 2.13 runs them newest first).
//! Combinators without a context (`zip`, `fallback_to`, `flatten`,
//! `failure`, `first_completed_of`, `or_timeout`'s bookkeeping) do only
//! constant work, on [`parasitic()`](crate::exec::parasitic): the thread
//! that completes the future. [`Future::map_to`] (Scala's `mapTo`, which
//! takes no context either) runs its conversion there too.
//!
//! # Panics
//!
//! A closure that computes a value (`map`, `flat_map`, `filter`, `collect`,
//! `recover*`, `transform*`, `map_to`, [`future`]) fails its future with the panic
//! as a [`Panicked`] failure. A side-effect callback (`and_then`,
//! `on_complete`, `foreach`) has no future to fail: its panic is reported to
//! the context ([`ExecutionContext::report`])
//! and, for `and_then`, the result passes through. Nothing reaches the pool.
//!
//! # Cancellation and timeouts (beyond Scala)
//!
//! [`Future::cancel`] completes a pending future with [`Cancelled`];
//! dependents see it, and a combinator whose task has not started yet does
//! not run its closure. [`Future::or_timeout`] fails a future with
//! [`Timeout`] if it is not completed in time. A future adopted by
//! `flat_map` (or `recover_with`, `transform_with`, `flatten`) shares its
//! promise with the outer one from then on, so cancelling either cancels
//! both.

mod collect;
mod combinators;
mod failure;
mod gather;
mod job;
mod lodged;
mod poll;
mod promise;
mod spawned;
mod state;
mod wait;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use collect::{find, first_completed_of, fold_left, reduce_left, sequence, traverse};
pub use failure::{AlreadyCompleted, Cancelled, Failure, NoSuchElement, Panicked, Timeout};
pub use lodged::{promise_housed, promise_lodged, try_future_housed, try_future_lodged, Lodged};
pub use poll::spawn;
pub use promise::Promise;

use crate::exec::{ExecutionContext, Timer};
use poll::WakeSlot;
use spawned::{Fallible, Infallible, Spawned};
use state::{Core, Node};

/// The read side of a [`Promise`]: a result that is, or will be, there.
/// Cheap to clone (every clone reads the same promise), `Send` and `Sync`.
///
/// ```
/// use polyconc::future::Future;
/// let f = Future::successful(5);
/// let g = f.clone();
/// assert!(g.is_completed());
/// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&5));
/// ```
pub struct Future<T> {
    node: Arc<dyn Node<T>>,
    /// The waker registration of an `.await` on this handle.
    waker: Option<Box<WakeSlot>>,
}

impl<T> Clone for Future<T> {
    /// Another handle on the same result.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// let f = p.future().clone();
    /// p.success("x").unwrap();
    /// assert!(f.is_completed());
    /// ```
    fn clone(&self) -> Self {
        Future {
            node: Arc::clone(&self.node),
            waker: None,
        }
    }
}

/// Scala's `Future.apply`: runs `f` on `ec` and completes the future with
/// its value (or its panic). The closure and the promise are one
/// allocation, submitted to `ec` at once.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::future;
/// let f = future(&global(), || "done");
/// assert_eq!(f.result(Duration::from_secs(10)), Ok("done"));
/// ```
pub fn future<T, E, F>(ec: &E, f: F) -> Future<T>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    Spawned::start(ec, Infallible(f))
}

/// [`future`] for a closure that may fail: its `Err` fails the future, as
/// a Scala body that throws does. One allocation, as for `future` (a
/// binding whose callbacks return an error code needs this form).
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::{try_future, Failure};
/// let f = try_future(&global(), || Err::<u8, _>(Failure::msg("no")));
/// assert_eq!(f.result(Duration::from_secs(10)).unwrap_err().to_string(), "no");
/// let g = try_future(&global(), || Ok(7));
/// assert_eq!(g.result(Duration::from_secs(10)), Ok(7));
/// ```
pub fn try_future<T, E, F>(ec: &E, f: F) -> Future<T>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: FnOnce() -> Result<T, Failure> + Send + 'static,
{
    Spawned::start(ec, Fallible(f))
}

impl<T: Send + Sync + 'static> Future<T> {
    fn from_node<N: Node<T> + 'static>(node: Arc<N>) -> Self {
        Future { node, waker: None }
    }

    fn core(&self) -> &Core<T> {
        self.node.core()
    }

    /// The result of a future known to be completed (a fired callback's).
    fn done(&self) -> &Result<T, Failure> {
        self.peek().expect("a completed future")
    }

    /// A future completed with `value`.
    ///
    /// ```
    /// use polyconc::future::Future;
    /// assert!(Future::successful(1).is_completed());
    /// ```
    pub fn successful(value: T) -> Self {
        Future::from_result(Ok(value))
    }

    /// A future failed with `failure`.
    ///
    /// ```
    /// use polyconc::future::{Failure, Future};
    /// let f = Future::<i32>::failed(Failure::msg("no"));
    /// assert_eq!(f.value().unwrap().as_ref().unwrap_err().to_string(), "no");
    /// ```
    pub fn failed(failure: Failure) -> Self {
        Future::from_result(Err(failure))
    }

    /// A future completed with `result` (Scala's `Future.fromTry`).
    ///
    /// ```
    /// use polyconc::future::Future;
    /// assert!(Future::from_result(Ok::<_, polyconc::future::Failure>(1)).is_completed());
    /// ```
    pub fn from_result(result: Result<T, Failure>) -> Self {
        Future::from_node(Arc::new(Core::completed(result)))
    }

    /// A future that never completes (unless cancelled or timed out).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::future::Future;
    /// let f = Future::<()>::never();
    /// assert!(f.ready(Duration::from_millis(1)).is_err());
    /// ```
    pub fn never() -> Self {
        Future::from_node(Arc::new(Core::new()))
    }

    /// Whether the future is completed.
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::<u8>::new();
    /// assert!(!p.future().is_completed());
    /// ```
    pub fn is_completed(&self) -> bool {
        self.peek().is_some()
    }

    /// The result, if the future is completed (Scala's `value`).
    ///
    /// ```
    /// use polyconc::future::Promise;
    /// let p = Promise::new();
    /// assert!(p.future().value().is_none());
    /// p.success(3).unwrap();
    /// assert_eq!(p.future().value().unwrap().as_ref().ok(), Some(&3));
    /// ```
    pub fn value(&self) -> Option<&Result<T, Failure>> {
        self.peek()
    }

    /// Whether this handle is the only one on its promise, and the promise
    /// is neither completed nor linked to another one (by `flat_map`):
    /// then nothing but this handle can complete it, register on it or
    /// reach the callbacks registered on it, which are all its own. A
    /// binding whose garbage collector must see what those callbacks hold
    /// (one that refers to its own future) asks this.
    ///
    /// ```
    /// use polyconc::future::{Future, Promise};
    /// let p = Promise::<i32>::new();
    /// let f = p.future();
    /// assert!(!f.is_sole_pending()); // the promise is another handle
    /// drop(p);
    /// assert!(f.is_sole_pending());
    /// assert!(!Future::successful(1).is_sole_pending()); // completed
    /// ```
    pub fn is_sole_pending(&self) -> bool {
        if Arc::strong_count(&self.node) != 1 {
            return false;
        }
        // Whatever another handle did before it was dropped (a completion,
        // a link) happened before its release of the count seen above.
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        self.core().is_pending()
    }

    /// Completes the future with [`Cancelled`] if it is not completed yet;
    /// returns whether it did. Dependents see the failure; a combinator
    /// whose closure has not started will not run it.
    ///
    /// ```
    /// use polyconc::exec::global;
    /// use polyconc::future::Promise;
    /// let p = Promise::<i32>::new();
    /// let f = p.future();
    /// let g = f.map(&global(), |v| v + 1);
    /// assert!(f.cancel());
    /// assert!(!f.cancel());
    /// assert!(p.success(1).is_err()); // too late
    /// assert!(g.result(std::time::Duration::from_secs(10)).unwrap_err().is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        self.complete_root(Err(Failure::cancelled())).is_ok()
    }

    /// Fails this future with [`Timeout`] unless it completes within
    /// `timeout` (Java's `orTimeout`); returns it. The deadline is kept by
    /// the process's [`Timer`] thread and dropped once the future completes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::future::Future;
    /// let f = Future::<()>::never().or_timeout(Duration::from_millis(5));
    /// let err = f.result(Duration::from_secs(10)).unwrap_err();
    /// assert!(err.is_timeout());
    /// ```
    pub fn or_timeout(&self, timeout: Duration) -> Future<T> {
        if !self.is_completed() {
            let me = self.clone();
            let handle = Timer::shared().schedule(timeout, move || {
                let _ = me.complete_root(Err(Failure::timeout()));
            });
            self.notify_when_done(move || {
                handle.cancel();
            });
        }
        self.clone()
    }
}

impl<T: Send + Sync + 'static> fmt::Debug for Future<T>
where
    T: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value() {
            Some(Ok(v)) => write!(f, "Future(Ok({v:?}))"),
            Some(Err(e)) => write!(f, "Future(Err({e}))"),
            None => f.write_str("Future(<not completed>)"),
        }
    }
}

impl Future<()> {
    /// The completed `Future<()>` (Scala's `Future.unit`), shared.
    ///
    /// ```
    /// use polyconc::future::Future;
    /// assert!(Future::unit().is_completed());
    /// ```
    pub fn unit() -> Future<()> {
        #[cfg(not(loom))]
        {
            static UNIT: std::sync::OnceLock<Future<()>> = std::sync::OnceLock::new();
            UNIT.get_or_init(|| Future::successful(())).clone()
        }
        #[cfg(loom)]
        Future::successful(())
    }
}
