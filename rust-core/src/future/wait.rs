//! Waiting for a future: [`Future::ready`] and [`Future::result`] (Scala's
//! `Await`), on the core's waiting layer.

use std::sync::Arc;
use std::time::Duration;

use super::state::Hook;
use super::{Failure, Future};
use crate::exec::blocking;
use crate::wait::{Backoff, Deadline, Event};

impl<T: Send + Sync + 'static> Future<T> {
    /// Waits until the future is completed, at most `timeout` (too large =
    /// forever); a [`Timeout`](super::Timeout) failure if it is not (Scala's
    /// `Await.ready`). On a worker of a pool the wait counts as
    /// [`blocking`](crate::exec::blocking): the pool runs a spare thread
    /// meanwhile, so waiting for a future that another task of the same
    /// pool completes does not deadlock. The waiting thread parks; it never
    /// runs other tasks meanwhile.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::future::Promise;
    /// let p = Promise::<()>::new();
    /// assert!(p.future().ready(Duration::ZERO).unwrap_err().is_timeout());
    /// p.success(()).unwrap();
    /// assert!(p.future().ready(Duration::ZERO).is_ok());
    /// ```
    pub fn ready(&self, timeout: Duration) -> Result<&Self, Failure> {
        if self.wait_until(Deadline::after(timeout)) {
            Ok(self)
        } else {
            Err(Failure::timeout())
        }
    }

    /// Waits as [`Future::ready`], then gives a copy of the value, or the
    /// failure (Scala's `Await.result`). A wait that times out is a
    /// [`Timeout`](super::Timeout) failure.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::exec::global;
    /// use polyconc::future::future;
    /// let f = future(&global(), || vec![1, 2]);
    /// assert_eq!(f.result(Duration::from_secs(10)), Ok(vec![1, 2]));
    /// ```
    pub fn result(&self, timeout: Duration) -> Result<T, Failure>
    where
        T: Clone,
    {
        self.ready(timeout)?;
        self.done().clone()
    }

    fn wait_until(&self, deadline: Deadline) -> bool {
        if self.is_completed() {
            return true;
        }
        if deadline.is_past() {
            return false;
        }
        let event = Arc::new(Event::new());
        let told = Arc::clone(&event);
        self.notify_when_done(move || told.notify_all());
        blocking(|| {
            event
                .wait(
                    || self.is_completed().then_some(()),
                    Backoff::Adaptive,
                    deadline,
                )
                .is_some()
        })
    }

    /// Calls `f` on the completing thread, at once, outside any trampoline:
    /// for wake-ups, which must not wait behind the completing thread's own
    /// tasks (that thread may be about to block for the woken one).
    pub(crate) fn notify_when_done<F: FnOnce() + Send + 'static>(&self, f: F) {
        let hook = Box::into_raw(Box::new(Notify {
            hook: Hook::new(Notify::<T, F>::fire, Notify::<T, F>::release),
            f,
        }));
        // SAFETY: the hook is ours, alone.
        unsafe { self.add_hooks(hook.cast(), hook.cast()) };
    }
}

/// A hook that runs a small closure where the future completes.
#[repr(C)]
struct Notify<T, F> {
    hook: Hook<T>,
    f: F,
}

impl<T, F: FnOnce()> Notify<T, F> {
    /// # Safety
    /// `hook` is a leaked `Box<Notify<T, F>>`, fired or released once.
    unsafe fn fire(hook: *const Hook<T>, _: &Future<T>) {
        // SAFETY: see above.
        let notify = unsafe { Box::from_raw(hook as *mut Self) };
        (notify.f)();
    }

    /// # Safety
    /// As `fire`.
    unsafe fn release(hook: *const Hook<T>) {
        // SAFETY: see above.
        drop(unsafe { Box::from_raw(hook as *mut Self) });
    }
}
