//! loom models of the queues' wait and wake paths (reduced: two or three
//! threads, `make test-loom` runs them): a fair hand-off, a transfer racing
//! its timeout, a delay queue's early wake-up, a fair take future dropped
//! while it is handed an element, and the channel-backed queues' pause
//! against a put and a take in flight and its removal waking a blocked
//! put. Loom fails a model in which every thread ends up parked (a lost
//! wake-up); each model also asserts that no element is lost or delivered
//! twice.

use std::time::{Duration, Instant};

use loom::thread;

use super::buffered::Buffered;
use super::fair::Fair;
use super::heap::Sorted;
use super::SendTimeoutError;
use crate::loom::Arc;
use crate::wait::{Deadline, Wait};

/// A fair synchronous hand-off: the put returns once the take has the
/// element; and with room for one, two producers and a consumer taking
/// twice lose nothing.
#[test]
fn fair_handoff() {
    loom::model(|| {
        let q = Arc::new(Fair::new(0));
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.insert(7, Wait::FOREVER).is_ok())
        };
        assert_eq!(q.extract(Wait::FOREVER).ok(), Some(7));
        assert!(producer.join().unwrap());
    });
    loom::model(|| {
        let q = Arc::new(Fair::new(1));
        let producers: Vec<_> = (0..2)
            .map(|i| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.insert(i, Wait::FOREVER).is_ok())
            })
            .collect();
        let mut got = [
            q.extract(Wait::FOREVER).unwrap(),
            q.extract(Wait::FOREVER).unwrap(),
        ];
        got.sort();
        assert_eq!(got, [0, 1]);
        for p in producers {
            assert!(p.join().unwrap());
        }
    });
}

/// A transfer whose deadline passes as soon as it is queued, against a
/// consumer's poll: either the consumer got the element and the transfer
/// succeeded, or the transfer took it back and the consumer found nothing.
#[test]
fn transfer_races_timeout() {
    loom::model(|| {
        let q = Arc::new(Fair::new(usize::MAX));
        let consumer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.extract(Wait::Now).ok())
        };
        let r = q.transfer_until(5, Some(Deadline::at(Instant::now())));
        let got = consumer.join().unwrap();
        match r {
            Ok(()) => assert_eq!(got, Some(5)),
            Err(SendTimeoutError::Timeout(v)) => {
                assert_eq!(v, 5);
                assert_eq!(got, None);
            }
            Err(SendTimeoutError::Closed(_)) => panic!("not closed"),
        }
        assert_eq!(q.len(), 0);
    });
}

/// A delay queue's engine over `(deadline, tag)` pairs.
fn delay_sorted() -> Arc<Sorted<(Instant, u8)>> {
    Arc::new(Sorted::new(
        Box::new(|a: &(Instant, u8), b: &(Instant, u8)| Some(a.0.cmp(&b.0))),
        Some(|e: &(Instant, u8)| e.0),
    ))
}

/// The insert comparator of [`delay_sorted`]: by deadline, never failing.
fn by_deadline(a: &(Instant, u8), b: &(Instant, u8)) -> Result<std::cmp::Ordering, ()> {
    Ok(a.0.cmp(&b.0))
}

/// A taker asleep for a far head wakes when an expired element arrives.
#[test]
fn delay_early_wakeup() {
    loom::model(|| {
        let q = delay_sorted();
        let never = by_deadline;
        let far = Instant::now() + Duration::from_secs(3600);
        q.insert((far, 0), never).unwrap().unwrap();
        let taker = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.extract(Wait::FOREVER).map(|e| e.1).ok())
        };
        q.insert((Instant::now(), 1), never).unwrap().unwrap();
        assert_eq!(taker.join().unwrap(), Some(1));
        assert_eq!(q.len(), 1);
    });
}

/// Leader and followers: two takers asleep on a far head (one leads for
/// it), two expired elements arrive; each new head wakes one sleeper, a
/// taker that leaves passes the turn on, and both get one.
#[test]
fn delay_leader_and_follower() {
    loom::model(|| {
        let q = delay_sorted();
        let never = by_deadline;
        q.insert((Instant::now() + Duration::from_secs(3600), 0), never)
            .unwrap()
            .unwrap();
        let takers: Vec<_> = (0..2)
            .map(|_| {
                let q = Arc::clone(&q);
                thread::spawn(move || q.extract(Wait::FOREVER).map(|e| e.1).ok())
            })
            .collect();
        let past = Instant::now();
        q.insert((past, 1), never).unwrap().unwrap();
        q.insert((past, 2), never).unwrap().unwrap();
        let mut got: Vec<_> = takers.into_iter().map(|t| t.join().unwrap()).collect();
        got.sort_unstable();
        assert_eq!(got, [Some(1), Some(2)]);
        assert_eq!(q.len(), 1);
    });
}

/// A pause (`contains`) while a put and a blocked take are in flight: the
/// pause sees the element or not, and it is taken exactly once.
#[test]
fn pause_against_put_and_take() {
    loom::model(|| {
        let q = Arc::new(Buffered::try_new(1).unwrap());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.insert(1, Wait::FOREVER).is_ok())
        };
        let pauser = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.any(|&v| v == 1))
        };
        assert_eq!(q.extract(Wait::FOREVER).ok(), Some(1));
        assert!(producer.join().unwrap());
        let _seen = pauser.join().unwrap();
        assert_eq!(q.len(), 0);
    });
}

/// `remove_item` frees the room a blocked put waits for, and tells it:
/// the put goes through (a lost wake-up would leave it parked for ever).
#[test]
fn remove_item_wakes_blocked_put() {
    loom::model(|| {
        let q = Arc::new(Buffered::try_new(1).unwrap());
        q.insert(1, Wait::Now).unwrap();
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.insert(2, Wait::FOREVER).is_ok())
        };
        assert!(q.remove_first(|&v| v == 1));
        assert!(producer.join().unwrap());
        assert_eq!(q.extract(Wait::Now).ok(), Some(2));
    });
}

/// A fair queue's take future dropped while a producer hands it the
/// element: the element is given back (or was never handed), so the next
/// take finds it, once.
#[test]
fn dropped_take_future_gives_back() {
    use super::fair::FairTake;
    use std::task::{Context, Waker};
    loom::model(|| {
        let q = Arc::new(Fair::new(1));
        let mut take = FairTake::new(Arc::clone(&q));
        let mut cx = Context::from_waker(Waker::noop());
        assert!(take.poll(&mut cx).is_pending());
        let producer = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.insert(1, Wait::FOREVER).is_ok())
        };
        drop(take);
        assert!(producer.join().unwrap());
        assert_eq!(q.extract(Wait::Now).ok(), Some(1));
        assert_eq!(q.len(), 0);
    });
}
