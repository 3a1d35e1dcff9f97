//! A blocked rendezvous operation keeps the value it moves in its waiter's
//! own room when the value fits there (two words, word-aligned), and on its
//! stack otherwise. Values of every shape around that bound go through a
//! blocked send, a blocked receive, a timed-out send (which gives its value
//! back) and a close (which gives a blocked sender's value back), each
//! compared byte for byte, and a value with a destructor is dropped exactly
//! once.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, SendTimeoutError};

/// Runs every check for values `make(i)`.
fn check<T>(make: fn(u8) -> T)
where
    T: Send + PartialEq + std::fmt::Debug + 'static,
{
    // A blocked send: the receiver comes later, and takes the value out
    // of the blocked sender's slot.
    let ch = Chan::new(0);
    let tx = {
        let ch = ch.clone();
        thread::spawn(move || {
            for i in 0..50 {
                ch.send(make(i)).unwrap();
            }
        })
    };
    for i in 0..50 {
        assert_eq!(ch.recv().unwrap(), make(i));
    }
    tx.join().unwrap();

    // A blocked receive: the sender writes into the receiver's slot.
    let rx = {
        let ch = ch.clone();
        thread::spawn(move || (0..50).map(|_| ch.recv().unwrap()).collect::<Vec<_>>())
    };
    for i in 0..50 {
        ch.send(make(i)).unwrap();
    }
    assert_eq!(rx.join().unwrap(), (0..50).map(make).collect::<Vec<_>>());

    // Nobody receives: the value comes back out of the slot, as it was.
    match ch.send_timeout(make(7), Duration::from_millis(1)) {
        Err(SendTimeoutError::Timeout(v)) => assert_eq!(v, make(7)),
        other => panic!("expected a timeout, got {other:?}"),
    }

    // A close claims a blocked sender, which finds its value still there.
    let tx = {
        let ch = ch.clone();
        thread::spawn(move || ch.send(make(9)))
    };
    // Time for the sender to block first; if the close comes first, the
    // send fails the same way.
    thread::sleep(Duration::from_millis(5));
    ch.close();
    assert_eq!(tx.join().unwrap().unwrap_err().0, make(9));
}

#[test]
fn values_that_fit_the_waiters_room() {
    check(|_| ());
    check(|i| i);
    check(|i| u64::from(i) * 0x0101_0101_0101_0101);
    check(|i| [i; 15]);
    check(|i| (u32::from(i), i));
}

#[test]
fn values_too_large_or_too_aligned_for_it() {
    check(|i| (u64::from(i), u64::from(i) + 1));
    check(|i| [i; 16]);
    check(|i| [u64::from(i); 5]);
    check(|i| u128::from(i) << 64 | u128::from(i));
    check(|i| format!("value {i}"));
}

/// Counts its drops.
#[derive(Debug)]
struct Counted(u8, Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.1.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn a_value_with_a_destructor_is_dropped_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let ch = Chan::<Counted>::new(0);
    let rx = {
        let ch = ch.clone();
        thread::spawn(move || {
            for i in 0..100 {
                assert_eq!(ch.recv().unwrap().0, i);
            }
        })
    };
    for i in 0..100 {
        ch.send(Counted(i, Arc::clone(&drops))).unwrap();
    }
    rx.join().unwrap();
    let back = ch.send_timeout(Counted(0, Arc::clone(&drops)), Duration::from_millis(1));
    assert_eq!(drops.load(Ordering::Relaxed), 100);
    drop(back);
    assert_eq!(drops.load(Ordering::Relaxed), 101);
}
