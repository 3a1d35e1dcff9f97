//! A `PriorityBlockingQueue`'s elements and order: `<` on keys computed
//! once at insert. The comparator runs Python code inside the core's heap
//! lock, which the queue's gate makes safe (see `gate`).

use std::cmp::Ordering;
use std::sync::Arc;

use polyconc::queue::PriorityBlockingQueue;
use pyo3::exceptions::PyRuntimeError;
use pyo3::gc::PyVisit;
use pyo3::prelude::*;
use pyo3::PyTraverseError;

use super::elem::{Elem, Item};
use super::gate::Gate;
use crate::Obj;

/// A priority queue's element: the object and the key it is ordered by,
/// computed once at insert (the object itself without a key function).
#[derive(Clone, PartialEq)]
pub(crate) struct Keyed {
    item: Item,
    key: Item,
}

impl Keyed {
    /// `obj` with its key, `key(obj)` or `obj` itself.
    pub(crate) fn new(py: Python<'_>, obj: Obj, key: Option<&Obj>) -> PyResult<Self> {
        let item = Item::new(py, obj)?;
        let key = match key {
            Some(f) => Item(f.call1(py, (&item.0,))?),
            None => item.clone(),
        };
        Ok(Keyed { item, key })
    }
}

impl Elem for Keyed {
    fn obj(&self) -> &Obj {
        &self.item.0
    }
    fn into_obj(self) -> Obj {
        self.item.0
    }
    fn visit(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.item.visit(visit)?;
        self.key.visit(visit)
    }
}

/// The core queue, ordered by `<` on the keys: `Less` if `a < b`,
/// `Greater` if `b < a`, else a tie (broken by arrival in the core). An
/// exception from `<` is the comparison's error: the core then leaves the
/// queue unchanged and `insert` returns that very exception.
pub(crate) fn queue(gate: &Arc<Gate>) -> PriorityBlockingQueue<Keyed, PyErr> {
    let gate = Arc::clone(gate);
    PriorityBlockingQueue::with_try_comparator(move |a: &Keyed, b: &Keyed| {
        if gate.is_blind() {
            return Err(PyRuntimeError::new_err("not compared during a collection"));
        }
        // Inside the gate, holding the GIL (see the module docs).
        Python::attach(|py| {
            let (a, b) = (a.key.0.bind(py), b.key.0.bind(py));
            Ok(if a.lt(b)? {
                Ordering::Less
            } else if b.lt(a)? {
                Ordering::Greater
            } else {
                Ordering::Equal
            })
        })
    })
}
