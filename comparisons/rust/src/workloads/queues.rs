//! polyconc's blocking queues (`polyconc::queue`) as `Channel`s, each at
//! the capacities it has (part of `workloads`).

use std::marker::PhantomData;
use std::sync::Arc;

use polyconc::queue::{
    ArrayBlockingQueue, BlockingQueue, LinkedBlockingQueue, LinkedTransferQueue, SynchronousQueue,
};

use super::{Capacity, Channel, SelectFn, SEND_FAILED};

/// A blocking queue of `polyconc::queue` as a channel: shared by its
/// producers and consumers, closed with `close` as Go closes a channel.
pub(super) struct Queue<S>(PhantomData<S>);

/// How one queue type is made, at which capacities, and how it sends.
pub(super) trait QueueShape {
    type Q: BlockingQueue<u64> + 'static;
    fn has(capacity: Capacity) -> bool;
    fn make(capacity: Capacity) -> Self::Q;
    fn send(q: &Self::Q, value: u64) {
        q.put(value).expect(SEND_FAILED);
    }
}

/// The capacity of a bounded queue with room for at least one element.
fn room(capacity: Capacity) -> usize {
    match capacity {
        Capacity::Bounded(n) if n > 0 => n,
        _ => unreachable!("asked only for the capacities `has` accepts"),
    }
}

/// `ArrayBlockingQueue`, made `fair` when `FAIR`.
pub(super) struct ArrayShape<const FAIR: bool>;
impl<const FAIR: bool> QueueShape for ArrayShape<FAIR> {
    type Q = ArrayBlockingQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        matches!(capacity, Capacity::Bounded(n) if n > 0)
    }
    fn make(capacity: Capacity) -> Self::Q {
        if FAIR {
            ArrayBlockingQueue::fair(room(capacity))
        } else {
            ArrayBlockingQueue::new(room(capacity))
        }
    }
}

pub(super) struct LinkedShape;
impl QueueShape for LinkedShape {
    type Q = LinkedBlockingQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        capacity != Capacity::Bounded(0)
    }
    fn make(capacity: Capacity) -> Self::Q {
        match capacity {
            Capacity::Unbounded => LinkedBlockingQueue::unbounded(),
            bounded => LinkedBlockingQueue::new(room(bounded)),
        }
    }
}

/// Java's rendezvous: capacity 0 only.
pub(super) struct SynchronousShape;
impl QueueShape for SynchronousShape {
    type Q = SynchronousQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        capacity == Capacity::Bounded(0)
    }
    fn make(_: Capacity) -> Self::Q {
        SynchronousQueue::new()
    }
}

/// An unbounded queue whose `transfer` waits for its taker: a rendezvous,
/// so listed at capacity 0 (as the Java program lists it).
pub(super) struct TransferShape;
impl QueueShape for TransferShape {
    type Q = LinkedTransferQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        SynchronousShape::has(capacity)
    }
    fn make(_: Capacity) -> Self::Q {
        LinkedTransferQueue::new()
    }
    fn send(q: &Self::Q, value: u64) {
        q.transfer(value).expect(SEND_FAILED);
    }
}

impl<S: QueueShape> Channel for Queue<S> {
    type Tx = Arc<S::Q>;
    type Rx = Arc<S::Q>;
    fn has(capacity: Capacity) -> bool {
        S::has(capacity)
    }
    fn channel(capacity: Capacity) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(S::make(capacity));
        (Arc::clone(&q), q)
    }
    fn send(tx: &Self::Tx, value: u64) {
        S::send(tx, value);
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.take().ok()
    }
    fn close(tx: Self::Tx) {
        tx.close();
    }
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(Arc::clone(rx))
    }
    const SELECT: Option<SelectFn<Self::Rx>> = None;
}
