//! The std/loom switch: the atomics, locks, cells and yields the core is
//! built from, switched to `loom`'s models under `cfg(loom)` so the model
//! checker sees every one of them. Nothing above this module names `std` or
//! `loom` for these.

use crate::hooks::{count, Count};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering,
};
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;

#[cfg(loom)]
pub(crate) use ::loom::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering,
};
#[cfg(loom)]
pub(crate) use ::loom::sync::Arc;

/// A lock that is taken and released by hand, so that a select can hold the
/// locks of several channels (of different element types) at once.
#[cfg(not(loom))]
pub(crate) struct RawLock(parking_lot::RawMutex);

#[cfg(not(loom))]
impl RawLock {
    pub(crate) const fn new() -> Self {
        use lock_api::RawMutex as _;
        RawLock(parking_lot::RawMutex::INIT)
    }

    pub(crate) fn lock(&self) {
        use lock_api::RawMutex as _;
        self.0.lock();
    }

    /// # Safety
    /// The caller holds the lock.
    pub(crate) unsafe fn unlock(&self) {
        use lock_api::RawMutex as _;
        // SAFETY: the caller holds the lock (this function's contract).
        unsafe { self.0.unlock() };
    }
}

/// The loom model of [`RawLock`]: a flag guarded by a mutex and a condvar.
#[cfg(loom)]
pub(crate) struct RawLock {
    held: ::loom::sync::Mutex<bool>,
    freed: ::loom::sync::Condvar,
}

#[cfg(loom)]
impl RawLock {
    pub(crate) fn new() -> Self {
        RawLock {
            held: ::loom::sync::Mutex::new(false),
            freed: ::loom::sync::Condvar::new(),
        }
    }

    pub(crate) fn lock(&self) {
        let mut held = self.held.lock().unwrap();
        while *held {
            held = self.freed.wait(held).unwrap();
        }
        *held = true;
    }

    pub(crate) unsafe fn unlock(&self) {
        *self.held.lock().unwrap() = false;
        self.freed.notify_one();
    }
}

/// Lets another thread run on this CPU (under loom, another modelled thread).
pub(crate) fn yield_now() {
    count(Count::Yield);
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    ::loom::thread::yield_now();
}

/// A plain mutex for small, short-held data (a task's waker).
pub(crate) struct Mutex<T> {
    #[cfg(not(loom))]
    inner: parking_lot::Mutex<T>,
    #[cfg(loom)]
    inner: ::loom::sync::Mutex<T>,
}

impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex {
            inner: Self::make(value),
        }
    }

    #[cfg(not(loom))]
    fn make(value: T) -> parking_lot::Mutex<T> {
        parking_lot::Mutex::new(value)
    }

    #[cfg(loom)]
    fn make(value: T) -> ::loom::sync::Mutex<T> {
        ::loom::sync::Mutex::new(value)
    }

    #[cfg(not(loom))]
    pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, T> {
        self.inner.lock()
    }

    #[cfg(loom)]
    pub(crate) fn lock(&self) -> ::loom::sync::MutexGuard<'_, T> {
        self.inner.lock().unwrap()
    }
}

/// Orders a buffer slot's publication (a SeqCst read-modify-write of its
/// stamp or state) before the SeqCst load of the other side's waiting count
/// that follows it. Natively the two are
/// already in the single total order of SeqCst operations, so nothing is
/// emitted; loom models SeqCst accesses as acquire/release only and needs
/// the fence to see that order.
pub(crate) fn claim_then_check() {
    #[cfg(loom)]
    fence(Ordering::SeqCst);
}

/// The cell of a lock-free buffer's slot, empty or holding one value. Under
/// loom it is loom's cell, which fails a model in which a read of a value
/// does not happen after its write (a receiver that did not wait for its
/// sender), instead of letting it read garbage.
pub(crate) struct ValueCell<T> {
    #[cfg(not(loom))]
    cell: std::cell::UnsafeCell<std::mem::MaybeUninit<T>>,
    #[cfg(loom)]
    cell: ::loom::cell::UnsafeCell<std::mem::MaybeUninit<T>>,
}

impl<T> ValueCell<T> {
    pub(crate) fn new() -> Self {
        ValueCell {
            cell: std::mem::MaybeUninit::uninit().into(),
        }
    }

    /// Makes an empty cell where `cell` points, without building one on the
    /// stack first: natively an empty cell is any bytes, so nothing is
    /// written; loom's cell has bookkeeping to set up.
    ///
    /// # Safety
    /// `cell` is valid for writes.
    pub(crate) unsafe fn init_in_place(cell: *mut Self) {
        #[cfg(loom)]
        // SAFETY: `cell` is valid for writes (this function's contract).
        unsafe {
            cell.write(ValueCell::new())
        };
        #[cfg(not(loom))]
        let _ = cell;
    }

    /// Lends the value to `f`.
    ///
    /// # Safety
    /// The cell holds a value, and no one takes or writes it meanwhile.
    #[cfg(not(loom))]
    pub(crate) unsafe fn with_value<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        // SAFETY: the cell holds a value that nobody changes meanwhile
        // (this function's contract).
        f(unsafe { (*self.cell.get()).assume_init_ref() })
    }

    #[cfg(loom)]
    pub(crate) unsafe fn with_value<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        // SAFETY: as the native `with_value`.
        self.cell.with(|p| f(unsafe { (*p).assume_init_ref() }))
    }

    #[cfg(not(loom))]
    fn with_mut<R>(&self, f: impl FnOnce(*mut std::mem::MaybeUninit<T>) -> R) -> R {
        f(self.cell.get())
    }

    #[cfg(loom)]
    fn with_mut<R>(&self, f: impl FnOnce(*mut std::mem::MaybeUninit<T>) -> R) -> R {
        self.cell.with_mut(f)
    }

    /// # Safety
    /// The cell is empty, and the caller alone may touch it (it claimed it).
    pub(crate) unsafe fn write(&self, value: T) {
        // SAFETY: the cell is empty and only the caller touches it (this
        // function's contract), so nothing is overwritten or raced.
        self.with_mut(|p| unsafe { p.write(std::mem::MaybeUninit::new(value)) });
    }

    /// Moves the value out, leaving the cell empty.
    ///
    /// # Safety
    /// The cell holds a value, and the caller alone may touch it.
    pub(crate) unsafe fn take(&self) -> T {
        // SAFETY: the cell holds a value and only the caller touches it (this
        // function's contract); the caller treats it as empty afterwards.
        self.with_mut(|p| unsafe { p.read().assume_init() })
    }
}
