//! Test-only instrumentation, compiled with the `test-hooks` feature (and
//! not under loom): a [`Pause`] stops a thread at a named [`Point`] of the
//! channel's code until the test resumes it, so a test can put a partner
//! part-way through an operation; [`Counts`] tells how often a thread
//! parked, woke another, lost a claim to another thread, registered to be
//! told or told another, so a test can assert on behaviour (and a study
//! count events per message) instead of wall time. Without the feature the
//! points and counters compile to nothing.
//!
//! ```
//! use polyconc::chan::Chan;
//! use polyconc::test_hooks::{self, Point, Pause};
//!
//! let ch = Chan::new(4);
//! let (tx, paused) = (ch.clone(), std::sync::mpsc::channel());
//! let sender = std::thread::spawn(move || {
//!     paused.0.send(Pause::arm(Point::SendClaimed)).unwrap();
//!     tx.send(1).unwrap();
//! });
//! let pause = paused.1.recv().unwrap();
//! pause.wait_reached(); // the sender has claimed a slot, not written it
//! let before = test_hooks::counts().parks();
//! assert!(ch.try_recv().is_err()); // nothing written yet, and no sleep
//! assert_eq!(test_hooks::counts().parks(), before);
//! pause.resume();
//! sender.join().unwrap();
//! assert_eq!(ch.recv(), Ok(1));
//! ```

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::hooks::Count;
pub use crate::hooks::Point;

/// One thread's counters; see [`counts`].
///
/// ```
/// let c = polyconc::test_hooks::counts();
/// assert_eq!(c.lost_claims(), 0);
/// ```
#[derive(Debug, Default)]
pub struct Counts {
    parks: AtomicU64,
    wakes: AtomicU64,
    lost_claims: AtomicU64,
    watches: AtomicU64,
    tells: AtomicU64,
    retries: AtomicU64,
    yields: AtomicU64,
    write_waits: AtomicU64,
    room_looks: AtomicU64,
}

impl Counts {
    /// How many times the thread went to sleep.
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().parks(), 0);
    /// ```
    pub fn parks(&self) -> u64 {
        self.parks.load(Ordering::SeqCst)
    }

    /// How many times the thread woke a sleeping thread.
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().wakes(), 0);
    /// ```
    pub fn wakes(&self) -> u64 {
        self.wakes.load(Ordering::SeqCst)
    }

    /// How many of the thread's claims of a buffer position another thread
    /// won first (each costs a retry).
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().lost_claims(), 0);
    /// ```
    pub fn lost_claims(&self) -> u64 {
        self.lost_claims.load(Ordering::SeqCst)
    }

    /// How many times the thread registered to be told when a buffered
    /// channel can go on (each costs the channel's lock).
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().watches(), 0);
    /// ```
    pub fn watches(&self) -> u64 {
        self.watches.load(Ordering::SeqCst)
    }

    /// How many times the thread told a registered waiter of a buffered
    /// channel that it can go on (under the channel's lock; the waiter may
    /// be gone, or not asleep yet).
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().tells(), 0);
    /// ```
    pub fn tells(&self) -> u64 {
        self.tells.load(Ordering::SeqCst)
    }

    /// How many times a refused buffer operation of the thread (no room,
    /// no value, a busy partner) paused and tried again before it
    /// registered or gave up.
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().retries(), 0);
    /// ```
    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::SeqCst)
    }

    /// How many times the thread gave up its CPU (a yield) while waiting
    /// for another thread.
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().yields(), 0);
    /// ```
    pub fn yields(&self) -> u64 {
        self.yields.load(Ordering::SeqCst)
    }

    /// How many of the thread's receives from a list buffer (unbounded,
    /// or above 65,536) claimed a slot whose sender had not written it
    /// yet, and waited for the write.
    ///
    /// ```
    /// assert_eq!(polyconc::test_hooks::counts().write_waits(), 0);
    /// ```
    pub fn write_waits(&self) -> u64 {
        self.write_waits.load(Ordering::SeqCst)
    }

    /// How many times the thread's sends to a bounded list buffer (a
    /// capacity above 65,536) read the receivers' head to learn how much
    /// room is left: only once their tail reached the room learnt before.
    ///
    /// ```
    /// let ch = polyconc::chan::Chan::new(1 << 17);
    /// ch.send(1).unwrap(); // room for 131,072 was known from the start
    /// assert_eq!(polyconc::test_hooks::counts().room_looks(), 0);
    /// ```
    pub fn room_looks(&self) -> u64 {
        self.room_looks.load(Ordering::SeqCst)
    }
}

thread_local! {
    static COUNTS: Arc<Counts> = Arc::default();
    static ARMED: RefCell<Option<(Point, Pause)>> = const { RefCell::new(None) };
}

/// The calling thread's counters (a handle another thread may read).
///
/// ```
/// let mine = polyconc::test_hooks::counts();
/// let theirs = std::thread::spawn(polyconc::test_hooks::counts).join().unwrap();
/// assert!(!std::sync::Arc::ptr_eq(&mine, &theirs));
/// ```
pub fn counts() -> Arc<Counts> {
    COUNTS.with(Arc::clone)
}

pub(crate) fn count(what: Count) {
    // `try_with`: a thread-local destructor may use a channel.
    let _ = COUNTS.try_with(|c| {
        let counter = match what {
            Count::Park => &c.parks,
            Count::Wake => &c.wakes,
            Count::LostClaim => &c.lost_claims,
            Count::Watch => &c.watches,
            Count::Tell => &c.tells,
            Count::Retry => &c.retries,
            Count::Yield => &c.yields,
            Count::WriteWait => &c.write_waits,
            Count::RoomLook => &c.room_looks,
        };
        counter.fetch_add(1, Ordering::SeqCst);
    });
}

/// A pause armed at a [`Point`] for one thread; clones are handles to the
/// same pause, for the test thread that waits for it and resumes it.
#[derive(Clone, Debug, Default)]
pub struct Pause {
    state: Arc<(Mutex<PauseState>, Condvar)>,
}

#[derive(Debug, Default)]
struct PauseState {
    reached: bool,
    resumed: bool,
}

impl Pause {
    /// Arms a pause for the calling thread: the next time it reaches
    /// `point`, it stops there until [`Pause::resume`]. Once only.
    ///
    /// ```
    /// use polyconc::test_hooks::{Pause, Point};
    /// let pause = Pause::arm(Point::RecvClaimed);
    /// pause.resume(); // resumed before it is reached: it will not stop
    /// let ch = polyconc::chan::Chan::new(1);
    /// ch.send(1).unwrap();
    /// assert_eq!(ch.recv(), Ok(1));
    /// ```
    pub fn arm(point: Point) -> Pause {
        let pause = Pause::default();
        ARMED.with(|a| *a.borrow_mut() = Some((point, pause.clone())));
        pause
    }

    /// Spawns `f` on a thread armed to stop at `point`, and waits until it
    /// has: the partner part-way that a test then runs against.
    ///
    /// ```
    /// use polyconc::test_hooks::{Pause, Point};
    /// let ch = polyconc::chan::Chan::new(1);
    /// let tx = ch.clone();
    /// let (pause, t) = Pause::spawn_at(Point::SendClaimed, move || tx.send(5));
    /// assert_eq!(ch.len(), 1); // claimed: part of the channel already
    /// pause.resume();
    /// t.join().unwrap().unwrap();
    /// assert_eq!(ch.recv(), Ok(5));
    /// ```
    pub fn spawn_at<R: Send + 'static>(
        point: Point,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> (Pause, std::thread::JoinHandle<R>) {
        let (tx, rx) = std::sync::mpsc::channel();
        let t = std::thread::spawn(move || {
            tx.send(Pause::arm(point))
                .expect("the spawner waits for the pause");
            f()
        });
        let pause = rx.recv().expect("the spawned thread sends its pause first");
        pause.wait_reached();
        (pause, t)
    }

    /// Waits until the armed thread has stopped at the point.
    ///
    /// ```
    /// use polyconc::test_hooks::{Pause, Point};
    /// let ch = polyconc::chan::Chan::new(1);
    /// let (tx, got) = (ch.clone(), std::sync::mpsc::channel());
    /// let t = std::thread::spawn(move || {
    ///     got.0.send(Pause::arm(Point::SendClaimed)).unwrap();
    ///     tx.send(5).unwrap();
    /// });
    /// let pause = got.1.recv().unwrap();
    /// pause.wait_reached();
    /// assert_eq!(ch.len(), 1); // claimed: part of the channel already
    /// pause.resume();
    /// t.join().unwrap();
    /// ```
    pub fn wait_reached(&self) {
        let (lock, changed) = &*self.state;
        let mut st = lock.lock().unwrap();
        while !st.reached {
            st = changed.wait(st).unwrap();
        }
    }

    /// Lets the paused thread go on (or not stop, if it has not arrived).
    ///
    /// ```
    /// polyconc::test_hooks::Pause::arm(polyconc::test_hooks::Point::SendClaimed).resume();
    /// ```
    pub fn resume(&self) {
        let (lock, changed) = &*self.state;
        lock.lock().unwrap().resumed = true;
        changed.notify_all();
    }

    fn stop(&self) {
        let (lock, changed) = &*self.state;
        let mut st = lock.lock().unwrap();
        st.reached = true;
        changed.notify_all();
        while !st.resumed {
            st = changed.wait(st).unwrap();
        }
    }
}

/// The calling thread reached `point`: stops there if a pause is armed.
pub(crate) fn reach(point: Point) {
    let armed = ARMED
        .try_with(|a| {
            let mut a = a.borrow_mut();
            match a.take() {
                Some((p, pause)) if p == point => Some(pause),
                other => {
                    *a = other;
                    None
                }
            }
        })
        .ok()
        .flatten();
    if let Some(pause) = armed {
        pause.stop();
    }
}
