//! `pc_rwlock`: the core's `RawRwLock`. Its two sides are taken as any
//! lock is ([`Lock`]), through [`Read`] and [`Write`].

use std::time::Duration;

use polyconc::sync::RawRwLock;

use super::{lock_timeout, unlock, Lock};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status};

/// The lock's shared side.
struct Read<'a>(&'a RawRwLock);

impl Lock for Read<'_> {
    #[inline(always)]
    fn acquire(&self) {
        self.0.read()
    }
    #[inline(always)]
    fn try_acquire(&self) -> bool {
        self.0.try_read()
    }
    fn acquire_within(&self, timeout: Duration) -> bool {
        self.0.read_timeout(timeout)
    }
    #[inline(always)]
    fn release(&self) -> Result<(), Status> {
        Ok(self.0.unlock_read()?)
    }
}

/// The lock's exclusive side.
struct Write<'a>(&'a RawRwLock);

impl Lock for Write<'_> {
    #[inline(always)]
    fn acquire(&self) {
        self.0.write()
    }
    #[inline(always)]
    fn try_acquire(&self) -> bool {
        self.0.try_write()
    }
    fn acquire_within(&self, timeout: Duration) -> bool {
        self.0.write_timeout(timeout)
    }
    #[inline(always)]
    fn release(&self) -> Result<(), Status> {
        Ok(self.0.unlock_write()?)
    }
}

/// A readers-writer lock: any number of readers at once, or one writer.
/// Opaque; create it with `pc_rwlock_new`, release it with
/// `pc_rwlock_free`. No writer starves: once a writer waits, new readers
/// queue behind it, and waiting threads are handed the lock in the order
/// they came (the first writer, or every reader up to the next writer).
/// Any thread may unlock either side (it is not tied to the thread that
/// locked it). Not reentrant: a thread that holds it for reading and asks
/// again may wait behind a queued writer for ever.
pub struct pc_rwlock {
    raw: RawRwLock,
}

/// Creates an unlocked readers-writer lock and writes its handle to `*out`.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_new(out: *mut *mut pc_rwlock) -> pc_status {
    boundary(|| {
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(pc_rwlock {
            raw: RawRwLock::new(),
        });
        Ok(())
    })
}

/// Releases a readers-writer lock; `pc_rwlock_free(NULL)` does nothing. It
/// may be locked, but nobody may be waiting for it.
///
/// # Safety
/// `lock` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_free(lock: *mut pc_rwlock) {
    // SAFETY: `lock` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(lock) })
}

/// Locks for reading, shared with other readers, waiting as long as it
/// takes (while a writer holds it or waits for it).
///
/// Returns `PC_OK` when this call took a read hold; `PC_INVALID_ARG` for
/// NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_lock_read(lock: *const pc_rwlock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    super::lock(unsafe { handle(lock) }.map(|l| Read(&l.raw)))
}

/// Locks for reading, waiting at most `timeout_ns`: 0 takes it only if
/// that can be done now (not while a writer holds it or waits for it),
/// `PC_FOREVER` waits as long as it takes, any other value waits at most
/// that many nanoseconds.
///
/// Returns `PC_OK` when this call took a read hold; `PC_TIMEOUT` if it did
/// not; `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_lock_read_timeout(
    lock: *const pc_rwlock,
    timeout_ns: u64,
) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    lock_timeout(unsafe { handle(lock) }.map(|l| Read(&l.raw)), timeout_ns)
}

/// Locks for writing, alone, waiting as long as it takes.
///
/// Returns `PC_OK` when this call took the write hold; `PC_INVALID_ARG`
/// for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_lock_write(lock: *const pc_rwlock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    super::lock(unsafe { handle(lock) }.map(|l| Write(&l.raw)))
}

/// Locks for writing, alone, waiting at most `timeout_ns` (as for
/// `pc_rwlock_lock_read_timeout`).
///
/// Returns `PC_OK` when this call took the write hold; `PC_TIMEOUT` if it
/// did not (readers or a writer still held it when the timeout passed, or
/// hold it now for a timeout of 0); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_lock_write_timeout(
    lock: *const pc_rwlock,
    timeout_ns: u64,
) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    lock_timeout(unsafe { handle(lock) }.map(|l| Write(&l.raw)), timeout_ns)
}

/// Gives up one read hold; the last one lets a waiting writer in.
///
/// Returns `PC_OK`; `PC_NOT_OWNER` if the lock had no read hold (nothing
/// changes); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_unlock_read(lock: *const pc_rwlock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    unlock(unsafe { handle(lock) }.map(|l| Read(&l.raw)))
}

/// Gives up the write hold and lets the waiting threads in.
///
/// Returns `PC_OK`; `PC_NOT_OWNER` if the lock was not locked for writing
/// (nothing changes); `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_unlock_write(lock: *const pc_rwlock) -> pc_status {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    unlock(unsafe { handle(lock) }.map(|l| Write(&l.raw)))
}

/// How many read holds the lock has now; 0 for NULL. Only a hint: it may
/// change at once.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_readers(lock: *const pc_rwlock) -> usize {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(lock) }?.raw.reader_count()))
}

/// Whether the lock is locked for writing now; false for NULL. Only a
/// hint: it may change at once.
///
/// # Safety
/// `lock` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_rwlock_is_write_locked(lock: *const pc_rwlock) -> bool {
    // SAFETY: `lock` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(lock) }?.raw.is_write_locked()))
}
