//! A block of the list: `LAP` positions, `BLOCK_CAP` of them slots, laid
//! out in groups of slots, and the waits on a slot's write and on the
//! block's link (part of `list`).

use std::alloc::{alloc, handle_alloc_error, Layout};
use std::ptr;

use super::{LAP, WRITTEN};
use crate::hooks::{count, Count};
use crate::loom::{AtomicPtr, AtomicU8, Ordering, ValueCell};
use crate::wait::spin;

/// Slots per [`Group`] (a whole lap under loom, whose laps are short).
const GROUP: usize = if LAP < 8 { LAP } else { 8 };

/// `GROUP` slots: their states side by side, a byte each, then their
/// values. A slot costs its value and a byte, where a state word beside
/// each value cost a word: a block of `u64`s is 304 bytes instead of 512
/// (336 in groups of 4, whose states took a word per group), and a
/// channel that fills with a million of them has that many fewer pages
/// to fault in. A slot's state and value are still at most a line apart,
/// as each group is a few words long.
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
        let slot = (*block).slot(offset);
        slot.value.write(value);
        // A store (see `WRITTEN`). The channel's waiting needs no order
        // from it: a waiting receiver re-checks `tail`, which the claim
        // moved, and then waits here for the write (see `can_recv`).
        slot.state.store(WRITTEN, Ordering::Release);
    }
}

pub(super) struct Block<T> {
    pub(super) next: AtomicPtr<Block<T>>,
    /// The next block in the list's stack of retired blocks (see `reclaim`).
    pub(super) retired: AtomicPtr<Block<T>>,
    /// The slots, `GROUP` by `GROUP`; lanes past `BLOCK_CAP` are unused.
    groups: [Group<T>; LAP / GROUP],
}

impl<T> Block<T> {
    /// An empty block, built where it lies on the heap: built on the stack
    /// and then moved, a block of large values overflowed a thread's stack
    /// in debug builds. `None` when out of memory.
    pub(super) fn try_new() -> Option<Box<Self>> {
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
    pub(super) fn slot(&self, offset: usize) -> Slot<'_, T> {
        let group = &self.groups[offset / GROUP];
        Slot {
            state: &group.states[offset % GROUP],
            value: &group.values[offset % GROUP],
        }
    }

    /// As [`Block::try_new`], for the blocks a channel grows by: out of
    /// memory then is the allocator's error, as for a `Vec` that grows.
    pub(super) fn new() -> Box<Self> {
        Self::try_new().unwrap_or_else(|| handle_alloc_error(Layout::new::<Self>()))
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
