//! The status codes and the one place where the core's errors become them.

use std::ffi::c_char;
use std::num::NonZeroI32;

use polyconc::chan::{
    CapacityError, RecvError, RecvTimeoutError, SelectTimeoutError, SendError, SendTimeoutError,
    TryRecvError, TrySelectError, TrySendError,
};
use polyconc::sync::{
    BarrierError, InvalidParties, NegativeCounter, NotLocked, NotOwner, PermitOverflow,
};

/// The result of every fallible call: one of the `PC_*` status codes below.
/// A fixed-size integer (not a C enum) so its size is the same for every
/// compiler.
#[allow(non_camel_case_types)]
pub type pc_status = i32;

/// Success; outputs were written.
pub const PC_OK: pc_status = 0;
/// The channel is closed: a send on a closed channel, a receive on a closed
/// and drained one, or a second close.
pub const PC_CLOSED: pc_status = 1;
/// The timeout passed before the operation could complete; nothing happened.
/// (A lock taken with timeout 0 says this when it is held.)
pub const PC_TIMEOUT: pc_status = 2;
/// A send with timeout 0 would have had to wait (buffer full, or no receiver
/// waiting on a rendezvous channel).
pub const PC_FULL: pc_status = 3;
/// A receive (or a select) with timeout 0 would have had to wait.
pub const PC_EMPTY: pc_status = 4;
/// A NULL handle or buffer, or an argument out of range.
pub const PC_INVALID_ARG: pc_status = 5;
/// Memory for the channel's buffer or for an element could not be had.
pub const PC_NO_MEMORY: pc_status = 6;
/// A bug inside the library (a Rust panic, caught at the boundary).
pub const PC_PANIC: pc_status = 7;
// Codes after PC_PANIC are appended as new types bring new outcomes; none
// is ever renumbered.
/// An unlock of a lock that the caller does not hold: `pc_mutex_unlock` or
/// `pc_spinlock_unlock` of a lock that is not locked, `pc_rwlock_unlock_read`
/// or `_unlock_write` of a side not held, `pc_reentrant_lock_unlock` by a
/// thread that does not hold it, `pc_cond_wait` with a mutex that is not
/// locked.
pub const PC_NOT_OWNER: pc_status = 8;
/// A barrier is broken: another party's wait timed out, or it was reset,
/// before or while this party waited (`pc_barrier_wait`).
pub const PC_BROKEN: pc_status = 9;
/// A future failed: its failure's code and message are readable with
/// `pc_future_failure`.
pub const PC_FAILED: pc_status = 10;
/// A future was cancelled (`pc_future_cancel`).
pub const PC_CANCELLED: pc_status = 11;
/// A promise was completed already; the second completion changed nothing.
pub const PC_ALREADY_COMPLETED: pc_status = 12;
/// A wait group's counter would have gone below zero (or past its
/// maximum); it was left as it was.
pub const PC_NEGATIVE_COUNT: pc_status = 13;

/// The name of a status code, e.g. `"PC_CLOSED"`; `"PC_UNKNOWN_STATUS"` for a
/// value that is none of them. The string is static: never free it.
#[no_mangle]
pub extern "C" fn pc_status_str(status: pc_status) -> *const c_char {
    let name: &'static [u8] = match status {
        PC_OK => b"PC_OK\0",
        PC_CLOSED => b"PC_CLOSED\0",
        PC_TIMEOUT => b"PC_TIMEOUT\0",
        PC_FULL => b"PC_FULL\0",
        PC_EMPTY => b"PC_EMPTY\0",
        PC_INVALID_ARG => b"PC_INVALID_ARG\0",
        PC_NO_MEMORY => b"PC_NO_MEMORY\0",
        PC_PANIC => b"PC_PANIC\0",
        PC_NOT_OWNER => b"PC_NOT_OWNER\0",
        PC_BROKEN => b"PC_BROKEN\0",
        PC_FAILED => b"PC_FAILED\0",
        PC_CANCELLED => b"PC_CANCELLED\0",
        PC_ALREADY_COMPLETED => b"PC_ALREADY_COMPLETED\0",
        PC_NEGATIVE_COUNT => b"PC_NEGATIVE_COUNT\0",
        _ => b"PC_UNKNOWN_STATUS\0",
    };
    name.as_ptr().cast()
}

/// A failed call's status: the bodies of exported functions return
/// `Result<_, Status>`, and the panic boundary (panic.rs) turns it into a
/// `pc_status`. Every core error becomes one here, by `From`, so `?` is
/// the whole conversion.
///
/// Never `PC_OK`, so `Result<(), Status>` is one `pc_status` in a register
/// (0 for `Ok`), and the boundary's conversion costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Status(NonZeroI32);

impl Status {
    /// The failure `code`; `PC_OK` is not one.
    #[inline]
    pub(crate) const fn of(code: pc_status) -> Status {
        match NonZeroI32::new(code) {
            Some(code) => Status(code),
            None => panic!("PC_OK is not a failure"),
        }
    }

    /// The code C sees.
    #[inline]
    pub(crate) const fn code(self) -> pc_status {
        self.0.get()
    }
}

impl<T> From<SendError<T>> for Status {
    fn from(_: SendError<T>) -> Self {
        Status::of(PC_CLOSED)
    }
}

impl<T> From<TrySendError<T>> for Status {
    fn from(e: TrySendError<T>) -> Self {
        match e {
            TrySendError::Full(_) => Status::of(PC_FULL),
            TrySendError::Closed(_) => Status::of(PC_CLOSED),
        }
    }
}

impl<T> From<SendTimeoutError<T>> for Status {
    fn from(e: SendTimeoutError<T>) -> Self {
        match e {
            SendTimeoutError::Timeout(_) => Status::of(PC_TIMEOUT),
            SendTimeoutError::Closed(_) => Status::of(PC_CLOSED),
        }
    }
}

impl From<RecvError> for Status {
    fn from(_: RecvError) -> Self {
        Status::of(PC_CLOSED)
    }
}

impl From<TryRecvError> for Status {
    fn from(e: TryRecvError) -> Self {
        match e {
            TryRecvError::Empty => Status::of(PC_EMPTY),
            TryRecvError::Closed => Status::of(PC_CLOSED),
        }
    }
}

impl From<RecvTimeoutError> for Status {
    fn from(e: RecvTimeoutError) -> Self {
        match e {
            RecvTimeoutError::Timeout => Status::of(PC_TIMEOUT),
            RecvTimeoutError::Closed => Status::of(PC_CLOSED),
        }
    }
}

impl From<TrySelectError> for Status {
    fn from(_: TrySelectError) -> Self {
        Status::of(PC_EMPTY)
    }
}

impl From<SelectTimeoutError> for Status {
    fn from(_: SelectTimeoutError) -> Self {
        Status::of(PC_TIMEOUT)
    }
}

impl From<CapacityError> for Status {
    fn from(_: CapacityError) -> Self {
        Status::of(PC_NO_MEMORY)
    }
}

impl From<NotLocked> for Status {
    fn from(_: NotLocked) -> Self {
        Status::of(PC_NOT_OWNER)
    }
}

impl From<NotOwner> for Status {
    fn from(_: NotOwner) -> Self {
        Status::of(PC_NOT_OWNER)
    }
}

impl From<PermitOverflow> for Status {
    fn from(_: PermitOverflow) -> Self {
        Status::of(PC_INVALID_ARG)
    }
}

impl From<InvalidParties> for Status {
    fn from(_: InvalidParties) -> Self {
        Status::of(PC_INVALID_ARG)
    }
}

impl From<BarrierError> for Status {
    fn from(e: BarrierError) -> Self {
        match e {
            BarrierError::Broken => Status::of(PC_BROKEN),
            BarrierError::Timeout => Status::of(PC_TIMEOUT),
            // The C API gives barriers no action, so none can panic.
            BarrierError::ActionPanicked => Status::of(PC_PANIC),
        }
    }
}

impl From<NegativeCounter> for Status {
    fn from(_: NegativeCounter) -> Self {
        Status::of(PC_NEGATIVE_COUNT)
    }
}

impl From<std::collections::TryReserveError> for Status {
    fn from(_: std::collections::TryReserveError) -> Self {
        Status::of(PC_NO_MEMORY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polyconc::chan::Chan;

    // The C API cannot provoke it on purpose (elements over 16 bytes are
    // boxed, so the room the core allocates up front is at most 65,536
    // small slots); the mapping is checked with a type Rust can have.
    #[test]
    fn a_result_is_one_status_word() {
        assert_eq!(std::mem::size_of::<Result<(), Status>>(), 4);
    }

    #[test]
    fn a_capacity_error_is_pc_no_memory() {
        let e = Chan::<[u8; 1 << 47]>::try_with_capacity(1 << 16).unwrap_err();
        assert_eq!(Status::from(e), Status::of(PC_NO_MEMORY));
    }
}
