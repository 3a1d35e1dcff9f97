//! What the ports share: the TCK's delays scaled to milliseconds, its
//! "wait until queued" and "stays blocked" probes, and a small parking
//! executor for the async forms.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, JoinHandle, Thread};
use std::time::{Duration, Instant};

/// The TCK's `timeoutMillis()`: how long a wait that must time out waits.
pub const SHORT: Duration = Duration::from_millis(10);

/// The TCK's `LONG_DELAY_MS`: a timeout that only guards against a hang, so
/// generous that a loaded machine never reaches it.
pub const LONG: Duration = Duration::from_secs(30);

/// Spins (yielding) until `cond` holds; fails the test after [`LONG`], which
/// only a hang reaches. The TCK's `waitForQueuedThread` / `awaitNumberWaiting`.
pub fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let since = Instant::now();
    while !cond() {
        assert!(since.elapsed() < LONG, "timed out waiting until {what}");
        thread::yield_now();
    }
}

/// The TCK's `assertThreadStaysAlive`: the thread has not finished after a
/// short while. It can only miss a bug (a thread that finishes later), never
/// flag a correct primitive.
pub fn assert_stays_blocked<T>(t: &JoinHandle<T>) {
    thread::sleep(SHORT);
    assert!(!t.is_finished(), "the thread should still be blocked");
}

/// Runs `f` on a new thread.
pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> JoinHandle<T> {
    thread::spawn(f)
}

/// Joins `t`, re-raising its panic (a failed assertion on that thread).
pub fn join<T>(t: JoinHandle<T>) -> T {
    match t.join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Wakes the executor's thread.
struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Drives `f` to completion, parking between polls until its waker fires;
/// fails the test if a pending future is not woken within [`LONG`].
pub fn block_on<F: Future>(f: F) -> F::Output {
    let unparker = Arc::new(Unparker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        let since = Instant::now();
        while !unparker.woken.swap(false, Ordering::Acquire) {
            assert!(since.elapsed() < LONG, "a pending future was never woken");
            thread::park_timeout(LONG);
        }
    }
}

/// Polls `f` once with a waker that does nothing.
pub fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    std::pin::Pin::new(f).poll(&mut cx)
}

/// Polls `f` at most `polls` times (yielding between), then drops it, that
/// is cancels it, if it is still pending.
pub fn poll_then_cancel<F: Future>(f: F, polls: usize) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut f = pin!(f);
    for _ in 0..polls {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return Some(v);
        }
        thread::yield_now();
    }
    None
}

/// A compile-time check that a future can move between threads.
pub fn assert_send<T: Send>(_: &T) {}
