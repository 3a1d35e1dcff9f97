//! jsr166/src/test/tck/PriorityBlockingQueueTest.java, plus what the
//! issue adds: FIFO among equal priorities and a comparator that fails.
//! Each test names the TCK test it follows. Left out: nulls,
//! serialization, `toString`, iterators that remove, `addAll`.

mod queue_support;

use std::cmp::Reverse;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::queue::{InsertError, PriorityBlockingQueue, RecvTimeoutError, TryRecvError};
use queue_support::{block_on, poll_once, LONG, SHORT};

const SIZE: usize = 20;

/// The TCK's `populatedQueue(n)`: 0..n inserted in a scrambled order.
fn populated(n: usize) -> PriorityBlockingQueue<usize> {
    let q = PriorityBlockingQueue::new();
    for i in (0..n).rev().step_by(2) {
        q.offer(i).unwrap();
    }
    for i in (0..n).step_by(2) {
        q.offer(i).unwrap();
    }
    assert_eq!(q.len(), n);
    q
}

/// `testConstructor1`, `testEmpty`, `testRemainingCapacity`: unbounded.
#[test]
fn unbounded_and_empty() {
    let q = PriorityBlockingQueue::<usize>::new();
    assert!(q.is_empty());
    assert_eq!(q.remaining_capacity(), None);
    q.add(1).unwrap();
    assert!(!q.is_empty());
    assert_eq!(q.remaining_capacity(), None);
}

/// `testConstructor7`: a comparator given at construction orders the queue.
#[test]
fn comparator_orders() {
    let q = PriorityBlockingQueue::with_comparator(|a: &usize, b: &usize| b.cmp(a));
    for i in 0..SIZE {
        q.put(i).unwrap();
    }
    for i in (0..SIZE).rev() {
        assert_eq!(q.poll(), Some(i));
    }
}

/// `testPut`, `testTimedOffer`: inserts never wait.
#[test]
fn inserts_never_wait() {
    let q = PriorityBlockingQueue::new();
    for i in 0..SIZE {
        q.put(i).unwrap();
        q.offer_timeout(i, Duration::ZERO).unwrap();
    }
    assert_eq!(q.len(), 2 * SIZE);
    assert_eq!(block_on(q.put_async(0)), Ok(()));
}

/// `testTake`, `testPoll`, `testTimedPoll0`, `testTimedPoll`, `testPeek`,
/// `testElement`, `testRemove`: smallest first through every form.
#[test]
fn removal_forms_in_order() {
    let q = populated(SIZE);
    for i in 0..SIZE {
        assert_eq!(q.peek(), Some(i));
        assert_eq!(q.element(), Ok(i));
        let got = match i % 5 {
            0 => q.take().unwrap(),
            1 => q.poll().unwrap(),
            2 => q.poll_timeout(Duration::ZERO).unwrap(),
            3 => q.poll_timeout(LONG).unwrap(),
            _ => q.remove().unwrap(),
        };
        assert_eq!(got, i);
    }
    assert_eq!(q.peek(), None);
    assert_eq!(q.element(), Err(TryRecvError::Empty));
    assert_eq!(q.poll_timeout(SHORT), Err(RecvTimeoutError::Timeout));
}

/// `testBlockingTake`, `testPollInExecutor`: a take on an empty queue
/// waits for a put.
#[test]
fn take_waits_for_put() {
    let q = Arc::new(PriorityBlockingQueue::new());
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || (q.take(), q.poll_timeout(LONG)))
    };
    thread::sleep(SHORT);
    q.put(3).unwrap();
    q.put(4).unwrap();
    assert_eq!(taker.join().unwrap(), (Ok(3), Ok(4)));
}

/// `testContains`, `testClear`, `testToArray`, `testRemoveElement`: here
/// `to_vec` is in removal order.
#[test]
fn contents() {
    let q = populated(SIZE);
    assert_eq!(q.to_vec(), (0..SIZE).collect::<Vec<_>>());
    for i in 0..SIZE {
        assert!(q.contains(&i));
    }
    assert!(q.remove_item(&5));
    assert!(!q.remove_item(&5));
    let want: Vec<usize> = (0..SIZE).filter(|&i| i != 5).collect();
    assert_eq!(q.to_vec(), want);
    let mut drained = Vec::new();
    while let Some(v) = q.poll() {
        drained.push(v);
    }
    assert_eq!(drained, want);
    let q = populated(SIZE);
    q.clear();
    assert!(q.is_empty());
}

/// `testDrainTo`, `testDrainToN`.
#[test]
fn drain_to() {
    for n in [0, 1, SIZE / 2, SIZE, SIZE + 5] {
        let q = populated(SIZE);
        let mut out = Vec::new();
        assert_eq!(q.drain_to(&mut out, n), n.min(SIZE));
        assert_eq!(out, (0..n.min(SIZE)).collect::<Vec<_>>());
    }
}

/// Equal priorities leave in the order they came.
#[test]
fn fifo_among_equals() {
    let q =
        PriorityBlockingQueue::with_comparator(|a: &(u8, usize), b: &(u8, usize)| a.0.cmp(&b.0));
    for i in 0..SIZE {
        q.put(((i % 3) as u8, i)).unwrap();
    }
    let got: Vec<_> = std::iter::from_fn(|| q.poll()).collect();
    let mut want: Vec<_> = (0..SIZE).map(|i| ((i % 3) as u8, i)).collect();
    want.sort_by_key(|&(p, i)| (p, i));
    assert_eq!(got, want);
}

/// `testOfferNonComparable` (Java throws ClassCastException): a failed
/// comparison fails that insert, gives the element and the error back,
/// and leaves the queue as it was.
#[test]
fn failed_comparison_leaves_heap_unchanged() {
    let q = PriorityBlockingQueue::with_try_comparator(|a: &f64, b: &f64| {
        a.partial_cmp(b).ok_or("unordered")
    });
    for x in [5.0, 1.0, 4.0, 2.0, 3.0] {
        q.insert(x).unwrap();
    }
    let before = q.to_vec();
    match q.insert(f64::NAN) {
        Err(InsertError::Compare(v, e)) => {
            assert!(v.is_nan());
            assert_eq!(e, "unordered");
        }
        other => panic!("expected a comparison failure, got {other:?}"),
    }
    assert_eq!(q.to_vec(), before);
    // Through the trait's operations the element comes back too.
    assert!(q.offer(f64::NAN).unwrap_err().is_nan());
    assert!(q.put(f64::NAN).unwrap_err().0.is_nan());
    assert!(!q.is_closed());
    assert_eq!(
        std::iter::from_fn(|| q.poll()).collect::<Vec<_>>(),
        [1.0, 2.0, 3.0, 4.0, 5.0]
    );
}

/// A comparator that fails only sometimes: removals never fail (a failed
/// comparison counts as a tie), and nothing is lost.
#[test]
fn failing_comparator_never_loses_on_removal() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let calls = Arc::new(calls);
    let c = Arc::clone(&calls);
    let q = PriorityBlockingQueue::with_try_comparator(move |a: &usize, b: &usize| {
        // Inserts see the first comparisons; then every seventh one fails.
        let n = c.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if n > 200 && n % 7 == 0 {
            Err(())
        } else {
            Ok(a.cmp(b))
        }
    });
    let mut inserted = Vec::new();
    for i in 0..50 {
        if q.insert(i).is_ok() {
            inserted.push(i);
        }
    }
    let mut got: Vec<_> = std::iter::from_fn(|| q.poll()).collect();
    got.sort();
    assert_eq!(got, inserted);
}

/// A comparator that panics leaves the queue usable and whole.
#[test]
fn panicking_comparator_leaves_queue_whole() {
    let q = PriorityBlockingQueue::with_comparator(|a: &i32, b: &i32| {
        assert!(*a != 13 && *b != 13, "thirteen");
        a.cmp(b)
    });
    for i in [3, 1, 2] {
        q.put(i).unwrap();
    }
    let q = std::panic::AssertUnwindSafe(q);
    assert!(std::panic::catch_unwind(|| q.put(13)).is_err());
    assert_eq!(q.len(), 3);
    assert_eq!(
        std::iter::from_fn(|| q.poll()).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

/// `Ord` on `Reverse` gives a max-queue.
#[test]
fn reverse_is_max_first() {
    let q = PriorityBlockingQueue::new();
    for i in [2, 9, 4] {
        q.put(Reverse(i)).unwrap();
    }
    assert_eq!(q.take(), Ok(Reverse(9)));
}

/// An async take waits for a put, and a cancelled one takes nothing.
#[test]
fn async_take() {
    let q = Arc::new(PriorityBlockingQueue::new());
    let mut cancelled = q.take_async();
    assert!(poll_once(&mut cancelled).is_pending());
    drop(cancelled);
    let taker = {
        let q = Arc::clone(&q);
        thread::spawn(move || block_on(q.take_async()))
    };
    thread::sleep(SHORT);
    q.put(1).unwrap();
    assert_eq!(taker.join().unwrap(), Ok(1));
}
