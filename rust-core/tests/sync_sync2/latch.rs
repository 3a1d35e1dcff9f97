//! Port of the JSR-166 TCK's `src/test/tck/CountDownLatchTest.java` (jsr166
//! CVS head, 2015). Java's interrupted waits become timed waits and
//! cancelled async waits; the count is a `usize`, so the TCK's negative
//! count (`IllegalArgumentException`) has no counterpart.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use polyconc::sync::CountDownLatch;

use crate::util::{
    assert_send, assert_stays_blocked, block_on, join, poll_once, spawn, LONG, SHORT,
};

/// testGetCount.
#[test]
fn get_count() {
    let l = CountDownLatch::new(2);
    assert_eq!(l.count(), 2);
    l.count_down();
    assert_eq!(l.count(), 1);
}

/// testCountDown: no effect once at zero.
#[test]
fn count_down() {
    let l = CountDownLatch::new(1);
    assert_eq!(l.count(), 1);
    l.count_down();
    assert_eq!(l.count(), 0);
    l.count_down();
    assert_eq!(l.count(), 0);
}

/// testAwait: the wait returns after the count reaches zero, not before.
#[test]
fn wait_returns_at_zero() {
    let l = Arc::new(CountDownLatch::new(2));
    let please_count_down = Arc::new(CountDownLatch::new(1));
    let t = {
        let (l, please_count_down) = (Arc::clone(&l), Arc::clone(&please_count_down));
        spawn(move || {
            assert_eq!(l.count(), 2);
            please_count_down.count_down();
            l.wait();
            assert_eq!(l.count(), 0);
        })
    };
    please_count_down.wait();
    assert_eq!(l.count(), 2);
    l.count_down();
    assert_eq!(l.count(), 1);
    assert_stays_blocked(&t);
    l.count_down();
    assert_eq!(l.count(), 0);
    join(t);
}

/// testTimedAwait.
#[test]
fn timed_wait_returns_at_zero() {
    let l = Arc::new(CountDownLatch::new(2));
    let please_count_down = Arc::new(CountDownLatch::new(1));
    let t = {
        let (l, please_count_down) = (Arc::clone(&l), Arc::clone(&please_count_down));
        spawn(move || {
            assert_eq!(l.count(), 2);
            please_count_down.count_down();
            assert!(l.wait_timeout(LONG));
            assert_eq!(l.count(), 0);
        })
    };
    please_count_down.wait();
    l.count_down();
    assert_eq!(l.count(), 1);
    assert_stays_blocked(&t);
    l.count_down();
    join(t);
}

/// testAwait_Interruptible: an async wait cancelled before its first poll
/// and one cancelled while waiting leave the count alone.
#[test]
fn cancelled_async_wait() {
    let l = CountDownLatch::new(1);
    drop(l.wait_async());
    let mut f = l.wait_async();
    assert_eq!(poll_once(&mut f), Poll::Pending);
    assert_eq!(poll_once(&mut f), Poll::Pending);
    drop(f);
    assert_eq!(l.count(), 1);
    // A later wait still hears the count reach zero.
    let mut f = l.wait_async();
    assert_eq!(poll_once(&mut f), Poll::Pending);
    l.count_down();
    assert_eq!(poll_once(&mut f), Poll::Ready(()));
}

/// testTimedAwait_Interruptible: a deadline already past (before) and one
/// that expires while waiting both say false; the count stays.
#[test]
fn timed_wait_gives_up() {
    let l = CountDownLatch::new(1);
    assert!(!l.wait_timeout(Duration::ZERO));
    assert!(!l.wait_deadline(Instant::now()));
    assert!(!l.wait_timeout(SHORT));
    assert_eq!(l.count(), 1);
}

/// testAwaitTimeout: a timed wait on another thread times out, no earlier
/// than asked.
#[test]
fn wait_timeout_on_another_thread() {
    let l = Arc::new(CountDownLatch::new(1));
    let t = {
        let l = Arc::clone(&l);
        spawn(move || {
            let start = Instant::now();
            assert!(!l.wait_timeout(SHORT));
            assert!(start.elapsed() >= SHORT);
            assert_eq!(l.count(), 1);
        })
    };
    join(t);
    assert_eq!(l.count(), 1);
}

/// testToString: the debug form shows the count.
#[test]
fn debug_shows_count() {
    let l = CountDownLatch::new(2);
    assert!(format!("{l:?}").contains("count: 2"));
    l.count_down();
    assert!(format!("{l:?}").contains("count: 1"));
    l.count_down();
    assert!(format!("{l:?}").contains("count: 0"));
}

/// Zero releases every waiter, blocking, timed and async, and every later
/// wait returns at once, forever.
#[test]
fn zero_releases_every_waiter_forever() {
    let l = Arc::new(CountDownLatch::new(3));
    let released = Arc::new(AtomicUsize::new(0));
    let waiters: Vec<_> = (0..6)
        .map(|i| {
            let (l, released) = (Arc::clone(&l), Arc::clone(&released));
            spawn(move || {
                match i % 3 {
                    0 => l.wait(),
                    1 => assert!(l.wait_timeout(LONG)),
                    _ => block_on(l.wait_async()),
                }
                released.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for _ in 0..3 {
        assert_eq!(released.load(Ordering::SeqCst), 0);
        l.count_down();
    }
    waiters.into_iter().for_each(join);
    assert_eq!(released.load(Ordering::SeqCst), 6);
    for _ in 0..3 {
        l.wait();
        assert!(l.wait_timeout(Duration::ZERO));
        let mut f = l.wait_async();
        assert_send(&f);
        assert_eq!(poll_once(&mut f), Poll::Ready(()));
        l.count_down();
        assert_eq!(l.count(), 0);
    }
}

/// A latch made at zero is open from the start.
#[test]
fn zero_from_the_start() {
    let l = CountDownLatch::new(0);
    assert_eq!(l.count(), 0);
    l.wait();
    assert!(l.wait_deadline(Instant::now()));
}

/// Many threads count down concurrently: the count is exact and the
/// waiters see every count-down that preceded their release.
#[test]
fn concurrent_count_down_is_exact() {
    const THREADS: usize = 8;
    const EACH: usize = 500;
    let l = Arc::new(CountDownLatch::new(THREADS * EACH));
    let work = Arc::new(AtomicUsize::new(0));
    let waiter = {
        let (l, work) = (Arc::clone(&l), Arc::clone(&work));
        spawn(move || {
            l.wait();
            work.load(Ordering::Relaxed)
        })
    };
    let ts: Vec<_> = (0..THREADS)
        .map(|_| {
            let (l, work) = (Arc::clone(&l), Arc::clone(&work));
            spawn(move || {
                for _ in 0..EACH {
                    work.fetch_add(1, Ordering::Relaxed);
                    l.count_down();
                }
            })
        })
        .collect();
    ts.into_iter().for_each(join);
    assert_eq!(join(waiter), THREADS * EACH);
    assert_eq!(l.count(), 0);
}
