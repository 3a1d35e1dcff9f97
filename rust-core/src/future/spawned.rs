//! The task of [`future`](super::future), Scala's `Future.apply`, and of
//! [`try_future`](super::try_future): in one allocation the closure and the
//! promise it completes (as a tokio task cell or rayon's `HeapJob`). It has
//! no upstream to wait for, so it needs no hook: it goes to the context at
//! once. A binding may lodge a value of its own in the same allocation
//! (the `room`, see [`try_future_housed`](super::try_future_housed)).

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::Arc;

use super::state::{Core, Node};
use super::{Failure, Future};
use crate::exec::{ExecutionContext, Runnable, ShutDown, Task};

/// What a spawned task computes: its closure's result, a panic aside.
pub(crate) trait Work<T>: Send + 'static {
    fn run(self) -> Result<T, Failure>;
}

/// A closure that returns the value ([`future`](super::future)).
pub(crate) struct Infallible<F>(pub(crate) F);

impl<T, F: FnOnce() -> T + Send + 'static> Work<T> for Infallible<F> {
    fn run(self) -> Result<T, Failure> {
        Ok((self.0)())
    }
}

/// A closure that returns the result ([`try_future`](super::try_future)).
pub(crate) struct Fallible<F>(pub(crate) F);

impl<T, F: FnOnce() -> Result<T, Failure> + Send + 'static> Work<T> for Fallible<F> {
    fn run(self) -> Result<T, Failure> {
        (self.0)()
    }
}

/// The task and its promise; `room` is what its creator keeps beside them
/// (nothing, `()`, unless lodged), never touched by the task.
pub(crate) struct Spawned<T, F, R = ()> {
    core: Core<T>,
    work: UnsafeCell<Option<F>>,
    room: R,
}

// SAFETY: `work` is taken by the one thread that runs or aborts the task
// (a task is consumed by either); the core and the room are `Sync` on
// their own.
unsafe impl<T: Send + Sync, F: Send, R: Sync> Sync for Spawned<T, F, R> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync, F: Send, R: Send> Send for Spawned<T, F, R> {}

impl<T, F, R> Node<T> for Spawned<T, F, R>
where
    T: Send + Sync + 'static,
    F: Work<T>,
    R: Send + Sync + 'static,
{
    fn core(&self) -> &Core<T> {
        &self.core
    }
}

impl<T, F> Spawned<T, F>
where
    T: Send + Sync + 'static,
    F: Work<T>,
{
    /// Submits `f` to `ec`; its future completes with `f`'s result or panic.
    pub(crate) fn start<E: ExecutionContext + ?Sized>(ec: &E, f: F) -> Future<T> {
        Spawned::start_with(ec, f, (), |future, _| future)
    }
}

impl<T, F, R> Spawned<T, F, R>
where
    T: Send + Sync + 'static,
    F: Work<T>,
    R: Send + Sync + 'static,
{
    /// As `start`, with `room` in the same allocation: `settle` gets the
    /// future and where the room is (valid as long as the future's node
    /// is), and runs before the task is submitted, so that what it writes
    /// there is in place before a worker can run the task: a room filled
    /// after the submission was written by the submitting thread while the
    /// worker ran the task in the same cache lines.
    pub(crate) fn start_with<E: ExecutionContext + ?Sized, X>(
        ec: &E,
        f: F,
        room: R,
        settle: impl FnOnce(Future<T>, NonNull<R>) -> X,
    ) -> X {
        // Built in place: `Arc::new` of the whole struct made it on the
        // stack and copied it, room and all, with a `memcpy` call
        // (callgrind, the C binding's `pc_future_spawn`, whose room holds
        // its handle: 29 instructions per task).
        // (`Arc::new` of an uninitialised value, not `Arc::new_uninit`:
        // that one computes its layout in a call, 13 instructions.)
        let cell = Arc::new(MaybeUninit::<Spawned<T, F, R>>::uninit());
        let spot = Arc::as_ptr(&cell).cast_mut().cast::<Spawned<T, F, R>>();
        // SAFETY: `cell` is fresh, so nothing else reads or writes it;
        // each field is written once, and then the whole is initialised.
        let cell = unsafe {
            ptr::addr_of_mut!((*spot).core).write(Core::new());
            ptr::addr_of_mut!((*spot).work).write(UnsafeCell::new(Some(f)));
            ptr::addr_of_mut!((*spot).room).write(room);
            cell.assume_init()
        };
        let room = NonNull::from(&cell.room);
        let task = Task::job(Arc::clone(&cell) as Arc<dyn Runnable>);
        let settled = settle(Future::from_node(cell), room);
        if let Err(rejected) = ec.submit(task) {
            rejected.into_task().abort(Failure::new(ShutDown));
        }
        settled
    }

    fn take(&self) -> Option<F> {
        // SAFETY: only the thread running or aborting the task gets here.
        unsafe { (*self.work.get()).take() }
    }
}

impl<T, F, R> Runnable for Spawned<T, F, R>
where
    T: Send + Sync + 'static,
    F: Work<T>,
    R: Send + Sync + 'static,
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
        let result = catch_unwind(AssertUnwindSafe(|| work.run()))
            .unwrap_or_else(|panic| Err(Failure::from_panic(panic)));
        let _ = this.complete_root(result);
    }

    fn abort(self: Arc<Self>, failure: Failure) {
        drop(self.take());
        let _ = Future::from_node(self).complete_root(Err(failure));
    }
}
