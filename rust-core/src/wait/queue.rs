//! [`WaitQueue`]: a FIFO of blocked waiters, each with a payload, under a
//! lock: the hand-off engine of fair locks, rendezvous and requeueing.

use std::cell::UnsafeCell;
use std::collections::VecDeque;

use super::{const_fn_unless_loom, RawLock, Waiter};
use crate::loom::{Arc, AtomicUsize, Ordering};

/// A FIFO of waiters with a payload `P` each (what a waiter offers or
/// wants: a value's slot, a read-or-write request, the mutex to requeue
/// onto). Everything but [`WaitQueue::len`] goes through [`Locked`], the
/// proof that the queue's lock is held. The lock is held for a few steps
/// at a time, never while anyone sleeps.
pub(crate) struct WaitQueue<P> {
    lock: RawLock,
    /// How many entries there are, mirrored so that whoever would let a
    /// waiter go can see without the lock that nobody waits.
    len: AtomicUsize,
    entries: UnsafeCell<VecDeque<Entry<P>>>,
}

struct Entry<P> {
    waiter: Arc<Waiter>,
    payload: P,
    /// Queued by the holder of its claim (a requeue): popping it takes the
    /// claim over instead of making one.
    held: bool,
}

// SAFETY: the entries (payloads of type P, and waiters, which are Send and
// Sync) are touched only by the holder of the lock, so sharing the queue
// moves payloads between threads: P: Send.
unsafe impl<P: Send> Send for WaitQueue<P> {}
// SAFETY: as above.
unsafe impl<P: Send> Sync for WaitQueue<P> {}

impl<P> WaitQueue<P> {
    const_fn_unless_loom! {
        /// An empty queue.
        pub(crate) fn new() -> Self {
            WaitQueue {
                lock: RawLock::new(),
                len: AtomicUsize::new(0),
                entries: UnsafeCell::new(VecDeque::new()),
            }
        }
    }

    /// Takes the queue's lock.
    pub(crate) fn lock(&self) -> Locked<'_, P> {
        self.lock.lock();
        Locked { queue: self }
    }

    /// The number of entries, read without the lock (SeqCst: a notifier's
    /// fence orders its state change before this read; see `Event`).
    /// Entries of waiters that gave up may still be counted.
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::SeqCst)
    }
}

/// A [`WaitQueue`] with its lock held; unlocks on drop.
pub(crate) struct Locked<'a, P> {
    queue: &'a WaitQueue<P>,
}

impl<P> Locked<'_, P> {
    fn entries(&self) -> &VecDeque<Entry<P>> {
        // SAFETY: `self` proves the lock is held, and `&self` that no
        // `&mut` from `entries_mut` is alive.
        unsafe { &*self.queue.entries.get() }
    }

    fn entries_mut(&mut self) -> &mut VecDeque<Entry<P>> {
        // SAFETY: `self` proves the lock is held, and `&mut self` makes this
        // the only reference.
        unsafe { &mut *self.queue.entries.get() }
    }

    fn mirror(&self) {
        self.queue.len.store(self.entries().len(), Ordering::SeqCst);
    }

    /// Queues `waiter` last.
    pub(crate) fn push_back(&mut self, waiter: Arc<Waiter>, payload: P) {
        self.entries_mut().push_back(Entry {
            waiter,
            payload,
            held: false,
        });
        self.mirror();
    }

    /// Queues `waiter` first (one that was let go to retry, lost, and
    /// must not lose its place as well).
    pub(crate) fn push_front(&mut self, waiter: Arc<Waiter>, payload: P) {
        self.entries_mut().push_front(Entry {
            waiter,
            payload,
            held: false,
        });
        self.mirror();
    }

    /// Queues last a waiter whose claim the caller holds (it claimed the
    /// waiter in another queue): [`Locked::pop`] hands the claim on to
    /// whoever pops it, and its owner can no longer abort.
    pub(crate) fn push_held(&mut self, waiter: Arc<Waiter>, payload: P) {
        debug_assert!(waiter.claimed().is_some());
        self.entries_mut().push_back(Entry {
            waiter,
            payload,
            held: true,
        });
        self.mirror();
    }

    /// Pops the first waiter that can be claimed for `case` and claims it;
    /// entries of waiters that gave up or were claimed elsewhere are
    /// dropped on the way. The caller completes it before unlocking, then
    /// wakes it.
    pub(crate) fn pop(&mut self, case: usize) -> Option<(Arc<Waiter>, P)> {
        let popped = loop {
            let Some(e) = self.entries_mut().pop_front() else {
                break None;
            };
            if e.held {
                e.waiter.reclaim(case);
                break Some((e.waiter, e.payload));
            }
            if e.waiter.try_claim(case) {
                break Some((e.waiter, e.payload));
            }
        };
        self.mirror();
        popped
    }

    /// The payload of the first waiter that can still be claimed, dropping
    /// dead entries before it.
    pub(crate) fn front(&mut self) -> Option<&P> {
        let mut dropped = false;
        while self
            .entries()
            .front()
            .is_some_and(|e| !e.held && !e.waiter.is_waiting())
        {
            self.entries_mut().pop_front();
            dropped = true;
        }
        // The mirror is a SeqCst store (an RMW's cost): only on a change.
        if dropped {
            self.mirror();
        }
        self.entries().front().map(|e| &e.payload)
    }

    /// The owner of `waiter` gives up: `Ok` with its payload if it was
    /// still waiting (its entry is removed), `Err(case)` if someone claimed
    /// it first. Under this lock every claim made by a pop of this queue is
    /// complete, so after an `Err` its owner finds the waiter done, unless
    /// it was requeued onto another queue (see [`Locked::push_held`]).
    pub(crate) fn abort(&mut self, waiter: &Arc<Waiter>) -> Result<Option<P>, usize> {
        waiter.abort()?;
        let at = self
            .entries()
            .iter()
            .position(|e| Arc::ptr_eq(&e.waiter, waiter));
        let payload = at
            .and_then(|i| self.entries_mut().remove(i))
            .map(|e| e.payload);
        self.mirror();
        Ok(payload)
    }

    /// The payloads in queue order, including those of waiters that gave
    /// up but have not been dropped yet.
    pub(crate) fn payloads(&self) -> impl Iterator<Item = &P> {
        self.entries().iter().map(|e| &e.payload)
    }

    /// Whether no entry is left (dead ones included).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries().is_empty()
    }
}

impl<P> Drop for Locked<'_, P> {
    fn drop(&mut self) {
        // SAFETY: `self` proves the lock is held, and it is released once.
        unsafe { self.queue.lock.unlock() }
    }
}
