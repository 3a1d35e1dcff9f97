//! `pc_future`: the core's `Future` of fixed-size values, its failures as
//! a code and a message, and its combinators with C callbacks. Each
//! combinator is one core combinator whose closure calls the C function;
//! the closure owns the callback's context, so `ctx_free` runs exactly
//! once, when the core drops the closure (run or not).

use std::ffi::{c_char, c_void, CString};
use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use polyconc::exec::{parasitic, ShutDown};
use polyconc::future::{first_completed_of, sequence, Failure, Future};

use crate::callback::{pc_free_fn, Ctx};
use crate::elem::{map_elem, with_elem, Build, Elem, Erased, Family};
use crate::exec::{pc_executor, Executor};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{
    pc_status, Status, PC_ALREADY_COMPLETED, PC_CANCELLED, PC_CLOSED, PC_EMPTY, PC_FAILED,
    PC_INVALID_ARG, PC_NO_MEMORY, PC_PANIC, PC_TIMEOUT,
};
use crate::wait::Wait;

/// Called once when a future completes (`pc_future_on_complete`): with a
/// pointer to the value and `code` 0 on success; with `value` NULL, the
/// failure's code and its message (valid during the call) on failure.
pub type pc_complete_fn = Option<
    unsafe extern "C" fn(value: *const c_void, code: i32, message: *const c_char, ctx: *mut c_void),
>;

/// Computes a value into `out` (`out_elem_size` bytes, zeroed) from the
/// value at `value` (`pc_future_map`). Returns 0, or a code that fails the
/// resulting future with that code.
pub type pc_map_fn =
    Option<unsafe extern "C" fn(value: *const c_void, out: *mut c_void, ctx: *mut c_void) -> i32>;

/// Computes a value into `out` (`elem_size` bytes, zeroed) from nothing
/// (`pc_future_spawn`). Returns 0, or a code that fails the future.
pub type pc_spawn_fn = Option<unsafe extern "C" fn(out: *mut c_void, ctx: *mut c_void) -> i32>;

/// Makes the next future from the value at `value` (`pc_future_flat_map`):
/// returns 0 and writes a future handle to `*out`, which the library takes
/// over (and frees); or returns a code that fails the result with it.
pub type pc_flat_map_fn = Option<
    unsafe extern "C" fn(value: *const c_void, out: *mut *mut pc_future, ctx: *mut c_void) -> i32,
>;

/// Handles a failure (`pc_future_recover`): returns 0 with a value written
/// to `out` (the future's `elem_size` bytes, zeroed) to succeed with it;
/// returns `code` itself to keep the failure as it is; any other code fails
/// the result with that code.
pub type pc_recover_fn = Option<
    unsafe extern "C" fn(
        code: i32,
        message: *const c_char,
        out: *mut c_void,
        ctx: *mut c_void,
    ) -> i32,
>;

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
    fut: AnyFuture,
    elem_size: usize,
    /// The failure's message, made on the first `pc_future_failure`; lives
    /// as long as this handle.
    message: OnceLock<CString>,
}

impl pc_future {
    pub(crate) fn new(fut: AnyFuture, elem_size: usize) -> pc_future {
        pc_future {
            fut,
            elem_size,
            message: OnceLock::new(),
        }
    }
}

/// The output of a callback that writes `size` bytes: the element, or the
/// failure its code (or a failed allocation) makes.
fn written<S: Elem>(size: usize, write: impl FnOnce(*mut u8) -> i32) -> Result<S, Failure> {
    let mut out = S::zeroed(size).map_err(|_| c_failure(PC_NO_MEMORY, None))?;
    match write(out.bytes_mut()) {
        0 => Ok(out),
        code => Err(c_failure(code, None)),
    }
}

/// The bytes of `parts`, one after the other, as one element.
fn concat<S: Elem>(
    size: usize,
    parts: impl Iterator<Item = (*const u8, usize)>,
) -> Result<S, Failure> {
    written(size, |mut dst| {
        for (src, n) in parts {
            // SAFETY: the parts add up to `size` bytes, the room written.
            unsafe {
                std::ptr::copy_nonoverlapping(src, dst, n);
                dst = dst.add(n);
            }
        }
        0
    })
}

/// A C function pointer with its context, moved into a core closure.
struct Callback<F> {
    f: F,
    ctx: Ctx,
}

/// `pc_future_map`'s combinator, for any output type.
struct Map<'a, T> {
    up: &'a Future<T>,
    ec: &'a Executor,
    out_size: usize,
    call: Callback<unsafe extern "C" fn(*const c_void, *mut c_void, *mut c_void) -> i32>,
}

impl<T: Elem> Build<Futures> for Map<'_, T> {
    fn build<S: Elem>(self) -> Result<Future<S>, Status> {
        let (size, call) = (self.out_size, self.call);
        Ok(self.up.transform(self.ec, move |r| {
            let v = r.as_ref().map_err(Failure::clone)?;
            // SAFETY: the caller gave the function for its context; the
            // value's bytes and the output's room live for the call.
            written(size, |out| unsafe {
                (call.f)(v.bytes().cast(), out.cast(), call.ctx.ptr())
            })
        }))
    }
}

/// `pc_future_spawn`'s future, for any output type.
struct Spawn<'a> {
    ec: &'a Executor,
    size: usize,
    call: Callback<unsafe extern "C" fn(*mut c_void, *mut c_void) -> i32>,
}

impl Build<Futures> for Spawn<'_> {
    fn build<S: Elem>(self) -> Result<Future<S>, Status> {
        let (size, call) = (self.size, self.call);
        Ok(Future::unit().transform(self.ec, move |_| {
            // SAFETY: as in `Map`.
            written(size, |out| unsafe { (call.f)(out.cast(), call.ctx.ptr()) })
        }))
    }
}

/// `pc_future_flat_map`'s combinator, for any output type.
struct FlatMap<'a, T> {
    up: &'a Future<T>,
    ec: &'a Executor,
    out_size: usize,
    call: Callback<unsafe extern "C" fn(*const c_void, *mut *mut pc_future, *mut c_void) -> i32>,
}

impl<T: Elem> Build<Futures> for FlatMap<'_, T> {
    fn build<S: Elem>(self) -> Result<Future<S>, Status> {
        let (size, call) = (self.out_size, self.call);
        Ok(self.up.flat_map(self.ec, move |v| {
            let mut next: *mut pc_future = std::ptr::null_mut();
            // SAFETY: as in `Map`; `next` is ours to write.
            let code = unsafe { (call.f)(v.bytes().cast(), &mut next, call.ctx.ptr()) };
            if code != 0 {
                return Future::failed(c_failure(code, None));
            }
            if next.is_null() {
                return Future::failed(c_failure(PC_INVALID_ARG, Some("flat_map: no future")));
            }
            // SAFETY: the callback handed the handle over.
            let next = unsafe { Box::from_raw(next) };
            match S::pick(&next.fut) {
                Some(f) if next.elem_size == size => f.clone(),
                _ => Future::failed(c_failure(
                    PC_INVALID_ARG,
                    Some("flat_map: the future has another element size"),
                )),
            }
        }))
    }
}

/// The futures behind `n` handles, all of element type `T`, the type of
/// `_first`'s (the first of them).
///
/// # Safety
/// `futures` is readable for `n` pointers, each NULL or a live handle.
unsafe fn all_of<T: Elem>(
    _first: &Future<T>,
    futures: *const *const pc_future,
    n: usize,
    elem_size: usize,
) -> Result<Vec<Future<T>>, Status> {
    let handles = if n == 0 {
        &[][..]
    } else {
        std::slice::from_raw_parts(futures, n)
    };
    handles
        .iter()
        .map(|&h| {
            let f = handle(h)?;
            match T::pick(&f.fut) {
                Some(fut) if f.elem_size == elem_size => Ok(fut.clone()),
                _ => Err(Status::of(PC_INVALID_ARG)),
            }
        })
        .collect()
}

/// `pc_future_sequence`'s result: the values' bytes, one after the other.
struct Sequence<T> {
    all: Future<Vec<T>>,
    elem_size: usize,
    n: usize,
}

impl<T: Elem> Build<Futures> for Sequence<T> {
    fn build<S: Elem>(self) -> Result<Future<S>, Status> {
        let (size, n) = (self.elem_size, self.n);
        Ok(self.all.transform(&parasitic(), move |r| {
            let values = r.as_ref().map_err(Failure::clone)?;
            concat(size * n, values.iter().map(|v| (v.bytes(), size)))
        }))
    }
}

/// `pc_future_zip`'s result: both values' bytes, the first's first.
struct Zip<T, U> {
    pair: Future<(T, U)>,
    sizes: (usize, usize),
}

impl<T: Elem, U: Elem> Build<Futures> for Zip<T, U> {
    fn build<S: Elem>(self) -> Result<Future<S>, Status> {
        let (a, b) = self.sizes;
        Ok(self.pair.transform(&parasitic(), move |r| {
            let (x, y) = r.as_ref().map_err(Failure::clone)?;
            concat(a + b, [(x.bytes(), a), (y.bytes(), b)].into_iter())
        }))
    }
}

/// The callback of a combinator: `Some` for a function, else `PC_INVALID_ARG`.
fn callback<F>(f: Option<F>, ctx: Ctx) -> Result<Callback<F>, Status> {
    Ok(Callback {
        f: f.ok_or(Status::of(PC_INVALID_ARG))?,
        ctx,
    })
}

/// The checked arguments of a combinator that chains a callback onto a
/// future (`pc_future_map`, `pc_future_flat_map`, `pc_future_recover`).
struct Chain<'a, F> {
    f: &'a pc_future,
    ec: &'a Executor,
    call: Callback<F>,
    out: ffi::Out<*mut pc_future>,
}

/// Checks a chaining combinator's arguments. The context is taken over
/// first, so that it is freed on any error.
///
/// # Safety
/// As `pc_future_map`.
unsafe fn chain<'a, F>(
    future: *const pc_future,
    executor: *const pc_executor,
    r#fn: Option<F>,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    out: *mut *mut pc_future,
) -> Result<Chain<'a, F>, Status> {
    let ctx = Ctx::new(ctx, ctx_free);
    let (f, ec, out) = (handle(future)?, &handle(executor)?.ec, ffi::out(out)?);
    Ok(Chain {
        f,
        ec,
        call: callback(r#fn, ctx)?,
        out,
    })
}

/// Releases a future handle; NULL does nothing. The future itself goes on
/// (its callbacks still run).
///
/// # Safety
/// `future` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_future_free(future: *mut pc_future) {
    boundary(|| free_handle(future))
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
        let f = handle(future)?;
        let out = ffi::out(out)?;
        out.write_handle(pc_future::new(
            map_elem!(&f.fut, f => f.clone()),
            f.elem_size,
        ));
        Ok(())
    })
}

/// The element size of the future's value; 0 for NULL.
///
/// # Safety
/// `future` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_future_elem_size(future: *const pc_future) -> usize {
    boundary(|| Ok(handle(future)?.elem_size))
}

/// Whether the future is completed (with a value or a failure); false for
/// NULL.
///
/// # Safety
/// `future` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_future_is_completed(future: *const pc_future) -> bool {
    boundary(|| Ok(with_elem!(&handle(future)?.fut, f => f.is_completed())))
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
        let h = handle(future)?;
        with_elem!(&h.fut, f => {
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
                        v.write_to(out.cast(), h.elem_size);
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
        let h = handle(future)?;
        let failure = with_elem!(&h.fut, f => match f.value() {
            Some(Err(e)) => e.clone(),
            _ => return Err(Status::of(PC_EMPTY)),
        });
        if let Ok(code) = ffi::out(code) {
            code.write(code_of(&failure));
        }
        if let Ok(message) = ffi::out(message) {
            message.write(h.message.get_or_init(|| c_message(&failure)).as_ptr());
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
        if with_elem!(&handle(future)?.fut, f => f.cancel()) {
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
        with_elem!(&handle(future)?.fut, f => {
            f.or_timeout(Duration::from_nanos(timeout_ns));
        });
        Ok(())
    })
}

/// Calls `fn(value, code, message, ctx)` once the future is completed, as
/// a task on `executor` (see `pc_complete_fn`); then, on the same thread,
/// `ctx_free(ctx)` (if not NULL). If this call fails, `ctx_free` is called
/// before it returns; if the executor refuses the task (shut down), on the
/// completing thread, without `fn`.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `future`, `executor` or `fn` is
/// NULL.
///
/// # Safety
/// `future` and `executor` are NULL or live handles; `fn` and `ctx_free`
/// may be called on another thread with `ctx`.
#[no_mangle]
pub unsafe extern "C" fn pc_future_on_complete(
    future: *const pc_future,
    executor: *const pc_executor,
    r#fn: pc_complete_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
) -> pc_status {
    boundary(|| {
        let call = Ctx::new(ctx, ctx_free);
        let (f, ec) = (handle(future)?, &handle(executor)?.ec);
        let call = callback(r#fn, call)?;
        with_elem!(&f.fut, fut => fut.on_complete(ec, move |r| {
            match r {
                // SAFETY: the caller gave the function for its context; the
                // value's bytes live for the call.
                Ok(v) => unsafe { (call.f)(v.bytes().cast(), 0, std::ptr::null(), call.ctx.ptr()) },
                Err(e) => {
                    let message = c_message(e);
                    // SAFETY: as above; the message lives for the call.
                    unsafe { (call.f)(std::ptr::null(), code_of(e), message.as_ptr(), call.ctx.ptr()) }
                }
            }
        }));
        Ok(())
    })
}

/// A future of `fn(value, out, ctx)` applied to this future's value, run
/// as a task on `executor` once it succeeds, with an output of
/// `out_elem_size` bytes; a failure passes through (without calling `fn`).
/// `fn` returning non-zero fails the result with that code. `ctx_free` as
/// for `pc_future_on_complete`. Writes the new future's handle to `*out`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `future`, `executor`, `fn` or
/// `out` is NULL, or `out_elem_size` is larger than any object can be.
///
/// # Safety
/// As `pc_future_on_complete`; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_future_map(
    future: *const pc_future,
    executor: *const pc_executor,
    out_elem_size: usize,
    r#fn: pc_map_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let Chain { f, ec, call, out } = chain(future, executor, r#fn, ctx, ctx_free, out)?;
        let next = with_elem!(&f.fut, up => AnyFuture::new(out_elem_size, Map { up, ec, out_size: out_elem_size, call })?);
        out.write_handle(pc_future::new(next, out_elem_size));
        Ok(())
    })
}

/// A future of the future `fn(value, &next, ctx)` hands back for this
/// future's value (run on `executor` once it succeeds; the library takes
/// over `next`, which must have `out_elem_size`-byte values, else the
/// result fails with code `PC_INVALID_ARG`). A failure passes through;
/// `fn` returning non-zero fails the result with that code. `ctx_free` as
/// for `pc_future_on_complete`.
///
/// Returns as `pc_future_map`.
///
/// # Safety
/// As `pc_future_map`.
#[no_mangle]
pub unsafe extern "C" fn pc_future_flat_map(
    future: *const pc_future,
    executor: *const pc_executor,
    out_elem_size: usize,
    r#fn: pc_flat_map_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let Chain { f, ec, call, out } = chain(future, executor, r#fn, ctx, ctx_free, out)?;
        let next = with_elem!(&f.fut, up => AnyFuture::new(out_elem_size, FlatMap { up, ec, out_size: out_elem_size, call })?);
        out.write_handle(pc_future::new(next, out_elem_size));
        Ok(())
    })
}

/// A future of this future's value; if it fails, `fn(code, message, out,
/// ctx)` runs on `executor` and decides (see `pc_recover_fn`). A success
/// passes through without calling `fn`. `ctx_free` as for
/// `pc_future_on_complete`.
///
/// Returns as `pc_future_map`.
///
/// # Safety
/// As `pc_future_map`.
#[no_mangle]
pub unsafe extern "C" fn pc_future_recover(
    future: *const pc_future,
    executor: *const pc_executor,
    r#fn: pc_recover_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let Chain { f, ec, call, out } = chain(future, executor, r#fn, ctx, ctx_free, out)?;
        let size = f.elem_size;
        let next = map_elem!(&f.fut, up => up.recover_with(ec, move |e| {
            let (code, message) = (code_of(e), c_message(e));
            let mut returned = 0;
            let value = written(size, |out| {
                // SAFETY: as in `Map`.
                returned = unsafe { (call.f)(code, message.as_ptr(), out.cast(), call.ctx.ptr()) };
                returned
            });
            match value {
                Ok(v) => Some(Future::successful(v)),
                // The failure's own code: it stays as it is.
                Err(_) if returned == code => None,
                Err(failure) => Some(Future::failed(failure)),
            }
        }));
        out.write_handle(pc_future::new(next, size));
        Ok(())
    })
}

/// A future of both values, `a`'s bytes then `b`'s (`elem_size` of `a`
/// plus that of `b`); it fails as soon as either does, with that failure.
/// Writes the new future's handle to `*out`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if any argument is NULL.
///
/// # Safety
/// `a` and `b` are NULL or live handles; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_future_zip(
    a: *const pc_future,
    b: *const pc_future,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let (a, b, out) = (handle(a)?, handle(b)?, ffi::out(out)?);
        let sizes = (a.elem_size, b.elem_size);
        let size = sizes.0 + sizes.1;
        let next = with_elem!(&a.fut, x => with_elem!(&b.fut, y => AnyFuture::new(size, Zip { pair: x.zip(y), sizes })?));
        out.write_handle(pc_future::new(next, size));
        Ok(())
    })
}

/// A future of all `n` futures' values, in order, one after the other
/// (`n * elem_size` bytes); all must have the same `elem_size`. It fails as
/// soon as one of them does, with that failure. For `n` 0 it is a
/// completed future of 0 bytes.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `out`, `futures` (with `n` > 0) or
/// one of them is NULL, or their element sizes differ.
///
/// # Safety
/// `futures` is NULL or readable for `n` pointers, each NULL or a live
/// handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_future_sequence(
    futures: *const *const pc_future,
    n: usize,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let out = ffi::out(out)?;
        let first = first_of(futures, n)?;
        let size = first.map_or(0, |f| f.elem_size);
        let total = size.checked_mul(n).ok_or(Status::of(PC_INVALID_ARG))?;
        let next = match first {
            None => Erased::Word(Future::successful(0)),
            Some(f) => with_elem!(&f.fut, x => {
                let all = sequence(&parasitic(), all_of(x, futures, n, size)?);
                AnyFuture::new(total, Sequence { all, elem_size: size, n })?
            }),
        };
        out.write_handle(pc_future::new(next, total));
        Ok(())
    })
}

/// A future of the result of whichever of the `n` futures completes first
/// (all of the same `elem_size`); for `n` 0 it never completes.
///
/// Returns as `pc_future_sequence`.
///
/// # Safety
/// As `pc_future_sequence`.
#[no_mangle]
pub unsafe extern "C" fn pc_future_first_completed_of(
    futures: *const *const pc_future,
    n: usize,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let out = ffi::out(out)?;
        let first = first_of(futures, n)?;
        let size = first.map_or(0, |f| f.elem_size);
        let next = match first {
            None => Erased::Word(Future::never()),
            Some(f) => map_elem!(&f.fut, x => first_completed_of(all_of(x, futures, n, size)?)),
        };
        out.write_handle(pc_future::new(next, size));
        Ok(())
    })
}

/// The first of `n` handles, checked; `None` for `n` 0.
///
/// # Safety
/// As `pc_future_sequence`.
unsafe fn first_of<'a>(
    futures: *const *const pc_future,
    n: usize,
) -> Result<Option<&'a pc_future>, Status> {
    if n == 0 {
        return Ok(None);
    }
    if futures.is_null() {
        return Err(Status::of(PC_INVALID_ARG));
    }
    Ok(Some(handle(*futures)?))
}

/// Scala's `Future.apply`: runs `fn(out, ctx)` as a task on `executor` and
/// completes the new future with the `elem_size` bytes it wrote, or fails
/// it with the non-zero code it returned. `ctx_free` as for
/// `pc_future_on_complete`. Writes the future's handle to `*out`.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `executor`, `fn` or `out` is NULL,
/// or `elem_size` is larger than any object can be.
///
/// # Safety
/// `executor` is NULL or a live handle; `out` is NULL or writable; `fn`
/// and `ctx_free` may be called on another thread with `ctx`.
#[no_mangle]
pub unsafe extern "C" fn pc_future_spawn(
    executor: *const pc_executor,
    elem_size: usize,
    r#fn: pc_spawn_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let ctx = Ctx::new(ctx, ctx_free);
        let (ec, out) = (&handle(executor)?.ec, ffi::out(out)?);
        let call = callback(r#fn, ctx)?;
        let fut = AnyFuture::new(
            elem_size,
            Spawn {
                ec,
                size: elem_size,
                call,
            },
        )?;
        out.write_handle(pc_future::new(fut, elem_size));
        Ok(())
    })
}
