//! `forget_waiters_after_fork` (issue 10, fault 10): in a forked child, the
//! waiters queued before the fork belong to threads the child does not
//! have; no value may go to them or be taken from them. The epoch is
//! process-wide, so this file holds one test: others running beside it
//! would lose their waiters.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use polyconc::chan::{forget_waiters_after_fork, Chan, SendTimeoutError, TryRecvError};

fn poll_with<F: Future + Unpin>(f: &mut F, waker: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(waker))
}

#[derive(Default)]
struct Flag(AtomicBool);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn waiters_queued_before_the_fork_are_gone() {
    // A thread blocked sending on a rendezvous channel, as a parent thread
    // that the child does not have. The watching receive future hears of
    // it when it is queued.
    let ch = Chan::new(0);
    let flag = Arc::new(Flag::default());
    let waker = Waker::from(flag.clone());
    let mut probe = ch.recv_async();
    assert!(poll_with(&mut probe, &waker).is_pending());
    let ghost = {
        let tx = ch.clone();
        thread::spawn(move || tx.send_timeout(1, Duration::from_secs(2)))
    };
    while !flag.0.load(Ordering::SeqCst) {
        thread::yield_now();
    }
    drop(probe);

    // An async sender queued too.
    let mut ghost_future = ch.send_async(2);
    assert!(poll_with(&mut ghost_future, Waker::noop()).is_pending());

    forget_waiters_after_fork();

    // Neither value can be taken in the "child".
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(ch.recv_timeout(Duration::from_millis(10)).ok(), None);
    // A live sender and receiver meet as usual, past the ghosts.
    let rx = ch.clone();
    let live = thread::spawn(move || rx.recv());
    ch.send(3).unwrap();
    assert_eq!(live.join().unwrap(), Ok(3));
    // The ghosts still hold their values: the thread's send times out
    // with it, and the future gives it back.
    assert_eq!(ghost_future.cancel(), Err(2));
    assert_eq!(ghost.join().unwrap(), Err(SendTimeoutError::Timeout(1)));
    ch.close();
    assert_eq!(ch.try_recv(), Err(TryRecvError::Closed));
}
