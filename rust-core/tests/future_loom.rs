//! loom models of the promise state (reduced: two or three threads, a
//! couple of operations each): a completion racing callback registrations,
//! `zip` with both sides completing at once, `first_completed_of` with
//! simultaneous completions, `sequence`'s countdown with its inputs
//! completing at once (and one failing), a blocked `result` woken by a
//! completion, and `flat_map`'s adoption of an inner future racing its
//! completion, and a walk that compresses a two-hop link chain racing a
//! completion through the same chain. Each
//! model asserts that every callback runs exactly once and sees the value;
//! loom itself fails a model in which a waiter sleeps forever.
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p polyconc --test future_loom --release`
#![cfg(loom)]

use std::time::Duration;

use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::sync::Arc;
use loom::thread;
use polyconc::exec::parasitic;
use polyconc::future::{first_completed_of, sequence, Failure, Future, Promise};

/// A callback that counts its runs and checks the value it saw.
fn counting(
    count: &Arc<AtomicUsize>,
    expected: i32,
) -> impl FnOnce(&Result<i32, Failure>) + Send + 'static {
    let count = Arc::clone(count);
    move |r| {
        assert_eq!(r.as_ref().ok(), Some(&expected));
        count.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn completion_races_registrations() {
    loom::model(|| {
        let p = Promise::<i32>::new();
        let count = Arc::new(AtomicUsize::new(0));
        let completer = {
            let p = p.clone();
            thread::spawn(move || p.success(1).unwrap())
        };
        let registrar = {
            let (f, c) = (p.future(), Arc::clone(&count));
            thread::spawn(move || f.on_complete(&parasitic(), counting(&c, 1)))
        };
        p.future().on_complete(&parasitic(), counting(&count, 1));
        completer.join().unwrap();
        registrar.join().unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 2);
    });
}

#[test]
fn zip_with_both_sides_completing_at_once() {
    loom::model(|| {
        let (a, b) = (Promise::<i32>::new(), Promise::<i32>::new());
        let z = a.future().zip(&b.future());
        let ta = thread::spawn(move || a.success(1).unwrap());
        let tb = thread::spawn(move || b.success(2).unwrap());
        ta.join().unwrap();
        tb.join().unwrap();
        assert_eq!(z.value().unwrap().as_ref().ok(), Some(&(1, 2)));
    });
}

#[test]
fn zip_with_a_failure_racing_a_success() {
    loom::model(|| {
        let (a, b) = (Promise::<i32>::new(), Promise::<i32>::new());
        let z = a.future().zip(&b.future());
        let ta = thread::spawn(move || a.success(1).unwrap());
        let tb = thread::spawn(move || b.failure(Failure::msg("b")).unwrap());
        ta.join().unwrap();
        tb.join().unwrap();
        assert_eq!(z.value().unwrap().as_ref().unwrap_err().to_string(), "b");
    });
}

#[test]
fn first_completed_of_with_simultaneous_completions() {
    loom::model(|| {
        let (a, b) = (Promise::<i32>::new(), Promise::<i32>::new());
        let first = first_completed_of([a.future(), b.future()]);
        let count = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&count);
        first.on_complete(&parasitic(), move |r| {
            assert!(matches!(r, Ok(1 | 2)));
            c.fetch_add(1, Ordering::SeqCst);
        });
        let ta = thread::spawn(move || a.success(1).unwrap());
        let tb = thread::spawn(move || b.success(2).unwrap());
        ta.join().unwrap();
        tb.join().unwrap();
        assert!(matches!(first.value(), Some(Ok(1 | 2))));
        assert_eq!(count.load(Ordering::SeqCst), 1);
    });
}

/// Whoever counts `sequence`'s countdown to zero builds the values; the
/// others' slot writes must be visible to it. `a` completes while
/// `sequence` looks at it and registers (its slot is filled either by
/// `sequence` or by its hook), `b` while `a` completes.
#[test]
fn sequence_with_both_inputs_completing_at_once() {
    loom::model(|| {
        let (a, b) = (Promise::<i32>::new(), Promise::<i32>::new());
        let (fa, fb) = (a.future(), b.future());
        let ta = thread::spawn(move || a.success(1).unwrap());
        let all = sequence(&parasitic(), [fa, fb]);
        let tb = thread::spawn(move || b.success(2).unwrap());
        ta.join().unwrap();
        tb.join().unwrap();
        assert_eq!(all.value().unwrap().as_ref().ok(), Some(&vec![1, 2]));
    });
}

/// A failure completes the sequence at once; the success that counts down
/// last then finds it completed and builds nothing.
#[test]
fn sequence_with_a_failure_racing_a_success() {
    loom::model(|| {
        let (a, b) = (Promise::<i32>::new(), Promise::<i32>::new());
        let all = sequence(&parasitic(), [a.future(), b.future()]);
        let count = Arc::new(AtomicUsize::new(0));
        let c = Arc::clone(&count);
        all.on_complete(&parasitic(), move |r| {
            assert_eq!(r.as_ref().unwrap_err().to_string(), "b");
            c.fetch_add(1, Ordering::SeqCst);
        });
        let ta = thread::spawn(move || a.success(1).unwrap());
        let tb = thread::spawn(move || b.failure(Failure::msg("b")).unwrap());
        ta.join().unwrap();
        tb.join().unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn result_is_woken_by_a_completion() {
    loom::model(|| {
        let p = Promise::<i32>::new();
        let f = p.future();
        let t = thread::spawn(move || p.success(3).unwrap());
        assert_eq!(f.result(Duration::MAX), Ok(3));
        t.join().unwrap();
    });
}

#[test]
fn flat_map_adoption_races_the_inner_completion() {
    loom::model(|| {
        let inner = Promise::<i32>::new();
        let inner_future = inner.future();
        let t = thread::spawn(move || inner.success(5).unwrap());
        let f = Future::unit().flat_map(&parasitic(), move |_| inner_future);
        let count = Arc::new(AtomicUsize::new(0));
        f.on_complete(&parasitic(), counting(&count, 5));
        t.join().unwrap();
        assert_eq!(f.value().unwrap().as_ref().ok(), Some(&5));
        assert_eq!(count.load(Ordering::SeqCst), 1);
    });
}

/// Nested `flat_map`s link `b` to `x` and then `x` to `y`: `b` is two hops
/// from the root. A reader walking from `b` (which compresses `b`'s link)
/// races the completion of `b`'s promise (which walks and may compress
/// too): every handle sees the value, and the callback runs once.
#[test]
fn compression_races_a_completion_through_the_chain() {
    loom::model(|| {
        let (a, b, c) = (Promise::new(), Promise::<i32>::new(), Promise::new());
        let b_future = b.future();
        let x = a.future().flat_map(&parasitic(), move |_: &()| b_future);
        let x_inner = x.clone();
        let y = c.future().flat_map(&parasitic(), move |_: &()| x_inner);
        a.success(()).unwrap();
        c.success(()).unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        y.on_complete(&parasitic(), counting(&count, 4));
        let reader = {
            let f = b.future();
            thread::spawn(move || f.is_completed())
        };
        b.success(4).unwrap();
        reader.join().unwrap();
        for f in [b.future(), x, y] {
            assert_eq!(f.value().unwrap().as_ref().ok(), Some(&4));
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
    });
}
