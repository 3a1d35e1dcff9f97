//! loom models of `LinkedTransferQueue::transfer_async` (reduced: two
//! threads): a pending transfer's cancel racing a consumer's take, an
//! awaited transfer woken by a blocked consumer, and one racing `close`;
//! and of a transfer whose element a take future was handed: the future
//! dropped (claim, drop, re-take) or completing against the transfer's
//! cancel.
//! Each model asserts that the element is received once or given back
//! once, never both; loom itself fails a model in which a waiter sleeps
//! forever.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p polyconc --test queue_transfer_loom --release`
#![cfg(loom)]

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::atomic::AtomicBool;
use loom::sync::Arc;
use loom::thread;
use polyconc::queue::{LinkedTransferQueue, SendError};
use std::sync::atomic::Ordering::SeqCst;

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// Wakes a loom thread parked in [`block_on`].
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `f` to completion on this loom thread, parking between polls.
fn block_on<F: Future + Unpin>(mut f: F) -> F::Output {
    let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
    loop {
        if let Poll::Ready(v) = Pin::new(&mut f).poll(&mut Context::from_waker(&waker)) {
            return v;
        }
        thread::park();
    }
}

#[test]
fn cancel_races_a_take() {
    loom::model(|| {
        let q = Arc::new(LinkedTransferQueue::new());
        let mut t = q.transfer_async(5);
        assert!(poll_once(&mut t).is_pending());
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.poll())
        };
        let cancelled = t.cancel();
        let got = consumer.join().unwrap();
        match cancelled {
            Ok(()) => assert_eq!(got, Some(5)),
            Err(v) => {
                assert_eq!(v, 5);
                assert_eq!(got, None);
            }
        }
        assert!(q.is_empty());
    });
}

#[test]
fn awaited_transfer_meets_a_blocked_take() {
    loom::model(|| {
        let q = Arc::new(LinkedTransferQueue::new());
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.take())
        };
        assert_eq!(block_on(q.transfer_async(5)), Ok(()));
        assert_eq!(consumer.join().unwrap(), Ok(5));
        assert!(q.is_empty());
    });
}

#[test]
fn awaited_transfer_races_a_take_and_close() {
    loom::model(|| {
        let q = Arc::new(LinkedTransferQueue::new());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || block_on(q.transfer_async(5)))
        };
        let got = q.poll();
        q.close();
        match producer.join().unwrap() {
            Ok(()) => assert_eq!(got, Some(5)),
            Err(SendError(v)) => {
                assert_eq!(v, 5);
                assert_eq!(got, None);
            }
        }
        assert!(q.is_empty());
    });
}

/// Claim, drop, re-take: a transfer hands its element to a pending take
/// future, which is dropped (in every order against the hand-off); a
/// blocking take gets the element. The transfer returns only once a take
/// has returned the element (or a thread blocked in `take` holds it), so
/// it has not returned while the element is back in the queue: before
/// the fix, it returned at the hand-off to the future, whose drop then
/// put the element back.
#[test]
fn take_future_dropped_after_the_hand_off() {
    loom::model(|| {
        let q = Arc::new(LinkedTransferQueue::new());
        let done = Arc::new(AtomicBool::new(false));
        let mut take = q.take_async();
        assert!(poll_once(&mut take).is_pending());
        let producer = {
            let (q, done) = (Arc::clone(&q), Arc::clone(&done));
            thread::spawn(move || {
                let r = q.transfer(5);
                done.store(true, SeqCst);
                r
            })
        };
        drop(take);
        let returned = done.load(SeqCst);
        assert!(
            !(returned && q.contains(&5)),
            "transfer returned, element still queued"
        );
        assert_eq!(q.take(), Ok(5));
        assert_eq!(producer.join().unwrap(), Ok(()));
        assert!(q.is_empty());
    });
}

/// A transfer future whose element a take future was handed: the take
/// completing (on another thread) races the transfer's cancel. Either the
/// take received it and the cancel says delivered, or the cancel took it
/// back and the take waits on (ended here by `close`).
#[test]
fn cancel_races_a_handed_take_future() {
    loom::model(|| {
        let q = Arc::new(LinkedTransferQueue::new());
        let mut take = q.take_async();
        assert!(poll_once(&mut take).is_pending());
        let mut t = q.transfer_async(5);
        assert!(poll_once(&mut t).is_pending());
        let consumer = thread::spawn(move || block_on(take));
        match t.cancel() {
            Ok(()) => assert_eq!(consumer.join().unwrap(), Ok(5)),
            Err(v) => {
                assert_eq!(v, 5);
                q.close();
                assert!(consumer.join().unwrap().is_err());
            }
        }
        assert!(q.is_empty());
    });
}
