//! Port of Go's `src/sync/once_test.go`, with a value. One deliberate
//! difference: Go's `Do` counts a panicking call as done (TestOncePanic's
//! second `Do` is skipped); here a panicking first call leaves the `Once`
//! empty and the next caller runs its own function, as `std::sync::OnceLock`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Instant;

use polyconc::sync::{CountDownLatch, Once};
use polyconc::Wait;

use crate::util::{assert_stays_blocked, join, spawn, wait_until, SHORT};

/// TestOnce: ten threads call at once; the function runs once and every
/// caller sees its value.
#[test]
fn once() {
    const N: usize = 10;
    let once = Arc::new(Once::new());
    let runs = Arc::new(AtomicUsize::new(0));
    let ts: Vec<_> = (0..N)
        .map(|i| {
            let (once, runs) = (Arc::clone(&once), Arc::clone(&runs));
            spawn(move || {
                let v = *once.call_once(|| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    i
                });
                assert_eq!(runs.load(Ordering::SeqCst), 1, "once failed inside run");
                v
            })
        })
        .collect();
    let seen: Vec<usize> = ts.into_iter().map(join).collect();
    assert_eq!(runs.load(Ordering::SeqCst), 1, "once failed outside run");
    assert!(seen.iter().all(|&v| v == seen[0]));
    assert_eq!(once.get(), Some(&seen[0]));
}

/// TestOncePanic, with this `Once`'s rule: each panicking call leaves it
/// empty, the first call that returns fills it, and later calls are skipped.
#[test]
fn once_panic() {
    let once = Once::new();
    for _ in 0..2 {
        let r = catch_unwind(AssertUnwindSafe(|| {
            once.call_once(|| -> u32 { panic!("failed") });
        }));
        assert!(r.is_err(), "call_once() has not panicked");
        assert_eq!(once.get(), None);
    }
    assert_eq!(*once.call_once(|| 7), 7);
    assert_eq!(*once.call_once(|| panic!("Once called twice")), 7);
}

/// Starts a first call on its own thread and returns once it runs: its
/// function waits for the latch, then returns `make()` (which may panic).
/// The thread gives `Err` if the call panicked.
fn first_call_waiting<T: Copy + Send + Sync + 'static>(
    once: &Arc<Once<T>>,
    make: impl FnOnce() -> T + Send + 'static,
) -> (JoinHandle<Result<T, ()>>, Arc<CountDownLatch>) {
    let go_on = Arc::new(CountDownLatch::new(1));
    let (started_tx, started) = mpsc::channel();
    let first = {
        let (once, go_on) = (Arc::clone(once), Arc::clone(&go_on));
        spawn(move || {
            catch_unwind(AssertUnwindSafe(|| {
                *once.call_once(|| {
                    started_tx.send(()).unwrap();
                    go_on.wait();
                    make()
                })
            }))
            .map_err(drop)
        })
    };
    started.recv().unwrap();
    (first, go_on)
}

/// Callers that come while the first call runs block until it finishes,
/// and get its value; their functions never run.
#[test]
fn waiters_block_until_the_first_call_finishes() {
    let once = Arc::new(Once::new());
    let (first, go_on) = first_call_waiting(&once, || "first");
    let second = {
        let once = Arc::clone(&once);
        spawn(move || *once.call_once(|| "second"))
    };
    assert_stays_blocked(&second);
    assert_eq!(once.get(), None);
    go_on.count_down();
    assert_eq!(join(first), Ok("first"));
    assert_eq!(join(second), "first");
    assert_eq!(once.get(), Some(&"first"));
}

/// A caller that may wait only so long for another's call gives up with
/// `None`, without running its own function.
#[test]
fn waiting_for_another_call_times_out() {
    let once = Arc::new(Once::new());
    let (first, go_on) = first_call_waiting(&once, || 1);
    let start = Instant::now();
    assert_eq!(once.call_once_timeout(|| unreachable!(), SHORT), None);
    assert!(start.elapsed() >= SHORT);
    assert_eq!(once.call_once_with(|| unreachable!(), Wait::Now), None);
    assert_eq!(
        once.call_once_deadline(|| unreachable!(), Instant::now()),
        None
    );
    go_on.count_down();
    assert_eq!(join(first), Ok(1));
    assert_eq!(once.call_once_with(|| unreachable!(), Wait::Now), Some(&1));
    assert_eq!(once.call_once_timeout(|| unreachable!(), SHORT), Some(&1));
}

/// A first call that panics while others wait lets one of them run its
/// own function; all waiters then get that value.
#[test]
fn panicking_first_call_lets_a_waiter_try() {
    let once = Arc::new(Once::new());
    let (first, go_on) = first_call_waiting(&once, || -> usize { panic!("the first call fails") });
    let runs = Arc::new(AtomicUsize::new(0));
    let waiting = Arc::new(AtomicUsize::new(0));
    let waiters: Vec<_> = (1..=3)
        .map(|i| {
            let (once, runs, waiting) =
                (Arc::clone(&once), Arc::clone(&runs), Arc::clone(&waiting));
            spawn(move || {
                waiting.fetch_add(1, Ordering::SeqCst);
                *once.call_once(|| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    i
                })
            })
        })
        .collect();
    wait_until("the waiters started", || {
        waiting.load(Ordering::SeqCst) == 3
    });
    go_on.count_down();
    assert_eq!(join(first), Err(()));
    let got: Vec<usize> = waiters.into_iter().map(join).collect();
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert!(got.iter().all(|&v| v == got[0] && v != 0));
}

/// The value is dropped once, with the `Once`; an empty `Once` drops nothing.
#[test]
fn drops_the_value_once() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let once = Once::new();
    once.call_once(|| Counted(Arc::clone(&drops)));
    once.call_once(|| Counted(Arc::clone(&drops)));
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(once);
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(Once::<Counted>::new());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
}

/// A `static` needs no lazy wrapper: `Once::new` is `const`.
#[test]
fn in_a_static() {
    static CONFIG: Once<String> = Once::new();
    assert_eq!(CONFIG.get(), None);
    assert_eq!(CONFIG.call_once(|| "ready".to_string()), "ready");
    assert_eq!(CONFIG.get().map(String::as_str), Some("ready"));
    let d = format!("{:?}", Once::<u8>::default());
    assert!(d.contains("Once"));
}
