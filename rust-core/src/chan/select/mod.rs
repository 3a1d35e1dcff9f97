//! Go's `select`, over any number of send and receive cases of any element
//! types.
//!
//! The select locks every channel involved (in id order, once each),
//! tries the cases in a random order, and takes the first ready one; so
//! "nothing was ready" is true of one instant, as in Go. If none is ready it
//! queues one waiter on every channel, unlocks, and sleeps until a partner
//! claims the waiter for exactly one case.
//!
//! Buffered channels move their values without the lock (in a ring or a
//! list), so they move even while the select holds their locks: it reads
//! every buffer's head and tail before and after its tries, and retries
//! until the two agree. Their partners only tell a waiting select that a
//! case may go on; the select then retries.

mod case;

use std::cell::{Cell, UnsafeCell};
use std::time::{Duration, Instant};

use super::buffered::BUSY_SPINS;
use super::error::{RecvError, SelectTimeoutError, SendError, TrySelectError};
use super::state::wake;
use super::Chan;
use crate::loom::{fence, Ordering};
use crate::wait::{spin, Backoff, Deadline, Wait, Waiter};
use case::{Case, RecvCase, SendCase, Try};

/// A select over send and receive cases; each case has a callback, and the
/// one case that fires hands its result to its callback, whose return value
/// the select returns.
///
/// ```
/// use polyconc::chan::{Chan, Select};
/// let numbers = Chan::<i32>::new(1);
/// let words = Chan::new(1);
/// words.send("hi").unwrap();
/// let got = Select::new()
///     .recv(&numbers, |r| format!("number {:?}", r))
///     .recv(&words, |r| format!("word {:?}", r))
///     .select();
/// assert_eq!(got, "word Ok(\"hi\")");
/// ```
///
/// A receive case fires with `Err(RecvError)` when its channel is closed and
/// drained (Go's `v, ok := <-ch` with `ok == false`); a send case fires with
/// `Err(SendError(v))` when its channel is closed. A case on `None` is
/// disabled and never fires (Go's nil channel). Among ready cases the choice
/// is uniformly random, unless [`Select::biased`] asks for the first one.
pub struct Select<'a, R> {
    cases: Vec<Box<dyn Case<R> + 'a>>,
    biased: bool,
}

impl<R> Default for Select<'_, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a, R> Select<'a, R> {
    /// A select with no cases yet.
    ///
    /// ```
    /// use polyconc::chan::Select;
    /// let s: Select<'_, ()> = Select::new();
    /// assert!(s.try_select().is_err()); // no case can ever fire
    /// ```
    pub fn new() -> Self {
        Select {
            cases: Vec::new(),
            biased: false,
        }
    }

    /// Adds a receive case. `chan` may be `None` (a disabled case).
    ///
    /// ```
    /// use polyconc::chan::{Chan, Select};
    /// let ch = Chan::new(1);
    /// ch.send(4).unwrap();
    /// let disabled: Option<&Chan<i32>> = None;
    /// let v = Select::new().recv(disabled, |_| 0).recv(&ch, |r| r.unwrap()).select();
    /// assert_eq!(v, 4);
    /// ```
    pub fn recv<T: 'a>(
        mut self,
        chan: impl Into<Option<&'a Chan<T>>>,
        on_recv: impl FnOnce(Result<T, RecvError>) -> R + 'a,
    ) -> Self {
        self.cases.push(Box::new(RecvCase {
            chan: chan.into(),
            slot: UnsafeCell::new(None),
            on_recv,
        }));
        self
    }

    /// Adds a send case of `value`. `chan` may be `None` (a disabled case).
    ///
    /// ```
    /// use polyconc::chan::{Chan, Select};
    /// let ch = Chan::new(1);
    /// let sent = Select::new().send(&ch, 7, |r| r.is_ok()).select();
    /// assert!(sent);
    /// assert_eq!(ch.recv(), Ok(7));
    /// ```
    pub fn send<T: 'a>(
        mut self,
        chan: impl Into<Option<&'a Chan<T>>>,
        value: T,
        on_send: impl FnOnce(Result<(), SendError<T>>) -> R + 'a,
    ) -> Self {
        self.cases.push(Box::new(SendCase {
            chan: chan.into(),
            slot: UnsafeCell::new(Some(value)),
            on_send,
        }));
        self
    }

    /// Takes the first ready case in the order they were added, instead of
    /// a random one.
    ///
    /// ```
    /// use polyconc::chan::{Chan, Select};
    /// let (a, b) = (Chan::new(1), Chan::new(1));
    /// a.send(1).unwrap();
    /// b.send(2).unwrap();
    /// let first = Select::new().recv(&a, |r| r.unwrap()).recv(&b, |r| r.unwrap()).biased().select();
    /// assert_eq!(first, 1);
    /// ```
    pub fn biased(mut self) -> Self {
        self.biased = true;
        self
    }

    /// Waits until one case fires, and returns its callback's result. With no
    /// enabled case it waits forever, as Go's empty `select {}` does.
    ///
    /// ```
    /// use polyconc::chan::{Chan, Select};
    /// let ch = Chan::new(0);
    /// let tx = ch.clone();
    /// let t = std::thread::spawn(move || tx.send(1).unwrap());
    /// assert_eq!(Select::new().recv(&ch, |r| r.unwrap()).select(), 1);
    /// t.join().unwrap();
    /// ```
    pub fn select(self) -> R {
        match self.run(Wait::FOREVER) {
            Ok(r) => r,
            Err(_) => unreachable!("a select without deadline cannot time out"),
        }
    }

    /// Fires a case only if one is ready now (Go's `default`).
    ///
    /// ```
    /// use polyconc::chan::{Chan, Select};
    /// let ch = Chan::<i32>::new(1);
    /// assert!(Select::new().recv(&ch, |_| ()).try_select().is_err());
    /// ```
    pub fn try_select(self) -> Result<R, TrySelectError> {
        self.run(Wait::Now).map_err(|_| TrySelectError)
    }

    /// Waits at most `timeout` for a case to fire.
    ///
    /// ```
    /// use std::time::Duration;
    /// use polyconc::chan::{Chan, Select};
    /// let ch = Chan::<i32>::new(0);
    /// assert!(Select::new().recv(&ch, |_| ()).select_timeout(Duration::from_millis(2)).is_err());
    /// ```
    pub fn select_timeout(self, timeout: Duration) -> Result<R, SelectTimeoutError> {
        self.run(Wait::timeout(timeout))
    }

    /// Waits until `deadline` at the latest for a case to fire.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use polyconc::chan::{Chan, Select};
    /// let ch = Chan::new(1);
    /// ch.send(()).unwrap();
    /// let r = Select::new().recv(&ch, |r| r.is_ok()).select_deadline(Instant::now() + Duration::from_secs(1));
    /// assert_eq!(r, Ok(true));
    /// ```
    pub fn select_deadline(self, deadline: Instant) -> Result<R, SelectTimeoutError> {
        self.run(Wait::Until(Deadline::at(deadline)))
    }

    fn run(mut self, wait: Wait) -> Result<R, SelectTimeoutError> {
        let locks = Locks::new(&self.cases);
        let order = poll_order(self.cases.len(), self.biased);
        // A buffered case whose channel told us it is ready: if we end without
        // acting on it, the news goes to the channel's next waiter.
        let mut told: Option<usize> = None;
        let mut before = Vec::new();
        let mut after = Vec::new();
        loop {
            locks.lock_all(&self.cases);
            // Locked channels stand still while we hold their locks; buffered
            // channels do not. Their heads and tails, read before and after
            // the tries and found unchanged, stood still in between, so the
            // failed tries all held at one instant (positions only grow). A
            // busy case is ready but for a partner that has yet to finish.
            let mut step = 0;
            loop {
                before.clear();
                self.cases.iter().for_each(|c| c.snapshot(&mut before));
                let mut busy = false;
                for &i in &order {
                    // SAFETY: every channel of the select is locked.
                    match unsafe { self.cases[i].try_fire() } {
                        Try::Fired(woken) => {
                            locks.unlock_all(&self.cases);
                            wake(woken);
                            self.pass_on(told, i);
                            return Ok(self.finish(i));
                        }
                        Try::Busy => busy = true,
                        Try::NotReady => {}
                    }
                }
                if matches!(wait, Wait::Until(_)) {
                    // Waiting: a busy partner tells us when done, and a
                    // buffer that moved is caught by the re-check below.
                    break;
                }
                after.clear();
                self.cases.iter().for_each(|c| c.snapshot(&mut after));
                if busy && step < BUSY_SPINS {
                    // Let the partner finish (it may need one of our locks to tell).
                    locks.unlock_all(&self.cases);
                    spin(step);
                    step += 1;
                    locks.lock_all(&self.cases);
                } else if busy || before == after {
                    // A partner still busy after that may be descheduled:
                    // a select that may not wait reports nothing ready.
                    break;
                }
            }
            let deadline = match wait {
                Wait::Now => {
                    locks.unlock_all(&self.cases);
                    self.pass_on(told, usize::MAX);
                    return Err(SelectTimeoutError);
                }
                Wait::Until(d) => d,
            };

            let waiter = Waiter::for_thread();
            // Queue in the poll order, not in case order: when several cases
            // wait on one channel, its next partner takes the first queued,
            // and that must be a random one (unbiased) or the first case
            // (biased). Queued in case order, `send(&c, 1).send(&c, 0)` always
            // sent 1 to a late receiver (Go's TestPseudoRandomSend).
            for &i in &order {
                // SAFETY: locked; the case's slot lives in its box until `finish`.
                unsafe { self.cases[i].register(&waiter, i) };
            }
            locks.unlock_all(&self.cases);

            // A buffered channel that became ready after its try does not claim
            // us: re-check them all after registering (see `Inner::after`).
            fence(Ordering::SeqCst);
            let ready = self.cases.iter().any(|c| c.buffer_ready());
            let done = ready || waiter.wait(Backoff::Adaptive, deadline);
            locks.lock_all(&self.cases);
            // Holding every lock, a claim is either complete or impossible;
            // aborting also keeps anyone from firing a case while we retry.
            let gave_up = (ready || !done) && waiter.abort().is_ok();
            let fired = if gave_up { None } else { waiter.claimed() };
            for (i, case) in self.cases.iter_mut().enumerate() {
                if Some(i) != fired {
                    // SAFETY: locked.
                    unsafe { case.unregister(&waiter, i) };
                }
            }
            locks.unlock_all(&self.cases);
            match fired {
                // A buffered channel only told us: try again, its case first among equals.
                Some(i) if self.cases[i].is_buffered() => {
                    if told != Some(i) {
                        self.pass_on(told, i);
                    }
                    told = Some(i);
                }
                Some(i) => {
                    self.pass_on(told, i);
                    return Ok(self.finish(i));
                }
                None if ready => {}
                None => {
                    self.pass_on(told, usize::MAX);
                    return Err(SelectTimeoutError);
                }
            }
        }
    }

    /// Hands on the news of buffered case `told` unless case `fired` acted on it.
    fn pass_on(&self, told: Option<usize>, fired: usize) {
        if let Some(t) = told.filter(|&t| t != fired) {
            self.cases[t].pass_on();
        }
    }

    fn finish(mut self, i: usize) -> R {
        self.cases.swap_remove(i).finish()
    }
}

/// Which cases' locks to take, in a global order (by channel id, each
/// channel once), so that two selects never deadlock on each other.
struct Locks {
    order: Vec<usize>,
}

impl Locks {
    fn new<R>(cases: &[Box<dyn Case<R> + '_>]) -> Self {
        let mut keyed: Vec<(u64, usize)> = cases
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.key().map(|k| (k, i)))
            .collect();
        keyed.sort_unstable();
        keyed.dedup_by_key(|(k, _)| *k);
        Locks {
            order: keyed.into_iter().map(|(_, i)| i).collect(),
        }
    }

    fn lock_all<R>(&self, cases: &[Box<dyn Case<R> + '_>]) {
        for &i in &self.order {
            cases[i].lock();
        }
    }

    fn unlock_all<R>(&self, cases: &[Box<dyn Case<R> + '_>]) {
        for &i in self.order.iter().rev() {
            // SAFETY: taken by `lock_all`.
            unsafe { cases[i].unlock() };
        }
    }
}

/// The order in which cases are tried: a uniformly random permutation, so
/// that every ready case is equally likely to fire.
fn poll_order(n: usize, biased: bool) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    // Loom replays executions and needs them deterministic: no shuffling.
    if !biased && !cfg!(loom) {
        for i in (1..n).rev() {
            order.swap(i, random_below(i + 1));
        }
    }
    order
}

/// A per-thread xorshift generator: select needs fairness, not secrecy.
/// Once the thread-local is gone (a select in a thread-local's destructor)
/// each call starts from a fresh seed.
fn random_below(n: usize) -> usize {
    fn seed(salt: u64) -> u64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        (salt ^ now) | 1
    }
    fn next(s: &Cell<u64>, n: usize) -> usize {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (((x >> 32) * n as u64) >> 32) as usize
    }
    thread_local! {
        static STATE: Cell<u64> = Cell::new(seed(&STATE as *const _ as u64));
    }
    STATE
        .try_with(|s| next(s, n))
        .unwrap_or_else(|_| next(&Cell::new(seed(n as u64)), n))
}
