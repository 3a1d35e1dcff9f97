//! The list buffer (unbounded channels, and bounded ones above 65,536)
//! when a sender is descheduled part-way through a send: between its
//! claim of a slot and its write, or between its claim of a block's last
//! slot and its link of the next block. A receive of that slot, or a send
//! behind that link, waits for it; the value arrives once it goes on.
//! Then sums: many senders and receivers, some senders stopped part-way,
//! every value received once.
//!
//! Needs the `test-hooks` feature (the pause and the counters).
#![cfg(feature = "test-hooks")]

use std::sync::{mpsc, Arc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use polyconc::chan::Chan;
use polyconc::test_hooks::{self, Counts, Pause, Point};

/// Slots per block of the list (its lap of 32 positions, one of them the
/// gap between blocks).
const BLOCK_CAP: u64 = 31;

/// Only guards against a hang: never reached when it works.
const HANG: Duration = Duration::from_secs(60);

/// Spawns `f` on a thread; returns its counters and its handle.
fn counted<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> (Arc<Counts>, JoinHandle<R>) {
    let (tx, rx) = mpsc::channel();
    let t = thread::spawn(move || {
        tx.send(test_hooks::counts()).unwrap();
        f()
    });
    (rx.recv().unwrap(), t)
}

/// Waits until `seen` holds, failing after [`HANG`].
fn until(pause: &Pause, what: &str, seen: impl Fn() -> bool) {
    let start = Instant::now();
    while !seen() {
        if start.elapsed() > HANG {
            pause.resume();
            panic!("{what} not seen after {HANG:?}");
        }
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_receive_whose_sender_stopped_before_writing_waits_then_gets_the_value() {
    for ch in [Chan::unbounded(), Chan::new(1 << 20)] {
        let tx = ch.clone();
        let (pause, sender) = Pause::spawn_at(Point::SendClaimed, move || tx.send(7u64).unwrap());
        let rx = ch.clone();
        let (counts, receiver) = counted(move || rx.recv());
        until(&pause, "the receive's wait for the write", || {
            counts.write_waits() == 1
        });
        pause.resume();
        sender.join().unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(7));
        assert_eq!(counts.write_waits(), 1, "one receive waited for one write");
        assert!(ch.is_empty());
    }
}

#[test]
fn a_send_behind_a_sender_stopped_before_linking_the_next_block_goes_on_after_it() {
    let ch = Chan::unbounded();
    for v in 0..BLOCK_CAP - 1 {
        ch.send(v).unwrap();
    }
    // This send claims the block's last slot and stops before it links
    // the next block: the tail stands between the two blocks.
    let tx = ch.clone();
    let (pause, linker) =
        Pause::spawn_at(Point::SendClaimed, move || tx.send(BLOCK_CAP - 1).unwrap());
    let tx = ch.clone();
    let sender = thread::spawn(move || tx.send(BLOCK_CAP).unwrap());
    // Give it time to reach the wait (not asserted: either way it must
    // send after the linker, in order).
    thread::sleep(Duration::from_millis(20));
    assert_eq!(ch.len() as u64, BLOCK_CAP, "the send waits for the link");
    pause.resume();
    linker.join().unwrap();
    sender.join().unwrap();
    let got: Vec<u64> = (0..=BLOCK_CAP).map(|_| ch.recv().unwrap()).collect();
    assert_eq!(got, (0..=BLOCK_CAP).collect::<Vec<_>>());
}

/// Four senders and four receivers on `ch`; each sender stops part-way
/// through `stops` of its sends (after the claim, until a helper thread has
/// seen it stopped and let the others run on a little), so receivers meet
/// unwritten slots and senders unlinked blocks. Every value must arrive
/// once.
fn sums_with_stopped_senders(ch: Chan<u64>, per_sender: u64, stops: u64) {
    const SENDERS: u64 = 4;
    const RECEIVERS: usize = 4;
    let receivers: Vec<_> = (0..RECEIVERS)
        .map(|_| {
            let ch = ch.clone();
            thread::spawn(move || {
                let (mut sum, mut n) = (0u64, 0u64);
                for v in ch.iter() {
                    sum += v;
                    n += 1;
                }
                (sum, n)
            })
        })
        .collect();
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let ch = ch.clone();
            thread::spawn(move || {
                let every = per_sender / stops;
                for i in 0..per_sender {
                    let value = s * per_sender + i + 1;
                    if i % every != every / 2 {
                        ch.send(value).unwrap();
                        continue;
                    }
                    // Resumed by its own helper: a sender stopped before
                    // linking a block holds up the other senders, which
                    // may be about to stop too.
                    let pause = Pause::arm(Point::SendClaimed);
                    let resumer = {
                        let pause = pause.clone();
                        thread::spawn(move || {
                            pause.wait_reached();
                            thread::sleep(Duration::from_micros(200));
                            pause.resume();
                        })
                    };
                    ch.send(value).unwrap();
                    resumer.join().unwrap();
                }
            })
        })
        .collect();
    for s in senders {
        s.join().unwrap();
    }
    ch.close();
    let (mut sum, mut n) = (0, 0);
    for r in receivers {
        let (s, c) = r.join().unwrap();
        sum += s;
        n += c;
    }
    let total = SENDERS * per_sender;
    assert_eq!(n, total, "values lost or duplicated");
    assert_eq!(sum, total * (total + 1) / 2, "values lost or duplicated");
}

#[test]
fn every_value_arrives_once_with_senders_stopped_mid_send_unbounded() {
    sums_with_stopped_senders(Chan::unbounded(), 20_000, 20);
}

#[test]
fn every_value_arrives_once_with_senders_stopped_mid_send_bounded_list() {
    sums_with_stopped_senders(Chan::new(1 << 17), 20_000, 20);
}
