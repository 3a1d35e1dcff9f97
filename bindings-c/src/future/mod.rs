//! `pc_future`: the core's `Future` of fixed-size values behind a handle,
//! waiting for it, and its failures as a code and a message. The
//! combinators are in `then.rs` (a C callback chained onto one future) and
//! `join.rs` (a future made of several).

use std::ffi::{c_char, c_void, CString};
use std::fmt;
use std::ptr;
use std::time::Duration;

use polyconc::exec::ShutDown;
use polyconc::future::{Failure, Future};

use crate::elem::{map_elem, with_elem, Elem, Erased, Family, Kind};
use crate::ffi::{self, handle, release_to, Out, Spare};
use crate::panic::boundary;
use crate::status::{
    pc_status, Status, PC_ALREADY_COMPLETED, PC_CANCELLED, PC_CLOSED, PC_EMPTY, PC_FAILED,
    PC_NO_MEMORY, PC_PANIC, PC_TIMEOUT,
};
use crate::wait::Wait;

mod fut;
mod join;
mod message;
mod then;

use fut::{Fut, Refs};
use message::Message;

pub use join::{
    pc_future_first_completed_of, pc_future_sequence, pc_future_sequence_take, pc_future_zip,
};
pub use then::{
    pc_complete_fn, pc_flat_map_fn, pc_future_flat_map, pc_future_map, pc_future_map_take,
    pc_future_on_complete, pc_future_recover, pc_future_spawn, pc_map_fn, pc_recover_fn,
    pc_spawn_fn,
};

/// The failure of a C promise or callback: a code and a message.
#[derive(Debug)]
struct CFailure {
    code: i32,
    message: String,
}

impl fmt::Display for CFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CFailure {}

/// A failure with `code` and `message` (a default one for `None`).
pub(crate) fn c_failure(code: i32, message: Option<&str>) -> Failure {
    let message = match message {
        Some(m) => m.to_owned(),
        None => format!("failed with code {code}"),
    };
    Failure::new(CFailure { code, message })
}

/// The code C sees for a failure: the caller's own, or the status of the
/// library's failures.
fn code_of(failure: &Failure) -> i32 {
    if let Some(c) = failure.downcast_ref::<CFailure>() {
        c.code
    } else if failure.is_cancelled() {
        PC_CANCELLED
    } else if failure.is_timeout() {
        PC_TIMEOUT
    } else if failure.downcast_ref::<ShutDown>().is_some() {
        PC_CLOSED
    } else {
        PC_PANIC
    }
}

/// A failure's message as a C string (interior NULs dropped).
fn c_message(failure: &Failure) -> CString {
    let text = failure.to_string().replace('\0', "");
    CString::new(text).unwrap_or_default()
}

/// The core's futures, as an element family.
pub(crate) struct Futures;

impl Family for Futures {
    type Of<T: Elem> = Future<T>;
}

type AnyFuture = Erased<Futures>;

/// A handle to a future value of `elem_size` bytes. Opaque; made by
/// `pc_promise_future`, `pc_future_spawn` and the combinators, released
/// with `pc_future_free`. Freeing a handle does not cancel the future.
pub struct pc_future {
    /// The future, of the element type `Kind::of` its size; the handle
    /// owns it.
    fut: Fut,
    /// The element size, and in the top bit (`HOUSED`; no element size
    /// has it, as no object is larger than `isize::MAX` bytes) whether
    /// this handle lives in its future's own allocation (housed by the
    /// core's `try_future_housed`, for `pc_future_spawn`) rather than in a
    /// box of its own. There the future it owns is the one that keeps the
    /// allocation alive: no second one beside it, which the task's
    /// allocation had before (callgrind, the comparison's F2: an
    /// allocation of 144 bytes, out of glibc's fast bins, then 120, 104
    /// with the flag in this word and no tag in `fut`).
    meta: usize,
    /// The failure's message, made on the first `pc_future_failure`; lives
    /// as long as this handle.
    message: Message,
}

/// `pc_future::meta`'s flag of a housed handle.
const HOUSED: usize = 1 << (usize::BITS - 1);

impl Drop for pc_future {
    fn drop(&mut self) {
        let kind = self.kind();
        // SAFETY: the member of the size's kind is the one written (see
        // `pc_future::new`), dropped once, here.
        unsafe { self.fut.drop_as(kind) }
    }
}

thread_local! {
    /// The thread's spare `pc_future` allocation (see `ffi::Spare`).
    static SPARE: Spare<pc_future> = const { Spare::new() };
}

impl pc_future {
    /// Gives C a handle to `fut`, of values of `elem_size` bytes, through
    /// `out` (in the thread's spare allocation, if it has one).
    pub(crate) fn hand_out(out: Out<*mut pc_future>, fut: AnyFuture, elem_size: usize) {
        out.write_handle_in(pc_future::new(fut, elem_size, 0), &SPARE);
    }

    /// A handle to `fut`, of `elem_size`-byte values, with the `flags` of
    /// `meta`.
    #[inline]
    fn new(fut: AnyFuture, elem_size: usize, flags: usize) -> pc_future {
        // Every future's element size is made by `Erased::new` (at most
        // `isize::MAX`), as the future is of its kind: what reading the
        // union by the size relies on, checked.
        assert!(
            elem_size & HOUSED == 0 && fut.kind() == Kind::of(elem_size),
            "a future of {elem_size}-byte values of another element type"
        );
        pc_future {
            fut: Fut::new(fut),
            meta: elem_size | flags,
            message: Message::new(),
        }
    }

    /// The size of the future's values.
    #[inline]
    pub(crate) fn elem_size(&self) -> usize {
        self.meta & !HOUSED
    }

    /// Whether the handle lives in its future's allocation.
    #[inline]
    fn housed(&self) -> bool {
        self.meta & HOUSED != 0
    }

    /// The element type of the future's values.
    #[inline]
    pub(crate) fn kind(&self) -> Kind {
        Kind::of(self.elem_size())
    }

    /// Gives C a handle to `fut` in place of the live handle `ptr`, which
    /// goes (as by `pc_future_free`): a boxed one's memory is reused where
    /// it is, with no trip through the thread's spare; for a housed one
    /// (whose memory is its future's) a handle is made as by `hand_out`.
    ///
    /// # Safety
    /// `ptr` is a live handle that nobody uses afterwards.
    pub(crate) unsafe fn pass_on(
        ptr: *mut pc_future,
        out: Out<*mut pc_future>,
        fut: AnyFuture,
        elem_size: usize,
    ) {
        // SAFETY: live (the caller's promise).
        if unsafe { (*ptr).housed() } {
            // SAFETY: live, used by nobody after this.
            unsafe { pc_future::free(ptr) };
            return pc_future::hand_out(out, fut, elem_size);
        }
        // SAFETY: a boxed handle, ours: the old one is dropped where it
        // is (its future and message), the new one written there.
        unsafe { *ptr = pc_future::new(fut, elem_size, 0) };
        out.write(ptr);
    }

    /// A handle to `fut` for its own allocation (`try_future_housed`'s
    /// room).
    pub(crate) fn housed_of<T: Elem>(fut: Future<T>, elem_size: usize) -> pc_future {
        pc_future::new(T::erase(fut), elem_size, HOUSED)
    }

    /// The future behind the handle.
    #[inline]
    pub(crate) fn fut(&self) -> Erased<Refs<'_>> {
        // SAFETY: the member of the size's kind is the one written (see
        // `pc_future::new`).
        unsafe { self.fut.get(self.kind()) }
    }

    /// Releases a handle of either kind; NULL does nothing.
    ///
    /// # Safety
    /// `ptr` is NULL or a live handle that nobody uses afterwards.
    pub(crate) unsafe fn free(ptr: *mut pc_future) {
        // SAFETY: NULL or live (the caller's promise).
        let Some(h) = (unsafe { ptr.as_ref() }) else {
            return;
        };
        if h.housed() {
            // SAFETY: live, used by nobody after this: moved out of its
            // memory first, then dropped, as `try_future_housed` asks (its
            // future keeps that memory alive, so dropped in place it could
            // free the memory under it).
            drop(unsafe { ptr.read() });
        } else {
            // SAFETY: a boxed handle, used by nobody after this. Its value
            // is dropped first: that may free other handles (a `ctx_free`
            // that does), which may fill the spare meanwhile.
            unsafe {
                ptr.drop_in_place();
                release_to(ptr, &SPARE);
            }
        }
    }

    /// Takes a live handle apart: its future (the reference the handle
    /// held, not a new one), if its elements are of type `T` and `size`
    /// bytes. The handle is gone either way (one of another type or size
    /// is freed). Typed, so that the future is moved once, as a
    /// `Future<T>` (taken as the enum of every element type, it went
    /// through the stack three times), and field by field: the future read
    /// out, the message dropped where it is (callgrind, the comparison's
    /// F2, instructions per handle in `pc_future_sequence_take`: 60, then
    /// 42 typed, 46 with the whole handle moved out first, 36 this way).
    ///
    /// # Safety
    /// `ptr` is a live handle that nobody uses afterwards.
    #[inline(always)]
    pub(crate) unsafe fn take_as<T: Elem>(ptr: *mut pc_future, size: usize) -> Option<Future<T>> {
        // SAFETY: live (the caller's promise).
        let h = unsafe { &*ptr };
        let housed = h.housed();
        let fut = match T::pick(&h.fut()) {
            Some(&fut) if h.elem_size() == size => fut,
            _ => {
                // SAFETY: live, used by nobody after this.
                unsafe { pc_future::free(ptr) };
                return None;
            }
        };
        // SAFETY: the future is moved out once, and the rest of the handle
        // goes without it: its message dropped in place, a boxed handle's
        // memory released (a housed one's is its future's, which the
        // future moved out keeps alive). Nobody uses the handle after this.
        unsafe {
            let fut = ptr::read(fut);
            ptr::addr_of_mut!((*ptr).message).drop_in_place();
            if !housed {
                release_to(ptr, &SPARE);
            }
            Some(fut)
        }
    }
}

/// The output of a callback that writes `size` bytes: the element, or the
/// failure its code (or a failed allocation) makes.
fn written<S: Elem>(size: S::Size, write: impl FnOnce(*mut u8) -> i32) -> Result<S, Failure> {
    let mut out = S::zeroed(size).map_err(|_| c_failure(PC_NO_MEMORY, None))?;
    match write(out.bytes_mut()) {
        0 => Ok(out),
        code => Err(c_failure(code, None)),
    }
}

/// An output of `size` bytes that the library writes whole itself (a
/// sequence's or a zip's values), in memory not zeroed first; its failure
/// only that of the allocation.
///
/// # Safety
/// `fill` writes every one of the `size` bytes.
unsafe fn filled<S: Elem>(size: S::Size, fill: impl FnOnce(*mut u8)) -> Result<S, Failure> {
    // SAFETY: as the caller promises.
    unsafe { S::filled(size, fill) }.map_err(|_| c_failure(PC_NO_MEMORY, None))
}

/// Releases a future handle; NULL does nothing. The future itself goes on
/// (its callbacks still run).
///
/// # Safety
/// `future` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_future_free(future: *mut pc_future) {
    // SAFETY: `future` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { pc_future::free(future) })
}

/// Writes to `*out` another handle to the same future.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `future` or `out` is NULL.
///
/// # Safety
/// `future` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_future_clone(
    future: *const pc_future,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        // SAFETY: `future` is NULL or a live handle (the caller's promise).
        let f = unsafe { handle(future) }?;
        // SAFETY: `out` is NULL or writable (the caller's promise).
        let out = unsafe { ffi::out(out) }?;
        pc_future::hand_out(out, map_elem!(f.fut(), f => f.clone()), f.elem_size());
        Ok(())
    })
}

/// The element size of the future's value; 0 for NULL.
///
/// # Safety
/// `future` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_future_elem_size(future: *const pc_future) -> usize {
    // SAFETY: `future` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(future) }?.elem_size()))
}

/// Whether the future is completed (with a value or a failure); false for
/// NULL.
///
/// # Safety
/// `future` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_future_is_completed(future: *const pc_future) -> bool {
    // SAFETY: `future` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(with_elem!(unsafe { handle(future) }?.fut(), f => f.is_completed())))
}

/// Waits until the future is completed, then copies its value to `out`
/// (`elem_size` bytes; NULL to only wait). `timeout_ns` 0 only looks,
/// `PC_FOREVER` waits as long as it takes, any other value at most that
/// many nanoseconds. On a worker of a polyconc pool the wait counts as
/// blocking: the pool runs a spare thread meanwhile.
///
/// Returns `PC_OK` with the value written; `PC_FAILED` if the future failed
/// (`pc_future_failure` gives the code and message); `PC_CANCELLED` if it
/// was cancelled; `PC_TIMEOUT` if it was not completed in time;
/// `PC_INVALID_ARG` for NULL `future`.
///
/// # Safety
/// `future` is NULL or a live handle; `out` is NULL or writable for
/// `elem_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn pc_future_wait(
    future: *const pc_future,
    out: *mut c_void,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `future` is NULL or a live handle (the caller's promise).
        let h = unsafe { handle(future) }?;
        with_elem!(h.fut(), f => {
            let timeout = match Wait::from_ns(timeout_ns) {
                Wait::Try => Duration::ZERO,
                Wait::Forever => Duration::MAX,
                Wait::For(t) => t,
            };
            if f.ready(timeout).is_err() && !f.is_completed() {
                return Err(Status::of(PC_TIMEOUT));
            }
            match f.value() {
                Some(Ok(v)) => {
                    if !out.is_null() {
                        // SAFETY: `out` has room for `elem_size` bytes (the
                        // caller's promise).
                        unsafe { v.write_to(out.cast(), h.elem_size()) };
                    }
                    Ok(())
                }
                Some(Err(e)) if e.is_cancelled() => Err(Status::of(PC_CANCELLED)),
                _ => Err(Status::of(PC_FAILED)),
            }
        })
    })
}

/// Reads why a failed future failed: writes its code to `*code` and a
/// pointer to its message to `*message` (NUL-terminated, valid until this
/// handle is freed; either pointer may be NULL). The code is the one given
/// to `pc_promise_failure` or returned by a callback; the library's own
/// failures have `PC_CANCELLED` (cancelled), `PC_TIMEOUT`
/// (`pc_future_or_timeout`), `PC_CLOSED` (its executor was shut down),
/// `PC_NO_MEMORY` and `PC_PANIC`.
///
/// Returns `PC_OK`; `PC_EMPTY` if the future has not failed (pending, or
/// succeeded); `PC_INVALID_ARG` for NULL `future`.
///
/// # Safety
/// `future` is NULL or a live handle; `code` and `message` are NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn pc_future_failure(
    future: *const pc_future,
    code: *mut i32,
    message: *mut *const c_char,
) -> pc_status {
    boundary(|| {
        // SAFETY: `future` is NULL or a live handle (the caller's promise).
        let h = unsafe { handle(future) }?;
        let failure = with_elem!(h.fut(), f => match f.value() {
            Some(Err(e)) => e.clone(),
            _ => return Err(Status::of(PC_EMPTY)),
        });
        // SAFETY: `code` is NULL or writable (the caller's promise).
        if let Ok(code) = unsafe { ffi::out(code) } {
            code.write(code_of(&failure));
        }
        // SAFETY: `message` is NULL or writable (the caller's promise).
        if let Ok(message) = unsafe { ffi::out(message) } {
            message.write(h.message.get_or_make(|| c_message(&failure)));
        }
        Ok(())
    })
}

/// Cancels the future if it is not completed: it fails with
/// `PC_CANCELLED`, and so do the combinators waiting for it (whose
/// callbacks then never run; their contexts are freed).
///
/// Returns `PC_OK` if this call cancelled it; `PC_ALREADY_COMPLETED` if it
/// was completed before; `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `future` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_future_cancel(future: *const pc_future) -> pc_status {
    boundary(|| {
        // SAFETY: `future` is NULL or a live handle (the caller's promise).
        if with_elem!(unsafe { handle(future) }?.fut(), f => f.cancel()) {
            Ok(())
        } else {
            Err(Status::of(PC_ALREADY_COMPLETED))
        }
    })
}

/// Fails the future with code `PC_TIMEOUT` unless it completes within
/// `timeout_ns` nanoseconds (kept by the core's timer thread).
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `future` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_future_or_timeout(
    future: *const pc_future,
    timeout_ns: u64,
) -> pc_status {
    boundary(|| {
        // SAFETY: `future` is NULL or a live handle (the caller's promise).
        with_elem!(unsafe { handle(future) }?.fut(), f => {
            f.or_timeout(Duration::from_nanos(timeout_ns));
        });
        Ok(())
    })
}
