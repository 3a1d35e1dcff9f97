//! `LinkedTransferQueue::transfer_async`: the async form of `transfer`
//! (no Java peer; the TCK's `testTransfer*` scenarios of
//! jsr166/src/test/tck/LinkedTransferQueueTest.java seen from a future),
//! and its cancellation rule, which is the channel's `SendFuture`'s: an
//! element nobody received comes back, a received one is delivered. A
//! take future handed the element receives it only when it completes.

mod queue_support;

use std::sync::Arc;
use std::task::Poll;
use std::thread;

use polyconc::queue::{LinkedTransferQueue, RecvError, SendError};
use queue_support::{block_on, eventually, poll_once, LONG};

/// It completes only once a consumer has taken the element, from a poll
/// or from a thread parked in `block_on`.
#[test]
fn completes_only_after_a_take() {
    let q = LinkedTransferQueue::new();
    let mut t = q.transfer_async(1);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.len(), 1);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.take(), Ok(1));
    assert_eq!(poll_once(&mut t), Poll::Ready(Ok(())));

    let q = Arc::new(q);
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || block_on(q.transfer_async(2)))
    };
    eventually("the transfer is queued", || q.len() == 1);
    assert!(!producer.is_finished());
    assert_eq!(q.poll_timeout(LONG), Ok(2));
    assert_eq!(producer.join().unwrap(), Ok(()));
    assert!(q.is_empty());
}

/// `testTransfer2` seen from a future: a consumer already waiting is
/// handed the element at the first poll, which is then ready.
#[test]
fn hands_over_to_a_waiting_consumer() {
    let q = Arc::new(LinkedTransferQueue::new());
    let consumer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.take())
    };
    eventually("the consumer waits", || q.has_waiting_consumer());
    let mut t = q.transfer_async(3);
    assert_eq!(poll_once(&mut t), Poll::Ready(Ok(())));
    assert_eq!(consumer.join().unwrap(), Ok(3));

    // A take future handed the element has not received it until it
    // completes with it.
    let mut take = q.take_async();
    assert!(poll_once(&mut take).is_pending());
    let mut t = q.transfer_async(4);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(poll_once(&mut take), Poll::Ready(Ok(4)));
    assert_eq!(poll_once(&mut t), Poll::Ready(Ok(())));
    assert!(q.is_empty());
}

/// A take future handed a transfer's element and dropped before it
/// completes received nothing (Java's contract: `transfer` returns once a
/// consumer received the element): the transfer is still pending, the
/// element is back at the head, and the next take completes the transfer.
#[test]
fn dropped_take_future_is_no_receipt() {
    let q = LinkedTransferQueue::new();
    let mut take = q.take_async();
    assert!(poll_once(&mut take).is_pending());
    let mut t = q.transfer_async(1);
    assert!(
        poll_once(&mut t).is_pending(),
        "handed to a take future only"
    );
    assert!(q.is_empty() && !q.has_waiting_consumer());
    drop(take);
    assert_eq!(q.to_vec(), [1]);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.take(), Ok(1));
    assert_eq!(poll_once(&mut t), Poll::Ready(Ok(())));

    // The same with a thread blocked in `transfer`.
    let q = Arc::new(q);
    let mut take = q.take_async();
    assert!(poll_once(&mut take).is_pending());
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.transfer(2))
    };
    eventually("the take future is handed the element", || {
        !q.has_waiting_consumer()
    });
    drop(take);
    assert_eq!(q.to_vec(), [2]);
    assert!(!producer.is_finished());
    assert_eq!(q.take(), Ok(2));
    assert_eq!(producer.join().unwrap(), Ok(()));
}

/// A transfer whose element a take future holds but has not returned
/// gives up (a cancel, or `close`): the element comes back to it, and the
/// take future goes on waiting, first in line (or ends, closed).
#[test]
fn giving_up_takes_the_element_back_from_a_take_future() {
    let q = LinkedTransferQueue::new();
    let mut take = q.take_async();
    assert!(poll_once(&mut take).is_pending());
    let mut t = q.transfer_async(1);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(t.cancel(), Err(1));
    assert!(poll_once(&mut take).is_pending());
    let mut later = q.take_async();
    assert!(poll_once(&mut later).is_pending());
    q.put(2).unwrap();
    assert_eq!(
        poll_once(&mut take),
        Poll::Ready(Ok(2)),
        "still first in line"
    );
    assert!(poll_once(&mut later).is_pending());
    drop(later);

    let mut take = q.take_async();
    assert!(poll_once(&mut take).is_pending());
    let mut t = q.transfer_async(3);
    assert!(poll_once(&mut t).is_pending());
    q.close();
    assert_eq!(poll_once(&mut t), Poll::Ready(Err(SendError(3))));
    assert_eq!(poll_once(&mut take), Poll::Ready(Err(RecvError)));
}

/// `try_transfer` never waits, so a take future first in line, which might
/// be dropped without receiving, is no consumer for it.
#[test]
fn try_transfer_does_not_count_a_take_future() {
    let q = LinkedTransferQueue::new();
    let mut take = q.take_async();
    assert!(poll_once(&mut take).is_pending());
    assert_eq!(q.try_transfer(1), Err(1));
    assert!(q.is_empty());
    assert!(poll_once(&mut take).is_pending());
}

/// `testTransfer5` seen from a future: it waits behind the elements
/// already queued and completes when its own is taken.
#[test]
fn waits_behind_earlier_elements() {
    let q = LinkedTransferQueue::new();
    q.put(4).unwrap();
    let mut t = q.transfer_async(5);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.poll(), Some(4));
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.poll(), Some(5));
    assert_eq!(poll_once(&mut t), Poll::Ready(Ok(())));
}

/// Cancelled (or dropped) before any consumer took it, the element comes
/// back and the queue is empty, whether or not it was polled.
#[test]
fn cancel_before_a_take_gives_the_element_back() {
    let q = LinkedTransferQueue::new();
    assert_eq!(q.transfer_async(1).cancel(), Err(1));
    assert!(q.is_empty());

    let mut t = q.transfer_async(2);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.len(), 1);
    assert_eq!(t.cancel(), Err(2));
    assert!(q.is_empty());
    assert_eq!(q.poll(), None);

    q.put(3).unwrap();
    let mut dropped = q.transfer_async(4);
    assert!(poll_once(&mut dropped).is_pending());
    drop(dropped);
    assert_eq!(q.to_vec(), [3]);
}

/// Cancelled (or dropped) after a consumer took the element, it says the
/// element was delivered; the consumer has it.
#[test]
fn cancel_after_the_take_reports_delivery() {
    let q = LinkedTransferQueue::new();
    let mut t = q.transfer_async(1);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.take(), Ok(1));
    assert_eq!(t.cancel(), Ok(()));

    let mut t = q.transfer_async(2);
    assert!(poll_once(&mut t).is_pending());
    assert!(q.remove_item(&2)); // counts as received, as in Java
    assert_eq!(t.cancel(), Ok(()));

    let mut t = q.transfer_async(3);
    assert!(poll_once(&mut t).is_pending());
    assert_eq!(q.take(), Ok(3));
    drop(t);
    assert!(q.is_empty());
}

/// `testTransfer3` seen from a future: closing the queue wakes a pending
/// transfer with its element, which leaves the queue; a closed queue
/// refuses a new one at once.
#[test]
fn close_wakes_it_with_the_element() {
    let q = Arc::new(LinkedTransferQueue::new());
    q.put(0).unwrap();
    let producer = {
        let q = Arc::clone(&q);
        thread::spawn(move || block_on(q.transfer_async(7)))
    };
    eventually("the transfer is queued", || q.len() == 2);
    q.close();
    assert_eq!(producer.join().unwrap(), Err(SendError(7)));
    assert_eq!(q.take(), Ok(0));
    assert!(q.take().is_err());

    let q = LinkedTransferQueue::new();
    let mut t = q.transfer_async(8);
    assert!(poll_once(&mut t).is_pending());
    q.close();
    assert_eq!(t.cancel(), Err(8)); // given back by close, not yet polled out
    let mut late = q.transfer_async(9);
    assert_eq!(poll_once(&mut late), Poll::Ready(Err(SendError(9))));
}

/// Producers transferring from futures, cancelling every third one after
/// its first poll, against consumers taking: every element is received
/// once or given back once, never both, never lost.
#[test]
fn stress_transfers_and_cancels_lose_nothing() {
    const PRODUCERS: usize = 4;
    const PER_PRODUCER: usize = 500;
    let q = Arc::new(LinkedTransferQueue::new());
    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let q = Arc::clone(&q);
            thread::spawn(move || {
                let mut back = Vec::new();
                for i in 0..PER_PRODUCER {
                    let v = p * PER_PRODUCER + i;
                    let mut t = q.transfer_async(v);
                    if i % 3 == 0 {
                        let _ = poll_once(&mut t);
                        if let Err(v) = t.cancel() {
                            back.push(v);
                        }
                    } else {
                        block_on(t).unwrap();
                    }
                }
                back
            })
        })
        .collect();
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || q.iter().collect::<Vec<_>>())
        })
        .collect();
    let mut seen: Vec<usize> = producers
        .into_iter()
        .flat_map(|p| p.join().unwrap())
        .collect();
    q.close();
    seen.extend(consumers.into_iter().flat_map(|c| c.join().unwrap()));
    seen.sort_unstable();
    assert_eq!(seen, (0..PRODUCERS * PER_PRODUCER).collect::<Vec<_>>());
}
