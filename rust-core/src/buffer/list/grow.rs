//! Where a list's blocks come from (part of `list`): a bounded list is
//! made with its first blocks in one run (one allocation, see
//! `block::Run`), up to [`MADE_UP_FRONT`] bytes; as it fills past the
//! blocks it has, the sender of a block's last slot makes the next ones,
//! on a bounded list again in a run, as many as the list holds twice over
//! (within what its capacity may still need), linked in advance like
//! those made up front. An unbounded list makes them one at a time.
//!
//! Runs rather than a block at a time: C1 (a million `u64`s into a
//! capacity of a million, 6 channels a process) made 4,283 blocks of
//! 1,168 bytes per channel beyond the 4 MiB up front, each a malloc and a
//! free, and glibc's heap top, 5 MB of them freed, was trimmed after
//! every channel and faulted in again by the next (1,207 page faults a
//! channel, counted with `perf stat`; `std::sync::mpsc`, whose 16 MB array
//! is one allocation, none after the first). A run is one allocation,
//! above glibc's mmap threshold, and freeing it raises the thresholds so
//! that later channels' runs reuse the heap (none after the second).
//! The price: a run's memory goes back with its last block only, so a
//! drained list keeps the run it is in (C1's: 5 MB, where a block at a
//! time kept one block) until it is dropped or sends pass that run.

use std::ptr;

#[cfg(not(loom))]
use super::MADE_UP_FRONT;
use super::{lap_of, write, Block, List, STEP, UNBOUNDED};
use crate::loom::Ordering;

/// The most bytes of one run a bounded list grows by: a run is freed only
/// once all its blocks are, and glibc's dynamic mmap threshold stops at
/// 32 MiB, so larger runs would hold more memory for no gain.
#[cfg(not(loom))]
const LARGEST_RUN: usize = 32 << 20;

impl<T> List<T> {
    /// The first block of a list of at most `cap` values, and how many are
    /// linked from it (see [`List::blocks_up_front`]); null if not even
    /// one block can be allocated. A run that cannot be had is tried at
    /// half its size.
    pub(super) fn make_up_front(cap: usize) -> (*mut Block<T>, usize) {
        let n = if cap == UNBOUNDED {
            1
        } else {
            Self::blocks_up_front(cap)
        };
        Self::run_of_at_most(n).unwrap_or_else(|| (Block::try_new(), 1))
    }

    /// A run of `n` blocks, or failing that of half as many, down to two;
    /// `None` when not even two can be had.
    fn run_of_at_most(mut n: usize) -> Option<(*mut Block<T>, usize)> {
        while n > 1 {
            let run = Block::try_run(n);
            if !run.is_null() {
                return Some((run, n));
            }
            n /= 2;
        }
        None
    }

    /// The blocks a bounded list of `cap` values is made with.
    fn blocks_up_front(cap: usize) -> usize {
        #[cfg(not(loom))]
        let most = MADE_UP_FRONT / Block::<T>::SIZE;
        // Under loom, three at most, so that a model crosses from one
        // made up front to another whose successor is made too.
        #[cfg(loom)]
        let most = 3;
        cap.div_ceil(Self::BLOCK_CAP).min(most)
    }

    /// How many blocks the sender of the last slot of the block at `tail`
    /// makes after it (none linked in advance): one on an unbounded list;
    /// on a bounded one twice as many as it holds (from the head's block
    /// to the tail's), within the blocks its capacity may still need, so
    /// that a list that fills makes few runs, and one that holds little
    /// makes small ones.
    fn blocks_to_grow(&self, tail: usize) -> usize {
        if self.cap == UNBOUNDED {
            return 1;
        }
        // A hint: an older head only makes the run smaller.
        let head = self.head.index.load(Ordering::Relaxed);
        let held = lap_of::<T>(tail).saturating_sub(lap_of::<T>(head)) + 1;
        let most = self.cap.div_ceil(Self::BLOCK_CAP) + 1;
        #[cfg(not(loom))]
        let largest = LARGEST_RUN / Block::<T>::SIZE;
        #[cfg(loom)]
        let largest = usize::MAX;
        (2 * held)
            .min(most.saturating_sub(held))
            .min(largest)
            .max(1)
    }

    /// The blocks to link after the block at `tail`: the first and how
    /// many. A run that cannot be had is tried at half its size; out of
    /// memory for one block is the allocator's error, as for a `Vec` that
    /// grows.
    fn make_successors(&self, tail: usize) -> (*mut Block<T>, usize) {
        Self::run_of_at_most(self.blocks_to_grow(tail)).unwrap_or_else(|| (Block::new(), 1))
    }

    /// Whether the block of lap `lap` has its successor linked in advance.
    /// Acquire: pairs with the store in [`List::push_last`], though
    /// whoever reaches such a block has seen it already.
    pub(super) fn has_made_successor(&self, lap: usize) -> bool {
        lap + 1 < self.made.load(Ordering::Acquire)
    }

    /// [`List::try_push`] at `tail`, a block's last slot: claims it and
    /// links the next block, made before the claim so that others wait
    /// for the link as briefly as possible (unless it is linked in
    /// advance). Gives `value` back if another sender claimed first. Out
    /// of line: once a block.
    #[inline(never)]
    pub(super) fn push_last(&self, tail: usize, value: T) -> Result<(), T> {
        let lap = lap_of::<T>(tail);
        let linked = self.has_made_successor(lap);
        let (made, blocks) = if linked {
            (ptr::null_mut(), 0)
        } else {
            self.make_successors(tail)
        };
        // As in `try_push`.
        let block = self.tail.block.load(Ordering::Acquire);
        if !self.claim_tail(tail) {
            if !linked {
                // SAFETY: made above, and no one else saw them.
                unsafe { Block::free_chain(made) };
            }
            return Err(value);
        }
        let next = if linked {
            // SAFETY: receivers free a block only after its last slot is
            // read, and ours is not even written; we claimed that slot.
            unsafe { (*block).next.load(Ordering::Acquire) }
        } else {
            if blocks > 1 {
                // Before the run is linked (below), so that a receiver
                // that reaches its blocks takes none of their links for
                // a sign that the tail is past them; only the claimer of
                // the last made block's last slot stores it.
                self.made.store(lap + 1 + blocks, Ordering::Release);
            }
            made
        };
        self.tail.block.store(next, Ordering::Release);
        // An add, not a store: keeps a close mark set meanwhile.
        self.tail.index.fetch_add(STEP, Ordering::Release);
        // SAFETY: as above.
        unsafe {
            if !linked {
                (*block).next.store(next, Ordering::Release);
            }
            write(block, Self::BLOCK_CAP - 1, value);
        }
        Ok(())
    }
}
