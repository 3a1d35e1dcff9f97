//! Port of the JSR-166 TCK's `src/test/tck/SemaphoreTest.java` (jsr166
//! CVS head, 2015), each scenario for the unfair and the fair semaphore.
//!
//! Java's "interrupted before / while acquiring" pairs become a timed
//! acquire whose deadline has passed (before) or expires while queued
//! (while), and an async acquire cancelled while queued. Permits are a
//! `usize`, so the TCK's negative counts (`new Semaphore(-1)`) have no
//! counterpart; `release(-1)`'s `IllegalArgumentException` becomes the
//! overflow error of `release`. Serialization, `reducePermits` and
//! `getQueuedThreads` are Java API this semaphore does not have.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use polyconc::sync::{CountDownLatch, Semaphore};

use crate::util::{
    assert_send, assert_stays_blocked, block_on, join, poll_once, spawn, wait_until, LONG, SHORT,
};

fn sem(fair: bool, permits: usize) -> Semaphore {
    if fair {
        Semaphore::fair(permits)
    } else {
        Semaphore::new(permits)
    }
}

/// The TCK's `AcquireMethod`: the ways of taking `n` permits that succeed.
#[derive(Clone, Copy, Debug)]
enum Acquire {
    Blocking,
    Try,
    Timed,
    Async,
}

impl Acquire {
    const ALL: [Acquire; 4] = [
        Acquire::Blocking,
        Acquire::Try,
        Acquire::Timed,
        Acquire::Async,
    ];
    /// The methods that wait for permits.
    const WAITING: [Acquire; 3] = [Acquire::Blocking, Acquire::Timed, Acquire::Async];

    fn acquire(self, s: &Semaphore, n: usize) {
        match self {
            Acquire::Blocking => s.acquire(n),
            Acquire::Try => assert!(s.try_acquire(n)),
            Acquire::Timed => assert!(s.acquire_timeout(n, 2 * LONG)),
            Acquire::Async => block_on(s.acquire_async(n)),
        }
    }
}

/// Runs each scenario once unfair and once fair.
macro_rules! unfair_and_fair {
    ($($name:ident),* $(,)?) => {
        mod unfair {
            $( #[test] fn $name() { super::$name(false) } )*
        }
        mod fair {
            $( #[test] fn $name() { super::$name(true) } )*
        }
    };
}

unfair_and_fair!(
    constructor,
    try_acquire_in_same_thread,
    try_acquire_timeout,
    try_acquire_n_timeout,
    cancellable_before_and_while_queued,
    uninterruptible_acquire_waits_for_release,
    queue_length,
    drain_permits,
    release_overflow_is_an_error,
    try_acquire_n_in_same_thread,
    release_acquire_same_thread,
    release_acquire_different_threads,
    all_or_nothing,
    granted_but_cancelled_acquire_gives_permits_back,
    cancelled_head_passes_on,
    timed_out_head_passes_on,
    async_acquire_woken_by_release,
    debug_shows_permits,
    queued_acquires_are_served_in_order,
);

/// testConstructor: the permits given are available; fairness as asked.
fn constructor(fair: bool) {
    for permits in [0, 1, 42, usize::MAX] {
        let s = sem(fair, permits);
        assert_eq!(s.available_permits(), permits);
        assert_eq!(s.is_fair(), fair);
        assert_eq!(s.queue_length(), 0);
    }
}

/// testConstructorDefaultsToNonFair.
#[test]
fn constructor_defaults_to_non_fair() {
    assert!(!Semaphore::new(1).is_fair());
    assert!(!Semaphore::default().is_fair());
    assert_eq!(Semaphore::default().available_permits(), 0);
}

/// testTryAcquireInSameThread.
fn try_acquire_in_same_thread(fair: bool) {
    let s = sem(fair, 2);
    assert_eq!(s.available_permits(), 2);
    assert!(s.try_acquire(1));
    assert!(s.try_acquire(1));
    assert_eq!(s.available_permits(), 0);
    assert!(!s.try_acquire(1));
    assert!(!s.try_acquire(1));
    assert_eq!(s.available_permits(), 0);
}

/// testTryAcquire_timeout: a timed acquire of a permit nobody releases
/// times out, no earlier than asked.
fn try_acquire_timeout(fair: bool) {
    let s = sem(fair, 0);
    let start = Instant::now();
    assert!(!s.acquire_timeout(1, SHORT));
    assert!(start.elapsed() >= SHORT);
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.queue_length(), 0);
}

/// testTryAcquireN_timeout: 3 of 2 permits times out, and the 2 stay.
fn try_acquire_n_timeout(fair: bool) {
    let s = sem(fair, 2);
    let start = Instant::now();
    assert!(!s.acquire_timeout(3, SHORT));
    assert!(start.elapsed() >= SHORT);
    assert_eq!(s.available_permits(), 2);
    let past = Instant::now() - Duration::from_millis(1);
    assert!(!s.acquire_deadline(3, past));
    assert_eq!(s.available_permits(), 2);
}

/// testInterruptible: for 1 and for 3 permits, giving up before queueing (a
/// deadline already past) and while queued (a timeout, a cancelled async
/// acquire) leaves the permits and the queue as they were.
fn cancellable_before_and_while_queued(fair: bool) {
    let s = Arc::new(sem(fair, 0));
    for n in [1, 3] {
        // Before: a deadline that has passed fails at once.
        assert!(!s.acquire_timeout(n, Duration::ZERO));
        assert!(!s.acquire_deadline(n, Instant::now()));
        // While queued: a timed acquire on another thread times out.
        let t = {
            let s = Arc::clone(&s);
            spawn(move || s.acquire_timeout(n, SHORT))
        };
        assert!(!join(t));
        // While queued: an async acquire, cancelled.
        let mut f = s.acquire_async(n);
        assert_eq!(poll_once(&mut f), Poll::Pending);
        assert_eq!(s.queue_length(), 1);
        drop(f);
        assert_eq!(s.queue_length(), 0);
        assert_eq!(s.available_permits(), 0);
    }
}

/// testUninterruptible: two blocking acquires wait until permits come.
fn uninterruptible_acquire_waits_for_release(fair: bool) {
    let s = Arc::new(sem(fair, 0));
    let ts: Vec<_> = (0..2)
        .map(|_| {
            let s = Arc::clone(&s);
            spawn(move || s.acquire(1))
        })
        .collect();
    wait_until("both are queued", || s.queue_length() == 2);
    assert_stays_blocked(&ts[0]);
    assert!(!ts[1].is_finished());
    s.release(2).unwrap();
    ts.into_iter().for_each(join);
    assert_eq!(s.available_permits(), 0);
}

/// testHasQueuedThreads / testGetQueueLength: waiters are counted while
/// queued, and no longer once cancelled or granted.
fn queue_length(fair: bool) {
    let s = Arc::new(sem(fair, 1));
    assert_eq!(s.queue_length(), 0);
    s.acquire(1);
    // t1 of the TCK is interrupted: here an async acquire, cancelled.
    let mut t1 = s.acquire_async(1);
    assert_eq!(poll_once(&mut t1), Poll::Pending);
    assert_eq!(s.queue_length(), 1);
    let t2 = {
        let s = Arc::clone(&s);
        spawn(move || s.acquire(1))
    };
    wait_until("t2 is queued", || s.queue_length() == 2);
    drop(t1);
    assert_eq!(s.queue_length(), 1);
    s.release(1).unwrap();
    join(t2);
    assert_eq!(s.queue_length(), 0);
    assert_eq!(s.available_permits(), 0);
}

/// testDrainPermits.
fn drain_permits(fair: bool) {
    let s = sem(fair, 0);
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.drain_permits(), 0);
    s.release(10).unwrap();
    assert_eq!(s.available_permits(), 10);
    assert_eq!(s.drain_permits(), 10);
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.drain_permits(), 0);
}

/// testReleaseIAE: a release the count cannot hold is an error, and
/// changes nothing.
fn release_overflow_is_an_error(fair: bool) {
    let s = sem(fair, 10);
    let err = s.release(usize::MAX).unwrap_err();
    assert!(!err.to_string().is_empty());
    assert_eq!(s.available_permits(), 10);
    s.release(usize::MAX - 10).unwrap();
    assert_eq!(s.available_permits(), usize::MAX);
    assert!(s.release(1).is_err());
    assert_eq!(s.available_permits(), usize::MAX);
    assert!(s.try_acquire(usize::MAX));
    assert_eq!(s.available_permits(), 0);
}

/// testTryAcquireNInSameThread.
fn try_acquire_n_in_same_thread(fair: bool) {
    let s = sem(fair, 2);
    assert_eq!(s.available_permits(), 2);
    assert!(!s.try_acquire(3));
    assert_eq!(s.available_permits(), 2);
    assert!(s.try_acquire(2));
    assert_eq!(s.available_permits(), 0);
    assert!(!s.try_acquire(1));
    assert!(!s.try_acquire(2));
    assert_eq!(s.available_permits(), 0);
    // Zero permits are always there.
    assert!(s.try_acquire(0));
    s.acquire(0);
}

/// testReleaseAcquireSameThread, for every acquire method.
fn release_acquire_same_thread(fair: bool) {
    for method in Acquire::ALL {
        let s = sem(fair, 1);
        for i in 1..6 {
            s.release(i).unwrap();
            assert_eq!(s.available_permits(), 1 + i, "{method:?}");
            method.acquire(&s, i);
            assert_eq!(s.available_permits(), 1, "{method:?}");
        }
    }
}

/// testReleaseAcquireDifferentThreads: a release on one thread lets a
/// waiting acquire (of 1, then of 3) on another go on.
fn release_acquire_different_threads(fair: bool) {
    const ROUNDS: usize = 4;
    for method in Acquire::WAITING {
        let s = Arc::new(sem(fair, 0));
        let t = {
            let s = Arc::clone(&s);
            spawn(move || {
                for i in 0..ROUNDS {
                    assert_eq!(s.queue_length(), 0);
                    method.acquire(&s, if i % 2 == 0 { 1 } else { 3 });
                }
            })
        };
        for i in 0..ROUNDS {
            wait_until("the acquire is queued", || {
                s.available_permits() == 0 && s.queue_length() == 1
            });
            s.release(if i % 2 == 0 { 1 } else { 3 }).unwrap();
        }
        join(t);
        assert_eq!(s.available_permits(), 0);
    }
}

/// testFairLocksFifo on the fair semaphore: a queued acquire of 3 keeps a
/// later timed acquire out even with a permit free; the untimed
/// `try_acquire` barges; a later blocking acquire queues behind the first.
#[test]
fn fair_locks_fifo() {
    let s = Arc::new(Semaphore::fair(1));
    let please_release = Arc::new(CountDownLatch::new(1));
    let t1 = {
        let s = Arc::clone(&s);
        // Blocks: a permit is free, but not three.
        spawn(move || s.acquire(3))
    };
    wait_until("t1 is queued", || s.queue_length() == 1);
    let t2 = {
        let (s, please_release) = (Arc::clone(&s), Arc::clone(&please_release));
        spawn(move || {
            // Fail, though one permit is free: t1 is first.
            assert!(!s.acquire_timeout(1, Duration::ZERO));
            assert!(!s.acquire_deadline(1, Instant::now()));
            // The untimed try barges and succeeds.
            assert!(s.try_acquire(1));
            s.release(2).unwrap();
            assert!(s.try_acquire(2));
            s.release(1).unwrap();
            please_release.count_down();
            // Queues behind t1, though one permit is free.
            s.acquire(1);
        })
    };
    please_release.wait();
    wait_until("t2 is queued", || s.queue_length() == 2);
    assert_eq!(s.available_permits(), 1);
    s.release(2).unwrap();
    join(t1);
    assert_stays_blocked(&t2);
    s.release(1).unwrap();
    join(t2);
    assert_eq!(s.available_permits(), 0);
}

/// The unfair semaphore's counterpart of `fair_locks_fifo`: a newcomer
/// takes a free permit even while an acquire of 3 waits.
#[test]
fn unfair_newcomers_barge() {
    let s = Arc::new(Semaphore::new(1));
    let t1 = {
        let s = Arc::clone(&s);
        spawn(move || s.acquire(3))
    };
    wait_until("t1 is queued", || s.queue_length() == 1);
    assert!(s.acquire_timeout(1, Duration::ZERO));
    s.release(1).unwrap();
    s.acquire(1);
    s.release(3).unwrap();
    join(t1);
    assert_eq!(s.available_permits(), 0);
}

/// An acquire of `n` never holds part of `n` while it waits: the permits
/// that are free stay free for others.
fn all_or_nothing(fair: bool) {
    let s = Arc::new(sem(fair, 2));
    let t = {
        let s = Arc::clone(&s);
        spawn(move || s.acquire(5))
    };
    wait_until("the acquire of 5 is queued", || s.queue_length() == 1);
    assert_eq!(s.available_permits(), 2);
    s.release(2).unwrap();
    assert_stays_blocked(&t);
    assert_eq!(s.available_permits(), 4);
    assert!(s.try_acquire(4));
    s.release(5).unwrap();
    join(t);
    assert_eq!(s.available_permits(), 0);
}

/// An async acquire that was granted its permits but dropped before it
/// returned them gives them back.
fn granted_but_cancelled_acquire_gives_permits_back(fair: bool) {
    let s = sem(fair, 0);
    let mut f = s.acquire_async(2);
    assert_eq!(poll_once(&mut f), Poll::Pending);
    s.release(2).unwrap();
    // The permits went to the waiting future.
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.queue_length(), 0);
    drop(f);
    assert_eq!(s.available_permits(), 2);
    // A completed acquire keeps what it took.
    let mut f = s.acquire_async(2);
    assert_eq!(poll_once(&mut f), Poll::Ready(()));
    drop(f);
    assert_eq!(s.available_permits(), 0);
}

/// A waiter at the head that gives up lets the one behind it go on when
/// the permits suit that one: the cancelled acquire of 3 passes on the
/// release that could not serve it. Queued acquires are served in order on
/// both semaphores (only newcomers barge on the unfair one).
fn cancelled_head_passes_on(fair: bool) {
    let s = Arc::new(sem(fair, 0));
    let mut head = s.acquire_async(3);
    assert_eq!(poll_once(&mut head), Poll::Pending);
    let behind = {
        let s = Arc::clone(&s);
        spawn(move || s.acquire(1))
    };
    wait_until("the acquire of 1 is queued", || s.queue_length() == 2);
    s.release(1).unwrap();
    assert_stays_blocked(&behind);
    drop(head);
    join(behind);
    assert_eq!(s.available_permits(), 0);
    assert_eq!(s.queue_length(), 0);
}

/// As `cancelled_head_passes_on`, the head giving up by a timeout. Should
/// the machine be so loaded that the head times out before the second
/// acquire is queued, the round is run again with a longer timeout.
fn timed_out_head_passes_on(fair: bool) {
    let mut timeout = Duration::from_millis(20);
    loop {
        let s = Arc::new(sem(fair, 0));
        let head = {
            let s = Arc::clone(&s);
            spawn(move || s.acquire_timeout(3, timeout))
        };
        wait_until("the acquire of 3 is queued", || s.queue_length() == 1);
        let behind = {
            let s = Arc::clone(&s);
            spawn(move || s.acquire_timeout(1, LONG))
        };
        wait_until("the acquire of 1 is queued", || {
            s.queue_length() == 2 || head.is_finished()
        });
        let in_order = !head.is_finished();
        s.release(1).unwrap();
        assert!(!join(head));
        assert!(join(behind));
        assert_eq!(s.available_permits(), 0);
        assert_eq!(s.queue_length(), 0);
        if in_order {
            return;
        }
        timeout *= 4;
    }
}

/// An async acquire is woken by a release on another thread.
fn async_acquire_woken_by_release(fair: bool) {
    let s = Arc::new(sem(fair, 0));
    let released = Arc::new(AtomicUsize::new(0));
    let t = {
        let (s, released) = (Arc::clone(&s), Arc::clone(&released));
        spawn(move || {
            wait_until("the async acquire is queued", || s.queue_length() == 1);
            released.store(1, Ordering::SeqCst);
            s.release(3).unwrap();
        })
    };
    let f = s.acquire_async(3);
    assert_send(&f);
    block_on(f);
    assert_eq!(released.load(Ordering::SeqCst), 1);
    join(t);
    assert_eq!(s.available_permits(), 0);
}

/// testToString: the debug form shows the permits.
fn debug_shows_permits(fair: bool) {
    let s = sem(fair, 0);
    assert!(format!("{s:?}").contains("permits: 0"));
    s.release(3).unwrap();
    assert!(format!("{s:?}").contains("permits: 3"));
}

/// Acquires that wait are served in the order they came, on both
/// semaphores (the unfair one lets only newcomers barge).
fn queued_acquires_are_served_in_order(fair: bool) {
    const WAITERS: usize = 5;
    let s = Arc::new(sem(fair, 0));
    let served = Arc::new(std::sync::Mutex::new(Vec::new()));
    let ts: Vec<_> = (0..WAITERS)
        .map(|i| {
            let t = {
                let (s, served) = (Arc::clone(&s), Arc::clone(&served));
                spawn(move || {
                    s.acquire(1);
                    served.lock().unwrap().push(i);
                })
            };
            wait_until("the acquire is queued", || s.queue_length() == i + 1);
            t
        })
        .collect();
    for i in 0..WAITERS {
        s.release(1).unwrap();
        wait_until("one more was served", || {
            served.lock().unwrap().len() == i + 1
        });
    }
    ts.into_iter().for_each(join);
    assert_eq!(*served.lock().unwrap(), (0..WAITERS).collect::<Vec<_>>());
}
