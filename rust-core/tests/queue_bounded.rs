//! The bounded FIFO queues' own TCK files, which test the same behaviour:
//! jsr166/src/test/tck/ArrayBlockingQueueTest.java (its plain and `Fair`
//! variants) and LinkedBlockingQueueTest.java, run for
//! `ArrayBlockingQueue::new`, `ArrayBlockingQueue::fair` and a bounded
//! `LinkedBlockingQueue`. Each test names the TCK test it follows.
//!
//! Left out: null elements, serialization, `toString`, iterators that
//! remove (Rust's `to_vec` is a snapshot; `iter` consumes, as `Chan::iter`),
//! and `containsAll`/`retainAll`/`removeAll` (no `Collection` here).
//! Interrupts of blocked puts are timeouts or cancelled `put_async`s.

mod queue_support;

use std::sync::Arc;
use std::thread;

use polyconc::queue::{
    ArrayBlockingQueue, BlockingQueue, CapacityError, LinkedBlockingQueue, RecvTimeoutError,
    SendTimeoutError, TryRecvError, TrySendError,
};
use queue_support::{block_on, eventually, poll_once, LONG, SHORT};

const SIZE: usize = 20;

/// The TCK's `populatedQueue(n)`: capacity n, holding 0..n.
fn populated<Q: BlockingQueue<usize>>(q: Q, n: usize) -> Q {
    assert!(q.is_empty());
    for i in 0..n {
        assert_eq!(q.offer(i), Ok(()));
    }
    assert!(!q.is_empty());
    assert_eq!(q.remaining_capacity(), Some(0));
    assert_eq!(q.len(), n);
    q
}

/// `testConstructor1`, `testRemainingCapacity`, `testEmptyFull`.
fn capacity<Q: BlockingQueue<usize>>(make: fn(usize) -> Q) {
    assert_eq!(make(SIZE).remaining_capacity(), Some(SIZE));
    let q = make(2);
    assert!(q.is_empty());
    assert_eq!(q.remaining_capacity(), Some(2));
    q.add(1).unwrap();
    assert!(!q.is_empty());
    q.add(2).unwrap();
    assert_eq!(q.remaining_capacity(), Some(0));
    assert_eq!(q.offer(3), Err(3));
    let q = populated(make(SIZE), SIZE);
    for i in 0..SIZE {
        assert_eq!(q.remaining_capacity(), Some(i));
        assert_eq!(q.len() + i, SIZE);
        assert_eq!(q.remove(), Ok(i));
    }
}

/// `testOffer`, `testAdd`: a full queue refuses, `add` says `Full`.
fn offer_add<Q: BlockingQueue<usize>>(make: fn(usize) -> Q) {
    let q = make(1);
    assert_eq!(q.offer(0), Ok(()));
    assert_eq!(q.offer(1), Err(1));
    let q = populated(make(SIZE), SIZE);
    assert_eq!(q.add(SIZE), Err(TrySendError::Full(SIZE)));
}

/// `testPut`, `testTake`, `testPoll`, `testTimedPoll0`, `testTimedPoll`,
/// `testPeek`, `testElement`, `testRemove`: FIFO order through each
/// removal form.
fn fifo_forms<Q: BlockingQueue<usize>>(make: fn(usize) -> Q) {
    let q = make(SIZE);
    for i in 0..SIZE {
        q.put(i).unwrap();
    }
    assert_eq!(q.remaining_capacity(), Some(0));
    for i in 0..SIZE {
        assert_eq!(q.peek(), Some(i));
        assert_eq!(q.element(), Ok(i));
        let got = match i % 5 {
            0 => q.take().unwrap(),
            1 => q.poll().unwrap(),
            2 => q.poll_timeout(std::time::Duration::ZERO).unwrap(),
            3 => q.poll_timeout(LONG).unwrap(),
            _ => q.remove().unwrap(),
        };
        assert_eq!(got, i);
    }
    assert_eq!(q.peek(), None);
    assert_eq!(q.element(), Err(TryRecvError::Empty));
    assert_eq!(q.remove(), Err(TryRecvError::Empty));
    assert_eq!(q.poll_timeout(SHORT), Err(RecvTimeoutError::Timeout));
}

/// `testBlockingPut`: puts fill the queue, the next one blocks; Java
/// interrupts it, here it times out (the element comes back) or its future
/// is cancelled (likewise), and the queue is unchanged.
fn blocking_put<Q: BlockingQueue<usize> + 'static>(make: fn(usize) -> Q) {
    let q = Arc::new(make(SIZE));
    let filler = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            for i in 0..SIZE {
                q.put(i).unwrap();
            }
            assert_eq!(
                q.offer_timeout(99, SHORT),
                Err(SendTimeoutError::Timeout(99))
            );
            let mut cancelled = q.put_async(98);
            assert!(poll_once(&mut cancelled).is_pending());
            assert_eq!(cancelled.cancel(), Err(98));
        })
    };
    filler.join().unwrap();
    assert_eq!(q.len(), SIZE);
    assert_eq!(q.to_vec(), (0..SIZE).collect::<Vec<_>>());
}

/// `testPutWithTake`: a put blocked on a full queue goes in once a take
/// frees room.
fn put_with_take<Q: BlockingQueue<usize> + 'static>(make: fn(usize) -> Q) {
    let q = Arc::new(make(2));
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            for i in 0..4 {
                q.put(i).unwrap();
            }
        })
    };
    eventually("the producer blocks on a full queue", || q.len() == 2);
    assert_eq!(q.take(), Ok(0));
    assert_eq!(q.take(), Ok(1));
    producer.join().unwrap();
    assert_eq!(q.to_vec(), [2, 3]);
}

/// `testTimedOffer`: a timed offer on a full queue times out.
fn timed_offer<Q: BlockingQueue<usize>>(make: fn(usize) -> Q) {
    let q = populated(make(2), 2);
    assert_eq!(q.offer_timeout(9, SHORT), Err(SendTimeoutError::Timeout(9)));
    assert_eq!(
        q.offer_timeout(9, std::time::Duration::ZERO),
        Err(SendTimeoutError::Timeout(9))
    );
}

/// `testBlockingTake`: takes empty the queue, then the next one blocks
/// until an element arrives.
fn blocking_take<Q: BlockingQueue<usize> + 'static>(make: fn(usize) -> Q) {
    let q = Arc::new(populated(make(SIZE), SIZE));
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            for i in 0..SIZE {
                assert_eq!(q.take(), Ok(i));
            }
            q.take()
        })
    };
    eventually("the taker empties the queue", || q.is_empty());
    q.put(SIZE).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(SIZE));
}

/// `testContains`, `testClear`, `testToArray`, `testIteratorOrdering`.
fn contents<Q: BlockingQueue<usize>>(make: fn(usize) -> Q) {
    let q = populated(make(SIZE), SIZE);
    assert_eq!(q.to_vec(), (0..SIZE).collect::<Vec<_>>());
    for i in 0..SIZE {
        assert!(q.contains(&i));
        q.poll().unwrap();
        assert!(!q.contains(&i));
    }
    let q = populated(make(SIZE), SIZE);
    q.clear();
    assert!(q.is_empty());
    assert_eq!(q.remaining_capacity(), Some(SIZE));
    q.add(1).unwrap();
    assert!(q.contains(&1));
    q.clear();
    assert!(q.is_empty());
    // drain_all: what clear removes, given back in FIFO order, room freed.
    let q = populated(make(SIZE), SIZE);
    assert_eq!(q.drain_all(), (0..SIZE).collect::<Vec<_>>());
    assert!(q.is_empty());
    assert_eq!(q.remaining_capacity(), Some(SIZE));
    // testIteratorOrdering: after wrapping around the buffer.
    let q = make(3);
    for i in 0..3 {
        q.add(i).unwrap();
    }
    q.poll().unwrap();
    q.add(3).unwrap();
    assert_eq!(q.to_vec(), [1, 2, 3]);
}

/// `testRemoveElement` beyond the contract: a removed element frees its
/// room at once, and a blocked put takes it.
fn remove_frees_room<Q: BlockingQueue<usize> + 'static>(make: fn(usize) -> Q) {
    let q = Arc::new(populated(make(3), 3));
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.put(3))
    };
    thread::sleep(SHORT);
    assert!(q.remove_item(&1));
    assert_eq!(producer.join().unwrap(), Ok(()));
    assert_eq!(q.to_vec(), [0, 2, 3]);
}

/// `testOfferInExecutor`, `testPollInExecutor`: a timed offer waits for a
/// poll in another thread, and a timed poll for an offer.
fn offer_poll_in_threads<Q: BlockingQueue<usize> + 'static>(make: fn(usize) -> Q) {
    let q = Arc::new(populated(make(2), 2));
    let offerer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.offer_timeout(7, LONG))
    };
    thread::sleep(SHORT);
    assert_eq!(q.take(), Ok(0));
    assert_eq!(offerer.join().unwrap(), Ok(()));
    q.clear();
    let poller = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.poll_timeout(LONG))
    };
    thread::sleep(SHORT);
    q.put(8).unwrap();
    assert_eq!(poller.join().unwrap(), Ok(8));
}

/// `testDrainTo`, `testDrainToN`, `testDrainToWithActivePut`.
fn drain_to<Q: BlockingQueue<usize> + 'static>(make: fn(usize) -> Q) {
    let q = populated(make(SIZE), SIZE);
    let mut out = Vec::new();
    assert_eq!(q.drain_to(&mut out, usize::MAX), SIZE);
    assert_eq!(out, (0..SIZE).collect::<Vec<_>>());
    assert!(q.is_empty());
    for n in 0..SIZE + 2 {
        let q = populated(make(SIZE), SIZE);
        let mut out = Vec::new();
        assert_eq!(q.drain_to(&mut out, n), n.min(SIZE));
        assert_eq!(out, (0..n.min(SIZE)).collect::<Vec<_>>());
        assert_eq!(q.len(), SIZE - n.min(SIZE));
    }
    // With a put blocked on the full queue.
    let q = Arc::new(populated(make(SIZE), SIZE));
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.put(SIZE + 1))
    };
    thread::sleep(SHORT);
    let mut out = Vec::new();
    let first = q.drain_to(&mut out, usize::MAX);
    assert!(first >= SIZE);
    producer.join().unwrap().unwrap();
    q.drain_to(&mut out, usize::MAX);
    let mut want: Vec<usize> = (0..SIZE).collect();
    want.push(SIZE + 1);
    assert_eq!(out, want);
}

/// `testConstructor2`: capacity 0 is refused.
#[test]
fn zero_capacity_is_refused() {
    assert_eq!(
        ArrayBlockingQueue::<u8>::try_new(0).err(),
        Some(CapacityError::Zero)
    );
    assert_eq!(
        LinkedBlockingQueue::<u8>::try_new(0).err(),
        Some(CapacityError::Zero)
    );
    assert!(std::panic::catch_unwind(|| ArrayBlockingQueue::<u8>::new(0)).is_err());
    assert!(std::panic::catch_unwind(|| ArrayBlockingQueue::<u8>::fair(0)).is_err());
    assert!(std::panic::catch_unwind(|| LinkedBlockingQueue::<u8>::new(0)).is_err());
    // LinkedBlockingQueueTest.testConstructor1: no capacity = unbounded.
    assert_eq!(
        LinkedBlockingQueue::<u8>::unbounded().remaining_capacity(),
        None
    );
    assert_eq!(
        LinkedBlockingQueue::<u8>::new(usize::MAX).remaining_capacity(),
        None
    );
}

/// An async put waiting on a full queue goes in once room frees.
fn async_put_waits_for_room<Q: BlockingQueue<usize> + 'static>(make: fn(usize) -> Q) {
    let q = Arc::new(populated(make(1), 1));
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || block_on(q.put_async(1)))
    };
    thread::sleep(SHORT);
    assert_eq!(q.take(), Ok(0));
    assert_eq!(producer.join().unwrap(), Ok(()));
    assert_eq!(q.take(), Ok(1));
}

macro_rules! bounded {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn capacity() {
                super::capacity($make);
            }
            #[test]
            fn offer_add() {
                super::offer_add($make);
            }
            #[test]
            fn fifo_forms() {
                super::fifo_forms($make);
            }
            #[test]
            fn blocking_put() {
                super::blocking_put($make);
            }
            #[test]
            fn put_with_take() {
                super::put_with_take($make);
            }
            #[test]
            fn timed_offer() {
                super::timed_offer($make);
            }
            #[test]
            fn blocking_take() {
                super::blocking_take($make);
            }
            #[test]
            fn contents() {
                super::contents($make);
            }
            #[test]
            fn remove_frees_room() {
                super::remove_frees_room($make);
            }
            #[test]
            fn offer_poll_in_threads() {
                super::offer_poll_in_threads($make);
            }
            #[test]
            fn drain_to() {
                super::drain_to($make);
            }
            #[test]
            fn async_put_waits_for_room() {
                super::async_put_waits_for_room($make);
            }
        }
    };
}

bounded!(array, ArrayBlockingQueue::new);
bounded!(array_fair, ArrayBlockingQueue::fair);
bounded!(linked, LinkedBlockingQueue::new);
