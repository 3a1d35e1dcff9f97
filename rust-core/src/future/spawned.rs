//! The task of [`future`](super::future), Scala's `Future.apply`: in one
//! allocation the closure and the promise it completes (as a tokio task
//! cell or rayon's `HeapJob`). It has no upstream to wait for, so it needs
//! no hook: it goes to the context at once.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::state::{Core, Node};
use super::{Failure, Future};
use crate::exec::{ExecutionContext, Runnable, ShutDown, Task};

pub(crate) struct Spawned<T, F> {
    core: Core<T>,
    work: UnsafeCell<Option<F>>,
}

// SAFETY: `work` is taken by the one thread that runs or aborts the task
// (a task is consumed by either); the core is `Sync` on its own.
unsafe impl<T: Send + Sync, F: Send> Sync for Spawned<T, F> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync, F: Send> Send for Spawned<T, F> {}

impl<T, F> Node<T> for Spawned<T, F>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    fn core(&self) -> &Core<T> {
        &self.core
    }
}

impl<T, F> Spawned<T, F>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    /// Submits `f` to `ec`; its future completes with `f`'s value or panic.
    pub(crate) fn start<E: ExecutionContext + ?Sized>(ec: &E, f: F) -> Future<T> {
        let cell = Arc::new(Spawned {
            core: Core::new(),
            work: UnsafeCell::new(Some(f)),
        });
        let task = Task::job(Arc::clone(&cell) as Arc<dyn Runnable>);
        if let Err(rejected) = ec.submit(task) {
            rejected.into_task().abort(Failure::new(ShutDown));
        }
        Future::from_node(cell)
    }

    fn take(&self) -> Option<F> {
        // SAFETY: only the thread running or aborting the task gets here.
        unsafe { (*self.work.get()).take() }
    }
}

impl<T, F> Runnable for Spawned<T, F>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    fn run(self: Arc<Self>) {
        let Some(work) = self.take() else {
            return;
        };
        // The task's reference becomes the handle that completes: no clone.
        let this = Future::from_node(self);
        if this.is_completed() {
            return; // cancelled or timed out before it started: not run
        }
        let result = catch_unwind(AssertUnwindSafe(work)).map_err(Failure::from_panic);
        let _ = this.complete_root(result);
    }

    fn abort(self: Arc<Self>, failure: Failure) {
        drop(self.take());
        let _ = Future::from_node(self).complete_root(Err(failure));
    }
}
