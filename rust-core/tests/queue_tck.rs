//! The JSR-166 TCK's `BlockingQueueTest` contract
//! (jsr166/src/test/tck/BlockingQueueTest.java, as in OpenJDK's
//! test/jdk/java/util/concurrent/tck/), written once as generic functions
//! and instantiated for every queue type and flavour, plus the contract of
//! polyconc's addition, `close`.
//!
//! Mapping: Java's null checks (`testOfferNull`, `testAddNull`,
//! `testPutNull`, `testAddAllNull*`, `testToArray_NullArray`,
//! `testDrainToNull*`) and `testDrainToSelf*` have no Rust counterpart (no
//! null; `drain_to` borrows its sink mutably, so it cannot be the queue).
//! An interrupt is a cancelled future (its `take_async` is dropped) or a
//! deadline already past. Delays are milliseconds; timeouts that guard
//! against hangs are long, and nothing asserts a duration.

mod queue_support;

use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use polyconc::queue::{
    ArrayBlockingQueue, BlockingQueue, DelayQueue, LinkedBlockingQueue, LinkedTransferQueue,
    PriorityBlockingQueue, RecvError, RecvTimeoutError, SendError, SynchronousQueue, TryRecvError,
};
use queue_support::{block_on, eventually, poll_once, LONG, SHORT};

/// The TCK's SIZE.
const SIZE: usize = 20;

trait Elem: Clone + PartialEq + std::fmt::Debug + Send + Sync + 'static {}
impl<E: Clone + PartialEq + std::fmt::Debug + Send + Sync + 'static> Elem for E {}

/// `testDrainToNonPositiveMaxElements`: `drain_to(c, 0)` moves nothing.
fn drain_to_zero_max<Q: BlockingQueue<E>, E: Elem>(q: Q, elem: fn(usize) -> E) {
    let mut sink = Vec::new();
    assert_eq!(q.drain_to(&mut sink, 0), 0);
    assert!(sink.is_empty());
    if q.remaining_capacity() != Some(0) {
        q.add(elem(1)).unwrap();
        assert_eq!(q.drain_to(&mut sink, 0), 0);
        assert_eq!(q.len(), 1);
        assert_eq!(q.poll(), Some(elem(1)));
        assert!(sink.is_empty());
    }
}

/// `testTimedPollWithOffer`: a timed poll before a delayed offer times out;
/// one after it gets the element; then a cancelled (dropped) take consumes
/// nothing (Java: the interrupted poll).
fn timed_poll_with_offer<Q: BlockingQueue<E> + 'static, E: Elem>(q: Q, elem: fn(usize) -> E) {
    let q = Arc::new(q);
    let barrier = Arc::new(Barrier::new(2));
    let t = {
        let (q, barrier) = (Arc::clone(&q), Arc::clone(&barrier));
        thread::spawn(move || {
            assert_eq!(q.poll_timeout(SHORT), Err(RecvTimeoutError::Timeout));
            barrier.wait();
            assert_eq!(q.poll_timeout(LONG), Ok(elem(0)));
            let mut cancelled = q.take_async();
            assert!(poll_once(&mut cancelled).is_pending());
            drop(cancelled);
            barrier.wait();
            assert_eq!(q.poll_timeout(LONG), Ok(elem(1)));
        })
    };
    barrier.wait();
    q.offer_timeout(elem(0), LONG).unwrap();
    barrier.wait();
    q.offer_timeout(elem(1), LONG).unwrap();
    t.join().unwrap();
    assert!(q.is_empty());
}

/// `testTakeFromEmptyBlocksInterruptibly`: a take waiting on an empty queue
/// is cancelled (its future dropped) and takes nothing: the next element
/// goes to the next taker.
fn take_from_empty_cancelled<Q: BlockingQueue<E> + 'static, E: Elem>(q: Q, elem: fn(usize) -> E) {
    let q = Arc::new(q);
    let mut pending = q.take_async();
    assert!(poll_once(&mut pending).is_pending());
    drop(pending);
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.take())
    };
    q.offer_timeout(elem(7), LONG).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(elem(7)));
}

/// `testTakeFromEmptyAfterInterrupt`: a take whose deadline has already
/// passed fails at once.
fn take_from_empty_past_deadline<Q: BlockingQueue<E>, E: Elem>(q: Q, _: fn(usize) -> E) {
    assert_eq!(
        q.poll_deadline(Instant::now()),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(q.remove(), Err(TryRecvError::Empty));
}

/// `testTimedPollFromEmptyBlocksInterruptibly`: a timed poll on an empty
/// queue ends by its deadline.
fn timed_poll_from_empty<Q: BlockingQueue<E>, E: Elem>(q: Q, _: fn(usize) -> E) {
    assert_eq!(q.poll_timeout(SHORT), Err(RecvTimeoutError::Timeout));
}

/// `testTimedPollFromEmptyAfterInterrupt`: a zero timeout fails at once.
fn timed_poll_zero<Q: BlockingQueue<E>, E: Elem>(q: Q, _: fn(usize) -> E) {
    assert_eq!(
        q.poll_timeout(Duration::ZERO),
        Err(RecvTimeoutError::Timeout)
    );
}

/// `testRemoveElement`: `remove_item(x)` removes x and says whether it was
/// there; `contains` agrees at every step.
fn remove_element<Q: BlockingQueue<E>, E: Elem>(q: Q, elem: fn(usize) -> E) {
    let size = q.remaining_capacity().unwrap_or(SIZE).min(SIZE);
    let elts: Vec<E> = (0..size).map(elem).collect();
    assert!(!q.contains(&elem(99)));
    assert!(!q.remove_item(&elem(99)));
    assert!(q.is_empty());
    for e in &elts {
        q.add(e.clone()).unwrap();
    }
    for i in (1..size).step_by(2) {
        for pass in 0..2 {
            assert_eq!(pass == 0, q.contains(&elts[i]));
            assert_eq!(pass == 0, q.remove_item(&elts[i]));
            assert!(!q.contains(&elts[i]));
            assert!(q.contains(&elts[i - 1]));
            if i < size - 1 {
                assert!(q.contains(&elts[i + 1]));
            }
        }
    }
    if size > 0 {
        assert!(q.contains(&elts[0]));
    }
    for i in (0..size.saturating_sub(1)).rev().step_by(2) {
        assert!(q.contains(&elts[i]));
        assert!(!q.contains(&elts[i + 1]));
        assert!(q.remove_item(&elts[i]));
        assert!(!q.contains(&elts[i]));
        assert!(!q.remove_item(&elts[i + 1]));
        assert!(!q.contains(&elts[i + 1]));
    }
    assert!(q.is_empty());
    assert_eq!(q.peek(), None);
    assert_eq!(q.poll(), None);
}

/// polyconc's `close`: later inserts give the element back, what is left
/// is drained, then takes fail; a blocked taker wakes.
fn close_contract<Q: BlockingQueue<E> + 'static, E: Elem>(q: Q, elem: fn(usize) -> E) {
    let q = Arc::new(q);
    let held = q.remaining_capacity() != Some(0);
    if held {
        q.put(elem(1)).unwrap();
    }
    assert!(q.close());
    assert!(!q.close());
    assert!(q.is_closed());
    assert_eq!(q.offer(elem(2)), Err(elem(2)));
    assert_eq!(q.put(elem(3)), Err(SendError(elem(3))));
    assert_eq!(q.add(elem(4)).unwrap_err().into_inner(), elem(4));
    assert_eq!(block_on(q.put_async(elem(5))), Err(SendError(elem(5))));
    if held {
        assert_eq!(q.element(), Ok(elem(1)));
        assert_eq!(q.take(), Ok(elem(1)));
    }
    assert_eq!(q.take(), Err(RecvError));
    assert_eq!(q.remove(), Err(TryRecvError::Closed));
    assert_eq!(q.element(), Err(TryRecvError::Closed));
    assert_eq!(q.poll_timeout(LONG), Err(RecvTimeoutError::Closed));
    assert_eq!(block_on(q.take_async()), Err(RecvError));
    assert_eq!(q.iter().count(), 0);
}

/// A taker blocked on an empty queue wakes when it is closed.
fn close_wakes_blocked_taker<Q: BlockingQueue<E> + 'static, E: Elem>(q: Q, _: fn(usize) -> E) {
    let q = Arc::new(q);
    let takers: Vec<_> = (0..3)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || q.take())
        })
        .collect();
    thread::sleep(SHORT); // let them block (they fail the same way if not yet)
    q.close();
    for t in takers {
        assert_eq!(t.join().unwrap(), Err(RecvError));
    }
}

/// put/take from async code, and `iter` ending at close; used through
/// `&dyn BlockingQueue` for everything but the futures.
fn async_and_dyn<Q: BlockingQueue<E> + 'static, E: Elem>(q: Q, elem: fn(usize) -> E) {
    let q = Arc::new(q);
    let consumer = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            let dq: &dyn BlockingQueue<E> = &*q;
            let first = block_on(q.take_async()).unwrap();
            let rest: Vec<E> = dq.iter().collect();
            (first, rest)
        })
    };
    block_on(q.put_async(elem(0))).unwrap();
    let dq: &dyn BlockingQueue<E> = &*q;
    for i in 1..5 {
        dq.put(elem(i)).unwrap();
    }
    // The last put may still wait for the consumer (a synchronous queue);
    // close only once everything went in.
    eventually("the consumer took everything", || dq.is_empty());
    dq.close();
    let (first, rest) = consumer.join().unwrap();
    assert_eq!(first, elem(0));
    assert_eq!(rest, (1..5).map(elem).collect::<Vec<_>>());
}

/// Instantiates the contract for one queue: `$make` builds an empty one,
/// `$elem` makes the element for an index.
macro_rules! contract {
    ($name:ident, $make:expr, $elem:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn drain_to_non_positive_max_elements() {
                drain_to_zero_max($make, $elem);
            }
            #[test]
            fn timed_poll_with_offer() {
                super::timed_poll_with_offer($make, $elem);
            }
            #[test]
            fn take_from_empty_blocks_interruptibly() {
                take_from_empty_cancelled($make, $elem);
            }
            #[test]
            fn take_from_empty_after_interrupt() {
                take_from_empty_past_deadline($make, $elem);
            }
            #[test]
            fn timed_poll_from_empty_blocks_interruptibly() {
                timed_poll_from_empty($make, $elem);
            }
            #[test]
            fn timed_poll_from_empty_after_interrupt() {
                timed_poll_zero($make, $elem);
            }
            #[test]
            fn remove_element() {
                super::remove_element($make, $elem);
            }
            #[test]
            fn close() {
                close_contract($make, $elem);
            }
            #[test]
            fn close_wakes_blocked_takers() {
                close_wakes_blocked_taker($make, $elem);
            }
            #[test]
            fn async_put_take_and_dyn() {
                async_and_dyn($make, $elem);
            }
        }
    };
}

fn int(i: usize) -> usize {
    i
}

/// A delayed element that has already expired (the TCK's `PDelay` for the
/// generic tests), ordered by `i` through equal deadlines and arrival.
fn expired(i: usize) -> (Instant, usize) {
    static BASE: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    (*BASE.get_or_init(Instant::now), i)
}

contract!(array, ArrayBlockingQueue::new(SIZE), int);
contract!(array_fair, ArrayBlockingQueue::fair(SIZE), int);
contract!(linked, LinkedBlockingQueue::new(SIZE), int);
contract!(linked_unbounded, LinkedBlockingQueue::unbounded(), int);
contract!(synchronous, SynchronousQueue::new(), int);
contract!(synchronous_fair, SynchronousQueue::fair(), int);
contract!(priority, PriorityBlockingQueue::new(), int);
contract!(delay, DelayQueue::new(), expired);
contract!(transfer, LinkedTransferQueue::new(), int);
