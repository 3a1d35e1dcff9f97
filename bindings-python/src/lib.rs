//! `polyconc._core`: the Python face of the core's Go channel.
//!
//! The binding holds no channel logic: each class converts its arguments
//! (the element type is `Py<PyAny>`, so objects travel by reference) and
//! calls the core. Three helpers do the rest, once for every class:
//! `errors` turns core errors into Python exceptions, `wait` waits the
//! Python way (GIL-free, interruptible by signal handlers), and `aio`
//! lets asyncio await the core's futures; `exec` runs the futures' Python
//! callables where `executor=` says. `gc` says why the cyclic garbage
//! collector may look into a channel (and settles pyo3's deferred
//! references before each collection), `fork` applies the core's
//! after-fork rule in a forked child, and `fast` answers the per-item calls
//! (`send(x)`, `recv()`, a queue's `put(x)`/`take()`) without pyo3's per-call glue when they complete
//! at once.

mod aio;
mod chan;
mod errors;
mod exec;
mod fast;
mod fork;
mod future;
mod gc;
mod nested;
mod queue;
mod select;
mod sync;
mod wait;

use pyo3::prelude::*;

/// A Python object; channels carry references, so the object received `is`
/// the object sent.
type Obj = Py<PyAny>;

/// Go channels for Python threads and asyncio (the extension behind `polyconc`).
#[pymodule]
mod _core {
    #[pymodule_export]
    use super::aio::{RecvOp, SendOp};
    #[pymodule_export]
    use super::chan::PyChan;
    #[pymodule_export]
    use super::errors::ChannelClosed;
    #[pymodule_export]
    use super::errors::{Closed, QueueClosed};
    #[pymodule_export]
    use super::exec::PyThreadPool;
    #[pymodule_export]
    use super::future::{future, AwaitOp, PyFuture, PyPromise};
    #[pymodule_export]
    use super::queue::{
        DelayTakeOp, PriorityTakeOp, PutOp, PyArrayBlockingQueue, PyDelayQueue,
        PyLinkedBlockingQueue, PyLinkedTransferQueue, PyPriorityBlockingQueue, PySynchronousQueue,
        TakeOp, TransferOp,
    };
    #[pymodule_export]
    use super::select::select;
    #[pymodule_export]
    use super::sync::barrier::{BarrierOp, PyCyclicBarrier};
    #[pymodule_export]
    use super::sync::condition::PyCondition;
    #[pymodule_export]
    use super::sync::latch::{LatchOp, PyCountDownLatch};
    #[pymodule_export]
    use super::sync::mutex::{LockOp, PyMutex};
    #[pymodule_export]
    use super::sync::reentrant::PyReentrantLock;
    #[pymodule_export]
    use super::sync::rwlock::{Hold, PyRwLock, ReadOp, WriteOp};
    #[pymodule_export]
    use super::sync::semaphore::{AcquireOp, PySemaphore};
    #[pymodule_export]
    use super::sync::spin::{PySpinLock, SpinOp};
    #[pymodule_export]
    use super::sync::waitgroup::{PyWaitGroup, WaitGroupOp};

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        let py = m.py();
        super::fast::install(py)?;
        super::exec::register_attach(py)?;
        super::gc::register(py)?;
        super::fork::register(py)
    }
}
