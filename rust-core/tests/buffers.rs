//! The two lock-free buffers behind buffered channels, at their edges: a
//! capacity above 65,536 (a bounded list, not a ring), and unbounded
//! channels whose values cross many blocks and are dropped with them; a
//! full ring, whose blocked sender still goes through one freed slot and
//! stops spinning when nobody drains the ring; and
//! their pause, which the channel-backed queues' rare operations
//! (`peek`, `contains`, `remove_item`, `to_vec`) use, on a ring and on a
//! list: removals in place keep the order and free room at once, and
//! under puts and takes nothing is lost or seen twice.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use polyconc::queue::{ArrayBlockingQueue, BlockingQueue, LinkedBlockingQueue};

/// Just above the largest ring.
const BIG: usize = (1 << 16) + 1;

#[test]
fn big_capacity_fills_blocks_and_drains_in_order() {
    let ch = Chan::new(BIG);
    assert_eq!(ch.capacity(), Some(BIG));
    for i in 0..BIG {
        assert_eq!(ch.try_send(i), Ok(()));
    }
    assert_eq!(ch.len(), BIG);
    assert_eq!(ch.try_send(BIG), Err(TrySendError::Full(BIG)));
    assert_eq!(
        ch.send_timeout(BIG, Duration::from_millis(5)),
        Err(SendTimeoutError::Timeout(BIG))
    );

    // A blocked sender is woken by the receive that makes room.
    let tx = ch.clone();
    let sender = thread::spawn(move || tx.send(BIG));
    thread::sleep(Duration::from_millis(20));
    assert_eq!(ch.recv(), Ok(0));
    assert_eq!(sender.join().unwrap(), Ok(()));
    assert_eq!(ch.len(), BIG);

    ch.close();
    assert_eq!(ch.try_send(0), Err(TrySendError::Closed(0)));
    let rest: Vec<usize> = ch.iter().collect();
    assert_eq!(rest, (1..=BIG).collect::<Vec<_>>());
    assert_eq!(ch.try_recv(), Err(TryRecvError::Closed));
}

/// A sender refused by a full ring waits a moment for a run of free slots
/// (so that it and the receivers work apart), but one freed slot is enough
/// to send: with the ring full at every turn of its positions (the run's
/// end before and past the wrap), a receiver that takes one value and then
/// stops still lets the blocked send through, and nothing is lost.
#[test]
fn a_full_ring_lets_a_blocked_send_through_one_freed_slot() {
    const CAP: usize = 1024;
    let ch = Chan::new(CAP);
    let mut next = 0;
    let mut expected = std::collections::VecDeque::new();
    for turn in [0, 1, CAP - 70, CAP - 64, CAP - 1] {
        // Move the positions on by `turn`, then fill the ring.
        for _ in 0..turn {
            ch.send(usize::MAX).unwrap();
            assert_eq!(ch.recv(), Ok(usize::MAX));
        }
        while expected.len() < CAP {
            ch.send(next).unwrap();
            expected.push_back(next);
            next += 1;
        }
        let tx = ch.clone();
        let sender =
            thread::spawn(move || tx.send_timeout(usize::MAX - 1, Duration::from_secs(30)));
        thread::sleep(Duration::from_millis(2));
        assert_eq!(ch.recv(), Ok(expected.pop_front().unwrap()));
        assert_eq!(sender.join().unwrap(), Ok(()));
        expected.push_back(usize::MAX - 1);
        assert_eq!(ch.len(), CAP);
        while let Some(v) = expected.pop_front() {
            assert_eq!(ch.recv(), Ok(v));
        }
    }
}

/// A sender refused by a full ring waits once for a run of free slots;
/// when none comes (nobody drains the ring), its next pauses yield and it
/// then sleeps, instead of waiting again at each step that would only
/// spin: one retry for that wait and three that yield (on one CPU it never
/// waits for room and retries through its ten steps as before). A sender
/// sharing its CPU with the receivers otherwise spun up to 90 µs before
/// each yield.
#[cfg(feature = "test-hooks")]
#[test]
fn a_sender_on_a_full_ring_nobody_drains_stops_spinning_after_one_wait() {
    use polyconc::test_hooks;
    let ch = Chan::new(1024);
    for i in 0..1024 {
        ch.send(i).unwrap();
    }
    let tx = ch.clone();
    let retries = thread::spawn(move || {
        let before = test_hooks::counts().retries();
        let sent = tx.send_timeout(usize::MAX, Duration::from_millis(300));
        assert_eq!(sent, Err(SendTimeoutError::Timeout(usize::MAX)));
        test_hooks::counts().retries() - before
    })
    .join()
    .unwrap();
    let one_cpu = thread::available_parallelism().is_ok_and(|n| n.get() == 1);
    assert_eq!(retries, if one_cpu { 10 } else { 4 });
    assert_eq!(ch.len(), 1024);
    assert_eq!(ch.recv(), Ok(0));
}

#[test]
fn unbounded_len_counts_across_blocks() {
    let ch = Chan::unbounded();
    for i in 0..1000 {
        ch.send(i).unwrap();
        assert_eq!(ch.len(), i + 1);
    }
    for i in 0..1000 {
        assert_eq!(ch.recv(), Ok(i));
        assert_eq!(ch.len(), 999 - i);
    }
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn unbounded_drops_what_it_holds_exactly_once() {
    let values: Vec<Arc<()>> = (0..1000).map(|_| Arc::new(())).collect();
    let ch = Chan::unbounded();
    for v in &values {
        ch.send(Arc::clone(v)).unwrap();
    }
    // Taken values are the receiver's; the rest go with the channel, which
    // has some blocks half read.
    let taken: Vec<Arc<()>> = (0..345).map(|_| ch.recv().unwrap()).collect();
    assert!(values.iter().all(|v| Arc::strong_count(v) == 2));
    drop(ch);
    let (held, freed) = values.split_at(taken.len());
    assert!(held.iter().all(|v| Arc::strong_count(v) == 2));
    assert!(freed.iter().all(|v| Arc::strong_count(v) == 1));
    drop(taken);
    assert!(values.iter().all(|v| Arc::strong_count(v) == 1));
}

#[test]
fn unbounded_many_producers_and_consumers_close_midway() {
    // Producers race each other across block links and a close (by one of
    // them, half-way through); every value a send accepted is received once,
    // every refused one is given back.
    const PRODUCERS: usize = 4;
    const EACH: usize = 50_000;
    let ch = Chan::unbounded();
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let tx = ch.clone();
            thread::spawn(move || {
                let mut sent = Vec::new();
                for i in 0..EACH {
                    if p == 0 && i == EACH / 2 {
                        tx.close();
                    }
                    let v = p * EACH + i;
                    match tx.send(v) {
                        Ok(()) => sent.push(v),
                        Err(e) => assert_eq!(e.0, v),
                    }
                }
                sent
            })
        })
        .collect();
    let consumers: Vec<_> = (0..3)
        .map(|_| {
            let rx = ch.clone();
            thread::spawn(move || rx.iter().collect::<Vec<usize>>())
        })
        .collect();
    let mut sent: Vec<usize> = producers
        .into_iter()
        .flat_map(|p| p.join().unwrap())
        .collect();
    let mut got: Vec<usize> = consumers
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    sent.sort_unstable();
    got.sort_unstable();
    assert_eq!(got, sent);
}

#[test]
fn unbounded_receivers_sleep_and_wake_with_deadlines() {
    // An unbounded channel's receivers sleep as soon as they find it empty
    // (they do not spin first). A timed receive that expires consumes
    // nothing; sleeping receivers are each woken by a send, with or without
    // a deadline; and a close wakes the rest.
    let ch: Chan<u32> = Chan::unbounded();
    assert_eq!(
        ch.recv_timeout(Duration::from_millis(5)),
        Err(RecvTimeoutError::Timeout)
    );
    ch.send(1).unwrap();
    assert_eq!(ch.try_recv(), Ok(1));
    assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));

    let receivers: Vec<_> = (0..4)
        .map(|r| {
            let rx = ch.clone();
            thread::spawn(move || {
                let mut got = Vec::new();
                loop {
                    // Half wait with a deadline (retrying on expiry), half without.
                    let value = if r % 2 == 0 {
                        match rx.recv_timeout(Duration::from_millis(1)) {
                            Err(RecvTimeoutError::Timeout) => continue,
                            other => other.ok(),
                        }
                    } else {
                        rx.recv().ok()
                    };
                    match value {
                        Some(v) => got.push(v),
                        None => return got,
                    }
                }
            })
        })
        .collect();
    for v in 0..2_000 {
        if v % 100 == 0 {
            // Let the receivers drain the channel and fall asleep.
            thread::sleep(Duration::from_millis(2));
        }
        ch.send(v).unwrap();
    }
    ch.close();
    let mut got: Vec<u32> = receivers
        .into_iter()
        .flat_map(|r| r.join().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, (0..2_000).collect::<Vec<_>>());
}

/// The channel-backed queues over each buffer: a ring, a bounded list (above
/// 65,536) and an unbounded list.
fn paused_queues() -> Vec<(&'static str, Arc<dyn BlockingQueue<usize>>)> {
    vec![
        ("ring", Arc::new(ArrayBlockingQueue::new(200))),
        ("bounded list", Arc::new(LinkedBlockingQueue::new(BIG))),
        ("unbounded list", Arc::new(LinkedBlockingQueue::unbounded())),
    ]
}

#[test]
fn pause_removes_in_place_keeping_the_order() {
    // Every index of 100 values (three list blocks and more), with the head
    // part-way into its block or ring lap, so removals cross block ends.
    for (name, q) in paused_queues() {
        for taken in [0, 17, 31, 40] {
            for k in taken..taken + 100 {
                for v in 0..taken + 100 {
                    q.put(v).unwrap();
                }
                for v in 0..taken {
                    assert_eq!(q.take(), Ok(v), "{name}");
                }
                assert!(q.remove_item(&k), "{name}: {k}");
                assert!(!q.contains(&k), "{name}: {k}");
                let rest: Vec<usize> = (taken..taken + 100).filter(|&v| v != k).collect();
                assert_eq!(q.to_vec(), rest, "{name}: removed {k}");
                assert_eq!(q.peek(), rest.first().copied(), "{name}");
                assert_eq!(q.len(), 99, "{name}");
                assert_eq!(q.drain_all(), rest, "{name}");
                assert!(q.is_empty(), "{name}");
            }
        }
        assert!(!q.remove_item(&0), "{name}: empty");
        assert_eq!(q.peek(), None, "{name}");
    }
}

#[test]
fn pause_removal_frees_room_for_a_blocked_put() {
    let q = Arc::new(ArrayBlockingQueue::new(2));
    q.put(1).unwrap();
    q.put(2).unwrap();
    let putter = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.put(3))
    };
    // Whether the put is asleep yet or not, the room is freed at once.
    assert!(q.remove_item(&1));
    putter.join().unwrap().unwrap();
    assert_eq!(q.to_vec(), [2, 3]);
    assert_eq!(q.remaining_capacity(), Some(0));
}

#[test]
fn pause_under_puts_and_takes_loses_nothing() {
    // Two producers put their own increasing values while two consumers
    // take and a third thread pauses again and again (removing some
    // values, looking at the rest). Every value is taken or removed once,
    // and each snapshot keeps each producer's values in order.
    const EACH: usize = 5_000;
    for (name, q) in paused_queues() {
        let producers: Vec<_> = (0..2)
            .map(|p| {
                let q = Arc::clone(&q);
                thread::spawn(move || (0..EACH).for_each(|i| q.put(p * EACH + i).unwrap()))
            })
            .collect();
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.iter().collect::<Vec<_>>())
            })
            .collect();
        let pauser = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut removed = Vec::new();
                let mut target = 0;
                while !q.is_closed() {
                    let snapshot = q.to_vec();
                    for p in 0..2 {
                        let mine = snapshot.iter().filter(|&&v| v / EACH == p);
                        assert!(mine.clone().zip(mine.skip(1)).all(|(a, b)| a < b));
                    }
                    if let Some(&v) = snapshot.get(snapshot.len() / 2) {
                        if q.contains(&v) && q.remove_item(&v) {
                            removed.push(v);
                        }
                    }
                    target = (target + 37) % (2 * EACH);
                    if q.remove_item(&target) {
                        removed.push(target);
                    }
                    let _ = q.peek();
                }
                removed
            })
        };
        for p in producers {
            p.join().unwrap();
        }
        // Let the pauser run against the takes alone for a moment too.
        thread::sleep(Duration::from_millis(2));
        q.close();
        let removed = pauser.join().unwrap();
        let mut all: Vec<usize> = consumers
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .chain(removed)
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..2 * EACH).collect::<Vec<_>>(), "{name}");
    }
}

/// The pause waits for a put that has claimed its slot and not written it
/// yet (stopped there by a test hook), and then sees its value.
#[cfg(feature = "test-hooks")]
#[test]
fn pause_waits_for_a_put_in_flight() {
    use polyconc::test_hooks::{Pause, Point};
    use std::sync::mpsc;

    for (name, q) in paused_queues() {
        q.put(1).unwrap();
        let (tx, rx) = mpsc::channel();
        let putter = {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                tx.send(Pause::arm(Point::SendClaimed)).unwrap();
                q.put(2).unwrap();
            })
        };
        let pause = rx.recv().unwrap();
        pause.wait_reached();
        let looker = {
            let q = Arc::clone(&q);
            thread::spawn(move || (q.contains(&2), q.to_vec()))
        };
        // Most runs, the looker is waiting for the write by now; either
        // way it must see the value.
        thread::sleep(Duration::from_millis(2));
        pause.resume();
        putter.join().unwrap();
        assert_eq!(looker.join().unwrap(), (true, vec![1, 2]), "{name}");
        assert_eq!(q.drain_all(), [1, 2], "{name}");
    }
}
