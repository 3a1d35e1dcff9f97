//! [`Task`]: what an execution context runs, a closure or a promise's job.

use std::fmt;
use std::sync::Arc;

use crate::future::Failure;

/// One unit of work for an [`ExecutionContext`](super::ExecutionContext): a
/// boxed closure, or the job of a future's combinator (which runs its
/// closure and completes its future; it is passed on without boxing it
/// again).
///
/// ```
/// use polyconc::exec::Task;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
/// let ran = Arc::new(AtomicBool::new(false));
/// let task = Task::new({
///     let ran = ran.clone();
///     move || ran.store(true, Ordering::SeqCst)
/// });
/// task.run();
/// assert!(ran.load(Ordering::SeqCst));
/// ```
pub struct Task(Kind);

enum Kind {
    Closure(Box<dyn FnOnce() + Send>),
    Job(Arc<dyn Runnable>),
}

/// A job that completes a future: it never panics (it catches its closure's
/// panic), and it can be failed instead of run.
pub(crate) trait Runnable: Send + Sync {
    fn run(self: Arc<Self>);
    /// Fails the job's future (or reports, for a callback without one)
    /// instead of running it.
    fn abort(self: Arc<Self>, failure: Failure);
}

impl Task {
    /// A task that runs `f`.
    ///
    /// ```
    /// use polyconc::exec::Task;
    /// Task::new(|| println!("hello")).run();
    /// ```
    pub fn new(f: impl FnOnce() + Send + 'static) -> Self {
        Task(Kind::Closure(Box::new(f)))
    }

    pub(crate) fn job(job: Arc<dyn Runnable>) -> Self {
        Task(Kind::Job(job))
    }

    /// Runs the task on this thread. A closure's panic goes on to the
    /// caller; a future's job never panics.
    ///
    /// ```
    /// use polyconc::exec::Task;
    /// let r = std::panic::catch_unwind(|| Task::new(|| panic!("x")).run());
    /// assert!(r.is_err());
    /// ```
    pub fn run(self) {
        match self.0 {
            Kind::Closure(f) => f(),
            Kind::Job(job) => job.run(),
        }
    }

    /// Does not run the task: a future's job fails its future with
    /// `failure`; a closure is dropped.
    pub(crate) fn abort(self, failure: Failure) {
        if let Kind::Job(job) = self.0 {
            job.abort(failure);
        }
    }

    /// The task as a plain boxed closure, for a context that only runs
    /// closures. Dropping the closure without calling it fails a job's
    /// future with [`Cancelled`](crate::future::Cancelled).
    ///
    /// ```
    /// use polyconc::exec::{parasitic, Task};
    /// use polyconc::future::Future;
    /// let f = Future::unit().map(&parasitic(), |_| 1);
    /// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&1));
    /// let boxed = Task::new(|| ()).into_boxed();
    /// boxed();
    /// ```
    pub fn into_boxed(self) -> Box<dyn FnOnce() + Send> {
        match self.0 {
            Kind::Closure(f) => f,
            Kind::Job(job) => {
                let mut unrun = Unrun(Some(job));
                Box::new(move || {
                    if let Some(job) = unrun.0.take() {
                        job.run();
                    }
                })
            }
        }
    }
}

/// A job inside a boxed closure: fails its future if dropped unrun.
struct Unrun(Option<Arc<dyn Runnable>>);

impl Drop for Unrun {
    fn drop(&mut self) {
        if let Some(job) = self.0.take() {
            job.abort(Failure::cancelled());
        }
    }
}

impl From<Box<dyn FnOnce() + Send>> for Task {
    /// Wraps a boxed closure without boxing it again.
    ///
    /// ```
    /// use polyconc::exec::Task;
    /// let f: Box<dyn FnOnce() + Send> = Box::new(|| ());
    /// Task::from(f).run();
    /// ```
    fn from(f: Box<dyn FnOnce() + Send>) -> Self {
        Task(Kind::Closure(f))
    }
}

impl fmt::Debug for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            Kind::Closure(_) => "Task(closure)",
            Kind::Job(_) => "Task(job)",
        })
    }
}
