//! Bounded channels above 65,536, whose buffer is a list (issue 10, fault
//! 1): a sender compared a tail it had read with a head read later, and a
//! head that had moved past that tail made the length underflow: a
//! spurious `Full` in release builds, "attempt to subtract with overflow"
//! in debug ones.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;

use polyconc::chan::{Chan, TrySendError};

const PRODUCERS: u64 = 4;
const PER_PRODUCER: u64 = 15_000;
const CONSUMERS: usize = 2;
/// Rounds, each on a fresh channel: the race needs a sender delayed
/// between two loads while the consumers catch up.
const ROUNDS: usize = 20;

/// 60,000 values in flight at most: a channel of 65,537 never fills, so a
/// `try_send` must never fail.
#[test]
fn try_send_never_sees_full_on_a_channel_that_cannot_fill() {
    for _ in 0..ROUNDS {
        let ch = Chan::new(65_537);
        let received = Arc::new(AtomicU64::new(0));
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|_| {
                let (ch, received) = (ch.clone(), received.clone());
                thread::spawn(move || {
                    let mut sum = 0u64;
                    for v in &ch {
                        sum += v;
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                    sum
                })
            })
            .collect();
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                let ch = ch.clone();
                thread::spawn(move || {
                    for i in 0..PER_PRODUCER {
                        match ch.try_send(p * PER_PRODUCER + i) {
                            Ok(()) => {}
                            Err(TrySendError::Full(v)) => panic!("Full on sending {v}"),
                            Err(TrySendError::Closed(_)) => {
                                unreachable!("closed after the producers")
                            }
                        }
                    }
                })
            })
            .collect();
        for p in producers {
            p.join().expect("a producer failed");
        }
        ch.close();
        let sum: u64 = consumers.into_iter().map(|c| c.join().unwrap()).sum();
        let n = PRODUCERS * PER_PRODUCER;
        assert_eq!(received.load(Ordering::Relaxed), n);
        assert_eq!(sum, n * (n - 1) / 2);
    }
}

/// The same race made certain with a pause (feature `test-hooks`): a
/// sender stops after reading the tail; receivers then move the head past
/// that tail. Before the fix the sender's fullness check underflowed: Full
/// in release builds, a panic in debug ones.
#[cfg(feature = "test-hooks")]
#[test]
fn a_sender_behind_the_head_does_not_see_full() {
    use polyconc::test_hooks::{Pause, Point};
    use std::sync::mpsc;

    let ch = Chan::new(65_537);
    let (tx, armed) = mpsc::channel();
    let sender = {
        let ch = ch.clone();
        thread::spawn(move || {
            tx.send(Pause::arm(Point::SendReadTail)).unwrap();
            ch.try_send(100)
        })
    };
    let pause: Pause = armed.recv().unwrap();
    pause.wait_reached(); // it read tail 0
    for v in 0..3 {
        ch.send(v).unwrap();
    }
    for v in 0..3 {
        assert_eq!(ch.recv(), Ok(v)); // head is now 3, past that tail
    }
    pause.resume();
    assert_eq!(sender.join().expect("the sender panicked"), Ok(()));
    assert_eq!(ch.try_recv(), Ok(100));
}
