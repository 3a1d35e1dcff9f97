//! [`RawLock`]: the core's own internal lock, one word, held for a few
//! steps at a time: under every [`WaitQueue`](super::WaitQueue) (so every
//! lock, synchronizer and channel) and the crate's small
//! [`Mutex`](crate::loom::Mutex).
//!
//! The word holds `LOCKED`, `QUEUE_LOCKED` and a pointer to the newest of
//! the threads parked on the lock: a stack of [`Node`]s that live on those
//! threads' stacks, each linked to the one pushed before it (the shape of
//! parking_lot_core's `WordLock`). Locking is one CAS; a thread that
//! misses spins a little while nobody is parked, then pushes its node with
//! one CAS and parks on its thread's [`Parker`] (not on a
//! [`Waiter`](super::Waiter), whose thread-local cache the thread may be
//! using already: a waiter it is queueing under this very lock).
//! Unlocking is one CAS while nobody is parked. Otherwise the unlocker
//! becomes the queue's *tender* by setting `QUEUE_LOCKED` (one at a time;
//! an unlocker that finds a tender at work leaves the waking to it): it
//! links the nodes pushed since the last tending back to the older ones,
//! unlinks the oldest node and wakes its thread, which competes for the
//! lock again. A FIFO hand-off would convoy, and the lock is held too
//! briefly for a newcomer that barges in to starve anyone in practice. A
//! tender that finds the lock taken again wakes nobody: the new holder's
//! unlock will. Its parks and wakes are left out of the test counters, as
//! parking_lot's were.
//!
//! Pushing needs no lock (a CAS of the word onto a state that is locked,
//! so an unlock cannot slip in between), and only the tender reads the
//! nodes, so an owner's node is alive for as long as it is queued: the
//! owner leaves only once the tender, having unlinked it, sets its
//! `woken` flag (the tender wakes it through its own handle to the
//! parker).

use std::ptr;

use super::park::Parker;
use super::{const_fn_unless_loom, Spin};
use crate::loom::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

const LOCKED: usize = 1;
/// A tender is at work on the queue.
const QUEUE_LOCKED: usize = 2;
/// The pointer to the newest node.
const QUEUE: usize = !(LOCKED | QUEUE_LOCKED);

/// A lock that is taken and released by hand, so that a select can hold
/// the locks of several channels (of different element types) at once.
pub(crate) struct RawLock {
    state: AtomicUsize,
}

/// A thread parked on a [`RawLock`], on its own stack while it is queued.
/// Only the tender (the holder of `QUEUE_LOCKED`) reads or writes the
/// links once the node is pushed; the atomics are relaxed, ordered by the
/// word's acquire and release.
struct Node {
    /// The node pushed just before this one (toward the oldest), or null.
    older: AtomicPtr<Node>,
    /// The node pushed just after this one, filled in by a tender.
    newer: AtomicPtr<Node>,
    /// The oldest node, in a node that was the newest when a tender last
    /// looked (and in a node pushed onto an empty queue: itself); null in
    /// the nodes pushed since.
    oldest: AtomicPtr<Node>,
    /// Set (release) by the tender that unlinked the node.
    woken: AtomicBool,
    parker: Parker,
}

// The word keeps its two flags in the low bits of a node's address.
const _: () = assert!(std::mem::align_of::<Node>() > (LOCKED | QUEUE_LOCKED));

impl RawLock {
    const_fn_unless_loom! {
        /// An unlocked lock.
        pub(crate) fn new() -> Self {
            RawLock {
                state: AtomicUsize::new(0),
            }
        }
    }

    /// Takes the lock, parking until it is free.
    #[inline]
    pub(crate) fn lock(&self) {
        if self
            .state
            .compare_exchange_weak(0, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_slow();
        }
    }

    /// Releases the lock.
    ///
    /// # Safety
    /// The caller holds the lock.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // A CAS rather than the RMW of the slow path: one instruction fewer
        // (parking_lot's cost, 6 instructions a lock and unlock).
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_err()
        {
            self.unlock_slow();
        }
    }

    /// Whether the lock is free with nobody queued (the tests' view).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn is_free(&self) -> bool {
        self.state.load(Ordering::Relaxed) == 0
    }

    /// Whether a node is queued (the tests' view).
    #[cfg(all(test, not(loom)))]
    pub(crate) fn has_parked(&self) -> bool {
        self.state.load(Ordering::Relaxed) & QUEUE != 0
    }

    #[cold]
    #[inline(never)]
    fn lock_slow(&self) {
        let mut spin = Spin::before_parking();
        let mut state = self.state.load(Ordering::Relaxed);
        while let Err(locked) = lock_or_spin(&self.state, state, LOCKED, QUEUE, &mut spin) {
            match self.park(locked) {
                Err(now) => state = now,
                Ok(()) => {
                    // Woken: spin again while nobody is parked.
                    spin = Spin::before_parking();
                    state = self.state.load(Ordering::Relaxed);
                }
            }
        }
    }

    /// Pushes a node for this thread onto the queue of `state`, a locked
    /// state just read, and parks until a tender wakes it; `Err` with the
    /// state found if the push missed.
    fn park(&self, state: usize) -> Result<(), usize> {
        let newest = (state & QUEUE) as *mut Node;
        let node = Node {
            older: AtomicPtr::new(newest),
            newer: AtomicPtr::new(ptr::null_mut()),
            oldest: AtomicPtr::new(ptr::null_mut()),
            woken: AtomicBool::new(false),
            parker: Parker::for_current_thread(),
        };
        let me = &node as *const Node as *mut Node;
        if newest.is_null() {
            node.oldest.store(me, Ordering::Relaxed);
        }
        // Release: the tender, which reads the word with acquire, sees the
        // node's fields. Expecting a locked state, the push cannot land
        // after the unlock that would have to wake it.
        self.state.compare_exchange_weak(
            state,
            (state & !QUEUE) | me as usize,
            Ordering::Release,
            Ordering::Relaxed,
        )?;
        // Returns once the tender that unlinked the node set `woken` (the
        // parker may return early); the node is not touched after that.
        let woken = || node.woken.load(Ordering::Acquire);
        while !woken() {
            node.parker.park_uncounted(woken);
        }
        Ok(())
    }

    /// An unlock that found nodes or a tender: releases the lock, then
    /// becomes the tender unless nobody is parked or another tender is at
    /// work, and wakes the oldest parked thread.
    #[cold]
    #[inline(never)]
    fn unlock_slow(&self) {
        let mut state = self.state.fetch_sub(LOCKED, Ordering::Release) - LOCKED;
        loop {
            if state & QUEUE_LOCKED != 0 || state & QUEUE == 0 {
                return;
            }
            match self.state.compare_exchange_weak(
                state,
                state | QUEUE_LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => state = now,
            }
        }
        state |= QUEUE_LOCKED;
        let oldest = loop {
            let newest = (state & QUEUE) as *const Node;
            // SAFETY: we are the tender and `newest` is queued: a queued
            // node stays alive until its tender wakes it.
            let oldest = unsafe { link(newest) };
            if state & LOCKED != 0 {
                // Taken again meanwhile: its holder's unlock will wake.
                match self.state.compare_exchange_weak(
                    state,
                    state & !QUEUE_LOCKED,
                    Ordering::Release,
                    Ordering::Acquire,
                ) {
                    Ok(_) => return,
                    Err(now) => state = now,
                }
                continue;
            }
            // SAFETY: as above, for `oldest`, which `link` found queued.
            let next = unsafe { (*oldest).newer.load(Ordering::Relaxed) };
            if next.is_null() {
                // The only node: the queue empties (and the tender leaves),
                // unless a node was pushed or the lock taken meanwhile.
                match self.state.compare_exchange_weak(
                    state,
                    0,
                    Ordering::Release,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break oldest,
                    Err(now) => state = now,
                }
                continue;
            }
            // SAFETY: `newest` is queued (as above).
            unsafe { (*newest).oldest.store(next, Ordering::Relaxed) };
            self.state.fetch_and(!QUEUE_LOCKED, Ordering::Release);
            break oldest;
        };
        // SAFETY: unlinked, the node is reachable only from here, and its
        // owner keeps it until `woken` is set; the parker handle we take
        // lets us wake the owner after that.
        let parker = unsafe {
            let parker = (*oldest).parker.clone();
            (*oldest).woken.store(true, Ordering::Release);
            parker
        };
        parker.unpark_uncounted();
    }
}

/// The first phase of a word lock's slow path, kept once for [`RawLock`]
/// and `sync::RawMutex` (parking_lot's shape): from `state`, the word as
/// last read, takes the `locked` bit whenever it is clear (barging past
/// any queue), and spins while it is set and no thread is queued (the
/// `queued` bits clear). `Ok` once the lock is taken; `Err` with the
/// locked word last read once the caller should queue, which it does
/// without spinning while `queued` is set.
#[inline]
pub(crate) fn lock_or_spin(
    word: &AtomicUsize,
    mut state: usize,
    locked: usize,
    queued: usize,
    spin: &mut Spin,
) -> Result<(), usize> {
    loop {
        if state & locked == 0 {
            match word.compare_exchange_weak(
                state,
                state | locked,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(now) => state = now,
            }
        } else if state & queued == 0 && spin.spin() {
            state = word.load(Ordering::Relaxed);
        } else {
            return Err(state);
        }
    }
}

/// Fills in the `newer` links from `newest` down to the first node a
/// tender saw before, records the oldest node in `newest`, and returns it.
///
/// # Safety
/// The caller is the tender, and `newest` the non-null head of the queue.
unsafe fn link(newest: *const Node) -> *const Node {
    let mut node = newest;
    let oldest = loop {
        // SAFETY: `node` is queued (the head, then the older ones it links
        // to), so alive (the caller's contract).
        let n = unsafe { &*node };
        let oldest = n.oldest.load(Ordering::Relaxed);
        if !oldest.is_null() {
            break oldest;
        }
        // Not seen before, so pushed onto a non-empty queue: it has an
        // older node.
        let older = n.older.load(Ordering::Relaxed);
        // SAFETY: `older` is queued too.
        unsafe { (*older).newer.store(node as *mut Node, Ordering::Relaxed) };
        node = older;
    };
    // SAFETY: `newest` is queued.
    unsafe { (*newest).oldest.store(oldest, Ordering::Relaxed) };
    oldest
}
