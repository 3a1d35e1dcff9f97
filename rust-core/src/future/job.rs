//! The job of a combinator: in one allocation the callback registered on
//! the upstream future, the task submitted to the context, and the promise
//! of the combinator's result (Scala's `Transformation`).

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::state::{Core, Hook, Node};
use super::{Failure, Future};
use crate::exec::{ExecutionContext, Runnable, ShutDown, Task};

/// What a job's closure asks for.
pub(crate) enum Step<S> {
    /// Complete the job's future with this.
    Value(Result<S, Failure>),
    /// Become this future (flat_map, recover_with, transform_with, and
    /// pass-through results): linked, nothing copied.
    Adopt(Future<S>),
    /// Nothing to complete: a side-effect callback.
    Effect,
}

/// `T` is the upstream's value, `S` the job's own; `F` gets the completed
/// upstream (its root, which holds the result) and the context.
#[repr(C)]
pub(crate) struct Job<T, S, F, E> {
    /// First, so a `*const Hook<T>` is a `*const Job` (repr(C)).
    hook: Hook<T>,
    core: Core<S>,
    ec: E,
    /// A side-effect callback: a panic is reported, there is no future to fail.
    effect: bool,
    work: UnsafeCell<Option<F>>,
    /// The completed upstream, set when the hook fires: its node alone, not
    /// a whole `Future` (whose `.await` slot a job never uses), so that a
    /// job with a closure of three words fits in 120 bytes, glibc's largest
    /// fast-bin chunk (a C binding's `map` stage: 136 bytes before).
    arg: UnsafeCell<Option<Arc<dyn Node<T>>>>,
}

// SAFETY: `work` and `arg` are touched by one thread at a time: `arg` is
// written by the one thread that fires the hook, before it submits the job
// (the context's queue publishes it), and both are taken by the one thread
// that runs or aborts the task.
unsafe impl<T: Send + Sync, S: Send + Sync, F: Send, E: Send + Sync> Sync for Job<T, S, F, E> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync, S: Send + Sync, F: Send, E: Send + Sync> Send for Job<T, S, F, E> {}

impl<T, S, F, E> Node<S> for Job<T, S, F, E>
where
    T: Send + Sync + 'static,
    S: Send + Sync + 'static,
    F: FnOnce(&Future<T>, &E) -> Step<S> + Send + 'static,
    E: ExecutionContext + Clone + 'static,
{
    fn core(&self) -> &Core<S> {
        &self.core
    }
}

impl<T, S, F, E> Job<T, S, F, E>
where
    T: Send + Sync + 'static,
    S: Send + Sync + 'static,
    F: FnOnce(&Future<T>, &E) -> Step<S> + Send + 'static,
    E: ExecutionContext + Clone + 'static,
{
    /// Registers `work` on `upstream`, to run on `ec` once it completes.
    pub(crate) fn start(upstream: &Future<T>, ec: &E, effect: bool, work: F) -> Future<S> {
        let job = Arc::new(Job {
            hook: Hook::new(Self::fire, Self::release),
            core: Core::new(),
            ec: ec.clone(),
            effect,
            work: UnsafeCell::new(Some(work)),
            arg: UnsafeCell::new(None),
        });
        let hook = Arc::into_raw(Arc::clone(&job)).cast::<Hook<T>>();
        // SAFETY: the hook is ours (one reference leaked into it) and alone.
        unsafe { upstream.add_hooks(hook, hook) };
        Future::from_node(job)
    }

    /// # Safety
    /// `hook` came from `start`'s leaked reference; fired once.
    unsafe fn fire(hook: *const Hook<T>, from: &Future<T>) {
        // SAFETY: see `start`.
        let job = unsafe { Arc::from_raw(hook.cast::<Self>()) };
        // SAFETY: nobody else touches `arg` before the task runs.
        unsafe { *job.arg.get() = Some(Arc::clone(&from.node)) };
        let task = Task::job(Arc::clone(&job) as Arc<dyn Runnable>);
        if let Err(rejected) = job.ec.submit(task) {
            rejected.into_task().abort(Failure::new(ShutDown));
        }
    }

    /// # Safety
    /// As `fire`; the upstream was dropped uncompleted.
    unsafe fn release(hook: *const Hook<T>) {
        // SAFETY: see `start`.
        drop(unsafe { Arc::from_raw(hook.cast::<Self>()) });
    }

    fn take(&self) -> (Option<F>, Option<Future<T>>) {
        // SAFETY: only the thread running or aborting the task gets here.
        let (work, node) = unsafe { ((*self.work.get()).take(), (*self.arg.get()).take()) };
        (work, node.map(|node| Future { node, waker: None }))
    }
}

impl<T, S, F, E> Runnable for Job<T, S, F, E>
where
    T: Send + Sync + 'static,
    S: Send + Sync + 'static,
    F: FnOnce(&Future<T>, &E) -> Step<S> + Send + 'static,
    E: ExecutionContext + Clone + 'static,
{
    fn run(self: Arc<Self>) {
        let (Some(work), Some(arg)) = self.take() else {
            return;
        };
        let this = Future::from_node(Arc::clone(&self));
        if !self.effect && this.is_completed() {
            return; // cancelled or timed out before it started: not run
        }
        match catch_unwind(AssertUnwindSafe(|| work(&arg, &self.ec))) {
            Ok(Step::Value(result)) => {
                let _ = this.complete_root(result);
            }
            Ok(Step::Adopt(inner)) => this.adopt(inner),
            Ok(Step::Effect) => {}
            Err(panic) if self.effect => self.ec.report(&Failure::from_panic(panic)),
            Err(panic) => {
                let _ = this.complete_root(Err(Failure::from_panic(panic)));
            }
        }
    }

    fn abort(self: Arc<Self>, failure: Failure) {
        drop(self.take());
        if self.effect {
            self.ec.report(&failure);
        } else {
            let _ = Future::from_node(self).complete_root(Err(failure));
        }
    }
}
