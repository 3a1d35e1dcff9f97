//! Waiting for a future: [`Future::ready`] and [`Future::result`] (Scala's
//! `Await`), on the core's waiting layer.

use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use super::state::Hook;
use super::{Failure, Future};
use crate::exec::blocking;
use crate::wait::{Backoff, Deadline, Event, Wait};

impl<T: Send + Sync + 'static> Future<T> {
    /// Waits until the future is completed, at most `timeout` (too large =
    /// forever); a [`Timeout`](super::Timeout) failure if it is not (Scala's
    /// `Await.ready`). On a worker of a pool the wait counts as
    /// [`blocking`]: the pool runs a spare thread
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
        // A completed future needs no deadline, so no read of the clock.
        let wait = if self.is_completed() {
            Wait::Now
        } else {
            Wait::timeout(timeout)
        };
        self.ready_with(wait)
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

    /// [`Future::ready`] for a [`Wait`]: `Wait::Now` only looks, `Wait::Until`
    /// waits until the deadline (the form the bindings convert their
    /// timeouts to).
    ///
    /// ```
    /// use polyconc::future::Future;
    /// use polyconc::Wait;
    /// assert!(Future::successful(1).ready_with(Wait::Now).is_ok());
    /// assert!(Future::<()>::never().ready_with(Wait::Now).unwrap_err().is_timeout());
    /// ```
    pub fn ready_with(&self, wait: Wait) -> Result<&Self, Failure> {
        if self.wait_until(wait.deadline()) {
            Ok(self)
        } else {
            Err(Failure::timeout())
        }
    }

    /// [`Future::result`] for a [`Wait`].
    ///
    /// ```
    /// use polyconc::future::Future;
    /// use polyconc::Wait;
    /// assert_eq!(Future::successful(2).result_with(Wait::FOREVER), Ok(2));
    /// ```
    pub fn result_with(&self, wait: Wait) -> Result<T, Failure>
    where
        T: Clone,
    {
        self.ready_with(wait)?;
        self.done().clone()
    }

    fn wait_until(&self, deadline: Option<Deadline>) -> bool {
        if self.is_completed() {
            forget_wait(self.core_key());
            return true;
        }
        let Some(deadline) = deadline.filter(|d| !d.is_past()) else {
            return false;
        };
        if let Some(event) = self.remembered_event() {
            let done = self.block_on((*event).as_ref(), deadline);
            if done {
                forget_wait(self.core_key());
            }
            return done;
        }
        let told = self.told();
        let done = self.block_on(&told.event, deadline);
        if done {
            keep_spare(told);
        } else {
            self.remember_wait(told);
        }
        done
    }

    /// Sleeps on `event` until this future is completed or `deadline`
    /// passes, counted as [`blocking`] on a pool's worker.
    fn block_on(&self, event: &Event, deadline: Deadline) -> bool {
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

    /// The event of this thread's last wait if it was for this future and
    /// timed out: waiting again for the same future (in slices, as a
    /// binding that checks for signals does) adds no hook per slice.
    fn remembered_event(&self) -> Option<ToldEvent> {
        if cfg!(loom) {
            return None;
        }
        let key = self.core_key();
        LAST_WAIT.with(|w| {
            w.borrow()
                .as_ref()
                .filter(|last| last.key == key)
                .map(|last| Arc::clone(&last.event))
        })
    }

    /// A wait for this future timed out: the thread keeps its event for the
    /// next one (and the future, so that its key is not reused meanwhile).
    fn remember_wait(&self, event: ToldEvent) {
        if cfg!(loom) {
            return;
        }
        let last = LastWait {
            key: self.core_key(),
            _future: Box::new(self.clone()),
            event,
        };
        let replaced = LAST_WAIT.with(|w| w.borrow_mut().replace(last));
        drop(replaced); // outside the borrow: dropping a future may run code
    }

    /// An event told (`notify_all`) on the completing thread, at once,
    /// when this future completes: for a blocked thread's wait and an
    /// `.await`. One allocation is at once the event and the hook that
    /// tells it.
    pub(crate) fn told_event(&self) -> ToldEvent {
        self.told()
    }

    /// [`Future::told_event`], reusing this thread's spare if it has one
    /// of this type ([`keep_spare`]).
    fn told(&self) -> Arc<Told<T>> {
        let told = take_spare::<T>().unwrap_or_else(|| {
            Arc::new(Told {
                hook: Hook::new(Told::<T>::fire, Told::<T>::release),
                event: Event::new(),
            })
        });
        let hook = Arc::into_raw(Arc::clone(&told)).cast::<Hook<T>>();
        // SAFETY: the hook is ours (one reference leaked into it) and alone:
        // a spare is reused only once nobody else holds it.
        unsafe { self.add_hooks(hook, hook) };
        told
    }

    fn core_key(&self) -> *const () {
        (self.core() as *const super::state::Core<T>).cast()
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

/// An event told when a future completes (see [`Future::told_event`]).
pub(crate) type ToldEvent = Arc<dyn AsRef<Event> + Send + Sync>;

/// [`Future::told_event`]'s allocation: the hook and the event it tells.
#[repr(C)]
struct Told<T> {
    /// First, so a `*const Hook<T>` is a `*const Told<T>` (repr(C)).
    hook: Hook<T>,
    event: Event,
}

// SAFETY: the hook's link is touched only by whoever holds the stack it is
// on (see `state`), one thread at a time; the event is shared by design.
unsafe impl<T> Send for Told<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Told<T> {}

impl<T> AsRef<Event> for Told<T> {
    fn as_ref(&self) -> &Event {
        &self.event
    }
}

impl<T> Told<T> {
    /// # Safety
    /// `hook` is the reference `told_event` leaked, fired or released once.
    unsafe fn fire(hook: *const Hook<T>, _: &Future<T>) {
        // SAFETY: see above.
        let told = unsafe { Arc::from_raw(hook.cast::<Self>()) };
        told.event.notify_all();
    }

    /// # Safety
    /// As `fire`.
    unsafe fn release(hook: *const Hook<T>) {
        // SAFETY: see above.
        drop(unsafe { Arc::from_raw(hook.cast::<Self>()) });
    }
}

/// The future a thread last waited for without seeing it complete.
struct LastWait {
    key: *const (),
    /// Keeps the future, so `key` cannot be reused by another one.
    _future: Box<dyn Any>,
    event: ToldEvent,
}

thread_local! {
    static LAST_WAIT: RefCell<Option<LastWait>> = const { RefCell::new(None) };
    /// The events of this thread's last two waits that ended with their
    /// future completed, newest first, kept for the next waits for futures
    /// of the same type: a thread that waits again and again (a hand-off)
    /// allocates neither the event nor its wait queue's room each time.
    /// Two, because the completing thread may still be inside the last
    /// one's hook (it wakes the waiter before it lets go of the event),
    /// while the one before is long done.
    static SPARES: RefCell<[Option<Spare>; 2]> = const { RefCell::new([None, None]) };
}

type Spare = Arc<dyn Any + Send + Sync>;

/// Keeps `told`, whose wait ended with its future completed, as this
/// thread's newest spare (the oldest one goes). Its hook may still be
/// firing on the completing thread; [`take_spare`] reuses a spare only once
/// nobody else holds it.
fn keep_spare<T: Send + Sync + 'static>(told: Arc<Told<T>>) {
    if cfg!(loom) {
        return;
    }
    // Outside the borrow: dropping the evicted spare may run code. A
    // thread whose locals are gone keeps none.
    let evicted = SPARES.try_with(|s| {
        let mut s = s.borrow_mut();
        let oldest = s[1].take();
        s[1] = s[0].replace(told);
        oldest
    });
    drop(evicted);
}

/// One of this thread's spares, if it is for futures of `T` and its hook
/// is done with it (fired: a `Told` is told once; no `.await` shares one).
fn take_spare<T: Send + Sync + 'static>() -> Option<Arc<Told<T>>> {
    if cfg!(loom) {
        return None;
    }
    SPARES
        .try_with(|s| {
            let mut s = s.borrow_mut();
            s.iter_mut().find_map(|slot| {
                let spare = slot.take()?;
                match spare.downcast::<Told<T>>() {
                    Ok(mut told) => {
                        if Arc::get_mut(&mut told).is_some() {
                            return Some(told);
                        }
                        *slot = Some(told); // still held: maybe next time
                        None
                    }
                    Err(other) => {
                        *slot = Some(other); // another type's: kept for it
                        None
                    }
                }
            })
        })
        .ok()
        .flatten()
}

/// The wait for `key` is over: drop the remembered registration.
fn forget_wait(key: *const ()) {
    if cfg!(loom) {
        return;
    }
    let last = LAST_WAIT.with(|w| {
        let mut w = w.borrow_mut();
        if w.as_ref().is_some_and(|last| last.key == key) {
            w.take()
        } else {
            None
        }
    });
    drop(last); // outside the borrow: dropping a future may run code
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
