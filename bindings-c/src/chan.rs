//! `pc_chan`: the channel handle and its exports. Each export checks its
//! pointers, converts its timeout and calls the core; the rules are the
//! core's.

use polyconc::chan::{Chan, RecvTimeoutError, SendTimeoutError};
use std::ffi::c_void;
use std::sync::Arc;

use crate::callback::{pc_drop_fn, DropFn};
use crate::elem::{check_buf, fast_or, with_elem, word, Build, Elem, Erased, Family, Typed};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_CLOSED, PC_EMPTY, PC_FULL, PC_INVALID_ARG};
use crate::wait::{core_wait, not_in_time, PC_FOREVER};

/// `capacity` of an unbounded channel (sends never wait), as given to
/// `pc_chan_new` and returned by `pc_chan_capacity`. (In the header it is
/// written by cbindgen.toml as `SIZE_MAX`.)
pub const PC_UNBOUNDED: usize = usize::MAX;

/// The core's channels, as an element family.
pub(crate) struct Chans;

impl Family for Chans {
    type Of<T: Elem> = Chan<T>;
}

/// A channel's capacity (`PC_UNBOUNDED`, `usize::MAX`, is the core's
/// unbounded).
struct Capacity(usize);

impl Build<Chans> for Capacity {
    fn build<T: Elem>(self) -> Result<Chan<T>, Status> {
        // The core decides what it allocates up front and says when that
        // cannot be had (PC_NO_MEMORY); any capacity is accepted.
        Ok(Chan::try_with_capacity(self.0)?)
    }
}

/// A core channel of whichever element type fits the handle's `elem_size`.
pub(crate) type AnyChan = Erased<Chans>;

/// A handle to a channel of fixed-size elements, copied in and out by value.
/// Opaque; create it with `pc_chan_new`, release it with `pc_chan_free`.
#[derive(Clone)]
pub struct pc_chan {
    pub(crate) chan: AnyChan,
    pub(crate) elem_size: usize,
    /// Shared by all handles of a channel made with a drop callback; held
    /// only for its `Drop`, which runs when the last handle goes.
    _on_last_free: Option<Arc<DrainOnDrop>>,
}

impl Typed for pc_chan {
    type F = Chans;
    fn elem_size(&self) -> usize {
        self.elem_size
    }
    fn erased(&self) -> &AnyChan {
        &self.chan
    }
}

/// Hands the elements still buffered to the drop callback when the last
/// handle of the channel is freed. (Elements live in the core as plain
/// bytes; the callback is not tied to each element because the core also
/// drops values it never delivered, e.g. a send case that did not fire,
/// which still belong to the caller.)
struct DrainOnDrop {
    chan: AnyChan,
    on_drop: DropFn,
}

impl Drop for DrainOnDrop {
    fn drop(&mut self) {
        with_elem!(&self.chan, c => {
            while let Ok(elem) = c.try_recv() {
                self.on_drop.call(&elem);
            }
        })
    }
}

/// `pc_chan_send` once the element type is known: the core's `send_with`,
/// which picks how to wait, and its failure as C's status.
///
/// # Safety
/// As `pc_chan_send`, with `size` the channel's `elem_size`.
#[inline(always)]
unsafe fn send_on<T: Elem>(
    c: &Chan<T>,
    elem: *const u8,
    size: usize,
    timeout_ns: u64,
) -> Result<(), Status> {
    // SAFETY: `elem` holds the channel's `size` bytes (the caller's promise).
    let value = unsafe { T::read(elem, size) }?;
    c.send_with(value, core_wait(timeout_ns))
        .map_err(|e| match e {
            SendTimeoutError::Closed(_) => Status::of(PC_CLOSED),
            SendTimeoutError::Timeout(_) => not_in_time(timeout_ns, PC_FULL),
        })
}

/// `pc_chan_recv` once the element type is known: as `send_on`.
///
/// # Safety
/// As `pc_chan_recv`, with `size` the channel's `elem_size`.
#[inline(always)]
unsafe fn recv_on<T: Elem>(
    c: &Chan<T>,
    out: *mut u8,
    size: usize,
    timeout_ns: u64,
) -> Result<(), Status> {
    let value = c.recv_with(core_wait(timeout_ns)).map_err(|e| match e {
        RecvTimeoutError::Closed => Status::of(PC_CLOSED),
        RecvTimeoutError::Timeout => not_in_time(timeout_ns, PC_EMPTY),
    })?;
    // SAFETY: `out` has room for the channel's `size` bytes (the caller's
    // promise).
    unsafe { value.write_to(out, size) };
    Ok(())
}

/// The fast path's send: waits for ever if `FOREVER`, else tries once.
/// Given the handle, not its channel: the export then only tests and
/// jumps (callgrind, C1: 13 instructions in `pc_chan_send` before, 9
/// after).
///
/// # Safety
/// `ch.elem_size` is 8; `elem` is readable for 8 bytes.
#[inline(never)]
unsafe extern "C" fn send_8<const FOREVER: bool>(ch: &pc_chan, elem: *const c_void) -> pc_status {
    let timeout_ns = if FOREVER { PC_FOREVER } else { 0 };
    // SAFETY: 8-byte elements, `elem` readable for them (the caller's
    // promise).
    boundary(|| unsafe { send_on(word(ch), elem.cast(), 8, timeout_ns) })
}

/// The fast path's receive, as `send_8`.
///
/// # Safety
/// `ch.elem_size` is 8; `out` is writable for 8 bytes.
#[inline(never)]
unsafe extern "C" fn recv_8<const FOREVER: bool>(ch: &pc_chan, out: *mut c_void) -> pc_status {
    let timeout_ns = if FOREVER { PC_FOREVER } else { 0 };
    // SAFETY: 8-byte elements, `out` writable for them (the caller's
    // promise).
    boundary(|| unsafe { recv_on(word(ch), out.cast(), 8, timeout_ns) })
}

/// `pc_chan_send`'s general path.
///
/// # Safety
/// As `pc_chan_send`.
#[inline(never)]
unsafe extern "C" fn send_any(
    chan: *const pc_chan,
    elem: *const c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `chan` is NULL or a live handle (the caller's promise).
        let ch = unsafe { handle(chan) }?;
        check_buf(elem, ch.elem_size)?;
        let (elem, size) = (elem.cast(), ch.elem_size);
        // SAFETY: `elem` is readable for the checked handle's `elem_size`
        // bytes (the caller's promise).
        with_elem!(&ch.chan, c => unsafe { send_on(c, elem, size, timeout_ns) })
    })
}

/// `pc_chan_recv`'s general path.
///
/// # Safety
/// As `pc_chan_recv`.
#[inline(never)]
unsafe extern "C" fn recv_any(
    chan: *const pc_chan,
    out: *mut c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `chan` is NULL or a live handle (the caller's promise).
        let ch = unsafe { handle(chan) }?;
        check_buf(out, ch.elem_size)?;
        let (out, size) = (out.cast(), ch.elem_size);
        // SAFETY: `out` is writable for the checked handle's `elem_size`
        // bytes (the caller's promise).
        with_elem!(&ch.chan, c => unsafe { recv_on(c, out, size, timeout_ns) })
    })
}

/// `pc_chan_new` and `pc_chan_new_with_drop`.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn new_chan(
    elem_size: usize,
    capacity: usize,
    on_drop: Option<DropFn>,
    out: *mut *mut pc_chan,
) -> Result<(), Status> {
    // SAFETY: `out` is NULL or writable (the caller's promise).
    let out = unsafe { ffi::out(out) }?;
    let chan = AnyChan::new(elem_size, Capacity(capacity))?;
    let on_last_free = on_drop.map(|on_drop| {
        Arc::new(DrainOnDrop {
            chan: chan.clone(),
            on_drop,
        })
    });
    out.write_handle(pc_chan {
        chan,
        elem_size,
        _on_last_free: on_last_free,
    });
    Ok(())
}

/// Creates a channel of elements of `elem_size` bytes (0 is allowed: a
/// signal-only channel, like Go's `chan struct{}`) with room for `capacity`
/// elements: 0 makes a rendezvous channel (a send completes only when a
/// receiver takes the element), `PC_UNBOUNDED` one whose sends never wait.
/// A `void *` channel is `elem_size == sizeof(void *)`. Any capacity is
/// accepted: room for at most 65,536 elements is allocated now, and a
/// larger (or unbounded) buffer grows as it fills. Writes the new handle to
/// `*out`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `out` is NULL or `elem_size` is
/// larger than any object can be; `PC_NO_MEMORY` if the room allocated now
/// cannot be had.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_new(
    elem_size: usize,
    capacity: usize,
    out: *mut *mut pc_chan,
) -> pc_status {
    // SAFETY: `out` is NULL or writable (the caller's promise).
    boundary(|| unsafe { new_chan(elem_size, capacity, None, out) })
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
    boundary(|| {
        let on_drop = DropFn::new(drop_fn, ctx).ok_or(Status::of(PC_INVALID_ARG))?;
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { new_chan(elem_size, capacity, Some(on_drop), out) }
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
    boundary(|| {
        // SAFETY: `chan` is NULL or a live handle (the caller's promise).
        let ch = unsafe { handle(chan) }?;
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(ch.clone());
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
    // SAFETY: `chan` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(chan) })
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
    // SAFETY: `chan` is NULL or a live handle, and `elem` NULL or readable
    // for its `elem_size` bytes (the caller's promise).
    unsafe {
        fast_or(
            chan,
            elem,
            timeout_ns,
            [send_8::<true>, send_8::<false>],
            send_any,
        )
    }
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
    // SAFETY: `chan` is NULL or a live handle, and `out` NULL or writable
    // for its `elem_size` bytes (the caller's promise).
    unsafe {
        fast_or(
            chan,
            out,
            timeout_ns,
            [recv_8::<true>, recv_8::<false>],
            recv_any,
        )
    }
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
    boundary(|| {
        // SAFETY: `chan` is NULL or a live handle (the caller's promise).
        if with_elem!(&unsafe { handle(chan) }?.chan, c => c.close()) {
            Ok(())
        } else {
            Err(Status::of(PC_CLOSED))
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
    // SAFETY: `chan` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(with_elem!(&unsafe { handle(chan) }?.chan, c => c.len())))
}

/// The capacity given to `pc_chan_new` (`PC_UNBOUNDED` when unbounded);
/// 0 for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_capacity(chan: *const pc_chan) -> usize {
    boundary(|| {
        // SAFETY: `chan` is NULL or a live handle (the caller's promise).
        let capacity = with_elem!(&unsafe { handle(chan) }?.chan, c => c.capacity());
        Ok(capacity.unwrap_or(PC_UNBOUNDED))
    })
}

/// The element size given to `pc_chan_new`; 0 for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_elem_size(chan: *const pc_chan) -> usize {
    // SAFETY: `chan` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(chan) }?.elem_size))
}

/// Whether the channel has been closed (elements may still be buffered);
/// false for NULL.
///
/// # Safety
/// `chan` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_chan_is_closed(chan: *const pc_chan) -> bool {
    // SAFETY: `chan` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(with_elem!(&unsafe { handle(chan) }?.chan, c => c.is_closed())))
}
