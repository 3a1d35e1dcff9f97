//! The owned async forms (tokio's `lock_owned` shape) that the bindings
//! keep pending without borrowing: exact counts under contention, and a
//! dropped pending future leaving the lock or the permit count as it was.

mod sync_locks_util;

use std::sync::Arc;
use std::thread;

use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::SeqCst;
use std::task::Poll;

use polyconc::sync::{
    BarrierError, CountDownLatch, CyclicBarrier, Mutex, OwnedMutexGuard, OwnedRwLockWriteGuard,
    RawMutex, RawRwLock, RawSpinLock, RwLock, Semaphore, WaitGroup,
};
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

#[test]
fn owned_rwlock_futures_count_exactly_and_guards_move_threads() {
    let lock = Arc::new(RwLock::new(0usize));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                for i in 0..ROUNDS {
                    if (t + i) % 3 == 0 {
                        let seen = *block_on(Arc::clone(&lock).read_owned_async());
                        assert!(seen <= THREADS * ROUNDS);
                    } else {
                        *block_on(Arc::clone(&lock).write_owned_async()) += 1;
                    }
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    let writes = (0..THREADS)
        .map(|t| (0..ROUNDS).filter(|i| (t + i) % 3 != 0).count())
        .sum::<usize>();
    assert_eq!(*lock.read(), writes);
    let guard: OwnedRwLockWriteGuard<usize> = block_on(Arc::clone(&lock).write_owned_async());
    thread::spawn(move || drop(guard)).join().unwrap();
    assert!(lock.try_write().is_some(), "unlocked by the other thread");
}

#[test]
fn dropped_pending_owned_rwlock_futures_give_back_their_grants() {
    let lock = Arc::new(RwLock::new(0));
    let held = lock.write();
    let mut read = Box::pin(Arc::clone(&lock).read_owned_async());
    let mut write = Box::pin(Arc::clone(&lock).write_owned_async());
    assert!(poll_once(&mut read).is_pending());
    assert!(poll_once(&mut write).is_pending());
    drop(held); // grants the reader, first in line
    drop(read);
    match poll_once(&mut write) {
        Poll::Ready(mut g) => *g += 1,
        Poll::Pending => panic!("the writer is next once the reader gave its grant back"),
    }
    drop(write);
    assert_eq!(*lock.try_read().expect("free again"), 1);

    let raw = Arc::new(RawRwLock::new());
    raw.read();
    let mut writer = Box::pin(Arc::clone(&raw).write_owned_async());
    assert!(poll_once(&mut writer).is_pending());
    assert!(
        !raw.try_read(),
        "a queued owned writer keeps new readers out"
    );
    drop(writer);
    assert!(raw.try_read(), "the dropped writer left the queue");
    raw.unlock_read().unwrap();
    raw.unlock_read().unwrap();
    let mut reader = Box::pin(Arc::clone(&raw).read_owned_async());
    assert_eq!(poll_once(&mut reader), Poll::Ready(()));
    assert_eq!(raw.unlock_read(), Ok(()));
}

#[test]
fn owned_spin_futures_exclude_each_other() {
    let lock = Arc::new(RawSpinLock::new());
    let count = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (lock, count) = (Arc::clone(&lock), Arc::clone(&count));
            thread::spawn(move || {
                for _ in 0..ROUNDS {
                    block_on(Arc::clone(&lock).lock_owned_async());
                    let seen = count.load(SeqCst);
                    thread::yield_now();
                    count.store(seen + 1, SeqCst);
                    lock.unlock().unwrap();
                }
            })
        })
        .collect();
    handles.into_iter().for_each(|h| h.join().unwrap());
    assert_eq!(count.load(SeqCst), THREADS * ROUNDS);
}

#[test]
fn owned_latch_and_group_waits_end_at_zero_and_drop_cleanly() {
    let latch = Arc::new(CountDownLatch::new(2));
    let mut dropped = Box::pin(Arc::clone(&latch).wait_owned_async());
    assert!(poll_once(&mut dropped).is_pending());
    drop(dropped);
    let waiters: Vec<_> = (0..THREADS)
        .map(|_| {
            let latch = Arc::clone(&latch);
            thread::spawn(move || block_on(latch.wait_owned_async()))
        })
        .collect();
    latch.count_down();
    latch.count_down();
    waiters.into_iter().for_each(|h| h.join().unwrap());

    let group = Arc::new(WaitGroup::new());
    group.add(THREADS as isize).unwrap();
    let mut dropped = Box::pin(Arc::clone(&group).wait_owned_async());
    assert!(poll_once(&mut dropped).is_pending());
    drop(dropped);
    let waiter = {
        let group = Arc::clone(&group);
        thread::spawn(move || block_on(group.wait_owned_async()))
    };
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let group = Arc::clone(&group);
            thread::spawn(move || group.done().unwrap())
        })
        .collect();
    workers.into_iter().for_each(|h| h.join().unwrap());
    waiter.join().unwrap();
    assert_eq!(group.count(), 0);
}

#[test]
fn owned_barrier_waits_trip_together_and_a_dropped_one_breaks_it() {
    let barrier = Arc::new(CyclicBarrier::new(THREADS));
    for _ in 0..3 {
        let parties: Vec<_> = (0..THREADS)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                thread::spawn(move || block_on(barrier.wait_owned_async()).unwrap())
            })
            .collect();
        let mut indexes: Vec<usize> = parties.into_iter().map(|h| h.join().unwrap()).collect();
        indexes.sort_unstable();
        assert_eq!(indexes, (0..THREADS).collect::<Vec<_>>());
    }
    let mut waiting = Box::pin(Arc::clone(&barrier).wait_owned_async());
    assert!(poll_once(&mut waiting).is_pending());
    drop(waiting);
    assert!(barrier.is_broken());
    assert_eq!(barrier.wait(), Err(BarrierError::Broken));
}
