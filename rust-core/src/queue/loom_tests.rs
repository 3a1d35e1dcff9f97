//! loom models of the queues' wait and wake paths (reduced: two or three
//! threads, `make test-loom` runs them): a fair hand-off, a transfer racing
//! its timeout, a delay queue's early wake-up and the end of a closed one
//! that its sleepers must all hear of, a fair take future dropped
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
use super::{RecvTimeoutError, SendTimeoutError};
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
        let q = Arc::new(Fair::transfer_queue());
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

/// The last element of a closed delay queue leaves while two takers
/// sleep on it, one leading and one following: both must be told, and
/// return `Closed`. Before the fix only the leader was (by the removal's
/// tell); it left with nothing left to pass on, so the follower slept for
/// ever. The element leaves by `remove_item` here, and by a poll once it
/// is ready below (loom has no clock for a leader's own timed wake-up,
/// which ends in the same `step_down`).
#[test]
fn delay_drained_after_close_tells_every_taker() {
    loom::model(|| {
        let q = delay_sorted();
        let far = Instant::now() + Duration::from_secs(3600);
        q.insert((far, 0), by_deadline).unwrap().unwrap();
        q.close();
        let takers = spawn_takers(&q);
        assert!(q.remove_first(|e| e.1 == 0));
        for t in takers {
            assert_eq!(t.join().unwrap(), Err(RecvTimeoutError::Closed));
        }
    });
}

/// As [`delay_drained_after_close_tells_every_taker`], the element taken
/// by a poll once it is ready (a flag stands for the clock): the leader
/// is still asleep, so nobody was told before the fix; after it, both
/// sleepers hear that the queue is closed and empty.
#[test]
fn delay_last_poll_after_close_tells_every_taker() {
    use crate::loom::{AtomicBool, Ordering};
    /// The deadline of every element: far, until the flag is set.
    fn ready_at(e: &(Arc<AtomicBool>, u8)) -> Instant {
        static FAR: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        static PAST: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        if e.0.load(Ordering::SeqCst) {
            *PAST.get_or_init(|| Instant::now() - Duration::from_secs(1))
        } else {
            *FAR.get_or_init(|| Instant::now() + Duration::from_secs(3600))
        }
    }
    loom::model(|| {
        let q = Arc::new(Sorted::new(
            Box::new(|a: &(Arc<AtomicBool>, u8), b: &(Arc<AtomicBool>, u8)| Some(a.1.cmp(&b.1))),
            Some(ready_at),
        ));
        let flag = Arc::new(AtomicBool::new(false));
        let first = |_: &_, _: &_| Ok::<_, ()>(std::cmp::Ordering::Equal);
        assert!(matches!(
            q.insert((Arc::clone(&flag), 0), first),
            Ok(Ok(()))
        ));
        q.close();
        let takers = spawn_takers(&q);
        flag.store(true, Ordering::SeqCst);
        // A taker that looks after the flag may take it first.
        let mut got = vec![q.extract(Wait::Now).map(|e| e.1)];
        got.extend(takers.into_iter().map(|t| t.join().unwrap()));
        let closed = Err(RecvTimeoutError::Closed);
        assert_eq!(got.iter().filter(|r| **r == Ok(0)).count(), 1);
        assert!(got.iter().all(|r| *r == Ok(0) || *r == closed));
    });
}

/// A new head's one tell may reach an async take that is then dropped
/// without looking (its `Watch` still registered): the drop passes the
/// tell on, so the thread asleep for a far head takes the new one.
#[test]
fn delay_dropped_async_take_passes_the_tell_on() {
    use crate::wait::Watch;
    use std::task::{Context, Waker};
    loom::model(|| {
        let q = delay_sorted();
        let far = Instant::now() + Duration::from_secs(3600);
        q.insert((far, 0), by_deadline).unwrap().unwrap();
        let mut watch = Watch::default();
        let mut cx = Context::from_waker(Waker::noop());
        assert!(q.poll_extract(&mut watch, &mut cx, |_| {}).is_pending());
        let taker = {
            let q = Arc::clone(&q);
            thread::spawn(move || q.extract(Wait::FOREVER).map(|e| e.1))
        };
        q.insert((Instant::now(), 1), by_deadline).unwrap().unwrap();
        q.stop_take(&mut watch);
        assert_eq!(taker.join().unwrap(), Ok(1));
    });
}

/// Two threads that take once from `q` (forever) and give back the tag or
/// the error.
fn spawn_takers<T: Send + 'static>(
    q: &Arc<Sorted<(T, u8)>>,
) -> Vec<thread::JoinHandle<Result<u8, RecvTimeoutError>>> {
    (0..2)
        .map(|_| {
            let q = Arc::clone(q);
            thread::spawn(move || q.extract(Wait::FOREVER).map(|e| e.1))
        })
        .collect()
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
