//! A block of the list: `LAP` positions, `LAP - 1` of them slots, laid
//! out in groups of slots after a header, and the waits on a slot's write
//! and on the block's link (part of `list`).

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::marker::PhantomData;
use std::ptr;

use super::{READ, WRITTEN};
use crate::hooks::{count, Count};
use crate::loom::{AtomicPtr, AtomicU8, AtomicUsize, Ordering, ValueCell};
use crate::wait::spin;

/// Positions per block of values of `size` bytes: as many as keep a
/// block's values within about 1 KiB, 32 to 128. A small value's block
/// then costs its header, its allocator's header and its unused lane once
/// per 127 slots rather than 31 (C1, a million `u64`s: 2,250 page faults
/// a run instead of 2,494, and a malloc and a free per 127 messages
/// rather than 31; callgrind: 196.4 instructions per message instead of
/// 199.9), and a large value's block is no larger than crossbeam's (31
/// slots). A power of two, so
/// that the position arithmetic is shifts and masks. Small under loom,
/// so that a model crosses blocks in a few steps.
pub(super) const fn lap(size: usize) -> usize {
    if cfg!(loom) {
        return 4;
    }
    let mut lap = 128;
    while lap > 32 && lap * size > 1024 {
        lap /= 2;
    }
    lap
}

/// Slots per [`Group`] (a whole lap under loom, whose laps are short).
const GROUP: usize = if cfg!(loom) { 4 } else { 8 };

/// `GROUP` slots: their states side by side, a byte each, then their
/// values. A slot costs its value and a byte, where a state word beside
/// each value cost a word: a block of 31 `u64`s was 304 bytes instead of
/// 512, and a channel that fills with a million of them has that many
/// fewer pages to fault in. A slot's state and value are still at most a
/// line apart, as each group is a few words long.
struct Group<T> {
    states: [AtomicU8; GROUP],
    values: [ValueCell<T>; GROUP],
}

/// One slot of a block: its state and its value.
pub(super) struct Slot<'a, T> {
    pub(super) state: &'a AtomicU8,
    pub(super) value: &'a ValueCell<T>,
}

/// Waits for the sender that claimed a slot to write it, by the slot's
/// state: it is a few instructions away, unless descheduled between its
/// claim and its write. Out of line: most receives find their slot written.
#[cold]
#[inline(never)]
pub(super) fn wait_written(state: &AtomicU8) {
    count(Count::WriteWait);
    let mut step = 0;
    while state.load(Ordering::Acquire) & WRITTEN == 0 {
        spin(step);
        step += 1;
    }
}

/// Writes `value` into the claimed slot `offset` of `block`.
///
/// # Safety
/// The caller claimed that slot, which keeps the block alive until the
/// slot is read.
#[inline]
pub(super) unsafe fn write<T>(block: *mut Block<T>, offset: usize, value: T) {
    // SAFETY: the slot is ours to write (this function's contract).
    unsafe {
        let slot = Block::slot(block, offset);
        slot.value.write(value);
        // A store (see `WRITTEN`). The channel's waiting needs no order
        // from it: a waiting receiver re-checks `tail`, which the claim
        // moved, and then waits here for the write (see `can_recv`).
        slot.state.store(WRITTEN, Ordering::Release);
    }
}

/// A block's header; its `LAP / GROUP` groups of slots follow it in the
/// same allocation (their number depends on `T`'s size, which an array's
/// length cannot), so a block is only ever handled by its raw pointer,
/// made by [`Block::try_new`] and freed by [`Block::free`].
pub(super) struct Block<T> {
    pub(super) next: AtomicPtr<Block<T>>,
    /// The next block in the list's stack of retired blocks (see `reclaim`).
    pub(super) retired: AtomicPtr<Block<T>>,
    /// The run this block was made in, or null if made alone.
    run: *const Run,
    /// The groups that follow hold `T`s.
    values: PhantomData<T>,
}

impl<T> Block<T> {
    /// Positions per block.
    pub(super) const LAP: usize = lap(size_of::<T>());
    /// Slots per block: the other position is the gap between blocks.
    pub(super) const CAP: usize = Self::LAP - 1;
    const GROUPS: usize = Self::LAP / GROUP;
    /// Where the groups start, after the header.
    const GROUPS_AT: usize = size_of::<Self>().next_multiple_of(align_of::<Group<T>>());
    /// A block's bytes (the budget of blocks made up front is in bytes,
    /// but for loom's).
    #[cfg(not(loom))]
    pub(super) const SIZE: usize = Self::LAYOUT.size();
    /// The header and its groups.
    const LAYOUT: Layout = {
        let size = Self::GROUPS_AT + Self::GROUPS * size_of::<Group<T>>();
        let align = if align_of::<Self>() > align_of::<Group<T>>() {
            align_of::<Self>()
        } else {
            align_of::<Group<T>>()
        };
        match Layout::from_size_align(size, align) {
            Ok(layout) => layout,
            Err(_) => panic!("a block's size overflows"),
        }
    };

    /// The first of `block`'s groups, with the allocation's provenance.
    ///
    /// # Safety
    /// `block` is alive.
    #[inline]
    unsafe fn groups(block: *const Self) -> *const Group<T> {
        // SAFETY: the groups lie in the block's allocation (this function's
        // contract), at `GROUPS_AT`.
        unsafe { block.cast::<u8>().add(Self::GROUPS_AT).cast() }
    }

    /// An empty block, built where it lies on the heap: built on the stack
    /// and then moved, a block of large values overflowed a thread's stack
    /// in debug builds. Null when out of memory.
    pub(super) fn try_new() -> *mut Self {
        // SAFETY: the layout is not empty (a block holds its `next`).
        let block = unsafe { alloc(Self::LAYOUT) }.cast::<Self>();
        if !block.is_null() {
            // SAFETY: allocated for a block, and ours.
            unsafe { Self::init(block, ptr::null()) };
        }
        block
    }

    /// Builds an empty block of `run` (null if alone) at `block`.
    ///
    /// # Safety
    /// `block` is allocated for a block (`LAYOUT`), and no one else sees it.
    unsafe fn init(block: *mut Self, run: *const Run) {
        // SAFETY: `block` is allocated for a header and its groups; every
        // field is initialised before the block is used, values (empty
        // cells) in place.
        unsafe {
            block.write(Block {
                next: AtomicPtr::new(ptr::null_mut()),
                retired: AtomicPtr::new(ptr::null_mut()),
                run,
                values: PhantomData,
            });
            let groups = Self::groups(block).cast_mut();
            for g in 0..Self::GROUPS {
                let group = groups.add(g);
                let states = ptr::addr_of_mut!((*group).states).cast::<AtomicU8>();
                let values = ptr::addr_of_mut!((*group).values).cast::<ValueCell<T>>();
                for lane in 0..GROUP {
                    states.add(lane).write(AtomicU8::new(0));
                    ValueCell::init_in_place(values.add(lane));
                }
            }
        }
    }

    /// As [`Block::try_new`], for the blocks a channel grows by: out of
    /// memory then is the allocator's error, as for a `Vec` that grows.
    pub(super) fn new() -> *mut Self {
        let block = Self::try_new();
        if block.is_null() {
            handle_alloc_error(Self::LAYOUT);
        }
        block
    }

    /// Frees `block`. Its values are dropped or moved out already (a
    /// cell does not drop its value). A block of a run gives its memory
    /// back with the run's last.
    ///
    /// # Safety
    /// `block` was made by [`Block::try_new`] or [`Block::try_run`], and
    /// no one touches it again.
    pub(super) unsafe fn free(block: *mut Self) {
        // SAFETY: the block is alive and ours (this function's contract);
        // its fields are dropped in place, then its allocation freed with
        // the layout it was made with.
        unsafe {
            let groups = Self::groups(block).cast_mut();
            for g in 0..Self::GROUPS {
                ptr::drop_in_place(groups.add(g));
            }
            let run = (*block).run;
            ptr::drop_in_place(block);
            if run.is_null() {
                dealloc(block.cast(), Self::LAYOUT);
            } else {
                Run::leave(run);
            }
        }
    }

    /// Frees `first` and the blocks linked after it.
    ///
    /// # Safety
    /// As [`Block::free`]'s, for each block of the chain.
    pub(super) unsafe fn free_chain(first: *mut Self) {
        let mut block = first;
        while !block.is_null() {
            // SAFETY: the caller's.
            unsafe {
                let next = (*block).next.load(Ordering::Relaxed);
                Self::free(block);
                block = next;
            }
        }
    }

    /// Bytes from one block of a run to the next.
    const STRIDE: usize = Self::LAYOUT.size().next_multiple_of(Self::LAYOUT.align());
    /// Where a run's first block starts, after the run's header.
    const RUN_BLOCKS_AT: usize = size_of::<Run>().next_multiple_of(Self::LAYOUT.align());

    /// `n` empty blocks in one allocation, each linked to the next: the
    /// first; null when out of memory.
    pub(super) fn try_run(n: usize) -> *mut Self {
        let layout = n
            .checked_mul(Self::STRIDE)
            .and_then(|bytes| bytes.checked_add(Self::RUN_BLOCKS_AT))
            .and_then(|size| {
                Layout::from_size_align(size, Self::LAYOUT.align().max(align_of::<Run>())).ok()
            });
        let Some(layout) = layout.filter(|_| n > 0) else {
            return ptr::null_mut();
        };
        // SAFETY: the layout is not empty (it holds a run's header).
        let run = unsafe { alloc(layout) }.cast::<Run>();
        if run.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: `run` is allocated for its header and `n` blocks at
        // `STRIDE`s from `RUN_BLOCKS_AT`, each aligned for a block; all
        // ours yet.
        unsafe {
            run.write(Run {
                live: AtomicUsize::new(n),
                layout,
            });
            let at = |i: usize| {
                run.cast::<u8>()
                    .add(Self::RUN_BLOCKS_AT + i * Self::STRIDE)
                    .cast::<Self>()
            };
            for i in 0..n {
                Self::init(at(i), run);
                if i > 0 {
                    (*at(i - 1)).next.store(at(i), Ordering::Relaxed);
                }
            }
            at(0)
        }
    }

    /// Slot `offset` (below [`Block::CAP`]) of `block`.
    ///
    /// # Safety
    /// `block` is alive for `'a`.
    #[inline]
    pub(super) unsafe fn slot<'a>(block: *const Self, offset: usize) -> Slot<'a, T> {
        // SAFETY: the block and so its groups are alive for 'a (this
        // function's contract); `offset` is below the lanes it has.
        unsafe {
            let group = &*Self::groups(block).add(offset / GROUP);
            Slot {
                state: &group.states[offset % GROUP],
                value: &group.values[offset % GROUP],
            }
        }
    }

    /// Whether the readers of every slot but the last (the freer's own)
    /// have taken their values (see `reclaim`). Acquire: their takes
    /// happen before the block is freed. Every mark is loaded, with no
    /// test until the last: the loop is loads and ands, where a test after
    /// each load cost 1,094 instructions a block of 127 (callgrind, C1).
    ///
    /// # Safety
    /// `block` is alive.
    pub(super) unsafe fn readers_done(block: *const Self) -> bool {
        let others = Self::CAP - 1;
        let mut marks = READ;
        // SAFETY: `block` is alive (this function's contract), and its
        // slots below `CAP` lie in its groups.
        unsafe {
            let groups = Self::groups(block);
            for g in 0..others / GROUP {
                for state in &(*groups.add(g)).states {
                    marks &= state.load(Ordering::Acquire);
                }
            }
            let last = &*groups.add(others / GROUP);
            for state in &last.states[..others % GROUP] {
                marks &= state.load(Ordering::Acquire);
            }
        }
        marks & READ != 0
    }

    /// The next block, once the sender that claimed this block's last slot
    /// has linked it.
    pub(super) fn wait_next(&self) -> *mut Block<T> {
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

/// The header of blocks made in one allocation: a list's first blocks,
/// and those a bounded list grows by as it fills (see `grow`). Each block
/// is freed on its own, and the last gives the allocation back.
pub(super) struct Run {
    /// Its blocks not freed yet.
    live: AtomicUsize,
    /// The allocation's.
    layout: Layout,
}

impl Run {
    /// One of `run`'s blocks was freed; the last frees the run.
    ///
    /// # Safety
    /// A block of `run` was just freed, and each is freed once.
    unsafe fn leave(run: *const Run) {
        // SAFETY: the run is alive until its last block leaves, and this
        // block was not yet counted. AcqRel: every block's last touch
        // happens before the allocation is given back.
        unsafe {
            if (*run).live.fetch_sub(1, Ordering::AcqRel) == 1 {
                let layout = (*run).layout;
                ptr::drop_in_place(run.cast_mut());
                dealloc(run.cast_mut().cast(), layout);
            }
        }
    }
}
