//! [`Lodged`]: a value kept in the allocation of a spawned future's task
//! or of a promise's state, for a binding whose handle would otherwise be
//! a second allocation (the C binding's `pc_future` of `pc_future_spawn`
//! and its `pc_promise`). The value lives in a room of that allocation,
//! next to a handle to the future that keeps it alive for as long as the
//! value is there.

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

/// What a room holds once written. `value` first (`repr(C)`), so that a
/// pointer to the value is one to the room.
#[repr(C)]
struct Room<T, H> {
    value: H,
    future: Future<T>,
}

/// The room in the task cell: written once by [`try_future_lodged`], then
/// owned by the one [`Lodged`], which reads it out when dropped. The cell
/// never reads or drops it.
pub(crate) struct Slot<T, H>(UnsafeCell<MaybeUninit<Room<T, H>>>);

// SAFETY: only the one `Lodged` touches the room (and `try_future_lodged`
// before it exists), so the slot is shared as its contents are.
unsafe impl<T: Send + Sync, H: Sync> Sync for Slot<T, H> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync, H: Send> Send for Slot<T, H> {}

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
/// lends and [`Lodged::into_parts`] and [`Lodged::into_future`] give back.
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
    let (future, slot) = Spawned::start_with(ec, Fallible(f), Slot::empty());
    let value = lodge(&future);
    // SAFETY: the slot is the cell's, which `future` keeps; it is empty.
    unsafe { Lodged::write(slot, value, future) }
}

/// A promise's state with a room beside it.
struct Bare<T, H> {
    core: Core<T>,
    room: Slot<T, H>,
}

impl<T: Send + Sync + 'static, H: Send + Sync + 'static> Node<T> for Bare<T, H> {
    fn core(&self) -> &Core<T> {
        &self.core
    }
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
    let cell = Arc::new(Bare {
        core: Core::new(),
        room: Slot::empty(),
    });
    let slot = NonNull::from(&cell.room);
    let future = Future::from_node(cell);
    let value = lodge(Promise::of(future.clone()));
    // SAFETY: the slot is the cell's, which `future` keeps; it is empty.
    unsafe { Lodged::write(slot, value, future) }
}

impl<T, H> Slot<T, H> {
    fn empty() -> Self {
        Slot(UnsafeCell::new(MaybeUninit::uninit()))
    }
}

impl<T, H> Lodged<T, H> {
    /// Fills the empty room at `slot` with `value` and `future`.
    ///
    /// # Safety
    /// `slot` is empty and in the allocation of `future`'s node, and
    /// nothing else reads or writes it.
    unsafe fn write(slot: NonNull<Slot<T, H>>, value: H, future: Future<T>) -> Self {
        // SAFETY: as the caller promises; `future`, moved into the room,
        // keeps the allocation alive until the `Lodged` is dropped. The
        // fields are written in place: a `Room` built first and then
        // written was a copy through `memcpy` (callgrind, the C binding's
        // `pc_future_spawn`: 62 instructions per task).
        unsafe {
            let room = (*slot.as_ptr()).0.get().cast::<Room<T, H>>();
            ptr::addr_of_mut!((*room).value).write(value);
            ptr::addr_of_mut!((*room).future).write(future);
            Lodged {
                room: NonNull::new_unchecked(room),
                _owns: PhantomData,
            }
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
        assert!(*lodged, "the rejected task failed its future at once");
        assert!(lodged.future().value().is_some_and(|r| r.is_err()));
    }
}
