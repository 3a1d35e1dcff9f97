//! The combinators of several futures: `pc_future_zip`,
//! `pc_future_sequence` (and `pc_future_sequence_take`) and
//! `pc_future_first_completed_of`, whose values
//! are their inputs' bytes one after the other.

use std::cell::Cell;

use polyconc::exec::parasitic;
use polyconc::future::{first_completed_of, sequence, Failure, Future};

use super::{c_failure, filled, pc_future, AnyFuture, Futures};
use crate::elem::{with_elem, Build, Elem, Erased, Kind};
use crate::exec::{pc_executor, Executor};
use crate::ffi::{self, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_INVALID_ARG};

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
        // SAFETY: `futures` is readable for `n` pointers (the caller's
        // promise).
        unsafe { std::slice::from_raw_parts(futures, n) }
    };
    // Filled by a loop, not collected from an iterator of `Result`s: that
    // collect does not know the length and grows the vector as it goes
    // (callgrind, the comparison's F2: a realloc and a copy every doubling,
    // 16 instructions of memcpy per task on its own).
    let mut all = Vec::with_capacity(n);
    for &h in handles {
        // SAFETY: each of the `n` is NULL or a live handle (the caller's
        // promise).
        let f = unsafe { handle(h) }?;
        match T::pick(&f.fut()) {
            Some(&fut) if f.elem_size() == elem_size => all.push(fut.clone()),
            _ => return Err(Status::of(PC_INVALID_ARG)),
        }
    }
    Ok(all)
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
            // Each value by its own `write_to` (for an 8-byte element one
            // store, not a memcpy call of variable length), into memory
            // not zeroed first (F2's 800 KB of values: a memset per run
            // before, 8 instructions per task in callgrind).
            // SAFETY: every byte of the `size * n` is written: the first
            // `n` values (all there are, as the core gathers one per
            // input) at `k * size`, and zeros after any missing one.
            unsafe {
                filled(S::size(size * n), |dst| {
                    let given = values.len().min(n);
                    for (k, v) in values[..given].iter().enumerate() {
                        v.write_to(dst.add(k * size), size);
                    }
                    std::ptr::write_bytes(dst.add(given * size), 0, (n - given) * size);
                })
            }
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
            // SAFETY: `a` then `b` bytes fill the `a + b`.
            unsafe {
                filled(S::size(a + b), |dst| {
                    x.write_to(dst, a);
                    y.write_to(dst.add(a), b);
                })
            }
        }))
    }
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
        // SAFETY: `a` and `b` are NULL or live handles, `out` is NULL or
        // writable (the caller's promise).
        let (a, b, out) = unsafe { (handle(a)?, handle(b)?, ffi::out(out)?) };
        let sizes = (a.elem_size(), b.elem_size());
        let size = sizes.0 + sizes.1;
        let next = with_elem!(a.fut(), x => with_elem!(b.fut(), y => AnyFuture::new(size, Zip { pair: x.zip(y), sizes })?));
        pc_future::hand_out(out, next, size);
        Ok(())
    })
}

/// How a combinator of `n` futures of one element size makes its result:
/// `pc_future_sequence` and `pc_future_first_completed_of` differ only in
/// this, and share the rest ([`gathered`], [`taken`]).
trait Gather {
    /// The result's element size, for `n` inputs of `size` bytes.
    fn size(size: usize, n: usize) -> Result<usize, Status>;
    /// The result for no inputs at all.
    fn none() -> AnyFuture;
    /// The result, of `total` bytes, for `all` (at least one) inputs of
    /// `size` bytes.
    fn all<T: Elem>(
        &self,
        all: impl ExactSizeIterator<Item = Future<T>>,
        size: usize,
        total: usize,
    ) -> Result<AnyFuture, Status>;
}

/// `pc_future_sequence`: the values gathered on `ec`, as the core's
/// `sequence(ec, ..)` and Scala's `Future.sequence` on its context do.
/// (Gathered on `parasitic()`, by whichever thread completed the last
/// input, the 100,000 tasks of the comparison's F2 were freed there
/// together with the two copies of the values made, and glibc trimmed its
/// heap on most runs of the global executor: counted, 2-10 trims of 11-19
/// MB per process of 24 runs, 17,000-46,000 page faults; on the executor,
/// as the Rust program has it, none, 8,500-9,600 faults, Rust's 7,100.)
struct SequenceOf<'a> {
    ec: &'a Executor,
}

impl Gather for SequenceOf<'_> {
    fn size(size: usize, n: usize) -> Result<usize, Status> {
        size.checked_mul(n).ok_or(Status::of(PC_INVALID_ARG))
    }
    fn none() -> AnyFuture {
        Erased::Word(Future::successful(0))
    }
    fn all<T: Elem>(
        &self,
        all: impl ExactSizeIterator<Item = Future<T>>,
        size: usize,
        total: usize,
    ) -> Result<AnyFuture, Status> {
        let n = all.len();
        let all = sequence(self.ec, all);
        AnyFuture::new(
            total,
            Sequence {
                all,
                elem_size: size,
                n,
            },
        )
    }
}

/// `pc_future_first_completed_of`.
struct FirstCompletedOf;

impl Gather for FirstCompletedOf {
    fn size(size: usize, _: usize) -> Result<usize, Status> {
        Ok(size)
    }
    fn none() -> AnyFuture {
        Erased::Word(Future::never())
    }
    fn all<T: Elem>(
        &self,
        all: impl ExactSizeIterator<Item = Future<T>>,
        _: usize,
        _: usize,
    ) -> Result<AnyFuture, Status> {
        Ok(T::erase(first_completed_of(all)))
    }
}

/// `pc_future_sequence` and `pc_future_first_completed_of`: `K` of the `n`
/// futures, its handle written to `*out`.
///
/// # Safety
/// As `pc_future_sequence`.
unsafe fn gathered<K: Gather>(
    k: K,
    futures: *const *const pc_future,
    n: usize,
    out: *mut *mut pc_future,
) -> Result<(), Status> {
    // SAFETY: `out` is NULL or writable (the caller's promise).
    let out = unsafe { ffi::out(out) }?;
    // SAFETY: `futures` is as documented (the caller's promise).
    let first = unsafe { first_of(futures, n) }?;
    let size = first.map_or(0, |f| f.elem_size());
    let total = K::size(size, n)?;
    let next = match first {
        None => K::none(),
        Some(f) => with_elem!(f.fut(), x => {
            // SAFETY: as for `first_of`.
            let all = unsafe { all_of(x, futures, n, size) }?;
            k.all(all.into_iter(), size, total)?
        }),
    };
    pc_future::hand_out(out, next, total);
    Ok(())
}

/// A future of all `n` futures' values, in order, one after the other
/// (`n * elem_size` bytes); all must have the same `elem_size`. Once the
/// last of them succeeds, a task on `executor` copies the values into the
/// result (Scala's `Future.sequence` on its `ExecutionContext`); it fails
/// as soon as one of them does, with that failure, on the thread that
/// completed that one. For `n` 0 it is a completed future of 0 bytes.
///
/// Returns `PC_OK`; `PC_INVALID_ARG` if `executor`, `out`, `futures` (with
/// `n` > 0) or one of them is NULL, or their element sizes differ.
///
/// # Safety
/// `executor` is NULL or a live handle; `futures` is NULL or readable for
/// `n` pointers, each NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_future_sequence(
    executor: *const pc_executor,
    futures: *const *const pc_future,
    n: usize,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        // SAFETY: `executor` is NULL or a live handle (the caller's promise).
        let ec = &unsafe { handle(executor) }?.ec;
        // SAFETY: the pointers are as documented (the caller's promise).
        unsafe { gathered(SequenceOf { ec }, futures, n, out) }
    })
}

/// As `pc_future_sequence`, taking the `n` handles over: each is freed, as
/// by `pc_future_free`, whatever the call returns (the futures go on), and
/// the array's entries are not to be used afterwards. For a program that
/// frees its handles once it has the sequence, as most do, this is that
/// in one call, and cheaper: the sequence keeps each handle's own
/// reference to its future instead of counting another one up and the
/// handle's down.
///
/// Returns as `pc_future_sequence` (with the handles freed on error too).
///
/// # Safety
/// `executor` is NULL or a live handle; `futures` is NULL or readable for
/// `n` pointers, each NULL or a live handle that nobody uses afterwards
/// (each a different one); `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_future_sequence_take(
    executor: *const pc_executor,
    futures: *const *mut pc_future,
    n: usize,
    out: *mut *mut pc_future,
) -> pc_status {
    boundary(|| {
        let handles = match (n, futures.is_null()) {
            (0, _) => &[][..],
            (_, true) => return Err(Status::of(PC_INVALID_ARG)),
            // SAFETY: `futures` is readable for `n` pointers (the caller's
            // promise).
            _ => unsafe { std::slice::from_raw_parts(futures, n) },
        };
        // SAFETY: `executor` is NULL or a live handle (the caller's promise).
        let Ok(executor) = (unsafe { handle(executor) }) else {
            // SAFETY: each handle is NULL or live and ours (the caller's
            // promise), freed here as on every other path.
            unsafe { free_all(handles) };
            return Err(Status::of(PC_INVALID_ARG));
        };
        let k = SequenceOf { ec: &executor.ec };
        // SAFETY: each handle is NULL or live and ours (the caller's
        // promise); all are taken before `out` is checked, so that they
        // are freed on every path.
        let (next, total) = unsafe { taken(k, handles) }?;
        // SAFETY: `out` is NULL or writable (the caller's promise).
        let out = unsafe { ffi::out(out) }?;
        pc_future::hand_out(out, next, total);
        Ok(())
    })
}

/// `K` of the futures of `handles`, all taken (each freed, NULLs skipped),
/// with its element size; `PC_INVALID_ARG` if one is NULL or their element
/// sizes differ.
///
/// # Safety
/// Each handle is NULL or live and nobody uses it afterwards; no two are
/// the same.
unsafe fn taken<K: Gather>(k: K, handles: &[*mut pc_future]) -> Result<(AnyFuture, usize), Status> {
    let Some(&first) = handles.first() else {
        return Ok((K::none(), 0));
    };
    // SAFETY: NULL or live (the caller's promise).
    let Some(f) = (unsafe { first.as_ref() }) else {
        // SAFETY: as the caller promises.
        unsafe { free_all(handles) };
        return Err(Status::of(PC_INVALID_ARG));
    };
    let size = f.elem_size();
    // SAFETY: as the caller promises.
    unsafe {
        match f.fut().kind() {
            Kind::Word => taken_as::<K, u64>(k, handles, size),
            Kind::Pair => taken_as::<K, [u64; 2]>(k, handles, size),
            Kind::Heap => taken_as::<K, Box<[u8]>>(k, handles, size),
        }
    }
}

/// [`taken`], for futures of element type `T` and `size` bytes.
///
/// # Safety
/// As [`taken`].
unsafe fn taken_as<K: Gather, T: Elem>(
    k: K,
    handles: &[*mut pc_future],
    size: usize,
) -> Result<(AnyFuture, usize), Status> {
    // Each handle becomes its future as the core registers it: no vector
    // of futures beside the caller's array (24 bytes per handle, which in
    // the comparison's F2 grew glibc's heap past its trim threshold; see
    // the core's `sequence`). A NULL or mismatched handle is found only on
    // the way: it gives a failed future in its place, and the result made
    // of them is dropped for `PC_INVALID_ARG`.
    let mixed = Cell::new(false);
    // Read through `&mut`: the core's registration loop then takes the
    // inputs one by one, not by index as it would a slice's map
    // (callgrind, the comparison's F2: 77 instructions per handle by
    // index, 68 this way).
    let mut all = handles.iter().map(|&h| {
        // SAFETY: NULL or live, ours, taken once (the caller's promise).
        let taken = (!h.is_null())
            .then(|| unsafe { pc_future::take_as::<T>(h, size) })
            .flatten();
        taken.unwrap_or_else(|| {
            mixed.set(true);
            Future::failed(c_failure(PC_INVALID_ARG, None))
        })
    });
    let total = match K::size(size, handles.len()) {
        Ok(total) => total,
        Err(e) => {
            // SAFETY: none is taken yet (the caller's promise holds).
            unsafe { free_all(handles) };
            return Err(e);
        }
    };
    let next = k.all(&mut all, size, total);
    if mixed.get() {
        return Err(Status::of(PC_INVALID_ARG));
    }
    Ok((next?, total))
}

/// Frees the handles (NULLs skipped).
///
/// # Safety
/// As [`taken`].
unsafe fn free_all(handles: &[*mut pc_future]) {
    for &h in handles {
        // SAFETY: NULL or live and ours (the caller's promise).
        unsafe { pc_future::free(h) };
    }
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
    // SAFETY: the pointers are as documented (the caller's promise).
    boundary(|| unsafe { gathered(FirstCompletedOf, futures, n, out) })
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
    // SAFETY: `futures` is readable, its first handle NULL or live (the
    // caller's promise).
    Ok(Some(unsafe { handle(*futures) }?))
}
