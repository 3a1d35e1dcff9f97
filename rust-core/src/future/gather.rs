//! The bookkeeping of [`sequence`](super::sequence): one allocation for the
//! whole call, a slot per input and a countdown, instead of a combinator
//! per element. An input completed already when `sequence` is called is
//! moved into its slot at once; on each other one the slot is the hook:
//! when the input completes, the slot keeps it and counts down (a failure
//! completes the result at once, on the completing thread). Whoever counts
//! to zero submits the build of the values to the context; the task is the
//! gather itself. No job, task or lock per element: one atomic decrement
//! for a pending input, none for a completed one.

use std::cell::UnsafeCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Weak};

use super::state::Hook;
use super::{Failure, Future, Promise};
use crate::exec::{ExecutionContext, Runnable, ShutDown, Task};
use crate::loom::{AtomicBool, AtomicUsize, Ordering};

pub(crate) struct Gather<T, E> {
    out: Promise<Vec<T>>,
    ec: E,
    /// Slots whose input has not arrived (or been dropped), plus one while
    /// `start` runs. The hooks and `start` hold one reference to the
    /// gather between them; whoever counts to zero takes it back.
    pending: AtomicUsize,
    /// An input was dropped uncompleted: the values will never all be
    /// there, and the result stays pending (as that input did).
    missing: AtomicBool,
    slots: Box<[Slot<T, E>]>,
}

#[repr(C)]
struct Slot<T, E> {
    /// First, so that a `*const Hook<T>` is a `*const Slot` (repr(C)).
    hook: Hook<T>,
    gather: *const Gather<T, E>,
    /// The input once it has succeeded: only completed inputs are kept, so
    /// a pending one holds nothing of the others.
    done: UnsafeCell<Option<Future<T>>>,
}

// SAFETY: a slot's `done` is written once, by its hook or by `start` for
// an input completed already, before that count-down (release); it is
// read only by the build, after the count reached zero (acquire) and the
// context's queue handed the gather over. The `gather` pointers point to
// the allocation that holds them.
unsafe impl<T: Send + Sync, E: Send + Sync> Sync for Gather<T, E> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync, E: Send + Sync> Send for Gather<T, E> {}

impl<T, E> Gather<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
{
    /// Registers a slot on each of the `n` (at least one) inputs still
    /// pending; the future of all their values. The inputs are read one by
    /// one as they are registered, never gathered into a vector of their
    /// own: a binding that turns its handles into futures passes them
    /// straight from its array (the C binding's `pc_future_sequence_take`
    /// made a vector of 24 bytes per input beside its caller's array). An
    /// iterator that gives fewer than `n` leaves the slots it did not fill
    /// missing, as inputs dropped uncompleted (the result stays pending);
    /// what it gives past `n` is dropped unread.
    pub(crate) fn start(
        ec: &E,
        n: usize,
        inputs: impl Iterator<Item = Future<T>>,
    ) -> Future<Vec<T>> {
        let gather = Arc::new_cyclic(|me: &Weak<Self>| Gather {
            out: Promise::new(),
            ec: ec.clone(),
            // One more than the inputs: this call's own share.
            pending: AtomicUsize::new(n + 1),
            missing: AtomicBool::new(false),
            slots: (0..n)
                .map(|_| Slot {
                    hook: Hook::new(Self::fire, Self::release),
                    gather: me.as_ptr(),
                    done: UnsafeCell::new(None),
                })
                .collect(),
        });
        let result = gather.out.future();
        // The hooks' shared reference; this call holds it too until it
        // counts down its share, below.
        let owner = Arc::into_raw(gather);
        // SAFETY: alive until the count reaches zero, after the loop.
        let slots = unsafe { &(*owner).slots };
        // Inputs completed already are taken as they are (moved in, not
        // cloned) and counted down in one go with this call's share.
        let (mut arrived, mut given) = (1, 0);
        for (slot, input) in slots.iter().zip(inputs) {
            given += 1;
            match input.peek() {
                // SAFETY: the slot is not registered: it is this call's.
                Some(Ok(_)) => unsafe { slot.keep(input) },
                // SAFETY: as above.
                Some(Err(e)) => unsafe { slot.fail(e.clone()) },
                None => {
                    let hook = (slot as *const Slot<T, E>).cast::<Hook<T>>();
                    // SAFETY: the hook is ours until the registration
                    // publishes it, and it is registered once.
                    unsafe { input.add_hooks(hook, hook) };
                    continue;
                }
            }
            arrived += 1;
        }
        if given < n {
            // SAFETY: the gather is alive (this call's share is not
            // counted down yet).
            unsafe { &*owner }.missing.store(true, Ordering::Relaxed);
            arrived += n - given;
        }
        // SAFETY: this call's share, counted down once.
        unsafe { Self::count_down(owner, arrived) };
        result
    }

    /// # Safety
    /// `hook` is a slot's, registered by `start`; fired once.
    unsafe fn fire(hook: *const Hook<T>, from: &Future<T>) {
        // SAFETY: the slot lives in the gather, which the hooks keep alive.
        let slot = unsafe { &*hook.cast::<Slot<T, E>>() };
        // SAFETY: the slot was handed to this hook; it counts down once.
        unsafe {
            match from.done() {
                Ok(_) => slot.keep(from.clone()),
                Err(e) => slot.fail(e.clone()),
            }
            Self::count_down(slot.gather, 1);
        }
    }

    /// # Safety
    /// As `fire`; the input was dropped uncompleted.
    unsafe fn release(hook: *const Hook<T>) {
        // SAFETY: as in `fire`.
        let slot = unsafe { &*hook.cast::<Slot<T, E>>() };
        // SAFETY: as in `fire`.
        unsafe { &*slot.gather }
            .missing
            .store(true, Ordering::Relaxed);
        // SAFETY: this hook counts down once.
        unsafe { Self::count_down(slot.gather, 1) };
    }

    /// Counts `by` arrivals down; the last submits the build.
    ///
    /// # Safety
    /// `gather` is alive (the hooks' reference) and each share of the
    /// count is counted down once.
    unsafe fn count_down(gather: *const Self, by: usize) {
        // AcqRel: the last one sees every slot and `missing` written.
        // SAFETY: the caller's.
        if unsafe { &*gather }.pending.fetch_sub(by, Ordering::AcqRel) != by {
            return;
        }
        // SAFETY: the hooks' reference, leaked by `start`; this is the last share.
        let gather = unsafe { Arc::from_raw(gather) };
        if gather.missing.load(Ordering::Relaxed) {
            return;
        }
        let task = Task::job(Arc::clone(&gather) as Arc<dyn Runnable>);
        if let Err(rejected) = gather.ec.submit(task) {
            rejected.into_task().abort(Failure::new(ShutDown));
        }
    }
}

impl<T, E> Slot<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
{
    /// The input has succeeded: kept for the build.
    ///
    /// # Safety
    /// The caller owns the slot (it is not registered, or its hook fired),
    /// and does this once.
    unsafe fn keep(&self, input: Future<T>) {
        // SAFETY: the caller's; `done` is still `None`, nothing to drop.
        unsafe { self.done.get().write(Some(input)) };
    }

    /// The input has failed: the result fails at once (fail fast).
    ///
    /// # Safety
    /// As `keep`.
    unsafe fn fail(&self, failure: Failure) {
        // SAFETY: the gather outlives its slots' arrivals.
        unsafe { &*self.gather }.out.try_failure(failure);
    }
}

impl<T, E> Runnable for Gather<T, E>
where
    T: Clone + Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
{
    /// Builds the values, in order, unless the result failed fast or was
    /// cancelled meanwhile; a panicking `clone` fails it.
    fn run(self: Arc<Self>) {
        if self.out.is_completed() {
            return;
        }
        let values = catch_unwind(AssertUnwindSafe(|| {
            let mut values = Vec::with_capacity(self.slots.len());
            for slot in self.slots.iter() {
                // SAFETY: every hook has counted down (see the `Sync` impl).
                let done = unsafe { (*slot.done.get()).take() };
                if let Some(Ok(v)) = done.as_ref().map(Future::done) {
                    values.push(v.clone());
                }
            }
            values
        }));
        self.out.try_complete(values.map_err(Failure::from_panic));
    }

    fn abort(self: Arc<Self>, failure: Failure) {
        self.out.try_failure(failure);
    }
}
