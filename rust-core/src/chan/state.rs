//! The channel's shared state and the rules that change it. Everything here
//! runs with the channel's lock held; waking the threads it lets go happens
//! after the lock is released, by the caller.

use std::cell::UnsafeCell;
use std::collections::VecDeque;

use super::entries::Entries;
use super::error::{CapacityError, TryRecvError, TrySendError};
use crate::buffer::Buffer;
use crate::loom::{Arc, AtomicBool, AtomicUsize, Ordering, RawLock};
use crate::wait::Waiter;

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
    pub(super) fn is(&self, waiter: &Arc<Waiter>, case: usize) -> bool {
        Arc::ptr_eq(&self.waiter, waiter) && self.case == case
    }
}

/// The locked part of a channel: the wait queues. A rendezvous channel
/// moves every value through them; a buffered channel's values are in its
/// lock-free buffer, and only its waiters are here.
// `repr(C)`, and first in `Inner` right after the lock: the fields a
// rendezvous hand-off touches (`closed`, `waiting`, the first blocked
// receiver and sender) fill the rest of the lock's cache line, so the
// partner that takes the lock finds the waiting entry there (see
// `entries`). The other queued entries, and the buffered channel's
// watchers, are read only when those say someone waits.
#[repr(C)]
pub(crate) struct State<T> {
    closed: bool,
    /// Whether any queue holds an entry (dead ones included).
    waiting: bool,
    /// The oldest blocked receiver; a sender writes straight into its slot.
    first_receiver: Option<Entry<T>>,
    /// The oldest blocked sender, its value in its slot.
    first_sender: Option<Entry<T>>,
    /// The blocked receivers after `first_receiver` (FIFO).
    receivers: VecDeque<Entry<T>>,
    /// The blocked senders after `first_sender` (FIFO).
    senders: VecDeque<Entry<T>>,
    /// On a buffered channel, blocked receivers that want to hear when a
    /// value can be taken (they then take it themselves).
    pub(super) watchers: VecDeque<Entry<T>>,
    /// On a buffered channel, blocked senders that want to hear when a slot
    /// is free (their values stay with them).
    pub(super) send_watchers: VecDeque<Entry<T>>,
    /// On a rendezvous channel, values that a receive future was handed and
    /// gave back when it was dropped: the next receivers take them, before
    /// any blocked sender's.
    handed: VecDeque<T>,
}

/// The waiter a locked operation let go, to be woken after unlocking.
pub(crate) type Woken = Option<Arc<Waiter>>;

/// Pops entries of `queue` until one can be claimed (see
/// [`Entries::pop_claimed`]).
fn pop_claimed<T>(queue: &mut VecDeque<Entry<T>>) -> Option<Entry<T>> {
    while let Some(e) = queue.pop_front() {
        if e.waiter.try_claim(e.case) {
            return Some(e);
        }
    }
    None
}

/// Tells the first live waiter of `queue` (it retries on its own).
fn tell_first<T>(queue: &mut VecDeque<Entry<T>>) -> Woken {
    let e = pop_claimed(queue)?;
    e.waiter.complete();
    Some(e.waiter)
}

impl<T> State<T> {
    /// The blocked receivers, oldest first.
    fn receivers(&mut self) -> Entries<'_, T> {
        Entries {
            first: &mut self.first_receiver,
            rest: &mut self.receivers,
        }
    }

    /// The blocked senders, oldest first.
    fn senders(&mut self) -> Entries<'_, T> {
        Entries {
            first: &mut self.first_sender,
            rest: &mut self.senders,
        }
    }

    fn recount(&mut self) {
        self.waiting = self.first_receiver.is_some()
            || self.first_sender.is_some()
            || !self.watchers.is_empty()
            || !self.send_watchers.is_empty();
    }

    /// Hands `value` to a waiting receiver (a blocked one, a select, a
    /// pending receive future), if one waits.
    pub(crate) fn try_send(&mut self, value: T) -> Result<Woken, TrySendError<T>> {
        if self.closed {
            return Err(TrySendError::Closed(value));
        }
        self.hand_over(value).map_err(TrySendError::Full)
    }

    fn hand_over(&mut self, value: T) -> Result<Woken, T> {
        if self.waiting {
            let receiver = self.receivers().pop_claimed();
            self.recount();
            if let Some(e) = receiver {
                // SAFETY: we claimed the waiter under the lock, so its slot is ours to write.
                unsafe { *e.slot = Some(value) };
                e.waiter.complete();
                return Ok(Some(e.waiter));
            }
        }
        Err(value)
    }

    /// Takes a value given back, or the value of a blocked sender, if one
    /// waits.
    pub(crate) fn try_recv(&mut self) -> Result<(T, Woken), TryRecvError> {
        if let Some(value) = self.handed.pop_front() {
            return Ok((value, None));
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
        if !self.waiting {
            return None;
        }
        let e = self.senders().pop_claimed();
        self.recount();
        let e = e?;
        // SAFETY: claimed under the lock; a registered sender's slot holds its value.
        let value = unsafe { (*e.slot).take() }.expect("a blocked sender's slot holds its value");
        e.waiter.complete();
        Some((value, e.waiter))
    }

    /// Tells the first live watcher that a value (or the close) is there.
    pub(crate) fn tell_watcher(&mut self) -> Woken {
        if !self.waiting {
            return None;
        }
        let woken = tell_first(&mut self.watchers);
        self.recount();
        woken
    }

    /// Tells the first live send watcher of a buffered channel that a slot is free.
    pub(super) fn tell_send_watcher(&mut self) -> Woken {
        if !self.waiting {
            return None;
        }
        let woken = tell_first(&mut self.send_watchers);
        self.recount();
        woken
    }

    /// A receive future that was handed `value` went away without it: the
    /// value goes to the next blocked receiver, or waits for the next one
    /// to come.
    pub(crate) fn give_back(&mut self, value: T) -> Woken {
        self.hand_over(value).unwrap_or_else(|value| {
            self.handed.push_back(value);
            None
        })
    }

    /// The values given back (see [`State::give_back`]).
    pub(crate) fn handed(&self) -> &VecDeque<T> {
        &self.handed
    }

    pub(crate) fn register_receiver(&mut self, entry: Entry<T>) {
        self.receivers().push_back(entry);
        self.waiting = true;
    }

    pub(crate) fn register_sender(&mut self, entry: Entry<T>) {
        self.senders().push_back(entry);
        self.waiting = true;
    }

    pub(crate) fn register_watcher(&mut self, entry: Entry<T>) {
        self.watchers.push_back(entry);
        self.waiting = true;
    }

    pub(super) fn register_send_watcher(&mut self, entry: Entry<T>) {
        self.send_watchers.push_back(entry);
        self.waiting = true;
    }

    /// Removes the entry of (`waiter`, `case`) from every queue.
    pub(crate) fn unregister(&mut self, waiter: &Arc<Waiter>, case: usize) {
        self.receivers().remove(waiter, case);
        self.senders().remove(waiter, case);
        self.watchers.retain(|e| !e.is(waiter, case));
        self.send_watchers.retain(|e| !e.is(waiter, case));
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
        let mut claim = |e: Entry<T>| {
            if e.waiter.try_claim(e.case) {
                e.waiter.complete();
                woken.push(e.waiter);
            }
        };
        self.receivers().drain().for_each(&mut claim);
        self.senders().drain().for_each(&mut claim);
        self.watchers.drain(..).for_each(&mut claim);
        self.send_watchers.drain(..).for_each(&mut claim);
        self.waiting = false;
        Some(woken)
    }
}

/// What a `Chan` handle points at. `repr(C)`: the lock and the state's hot
/// fields share the first cache line (see [`State`]); the buffer, whose
/// head and tail are padded to lines of their own, follows; the fields read
/// without the lock come after it.
#[repr(C, align(64))]
pub(crate) struct Inner<T> {
    lock: RawLock,
    state: UnsafeCell<State<T>>,
    /// The lock-free buffer; `None` for a rendezvous channel.
    pub(crate) buffer: Option<Buffer<T>>,
    /// Orders the locks a select takes; unique per channel, and the same in
    /// every run of a loom model (an address would not be).
    pub(crate) id: u64,
    /// Mirrors `state.closed` so `is_closed` needs no lock.
    pub(super) closed: AtomicBool,
    /// [`UNBOUNDED`](crate::buffer::UNBOUNDED) for an unbounded channel.
    pub(crate) cap: usize,
    /// Lengths of the buffered channel's `watchers` and `send_watchers` queues,
    /// mirrored so that a send or receive can see without the lock that
    /// nobody waits to hear of it.
    pub(super) recv_waiting: AtomicUsize,
    pub(super) send_waiting: AtomicUsize,
}

// The hand-off's fields end within the lock's line (loom's atomics are
// larger, and its layout does not matter).
#[cfg(not(loom))]
const _: () = assert!(
    std::mem::offset_of!(Inner<u64>, state)
        + std::mem::offset_of!(State<u64>, first_sender)
        + std::mem::size_of::<Option<Entry<u64>>>()
        <= 64
);

// SAFETY: the state (values of T and pointers to slots holding T) is only
// touched under `lock`, so sharing an `Inner` moves Ts between threads: T: Send.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as for `Send`: shared access to the state goes through `lock`.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    pub(crate) fn new(cap: usize) -> Result<Self, CapacityError> {
        // Not a loom atomic: the id is bookkeeping, not synchronisation.
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        Ok(Inner {
            lock: RawLock::new(),
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            state: UnsafeCell::new(State {
                closed: false,
                waiting: false,
                first_receiver: None,
                first_sender: None,
                receivers: VecDeque::new(),
                senders: VecDeque::new(),
                watchers: VecDeque::new(),
                send_watchers: VecDeque::new(),
                handed: VecDeque::new(),
            }),
            cap,
            buffer: Buffer::new(cap).map_err(|slots| CapacityError {
                capacity: cap,
                slots,
            })?,
            recv_waiting: AtomicUsize::new(0),
            send_waiting: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        })
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
        // SAFETY: the caller holds the lock (this function's contract).
        unsafe { self.lock.unlock() };
    }

    /// # Safety
    /// The caller holds the lock and has no other reference to the state.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn state_mut(&self) -> &mut State<T> {
        // SAFETY: the lock held makes this the only access to the state, and
        // the caller holds no other reference to it (this function's contract).
        unsafe { &mut *self.state.get() }
    }

    pub(crate) fn is_closed(&self) -> bool {
        match &self.buffer {
            // The mark, not the flag: a receiver that saw the mark and
            // returned must find the channel closed.
            Some(buffer) => buffer.is_closed(),
            None => self.closed.load(Ordering::Acquire),
        }
    }

    pub(crate) fn len(&self) -> usize {
        match &self.buffer {
            Some(buffer) => buffer.len(),
            // No values, as in Go, unless a receive future gave one back.
            None => self.lock().handed().len(),
        }
    }

    /// Closes; returns whether this call did it. Wakes every waiter.
    pub(crate) fn close(&self) -> bool {
        if let Some(buffer) = &self.buffer {
            if !buffer.close() {
                return false;
            }
            // Every waiter registered from now on sees the mark when it
            // re-checks; those registered before are claimed here.
        }
        let woken = {
            let mut st = self.lock();
            // Set the flag before `st.close()` completes any waiter: a
            // receiver woken by this close returns at once and must then see
            // `is_closed()` (storing it after let such a receiver see `false`).
            self.closed.store(true, Ordering::Release);
            let woken = st.close();
            self.sync_waiting(&st);
            woken
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
