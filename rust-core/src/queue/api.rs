//! What each queue type implements ([`Engine`]), and the one macro that
//! builds every type's public operations from it ([`queue_api!`]), so
//! the table of the module docs is written once.

use std::time::Instant;

use super::{
    PutFuture, RecvTimeoutError, SendTimeoutError, TakeFuture, TryRecvError, TrySendError,
};
use crate::wait::{Deadline, Wait};

/// What each queue type provides; [`queue_api!`] builds the public
/// operations of the table in the module docs from it once, for every type.
pub(super) trait Engine<T> {
    /// Inserts, waiting as `wait` says (a `Timeout` from `Wait::Now` means
    /// "could not at once").
    fn insert(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>>;
    /// Removes the head, waiting as `wait` says.
    fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError>;
    /// Calls `f` with the head, if any, without removing it.
    fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R;
    /// Calls `f` on the elements in removal order until it returns true;
    /// whether it did.
    fn any(&self, f: impl FnMut(&T) -> bool) -> bool;
    /// Removes the first element in removal order for which `f` holds.
    fn remove_first(&self, f: impl FnMut(&T) -> bool) -> bool;
    /// The elements in removal order, copied.
    fn snapshot(&self) -> Vec<T>
    where
        T: Clone;
    /// Removes every element, deadlines or not, in removal order (each
    /// as a `Wait::Now` extract, freeing its room at once, by default).
    fn take_all(&self) -> Vec<T> {
        std::iter::from_fn(|| self.extract(Wait::Now).ok()).collect()
    }
    fn count(&self) -> usize;
    fn capacity(&self) -> Option<usize>;
    fn close_queue(&self) -> bool;
    fn closed(&self) -> bool;
    fn put_future(&self, value: T) -> PutFuture<T>;
    fn take_future(&self) -> TakeFuture<T>;
}

/// `Wait` for a timeout or a deadline given as an `Instant`.
pub(super) fn until(deadline: Instant) -> Wait {
    Wait::Until(Deadline::at(deadline))
}

pub(super) fn try_send_error<T>(e: SendTimeoutError<T>) -> TrySendError<T> {
    match e {
        SendTimeoutError::Timeout(v) => TrySendError::Full(v),
        SendTimeoutError::Closed(v) => TrySendError::Closed(v),
    }
}

pub(super) fn try_recv_error(e: RecvTimeoutError) -> TryRecvError {
    match e {
        RecvTimeoutError::Timeout => TryRecvError::Empty,
        RecvTimeoutError::Closed => TryRecvError::Closed,
    }
}

/// The public operations of a queue type that implements [`Engine`]: its
/// inherent methods (documented at the trait's, where the examples are) and
/// its [`BlockingQueue`] impl, which calls them.
macro_rules! queue_api {
    ($ty:ident < T $(, $p:ident $(= $d:ty)?)* > $(where $($bound:tt)*)?) => {
        impl<T $(, $p)*> $ty<T $(, $p)*> $(where $($bound)*)? {
            /// See [`BlockingQueue::add`](crate::queue::BlockingQueue::add).
            pub fn add(&self, value: T) -> Result<(), $crate::queue::TrySendError<T>> {
                $crate::queue::Engine::insert(self, value, $crate::wait::Wait::Now)
                    .map_err($crate::queue::try_send_error)
            }

            /// See [`BlockingQueue::offer`](crate::queue::BlockingQueue::offer).
            pub fn offer(&self, value: T) -> Result<(), T> {
                $crate::queue::Engine::insert(self, value, $crate::wait::Wait::Now)
                    .map_err(|e| e.into_inner())
            }

            /// See [`BlockingQueue::put`](crate::queue::BlockingQueue::put).
            pub fn put(&self, value: T) -> Result<(), $crate::queue::SendError<T>> {
                $crate::queue::Engine::insert(self, value, $crate::wait::Wait::FOREVER)
                    .map_err(|e| $crate::queue::SendError(e.into_inner()))
            }

            /// See [`BlockingQueue::offer_timeout`](crate::queue::BlockingQueue::offer_timeout).
            pub fn offer_timeout(
                &self,
                value: T,
                timeout: std::time::Duration,
            ) -> Result<(), $crate::queue::SendTimeoutError<T>> {
                $crate::queue::Engine::insert(self, value, $crate::wait::Wait::timeout(timeout))
            }

            /// See [`BlockingQueue::offer_deadline`](crate::queue::BlockingQueue::offer_deadline).
            pub fn offer_deadline(
                &self,
                value: T,
                deadline: std::time::Instant,
            ) -> Result<(), $crate::queue::SendTimeoutError<T>> {
                $crate::queue::Engine::insert(self, value, $crate::queue::until(deadline))
            }

            /// See [`BlockingQueue::remove`](crate::queue::BlockingQueue::remove).
            pub fn remove(&self) -> Result<T, $crate::queue::TryRecvError> {
                $crate::queue::Engine::extract(self, $crate::wait::Wait::Now)
                    .map_err($crate::queue::try_recv_error)
            }

            /// See [`BlockingQueue::poll`](crate::queue::BlockingQueue::poll).
            pub fn poll(&self) -> Option<T> {
                $crate::queue::Engine::extract(self, $crate::wait::Wait::Now).ok()
            }

            /// See [`BlockingQueue::take`](crate::queue::BlockingQueue::take).
            pub fn take(&self) -> Result<T, $crate::queue::RecvError> {
                $crate::queue::Engine::extract(self, $crate::wait::Wait::FOREVER)
                    .map_err(|_| $crate::queue::RecvError)
            }

            /// See [`BlockingQueue::poll_timeout`](crate::queue::BlockingQueue::poll_timeout).
            pub fn poll_timeout(
                &self,
                timeout: std::time::Duration,
            ) -> Result<T, $crate::queue::RecvTimeoutError> {
                $crate::queue::Engine::extract(self, $crate::wait::Wait::timeout(timeout))
            }

            /// See [`BlockingQueue::poll_deadline`](crate::queue::BlockingQueue::poll_deadline).
            pub fn poll_deadline(
                &self,
                deadline: std::time::Instant,
            ) -> Result<T, $crate::queue::RecvTimeoutError> {
                $crate::queue::Engine::extract(self, $crate::queue::until(deadline))
            }

            /// See [`BlockingQueue::element`](crate::queue::BlockingQueue::element).
            pub fn element(&self) -> Result<T, $crate::queue::TryRecvError>
            where
                T: Clone,
            {
                // Closed first: closed and then found empty is drained for good.
                let closed = $crate::queue::Engine::closed(self);
                self.peek().ok_or(if closed {
                    $crate::queue::TryRecvError::Closed
                } else {
                    $crate::queue::TryRecvError::Empty
                })
            }

            /// See [`BlockingQueue::peek`](crate::queue::BlockingQueue::peek).
            pub fn peek(&self) -> Option<T>
            where
                T: Clone,
            {
                $crate::queue::Engine::peek_with(self, |v| v.cloned())
            }

            /// See [`BlockingQueue::drain_to`](crate::queue::BlockingQueue::drain_to).
            pub fn drain_to(&self, out: &mut impl Extend<T>, max: usize) -> usize {
                let mut n = 0;
                while n < max {
                    match $crate::queue::Engine::extract(self, $crate::wait::Wait::Now) {
                        Ok(v) => out.extend(Some(v)),
                        Err(_) => break,
                    }
                    n += 1;
                }
                n
            }

            /// See [`BlockingQueue::len`](crate::queue::BlockingQueue::len).
            pub fn len(&self) -> usize {
                $crate::queue::Engine::count(self)
            }

            /// See [`BlockingQueue::is_empty`](crate::queue::BlockingQueue::is_empty).
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            /// See [`BlockingQueue::remaining_capacity`](crate::queue::BlockingQueue::remaining_capacity).
            pub fn remaining_capacity(&self) -> Option<usize> {
                $crate::queue::Engine::capacity(self).map(|c| c.saturating_sub(self.len()))
            }

            /// See [`BlockingQueue::clear`](crate::queue::BlockingQueue::clear).
            pub fn clear(&self) {
                drop(self.drain_all());
            }

            /// See [`BlockingQueue::drain_all`](crate::queue::BlockingQueue::drain_all).
            pub fn drain_all(&self) -> Vec<T> {
                $crate::queue::Engine::take_all(self)
            }

            /// See [`BlockingQueue::contains`](crate::queue::BlockingQueue::contains).
            pub fn contains(&self, value: &T) -> bool
            where
                T: PartialEq,
            {
                $crate::queue::Engine::any(self, |v| v == value)
            }

            /// See [`BlockingQueue::remove_item`](crate::queue::BlockingQueue::remove_item).
            pub fn remove_item(&self, value: &T) -> bool
            where
                T: PartialEq,
            {
                $crate::queue::Engine::remove_first(self, |v| v == value)
            }

            /// See [`BlockingQueue::to_vec`](crate::queue::BlockingQueue::to_vec).
            pub fn to_vec(&self) -> Vec<T>
            where
                T: Clone,
            {
                $crate::queue::Engine::snapshot(self)
            }

            /// See [`BlockingQueue::iter`](crate::queue::BlockingQueue::iter).
            pub fn iter(&self) -> $crate::queue::Iter<'_, T>
            where
                Self: $crate::queue::BlockingQueue<T>,
            {
                $crate::queue::Iter::new(self)
            }

            /// See [`BlockingQueue::put_async`](crate::queue::BlockingQueue::put_async).
            pub fn put_async(&self, value: T) -> $crate::queue::PutFuture<T> {
                $crate::queue::Engine::put_future(self, value)
            }

            /// See [`BlockingQueue::take_async`](crate::queue::BlockingQueue::take_async).
            pub fn take_async(&self) -> $crate::queue::TakeFuture<T> {
                $crate::queue::Engine::take_future(self)
            }

            /// See [`BlockingQueue::close`](crate::queue::BlockingQueue::close).
            pub fn close(&self) -> bool {
                $crate::queue::Engine::close_queue(self)
            }

            /// See [`BlockingQueue::is_closed`](crate::queue::BlockingQueue::is_closed).
            pub fn is_closed(&self) -> bool {
                $crate::queue::Engine::closed(self)
            }
        }

        impl<T: Send $(, $p)*> $crate::queue::BlockingQueue<T> for $ty<T $(, $p)*>
        where
            Self: Send + Sync,
            $($($bound)*)?
        {
            fn add(&self, value: T) -> Result<(), $crate::queue::TrySendError<T>> {
                $ty::add(self, value)
            }
            fn offer(&self, value: T) -> Result<(), T> {
                $ty::offer(self, value)
            }
            fn put(&self, value: T) -> Result<(), $crate::queue::SendError<T>> {
                $ty::put(self, value)
            }
            fn offer_timeout(
                &self,
                value: T,
                timeout: std::time::Duration,
            ) -> Result<(), $crate::queue::SendTimeoutError<T>> {
                $ty::offer_timeout(self, value, timeout)
            }
            fn offer_deadline(
                &self,
                value: T,
                deadline: std::time::Instant,
            ) -> Result<(), $crate::queue::SendTimeoutError<T>> {
                $ty::offer_deadline(self, value, deadline)
            }
            fn remove(&self) -> Result<T, $crate::queue::TryRecvError> {
                $ty::remove(self)
            }
            fn poll(&self) -> Option<T> {
                $ty::poll(self)
            }
            fn take(&self) -> Result<T, $crate::queue::RecvError> {
                $ty::take(self)
            }
            fn poll_timeout(
                &self,
                timeout: std::time::Duration,
            ) -> Result<T, $crate::queue::RecvTimeoutError> {
                $ty::poll_timeout(self, timeout)
            }
            fn poll_deadline(
                &self,
                deadline: std::time::Instant,
            ) -> Result<T, $crate::queue::RecvTimeoutError> {
                $ty::poll_deadline(self, deadline)
            }
            fn element(&self) -> Result<T, $crate::queue::TryRecvError>
            where
                T: Clone,
            {
                $ty::element(self)
            }
            fn peek(&self) -> Option<T>
            where
                T: Clone,
            {
                $ty::peek(self)
            }
            fn drain_to(&self, out: &mut impl Extend<T>, max: usize) -> usize {
                $ty::drain_to(self, out, max)
            }
            fn len(&self) -> usize {
                $ty::len(self)
            }
            fn remaining_capacity(&self) -> Option<usize> {
                $ty::remaining_capacity(self)
            }
            fn clear(&self) {
                $ty::clear(self)
            }
            fn drain_all(&self) -> Vec<T> {
                $ty::drain_all(self)
            }
            fn contains(&self, value: &T) -> bool
            where
                T: PartialEq,
            {
                $ty::contains(self, value)
            }
            fn remove_item(&self, value: &T) -> bool
            where
                T: PartialEq,
            {
                $ty::remove_item(self, value)
            }
            fn to_vec(&self) -> Vec<T>
            where
                T: Clone,
            {
                $ty::to_vec(self)
            }
            fn iter(&self) -> $crate::queue::Iter<'_, T> {
                $ty::iter(self)
            }
            fn put_async(&self, value: T) -> $crate::queue::PutFuture<T> {
                $ty::put_async(self, value)
            }
            fn take_async(&self) -> $crate::queue::TakeFuture<T> {
                $ty::take_async(self)
            }
            fn close(&self) -> bool {
                $ty::close(self)
            }
            fn is_closed(&self) -> bool {
                $ty::is_closed(self)
            }
        }
    };
}
pub(super) use queue_api;
