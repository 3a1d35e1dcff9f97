//! The list at rest: nobody sends or receives (a caller's promise, or a
//! pause, see `buffer::pause`), so its values can be walked in place
//! (part of `list`).

use std::ops::ControlFlow;

use super::{lap_of, offset, Block, List, Slot, MARK, PAUSED, STEP, WRITTEN};
use crate::loom::{Ordering, ValueCell};
use crate::wait::spin;

impl<T> List<T> {
    /// Walks the values from `head` to `tail` until `value` breaks:
    /// `value` for each slot, `passed` for each block left behind for the
    /// next; returns the block it ends in.
    ///
    /// # Safety
    /// No one else sends or receives meanwhile, and every claimed slot is
    /// written and every link made (or `passed` waits for them).
    pub(super) unsafe fn walk(
        &self,
        mut value: impl FnMut(Slot<'_, T>) -> ControlFlow<()>,
        mut passed: impl FnMut(*mut Block<T>) -> *mut Block<T>,
    ) -> *mut Block<T> {
        let tail = self.tail.index.load(Ordering::Acquire) & !(MARK | PAUSED);
        let mut head = self.head.index.load(Ordering::Acquire) & !(MARK | PAUSED);
        let mut block = self.head.block.load(Ordering::Acquire);
        while head != tail {
            let offset = offset::<T>(head);
            // No one sends or receives (this function's contract), so every
            // block from the head to the tail is alive.
            if offset < Self::BLOCK_CAP {
                // SAFETY: `block` is alive (above).
                if value(unsafe { Block::slot(block, offset) }).is_break() {
                    break;
                }
            } else {
                block = passed(block);
            }
            head += STEP;
        }
        block
    }

    /// Calls `f` on the cell of each buffered value, oldest first, until it
    /// breaks.
    ///
    /// # Safety
    /// No one sends or receives meanwhile.
    pub(crate) unsafe fn cells(&self, mut f: impl FnMut(&ValueCell<T>) -> ControlFlow<()>) {
        // SAFETY: no one sends or receives meanwhile (this function's
        // contract), so the walk's blocks are alive and linked.
        unsafe {
            self.walk(
                |slot| f(slot.value),
                |block| (*block).next.load(Ordering::Acquire),
            )
        };
    }

    /// Frees the head's slot, whose value the caller moved out, as a
    /// receive does.
    ///
    /// # Safety
    /// The list is paused by the caller and holds a value.
    pub(crate) unsafe fn retire_head(&self) {
        let head = self.head.index.load(Ordering::Relaxed);
        let tail = self.tail.index.load(Ordering::Relaxed);
        let mut new_head = head + STEP;
        if head & MARK == 0 && lap_of::<T>(head) != lap_of::<T>(tail) {
            new_head |= MARK;
        }
        let block = self.head.block.load(Ordering::Relaxed);
        let offset = offset::<T>(head);
        self.head.index.store(new_head, Ordering::Release);
        // SAFETY: paused, so the head's slot is ours as if claimed, and its
        // value is taken (this function's contract).
        unsafe {
            self.pass_block(block, offset, new_head);
            self.done_reading(block, offset);
        }
    }

    /// Stops new claims (after any other pause has ended) and waits for
    /// the sends in flight to finish writing and linking. The receives in
    /// flight read slots before `head`, and free their blocks themselves.
    pub(crate) fn pause(&self) {
        // The tail's pause mark is the pausers' lock.
        while self.tail.index.fetch_or(PAUSED, Ordering::SeqCst) & PAUSED != 0 {
            self.wait_resumed(&self.tail);
        }
        // A settled head: a receive that takes a block's last slot stores
        // the next block's index, which would drop a mark set meanwhile.
        loop {
            let head = self.head.settled_index();
            let marked = head | PAUSED;
            let swap =
                self.head
                    .index
                    .compare_exchange(head, marked, Ordering::SeqCst, Ordering::Relaxed);
            if swap.is_ok() {
                break;
            }
        }
        self.tail.settled_index();
        // SAFETY: nobody claims any more; the walk waits for the writes
        // and links of those who did.
        unsafe {
            self.walk(
                |slot| {
                    let mut step = 0;
                    while slot.state.load(Ordering::Acquire) & WRITTEN == 0 {
                        spin(step);
                        step += 1;
                    }
                    ControlFlow::Continue(())
                },
                |block| (*block).wait_next(),
            )
        };
    }

    /// Ends a pause: the head first, as the tail's mark is the lock.
    pub(crate) fn resume(&self) {
        self.head.index.fetch_and(!PAUSED, Ordering::SeqCst);
        self.tail.index.fetch_and(!PAUSED, Ordering::SeqCst);
        crate::loom::claim_then_check();
        self.pause.resumed();
    }
}
