//! The buffered channel's operations: values move through the lock-free
//! buffer (`crate::buffer`), and the lock guards only the waiters who wait
//! to be told that they may go on.

use super::error::{RecvTimeoutError, SendTimeoutError};
use super::state::{wake, Entry, Inner, State, Woken};
use crate::buffer::{Buffer, Refused, Ring};
use crate::hooks::{count, Count};
use crate::loom::{fence, Arc, AtomicUsize, Ordering};
use crate::wait::{
    first_yield, retried_after, sleep_instead_of, spin, Backoff, Deadline, Wait, Waiter,
};

/// How many times a buffer operation that must wait (for room, a value, or a
/// partner mid-way, `Busy`) retries with a pause before it registers and
/// sleeps until told: a running partner usually lets it go on within a few
/// microseconds, and registering costs the lock on both sides. Under loom,
/// spinning threads only multiply the interleavings, so they sleep at once.
/// A call that may not wait (a `try_`, or a deadline passed) retries a busy
/// partner this many times too, then reports it not ready: that partner
/// may be descheduled, and its finish tells a sleeper, not the caller.
pub(crate) const BUSY_SPINS: u32 = 10;

/// Which way a buffered channel's waiter wants to go.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Send,
    Recv,
}

/// The buffered channel's notify-then-retry waiting. A waiter registers (under
/// the lock, the count mirrors going up SeqCst), then fences and re-checks the
/// buffer; an operation publishes its slot, then loads the count SeqCst.
/// Either the waiter's re-check sees the slot or the operation sees the
/// waiter, so a waiter never sleeps through the send or receive that would
/// have let it go on. On a list the claim publishes (a SeqCst
/// compare-and-swap of `tail` or `head`), and a waiter re-checks `head` and
/// `tail`. A ring slot is published by a release store of its stamp, and a
/// waiter re-checks stamps, not head and tail, so that one that finds a
/// partner mid-way (`Busy`) sleeps until that partner tells it, rather than
/// spinning on it; the store is ordered before the partner's look at the
/// waiters by an asymmetric barrier (see `buffer::barrier`).
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
        let backoff = if side == Side::Recv {
            Backoff::Park
        } else {
            Backoff::Adaptive
        };
        self.watch_and_wait_with(waiter, side, deadline, backoff)
    }

    /// [`Inner::watch_and_wait`], spending the time before it parks as
    /// `backoff` says.
    fn watch_and_wait_with(
        &self,
        waiter: &Arc<Waiter>,
        side: Side,
        deadline: Deadline,
        backoff: Backoff,
    ) -> bool {
        if !self.watch(waiter, side) {
            return true;
        }
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
        // through at once pays for no stack frame. One that will wait
        // whatever the refusal need not learn which it was.
        let first = if waits_forever(wait) {
            buffer.try_push_waiting(value)
        } else {
            buffer.try_push(value)
        };
        match first {
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
            if !self.before_retry(buffer, Side::Send, &mut step, busy, wait) {
                return Err(SendTimeoutError::Timeout(value));
            }
            refused = match buffer.try_push(value) {
                Ok(()) => {
                    went_through_after(step);
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
        // As in `buffer_send`. The retries learn of a close.
        let first = if waits_forever(wait) {
            buffer.try_pop_waiting()
        } else {
            buffer.try_pop()
        };
        match first {
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
            if !self.before_retry(buffer, Side::Recv, &mut step, busy, wait) {
                return Err(RecvTimeoutError::Timeout);
            }
            refused = match buffer.try_pop() {
                Ok(value) => {
                    went_through_after(step);
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
    ///
    /// A ring of one slot waits as [`Inner::handoff_wait`] says instead.
    #[inline]
    fn before_retry(
        &self,
        buffer: &Buffer<T>,
        side: Side,
        step: &mut u32,
        busy: bool,
        wait: Wait,
    ) -> bool {
        if let (Buffer::Ring(ring), Wait::Until(deadline)) = (buffer, wait) {
            if ring.is_one_slot() && !deadline.is_past() {
                return self.handoff_wait(ring, side, deadline);
            }
        }
        let spins = if cfg!(loom) { 0 } else { BUSY_SPINS };
        match wait {
            Wait::Until(deadline) if !deadline.is_past() => {
                if *step >= spins {
                    *step = NOT_SPINNING;
                    return self.watch_and_wait(&Waiter::for_thread(), side, deadline);
                }
                if sleep_instead_of(*step) {
                    // A sleep whose wake-up may move this thread to an idle
                    // CPU, away from a partner it shares one with: it has
                    // spun in vain, and yielding would keep them together.
                    *step = NOT_SPINNING;
                    let waiter = Waiter::for_thread();
                    return self.watch_and_wait_with(&waiter, side, deadline, Backoff::Park);
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
        match (side, busy, buffer) {
            // A full ring's sender waits for a run of free slots while its
            // pauses would only spin. If none came, the receivers are not
            // draining the ring (asleep, descheduled, or on this CPU): its
            // next pause yields. It used to wait again at each of those
            // steps, up to 90 µs before the first yield; in C3 at capacity
            // 1024 (five threads on two CPUs) a producer on the consumer's
            // CPU that spun so made a run 2-4x as slow per message, one
            // run in three. The wait is short for the same reason
            // (ROOM_PAUSES).
            (Side::Send, false, Buffer::Ring(ring))
                if !cfg!(loom) && *step < first_yield() && ring.waits_for_room() =>
            {
                *step = if ring.await_room() {
                    *step + 1
                } else {
                    first_yield()
                };
            }
            _ => {
                spin(*step);
                *step += 1;
            }
        }
        true
    }

    /// A refused operation on a ring of one slot, which may wait until
    /// `deadline`: true once it should retry. Every message there is a
    /// hand-off, so it waits as a rendezvous does (`Backoff::Handoff`):
    /// it looks at the slot after every pause, not once per doubling step,
    /// and its spin budget shrinks when spinning does not pay (a partner
    /// sharing its CPU), so that it yields at once, and sleeps now and then
    /// to be woken onto an idle CPU. A fixed spin of doubling steps found a
    /// partner late when both ran, and when they shared a CPU spent about
    /// 4 us spinning per message before each yield. Then it registers and
    /// parks at once: it has spun already.
    #[inline(never)]
    fn handoff_wait(&self, ring: &Ring<T>, side: Side, deadline: Deadline) -> bool {
        // A receiver also looks at the close flag, written once: the mark
        // is in `tail`, which the senders write every message.
        let looks_ready = || match side {
            Side::Send => ring.looks_send_ready(),
            Side::Recv => ring.looks_recv_ready() || self.closed.load(Ordering::Relaxed),
        };
        if Backoff::Handoff.before_park(looks_ready, deadline.instant()) {
            count(Count::Retry);
            return true;
        }
        self.watch_and_wait_with(&Waiter::for_thread(), side, deadline, Backoff::Park)
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

/// A retry loop's step once it has registered and waited to be told: its
/// tries then tell nothing more about its partner's CPU.
const NOT_SPINNING: u32 = u32::MAX;

/// A retried buffer operation went through after `step` pauses: counted
/// for the spin's parting rule (`wait::sleep_instead_of`). Step 0: it
/// waited as a hand-off, whose `Backoff` counts its own waits.
fn went_through_after(step: u32) {
    if step != 0 && step != NOT_SPINNING {
        retried_after(step);
    }
}

/// Whether `wait` blocks for as long as it takes: such a call waits
/// whatever refused it, and retries until it is done or the channel closed.
fn waits_forever(wait: Wait) -> bool {
    matches!(wait, Wait::Until(d) if d.instant().is_none())
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Send => Side::Recv,
            Side::Recv => Side::Send,
        }
    }
}
