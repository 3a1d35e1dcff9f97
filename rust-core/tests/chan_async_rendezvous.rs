//! A pending `recv_async` on a rendezvous channel is a waiting receiver
//! (issue 10, fault 4): as in Go, a send succeeds when a receiver waits, so
//! `try_send`, a non-blocking select's send case and a short
//! `send_timeout` hand it the value. Before the fix the future was only
//! told of senders, so `try_send` said `Full` and the timed send timed out
//! unless the task happened to run in time. A future dropped after it was
//! handed a value gives the value back: nothing is lost.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, RecvError, RecvFuture, Select};

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// A receive future polled once, now waiting.
fn pending_recv(ch: &Chan<i32>) -> RecvFuture<i32> {
    let mut fut = ch.recv_async();
    assert!(poll_once(&mut fut).is_pending());
    fut
}

#[test]
fn try_send_hands_the_value_to_a_pending_recv_future() {
    let ch = Chan::new(0);
    let mut fut = pending_recv(&ch);
    assert_eq!(ch.try_send(1), Ok(()));
    assert_eq!(poll_once(&mut fut), Poll::Ready(Ok(1)));
    // One receiver, one value: the next try finds nobody.
    assert!(ch.try_send(2).is_err());
}

#[test]
fn non_blocking_select_send_fires_for_a_pending_recv_future() {
    let ch = Chan::new(0);
    let mut fut = pending_recv(&ch);
    let sent = Select::new().send(&ch, 5, |r| r.is_ok()).try_select();
    assert_eq!(sent, Ok(true));
    assert_eq!(poll_once(&mut fut), Poll::Ready(Ok(5)));
}

#[test]
fn short_send_timeout_meets_a_pending_recv_future() {
    // The future is not polled while the send waits: the send must not
    // depend on the task running in time.
    let ch = Chan::new(0);
    let mut fut = pending_recv(&ch);
    assert_eq!(ch.send_timeout(3, Duration::from_millis(1)), Ok(()));
    assert_eq!(poll_once(&mut fut), Poll::Ready(Ok(3)));
}

#[test]
fn a_dropped_recv_future_gives_its_value_back_first() {
    let ch = Chan::new(0);
    let fut = pending_recv(&ch);
    ch.try_send(1).unwrap();
    drop(fut);
    // Back in the channel, ahead of a blocked sender's value.
    assert_eq!(ch.len(), 1);
    let mut seen = Vec::new();
    // SAFETY: no operation is in flight.
    unsafe { ch.for_each_buffered(|v| seen.push(*v)) };
    assert_eq!(seen, [1]);
    let mut later = ch.send_async(2);
    assert!(poll_once(&mut later).is_pending());
    assert_eq!(ch.try_recv(), Ok(1));
    assert_eq!(ch.try_recv(), Ok(2));
    assert_eq!(later.cancel(), Ok(()));
    assert_eq!(ch.len(), 0);
}

#[test]
fn a_dropped_recv_future_gives_its_value_to_a_blocked_receiver() {
    let ch = Chan::new(0);
    let fut = pending_recv(&ch);
    let rx = ch.clone();
    let receiver = thread::spawn(move || rx.recv());
    // The future is queued first, so it is handed the value.
    ch.try_send(7).unwrap();
    drop(fut);
    assert_eq!(receiver.join().unwrap(), Ok(7));
}

#[test]
fn a_value_given_back_survives_the_close() {
    let ch = Chan::new(0);
    let fut = pending_recv(&ch);
    ch.try_send(4).unwrap();
    drop(fut);
    ch.close();
    assert_eq!(ch.recv(), Ok(4));
    assert_eq!(ch.recv(), Err(RecvError));
}

#[test]
fn close_completes_a_pending_recv_future() {
    let ch = Chan::<i32>::new(0);
    let mut fut = pending_recv(&ch);
    ch.close();
    assert_eq!(poll_once(&mut fut), Poll::Ready(Err(RecvError)));
}

/// Many futures dropped at random moments while senders hand them values:
/// every value sent is received exactly once.
#[test]
fn cancelled_recv_futures_lose_nothing() {
    const N: i32 = 3_000;
    let ch = Chan::new(0);
    let senders: Vec<_> = (0..2)
        .map(|s| {
            let ch = ch.clone();
            thread::spawn(move || {
                for v in (s * N..(s + 1) * N).rev() {
                    // Alternate the sends that need a waiting receiver.
                    if v % 2 == 0 {
                        ch.send(v).unwrap();
                    } else {
                        let mut v = v;
                        while let Err(e) = ch.try_send(v) {
                            v = e.into_inner();
                            thread::yield_now();
                        }
                    }
                }
            })
        })
        .collect();
    let mut got = Vec::new();
    let mut i = 0u32;
    while got.len() < 2 * N as usize {
        let mut fut = ch.recv_async();
        for _ in 0..(i % 4) {
            if let Poll::Ready(v) = poll_once(&mut fut) {
                got.push(v.unwrap());
                break;
            }
            thread::yield_now();
        }
        i += 1;
        // Dropped pending (maybe already handed a value), or after Ready.
        drop(fut);
        while let Ok(v) = ch.try_recv() {
            got.push(v);
        }
    }
    senders.into_iter().for_each(|s| s.join().unwrap());
    got.sort_unstable();
    assert_eq!(got, (0..2 * N).collect::<Vec<_>>());
    assert_eq!(ch.len(), 0);
}
