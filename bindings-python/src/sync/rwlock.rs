//! `polyconc.RwLock`: many readers or one writer, over the core's
//! `RawRwLock` (whose waiting writer blocks new readers, so no writer
//! starves, and whose holds any thread may release).

use std::sync::Arc;

use polyconc::sync::{OwnedRawRwLockFuture, RawRwLock};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::aio::{self, awaitable_op};
use crate::nested::Place;
use crate::wait::{deadline_of, wait_of, wait_on};

/// A readers-writer lock; holds are released by any thread or task.
#[pyclass(frozen, weakref, name = "RwLock", module = "polyconc")]
pub(crate) struct PyRwLock {
    /// Shared with the pending async acquires, which own their futures.
    raw: Arc<RawRwLock>,
}

awaitable_op!(
    /// A pending `RwLock.acquire_read_async`.
    ReadOp = "_ReadOp" over OwnedRawRwLockFuture, on PyRwLock
);
awaitable_op!(
    /// A pending `RwLock.acquire_write_async`.
    WriteOp = "_WriteOp" over OwnedRawRwLockFuture, on PyRwLock
);

#[pymethods]
impl PyRwLock {
    #[new]
    fn new() -> Self {
        PyRwLock {
            raw: Arc::new(RawRwLock::new()),
        }
    }

    /// Takes a read hold; False if `timeout` seconds pass first.
    #[pyo3(signature = (timeout = None))]
    fn acquire_read(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let raw = &self.raw;
        let got = wait_on(
            py,
            wait_of(timeout)?,
            Some(Place::of(&**raw)),
            || raw.try_read().then_some(()),
            || raw.read_async(),
        )?;
        Ok(got.is_some())
    }

    /// Releases one read hold (any thread's); RuntimeError if none is held.
    fn release_read(&self) -> PyResult<()> {
        self.raw
            .unlock_read()
            .map_err(|_| PyRuntimeError::new_err("release_read without a read hold"))
    }

    /// Takes the write hold; False if `timeout` seconds pass first.
    #[pyo3(signature = (timeout = None))]
    fn acquire_write(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let raw = &self.raw;
        let got = wait_on(
            py,
            wait_of(timeout)?,
            Some(Place::of(&**raw)),
            || raw.try_write().then_some(()),
            || raw.write_async(),
        )?;
        Ok(got.is_some())
    }

    /// Releases the write hold (whichever thread took it); RuntimeError if
    /// it is not held.
    fn release_write(&self) -> PyResult<()> {
        self.raw
            .unlock_write()
            .map_err(|_| PyRuntimeError::new_err("release_write without the write hold"))
    }

    #[pyo3(signature = (timeout = None))]
    fn acquire_read_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        let fut = Arc::clone(&slf.get().raw).read_owned_async();
        aio::acquire(slf.py(), ReadOp::new(slf, fut), timeout)
    }

    #[pyo3(signature = (timeout = None))]
    fn acquire_write_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        let fut = Arc::clone(&slf.get().raw).write_owned_async();
        aio::acquire(slf.py(), WriteOp::new(slf, fut), timeout)
    }

    /// `with rw.read():` takes a read hold on entry.
    fn read(slf: &Bound<'_, Self>) -> Hold {
        Hold {
            lock: slf.clone().unbind(),
            write: false,
        }
    }

    /// `with rw.write():` takes the write hold on entry.
    fn write(slf: &Bound<'_, Self>) -> Hold {
        Hold {
            lock: slf.clone().unbind(),
            write: true,
        }
    }

    /// How many read holds are taken now.
    #[getter]
    fn readers(&self) -> usize {
        self.raw.reader_count()
    }

    /// Whether the write hold is taken.
    #[getter]
    fn writing(&self) -> bool {
        self.raw.is_write_locked()
    }

    fn __repr__(&self) -> String {
        format!(
            "<polyconc.RwLock readers={} writing={}>",
            self.readers(),
            self.writing()
        )
    }
}

/// `rw.read()` / `rw.write()`: a context manager (sync or async) over one
/// hold of the lock.
#[pyclass(frozen, name = "_RwHold", module = "polyconc._core")]
pub(crate) struct Hold {
    lock: Py<PyRwLock>,
    write: bool,
}

#[pymethods]
impl Hold {
    fn __enter__(&self, py: Python<'_>) -> PyResult<bool> {
        let lock = self.lock.get();
        if self.write {
            lock.acquire_write(py, None)
        } else {
            lock.acquire_read(py, None)
        }
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> PyResult<()> {
        self.release()
    }

    fn __aenter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let lock = self.lock.bind(py);
        if self.write {
            PyRwLock::acquire_write_async(lock, None)
        } else {
            PyRwLock::acquire_read_async(lock, None)
        }
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        slf: &Bound<'py, Self>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        aio::release(slf.as_any())
    }

    /// Releases the hold this manages (`__exit__`, and `_aio.release` for
    /// `async with`).
    fn release(&self) -> PyResult<()> {
        let lock = self.lock.get();
        if self.write {
            lock.release_write()
        } else {
            lock.release_read()
        }
    }
}
