//! The lock-free buffer of an unbounded channel (and of a bounded one too
//! big to allocate up front): a linked list of blocks of slots, the layout of
//! crossbeam-channel's list flavour, but for the slots' states, a byte each
//! beside their neighbours' (see `block`). Senders claim a position by moving
//! `tail`, receivers by moving `head`; the sender that claims a block's last
//! slot links the next block, and the receiver that reads a block's last
//! value frees it once every other reader of the block is done. So memory
//! follows the contents: a burst's blocks are freed as they are drained.
//! A bounded list is made with the blocks of its first values, up to
//! [`MADE_UP_FRONT`] bytes of them, linked in advance, and grows by runs
//! of blocks linked in advance too (see `grow`); their blocks too are
//! freed as they are drained, a run's memory with its last.
//!
//! Positions count slots as `lap * LAP + offset`, shifted left by two bits,
//! where `LAP`, the positions per block, is 32 to 128 by the size of a
//! value (see `block::lap`). The lower bit is in `tail` the close mark, in
//! `head` a hint that the tail is in a later block (so a receiver need not
//! read `tail`); the upper one, in both, the pause mark (see
//! [`super::pause`]). Offset `LAP - 1` is never a slot: a position stands
//! there only while its block's successor is being linked.
//!
//! A value is part of the channel from the moment its sender claims a
//! position; a receiver that claims that position before the value is
//! written waits for the write, which is a few instructions away.
//!
//! A message costs one read-modify-write on each side, its claim: a slot's
//! state is set by plain stores (see [`WRITTEN`]), and freeing a block
//! waits for its readers by looking at their marks (see `reclaim`).

mod block;
mod grow;
#[cfg(all(test, loom))]
mod loom_tests;
mod paused;
mod reclaim;

use std::ops::{ControlFlow, Deref};
use std::ptr;

use crossbeam_utils::CachePadded;

use super::pause::Pause;
use super::{Refused, Snapshot, UNBOUNDED};
use crate::hooks::{count, hook, Count, Point};
use crate::loom::{claim_then_check, yield_now, AtomicPtr, AtomicUsize, Ordering};
use crate::wait::spin;
use block::{wait_written, write, Block, Slot};

/// The bytes of blocks a bounded list is made with at most, for its first
/// values: a page fault costs about 2 µs here, so a list that fills
/// faults its blocks in at a quarter of its sends' speed (C1, a million
/// `u64`s into a capacity of a million: 26.7 ns a message, 21.8 without
/// the faults), and peers allocate a bounded channel's whole capacity up
/// front (`std::sync::mpsc::sync_channel` 16 MB for that one, Go 8 MB).
/// Beyond this much, a list grows as it fills, so that a huge capacity
/// never takes more than the machine has (see `grow`).
#[cfg(not(loom))]
const MADE_UP_FRONT: usize = 4 << 20;
/// How far one position moves an index.
const STEP: usize = 4;
/// The low bit of an index: `tail` closed, or `head` behind a later tail block.
const MARK: usize = 1;
/// The bit above it: paused.
const PAUSED: usize = 2;

/// A slot's state: `WRITTEN` once its sender wrote the value, then
/// `WRITTEN | READ` once its receiver took it. Each is a plain store (no
/// read-modify-write, which costs a locked instruction): the sender alone
/// writes the state first, and the receiver alone after it, once it has
/// seen `WRITTEN`; whoever frees the block only reads it.
const WRITTEN: u8 = 1;
const READ: u8 = 2;

/// One end of the list: a position and the block it is in.
struct End<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

impl<T> End<T> {
    /// The index, once it is not between two blocks: the thread that took a
    /// block's last slot moves it on to the next block within a few
    /// instructions.
    #[inline]
    fn settled_index(&self) -> usize {
        let index = self.index.load(Ordering::Acquire);
        if offset::<T>(index) != Block::<T>::CAP {
            return index;
        }
        self.wait_settled()
    }

    /// [`End::settled_index`]'s wait, out of line: an end stands between
    /// two blocks for a few instructions a block.
    #[cold]
    #[inline(never)]
    fn wait_settled(&self) -> usize {
        let mut step = 0;
        loop {
            let index = self.index.load(Ordering::Acquire);
            if offset::<T>(index) != Block::<T>::CAP {
                return index;
            }
            spin(step);
            step += 1;
        }
    }
}

/// The tail end, and what its senders last learnt of the room.
struct Tail<T> {
    end: End<T>,
    /// A position below which a send has room: the list held fewer than
    /// `cap` values while the tail was below it, by a `head` read earlier
    /// (see [`List::full`]). Any value once stored stays true, as `head`
    /// only grows, so it is stored and loaded relaxed; `usize::MAX` when
    /// unbounded. A send then reads neither `head` (the receivers' line)
    /// nor the capacity until the tail reaches it.
    room_below: AtomicUsize,
}

impl<T> Deref for Tail<T> {
    type Target = End<T>;

    fn deref(&self) -> &End<T> {
        &self.end
    }
}

pub(crate) struct List<T> {
    head: CachePadded<End<T>>,
    tail: CachePadded<Tail<T>>,
    /// Most values it holds, or [`UNBOUNDED`].
    cap: usize,
    /// The block of lap `l` has its successor linked in advance if
    /// `l + 1 < made`: the blocks made with the list, and those of the runs
    /// a bounded list grows by (see `grow`). Stored before the blocks it
    /// covers are linked, and so seen by whoever reaches them.
    made: AtomicUsize,
    pause: Pause,
    /// Blocks drained while a reader of theirs was still taking its value,
    /// each to be freed once its readers are done (see `reclaim`).
    retired: AtomicPtr<Block<T>>,
}

// SAFETY: a slot's value is written only by the sender that claimed it and
// read only by the receiver that claimed it, its state ordering the two.
unsafe impl<T: Send> Send for List<T> {}
// SAFETY: as for `Send`: shared access only claims slots through atomics.
unsafe impl<T: Send> Sync for List<T> {}

/// How many slots lie before the position of `index` in a list of `T`s.
fn slots_before<T>(index: usize) -> usize {
    let pos = index / STEP;
    pos - pos / Block::<T>::LAP
}

/// The offset in its block of the position of `index`.
fn offset<T>(index: usize) -> usize {
    (index / STEP) % Block::<T>::LAP
}

/// The lap (block number) of the position of `index`.
fn lap_of<T>(index: usize) -> usize {
    index / STEP / Block::<T>::LAP
}

/// The position of slot number `slots` (the inverse of [`slots_before`]
/// on positions that are slots), saturating.
fn position_of<T>(slots: usize) -> usize {
    slots.saturating_add(slots / Block::<T>::CAP)
}

impl<T> List<T> {
    /// Slots per block (the slots an empty list holds allocated).
    pub(crate) const BLOCK_CAP: usize = Block::<T>::CAP;

    /// An empty list of at most `cap` values; `None` if its first block
    /// cannot be allocated. A bounded one makes the blocks of its first
    /// values too, up to [`MADE_UP_FRONT`] bytes, as many as it can: the
    /// others are made as the list fills.
    pub(crate) fn try_new(cap: usize) -> Option<Self> {
        let (first, made) = Self::make_up_front(cap);
        if first.is_null() {
            return None;
        }
        Some(List {
            head: CachePadded::new(End {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first),
            }),
            tail: CachePadded::new(Tail {
                end: End {
                    index: AtomicUsize::new(0),
                    block: AtomicPtr::new(first),
                },
                room_below: AtomicUsize::new(if cap == UNBOUNDED {
                    usize::MAX
                } else {
                    position_of::<T>(cap)
                }),
            }),
            cap,
            made: AtomicUsize::new(made),
            pause: Pause::new(),
            retired: AtomicPtr::new(ptr::null_mut()),
        })
    }

    /// Whether a send at `tail`, a slot's position, may find the list full:
    /// only once the tail reaches the room its senders last learnt of
    /// (one load and a compare, where reading `head` costs a line the
    /// receivers write). Then [`List::full`] looks.
    #[inline]
    fn maybe_full(&self, tail: usize) -> bool {
        tail / STEP >= self.tail.room_below.load(Ordering::Relaxed)
    }

    /// Whether the list holds `cap` values, by `tail` as read earlier and
    /// `head` read now, and learns the room that `head` leaves. The length
    /// is at least their difference, unless receivers have since moved
    /// `head` past that `tail`: then `tail` is stale, and the list not full
    /// (a claim at that `tail` fails and looks again). Comparing against
    /// `head` plus `cap` (saturating) rather than subtracting keeps that
    /// case right: a subtraction underflowed there, a spurious full in
    /// release builds and a panic in debug ones. Out of line: a send comes
    /// here only when its tail reaches the room learnt before (filling an
    /// empty list, once per `cap` values).
    #[inline(never)]
    fn full(&self, tail: usize) -> bool {
        if self.cap == UNBOUNDED {
            return false;
        }
        count(Count::RoomLook);
        let room =
            slots_before::<T>(self.head.index.load(Ordering::SeqCst)).saturating_add(self.cap);
        self.tail
            .room_below
            .store(position_of::<T>(room), Ordering::Relaxed);
        slots_before::<T>(tail) >= room
    }

    /// Claims the position at `tail` and writes `value` there. Never `Busy`.
    /// Always inlined, as is [`List::try_pop`]: left to the compiler, each
    /// was a call with six registers saved and restored, about a third of
    /// its instructions (callgrind, C1 warm-up + 1 run: 404.5M -> 302.5M);
    /// their rare paths stay out of line.
    #[inline(always)]
    pub(crate) fn try_push(&self, mut value: T) -> Result<(), Refused<T>> {
        let mut tail = self.tail.settled_index();
        loop {
            if tail & (MARK | PAUSED) != 0 {
                if tail & MARK != 0 {
                    return Err(Refused::Closed(value));
                }
                tail = self.tail_resumed();
                continue;
            }
            let offset = offset::<T>(tail);
            hook(Point::SendReadTail);
            if self.maybe_full(tail) && self.full(tail) {
                return Err(Refused::NotReady(value));
            }
            let pushed = if offset + 1 == Self::BLOCK_CAP {
                self.push_last(tail, value)
            } else {
                // Loaded after `tail`: the block of `tail`'s lap or a later
                // one, and if later, the claim fails (positions only grow).
                let block = self.tail.block.load(Ordering::Acquire);
                if self.claim_tail(tail) {
                    // SAFETY: we claimed slot `offset` of `block`.
                    unsafe { write(block, offset, value) };
                    Ok(())
                } else {
                    Err(value)
                }
            };
            match pushed {
                Ok(()) => return Ok(()),
                Err(v) => {
                    value = v;
                    tail = self.tail.settled_index();
                }
            }
        }
    }

    /// One try at claiming the position `tail`; false if another sender
    /// claimed it first.
    #[inline]
    fn claim_tail(&self, tail: usize) -> bool {
        let claimed = self
            .tail
            .index
            .compare_exchange_weak(tail, tail + STEP, Ordering::SeqCst, Ordering::Acquire)
            .is_ok();
        if claimed {
            claim_then_check();
            hook(Point::SendClaimed);
        } else {
            count(Count::LostClaim);
            // The other sender runs on another CPU right now. Yield rather
            // than spin: with more threads than CPUs, a receiver gets this
            // CPU instead of two senders taking turns at `tail` (C4 on two
            // cores runs twice as fast), and on a big machine a yield
            // costs no more than a long spin.
            yield_now();
        }
        claimed
    }

    /// Claims the value at `head` and reads it, waiting for its sender to
    /// finish writing if need be. Never `Busy`.
    #[inline(always)]
    pub(crate) fn try_pop(&self) -> Result<T, Refused<()>> {
        let mut head = self.head.settled_index();
        loop {
            let offset = offset::<T>(head);
            let mut new_head = head + STEP;
            if head & (MARK | PAUSED) == 0 {
                // Read after `head`, `tail` is as new: if they are equal,
                // the list was empty when `tail` was read. No fence is needed:
                // a waiting receiver re-checks (`can_recv`) after its own.
                let tail = self.tail.index.load(Ordering::Acquire);
                if head / STEP == tail / STEP {
                    return Err(if tail & MARK != 0 {
                        Refused::Closed(())
                    } else {
                        Refused::NotReady(())
                    });
                }
                if lap_of::<T>(head) != lap_of::<T>(tail) {
                    new_head |= MARK;
                }
            } else if head & PAUSED != 0 {
                head = self.head_resumed();
                continue;
            }
            // As in `try_push`: a later block only if the claim fails.
            let block = self.head.block.load(Ordering::Acquire);
            match self.head.index.compare_exchange_weak(
                head,
                new_head,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    claim_then_check();
                    hook(Point::RecvClaimed);
                    // SAFETY: the claim keeps the block alive until we read
                    // our slot, and its sender claimed the slot before us.
                    return Ok(unsafe { self.read(block, offset, new_head) });
                }
                Err(_) => {
                    count(Count::LostClaim);
                    // As in `try_push`.
                    yield_now();
                    head = self.head.settled_index();
                }
            }
        }
    }

    /// Reads the claimed slot `offset` of `block`; `new_head` is the index
    /// the claim stored.
    ///
    /// # Safety
    /// The caller claimed that slot.
    #[inline]
    unsafe fn read(&self, block: *mut Block<T>, offset: usize, new_head: usize) -> T {
        // SAFETY: the caller claimed slot `offset` of `block`, so the block
        // stays alive until `done_reading` marks it read, and its value is
        // ours to take once its sender marks it written.
        unsafe {
            self.pass_block(block, offset, new_head);
            let slot = Block::slot(block, offset);
            if slot.state.load(Ordering::Acquire) & WRITTEN == 0 {
                wait_written(slot.state);
            }
            let value = slot.value.take();
            self.done_reading(block, offset);
            value
        }
    }

    /// If the claimed slot `offset` of `block` is the block's last, moves
    /// `head` (claimed as `new_head`, its pause mark kept) to the next
    /// block, which the last slot's sender links before writing.
    ///
    /// # Safety
    /// The caller claimed that slot and has not read it yet.
    #[inline]
    unsafe fn pass_block(&self, block: *mut Block<T>, offset: usize, new_head: usize) {
        if offset + 1 == Self::BLOCK_CAP {
            // SAFETY: as this function's.
            unsafe { self.pass_to_next(block, new_head) };
        }
    }

    /// [`List::pass_block`] for a block's last slot; out of line, as it
    /// happens once a block.
    ///
    /// # Safety
    /// As [`List::pass_block`]'s, for the block's last slot.
    #[inline(never)]
    unsafe fn pass_to_next(&self, block: *mut Block<T>, new_head: usize) {
        // SAFETY: the block is alive until its last slot is read, and the
        // next block once linked.
        unsafe {
            let next = (*block).wait_next();
            let mut index = (new_head & !MARK) + STEP;
            // A successor linked by a sender means that the tail is past
            // `next`; one made with the list says nothing.
            if !self.has_made_successor(lap_of::<T>(index))
                && !(*next).next.load(Ordering::Relaxed).is_null()
            {
                index |= MARK;
            }
            self.head.block.store(next, Ordering::Release);
            self.head.index.store(index, Ordering::Release);
        }
    }

    /// Marks the claimed slot `offset` of `block` read (its value taken);
    /// the reader of the block's last slot frees the block instead, once
    /// its other readers are done.
    ///
    /// # Safety
    /// The caller claimed that slot and took its value; it touches the
    /// block no more.
    #[inline]
    unsafe fn done_reading(&self, block: *mut Block<T>, offset: usize) {
        // SAFETY: our claim keeps the block alive until this mark (the
        // store is our last touch of it), or, for the last slot, until
        // we release it.
        unsafe {
            if offset + 1 == Self::BLOCK_CAP {
                self.release(block);
            } else {
                Block::slot(block, offset)
                    .state
                    .store(WRITTEN | READ, Ordering::Release);
            }
        }
    }

    /// A send found the tail paused: the tail once the pause is over.
    /// Out of line, and reached from `self` alone, so that nothing of it
    /// is computed on the way to a claim: channels never pause.
    #[cold]
    #[inline(never)]
    fn tail_resumed(&self) -> usize {
        self.wait_resumed(&self.tail);
        self.tail.settled_index()
    }

    /// A receive found the head paused; as [`List::tail_resumed`].
    #[cold]
    #[inline(never)]
    fn head_resumed(&self) -> usize {
        self.wait_resumed(&self.head);
        self.head.settled_index()
    }

    /// Waits until `end` is not paused.
    fn wait_resumed(&self, end: &End<T>) {
        self.pause
            .wait_resumed(|| end.index.load(Ordering::SeqCst) & PAUSED != 0);
    }

    /// Marks the list closed; true if this call did.
    pub(crate) fn close(&self) -> bool {
        self.tail.index.fetch_or(MARK, Ordering::SeqCst) & MARK == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.index.load(Ordering::SeqCst) & MARK != 0
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        (
            self.head.index.load(Ordering::SeqCst),
            self.tail.index.load(Ordering::SeqCst),
        )
    }

    /// Whether a receive can go on now: a position is claimed by a sender
    /// (written or about to be), or the list is closed and drained. Reads
    /// `tail`, which a sender's claim moves, so a sender that claimed after
    /// this saw nothing sees the reader's registration (see `Inner::after`).
    pub(crate) fn can_recv(&self) -> bool {
        let head = self.head.index.load(Ordering::SeqCst);
        let tail = self.tail.index.load(Ordering::SeqCst);
        head / STEP != tail / STEP || tail & MARK != 0
    }

    /// Whether a send can go on now: there is room, or the list is closed.
    pub(crate) fn can_send(&self) -> bool {
        let tail = self.tail.index.load(Ordering::SeqCst);
        tail & MARK != 0 || !self.full(tail)
    }

    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.index.load(Ordering::SeqCst);
            let head = self.head.index.load(Ordering::SeqCst);
            if self.tail.index.load(Ordering::SeqCst) == tail {
                return slots_before::<T>(tail) - slots_before::<T>(head);
            }
        }
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        // No one else holds the list. Drop the values left, and free the
        // blocks, each once, after its last value, then those made with
        // the list that it never reached, then the retired ones.
        // SAFETY: as above.
        unsafe {
            let last = self.walk(
                |slot| {
                    drop(slot.value.take());
                    ControlFlow::Continue(())
                },
                |block| {
                    let next = (*block).next.load(Ordering::Relaxed);
                    Block::free(block);
                    next
                },
            );
            Block::free_chain(last);
            self.free_retired();
        }
    }
}
