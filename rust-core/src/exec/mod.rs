//! Where futures' callbacks run: Scala's `ExecutionContext`s.
//!
//! - [`ExecutionContext`]: the object-safe trait; bring your own.
//! - [`global()`]: a work-stealing pool with one worker per core, which
//!   grows for the duration of a [`blocking`] call (Scala's global context,
//!   a `ForkJoinPool` with managed blocking).
//! - [`ThreadPool`]: a fixed set of workers with shutdown and join.
//! - [`parasitic()`]: runs a task on the thread that submits it (the thread
//!   that completed the future), trampolined so long chains do not grow the
//!   stack.
//! - [`Timer`]: one thread and a deadline heap, for timeouts.
//!
//! A task that panics is caught, reported to its context's
//! [`report`](ExecutionContext::report) (by default one line on stderr per
//! panic), and never takes a worker down.
//!
//! # Why not rayon
//!
//! rayon's pool cannot grow, so a task blocked in Scala's `blocking {}`
//! (or in [`Future::result`](crate::future::Future::result)) holds its
//! worker, and enough of them starve the pool: rayon issue 835 shows a
//! blocking scope body deadlocking a one-thread pool. And a rayon worker
//! that waits by running other jobs (`join`, `scope`, `yield_now`) can
//! start one that takes a lock the waiting job holds (rayon issue 592).
//! The pools here are built on `crossbeam-deque` (rayon's own deques)
//! instead: a worker inside [`blocking`] is counted out and, if no worker
//! is idle, a spare thread runs the queue while it blocks (Scala's managed
//! blocking; like scala/bug#10810's fix, it is the spares running at once
//! that are capped, 256 by default). A worker that waits for a future
//! parks and never runs other tasks on its stack, so no task is ever
//! nested inside another and no lock it holds is re-entered. rayon stays
//! in the benchmarks as the peer to measure against.
//!
//! ```
//! use polyconc::exec::global;
//! use polyconc::future::future;
//! use std::time::Duration;
//! let f = future(&global(), || 6 * 7);
//! assert_eq!(f.result(Duration::from_secs(10)), Ok(42));
//! ```

mod blocking;
mod global;
mod parasitic;
mod pool;
mod task;
mod thread_pool;
mod timer;

use std::fmt;
use std::sync::Arc;

use crate::future::Failure;

pub use blocking::blocking;
pub use global::{global, Global};
pub use parasitic::{parasitic, Parasitic};
pub use task::Task;
pub use thread_pool::{JoinError, ThreadPool, ThreadPoolBuilder};
pub use timer::{Timer, TimerHandle};

pub(crate) use task::Runnable;

/// Runs tasks somewhere: Scala's `ExecutionContext`. Object-safe, so
/// `Arc<dyn ExecutionContext>` is a context too.
///
/// ```
/// use std::sync::Arc;
/// use polyconc::exec::{ExecutionContext, Rejected};
/// use polyconc::future::Future;
///
/// /// Runs every task at once on the submitting thread.
/// struct Inline;
/// impl ExecutionContext for Inline {
///     fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
///         task();
///         Ok(())
///     }
/// }
///
/// let ec: Arc<dyn ExecutionContext> = Arc::new(Inline);
/// let f = Future::successful(1).map(&ec, |v| v + 1);
/// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&2));
/// ```
pub trait ExecutionContext: Send + Sync {
    /// Runs `task`, now or later, on some thread; or refuses it and gives
    /// it back (a pool that is shut down).
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected>;

    /// Runs a [`Task`]. The default boxes it for
    /// [`execute`](Self::execute); the contexts of this crate take it as it is.
    ///
    /// ```
    /// use polyconc::exec::{parasitic, ExecutionContext, Task};
    /// parasitic().submit(Task::new(|| ())).unwrap();
    /// ```
    fn submit(&self, task: Task) -> Result<(), Rejected> {
        self.execute(task.into_boxed())
    }

    /// Hears of a failure nobody else will see: a task's panic, a panic in
    /// a side-effect callback. The default writes one line to stderr.
    ///
    /// ```
    /// use polyconc::exec::{parasitic, ExecutionContext};
    /// use polyconc::future::Failure;
    /// parasitic().report(&Failure::msg("shown on stderr"));
    /// ```
    fn report(&self, failure: &Failure) {
        report_to_stderr(failure);
    }
}

impl<E: ExecutionContext + ?Sized> ExecutionContext for Arc<E> {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        (**self).execute(task)
    }

    fn submit(&self, task: Task) -> Result<(), Rejected> {
        (**self).submit(task)
    }

    fn report(&self, failure: &Failure) {
        (**self).report(failure)
    }
}

/// The default reporter: one line on stderr.
pub(crate) fn report_to_stderr(failure: &Failure) {
    eprintln!("polyconc: a task failed and nobody was told: {failure}");
}

/// A context refused a task (it is shut down); the task comes back unrun.
///
/// ```
/// use polyconc::exec::{ExecutionContext, ThreadPool};
/// let pool = ThreadPool::new(1);
/// pool.shutdown();
/// let rejected = pool.execute(Box::new(|| ())).unwrap_err();
/// rejected.into_task().run(); // run it here instead
/// ```
pub struct Rejected(Task);

impl Rejected {
    /// Wraps the task being refused.
    ///
    /// ```
    /// use polyconc::exec::{Rejected, Task};
    /// let r = Rejected::new(Task::new(|| ()));
    /// r.into_task().run();
    /// ```
    pub fn new(task: Task) -> Self {
        Rejected(task)
    }

    /// The task, unrun.
    ///
    /// ```
    /// use polyconc::exec::{Rejected, Task};
    /// let t = Rejected::new(Task::new(|| ())).into_task();
    /// t.run();
    /// ```
    pub fn into_task(self) -> Task {
        self.0
    }
}

impl fmt::Debug for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rejected({:?})", self.0)
    }
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the execution context is shut down and refused the task")
    }
}

impl std::error::Error for Rejected {}

/// The failure of a future whose task a context refused.
///
/// ```
/// use polyconc::exec::{ShutDown, ThreadPool};
/// use polyconc::future::Future;
/// let pool = ThreadPool::new(1);
/// pool.shutdown();
/// let f = Future::unit().map(&pool, |_| 1);
/// assert!(f.value().unwrap().as_ref().unwrap_err().downcast_ref::<ShutDown>().is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutDown;

impl fmt::Display for ShutDown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the execution context is shut down")
    }
}

impl std::error::Error for ShutDown {}
