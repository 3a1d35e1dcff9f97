//! Channels of capacity 1, whose every message is a hand-off: their
//! blocked calls spin looking at the slot, then sleep, and a blocking call's
//! first try does not tell a full slot from a busy one, nor an empty
//! channel from a closed one (`Ring::try_pop_waiting`). These tests pin
//! what a caller sees whichever way the wait goes: a close ends every
//! wait, on both sides, however often a call comes back to a closed
//! channel, and values cross in order, exactly once.

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, RecvTimeoutError, SendError, SendTimeoutError};

/// Only guards against a hang: never reached when it works.
const HANG: Duration = Duration::from_secs(30);

/// Runs `f` on a thread; its result, or a failure after [`HANG`].
fn returns<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(HANG)
        .expect("a call on a closed channel did not return")
}

#[test]
fn a_close_ends_blocked_receives_early_and_late() {
    // Closed at once (the receiver is likely still spinning) and after a
    // while (it is likely asleep): either way it returns closed.
    for delay in [Duration::ZERO, Duration::from_millis(20)] {
        let ch = Chan::<u32>::new(1);
        let receivers: Vec<_> = (0..3)
            .map(|_| {
                let ch = ch.clone();
                thread::spawn(move || ch.recv())
            })
            .collect();
        thread::sleep(delay);
        ch.close();
        for r in receivers {
            assert!(
                r.join().unwrap().is_err(),
                "a receive after the close got a value"
            );
        }
    }
}

#[test]
fn every_blocking_receive_from_a_closed_drained_channel_returns() {
    let ch = Chan::new(1);
    ch.send(5).unwrap();
    ch.close();
    let c = ch.clone();
    let (first, later) = returns(move || {
        let first = c.recv();
        let later: Vec<_> = (0..1000).map(|_| c.recv().is_err()).collect();
        (first, later)
    });
    assert_eq!(first, Ok(5), "the value sent before the close");
    assert!(later.into_iter().all(|closed| closed));
    assert_eq!(
        ch.recv_timeout(Duration::from_millis(1)),
        Err(RecvTimeoutError::Closed)
    );
}

#[test]
fn a_close_gives_blocked_senders_their_values_back() {
    for delay in [Duration::ZERO, Duration::from_millis(20)] {
        let ch = Chan::new(1);
        ch.send(0).unwrap();
        let senders: Vec<_> = (1..=3)
            .map(|i| {
                let ch = ch.clone();
                thread::spawn(move || ch.send(i))
            })
            .collect();
        thread::sleep(delay);
        ch.close();
        let mut back: Vec<_> = senders
            .into_iter()
            .filter_map(|s| match s.join().unwrap() {
                Err(SendError(v)) => Some(v),
                Ok(()) => None,
            })
            .collect();
        back.sort_unstable();
        // Nothing was received, so the slot kept the first value and every
        // blocked sender got its own back.
        assert_eq!(back, [1, 2, 3]);
        assert_eq!(ch.recv(), Ok(0));
        assert!(ch.recv().is_err());
        assert_eq!(
            ch.send_timeout(9, Duration::from_millis(1)),
            Err(SendTimeoutError::Closed(9))
        );
    }
}

/// `producers` send disjoint runs through one slot to `consumers`: every
/// value arrives once, and each producer's values in the order sent.
fn hand_offs(producers: u64, consumers: usize, each: u64) {
    let ch = Chan::new(1);
    let senders: Vec<_> = (0..producers)
        .map(|p| {
            let ch = ch.clone();
            thread::spawn(move || {
                for i in 0..each {
                    ch.send((p, i)).unwrap();
                }
            })
        })
        .collect();
    let receivers: Vec<_> = (0..consumers)
        .map(|_| {
            let ch = ch.clone();
            thread::spawn(move || {
                let mut last = HashMap::new();
                let mut got = 0u64;
                while let Ok((p, i)) = ch.recv() {
                    if let Some(before) = last.insert(p, i) {
                        assert!(before < i, "producer {p}: {i} after {before}");
                    }
                    got += 1;
                }
                got
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    ch.close();
    let got: u64 = receivers.into_iter().map(|r| r.join().unwrap()).sum();
    assert_eq!(got, producers * each);
}

#[test]
fn one_slot_hand_offs_lose_nothing_and_keep_order() {
    hand_offs(1, 1, 20_000);
    hand_offs(4, 4, 5_000);
    hand_offs(4, 1, 5_000);
    hand_offs(1, 4, 20_000);
}
