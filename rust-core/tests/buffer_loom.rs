//! loom models of a ring's publish against a waiter's re-check (the ring is
//! a channel of capacity 1 under loom). A ring slot is published by a
//! release store of its stamp, whose order before the publisher's look at
//! the waiters comes from an asymmetric barrier (`buffer::barrier`), which
//! loom sees as two fences. A waiter that registers while its partner is
//! between its claim and its publish (`Busy`) re-checks the stamp and
//! sleeps until that partner tells it: without the barrier's light side
//! (the fence after the stamp store) loom finds the model in which the
//! partner misses the waiter and the waiter misses the stamp, and every
//! thread ends up parked.
//!
//! Run with (as the Makefile's `test-loom`):
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 CARGO_TARGET_DIR=target/loom cargo test -p polyconc --test buffer_loom --release`
#![cfg(loom)]

use loom::thread;
use polyconc::chan::Chan;

/// A receiver waits on an empty ring while a sender sends: it gets the
/// value whichever step of the send its re-check meets.
#[test]
fn receiver_waits_for_a_sender_mid_way() {
    loom::model(|| {
        let ch = Chan::new(1);
        let tx = ch.clone();
        let sender = thread::spawn(move || tx.send(7).unwrap());
        assert_eq!(ch.recv(), Ok(7));
        sender.join().unwrap();
    });
}

/// A sender waits on a full ring while a receiver receives: it gets the
/// freed slot whichever step of the receive its re-check meets.
#[test]
fn sender_waits_for_a_receiver_mid_way() {
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
