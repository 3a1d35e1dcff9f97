//! A lock handle with room for the caller's data right after the lock
//! (`pc_mutex_new_with_data`, `pc_spinlock_new_with_data`): what Rust's
//! `Mutex<T>` and `SpinLock<T>` are, the data next to the lock word, so
//! that a thread taking the lock finds the data on the lock's cache line
//! or the next, in one allocation, instead of behind a second pointer.

use std::alloc::{self, Layout};
use std::ffi::c_void;

use crate::ffi::Out;
use crate::status::{Status, PC_INVALID_ARG, PC_NO_MEMORY};

/// A lock and the layout of the data after it. `repr(C)`, the layout
/// first, so that the data is as far from the lock as in `Mutex<T>`: the
/// lock's size.
#[repr(C)]
pub(super) struct Room<L> {
    /// The caller's data after the handle, or none (`_new`).
    data: Option<Layout>,
    pub(super) lock: L,
}

impl<L> Room<L> {
    /// A lock with no room for data.
    pub(super) fn bare(lock: L) -> Room<L> {
        Room { data: None, lock }
    }
}

/// A handle type whose value is a [`Room`]: `pc_mutex`, `pc_spinlock`.
pub(super) trait Roomy: Sized {
    type Lock;
    fn room(&self) -> &Room<Self::Lock>;
    fn of(room: Room<Self::Lock>) -> Self;
}

/// The allocation of a handle `H` with `data` after it (checked when the
/// handle was made).
fn allocation<H>(data: Layout) -> Layout {
    Layout::new::<H>()
        .extend(data)
        .expect("checked when the handle was made")
        .0
}

/// Where data aligned to `align` begins after a handle `H`: its size
/// rounded up (what `Layout::extend` gives; arithmetic that cannot panic).
fn offset<H>(align: usize) -> usize {
    std::mem::size_of::<H>().wrapping_add(align - 1) & !(align - 1)
}

/// Writes to `out` a handle of `lock` followed by `size` zeroed bytes
/// aligned to `align`: `PC_INVALID_ARG` for a size of 0, an alignment that
/// is not a power of two or a size too large to lay out;
/// `PC_NO_MEMORY` if the allocation fails.
pub(super) fn write_with_data<H: Roomy>(
    out: Out<*mut H>,
    lock: H::Lock,
    size: usize,
    align: usize,
) -> Result<(), Status> {
    let invalid = Status::of(PC_INVALID_ARG);
    if size == 0 {
        return Err(invalid);
    }
    let data = Layout::from_size_align(size, align).map_err(|_| invalid)?;
    let (whole, at) = Layout::new::<H>().extend(data).map_err(|_| invalid)?;
    debug_assert_eq!(at, offset::<H>(align));
    // SAFETY: `whole` has a non-zero size (it holds an `H` and `size` > 0).
    let ptr = unsafe { alloc::alloc_zeroed(whole) }.cast::<H>();
    if ptr.is_null() {
        return Err(Status::of(PC_NO_MEMORY));
    }
    let room = Room {
        data: Some(data),
        lock,
    };
    // SAFETY: a fresh allocation with room and alignment for an `H`.
    unsafe { ptr.write(H::of(room)) };
    out.write(ptr);
    Ok(())
}

/// The caller's data of the handle at `handle`, or NULL if it has none.
/// Nothing here can panic (so the export needs no boundary).
pub(super) fn data<H: Roomy>(handle: &H) -> *mut c_void {
    match handle.room().data {
        // SAFETY: the data lies `offset` bytes into the handle's
        // allocation (`write_with_data`): in bounds.
        Some(data) => unsafe {
            (handle as *const H)
                .cast::<u8>()
                .cast_mut()
                .add(offset::<H>(data.align()))
                .cast()
        },
        None => std::ptr::null_mut(),
    }
}

/// Frees a handle from `write_with_data` or `Out::write_handle`; NULL
/// does nothing.
///
/// # Safety
/// `ptr` is NULL or a live handle that nobody uses afterwards.
pub(super) unsafe fn free<H: Roomy>(ptr: *mut H) {
    // SAFETY: NULL or a live handle (the caller's promise).
    let Some(data) = (unsafe { ptr.as_ref() }).map(|h| h.room().data) else {
        return;
    };
    match data {
        // SAFETY: a `Box` of `Out::write_handle`, used by nobody after.
        None => drop(unsafe { Box::from_raw(ptr) }),
        // SAFETY: allocated as `allocation::<H>(data)` by `write_with_data`,
        // used by nobody after. The data is C's bytes: nothing to drop.
        Some(data) => unsafe {
            ptr.drop_in_place();
            alloc::dealloc(ptr.cast(), allocation::<H>(data));
        },
    }
}
