//! [`parasitic()`]: Scala's `ExecutionContext.parasitic`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{ExecutionContext, Rejected, Task};
use crate::future::Failure;

/// Runs each task on the thread that submits it: for a future's callback,
/// the thread that completed the future (or the one registering the
/// callback on a completed future). Tasks submitted while one runs are
/// queued on this thread and run after it, in order, so a chain of any
/// length runs in constant stack (a trampoline). A panicking task is
/// reported and the queue goes on.
///
/// Only for short, non-blocking callbacks: everything queued behind a task
/// waits for it.
///
/// ```
/// use polyconc::exec::{parasitic, ExecutionContext};
/// let here = std::thread::current().id();
/// parasitic()
///     .execute(Box::new(move || assert_eq!(std::thread::current().id(), here)))
///     .unwrap();
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Parasitic;

/// The parasitic context.
///
/// ```
/// use polyconc::exec::parasitic;
/// use polyconc::future::Future;
/// let f = Future::successful(2).map(&parasitic(), |v| v * 2); // runs right here
/// assert_eq!(f.value().unwrap().as_ref().ok(), Some(&4));
/// ```
pub fn parasitic() -> Parasitic {
    Parasitic
}

#[cfg(not(loom))]
std::thread_local! {
    /// The tasks waiting behind the running one; `Some` while this thread
    /// runs the trampoline.
    static QUEUE: RefCell<Option<VecDeque<Task>>> = const { RefCell::new(None) };
}
// loom's macro takes no `const` initialiser.
#[cfg(loom)]
loom::thread_local! {
    static QUEUE: RefCell<Option<VecDeque<Task>>> = RefCell::new(None);
}

impl ExecutionContext for Parasitic {
    fn execute(&self, task: Box<dyn FnOnce() + Send>) -> Result<(), Rejected> {
        self.submit(Task::from(task))
    }

    fn submit(&self, task: Task) -> Result<(), Rejected> {
        let task = QUEUE.with(|q| match q.borrow_mut().as_mut() {
            Some(queue) => {
                queue.push_back(task);
                None
            }
            None => Some(task),
        });
        if let Some(first) = task {
            trampoline(first, self);
        }
        Ok(())
    }
}

fn trampoline(first: Task, ec: &Parasitic) {
    struct Done;
    impl Drop for Done {
        fn drop(&mut self) {
            QUEUE.with(|q| *q.borrow_mut() = None);
        }
    }
    QUEUE.with(|q| *q.borrow_mut() = Some(VecDeque::new()));
    let _done = Done;
    let mut next = Some(first);
    while let Some(task) = next {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| task.run())) {
            ec.report(&Failure::from_panic(panic));
        }
        next = QUEUE.with(|q| q.borrow_mut().as_mut().and_then(VecDeque::pop_front));
    }
}

/// Runs, now, the tasks queued behind the running one on this thread (for
/// [`blocking`](super::blocking): they must not wait for it).
pub(crate) fn run_queued() {
    while let Some(task) = QUEUE.with(|q| q.borrow_mut().as_mut().and_then(VecDeque::pop_front)) {
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| task.run())) {
            Parasitic.report(&Failure::from_panic(panic));
        }
    }
}
