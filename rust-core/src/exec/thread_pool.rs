//! [`ThreadPool`]: a fixed set of workers with shutdown and join.

use std::fmt;
use std::sync::Arc;

use super::pool::{Pool, Reporter, RUNNING};
use super::{ExecutionContext, Rejected, Task};
use crate::future::Failure;

/// A pool of a fixed number of workers (the same engine as
/// [`global()`](super::global): per-worker deques with stealing, and
/// spare threads while workers are inside [`blocking`](super::blocking)).
/// Cloning gives another handle; when the last handle goes (including the
/// ones pending callbacks hold), the pool shuts down as by
/// [`ThreadPool::shutdown`].
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::ThreadPool;
/// use polyconc::future::future;
/// let pool = ThreadPool::new(2);
/// let f = future(&pool, || "on the pool");
/// assert_eq!(f.result(Duration::from_secs(10)), Ok("on the pool"));
/// pool.shutdown();
/// pool.join().unwrap();
/// ```
#[derive(Clone)]
pub struct ThreadPool {
    owner: Arc<Owner>,
}

struct Owner {
    pool: Arc<Pool>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.pool.shut_down();
    }
}

/// Why [`ThreadPool::join`] did not wait.
///
/// ```
/// use polyconc::exec::{JoinError, ThreadPool};
/// let pool = ThreadPool::new(1);
/// assert_eq!(pool.join(), Err(JoinError::Running));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinError {
    /// The pool is not shut down: it would wait forever.
    Running,
    /// Called from one of the pool's own workers: it would wait for itself.
    OwnWorker,
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            JoinError::Running => "the pool is not shut down; call shutdown first",
            JoinError::OwnWorker => "a pool cannot be joined from one of its own workers",
        })
    }
}

impl std::error::Error for JoinError {}

/// Settings of a [`ThreadPool`].
///
/// ```
/// use polyconc::exec::ThreadPool;
/// let pool = ThreadPool::builder().size(3).name("io").max_blocking(8).build();
/// assert_eq!(pool.size(), 3);
/// ```
pub struct ThreadPoolBuilder {
    size: usize,
    name: String,
    max_blocking: usize,
    reporter: Option<Reporter>,
}

impl ThreadPoolBuilder {
    /// How many workers (at least 1). Default: one per core.
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// assert_eq!(ThreadPool::builder().size(0).build().size(), 1);
    /// ```
    pub fn size(mut self, size: usize) -> Self {
        self.size = size.max(1);
        self
    }

    /// The threads' name prefix. Default: `polyconc-pool`.
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// let _pool = ThreadPool::builder().name("workers").build();
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// How many spare threads may run at once while workers block (0: none,
    /// a blocked worker is simply lost meanwhile). Default: 256.
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// let _strict = ThreadPool::builder().max_blocking(0).build();
    /// ```
    pub fn max_blocking(mut self, spares: usize) -> Self {
        self.max_blocking = spares;
        self
    }

    /// Who hears of tasks' panics and of side-effect callbacks' failures.
    /// Default: one line on stderr each.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use polyconc::exec::{ExecutionContext, ThreadPool};
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let s = seen.clone();
    /// let pool = ThreadPool::builder()
    ///     .size(1)
    ///     .reporter(move |f| s.lock().unwrap().push(f.to_string()))
    ///     .build();
    /// pool.execute(Box::new(|| panic!("boom"))).unwrap();
    /// pool.shutdown();
    /// pool.join().unwrap();
    /// assert_eq!(*seen.lock().unwrap(), ["panicked: boom"]);
    /// ```
    pub fn reporter(mut self, reporter: impl Fn(&Failure) + Send + Sync + 'static) -> Self {
        self.reporter = Some(Arc::new(reporter));
        self
    }

    /// Starts the workers.
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// let pool = ThreadPool::builder().size(1).build();
    /// assert!(!pool.is_shut_down());
    /// ```
    pub fn build(self) -> ThreadPool {
        ThreadPool {
            owner: Arc::new(Owner {
                pool: Pool::start(self.name, self.size, self.max_blocking, self.reporter),
            }),
        }
    }
}

impl ThreadPool {
    /// A pool of `size` workers (at least 1), with the default settings.
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// assert_eq!(ThreadPool::new(4).size(), 4);
    /// ```
    pub fn new(size: usize) -> Self {
        ThreadPool::builder().size(size).build()
    }

    /// Settings for a new pool.
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// let pool = ThreadPool::builder().build(); // one worker per core
    /// assert!(pool.size() >= 1);
    /// ```
    pub fn builder() -> ThreadPoolBuilder {
        ThreadPoolBuilder {
            size: std::thread::available_parallelism().map_or(1, |n| n.get()),
            name: "polyconc-pool".to_owned(),
            max_blocking: 256,
            reporter: None,
        }
    }

    /// How many workers (not counting spares running for blocked ones).
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// assert_eq!(ThreadPool::new(2).size(), 2);
    /// ```
    pub fn size(&self) -> usize {
        self.owner.pool.size()
    }

    /// Refuses new tasks from now on (they come back in [`Rejected`]);
    /// tasks already queued still run. Workers exit once the queue is empty.
    ///
    /// ```
    /// use polyconc::exec::{ExecutionContext, ThreadPool};
    /// let pool = ThreadPool::new(1);
    /// pool.shutdown();
    /// assert!(pool.execute(Box::new(|| ())).is_err());
    /// ```
    pub fn shutdown(&self) {
        self.owner.pool.shut_down();
    }

    /// Refuses new tasks and does not run the queued ones: their futures
    /// fail with [`Cancelled`](crate::future::Cancelled) (a plain closure
    /// is dropped). Returns how many tasks were taken off the queue. Tasks
    /// running now finish.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::exec::ThreadPool;
    /// use polyconc::future::{future, Promise};
    /// let pool = ThreadPool::new(1);
    /// let gate = Promise::<()>::new();
    /// let g = gate.future();
    /// let busy = future(&pool, move || g.ready(Duration::from_secs(10)).is_ok());
    /// let queued = future(&pool, || 1);
    /// # std::thread::sleep(Duration::from_millis(20)); // let the worker take `busy`
    /// let n = pool.shutdown_now();
    /// gate.success(()).unwrap();
    /// assert!(n <= 1);
    /// if n == 1 {
    ///     assert!(queued.result(Duration::from_secs(10)).unwrap_err().is_cancelled());
    /// }
    /// assert!(busy.result(Duration::from_secs(10)).is_ok());
    /// ```
    pub fn shutdown_now(&self) -> usize {
        self.owner.pool.stop()
    }

    /// Whether [`shutdown`](Self::shutdown) or [`shutdown_now`](Self::shutdown_now) was called.
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// let pool = ThreadPool::new(1);
    /// pool.shutdown();
    /// assert!(pool.is_shut_down());
    /// ```
    pub fn is_shut_down(&self) -> bool {
        self.owner.pool.state() != RUNNING
    }

    /// Waits until every worker has exited (after a shutdown: once the
    /// queue is run or failed).
    ///
    /// ```
    /// use polyconc::exec::ThreadPool;
    /// let pool = ThreadPool::new(2);
    /// pool.shutdown();
    /// assert_eq!(pool.join(), Ok(()));
    /// ```
    pub fn join(&self) -> Result<(), JoinError> {
        let pool = &self.owner.pool;
        if pool.state() == RUNNING {
            return Err(JoinError::Running);
        }
        if pool.is_current() {
            return Err(JoinError::OwnWorker);
        }
        pool.join();
        Ok(())
    }
}

impl ExecutionContext for ThreadPool {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        self.owner.pool.push(Task::from(task))
    }

    fn submit(&self, task: Task) -> Result<(), Rejected> {
        self.owner.pool.push(task)
    }

    fn report(&self, failure: &Failure) {
        self.owner.pool.report(failure);
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("size", &self.size())
            .field("shut_down", &self.is_shut_down())
            .finish()
    }
}
