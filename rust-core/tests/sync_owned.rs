//! The owned async forms (tokio's `lock_owned` shape) that the bindings
//! keep pending without borrowing: exact counts under contention, and a
//! dropped pending future leaving the lock or the permit count as it was.

mod sync_locks_util;

use std::sync::Arc;
use std::thread;

use polyconc::sync::{Mutex, OwnedMutexGuard, RawMutex, Semaphore};
use sync_locks_util::{block_on, poll_once};

const THREADS: usize = 4;
const ROUNDS: usize = 500;

#[test]
fn owned_mutex_futures_count_exactly() {
    let m = Arc::new(Mutex::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let m = Arc::clone(&m);
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    *block_on(Arc::clone(&m).lock_owned_async()) += 1;
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(*m.lock(), THREADS * ROUNDS);
}

#[test]
fn owned_raw_futures_exclude_each_other() {
    let m = Arc::new(RawMutex::new());
    let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (m, inside, count) = (Arc::clone(&m), Arc::clone(&inside), Arc::clone(&count));
            thread::spawn(move || {
                use std::sync::atomic::Ordering::SeqCst;
                for _ in 0..ROUNDS {
                    block_on(Arc::clone(&m).lock_owned_async());
                    assert_eq!(inside.fetch_add(1, SeqCst), 0, "two holders at once");
                    count.fetch_add(1, SeqCst);
                    inside.fetch_sub(1, SeqCst);
                    m.unlock().unwrap();
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(
        count.load(std::sync::atomic::Ordering::SeqCst),
        THREADS * ROUNDS
    );
    assert!(!m.is_locked());
}

#[test]
fn an_owned_guard_unlocks_on_another_thread() {
    let m = Arc::new(Mutex::new(vec![1]));
    let mut guard: OwnedMutexGuard<Vec<i32>> = block_on(Arc::clone(&m).lock_owned_async());
    guard.push(2);
    thread::spawn(move || drop(guard)).join().unwrap();
    assert_eq!(*m.try_lock().expect("unlocked by the other thread"), [1, 2]);
}

#[test]
fn a_dropped_pending_owned_lock_leaves_the_lock_as_it_was() {
    let m = Arc::new(Mutex::new(0));
    let held = m.lock();
    let mut fut = Box::pin(Arc::clone(&m).lock_owned_async());
    assert!(poll_once(&mut fut).is_pending());
    // Dropped while still queued: the lock stays with its holder.
    drop(fut);
    assert!(m.try_lock().is_none());
    drop(held);
    assert!(m.try_lock().is_some());
}

#[test]
fn a_pending_owned_lock_dropped_after_the_unlock_passes_it_on() {
    // Whether the unlock handed it the lock or told it to retry, dropping
    // it unpolled must leave the mutex free.
    let m = Arc::new(RawMutex::new());
    m.lock();
    let mut fut = Box::pin(Arc::clone(&m).lock_owned_async());
    assert!(poll_once(&mut fut).is_pending());
    m.unlock().unwrap();
    drop(fut);
    assert!(!m.is_locked());
    assert!(m.try_lock());
}

#[test]
fn owned_acquires_never_over_grant() {
    const PERMITS: usize = 2;
    let s = Arc::new(Semaphore::new(PERMITS));
    let holders = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (s, holders) = (Arc::clone(&s), Arc::clone(&holders));
            thread::spawn(move || {
                use std::sync::atomic::Ordering::SeqCst;
                for _ in 0..ROUNDS {
                    block_on(Arc::clone(&s).acquire_owned_async(1));
                    assert!(holders.fetch_add(1, SeqCst) < PERMITS, "over-granted");
                    holders.fetch_sub(1, SeqCst);
                    s.release(1).unwrap();
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(s.available_permits(), PERMITS);
}

#[test]
fn a_dropped_owned_acquire_leaves_the_count_as_it_was() {
    let s = Arc::new(Semaphore::new(1));
    let mut fut = Box::pin(Arc::clone(&s).acquire_owned_async(3));
    assert!(poll_once(&mut fut).is_pending());
    assert_eq!(s.available_permits(), 1);
    // Enough permits for it now: it is handed them (or told), then dropped.
    s.release(2).unwrap();
    drop(fut);
    assert_eq!(s.available_permits(), 3);
    assert_eq!(s.queue_length(), 0);
}
