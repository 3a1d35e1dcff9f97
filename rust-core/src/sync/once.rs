//! [`Once`]: a three-state word (empty, running, filled), the value's
//! cell, and an [`Event`] the callers that find it running wait on.

use std::cell::UnsafeCell;
use std::mem::MaybeUninit;
use std::time::{Duration, Instant};

use crate::loom::{AtomicUsize, Ordering};
use crate::wait::{const_fn_unless_loom, Backoff, Deadline, Event, Wait};

/// No call has finished; the next caller runs its function.
const EMPTY: usize = 0;
/// A caller is running its function.
const RUNNING: usize = 1;
/// The value is there, for good.
const FILLED: usize = 2;

/// Go's `sync.Once` with a value, or `std::sync::OnceLock`: the first
/// [`call_once`](Once::call_once) runs its function and keeps the value;
/// every later call returns that value without running its own. Callers
/// that come while the first call runs block until it finishes.
///
/// If the function panics, the panic goes to its caller and the `Once`
/// stays empty: the next caller (one that was blocked, or a later one) runs
/// its own function. (Go's `Do` would count the panicking call as done.)
///
/// ```
/// use polyconc::sync::Once;
///
/// static CONFIG: Once<String> = Once::new();
/// let first = CONFIG.call_once(|| "from the first call".to_string());
/// let again = CONFIG.call_once(|| unreachable!("runs once"));
/// assert!(std::ptr::eq(first, again));
/// ```
pub struct Once<T> {
    state: AtomicUsize,
    finished: Event,
    /// Written once, by the caller that moved `state` to `RUNNING`, before
    /// it publishes `FILLED`; read only after `FILLED` is seen.
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: the value is written by one thread (the one running the
// function: T: Send) and shared by reference with all (T: Sync), with the
// state's release and acquire ordering the write before every read.
unsafe impl<T: Send + Sync> Sync for Once<T> {}

impl<T> Once<T> {
    const_fn_unless_loom! {
        /// An empty `Once`; `const`, so it can be a `static`.
        ///
        /// ```
        /// use polyconc::sync::Once;
        /// static ONCE: Once<u32> = Once::new();
        /// assert_eq!(ONCE.get(), None);
        /// ```
        pub fn new() -> Once<T> {
            Once {
                state: AtomicUsize::new(EMPTY),
                finished: Event::new(),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            }
        }
    }

    /// The value, running `f` to make it if no call has yet finished; if
    /// another call is running its function, waits for it. Calling it again
    /// from within `f` blocks forever.
    ///
    /// ```
    /// use polyconc::sync::Once;
    /// let once = Once::new();
    /// assert_eq!(*once.call_once(|| 1), 1);
    /// assert_eq!(*once.call_once(|| 2), 1);
    /// ```
    pub fn call_once(&self, f: impl FnOnce() -> T) -> &T {
        self.call_once_with(f, Wait::FOREVER)
            .expect("a wait without a deadline ends with the value")
    }

    /// [`call_once`](Once::call_once), waiting for another caller's function
    /// as `wait` says: `None` if that is still running when the wait ends
    /// (`f` did not run). The wait bounds only that: this caller's own `f`,
    /// once it runs, runs to the end.
    ///
    /// ```
    /// use polyconc::{sync::Once, Wait};
    /// let once = Once::new();
    /// assert_eq!(once.call_once_with(|| 3, Wait::Now), Some(&3));
    /// ```
    pub fn call_once_with(&self, f: impl FnOnce() -> T, wait: Wait) -> Option<&T> {
        match self.get() {
            Some(value) => Some(value),
            None => self.call_once_slow(f, wait),
        }
    }

    /// [`call_once_with`](Once::call_once_with), waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::sync::Once;
    /// let once = Once::new();
    /// assert_eq!(once.call_once_timeout(|| 'a', Duration::from_millis(1)), Some(&'a'));
    /// ```
    pub fn call_once_timeout(&self, f: impl FnOnce() -> T, timeout: Duration) -> Option<&T> {
        self.call_once_with(f, Wait::timeout(timeout))
    }

    /// [`call_once_with`](Once::call_once_with), waiting until `deadline`
    /// at most.
    ///
    /// ```
    /// use std::time::Instant;
    /// use polyconc::sync::Once;
    /// let once = Once::new();
    /// assert_eq!(once.call_once_deadline(|| 1, Instant::now()), Some(&1));
    /// ```
    pub fn call_once_deadline(&self, f: impl FnOnce() -> T, deadline: Instant) -> Option<&T> {
        self.call_once_with(f, Wait::Until(Deadline::at(deadline)))
    }

    /// The value, if a call has finished.
    ///
    /// ```
    /// use polyconc::sync::Once;
    /// let once = Once::new();
    /// assert_eq!(once.get(), None);
    /// once.call_once(|| "x");
    /// assert_eq!(once.get(), Some(&"x"));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.state.load(Ordering::Acquire) == FILLED {
            // SAFETY: `FILLED`, seen with acquire, follows the value's write.
            Some(unsafe { (*self.value.get()).assume_init_ref() })
        } else {
            None
        }
    }

    #[cold]
    fn call_once_slow(&self, f: impl FnOnce() -> T, wait: Wait) -> Option<&T> {
        loop {
            match self
                .state
                .compare_exchange(EMPTY, RUNNING, Ordering::Acquire, Ordering::Acquire)
            {
                Ok(_) => return Some(self.run(f)),
                Err(FILLED) => return self.get(),
                // Running elsewhere: wait until it fills the value or panics.
                Err(_) => {
                    let finished = wait.deadline().and_then(|deadline| {
                        self.finished.wait(
                            || (self.state.load(Ordering::Acquire) != RUNNING).then_some(()),
                            Backoff::Park,
                            deadline,
                        )
                    });
                    finished?;
                }
            }
        }
    }

    /// Runs `f` as the one caller in state `RUNNING`, and fills the value.
    fn run(&self, f: impl FnOnce() -> T) -> &T {
        /// Empties the `Once` again if `f` panics, and tells the waiters.
        struct Unwinding<'a, T>(&'a Once<T>);
        impl<T> Drop for Unwinding<'_, T> {
            fn drop(&mut self) {
                self.0.state.store(EMPTY, Ordering::Release);
                self.0.finished.notify_all();
            }
        }
        let unwinding = Unwinding(self);
        let value = f();
        std::mem::forget(unwinding);
        // SAFETY: only the caller that moved the state to `RUNNING` writes,
        // and nobody reads before `FILLED`.
        let value = unsafe { (*self.value.get()).write(value) };
        self.state.store(FILLED, Ordering::Release);
        self.finished.notify_all();
        value
    }
}

impl<T> Drop for Once<T> {
    fn drop(&mut self) {
        if self.state.load(Ordering::Acquire) == FILLED {
            // SAFETY: filled, and `&mut self`: nobody else can see the value.
            unsafe { self.value.get_mut().assume_init_drop() }
        }
    }
}

impl<T> Default for Once<T> {
    /// An empty `Once`.
    ///
    /// ```
    /// use polyconc::sync::Once;
    /// assert_eq!(Once::<u8>::default().get(), None);
    /// ```
    fn default() -> Once<T> {
        Once::new()
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Once<T> {
    /// Shows the value, if there is one.
    ///
    /// ```
    /// use polyconc::sync::Once;
    /// let once = Once::new();
    /// once.call_once(|| 5);
    /// assert_eq!(format!("{once:?}"), "Once(Some(5))");
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Once").field(&self.get()).finish()
    }
}
