//! The core's locks and synchronizers (`polyconc::sync`) as Python
//! classes with `threading`'s signatures and errors, one file per concept.
//! Each is a thin crossing: a blocking call is `wait::wait_for` over the
//! core's try and deadline forms (GIL released, Ctrl-C checked between
//! slices, nothing taken when it stops), an async one an `aio` op over the
//! core's future.

pub(crate) mod barrier;
pub(crate) mod condition;
pub(crate) mod latch;
pub(crate) mod mutex;
pub(crate) mod reentrant;
pub(crate) mod semaphore;
pub(crate) mod waitgroup;
