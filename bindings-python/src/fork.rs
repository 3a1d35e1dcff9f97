//! After `fork()`: the child has only the thread that forked, but the
//! channels it inherited still queue the parent's waiting threads and
//! tasks. The core forgets them (`forget_waiters_after_fork`), so that no
//! value the child sends goes to a thread that does not exist in it.

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Registers the core's after-fork rule with `os.register_at_fork`, where
/// the platform has it.
pub(crate) fn register(py: Python<'_>) -> PyResult<()> {
    let os = py.import("os")?;
    if !os.hasattr("register_at_fork")? {
        return Ok(()); // no fork() here (Windows)
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("after_in_child", wrap_pyfunction!(after_fork_in_child, py)?)?;
    os.call_method("register_at_fork", (), Some(&kwargs))?;
    Ok(())
}

/// Run in the child by `os.fork()`, holding the GIL, before any other code.
#[pyfunction]
fn after_fork_in_child() {
    polyconc::chan::forget_waiters_after_fork();
}
