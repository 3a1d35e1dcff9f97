//! The combinators that chain a C callback onto a future: each is one core
//! combinator whose closure calls the C function. The closure owns the
//! callback's context, so `ctx_free` runs exactly once, when the core drops
//! the closure (run or not). `pc_future_map` and `pc_future_flat_map`
//! differ only in how the callback's result becomes the next future (a
//! [`Step`]); the rest is [`chained`].

use std::ffi::{c_char, c_void};
use std::ptr::NonNull;

use polyconc::future::{try_future_housed, Failure, Future};

use super::{c_failure, c_message, code_of, pc_future, written, AnyFuture, Futures};
use crate::callback::{pc_free_fn, Ctx};
use crate::elem::{map_elem, with_elem, Build, Elem, Erased, Family};
use crate::exec::{pc_executor, Executor};
use crate::ffi::{self, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_INVALID_ARG};

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

/// A C function pointer with its context, moved into a core closure.
struct Callback<F> {
    f: F,
    ctx: Ctx,
}

/// How a chaining combinator makes the next future once `up` succeeds.
trait Step {
    /// The C callback's type (checked not NULL).
    type Fn: Send + Sync + 'static;

    /// The next future, of values `S` of `size` bytes.
    fn next<T: Elem, S: Elem>(
        up: &Future<T>,
        ec: &Executor,
        size: usize,
        call: Callback<Self::Fn>,
    ) -> Future<S>;
}

/// `pc_future_map`: the callback writes the next value.
enum Map {}

impl Step for Map {
    type Fn = unsafe extern "C" fn(*const c_void, *mut c_void, *mut c_void) -> i32;

    fn next<T: Elem, S: Elem>(
        up: &Future<T>,
        ec: &Executor,
        size: usize,
        call: Callback<Self::Fn>,
    ) -> Future<S> {
        let size = S::size(size);
        up.transform(ec, move |r| {
            let v = r.as_ref().map_err(Failure::clone)?;
            // SAFETY: the caller gave the function for its context; the
            // value's bytes and the output's room live for the call.
            written(size, |out| unsafe {
                (call.f)(v.bytes().cast(), out.cast(), call.ctx.ptr())
            })
        })
    }
}

/// `pc_future_flat_map`: the callback hands back the next future.
enum FlatMap {}

impl Step for FlatMap {
    type Fn = unsafe extern "C" fn(*const c_void, *mut *mut pc_future, *mut c_void) -> i32;

    fn next<T: Elem, S: Elem>(
        up: &Future<T>,
        ec: &Executor,
        size: usize,
        call: Callback<Self::Fn>,
    ) -> Future<S> {
        up.flat_map(ec, move |v| {
            let mut next: *mut pc_future = std::ptr::null_mut();
            // SAFETY: as in `Map`; `next` is ours to write.
            let code = unsafe { (call.f)(v.bytes().cast(), &mut next, call.ctx.ptr()) };
            if code != 0 {
                return Future::failed(c_failure(code, None));
            }
            if next.is_null() {
                return Future::failed(c_failure(PC_INVALID_ARG, Some("flat_map: no future")));
            }
            // SAFETY: the callback handed the handle over: live, and ours;
            // its own reference to the future is adopted, not a new one.
            match unsafe { pc_future::take_as::<S>(next, size) } {
                Some(f) => f,
                None => Future::failed(c_failure(
                    PC_INVALID_ARG,
                    Some("flat_map: the future has another element size"),
                )),
            }
        })
    }
}

/// Step `K` on `up`, for whichever output type the size calls for.
struct Chained<'a, T, K: Step> {
    up: &'a Future<T>,
    ec: &'a Executor,
    size: usize,
    call: Callback<K::Fn>,
}

impl<T: Elem, K: Step> Build<Futures> for Chained<'_, T, K> {
    fn build<S: Elem>(self) -> Result<Future<S>, Status> {
        Ok(K::next(self.up, self.ec, self.size, self.call))
    }
}

/// `pc_future_spawn`'s future, for any output type.
struct Spawn<'a> {
    ec: &'a Executor,
    size: usize,
    call: Callback<unsafe extern "C" fn(*mut c_void, *mut c_void) -> i32>,
}

/// The handles `pc_future_spawn` makes, for every element type: each in
/// its future's own allocation (the core's `try_future_housed`).
pub(super) struct Houses;

impl Family for Houses {
    type Of<T: Elem> = NonNull<pc_future>;
}

impl Build<Houses> for Spawn<'_> {
    fn build<S: Elem>(self) -> Result<NonNull<pc_future>, Status> {
        let (size, Callback { f, ctx }, elem_size) = (S::size(self.size), self.call, self.size);
        let house = |fut| pc_future::housed_of::<S>(fut, elem_size);
        // The core's one-allocation task (closure and promise together),
        // not a `transform` of `Future::unit()`: every such job would count
        // the one shared unit future up and down from every thread. The
        // handle is housed in that allocation too: a task whose handle C
        // keeps (F2 keeps all of them) is one allocation, not two (the
        // comparison's F2: 2.02 allocations per task before, 1.02 after,
        // Rust's 1.02; callgrind, 1,715 instructions per task before, 1,319
        // after, Rust's 953).
        // A context without `ctx_free` (F2's task number) is kept bare:
        // the task then has nothing to drop but its promise, so neither
        // its run nor its drop tests for a `ctx_free` (callgrind, the
        // comparison's F2, instructions per task: the task's run 52 before,
        // 42 after, its drop 11 before, 2 after).
        Ok(match ctx.into_bare() {
            Ok(ctx) => try_future_housed(
                self.ec,
                // SAFETY: as in `Map`.
                move || written(size, |out| unsafe { f(out.cast(), ctx.ptr()) }),
                house,
            ),
            Err(ctx) => try_future_housed(
                self.ec,
                // SAFETY: as in `Map`.
                move || written(size, |out| unsafe { f(out.cast(), ctx.ptr()) }),
                house,
            ),
        })
    }
}

/// `size` as the [`Elem::Size`] of `up`'s values.
fn values_of<T: Elem>(_up: &Future<T>, size: usize) -> T::Size {
    T::size(size)
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
    // SAFETY: `future` and `executor` are NULL or live handles, `out` is
    // NULL or writable (the caller's promise).
    let (f, ec, out) = unsafe { (handle(future)?, &handle(executor)?.ec, ffi::out(out)?) };
    Ok(Chain {
        f,
        ec,
        call: callback(r#fn, ctx)?,
        out,
    })
}

/// `pc_future_map` and `pc_future_flat_map`: step `K` chained onto
/// `future`, with values of `size` bytes, its handle written to `*out`;
/// with `take`, `pc_future_map_take`: the handle `future` is taken over
/// (freed on every path, its memory reused for the result's handle).
///
/// # Safety
/// As `pc_future_map`; with `take`, as `pc_future_map_take`.
#[allow(clippy::too_many_arguments)]
unsafe fn chained<K: Step>(
    future: *mut pc_future,
    executor: *const pc_executor,
    size: usize,
    r#fn: Option<K::Fn>,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    out: *mut *mut pc_future,
    take: bool,
) -> Result<(), Status> {
    // SAFETY: the pointers are as `pc_future_map` says (the caller's promise).
    let made = unsafe { chain(future, executor, r#fn, ctx, ctx_free, out) }.and_then(
        |Chain { f, ec, call, out }| {
            let next = with_elem!(f.fut(), up => AnyFuture::new(size, Chained::<_, K> { up, ec, size, call })?);
            Ok((next, out))
        },
    );
    match made {
        // SAFETY: live and ours to take over (the caller's promise); its
        // borrow above is over.
        Ok((next, out)) if take => unsafe { pc_future::pass_on(future, out, next, size) },
        Ok((next, out)) => pc_future::hand_out(out, next, size),
        Err(e) => {
            if take {
                // SAFETY: NULL or live, and ours (the caller's promise).
                unsafe { pc_future::free(future) };
            }
            return Err(e);
        }
    }
    Ok(())
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
        // SAFETY: `future` and `executor` are NULL or live handles (the
        // caller's promise).
        let (f, ec) = unsafe { (handle(future)?, &handle(executor)?.ec) };
        let call = callback(r#fn, call)?;
        with_elem!(f.fut(), fut => fut.on_complete(ec, move |r| {
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
    // SAFETY: the pointers are as documented (the caller's promise).
    boundary(|| unsafe {
        chained::<Map>(
            future.cast_mut(),
            executor,
            out_elem_size,
            r#fn,
            ctx,
            ctx_free,
            out,
            false,
        )
    })
}

/// As `pc_future_map`, taking the handle `future` over: it is freed, as by
/// `pc_future_free`, whatever the call returns (its future goes on), and
/// is not to be used afterwards; the new future's handle, written to
/// `*out`, may reuse its memory (so `*out` may be `future` again). For a
/// chain that keeps only its last handle (`f = map(f)`, as Rust's and
/// Scala's chains do), this is `pc_future_map` and `pc_future_free` in
/// one call, and cheaper: the handle's memory is reused where it is.
///
/// Returns as `pc_future_map` (with `future` freed on error too).
///
/// # Safety
/// As `pc_future_map`; `future` is NULL or a live handle that nobody uses
/// afterwards.
///
/// ```c
/// pc_future *f = start;
/// for (int k = 0; k < 1000 && s == PC_OK; k++)
///   s = pc_future_map_take(f, ec, sizeof(int64_t), add_one, NULL, NULL, &f);
/// ```
#[no_mangle]
pub unsafe extern "C" fn pc_future_map_take(
    future: *mut pc_future,
    executor: *const pc_executor,
    out_elem_size: usize,
    r#fn: pc_map_fn,
    ctx: *mut c_void,
    ctx_free: pc_free_fn,
    out: *mut *mut pc_future,
) -> pc_status {
    // SAFETY: the pointers are as documented (the caller's promise).
    boundary(|| unsafe {
        chained::<Map>(
            future,
            executor,
            out_elem_size,
            r#fn,
            ctx,
            ctx_free,
            out,
            true,
        )
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
    // SAFETY: the pointers are as documented (the caller's promise).
    boundary(|| unsafe {
        chained::<FlatMap>(
            future.cast_mut(),
            executor,
            out_elem_size,
            r#fn,
            ctx,
            ctx_free,
            out,
            false,
        )
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
        // SAFETY: the pointers are as documented (the caller's promise).
        let Chain { f, ec, call, out } =
            unsafe { chain(future, executor, r#fn, ctx, ctx_free, out) }?;
        let size = f.elem_size();
        let next = map_elem!(f.fut(), up => {
            // `()` for the fixed-size types (the macro expands this once
            // per element type), the length for heap elements.
            #[allow(clippy::let_unit_value)]
            let values = values_of(up, size);
            up.recover_with(ec, move |e| {
                let (code, message) = (code_of(e), c_message(e));
                let mut returned = 0;
                let value = written(values, |out| {
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
            })
        });
        pc_future::hand_out(out, next, size);
        Ok(())
    })
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
        // SAFETY: `executor` is NULL or a live handle, `out` is NULL or
        // writable (the caller's promise).
        let (ec, out) = unsafe { (&handle(executor)?.ec, ffi::out(out)?) };
        let call = callback(r#fn, ctx)?;
        let housed = Erased::<Houses>::new(
            elem_size,
            Spawn {
                ec,
                size: elem_size,
                call,
            },
        )?;
        out.write(with_elem!(housed, h => h.as_ptr()));
        Ok(())
    })
}
