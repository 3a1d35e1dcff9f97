//! [`Lodged`]: a value kept in the allocation of a spawned future's task,
//! for a binding whose handle to the future would otherwise be a second
//! allocation per task (the C binding's `pc_future` of `pc_future_spawn`).
//! The value lives in a room of the task cell, next to a handle to the
//! future that keeps the cell alive for as long as the value is there.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::mem::{self, MaybeUninit};
use std::ops::Deref;
use std::ptr::{self, NonNull};

use super::spawned::{Fallible, Spawned};
use super::{Failure, Future};
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
/// for the task, its promise and a binding's handle to them.
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
    let empty: Slot<T, H> = Slot(UnsafeCell::new(MaybeUninit::uninit()));
    let (future, slot) = Spawned::start_with(ec, Fallible(f), empty);
    // SAFETY: the slot is in the cell, which `future` keeps alive; nobody
    // else reads or writes it (the task never does), and it was empty. The
    // fields are written in place, each as it is made: a `Room` built first
    // and then written was a copy through `memcpy` (callgrind, the C
    // binding's `pc_future_spawn`: 62 instructions per task).
    let room = unsafe {
        let room = (*slot.as_ptr()).0.get().cast::<Room<T, H>>();
        ptr::addr_of_mut!((*room).value).write(lodge(&future));
        ptr::addr_of_mut!((*room).future).write(future);
        NonNull::new_unchecked(room)
    };
    Lodged {
        room,
        _owns: PhantomData,
    }
}

impl<T, H> Lodged<T, H> {
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

#[cfg(test)]
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
    fn a_task_its_context_rejects_still_lodges_its_value() {
        let pool = ThreadPool::new(1);
        pool.shutdown();
        let lodged = try_future_lodged(&pool, || Ok(1), |f| f.is_completed());
        assert!(*lodged, "the rejected task failed its future at once");
        assert!(lodged.future().value().is_some_and(|r| r.is_err()));
    }
}
