//! [`Timer`]: one thread and a heap of deadlines.

use std::cmp::Ordering as CmpOrdering;
use std::collections::BinaryHeap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use crate::future::Failure;
use crate::loom::{AtomicBool, AtomicUsize, Mutex, Ordering};
use crate::wait::{Backoff, Deadline, Event};

/// Runs closures at deadlines, all on one thread (never a thread per
/// timeout). The closures should be short: they delay the ones after them.
/// A panicking closure is reported on stderr and the timer goes on.
/// Dropping the last handle stops the thread; closures not yet due are
/// dropped unrun.
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
/// use polyconc::exec::Timer;
/// let timer = Timer::new();
/// let (tx, rx) = mpsc::channel();
/// let t2 = tx.clone();
/// timer.schedule(Duration::from_millis(20), move || t2.send(2).unwrap());
/// timer.schedule(Duration::from_millis(1), move || tx.send(1).unwrap());
/// assert_eq!(rx.recv().unwrap(), 1);
/// assert_eq!(rx.recv().unwrap(), 2);
/// ```
#[derive(Clone)]
pub struct Timer {
    owner: Arc<Owner>,
}

struct Owner {
    shared: Arc<Shared>,
}

impl Drop for Owner {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::Release);
        self.shared.changed.notify_all();
    }
}

struct Shared {
    heap: Mutex<Heap>,
    /// Bumped when the earliest deadline changes, so the sleeping thread
    /// re-reads it.
    version: AtomicUsize,
    changed: Event,
    stopped: AtomicBool,
}

#[derive(Default)]
struct Heap {
    entries: BinaryHeap<Entry>,
    seq: u64,
}

struct Entry {
    at: Instant,
    seq: u64,
    slot: Arc<Slot>,
}

type Job = Box<dyn FnOnce() + Send>;

/// A scheduled closure; `None` once run or cancelled.
struct Slot(Mutex<Option<Job>>);

// Earliest first (BinaryHeap is a max-heap), then in scheduling order.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> CmpOrdering {
        other.at.cmp(&self.at).then(other.seq.cmp(&self.seq))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == CmpOrdering::Equal
    }
}

impl Eq for Entry {}

/// A scheduled closure, which [`TimerHandle::cancel`] can take back.
///
/// ```
/// use std::time::Duration;
/// use polyconc::exec::Timer;
/// let h = Timer::new().schedule(Duration::from_secs(60), || unreachable!());
/// assert!(h.cancel());
/// assert!(!h.cancel());
/// ```
pub struct TimerHandle {
    slot: Arc<Slot>,
}

impl TimerHandle {
    /// Takes the closure back unrun; false if it already ran (or runs now)
    /// or was cancelled before.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::exec::Timer;
    /// let timer = Timer::new();
    /// let h = timer.schedule(Duration::ZERO, || ());
    /// std::thread::sleep(Duration::from_millis(50));
    /// let _ran_already = !h.cancel();
    /// ```
    pub fn cancel(&self) -> bool {
        self.slot.0.lock().take().is_some()
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TimerHandle")
    }
}

/// Heap size from which cancelled entries are swept out, at each doubling.
const SWEEP_FROM: usize = 1024;

impl Timer {
    /// A timer with its own thread.
    ///
    /// ```
    /// use polyconc::exec::Timer;
    /// let _timer = Timer::new();
    /// ```
    pub fn new() -> Timer {
        let shared = Arc::new(Shared {
            heap: Mutex::new(Heap::default()),
            version: AtomicUsize::new(0),
            changed: Event::new(),
            stopped: AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        thread::Builder::new()
            .name("polyconc-timer".to_owned())
            .spawn(move || run(&s))
            .expect("cannot start the timer thread");
        Timer {
            owner: Arc::new(Owner { shared }),
        }
    }

    /// The process's timer, started on first use (for
    /// [`Future::or_timeout`](crate::future::Future::or_timeout) and the
    /// async takes of a [`DelayQueue`](crate::queue::DelayQueue)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::exec::Timer;
    /// Timer::shared().schedule(Duration::from_millis(1), || ());
    /// ```
    pub fn shared() -> &'static Timer {
        static SHARED: OnceLock<Timer> = OnceLock::new();
        SHARED.get_or_init(Timer::new)
    }

    /// Runs `f` on the timer's thread once `delay` has passed (never, for a
    /// delay too large for the clock).
    ///
    /// ```
    /// use std::sync::mpsc;
    /// use std::time::Duration;
    /// use polyconc::exec::Timer;
    /// let timer = Timer::new();
    /// let (tx, rx) = mpsc::channel();
    /// timer.schedule(Duration::from_millis(1), move || tx.send(()).unwrap());
    /// rx.recv().unwrap();
    /// ```
    pub fn schedule(&self, delay: Duration, f: impl FnOnce() + Send + 'static) -> TimerHandle {
        let slot = Arc::new(Slot(Mutex::new(Some(Box::new(f)))));
        let Some(at) = Deadline::after(delay).instant() else {
            return TimerHandle { slot }; // never due
        };
        let shared = &self.owner.shared;
        let earliest = {
            let mut heap = shared.heap.lock();
            heap.seq += 1;
            let seq = heap.seq;
            if heap.entries.len() >= SWEEP_FROM && heap.entries.len().is_power_of_two() {
                heap.entries.retain(|e| e.slot.0.lock().is_some());
            }
            heap.entries.push(Entry {
                at,
                seq,
                slot: Arc::clone(&slot),
            });
            heap.entries.peek().is_some_and(|e| e.seq == seq)
        };
        if earliest {
            shared.version.fetch_add(1, Ordering::AcqRel);
            shared.changed.notify_one();
        }
        TimerHandle { slot }
    }
}

impl Default for Timer {
    fn default() -> Self {
        Timer::new()
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Timer")
    }
}

/// The timer thread: run what is due, then sleep until the earliest
/// deadline or until it changes.
fn run(shared: &Shared) {
    while !shared.stopped.load(Ordering::Acquire) {
        let version = shared.version.load(Ordering::Acquire);
        let now = Instant::now();
        let (due, next) = {
            let mut heap = shared.heap.lock();
            let mut due = Vec::new();
            while heap.entries.peek().is_some_and(|e| e.at <= now) {
                due.extend(heap.entries.pop());
            }
            (due, heap.entries.peek().map(|e| e.at))
        };
        if !due.is_empty() {
            for entry in due {
                let job = entry.slot.0.lock().take();
                if let Some(job) = job {
                    if let Err(panic) = catch_unwind(AssertUnwindSafe(job)) {
                        super::report_to_stderr(&Failure::from_panic(panic));
                    }
                }
            }
            continue;
        }
        let deadline = next.map_or(Deadline::never(), Deadline::at);
        shared.changed.wait(
            || {
                (shared.version.load(Ordering::Acquire) != version
                    || shared.stopped.load(Ordering::Acquire))
                .then_some(())
            },
            Backoff::Park,
            deadline,
        );
    }
}
