//! Helpers shared by the `sync_locks_*` tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

/// Wakes a thread blocked in [`block_on`].
struct Unparker(Thread);

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on the calling thread, parking between polls.
pub fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(Arc::new(Unparker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        thread::park();
    }
}

/// Polls a future once with a waker that does nothing.
pub fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    std::pin::Pin::new(fut).poll(&mut cx)
}

/// Only guards against a hang: far longer than anything should take, even
/// on a loaded machine.
pub const HANG: Duration = Duration::from_secs(60);

/// Waits (yielding) until `cond` holds; panics after [`HANG`].
pub fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < HANG, "timed out waiting until {what}");
        thread::sleep(Duration::from_micros(200));
    }
}

/// The TCK's SHORT_DELAY_MS, scaled down: where a test must let another
/// thread get somewhere it cannot observe, and a late thread only makes the
/// test pass for a weaker reason, never fail.
pub const SHORT_DELAY: Duration = Duration::from_millis(10);
