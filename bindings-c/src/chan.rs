//! `pc_chan`: the channel handle and its exports. Each export checks its
//! pointers, converts its timeout and calls the core; the rules are the
//! core's.

use std::ffi::c_void;
use std::sync::Arc;
use std::time::Duration;

use polyconc::chan::Chan;

use crate::callback::{pc_drop_fn, DropFn};
use crate::elem::{check_buf, with_elem, Build, Elem, Erased, Family};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_CLOSED, PC_INVALID_ARG};
use crate::wait::Wait;

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

/// `pc_chan_send` once the element type is known: the try and the wait
/// without a deadline (what a blocking `send` is) inline, a timed wait in
/// `send_timed`.
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
    match Wait::from_ns(timeout_ns) {
        Wait::Try => Ok(c.try_send(value)?),
        Wait::Forever => Ok(c.send(value)?),
        Wait::For(timeout) => send_timed(c, value, timeout),
    }
}

/// `send_on` out of line, for elements over 8 bytes (see `recv_apart`).
///
/// # Safety
/// As `send_on`.
#[inline(never)]
unsafe fn send_apart<T: Elem>(
    c: &Chan<T>,
    elem: *const u8,
    size: usize,
    timeout_ns: u64,
) -> Result<(), Status> {
    // SAFETY: as the caller promises.
    unsafe { send_on(c, elem, size, timeout_ns) }
}

/// A send that waits at most `timeout`.
#[inline(never)]
fn send_timed<T: Elem>(c: &Chan<T>, value: T, timeout: Duration) -> Result<(), Status> {
    Ok(c.send_timeout(value, timeout)?)
}

/// `pc_chan_recv` once the element type is known: as `send_on`, a timed
/// wait in `recv_timed`.
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
    let value = match Wait::from_ns(timeout_ns) {
        Wait::Try => c.try_recv()?,
        Wait::Forever => c.recv()?,
        Wait::For(timeout) => recv_timed(c, timeout)?,
    };
    // SAFETY: `out` has room for the channel's `size` bytes (the caller's
    // promise).
    unsafe { value.write_to(out, size) };
    Ok(())
}

/// `recv_on` out of line, for elements over 8 bytes. Only the 8-byte
/// elements (integers, pointers) take the path inlined in the export: with
/// all nine paths inline (three element types, three ways to wait), the
/// export saved and restored six registers on every call, its fast path
/// included (callgrind, a timeout-0 send and receive of 8 bytes: 89
/// instructions of the binding's own per round before, 68 after; the core's
/// `Chan::try_send` and `try_recv` are calls here, not inlined).
///
/// # Safety
/// As `recv_on`.
#[inline(never)]
unsafe fn recv_apart<T: Elem>(
    c: &Chan<T>,
    out: *mut u8,
    size: usize,
    timeout_ns: u64,
) -> Result<(), Status> {
    // SAFETY: as the caller promises.
    unsafe { recv_on(c, out, size, timeout_ns) }
}

/// A receive that waits at most `timeout`.
#[inline(never)]
fn recv_timed<T: Elem>(c: &Chan<T>, timeout: Duration) -> Result<T, Status> {
    Ok(c.recv_timeout(timeout)?)
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
    boundary(|| {
        // SAFETY: `chan` is NULL or a live handle (the caller's promise).
        let ch = unsafe { handle(chan) }?;
        check_buf(elem, ch.elem_size)?;
        let (elem, size) = (elem.cast(), ch.elem_size);
        // SAFETY: `elem` is readable for the checked handle's `elem_size`
        // bytes (the caller's promise).
        unsafe {
            match &ch.chan {
                Erased::Word(c) => send_on(c, elem, size, timeout_ns),
                Erased::Pair(c) => send_apart(c, elem, size, timeout_ns),
                Erased::Heap(c) => send_apart(c, elem, size, timeout_ns),
            }
        }
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
    boundary(|| {
        // SAFETY: `chan` is NULL or a live handle (the caller's promise).
        let ch = unsafe { handle(chan) }?;
        check_buf(out, ch.elem_size)?;
        let (out, size) = (out.cast(), ch.elem_size);
        // SAFETY: `out` is writable for the checked handle's `elem_size`
        // bytes (the caller's promise).
        unsafe {
            match &ch.chan {
                Erased::Word(c) => recv_on(c, out, size, timeout_ns),
                Erased::Pair(c) => recv_apart(c, out, size, timeout_ns),
                Erased::Heap(c) => recv_apart(c, out, size, timeout_ns),
            }
        }
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
