//! jsr166/src/test/tck/LinkedTransferQueueTest.java: `transfer`,
//! `try_transfer` with and without a timeout, and the waiting-consumer
//! counts. Each test names the TCK test it follows; interrupts are
//! timeouts. Left out: nulls, serialization, iterators, `addAll`.

mod queue_support;

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::queue::{LinkedTransferQueue, SendError, SendTimeoutError};
use queue_support::{block_on, eventually, poll_once, LONG, SHORT};

fn waiting_consumer(
    q: &Arc<LinkedTransferQueue<usize>>,
    timed: bool,
) -> thread::JoinHandle<Option<usize>> {
    let before = q.waiting_consumer_count();
    let c = {
        let q = Arc::clone(q);
        thread::spawn(move || {
            if timed {
                q.poll_timeout(LONG).ok()
            } else {
                q.take().ok()
            }
        })
    };
    eventually("the consumer waits", || {
        q.waiting_consumer_count() == before + 1
    });
    c
}

/// `testTryTransfer2`: without a waiting consumer it fails and enqueues
/// nothing.
#[test]
fn try_transfer_without_consumer() {
    let q = LinkedTransferQueue::new();
    assert_eq!(q.try_transfer(1), Err(1));
    assert!(!q.has_waiting_consumer());
    assert!(q.is_empty());
}

/// `testTryTransfer3`, `testTryTransfer4`, `testWaitingConsumer`: it hands
/// over to a consumer waiting in `take` or a timed poll.
#[test]
fn try_transfer_to_waiting_consumer() {
    let q = Arc::new(LinkedTransferQueue::new());
    for timed in [false, true] {
        let c = waiting_consumer(&q, timed);
        assert!(q.has_waiting_consumer());
        assert_eq!(q.waiting_consumer_count(), 1);
        assert_eq!(q.try_transfer(5), Ok(()));
        assert_eq!(c.join().unwrap(), Some(5));
        assert!(!q.has_waiting_consumer());
        assert_eq!(q.waiting_consumer_count(), 0);
        assert!(q.is_empty());
    }
}

/// `testTryTransfer5`, `testTryTransfer7`, `testTryTransfer8`: a timed
/// try_transfer that nobody takes fails and leaves nothing behind; the
/// elements before it stay.
#[test]
fn timed_try_transfer_leaves_nothing_behind() {
    let q = LinkedTransferQueue::new();
    assert_eq!(
        q.try_transfer_timeout(1, SHORT),
        Err(SendTimeoutError::Timeout(1))
    );
    assert!(q.is_empty());
    q.offer(4).unwrap();
    assert_eq!(
        q.try_transfer_timeout(5, SHORT),
        Err(SendTimeoutError::Timeout(5))
    );
    assert_eq!(
        q.try_transfer_timeout(6, Duration::ZERO),
        Err(SendTimeoutError::Timeout(6))
    );
    assert_eq!(q.to_vec(), [4]);
}

/// `testTryTransfer6`, `testTransfer5`: a transfer waits behind the
/// elements already queued, and completes when its own is taken.
#[test]
fn transfer_waits_behind_earlier_elements() {
    let q = Arc::new(LinkedTransferQueue::new());
    q.offer(4).unwrap();
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.try_transfer_timeout(5, LONG))
    };
    eventually("the transfer is queued", || q.len() == 2);
    assert_eq!(q.poll(), Some(4));
    assert_eq!(q.poll_timeout(LONG), Ok(5));
    assert_eq!(producer.join().unwrap(), Ok(()));
}

/// `testTransfer2`, `testTransfer4`, `testTransfer6`: `transfer` returns
/// once a consumer received the element, whether the consumer came before
/// or after.
#[test]
fn transfer_completes_when_received() {
    let q = Arc::new(LinkedTransferQueue::new());
    let c = waiting_consumer(&q, false);
    q.transfer(1).unwrap();
    assert_eq!(c.join().unwrap(), Some(1));

    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.transfer(2))
    };
    eventually("the transfer is queued", || q.len() == 1);
    assert_eq!(q.take(), Ok(2));
    assert_eq!(producer.join().unwrap(), Ok(()));
}

/// `testTransfer3` (interrupted transfer): closing the queue wakes a
/// pending transfer with its element, which leaves the queue.
#[test]
fn close_gives_pending_transfer_back() {
    let q = Arc::new(LinkedTransferQueue::new());
    q.put(0).unwrap();
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.transfer(7))
    };
    eventually("the transfer is queued", || q.len() == 2);
    q.close();
    assert_eq!(producer.join().unwrap(), Err(SendError(7)));
    assert_eq!(q.take(), Ok(0)); // plain elements are still drained
    assert!(q.take().is_err());
}

/// Java's `remove(Object)` of a pending transfer's element counts as
/// received.
#[test]
fn removing_transfer_element_completes_it() {
    let q = Arc::new(LinkedTransferQueue::new());
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.transfer(3))
    };
    eventually("the transfer is queued", || q.len() == 1);
    assert!(q.remove_item(&3));
    assert_eq!(producer.join().unwrap(), Ok(()));
}

/// `put` never waits; a pending async take counts as a waiting consumer
/// and receives a timed try_transfer once it completes (not an untimed
/// one, which cannot wait for that); a cancelled one takes nothing.
#[test]
fn async_consumers() {
    let q = Arc::new(LinkedTransferQueue::new());
    let mut take = q.take_async();
    assert!(poll_once(&mut take).is_pending());
    assert_eq!(q.waiting_consumer_count(), 1);
    assert_eq!(q.try_transfer(8), Err(8));
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.try_transfer_timeout(8, LONG))
    };
    eventually("the take future is handed the element", || {
        q.waiting_consumer_count() == 0
    });
    assert_eq!(block_on(take), Ok(8));
    assert_eq!(producer.join().unwrap(), Ok(()));

    let mut cancelled = q.take_async();
    assert!(poll_once(&mut cancelled).is_pending());
    drop(cancelled);
    assert_eq!(q.waiting_consumer_count(), 0);
    assert_eq!(q.try_transfer(9), Err(9));
    block_on(q.put_async(10)).unwrap();
    assert_eq!(q.poll(), Some(10));
}
