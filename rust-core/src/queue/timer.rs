//! Wakes tasks at given instants: what an async [`DelayQueue`](super::DelayQueue)
//! take needs while its head has not expired (a thread just sleeps until
//! then). One thread for the process, started on first use, asleep until
//! the earliest instant asked for.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex, OnceLock};
use std::task::Waker;
use std::time::Instant;

struct Entry {
    at: Instant,
    seq: u64,
    waker: Waker,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

#[derive(Default)]
struct Timers {
    due: Mutex<(BinaryHeap<Reverse<Entry>>, u64)>,
    changed: Condvar,
}

fn timers() -> &'static Timers {
    static TIMERS: OnceLock<Timers> = OnceLock::new();
    TIMERS.get_or_init(|| {
        std::thread::Builder::new()
            .name("polyconc-timer".into())
            .spawn(run)
            .expect("spawning the queue timer thread");
        Timers::default()
    })
}

/// Wakes `waker` at `at` (or soon after).
pub(crate) fn wake_at(at: Instant, waker: &Waker) {
    let t = timers();
    let mut due = t.due.lock().unwrap_or_else(|e| e.into_inner());
    let seq = due.1;
    due.1 += 1;
    let earliest = due.0.peek().is_none_or(|Reverse(e)| at < e.at);
    due.0.push(Reverse(Entry {
        at,
        seq,
        waker: waker.clone(),
    }));
    drop(due);
    if earliest {
        t.changed.notify_one();
    }
}

fn run() {
    let t = timers();
    let mut due = t.due.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        while due.0.peek().is_some_and(|Reverse(e)| e.at <= now) {
            let Reverse(e) = due.0.pop().expect("peeked above");
            drop(due);
            e.waker.wake();
            due = t.due.lock().unwrap_or_else(|e| e.into_inner());
        }
        due = match due.0.peek().map(|Reverse(e)| e.at) {
            Some(at) => {
                let wait = at.saturating_duration_since(Instant::now());
                t.changed
                    .wait_timeout(due, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => t.changed.wait(due).unwrap_or_else(|e| e.into_inner()),
        };
    }
}
