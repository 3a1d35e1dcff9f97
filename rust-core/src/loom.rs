//! The std/loom switch: the atomics, locks, cells and yields the core is
//! built from, switched to `loom`'s models under `cfg(loom)` so the model
//! checker sees every one of them. Nothing above this module names `std` or
//! `loom` for these.

use crate::hooks::{count, Count};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;

#[cfg(loom)]
pub(crate) use ::loom::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
#[cfg(loom)]
pub(crate) use ::loom::sync::Arc;

/// The core's internal lock, here beside the other building blocks
/// because the channel names it so; natively and under loom alike it is
/// the waiting layer's own (loom models it through this module's atomics).
pub(crate) use crate::wait::RawLock;

/// Lets another thread run on this CPU (under loom, another modelled thread).
pub(crate) fn yield_now() {
    count(Count::Yield);
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    ::loom::thread::yield_now();
}

/// A plain mutex for small, short-held data (a task's waker): natively the
/// core's [`RawLock`] around the value, under loom loom's mutex.
pub(crate) struct Mutex<T> {
    #[cfg(not(loom))]
    lock: RawLock,
    #[cfg(not(loom))]
    value: std::cell::UnsafeCell<T>,
    #[cfg(loom)]
    inner: ::loom::sync::Mutex<T>,
}

// SAFETY: the value is reached only through a guard, which holds the lock,
// so sharing the mutex moves the value between threads: T: Send.
#[cfg(not(loom))]
unsafe impl<T: Send> Send for Mutex<T> {}
// SAFETY: as above.
#[cfg(not(loom))]
unsafe impl<T: Send> Sync for Mutex<T> {}

/// The value of a locked [`Mutex`]; unlocks on drop.
#[cfg(not(loom))]
pub(crate) struct MutexGuard<'a, T> {
    mutex: &'a Mutex<T>,
    /// Shared between threads only where a `&mut T` may be.
    _value: std::marker::PhantomData<&'a mut T>,
}

impl<T> Mutex<T> {
    #[cfg(not(loom))]
    pub(crate) fn new(value: T) -> Self {
        Mutex {
            lock: RawLock::new(),
            value: std::cell::UnsafeCell::new(value),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        Mutex {
            inner: ::loom::sync::Mutex::new(value),
        }
    }

    #[cfg(not(loom))]
    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.lock.lock();
        MutexGuard {
            mutex: self,
            _value: std::marker::PhantomData,
        }
    }

    #[cfg(loom)]
    pub(crate) fn lock(&self) -> ::loom::sync::MutexGuard<'_, T> {
        self.inner.lock().unwrap()
    }
}

#[cfg(not(loom))]
impl<T> std::ops::Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, and `&self` rules out a `&mut`
        // from `deref_mut` meanwhile.
        unsafe { &*self.mutex.value.get() }
    }
}

#[cfg(not(loom))]
impl<T> std::ops::DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, and `&mut self` makes this the
        // only reference.
        unsafe { &mut *self.mutex.value.get() }
    }
}

#[cfg(not(loom))]
impl<T> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard holds the lock, and releases it once.
        unsafe { self.mutex.lock.unlock() }
    }
}

/// A value read and written only holding some lock (which one, its owner
/// says). Natively a plain cell; under loom, loom's, which fails a model in
/// which two accesses are not ordered by that lock.
pub(crate) struct LockedCell<T> {
    #[cfg(not(loom))]
    cell: std::cell::UnsafeCell<T>,
    #[cfg(loom)]
    cell: ::loom::cell::UnsafeCell<T>,
}

// SAFETY: every access holds the lock that guards the cell (`with_mut`'s
// contract), so sharing the cell moves the value between threads: T: Send.
unsafe impl<T: Send> Sync for LockedCell<T> {}

impl<T> LockedCell<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> LockedCell<T> {
        LockedCell {
            cell: std::cell::UnsafeCell::new(value),
        }
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> LockedCell<T> {
        LockedCell {
            cell: ::loom::cell::UnsafeCell::new(value),
        }
    }

    /// Lends the value to `f`.
    ///
    /// # Safety
    /// The caller holds the lock that guards the cell.
    #[cfg(not(loom))]
    pub(crate) unsafe fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: the caller holds the cell's lock (this function's
        // contract), so no other access overlaps this one.
        f(unsafe { &mut *self.cell.get() })
    }

    #[cfg(loom)]
    pub(crate) unsafe fn with_mut<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        // SAFETY: as the native `with_mut`.
        self.cell.with_mut(|p| f(unsafe { &mut *p }))
    }
}

/// Orders a buffer's claim (a SeqCst compare-and-swap of its head or tail)
/// before the SeqCst loads that follow it, such as that of the other side's
/// waiting count. Natively they are already in the single total order of
/// SeqCst operations, so nothing is emitted; loom models SeqCst accesses as
/// acquire/release only and needs the fence to see that order.
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
