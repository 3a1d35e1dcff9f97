//! Futures in async Rust: `Future<T>` implements [`std::future::Future`],
//! and [`spawn`] runs an async block on an execution context.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use super::wait::ToldEvent;
use super::{Failure, Future, Promise};
use crate::exec::{ExecutionContext, Runnable, ShutDown, Task};
use crate::loom::{AtomicUsize, Mutex, Ordering};
use crate::wait::Watch;

/// An `.await` in progress on one handle: told by a hook on the future.
pub(crate) struct WakeSlot {
    event: ToldEvent,
    watch: Watch,
}

impl<T: Clone + Send + Sync + 'static> std::future::Future for Future<T> {
    type Output = Result<T, Failure>;

    /// Ready with a copy of the result once completed.
    ///
    /// ```
    /// use polyconc::exec::global;
    /// use polyconc::future::{spawn, Promise};
    /// let p = Promise::new();
    /// let f = p.future();
    /// let doubled = spawn(&global(), async move { f.await.unwrap() * 2 });
    /// p.success(21).unwrap();
    /// assert_eq!(doubled.result(std::time::Duration::from_secs(10)), Ok(42));
    /// ```
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(r) = this.peek() {
            return Poll::Ready(r.clone());
        }
        if this.waker.is_none() {
            this.waker = Some(Box::new(WakeSlot {
                event: this.told_event(),
                watch: Watch::default(),
            }));
        }
        let mut slot = this.waker.take().expect("set above");
        let polled = (*slot.event)
            .as_ref()
            .poll_wait(&mut slot.watch, cx, || this.peek().cloned());
        this.waker = Some(slot);
        polled
    }
}

impl<T> Drop for Future<T> {
    fn drop(&mut self) {
        if let Some(slot) = self.waker.as_mut() {
            (*slot.event).as_ref().stop_watching(&mut slot.watch);
        }
    }
}

/// Runs an async block on `ec` and gives its output as a [`Future`]: each
/// poll is a task on `ec`, and a wake-up submits the next one. A panic in
/// the block fails the future; cancelling the future drops the block at its
/// next wake-up.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::spawn;
/// let f = spawn(&global(), async { 1 + 1 });
/// assert_eq!(f.result(Duration::from_secs(10)), Ok(2));
/// ```
pub fn spawn<T, E, F>(ec: &E, block: F) -> Future<T>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let task = Arc::new(AsyncTask {
        out: Promise::new(),
        ec: ec.clone(),
        state: AtomicUsize::new(IDLE),
        block: Mutex::new(Some(Box::pin(block))),
    });
    let out = task.out.future();
    task.wake();
    out
}

const IDLE: usize = 0;
const SCHEDULED: usize = 1;
const RUNNING: usize = 2;
/// Woken while running: poll once more.
const AGAIN: usize = 3;
const DONE: usize = 4;

struct AsyncTask<T, E, F> {
    out: Promise<T>,
    ec: E,
    state: AtomicUsize,
    block: Mutex<Option<Pin<Box<F>>>>,
}

impl<T, E, F> AsyncTask<T, E, F>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    fn submit(self: Arc<Self>) {
        let task = Task::job(Arc::clone(&self) as Arc<dyn Runnable>);
        if let Err(rejected) = self.ec.submit(task) {
            rejected.into_task().abort(Failure::new(ShutDown));
        }
    }

    fn finish(&self, result: Result<T, Failure>) {
        self.state.store(DONE, Ordering::Release);
        self.block.lock().take();
        self.out.try_complete(result);
    }
}

impl<T, E, F> Runnable for AsyncTask<T, E, F>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    fn run(self: Arc<Self>) {
        self.state.store(RUNNING, Ordering::Release);
        if self.out.is_completed() {
            // Cancelled or timed out: drop the block.
            self.finish(Err(Failure::cancelled()));
            return;
        }
        let waker = Waker::from(Arc::clone(&self));
        let mut cx = Context::from_waker(&waker);
        let polled = {
            let mut block = self.block.lock();
            let Some(block) = block.as_mut() else { return };
            catch_unwind(AssertUnwindSafe(|| block.as_mut().poll(&mut cx)))
        };
        match polled {
            Ok(Poll::Ready(v)) => self.finish(Ok(v)),
            Err(panic) => self.finish(Err(Failure::from_panic(panic))),
            Ok(Poll::Pending) => {
                if self
                    .state
                    .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    // Woken while polling.
                    self.state.store(SCHEDULED, Ordering::Release);
                    self.submit();
                }
            }
        }
    }

    /// Not polled again: the block is dropped and the future fails.
    fn abort(self: Arc<Self>, failure: Failure) {
        self.finish(Err(failure));
    }
}

impl<T, E, F> Wake for AsyncTask<T, E, F>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    fn wake(self: Arc<Self>) {
        loop {
            let s = self.state.load(Ordering::Acquire);
            let next = match s {
                IDLE => SCHEDULED,
                RUNNING => AGAIN,
                _ => return,
            };
            if self
                .state
                .compare_exchange(s, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                if next == SCHEDULED {
                    self.submit();
                }
                return;
            }
        }
    }
}
