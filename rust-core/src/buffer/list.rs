//! The lock-free buffer of an unbounded channel (and of a bounded one too
//! big to allocate up front): a linked list of blocks of slots, the layout of
//! crossbeam-channel's list flavour, but for the slots' states, a byte each
//! beside their neighbours' (see [`Group`]). Senders claim a position by moving
//! `tail`, receivers by moving `head`; the sender that claims a block's last
//! slot links the next block, and the receiver that reads a block's last
//! value frees it once every other reader of the block is done. So memory
//! follows the contents: a burst's blocks are freed as they are drained.
//!
//! Positions count slots as `lap * LAP + offset`, shifted left by two bits.
//! The lower bit is in `tail` the close mark, in `head` a hint that the
//! tail is in a later block (so a receiver need not read `tail`); the upper
//! one, in both, the pause mark (see [`super::pause`]). Offset `BLOCK_CAP`
//! is never a slot: a position stands there only while its block's
//! successor is being linked.
//!
//! A value is part of the channel from the moment its sender claims a
//! position; a receiver that claims that position before the value is
//! written waits for the write, which is a few instructions away.
//!
//! A message costs one read-modify-write on each side, its claim: a slot's
//! state is set by plain stores (see [`WRITTEN`]), and freeing a block
//! waits for its readers by looking at their marks (see `reclaim`).

mod paused;
mod reclaim;

use std::alloc::{alloc, handle_alloc_error, Layout};
use std::ops::ControlFlow;
use std::ptr;

use crossbeam_utils::CachePadded;

use super::pause::Pause;
use super::{Refused, Snapshot, UNBOUNDED};
use crate::hooks::{count, hook, Count, Point};
use crate::loom::{
    claim_then_check, yield_now, AtomicPtr, AtomicU8, AtomicUsize, Ordering, ValueCell,
};
use crate::wait::spin;

/// Positions per block, one of them a gap between blocks. Small under loom,
/// so that a model crosses blocks in a few steps.
#[cfg(not(loom))]
const LAP: usize = 32;
#[cfg(loom)]
const LAP: usize = 4;
/// Slots per block (the slots an empty list holds allocated).
pub(crate) const BLOCK_CAP: usize = LAP - 1;
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

/// Slots per [`Group`].
const GROUP: usize = 4;

/// `GROUP` slots: their states side by side, a byte each, then their
/// values. A slot costs its value and a byte, where a state word beside
/// each value cost a word (a block of `u64`s is a third smaller, and a
/// channel that fills with a million of them has a third fewer pages to
/// fault in), and a slot's state and value still share a cache line
/// mostly, as each group is a few words long.
struct Group<T> {
    states: [AtomicU8; GROUP],
    values: [ValueCell<T>; GROUP],
}

/// One slot of a block: its state and its value.
struct Slot<'a, T> {
    state: &'a AtomicU8,
    value: &'a ValueCell<T>,
}

/// Waits for the sender that claimed a slot to write it, by the slot's
/// state: it is a few instructions away, unless descheduled between its
/// claim and its write. Out of line: most receives find their slot written.
#[cold]
#[inline(never)]
fn wait_written(state: &AtomicU8) {
    count(Count::WriteWait);
    let mut step = 0;
    while state.load(Ordering::Acquire) & WRITTEN == 0 {
        spin(step);
        step += 1;
    }
}

struct Block<T> {
    next: AtomicPtr<Block<T>>,
    /// The next block in the list's stack of retired blocks (see `reclaim`).
    retired: AtomicPtr<Block<T>>,
    /// The slots, `GROUP` by `GROUP`; lanes past `BLOCK_CAP` are unused.
    groups: [Group<T>; LAP / GROUP],
}

impl<T> Block<T> {
    /// An empty block, built where it lies on the heap: built on the stack
    /// and then moved, a block of large values overflowed a thread's stack
    /// in debug builds. `None` when out of memory.
    fn try_new() -> Option<Box<Self>> {
        let layout = Layout::new::<Self>();
        // SAFETY: the layout is not empty (a block holds its `next`).
        let block = unsafe { alloc(layout) }.cast::<Self>();
        if block.is_null() {
            return None;
        }
        // SAFETY: `block` is allocated for a `Self`; every field is
        // initialised before the box is made, values (empty cells) in place.
        unsafe {
            ptr::addr_of_mut!((*block).next).write(AtomicPtr::new(ptr::null_mut()));
            ptr::addr_of_mut!((*block).retired).write(AtomicPtr::new(ptr::null_mut()));
            let groups = ptr::addr_of_mut!((*block).groups).cast::<Group<T>>();
            for g in 0..LAP / GROUP {
                let group = groups.add(g);
                let states = ptr::addr_of_mut!((*group).states).cast::<AtomicU8>();
                let values = ptr::addr_of_mut!((*group).values).cast::<ValueCell<T>>();
                for lane in 0..GROUP {
                    states.add(lane).write(AtomicU8::new(0));
                    ValueCell::init_in_place(values.add(lane));
                }
            }
            Some(Box::from_raw(block))
        }
    }

    /// Slot `offset` (below `BLOCK_CAP`).
    #[inline]
    fn slot(&self, offset: usize) -> Slot<'_, T> {
        let group = &self.groups[offset / GROUP];
        Slot {
            state: &group.states[offset % GROUP],
            value: &group.values[offset % GROUP],
        }
    }

    /// As [`Block::try_new`], for the blocks a channel grows by: out of
    /// memory then is the allocator's error, as for a `Vec` that grows.
    fn new() -> Box<Self> {
        Self::try_new().unwrap_or_else(|| handle_alloc_error(Layout::new::<Self>()))
    }

    /// The next block, once the sender that claimed this block's last slot
    /// has linked it.
    fn wait_next(&self) -> *mut Block<T> {
        let mut step = 0;
        loop {
            let next = self.next.load(Ordering::Acquire);
            if !next.is_null() {
                return next;
            }
            spin(step);
            step += 1;
        }
    }
}

/// One end of the list: a position and the block it is in.
struct End<T> {
    index: AtomicUsize,
    block: AtomicPtr<Block<T>>,
}

impl<T> End<T> {
    /// The index, once it is not between two blocks: the thread that took a
    /// block's last slot moves it on to the next block within a few
    /// instructions.
    fn settled_index(&self) -> usize {
        let mut step = 0;
        loop {
            let index = self.index.load(Ordering::Acquire);
            if offset(index) != BLOCK_CAP {
                return index;
            }
            spin(step);
            step += 1;
        }
    }
}

pub(crate) struct List<T> {
    head: CachePadded<End<T>>,
    tail: CachePadded<End<T>>,
    /// Most values it holds, or [`UNBOUNDED`].
    cap: usize,
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

/// How many slots lie before the position of `index`.
fn slots_before(index: usize) -> usize {
    let pos = index / STEP;
    pos - pos / LAP
}

fn offset(index: usize) -> usize {
    (index / STEP) % LAP
}

impl<T> List<T> {
    /// An empty list of at most `cap` values; `None` if its first block
    /// cannot be allocated.
    pub(crate) fn try_new(cap: usize) -> Option<Self> {
        let first = Box::into_raw(Block::try_new()?);
        Some(List {
            head: CachePadded::new(End {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first),
            }),
            tail: CachePadded::new(End {
                index: AtomicUsize::new(0),
                block: AtomicPtr::new(first),
            }),
            cap,
            pause: Pause::new(),
            retired: AtomicPtr::new(ptr::null_mut()),
        })
    }

    /// Whether the list holds `cap` values, by `tail` as read earlier and
    /// `head` read now. The length is at least their difference, unless
    /// receivers have since moved `head` past that `tail`: then `tail` is
    /// stale, and the list not full (a claim at that `tail` fails and looks
    /// again). Subtracting without saturating underflowed there: a spurious
    /// full in release builds, a panic in debug ones.
    fn full(&self, tail: usize) -> bool {
        self.cap != UNBOUNDED
            && slots_before(tail)
                .saturating_sub(slots_before(self.head.index.load(Ordering::SeqCst)))
                >= self.cap
    }

    /// Claims the position at `tail` and writes `value` there. Never `Busy`.
    #[inline]
    pub(crate) fn try_push(&self, value: T) -> Result<(), Refused<T>> {
        let mut next_block = None;
        let mut tail = self.tail.settled_index();
        loop {
            if tail & (MARK | PAUSED) != 0 {
                if tail & MARK != 0 {
                    return Err(Refused::Closed(value));
                }
                tail = self.tail_resumed();
                continue;
            }
            let offset = offset(tail);
            hook(Point::SendReadTail);
            if self.full(tail) {
                return Err(Refused::NotReady(value));
            }
            if offset + 1 == BLOCK_CAP && next_block.is_none() {
                // Allocate before claiming, so that others wait for the link
                // as briefly as possible.
                next_block = Some(Block::new());
            }
            // Loaded after `tail`: the block of `tail`'s lap or a later one,
            // and if later, the claim below fails (positions only grow).
            let block = self.tail.block.load(Ordering::Acquire);
            match self.tail.index.compare_exchange_weak(
                tail,
                tail + STEP,
                Ordering::SeqCst,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    claim_then_check();
                    hook(Point::SendClaimed);
                    if offset + 1 == BLOCK_CAP {
                        let next = Box::into_raw(next_block.take().expect("allocated above"));
                        self.tail.block.store(next, Ordering::Release);
                        // An add, not a store: keeps a close mark set meanwhile.
                        self.tail.index.fetch_add(STEP, Ordering::Release);
                        // SAFETY: receivers free a block only after its last
                        // slot is read, and ours is not even written.
                        unsafe { (*block).next.store(next, Ordering::Release) };
                    }
                    // SAFETY: the claim makes this slot ours to write, and
                    // keeps the block alive until the slot is read.
                    unsafe {
                        let slot = (*block).slot(offset);
                        slot.value.write(value);
                        // A store (see `WRITTEN`). The channel's waiting
                        // needs no order from it: a waiting receiver
                        // re-checks `tail`, which the claim moved, and
                        // then waits here for the write (see `can_recv`).
                        slot.state.store(WRITTEN, Ordering::Release);
                    }
                    return Ok(());
                }
                Err(_) => {
                    count(Count::LostClaim);
                    // Another sender claimed first: it runs on another CPU
                    // right now. Yield rather than spin: with more threads
                    // than CPUs, a receiver gets this CPU instead of two
                    // senders taking turns at `tail` (C4 on two cores runs
                    // twice as fast), and on a big machine a yield costs no
                    // more than a long spin.
                    yield_now();
                    tail = self.tail.settled_index();
                }
            }
        }
    }

    /// Claims the value at `head` and reads it, waiting for its sender to
    /// finish writing if need be. Never `Busy`.
    #[inline]
    pub(crate) fn try_pop(&self) -> Result<T, Refused<()>> {
        let mut head = self.head.settled_index();
        loop {
            let offset = offset(head);
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
                if head / STEP / LAP != tail / STEP / LAP {
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
            let slot = (*block).slot(offset);
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
    unsafe fn pass_block(&self, block: *mut Block<T>, offset: usize, new_head: usize) {
        if offset + 1 == BLOCK_CAP {
            // SAFETY: the block is alive until its last slot is read, and
            // the next block once linked.
            unsafe {
                let next = (*block).wait_next();
                let mut index = (new_head & !MARK) + STEP;
                if !(*next).next.load(Ordering::Relaxed).is_null() {
                    index |= MARK;
                }
                self.head.block.store(next, Ordering::Release);
                self.head.index.store(index, Ordering::Release);
            }
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
            if offset + 1 == BLOCK_CAP {
                self.release(block);
            } else {
                (*block)
                    .slot(offset)
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
                return slots_before(tail) - slots_before(head);
            }
        }
    }
}

impl<T> Drop for List<T> {
    fn drop(&mut self) {
        // No one else holds the list. Drop the values left, and free the
        // blocks, each once, after its last value, then the retired ones.
        // SAFETY: as above.
        unsafe {
            let last = self.walk(
                |slot| {
                    drop(slot.value.take());
                    ControlFlow::Continue(())
                },
                |block| {
                    let next = (*block).next.load(Ordering::Relaxed);
                    drop(Box::from_raw(block));
                    next
                },
            );
            drop(Box::from_raw(last));
            self.free_retired();
        }
    }
}
