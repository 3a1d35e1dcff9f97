//! `add_done_callback`'s callables, and when the collector may see them.
//!
//! The core holds a callable given to `add_done_callback`: in a callback
//! registered on the future's promise, until it runs. A callable that
//! refers to its own future (a closure over it) then makes a cycle that
//! the collector cannot see through the core, and if nothing completes the
//! promise, nothing ever breaks it.
//!
//! So the wrapper it was registered through records it, and shows the
//! collector the recorded callables that have not run, but only while its
//! handle is the only one on a promise that is pending and not linked
//! (`Future::is_sole_pending`): the promise and every callback on it are
//! then reachable through this wrapper alone, and nothing can complete the
//! promise during a collection (that takes this handle, so the GIL, which
//! the collector holds). Otherwise the callables count as referenced from
//! outside, which keeps them alive, never frees them early. A collection
//! that breaks the cycle takes them out of their callbacks, which then
//! have nothing to call.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use pyo3::gc::PyVisit;
use pyo3::PyTraverseError;

use crate::Obj;

/// One callable, shared by its callback and its wrapper's record.
pub(super) struct Registered(Mutex<Option<Obj>>);

impl Registered {
    /// The callable, for its callback to call; `None` once taken (by the
    /// callback, or by a collection that broke its cycle).
    pub(super) fn take(&self) -> Option<Obj> {
        lock(&self.0).take()
    }
}

/// The callables registered through one wrapper.
#[derive(Default)]
pub(super) struct DoneCallbacks(Mutex<Vec<Arc<Registered>>>);

/// Nothing panics while holding these locks; a poisoned one holds a valid
/// value.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The value behind `m` for a traversal: every holder of these locks
/// holds the GIL, which the collector holds now, so it is free unless a
/// thread was stopped mid-way (fork).
fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

impl DoneCallbacks {
    /// Records `f` (and forgets the callables that were taken).
    pub(super) fn record(&self, f: Obj) -> Arc<Registered> {
        let registered = Arc::new(Registered(Mutex::new(Some(f))));
        let mut all = lock(&self.0);
        all.retain(|r| lock(&r.0).is_some());
        all.push(Arc::clone(&registered));
        registered
    }

    /// Shows the collector the callables not taken yet, if `alone`: the
    /// wrapper's handle is the only one on a pending, unlinked promise.
    pub(super) fn visit(&self, visit: &PyVisit<'_>, alone: bool) -> Result<(), PyTraverseError> {
        if !alone {
            return Ok(());
        }
        let Some(all) = try_lock(&self.0) else {
            return Ok(());
        };
        for registered in all.iter() {
            if let Some(f) = try_lock(&registered.0).as_deref().and_then(Option::as_ref) {
                visit.call(f)?;
            }
        }
        Ok(())
    }

    /// Takes every callable out of its callback and drops it (the
    /// collector breaking a cycle).
    pub(super) fn clear(&self) {
        let all = std::mem::take(&mut *lock(&self.0));
        let taken: Vec<_> = all.iter().filter_map(|r| r.take()).collect();
        // Dropping them may run finalizers: not while holding a lock.
        drop(taken);
    }
}
