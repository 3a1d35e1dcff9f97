//! What a queue holds: the user's object, wrapped so that the core's
//! `Clone` and `PartialEq` bounds never run Python code.

use std::time::Instant;

use pyo3::exceptions::PyTypeError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::PyTraverseError;

use crate::Obj;

/// An element of a queue, as the binding moves it.
pub(crate) trait Elem: Clone + PartialEq + Send + 'static {
    /// The user's object.
    fn obj(&self) -> &Obj;
    fn into_obj(self) -> Obj;
    /// Shows the collector every object the element holds.
    fn visit(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError>;
}

/// An object a core queue holds.
///
/// `Clone` (the core's `peek`, `element`, `to_vec`) takes a new reference,
/// which needs the GIL. `PartialEq` is identity (`is`): Python's `==` can run any
/// code, so it never runs inside the core; `x in q` and `remove_item`
/// compare on a snapshot, then remove by identity.
pub(crate) struct Item(pub(crate) Obj);

impl Item {
    /// `obj` as an element; `None` is refused, as Java refuses null,
    /// because `poll` answers `None` for "nothing".
    pub(crate) fn new(py: Python<'_>, obj: Obj) -> PyResult<Self> {
        if obj.is_none(py) {
            return Err(PyTypeError::new_err(
                "a queue cannot hold None (poll() and peek() answer None for nothing)",
            ));
        }
        Ok(Item(obj))
    }
}

impl Clone for Item {
    fn clone(&self) -> Self {
        // SAFETY: the binding makes every core call that clones (peek,
        // element, to_vec) holding the GIL, also inside the collector's
        // traversal, where pyo3 forbids `attach` (an incref runs no code).
        let py = unsafe { Python::assume_attached() };
        Item(self.0.clone_ref(py))
    }
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        self.0.is(&other.0)
    }
}

impl Elem for Item {
    fn obj(&self) -> &Obj {
        &self.0
    }
    fn into_obj(self) -> Obj {
        self.0
    }
    fn visit(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.0)
    }
}

/// A `DelayQueue` element: the core orders by the instant.
pub(crate) type Delayed = (Instant, Item);

impl Elem for Delayed {
    fn obj(&self) -> &Obj {
        &self.1 .0
    }
    fn into_obj(self) -> Obj {
        self.1 .0
    }
    fn visit(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.1.visit(visit)
    }
}
