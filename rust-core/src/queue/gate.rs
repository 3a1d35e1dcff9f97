//! The engine of [`ArrayBlockingQueue`](super::ArrayBlockingQueue) (unfair)
//! and [`LinkedBlockingQueue`]: the channel's lock-free buffer, behind a
//! gate that a rare operation (`peek`, `contains`, `remove_item`,
//! `to_vec`) closes to get the buffered values to itself.
//!
//! The channel offers no way to look at its values in place, nor to stop
//! its senders and receivers. So every operation here passes the gate: it
//! counts itself in (a shard of the in-flight count) and checks the
//! `paused` flag, and counts itself out when done. A rare operation sets
//! `paused`, closes the channel (so that blocked operations leave it: a
//! closed channel wakes them all), waits for the count to reach zero, and
//! then owns the channel: it drains it, works on the values, refills a new
//! channel of the same capacity and opens the gate. An operation that the
//! pause threw out (its channel closed while the queue is not) retries
//! through the gate. Both sides use SeqCst (count in, then read `paused`;
//! set `paused`, then read the count), so one of the two sees the other.
//!
//! The gate costs put and take two uncontended read-modify-writes. A pause
//! inside the buffers themselves would cost nothing: a "paused" mark in the
//! head and tail words, which every claim already reads and compares (as
//! the close mark is), would keep new claims out, the slots' stamps would
//! tell when the claims in flight are done, and the values could be read
//! and removed in place.
//!
//! Async operations do not hold a pass while pending: they wait on this
//! engine's own events, told after every successful operation of the other
//! side (one SeqCst load while nobody waits: the buffer's own SeqCst slot
//! publication orders it).

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::ops::Deref;
use std::task::{Context, Poll};

use crossbeam_utils::CachePadded;

use super::{RecvError, RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::chan::Chan;
use crate::loom::{claim_then_check, fence, AtomicBool, AtomicUsize, Mutex, Ordering};
use crate::wait::{Backoff, Deadline, Event, Spin, Wait, Watch};

/// Shards of the in-flight count: threads spread over them, so that
/// producers and consumers do not share one counter's cache line.
const SHARDS: usize = 8;

pub(crate) struct Gated<T> {
    in_flight: [CachePadded<AtomicUsize>; SHARDS],
    paused: CachePadded<AtomicBool>,
    /// Replaced only by a pause, while nothing is in flight.
    chan: UnsafeCell<Chan<T>>,
    capacity: usize,
    closed: AtomicBool,
    /// Serialises pauses and `close`.
    pauses: Mutex<()>,
    /// Operations waiting for a pause to end.
    resumed: Event,
    /// Async takers waiting for an element, async putters for room.
    items: Event,
    room: Event,
}

// SAFETY: the channel (shared by reference, replaced only while no other
// thread touches it, see `pause`) is Send and Sync for T: Send.
unsafe impl<T: Send> Send for Gated<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Gated<T> {}

/// A counted-in operation; derefs to the channel, which stays in place
/// until it is dropped.
struct Pass<'a, T> {
    gate: &'a Gated<T>,
    shard: &'a AtomicUsize,
}

impl<T> Deref for Pass<'_, T> {
    type Target = Chan<T>;
    fn deref(&self) -> &Chan<T> {
        // SAFETY: counted in with the gate open, so no pause replaces the
        // channel until this pass is dropped.
        unsafe { &*self.gate.chan.get() }
    }
}

impl<T> Drop for Pass<'_, T> {
    fn drop(&mut self) {
        self.shard.fetch_sub(1, Ordering::SeqCst);
    }
}

/// This thread's shard, given out round-robin.
fn shard_index() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % SHARDS;
    }
    SHARD.with(|s| *s)
}

impl<T> Gated<T> {
    pub(crate) fn try_new(capacity: usize) -> Result<Self, crate::chan::CapacityError> {
        Ok(Gated {
            in_flight: std::array::from_fn(|_| CachePadded::new(AtomicUsize::new(0))),
            paused: CachePadded::new(AtomicBool::new(false)),
            chan: UnsafeCell::new(Chan::try_with_capacity(capacity)?),
            capacity,
            closed: AtomicBool::new(false),
            pauses: Mutex::new(()),
            resumed: Event::new(),
            items: Event::new(),
            room: Event::new(),
        })
    }

    /// Counts in, unless a pause is under way.
    #[inline]
    fn enter(&self) -> Option<Pass<'_, T>> {
        let shard = &*self.in_flight[shard_index()];
        shard.fetch_add(1, Ordering::SeqCst);
        // The count and the flag are both SeqCst, so one of this load and
        // the pause's count load sees the other's write (loom needs the
        // fence to see that order; natively it emits nothing).
        claim_then_check();
        let pass = Pass { gate: self, shard };
        if self.paused.load(Ordering::SeqCst) {
            return None; // dropping the pass counts out
        }
        Some(pass)
    }

    /// Counts in, waiting for a pause to end (a pause is short, so even a
    /// non-blocking operation waits: failing would say "full" or "empty"
    /// of a queue that may be neither).
    #[inline]
    fn pass(&self) -> Pass<'_, T> {
        loop {
            if let Some(pass) = self.enter() {
                return pass;
            }
            self.wait_resumed();
        }
    }

    #[inline(never)]
    fn wait_resumed(&self) {
        let open = || (!self.paused.load(Ordering::SeqCst)).then_some(());
        self.resumed
            .wait(open, Backoff::Adaptive, Deadline::never());
    }

    /// Whether a closed channel means the queue is closed; if not, a pause
    /// closed it and the operation retries.
    fn really_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// After an insert: tells an async taker, if one waits.
    #[inline]
    fn inserted(&self) {
        claim_then_check();
        if self.items.has_waiters() {
            self.items.notify_one();
        }
    }

    /// After a removal: tells an async putter, if one waits.
    #[inline]
    fn extracted(&self) {
        claim_then_check();
        if self.room.has_waiters() {
            self.room.notify_one();
        }
    }

    #[inline]
    pub(crate) fn insert(&self, mut value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        loop {
            let chan = self.pass();
            let r = super::chan_send(&chan, value, wait);
            drop(chan);
            match r {
                Ok(()) => {
                    self.inserted();
                    return Ok(());
                }
                Err(SendTimeoutError::Closed(v)) if !self.really_closed() => value = v,
                Err(e) => return Err(e),
            }
        }
    }

    #[inline]
    pub(crate) fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        loop {
            let chan = self.pass();
            let r = super::chan_recv(&chan, wait);
            drop(chan);
            match r {
                Ok(v) => {
                    self.extracted();
                    return Ok(v);
                }
                Err(RecvTimeoutError::Closed) if !self.really_closed() => {}
                Err(e) => return Err(e),
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.pass().len()
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        Some(self.capacity).filter(|&c| c != usize::MAX)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    pub(crate) fn close(&self) -> bool {
        let _one = self.pauses.lock();
        if self.closed.swap(true, Ordering::SeqCst) {
            return false;
        }
        // SAFETY: channels are replaced only under `pauses`, which we hold.
        unsafe { &*self.chan.get() }.close();
        self.items.notify_all();
        self.room.notify_all();
        true
    }

    /// Runs `f` on the buffered values (in removal order) with every other
    /// operation kept out; what `f` leaves is the queue's content.
    pub(crate) fn pause<R>(&self, f: impl FnOnce(&mut VecDeque<T>) -> R) -> R {
        let _one = self.pauses.lock();
        self.paused.store(true, Ordering::SeqCst);
        fence(Ordering::SeqCst);
        let values = {
            // SAFETY: channels are replaced only under `pauses`, which we hold.
            let chan = unsafe { &*self.chan.get() };
            // Blocked operations wake, find the channel closed, and come
            // back to the gate; the rest finish soon.
            chan.close();
            let mut spin = Spin::new(0);
            while self.in_flight.iter().any(|n| n.load(Ordering::SeqCst) != 0) {
                spin.spin_or_yield();
            }
            std::iter::from_fn(|| chan.try_recv().ok()).collect()
        };
        // Refills and reopens even if `f` panics (a user's `==`).
        let mut refill = Refill { gate: self, values };
        f(&mut refill.values)
    }

    /// One poll of an async insert of `*value` (taken out when it goes in).
    pub(crate) fn poll_insert(
        &self,
        value: &mut Option<T>,
        watch: &mut Watch,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        self.room.poll_wait(watch, cx, || {
            let chan = self.enter()?; // a pause tells us when it ends
            let v = value.take().expect("PutFuture polled after it completed");
            let r = chan.try_send(v);
            drop(chan);
            match r {
                Ok(()) => {
                    self.inserted();
                    Some(Ok(()))
                }
                Err(TrySendError::Closed(v)) if self.really_closed() => Some(Err(SendError(v))),
                Err(e) => {
                    *value = Some(e.into_inner());
                    None
                }
            }
        })
    }

    /// One poll of an async take.
    pub(crate) fn poll_extract(
        &self,
        watch: &mut Watch,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        self.items.poll_wait(watch, cx, || {
            let chan = self.enter()?;
            let r = chan.try_recv();
            drop(chan);
            match r {
                Ok(v) => {
                    self.extracted();
                    Some(Ok(v))
                }
                Err(TryRecvError::Closed) if self.really_closed() => Some(Err(RecvError)),
                Err(_) => None,
            }
        })
    }

    pub(crate) fn stop_put(&self, watch: &mut Watch) {
        self.room.stop_watching(watch);
    }

    pub(crate) fn stop_take(&self, watch: &mut Watch) {
        self.items.stop_watching(watch);
    }
}

/// The end of a pause: what is left goes into a new channel, which takes
/// the old one's place, and the gate opens.
struct Refill<'a, T> {
    gate: &'a Gated<T>,
    values: VecDeque<T>,
}

impl<T> Drop for Refill<'_, T> {
    fn drop(&mut self) {
        let gate = self.gate;
        let next = Chan::new(gate.capacity);
        for v in self.values.drain(..) {
            // The pause only removes, so everything fits back.
            if next.try_send(v).is_err() {
                unreachable!("a paused queue refilled beyond its capacity");
            }
        }
        if gate.closed.load(Ordering::SeqCst) {
            next.close();
        }
        // SAFETY: nothing is in flight (the count was zero with the gate
        // shut, and every operation since waits at the gate), and the pause
        // holds no reference into the cell: this is its only access.
        unsafe { *gate.chan.get() = next };
        gate.paused.store(false, Ordering::SeqCst);
        gate.resumed.notify_all();
        // Async waiters told of the closed channel found the gate shut and
        // wait again: tell them it is open.
        gate.items.notify_all();
        gate.room.notify_all();
    }
}

/// The rare operations, each one pause.
impl<T> Gated<T> {
    pub(crate) fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        self.pause(|v| f(v.front()))
    }

    pub(crate) fn any(&self, f: impl FnMut(&T) -> bool) -> bool {
        self.pause(|v| v.iter().any(f))
    }

    pub(crate) fn remove_first(&self, f: impl FnMut(&T) -> bool) -> bool {
        self.pause(|v| super::remove_first(v, f))
    }

    pub(crate) fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.pause(|v| v.iter().cloned().collect())
    }
}
