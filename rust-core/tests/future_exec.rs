//! The execution contexts: `ThreadPool` shutdown / shutdown_now / join,
//! panics reported without losing a worker, `blocking` compensation (and
//! waiting inside a pool, which counts as blocking), callbacks in
//! registration order, cancellation before a task starts, the `Timer`, and
//! futures in async Rust.

use std::future::Future as _;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use polyconc::exec::{
    blocking, global, parasitic, ExecutionContext, Rejected, ShutDown, ThreadPool, Timer,
};
use polyconc::future::{future, spawn, Future, Promise};

const WAIT: Duration = Duration::from_secs(30);

/// A pool of one worker, kept busy until the returned gate is sent to;
/// returns once the worker is inside the task. The task waits on a std
/// channel, which the pool cannot see: no spare thread starts, so nothing
/// else runs until the gate opens.
fn busy_pool() -> (ThreadPool, Gate, Future<bool>) {
    let pool = ThreadPool::new(1);
    let (gate, wait) = mpsc::channel::<()>();
    let started = Promise::<()>::new();
    let s = started.clone();
    let busy = future(&pool, move || {
        s.success(()).unwrap();
        wait.recv().is_ok()
    });
    started.future().ready(WAIT).unwrap();
    (pool, Gate(gate), busy)
}

struct Gate(mpsc::Sender<()>);

impl Gate {
    fn open(&self) {
        self.0.send(()).unwrap();
    }
}

#[test]
fn shutdown_rejects_new_tasks_and_runs_queued_ones() {
    let (pool, gate, busy) = busy_pool();
    let ran = Arc::new(AtomicUsize::new(0));
    let queued: Vec<_> = (0..10)
        .map(|i| {
            let ran = Arc::clone(&ran);
            future(&pool, move || {
                ran.fetch_add(1, Ordering::SeqCst);
                i
            })
        })
        .collect();
    pool.shutdown();
    // A new task comes back unrun; running it here works.
    let here = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&here);
    let rejected = pool.execute(Box::new(move || {
        h.fetch_add(1, Ordering::SeqCst);
    }));
    rejected.unwrap_err().into_task().run();
    assert_eq!(here.load(Ordering::SeqCst), 1);
    // A combinator on a shut-down pool fails its future.
    let refused = Future::unit().map(&pool, |_| ());
    assert!(refused
        .result(WAIT)
        .unwrap_err()
        .downcast_ref::<ShutDown>()
        .is_some());
    gate.open();
    pool.join().unwrap();
    assert_eq!(busy.result(WAIT), Ok(true));
    assert_eq!(ran.load(Ordering::SeqCst), 10);
    for (i, f) in queued.iter().enumerate() {
        assert_eq!(f.result(WAIT), Ok(i));
    }
}

#[test]
fn shutdown_now_fails_queued_tasks_with_cancelled_and_counts_them() {
    let (pool, gate, busy) = busy_pool();
    let ran = Arc::new(AtomicUsize::new(0));
    let queued: Vec<_> = (0..10)
        .map(|_| {
            let ran = Arc::clone(&ran);
            future(&pool, move || ran.fetch_add(1, Ordering::SeqCst))
        })
        .collect();
    assert_eq!(pool.shutdown_now(), 10);
    assert!(pool.execute(Box::new(|| ())).is_err());
    for f in &queued {
        assert!(f.result(WAIT).unwrap_err().is_cancelled());
    }
    gate.open();
    assert_eq!(busy.result(WAIT), Ok(true)); // the running task finished
    pool.join().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[test]
fn join_refuses_a_running_pool_and_its_own_workers() {
    let pool = ThreadPool::new(1);
    assert_eq!(pool.join(), Err(polyconc::exec::JoinError::Running));
    let p = pool.clone();
    let from_inside = future(&pool, move || {
        p.shutdown();
        p.join()
    });
    assert_eq!(
        from_inside.result(WAIT),
        Ok(Err(polyconc::exec::JoinError::OwnWorker))
    );
    pool.join().unwrap();
}

#[test]
fn panicking_tasks_are_reported_once_each_and_keep_the_worker() {
    let reported = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&reported);
    let pool = ThreadPool::builder()
        .size(1)
        .reporter(move |_| {
            r.fetch_add(1, Ordering::SeqCst);
        })
        .build();
    for i in 0..100 {
        pool.execute(Box::new(move || panic!("task {i}"))).unwrap();
    }
    // A panic in a value-computing closure fails its future and is not reported.
    let failed = future(&pool, || -> i32 { panic!("fails the future") });
    assert!(failed.result(WAIT).is_err());
    // The one worker is still there.
    assert_eq!(future(&pool, || 7).result(WAIT), Ok(7));
    pool.shutdown();
    pool.join().unwrap();
    assert_eq!(reported.load(Ordering::SeqCst), 100);
}

#[test]
fn a_worker_waiting_for_a_later_task_of_its_pool_does_not_deadlock() {
    let pool = ThreadPool::new(1);
    let later = Promise::<i32>::new();
    let l = later.future();
    let waiter = future(&pool, move || l.result(WAIT)); // waits on the only worker
    let p = later.clone();
    let completer = future(&pool, move || p.success(5).is_ok());
    assert_eq!(completer.result(WAIT), Ok(true));
    assert_eq!(waiter.result(WAIT), Ok(Ok(5)));
}

/// More blocked tasks than workers, all waiting for a task queued behind them.
fn blocked_tasks_do_not_starve<E: ExecutionContext + Clone + 'static>(ec: &E, blocked: usize) {
    let gate = Promise::<()>::new();
    let waiting: Vec<_> = (0..blocked)
        .map(|_| {
            let g = gate.future();
            future(ec, move || blocking(|| g.ready(WAIT).is_ok()))
        })
        .collect();
    let g = gate.clone();
    let opener = future(ec, move || g.success(()).is_ok());
    assert_eq!(opener.result(WAIT), Ok(true));
    for w in &waiting {
        assert_eq!(w.result(WAIT), Ok(true));
    }
}

#[test]
fn blocking_on_a_thread_pool_starts_spares() {
    let pool = ThreadPool::new(2);
    blocked_tasks_do_not_starve(&pool, 6);
}

#[test]
fn blocking_on_the_global_pool_starts_spares() {
    let cores = thread::available_parallelism().map_or(1, |n| n.get());
    blocked_tasks_do_not_starve(&global(), 2 * cores + 2);
}

/// A worker that blocks with nothing queued on its own deque leaves the
/// other, sleeping worker asleep: nothing is stranded for it to take over
/// (a task waiting for promises hop after hop woke it at every hop).
#[cfg(feature = "test-hooks")]
#[test]
fn a_worker_blocking_with_an_empty_deque_wakes_no_sleeper() {
    use polyconc::test_hooks::{self, Counts};
    let pool = ThreadPool::new(2);
    // Both workers' counters, and how often each had slept by the end of
    // its task: two tasks that meet at a barrier run on different workers.
    let met = Arc::new(std::sync::Barrier::new(2));
    let workers: Vec<Future<(thread::ThreadId, Arc<Counts>, u64)>> = (0..2)
        .map(|_| {
            let met = Arc::clone(&met);
            future(&pool, move || {
                met.wait();
                let counts = test_hooks::counts();
                let parks = counts.parks();
                (thread::current().id(), counts, parks)
            })
        })
        .collect();
    let workers: Vec<_> = workers.iter().map(|w| w.result(WAIT).unwrap()).collect();
    let woke = future(&pool, move || {
        let me = thread::current().id();
        let (_, other, parks) = workers.iter().find(|(id, ..)| *id != me).unwrap();
        // The other worker has nothing to do: it goes to sleep. Counted from
        // the end of its own task, not from now, as it may be asleep already.
        let parks = *parks;
        let deadline = std::time::Instant::now() + WAIT;
        while other.parks() == parks && std::time::Instant::now() < deadline {
            thread::yield_now();
        }
        assert!(other.parks() > parks, "the idle worker never slept");
        let before = test_hooks::counts().wakes();
        blocking(|| ());
        test_hooks::counts().wakes() - before
    });
    assert_eq!(woke.result(WAIT), Ok(0));
}

#[test]
fn blocking_outside_a_pool_just_runs() {
    assert_eq!(blocking(|| 3), 3);
    assert_eq!(blocking(|| blocking(|| 4)), 4);
}

#[test]
fn callbacks_run_in_registration_order() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let p = Promise::<()>::new();
    for i in 0..10 {
        let o = Arc::clone(&order);
        p.future()
            .on_complete(&parasitic(), move |_| o.lock().unwrap().push(i));
    }
    p.success(()).unwrap();
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());

    // Submitted oldest first: a one-worker pool runs them in that order.
    let pool = ThreadPool::new(1);
    let order = Arc::new(Mutex::new(Vec::new()));
    let p = Promise::<()>::new();
    let mapped: Vec<_> = (0..10)
        .map(|i| {
            let o = Arc::clone(&order);
            p.future().map(&pool, move |_| o.lock().unwrap().push(i))
        })
        .collect();
    p.success(()).unwrap();
    for m in &mapped {
        m.result(WAIT).unwrap();
    }
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
}

#[test]
fn a_cancelled_task_that_has_not_started_does_not_run() {
    let (pool, gate, busy) = busy_pool();
    let ran = Arc::new(AtomicUsize::new(0));
    let r = Arc::clone(&ran);
    let queued = future(&pool, move || r.fetch_add(1, Ordering::SeqCst));
    let dependent = queued.map(&pool, |v| v + 1);
    assert!(queued.cancel());
    gate.open();
    assert_eq!(busy.result(WAIT), Ok(true));
    assert!(dependent.result(WAIT).unwrap_err().is_cancelled());
    pool.shutdown();
    pool.join().unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

/// A context that drops every task unrun.
#[derive(Clone)]
struct Dropping;

impl ExecutionContext for Dropping {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        drop(task);
        Ok(())
    }
}

#[test]
fn a_task_dropped_unrun_by_a_context_cancels_its_future() {
    let f = Future::successful(1).map(&Dropping, |v| v + 1);
    assert!(f.result(WAIT).unwrap_err().is_cancelled());
}

#[test]
fn timer_runs_in_deadline_order_on_one_thread_and_cancels() {
    let timer = Timer::new();
    let (tx, rx) = mpsc::channel();
    let mut handles = Vec::new();
    // Scheduled latest-first, 500 ms apart: the heap must reorder them
    // (unless this thread stalls for half a second between two calls).
    for (i, ms) in [1000u64, 500, 0].into_iter().enumerate() {
        let tx = tx.clone();
        handles.push(timer.schedule(Duration::from_millis(ms), move || {
            tx.send((i, thread::current().name().map(str::to_owned)))
                .unwrap();
        }));
    }
    let tx2 = tx.clone();
    let cancelled = timer.schedule(Duration::from_millis(200), move || {
        tx2.send((99, None)).unwrap()
    });
    assert!(cancelled.cancel());
    drop(tx);
    let got: Vec<_> = rx.iter().take(3).collect();
    assert_eq!(got.iter().map(|g| g.0).collect::<Vec<_>>(), [2, 1, 0]);
    assert!(got.iter().all(|g| g.1.as_deref() == Some("polyconc-timer")));
    assert!(handles.iter().all(|h| !h.cancel())); // all ran already
}

#[test]
fn or_timeout_fails_a_pending_future_and_leaves_a_completed_one() {
    let slow = Promise::<i32>::new();
    let f = slow.future().or_timeout(Duration::from_millis(10));
    assert!(f.result(WAIT).unwrap_err().is_timeout());
    assert!(slow.success(1).is_err()); // the promise was completed by the timeout
    let quick = Promise::<i32>::new();
    let g = quick.future().or_timeout(Duration::from_secs(3600));
    quick.success(2).unwrap();
    assert_eq!(g.result(WAIT), Ok(2));
}

#[test]
fn async_blocks_await_futures_on_a_context() {
    let pool = ThreadPool::new(2);
    let p = Promise::<i32>::new();
    let f = p.future();
    let q = pool.clone();
    let sum = spawn(&pool, async move {
        let a = f.await.unwrap();
        let b = future(&q, || 10).await.unwrap();
        a + b
    });
    thread::sleep(Duration::from_millis(5));
    p.success(32).unwrap();
    assert_eq!(sum.result(WAIT), Ok(42));

    let panicked = spawn(&pool, async { panic!("in async") });
    assert!(panicked.result(WAIT).is_err());

    // A cancelled spawned future drops its block at the next wake-up.
    let never = Promise::<()>::new();
    let n = never.future();
    let spawned: Future<()> = spawn(&pool, async move { n.await.unwrap() });
    assert!(spawned.cancel());
    never.success(()).unwrap();
    assert!(spawned.result(WAIT).unwrap_err().is_cancelled());
}

#[test]
fn a_future_polled_by_hand_wakes_its_waker() {
    struct Flag(AtomicUsize);
    impl std::task::Wake for Flag {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let flag = Arc::new(Flag(AtomicUsize::new(0)));
    let waker = Waker::from(Arc::clone(&flag));
    let mut cx = Context::from_waker(&waker);
    let p = Promise::<i32>::new();
    let mut f = pin!(p.future());
    assert!(f.as_mut().poll(&mut cx).is_pending());
    assert!(f.as_mut().poll(&mut cx).is_pending());
    p.success(3).unwrap();
    assert_eq!(flag.0.load(Ordering::SeqCst), 1);
    assert_eq!(f.as_mut().poll(&mut cx), Poll::Ready(Ok(3)));
}

#[test]
fn an_async_block_queued_on_a_pool_that_stops_fails_with_cancelled() {
    let (pool, gate, busy) = busy_pool();
    let queued = spawn(&pool, async { 1 });
    assert_eq!(pool.shutdown_now(), 1);
    assert!(queued.result(WAIT).unwrap_err().is_cancelled());
    gate.open();
    assert_eq!(busy.result(WAIT), Ok(true));
}

#[test]
fn futures_and_promises_are_send_sync_and_clone() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Future<String>>();
    shareable::<Promise<Vec<u8>>>();
    shareable::<ThreadPool>();
    shareable::<Timer>();
}
