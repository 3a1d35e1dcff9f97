//! The caller's callbacks and their contexts. A context given with a
//! `ctx_free` is owned by the library from the call that takes it: a
//! [`Ctx`] frees it exactly once, when the last thing that could call back
//! with it is gone, whether or not the callback ever ran (a failed call
//! too). This is the only place that calls a `ctx_free` or a drop callback.

use std::ffi::c_void;

use crate::elem::Elem;

/// Frees a callback's context: called exactly once, on whichever thread
/// lets go of it last (after the callback's last run, or without any run).
/// It must not unwind.
pub type pc_free_fn = Option<unsafe extern "C" fn(ctx: *mut c_void)>;

/// Called once for every element a container still holds when its last
/// handle is freed (and for the elements `pc_queue_clear` removes), with a
/// pointer to its bytes and the context given with it. It must not unwind
/// (no C++ exception, no longjmp out of it) and must not use the container.
pub type pc_drop_fn = Option<unsafe extern "C" fn(elem: *mut c_void, ctx: *mut c_void)>;

/// A callback's context, freed with its `ctx_free` (if any) on drop.
pub(crate) struct Ctx {
    ptr: *mut c_void,
    free: pc_free_fn,
}

// SAFETY: the context is the caller's opaque pointer, only handed back to
// its callbacks and its `ctx_free`; the header tells that they may run on
// any thread (the caller's promise to make it so).
unsafe impl Send for Ctx {}
// SAFETY: as for `Send`: nothing here reads or writes through the pointer.
unsafe impl Sync for Ctx {}

impl Ctx {
    /// Takes ownership of `ptr`, to be freed with `free`.
    pub(crate) fn new(ptr: *mut c_void, free: pc_free_fn) -> Ctx {
        Ctx { ptr, free }
    }

    /// The pointer, for the callback.
    #[inline]
    pub(crate) fn ptr(&self) -> *mut c_void {
        self.ptr
    }

    /// The context as a bare pointer if it has no `ctx_free` (nothing to
    /// do when it goes), else itself: a closure holding a [`Bare`] has no
    /// drop glue, so the core drops a task of it without a check.
    #[inline]
    pub(crate) fn into_bare(self) -> Result<Bare, Ctx> {
        match self.free {
            None => Ok(Bare(self.ptr)),
            Some(_) => Err(self),
        }
    }
}

/// A context without a `ctx_free` ([`Ctx::into_bare`]): only handed back
/// to its callback.
#[derive(Clone, Copy)]
pub(crate) struct Bare(*mut c_void);

// SAFETY: as for `Ctx`: the caller's opaque pointer, handed back to its
// callback on whichever thread runs it (the caller's promise to make it so).
unsafe impl Send for Bare {}
// SAFETY: as for `Send`.
unsafe impl Sync for Bare {}

impl Bare {
    /// The pointer, for the callback.
    #[inline]
    pub(crate) fn ptr(self) -> *mut c_void {
        self.0
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        if let Some(free) = self.free {
            // SAFETY: the caller gave `free` for this pointer; a `Ctx` is
            // dropped once.
            unsafe { free(self.ptr) }
        }
    }
}

/// A drop callback with its context (not freed: as `pc_chan_new_with_drop`
/// has always had it, the context stays the caller's).
pub(crate) struct DropFn {
    callback: unsafe extern "C" fn(elem: *mut c_void, ctx: *mut c_void),
    ctx: Ctx,
}

impl DropFn {
    /// The callback, or `None` for NULL.
    pub(crate) fn new(callback: pc_drop_fn, ctx: *mut c_void) -> Option<DropFn> {
        Some(DropFn {
            callback: callback?,
            ctx: Ctx::new(ctx, None),
        })
    }

    /// Hands `elem` to the callback.
    pub(crate) fn call<T: Elem>(&self, elem: &T) {
        // SAFETY: the callback and context were given together by the
        // caller; the element's bytes live until the call returns.
        unsafe { (self.callback)(elem.bytes().cast_mut().cast(), self.ctx.ptr()) }
    }
}
