//! How elements are stored in the core: `elem_size` bytes copied from the
//! caller into the smallest fitting type, so that a channel of 8-byte
//! elements is a `Chan<u64>` exactly as Rust code would have it (same
//! buffer size, no allocation per message), and only elements over 16
//! bytes live on the heap.

use polyconc::chan::Chan;

use crate::status::Status;

/// An element type of the core's channel as the C ABI uses it.
pub(crate) trait Elem: Sized + 'static {
    /// Copies `size` bytes from `src`.
    ///
    /// # Safety
    /// `src` is readable for `size` bytes (anything when `size` is 0), and
    /// `size` fits this type.
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status>;

    /// The element's bytes.
    fn bytes(&self) -> *const u8;

    /// Copies the element's `size` bytes to `dst`.
    ///
    /// # Safety
    /// `dst` is writable for `size` bytes, and `size` is the size the
    /// element was read with.
    #[inline]
    unsafe fn write_to(&self, dst: *mut u8, size: usize) {
        if size > 0 {
            std::ptr::copy_nonoverlapping(self.bytes(), dst, size);
        }
    }
}

/// Up to 8 bytes: integers, pointers, small structs.
impl Elem for u64 {
    #[inline]
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status> {
        if size == 8 {
            return Ok(src.cast::<u64>().read_unaligned());
        }
        let mut v = 0u64;
        if size > 0 {
            std::ptr::copy_nonoverlapping(src, (&mut v as *mut u64).cast(), size);
        }
        Ok(v)
    }
    #[inline]
    fn bytes(&self) -> *const u8 {
        (self as *const u64).cast()
    }
    #[inline]
    unsafe fn write_to(&self, dst: *mut u8, size: usize) {
        if size == 8 {
            // One fixed-size store instead of a memcpy call of variable length.
            dst.cast::<u64>().write_unaligned(*self);
        } else if size > 0 {
            std::ptr::copy_nonoverlapping(self.bytes(), dst, size);
        }
    }
}

/// 9 to 16 bytes.
impl Elem for [u64; 2] {
    #[inline]
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status> {
        let mut v = [0u64; 2];
        std::ptr::copy_nonoverlapping(src, v.as_mut_ptr().cast(), size);
        Ok(v)
    }
    #[inline]
    fn bytes(&self) -> *const u8 {
        self.as_ptr().cast()
    }
}

/// Over 16 bytes: one allocation per element, whose failure is
/// `PC_NO_MEMORY` rather than an abort.
impl Elem for Box<[u8]> {
    unsafe fn read(src: *const u8, size: usize) -> Result<Self, Status> {
        let mut v: Vec<u8> = Vec::new();
        v.try_reserve_exact(size)?;
        std::ptr::copy_nonoverlapping(src, v.as_mut_ptr(), size);
        v.set_len(size);
        Ok(v.into_boxed_slice())
    }
    #[inline]
    fn bytes(&self) -> *const u8 {
        self.as_ptr()
    }
}

/// A core channel of whichever element type fits the handle's `elem_size`.
#[derive(Clone)]
pub(crate) enum AnyChan {
    Word(Chan<u64>),
    Pair(Chan<[u64; 2]>),
    Heap(Chan<Box<[u8]>>),
}

/// Runs `$body` with `$c` bound to the typed `&Chan<T>` inside an
/// `&AnyChan`; the body is compiled once per element type.
macro_rules! with_chan {
    ($any:expr, $c:ident => $body:expr) => {
        match $any {
            $crate::elem::AnyChan::Word($c) => $body,
            $crate::elem::AnyChan::Pair($c) => $body,
            $crate::elem::AnyChan::Heap($c) => $body,
        }
    };
}
pub(crate) use with_chan;

impl AnyChan {
    /// A channel for `elem_size`-byte elements; `capacity` `None` is unbounded.
    pub(crate) fn new(elem_size: usize, capacity: Option<usize>) -> Result<AnyChan, Status> {
        Ok(match elem_size {
            0..=8 => AnyChan::Word(typed(capacity)?),
            9..=16 => AnyChan::Pair(typed(capacity)?),
            _ => AnyChan::Heap(typed(capacity)?),
        })
    }
}

fn typed<T>(capacity: Option<usize>) -> Result<Chan<T>, Status> {
    Ok(match capacity {
        None => Chan::unbounded(),
        Some(c) => {
            // The core allocates the whole buffer up front, and an
            // allocation failure there would abort; try it here first so
            // that it is PC_NO_MEMORY instead.
            Vec::<T>::new().try_reserve_exact(c)?;
            Chan::new(c)
        }
    })
}
