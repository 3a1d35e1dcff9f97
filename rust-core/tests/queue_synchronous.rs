//! jsr166/src/test/tck/SynchronousQueueTest.java, for the unfair
//! (`SynchronousQueue::new`, the channel's rendezvous) and the fair queue.
//! Each test names the TCK test it follows; interrupts are timeouts or
//! cancelled futures. Left out: nulls, serialization, `toString`,
//! iterators (there is nothing to iterate).

mod queue_support;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::queue::{
    RecvTimeoutError, SendTimeoutError, SynchronousQueue, TryRecvError, TrySendError,
};
use queue_support::{block_on, poll_once, LONG, SHORT};

/// `testEmptyFull`, `testPeek`, `testElement`, `testRemove`,
/// `testContains`, `testClear`, `testToArray`: it holds nothing.
fn holds_nothing(q: SynchronousQueue<i32>) {
    assert!(q.is_empty());
    assert_eq!(q.len(), 0);
    assert_eq!(q.remaining_capacity(), Some(0));
    assert_eq!(q.offer(0), Err(0));
    assert_eq!(q.peek(), None);
    assert_eq!(q.element(), Err(TryRecvError::Empty));
    assert_eq!(q.remove(), Err(TryRecvError::Empty));
    assert!(!q.contains(&0));
    assert!(!q.remove_item(&0));
    q.clear();
    assert!(q.to_vec().is_empty());
    let mut sink = Vec::new();
    assert_eq!(q.drain_to(&mut sink, usize::MAX), 0);
}

/// `testOffer`, `testAdd`: without a waiting consumer an insert fails.
fn insert_needs_consumer(q: SynchronousQueue<i32>) {
    assert_eq!(q.offer(1), Err(1));
    assert_eq!(q.add(1), Err(TrySendError::Full(1)));
}

/// `testBlockingPut`, `testTimedOffer`: a put with nobody taking waits
/// until its deadline (Java: until interrupted), and gives its element back.
fn put_without_taker(q: SynchronousQueue<i32>) {
    assert_eq!(q.offer_timeout(2, SHORT), Err(SendTimeoutError::Timeout(2)));
    let mut cancelled = q.put_async(3);
    assert!(poll_once(&mut cancelled).is_pending());
    assert_eq!(cancelled.cancel(), Err(3));
    assert_eq!(q.poll(), None);
}

/// `testPutWithTake`: a put completes when a take receives its element.
fn put_with_take(q: SynchronousQueue<i32>) {
    let q = Arc::new(q);
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            for i in 0..3 {
                q.put(i).unwrap();
            }
        })
    };
    for i in 0..3 {
        assert_eq!(q.take(), Ok(i));
    }
    producer.join().unwrap();
}

/// `testTake`, `testTimedPoll`, `testPoll`, `testTimedPoll0`: a take waits
/// for a put; polls without one fail.
fn take_waits_for_put(q: SynchronousQueue<i32>) {
    assert_eq!(q.poll(), None);
    assert_eq!(
        q.poll_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(q.poll_timeout(SHORT), Err(RecvTimeoutError::Timeout));
    let q = Arc::new(q);
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.take())
    };
    q.put(5).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(5));
}

/// `testOfferInExecutor`, `testPollInExecutor`: a timed offer meets a
/// later take, a timed poll a later put.
fn timed_meets_later(q: SynchronousQueue<i32>) {
    let q = Arc::new(q);
    let offerer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.offer_timeout(6, LONG))
    };
    thread::sleep(SHORT);
    assert_eq!(q.poll_timeout(LONG), Ok(6));
    assert_eq!(offerer.join().unwrap(), Ok(()));
    let poller = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.poll_timeout(LONG))
    };
    thread::sleep(SHORT);
    assert_eq!(q.offer_timeout(7, LONG), Ok(()));
    assert_eq!(poller.join().unwrap(), Ok(7));
}

/// `testDrainToWithActivePut`, `testDrainToN`: drain_to takes from a
/// waiting producer.
fn drain_from_waiting_put(q: SynchronousQueue<i32>) {
    let q = Arc::new(q);
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.put(8))
    };
    let mut sink = Vec::new();
    while sink.is_empty() {
        q.drain_to(&mut sink, 1);
        thread::yield_now();
    }
    assert_eq!(sink, [8]);
    assert_eq!(producer.join().unwrap(), Ok(()));
}

/// Async hand-offs both ways; a put future a taker claimed is delivered
/// even when cancelled after.
fn async_handoff(q: SynchronousQueue<i32>) {
    let q = Arc::new(q);
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.take())
    };
    block_on(q.put_async(9)).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(9));

    let mut put = q.put_async(10);
    assert!(poll_once(&mut put).is_pending());
    assert_eq!(q.poll_timeout(LONG), Ok(10)); // claims the pending put's element
    assert_eq!(put.cancel(), Ok(()));

    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.put(11))
    };
    assert_eq!(block_on(q.take_async()), Ok(11));
    producer.join().unwrap().unwrap();
}

macro_rules! synchronous {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::*;
            #[test]
            fn holds_nothing() {
                super::holds_nothing($make);
            }
            #[test]
            fn insert_needs_consumer() {
                super::insert_needs_consumer($make);
            }
            #[test]
            fn put_without_taker() {
                super::put_without_taker($make);
            }
            #[test]
            fn put_with_take() {
                super::put_with_take($make);
            }
            #[test]
            fn take_waits_for_put() {
                super::take_waits_for_put($make);
            }
            #[test]
            fn timed_meets_later() {
                super::timed_meets_later($make);
            }
            #[test]
            fn drain_from_waiting_put() {
                super::drain_from_waiting_put($make);
            }
            #[test]
            fn async_handoff() {
                super::async_handoff($make);
            }
        }
    };
}

synchronous!(unfair, SynchronousQueue::new());
synchronous!(fair, SynchronousQueue::fair());
