//! The hand-off engine: a locked buffer plus two [`WaitQueue`]s, one of
//! blocked producers (each with its element in a slot) and one of blocked
//! consumers (each with an empty slot). It serves both sides in arrival
//! order: a producer that finds a consumer waiting hands it the element; a
//! consumer that frees a slot moves the first waiting producer's element
//! in; so nobody overtakes a waiter. Fair
//! [`ArrayBlockingQueue`](super::ArrayBlockingQueue) (capacity > 0), fair
//! [`SynchronousQueue`](super::SynchronousQueue) (capacity 0) and
//! [`LinkedTransferQueue`](super::LinkedTransferQueue) (unbounded; its
//! `transfer` leaves the element in the buffer with its producer waiting
//! beside it) are this engine.
//!
//! Everything, the wait queues included, changes under the state lock
//! (taken first, then a wait queue's own). A claimer completes the waiter
//! before it unlocks, so a waiter that fails to abort under the lock finds
//! its slot final. Async operations queue like blocked threads, their slot
//! on the heap: a put future whose element was moved in, or a transfer
//! future whose element a consumer took, is delivered even if dropped; a
//! take future dropped after it was handed an element gives
//! it back at the head.

use std::cell::UnsafeCell;
use std::collections::VecDeque;
use std::task::{Context, Poll};

use super::{RecvError, RecvTimeoutError, SendError, SendTimeoutError};
use crate::loom::{Arc, Mutex};
use crate::wait::{Backoff, Deadline, Wait, WaitQueue, Waiter};

/// The case a waiter is claimed for; what it finds in its slot tells the
/// rest (a producer's element gone = delivered; a consumer's slot empty =
/// closed).
const CLAIMED: usize = 0;

/// A waiter's slot: where its element is (a producer's) or goes (a
/// consumer's). Read or written only by whoever claimed the waiter, under
/// the state lock, or by its owner once the claim is complete or the
/// waiter aborted.
struct Slot<T>(*mut Option<T>);

// SAFETY: the slot is touched under the rules above, which move a T from
// one thread to another: T: Send.
unsafe impl<T: Send> Send for Slot<T> {}

/// A buffered element; `transfer` holds the producer of a pending
/// `transfer`, waiting until a consumer takes it (its slot gets the element
/// back if the queue is closed first).
struct Item<T> {
    value: T,
    transfer: Option<(Arc<Waiter>, Slot<T>)>,
}

impl<T> Item<T> {
    fn plain(value: T) -> Self {
        Item {
            value,
            transfer: None,
        }
    }
}

struct State<T> {
    items: VecDeque<Item<T>>,
    closed: bool,
    /// Consumers in `consumers` that still wait (entries of ones that gave
    /// up may linger there until popped).
    waiting_consumers: usize,
}

pub(crate) struct Fair<T> {
    /// 0 for a synchronous queue; `usize::MAX` for unbounded.
    capacity: usize,
    state: Mutex<State<T>>,
    producers: WaitQueue<Slot<T>>,
    consumers: WaitQueue<Slot<T>>,
}

/// Waiters to wake once the lock is released (at most a consumer's
/// producer and a transferer).
#[derive(Default)]
struct Woken([Option<Arc<Waiter>>; 2]);

impl Woken {
    fn one(w: Arc<Waiter>) -> Self {
        Woken([Some(w), None])
    }
    fn wake(self) {
        self.0.into_iter().flatten().for_each(|w| w.wake());
    }
}

/// Where a transfer's element went when it started.
enum Started {
    /// To a waiting consumer: the transfer is done.
    HandedOver,
    /// Into the buffer, with its producer's waiter beside it.
    Queued,
}

/// A heap slot for an async waiter, which may move between polls.
type HeapSlot<T> = Box<UnsafeCell<Option<T>>>;

/// Parks at once while a slot frees up; spins first for a rendezvous,
/// whose partner is usually running.
fn backoff(capacity: usize) -> Backoff {
    if capacity == 0 {
        Backoff::Adaptive
    } else {
        Backoff::Park
    }
}

impl<T> Fair<T> {
    pub(crate) fn new(capacity: usize) -> Self {
        Fair {
            capacity,
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                waiting_consumers: 0,
            }),
            producers: WaitQueue::new(),
            consumers: WaitQueue::new(),
        }
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        Some(self.capacity).filter(|&c| c != usize::MAX)
    }

    /// Hands `value` to the first waiting consumer, if any.
    fn hand_to_consumer(&self, st: &mut State<T>, value: T) -> Result<Woken, T> {
        let mut consumers = self.consumers.lock();
        match consumers.pop(CLAIMED) {
            Some((waiter, slot)) => {
                st.waiting_consumers -= 1;
                // SAFETY: claimed under the lock: the slot is ours to write.
                unsafe { *slot.0 = Some(value) };
                waiter.complete();
                Ok(Woken::one(waiter))
            }
            None => Err(value),
        }
    }

    /// Puts `value` in without waiting, if it can: to a waiting consumer
    /// (the buffer is then empty), or into free room.
    fn try_insert_locked(&self, st: &mut State<T>, value: T) -> Result<Woken, T> {
        let value = match self.hand_to_consumer(st, value) {
            Ok(woken) => return Ok(woken),
            Err(value) => value,
        };
        if st.items.len() < self.capacity {
            st.items.push_back(Item::plain(value));
            return Ok(Woken::default());
        }
        Err(value)
    }

    /// Removes the head without waiting, if there is one: from the buffer
    /// (then the first waiting producer's element moves into the room), or
    /// straight from a waiting producer (capacity 0).
    fn try_extract_locked(&self, st: &mut State<T>) -> Option<(T, Woken)> {
        let mut woken = Woken::default();
        let value = match st.items.pop_front() {
            Some(item) => {
                woken.0[0] = item.transfer.and_then(|(w, _)| received(w));
                woken.0[1] = self.refill(st);
                item.value
            }
            None => {
                let (waiter, slot) = self.producers.lock().pop(CLAIMED)?;
                // SAFETY: claimed under the lock: the slot is ours to take from.
                let value =
                    unsafe { (*slot.0).take() }.expect("a waiting producer has its element");
                waiter.complete();
                woken.0[0] = Some(waiter);
                value
            }
        };
        Some((value, woken))
    }

    /// Room was freed: the first waiting producer's element moves in.
    fn refill(&self, st: &mut State<T>) -> Option<Arc<Waiter>> {
        if st.items.len() >= self.capacity {
            return None;
        }
        let mut producers = self.producers.lock();
        let (waiter, slot) = producers.pop(CLAIMED)?;
        // SAFETY: claimed under the lock: the slot is ours to take from.
        let value = unsafe { (*slot.0).take() }.expect("a waiting producer has its element");
        st.items.push_back(Item::plain(value));
        waiter.complete();
        Some(waiter)
    }

    pub(crate) fn insert(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        let mut st = self.state.lock();
        if st.closed {
            return Err(SendTimeoutError::Closed(value));
        }
        let value = match self.try_insert_locked(&mut st, value) {
            Ok(woken) => {
                drop(st);
                woken.wake();
                return Ok(());
            }
            Err(value) => value,
        };
        let Some(deadline) = wait.deadline().filter(|d| !d.is_past()) else {
            return Err(SendTimeoutError::Timeout(value));
        };
        let slot = UnsafeCell::new(Some(value));
        let waiter = Waiter::for_thread();
        self.producers
            .lock()
            .push_back(Arc::clone(&waiter), Slot(slot.get()));
        drop(st);
        if !waiter.wait(backoff(self.capacity), deadline) {
            let _st = self.state.lock();
            if self.producers.lock().abort(&waiter).is_ok() {
                let value = slot
                    .into_inner()
                    .expect("an unclaimed producer keeps its element");
                return Err(SendTimeoutError::Timeout(value));
            }
        }
        // Claimed, and complete: moved in (slot empty), or closed.
        match slot.into_inner() {
            None => Ok(()),
            Some(v) => Err(SendTimeoutError::Closed(v)),
        }
    }

    pub(crate) fn extract(&self, wait: Wait) -> Result<T, RecvTimeoutError> {
        let mut st = self.state.lock();
        if let Some((value, woken)) = self.try_extract_locked(&mut st) {
            drop(st);
            woken.wake();
            return Ok(value);
        }
        if st.closed {
            return Err(RecvTimeoutError::Closed);
        }
        let Some(deadline) = wait.deadline().filter(|d| !d.is_past()) else {
            return Err(RecvTimeoutError::Timeout);
        };
        let slot = UnsafeCell::new(None);
        let waiter = Waiter::for_thread();
        self.consumers
            .lock()
            .push_back(Arc::clone(&waiter), Slot(slot.get()));
        st.waiting_consumers += 1;
        drop(st);
        if !waiter.wait(backoff(self.capacity), deadline) {
            let mut st = self.state.lock();
            if self.consumers.lock().abort(&waiter).is_ok() {
                st.waiting_consumers -= 1;
                return Err(RecvTimeoutError::Timeout);
            }
        }
        slot.into_inner().ok_or(RecvTimeoutError::Closed)
    }

    /// `transfer`: inserts `value` and waits until a consumer has taken it.
    /// Without a consumer waiting and with `Wait::Now`, or when the
    /// deadline passes first, the element comes back out of the queue.
    pub(crate) fn transfer(&self, value: T, wait: Wait) -> Result<(), SendTimeoutError<T>> {
        let deadline = wait.deadline().filter(|d| !d.is_past());
        self.transfer_until(value, deadline)
    }

    /// [`Fair::transfer`] once the wait is decided: `None` hands over to a
    /// waiting consumer or gives the element back; `Some` queues it and
    /// waits until the deadline (which may pass at once).
    pub(crate) fn transfer_until(
        &self,
        value: T,
        deadline: Option<Deadline>,
    ) -> Result<(), SendTimeoutError<T>> {
        let slot = UnsafeCell::new(None);
        let waiter = Waiter::for_thread();
        let started = self.start_transfer(value, || {
            deadline
                .is_some()
                .then(|| (Arc::clone(&waiter), Slot(slot.get())))
        })?;
        let (Started::Queued, Some(deadline)) = (started, deadline) else {
            return Ok(());
        };
        if !waiter.wait(Backoff::Park, deadline) {
            if let Some(value) = self.withdraw_transfer(&waiter) {
                return Err(SendTimeoutError::Timeout(value));
            }
        }
        // Claimed, and complete: taken (slot empty), or given back by close.
        match slot.into_inner() {
            None => Ok(()),
            Some(v) => Err(SendTimeoutError::Closed(v)),
        }
    }

    /// A transfer's first step, under the lock: a closed queue gives the
    /// element back (`Closed`); a waiting consumer is handed it; otherwise
    /// it joins the buffer with the producer's waiter and slot that
    /// `producer` makes, or, if that makes none, comes back (`Timeout`).
    /// `producer` runs only when needed, so a hand-over allocates nothing.
    fn start_transfer(
        &self,
        value: T,
        producer: impl FnOnce() -> Option<(Arc<Waiter>, Slot<T>)>,
    ) -> Result<Started, SendTimeoutError<T>> {
        let mut st = self.state.lock();
        if st.closed {
            return Err(SendTimeoutError::Closed(value));
        }
        let value = match self.hand_to_consumer(&mut st, value) {
            Ok(woken) => {
                drop(st);
                woken.wake();
                return Ok(Started::HandedOver);
            }
            Err(value) => value,
        };
        let Some(transfer) = producer() else {
            return Err(SendTimeoutError::Timeout(value));
        };
        st.items.push_back(Item {
            value,
            transfer: Some(transfer),
        });
        Ok(Started::Queued)
    }

    /// The producer of a queued transfer gives up: its element, taken back
    /// out of the buffer, if nobody claimed `waiter` first; `None` if a
    /// consumer or `close` did, and then the producer's slot is final (it
    /// completed the claim under the lock taken here).
    fn withdraw_transfer(&self, waiter: &Arc<Waiter>) -> Option<T> {
        let mut st = self.state.lock();
        waiter.abort().ok()?;
        // Takes and aborts both run under the lock: still queued.
        let at = st
            .items
            .iter()
            .position(|i| {
                i.transfer
                    .as_ref()
                    .is_some_and(|(w, _)| Arc::ptr_eq(w, waiter))
            })
            .expect("an unclaimed transfer is still queued");
        Some(st.items.remove(at).expect("found above").value)
    }

    pub(crate) fn has_waiting_consumer(&self) -> bool {
        self.waiting_consumer_count() != 0
    }

    pub(crate) fn waiting_consumer_count(&self) -> usize {
        self.state.lock().waiting_consumers
    }

    /// Producers blocked for room (or, at capacity 0, for a consumer); one
    /// giving up may be counted a moment longer.
    pub(crate) fn waiting_producer_count(&self) -> usize {
        self.producers.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.state.lock().items.len()
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    pub(crate) fn close(&self) -> bool {
        let mut woken = Vec::new();
        {
            let mut st = self.state.lock();
            if st.closed {
                return false;
            }
            st.closed = true;
            // Producers keep their elements (their put fails with it);
            // consumers find their slot empty (closed).
            for queue in [&self.producers, &self.consumers] {
                let mut q = queue.lock();
                while let Some((w, _)) = q.pop(CLAIMED) {
                    w.complete();
                    woken.push(w);
                }
            }
            st.waiting_consumers = 0;
            // Pending transfers get their elements back; the rest stay to
            // be drained.
            let items = std::mem::take(&mut st.items);
            for item in items {
                match item.transfer {
                    Some((w, slot)) => {
                        if w.try_claim(CLAIMED) {
                            // SAFETY: claimed under the lock: the slot is ours to write.
                            unsafe { *slot.0 = Some(item.value) };
                            w.complete();
                            woken.push(w);
                        }
                    }
                    None => st.items.push_back(item),
                }
            }
        }
        woken.iter().for_each(|w| w.wake());
        true
    }

    pub(crate) fn peek_with<R>(&self, f: impl FnOnce(Option<&T>) -> R) -> R {
        f(self.state.lock().items.front().map(|i| &i.value))
    }

    pub(crate) fn any(&self, mut f: impl FnMut(&T) -> bool) -> bool {
        self.state.lock().items.iter().any(|i| f(&i.value))
    }

    /// Removes the first element for which `f` holds (a pending transfer's
    /// counts as received, as in Java); its room goes to a waiting producer.
    pub(crate) fn remove_first(&self, mut f: impl FnMut(&T) -> bool) -> bool {
        let mut st = self.state.lock();
        let Some(at) = st.items.iter().position(|i| f(&i.value)) else {
            return false;
        };
        let item = st.items.remove(at).expect("found above");
        let woken = Woken([
            item.transfer.and_then(|(w, _)| received(w)),
            self.refill(&mut st),
        ]);
        drop(st);
        woken.wake();
        true
    }

    pub(crate) fn snapshot(&self) -> Vec<T>
    where
        T: Clone,
    {
        self.state
            .lock()
            .items
            .iter()
            .map(|i| i.value.clone())
            .collect()
    }

    /// A take future dropped after it was handed `value`: the value goes
    /// back to the head, to the next waiting consumer if there is one.
    fn give_back(&self, st: &mut State<T>, value: T) -> Woken {
        match self.hand_to_consumer(st, value) {
            Ok(woken) => woken,
            Err(value) => {
                st.items.push_front(Item::plain(value));
                Woken::default()
            }
        }
    }
}

/// A consumer took a pending transfer's element: its producer may go.
fn received(waiter: Arc<Waiter>) -> Option<Arc<Waiter>> {
    // Only the producer's abort competes, under the same lock, and it
    // removes the element; so the claim succeeds.
    waiter.try_claim(CLAIMED).then(|| {
        waiter.complete();
        waiter
    })
}

/// A pending async put on a [`Fair`] engine, or a transfer: a put whose
/// element waits in the buffer with the future's waiter beside it, as a
/// blocked `transfer`'s does, until the first consumer to take it (or
/// `close`, which puts it back in the slot) completes the waiter.
pub(crate) struct FairPut<T> {
    engine: Arc<Fair<T>>,
    transfer: bool,
    /// Before the first poll.
    value: Option<T>,
    /// Once queued as a producer, or as a transfer.
    queued: Option<(Arc<Waiter>, HeapSlot<T>)>,
}

impl<T> FairPut<T> {
    pub(crate) fn new(engine: Arc<Fair<T>>, value: T) -> Self {
        FairPut::with(engine, value, false)
    }

    pub(crate) fn transfer(engine: Arc<Fair<T>>, value: T) -> Self {
        FairPut::with(engine, value, true)
    }

    fn with(engine: Arc<Fair<T>>, value: T, transfer: bool) -> Self {
        FairPut {
            engine,
            transfer,
            value: Some(value),
            queued: None,
        }
    }

    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        if let Some((waiter, _)) = &self.queued {
            if !waiter.poll_done(cx.waker()) {
                return Poll::Pending;
            }
            let (_, slot) = self.queued.take().expect("checked above");
            return Poll::Ready(match slot.into_inner() {
                None => Ok(()),
                Some(v) => Err(SendError(v)),
            });
        }
        let value = self
            .value
            .take()
            .expect("a put or transfer future polled after it completed");
        if self.transfer {
            self.start_transfer(value, cx)
        } else {
            self.start_put(value, cx)
        }
    }

    fn start_put(&mut self, value: T, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let engine = &*self.engine;
        let mut st = engine.state.lock();
        if st.closed {
            return Poll::Ready(Err(SendError(value)));
        }
        match engine.try_insert_locked(&mut st, value) {
            Ok(woken) => {
                drop(st);
                woken.wake();
                Poll::Ready(Ok(()))
            }
            Err(value) => {
                let slot = Box::new(UnsafeCell::new(Some(value)));
                let waiter = Waiter::for_task(cx.waker());
                engine
                    .producers
                    .lock()
                    .push_back(Arc::clone(&waiter), Slot(slot.get()));
                self.queued = Some((waiter, slot));
                Poll::Pending
            }
        }
    }

    fn start_transfer(&mut self, value: T, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        let queued = &mut self.queued;
        let started = self.engine.start_transfer(value, || {
            let slot: HeapSlot<T> = Box::new(UnsafeCell::new(None));
            let waiter = Waiter::for_task(cx.waker());
            let transfer = (Arc::clone(&waiter), Slot(slot.get()));
            *queued = Some((waiter, slot));
            Some(transfer)
        });
        match started {
            Ok(Started::Queued) => Poll::Pending,
            Ok(Started::HandedOver) => Poll::Ready(Ok(())),
            Err(e) => Poll::Ready(Err(SendError(e.into_inner()))),
        }
    }

    /// `Ok(())` if the element was delivered (moved in, or for a transfer
    /// taken by a consumer; or the future completed), `Err(value)` with the
    /// element nobody took (for a transfer: still queued, it leaves the
    /// queue; or given back by `close`).
    pub(crate) fn cancel(mut self) -> Result<(), T> {
        match self.withdraw() {
            Some(v) => Err(v),
            None => Ok(()),
        }
    }

    /// Takes the element back unless it was delivered.
    fn withdraw(&mut self) -> Option<T> {
        if let Some(v) = self.value.take() {
            return Some(v);
        }
        let (waiter, slot) = self.queued.take()?;
        if self.transfer {
            return self
                .engine
                .withdraw_transfer(&waiter)
                .or_else(|| slot.into_inner());
        }
        let _st = self.engine.state.lock();
        // Aborted, or claimed (and complete, under this lock): either way
        // the slot holds what is left.
        let _ = self.engine.producers.lock().abort(&waiter);
        slot.into_inner()
    }
}

impl<T> Drop for FairPut<T> {
    fn drop(&mut self) {
        drop(self.withdraw());
    }
}

/// A pending async take on a [`Fair`] engine.
pub(crate) struct FairTake<T> {
    engine: Arc<Fair<T>>,
    queued: Option<(Arc<Waiter>, HeapSlot<T>)>,
}

impl<T> FairTake<T> {
    pub(crate) fn new(engine: Arc<Fair<T>>) -> Self {
        FairTake {
            engine,
            queued: None,
        }
    }

    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        if let Some((waiter, _)) = &self.queued {
            if !waiter.poll_done(cx.waker()) {
                return Poll::Pending;
            }
            let (_, slot) = self.queued.take().expect("checked above");
            return Poll::Ready(slot.into_inner().ok_or(RecvError));
        }
        let engine = &*self.engine;
        let mut st = engine.state.lock();
        if let Some((value, woken)) = engine.try_extract_locked(&mut st) {
            drop(st);
            woken.wake();
            return Poll::Ready(Ok(value));
        }
        if st.closed {
            return Poll::Ready(Err(RecvError));
        }
        let slot = Box::new(UnsafeCell::new(None));
        let waiter = Waiter::for_task(cx.waker());
        engine
            .consumers
            .lock()
            .push_back(Arc::clone(&waiter), Slot(slot.get()));
        st.waiting_consumers += 1;
        self.queued = Some((waiter, slot));
        Poll::Pending
    }
}

impl<T> Drop for FairTake<T> {
    fn drop(&mut self) {
        let Some((waiter, slot)) = self.queued.take() else {
            return;
        };
        let mut st = self.engine.state.lock();
        if self.engine.consumers.lock().abort(&waiter).is_ok() {
            st.waiting_consumers -= 1;
            return;
        }
        // Handed an element it will not return: it goes back to the head.
        if let Some(value) = slot.into_inner() {
            let woken = self.engine.give_back(&mut st, value);
            drop(st);
            woken.wake();
        }
    }
}

/// `waiting_consumer_count` and `waiting_producer_count` for a queue `$ty`
/// whose `engine` is a `Flavour` with a `Fair` variant; `$fair` and
/// `$default` make each flavour in the examples.
macro_rules! waiting_counts {
    ($ty:ident, $fair:literal, $default:literal) => {
        impl<T> $ty<T> {
            /// How many consumers are blocked in a take or a timed poll
            /// now, for a fair queue (for tests of the order they are
            /// served in, as Java's `ReentrantLock::getQueueLength`);
            /// `None` for the default flavour, which does not count them.
            ///
            #[doc = concat!("```\nuse polyconc::queue::", stringify!($ty), ";")]
            #[doc = concat!("let fair = ", stringify!($ty), "::<u8>::", $fair, ";")]
            #[doc = concat!("let default = ", stringify!($ty), "::<u8>::", $default, ";")]
            /// assert_eq!(fair.waiting_consumer_count(), Some(0));
            /// assert_eq!(default.waiting_consumer_count(), None);
            /// ```
            pub fn waiting_consumer_count(&self) -> Option<usize> {
                match &self.engine {
                    Flavour::Fair(e) => Some(e.waiting_consumer_count()),
                    _ => None,
                }
            }

            /// How many producers are blocked in a put or a timed offer
            /// now, for a fair queue; `None` for the default flavour. A
            /// producer giving up may be counted a moment longer.
            ///
            #[doc = concat!("```\nuse polyconc::queue::", stringify!($ty), ";")]
            #[doc = concat!("let fair = ", stringify!($ty), "::<u8>::", $fair, ";")]
            /// assert_eq!(fair.waiting_producer_count(), Some(0));
            /// ```
            pub fn waiting_producer_count(&self) -> Option<usize> {
                match &self.engine {
                    Flavour::Fair(e) => Some(e.waiting_producer_count()),
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use waiting_counts;
