//! `pc_select`: one core `Select` with one closure per case, so the choice
//! among ready cases is the core's (uniformly random).

use std::ffi::c_void;

use polyconc::chan::{Chan, Select};

use crate::chan::pc_chan;
use crate::elem::{check_buf, with_elem, Elem};
use crate::ffi::{self, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_CLOSED, PC_INVALID_ARG, PC_OK};
use crate::wait::Wait;

/// What a `pc_select_case` does.
pub type pc_select_kind = i32;

/// The case never fires (Go's case on a nil channel). A case whose `chan`
/// is NULL is disabled too, whatever its kind.
pub const PC_SELECT_DISABLED: pc_select_kind = 0;
/// Receive from `chan` into `elem`.
pub const PC_SELECT_RECV: pc_select_kind = 1;
/// Send the element at `elem` on `chan`.
pub const PC_SELECT_SEND: pc_select_kind = 2;

/// One case of `pc_select`. Only `status` is written, and only for the case
/// that fired.
#[repr(C)]
pub struct pc_select_case {
    /// `PC_SELECT_RECV`, `PC_SELECT_SEND` or `PC_SELECT_DISABLED`.
    pub kind: pc_select_kind,
    /// The channel; NULL disables the case.
    pub chan: *const pc_chan,
    /// Receive: where the element is written (when the case fires with
    /// `PC_OK`). Send: the element to send (copied). NULL only for
    /// 0-byte elements.
    pub elem: *mut c_void,
    /// Written for the fired case: `PC_OK` (received or sent) or `PC_CLOSED`
    /// (receive: closed and drained; send: the channel is closed, nothing
    /// sent).
    pub status: pc_status,
}

type Fired = (usize, pc_status);

/// Adds receive case `i`, which writes what it receives to `out`.
///
/// # Safety
/// `out` is writable for `size` bytes, the channel's `elem_size`, until the
/// select returns.
unsafe fn add_recv<'a, T: Elem>(
    select: Select<'a, Fired>,
    c: &'a Chan<T>,
    i: usize,
    out: *mut u8,
    size: usize,
) -> Select<'a, Fired> {
    select.recv(c, move |r| match r {
        Ok(v) => {
            // SAFETY: see the function's contract.
            unsafe { v.write_to(out, size) };
            (i, PC_OK)
        }
        Err(_) => (i, PC_CLOSED),
    })
}

/// Adds send case `i` of the element at `elem` (copied now).
///
/// # Safety
/// `elem` is readable for `size` bytes, the channel's `elem_size`.
unsafe fn add_send<'a, T: Elem>(
    select: Select<'a, Fired>,
    c: &'a Chan<T>,
    i: usize,
    elem: *const u8,
    size: usize,
) -> Result<Select<'a, Fired>, Status> {
    // SAFETY: `elem` holds the channel's `size` bytes (the caller's promise).
    let value = unsafe { T::read(elem, size) }?;
    Ok(select.send(c, value, move |r| {
        (i, if r.is_ok() { PC_OK } else { PC_CLOSED })
    }))
}

/// Waits until one of `n` cases fires, like Go's `select`, and writes its
/// index to `*fired` and its outcome to `cases[*fired].status`. Among cases
/// ready at once, the one to fire is chosen uniformly at random. A receive
/// case on a closed and drained channel fires (status `PC_CLOSED`), as
/// `v, ok := <-ch` does in Go; so does a send case on a closed channel.
/// `timeout_ns` 0 is Go's `default` (fire only a case ready now),
/// `PC_FOREVER` waits as long as it takes (forever if every case is
/// disabled), other values wait at most that many nanoseconds. The same
/// channel may appear in several cases.
///
/// Returns `PC_OK` when a case fired; `PC_EMPTY` (timeout 0) or
/// `PC_TIMEOUT` when none did (no case has any effect then);
/// `PC_INVALID_ARG` if `fired` is NULL, `cases` is NULL with `n > 0`, a kind
/// is unknown, or an enabled case's `elem` is NULL; `PC_NO_MEMORY` if a
/// send element over 16 bytes cannot be allocated.
///
/// # Safety
/// `cases` points to `n` cases (or is NULL when `n` is 0) whose channels are
/// NULL or live handles and whose `elem` buffers hold the channel's
/// `elem_size` bytes; `fired` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_select(
    cases: *mut pc_select_case,
    n: usize,
    timeout_ns: u64,
    fired: *mut usize,
) -> pc_status {
    boundary(|| {
        // SAFETY: `fired` is NULL or writable (the caller's promise).
        let fired = unsafe { ffi::out(fired) }?;
        if cases.is_null() && n > 0 {
            return Err(Status::of(PC_INVALID_ARG));
        }
        let mut select = Select::<Fired>::new();
        for i in 0..n {
            // SAFETY: `cases` points to `n` cases (the caller's promise).
            let case = unsafe { cases.add(i).read() };
            if !matches!(
                case.kind,
                PC_SELECT_DISABLED | PC_SELECT_RECV | PC_SELECT_SEND
            ) {
                return Err(Status::of(PC_INVALID_ARG));
            }
            if case.kind == PC_SELECT_DISABLED || case.chan.is_null() {
                // Leaving it out is the same as adding it disabled: it can
                // never be ready, so it changes no choice.
                continue;
            }
            // SAFETY: an enabled case's channel is NULL or a live handle
            // (the caller's promise).
            let ch = unsafe { handle(case.chan) }?;
            check_buf(case.elem, ch.elem_size)?;
            let (size, elem) = (ch.elem_size, case.elem.cast::<u8>());
            select = if case.kind == PC_SELECT_RECV {
                // SAFETY: `elem` has room for the channel's `size` bytes
                // (the caller's promise) until this function returns.
                with_elem!(&ch.chan, c => unsafe { add_recv(select, c, i, elem, size) })
            } else {
                // SAFETY: `elem` holds the channel's `size` bytes (the
                // caller's promise).
                with_elem!(&ch.chan, c => unsafe { add_send(select, c, i, elem, size) }?)
            };
        }
        let (i, status) = match Wait::from_ns(timeout_ns) {
            Wait::Try => select.try_select()?,
            Wait::Forever => select.select(),
            Wait::For(timeout) => select.select_timeout(timeout)?,
        };
        // SAFETY: `i` is one of the `n` cases `cases` points to.
        unsafe { (*cases.add(i)).status = status };
        fired.write(i);
        Ok(())
    })
}
