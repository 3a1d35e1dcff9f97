//! [`Entries`]: a FIFO of blocked operations whose first entry is kept
//! apart from the others, so that the channel can hold the first blocked
//! sender and receiver in the cache line of its lock.
//!
//! A rendezvous message is handed over under the lock, so the partner that
//! comes second reads the lock word, the "anyone waiting" flag and the
//! waiting entry one after the other. With the entry in a `VecDeque`, that
//! was three lines more to fetch from the other core (the queue's header,
//! its heap buffer, and the flag's line) before it could claim the waiter;
//! with the first entry beside the lock it is none.

use std::collections::VecDeque;

use super::state::Entry;
use crate::loom::Arc;
use crate::wait::{prefetch_line, Waiter};

/// One queue of a channel, borrowed as its two parts: `first`, the oldest
/// entry (or `None` when the queue is empty), and `rest`, the entries queued
/// after it, oldest first. Invariant: `rest` is empty while `first` is.
pub(super) struct Entries<'a, T> {
    pub(super) first: &'a mut Option<Entry<T>>,
    pub(super) rest: &'a mut VecDeque<Entry<T>>,
}

impl<T> Entries<'_, T> {
    pub(super) fn push_back(&mut self, entry: Entry<T>) {
        if self.first.is_none() {
            debug_assert!(self.rest.is_empty());
            *self.first = Some(entry);
        } else {
            self.rest.push_back(entry);
        }
    }

    /// Pops entries until one can be claimed (the others belong to selects
    /// that fired elsewhere, or to waiters that gave up).
    ///
    /// The claim is a locked instruction, which waits for every access
    /// before it: so the slot's line (in the other thread's cache) is asked
    /// for before it and the next entry moved up only after it, and the
    /// three fetches (the waiter's line, the slot's, the queue's) overlap
    /// instead of following one another.
    pub(super) fn pop_claimed(&mut self) -> Option<Entry<T>> {
        loop {
            let e = self.first.take()?;
            prefetch_line(e.slot);
            let claimed = e.waiter.try_claim(e.case);
            *self.first = self.rest.pop_front();
            if claimed {
                return Some(e);
            }
        }
    }

    /// Removes the entry of (`waiter`, `case`).
    pub(super) fn remove(&mut self, waiter: &Arc<Waiter>, case: usize) {
        if self.first.as_ref().is_some_and(|e| e.is(waiter, case)) {
            *self.first = self.rest.pop_front();
        }
        self.rest.retain(|e| !e.is(waiter, case));
    }

    /// Takes every entry out, oldest first.
    pub(super) fn drain(&mut self) -> impl Iterator<Item = Entry<T>> + '_ {
        self.first.take().into_iter().chain(self.rest.drain(..))
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::collections::VecDeque;

    use super::{Entries, Entry};
    use crate::wait::Waiter;

    fn entry(case: usize) -> Entry<u8> {
        Entry {
            waiter: Waiter::for_thread(),
            case,
            slot: std::ptr::null_mut(),
        }
    }

    /// FIFO order across the inline first entry and the rest, through
    /// pushes, pops and removals at either part.
    #[test]
    fn entries_keep_fifo_order_across_both_parts() {
        let (mut first, mut rest) = (None, VecDeque::new());
        let mut q = Entries {
            first: &mut first,
            rest: &mut rest,
        };
        for case in 0..5 {
            q.push_back(entry(case));
        }
        assert!(q.first.is_some() && q.rest.len() == 4);
        assert_eq!(q.pop_claimed().map(|e| e.case), Some(0));
        // Remove the new first (1) and one of the rest (3).
        let (w1, w3) = (
            q.first.as_ref().unwrap().waiter.clone(),
            q.rest[1].waiter.clone(),
        );
        q.remove(&w1, 1);
        q.remove(&w3, 3);
        let left: Vec<usize> = q.drain().map(|e| e.case).collect();
        assert_eq!(left, [2, 4]);
        assert!(q.first.is_none() && q.rest.is_empty());
        assert!(q.pop_claimed().is_none());
        q.push_back(entry(7));
        assert!(q.first.is_some() && q.rest.is_empty());
    }
}
