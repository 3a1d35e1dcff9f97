//! [`Fut`]: the future a `pc_future` owns, in the 24 bytes of the core's
//! `Future`: a union of the futures of every element type, read as the
//! one its handle's element size calls for ([`Kind::of`]), where the
//! [`Erased`] enum kept a tag of its own beside that size (a word, with
//! its padding). A handle of `pc_future_spawn` lives in its task's
//! allocation, so that word was one of each task's: 120 bytes, a 128-byte
//! glibc chunk, the comparison's F2 holding 100,000 of them at once
//! (Rust's task: 56 bytes), and 104 bytes, a 112-byte chunk, without it.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;

use polyconc::future::Future;

use super::AnyFuture;
use crate::elem::{Elem, Erased, Family, Kind};

/// The core's futures, borrowed, as an element family: what a handle's
/// [`Fut`] is read as.
pub(crate) struct Refs<'a>(PhantomData<&'a ()>);

impl<'a> Family for Refs<'a> {
    type Of<T: Elem> = &'a Future<T>;
}

/// A future of one of the element types, which one known by its owner.
pub(super) union Fut {
    word: ManuallyDrop<Future<u64>>,
    pair: ManuallyDrop<Future<[u64; 2]>>,
    heap: ManuallyDrop<Future<Box<[u8]>>>,
}

impl Fut {
    /// `fut`, as the member of its element type ([`Erased::kind`]).
    #[inline]
    pub(super) fn new(fut: AnyFuture) -> Fut {
        match fut {
            Erased::Word(f) => Fut {
                word: ManuallyDrop::new(f),
            },
            Erased::Pair(f) => Fut {
                pair: ManuallyDrop::new(f),
            },
            Erased::Heap(f) => Fut {
                heap: ManuallyDrop::new(f),
            },
        }
    }

    /// The future, borrowed as the member of `kind`.
    ///
    /// # Safety
    /// `kind` is the member's that was written (by `new`).
    #[inline]
    pub(super) unsafe fn get(&self, kind: Kind) -> Erased<Refs<'_>> {
        // SAFETY: the member read is the one written (the caller's promise).
        unsafe {
            match kind {
                Kind::Word => Erased::Word(&*self.word),
                Kind::Pair => Erased::Pair(&*self.pair),
                Kind::Heap => Erased::Heap(&*self.heap),
            }
        }
    }

    /// Drops the future, the member of `kind`.
    ///
    /// # Safety
    /// As for `get`; the future is not used afterwards.
    #[inline]
    pub(super) unsafe fn drop_as(&mut self, kind: Kind) {
        // SAFETY: the member dropped is the one written, once (the
        // caller's promise).
        unsafe {
            match kind {
                Kind::Word => ManuallyDrop::drop(&mut self.word),
                Kind::Pair => ManuallyDrop::drop(&mut self.pair),
                Kind::Heap => ManuallyDrop::drop(&mut self.heap),
            }
        }
    }
}
