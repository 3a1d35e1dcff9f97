//! The one panic boundary. Every exported function runs its body in
//! [`boundary`], so a Rust panic (only a bug in this library can raise one)
//! becomes a value C can see instead of unwinding out of an `extern "C"`
//! function, which aborts the process.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::status::{pc_status, Status, PC_OK, PC_PANIC};

/// What a body gives back, and what C sees for it and for a panic.
pub(crate) trait Crossing {
    /// The exported function's return type.
    type C;
    /// What C sees when the body panicked.
    fn panicked() -> Self::C;
    /// What C sees for a body that returned normally.
    fn into_c(self) -> Self::C;
}

/// Fallible calls: `PC_OK`, the failure's code, or `PC_PANIC`.
impl Crossing for Result<(), Status> {
    type C = pc_status;
    fn panicked() -> pc_status {
        PC_PANIC
    }
    #[inline]
    fn into_c(self) -> pc_status {
        match self {
            Ok(()) => PC_OK,
            Err(s) => s.code(),
        }
    }
}

/// A value a getter returns, with no status: its `Default` (0, false)
/// stands for a NULL handle and for a panic.
pub(crate) trait Plain: Default {}

impl Plain for usize {}

impl Plain for bool {}

/// Getters: the value, or the default for a NULL handle (`Err`) or a panic.
impl<T: Plain> Crossing for Result<T, Status> {
    type C = T;
    fn panicked() -> T {
        T::default()
    }
    #[inline]
    fn into_c(self) -> T {
        self.unwrap_or_default()
    }
}

/// Functions with nothing to report (the `_free`s).
impl Crossing for () {
    type C = ();
    fn panicked() {}
    #[inline]
    fn into_c(self) {}
}

/// Runs an exported function's body and converts its result for C.
#[inline]
pub(crate) fn boundary<B: Crossing>(body: impl FnOnce() -> B) -> B::C {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(b) => b.into_c(),
        Err(payload) => {
            discard(payload);
            B::panicked()
        }
    }
}

/// Drops a panic's payload out of line: dropped in the export itself, the
/// payload (a `Box<dyn Any>`, freed through its vtable) kept three
/// callee-saved registers live across calls in the landing pad, and every
/// export saved and restored them on its fast path too (callgrind, a
/// `pc_mutex_lock` + `pc_mutex_unlock` pair: 48 instructions before, 40
/// after).
#[cold]
#[inline(never)]
fn discard(payload: Box<dyn std::any::Any + Send>) {
    drop(payload);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::PC_FULL;

    // PC_PANIC cannot be provoked through the C API on purpose (that would
    // take a bug), so the catching itself is checked here, for every kind
    // of return.
    #[test]
    fn a_panic_becomes_the_fallback_of_its_return_type() {
        assert_eq!(
            boundary(|| -> Result<(), Status> { panic!("on purpose") }),
            PC_PANIC
        );
        assert_eq!(
            boundary(|| -> Result<usize, Status> { panic!("on purpose") }),
            0
        );
        assert!(!boundary(|| -> Result<bool, Status> {
            panic!("on purpose")
        }));
        boundary::<()>(|| panic!("on purpose"));
    }

    #[test]
    fn results_cross_as_their_code_or_value() {
        assert_eq!(boundary(|| Ok(())), PC_OK);
        assert_eq!(boundary(|| Err::<(), _>(Status::of(PC_FULL))), PC_FULL);
        assert_eq!(boundary(|| Ok::<usize, Status>(7)), 7);
        assert_eq!(boundary(|| Err::<usize, _>(Status::of(PC_FULL))), 0);
        assert!(boundary(|| Ok::<bool, Status>(true)));
    }
}
