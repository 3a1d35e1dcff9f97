//! Ports of Go's `src/sync/mutex_test.go`, `rwmutex_test.go` and
//! `cond_test.go` (golang/go), onto `polyconc::sync::{Mutex, RawMutex,
//! RwLock, Condvar}`. Each test names the Go test it follows. Goroutines
//! are threads; Go's channels used for signalling are `std::sync::mpsc`.
//! Go's misuse tests (unlock of an unlocked mutex panics) become `Err`
//! checks; the RWMutex misuse cases cannot be written against guards.

mod sync_locks_util;

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::sync::{Condvar, Mutex, NotLocked, RawMutex, RwLock};
use sync_locks_util::HANG;

// ---- mutex_test.go ----

/// HammerMutex / TestMutex: 10 threads x 1000 lock-unlock pairs (and a
/// count, which Go's test leaves implicit).
#[test]
fn test_mutex() {
    let m = Arc::new(Mutex::new(0));
    let (done_tx, done_rx) = mpsc::channel();
    for _ in 0..10 {
        let (m, done) = (m.clone(), done_tx.clone());
        thread::spawn(move || {
            for _ in 0..1000 {
                *m.lock() += 1;
            }
            done.send(()).unwrap();
        });
    }
    for _ in 0..10 {
        done_rx.recv_timeout(HANG).unwrap();
    }
    assert_eq!(*m.lock(), 10_000);
}

/// TestMutexMisuse ("Mutex.Unlock", "Mutex.Unlock2"): unlocking an
/// unlocked mutex is an error, not a crash.
#[test]
fn test_mutex_misuse() {
    let mu = RawMutex::new();
    assert_eq!(mu.unlock(), Err(NotLocked));
    mu.lock();
    assert_eq!(mu.unlock(), Ok(()));
    assert_eq!(mu.unlock(), Err(NotLocked));
    assert!(NotLocked.to_string().contains("not locked"));
}

/// TestMutexFairness: a thread that holds the lock 100 us at a time and
/// re-locks at once cannot keep another from getting it 10 times.
#[test]
fn test_mutex_fairness() {
    let mu = Arc::new(Mutex::new(()));
    let stop = Arc::new(AtomicBool::new(false));
    let hog = {
        let (mu, stop) = (mu.clone(), stop.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _g = mu.lock();
                thread::sleep(Duration::from_micros(100));
            }
        })
    };
    let (done_tx, done_rx) = mpsc::channel();
    {
        let mu = mu.clone();
        thread::spawn(move || {
            for _ in 0..10 {
                thread::sleep(Duration::from_micros(100));
                drop(mu.lock());
            }
            done_tx.send(()).unwrap();
        });
    }
    let got = done_rx.recv_timeout(HANG);
    stop.store(true, Ordering::Relaxed);
    hog.join().unwrap();
    assert!(got.is_ok(), "can't acquire Mutex");
}

// ---- rwmutex_test.go ----

/// parallelReader / TestParallelReaders: n readers all hold the read lock
/// at the same time.
#[test]
fn test_parallel_readers() {
    for readers in [1, 3, 4] {
        let m = Arc::new(RwLock::new(()));
        let (locked_tx, locked_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel();
        let mut unlocks = Vec::new();
        for _ in 0..readers {
            let (m, locked, done) = (m.clone(), locked_tx.clone(), done_tx.clone());
            let (unlock_tx, unlock_rx) = mpsc::channel::<()>();
            unlocks.push(unlock_tx);
            thread::spawn(move || {
                let g = m.read();
                locked.send(()).unwrap();
                unlock_rx.recv().unwrap();
                drop(g);
                done.send(()).unwrap();
            });
        }
        // Wait for all parallel read locks to succeed.
        for _ in 0..readers {
            locked_rx.recv_timeout(HANG).unwrap();
        }
        unlocks.iter().for_each(|u| u.send(()).unwrap());
        for _ in 0..readers {
            done_rx.recv_timeout(HANG).unwrap();
        }
    }
}

/// reader / writer / HammerRWMutex / TestRWMutex: `activity` counts active
/// readers plus 10000 per active writer; a reader must never see a writer,
/// a writer never anyone.
#[test]
fn test_rwmutex() {
    const ITERATIONS: usize = 1000;
    for readers in [1, 3, 10, 5] {
        let rwm = Arc::new(RwLock::new(()));
        let activity = Arc::new(AtomicI32::new(0));
        let writer = |rwm: Arc<RwLock<()>>, activity: Arc<AtomicI32>| {
            thread::spawn(move || {
                for _ in 0..ITERATIONS {
                    let _g = rwm.write();
                    let n = activity.fetch_add(10_000, Ordering::SeqCst) + 10_000;
                    assert_eq!(n, 10_000, "wlock({n})");
                    std::hint::black_box(0..100).for_each(drop);
                    activity.fetch_sub(10_000, Ordering::SeqCst);
                }
            })
        };
        let reader = |rwm: Arc<RwLock<()>>, activity: Arc<AtomicI32>| {
            thread::spawn(move || {
                for _ in 0..ITERATIONS {
                    let _g = rwm.read();
                    let n = activity.fetch_add(1, Ordering::SeqCst) + 1;
                    assert!((1..10_000).contains(&n), "rlock({n})");
                    std::hint::black_box(0..100).for_each(drop);
                    activity.fetch_sub(1, Ordering::SeqCst);
                }
            })
        };
        let mut threads = vec![writer(rwm.clone(), activity.clone())];
        for _ in 0..readers / 2 {
            threads.push(reader(rwm.clone(), activity.clone()));
        }
        threads.push(writer(rwm.clone(), activity.clone()));
        for _ in readers / 2..readers {
            threads.push(reader(rwm.clone(), activity.clone()));
        }
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(activity.load(Ordering::SeqCst), 0);
    }
}

/// TestRLocker: two read locks taken, then a write lock that waits for
/// both to go; a reader that comes while the writer holds waits for it.
#[test]
fn test_rlocker() {
    let wl = Arc::new(RwLock::new(()));
    let (rlocked_tx, rlocked_rx) = mpsc::channel();
    let (wlocked_tx, wlocked_rx) = mpsc::channel();
    let (runlock_tx, runlock_rx) = mpsc::channel::<()>();
    let (wunlock_tx, wunlock_rx) = mpsc::channel::<()>();
    const N: usize = 10;
    let t = {
        let wl = wl.clone();
        thread::spawn(move || {
            for _ in 0..N {
                let r1 = wl.read();
                let r2 = wl.read();
                rlocked_tx.send(()).unwrap();
                // The main thread's `rl.Unlock()`s, done here by message:
                // a read guard is released by the thread holding it.
                runlock_rx.recv().unwrap();
                drop(r1);
                runlock_rx.recv().unwrap();
                drop(r2);
                let w = wl.write();
                wlocked_tx.send(()).unwrap();
                wunlock_rx.recv().unwrap();
                drop(w);
            }
        })
    };
    for _ in 0..N {
        rlocked_rx.recv_timeout(HANG).unwrap();
        runlock_tx.send(()).unwrap();
        assert!(wlocked_rx.try_recv().is_err(), "didn't read-lock it");
        assert!(wl.try_write().is_none(), "one read lock is still held");
        runlock_tx.send(()).unwrap();
        wlocked_rx.recv_timeout(HANG).unwrap();
        assert!(
            rlocked_rx.try_recv().is_err(),
            "didn't respect the write lock"
        );
        assert!(wl.try_read().is_none(), "the write lock is held");
        wunlock_tx.send(()).unwrap();
    }
    t.join().unwrap();
}

// ---- cond_test.go ----

type Pair = Arc<(Mutex<()>, Condvar)>;

/// The waiter of TestCondSignal(Generations): locks, says it runs, waits
/// once, says it woke (with `id`), unlocks.
fn spawn_cond_waiter<I: Send + 'static>(
    pair: &Pair,
    running: &mpsc::Sender<()>,
    awake: &mpsc::Sender<I>,
    id: I,
) {
    let (pair, running, awake) = (pair.clone(), running.clone(), awake.clone());
    thread::spawn(move || {
        let (m, c) = &*pair;
        let g = m.lock();
        running.send(()).unwrap();
        let g = c.wait(g);
        awake.send(id).unwrap();
        drop(g);
    });
}

/// TestCondSignal: each signal wakes exactly one of the waiters.
#[test]
fn test_cond_signal() {
    let pair = Arc::new((Mutex::new(()), Condvar::new()));
    let n = 2;
    let (running_tx, running_rx) = mpsc::channel();
    let (awake_tx, awake_rx) = mpsc::channel();
    for _ in 0..n {
        spawn_cond_waiter(&pair, &running_tx, &awake_tx, ());
    }
    for _ in 0..n {
        running_rx.recv_timeout(HANG).unwrap(); // Wait for everyone to run.
    }
    let (m, c) = &*pair;
    for _ in 0..n {
        assert!(awake_rx.try_recv().is_err(), "thread not asleep");
        let g = m.lock();
        c.notify_one();
        drop(g);
        awake_rx.recv_timeout(HANG).unwrap(); // Hangs if no thread wakes up.
        assert!(awake_rx.try_recv().is_err(), "too many threads awake");
    }
    c.notify_one();
}

/// TestCondSignalGenerations: signals wake the waiters in the order they
/// began waiting.
#[test]
fn test_cond_signal_generations() {
    let pair = Arc::new((Mutex::new(()), Condvar::new()));
    let n = 100;
    let (running_tx, running_rx) = mpsc::channel();
    let (awake_tx, awake_rx) = mpsc::channel();
    let (m, c) = &*pair;
    for i in 0..n {
        spawn_cond_waiter(&pair, &running_tx, &awake_tx, i);
        if i > 0 {
            let a = awake_rx.recv_timeout(HANG).unwrap();
            assert_eq!(a, i - 1, "wrong thread woke up");
        }
        running_rx.recv_timeout(HANG).unwrap();
        let g = m.lock();
        c.notify_one();
        drop(g);
    }
}

/// TestCondBroadcast: every broadcast wakes each waiter once.
#[test]
fn test_cond_broadcast() {
    let n = 50;
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let (running_tx, running_rx) = mpsc::channel();
    let (awake_tx, awake_rx) = mpsc::channel();
    for g in 0..n {
        let (pair, running, awake) = (pair.clone(), running_tx.clone(), awake_tx.clone());
        thread::spawn(move || {
            let (m, c) = &*pair;
            let mut exit = m.lock();
            while !*exit {
                running.send(g).unwrap();
                exit = c.wait(exit);
                awake.send(g).unwrap();
            }
        });
    }
    let (m, c) = &*pair;
    for i in 0..n {
        for _ in 0..n {
            running_rx.recv_timeout(HANG).unwrap(); // Hangs unless n are running.
        }
        if i == n - 1 {
            *m.lock() = true;
        }
        assert!(awake_rx.try_recv().is_err(), "thread not asleep");
        let g = m.lock();
        c.notify_all();
        drop(g);
        let mut seen = vec![false; n];
        for _ in 0..n {
            let g = awake_rx.recv_timeout(HANG).unwrap();
            assert!(!seen[g], "thread woke up twice");
            seen[g] = true;
        }
    }
    thread::sleep(Duration::from_millis(10));
    assert!(running_rx.try_recv().is_err(), "thread did not exit");
    c.notify_all();
}

/// TestRace: three threads hand a value around through waits and signals.
#[test]
fn test_race() {
    let pair = Arc::new((Mutex::new(0), Condvar::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let spawn = |f: fn(&Mutex<i32>, &Condvar)| {
        let (pair, done) = (pair.clone(), done_tx.clone());
        thread::spawn(move || {
            f(&pair.0, &pair.1);
            done.send(()).unwrap();
        });
    };
    spawn(|m, c| {
        let mut x = m.lock();
        *x = 1;
        x = c.wait(x);
        assert_eq!(*x, 2, "want 2");
        *x = 3;
        c.notify_one();
    });
    spawn(|m, c| {
        let mut x = m.lock();
        loop {
            if *x == 1 {
                *x = 2;
                c.notify_one();
                break;
            }
            drop(x);
            thread::yield_now();
            x = m.lock();
        }
    });
    spawn(|m, c| {
        let mut x = m.lock();
        loop {
            if *x == 2 {
                x = c.wait(x);
                assert_eq!(*x, 3, "want 3");
                break;
            }
            if *x == 3 {
                break;
            }
            drop(x);
            thread::yield_now();
            x = m.lock();
        }
    });
    for _ in 0..3 {
        done_rx.recv_timeout(HANG).unwrap();
    }
}

/// TestCondSignalStealing: a broadcast racing a new waiter must still
/// wake the waiter that was there first (100 rounds instead of 1000).
#[test]
fn test_cond_signal_stealing() {
    for _ in 0..100 {
        let pair = Arc::new((Mutex::new(false), Condvar::new()));
        let (ch_tx, ch_rx) = mpsc::channel();
        {
            let pair = pair.clone();
            thread::spawn(move || {
                let (m, cond) = &*pair;
                let g = m.lock();
                ch_tx.send(()).unwrap();
                drop(cond.wait(g));
                ch_tx.send(()).unwrap();
            });
        }
        ch_rx.recv_timeout(HANG).unwrap();
        let (m, cond) = &*pair;
        // The waiter is in wait(): we synchronised with it, then took and
        // released the mutex it held.
        drop(m.lock());
        let broadcaster = {
            let pair = pair.clone();
            thread::spawn(move || pair.1.notify_all())
        };
        let second = {
            let pair = pair.clone();
            thread::spawn(move || {
                let (m, cond) = &*pair;
                drop(cond.wait_while(m.lock(), |done| !*done));
            })
        };
        ch_rx
            .recv_timeout(HANG)
            .expect("first waiter didn't get broadcast");
        *m.lock() = true;
        cond.notify_all();
        broadcaster.join().unwrap();
        second.join().unwrap();
    }
}
