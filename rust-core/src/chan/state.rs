//! The channel's shared state and the rules that change it. Everything here
//! runs with the channel's lock held; waking the threads it lets go happens
//! after the lock is released, by the caller.

use std::cell::UnsafeCell;
use std::collections::VecDeque;

use super::error::{TryRecvError, TrySendError};
use super::waiter::Waiter;
use crate::primitives::{Arc, AtomicBool, Ordering, RawLock};

/// One blocked operation in a queue: `waiter` owns it, `case` names which of
/// the waiter's cases it is, `slot` is where the value is (a sender's) or goes
/// (a receiver's). The slot may be read or written only by whoever claims the
/// waiter for `case`, while holding this channel's lock.
pub(crate) struct Entry<T> {
    pub(crate) waiter: Arc<Waiter>,
    pub(crate) case: usize,
    pub(crate) slot: *mut Option<T>,
}

impl<T> Entry<T> {
    fn is(&self, waiter: &Arc<Waiter>, case: usize) -> bool {
        Arc::ptr_eq(&self.waiter, waiter) && self.case == case
    }
}

// `repr(C)` keeps the fields every operation touches (the buffer's header,
// `closed`, `queued`) at the front, in the same cache line as the lock; the
// wait queues behind them are read only when `queued` says someone waits.
#[repr(C)]
pub(crate) struct State<T> {
    buf: VecDeque<T>,
    closed: bool,
    /// Entries in the three queues together.
    queued: usize,
    /// Blocked senders, their values in their slots (FIFO).
    senders: VecDeque<Entry<T>>,
    /// Blocked receivers; a sender writes straight into their slots.
    receivers: VecDeque<Entry<T>>,
    /// Async receivers that want to hear when a value can be taken. They are
    /// told, not handed a value, so cancelling one can never lose a value.
    watchers: VecDeque<Entry<T>>,
}

/// The waiter a locked operation let go, to be woken after unlocking.
pub(crate) type Woken = Option<Arc<Waiter>>;

/// Unbounded buffers give memory back once they are this big and at most a
/// quarter full, so a burst does not keep its peak forever.
const SHRINK_ABOVE: usize = 64;

/// Pops entries until one can be claimed (the others belong to selects that
/// fired elsewhere, or to waiters that gave up).
fn pop_claimed<T>(queue: &mut VecDeque<Entry<T>>) -> Option<Entry<T>> {
    while let Some(e) = queue.pop_front() {
        if e.waiter.try_claim(e.case) {
            return Some(e);
        }
    }
    None
}

impl<T> State<T> {
    fn recount(&mut self) {
        self.queued = self.senders.len() + self.receivers.len() + self.watchers.len();
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn try_send(&mut self, cap: usize, value: T) -> Result<Woken, TrySendError<T>> {
        if self.closed {
            return Err(TrySendError::Closed(value));
        }
        if self.queued != 0 {
            let receiver = pop_claimed(&mut self.receivers);
            self.recount();
            if let Some(e) = receiver {
                // SAFETY: we claimed the waiter under the lock, so its slot is ours to write.
                unsafe { *e.slot = Some(value) };
                e.waiter.complete();
                return Ok(Some(e.waiter));
            }
        }
        if self.buf.len() < cap {
            self.buf.push_back(value);
            return Ok(self.tell_watcher());
        }
        Err(TrySendError::Full(value))
    }

    pub(crate) fn try_recv(&mut self, cap: usize) -> Result<(T, Woken), TryRecvError> {
        if let Some(value) = self.buf.pop_front() {
            // A slot came free: move the first blocked sender's value in.
            let woken = self.take_sender().map(|(v, w)| {
                self.buf.push_back(v);
                w
            });
            if cap == UNBOUNDED {
                self.maybe_shrink();
            }
            return Ok((value, woken));
        }
        if let Some((value, w)) = self.take_sender() {
            return Ok((value, Some(w)));
        }
        Err(if self.closed {
            TryRecvError::Closed
        } else {
            TryRecvError::Empty
        })
    }

    fn take_sender(&mut self) -> Option<(T, Arc<Waiter>)> {
        if self.queued == 0 {
            return None;
        }
        let e = pop_claimed(&mut self.senders);
        self.recount();
        let e = e?;
        // SAFETY: claimed under the lock; a registered sender's slot holds its value.
        let value = unsafe { (*e.slot).take() }.expect("a blocked sender's slot holds its value");
        e.waiter.complete();
        Some((value, e.waiter))
    }

    fn maybe_shrink(&mut self) {
        let cap = self.buf.capacity();
        if cap > SHRINK_ABOVE && self.buf.len() <= cap / 4 {
            self.buf.shrink_to(cap / 2);
        }
    }

    /// Tells the first live watcher that a value (or the close) is there.
    fn tell_watcher(&mut self) -> Woken {
        if self.queued == 0 {
            return None;
        }
        let e = pop_claimed(&mut self.watchers);
        self.recount();
        let e = e?;
        e.waiter.complete();
        Some(e.waiter)
    }

    /// A told watcher went away without taking: tell the next one, if there
    /// is still something to take.
    pub(crate) fn pass_on_watch(&mut self) -> Woken {
        if !self.buf.is_empty() || !self.senders.is_empty() || self.closed {
            self.tell_watcher()
        } else {
            None
        }
    }

    pub(crate) fn register_receiver(&mut self, entry: Entry<T>) {
        self.receivers.push_back(entry);
        self.queued += 1;
    }

    /// Queues a blocked sender; a watcher can now take its value.
    pub(crate) fn register_sender(&mut self, entry: Entry<T>) -> Woken {
        self.senders.push_back(entry);
        self.queued += 1;
        self.tell_watcher()
    }

    pub(crate) fn register_watcher(&mut self, entry: Entry<T>) {
        self.watchers.push_back(entry);
        self.queued += 1;
    }

    /// Removes the entry of (`waiter`, `case`) from every queue.
    pub(crate) fn unregister(&mut self, waiter: &Arc<Waiter>, case: usize) {
        self.receivers.retain(|e| !e.is(waiter, case));
        self.senders.retain(|e| !e.is(waiter, case));
        self.watchers.retain(|e| !e.is(waiter, case));
        self.recount();
    }

    /// Closes the channel and claims every queued waiter: receivers find
    /// their slot empty (closed), senders find their value still in theirs.
    pub(crate) fn close(&mut self) -> Option<Vec<Arc<Waiter>>> {
        if self.closed {
            return None;
        }
        self.closed = true;
        let mut woken = Vec::new();
        let queues = [&mut self.receivers, &mut self.senders, &mut self.watchers];
        for queue in queues {
            for e in queue.drain(..) {
                if e.waiter.try_claim(e.case) {
                    e.waiter.complete();
                    woken.push(e.waiter);
                }
            }
        }
        self.queued = 0;
        Some(woken)
    }
}

/// Values a bounded buffer allocates room for when it is made.
const PREALLOCATE_AT_MOST: usize = 1 << 16;

/// The capacity of an unbounded channel.
pub(crate) const UNBOUNDED: usize = usize::MAX;

/// What a `Chan` handle points at. Aligned to a cache line so that the
/// `Arc`'s counters sit in a line of their own, away from the hot fields.
#[repr(C, align(64))]
pub(crate) struct Inner<T> {
    lock: RawLock,
    /// Orders the locks a select takes; unique per channel, and the same in
    /// every run of a loom model (an address would not be).
    pub(crate) id: u64,
    /// Mirrors `state.closed` so `is_closed` needs no lock.
    closed: AtomicBool,
    /// [`UNBOUNDED`] for an unbounded channel.
    pub(crate) cap: usize,
    state: UnsafeCell<State<T>>,
}

// SAFETY: the state (values of T and pointers to slots holding T) is only
// touched under `lock`, so sharing an `Inner` moves Ts between threads: T: Send.
unsafe impl<T: Send> Send for Inner<T> {}
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    pub(crate) fn new(cap: usize) -> Self {
        // Small bounded buffers are allocated once, so the hot path never
        // reallocates; a huge capacity is not allocated up front (it may be
        // far more than the machine has), and unbounded buffers grow and shrink.
        let buf = match cap {
            UNBOUNDED => VecDeque::new(),
            c => VecDeque::with_capacity(c.min(PREALLOCATE_AT_MOST)),
        };
        // Not a loom atomic: the id is bookkeeping, not synchronisation.
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Inner {
            lock: RawLock::new(),
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            state: UnsafeCell::new(State {
                buf,
                closed: false,
                queued: 0,
                senders: VecDeque::new(),
                receivers: VecDeque::new(),
                watchers: VecDeque::new(),
            }),
            cap,
            closed: AtomicBool::new(false),
        }
    }

    pub(crate) fn lock(&self) -> Guard<'_, T> {
        self.lock.lock();
        Guard { inner: self }
    }

    /// Takes the lock without a guard (for a select holding several).
    pub(crate) fn lock_raw(&self) {
        self.lock.lock();
    }

    /// # Safety
    /// The caller holds the lock, taken by [`Inner::lock_raw`].
    pub(crate) unsafe fn unlock_raw(&self) {
        self.lock.unlock();
    }

    /// # Safety
    /// The caller holds the lock and has no other reference to the state.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn state_mut(&self) -> &mut State<T> {
        &mut *self.state.get()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Closes; returns whether this call did it. Wakes every waiter.
    pub(crate) fn close(&self) -> bool {
        let woken = {
            let mut st = self.lock();
            // Set the flag before `st.close()` completes any waiter: a
            // receiver woken by this close returns at once and must then see
            // `is_closed()` (storing it after let such a receiver see `false`).
            self.closed.store(true, Ordering::Release);
            st.close()
        };
        match woken {
            Some(ws) => {
                ws.iter().for_each(|w| w.wake());
                true
            }
            None => false,
        }
    }
}

/// The channel's lock, held; unlocks on drop.
pub(crate) struct Guard<'a, T> {
    inner: &'a Inner<T>,
}

impl<T> std::ops::Deref for Guard<'_, T> {
    type Target = State<T>;
    fn deref(&self) -> &State<T> {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.inner.state.get() }
    }
}

impl<T> std::ops::DerefMut for Guard<'_, T> {
    fn deref_mut(&mut self) -> &mut State<T> {
        // SAFETY: the guard holds the lock, and `&mut self` makes this the only reference.
        unsafe { &mut *self.inner.state.get() }
    }
}

impl<T> Drop for Guard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard holds the lock.
        unsafe { self.inner.lock.unlock() }
    }
}

/// Wakes the waiter a locked operation let go (call after unlocking).
pub(crate) fn wake(woken: Woken) {
    if let Some(w) = woken {
        w.wake();
    }
}
