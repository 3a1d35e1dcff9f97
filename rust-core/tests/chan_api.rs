//! The channel API the bindings build on (issue 10): capacities checked by
//! what is allocated up front (fault 7), cancelling a send and knowing its
//! fate (fault 3), visiting buffered values (fault 9), and a receive future
//! that refuses a second poll (fault 12), and `send_with`/`recv_with`, the
//! one call for every way to wait that the C binding dispatches to.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, RecvTimeoutError, SendTimeoutError};
use polyconc::{Deadline, Wait};

fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// Far too large to allocate: a slot of 128 TiB.
type Huge = [u8; 1 << 47];

#[test]
fn capacities_the_core_grows_lazily_are_accepted() {
    // Fault 7's capacities: only a first block is allocated for them.
    for cap in [1 << 36, usize::MAX - 1, (1 << 16) + 1] {
        let ch = Chan::<u64>::try_with_capacity(cap).unwrap();
        assert_eq!(ch.capacity(), Some(cap));
        ch.try_send(7).unwrap();
        assert_eq!(ch.try_recv(), Ok(7));
    }
    let zst = Chan::<()>::try_with_capacity(1 << 40).unwrap();
    assert_eq!(zst.capacity(), Some(1 << 40));
    let unbounded = Chan::<u8>::try_with_capacity(usize::MAX).unwrap();
    assert_eq!(unbounded.capacity(), None);
    // Rendezvous and small rings as before.
    assert_eq!(
        Chan::<u8>::try_with_capacity(0).unwrap().capacity(),
        Some(0)
    );
    assert_eq!(
        Chan::<u8>::try_with_capacity(1 << 16).unwrap().capacity(),
        Some(1 << 16)
    );
}

#[test]
fn capacity_error_when_the_slots_up_front_cannot_be_had() {
    // A ring allocates all its slots (here their size overflows).
    let err = Chan::<Huge>::try_with_capacity(1 << 16).unwrap_err();
    assert_eq!(err.capacity(), 1 << 16);
    let msg = err.to_string();
    assert!(msg.contains("65536 slots"), "{msg}");
    assert!(msg.contains("capacity 65536"), "{msg}");
    // A list allocates one block, here more than any address space.
    let err = Chan::<Huge>::try_with_capacity(1 << 20).unwrap_err();
    assert!(err.to_string().contains("31 slots"), "{err}");
    let err = Chan::<Huge>::try_with_capacity(usize::MAX).unwrap_err();
    assert_eq!(err.capacity(), usize::MAX);
    assert!(err.to_string().contains("an unbounded channel"), "{err}");
}

#[test]
#[should_panic(expected = "out of memory allocating the 1 slots that a channel of capacity 1")]
fn new_panics_with_the_capacity_error() {
    let _ = Chan::<Huge>::new(1);
}

#[test]
fn cancel_gives_back_an_unclaimed_value() {
    for cap in [0, 1, usize::MAX] {
        let ch = Chan::new(cap);
        // Never polled.
        assert_eq!(ch.send_async(1).cancel(), Err(1));
        if cap == 1 {
            ch.send(0).unwrap(); // full: the next send waits
        }
        let mut fut = ch.send_async(2);
        if cap != usize::MAX {
            assert!(poll_once(&mut fut).is_pending());
            assert_eq!(fut.cancel(), Err(2), "capacity {cap}");
        } else {
            assert_eq!(poll_once(&mut fut), Poll::Ready(Ok(())));
            assert_eq!(fut.cancel(), Ok(()), "completed: nothing to give back");
        }
        if cap == 1 {
            assert_eq!(ch.try_recv(), Ok(0));
        }
        if cap == usize::MAX {
            assert_eq!(ch.try_recv(), Ok(2));
        }
        // Nothing withdrawn is ever received.
        ch.close();
        assert_eq!(ch.try_recv(), Err(polyconc::chan::TryRecvError::Closed));
    }
}

#[test]
fn cancel_after_a_receiver_claimed_says_delivered() {
    let ch = Chan::new(0);
    let mut fut = ch.send_async(5);
    assert!(poll_once(&mut fut).is_pending());
    let rx = ch.clone();
    let receiver = thread::spawn(move || rx.recv());
    // The receiver finds the queued sender and takes its value at once.
    assert_eq!(receiver.join().unwrap(), Ok(5));
    assert_eq!(fut.cancel(), Ok(()));
}

#[test]
fn cancel_after_close_gives_the_value_back() {
    let ch = Chan::new(0);
    let mut fut = ch.send_async(5);
    assert!(poll_once(&mut fut).is_pending());
    ch.close();
    assert_eq!(fut.cancel(), Err(5));
}

#[test]
fn dropping_a_claimed_send_future_still_delivers() {
    // The documented fate of a dropped send: claimed means delivered.
    let ch = Chan::new(0);
    let mut fut = ch.send_async(9);
    assert!(poll_once(&mut fut).is_pending());
    let rx = ch.clone();
    let receiver = thread::spawn(move || rx.recv());
    let got = receiver.join().unwrap();
    drop(fut);
    assert_eq!(got, Ok(9));
}

/// Cancelling races with receivers: every value is either given back by
/// `cancel` or received, never both, never neither.
#[test]
fn cancel_racing_receivers_accounts_for_every_value() {
    const N: u64 = 2_000;
    let ch = Chan::new(0);
    let received = {
        let rx = ch.clone();
        thread::spawn(move || rx.iter().collect::<Vec<u64>>())
    };
    let mut given_back = Vec::new();
    let mut delivered = Vec::new();
    for v in 0..N {
        let mut fut = ch.send_async(v);
        match poll_once(&mut fut) {
            Poll::Ready(r) => {
                r.unwrap();
                delivered.push(v);
                continue;
            }
            Poll::Pending => {}
        }
        if v % 3 == 0 {
            thread::yield_now();
        }
        match fut.cancel() {
            Ok(()) => delivered.push(v),
            Err(back) => given_back.push(back),
        }
    }
    ch.close();
    let mut received = received.join().unwrap();
    received.sort_unstable();
    assert_eq!(received, delivered);
    assert_eq!(received.len() + given_back.len(), N as usize);
}

#[test]
fn for_each_buffered_visits_the_buffer_in_order() {
    for cap in [3, 100, 1 << 17, usize::MAX] {
        let ch = Chan::new(cap);
        let mut seen = Vec::new();
        // SAFETY: this thread alone uses the channel.
        unsafe { ch.for_each_buffered(|v: &u32| seen.push(*v)) };
        assert!(seen.is_empty());
        let n = cap.min(100) as u32;
        for v in 0..n {
            ch.send(v).unwrap();
        }
        // Move the head along, across a list block or a ring's lap.
        for v in 0..n / 2 {
            assert_eq!(ch.recv(), Ok(v));
        }
        for v in n..n + n / 2 {
            ch.send(v).unwrap();
        }
        // SAFETY: this thread alone uses the channel.
        unsafe { ch.for_each_buffered(|v| seen.push(*v)) };
        let expected: Vec<u32> = (n / 2..n + n / 2).collect();
        assert_eq!(seen, expected, "capacity {cap}");
        // Visiting takes nothing.
        assert_eq!(ch.len(), expected.len());
        ch.close();
        // SAFETY: this thread alone uses the channel.
        unsafe { ch.for_each_buffered(|_| {}) };
        assert_eq!(ch.iter().collect::<Vec<_>>(), expected);
    }
}

#[test]
fn for_each_buffered_on_rendezvous_sees_nothing() {
    let ch = Chan::new(0);
    let mut fut = ch.send_async(Arc::new(1));
    assert!(poll_once(&mut fut).is_pending());
    let mut visits = 0;
    // SAFETY: no operation is in flight; the pending future is not polled.
    unsafe { ch.for_each_buffered(|_| visits += 1) };
    assert_eq!(visits, 0);
    assert!(fut.cancel().is_err());
}

#[test]
fn for_each_buffered_lends_without_dropping() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let ch = Chan::unbounded();
    for _ in 0..70 {
        ch.send(Counted(drops.clone())).unwrap();
    }
    let mut visits = 0;
    // SAFETY: this thread alone uses the channel.
    unsafe { ch.for_each_buffered(|c| visits += Arc::strong_count(&c.0)) };
    assert_eq!(visits, 70 * 71);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(ch);
    assert_eq!(drops.load(Ordering::SeqCst), 70);
}

#[test]
fn recv_future_polled_after_ready_panics_without_taking() {
    for cap in [0, 2, usize::MAX] {
        let ch = Chan::new(cap);
        let tx = ch.clone();
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            if cap != 0 {
                tx.send(2).unwrap();
            }
        });
        let mut fut = ch.recv_async();
        let first = loop {
            if let Poll::Ready(v) = poll_once(&mut fut) {
                break v;
            }
            thread::yield_now();
        };
        assert_eq!(first, Ok(1));
        sender.join().unwrap();
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll_once(&mut fut)));
        let msg = *again.unwrap_err().downcast::<String>().unwrap();
        // The same message as a send future polled again.
        let ch2 = Chan::new(1);
        let mut send = ch2.send_async(0);
        assert!(poll_once(&mut send).is_ready());
        let send_again =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| poll_once(&mut send)));
        let send_msg = send_again.unwrap_err();
        let send_msg = send_msg
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| send_msg.downcast_ref::<String>().cloned())
            .unwrap();
        assert_eq!(msg, send_msg);
        // The second value is still there.
        if cap != 0 {
            assert_eq!(ch.try_recv(), Ok(2));
        }
    }
}

/// Every way to wait, on every kind of channel, behaves as the named call
/// it stands for: `Now` as `try_*`, a past or short deadline as a timed
/// call, `FOREVER` as the blocking call.
#[test]
fn send_with_and_recv_with_wait_as_told() {
    let short = || Wait::timeout(Duration::from_millis(2));
    for cap in [0, 1, usize::MAX] {
        let ch = Chan::new(cap);
        if cap == 0 {
            // Nobody to take it, however long one waits.
            assert_eq!(
                ch.send_with(1, Wait::Now),
                Err(SendTimeoutError::Timeout(1))
            );
            assert_eq!(ch.send_with(2, short()), Err(SendTimeoutError::Timeout(2)));
        } else {
            assert_eq!(ch.send_with(1, Wait::Now), Ok(()));
            assert_eq!(ch.recv_with(Wait::Now), Ok(1));
        }
        assert_eq!(ch.recv_with(Wait::Now), Err(RecvTimeoutError::Timeout));
        let past = Wait::Until(Deadline::after(Duration::ZERO));
        assert_eq!(ch.recv_with(past), Err(RecvTimeoutError::Timeout));
        assert_eq!(ch.recv_with(short()), Err(RecvTimeoutError::Timeout));
        if cap == 1 {
            ch.send(3).unwrap();
            assert_eq!(ch.send_with(4, short()), Err(SendTimeoutError::Timeout(4)));
            assert_eq!(ch.recv_with(Wait::FOREVER), Ok(3));
        }
        ch.close();
        for wait in [Wait::Now, short(), Wait::FOREVER] {
            assert_eq!(ch.send_with(5, wait), Err(SendTimeoutError::Closed(5)));
            assert_eq!(ch.recv_with(wait), Err(RecvTimeoutError::Closed));
        }
    }
}

/// A waiting `send_with`/`recv_with` is met by a partner that comes later:
/// every value arrives once, whichever side waits, with a deadline or
/// without.
#[test]
fn send_with_and_recv_with_meet_a_later_partner() {
    const N: u64 = 2_000;
    let long = || Wait::timeout(Duration::from_secs(60));
    for cap in [0, 1, 64] {
        let ch = Chan::new(cap);
        let receiver = {
            let ch = ch.clone();
            thread::spawn(move || {
                let mut sum = 0;
                for i in 0..N {
                    let wait = if i % 2 == 0 { Wait::FOREVER } else { long() };
                    sum += ch.recv_with(wait).unwrap();
                }
                assert_eq!(ch.recv_with(Wait::FOREVER), Err(RecvTimeoutError::Closed));
                sum
            })
        };
        for i in 0..N {
            let wait = if i % 3 == 0 { long() } else { Wait::FOREVER };
            ch.send_with(i, wait).unwrap();
        }
        ch.close();
        assert_eq!(receiver.join().unwrap(), N * (N - 1) / 2);
    }
}
