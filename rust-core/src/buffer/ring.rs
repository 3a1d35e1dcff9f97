//! The lock-free buffer of a bounded buffered channel: a fixed ring of slots,
//! each with a stamp that says whether it holds a value of the current lap
//! (Vyukov's bounded queue, as crossbeam-channel's array flavour lays it out).
//!
//! `head` and `tail` count positions as `lap | index`, with three bits
//! between the index and the lap. In `tail`, `mark_bit` says "look before
//! claiming": it is set with `closed_bit` (the channel is closed) or with
//! `paused_bit` (see [`super::pause`]), so a claim tests one bit, as it did
//! before pauses existed. In `head`, `paused_bit` alone marks a pause. A
//! send that claimed a slot (moved `tail`) before the close mark is part of
//! the channel's contents: receivers drain it, then see the mark and report
//! the close.

use std::ops::ControlFlow;

use crossbeam_utils::CachePadded;

use super::barrier;
use super::pause::Pause;
use super::{Refused, Snapshot};

use crate::hooks::{count, hook, Count, Point};
use crate::loom::{claim_then_check, fence, AtomicUsize, Ordering, ValueCell};
use crate::wait::{one_cpu, spin};

/// The most pauses [`Ring::await_room`] waits for a run of free slots:
/// about 3 µs here, four times what one receiver takes to free a run of
/// 64. A receiver that frees nothing in that time shares the sender's CPU
/// or sleeps, and the wait only delays a yield (512 pauses: C3 at
/// capacity 1024 took 14.6 ns a message, median of 5 runs; 128: 11.9).
const ROOM_PAUSES: u32 = 128;

struct Slot<T> {
    /// `position + 1` once the value of `position` is written; `position`
    /// (of the next lap) once it has been read and the slot is free again.
    stamp: AtomicUsize,
    value: ValueCell<T>,
}

pub(crate) struct Ring<T> {
    /// The next position to receive from.
    head: CachePadded<AtomicUsize>,
    /// The next position to send to, with `mark_bit` once closed or paused.
    tail: CachePadded<AtomicUsize>,
    slots: Box<[Slot<T>]>,
    cap: usize,
    /// A power of two above every index: "marked" in `tail`; the two bits
    /// above it say why (closed, paused).
    mark_bit: usize,
    /// What one lap adds to a position (`8 * mark_bit`).
    one_lap: usize,
    pause: Pause,
}

// SAFETY: a slot's value is written only by the sender that claimed it and
// read only by the receiver that claimed it, the stamp ordering the two.
unsafe impl<T: Send> Send for Ring<T> {}
// SAFETY: as for `Send`: shared access only claims slots through atomics.
unsafe impl<T: Send> Sync for Ring<T> {}

impl<T> Ring<T> {
    /// A ring of `cap` slots; `None` if they cannot be allocated.
    pub(crate) fn try_new(cap: usize) -> Option<Self> {
        assert!(cap > 0, "a ring needs at least one slot");
        barrier::init();
        let mark_bit = (cap + 1).next_power_of_two();
        let mut slots = Vec::new();
        slots.try_reserve_exact(cap).ok()?;
        slots.extend((0..cap).map(|i| Slot {
            stamp: AtomicUsize::new(i),
            value: ValueCell::new(),
        }));
        Some(Ring {
            head: CachePadded::new(AtomicUsize::new(0)),
            tail: CachePadded::new(AtomicUsize::new(0)),
            slots: slots.into_boxed_slice(),
            cap,
            mark_bit,
            one_lap: mark_bit * 8,
            pause: Pause::new(),
        })
    }

    /// `tail`'s bit for "closed" (set with `mark_bit`).
    fn closed_bit(&self) -> usize {
        self.mark_bit << 1
    }

    /// `head`'s and `tail`'s bit for "paused" (in `tail`, with `mark_bit`).
    fn paused_bit(&self) -> usize {
        self.mark_bit << 2
    }

    /// A position without its marks.
    fn unmarked(&self, pos: usize) -> usize {
        pos & !(self.mark_bit * 7)
    }

    fn slot(&self, pos: usize) -> &Slot<T> {
        &self.slots[pos & (self.mark_bit - 1)]
    }

    /// The position after `pos` (the next lap after the last slot).
    fn next(&self, pos: usize) -> usize {
        self.advance(pos, 1)
    }

    /// The position `n` slots after `pos`, `n` at most the capacity (past
    /// the last slot, on the next lap).
    #[inline(always)]
    fn advance(&self, pos: usize, n: usize) -> usize {
        let index = pos & (self.mark_bit - 1);
        if index + n < self.cap {
            pos + n
        } else {
            (pos & !(self.one_lap - 1)).wrapping_add(self.one_lap + index + n - self.cap)
        }
    }

    /// Claims the slot at `tail` and writes `value` into it. `Busy` when the
    /// only slot that could take it was claimed by a receiver still reading:
    /// the send is not blocked, but must wait for that receiver.
    pub(crate) fn try_push(&self, value: T) -> Result<(), Refused<T>> {
        self.push::<false>(value)
    }

    /// As [`Ring::try_push`], for a send that will wait for its slot
    /// whatever the refusal: a ring of one slot then refuses a slot that
    /// still holds last lap's value as `NotReady` at once, full or not,
    /// without the fence and the read of `head` (a line the receivers write
    /// every message) that tell full from `Busy`.
    pub(crate) fn try_push_waiting(&self, value: T) -> Result<(), Refused<T>> {
        self.push::<true>(value)
    }

    fn push<const WAITING: bool>(&self, value: T) -> Result<(), Refused<T>> {
        let mut step = 0;
        let mut tail = self.tail.load(Ordering::Relaxed);
        loop {
            if tail & self.mark_bit != 0 {
                match self.marked(tail) {
                    Some(t) => tail = t,
                    None => return Err(Refused::Closed(value)),
                }
                continue;
            }
            let slot = &self.slots[tail & (self.mark_bit - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == tail {
                match self.tail.compare_exchange_weak(
                    tail,
                    self.next(tail),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        claim_then_check();
                        hook(Point::SendClaimed);
                        // SAFETY: the claim makes this slot ours until the stamp says written.
                        unsafe { slot.value.write(value) };
                        // A store, not a read-modify-write (a locked
                        // instruction), ordered before the channel's look
                        // at its waiters by the light side of a barrier
                        // whose heavy side a waiter pays (see `can_recv`).
                        slot.stamp.store(tail + 1, Ordering::Release);
                        barrier::light();
                        return Ok(());
                    }
                    Err(t) => {
                        count(Count::LostClaim);
                        tail = t;
                    }
                }
            } else if stamp.wrapping_add(self.one_lap) == tail + 1 {
                // The slot still holds last lap's value: full, unless a
                // receiver has already claimed it.
                if WAITING && self.cap == 1 {
                    return Err(Refused::NotReady(value));
                }
                fence(Ordering::SeqCst);
                let head = self.head.load(Ordering::Relaxed);
                return Err(if head.wrapping_add(self.one_lap) == tail {
                    Refused::NotReady(value)
                } else {
                    Refused::Busy(value)
                });
            } else {
                // Our view is stale (another sender claimed `tail` since, or
                // the stamp we read is old): look again after a pause, which
                // also tells loom to show us newer values.
                spin(step);
                step += 1;
                tail = self.tail.load(Ordering::Relaxed);
            }
        }
    }

    /// Claims the value at `head` and reads it. `Busy` when a sender claimed
    /// that slot and is still writing: the value is sent, and the receive
    /// must wait for that sender.
    pub(crate) fn try_pop(&self) -> Result<T, Refused<()>> {
        self.pop::<false>()
    }

    /// As [`Ring::try_pop`], for a receive that will wait whatever the
    /// refusal: a ring of one slot then refuses an unwritten slot as
    /// `NotReady` at once, empty or not, closed or not, without the fence
    /// and the read of `tail` (which the senders write every message). The
    /// caller learns of a close when it looks again.
    pub(crate) fn try_pop_waiting(&self) -> Result<T, Refused<()>> {
        self.pop::<true>()
    }

    fn pop<const WAITING: bool>(&self) -> Result<T, Refused<()>> {
        let mut step = 0;
        let mut head = self.head.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[head & (self.mark_bit - 1)];
            let stamp = slot.stamp.load(Ordering::Acquire);
            if stamp == head + 1 {
                match self.head.compare_exchange_weak(
                    head,
                    self.next(head),
                    Ordering::SeqCst,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        claim_then_check();
                        hook(Point::RecvClaimed);
                        // SAFETY: the stamp says written, and the claim makes it ours to read.
                        let value = unsafe { slot.value.take() };
                        // A store, as in `try_push` (see `can_send`).
                        slot.stamp
                            .store(head.wrapping_add(self.one_lap), Ordering::Release);
                        barrier::light();
                        return Ok(value);
                    }
                    Err(h) => {
                        count(Count::LostClaim);
                        head = h;
                    }
                }
            } else if stamp == head {
                if WAITING && self.cap == 1 {
                    return Err(Refused::NotReady(()));
                }
                fence(Ordering::SeqCst);
                let tail = self.tail.load(Ordering::Relaxed);
                return Err(if self.unmarked(tail) != head {
                    Refused::Busy(())
                } else if tail & self.closed_bit() != 0 {
                    Refused::Closed(())
                } else {
                    Refused::NotReady(())
                });
            } else if head & self.paused_bit() != 0 {
                // No stamp equals a paused head: claims wait for the resume.
                head = self.head_resumed();
            } else {
                // Our view is stale, as in `try_push`.
                spin(step);
                step += 1;
                head = self.head.load(Ordering::Relaxed);
            }
        }
    }

    /// A receive found `head` paused: the head once the pause is over.
    /// Out of line, as [`Ring::marked`].
    #[cold]
    #[inline(never)]
    fn head_resumed(&self) -> usize {
        self.pause
            .wait_resumed(|| self.head.load(Ordering::SeqCst) & self.paused_bit() != 0);
        self.head.load(Ordering::Relaxed)
    }

    /// A send found `tail` marked: `None` if the ring is closed, else (it
    /// is paused) the tail once the pause is over. Out of line: channels
    /// never pause, and a closed one is done.
    #[cold]
    #[inline(never)]
    fn marked(&self, tail: usize) -> Option<usize> {
        if tail & self.closed_bit() != 0 {
            return None;
        }
        self.pause
            .wait_resumed(|| self.tail.load(Ordering::SeqCst) & self.paused_bit() != 0);
        Some(self.tail.load(Ordering::Relaxed))
    }

    /// Marks the ring closed; true if this call did.
    pub(crate) fn close(&self) -> bool {
        let closed = self.closed_bit();
        self.tail.fetch_or(self.mark_bit | closed, Ordering::SeqCst) & closed == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.load(Ordering::SeqCst) & self.closed_bit() != 0
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        (
            self.head.load(Ordering::SeqCst),
            self.tail.load(Ordering::SeqCst),
        )
    }

    /// Whether a receive can go on now without waiting for anyone: a value
    /// is written at `head`, or the channel is closed and drained. Reads the
    /// stamp a sender's write publishes, so a sender that wrote after this
    /// saw nothing sees the reader's registration (see `Inner::after`): an
    /// empty ring by `tail`, which the sender's claim (a SeqCst
    /// read-modify-write) moves; a sender that claimed and has not written
    /// (it will tell) through the barrier its stamp store is paired with.
    pub(crate) fn can_recv(&self) -> bool {
        let head = self.head.load(Ordering::SeqCst);
        let slot = &self.slots[head & (self.mark_bit - 1)];
        if slot.stamp.load(Ordering::SeqCst) != head {
            // Written, or `head` moved on meanwhile: worth a try.
            return true;
        }
        let tail = self.tail.load(Ordering::SeqCst);
        if self.unmarked(tail) == head {
            // Empty: not ready, unless closed and drained.
            return tail & self.closed_bit() != 0;
        }
        // A sender still writing: it will tell, if its stamp store is
        // ordered before its look at the waiters.
        !barrier::heavy() || slot.stamp.load(Ordering::SeqCst) != head
    }

    /// Whether a send can go on now without waiting for anyone: the slot at
    /// `tail` is free, or the channel is closed. As [`Ring::can_recv`].
    pub(crate) fn can_send(&self) -> bool {
        let tail = self.tail.load(Ordering::SeqCst);
        if tail & self.mark_bit != 0 {
            // Closed, or paused (a claim then waits for the resume).
            return true;
        }
        let slot = &self.slots[tail & (self.mark_bit - 1)];
        let stamp = slot.stamp.load(Ordering::SeqCst);
        if stamp.wrapping_add(self.one_lap) != tail + 1 {
            return true;
        }
        let head = self.unmarked(self.head.load(Ordering::SeqCst));
        if head.wrapping_add(self.one_lap) == tail {
            // Full.
            return false;
        }
        // A receiver still reading: as in `can_recv`.
        !barrier::heavy() || slot.stamp.load(Ordering::SeqCst) != stamp
    }

    /// Whether the ring has one slot: every message is then a hand-off
    /// between a sender and a receiver, and a waiter's partner is usually
    /// a few hundred nanoseconds away (see `Inner::before_retry`).
    pub(crate) fn is_one_slot(&self) -> bool {
        self.cap == 1
    }

    /// A hint for a spinning receiver: whether the slot at `head` looks
    /// written (or `head` moved on, or is paused). Reads only the lines a
    /// sender writes once per message and pays no barrier; a receive then
    /// decides. An empty closed ring does not look ready (its mark is in
    /// `tail`, which the senders write every message): the waiter looks at
    /// the channel's close flag beside it.
    pub(crate) fn looks_recv_ready(&self) -> bool {
        let head = self.head.load(Ordering::Relaxed);
        self.slots[head & (self.mark_bit - 1)]
            .stamp
            .load(Ordering::Relaxed)
            != head
    }

    /// A hint for a spinning sender, as [`Ring::looks_recv_ready`]: whether
    /// the slot at `tail` looks free (or `tail` moved on, or is marked).
    pub(crate) fn looks_send_ready(&self) -> bool {
        let tail = self.tail.load(Ordering::Relaxed);
        tail & self.mark_bit != 0
            || self.slots[tail & (self.mark_bit - 1)]
                .stamp
                .load(Ordering::Relaxed)
                .wrapping_add(self.one_lap)
                != tail + 1
    }

    /// Whether a full ring's sender should wait with [`Ring::await_room`]:
    /// not on a ring under 32 slots, whose run would be a slot or two, nor
    /// on one CPU, where the receivers cannot free slots while it spins.
    pub(crate) fn waits_for_room(&self) -> bool {
        self.cap / 16 >= 2 && !one_cpu()
    }

    /// For a sender refused by a full ring that will wait: pauses until a
    /// run of free slots lies ahead of `tail` (a sixteenth of the ring, at
    /// most 64), at most [`ROOM_PAUSES`] pauses; true if it saw the run
    /// free (or `tail` marked), false if it gave up. Taking each slot as
    /// soon as a receiver frees it kept sender and receiver on the same
    /// cache lines, every message moving a line each way: in C2 at
    /// capacity 1024 such runs cost about 60 ns of CPU per message on each
    /// side (test-hooks counts: no parks, the ring found full 80-90% of the
    /// time) against about 20 when the sides work apart. Only a hint: the
    /// send then tries as before, and a ring that stays full still ends in
    /// the usual wait. Ask [`Ring::waits_for_room`] first.
    pub(crate) fn await_room(&self) -> bool {
        let run = (self.cap / 16).min(64);
        for _ in 0..ROOM_PAUSES {
            let tail = self.tail.load(Ordering::Relaxed);
            if tail & self.mark_bit != 0 {
                return true;
            }
            // The position `run` sends from now; its slot is free when its
            // stamp is that position.
            let ahead = self.advance(tail, run);
            if self.slot(ahead).stamp.load(Ordering::Relaxed) == ahead {
                return true;
            }
            std::hint::spin_loop();
        }
        false
    }

    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Ordering::SeqCst);
            let head = self.head.load(Ordering::SeqCst);
            if self.tail.load(Ordering::SeqCst) == tail {
                let (head, tail) = (self.unmarked(head), self.unmarked(tail));
                let hix = head & (self.mark_bit - 1);
                let tix = tail & (self.mark_bit - 1);
                return if hix < tix {
                    tix - hix
                } else if hix > tix {
                    self.cap - hix + tix
                } else if tail == head {
                    0
                } else {
                    self.cap
                };
            }
        }
    }
}

/// The ring at rest: nobody sends or receives (a caller's promise, or a
/// pause, see [`super::pause`]).
impl<T> Ring<T> {
    /// Calls `f` on the cell of each buffered value, oldest first, until it
    /// breaks.
    ///
    /// # Safety
    /// No one sends or receives meanwhile: every position from `head` to
    /// `tail` is written.
    pub(crate) unsafe fn cells(&self, mut f: impl FnMut(&ValueCell<T>) -> ControlFlow<()>) {
        let tail = self.unmarked(self.tail.load(Ordering::Acquire));
        let mut pos = self.unmarked(self.head.load(Ordering::Acquire));
        while pos != tail && f(&self.slot(pos).value).is_continue() {
            pos = self.next(pos);
        }
    }

    /// Frees the head's slot, whose value the caller moved out, as a
    /// receive does.
    ///
    /// # Safety
    /// The ring is paused by the caller and holds a value.
    pub(crate) unsafe fn retire_head(&self) {
        let head = self.head.load(Ordering::Relaxed);
        let pos = self.unmarked(head);
        self.slot(pos)
            .stamp
            .store(pos.wrapping_add(self.one_lap), Ordering::Release);
        self.head
            .store(self.next(pos) | self.paused_bit(), Ordering::Release);
    }

    /// Stops new claims (after any other pause has ended) and waits for
    /// the sends in flight to finish writing. The receives in flight read
    /// slots outside `head..tail`, which a pause does not touch.
    pub(crate) fn pause(&self) {
        let paused = self.paused_bit();
        // The tail's pause mark is the pausers' lock.
        while self.tail.fetch_or(self.mark_bit | paused, Ordering::SeqCst) & paused != 0 {
            self.pause
                .wait_resumed(|| self.tail.load(Ordering::SeqCst) & paused != 0);
        }
        self.head.fetch_or(paused, Ordering::SeqCst);
        let tail = self.unmarked(self.tail.load(Ordering::SeqCst));
        let mut pos = self.unmarked(self.head.load(Ordering::SeqCst));
        while pos != tail {
            let mut step = 0;
            while self.slot(pos).stamp.load(Ordering::Acquire) != pos + 1 {
                spin(step);
                step += 1;
            }
            pos = self.next(pos);
        }
    }

    /// Ends a pause: the head first, as the tail's mark is the lock.
    pub(crate) fn resume(&self) {
        let paused = self.paused_bit();
        self.head.fetch_and(!paused, Ordering::SeqCst);
        let closed = self.closed_bit();
        let _ = self
            .tail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| {
                // Still marked if closed meanwhile.
                Some(if t & closed != 0 {
                    t & !paused
                } else {
                    t & !(paused | self.mark_bit)
                })
            });
        claim_then_check();
        self.pause.resumed();
    }
}

impl<T> Drop for Ring<T> {
    fn drop(&mut self) {
        // No one else holds the ring, so no slot is busy: drop the values
        // still in it.
        while self.try_pop().is_ok() {}
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::{Refused, Ring};

    /// The spinning waiters' hints follow the one slot through a lap:
    /// a receiver's looks ready once a value is written, a sender's once
    /// the slot is free again, and a closed ring lets every sender go.
    #[test]
    fn a_one_slot_rings_hints_follow_its_slot() {
        let ring = Ring::try_new(1).unwrap();
        assert!(ring.is_one_slot());
        for lap in 0..3 {
            assert!(!ring.looks_recv_ready(), "lap {lap}: empty");
            assert!(ring.looks_send_ready(), "lap {lap}: empty");
            assert!(ring.try_push(lap).is_ok());
            assert!(ring.looks_recv_ready(), "lap {lap}: full");
            assert!(!ring.looks_send_ready(), "lap {lap}: full");
            assert_eq!(ring.try_pop().ok(), Some(lap));
        }
        assert!(ring.try_push(7).is_ok());
        assert!(ring.close());
        assert!(ring.looks_send_ready(), "a closed ring refuses at once");
        assert!(ring.looks_recv_ready(), "the value sent before the close");
        assert!(!Ring::<u8>::try_new(2).unwrap().is_one_slot());
    }

    /// `advance(pos, n)` is `n` steps of `next` from every slot of two
    /// laps, up to a whole ring: the slot a full ring's sender watches.
    #[test]
    fn advancing_n_slots_is_n_single_steps() {
        let ring = Ring::<u8>::try_new(100).unwrap();
        let mut pos = 0;
        for _ in 0..200 {
            let mut stepped = pos;
            for n in 1..=100 {
                stepped = ring.next(stepped);
                assert_eq!(ring.advance(pos, n), stepped, "from {pos:#x} by {n}");
            }
            pos = ring.next(pos);
        }
    }

    /// A waiting call's first try on one slot refuses without telling why
    /// (a full slot, an empty closed ring: `NotReady`); the plain tries,
    /// and any ring of more slots, still tell a close.
    #[test]
    fn a_waiting_try_on_one_slot_does_not_tell_why() {
        let ring = Ring::try_new(1).unwrap();
        assert!(ring.try_push_waiting(1).is_ok());
        assert!(matches!(
            ring.try_push_waiting(2),
            Err(Refused::NotReady(2))
        ));
        assert_eq!(ring.try_pop_waiting().ok(), Some(1));
        assert!(matches!(ring.try_pop_waiting(), Err(Refused::NotReady(()))));
        assert!(ring.close());
        assert!(matches!(ring.try_pop_waiting(), Err(Refused::NotReady(()))));
        assert!(matches!(ring.try_pop(), Err(Refused::Closed(()))));
        // The close mark is in `tail`, which a send reads anyway.
        assert!(matches!(ring.try_push_waiting(3), Err(Refused::Closed(3))));

        let two = Ring::<u8>::try_new(2).unwrap();
        assert!(two.close());
        assert!(matches!(two.try_pop_waiting(), Err(Refused::Closed(()))));
    }
}
