//! jsr166/src/test/tck/DelayQueueTest.java (its `PDelay` elements are
//! `(Instant, i)` pairs here), plus `DelayQueue`'s wake-ups: `take` sleeps
//! until the head expires and wakes early when an earlier element arrives.
//! Each test names the TCK test it follows. Delays are milliseconds; only
//! order and outcome are asserted, never a duration.

mod queue_support;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::{Duration, Instant};

use polyconc::queue::{DelayQueue, RecvError, RecvTimeoutError, TryRecvError};
use queue_support::{block_on, poll_once, LONG, SHORT};

const SIZE: usize = 20;

type Job = (Instant, usize);

/// Expired elements, deadlines scrambled (the TCK's `populatedQueue`).
fn populated(n: usize) -> DelayQueue<Job> {
    let base = Instant::now() - Duration::from_secs(1);
    let q = DelayQueue::new();
    for i in (0..n).rev().step_by(2).chain((0..n).step_by(2)) {
        q.offer((base + Duration::from_millis(i as u64), i))
            .unwrap();
    }
    assert_eq!(q.len(), n);
    q
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(3600)
}

/// `testConstructor1`, `testEmpty`, `testRemainingCapacity`.
#[test]
fn unbounded_and_empty() {
    let q = DelayQueue::<Job>::new();
    assert!(q.is_empty());
    assert_eq!(q.remaining_capacity(), None);
    q.add((Instant::now(), 1)).unwrap();
    assert!(!q.is_empty());
}

/// `testTake`, `testPoll`, `testTimedPoll`, `testPeek`, `testElement`,
/// `testRemove`: expired elements leave earliest first.
#[test]
fn expired_leave_in_deadline_order() {
    let q = populated(SIZE);
    for i in 0..SIZE {
        assert_eq!(q.peek().unwrap().1, i);
        assert_eq!(q.element().unwrap().1, i);
        let got = match i % 4 {
            0 => q.take().unwrap(),
            1 => q.poll().unwrap(),
            2 => q.poll_timeout(LONG).unwrap(),
            _ => q.remove().unwrap(),
        };
        assert_eq!(got.1, i);
    }
    assert_eq!(q.poll(), None);
}

/// `testPollDelayed`, `testPeekDelayed`, `testTimedPollDelayed`: an
/// unexpired head is seen by `peek` but not removed.
#[test]
fn unexpired_head_stays() {
    let q = DelayQueue::new();
    let at = far();
    q.put((at, 1)).unwrap();
    assert_eq!(q.peek(), Some((at, 1)));
    assert_eq!(q.poll(), None);
    assert_eq!(q.remove(), Err(TryRecvError::Empty));
    assert_eq!(q.poll_timeout(SHORT), Err(RecvTimeoutError::Timeout));
    let mut sink = Vec::new();
    assert_eq!(q.drain_to(&mut sink, usize::MAX), 0);
    assert_eq!(q.len(), 1);
    assert!(q.contains(&(at, 1)));
    assert_eq!(q.to_vec(), [(at, 1)]);
    q.clear(); // clear removes the unexpired too
    assert!(q.is_empty());
}

/// `testDelay`: elements with increasing delays come out in that order,
/// each only once expired.
#[test]
fn take_sleeps_until_each_expires() {
    let q = DelayQueue::new();
    let start = Instant::now();
    for i in (1..=4).rev() {
        q.put((start + Duration::from_millis(5 * i), i as usize))
            .unwrap();
    }
    for i in 1..=4 {
        let (at, v) = q.take().unwrap();
        assert_eq!(v, i);
        assert!(Instant::now() >= at, "left before its deadline");
    }
}

/// `testTimedPollWithOffer` for delays: a taker sleeping for a far head
/// wakes early when an earlier element arrives.
#[test]
fn earlier_element_wakes_sleeping_taker() {
    let q = Arc::new(DelayQueue::new());
    q.put((far(), 0)).unwrap();
    let takers: Vec<_> = (0..2)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || q.poll_timeout(LONG).map(|j| j.1))
        })
        .collect();
    thread::sleep(SHORT); // let them sleep for the far head
    q.put((Instant::now() + SHORT, 1)).unwrap();
    q.put((Instant::now(), 2)).unwrap();
    let mut got: Vec<_> = takers
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    got.sort();
    assert_eq!(got, [1, 2]);
    assert_eq!(q.len(), 1); // the far one stays
}

/// An async take waits for the head's deadline (the timer wakes it), and
/// wakes early for an earlier element.
#[test]
fn async_take_waits_for_deadline() {
    let q = DelayQueue::new();
    q.put((Instant::now() + SHORT, 1)).unwrap();
    assert_eq!(block_on(q.take_async()).unwrap().1, 1);

    let q = Arc::new(DelayQueue::new());
    q.put((far(), 0)).unwrap();
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || block_on(q.take_async()).map(|j| j.1))
    };
    thread::sleep(SHORT);
    q.put((Instant::now() + SHORT, 3)).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(3));

    let mut cancelled = q.take_async();
    assert!(poll_once(&mut cancelled).is_pending());
    drop(cancelled);
    assert_eq!(q.len(), 1);
}

/// `testDrainTo`, `testDrainToN`: only expired elements are drained.
#[test]
fn drain_to_takes_expired_only() {
    let q = populated(SIZE);
    q.put((far(), 99)).unwrap();
    let mut out = Vec::new();
    assert_eq!(q.drain_to(&mut out, 5), 5);
    assert_eq!(q.drain_to(&mut out, usize::MAX), SIZE - 5);
    assert_eq!(
        out.iter().map(|j| j.1).collect::<Vec<_>>(),
        (0..SIZE).collect::<Vec<_>>()
    );
    assert_eq!(q.len(), 1);
}

/// `drain_all` (no TCK peer: what `testClear` removes, given back): every
/// element, unexpired ones too, in deadline order, and the queue is empty.
#[test]
fn drain_all_takes_unexpired_too() {
    let q = populated(SIZE);
    q.put((far(), SIZE)).unwrap();
    assert_eq!(
        q.drain_all().iter().map(|j| j.1).collect::<Vec<_>>(),
        (0..=SIZE).collect::<Vec<_>>()
    );
    assert!(q.is_empty());
    assert!(q.drain_all().is_empty());
}

/// `testRemoveElement` with an unexpired head: removing it lets a taker
/// see the next one.
#[test]
fn removing_head_wakes_taker() {
    let q = Arc::new(DelayQueue::new());
    let far_job = (far(), 0);
    q.put(far_job).unwrap();
    q.put((far() + Duration::from_secs(1), 1)).unwrap();
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.poll_timeout(LONG).map(|j| j.1))
    };
    thread::sleep(SHORT);
    assert!(q.remove_item(&far_job));
    q.put((Instant::now(), 2)).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(2));
}

/// Java's leader and followers (no TCK test; `DelayQueue.java`'s `leader`):
/// with takers asleep on a far head, a put of an earlier head wakes one
/// of them (the new leader), not all; the others sleep on untimed, and
/// each later put of a new head wakes one again. Counted wake-ups, not
/// time: only the putting thread's own `wakes` are read.
#[cfg(feature = "test-hooks")]
#[test]
fn new_head_wakes_one_sleeper() {
    use polyconc::test_hooks;
    const TAKERS: usize = 4;
    let q = Arc::new(DelayQueue::new());
    q.put((far(), usize::MAX)).unwrap();
    let takers: Vec<_> = (0..TAKERS)
        .map(|_| {
            let q = Arc::clone(&q);
            thread::spawn(move || q.poll_timeout(LONG).map(|j| j.1))
        })
        .collect();
    thread::sleep(SHORT); // lets them sleep, so a notify_all would wake all
    for i in 0..TAKERS {
        let at = if i == 0 {
            Instant::now() + SHORT
        } else {
            Instant::now()
        };
        let before = test_hooks::counts().wakes();
        q.put((at, i)).unwrap();
        let woken = test_hooks::counts().wakes() - before;
        assert!(woken <= 1, "put {i} woke {woken} sleepers");
    }
    let mut got: Vec<usize> = takers
        .into_iter()
        .map(|t| t.join().unwrap().unwrap())
        .collect();
    got.sort_unstable();
    assert_eq!(got, (0..TAKERS).collect::<Vec<_>>());
    assert_eq!(q.len(), 1);
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Counted(AtomicUsize);

impl Wake for Counted {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// `close` in mid-flight (no TCK peer: Java's queue has no close): the
/// last element of a closed queue leaves while two takers sleep on it,
/// one leading, one following. The leader takes it when it expires; the
/// follower must hear that nothing is left and return `Closed`. (It used
/// to sleep for ever: the leader, leaving with nothing left, told nobody.)
/// Both takers look while the element has 100 ms to go, so both sleep;
/// under a load that delays them past it, the run checks less, never
/// wrongly.
#[test]
fn closed_queue_last_take_tells_the_follower() {
    let q = Arc::new(DelayQueue::new());
    q.put((Instant::now() + 5 * SHORT, 1)).unwrap();
    q.close();
    let (tx, rx) = mpsc::channel();
    for _ in 0..2 {
        let (q, tx) = (Arc::clone(&q), tx.clone());
        thread::spawn(move || tx.send(q.take().map(|j| j.1)).unwrap());
    }
    let mut got: Vec<_> = (0..2)
        .map(|_| {
            rx.recv_timeout(LONG)
                .expect("a taker of a drained, closed queue is still asleep")
        })
        .collect();
    got.sort_by_key(|r| r.is_err());
    assert_eq!(got, [Ok(1), Err(RecvError)]);
}

/// The same end, forced (futures are polled by hand, so both are surely
/// waiting): a closed queue's last element removed by `remove_item`, or
/// every element by `drain_all`, wakes every pending take, which then
/// ends with `Closed`.
#[test]
fn drained_closed_queue_wakes_every_pending_take() {
    for by_drain_all in [false, true] {
        let q = DelayQueue::new();
        let job = (far(), 0);
        q.put(job).unwrap();
        q.close();
        let wakers: Vec<_> = (0..2).map(|_| Arc::new(Counted::default())).collect();
        let mut takes: Vec<_> = wakers.iter().map(|_| q.take_async()).collect();
        for (take, w) in takes.iter_mut().zip(&wakers) {
            let waker = Waker::from(Arc::clone(w));
            assert!(Pin::new(take)
                .poll(&mut Context::from_waker(&waker))
                .is_pending());
        }
        if by_drain_all {
            assert_eq!(q.drain_all(), [job]);
        } else {
            assert!(q.remove_item(&job));
        }
        for (take, w) in takes.iter_mut().zip(&wakers) {
            assert!(
                w.0.load(Ordering::SeqCst) >= 1,
                "a pending take was not woken"
            );
            assert_eq!(poll_once(take), Poll::Ready(Err(RecvError)));
        }
    }
}
