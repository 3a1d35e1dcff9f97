//! The small shared waker: one [`Waiter`] stands for one blocked operation (a
//! send, a receive, or a whole select with all its cases). Whoever completes
//! the operation first *claims* the waiter for one case, writes the result,
//! then marks it done and wakes the owner: a parked thread or an async task.

use std::cell::RefCell;
use std::task::Waker;
use std::time::{Duration, Instant};

use crate::primitives::{fence, spin, Arc, AtomicBool, AtomicUsize, Ordering, Parker};

/// `state` while nobody has claimed the waiter.
const WAITING: usize = usize::MAX;
/// `state` once the owner gave up (timeout, cancellation).
const ABORTED: usize = usize::MAX - 1;

/// The most pause-spin steps (1, 2, 4, ... pauses: a few microseconds in
/// all) a blocked thread takes before it starts yielding.
const MAX_SPIN_STEPS: u32 = 7;

/// How long a blocked thread yields before it parks.
const YIELD_FOR: Duration = Duration::from_micros(30);

/// How many times [`forget_all`] ran: a waiter made in an earlier epoch
/// belongs to a thread that a forked child does not have. Not a loom
/// atomic: it changes only in a child that runs one thread.
static EPOCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn epoch() -> usize {
    EPOCH.load(std::sync::atomic::Ordering::Relaxed)
}

/// Makes every waiter that exists now unclaimable (see
/// `chan::forget_waiters_after_fork`).
pub(crate) fn forget_all() {
    EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

pub(crate) struct Waiter {
    /// The [`EPOCH`] it was made in; claimed only in that epoch.
    epoch: usize,
    /// `WAITING`, `ABORTED`, or the index of the case that was claimed.
    state: AtomicUsize,
    /// Set (release) after the claimer wrote the case's slot.
    done: AtomicBool,
    /// Set by the owner before it parks, so a waker can skip the unpark
    /// (a write to the owner thread's own state) while the owner still spins.
    sleeping: AtomicBool,
    wake: Wake,
}

enum Wake {
    Thread(Parker),
    Task(crate::primitives::Mutex<Option<Waker>>),
}

impl Waiter {
    /// A waiter for the current thread, reused from a thread-local cache
    /// when no one else still holds it; a fresh one when the cache is gone
    /// (a channel used by a thread-local's destructor).
    pub(crate) fn for_thread() -> Arc<Waiter> {
        thread_local! {
            static CACHED: RefCell<Option<Arc<Waiter>>> = const { RefCell::new(None) };
        }
        let fresh = || {
            Arc::new(Waiter {
                epoch: epoch(),
                state: AtomicUsize::new(WAITING),
                done: AtomicBool::new(false),
                sleeping: AtomicBool::new(false),
                wake: Wake::Thread(Parker::for_current_thread()),
            })
        };
        if cfg!(loom) {
            return fresh();
        }
        CACHED
            .try_with(|cell| {
                let mut cached = cell.borrow_mut();
                match cached.as_mut() {
                    Some(w) if Arc::strong_count(w) == 1 && w.epoch == epoch() => {
                        w.state.store(WAITING, Ordering::Relaxed);
                        w.done.store(false, Ordering::Relaxed);
                        w.sleeping.store(false, Ordering::Relaxed);
                        Arc::clone(w)
                    }
                    _ => {
                        let w = fresh();
                        *cached = Some(Arc::clone(&w));
                        w
                    }
                }
            })
            .unwrap_or_else(|_| fresh())
    }

    /// A waiter for an async task, woken through `waker`.
    pub(crate) fn for_task(waker: &Waker) -> Arc<Waiter> {
        Arc::new(Waiter {
            epoch: epoch(),
            state: AtomicUsize::new(WAITING),
            done: AtomicBool::new(false),
            sleeping: AtomicBool::new(false),
            wake: Wake::Task(crate::primitives::Mutex::new(Some(waker.clone()))),
        })
    }

    /// Replaces the task's waker (a future may be polled by another task).
    fn set_waker(&self, waker: &Waker) {
        if let Wake::Task(slot) = &self.wake {
            let mut slot = slot.lock();
            if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
        }
    }

    /// For a task: whether the waiter is done; if not, `waker` is now the
    /// one to wake (checked again after setting it, since a completion in
    /// between would have woken the old one).
    pub(crate) fn poll_done(&self, waker: &Waker) -> bool {
        if self.is_done() {
            return true;
        }
        self.set_waker(waker);
        self.is_done()
    }

    /// Claims the waiter for `case`. Only one claim ever succeeds, and none
    /// after [`Waiter::abort`] or in a later epoch than the waiter's.
    pub(crate) fn try_claim(&self, case: usize) -> bool {
        self.epoch == epoch()
            && self
                .state
                .compare_exchange(WAITING, case, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// The owner gives up; false if someone claimed the waiter first.
    pub(crate) fn abort(&self) -> bool {
        self.state
            .compare_exchange(WAITING, ABORTED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The claimed case, once [`Waiter::is_done`].
    pub(crate) fn claimed_case(&self) -> usize {
        self.state.load(Ordering::Acquire)
    }

    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Publishes the claimer's writes. Call [`Waiter::wake`] afterwards,
    /// preferably outside the channel's lock.
    pub(crate) fn complete(&self) {
        self.done.store(true, Ordering::Release);
    }

    pub(crate) fn wake(&self) {
        match &self.wake {
            Wake::Thread(parker) => {
                // Pairs with the fence in `wait`: either the owner sees `done`
                // before it parks, or we see `sleeping` here.
                fence(Ordering::SeqCst);
                if self.sleeping.load(Ordering::Relaxed) {
                    parker.unpark();
                }
            }
            Wake::Task(slot) => {
                // Out of the lock first: a waker may block (a Python one takes
                // the GIL) while the task re-polls and sets a new waker.
                let waker = slot.lock().take();
                if let Some(w) = waker {
                    w.wake();
                }
            }
        }
    }

    /// Blocks the owning thread until the waiter is done (true) or
    /// `deadline` passes (false). A false return means nothing was claimed:
    /// the caller may have to take back its registrations, and a claim that
    /// raced with the deadline is seen as done.
    ///
    /// Three phases: pause-spinning catches a partner already running on
    /// another core (adaptively: each thread spins longer after spinning
    /// worked and shorter after it did not, so a partner descheduled by
    /// other load, or sharing our core, is not waited for in vain); then
    /// yielding for a while lets a
    /// partner on the same core run, and outlasts a partner's wake-up delay on
    /// another (parking both sides turns every handoff into two futex round
    /// trips, the collapse crossbeam shows on rendezvous channels); then park.
    pub(crate) fn wait(&self, deadline: Option<Instant>) -> bool {
        let budget = spin_budget();
        for step in 0..budget {
            if self.is_done() {
                // Spinning paid off: spin a little longer next time.
                set_spin_budget(budget + 1);
                return true;
            }
            spin(step);
        }
        // It did not: the partner is slow or shares our core; spin less.
        set_spin_budget(budget.saturating_sub(1));
        if !cfg!(loom) {
            let mut until = Instant::now() + YIELD_FOR;
            if let Some(d) = deadline {
                until = until.min(d);
            }
            while !self.is_done() {
                if Instant::now() >= until {
                    break;
                }
                std::thread::yield_now();
            }
        }
        self.park(deadline)
    }

    /// [`Waiter::wait`] without its spinning and yielding: sleeps at once.
    /// For a waiter whose partners are better left running alone for a
    /// while (see `Inner::watch_and_wait`): one that follows them slot by
    /// slot shares every cache line with them.
    pub(crate) fn park(&self, deadline: Option<Instant>) -> bool {
        loop {
            if self.is_done() {
                return true;
            }
            if let Some(d) = deadline {
                if Instant::now() >= d {
                    return false;
                }
            }
            if let Wake::Thread(parker) = &self.wake {
                self.sleeping.store(true, Ordering::Relaxed);
                fence(Ordering::SeqCst);
                parker.park(|| self.is_done(), deadline);
            }
        }
    }
}

thread_local! {
    /// This thread's current pause-spin steps; see [`Waiter::wait`].
    static SPIN_BUDGET: std::cell::Cell<u32> = const { std::cell::Cell::new(MAX_SPIN_STEPS) };
}

/// Pause-spin steps for this thread's next wait: none with one CPU to run on
/// (spinning only delays the partner), none under loom (whose threads share
/// one OS thread, and so this thread-local).
fn spin_budget() -> u32 {
    if cfg!(loom) || crate::primitives::one_cpu() {
        0
    } else {
        // The starting budget once the thread-local is gone (see `for_thread`).
        SPIN_BUDGET.try_with(|b| b.get()).unwrap_or(MAX_SPIN_STEPS)
    }
}

fn set_spin_budget(steps: u32) {
    if !cfg!(loom) {
        let _ = SPIN_BUDGET.try_with(|b| b.set(steps.clamp(1, MAX_SPIN_STEPS)));
    }
}
