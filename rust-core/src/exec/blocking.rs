//! [`blocking`]: Scala's `blocking {}`.

use super::{parasitic, pool};

/// Runs `f`, which may block (a lock, I/O, a wait for a future), telling
/// the pool it runs on, if any: on a worker of [`global()`](super::global)
/// or a [`ThreadPool`](super::ThreadPool) the worker is counted out for the
/// duration, and if no other worker is idle a spare thread runs the queue
/// meanwhile, so blocked tasks do not starve the pool. Outside a pool it
/// just runs `f`. Tasks that the [parasitic](super::parasitic) context had
/// queued behind the current one on this thread run first, so they do not
/// wait for the blocking call.
///
/// Limit: at most the pool's spare-thread limit (256 by default, Scala's)
/// run at once; beyond it a blocking call holds its worker as any other
/// call would. Nested calls count once.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::{blocking, ThreadPool};
/// use polyconc::future::{future, Promise};
///
/// let pool = ThreadPool::new(1);
/// let gate = Promise::<()>::new();
/// let g = gate.future();
/// // The only worker blocks until a second task opens the gate: without
/// // compensation it would wait forever.
/// let waiter = future(&pool, move || blocking(|| g.ready(Duration::from_secs(10)).is_ok()));
/// let opener = future(&pool, move || gate.success(()).is_ok());
/// assert_eq!(opener.result(Duration::from_secs(10)), Ok(true));
/// assert_eq!(waiter.result(Duration::from_secs(10)), Ok(true));
/// ```
pub fn blocking<R>(f: impl FnOnce() -> R) -> R {
    parasitic::run_queued();
    pool::while_blocked(f)
}
