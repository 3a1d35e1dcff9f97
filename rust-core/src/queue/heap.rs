//! The engine of [`PriorityBlockingQueue`](super::PriorityBlockingQueue)
//! and [`DelayQueue`](super::DelayQueue): a binary heap under a lock, with
//! an [`Event`] that consumers wait on.
//!
//! The heap orders by a comparator that may fail (a Python `__lt__` can
//! raise), then by arrival (a sequence number), so equal elements leave in
//! FIFO order and the order is deterministic. An insert makes every
//! comparison before it moves anything, so a failed one leaves the heap as
//! it was. A removal cannot fail: a comparison that fails while the rest
//! is reordered counts as a tie, broken by arrival. Every step is a swap,
//! so a comparator that panics leaves a heap that is whole (if perhaps out
//! of order).
//!
//! A [`DelayQueue`](super::DelayQueue)'s elements leave only once their
//! deadline has passed. Its sleeping consumers follow Java's leader and
//! followers: one thread, the leader, sleeps until the head's deadline
//! (or its own, if earlier); the others sleep with no regard to the head
//! until told. An insert that makes a new head deposes the leader and
//! tells one sleeper, which leads for the new head; a consumer that
//! leaves while nobody leads and elements remain tells one sleeper, which
//! takes the lead. So the head's expiry wakes one thread, not all. Async
//! takes never lead: each wakes on the process timer for the head it saw.
//!
//! Beyond Java: a closed queue still hands out what is left, so its
//! sleepers go on leading and following; whoever removes the last element
//! of a closed queue tells every sleeper, as `close` does, since each must
//! now return `Closed`. (Java's queue has no close, and its rule, "nobody
//! leads and something is left: signal one", says nothing once the queue
//! is empty; followed alone, it left the followers of a closed queue
//! asleep for ever once the leader took the last element.)

use std::cmp::Ordering;
use std::task::{Context, Poll};
use std::time::Instant;

use super::{RecvError, RecvTimeoutError};
use crate::loom::Mutex;
use crate::wait::{Backoff, Deadline, Event, Wait, Watch};

/// A comparator that cannot fail: `None` is a failed comparison.
pub(crate) type Lenient<T> = Box<dyn Fn(&T, &T) -> Option<Ordering> + Send + Sync>;

/// A borrowed [`Lenient`].
type Cmp<'a, T> = &'a dyn Fn(&T, &T) -> Option<Ordering>;

/// A binary min-heap by a comparator, then by arrival.
pub(crate) struct Heap<T> {
    entries: Vec<(u64, T)>,
    next_seq: u64,
}

impl<T> Heap<T> {
    pub(crate) fn new() -> Self {
        Heap {
            entries: Vec::new(),
            next_seq: 0,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn peek(&self) -> Option<&T> {
        self.entries.first().map(|(_, v)| v)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Inserts `value`; every comparison comes first, so on `Err` (the
    /// value and the error come back) the heap is unchanged.
    pub(crate) fn push<E>(
        &mut self,
        value: T,
        cmp: impl Fn(&T, &T) -> Result<Ordering, E>,
    ) -> Result<(), (T, E)> {
        // Where the value goes: up the path from the new leaf while it
        // is smaller than the parent (a tie stays below: it came later).
        let mut at = self.entries.len();
        while at > 0 {
            let parent = (at - 1) / 2;
            match cmp(&value, &self.entries[parent].1) {
                Ok(Ordering::Less) => at = parent,
                Ok(_) => break,
                Err(e) => return Err((value, e)),
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.entries.push((seq, value));
        let mut i = self.entries.len() - 1;
        while i > at {
            let parent = (i - 1) / 2;
            self.entries.swap(i, parent);
            i = parent;
        }
        Ok(())
    }

    /// Removes the smallest.
    pub(crate) fn pop(&mut self, cmp: Cmp<'_, T>) -> Option<T> {
        self.remove_at(0, cmp)
    }

    /// Removes the entry at `i` (an index into [`Heap::iter`]'s order).
    fn remove_at(&mut self, i: usize, cmp: Cmp<'_, T>) -> Option<T> {
        if i >= self.entries.len() {
            return None;
        }
        let (_, value) = self.entries.swap_remove(i);
        if i < self.entries.len() {
            self.sift_up(i, cmp);
            self.sift_down(i, cmp);
        }
        Some(value)
    }

    /// Removes the first entry (in storage order) for which `f` holds.
    pub(crate) fn remove_first(&mut self, mut f: impl FnMut(&T) -> bool, cmp: Cmp<'_, T>) -> bool {
        match self.entries.iter().position(|(_, v)| f(v)) {
            Some(i) => self.remove_at(i, cmp).is_some(),
            None => false,
        }
    }

    /// The elements in removal order (popped from a heap of references).
    pub(crate) fn sorted(&self, cmp: Cmp<'_, T>) -> Vec<&T> {
        let mut refs = Heap {
            entries: self.entries.iter().map(|(s, v)| (*s, v)).collect(),
            next_seq: 0,
        };
        let cmp_refs = |a: &&T, b: &&T| cmp(a, b);
        std::iter::from_fn(|| refs.pop(&cmp_refs)).collect()
    }

    /// Whether entry `a` leaves before entry `b`.
    fn before(&self, a: usize, b: usize, cmp: Cmp<'_, T>) -> bool {
        let ((sa, va), (sb, vb)) = (&self.entries[a], &self.entries[b]);
        match cmp(va, vb) {
            Some(Ordering::Less) => true,
            Some(Ordering::Greater) => false,
            // A tie, or a failed comparison: by arrival.
            _ => sa < sb,
        }
    }

    fn sift_up(&mut self, mut i: usize, cmp: Cmp<'_, T>) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.before(i, parent, cmp) {
                break;
            }
            self.entries.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize, cmp: Cmp<'_, T>) {
        let n = self.entries.len();
        loop {
            let left = 2 * i + 1;
            if left >= n {
                break;
            }
            let right = left + 1;
            let child = if right < n && self.before(right, left, cmp) {
                right
            } else {
                left
            };
            if !self.before(child, i, cmp) {
                break;
            }
            self.entries.swap(child, i);
            i = child;
        }
    }
}

struct State<T> {
    heap: Heap<T>,
    closed: bool,
    /// The leading consumer's term (a delay queue's), if one leads.
    leader: Option<u64>,
    /// Terms handed out so far.
    terms: u64,
}

/// A thread consumer's term as leader, if it holds one (it may have been
/// deposed since: compare with `State::leader`).
type Lead = Option<u64>;

/// What a removal found.
enum Found<T> {
    Value(T),
    /// The head's deadline, `at`, has not passed (a delay queue);
    /// `leading`: the consumer that looked leads, so it sleeps until `at`.
    NotYet {
        at: Instant,
        leading: bool,
    },
    Empty,
    Closed,
}

/// Whom a change must tell: nobody, one sleeper, or every sleeper.
enum Tell {
    Nobody,
    One,
    All,
}

/// A consumer leaves (with `lead`, its term, if a thread): it stops
/// leading; then [`after_removal`] says whom to tell.
fn step_down<T>(st: &mut State<T>, lead: Option<&mut Lead>) -> Tell {
    if let Some(term) = lead {
        if term.is_some() && *term == st.leader {
            st.leader = None;
        }
        *term = None;
    }
    after_removal(st)
}

/// Whom to tell once an element left or a consumer did: every sleeper if
/// the queue is closed and now empty (each must return `Closed`); one if
/// elements remain and nobody leads (it takes what is ready, or the lead).
fn after_removal<T>(st: &State<T>) -> Tell {
    if st.heap.len() == 0 {
        if st.closed {
            Tell::All
        } else {
            Tell::Nobody
        }
    } else if st.leader.is_none() {
        Tell::One
    } else {
        Tell::Nobody
    }
}

/// A heap, its lock and its consumers' event.
pub(crate) struct Sorted<T> {
    state: Mutex<State<T>>,
    /// Orders removals (and the inserts of an infallible comparator).
    cmp: Lenient<T>,
    /// A delay queue's element deadline; `None`: every element is ready.
    deadline: Option<fn(&T) -> Instant>,
    /// Consumers waiting for an element (or a new head).
    available: Event,
}

impl<T> Sorted<T> {
    pub(crate) fn new(cmp: Lenient<T>, deadline: Option<fn(&T) -> Instant>) -> Self {
        Sorted {
            state: Mutex::new(State {
                heap: Heap::new(),
                closed: false,
                leader: None,
                terms: 0,
            }),
            cmp,
            deadline,
            available: Event::new(),
        }
    }

    /// Inserts with the fallible comparator `cmp`; on `Err` the heap is
    /// unchanged and the value comes back. `Ok(Err(value))`: closed.
    pub(crate) fn insert<E>(
        &self,
        value: T,
        cmp: impl Fn(&T, &T) -> Result<Ordering, E>,
    ) -> Result<Result<(), T>, (T, E)> {
        let new_head = {
            let mut st = self.state.lock();
            if st.closed {
                return Ok(Err(value));
            }
            st.heap.push(value, cmp)?;
            let new_head = st.heap.len() == 1 || self.is_head_new(&st);
            if new_head {
                // The leader sleeps for the old head: one told sleeper
                // leads for the new one.
                st.leader = None;
            }
            new_head
        };
        // No deadlines: one element more, one consumer can take it.
        if self.deadline.is_none() || new_head {
            self.available.notify_one();
        }
        Ok(Ok(()))
    }

    /// Whether the element just inserted went to the top (its sequence
    /// number is the newest).
    fn is_head_new(&self, st: &State<T>) -> bool {
        st.heap
            .entries
            .first()
            .is_some_and(|(s, _)| s + 1 == st.heap.next_seq)
    }

    /// Takes the head if it is ready. `lead`: the caller is a thread
    /// consumer that may lead (its term, updated here); `None`: it never
    /// leads.
    fn try_pop(&self, lead: Option<&mut Lead>) -> Found<T> {
        let mut st = self.state.lock();
        let Some(head) = st.heap.peek() else {
            return if st.closed {
                Found::Closed
            } else {
                Found::Empty
            };
        };
        if let Some(deadline) = self.deadline {
            let at = deadline(head);
            if at > Instant::now() {
                let leading = lead.is_some_and(|term| {
                    if st.leader.is_none() {
                        st.terms += 1;
                        st.leader = Some(st.terms);
                        *term = st.leader;
                    } else if *term != st.leader {
                        *term = None; // deposed
                    }
                    term.is_some()
                });
                return Found::NotYet { at, leading };
            }
        }
        let value = st.heap.pop(&*self.cmp).expect("peeked above");
        let tell = step_down(&mut st, lead);
        drop(st);
        self.tell(tell);
        Found::Value(value)
    }

    /// Tells whom [`step_down`] or [`after_removal`] said to.
    fn tell(&self, whom: Tell) {
        match whom {
            Tell::Nobody => {}
            Tell::One => self.available.notify_one(),
            Tell::All => self.available.notify_all(),
        }
    }

    /// A thread consumer leaves without a value (a timeout, the end).
    fn leave(&self, lead: &mut Lead) {
        let tell = step_down(&mut self.state.lock(), Some(lead));
        self.tell(tell);
    }

    pub(crate) fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        let Some(deadline) = wait.deadline() else {
            return match self.try_pop(None) {
                Found::Value(v) => Ok(v),
                Found::Closed => Err(RecvTimeoutError::Closed),
                Found::NotYet { .. } | Found::Empty => Err(RecvTimeoutError::Timeout),
            };
        };
        let mut lead: Lead = None;
        loop {
            // The head's deadline if we lead: when to wake for it.
            let head_at = match self.try_pop(Some(&mut lead)) {
                Found::Value(v) => return Ok(v),
                Found::Closed => {
                    self.leave(&mut lead);
                    return Err(RecvTimeoutError::Closed);
                }
                Found::NotYet { at, leading: true } => Some(at),
                Found::NotYet { .. } | Found::Empty => None,
            };
            if deadline.is_past() {
                self.leave(&mut lead);
                return Err(RecvTimeoutError::Timeout);
            }
            let sleep_until = match (head_at, deadline.instant()) {
                (Some(h), Some(d)) => Deadline::at(h.min(d)),
                (Some(h), None) => Deadline::at(h),
                (None, _) => deadline,
            };
            // `Some(None)`: we lead for another head, or no longer lead;
            // recompute when to wake.
            let found = self.available.wait(
                || match self.try_pop(Some(&mut lead)) {
                    Found::Value(v) => Some(Some(Ok(v))),
                    Found::Closed => Some(Some(Err(RecvTimeoutError::Closed))),
                    Found::NotYet { at, leading } if head_at != leading.then_some(at) => Some(None),
                    Found::NotYet { .. } | Found::Empty => None,
                },
                Backoff::Park,
                sleep_until,
            );
            match found {
                Some(Some(Ok(v))) => return Ok(v),
                Some(Some(Err(e))) => {
                    self.leave(&mut lead);
                    return Err(e);
                }
                _ => {}
            }
        }
    }

    /// What a consumer that will not sleep finds: the head if it is ready,
    /// the end if closed and drained; otherwise `None`, after asking
    /// `wake_at` to wake it when an unexpired head's deadline comes.
    fn look(&self, wake_at: &mut impl FnMut(Instant)) -> Option<Result<T, RecvError>> {
        match self.try_pop(None) {
            Found::Value(v) => Some(Ok(v)),
            Found::Closed => Some(Err(RecvError)),
            Found::NotYet { at, .. } => {
                wake_at(at);
                None
            }
            Found::Empty => None,
        }
    }

    /// One poll of an async take; `wake_at` is asked to wake the task when
    /// an unexpired head's deadline comes.
    pub(crate) fn poll_extract(
        &self,
        watch: &mut Watch,
        cx: &mut Context<'_>,
        mut wake_at: impl FnMut(Instant),
    ) -> Poll<Result<T, RecvError>> {
        // A timer's wake-up is no tell from the event: look first.
        if let Some(r) = self.look(&mut wake_at) {
            self.available.stop_watching(watch);
            return Poll::Ready(r);
        }
        self.available
            .poll_wait(watch, cx, || self.look(&mut wake_at))
    }

    pub(crate) fn stop_take(&self, watch: &mut Watch) {
        self.available.stop_watching(watch);
        if self.deadline.is_some() {
            // Told to take the lead, it may have re-checked and gone back
            // to waiting before it was dropped: the tell must not be lost.
            let tell = step_down(&mut self.state.lock(), None);
            self.tell(tell);
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.state.lock().heap.len()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    pub(crate) fn close(&self) -> bool {
        {
            let mut st = self.state.lock();
            if st.closed {
                return false;
            }
            st.closed = true;
        }
        self.available.notify_all();
        true
    }

    /// Every element, expired or not, in removal order; they are sorted
    /// (and later dropped) outside the lock.
    pub(crate) fn take_all(&self) -> Vec<T> {
        let (mut heap, tell) = {
            let mut st = self.state.lock();
            let heap = std::mem::replace(&mut st.heap, Heap::new());
            (heap, after_removal(&st))
        };
        self.tell(tell);
        std::iter::from_fn(|| heap.pop(&*self.cmp)).collect()
    }

    pub(crate) fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(self.state.lock().heap.peek())
    }

    pub(crate) fn any(&self, f: impl FnMut(&T) -> bool) -> bool {
        self.state.lock().heap.iter().any(f)
    }

    pub(crate) fn remove_first(&self, f: impl FnMut(&T) -> bool) -> bool {
        let mut st = self.state.lock();
        let removed = st.heap.remove_first(f, &*self.cmp);
        if removed && self.deadline.is_some() {
            // The head may have changed: one sleeper leads for the new one
            // (or, the queue closed and now empty, every sleeper leaves).
            st.leader = None;
            let tell = after_removal(&st);
            drop(st);
            self.tell(tell);
        }
        removed
    }

    pub(crate) fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        let st = self.state.lock();
        st.heap.sorted(&*self.cmp).into_iter().cloned().collect()
    }
}

/// The [`Engine`](super::Engine) methods, all but `insert`, of a queue
/// that is a `sorted: Arc<Sorted<T>>` field (its insert is what differs:
/// the comparator and its failure).
macro_rules! sorted_engine {
    () => {
        fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
            self.sorted.extract(wait)
        }
        fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
            self.sorted.peek_with(f)
        }
        fn any(&self, f: impl FnMut(&T) -> bool) -> bool {
            self.sorted.any(f)
        }
        fn remove_first(&self, f: impl FnMut(&T) -> bool) -> bool {
            self.sorted.remove_first(f)
        }
        fn snapshot(&self) -> Vec<T>
        where
            T: Clone,
        {
            self.sorted.snapshot()
        }
        fn take_all(&self) -> Vec<T> {
            self.sorted.take_all()
        }
        fn count(&self) -> usize {
            self.sorted.len()
        }
        fn capacity(&self) -> Option<usize> {
            None
        }
        fn close_queue(&self) -> bool {
            self.sorted.close()
        }
        fn closed(&self) -> bool {
            self.sorted.is_closed()
        }
        fn put_future(&self, value: T) -> PutFuture<T> {
            PutFuture::done(self.put(value))
        }
        fn take_future(&self) -> TakeFuture<T> {
            TakeFuture::sorted(Arc::clone(&self.sorted))
        }
    };
}
pub(crate) use sorted_engine;
