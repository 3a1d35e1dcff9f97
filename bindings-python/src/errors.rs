//! Core errors as Python exceptions: each core error the module meets has
//! one conversion, which picks the exception class and keeps the core's
//! message (it says which operation failed). The error converted is always
//! the one the core returned.

use std::fmt::Display;

use polyconc::chan::{
    CapacityError, RecvError, RecvTimeoutError, SelectTimeoutError, SendError, SendTimeoutError,
    TryRecvError, TrySendError,
};
use polyconc::sync::{
    BarrierError, InvalidParties, NegativeCounter, NotLocked, NotOwner, PermitOverflow,
};
use pyo3::exceptions::{PyException, PyMemoryError, PyRuntimeError, PyTimeoutError, PyValueError};
use pyo3::{create_exception, import_exception, PyErr};

create_exception!(
    polyconc,
    ChannelClosed,
    PyException,
    "Raised by recv once the channel is closed and drained, and by send on a closed channel."
);

// The standard library's "would block" exceptions (`queue.Queue.put_nowait`
// / `get_nowait`); `Chan`'s try methods answer False / (None, False) instead.
import_exception!(queue, Full);
import_exception!(queue, Empty);
// `threading.Barrier`'s error, which `CyclicBarrier` raises as it does.
import_exception!(threading, BrokenBarrierError);

/// A Python exception made from its message (an exception class's `new_err`).
type NewErr = fn(String) -> PyErr;

/// A core error, as the Python exception that reports it.
pub(crate) trait ToPyErr: Display {
    /// The exception class for this error.
    fn class(&self) -> NewErr;

    /// The exception, with the core's message.
    fn to_py_err(&self) -> PyErr {
        (self.class())(self.to_string())
    }

    /// The exception, with the core's message and where it happened.
    fn to_py_err_at(&self, place: impl Display) -> PyErr {
        (self.class())(format!("{self} ({place})"))
    }
}

const CLOSED: NewErr = ChannelClosed::new_err::<String>;
const TIMEOUT: NewErr = PyTimeoutError::new_err::<String>;

impl<T> ToPyErr for SendError<T> {
    fn class(&self) -> NewErr {
        CLOSED
    }
}

impl<T> ToPyErr for TrySendError<T> {
    fn class(&self) -> NewErr {
        match self {
            TrySendError::Full(_) => Full::new_err::<String>,
            TrySendError::Closed(_) => CLOSED,
        }
    }
}

impl<T> ToPyErr for SendTimeoutError<T> {
    fn class(&self) -> NewErr {
        match self {
            SendTimeoutError::Timeout(_) => TIMEOUT,
            SendTimeoutError::Closed(_) => CLOSED,
        }
    }
}

impl ToPyErr for RecvError {
    fn class(&self) -> NewErr {
        CLOSED
    }
}

impl ToPyErr for TryRecvError {
    fn class(&self) -> NewErr {
        match self {
            TryRecvError::Empty => Empty::new_err::<String>,
            TryRecvError::Closed => CLOSED,
        }
    }
}

impl ToPyErr for RecvTimeoutError {
    fn class(&self) -> NewErr {
        match self {
            RecvTimeoutError::Timeout => TIMEOUT,
            RecvTimeoutError::Closed => CLOSED,
        }
    }
}

impl ToPyErr for SelectTimeoutError {
    fn class(&self) -> NewErr {
        TIMEOUT
    }
}

impl ToPyErr for CapacityError {
    fn class(&self) -> NewErr {
        PyMemoryError::new_err::<String>
    }
}

const RUNTIME: NewErr = PyRuntimeError::new_err::<String>;
const VALUE: NewErr = PyValueError::new_err::<String>;

/// As `threading.Lock.release()` of an unlocked lock.
impl ToPyErr for NotLocked {
    fn class(&self) -> NewErr {
        RUNTIME
    }
}

/// As `threading.RLock.release()` by a thread that does not hold it.
impl ToPyErr for NotOwner {
    fn class(&self) -> NewErr {
        RUNTIME
    }
}

impl ToPyErr for PermitOverflow {
    fn class(&self) -> NewErr {
        VALUE
    }
}

impl ToPyErr for NegativeCounter {
    fn class(&self) -> NewErr {
        VALUE
    }
}

impl ToPyErr for InvalidParties {
    fn class(&self) -> NewErr {
        VALUE
    }
}

/// Broken, timed out (which broke it) or an action that failed: all three
/// are `threading.BrokenBarrierError`, as `threading.Barrier` raises.
impl ToPyErr for BarrierError {
    fn class(&self) -> NewErr {
        BrokenBarrierError::new_err::<String>
    }
}
