//! [`Waiter`]: one blocked operation, claimed once, completed, woken.

use std::cell::{RefCell, UnsafeCell};
use std::mem::MaybeUninit;
use std::task::Waker;

use super::park::{park_until, Parker};
use super::{Backoff, Deadline};
use crate::loom::{fence, Arc, AtomicBool, AtomicUsize, Mutex, Ordering};

/// `state` while nobody has claimed the waiter.
const WAITING: usize = usize::MAX;
/// `state` once the owner gave up (timeout, cancellation).
const ABORTED: usize = usize::MAX - 1;

/// How many waiters a thread keeps for reuse (see [`Waiter::for_thread`]).
const SPARES: usize = 2;

thread_local! {
    /// The thread's spare waiters (see [`Waiter::for_thread`]).
    static CACHED: RefCell<[Option<Arc<Waiter>>; SPARES]> =
        const { RefCell::new([const { None }; SPARES]) };
}

/// How many times [`Waiter::forget_all`] ran: a waiter made in an earlier
/// epoch belongs to a thread that a forked child does not have. Not a loom
/// atomic: it changes only in a child that runs one thread.
static EPOCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn epoch() -> usize {
    EPOCH.load(std::sync::atomic::Ordering::Relaxed)
}

/// One blocked operation: a thread parked in a call, or a pending future.
/// Whoever lets it go claims it for a *case* (a small number whose meaning
/// the primitive defines: "handed the lock", "retry", "told"), completes
/// it, and wakes it; see the protocol in [`crate::wait`].
// `repr(C, align(64))`: what a claimer writes and the owner watches
// (`state`, `done`, `sleeping`, `slot`) share one cache line, apart from
// the `Arc`'s counts in the line before it.
#[repr(C, align(64))]
pub(crate) struct Waiter {
    /// `WAITING`, `ABORTED`, or the claimed case.
    state: AtomicUsize,
    /// Set (release) once the claimer's writes are done.
    done: AtomicBool,
    /// Set by a thread owner before it parks, so that a claimer can skip the
    /// unpark (a write to the owner's own state) while the owner still spins.
    sleeping: AtomicBool,
    /// Room for the value a thread owner's wait moves (see [`Waiter::slot`]).
    slot: UnsafeCell<MaybeUninit<Room>>,
    /// The [`EPOCH`] it was made in; claimed only in that epoch.
    epoch: usize,
    wake: Wake,
}

/// The size and alignment of [`Waiter::slot`]'s room: a word and its
/// `Option` tag, or two words.
type Room = [u64; 2];

// SAFETY: the atomics and the wake handle are shared as their types allow;
// the slot's room is written and read as `Waiter::slot` says (by the owner
// while the waiter is not queued or after its wait, by the claimer between
// its claim and `complete`), so never by two threads at once, and what
// moves through it is a channel's `T: Send`.
unsafe impl Send for Waiter {}
// SAFETY: as for `Send`.
unsafe impl Sync for Waiter {}

enum Wake {
    Thread(Parker),
    Task(Mutex<Option<Waker>>),
}

impl Waiter {
    fn new(wake: Wake) -> Waiter {
        #[cfg(all(test, not(loom)))]
        tests::MADE.with(|m| m.set(m.get() + 1));
        Waiter {
            state: AtomicUsize::new(WAITING),
            done: AtomicBool::new(false),
            sleeping: AtomicBool::new(false),
            slot: UnsafeCell::new(MaybeUninit::uninit()),
            epoch: epoch(),
            wake,
        }
    }

    /// The waiter's own room for one value of type `U`, or `None` if `U`
    /// does not fit (more than two words, or more aligned). A thread owner
    /// whose wait moves a value through its queue entry's slot points the
    /// slot here: the claimer then writes the value into the line it claims
    /// and completes the waiter in, and the woken owner fetches that one
    /// line, not a second one from its stack.
    ///
    /// The room holds no value unless written: the owner writes it before
    /// the waiter is queued and takes what is left after the wait is over
    /// (done, or withdrawn); the claimer may touch it only between its
    /// claim and [`Waiter::complete`].
    pub(crate) fn slot<U>(&self) -> Option<*mut U> {
        let fits = std::mem::size_of::<U>() <= std::mem::size_of::<Room>()
            && std::mem::align_of::<U>() <= std::mem::align_of::<Room>();
        fits.then(|| self.slot.get().cast::<U>())
    }

    /// A waiter for the current thread, reused from a thread-local cache
    /// of [`SPARES`] when no one else still holds it; a fresh one when the
    /// cache is gone (a primitive used by a thread-local's destructor) or
    /// every spare is still held.
    ///
    /// A claimer drops its handle only after waking the owner, and the
    /// woken owner often waits again before that (a rendezvous sender
    /// sends its next value while the receiver is still returning from
    /// the wake-up): with one spare, that second wait allocated. Two
    /// suffice for one partner, whose next claim of ours needs our next
    /// wait, and so the drop of the handle it held before.
    pub(crate) fn for_thread() -> Arc<Waiter> {
        if cfg!(loom) {
            // Loom's threads share one OS thread, and so its thread-locals.
            return Waiter::fresh_for_thread();
        }
        Waiter::with_for_thread(Arc::clone)
    }

    fn fresh_for_thread() -> Arc<Waiter> {
        Arc::new(Waiter::new(Wake::Thread(Parker::for_current_thread())))
    }

    /// Runs `f` with a waiter for the current thread, as
    /// [`Waiter::for_thread`] picks it, but lent by the thread-local cache
    /// rather than cloned: for a wait that hands one clone to its queue
    /// entry, and would otherwise add and drop a count of its own, in the
    /// line its claimer is writing at that moment. `f` must not pick a
    /// thread waiter again (a wait does not: it spins, yields and parks).
    pub(crate) fn with_for_thread<R>(f: impl FnOnce(&Arc<Waiter>) -> R) -> R {
        let fresh = Waiter::fresh_for_thread;
        if cfg!(loom) {
            return f(&fresh());
        }
        let lent = CACHED.try_with(|cell| {
            let mut spares = cell.borrow_mut();
            for w in spares.iter_mut().flatten() {
                // `get_mut`, not a count: it acquires the last holder's
                // drop, so all that holder did with the waiter happened
                // before the reset.
                if let Some(spare) = Arc::get_mut(w).filter(|w| w.epoch == epoch()) {
                    spare.state.store(WAITING, Ordering::Relaxed);
                    spare.done.store(false, Ordering::Relaxed);
                    spare.sleeping.store(false, Ordering::Relaxed);
                    return std::ptr::from_ref(w);
                }
            }
            // An empty slot, a spare made before a fork, or (every
            // spare still held) the first.
            let at = spares
                .iter()
                .position(|w| w.as_ref().is_none_or(|w| w.epoch != epoch()))
                .unwrap_or(0);
            std::ptr::from_ref(spares[at].insert(fresh()))
        });
        match lent {
            // SAFETY: the pointer is to a spare in this thread's cache,
            // which only a later pick on this thread replaces or drops, and
            // `f` makes none (this function's contract); the cache itself
            // outlives any call on its thread.
            Ok(w) => f(unsafe { &*w }),
            Err(_) => f(&fresh()),
        }
    }

    /// Makes every waiter that exists now unclaimable, for a forked child
    /// whose parent's threads are gone (see
    /// `chan::forget_waiters_after_fork`).
    pub(crate) fn forget_all() {
        EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// A waiter for an async task, woken through `waker`.
    pub(crate) fn for_task(waker: &Waker) -> Arc<Waiter> {
        Arc::new(Waiter::new(Wake::Task(Mutex::new(Some(waker.clone())))))
    }

    /// Claims the waiter for `case`. Only one claim ever succeeds, and none
    /// after [`Waiter::abort`] or in a later epoch than the waiter's
    /// ([`Waiter::forget_all`]).
    pub(crate) fn try_claim(&self, case: usize) -> bool {
        debug_assert!(case < ABORTED);
        self.epoch == epoch()
            && self
                .state
                .compare_exchange(WAITING, case, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
    }

    /// For the holder of a claim that passes the waiter on instead of
    /// completing it (a condition variable requeueing it onto a mutex):
    /// changes the claimed case. The waiter stays claimed throughout.
    pub(crate) fn reclaim(&self, case: usize) {
        debug_assert!(case < ABORTED);
        debug_assert!(self.claimed().is_some());
        self.state.store(case, Ordering::Relaxed);
    }

    /// The owner gives up. `Err(case)` if someone claimed the waiter first.
    pub(crate) fn abort(&self) -> Result<(), usize> {
        self.state
            .compare_exchange(WAITING, ABORTED, Ordering::AcqRel, Ordering::Acquire)
            .map(drop)
    }

    /// Whether nobody has claimed the waiter and its owner has not given up.
    pub(crate) fn is_waiting(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
    }

    /// The claimed case, if someone claimed the waiter.
    pub(crate) fn claimed(&self) -> Option<usize> {
        match self.state.load(Ordering::Acquire) {
            WAITING | ABORTED => None,
            case => Some(case),
        }
    }

    /// Whether the claimer completed the waiter (its writes are visible).
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Publishes the claimer's writes. Call [`Waiter::wake`] afterwards,
    /// preferably outside the queue's lock.
    pub(crate) fn complete(&self) {
        self.done.store(true, Ordering::Release);
    }

    /// Wakes the owner of a completed waiter.
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

    /// For a task: whether the waiter is done; if not, `waker` is now the
    /// one to wake (checked again after setting it, since a completion in
    /// between would have woken the old one).
    pub(crate) fn poll_done(&self, waker: &Waker) -> bool {
        if self.is_done() {
            return true;
        }
        if let Wake::Task(slot) = &self.wake {
            let mut slot = slot.lock();
            if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
        }
        self.is_done()
    }

    /// Blocks the owning thread until the waiter is done (true) or
    /// `deadline` passes (false), spending the time before it parks as
    /// `backoff` says. False means nobody had completed the waiter: the
    /// caller aborts it under its queue's lock, and if that fails, the
    /// claim raced with the deadline and is seen as done.
    pub(crate) fn wait(&self, backoff: Backoff, deadline: Deadline) -> bool {
        let deadline = deadline.instant();
        if backoff.before_park(|| self.is_done(), deadline) {
            return true;
        }
        let Wake::Thread(parker) = &self.wake else {
            debug_assert!(false, "a task's waiter is polled, not waited on");
            return self.is_done();
        };
        self.sleeping.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        park_until(parker, || self.is_done(), deadline)
    }
}

/// Asks for the cache line at `p` to be brought in (`prefetcht0`; stable
/// Rust has no `prefetchw`): a hint, nothing is read or written; a no-op
/// off x86-64 and under loom.
#[inline(always)]
pub(crate) fn prefetch_line<U>(p: *mut U) {
    #[cfg(all(target_arch = "x86_64", not(loom)))]
    // SAFETY: a prefetch does not access memory (any address is allowed),
    // and SSE, which it needs, is part of every x86-64 target.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(all(target_arch = "x86_64", not(loom))))]
    let _ = p;
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::cell::Cell;

    use super::Waiter;
    use crate::loom::Arc;

    thread_local! {
        /// Waiters made by this thread.
        pub(super) static MADE: Cell<usize> = const { Cell::new(0) };
    }

    /// The pattern of a rendezvous ping-pong: each wait begins while the
    /// partner that woke this thread still holds the previous waiter. The
    /// thread's two spares take turns; with one, every wait made one.
    #[test]
    fn a_waiter_still_held_by_its_waker_is_not_needed_again() {
        let mut held = Waiter::for_thread();
        let before = MADE.with(Cell::get);
        for _ in 0..100 {
            let waiter = Waiter::for_thread();
            assert!(!Arc::ptr_eq(&waiter, &held), "a held waiter was reused");
            assert!(waiter.is_waiting() && !waiter.is_done());
            // The waker lets go of the previous waiter only now.
            held = waiter;
        }
        assert!(MADE.with(Cell::get) - before <= 1, "made a waiter per wait");
    }
}
