//! A binding's value kept in the allocation of a spawned future's task or
//! of a promise's state, for a binding whose handle would otherwise be a
//! second allocation (the C binding's `pc_future` of `pc_future_spawn` and
//! its `pc_promise`). Two forms:
//! - housed ([`try_future_housed`], [`promise_housed`]): the value owns
//!   the handle to the future (or the promise) that keeps the allocation
//!   alive; the binding moves it out of its room before dropping it;
//! - [`Lodged`] ([`try_future_lodged`], [`promise_lodged`]): a safe owner
//!   of the value, which keeps its own handle to the future beside it.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::mem::{self, MaybeUninit};
use std::ops::Deref;
use std::ptr::{self, NonNull};

use std::sync::Arc;

use super::spawned::{Fallible, Spawned};
use super::state::{Core, Node};
use super::{Failure, Future, Promise};
use crate::exec::ExecutionContext;

/// What a [`Lodged`]'s room holds. `value` first (`repr(C)`), so that a
/// pointer to the value is one to the room.
#[repr(C)]
struct Room<T, H> {
    value: H,
    future: Future<T>,
}

/// A room in a task cell or a promise's state: written once, then owned by
/// whoever the written value belongs to. The cell never reads or drops it.
pub(crate) struct Slot<X>(UnsafeCell<MaybeUninit<X>>);

// SAFETY: only the value's one owner touches the room (and the function
// that fills it, before that owner exists), so the slot is shared as its
// contents are sent.
unsafe impl<X: Send> Sync for Slot<X> {}
// SAFETY: as above.
unsafe impl<X: Send> Send for Slot<X> {}

impl<X> Slot<X> {
    fn empty() -> Self {
        Slot(UnsafeCell::new(MaybeUninit::uninit()))
    }

    /// Writes `value` into the empty room at `slot`; gives back where it is.
    ///
    /// # Safety
    /// `slot` is empty and alive, and nothing else reads or writes it.
    unsafe fn fill(slot: NonNull<Self>, value: X) -> NonNull<X> {
        // SAFETY: as the caller promises.
        unsafe {
            let room = (*slot.as_ptr()).0.get().cast::<X>();
            room.write(value);
            NonNull::new_unchecked(room)
        }
    }
}

/// [`try_future`](super::try_future), with the value `house` makes from
/// the task's future housed in the task's own allocation: one allocation
/// for the task, its promise and a binding's handle to them. The value
/// owns the handle `house` is given (a fresh one, with no `.await`
/// registered on it), and that handle keeps the allocation alive: unlike
/// [`Lodged`], there is no second handle beside it to count up and down.
/// `house` runs before the task is submitted, so the value is in place
/// before a worker can run the task.
///
/// The result points to the value, valid as long as that handle lives.
/// So the value is never dropped where it is (dropping its handle could
/// free the memory under it): its owner moves it out first
/// ([`NonNull::read`]), once, then drops it or takes it apart. A value
/// never moved out keeps the task's allocation for ever.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::try_future_housed;
///
/// let housed = try_future_housed(&global(), || Ok(6 * 7), |f| (f, "a handle's data"));
/// // SAFETY: the value owns its future, and is moved out once.
/// let (future, data) = unsafe { housed.read() };
/// assert_eq!(data, "a handle's data");
/// assert_eq!(future.result(Duration::from_secs(10)), Ok(42));
/// ```
pub fn try_future_housed<T, E, F, H>(ec: &E, f: F, house: impl FnOnce(Future<T>) -> H) -> NonNull<H>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: FnOnce() -> Result<T, Failure> + Send + 'static,
    H: Send + Sync + 'static,
{
    Spawned::start_with(ec, Fallible(f), Slot::empty(), |future, slot| {
        let value = house(future);
        // SAFETY: the slot is the cell's and empty; the cell is alive (the
        // task, not submitted yet, holds it), and stays so while the value
        // holds its future (else the pointer must not be read, as the
        // function says).
        unsafe { Slot::fill(slot, value) }
    })
}

/// A new [`Promise`], given to `house`, whose value is housed in the
/// promise's own state: one allocation for the state and a binding's
/// handle to it. The value owns the promise, which keeps the allocation
/// alive (no other reference does); the rules are those of
/// [`try_future_housed`].
///
/// # Safety
/// The value `house` returns holds the promise it is given (or a handle to
/// the same state): the state is the memory the value is written to.
///
/// ```
/// use std::time::Duration;
/// use polyconc::future::promise_housed;
///
/// // SAFETY: the value is the promise.
/// let housed = unsafe { promise_housed(|p| p) };
/// // SAFETY: the promise is moved out once.
/// let p = unsafe { housed.read() };
/// p.success(5).unwrap();
/// assert_eq!(p.future().result(Duration::from_secs(1)), Ok(5));
/// ```
pub unsafe fn promise_housed<T, H>(house: impl FnOnce(Promise<T>) -> H) -> NonNull<H>
where
    T: Send + Sync + 'static,
    H: Send + Sync + 'static,
{
    let cell = Arc::new(Bare {
        core: Core::new(),
        room: Slot::empty(),
    });
    let slot = NonNull::from(&cell.room);
    let value = house(Promise::of(Future::from_node(cell)));
    // SAFETY: the slot is the cell's and empty; the cell is alive, as the
    // value holds the promise (the caller's promise), and stays so while
    // the value does.
    unsafe { Slot::fill(slot, value) }
}

/// A promise's state with a room beside it.
struct Bare<T, X> {
    core: Core<T>,
    room: Slot<X>,
}

impl<T: Send + Sync + 'static, X: Send + 'static> Node<T> for Bare<T, X> {
    fn core(&self) -> &Core<T> {
        &self.core
    }
}

/// A value lodged in a spawned future's own allocation: a `Box<H>` whose
/// memory is the future's task cell. It holds a handle to the future
/// ([`Lodged::future`]), so the cell lives at least as long as the value.
/// Dropping it drops the value and that handle.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::try_future_lodged;
///
/// let lodged = try_future_lodged(&global(), || Ok(6 * 7), |_| "a handle's data");
/// assert_eq!(*lodged, "a handle's data");
/// assert_eq!(lodged.future().result(Duration::from_secs(10)), Ok(42));
/// ```
pub struct Lodged<T, H> {
    room: NonNull<Room<T, H>>,
    _owns: PhantomData<Room<T, H>>,
}

// SAFETY: a `Lodged` owns its value and a future handle, as a
// `Box<(H, Future<T>)>` would.
unsafe impl<T: Send + Sync, H: Send> Send for Lodged<T, H> {}
// SAFETY: as above; `&Lodged` gives only `&H` and `&Future<T>`.
unsafe impl<T: Send + Sync, H: Sync> Sync for Lodged<T, H> {}

/// [`try_future`](super::try_future), with the value `lodge` makes from
/// the future lodged in the same allocation as the task: one allocation
/// for the task, its promise and a binding's handle to them. `lodge` is
/// given the very handle that the room keeps beside the value (a fresh
/// one, with no `.await` registered on it), which [`Lodged::future`]
/// lends and [`Lodged::into_parts`] and [`Lodged::into_future`] give back;
/// it runs before the task is submitted.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::global;
/// use polyconc::future::{try_future_lodged, Failure};
///
/// let lodged = try_future_lodged(&global(), || Err::<u8, _>(Failure::msg("no")), |f| f.clone());
/// assert!(lodged.result(Duration::from_secs(10)).is_err());
/// ```
pub fn try_future_lodged<T, E, F, H>(
    ec: &E,
    f: F,
    lodge: impl FnOnce(&Future<T>) -> H,
) -> Lodged<T, H>
where
    T: Send + Sync + 'static,
    E: ExecutionContext + Clone + 'static,
    F: FnOnce() -> Result<T, Failure> + Send + 'static,
    H: Send + Sync + 'static,
{
    Lodged::of(try_future_housed(ec, f, |future| Room {
        value: lodge(&future),
        future,
    }))
}

/// A new [`Promise`], given to `lodge`, whose value is lodged in the same
/// allocation as the promise's state: one allocation for the state and a
/// binding's handle to it.
///
/// ```
/// use std::time::Duration;
/// use polyconc::future::promise_lodged;
///
/// let lodged = promise_lodged(|p| p);
/// lodged.success(5).unwrap();
/// assert_eq!(lodged.future().result(Duration::from_secs(1)), Ok(5));
/// ```
pub fn promise_lodged<T, H>(lodge: impl FnOnce(Promise<T>) -> H) -> Lodged<T, H>
where
    T: Send + Sync + 'static,
    H: Send + Sync + 'static,
{
    // SAFETY: the room holds a handle to the promise's state, its future.
    Lodged::of(unsafe {
        promise_housed(|promise: Promise<T>| {
            let future = promise.future();
            Room {
                value: lodge(promise),
                future,
            }
        })
    })
}

impl<T, H> Lodged<T, H> {
    /// The owner of a housed room (which owns its future).
    fn of(room: NonNull<Room<T, H>>) -> Self {
        Lodged {
            room,
            _owns: PhantomData,
        }
    }

    /// The future whose allocation this value is in.
    ///
    /// ```
    /// use polyconc::exec::global;
    /// use polyconc::future::try_future_lodged;
    /// let lodged = try_future_lodged(&global(), || Ok(1), |_| ());
    /// let _ = lodged.future().clone();
    /// ```
    pub fn future(&self) -> &Future<T> {
        // SAFETY: the room was written and is ours until we are dropped.
        unsafe { &self.room.as_ref().future }
    }

    /// The value and the future, out of their room. The allocation lives
    /// on as long as the future (or another handle to it) does.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::exec::global;
    /// use polyconc::future::try_future_lodged;
    /// let (value, future) = try_future_lodged(&global(), || Ok(2), |_| 'v').into_parts();
    /// assert_eq!(value, 'v');
    /// assert_eq!(future.result(Duration::from_secs(10)), Ok(2));
    /// ```
    pub fn into_parts(self) -> (H, Future<T>) {
        // SAFETY: the room is ours; reading it out leaves the slot empty
        // (the cell never drops it), and `self` is not dropped.
        let Room { value, future } = unsafe { self.room.as_ptr().read() };
        mem::forget(self);
        (value, future)
    }

    /// The future, out of its room; the value is dropped where it is.
    /// As [`Lodged::into_parts`] without moving the value out first: for a
    /// binding that takes its handle apart, one word-sized read per field
    /// of the future instead of a copy of the whole room.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::exec::global;
    /// use polyconc::future::try_future_lodged;
    /// let future = try_future_lodged(&global(), || Ok(3), |_| vec![1]).into_future();
    /// assert_eq!(future.result(Duration::from_secs(10)), Ok(3));
    /// ```
    pub fn into_future(self) -> Future<T> {
        let room = self.room.as_ptr();
        mem::forget(self);
        // SAFETY: the room is ours (`self` is forgotten, so nothing else
        // reads it); the value is dropped in place, then the future read
        // out, which leaves the slot empty (the cell never drops it). The
        // future keeps the cell, and so the room, alive meanwhile.
        unsafe {
            ptr::drop_in_place(ptr::addr_of_mut!((*room).value));
            ptr::addr_of!((*room).future).read()
        }
    }

    /// Gives the value up as a pointer (for C); [`Lodged::from_raw`] takes
    /// it back. Until then the value and the future stay as they are.
    ///
    /// ```
    /// use polyconc::exec::global;
    /// use polyconc::future::{try_future_lodged, Lodged};
    /// let raw = Lodged::into_raw(try_future_lodged(&global(), || Ok(1), |_| 5u8));
    /// // SAFETY: `raw` came from `into_raw` and is taken back once.
    /// let lodged = unsafe { Lodged::<i32, u8>::from_raw(raw) };
    /// assert_eq!(*lodged, 5);
    /// ```
    pub fn into_raw(this: Self) -> *mut H {
        let value = this.room.as_ptr().cast::<H>();
        mem::forget(this);
        value
    }

    /// The `Lodged` that [`Lodged::into_raw`] gave up.
    ///
    /// # Safety
    /// `value` came from `Lodged::<T, H>::into_raw` (the same `T` and `H`)
    /// and is taken back only once.
    ///
    /// ```
    /// use polyconc::exec::global;
    /// use polyconc::future::{try_future_lodged, Lodged};
    /// let raw = Lodged::into_raw(try_future_lodged(&global(), || Ok(()), |_| 'x'));
    /// // SAFETY: as the contract says.
    /// drop(unsafe { Lodged::<(), char>::from_raw(raw) });
    /// ```
    pub unsafe fn from_raw(value: *mut H) -> Self {
        Lodged {
            // SAFETY: a value's pointer is its room's (`repr(C)`, first
            // field), and not null (the caller's promise).
            room: unsafe { NonNull::new_unchecked(value.cast()) },
            _owns: PhantomData,
        }
    }
}

impl<T, H> Deref for Lodged<T, H> {
    type Target = H;

    /// The lodged value.
    ///
    /// ```
    /// use polyconc::exec::global;
    /// use polyconc::future::try_future_lodged;
    /// let lodged = try_future_lodged(&global(), || Ok(0), |_| vec![1, 2]);
    /// assert_eq!(lodged.len(), 2);
    /// ```
    fn deref(&self) -> &H {
        // SAFETY: the room was written and is ours until we are dropped.
        unsafe { &self.room.as_ref().value }
    }
}

impl<T, H> Drop for Lodged<T, H> {
    fn drop(&mut self) {
        // SAFETY: the room is ours; reading it out leaves the slot empty
        // (the cell never drops it). The value drops first, then the
        // future, whose drop may free the cell and the slot with it:
        // nothing is read from there afterwards.
        drop(unsafe { self.room.as_ptr().read() });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::exec::{global, ThreadPool};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// Counts its drops.
    struct Counted(Arc<AtomicUsize>);

    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_raw_value_comes_back_whole_and_is_dropped_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let lodged = try_future_lodged(&global(), || Ok(3), |_| Counted(Arc::clone(&drops)));
        let kept = lodged.future().clone();
        let raw = Lodged::into_raw(lodged);
        assert_eq!(drops.load(Ordering::SeqCst), 0);
        // SAFETY: `raw` came from `into_raw`, taken back once.
        let back = unsafe { Lodged::<i32, Counted>::from_raw(raw) };
        assert!(Arc::ptr_eq(&back.0, &drops));
        drop(back);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(kept.result(Duration::from_secs(10)), Ok(3));
    }

    #[test]
    fn parts_taken_out_keep_the_task_and_drop_once() {
        for _ in 0..1000 {
            let drops = Arc::new(AtomicUsize::new(0));
            let lodged = try_future_lodged(&global(), || Ok(8u64), |_| Counted(Arc::clone(&drops)));
            let (value, future) = lodged.into_parts();
            assert_eq!(drops.load(Ordering::SeqCst), 0);
            drop(value);
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert_eq!(future.result(Duration::from_secs(10)), Ok(8));
        }
    }

    #[test]
    fn the_future_taken_out_keeps_the_task_and_the_value_drops_once() {
        for _ in 0..1000 {
            let drops = Arc::new(AtomicUsize::new(0));
            let lodged = try_future_lodged(&global(), || Ok(5u64), |_| Counted(Arc::clone(&drops)));
            let future = lodged.into_future();
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert_eq!(future.result(Duration::from_secs(10)), Ok(5));
        }
    }

    #[test]
    fn dropping_before_the_task_runs_keeps_the_task_whole() {
        for _ in 0..1000 {
            let drops = Arc::new(AtomicUsize::new(0));
            let lodged = try_future_lodged(&global(), || Ok(1u64), |_| Counted(Arc::clone(&drops)));
            let f = lodged.future().clone();
            drop(lodged);
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            assert_eq!(f.result(Duration::from_secs(10)), Ok(1));
        }
    }

    #[test]
    fn a_lodged_promise_completes_its_future_and_is_dropped_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let lodged = promise_lodged(|p| (p, Counted(Arc::clone(&drops))));
        let f = lodged.future().clone();
        assert!(!f.is_completed());
        lodged.0.success(9).unwrap();
        assert!(
            lodged.0.success(10).is_err(),
            "a second completion is refused"
        );
        drop(lodged);
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(f.result(Duration::from_secs(1)), Ok(9));
    }

    #[test]
    fn a_task_its_context_rejects_still_lodges_its_value() {
        let pool = ThreadPool::new(1);
        pool.shutdown();
        let lodged = try_future_lodged(&pool, || Ok(1), |f| f.is_completed());
        assert!(!*lodged, "lodged before the task was submitted");
        assert!(lodged.future().value().is_some_and(|r| r.is_err()));
    }

    #[test]
    fn a_housed_value_is_the_only_handle_and_drops_once() {
        for _ in 0..1000 {
            let drops = Arc::new(AtomicUsize::new(0));
            let counted = Counted(Arc::clone(&drops));
            let housed = try_future_housed(&global(), || Ok(4u64), move |f| (f, counted));
            // SAFETY: the value owns its future; moved out once.
            let (future, counted) = unsafe { housed.read() };
            assert_eq!(future.result(Duration::from_secs(10)), Ok(4));
            drop(counted);
            assert_eq!(drops.load(Ordering::SeqCst), 1);
            // The task lets go of its reference once it has run: then the
            // housed handle is the only one left (a lodged value keeps a
            // second one beside it).
            while Arc::strong_count(&future.node) > 1 {
                std::thread::yield_now();
            }
            assert_eq!(Arc::strong_count(&future.node), 1);
        }
    }

    #[test]
    fn a_housed_value_moved_out_before_the_task_runs_keeps_the_task_whole() {
        let pool = ThreadPool::new(1);
        // The pool's one worker spins (not a blocking wait, which the pool
        // would make up for with a spare thread) until the gate opens.
        let gate = Arc::new(AtomicUsize::new(0));
        let spinning = Arc::clone(&gate);
        let blocker = try_future_housed(
            &pool,
            move || {
                while spinning.load(Ordering::SeqCst) == 0 {
                    std::thread::yield_now();
                }
                Ok(())
            },
            |f| f,
        );
        let drops = Arc::new(AtomicUsize::new(0));
        let counted = Counted(Arc::clone(&drops));
        // Queued behind the blocker: not run yet when its value goes.
        let housed = try_future_housed(&pool, || Ok(7u64), move |f| (f, counted));
        // SAFETY: each value owns its future; each moved out once.
        let ((future, counted), blocker) = unsafe { (housed.read(), blocker.read()) };
        let kept = future.clone();
        drop((future, counted));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(!kept.is_completed());
        gate.store(1, Ordering::SeqCst);
        assert_eq!(kept.result(Duration::from_secs(10)), Ok(7));
        assert_eq!(blocker.result(Duration::from_secs(10)), Ok(()));
        pool.shutdown();
    }

    #[test]
    fn a_task_its_context_rejects_still_houses_its_value() {
        let pool = ThreadPool::new(1);
        pool.shutdown();
        // The value is housed before the task is submitted (here, refused
        // and failed): a worker never runs a task whose room is still
        // being written.
        let housed = try_future_housed(&pool, || Ok(1), |f| (f.is_completed(), f));
        // SAFETY: the value owns the future; moved out once.
        let (completed, future) = unsafe { housed.read() };
        assert!(!completed, "housed before the task was submitted");
        assert!(future.value().is_some_and(|r| r.is_err()));
    }

    #[test]
    fn a_housed_promise_is_the_only_handle_to_its_state() {
        let drops = Arc::new(AtomicUsize::new(0));
        let counted = Counted(Arc::clone(&drops));
        // SAFETY: the value holds the promise.
        let housed = unsafe { promise_housed(move |p: Promise<u8>| (p, counted)) };
        // SAFETY: the value owns the promise; moved out once.
        let (promise, counted) = unsafe { housed.read() };
        assert_eq!(Arc::strong_count(&promise.future().node), 2); // + the one asked for
        let f = promise.future();
        promise.success(3).unwrap();
        drop((promise, counted));
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert_eq!(Arc::strong_count(&f.node), 1);
        assert_eq!(f.result(Duration::from_secs(1)), Ok(3));
    }
}
