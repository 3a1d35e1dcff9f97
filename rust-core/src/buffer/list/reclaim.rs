//! Freeing the list's blocks as they are drained (part of `list`).
//!
//! The receiver that takes a block's last value frees the block, but the
//! receivers of its other slots may still be taking theirs: each marks
//! its slot `READ` when done, with a plain store, and the freer looks at
//! the marks. If one is missing, the block is *retired*: pushed on the
//! list's stack of retired blocks, which the freer of each later block
//! looks through first, freeing those whose readers are done since. So no
//! receiver waits for another, and none pays a read-modify-write for
//! the freeing (crossbeam's list has each reader flag its slot with one
//! and the freer hand the freeing on to a straggler). A block stays
//! retired only while one of its readers is descheduled mid-read, or
//! until the next block is drained or the list dropped.

use std::ptr;

use super::{Block, List};
use crate::loom::Ordering;

impl<T> List<T> {
    /// Frees `block`, whose last value the caller took, now if its other
    /// readers are done, else once they are. Out of line: once a block.
    ///
    /// # Safety
    /// The caller read `block`'s last slot (so every slot is claimed by a
    /// receiver, and `head` has left the block), and touches it no more.
    #[inline(never)]
    pub(super) unsafe fn release(&self, block: *mut Block<T>) {
        // A hint: a retired block missed here is looked at by the next
        // release, or freed with the list.
        if !self.retired.load(Ordering::Relaxed).is_null() {
            // SAFETY: every retired block is a released one.
            unsafe { self.free_retired() };
        }
        // SAFETY: the block is alive until we free or retire it here: no
        // one else frees a block that is not retired.
        unsafe {
            if Block::readers_done(block) {
                Block::free(block);
            } else {
                self.retire(block);
            }
        }
    }

    /// Pushes a released block whose readers are not all done onto the
    /// stack of retired blocks. Pushes and taking the whole stack are the
    /// only changes to it, so a compare-and-swap cannot be fooled by a
    /// block that left and came back (ABA).
    fn retire(&self, block: *mut Block<T>) {
        let mut top = self.retired.load(Ordering::Relaxed);
        loop {
            // SAFETY: the block is released, and ours until pushed.
            unsafe { (*block).retired.store(top, Ordering::Relaxed) };
            match self.retired.compare_exchange_weak(
                top,
                block,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(t) => top = t,
            }
        }
    }

    /// Takes the stack of retired blocks and frees those whose readers
    /// are done; the others go back on the stack.
    ///
    /// # Safety
    /// Every block on the stack is a released one (see [`List::release`]).
    pub(super) unsafe fn free_retired(&self) {
        let mut block = self.retired.swap(ptr::null_mut(), Ordering::Acquire);
        while !block.is_null() {
            // SAFETY: taking the stack made its blocks ours; each is freed
            // here at most once, and not read after.
            unsafe {
                let next = (*block).retired.load(Ordering::Relaxed);
                if Block::readers_done(block) {
                    Block::free(block);
                } else {
                    self.retire(block);
                }
                block = next;
            }
        }
    }
}
