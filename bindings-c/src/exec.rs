//! `pc_executor`: where futures' callbacks run. The core's global pool or
//! a `ThreadPool` of the caller's, behind one handle.

use std::ffi::c_void;

use polyconc::exec::{ExecutionContext, Global, JoinError, Rejected, Task, ThreadPool};
use polyconc::future::Failure;

use crate::callback::{pc_free_fn, Ctx};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_CLOSED, PC_INVALID_ARG};

/// A task for `pc_executor_submit`: runs once, on a worker thread of the
/// executor, with the context given with it.
pub type pc_task_fn = Option<unsafe extern "C" fn(ctx: *mut c_void)>;

/// The core's execution contexts a C handle may name.
#[derive(Clone)]
pub(crate) enum Executor {
    Global(Global),
    Pool(ThreadPool),
}

impl ExecutionContext for Executor {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        match self {
            Executor::Global(g) => g.execute(task),
            Executor::Pool(p) => p.execute(task),
        }
    }

    fn submit(&self, task: Task) -> Result<(), Rejected> {
        match self {
            Executor::Global(g) => g.submit(task),
            Executor::Pool(p) => p.submit(task),
        }
    }

    fn report(&self, failure: &Failure) {
        match self {
            Executor::Global(g) => g.report(failure),
            Executor::Pool(p) => p.report(failure),
        }
    }
}

/// Runs tasks and futures' callbacks on its threads. Opaque: the global
/// pool (`pc_executor_global`, never freed) or a pool of your own
/// (`pc_thread_pool_new`, released with `pc_executor_free`).
pub struct pc_executor {
    pub(crate) ec: Executor,
}

/// The one global executor's handle.
static GLOBAL: pc_executor = pc_executor {
    ec: Executor::Global(Global),
};

/// The process-wide pool: one worker per core, started on first use, never
/// shut down; a worker blocked in `pc_future_wait` is replaced by a spare
/// thread meanwhile. The handle is static: `pc_executor_free` ignores it.
#[no_mangle]
pub extern "C" fn pc_executor_global() -> *const pc_executor {
    &GLOBAL
}

/// Starts a pool of `threads` workers and writes its handle to `*out`.
/// It runs until `pc_executor_shutdown`, or until its last handle is freed
/// and the callbacks waiting for futures that hold it are gone.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL or `threads` is 0.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_thread_pool_new(
    threads: usize,
    out: *mut *mut pc_executor,
) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        let out = unsafe { ffi::out(out) }?;
        if threads == 0 {
            return Err(Status::of(PC_INVALID_ARG));
        }
        out.write_handle(pc_executor {
            ec: Executor::Pool(ThreadPool::new(threads)),
        });
        Ok(())
    })
}

/// Releases a pool's handle (the global one: nothing); NULL does nothing.
/// The pool keeps running its queued tasks, and shuts down once its last
/// handle is gone.
///
/// # Safety
/// `executor` is NULL, the global handle, or a live handle that no other
/// thread is using and that is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_executor_free(executor: *mut pc_executor) {
    boundary(|| {
        if !std::ptr::eq(executor, &GLOBAL) {
            // SAFETY: `executor` is NULL or a live handle, unused after
            // this call (the caller's promise).
            unsafe { free_handle(executor) }
        }
    })
}

/// Runs `task(ctx)` once on one of the executor's threads. `ctx_free(ctx)`
/// (if not NULL) is called exactly once: after the task ran, on its thread;
/// or, when it never runs (refused, or dropped by a shutdown), on the
/// thread that lets go of it, before this call returns if this call fails.
///
/// Returns `PC_OK`; `PC_CLOSED` if the pool is shut down (the task does not
/// run); `PC_INVALID_ARG` if `executor` or `task` is NULL.
///
/// # Safety
/// `executor` is NULL or a live handle; `task` and `ctx_free` may be called
/// on another thread with `ctx`.
#[no_mangle]
pub unsafe extern "C" fn pc_executor_submit(
    executor: *const pc_executor,
    task: pc_task_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
) -> pc_status {
    boundary(|| {
        let ctx = Ctx::new(ctx, ctx_free);
        // SAFETY: `executor` is NULL or a live handle (the caller's promise).
        let ec = &unsafe { handle(executor) }?.ec;
        let task = task.ok_or(Status::of(PC_INVALID_ARG))?;
        // SAFETY: the caller gave `task` for `ctx`; `ctx` (and its free)
        // goes with the closure, run or not.
        let run = move || unsafe { task(ctx.ptr()) };
        ec.execute(Box::new(run)).map_err(|_| Status::of(PC_CLOSED))
    })
}

/// Shuts a pool down: it refuses new tasks (they get `PC_CLOSED`, and
/// futures whose callbacks it refuses fail with code `PC_CLOSED`), runs the
/// ones queued, and this call waits until its workers have exited.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` for NULL, for the global executor
/// (which never shuts down), and when called from one of the pool's own
/// workers (it shuts down, but cannot wait for itself).
///
/// # Safety
/// `executor` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_executor_shutdown(executor: *const pc_executor) -> pc_status {
    // SAFETY: `executor` is NULL or a live handle (the caller's promise).
    boundary(|| match &unsafe { handle(executor) }?.ec {
        Executor::Global(_) => Err(Status::of(PC_INVALID_ARG)),
        Executor::Pool(pool) => {
            pool.shutdown();
            pool.join().map_err(|e| match e {
                JoinError::Running | JoinError::OwnWorker => Status::of(PC_INVALID_ARG),
            })
        }
    })
}
