//! The semantics issue 12 pins for the locks, one test each: no
//! poisoning, guards that travel, unlock from any thread, cancelled async
//! waits that give back what they held, a waiting writer blocking new
//! readers, a timed condvar wait that says whether it timed out, the spin
//! lock's re-polling future.

mod sync_locks_util;

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread;
use std::time::Duration;

use polyconc::sync::{Condvar, Mutex, NotLocked, RawMutex, RwLock, SpinLock};
use sync_locks_util::{block_on, poll_once, wait_until, SHORT_DELAY};

#[test]
fn a_panic_while_locked_does_not_poison() {
    let m = Arc::new(Mutex::new(1));
    let r = {
        let m = m.clone();
        thread::spawn(move || {
            let _g = m.lock();
            panic!("while holding the lock");
        })
        .join()
    };
    assert!(r.is_err());
    // The guard's drop released the lock; the data is there, no Result.
    *m.lock() += 1;
    assert_eq!(*m.lock(), 2);
}

#[test]
fn a_guard_may_be_dropped_on_another_thread() {
    let m = Mutex::new(0);
    let mut g = m.lock();
    *g = 5;
    thread::scope(|s| {
        s.spawn(move || drop(g));
    });
    assert_eq!(*m.try_lock().expect("released by the other thread"), 5);
}

#[test]
fn raw_mutex_unlocks_from_any_thread_and_reports_misuse() {
    let m = Arc::new(RawMutex::new());
    m.lock();
    let other = {
        let m = m.clone();
        thread::spawn(move || (m.unlock(), m.unlock()))
    };
    assert_eq!(other.join().unwrap(), (Ok(()), Err(NotLocked)));
    assert!(m.try_lock());
    m.unlock().unwrap();
}

/// A future queued for the lock and then dropped, whether or not the lock
/// was passed to it meanwhile, leaves it free for the next taker.
#[test]
fn cancelled_lock_future_gives_the_lock_back() {
    let m = Mutex::new(0);
    let held = m.lock();
    let mut fut = m.lock_async();
    assert!(poll_once(&mut fut).is_pending());
    drop(held); // wakes (or hands the lock to) the future
    drop(fut);
    assert!(m.try_lock().is_some());

    // And with a blocked thread queued behind the future.
    let held = m.lock();
    let mut fut = m.lock_async();
    assert!(poll_once(&mut fut).is_pending());
    thread::scope(|s| {
        // Given time to queue behind the future (if it is late, the test
        // only checks less: it cannot fail for that).
        s.spawn(|| *m.lock() += 1);
        thread::sleep(SHORT_DELAY);
        drop(held);
        drop(fut);
    });
    assert_eq!(*m.lock(), 1);
}

#[test]
fn cancelled_rwlock_futures_give_back_their_grants() {
    let lock = RwLock::new(0);
    let held = lock.write();
    let mut read = lock.read_async();
    let mut write = lock.write_async();
    assert!(poll_once(&mut read).is_pending());
    assert!(poll_once(&mut write).is_pending());
    drop(held); // grants the read future (first in line)
    drop(read);
    // The write future is granted once the read grant is given back.
    match poll_once(&mut write) {
        Poll::Ready(mut g) => *g += 1,
        Poll::Pending => panic!("the writer is next once the reader gave its grant back"),
    }
    drop(write);
    assert_eq!(*lock.try_write().expect("free again"), 1);
}

#[test]
fn a_waiting_writer_blocks_new_readers() {
    let lock = RwLock::new(0);
    let first = lock.read();
    thread::scope(|s| {
        let writer = s.spawn(|| *lock.write() += 1);
        // Once the writer is queued, a new reader cannot get in.
        wait_until("the writer is queued", || lock.try_read().is_none());
        assert!(lock.read_timeout(SHORT_DELAY).is_none());
        assert!(lock.try_write().is_none());
        drop(first);
        writer.join().unwrap();
    });
    assert_eq!(*lock.read(), 1);
}

#[test]
fn condvar_wait_timeout_says_whether_it_timed_out() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (m, cv) = &*pair;
    let (g, r) = cv.wait_timeout(m.lock(), SHORT_DELAY);
    assert!(r.timed_out());
    drop(g);
    let notifier = {
        let pair = pair.clone();
        thread::spawn(move || {
            let (m, cv) = &*pair;
            *m.lock() = true;
            cv.notify_all();
        })
    };
    let (g, r) = cv.wait_timeout_while(m.lock(), Duration::from_secs(60), |set| !*set);
    assert!(!r.timed_out());
    assert!(*g);
    drop(g);
    notifier.join().unwrap();
}

#[test]
fn condvar_works_with_a_raw_mutex() {
    let (m, cv) = (RawMutex::new(), Condvar::new());
    assert_eq!(cv.wait_raw(&m), Err(NotLocked));
    m.lock();
    let woken = AtomicUsize::new(0);
    thread::scope(|s| {
        s.spawn(|| {
            m.lock();
            woken.store(1, Ordering::Relaxed);
            cv.notify_one();
            m.unlock().unwrap();
        });
        while woken.load(Ordering::Relaxed) == 0 {
            cv.wait_raw(&m).unwrap();
        }
    });
    assert!(m.is_locked());
    m.unlock().unwrap();
}

struct CountWakes(AtomicUsize);

impl Wake for CountWakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn spin_lock_future_re_polls_itself() {
    let lock = SpinLock::new(0);
    let held = lock.lock();
    let wakes = Arc::new(CountWakes(AtomicUsize::new(0)));
    let waker = Waker::from(wakes.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = lock.lock_async();
    for n in 1..=3 {
        assert!(std::pin::Pin::new(&mut fut).poll(&mut cx).is_pending());
        assert_eq!(wakes.0.load(Ordering::Relaxed), n, "it woke its own task");
    }
    drop(held);
    assert!(std::pin::Pin::new(&mut fut).poll(&mut cx).is_ready());
}

#[test]
fn lock_futures_are_send_and_complete_across_threads() {
    fn is_send<T: Send>(t: T) -> T {
        t
    }
    let m = Arc::new(Mutex::new(0));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let m = m.clone();
            thread::spawn(move || {
                for _ in 0..1000 {
                    *block_on(is_send(m.lock_async())) += 1;
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(*m.lock(), 4000);
}
