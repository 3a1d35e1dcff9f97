//! `polyconc._core`: the Python face of the core's Go channel.
//!
//! The binding holds no channel logic: each class converts its arguments
//! (the element type is `Py<PyAny>`, so objects travel by reference) and
//! calls the core. Three helpers do the rest, once for every class:
//! `errors` turns core errors into Python exceptions, `wait` waits the
//! Python way (GIL-free, interruptible by signal handlers), and `aio`
//! lets asyncio await the core's futures. `gc` says why the cyclic garbage
//! collector may look into a channel, and `fork` applies the core's
//! after-fork rule in a forked child.

mod aio;
mod chan;
mod errors;
mod fork;
mod gc;
mod select;
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
    use super::select::select;

    #[pymodule_init]
    fn init(py: pyo3::Python<'_>) -> pyo3::PyResult<()> {
        super::fork::register(py)
    }
}
