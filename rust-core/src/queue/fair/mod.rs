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
//!
//! A transfer is done once a consumer has *received* its element: taken
//! it from the buffer (a thread, a poll, a take future that completes at
//! once), or been handed it while blocked in a thread, which then surely
//! returns it. A take future may be dropped after it was handed an
//! element, so a transfer's element handed to one waits in
//! `State::handed`, its producer still waiting, until the future returns
//! it (the transfer is done), is dropped (the element goes back to the
//! head, the transfer still waits) or the producer gives up (it takes the
//! element back; the future waits on, first in line).

mod put;
mod take;
mod transfer;

use std::cell::UnsafeCell;
use std::collections::VecDeque;

pub(crate) use put::FairPut;
pub(crate) use take::FairTake;

use super::{RecvTimeoutError, SendTimeoutError};
use crate::loom::{Arc, Mutex};
use crate::wait::{Backoff, Wait, WaitQueue, Waiter};

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

/// The producer of a pending `transfer`: its waiter, and the slot that
/// gets the element back if the queue is closed first.
type Transfer<T> = (Arc<Waiter>, Slot<T>);

/// A buffered element; `transfer` holds the producer of a pending
/// `transfer`, waiting until a consumer receives it.
struct Item<T> {
    value: T,
    transfer: Option<Transfer<T>>,
}

/// A waiting consumer's entry: where its element goes, and whether it is
/// a take future, which may be dropped before it returns what it was
/// handed.
struct Taker<T> {
    slot: Slot<T>,
    task: bool,
}

/// A pending transfer's element handed to a take future, `taker`, that
/// has not returned it yet.
struct Handed<T> {
    value: T,
    transfer: Transfer<T>,
    taker: Arc<Waiter>,
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
    /// Transfers' elements handed to take futures not yet returned.
    handed: Vec<Handed<T>>,
}

impl<T> State<T> {
    /// The transfer's element handed to the take future `taker`, if it
    /// is still there (close or its producer may have taken it back).
    fn take_handed(&mut self, taker: &Arc<Waiter>) -> Option<Handed<T>> {
        let at = self
            .handed
            .iter()
            .position(|h| Arc::ptr_eq(&h.taker, taker))?;
        Some(self.handed.swap_remove(at))
    }
}

pub(crate) struct Fair<T> {
    /// 0 for a synchronous queue; `usize::MAX` for unbounded.
    capacity: usize,
    /// How a blocked producer or consumer waits before it parks.
    backoff: Backoff,
    state: Mutex<State<T>>,
    producers: WaitQueue<Slot<T>>,
    consumers: WaitQueue<Taker<T>>,
}

/// Waiters to wake once the lock is released (at most two: a consumer
/// and a transferer, or a transferer and a producer let in).
#[derive(Default)]
struct Woken([Option<Arc<Waiter>>; 2]);

impl Woken {
    fn two(a: Arc<Waiter>, b: Option<Arc<Waiter>>) -> Self {
        Woken([Some(a), b])
    }
    fn wake(self) {
        self.0.into_iter().flatten().for_each(|w| w.wake());
    }
}

/// A heap slot for an async waiter, which may move between polls.
type HeapSlot<T> = Box<UnsafeCell<Option<T>>>;

impl<T> Fair<T> {
    /// A fair queue of `capacity` (> 0, or `usize::MAX`): its waiters
    /// park at once while a slot frees up; or a synchronous one (0): a
    /// rendezvous, whose partner is usually running, so they spin first.
    pub(crate) fn new(capacity: usize) -> Self {
        let backoff = if capacity == 0 {
            Backoff::Adaptive
        } else {
            Backoff::Park
        };
        Fair::with_backoff(capacity, backoff)
    }

    /// An unbounded queue for [`LinkedTransferQueue`](super::LinkedTransferQueue):
    /// its consumers are the partners of transfers, a rendezvous too, so
    /// both sides spin before they park (parking both cost two futex calls
    /// and two context switches per transferred element).
    pub(crate) fn transfer_queue() -> Self {
        Fair::with_backoff(usize::MAX, Backoff::Adaptive)
    }

    fn with_backoff(capacity: usize, backoff: Backoff) -> Self {
        Fair {
            capacity,
            backoff,
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                waiting_consumers: 0,
                handed: Vec::new(),
            }),
            producers: WaitQueue::new(),
            consumers: WaitQueue::new(),
        }
    }

    pub(crate) fn capacity(&self) -> Option<usize> {
        Some(self.capacity).filter(|&c| c != usize::MAX)
    }

    /// Hands `item` to the first waiting consumer, if any: into its slot,
    /// the transfer (if any) then done; or, a transfer's element for a
    /// take future, into `handed`, the transfer still waiting.
    fn hand_to_consumer(&self, st: &mut State<T>, item: Item<T>) -> Result<Woken, Item<T>> {
        let mut consumers = self.consumers.lock();
        let Some((waiter, taker)) = consumers.pop(CLAIMED) else {
            return Err(item);
        };
        st.waiting_consumers -= 1;
        let transferer = match item.transfer {
            Some(transfer) if taker.task => {
                st.handed.push(Handed {
                    value: item.value,
                    transfer,
                    taker: Arc::clone(&waiter),
                });
                None
            }
            transfer => {
                // SAFETY: claimed under the lock: the slot is ours to write.
                unsafe { *taker.slot.0 = Some(item.value) };
                transfer.and_then(|(w, _)| received(w))
            }
        };
        waiter.complete();
        Ok(Woken::two(waiter, transferer))
    }

    /// Whether the first waiting consumer is blocked in a thread (`None`:
    /// nobody waits).
    fn thread_waits_first(&self) -> Option<bool> {
        self.consumers.lock().front().map(|t| !t.task)
    }

    /// Puts `value` in without waiting, if it can: to a waiting consumer
    /// (the buffer is then empty), or into free room.
    fn try_insert_locked(&self, st: &mut State<T>, value: T) -> Result<Woken, T> {
        let value = match self.hand_to_consumer(st, Item::plain(value)) {
            Ok(woken) => return Ok(woken),
            Err(item) => item.value,
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
        if !waiter.wait(self.backoff, deadline) {
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
        let taker = Taker {
            slot: Slot(slot.get()),
            task: false,
        };
        self.consumers.lock().push_back(Arc::clone(&waiter), taker);
        st.waiting_consumers += 1;
        drop(st);
        if !waiter.wait(self.backoff, deadline) {
            let mut st = self.state.lock();
            if self.consumers.lock().abort(&waiter).is_ok() {
                st.waiting_consumers -= 1;
                return Err(RecvTimeoutError::Timeout);
            }
        }
        slot.into_inner().ok_or(RecvTimeoutError::Closed)
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
            let_go_all(&self.producers, &mut woken);
            let_go_all(&self.consumers, &mut woken);
            st.waiting_consumers = 0;
            // Pending transfers get their elements back, those handed to
            // take futures too; the rest stay to be drained.
            let items = std::mem::take(&mut st.items);
            let handed = std::mem::take(&mut st.handed);
            let mut hand_back = |value: T, (w, slot): Transfer<T>| {
                if w.try_claim(CLAIMED) {
                    // SAFETY: claimed under the lock: the slot is ours to write.
                    unsafe { *slot.0 = Some(value) };
                    w.complete();
                    woken.push(w);
                }
            };
            for item in items {
                match item.transfer {
                    Some(transfer) => hand_back(item.value, transfer),
                    None => st.items.push_back(item),
                }
            }
            for h in handed {
                hand_back(h.value, h.transfer);
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

    /// A take future dropped after it was handed `item`: it goes back to
    /// the head (a transfer's with its producer still waiting), to the
    /// next waiting consumer if there is one.
    fn give_back(&self, st: &mut State<T>, item: Item<T>) -> Woken {
        match self.hand_to_consumer(st, item) {
            Ok(woken) => woken,
            Err(item) => {
                st.items.push_front(item);
                Woken::default()
            }
        }
    }
}

/// Claims and completes every waiter of `queue` (for `close`), to wake.
fn let_go_all<P>(queue: &WaitQueue<P>, woken: &mut Vec<Arc<Waiter>>) {
    let mut q = queue.lock();
    while let Some((w, _)) = q.pop(CLAIMED) {
        w.complete();
        woken.push(w);
    }
}

/// A consumer received a pending transfer's element: its producer may go.
fn received(waiter: Arc<Waiter>) -> Option<Arc<Waiter>> {
    // Only the producer's abort and `close` compete, under the same lock,
    // and each removes the element; so the claim succeeds.
    waiter.try_claim(CLAIMED).then(|| {
        waiter.complete();
        waiter
    })
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
