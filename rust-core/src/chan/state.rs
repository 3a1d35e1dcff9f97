//! The channel's shared state and the rules that change it. Everything here
//! runs with the channel's lock held; waking the threads it lets go happens
//! after the lock is released, by the caller.

use std::cell::UnsafeCell;
use std::collections::VecDeque;

use super::error::{CapacityError, RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use crate::buffer::{Buffer, Refused};
use crate::hooks::{count, Count};
use crate::loom::{fence, Arc, AtomicBool, AtomicUsize, Ordering, RawLock};
use crate::wait::{spin, Backoff, Deadline, Wait, Waiter};

/// How many times a buffer operation that must wait (for room, a value, or a
/// partner mid-way, `Busy`) retries with a pause before it registers and
/// sleeps until told: a running partner usually lets it go on within a few
/// microseconds, and registering costs the lock on both sides. Under loom,
/// spinning threads only multiply the interleavings, so they sleep at once.
/// A call that may not wait (a `try_`, or a deadline passed) retries a busy
/// partner this many times too, then reports it not ready: that partner
/// may be descheduled, and its finish tells a sleeper, not the caller.
pub(crate) const BUSY_SPINS: u32 = 10;

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

/// The locked part of a channel: the wait queues. A rendezvous channel
/// moves every value through them; a buffered channel's values are in its
/// lock-free buffer, and only its waiters are here.
// `repr(C)` keeps the fields every operation touches (`closed`, `queued`)
// at the front, in the same cache line as the lock; the wait queues behind
// them are read only when `queued` says someone waits.
#[repr(C)]
pub(crate) struct State<T> {
    closed: bool,
    /// Entries in the three queues together.
    queued: usize,
    /// Blocked senders, their values in their slots (FIFO).
    senders: VecDeque<Entry<T>>,
    /// Blocked receivers; a sender writes straight into their slots.
    receivers: VecDeque<Entry<T>>,
    /// On a buffered channel, blocked receivers that want to hear when a
    /// value can be taken (they then take it themselves).
    watchers: VecDeque<Entry<T>>,
    /// On a buffered channel, blocked senders that want to hear when a slot
    /// is free (their values stay with them).
    send_watchers: VecDeque<Entry<T>>,
    /// On a rendezvous channel, values that a receive future was handed and
    /// gave back when it was dropped: the next receivers take them, before
    /// any blocked sender's.
    handed: VecDeque<T>,
}

/// The waiter a locked operation let go, to be woken after unlocking.
pub(crate) type Woken = Option<Arc<Waiter>>;

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

/// Tells the first live waiter of `queue` (it retries on its own).
fn tell_first<T>(queue: &mut VecDeque<Entry<T>>) -> Woken {
    let e = pop_claimed(queue)?;
    e.waiter.complete();
    Some(e.waiter)
}

impl<T> State<T> {
    fn recount(&mut self) {
        self.queued = self.senders.len()
            + self.receivers.len()
            + self.watchers.len()
            + self.send_watchers.len();
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

    /// Tells the first live watcher that a value (or the close) is there.
    pub(crate) fn tell_watcher(&mut self) -> Woken {
        if self.queued == 0 {
            return None;
        }
        let woken = tell_first(&mut self.watchers);
        self.recount();
        woken
    }

    /// Tells the first live send watcher of a buffered channel that a slot is free.
    fn tell_send_watcher(&mut self) -> Woken {
        if self.queued == 0 {
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
        self.receivers.push_back(entry);
        self.queued += 1;
    }

    pub(crate) fn register_sender(&mut self, entry: Entry<T>) {
        self.senders.push_back(entry);
        self.queued += 1;
    }

    pub(crate) fn register_watcher(&mut self, entry: Entry<T>) {
        self.watchers.push_back(entry);
        self.queued += 1;
    }

    fn register_send_watcher(&mut self, entry: Entry<T>) {
        self.send_watchers.push_back(entry);
        self.queued += 1;
    }

    /// Removes the entry of (`waiter`, `case`) from every queue.
    pub(crate) fn unregister(&mut self, waiter: &Arc<Waiter>, case: usize) {
        self.receivers.retain(|e| !e.is(waiter, case));
        self.senders.retain(|e| !e.is(waiter, case));
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
        let queues = [
            &mut self.receivers,
            &mut self.senders,
            &mut self.watchers,
            &mut self.send_watchers,
        ];
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
    /// [`UNBOUNDED`](crate::buffer::UNBOUNDED) for an unbounded channel.
    pub(crate) cap: usize,
    /// The lock-free buffer; `None` for a rendezvous channel.
    pub(crate) buffer: Option<Buffer<T>>,
    /// Lengths of the buffered channel's `watchers` and `send_watchers` queues,
    /// mirrored so that a send or receive can see without the lock that
    /// nobody waits to hear of it.
    recv_waiting: AtomicUsize,
    send_waiting: AtomicUsize,
    state: UnsafeCell<State<T>>,
}

/// Which way a buffered channel's waiter wants to go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Send,
    Recv,
}

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
                queued: 0,
                senders: VecDeque::new(),
                receivers: VecDeque::new(),
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

/// The buffered channel's notify-then-retry waiting. A waiter registers (under
/// the lock, the count mirrors going up SeqCst), then fences and re-checks the
/// slot's stamp; an operation publishes its slot (a SeqCst swap of the
/// stamp), then loads the count SeqCst. In the single total order one of the
/// two sees the other, so a waiter never sleeps through the send or receive
/// that would have let it go on. A waiter re-checks stamps, not head and
/// tail, so that one that finds a partner mid-way (`Busy`) sleeps until that
/// partner tells it, rather than spinning on it.
impl<T> Inner<T> {
    /// Mirrors the watcher queues' lengths; call with the lock held after
    /// changing them.
    pub(crate) fn sync_waiting(&self, st: &State<T>) {
        if self.buffer.is_some() {
            self.recv_waiting.store(st.watchers.len(), Ordering::SeqCst);
            self.send_waiting
                .store(st.send_watchers.len(), Ordering::SeqCst);
        }
    }

    /// After a buffer operation on `side`: tells one waiter of the other side,
    /// if any waits. Takes the lock only then.
    #[inline]
    pub(crate) fn after(&self, side: Side) {
        crate::loom::claim_then_check();
        if self.waiting(side.other()).load(Ordering::SeqCst) != 0 {
            self.tell(side.other());
        }
    }

    /// Tells one waiter of `side`; out of line, as it is rarely needed.
    #[inline(never)]
    fn tell(&self, side: Side) {
        let mut st = self.lock();
        let woken = self.tell_locked(&mut st, side);
        drop(st);
        wake(woken);
    }

    /// [`Inner::after`] for a caller holding the lock.
    pub(crate) fn after_locked(&self, st: &mut State<T>, side: Side) -> Woken {
        crate::loom::claim_then_check();
        if self.waiting(side.other()).load(Ordering::SeqCst) != 0 {
            self.tell_locked(st, side.other())
        } else {
            None
        }
    }

    fn waiting(&self, side: Side) -> &AtomicUsize {
        match side {
            Side::Send => &self.send_waiting,
            Side::Recv => &self.recv_waiting,
        }
    }

    fn tell_locked(&self, st: &mut State<T>, side: Side) -> Woken {
        count(Count::Tell);
        let woken = match side {
            Side::Send => st.tell_send_watcher(),
            Side::Recv => st.tell_watcher(),
        };
        self.sync_waiting(st);
        woken
    }

    /// Queues `waiter` (for `case`) to hear when `side` can go on; the
    /// caller must then fence and re-check the buffer. Lock held.
    pub(crate) fn watch_locked(
        &self,
        st: &mut State<T>,
        waiter: &Arc<Waiter>,
        case: usize,
        side: Side,
    ) {
        count(Count::Watch);
        let entry = Entry {
            waiter: Arc::clone(waiter),
            case,
            slot: std::ptr::null_mut(),
        };
        match side {
            Side::Send => st.register_send_watcher(entry),
            Side::Recv => st.register_watcher(entry),
        }
        self.sync_waiting(st);
    }

    /// Whether a buffer operation on `side` would not block now (the
    /// buffered channel's readiness; call after the fence that follows
    /// registering).
    pub(crate) fn buffer_ready(&self, side: Side) -> bool {
        let buffer = self.buffer.as_ref().expect("a buffered channel");
        match side {
            Side::Send => buffer.can_send(),
            Side::Recv => buffer.can_recv(),
        }
    }

    /// Registers `waiter` to be told when `side` can go on, then re-checks
    /// the buffer: true if the waiter must now wait to be told; false if the
    /// buffer was ready after all (the registration is taken back, and the
    /// caller retries).
    pub(crate) fn watch(&self, waiter: &Arc<Waiter>, side: Side) -> bool {
        self.watch_locked(&mut self.lock(), waiter, 0, side);
        fence(Ordering::SeqCst);
        if self.buffer_ready(side) {
            self.unwatch(waiter);
            return false;
        }
        true
    }

    /// Registers, re-checks, and sleeps until told or `deadline`. False if
    /// the deadline passed with nothing told; true if the caller should retry.
    /// Out of line, so that the callers' retry loops stay small.
    #[inline(never)]
    fn watch_and_wait(&self, waiter: &Arc<Waiter>, side: Side, deadline: Deadline) -> bool {
        // A receiver sleeps at once (it spun before registering): its
        // senders then run ahead and fill the buffer, or whole blocks of an
        // unbounded one, and one wake-up pays for a burst, where a receiver
        // that keeps up with them shares every cache line with them. A
        // sender spins and yields before it sleeps: a full buffer is usually
        // drained within microseconds, and if senders slept too, a full
        // buffer and an empty one would each cost a wake-up (C2 at capacity
        // 1024 ran about 5x slower).
        if !self.watch(waiter, side) {
            return true;
        }
        let backoff = if side == Side::Recv {
            Backoff::Park
        } else {
            Backoff::Adaptive
        };
        let told = waiter.wait(backoff, deadline);
        // If the deadline passed, give up, unless told meanwhile.
        told || !self.unwatch(waiter)
    }

    /// Sends into the buffer, waiting for room as `wait` says; with
    /// `Wait::Now` it fails at once when full (reported as a timeout). Either way
    /// waits for a receiver that is still reading the one free slot.
    #[inline]
    pub(crate) fn buffer_send(
        &self,
        buffer: &Buffer<T>,
        value: T,
        wait: Wait,
    ) -> Result<(), SendTimeoutError<T>> {
        // The first try inline, the retries out of line: a send that goes
        // through at once pays for no stack frame.
        match buffer.try_push(value) {
            Ok(()) => {
                self.after(Side::Send);
                Ok(())
            }
            Err(refused) => self.buffer_send_again(buffer, refused, wait),
        }
    }

    #[inline(never)]
    fn buffer_send_again(
        &self,
        buffer: &Buffer<T>,
        mut refused: Refused<T>,
        wait: Wait,
    ) -> Result<(), SendTimeoutError<T>> {
        let mut step = 0;
        loop {
            let (value, busy) = match refused {
                Refused::Closed(v) => return Err(SendTimeoutError::Closed(v)),
                Refused::NotReady(v) => (v, false),
                Refused::Busy(v) => (v, true),
            };
            if !self.before_retry(Side::Send, &mut step, busy, wait) {
                return Err(SendTimeoutError::Timeout(value));
            }
            refused = match buffer.try_push(value) {
                Ok(()) => {
                    self.after(Side::Send);
                    return Ok(());
                }
                Err(refused) => refused,
            };
        }
    }

    /// Receives from the buffer; as [`Inner::buffer_send`].
    #[inline]
    pub(crate) fn buffer_recv(
        &self,
        buffer: &Buffer<T>,
        wait: Wait,
    ) -> Result<T, RecvTimeoutError> {
        match buffer.try_pop() {
            Ok(value) => {
                self.after(Side::Recv);
                Ok(value)
            }
            Err(refused) => self.buffer_recv_again(buffer, refused, wait),
        }
    }

    #[inline(never)]
    fn buffer_recv_again(
        &self,
        buffer: &Buffer<T>,
        mut refused: Refused<()>,
        wait: Wait,
    ) -> Result<T, RecvTimeoutError> {
        let mut step = 0;
        loop {
            let busy = match refused {
                Refused::Closed(()) => return Err(RecvTimeoutError::Closed),
                Refused::NotReady(()) => false,
                Refused::Busy(()) => true,
            };
            if !self.before_retry(Side::Recv, &mut step, busy, wait) {
                return Err(RecvTimeoutError::Timeout);
            }
            refused = match buffer.try_pop() {
                Ok(value) => {
                    self.after(Side::Recv);
                    return Ok(value);
                }
                Err(refused) => refused,
            };
        }
    }

    /// Between two tries of a refused buffer operation on `side`: false if
    /// it should give up (it may not wait, or its deadline passed, and the
    /// refusal is not a busy partner that a few more tries may see finish);
    /// else pauses, spinning for the first `BUSY_SPINS` steps, then waiting
    /// to be told until `deadline`. A call that may not wait never sleeps.
    #[inline]
    fn before_retry(&self, side: Side, step: &mut u32, busy: bool, wait: Wait) -> bool {
        let spins = if cfg!(loom) { 0 } else { BUSY_SPINS };
        match wait {
            Wait::Until(deadline) if !deadline.is_past() => {
                if *step >= spins {
                    return self.watch_and_wait(&Waiter::for_thread(), side, deadline);
                }
            }
            // It may not wait, or its deadline passed: only a busy partner
            // is worth a few more tries.
            _ => {
                if !busy || *step >= spins {
                    return false;
                }
            }
        }
        count(Count::Retry);
        spin(*step);
        *step += 1;
        true
    }

    /// Takes back a registration; false if the waiter was told meanwhile
    /// (under the lock, so completely), and should just retry.
    fn unwatch(&self, waiter: &Arc<Waiter>) -> bool {
        let mut st = self.lock();
        if waiter.abort().is_ok() {
            st.unregister(waiter, 0);
            self.sync_waiting(&st);
            return true;
        }
        false
    }

    /// A waiter told about `side` of a buffered channel goes away without
    /// acting: tell the next one if the channel is still ready that way, so
    /// the news is not lost.
    pub(crate) fn pass_on(&self, side: Side) {
        let mut st = self.lock();
        let woken = if self.buffer_ready(side) {
            self.tell_locked(&mut st, side)
        } else {
            None
        };
        drop(st);
        wake(woken);
    }
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Send => Side::Recv,
            Side::Recv => Side::Send,
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
