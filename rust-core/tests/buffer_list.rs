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

use polyconc::chan::{Chan, TrySendError};
use polyconc::test_hooks::{self, Counts, Pause, Point};

/// Slots per block of the list for `u64`s: 128 positions, one of them
/// the gap between blocks (a block's values take up to about 1 KiB).
const BLOCK_CAP: u64 = 127;

/// Slots per block for values of 64 bytes: 32 positions, as few as any
/// block has.
const BIG_BLOCK_CAP: u64 = 31;

/// A value of 64 bytes.
#[derive(Debug, PartialEq)]
struct Big([u64; 8]);

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

/// Fills a block of an unbounded channel of `V`s, `block_cap` slots, but
/// for its last slot, whose send stops before it links the next block;
/// another send waits behind it, and both values arrive after it goes
/// on, in order. A wrong `block_cap` fails: the stopped send is then not
/// the linker, and the one behind it does not wait.
fn a_send_behind_a_stopped_linker_goes_on_after_it<V>(block_cap: u64, value: fn(u64) -> V)
where
    V: PartialEq + std::fmt::Debug + Send + 'static,
{
    let ch = Chan::unbounded();
    for v in 0..block_cap - 1 {
        ch.send(value(v)).unwrap();
    }
    // This send claims the block's last slot and stops before it links
    // the next block: the tail stands between the two blocks.
    let tx = ch.clone();
    let (pause, linker) = Pause::spawn_at(Point::SendClaimed, move || {
        tx.send(value(block_cap - 1)).unwrap()
    });
    let tx = ch.clone();
    let sender = thread::spawn(move || tx.send(value(block_cap)).unwrap());
    // Give it time to reach the wait (not asserted: either way it must
    // send after the linker, in order).
    thread::sleep(Duration::from_millis(20));
    assert_eq!(ch.len() as u64, block_cap, "the send waits for the link");
    pause.resume();
    linker.join().unwrap();
    sender.join().unwrap();
    let got: Vec<V> = (0..=block_cap).map(|_| ch.recv().unwrap()).collect();
    assert_eq!(got, (0..=block_cap).map(value).collect::<Vec<_>>());
}

#[test]
fn a_send_behind_a_sender_stopped_before_linking_the_next_block_goes_on_after_it() {
    a_send_behind_a_stopped_linker_goes_on_after_it(BLOCK_CAP, |v| v);
}

#[test]
fn a_block_of_large_values_holds_31_and_its_linker_holds_up_the_next_send() {
    a_send_behind_a_stopped_linker_goes_on_after_it(BIG_BLOCK_CAP, |v| Big([v; 8]));
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

/// A receive on an empty list whose one sender is slow: it sends a value
/// only once the receiver sleeps, so every value must wake it. The
/// receiver's wait before it sleeps is bounded, and no value is lost or
/// reordered by its waking.
#[test]
fn a_receiver_on_an_empty_list_sleeps_then_gets_every_value_of_a_slow_sender() {
    const VALUES: u64 = 20;
    for ch in [Chan::unbounded(), Chan::new(LIST_CAP)] {
        let rx = ch.clone();
        let (counts, receiver) =
            counted(move || (0..VALUES).map(|_| rx.recv()).collect::<Vec<_>>());
        for v in 0..VALUES {
            let start = Instant::now();
            while counts.parks() <= v {
                assert!(start.elapsed() < HANG, "the receiver never slept");
                thread::sleep(Duration::from_millis(1));
            }
            ch.send(v).unwrap();
        }
        assert_eq!(
            receiver.join().unwrap(),
            (0..VALUES).map(Ok).collect::<Vec<_>>()
        );
    }
}

/// A capacity whose buffer is a bounded list (rings stop at 65,536).
const LIST_CAP: usize = (1 << 16) + 100;

/// A bounded list takes exactly its capacity, and after some receives
/// exactly as many more: its senders read the receivers' head only when
/// their tail reaches the room they last learnt of, once per refill here,
/// and what they learn is never more than the receives left.
#[test]
fn a_bounded_list_takes_its_capacity_and_after_receives_as_many_more() {
    let ch = Chan::new(LIST_CAP);
    let looks = || test_hooks::counts().room_looks();
    let (mut sent, mut received) = (0u64, 0u64);
    for _ in 0..LIST_CAP {
        ch.try_send(sent).unwrap();
        sent += 1;
    }
    assert_eq!(
        looks(),
        0,
        "the room up to the capacity is known from the start"
    );
    assert!(matches!(ch.try_send(sent), Err(TrySendError::Full(_))));
    assert_eq!(looks(), 1);
    for taken in [1, 10, BLOCK_CAP + 1, 1000] {
        for _ in 0..taken {
            assert_eq!(ch.try_recv(), Ok(received));
            received += 1;
        }
        let before = looks();
        for _ in 0..taken {
            ch.try_send(sent).unwrap();
            sent += 1;
        }
        assert_eq!(looks(), before + 1, "one look learns the room of {taken}");
        assert!(
            matches!(ch.try_send(sent), Err(TrySendError::Full(_))),
            "room for {taken} only"
        );
        assert_eq!(ch.len(), LIST_CAP);
    }
    while let Ok(v) = ch.try_recv() {
        assert_eq!(v, received, "in order");
        received += 1;
    }
    assert_eq!(received, sent);
}

/// A bounded list is made with the blocks of its first values (up to
/// 4 MiB of them), each linked to the next in advance. Drained one block into the next,
/// it is empty, not misled by the next block's made successor into taking
/// a slot nobody sent (which waited for ever), and it fills and drains
/// across blocks made up front and blocks made as it fills.
#[test]
fn a_bounded_list_drained_into_a_block_made_up_front_is_empty() {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        let ch = Chan::new(LIST_CAP);
        for v in 0..=BLOCK_CAP {
            ch.send(v).unwrap();
        }
        for v in 0..=BLOCK_CAP {
            assert_eq!(ch.try_recv(), Ok(v));
        }
        let empty = ch.try_recv().is_err() && ch.is_empty();
        let mut sent = BLOCK_CAP + 1;
        for _ in 0..LIST_CAP {
            ch.try_send(sent).unwrap();
            sent += 1;
        }
        let drained = (BLOCK_CAP + 1..sent).all(|v| ch.try_recv() == Ok(v));
        done.send((empty, drained, ch.is_empty())).unwrap();
    });
    let (empty, drained, left_empty) = finished
        .recv_timeout(HANG)
        .expect("a receive took a slot nobody sent, and waits for it");
    assert!(empty, "empty after the first block");
    assert!(drained, "every value, in order");
    assert!(left_empty);
}

/// Four senders keep a bounded list full while two receivers drain it:
/// whatever room each sender last learnt, the list never holds more than
/// its capacity (a watcher samples its length), and every value arrives
/// once.
#[test]
fn a_bounded_list_kept_full_by_four_senders_never_holds_more() {
    const SENDERS: u64 = 4;
    const PER_SENDER: u64 = 50_000;
    let ch = Chan::new(LIST_CAP);
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let ch = ch.clone();
            thread::spawn(move || {
                for i in 0..PER_SENDER {
                    ch.send(s * PER_SENDER + i + 1).unwrap();
                }
            })
        })
        .collect();
    // Full before anyone receives: the senders then wait for room.
    let start = Instant::now();
    while ch.len() < LIST_CAP {
        assert!(start.elapsed() < HANG, "never filled");
        thread::yield_now();
    }
    let receivers: Vec<_> = (0..2)
        .map(|_| {
            let ch = ch.clone();
            thread::spawn(move || ch.iter().fold((0u64, 0u64), |(s, n), v| (s + v, n + 1)))
        })
        .collect();
    let watcher = {
        let ch = ch.clone();
        thread::spawn(move || {
            let mut most = 0;
            while !ch.is_closed() {
                most = most.max(ch.len());
                thread::yield_now();
            }
            most
        })
    };
    for s in senders {
        s.join().unwrap();
    }
    ch.close();
    assert!(
        watcher.join().unwrap() <= LIST_CAP,
        "held more than its capacity"
    );
    let (sum, n) = receivers
        .into_iter()
        .map(|r| r.join().unwrap())
        .fold((0, 0), |(s, n), (s1, n1)| (s + s1, n + n1));
    let total = SENDERS * PER_SENDER;
    assert_eq!(n, total, "values lost or duplicated");
    assert_eq!(sum, total * (total + 1) / 2, "values lost or duplicated");
}
