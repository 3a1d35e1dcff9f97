//! Fair mode serves waiters in arrival order (Java's fair
//! `ArrayBlockingQueue` and `SynchronousQueue`, whose TCK `Fair` variants
//! run the generic suite; the order itself is asserted here). The order of
//! arrival is made certain without timing: pending futures are polled one
//! by one on this thread (they queue exactly as blocked threads do, in the
//! same wait queue), and consumer threads are started one by one once the
//! queue counts the previous one as waiting (`waiting_consumer_count`).

mod queue_support;

use std::sync::Arc;
use std::task::Poll;
use std::thread;

use polyconc::queue::{ArrayBlockingQueue, LinkedTransferQueue, SynchronousQueue};
use queue_support::{eventually, poll_once};

const N: usize = 8;

/// Blocked producers of a full fair queue go in, and come out, in the
/// order they came.
#[test]
fn array_fair_serves_producers_in_order() {
    let q = ArrayBlockingQueue::fair(2);
    q.put(100).unwrap();
    q.put(101).unwrap();
    let mut puts: Vec<_> = (0..N).map(|i| q.put_async(i)).collect();
    for p in &mut puts {
        assert!(poll_once(p).is_pending());
    }
    let mut got = Vec::new();
    for _ in 0..N + 2 {
        got.push(q.take().unwrap());
    }
    let mut want = vec![100, 101];
    want.extend(0..N);
    assert_eq!(got, want);
    for p in &mut puts {
        assert_eq!(poll_once(p), Poll::Ready(Ok(())));
    }
}

/// Blocked consumers of an empty fair queue get elements in the order they
/// came.
#[test]
fn array_fair_serves_consumers_in_order() {
    let q = ArrayBlockingQueue::fair(4);
    let mut takes: Vec<_> = (0..N).map(|_| q.take_async()).collect();
    for t in &mut takes {
        assert!(poll_once(t).is_pending());
    }
    for i in 0..N {
        q.put(i).unwrap();
    }
    for (i, t) in takes.iter_mut().enumerate() {
        assert_eq!(poll_once(t), Poll::Ready(Ok(i)));
    }
    assert!(q.is_empty());
}

/// A fair synchronous queue matches producers and consumers in arrival
/// order, both ways.
#[test]
fn synchronous_fair_matches_in_order() {
    let q = SynchronousQueue::fair();
    let mut puts: Vec<_> = (0..N).map(|i| q.put_async(i)).collect();
    for p in &mut puts {
        assert!(poll_once(p).is_pending());
    }
    for i in 0..N {
        assert_eq!(q.poll(), Some(i));
    }
    let mut takes: Vec<_> = (0..N).map(|_| q.take_async()).collect();
    for t in &mut takes {
        assert!(poll_once(t).is_pending());
    }
    for i in 0..N {
        assert_eq!(q.offer(i), Ok(()));
    }
    for (i, t) in takes.iter_mut().enumerate() {
        assert_eq!(poll_once(t), Poll::Ready(Ok(i)));
    }
}

/// Waiting consumer threads are served in the order they came.
#[test]
fn transfer_serves_consumer_threads_in_order() {
    let q = Arc::new(LinkedTransferQueue::new());
    let consumers: Vec<_> = (0..N)
        .map(|i| {
            let c = {
                let q = Arc::clone(&q);
                thread::spawn(move || q.take().unwrap())
            };
            eventually("the consumer waits", || q.waiting_consumer_count() == i + 1);
            c
        })
        .collect();
    for i in 0..N {
        q.transfer(i).unwrap();
    }
    for (i, c) in consumers.into_iter().enumerate() {
        assert_eq!(c.join().unwrap(), i);
    }
}

/// A take future dropped after it was handed an element gives it back at
/// the head; nothing is lost and the order holds.
#[test]
fn dropped_handed_take_gives_back_at_head() {
    let q = ArrayBlockingQueue::fair(4);
    let mut first = q.take_async();
    assert!(poll_once(&mut first).is_pending());
    q.put(0).unwrap(); // handed to `first`
    q.put(1).unwrap();
    drop(first);
    assert_eq!(q.to_vec(), [0, 1]);

    let s = SynchronousQueue::fair();
    let mut first = s.take_async();
    let mut second = s.take_async();
    assert!(poll_once(&mut first).is_pending());
    assert!(poll_once(&mut second).is_pending());
    assert_eq!(s.offer(5), Ok(())); // handed to `first`
    drop(first); // passes it on to `second`
    assert_eq!(poll_once(&mut second), Poll::Ready(Ok(5)));
}

/// `waiting_producer_count` / `waiting_consumer_count` (no TCK peer; what
/// fair-order tests wait on instead of sleeping): each blocked thread is
/// counted until it is matched, and the default flavour says `None`.
#[test]
fn waiting_counts() {
    let q = Arc::new(SynchronousQueue::fair());
    let producers: Vec<_> = (0..3)
        .map(|i| {
            let q = Arc::clone(&q);
            thread::spawn(move || q.put(i))
        })
        .collect();
    eventually("three producers waiting", || {
        q.waiting_producer_count() == Some(3)
    });
    assert_eq!(q.waiting_consumer_count(), Some(0));
    let mut got: Vec<i32> = (0..3).map(|_| q.take().unwrap()).collect();
    got.sort_unstable();
    assert_eq!(got, [0, 1, 2]);
    for p in producers {
        assert_eq!(p.join().unwrap(), Ok(()));
    }
    assert_eq!(q.waiting_producer_count(), Some(0));
    let consumer = {
        let q = Arc::clone(&q);
        thread::spawn(move || q.take())
    };
    eventually("a consumer waiting", || {
        q.waiting_consumer_count() == Some(1)
    });
    q.put(7).unwrap();
    assert_eq!(consumer.join().unwrap(), Ok(7));
    assert_eq!(q.waiting_consumer_count(), Some(0));
    assert_eq!(SynchronousQueue::<u8>::new().waiting_producer_count(), None);
}
