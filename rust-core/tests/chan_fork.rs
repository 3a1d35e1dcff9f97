//! `forget_waiters_after_fork` (issue 10, fault 10): in a forked child, the
//! waiters queued before the fork belong to threads the child does not
//! have; no value may go to them or be taken from them. The epoch is
//! process-wide, so this file holds one test: others running beside it
//! would lose their waiters.
//!
//! Needs the `test-hooks` feature (a park count tells that a thread waits).
#![cfg(feature = "test-hooks")]

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use polyconc::chan::{
    forget_waiters_after_fork, Chan, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError,
};
use polyconc::test_hooks;

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// Spawns `f` on a thread and waits until that thread has gone to sleep.
fn asleep<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> JoinHandle<R> {
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        tx.send(test_hooks::counts()).unwrap();
        f()
    });
    let counts = rx.recv().unwrap();
    while counts.parks() == 0 {
        thread::yield_now();
    }
    t
}

#[test]
fn waiters_queued_before_the_fork_are_gone() {
    // Threads blocked on rendezvous channels, standing for parent threads
    // that the child does not have; they give up after a while.
    const GIVE_UP: Duration = Duration::from_secs(2);
    let (ch, empty) = (Chan::new(0), Chan::new(0));
    let ghost_sender = asleep({
        let ch = ch.clone();
        move || ch.send_timeout(1, GIVE_UP)
    });
    let ghost_receiver = asleep({
        let empty = empty.clone();
        move || empty.recv_timeout(GIVE_UP)
    });
    // Pending futures too: a send, and a receive (a waiting receiver).
    let mut ghost_send = ch.send_async(2);
    assert!(poll_once(&mut ghost_send).is_pending());
    let mut ghost_recv = empty.recv_async();
    assert!(poll_once(&mut ghost_recv).is_pending());

    forget_waiters_after_fork();

    // No value is taken from the ghosts, none goes to them.
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(
        ch.recv_timeout(Duration::from_millis(10)),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(empty.try_send(9), Err(TrySendError::Full(9)));
    drop(ghost_recv);
    assert_eq!(empty.try_recv(), Err(TryRecvError::Empty));
    // A live sender and receiver meet as usual, past the ghosts.
    let rx = ch.clone();
    let live = thread::spawn(move || rx.recv());
    ch.send(3).unwrap();
    assert_eq!(live.join().unwrap(), Ok(3));
    // The ghosts still hold their values: the threads time out with
    // theirs, and the future gives its back.
    assert_eq!(ghost_send.cancel(), Err(2));
    assert_eq!(
        ghost_sender.join().unwrap(),
        Err(SendTimeoutError::Timeout(1))
    );
    assert_eq!(
        ghost_receiver.join().unwrap(),
        Err(RecvTimeoutError::Timeout)
    );
    ch.close();
    assert_eq!(ch.try_recv(), Err(TryRecvError::Closed));
}
