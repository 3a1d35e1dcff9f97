//! The engine of [`ArrayBlockingQueue`](super::ArrayBlockingQueue) (unfair)
//! and [`LinkedBlockingQueue`](super::LinkedBlockingQueue): a buffered
//! channel. Puts and takes are the channel's sends and receives, at its
//! speed; the rare operations (`peek`, `contains`, `remove_item`,
//! `to_vec`) pause its buffer and work on the values in place (see
//! `buffer::pause`), and a removed element's room is free at once. A put
//! or take that meets a pause waits for its end in place, even a `try_`
//! form or an async poll: a pause is one rare operation long.

use super::{CapacityError, PutFuture, RecvTimeoutError, SendTimeoutError, TakeFuture};
use crate::chan::Chan;
use crate::wait::Wait;

pub(crate) struct Buffered<T> {
    chan: Chan<T>,
}

impl<T> Buffered<T> {
    /// An engine of `capacity` elements (`usize::MAX`: unbounded), which
    /// must not be 0.
    pub(crate) fn try_new(capacity: usize) -> Result<Self, CapacityError> {
        debug_assert_ne!(capacity, 0, "a rendezvous channel has no buffer to pause");
        Ok(Buffered {
            chan: Chan::try_with_capacity(capacity)?,
        })
    }

    #[inline]
    pub(crate) fn insert(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        self.chan.send_with(value, wait)
    }

    #[inline]
    pub(crate) fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        self.chan.recv_with(wait)
    }

    pub(crate) fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        self.chan.paused(|p| p.peek_with(f))
    }

    pub(crate) fn any(&self, f: impl FnMut(&T) -> bool) -> bool {
        self.chan.paused(|p| p.position(f)).is_some()
    }

    pub(crate) fn remove_first(&self, f: impl FnMut(&T) -> bool) -> bool {
        // Dropped after the resume: a drop may use the queue.
        self.chan.paused(|p| p.remove_first(f)).is_some()
    }

    pub(crate) fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.chan.paused(|p| {
            let mut values = Vec::new();
            p.for_each(|v| values.push(v.clone()));
            values
        })
    }

    pub(crate) fn len(&self) -> usize {
        self.chan.len()
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        self.chan.capacity()
    }

    pub(crate) fn close(&self) -> bool {
        self.chan.close()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    pub(crate) fn put_future(&self, value: T) -> PutFuture<T> {
        PutFuture::chan(self.chan.send_async(value))
    }

    pub(crate) fn take_future(&self) -> TakeFuture<T> {
        TakeFuture::chan(self.chan.recv_async())
    }
}
