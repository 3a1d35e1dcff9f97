//! `pc_queue`: one handle for the core's six blocking queues. The kind is
//! chosen at creation (`new.rs`); every export checks its pointers,
//! converts its timeout and calls the core's queue of that kind through
//! `each!` (`kind.rs`). Putting is in `put.rs`, taking in
//! `take.rs`; this file holds the handle, its lifetime and the calls on
//! the whole queue.

use std::sync::Arc;

use crate::callback::DropFn;
use crate::chan::PC_UNBOUNDED;
use crate::elem::{with_elem, Erased, Typed};
use crate::ffi::{self, free_handle, handle};
use crate::panic::boundary;
use crate::status::{pc_status, Status, PC_CLOSED};

mod kind;
mod new;
mod put;
mod take;

use kind::{each, Queues};

pub use kind::{
    pc_queue_kind, PC_QUEUE_ARRAY, PC_QUEUE_DELAY, PC_QUEUE_LINKED, PC_QUEUE_PRIORITY,
    PC_QUEUE_SYNCHRONOUS, PC_QUEUE_TRANSFER,
};
pub use new::{pc_compare_fn, pc_queue_new, pc_queue_new_priority, pc_queue_new_with_drop};
pub use put::{pc_queue_put, pc_queue_put_delayed, pc_queue_transfer};
pub use take::{pc_queue_drain, pc_queue_peek, pc_queue_take};

type AnyQueue = Erased<Queues>;

/// What every handle of a queue shares.
struct Shared {
    queue: AnyQueue,
    elem_size: usize,
    on_drop: Option<DropFn>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(on_drop) = &self.on_drop {
            with_elem!(&self.queue, k => k.drain_into(on_drop))
        }
    }
}

/// A handle to a blocking queue of fixed-size elements, copied in and out
/// by value. Opaque; create it with `pc_queue_new` (or `_new_with_drop`,
/// `_new_priority`), release it with `pc_queue_free`. Every kind has every
/// operation; `pc_queue_put_delayed` and `pc_queue_transfer` are for their
/// own kinds.
#[derive(Clone)]
pub struct pc_queue {
    shared: Arc<Shared>,
}

impl Typed for pc_queue {
    type F = Queues;
    fn elem_size(&self) -> usize {
        self.shared.elem_size
    }
    fn erased(&self) -> &AnyQueue {
        &self.shared.queue
    }
}

/// Writes to `*out` another handle to the same queue (to be freed on its
/// own). The queue lives until its last handle is freed.
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` if `queue` or `out` is NULL.
///
/// # Safety
/// `queue` is NULL or a live handle; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_clone(
    queue: *const pc_queue,
    out: *mut *mut pc_queue,
) -> pc_status {
    boundary(|| {
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        let q = unsafe { handle(queue) }?;
        // SAFETY: `out` is NULL or writable (the caller's promise).
        unsafe { ffi::out(out) }?.write_handle(q.clone());
        Ok(())
    })
}

/// Releases a handle; NULL does nothing. Freeing does not close the queue.
/// When this was the last handle, the queue and its elements are released
/// (through the drop callback, if it has one).
///
/// # Safety
/// `queue` is NULL or a live handle that no other thread is using and that
/// is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_free(queue: *mut pc_queue) {
    // SAFETY: `queue` is NULL or a live handle used by nobody after this (the caller's promise).
    boundary(|| unsafe { free_handle(queue) })
}

/// How many elements the queue holds now (a delay queue: expired or not);
/// 0 for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_len(queue: *const pc_queue) -> usize {
    boundary(|| {
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        let s = &unsafe { handle(queue) }?.shared;
        Ok(with_elem!(&s.queue, k => each!(k, q => q.len())))
    })
}

/// How many more elements fit now: `PC_UNBOUNDED` for the unbounded kinds,
/// 0 for a synchronous queue (and for NULL).
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_remaining_capacity(queue: *const pc_queue) -> usize {
    boundary(|| {
        let room =
            // SAFETY: `queue` is NULL or a live handle (the caller's promise).
            with_elem!(&unsafe { handle(queue) }?.shared.queue, k => each!(k, q => q.remaining_capacity()));
        Ok(room.unwrap_or(PC_UNBOUNDED))
    })
}

/// Removes every element, each one passed to the drop callback if the
/// queue has one (elements put meanwhile by other threads may stay).
///
/// Returns `PC_OK`, or `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_clear(queue: *const pc_queue) -> pc_status {
    boundary(|| {
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        let s = &unsafe { handle(queue) }?.shared;
        with_elem!(&s.queue, k => match &s.on_drop {
            Some(on_drop) => k.drain_into(on_drop),
            None => each!(k, q => q.clear()),
        });
        Ok(())
    })
}

/// Closes the queue (beyond Java: the channel's end of stream): later puts
/// fail with `PC_CLOSED`, takes get what is left and then `PC_CLOSED`, and
/// every waiting thread wakes.
///
/// Returns `PC_OK` if this call closed it, `PC_CLOSED` if it was closed
/// already, `PC_INVALID_ARG` for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_close(queue: *const pc_queue) -> pc_status {
    boundary(|| {
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        if with_elem!(&unsafe { handle(queue) }?.shared.queue, k => each!(k, q => q.close())) {
            Ok(())
        } else {
            Err(Status::of(PC_CLOSED))
        }
    })
}

/// Whether the queue has been closed (elements may remain); false for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_is_closed(queue: *const pc_queue) -> bool {
    boundary(|| {
        // SAFETY: `queue` is NULL or a live handle (the caller's promise).
        let s = &unsafe { handle(queue) }?.shared;
        Ok(with_elem!(&s.queue, k => each!(k, q => q.is_closed())))
    })
}

/// The element size given at creation; 0 for NULL.
///
/// # Safety
/// `queue` is NULL or a live handle.
#[no_mangle]
pub unsafe extern "C" fn pc_queue_elem_size(queue: *const pc_queue) -> usize {
    // SAFETY: `queue` is NULL or a live handle (the caller's promise).
    boundary(|| Ok(unsafe { handle(queue) }?.shared.elem_size))
}
