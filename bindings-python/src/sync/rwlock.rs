//! `polyconc.RwLock`: many readers or one writer, over the core's `RwLock`
//! (whose waiting writer blocks new readers, so no writer starves).

use std::sync::Mutex;

use polyconc::sync::{
    RwLock, RwLockReadFuture, RwLockReadGuard, RwLockWriteFuture, RwLockWriteGuard,
};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use super::{slot, Keep};
use crate::aio::{self, awaitable_op, lent};
use crate::wait::{deadline_of, wait_of, wait_on};

/// A readers-writer lock; holds are released by any thread or task.
#[pyclass(frozen, weakref, name = "RwLock", module = "polyconc")]
pub(crate) struct PyRwLock {
    /// The read guards held now, and the write guard. They borrow `lock`
    /// (see `lent`), and drop first.
    readers: Mutex<Vec<RwLockReadGuard<'static, ()>>>,
    writer: Mutex<Option<RwLockWriteGuard<'static, ()>>>,
    lock: RwLock<()>,
}

type ReadAcquire = Keep<RwLockReadFuture<'static, ()>, PyRwLock>;
type WriteAcquire = Keep<RwLockWriteFuture<'static, ()>, PyRwLock>;

awaitable_op!(
    /// A pending `RwLock.acquire_read_async`.
    ReadOp = "_ReadOp" over ReadAcquire, on PyRwLock
);
awaitable_op!(
    /// A pending `RwLock.acquire_write_async`.
    WriteOp = "_WriteOp" over WriteAcquire, on PyRwLock
);

impl PyRwLock {
    fn keep_read(&self, guard: RwLockReadGuard<'static, ()>) {
        slot(&self.readers).push(guard);
    }

    fn keep_write(&self, guard: RwLockWriteGuard<'static, ()>) {
        *slot(&self.writer) = Some(guard);
    }
}

#[pymethods]
impl PyRwLock {
    #[new]
    fn new() -> Self {
        PyRwLock {
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(None),
            lock: RwLock::new(()),
        }
    }

    /// Takes a read hold; False if `timeout` seconds pass first.
    #[pyo3(signature = (timeout = None))]
    fn acquire_read(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<bool> {
        // SAFETY: the guards are kept in `slf` itself, and drop before its lock.
        let this = unsafe { lent(slf) };
        let got = wait_on(
            slf.py(),
            wait_of(timeout)?,
            || this.lock.try_read().map(|g| this.keep_read(g)),
            || Keep::new(this.lock.read_async(), this, Self::keep_read),
        )?;
        Ok(got.is_some())
    }

    /// Releases one read hold (any thread's); RuntimeError if none is held.
    fn release_read(&self) -> PyResult<()> {
        let guard = slot(&self.readers).pop();
        guard
            .map(drop)
            .ok_or_else(|| PyRuntimeError::new_err("release_read without a read hold"))
    }

    /// Takes the write hold; False if `timeout` seconds pass first.
    #[pyo3(signature = (timeout = None))]
    fn acquire_write(slf: &Bound<'_, Self>, timeout: Option<f64>) -> PyResult<bool> {
        // SAFETY: as in `acquire_read`.
        let this = unsafe { lent(slf) };
        let got = wait_on(
            slf.py(),
            wait_of(timeout)?,
            || this.lock.try_write().map(|g| this.keep_write(g)),
            || Keep::new(this.lock.write_async(), this, Self::keep_write),
        )?;
        Ok(got.is_some())
    }

    /// Releases the write hold (whichever thread took it); RuntimeError if
    /// it is not held.
    fn release_write(&self) -> PyResult<()> {
        let guard = slot(&self.writer).take();
        guard
            .map(drop)
            .ok_or_else(|| PyRuntimeError::new_err("release_write without the write hold"))
    }

    #[pyo3(signature = (timeout = None))]
    fn acquire_read_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        // SAFETY: the op holds `slf` and drops the future first.
        let this = unsafe { lent(slf) };
        let fut = Keep::new(this.lock.read_async(), this, Self::keep_read);
        aio::acquire(slf.py(), ReadOp::new(slf, fut), timeout)
    }

    #[pyo3(signature = (timeout = None))]
    fn acquire_write_async<'py>(
        slf: &Bound<'py, Self>,
        timeout: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        deadline_of(timeout)?;
        // SAFETY: as in `acquire_read_async`.
        let this = unsafe { lent(slf) };
        let fut = Keep::new(this.lock.write_async(), this, Self::keep_write);
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

    /// How many read holds are kept now.
    #[getter]
    fn readers(&self) -> usize {
        slot(&self.readers).len()
    }

    /// Whether the write hold is taken.
    #[getter]
    fn writing(&self) -> bool {
        slot(&self.writer).is_some()
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
        let lock = self.lock.bind(py);
        if self.write {
            PyRwLock::acquire_write(lock, None)
        } else {
            PyRwLock::acquire_read(lock, None)
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
