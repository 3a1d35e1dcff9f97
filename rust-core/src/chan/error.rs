//! Errors of channel operations. Every error that ends a send carries the
//! value back, so a failed or timed-out send never loses it.

use std::fmt;

/// A [`send`](super::Chan::send) failed because the channel is closed. The
/// value comes back inside.
///
/// ```
/// use polyconc::chan::{Chan, SendError};
/// let ch = Chan::new(1);
/// ch.close();
/// assert_eq!(ch.send(7), Err(SendError(7)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SendError<T>(pub T);

/// A [`try_send`](super::Chan::try_send) could not send at once.
///
/// ```
/// use polyconc::chan::{Chan, TrySendError};
/// let ch = Chan::new(1);
/// ch.try_send(1).unwrap();
/// assert_eq!(ch.try_send(2), Err(TrySendError::Full(2)));
/// ch.close();
/// assert_eq!(ch.try_send(3), Err(TrySendError::Closed(3)));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TrySendError<T> {
    /// The buffer is full, or no receiver is waiting on a rendezvous channel.
    Full(T),
    /// The channel is closed (this wins over `Full`).
    Closed(T),
}

/// A timed send did not complete.
///
/// ```
/// use std::time::Duration;
/// use polyconc::chan::{Chan, SendTimeoutError};
/// let ch = Chan::new(0); // nobody receives
/// let err = ch.send_timeout(5, Duration::from_millis(1)).unwrap_err();
/// assert_eq!(err, SendTimeoutError::Timeout(5));
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SendTimeoutError<T> {
    /// The deadline passed; the value was not sent.
    Timeout(T),
    /// The channel is closed.
    Closed(T),
}

/// A [`recv`](super::Chan::recv) failed: the channel is closed and drained.
///
/// ```
/// use polyconc::chan::{Chan, RecvError};
/// let ch = Chan::<i32>::new(1);
/// ch.close();
/// assert_eq!(ch.recv(), Err(RecvError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

/// A [`try_recv`](super::Chan::try_recv) found nothing to take at once.
///
/// ```
/// use polyconc::chan::{Chan, TryRecvError};
/// let ch = Chan::<i32>::new(1);
/// assert_eq!(ch.try_recv(), Err(TryRecvError::Empty));
/// ch.close();
/// assert_eq!(ch.try_recv(), Err(TryRecvError::Closed));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TryRecvError {
    /// Nothing buffered and no sender waiting.
    Empty,
    /// The channel is closed and drained.
    Closed,
}

/// A timed receive did not complete; it consumed nothing.
///
/// ```
/// use std::time::Duration;
/// use polyconc::chan::{Chan, RecvTimeoutError};
/// let ch = Chan::<i32>::new(0);
/// assert_eq!(ch.recv_timeout(Duration::from_millis(1)), Err(RecvTimeoutError::Timeout));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecvTimeoutError {
    /// The deadline passed.
    Timeout,
    /// The channel is closed and drained.
    Closed,
}

/// [`Select::try_select`](super::Select::try_select) found no case ready
/// (Go's `default` branch).
///
/// ```
/// use polyconc::chan::{Chan, Select, TrySelectError};
/// let ch = Chan::<i32>::new(1);
/// let r = Select::new().recv(&ch, |v| v).try_select();
/// assert_eq!(r.unwrap_err(), TrySelectError);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrySelectError;

/// [`Select::select_timeout`](super::Select::select_timeout) saw no case
/// ready before its deadline.
///
/// ```
/// use std::time::Duration;
/// use polyconc::chan::{Chan, Select, SelectTimeoutError};
/// let ch = Chan::<i32>::new(0);
/// let r = Select::new().recv(&ch, |v| v).select_timeout(Duration::from_millis(1));
/// assert_eq!(r.unwrap_err(), SelectTimeoutError);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectTimeoutError;

/// [`Chan::try_with_capacity`](super::Chan::try_with_capacity) could not
/// allocate the slots a channel allocates up front (all of them up to a
/// capacity of 65,536, one block of them above that or when unbounded).
///
/// ```
/// use polyconc::chan::Chan;
/// // 65,536 slots of 128 TiB each cannot be had.
/// let err = Chan::<[u8; 1 << 47]>::try_with_capacity(1 << 16).unwrap_err();
/// assert_eq!(err.capacity(), 1 << 16);
/// assert!(err.to_string().contains("smaller capacity"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapacityError {
    pub(crate) capacity: usize,
    pub(crate) slots: usize,
}

impl CapacityError {
    /// The capacity that was asked for (`usize::MAX` for unbounded).
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// let err = Chan::<[u8; 1 << 47]>::try_with_capacity(1 << 16).unwrap_err();
    /// assert_eq!(err.capacity(), 65_536);
    /// ```
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

impl<T> SendError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// use polyconc::chan::SendError;
    /// assert_eq!(SendError(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> TrySendError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// use polyconc::chan::TrySendError;
    /// assert_eq!(TrySendError::Full(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TrySendError::Full(v) | TrySendError::Closed(v) => v,
        }
    }

    /// Whether the send failed because the channel is closed.
    ///
    /// ```
    /// use polyconc::chan::TrySendError;
    /// assert!(TrySendError::Closed(1).is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        matches!(self, TrySendError::Closed(_))
    }
}

impl<T> SendTimeoutError<T> {
    /// The value that was not sent.
    ///
    /// ```
    /// use polyconc::chan::SendTimeoutError;
    /// assert_eq!(SendTimeoutError::Timeout(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
        }
    }
}

// Debug without `T: Debug`, as std's channel errors do, so `unwrap()` works
// for any element type.
impl<T> fmt::Debug for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SendError(..)")
    }
}

impl<T> fmt::Debug for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("Full(..)"),
            TrySendError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Debug for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("Timeout(..)"),
            SendTimeoutError::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for SendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sending on a closed channel")
    }
}

impl<T> fmt::Display for TrySendError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Full(_) => f.write_str("sending on a full channel"),
            TrySendError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl<T> fmt::Display for SendTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendTimeoutError::Timeout(_) => f.write_str("timed out sending on a channel"),
            SendTimeoutError::Closed(_) => f.write_str("sending on a closed channel"),
        }
    }
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("receiving on a closed and empty channel")
    }
}

impl fmt::Display for TryRecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryRecvError::Empty => f.write_str("receiving on an empty channel"),
            TryRecvError::Closed => f.write_str("receiving on a closed and empty channel"),
        }
    }
}

impl fmt::Display for RecvTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecvTimeoutError::Timeout => f.write_str("timed out receiving on a channel"),
            RecvTimeoutError::Closed => f.write_str("receiving on a closed and empty channel"),
        }
    }
}

impl fmt::Display for TrySelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no select case was ready")
    }
}

impl fmt::Display for SelectTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out waiting for a select case")
    }
}

impl fmt::Display for CapacityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "out of memory allocating the {} slots that ", self.slots)?;
        match self.capacity {
            usize::MAX => f.write_str("an unbounded channel")?,
            c => write!(f, "a channel of capacity {c}")?,
        }
        f.write_str(
            " allocates up front; ask for a smaller capacity (above 65,536, or unbounded, \
             slots are allocated as they fill) or send smaller values (a Box)",
        )
    }
}

impl<T> std::error::Error for SendError<T> {}
impl<T> std::error::Error for TrySendError<T> {}
impl<T> std::error::Error for SendTimeoutError<T> {}
impl std::error::Error for RecvError {}
impl std::error::Error for TryRecvError {}
impl std::error::Error for RecvTimeoutError {}
impl std::error::Error for TrySelectError {}
impl std::error::Error for SelectTimeoutError {}
impl std::error::Error for CapacityError {}
