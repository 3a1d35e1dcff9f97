//! loom models of a pause against the claims it races: a send in flight
//! whose write the pause must wait for, and a send and a receive racing a
//! removal in place, on a ring (capacity 1 under loom) and a list
//! (capacity 2). Loom's cells fail a model in which the pause touches a
//! value a claim still writes or reads; the asserts check that every value
//! is received or removed exactly once. And the freeing of a list's
//! drained block while one of its readers is still taking its value.
//!
//! Run with (the Makefile's `test-loom`):
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test -p polyconc --lib --release`

use loom::thread;

use super::{Buffer, Refused};
use crate::chan::Chan;
use crate::loom::Arc;

/// A ring and a list, as loom sizes them.
const CAPS: [usize; 2] = [1, 2];

fn buffer(cap: usize) -> Arc<Buffer<u32>> {
    Arc::new(Buffer::new(cap).ok().flatten().expect("a buffer"))
}

/// What is left, oldest first.
fn drain(b: &Buffer<u32>) -> Vec<u32> {
    std::iter::from_fn(|| b.try_pop().ok()).collect()
}

/// A pause that peeks while a send is in flight into an empty buffer:
/// it sees nothing or the whole value, never a half-written one, and the
/// value is received afterwards.
#[test]
fn pause_waits_for_send_in_flight() {
    for cap in CAPS {
        loom::model(move || {
            let b = buffer(cap);
            let sender = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.try_push(7).is_ok())
            };
            let seen = b.pause().peek_with(|v| v.copied());
            assert!(matches!(seen, None | Some(7)));
            assert!(sender.join().unwrap(), "an empty buffer has room");
            assert_eq!(drain(&b), [7]);
        });
    }
}

/// A removal in place (`remove_item`) against a send and a receive: the
/// value the pause removes is not received, and the two values end up
/// received, removed or left exactly once each.
#[test]
fn pause_removes_against_send_and_receive() {
    for cap in CAPS {
        loom::model(move || {
            let b = buffer(cap);
            assert!(b.try_push(1).is_ok());
            let sender = {
                let b = Arc::clone(&b);
                thread::spawn(move || match b.try_push(2) {
                    Ok(()) => true,
                    // Full, or a receiver reading the one slot.
                    Err(Refused::NotReady(_) | Refused::Busy(_)) => false,
                    Err(Refused::Closed(_)) => panic!("not closed"),
                })
            };
            let receiver = {
                let b = Arc::clone(&b);
                thread::spawn(move || b.try_pop().ok())
            };
            let removed = {
                let mut paused = b.pause();
                let removed = paused.remove_first(|&v| v == 1);
                assert_eq!(paused.removed(), usize::from(removed.is_some()));
                removed
            };
            let sent = sender.join().unwrap();
            let received = receiver.join().unwrap();
            let mut all: Vec<u32> = removed
                .into_iter()
                .chain(received)
                .chain(drain(&b))
                .collect();
            all.sort_unstable();
            let expected: &[u32] = if sent { &[1, 2] } else { &[1] };
            assert_eq!(all, expected);
        });
    }
}

/// A value, once there is one.
fn pop(b: &Buffer<u32>) -> u32 {
    loop {
        if let Ok(v) = b.try_pop() {
            return v;
        }
        thread::yield_now();
    }
}

/// Two receivers drain a list's block (three slots under loom) together:
/// the one that takes the last value frees the block, or retires it if
/// the other is still taking its own; the next block's drain then frees
/// a retired one, or the drop does. Loom's cells fail a model in which a
/// value is taken after its block was freed and reused; the asserts check
/// that every value is received exactly once.
#[test]
fn list_block_freed_after_its_readers() {
    loom::model(|| {
        let b = buffer(super::UNBOUNDED);
        for v in 1..=3 {
            assert!(b.try_push(v).is_ok());
        }
        assert_eq!(b.try_pop().ok(), Some(1));
        let slow = {
            let b = Arc::clone(&b);
            thread::spawn(move || pop(&b))
        };
        let fast = {
            let b = Arc::clone(&b);
            thread::spawn(move || {
                let mut got = vec![pop(&b)];
                for v in 4..=6 {
                    assert!(b.try_push(v).is_ok());
                }
                got.extend((0..3).map(|_| pop(&b)));
                got
            })
        };
        let mut all = fast.join().unwrap();
        all.push(slow.join().unwrap());
        all.sort_unstable();
        assert_eq!(all, [2, 3, 4, 5, 6]);
        assert!(drain(&b).is_empty());
    });
}

/// A ring slot is published by a release store of its stamp, whose order
/// before the publisher's look at the waiters comes from an asymmetric
/// barrier (`super::barrier`), which loom sees as two fences. A waiter that
/// registers while its partner is between its claim and its publish
/// (`Busy`) re-checks the stamp and sleeps until that partner tells it:
/// without the barrier's light side (the fence after the stamp store)
/// loom finds the run in which the partner misses the waiter and the
/// waiter misses the stamp, and every thread ends up parked. Here a
/// receiver waits on an empty ring (a channel of capacity 1) while a
/// sender sends.
#[test]
fn ring_receiver_waits_for_a_sender_mid_way() {
    loom::model(|| {
        let ch = Chan::new(1);
        let tx = ch.clone();
        let sender = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(ch.recv(), Ok(7));
        sender.join().unwrap();
    });
}

/// As above, a sender waiting on a full ring while a receiver receives.
#[test]
fn ring_sender_waits_for_a_receiver_mid_way() {
    loom::model(|| {
        let ch = Chan::new(1);
        ch.send(1).unwrap();
        let rx = ch.clone();
        let receiver = thread::spawn(move || rx.recv());
        ch.send(2).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(1));
        assert_eq!(ch.try_recv(), Ok(2));
    });
}
