//! Channel operations inside a thread-local destructor (issue 10, fault
//! 5): the waiter cache, the spin budget and the select's random state are
//! thread-locals themselves, and may already be gone; reaching them with
//! `with` aborted the process ("cannot access a Thread Local Storage value
//! during or after destruction"). They fall back to fresh values.

use std::cell::RefCell;
use std::time::Duration;

use polyconc::chan::{Chan, Select};

/// On drop, sends, receives and selects, each waiting for the test's
/// main thread.
struct TalksOnDrop {
    out: Chan<i32>,
    back: Chan<i32>,
    other: Chan<i32>,
}

impl Drop for TalksOnDrop {
    fn drop(&mut self) {
        self.out.send(1).unwrap();
        let got = self.back.recv().unwrap();
        let chosen = Select::new()
            .recv(&self.back, |r| r.unwrap())
            .recv(&self.other, |r| r.unwrap())
            .select();
        self.out.send(got + chosen).unwrap();
    }
}

thread_local! {
    static GUARD: RefCell<Option<TalksOnDrop>> = const { RefCell::new(None) };
}

#[test]
fn blocking_operations_in_a_thread_local_destructor() {
    for cap in [0, 1] {
        let (out, back, other) = (Chan::new(cap), Chan::new(cap), Chan::new(cap));
        let t = {
            let guard = TalksOnDrop {
                out: out.clone(),
                back: back.clone(),
                other: other.clone(),
            };
            std::thread::spawn(move || {
                // The guard's thread-local first: destructors run in reverse,
                // so the channel's own thread-locals, made by the waits
                // below, are gone when the guard's drop runs.
                GUARD.with(|g| *g.borrow_mut() = Some(guard));
                let nobody = Chan::<i32>::new(0);
                assert!(nobody.recv_timeout(Duration::from_millis(1)).is_err());
                assert!(Select::new()
                    .recv(&nobody, |_| ())
                    .recv(&nobody, |_| ())
                    .select_timeout(Duration::from_millis(1))
                    .is_err());
            })
        };
        assert_eq!(out.recv(), Ok(1));
        back.send(2).unwrap();
        other.send(3).unwrap();
        assert_eq!(out.recv(), Ok(5));
        t.join().unwrap();
    }
}
