//! Pausing a buffer, for the queues' rare operations (`peek`, `contains`,
//! `remove_item`, `to_vec`): they need the values in place, with nobody
//! moving them meanwhile.
//!
//! The pause costs sends and receives nothing: it is a mark in the head
//! and tail words, which every claim already reads and compares (a
//! claim's compare-and-swap fails on a marked word, and a claim that reads
//! one waits on [`Pause`] until the resume). So:
//!
//! 1. The pauser marks the tail (no new sends; the tail's mark is also the
//!    lock between pausers), then the head (no new receives).
//! 2. It waits for the sends in flight, which claimed a position between
//!    head and tail before the mark, to finish writing (their slots'
//!    stamps or states say so). Receives in flight read slots outside
//!    that range, which the pause does not touch.
//! 3. It owns every value between head and tail: [`Paused`] reads them
//!    and removes one in place, freeing its room at once (the values
//!    before it move up one slot, and the head slot is freed as a receive
//!    frees it).
//! 4. It unmarks the head, then the tail, and wakes the claims that wait.
//!
//! The user of the buffer tells its blocked senders of the room a pause
//! freed ([`Paused::removed`]); a pause never adds a value, so receivers
//! have nothing to hear.

use std::ops::ControlFlow;

use super::Buffer;
use crate::loom::ValueCell;
use crate::wait::{Backoff, Deadline, Event};

/// What a claim that met a pause mark waits on.
pub(crate) struct Pause {
    resumed: Event,
}

impl Pause {
    pub(crate) fn new() -> Self {
        Pause {
            resumed: Event::new(),
        }
    }

    /// Waits until `paused` says the mark is gone. A pause is short (one
    /// rare operation), so even a claim that may not wait (a `try_`) waits
    /// for it: failing would call the buffer full or empty when it may be
    /// neither. Out of line: channels never pause.
    #[cold]
    #[inline(never)]
    pub(crate) fn wait_resumed(&self, paused: impl Fn() -> bool) {
        self.resumed.wait(
            || (!paused()).then_some(()),
            Backoff::Adaptive,
            Deadline::never(),
        );
    }

    /// Wakes every claim waiting for the resume (call after unmarking).
    pub(crate) fn resumed(&self) {
        self.resumed.notify_all();
    }
}

/// A paused buffer: nobody else sends or receives until it is dropped,
/// which resumes the buffer (also when a user's `==` or `clone` panics).
pub(crate) struct Paused<'a, T> {
    buffer: &'a Buffer<T>,
    removed: usize,
}

impl<T> Buffer<T> {
    /// Pauses the buffer (waiting for another pause to end first).
    pub(crate) fn pause(&self) -> Paused<'_, T> {
        match self {
            Buffer::Ring(r) => r.pause(),
            Buffer::List(l) => l.pause(),
        }
        Paused {
            buffer: self,
            removed: 0,
        }
    }
}

impl<T> Paused<'_, T> {
    /// Calls `f` with the index (0 for the head) and cell of each value,
    /// oldest first, until it breaks.
    fn cells(&self, mut f: impl FnMut(usize, &ValueCell<T>) -> ControlFlow<()>) {
        let mut i = 0;
        let mut each = |cell: &ValueCell<T>| {
            let r = f(i, cell);
            i += 1;
            r
        };
        // SAFETY: paused, so nobody sends or receives until we resume.
        unsafe {
            match self.buffer {
                Buffer::Ring(r) => r.cells(&mut each),
                Buffer::List(l) => l.cells(&mut each),
            }
        }
    }

    /// Calls `f` with the head, if any.
    pub(crate) fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        let mut f = Some(f);
        let mut r = None;
        self.cells(|_, cell| {
            let f = f.take().expect("called once");
            // SAFETY: paused, so the cell holds its value, untouched.
            r = Some(unsafe { cell.with_value(|v| f(Some(v))) });
            ControlFlow::Break(())
        });
        match (r, f) {
            (Some(r), _) => r,
            (None, f) => f.expect("not called")(None),
        }
    }

    /// Lends each value to `f`, oldest first.
    pub(crate) fn for_each(&self, f: impl FnMut(&T)) {
        // SAFETY: paused, so nobody sends or receives until we resume.
        unsafe { self.buffer.for_each(f) }
    }

    /// The index of the first value (oldest first) for which `f` holds.
    pub(crate) fn position(&self, mut f: impl FnMut(&T) -> bool) -> Option<usize> {
        let mut found = None;
        self.cells(|i, cell| {
            // SAFETY: paused, so the cell holds its value, untouched.
            if unsafe { cell.with_value(&mut f) } {
                found = Some(i);
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        });
        found
    }

    /// Removes the first value (oldest first) for which `f` holds, its
    /// room free at once; the caller drops it after the resume (a drop may
    /// run code that uses the queue).
    pub(crate) fn remove_first(&mut self, f: impl FnMut(&T) -> bool) -> Option<T> {
        let index = self.position(f)?;
        Some(self.remove_at(index))
    }

    /// Removes the value at `index`, which holds one: the values before it
    /// move up one slot, and the head's slot is freed as a receive frees it.
    fn remove_at(&mut self, index: usize) -> T {
        let mut carried = None;
        self.cells(|i, cell| {
            // SAFETY: paused, so we alone touch the cells; each holds its
            // value until taken here, and the one we write was emptied
            // just now.
            unsafe {
                let value = cell.take();
                if let Some(before) = carried.replace(value) {
                    cell.write(before);
                }
            }
            if i == index {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        let value = carried.expect("a value at the index");
        // SAFETY: paused, and the head's cell was emptied above.
        unsafe {
            match self.buffer {
                Buffer::Ring(r) => r.retire_head(),
                Buffer::List(l) => l.retire_head(),
            }
        }
        self.removed += 1;
        value
    }

    /// How many values this pause removed: the room its user tells blocked
    /// senders of.
    pub(crate) fn removed(&self) -> usize {
        self.removed
    }
}

impl<T> Drop for Paused<'_, T> {
    fn drop(&mut self) {
        match self.buffer {
            Buffer::Ring(r) => r.resume(),
            Buffer::List(l) => l.resume(),
        }
    }
}
