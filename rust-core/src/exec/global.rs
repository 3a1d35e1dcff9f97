//! [`global()`]: the process-wide work-stealing pool.

use std::sync::{Arc, OnceLock};

use super::pool::Pool;
use super::{ExecutionContext, Rejected, Task};

/// Spare threads the global pool starts at most for [`blocking`](super::blocking)
/// calls at once (Scala's `scala.concurrent.context.maxExtraThreads`).
const MAX_EXTRA: usize = 256;

/// The global context: one worker per core, started on first use, never
/// shut down. Callbacks submitted from a worker go to that worker's own
/// deque (idle workers steal them); others to a shared queue.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::future;
/// assert_eq!(future(&global(), || 1).result(Duration::from_secs(10)), Ok(1));
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Global;

/// The global context.
///
/// ```
/// use polyconc::exec::{global, ExecutionContext};
/// global().execute(Box::new(|| ())).unwrap();
/// ```
pub fn global() -> Global {
    Global
}

fn pool() -> &'static Arc<Pool> {
    static POOL: OnceLock<Arc<Pool>> = OnceLock::new();
    POOL.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Pool::start("polyconc-global".to_owned(), cores, MAX_EXTRA, None)
    })
}

impl ExecutionContext for Global {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        pool().push(Task::from(task))
    }

    fn submit(&self, task: Task) -> Result<(), Rejected> {
        pool().push(task)
    }
}
