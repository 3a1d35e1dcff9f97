//! `CyclicBarrier::abort`, as Python's `threading.Barrier.abort`
//! (CPython's Lib/test/lock_tests.py `BarrierTests.test_abort` and
//! `test_abort_and_reset`, in exact counts): every waiting party and every
//! later one gets `Broken` until a reset.

mod sync_locks_util;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;

use polyconc::sync::{BarrierError, CyclicBarrier};
use sync_locks_util::{block_on, poll_once, wait_until};

const PARTIES: usize = 5;

#[test]
fn abort_breaks_every_waiting_party_and_later_ones() {
    let b = CyclicBarrier::new(PARTIES);
    let broken = AtomicUsize::new(0);
    thread::scope(|s| {
        for _ in 0..PARTIES - 1 {
            s.spawn(|| {
                assert_eq!(b.wait(), Err(BarrierError::Broken));
                broken.fetch_add(1, Ordering::SeqCst);
            });
        }
        wait_until("all but one party waits", || {
            b.number_waiting() == PARTIES - 1
        });
        b.abort();
    });
    assert_eq!(broken.load(Ordering::SeqCst), PARTIES - 1);
    assert!(b.is_broken());
    assert_eq!(b.number_waiting(), 0);
    assert_eq!(b.wait(), Err(BarrierError::Broken));
    assert_eq!(block_on(b.wait_async()), Err(BarrierError::Broken));
}

#[test]
fn abort_breaks_a_pending_async_wait() {
    let b = CyclicBarrier::new(2);
    let mut fut = Box::pin(b.wait_async());
    assert!(poll_once(&mut fut).is_pending());
    b.abort();
    assert_eq!(
        poll_once(&mut fut),
        std::task::Poll::Ready(Err(BarrierError::Broken))
    );
}

#[test]
fn reset_after_abort_makes_it_whole_for_the_next_generation() {
    let b = CyclicBarrier::new(PARTIES);
    b.abort();
    b.reset();
    assert!(!b.is_broken());
    let indices = Mutex::new(Vec::new());
    thread::scope(|s| {
        for _ in 0..PARTIES {
            s.spawn(|| {
                let index = b.wait().unwrap();
                indices.lock().unwrap().push(index);
            });
        }
    });
    let mut indices = indices.into_inner().unwrap();
    indices.sort_unstable();
    assert_eq!(indices, (0..PARTIES).collect::<Vec<_>>());
}

/// A barrier whose action tells `started` and then waits for `go`.
fn barrier_with_held_action(
    parties: usize,
) -> (Arc<CyclicBarrier>, mpsc::Receiver<()>, mpsc::SyncSender<()>) {
    let (started_tx, started) = mpsc::sync_channel(1);
    let (go, go_rx) = mpsc::sync_channel::<()>(1);
    let go_rx = Mutex::new(go_rx);
    let b = CyclicBarrier::new(parties).with_action(move || {
        started_tx.send(()).unwrap();
        go_rx.lock().unwrap().recv().unwrap();
    });
    (Arc::new(b), started, go)
}

#[test]
fn abort_while_the_action_runs_lets_that_generation_go_then_breaks() {
    let (b, started, go) = barrier_with_held_action(2);
    let parties: Vec<_> = (0..2)
        .map(|_| {
            let b = Arc::clone(&b);
            thread::spawn(move || b.wait())
        })
        .collect();
    started.recv().unwrap();
    b.abort();
    go.send(()).unwrap();
    let mut indices: Vec<_> = parties
        .into_iter()
        .map(|h| h.join().unwrap().unwrap())
        .collect();
    indices.sort_unstable();
    assert_eq!(indices, [0, 1], "the tripped generation goes on");
    assert!(b.is_broken());
    assert_eq!(b.wait(), Err(BarrierError::Broken));
}

#[test]
fn a_reset_after_an_abort_while_the_action_runs_wins() {
    let (b, started, go) = barrier_with_held_action(1);
    let party = {
        let b = Arc::clone(&b);
        thread::spawn(move || b.wait())
    };
    started.recv().unwrap();
    b.abort();
    b.reset();
    go.send(()).unwrap();
    assert_eq!(party.join().unwrap(), Ok(0));
    assert!(!b.is_broken());
}
