//! The few synchronisation primitives the core is built from, switched to
//! `loom`'s models under `cfg(loom)` so the model checker sees every atomic,
//! lock and park.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;
#[cfg(not(loom))]
pub(crate) use std::thread::{current as current_thread, Thread};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::Arc;
#[cfg(loom)]
pub(crate) use loom::thread::{current as current_thread, Thread};

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
        self.0.unlock();
    }
}

/// The loom model of [`RawLock`]: a flag guarded by a mutex and a condvar.
#[cfg(loom)]
pub(crate) struct RawLock {
    held: loom::sync::Mutex<bool>,
    freed: loom::sync::Condvar,
}

#[cfg(loom)]
impl RawLock {
    pub(crate) fn new() -> Self {
        RawLock {
            held: loom::sync::Mutex::new(false),
            freed: loom::sync::Condvar::new(),
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

/// Parks the current thread until it is unparked or `deadline` passes.
/// Loom has no clock, so under loom every wait is untimed.
pub(crate) fn park_until(deadline: Option<std::time::Instant>) {
    #[cfg(not(loom))]
    match deadline {
        None => std::thread::park(),
        Some(d) => {
            let now = std::time::Instant::now();
            if d > now {
                std::thread::park_timeout(d - now);
            }
        }
    }
    #[cfg(loom)]
    {
        let _ = deadline;
        loom::thread::park();
    }
}

/// Short busy-wait used before parking; a no-op under loom, which must see
/// every retry as a real step.
pub(crate) fn spin(step: u32) {
    #[cfg(not(loom))]
    {
        if step < SPIN_STEPS {
            for _ in 0..(1u32 << step) {
                std::hint::spin_loop();
            }
        } else {
            std::thread::yield_now();
        }
    }
    #[cfg(loom)]
    {
        let _ = step;
        loom::thread::yield_now();
    }
}

/// Steps of exponential spinning (1, 2, 4, ... pause instructions) before
/// [`spin`] switches to yielding the CPU.
#[cfg(not(loom))]
const SPIN_STEPS: u32 = 7;

/// A plain mutex for small, short-held data (a task's waker).
pub(crate) struct Mutex<T> {
    #[cfg(not(loom))]
    inner: parking_lot::Mutex<T>,
    #[cfg(loom)]
    inner: loom::sync::Mutex<T>,
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
    fn make(value: T) -> loom::sync::Mutex<T> {
        loom::sync::Mutex::new(value)
    }

    #[cfg(not(loom))]
    pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, T> {
        self.inner.lock()
    }

    #[cfg(loom)]
    pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
        self.inner.lock().unwrap()
    }
}
