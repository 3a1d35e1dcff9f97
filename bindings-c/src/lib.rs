//! The C ABI of polyconc (see include/polyconc.h, generated from this crate
//! by cbindgen). Every channel rule lives in the core; this crate converts
//! arguments, maps errors (status.rs), and keeps panics out of C.
#![allow(non_camel_case_types)]

mod elem;
mod select;
mod status;

use std::ffi::{c_char, c_void};
use std::sync::Arc;
use std::time::{Duration, Instant};

use polyconc::chan::Chan;

use elem::{with_chan, AnyChan, Elem};
pub use select::{
    pc_select, pc_select_case, pc_select_kind, PC_SELECT_DISABLED, PC_SELECT_RECV, PC_SELECT_SEND,
};
use status::{guard, guard_value, Status};
pub use status::{
    pc_status, pc_status_str, PC_CLOSED, PC_EMPTY, PC_FULL, PC_INVALID_ARG, PC_NO_MEMORY, PC_OK,
    PC_PANIC, PC_TIMEOUT,
};

/// Major version of the library this header belongs to.
pub const PC_VERSION_MAJOR: u32 = 0;
/// Minor version of the library this header belongs to.
pub const PC_VERSION_MINOR: u32 = 1;
/// Patch version of the library this header belongs to.
pub const PC_VERSION_PATCH: u32 = 0;

/// `capacity` of an unbounded channel (sends never wait), as given to
/// `pc_chan_new` and returned by `pc_chan_capacity`. (In the header it is
/// written by cbindgen.toml as `SIZE_MAX`.)
pub const PC_UNBOUNDED: usize = usize::MAX;
/// `timeout_ns` that waits as long as it takes.
pub const PC_FOREVER: u64 = u64::MAX;

/// Called by `pc_chan_free` (of the channel's last handle) once for every
/// element still buffered in the channel, with a pointer to its bytes and the
/// context given to `pc_chan_new_with_drop`. It must not unwind (no C++
/// exception, no longjmp out of it) and must not use the channel.
pub type pc_drop_fn = Option<unsafe extern "C" fn(elem: *mut c_void, ctx: *mut c_void)>;

/// A handle to a channel of fixed-size elements, copied in and out by value.
/// Opaque; create it with `pc_chan_new`, release it with `pc_chan_free`.
pub struct pc_chan {
    chan: AnyChan,
    elem_size: usize,
    /// Shared by all handles of a channel made with a drop callback; its
    /// `Drop` runs when the last handle goes.
    on_last_free: Option<Arc<DrainOnDrop>>,
}

/// Hands the elements still buffered to the drop callback when the last
/// handle of the channel is freed. (Elements live in the core as plain
/// bytes; the callback is not tied to each element because the core also
/// drops values it never delivered, e.g. a send case that did not fire,
/// which still belong to the caller.)
struct DrainOnDrop {
    chan: AnyChan,
    callback: unsafe extern "C" fn(elem: *mut c_void, ctx: *mut c_void),
    ctx: *mut c_void,
}

// SAFETY: `ctx` is the caller's opaque pointer, only handed back to its
// callback; the header tells that the callback may run on whichever thread
// frees the last handle.
unsafe impl Send for DrainOnDrop {}
unsafe impl Sync for DrainOnDrop {}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        with_chan!(&self.chan, c => {
            while let Ok(elem) = c.try_recv() {
                // SAFETY: the callback and context were given together by
                // the caller; the element's bytes live until the call returns.
                unsafe { (self.callback)(elem.bytes().cast_mut().cast(), self.ctx) };
            }
        })
    }
}

/// How long an operation may wait, from a `timeout_ns`.
pub(crate) enum Wait {
    Try,
    Forever,
    Until(Instant),
}

impl Wait {
    pub(crate) fn from_ns(timeout_ns: u64) -> Wait {
        match timeout_ns {
            0 => Wait::Try,
            PC_FOREVER => Wait::Forever,
            ns => match Instant::now().checked_add(Duration::from_nanos(ns)) {
                Some(d) => Wait::Until(d),
                // Past what the clock can represent: the same as forever.
                None => Wait::Forever,
            },
        }
    }
}

/// The handle behind a pointer, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `ch` is NULL or a live handle.
pub(crate) unsafe fn handle<'a>(ch: *const pc_chan) -> Result<&'a pc_chan, Status> {
    ch.as_ref().ok_or(Status(PC_INVALID_ARG))
}

/// `PC_INVALID_ARG` for a NULL element buffer (allowed only for 0-byte
/// elements).
pub(crate) fn check_buf(ptr: *const c_void, elem_size: usize) -> Result<(), Status> {
    if ptr.is_null() && elem_size > 0 {
        return Err(Status(PC_INVALID_ARG));
    }
    Ok(())
}

/// `pc_chan_send` once the element type is known.
///
/// # Safety
/// As `pc_chan_send`, with `size` the channel's `elem_size`.
#[inline]
unsafe fn send_on<T: Elem>(
    c: &Chan<T>,
    elem: *const u8,
    size: usize,
    wait: Wait,
) -> Result<(), Status> {
    let value = T::read(elem, size)?;
    match wait {
        Wait::Try => c.try_send(value)?,
        Wait::Forever => c.send(value).map_err(|_| Status(PC_CLOSED))?,
        Wait::Until(deadline) => c.send_deadline(value, deadline)?,
    }
    Ok(())
}

/// `pc_chan_recv` once the element type is known.
///
/// # Safety
/// As `pc_chan_recv`, with `size` the channel's `elem_size`.
#[inline]
unsafe fn recv_on<T: Elem>(
    c: &Chan<T>,
    out: *mut u8,
    size: usize,
    wait: Wait,
) -> Result<(), Status> {
    let value = match wait {
        Wait::Try => c.try_recv()?,
        Wait::Forever => c.recv().map_err(|_| Status(PC_CLOSED))?,
        Wait::Until(deadline) => c.recv_deadline(deadline)?,
    };
    value.write_to(out, size);
    Ok(())
}

fn new_chan(
    elem_size: usize,
    capacity: usize,
    on_drop: Option<(unsafe extern "C" fn(*mut c_void, *mut c_void), *mut c_void)>,
    out: *mut *mut pc_chan,
) -> Result<(), Status> {
    if out.is_null() || elem_size > isize::MAX as usize {
        return Err(Status(PC_INVALID_ARG));
    }
    let chan = AnyChan::new(elem_size, (capacity != PC_UNBOUNDED).then_some(capacity))?;
    let on_last_free = on_drop.map(|(callback, ctx)| {
        Arc::new(DrainOnDrop {
            chan: chan.clone(),
            callback,
            ctx,
        })
    });
    let handle = Box::new(pc_chan {
        chan,
        elem_size,
        on_last_free,
    });
    // SAFETY: `out` was checked non-NULL; the caller gives a writable slot.
    unsafe { out.write(Box::into_raw(handle)) };
    Ok(())
}

/// Creates a channel of elements of `elem_size` bytes (0 is allowed: a
/// signal-only channel, like Go's `chan struct{}`) with room for `capacity`
/// elements: 0 makes a rendezvous channel (a send completes only when a
/// receiver takes the element), `PC_UNBOUNDED` one whose sends never wait.
/// A `void *` channel is `elem_size == sizeof(void *)`. Writes the new
/// handle to `*out`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `out` is NULL or `elem_size` is
/// larger than any object can be; `PC_NO_MEMORY` if the buffer cannot be
/// allocated.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_new(
    elem_size: usize,
    capacity: usize,
    out: *mut *mut pc_chan,
) -> pc_status {
    guard(|| new_chan(elem_size, capacity, None, out))
}

/// As `pc_chan_new`, and when the channel's last handle is freed,
/// `drop_fn(elem, ctx)` is called for every element still buffered (so that
/// pointer payloads do not leak). Elements that a failed or timed-out send
/// did not send stay the caller's and are not passed to `drop_fn`.
///
/// Returns `PC_INVALID_ARG` if `drop_fn` or `out` is NULL, else as
/// `pc_chan_new`.
///
/// # Safety
/// `out` is NULL or writable; `drop_fn` and `ctx` may be called from the
/// thread that frees the last handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_new_with_drop(
    elem_size: usize,
    capacity: usize,
    drop_fn: pc_drop_fn,
    ctx: *mut c_void,
    out: *mut *mut pc_chan,
) -> pc_status {
    guard(|| {
        let callback = drop_fn.ok_or(Status(PC_INVALID_ARG))?;
        new_chan(elem_size, capacity, Some((callback, ctx)), out)
    })
}

/// Writes to `*out` another handle to the same channel (to be freed on its
/// own). The channel lives until its last handle is freed.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `chan` or `out` is NULL.
///
/// # Safety
/// `chan` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_clone(chan: *const pc_chan, out: *mut *mut pc_chan) -> pc_status {
    guard(|| {
        let ch = handle(chan)?;
        if out.is_null() {
            return Err(Status(PC_INVALID_ARG));
        }
        let copy = Box::new(pc_chan {
            chan: ch.chan.clone(),
            elem_size: ch.elem_size,
            on_last_free: ch.on_last_free.clone(),
        });
        out.write(Box::into_raw(copy));
        Ok(())
    })
}

/// Releases a handle; `pc_chan_free(NULL)` does nothing. Freeing does not
/// close the channel. When this was the channel's last handle, the channel
/// and its buffered elements are released (through the drop callback, if
/// it has one).
///
/// # Safety
/// `chan` is NULL or a live handle that no other thread is using and that is
/// not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_free(chan: *mut pc_chan) {
    if chan.is_null() {
        return;
    }
    // Nothing to report from here; a panic (only possible from a bug in
    // dropping) is kept from unwinding into C.
    let _ = guard(|| {
        drop(Box::from_raw(chan));
        Ok(())
    });
}

/// Sends the `elem_size` bytes at `elem` (copied; NULL allowed only when
/// `elem_size` is 0). `timeout_ns` 0 tries once, `PC_FOREVER` waits as long
/// as it takes, any other value waits at most that many nanoseconds.
///
/// Returns `PC_OK` when sent; `PC_CLOSED` if the channel is or becomes
/// closed; `PC_FULL` (timeout 0) if it would have had to wait; `PC_TIMEOUT`
/// when the timeout passed; `PC_INVALID_ARG` for a NULL `chan` or `elem`;
/// `PC_NO_MEMORY` if an element over 16 bytes cannot be allocated. On any
/// failure nothing was sent and the element is still the caller's.
///
/// # Safety
/// `chan` is NULL or a live handle; `elem` is NULL or readable for the
/// channel's `elem_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_send(
    chan: *const pc_chan,
    elem: *const c_void,
    timeout_ns: u64,
) -> pc_status {
    guard(|| {
        let ch = handle(chan)?;
        check_buf(elem, ch.elem_size)?;
        let wait = Wait::from_ns(timeout_ns);
        with_chan!(&ch.chan, c => send_on(c, elem.cast(), ch.elem_size, wait))
    })
}

/// Receives one element into the `elem_size` bytes at `out` (NULL allowed
/// only when `elem_size` is 0). `timeout_ns` as for `pc_chan_send`.
/// Elements buffered before a close are still received.
///
/// Returns `PC_OK` when received (only then is `out` written); `PC_CLOSED`
/// when the channel is closed and drained; `PC_EMPTY` (timeout 0) if it
/// would have had to wait; `PC_TIMEOUT` when the timeout passed (nothing
/// consumed); `PC_INVALID_ARG` for a NULL `chan` or `out`.
///
/// # Safety
/// `chan` is NULL or a live handle; `out` is NULL or writable for the
/// channel's `elem_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_recv(
    chan: *const pc_chan,
    out: *mut c_void,
    timeout_ns: u64,
) -> pc_status {
    guard(|| {
        let ch = handle(chan)?;
        check_buf(out, ch.elem_size)?;
        let wait = Wait::from_ns(timeout_ns);
        with_chan!(&ch.chan, c => recv_on(c, out.cast(), ch.elem_size, wait))
    })
}

/// Closes the channel: every waiting receiver and sender wakes; receivers
/// get the buffered elements, then `PC_CLOSED`; senders get `PC_CLOSED`.
///
/// Returns `PC_OK` if this call closed it, `PC_CLOSED` if it was already
/// closed (nothing changes), `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_close(chan: *const pc_chan) -> pc_status {
    guard(|| {
        if with_chan!(&handle(chan)?.chan, c => c.close()) {
            Ok(())
        } else {
            Err(Status(PC_CLOSED))
        }
    })
}

/// How many elements are buffered now (always 0 on a rendezvous channel);
/// 0 for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_len(chan: *const pc_chan) -> usize {
    guard_value(0, || {
        chan.as_ref()
            .map_or(0, |ch| with_chan!(&ch.chan, c => c.len()))
    })
}

/// The capacity given to `pc_chan_new` (`PC_UNBOUNDED` when unbounded);
/// 0 for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_capacity(chan: *const pc_chan) -> usize {
    guard_value(0, || {
        chan.as_ref().map_or(0, |ch| {
            with_chan!(&ch.chan, c => c.capacity()).unwrap_or(PC_UNBOUNDED)
        })
    })
}

/// The element size given to `pc_chan_new`; 0 for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_elem_size(chan: *const pc_chan) -> usize {
    guard_value(0, || chan.as_ref().map_or(0, |ch| ch.elem_size))
}

/// Whether the channel has been closed (elements may still be buffered);
/// false for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_is_closed(chan: *const pc_chan) -> bool {
    guard_value(false, || {
        chan.as_ref()
            .is_some_and(|ch| with_chan!(&ch.chan, c => c.is_closed()))
    })
}

/// The library's version, e.g. `"0.1.0"` (static; never free it). Compare
/// with `PC_VERSION_MAJOR`/`MINOR`/`PATCH` to check that the header and the
/// library agree.
#[no_mangle]
pub extern "C" fn pc_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_constants_match_the_crate() {
        let v = |name: &str, s: &str| s.parse::<u32>().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            PC_VERSION_MAJOR,
            v("major", env!("CARGO_PKG_VERSION_MAJOR"))
        );
        assert_eq!(
            PC_VERSION_MINOR,
            v("minor", env!("CARGO_PKG_VERSION_MINOR"))
        );
        assert_eq!(
            PC_VERSION_PATCH,
            v("patch", env!("CARGO_PKG_VERSION_PATCH"))
        );
    }

    // PC_PANIC cannot be provoked through the C API on purpose (that would
    // take a bug), so the catching itself is checked here.
    #[test]
    fn a_panic_becomes_pc_panic() {
        assert_eq!(guard(|| panic!("on purpose")), PC_PANIC);
        assert_eq!(guard_value(7usize, || panic!("on purpose")), 7);
        assert_eq!(guard(|| Err(Status(PC_FULL))), PC_FULL);
    }
}
