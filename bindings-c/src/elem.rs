//! How elements are stored in the core: `elem_size` bytes copied from the
//! caller into the smallest fitting type, so that a channel of 8-byte
//! elements is a `Chan<u64>` exactly as Rust code would have it (same
//! buffer size, no allocation per message), and only elements over 16
//! bytes live on the heap. [`Erased`] holds any core container of such
//! elements (a channel today; queues and promises reuse it), and
//! [`with_elem!`] runs code on the typed container inside.

use std::ffi::c_void;

use crate::status::{pc_status, Status, PC_INVALID_ARG};
use crate::wait::PC_FOREVER;

/// An element type of the core's channel as the C ABI uses it.
pub(crate) trait Elem: Sized + Clone + PartialEq + Send + Sync + 'static {
    /// Copies `size` bytes from `src`.
    ///
    /// # Safety
    /// `src` is readable for `size` bytes (anything when `size` is 0), and
    /// `size` fits this type.
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status>;

    /// The element's bytes.
    fn bytes(&self) -> *const u8;

    /// What [`zeroed`](Elem::zeroed) needs to know of the size: nothing
    /// for the fixed-size types, so that a callback's closure does not
    /// carry it (the core's job of a `pc_future_map` stage, closure inside,
    /// then fits glibc's fast bins: 120 bytes, not 136; callgrind, the
    /// comparison's F1: 1,257 instructions per stage before, 1,070 after,
    /// with the core's job a word smaller too), the length for a heap
    /// element.
    type Size: Copy + Send + Sync + 'static;

    /// `size` bytes as this type's [`Size`](Elem::Size).
    fn size(size: usize) -> Self::Size;

    /// An element of `size` zero bytes, for a callback to write.
    fn zeroed(size: Self::Size) -> Result<Self, Status>;

    /// The element's bytes, to write.
    fn bytes_mut(&mut self) -> *mut u8;

    /// An element of `size` bytes, each written by `fill`: as
    /// [`zeroed`](Elem::zeroed) then a write, without zeroing memory that
    /// is written over anyway (a heap element's).
    ///
    /// # Safety
    /// `fill` writes every one of the element's bytes.
    unsafe fn filled(size: Self::Size, fill: impl FnOnce(*mut u8)) -> Result<Self, Status> {
        let mut v = Self::zeroed(size)?;
        fill(v.bytes_mut());
        Ok(v)
    }

    /// The container of this element type in `erased`, if it is one.
    fn pick<F: Family>(erased: &Erased<F>) -> Option<&F::Of<Self>>;

    /// `container` as the [`Erased`] of its element type: what `pick`
    /// undoes.
    fn erase<F: Family>(container: F::Of<Self>) -> Erased<F>;

    /// Copies the element's `size` bytes to `dst`.
    ///
    /// # Safety
    /// `dst` is writable for `size` bytes, and `size` is the size the
    /// element was read with.
    #[inline]
    unsafe fn write_to(&self, dst: *mut u8, size: usize) {
        if size > 0 {
            // SAFETY: `dst` has room for `size` bytes, and the element has
            // them (it was read with that size).
            unsafe { std::ptr::copy_nonoverlapping(self.bytes(), dst, size) };
        }
    }
}

/// Up to 8 bytes: integers, pointers, small structs.
impl Elem for u64 {
    #[inline]
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status> {
        if size == 8 {
            // SAFETY: `src` is readable for the 8 bytes.
            return Ok(unsafe { src.cast::<u64>().read_unaligned() });
        }
        // SAFETY: as the caller promises.
        Ok(unsafe { read_short(src, size) })
    }
    #[inline]
    fn bytes(&self) -> *const u8 {
        (self as *const u64).cast()
    }
    type Size = ();
    fn size(_: usize) {}
    fn zeroed((): ()) -> Result<Self, Status> {
        Ok(0)
    }
    fn bytes_mut(&mut self) -> *mut u8 {
        (self as *mut u64).cast()
    }
    fn pick<F: Family>(erased: &Erased<F>) -> Option<&F::Of<Self>> {
        match erased {
            Erased::Word(c) => Some(c),
            _ => None,
        }
    }
    fn erase<F: Family>(container: F::Of<Self>) -> Erased<F> {
        Erased::Word(container)
    }
    #[inline]
    unsafe fn write_to(&self, dst: *mut u8, size: usize) {
        if size == 8 {
            // One fixed-size store instead of a memcpy call of variable length.
            // SAFETY: `dst` has room for the 8 bytes.
            unsafe { dst.cast::<u64>().write_unaligned(*self) };
        } else {
            // SAFETY: as the caller promises.
            unsafe { write_short(*self, dst, size) };
        }
    }
}

// Elements under 8 bytes, out of line: copying them goes through the
// stack, which the 8-byte path (an integer or a pointer, in a register)
// would otherwise set up on every call.

/// The `size` (under 8) bytes at `src` as a `u64`.
///
/// # Safety
/// `src` is readable for `size` bytes.
#[inline(never)]
unsafe fn read_short(src: *const u8, size: usize) -> u64 {
    let mut v = 0u64;
    if size > 0 {
        // SAFETY: `src` is readable for `size` bytes, under the 8 of `v`.
        unsafe { std::ptr::copy_nonoverlapping(src, (&mut v as *mut u64).cast(), size) };
    }
    v
}

/// Writes the first `size` (under 8) bytes of `v` to `dst`.
///
/// # Safety
/// `dst` is writable for `size` bytes.
#[inline(never)]
unsafe fn write_short(v: u64, dst: *mut u8, size: usize) {
    if size > 0 {
        // SAFETY: `dst` has room for `size` bytes, under the 8 of `v`.
        unsafe { std::ptr::copy_nonoverlapping((&v as *const u64).cast(), dst, size) };
    }
}

/// 9 to 16 bytes.
impl Elem for [u64; 2] {
    #[inline]
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status> {
        let mut v = [0u64; 2];
        // SAFETY: `src` is readable for `size` bytes, at most the 16 of `v`.
        unsafe { std::ptr::copy_nonoverlapping(src, v.as_mut_ptr().cast(), size) };
        Ok(v)
    }
    #[inline]
    fn bytes(&self) -> *const u8 {
        self.as_ptr().cast()
    }
    type Size = ();
    fn size(_: usize) {}
    fn zeroed((): ()) -> Result<Self, Status> {
        Ok([0; 2])
    }
    fn bytes_mut(&mut self) -> *mut u8 {
        self.as_mut_ptr().cast()
    }
    fn pick<F: Family>(erased: &Erased<F>) -> Option<&F::Of<Self>> {
        match erased {
            Erased::Pair(c) => Some(c),
            _ => None,
        }
    }
    fn erase<F: Family>(container: F::Of<Self>) -> Erased<F> {
        Erased::Pair(container)
    }
}

/// Over 16 bytes: one allocation per element, whose failure is
/// `PC_NO_MEMORY` rather than an abort.
impl Elem for Box<[u8]> {
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status> {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(size)?;
        // SAFETY: `src` is readable for `size` bytes; `v` has room for them,
        // all initialised by the copy before the length says so.
        unsafe {
            std::ptr::copy_nonoverlapping(src, v.as_mut_ptr(), size);
            v.set_len(size);
        }
        Ok(v.into_boxed_slice())
    }
    #[inline]
    fn bytes(&self) -> *const u8 {
        self.as_ptr()
    }
    type Size = usize;
    fn size(size: usize) -> usize {
        size
    }
    fn zeroed(size: usize) -> Result<Self, Status> {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(size)?;
        v.resize(size, 0);
        Ok(v.into_boxed_slice())
    }
    fn bytes_mut(&mut self) -> *mut u8 {
        self.as_mut_ptr()
    }
    unsafe fn filled(size: usize, fill: impl FnOnce(*mut u8)) -> Result<Self, Status> {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(size)?;
        fill(v.as_mut_ptr());
        // SAFETY: `fill` wrote all `size` bytes (the caller's promise),
        // within the capacity reserved.
        unsafe { v.set_len(size) };
        Ok(v.into_boxed_slice())
    }
    fn pick<F: Family>(erased: &Erased<F>) -> Option<&F::Of<Self>> {
        match erased {
            Erased::Heap(c) => Some(c),
            _ => None,
        }
    }
    fn erase<F: Family>(container: F::Of<Self>) -> Erased<F> {
        Erased::Heap(container)
    }
}

/// A family of core containers generic over the element type: `Of<T>` is
/// the container of `T` (`Chan<T>` for channels).
pub(crate) trait Family {
    type Of<T: Elem>;
}

/// What makes a container of family `F` for whichever element type the
/// size calls for: a channel's capacity, a queue's kind, a combinator's
/// input and callback.
pub(crate) trait Build<F: Family> {
    /// The container for elements of type `T`.
    fn build<T: Elem>(self) -> Result<F::Of<T>, Status>;
}

/// A container of family `F` holding whichever element type fits the
/// handle's `elem_size`.
pub(crate) enum Erased<F: Family> {
    Word(F::Of<u64>),
    Pair(F::Of<[u64; 2]>),
    Heap(F::Of<Box<[u8]>>),
}

impl<F: Family> Erased<F> {
    /// The container for `elem_size`-byte elements, of the type
    /// [`Kind::of`] the size.
    pub(crate) fn new(elem_size: usize, build: impl Build<F>) -> Result<Self, Status> {
        if elem_size > isize::MAX as usize {
            // No object is that large.
            return Err(Status::of(PC_INVALID_ARG));
        }
        Ok(match Kind::of(elem_size) {
            Kind::Word => Erased::Word(build.build()?),
            Kind::Pair => Erased::Pair(build.build()?),
            Kind::Heap => Erased::Heap(build.build()?),
        })
    }
}

/// Which element type an [`Erased`] holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Word,
    Pair,
    Heap,
}

impl Kind {
    /// The element type for `elem_size` bytes: the size rule, here only.
    #[inline]
    pub(crate) fn of(elem_size: usize) -> Kind {
        match elem_size {
            0..=8 => Kind::Word,
            9..=16 => Kind::Pair,
            _ => Kind::Heap,
        }
    }
}

impl<F: Family> Erased<F> {
    /// The element type inside.
    pub(crate) fn kind(&self) -> Kind {
        match self {
            Erased::Word(_) => Kind::Word,
            Erased::Pair(_) => Kind::Pair,
            Erased::Heap(_) => Kind::Heap,
        }
    }
}

impl<F: Family> Clone for Erased<F>
where
    F::Of<u64>: Clone,
    F::Of<[u64; 2]>: Clone,
    F::Of<Box<[u8]>>: Clone,
{
    fn clone(&self) -> Self {
        match self {
            Erased::Word(c) => Erased::Word(c.clone()),
            Erased::Pair(c) => Erased::Pair(c.clone()),
            Erased::Heap(c) => Erased::Heap(c.clone()),
        }
    }
}

/// Runs `$body` with `$c` bound to the typed container inside an
/// `&Erased<_>`; the body is compiled once per element type.
macro_rules! with_elem {
    ($erased:expr, $c:ident => $body:expr) => {
        match $erased {
            $crate::elem::Erased::Word($c) => $body,
            $crate::elem::Erased::Pair($c) => $body,
            $crate::elem::Erased::Heap($c) => $body,
        }
    };
}
pub(crate) use with_elem;

/// As [`with_elem!`], for a body that makes a container of the same
/// element type in another family: the result is erased again.
macro_rules! map_elem {
    ($erased:expr, $c:ident => $body:expr) => {
        match $erased {
            $crate::elem::Erased::Word($c) => $crate::elem::Erased::Word($body),
            $crate::elem::Erased::Pair($c) => $crate::elem::Erased::Pair($body),
            $crate::elem::Erased::Heap($c) => $crate::elem::Erased::Heap($body),
        }
    };
}
pub(crate) use map_elem;

/// `PC_INVALID_ARG` for a NULL element buffer (allowed only for 0-byte
/// elements, which have nothing to copy).
#[inline]
pub(crate) fn check_buf(ptr: *const c_void, elem_size: usize) -> Result<(), Status> {
    // One test on the fast path (a non-NULL buffer); the size only when NULL.
    if ptr.is_null() {
        return null_buf(elem_size);
    }
    Ok(())
}

#[cold]
fn null_buf(elem_size: usize) -> Result<(), Status> {
    if elem_size > 0 {
        return Err(Status::of(PC_INVALID_ARG));
    }
    Ok(())
}

/// A handle whose elements are copied in and out by value, held in a
/// container of family [`Typed::F`]: what the exports' fast path ([`fast`],
/// [`word`]) needs to know of it.
pub(crate) trait Typed {
    type F: Family;
    fn elem_size(&self) -> usize;
    fn erased(&self) -> &Erased<Self::F>;
}

// The exports' fast path, shaped as the mutex's (`sync::lock_trying_first`):
// an 8-byte element and a timeout of 0 or `PC_FOREVER` (what an integer or
// pointer channel's or queue's calls are) go by a tail call to the one
// operation of that element and wait, with nothing that could unwind and
// no stack frame in the export itself; any other call goes to the general
// path, which checks everything again and has the same rules. Callgrind,
// the channel probe's `PC_FOREVER` send + receive round: 233 instructions
// before (the export a frame of five saved registers around the core's
// inlined `send`), 220 after, Rust's 163; the comparison's C1, per message:
// 273 before, 257 after, Rust's 221. On a queue (C1 on an array queue, per
// message): 264 instructions before, 215 after, Rust's 161; 1.44 of Rust's
// time before, 0.99 after (median of 5 alternated pairs).

/// An element buffer an export is given: `*const c_void` to read from,
/// `*mut c_void` to write to.
pub(crate) trait Buf: Copy {
    fn is_null(self) -> bool;
}

impl Buf for *const c_void {
    #[inline(always)]
    fn is_null(self) -> bool {
        <*const c_void>::is_null(self)
    }
}

impl Buf for *mut c_void {
    #[inline(always)]
    fn is_null(self) -> bool {
        <*mut c_void>::is_null(self)
    }
}

/// A fast path's operation: `FOREVER` waits for ever, else it tries once.
pub(crate) type FastOp<H, B> = unsafe extern "C" fn(&H, B) -> pc_status;

/// An export's whole body: a call on a handle of 8-byte elements with a
/// non-NULL buffer and a timeout of `PC_FOREVER` or 0 goes to `forever` or
/// `once`, anything else (NULL included) to `general`, which checks
/// everything again and has the same rules.
///
/// # Safety
/// `ptr` is NULL or a live handle; `buf` is NULL or valid for its
/// elements (the export's promise).
#[inline(always)]
pub(crate) unsafe fn fast_or<H: Typed, B: Buf>(
    ptr: *const H,
    buf: B,
    timeout_ns: u64,
    [forever, once]: [FastOp<H, B>; 2],
    general: unsafe extern "C" fn(*const H, B, u64) -> pc_status,
) -> pc_status {
    // SAFETY: the caller's promises; on the fast path 8-byte elements and
    // a valid buffer, as `forever` and `once` need.
    unsafe {
        if let Some(h) = fast(ptr, buf) {
            if timeout_ns == PC_FOREVER {
                return forever(h, buf);
            }
            if timeout_ns == 0 {
                return once(h, buf);
            }
        }
        general(ptr, buf, timeout_ns)
    }
}

/// The handle at `ptr` if a call with this buffer takes the fast path (its
/// timeout decides the rest): one test of the element size, since every
/// container of 8-byte elements holds `u64`s ([`word`]). Written as a
/// branch per test: joined by `&&`, they were computed with `setcc`s and
/// combined (4 more instructions).
///
/// # Safety
/// `ptr` is NULL or a live handle.
#[inline(always)]
unsafe fn fast<'a, H: Typed>(ptr: *const H, buf: impl Buf) -> Option<&'a H> {
    // SAFETY: NULL or live (the caller's promise).
    let h = unsafe { ptr.as_ref() }?;
    if h.elem_size() != 8 {
        return None;
    }
    if buf.is_null() {
        return None;
    }
    Some(h)
}

/// The container of `u64`s of a handle of 8-byte elements.
///
/// # Safety
/// `h.elem_size()` is 8.
#[inline(always)]
pub(crate) unsafe fn word<H: Typed>(h: &H) -> &<H::F as Family>::Of<u64> {
    match h.erased() {
        Erased::Word(c) => c,
        // SAFETY: every handle's container is made by `Erased::new` with
        // the handle's `elem_size`, which makes a `Word` for 8 bytes.
        _ => unsafe { std::hint::unreachable_unchecked() },
    }
}
