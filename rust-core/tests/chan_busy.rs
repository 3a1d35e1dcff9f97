//! Calls that may not wait, or only until a deadline, meeting a partner
//! part-way through its operation (issue 10, fault 2): a sender that has
//! claimed a ring slot and not written it, or a receiver that has claimed
//! one and not read it. Before the fix such a `try_recv`, `try_send` or
//! timed call registered and slept without a deadline, and the partner's
//! finish told the sleeper queued first (a blocked `recv` or `send`), so it
//! slept until some later operation. Now a `try_*` never sleeps (the test
//! counts its parks) and a timed call returns at its deadline.
//!
//! Needs the `test-hooks` feature (the pause and the counters).
#![cfg(feature = "test-hooks")]

use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use polyconc::chan::{
    Chan, RecvTimeoutError, Select, SendTimeoutError, TryRecvError, TrySendError,
};
use polyconc::test_hooks::{self, Counts, Pause, Point};

/// Only guards against a hang (the fault): never reached when it works.
const HANG: Duration = Duration::from_secs(30);

/// Runs `f` on a thread that reports its result and how often it parked;
/// fails if it has not returned within [`HANG`].
fn returns<R: Send + 'static>(pause: &Pause, f: impl FnOnce() -> R + Send + 'static) -> (R, u64) {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let counts = test_hooks::counts();
        let r = f();
        tx.send((r, counts.parks())).unwrap();
    });
    rx.recv_timeout(HANG).unwrap_or_else(|_| {
        pause.resume();
        panic!("a call that may not wait without bound had not returned after {HANG:?}")
    })
}

/// Spawns `f` on a thread and waits until that thread has gone to sleep.
fn asleep<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> JoinHandle<R> {
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        tx.send(test_hooks::counts()).unwrap();
        f()
    });
    let counts: std::sync::Arc<Counts> = rx.recv().unwrap();
    while counts.parks() == 0 {
        thread::yield_now();
    }
    t
}

#[test]
fn receives_that_may_not_wait_meet_a_sender_part_way() {
    let ch = Chan::new(4);
    // A receiver asleep in recv(), queued first to hear of a value.
    let sleeper = asleep({
        let ch = ch.clone();
        move || ch.recv()
    });
    // A sender stopped between its claim of a slot and its write.
    let (pause, sender) = Pause::spawn_at(Point::SendClaimed, {
        let ch = ch.clone();
        move || ch.send(7)
    });

    let c = ch.clone();
    let (got, parks) = returns(&pause, move || c.try_recv());
    assert_eq!(got, Err(TryRecvError::Empty));
    assert_eq!(parks, 0, "try_recv slept");

    let c = ch.clone();
    let (got, parks) = returns(&pause, move || Select::new().recv(&c, |r| r).try_select());
    assert!(got.is_err());
    assert_eq!(parks, 0, "try_select slept");

    let c = ch.clone();
    let (got, _) = returns(&pause, move || c.recv_timeout(Duration::from_millis(10)));
    assert_eq!(got, Err(RecvTimeoutError::Timeout));

    let c = ch.clone();
    let (got, _) = returns(&pause, move || {
        Select::new()
            .recv(&c, |r| r)
            .select_timeout(Duration::from_millis(10))
    });
    assert!(got.is_err());

    // The sender finishes; its value goes to the receiver that slept.
    pause.resume();
    sender.join().unwrap().unwrap();
    assert_eq!(sleeper.join().unwrap(), Ok(7));
    assert!(ch.is_empty());
}

#[test]
fn sends_that_may_not_wait_meet_a_receiver_part_way() {
    let ch = Chan::new(1);
    ch.send(1).unwrap();
    // A sender asleep in send(), queued first to hear of room.
    let sleeper = asleep({
        let ch = ch.clone();
        move || ch.send(2)
    });
    // A receiver stopped between its claim of the full slot and its read.
    let (pause, receiver) = Pause::spawn_at(Point::RecvClaimed, {
        let ch = ch.clone();
        move || ch.try_recv()
    });

    let c = ch.clone();
    let (got, parks) = returns(&pause, move || c.try_send(3));
    assert_eq!(got, Err(TrySendError::Full(3)));
    assert_eq!(parks, 0, "try_send slept");

    let c = ch.clone();
    let (got, parks) = returns(&pause, move || {
        Select::new().send(&c, 3, |r| r.is_ok()).try_select()
    });
    assert!(got.is_err());
    assert_eq!(parks, 0, "try_select slept");

    let c = ch.clone();
    let (got, _) = returns(&pause, move || c.send_timeout(3, Duration::from_millis(10)));
    assert_eq!(got, Err(SendTimeoutError::Timeout(3)));

    let c = ch.clone();
    let (got, _) = returns(&pause, move || {
        Select::new()
            .send(&c, 3, |r| r.is_ok())
            .select_timeout(Duration::from_millis(10))
    });
    assert!(got.is_err());

    // The receiver finishes and frees the slot for the sender that slept.
    pause.resume();
    assert_eq!(receiver.join().unwrap(), Ok(1));
    sleeper.join().unwrap().unwrap();
    assert_eq!(ch.try_recv(), Ok(2));
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
}

/// A blocking call that registers while its partner is mid-way: its
/// re-check finds the slot claimed and not yet published, passes the heavy
/// side of the ring's barrier (`buffer::barrier`) and sleeps; the partner's
/// publish, a plain store with only the light side after it, still tells
/// it. The waiter slept (`asleep` counts its parks) rather than spun.
#[test]
fn blocking_calls_sleep_on_a_partner_part_way_and_are_told() {
    for cap in [1, 4] {
        let ch = Chan::new(cap);
        let (pause, sender) = Pause::spawn_at(Point::SendClaimed, {
            let ch = ch.clone();
            move || ch.send(7)
        });
        let receiver = asleep({
            let ch = ch.clone();
            move || ch.recv()
        });
        pause.resume();
        sender.join().unwrap().unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(7));

        for v in 0..cap {
            ch.send(v).unwrap();
        }
        let (pause, receiver) = Pause::spawn_at(Point::RecvClaimed, {
            let ch = ch.clone();
            move || ch.recv()
        });
        let sender = asleep({
            let ch = ch.clone();
            move || ch.send(cap)
        });
        pause.resume();
        assert_eq!(receiver.join().unwrap(), Ok(0));
        sender.join().unwrap().unwrap();
        let rest: Vec<usize> = (1..=cap).map(|_| ch.recv().unwrap()).collect();
        assert_eq!(rest, (1..=cap).collect::<Vec<_>>());
    }
}
