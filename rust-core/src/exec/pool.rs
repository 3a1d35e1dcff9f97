//! The worker pool under [`global()`](super::global) and
//! [`ThreadPool`](super::ThreadPool): per-worker FIFO deques with stealing
//! (`crossbeam-deque`), a shared injector for tasks from outside, and
//! compensation for workers that block.
//!
//! A worker that finds nothing searches a while (spinning, then yielding),
//! then sleeps on the `idle` event. Every submission notifies the event (a
//! fence and a load while nobody sleeps); a sleeper it wakes leaves the
//! event's queue, so it is woken once, not once per submission.
//!
//! A worker that enters [`blocking`](super::blocking) is counted out: if no
//! worker is asleep to pick up the slack, a spare thread is started (at
//! most `max_extra` at a time, Scala's 256), which exits once it is surplus
//! or idle for [`EXTRA_IDLE`].

use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crossbeam_deque::{Injector, Steal, Stealer, Worker};

use super::{Rejected, ShutDown, Task};
use crate::future::Failure;
use crate::loom::{fence, AtomicUsize, Mutex, Ordering};
use crate::wait::{Backoff, Deadline, Event, Spin};

/// How long a spare thread waits for work before it exits.
const EXTRA_IDLE: Duration = Duration::from_secs(5);

/// Steps of an idle worker's search before it sleeps: [`Spin`]'s seven
/// pause rounds (1 to 64 pauses), then 32 yields, as rayon's
/// `ROUNDS_UNTIL_SLEEPY`.
const SEARCH_STEPS: u32 = 7 + 32;

/// Accepting tasks.
pub(crate) const RUNNING: usize = 0;
/// Refusing new tasks; queued ones still run.
pub(crate) const SHUT_DOWN: usize = 1;
/// Refusing new tasks; queued ones were failed.
pub(crate) const STOPPED: usize = 2;

/// Hears of a task's panic.
pub(crate) type Reporter = Arc<dyn Fn(&Failure) + Send + Sync>;

pub(crate) struct Pool {
    name: String,
    size: usize,
    max_extra: usize,
    injector: Injector<Task>,
    /// The core workers' deques.
    stealers: Vec<Stealer<Task>>,
    idle: Event,
    counts: Mutex<Counts>,
    state: AtomicUsize,
    reporter: Option<Reporter>,
    /// Told when a thread exits, for `join`.
    exited: Event,
}

#[derive(Default)]
struct Counts {
    /// Threads running the worker loop, spares included.
    live: usize,
    extra: usize,
    blocked: usize,
    sleeping: usize,
}

/// The pool this thread works for, if any.
struct Current {
    pool: Arc<Pool>,
    /// A core worker's own deque (spares push to the injector).
    local: Option<Worker<Task>>,
    /// Inside `blocking` already: nested calls are not counted again.
    blocking: bool,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
    /// The pool this thread is a core worker of (null if none): `push`'s
    /// test, a load, before it borrows `CURRENT` for the worker's deque.
    static CORE_OF: Cell<*const Pool> = const { Cell::new(std::ptr::null()) };
}

impl Pool {
    pub(crate) fn start(
        name: String,
        size: usize,
        max_extra: usize,
        reporter: Option<Reporter>,
    ) -> Arc<Pool> {
        let size = size.max(1);
        let workers: Vec<Worker<Task>> = (0..size).map(|_| Worker::new_fifo()).collect();
        let pool = Arc::new(Pool {
            name,
            size,
            max_extra,
            injector: Injector::new(),
            stealers: workers.iter().map(Worker::stealer).collect(),
            idle: Event::new(),
            counts: Mutex::new(Counts {
                live: size,
                ..Counts::default()
            }),
            state: AtomicUsize::new(RUNNING),
            reporter,
            exited: Event::new(),
        });
        for (i, local) in workers.into_iter().enumerate() {
            let p = Arc::clone(&pool);
            thread::Builder::new()
                .name(format!("{}-{i}", pool.name))
                .spawn(move || work(p, Some(local)))
                .expect("cannot start a pool thread");
        }
        pool
    }

    /// Queues `task`: on this worker's own deque when called from a core
    /// worker of this pool, else on the injector.
    pub(crate) fn push(&self, task: Task) -> Result<(), Rejected> {
        if self.state.load(Ordering::Acquire) != RUNNING {
            return Err(Rejected::new(task));
        }
        let task = if std::ptr::eq(CORE_OF.with(Cell::get), self) {
            CURRENT.with(
                |c| match c.borrow().as_ref().and_then(|cur| cur.local.as_ref()) {
                    Some(local) => {
                        local.push(task);
                        None
                    }
                    None => Some(task),
                },
            )
        } else {
            Some(task)
        };
        if let Some(task) = task {
            self.injector.push(task);
        }
        // `notify_one` fences (SeqCst) before it looks for a sleeper; the
        // same fence pairs with the one in `work` after a worker saw the
        // state change: either it sees this task, or we see the new state
        // below. One fence per push, not two.
        self.idle.notify_one();
        if self.state.load(Ordering::Relaxed) != RUNNING {
            self.reap_if_abandoned();
        }
        Ok(())
    }

    fn find(&self, local: Option<&Worker<Task>>) -> Option<Task> {
        if let Some(t) = local.and_then(Worker::pop) {
            return Some(t);
        }
        loop {
            let stolen = match local {
                Some(l) => self.injector.steal_batch_and_pop(l),
                None => self.injector.steal(),
            };
            let stolen = stolen.or_else(|| self.stealers.iter().map(Stealer::steal).collect());
            match stolen {
                Steal::Success(t) => return Some(t),
                Steal::Empty => return None,
                Steal::Retry => continue,
            }
        }
    }

    /// Looks for a task a while longer before the caller sleeps: spinning,
    /// then yielding, for [`SEARCH_STEPS`] (rayon's workers search 32
    /// rounds before they sleep). A worker that drains the queue faster
    /// than it is filled (a fan-out from one thread) would otherwise sleep
    /// after each task, and each submission would wake it again: a futex
    /// call for the submitter and a wake-up for the worker, per task.
    /// Searching, it is not registered on `idle`, so submissions cost
    /// their fence and load only. No search on one CPU (see [`Spin`]).
    fn search(&self, find: impl Fn() -> Option<Task>) -> Option<Task> {
        let mut spin = Spin::new(SEARCH_STEPS);
        while spin.spin() {
            if self.state() != RUNNING {
                return None;
            }
            if let Some(task) = find() {
                return Some(task);
            }
        }
        None
    }

    fn has_work(&self) -> bool {
        !self.injector.is_empty() || self.stealers.iter().any(|s| !s.is_empty())
    }

    fn run(&self, task: Task) {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| task.run())) {
            self.report(&Failure::from_panic(panic));
        }
    }

    pub(crate) fn report(&self, failure: &Failure) {
        match &self.reporter {
            Some(r) => r(failure),
            None => super::report_to_stderr(failure),
        }
    }

    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn state(&self) -> usize {
        self.state.load(Ordering::Acquire)
    }

    /// Refuses new tasks from now on; queued ones still run.
    pub(crate) fn shut_down(&self) {
        let _ =
            self.state
                .compare_exchange(RUNNING, SHUT_DOWN, Ordering::AcqRel, Ordering::Acquire);
        self.idle.notify_all();
    }

    /// Refuses new tasks and fails the queued ones with `Cancelled`;
    /// returns how many.
    pub(crate) fn stop(&self) -> usize {
        self.state.store(STOPPED, Ordering::Release);
        fence(Ordering::SeqCst);
        let n = self.abort_queued(Failure::cancelled);
        self.idle.notify_all();
        n
    }

    /// Fails every queued task; returns how many.
    fn abort_queued(&self, failure: fn() -> Failure) -> usize {
        let mut n = 0;
        while let Some(task) = self.find(None) {
            task.abort(failure());
            n += 1;
        }
        n
    }

    /// A task pushed as the pool shut down may find no worker left to run
    /// it: fail it rather than leave its future pending.
    fn reap_if_abandoned(&self) {
        let abandoned = self.state() == STOPPED || self.counts.lock().live == 0;
        if abandoned {
            self.abort_queued(|| Failure::new(ShutDown));
        }
    }

    /// Whether the calling thread is one of this pool's.
    pub(crate) fn is_current(&self) -> bool {
        CURRENT.with(|c| {
            c.borrow()
                .as_ref()
                .is_some_and(|cur| std::ptr::eq(&*cur.pool, self))
        })
    }

    /// Waits until every thread of the pool has exited.
    pub(crate) fn join(&self) {
        self.exited.wait(
            || (self.counts.lock().live == 0).then_some(()),
            Backoff::Park,
            Deadline::never(),
        );
    }

    /// The calling worker, whose own deque `holds_work` or not, is about
    /// to block: make sure someone else runs the queue meanwhile.
    fn begin_blocking(self: &Arc<Self>, holds_work: bool) {
        let spare = {
            let mut c = self.counts.lock();
            c.blocked += 1;
            if c.sleeping > 0 || c.extra >= self.max_extra {
                false
            } else {
                c.extra += 1;
                c.live += 1;
                true
            }
        };
        if !spare {
            // A sleeper takes over what this worker's deque holds. With
            // nothing there it stays asleep: work queued later wakes one
            // itself (a worker waiting for a promise hop after hop, the
            // comparison's F3, woke the idle worker at every hop for
            // nothing: a futex call and a search each time).
            if holds_work {
                self.idle.notify_one();
            }
            return;
        }
        let pool = Arc::clone(self);
        let started = thread::Builder::new()
            .name(format!("{}-spare", self.name))
            .spawn(move || work(pool, None));
        if started.is_err() {
            let mut c = self.counts.lock();
            c.extra -= 1;
            c.live -= 1;
        }
    }

    fn end_blocking(&self) {
        self.counts.lock().blocked -= 1;
    }

    /// More threads run than the pool's size: a spare may go.
    fn surplus(&self) -> bool {
        let c = self.counts.lock();
        c.live - c.blocked > self.size
    }
}

/// The loop of every pool thread; `local` is a core worker's deque.
fn work(pool: Arc<Pool>, local: Option<Worker<Task>>) {
    let spare = local.is_none();
    if !spare {
        CORE_OF.with(|c| c.set(Arc::as_ptr(&pool)));
    }
    CURRENT.with(|c| {
        *c.borrow_mut() = Some(Current {
            pool: Arc::clone(&pool),
            local,
            blocking: false,
        })
    });
    let find =
        || CURRENT.with(|c| pool.find(c.borrow().as_ref().and_then(|cur| cur.local.as_ref())));
    loop {
        if pool.state() == STOPPED {
            break;
        }
        if let Some(task) = find().or_else(|| pool.search(find)) {
            pool.run(task);
            if spare && pool.surplus() {
                break;
            }
            continue;
        }
        if pool.state() != RUNNING {
            // Pairs with the fence in `push`.
            fence(Ordering::SeqCst);
            if !pool.has_work() {
                break;
            }
            continue;
        }
        pool.counts.lock().sleeping += 1;
        let deadline = if spare {
            Deadline::after(EXTRA_IDLE)
        } else {
            Deadline::never()
        };
        let woken = pool.idle.wait(
            || (pool.has_work() || pool.state() != RUNNING).then_some(()),
            Backoff::Park,
            deadline,
        );
        pool.counts.lock().sleeping -= 1;
        if woken.is_none() && spare {
            break;
        }
    }
    CORE_OF.with(|c| c.set(std::ptr::null()));
    CURRENT.with(|c| *c.borrow_mut() = None);
    let last = {
        let mut c = pool.counts.lock();
        c.live -= 1;
        if spare {
            c.extra -= 1;
        }
        c.live == 0
    };
    if last {
        pool.abort_queued(|| Failure::new(ShutDown));
    }
    pool.exited.notify_all();
}

/// Runs `f` as [`blocking`](super::blocking) does: counted out of the
/// current pool, if any, for its duration.
pub(crate) fn while_blocked<R>(f: impl FnOnce() -> R) -> R {
    let pool = CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        let cur = c.as_mut()?;
        if cur.blocking {
            return None;
        }
        cur.blocking = true;
        let holds_work = cur.local.as_ref().is_some_and(|l| !l.is_empty());
        Some((Arc::clone(&cur.pool), holds_work))
    });
    let Some((pool, holds_work)) = pool else {
        return f();
    };
    struct Unblock(Arc<Pool>);
    impl Drop for Unblock {
        fn drop(&mut self) {
            self.0.end_blocking();
            CURRENT.with(|c| {
                if let Some(cur) = c.borrow_mut().as_mut() {
                    cur.blocking = false;
                }
            });
        }
    }
    pool.begin_blocking(holds_work);
    let _unblock = Unblock(pool);
    f()
}
