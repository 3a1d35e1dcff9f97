//! The few synchronisation primitives the core is built from, switched to
//! `loom`'s models under `cfg(loom)` so the model checker sees every atomic,
//! lock and park.

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::Arc;

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicUsize, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::Arc;

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

/// Puts one thread to sleep until another wakes it: the thread's own
/// park/unpark token.
#[cfg(not(loom))]
pub(crate) struct Parker(std::thread::Thread);

#[cfg(not(loom))]
impl Parker {
    /// A parker for the calling thread.
    pub(crate) fn for_current_thread() -> Self {
        Parker(std::thread::current())
    }

    /// Sleeps (on the calling thread, which must be the parker's) until
    /// woken or `deadline` passes, unless `done` already holds. May return
    /// early: callers re-check.
    pub(crate) fn park(&self, done: impl Fn() -> bool, deadline: Option<std::time::Instant>) {
        if done() {
            return;
        }
        count(Count::Park);
        match deadline {
            None => std::thread::park(),
            Some(d) => {
                let now = std::time::Instant::now();
                if d > now {
                    std::thread::park_timeout(d - now);
                }
            }
        }
    }

    /// Wakes the parked thread (or makes its next park return at once).
    pub(crate) fn unpark(&self) {
        count(Count::Wake);
        self.0.unpark();
    }
}

/// The loom model of [`Parker`]: a mutex and a condvar of its own. Loom's
/// `Thread::unpark` is not used, because loom 0.7 aborts when an unpark
/// reaches a thread blocked on something else (tokio-rs/loom#249), which a
/// late unpark legitimately does under std.
#[cfg(loom)]
pub(crate) struct Parker {
    lock: loom::sync::Mutex<()>,
    woken: loom::sync::Condvar,
}

#[cfg(loom)]
impl Parker {
    pub(crate) fn for_current_thread() -> Self {
        Parker {
            lock: loom::sync::Mutex::new(()),
            woken: loom::sync::Condvar::new(),
        }
    }

    /// Loom has no clock: every park is untimed.
    pub(crate) fn park(&self, done: impl Fn() -> bool, _deadline: Option<std::time::Instant>) {
        let guard = self.lock.lock().unwrap();
        if !done() {
            drop(self.woken.wait(guard).unwrap());
        }
    }

    pub(crate) fn unpark(&self) {
        let _guard = self.lock.lock().unwrap();
        self.woken.notify_all();
    }
}

/// A point where a test may pause this thread (feature `test-hooks`);
/// nothing otherwise.
#[inline(always)]
pub(crate) fn hook(point: Point) {
    #[cfg(all(feature = "test-hooks", not(loom)))]
    crate::test_hooks::reach(point);
    #[cfg(not(all(feature = "test-hooks", not(loom))))]
    let _ = point;
}

/// Counts an event of this thread (feature `test-hooks`); nothing otherwise.
#[inline(always)]
pub(crate) fn count(what: Count) {
    #[cfg(all(feature = "test-hooks", not(loom)))]
    crate::test_hooks::count(what);
    #[cfg(not(all(feature = "test-hooks", not(loom))))]
    let _ = what;
}

/// A place in the channel's code where a test may pause a thread (see
/// `test_hooks::Pause`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Point {
    /// A buffered send has claimed its slot and not yet written the value.
    SendClaimed,
    /// A buffered receive has claimed its slot and not yet read the value.
    RecvClaimed,
    /// A send to a list buffer (unbounded, or above 65,536) has read the
    /// tail it will try to claim, and not yet checked for room.
    SendReadTail,
}

/// What a thread counts as it runs (see `test_hooks::Counts`).
pub(crate) enum Count {
    /// It went to sleep (a park of its thread).
    Park,
    /// It woke a sleeping thread (an unpark).
    Wake,
    /// Another thread claimed the buffer position it tried to claim.
    LostClaim,
    /// It registered to be told when a buffered channel can go on.
    Watch,
    /// It told a registered waiter of a buffered channel.
    Tell,
    /// A refused buffer operation of its paused and tried again.
    Retry,
    /// It gave up its CPU (a yield) while waiting for another thread.
    Yield,
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
            yield_now();
        }
    }
    #[cfg(loom)]
    {
        let _ = step;
        yield_now();
    }
}

/// Lets another thread run on this CPU (under loom, another modelled thread).
pub(crate) fn yield_now() {
    count(Count::Yield);
    #[cfg(not(loom))]
    std::thread::yield_now();
    #[cfg(loom)]
    loom::thread::yield_now();
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

/// Whether this process may run on one CPU only (a `taskset -c 0`, a
/// one-core container), where busy-waiting for a partner is pure loss.
/// Read once: the affinity rarely changes while a process runs.
pub(crate) fn one_cpu() -> bool {
    #[cfg(not(loom))]
    {
        static ONE_CPU: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *ONE_CPU.get_or_init(|| std::thread::available_parallelism().is_ok_and(|n| n.get() == 1))
    }
    #[cfg(loom)]
    false
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
    cell: loom::cell::UnsafeCell<std::mem::MaybeUninit<T>>,
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
        cell.write(ValueCell::new());
        #[cfg(not(loom))]
        let _ = cell;
    }

    /// Lends the value to `f`.
    ///
    /// # Safety
    /// The cell holds a value, and no one takes or writes it meanwhile.
    #[cfg(not(loom))]
    pub(crate) unsafe fn with_value<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        f((*self.cell.get()).assume_init_ref())
    }

    #[cfg(loom)]
    pub(crate) unsafe fn with_value<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        self.cell.with(|p| f((*p).assume_init_ref()))
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
        self.with_mut(|p| p.write(std::mem::MaybeUninit::new(value)));
    }

    /// Moves the value out, leaving the cell empty.
    ///
    /// # Safety
    /// The cell holds a value, and the caller alone may touch it.
    pub(crate) unsafe fn take(&self) -> T {
        self.with_mut(|p| p.read().assume_init())
    }
}
