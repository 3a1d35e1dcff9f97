//! Go's channel: [`Chan`], and [`Select`] over any number of send and
//! receive cases.
//!
//! A `Chan<T>` is one channel; cloning it gives another handle to the same
//! channel, and every handle may send, receive and close, as a Go channel
//! value can. Closing is explicit (dropping handles never closes), a second
//! close is harmless, and values buffered before the close are still
//! received.
//!
//! ```
//! use std::thread;
//! use polyconc::chan::Chan;
//!
//! let ch = Chan::new(16);
//! let producer = {
//!     let ch = ch.clone();
//!     thread::spawn(move || {
//!         for i in 1..=100u64 {
//!             ch.send(i).unwrap();
//!         }
//!         ch.close();
//!     })
//! };
//! let total: u64 = ch.iter().sum(); // ends when closed and drained
//! producer.join().unwrap();
//! assert_eq!(total, 5050);
//! ```
//!
//! Blocked operations spin for a few microseconds, then park their thread;
//! whoever completes an operation wakes exactly that thread.

mod buffered;
mod entries;
mod error;
mod future;
mod paused;
mod rendezvous;
mod select;
mod state;

use std::fmt;
use std::time::{Duration, Instant};

pub use error::{
    CapacityError, RecvError, RecvTimeoutError, SelectTimeoutError, SendError, SendTimeoutError,
    TryRecvError, TrySelectError, TrySendError,
};
pub use future::{RecvFuture, SendFuture};
pub use select::Select;

use crate::buffer::UNBOUNDED;
use crate::loom::Arc;
use crate::wait::{Deadline, Wait, Waiter};
use state::Inner;

/// Forgets, in a forked child process, every thread and task that was
/// waiting on a channel when it called this: call it in the child right
/// after `fork()` (from `pthread_atfork`'s child handler, or Python's
/// `os.register_at_fork(after_in_child=...)`).
///
/// The child has only the thread that forked, but the channels it
/// inherited still queue the parent's waiters. After this call those
/// waiters are gone: no send hands them a value, no receive takes a
/// sender's value from them, `try_send`, `try_recv` and selects do not
/// count them, and `close` does not wake them. Their values are neither
/// delivered nor dropped. A pending future made before the call is never
/// woken; dropping it (or [`SendFuture::cancel`]) still gives back what it
/// holds. Waiters made after the call work as usual.
///
/// A channel's lock, held for a few instructions by each operation, stays
/// held in the child if another thread held it at the fork, as any lock
/// does; `fork()` in a process whose other threads use a channel at that
/// moment is unsafe, as POSIX says of every lock.
///
/// ```
/// use polyconc::chan::{forget_waiters_after_fork, Chan, TryRecvError};
/// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> std::task::Poll<F::Output> {
/// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
/// # }
/// let ch = Chan::new(0);
/// let mut ghost = ch.send_async(1); // stands for a parent thread's send
/// assert!(poll_once(&mut ghost).is_pending());
/// forget_waiters_after_fork();
/// assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
/// assert_eq!(ghost.cancel(), Err(1));
/// ```
pub fn forget_waiters_after_fork() {
    Waiter::forget_all();
}

/// A Go channel. See the [module documentation](self).
///
/// ```
/// use polyconc::chan::Chan;
/// let ch = Chan::new(2);
/// ch.send("a").unwrap();
/// ch.send("b").unwrap();
/// assert_eq!(ch.len(), 2);
/// assert_eq!(ch.recv(), Ok("a"));
/// ```
pub struct Chan<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Chan<T> {
    /// Another handle to the same channel.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let a = Chan::new(1);
    /// let b = a.clone();
    /// a.send(1).unwrap();
    /// assert_eq!(b.recv(), Ok(1));
    /// ```
    fn clone(&self) -> Self {
        Chan {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<T> fmt::Debug for Chan<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chan")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("closed", &self.is_closed())
            .finish()
    }
}

impl<T> Chan<T> {
    /// A channel with room for `capacity` values; 0 makes a rendezvous
    /// channel (Go's unbuffered `make(chan T)`), where a send completes only
    /// when a receiver takes the value. `usize::MAX` means unbounded. Room
    /// for at most 65,536 values is allocated up front; a larger buffer grows
    /// as it fills.
    ///
    /// # Panics
    ///
    /// If the room allocated up front cannot be had, with the message of
    /// the [`CapacityError`] that [`Chan::try_with_capacity`] returns.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let ch = Chan::<u8>::new(0);
    /// assert_eq!(ch.capacity(), Some(0));
    /// assert!(ch.try_send(1).is_err()); // no receiver waiting
    /// ```
    pub fn new(capacity: usize) -> Self {
        Self::try_with_capacity(capacity).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Chan::new`], failing instead of panicking when the room it
    /// allocates up front (all `capacity` slots up to 65,536; one block of
    /// 31 to 127 slots, by the size of a value, for larger or unbounded
    /// channels) cannot be had. Any capacity is accepted: above 65,536 the
    /// buffer grows as it fills, from the blocks of its first values that
    /// it makes up front when it can (4 MiB of them at most).
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// // Accepted: only its first blocks of slots are allocated now.
    /// let big = Chan::<u64>::try_with_capacity(1 << 40).unwrap();
    /// assert_eq!(big.capacity(), Some(1 << 40));
    /// // 65,536 slots of 128 TiB each are allocated up front, and cannot be had.
    /// assert!(Chan::<[u8; 1 << 47]>::try_with_capacity(1 << 16).is_err());
    /// ```
    pub fn try_with_capacity(capacity: usize) -> Result<Self, CapacityError> {
        Ok(Chan {
            inner: Arc::new(Inner::new(capacity)?),
        })
    }

    /// A channel whose sends never block.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let ch = Chan::unbounded();
    /// for i in 0..10_000 {
    ///     ch.send(i).unwrap();
    /// }
    /// assert_eq!(ch.capacity(), None);
    /// assert_eq!(ch.len(), 10_000);
    /// ```
    pub fn unbounded() -> Self {
        Self::new(UNBOUNDED)
    }

    /// The buffer size: `Some(0)` for rendezvous, `None` when unbounded.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// assert_eq!(Chan::<()>::new(8).capacity(), Some(8));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        Some(self.inner.cap).filter(|&c| c != UNBOUNDED)
    }

    /// How many values are buffered now: on a rendezvous channel 0, as in
    /// Go, unless a dropped receive future gave one back (see
    /// [`Chan::recv_async`]).
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let ch = Chan::new(4);
    /// ch.send(()).unwrap();
    /// assert_eq!(ch.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether nothing is buffered now.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// assert!(Chan::<i32>::new(4).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the channel has been closed (buffered values may remain).
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let ch = Chan::<i32>::new(1);
    /// assert!(!ch.is_closed());
    /// ch.close();
    /// assert!(ch.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.inner.is_closed()
    }

    /// Closes the channel; returns whether this call closed it (a second
    /// close returns `false` and changes nothing). Every blocked receiver and
    /// sender wakes: receivers get what is buffered, then [`RecvError`];
    /// senders get their value back in a [`SendError`].
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let ch = Chan::new(2);
    /// ch.send(1).unwrap();
    /// assert!(ch.close());
    /// assert!(!ch.close());
    /// assert_eq!(ch.recv(), Ok(1)); // buffered values survive the close
    /// assert!(ch.recv().is_err());
    /// ```
    pub fn close(&self) -> bool {
        self.inner.close()
    }

    /// Sends, waiting as long as it takes for room (or a receiver, on a
    /// rendezvous channel). Fails only when the channel is closed.
    ///
    /// ```
    /// use polyconc::chan::{Chan, SendError};
    /// let ch = Chan::new(1);
    /// assert_eq!(ch.send(1), Ok(()));
    /// ch.close();
    /// assert_eq!(ch.send(2), Err(SendError(2)));
    /// ```
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        self.send_with(value, Wait::FOREVER)
            .map_err(|e| SendError(e.into_inner()))
    }

    /// Sends if it can without waiting. It never sleeps: a receiver that
    /// is still reading the value in the one slot that could take this one
    /// is given a few microseconds to finish, then the send fails with
    /// `Full`.
    ///
    /// ```
    /// use polyconc::chan::{Chan, TrySendError};
    /// let ch = Chan::new(1);
    /// assert_eq!(ch.try_send(1), Ok(()));
    /// assert_eq!(ch.try_send(2), Err(TrySendError::Full(2)));
    /// ```
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        self.send_with(value, Wait::Now).map_err(|e| match e {
            SendTimeoutError::Timeout(v) => TrySendError::Full(v),
            SendTimeoutError::Closed(v) => TrySendError::Closed(v),
        })
    }

    /// Sends, waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::chan::Chan;
    /// let ch = Chan::new(1);
    /// assert!(ch.send_timeout(1, Duration::from_millis(10)).is_ok());
    /// assert!(ch.send_timeout(2, Duration::from_millis(10)).is_err());
    /// ```
    pub fn send_timeout(&self, value: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        self.send_with(value, Wait::timeout(timeout))
    }

    /// Sends, waiting until `deadline` at the latest.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::chan::{Chan, SendTimeoutError};
    /// let ch = Chan::new(0);
    /// let r = ch.send_deadline(9, Instant::now() + Duration::from_millis(5));
    /// assert_eq!(r, Err(SendTimeoutError::Timeout(9)));
    /// ```
    pub fn send_deadline(&self, value: T, deadline: Instant) -> Result<(), SendTimeoutError<T>> {
        self.send_with(value, Wait::Until(Deadline::at(deadline)))
    }

    /// Sends, waiting as `wait` says: [`Wait::Now`] is
    /// [`try_send`](Chan::try_send) (its `Timeout` means "not at once"),
    /// [`Wait::FOREVER`] is [`send`](Chan::send), and any other deadline is
    /// [`send_deadline`](Chan::send_deadline). For callers that pick how to
    /// wait at run time (a binding's timeout argument) without a dispatch of
    /// their own.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::chan::{Chan, SendTimeoutError};
    /// use polyconc::Wait;
    ///
    /// let ch = Chan::new(1);
    /// assert_eq!(ch.send_with(1, Wait::Now), Ok(()));
    /// assert_eq!(ch.send_with(2, Wait::Now), Err(SendTimeoutError::Timeout(2)));
    /// let waited = ch.send_with(3, Wait::timeout(Duration::from_millis(5)));
    /// assert_eq!(waited, Err(SendTimeoutError::Timeout(3)));
    /// ch.close();
    /// assert_eq!(ch.send_with(4, Wait::FOREVER), Err(SendTimeoutError::Closed(4)));
    /// ```
    // The one place a send picks the buffered channel's code or the
    // rendezvous channel's. Inlined, so that a buffered send costs no call
    // into the rendezvous code and its stack frame.
    #[inline]
    pub fn send_with(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        match &self.inner.buffer {
            Some(buffer) => self.inner.buffer_send(buffer, value, wait),
            None => self.inner.rendezvous_send(value, wait),
        }
    }

    /// Receives, waiting as long as it takes. Fails only when the channel is
    /// closed and drained.
    ///
    /// ```
    /// use polyconc::chan::{Chan, RecvError};
    /// let ch = Chan::new(1);
    /// ch.send(5).unwrap();
    /// ch.close();
    /// assert_eq!(ch.recv(), Ok(5));
    /// assert_eq!(ch.recv(), Err(RecvError));
    /// ```
    pub fn recv(&self) -> Result<T, RecvError> {
        self.recv_with(Wait::FOREVER).map_err(|_| RecvError)
    }

    /// Receives if a value can be had without waiting. It never sleeps: a
    /// sender that has claimed the next slot and is still writing its value
    /// is given a few microseconds to finish, then the receive fails with
    /// `Empty`. (An unbounded channel, or one above 65,536, waits for that
    /// write instead: its receivers claim a position before they read it.)
    ///
    /// ```
    /// use polyconc::chan::{Chan, TryRecvError};
    /// let ch = Chan::new(1);
    /// assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
    /// ch.send(1).unwrap();
    /// assert_eq!(ch.try_recv(), Ok(1));
    /// ```
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.recv_with(Wait::Now).map_err(|e| match e {
            RecvTimeoutError::Timeout => TryRecvError::Empty,
            RecvTimeoutError::Closed => TryRecvError::Closed,
        })
    }

    /// Receives, waiting at most `timeout`. A timed-out receive consumes
    /// nothing. A sender that claimed the next slot and is still writing
    /// does not hold it past the deadline, except on an unbounded channel
    /// (or one above 65,536), whose receiver waits for that write once it
    /// has claimed the position (see [`Chan::try_recv`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::chan::{Chan, RecvTimeoutError};
    /// let ch = Chan::<i32>::new(1);
    /// assert_eq!(ch.recv_timeout(Duration::from_millis(5)), Err(RecvTimeoutError::Timeout));
    /// ```
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        self.recv_with(Wait::timeout(timeout))
    }

    /// Receives, waiting until `deadline` at the latest.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::chan::Chan;
    /// let ch = Chan::new(1);
    /// ch.send('x').unwrap();
    /// assert_eq!(ch.recv_deadline(Instant::now() + Duration::from_secs(1)), Ok('x'));
    /// ```
    pub fn recv_deadline(&self, deadline: Instant) -> Result<T, RecvTimeoutError> {
        self.recv_with(Wait::Until(Deadline::at(deadline)))
    }

    /// Receives, waiting as `wait` says: [`Wait::Now`] is
    /// [`try_recv`](Chan::try_recv) (its `Timeout` means "nothing at once"),
    /// [`Wait::FOREVER`] is [`recv`](Chan::recv) (whose only error is then
    /// `Closed`), and any other deadline is
    /// [`recv_deadline`](Chan::recv_deadline); see [`Chan::send_with`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::chan::{Chan, RecvTimeoutError};
    /// use polyconc::Wait;
    ///
    /// let ch = Chan::new(1);
    /// assert_eq!(ch.recv_with(Wait::Now), Err(RecvTimeoutError::Timeout));
    /// ch.send(7).unwrap();
    /// assert_eq!(ch.recv_with(Wait::timeout(Duration::from_secs(5))), Ok(7));
    /// ch.close();
    /// assert_eq!(ch.recv_with(Wait::FOREVER), Err(RecvTimeoutError::Closed));
    /// ```
    // As `send_with`: the one dispatch, inlined.
    #[inline]
    pub fn recv_with(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        match &self.inner.buffer {
            Some(buffer) => self.inner.buffer_recv(buffer, wait),
            None => self.inner.rendezvous_recv(wait),
        }
    }

    /// A future that sends `value` (for async code). Dropping it before it
    /// completes withdraws the value unless a receiver already claimed it
    /// (on a rendezvous channel one can, between polls): a claimed value is
    /// still delivered. [`SendFuture::cancel`] withdraws it and tells which
    /// happened.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let ch = Chan::new(1);
    /// block_on(ch.send_async(3)).unwrap();
    /// assert_eq!(block_on(ch.recv_async()), Ok(3));
    /// ```
    pub fn send_async(&self, value: T) -> SendFuture<T> {
        SendFuture::new(self.clone(), value)
    }

    /// A future that receives (for async code). Dropping it before it
    /// completes consumes nothing. On a rendezvous channel a pending one is
    /// a waiting receiver, which a sender hands its value to (a `try_send`
    /// succeeds, as in Go); dropped then, it gives the value back to the
    /// channel, where the next receiver takes it first.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
    /// # }
    /// let ch = Chan::<i32>::new(1);
    /// ch.close();
    /// assert!(block_on(ch.recv_async()).is_err());
    /// ```
    pub fn recv_async(&self) -> RecvFuture<T> {
        RecvFuture::new(self.clone())
    }

    /// Iterates over received values until the channel is closed and
    /// drained.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let ch = Chan::new(3);
    /// for i in 0..3 { ch.send(i).unwrap(); }
    /// ch.close();
    /// assert_eq!(ch.iter().collect::<Vec<_>>(), vec![0, 1, 2]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { chan: self }
    }

    /// Lends each value buffered now to `f`, oldest first (for a garbage
    /// collector that must see what a channel holds). A rendezvous channel
    /// holds only the values that dropped receive futures gave back (see
    /// [`Chan::recv_async`]); the values of blocked senders belong to them.
    ///
    /// # Safety
    ///
    /// No thread sends, receives or selects on this channel (through any
    /// handle) while this runs, and every operation that did so before has
    /// returned, or is a pending future not being polled.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let ch = Chan::new(4);
    /// ch.send(1).unwrap();
    /// ch.send(2).unwrap();
    /// let mut seen = Vec::new();
    /// // SAFETY: this thread alone uses the channel.
    /// unsafe { ch.for_each_buffered(|&v| seen.push(v)) };
    /// assert_eq!(seen, [1, 2]);
    /// assert_eq!(ch.len(), 2); // nothing was taken
    /// ```
    pub unsafe fn for_each_buffered(&self, f: impl FnMut(&T)) {
        match &self.inner.buffer {
            // SAFETY: no one sends or receives meanwhile (this function's
            // contract, which is the buffer's).
            Some(buffer) => unsafe { buffer.for_each(f) },
            None => self.inner.lock().handed().iter().for_each(f),
        }
    }

    /// Whether two handles are to the same channel.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let a = Chan::<i32>::new(0);
    /// assert!(a.same_channel(&a.clone()));
    /// assert!(!a.same_channel(&Chan::new(0)));
    /// ```
    pub fn same_channel(&self, other: &Chan<T>) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// A blocking iterator over a channel's values; see [`Chan::iter`].
///
/// ```
/// use polyconc::chan::Chan;
/// let ch = Chan::new(1);
/// ch.send(1).unwrap();
/// ch.close();
/// let mut it = ch.iter();
/// assert_eq!(it.next(), Some(1));
/// assert_eq!(it.next(), None);
/// ```
#[derive(Debug)]
pub struct Iter<'a, T> {
    chan: &'a Chan<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.chan.recv().ok()
    }
}

/// An owning blocking iterator; see [`Chan::iter`].
///
/// ```
/// use polyconc::chan::Chan;
/// let ch = Chan::new(2);
/// ch.send(1).unwrap();
/// ch.close();
/// assert_eq!(ch.into_iter().count(), 1);
/// ```
#[derive(Debug)]
pub struct IntoIter<T> {
    chan: Chan<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        self.chan.recv().ok()
    }
}

impl<T> IntoIterator for Chan<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;
    fn into_iter(self) -> IntoIter<T> {
        IntoIter { chan: self }
    }
}

impl<'a, T> IntoIterator for &'a Chan<T> {
    type Item = T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}
