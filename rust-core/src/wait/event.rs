//! [`Event`]: "something changed, re-check", for waiters that are told
//! rather than handed anything.

use std::task::{Context, Poll};

use super::{const_fn_unless_loom, Backoff, Deadline, WaitQueue, Waiter};
use crate::loom::{fence, Arc, Ordering};

/// The case an event's waiters are claimed for: told.
const TOLD: usize = 0;

/// How many waiters [`Event::notify_all`] claims per hold of the lock
/// (one under loom, so that its models cover a tell in several batches).
const TELL_BATCH: usize = if cfg!(loom) { 1 } else { 8 };

/// Waiters for a condition on some other state (a count reaching zero, a
/// permit, a value): they re-check it when told. The state's owner changes
/// it, then calls [`Event::notify_one`] or [`Event::notify_all`], which cost
/// a fence and a load while nobody waits.
///
/// The waiter's side is [`Event::wait`] for a thread and
/// [`Event::poll_wait`] for a task. Both take the re-check as a closure
/// `ready` that returns `Some` once the waiter may go on (and may take
/// what it found, a permit for instance).
pub(crate) struct Event {
    waiters: WaitQueue<()>,
}

/// An async waiter's registration with an [`Event`]; kept in the future,
/// and given back with [`Event::stop_watching`] when the future is dropped.
#[derive(Default)]
pub(crate) struct Watch {
    waiter: Option<Arc<Waiter>>,
}

impl Event {
    const_fn_unless_loom! {
        /// An event nobody waits for.
        pub(crate) fn new() -> Event {
            Event {
                waiters: WaitQueue::new(),
            }
        }
    }

    /// Whether anyone waits (or was told and has not re-checked yet); the
    /// tests' view of the registrations (`notify_*` look for themselves).
    #[cfg(test)]
    pub(crate) fn has_waiters(&self) -> bool {
        self.waiters.len() != 0
    }

    /// Tells the longest-waiting waiter to re-check. Call after changing
    /// the state it re-checks.
    pub(crate) fn notify_one(&self) {
        // Pairs with the fence after registering in `register`: either we
        // see the waiter here, or it sees our change when it re-checks.
        fence(Ordering::SeqCst);
        if self.waiters.len() != 0 {
            self.tell(1);
        }
    }

    /// Tells every waiter to re-check.
    pub(crate) fn notify_all(&self) {
        fence(Ordering::SeqCst);
        if self.waiters.len() != 0 {
            self.tell(usize::MAX);
        }
    }

    /// Tells up to `most` waiters, [`TELL_BATCH`] at a time: each batch is
    /// claimed and completed under the lock and woken after it, with no
    /// allocation (a `Vec` per tell was one per wake-up). `notify_all`
    /// tells at most as many as were queued when it began, so waiters
    /// that register again after being told cannot keep it going; one of
    /// them told early re-checks, which is harmless.
    #[inline(never)]
    fn tell(&self, most: usize) {
        let mut left = most;
        while left != 0 {
            let mut told: [Option<Arc<Waiter>>; TELL_BATCH] = [const { None }; TELL_BATCH];
            let mut n = 0;
            {
                let mut q = self.waiters.lock();
                // The entries (dead ones too) under the lock: at least the
                // live waiters queued before this call.
                left = left.min(self.waiters.len());
                while n < TELL_BATCH && left != 0 {
                    let Some((waiter, ())) = q.pop(TOLD) else {
                        left = 0;
                        break;
                    };
                    waiter.complete();
                    told[n] = Some(waiter);
                    n += 1;
                    left -= 1;
                }
            }
            told.iter().flatten().for_each(|w| w.wake());
        }
    }

    /// Queues `waiter`, then fences: the caller re-checks next.
    fn register(&self, waiter: &Arc<Waiter>) {
        self.waiters.lock().push_back(Arc::clone(waiter), ());
        fence(Ordering::SeqCst);
    }

    /// Takes `waiter`'s registration back; if it was told meanwhile, the
    /// news (which came after the re-check that lets it go) is passed on.
    fn leave(&self, waiter: &Arc<Waiter>) {
        let told = self.waiters.lock().abort(waiter).is_err();
        if told {
            self.notify_one();
        }
    }

    /// Blocks the calling thread until `ready` returns `Some` (re-checked
    /// every time the waiter is told, and once more after registering), or
    /// `deadline` passes (`None`; `ready` is tried a last time first).
    /// Told but not ready after the deadline, it gives up: the change it
    /// was told of was taken by someone else.
    pub(crate) fn wait<R>(
        &self,
        mut ready: impl FnMut() -> Option<R>,
        backoff: Backoff,
        deadline: Deadline,
    ) -> Option<R> {
        loop {
            if let Some(r) = ready() {
                return Some(r);
            }
            // A deadline already past still registers and re-checks once:
            // the timeout path below is then the only way out, for loom too.
            let waiter = Waiter::for_thread();
            self.register(&waiter);
            if let Some(r) = ready() {
                self.leave(&waiter);
                return Some(r);
            }
            if waiter.wait(backoff, deadline) {
                continue;
            }
            if self.waiters.lock().abort(&waiter).is_ok() {
                return ready();
            }
            // Told just as the deadline passed: the news came after our
            // last re-check, so re-check once more.
            return ready();
        }
    }

    /// One poll of an async wait for `ready`, registered in `watch`:
    /// `Ready` once `ready` returns `Some`; `Pending` with the task's waker
    /// registered otherwise (after a re-check that followed the
    /// registration).
    pub(crate) fn poll_wait<R>(
        &self,
        watch: &mut Watch,
        cx: &mut Context<'_>,
        mut ready: impl FnMut() -> Option<R>,
    ) -> Poll<R> {
        loop {
            if let Some(waiter) = &watch.waiter {
                if !waiter.poll_done(cx.waker()) {
                    return Poll::Pending;
                }
                // Told (the teller removed the entry): re-check.
                watch.waiter = None;
            }
            if let Some(r) = ready() {
                return Poll::Ready(r);
            }
            let waiter = Waiter::for_task(cx.waker());
            self.register(&waiter);
            if let Some(r) = ready() {
                self.leave(&waiter);
                return Poll::Ready(r);
            }
            watch.waiter = Some(waiter);
        }
    }

    /// Ends an async wait that will not be polled again (call it from the
    /// future's `Drop`): takes the registration back, or passes on news it
    /// was told and did not re-check.
    pub(crate) fn stop_watching(&self, watch: &mut Watch) {
        if let Some(waiter) = watch.waiter.take() {
            self.leave(&waiter);
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        debug_assert!(
            self.waiter.is_none() || std::thread::panicking(),
            "a Watch dropped while registered: call Event::stop_watching in the future's Drop"
        );
    }
}
