//! Putting and taking from async code: one future type for each, over
//! every queue's engine.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::fair::{FairPut, FairTake};
use super::heap::Sorted;
use super::{RecvError, SendError};
use crate::chan::{RecvFuture, SendFuture};
use crate::exec::{Timer, TimerHandle};
use crate::loom::Arc;
use crate::wait::Watch;

/// Puts an element when awaited; made by
/// [`BlockingQueue::put_async`](super::BlockingQueue::put_async).
///
/// Dropping it before it completes withdraws the element, unless a
/// consumer had already claimed it: then it is delivered all the same.
/// [`PutFuture::cancel`] says which happened. On an unbounded queue
/// ([`PriorityBlockingQueue`](super::PriorityBlockingQueue),
/// [`DelayQueue`](super::DelayQueue),
/// [`LinkedTransferQueue`](super::LinkedTransferQueue)) a put never waits,
/// so the element goes in when the future is made.
///
/// ```
/// use polyconc::queue::ArrayBlockingQueue;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let q = ArrayBlockingQueue::new(1);
/// block_on(q.put_async("x")).unwrap();
/// assert_eq!(q.poll(), Some("x"));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct PutFuture<T>(Put<T>);

enum Put<T> {
    Chan(SendFuture<T>),
    Fair(FairPut<T>),
    /// Made with the outcome (an unbounded queue's put), or completed.
    Done(Option<Result<(), SendError<T>>>),
}

// Nothing in it is pinned: the element moves into the queue.
impl<T> Unpin for PutFuture<T> {}

impl<T> PutFuture<T> {
    pub(crate) fn chan(f: SendFuture<T>) -> Self {
        PutFuture(Put::Chan(f))
    }

    pub(crate) fn fair(f: FairPut<T>) -> Self {
        PutFuture(Put::Fair(f))
    }

    pub(crate) fn done(r: Result<(), SendError<T>>) -> Self {
        PutFuture(Put::Done(Some(r)))
    }

    /// Stops the put: `Ok(())` if the element was delivered (a consumer had
    /// claimed it, or the future had completed), `Err(value)` with the
    /// element if nobody took it (it is then never delivered).
    ///
    /// ```
    /// use polyconc::queue::SynchronousQueue;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> std::task::Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let q = SynchronousQueue::fair();
    /// let mut nobody_came = q.put_async("a");
    /// assert!(poll_once(&mut nobody_came).is_pending());
    /// assert_eq!(nobody_came.cancel(), Err("a"));
    /// ```
    pub fn cancel(mut self) -> Result<(), T> {
        match std::mem::replace(&mut self.0, Put::Done(None)) {
            Put::Chan(f) => f.cancel(),
            Put::Fair(f) => f.cancel(),
            Put::Done(Some(Err(SendError(v)))) => Err(v),
            Put::Done(_) => Ok(()),
        }
    }
}

impl<T> Future for PutFuture<T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let r = match &mut this.0 {
            Put::Chan(f) => Pin::new(f).poll(cx),
            Put::Fair(f) => f.poll(cx),
            Put::Done(r) => Poll::Ready(r.take().expect("PutFuture polled after it completed")),
        };
        if r.is_ready() {
            // Leaves nothing registered behind.
            this.0 = Put::Done(None);
        }
        r
    }
}

/// Takes the head when awaited; made by
/// [`BlockingQueue::take_async`](super::BlockingQueue::take_async).
/// Dropping it before it completes removes nothing. A pending take on a
/// fair queue or a [`LinkedTransferQueue`](super::LinkedTransferQueue)
/// waits in line as a blocked consumer does and may be handed an element;
/// dropped then, it gives the element back at the head: nothing is lost,
/// though a consumer may see it after later elements of the same producer.
/// A [`transfer`](super::LinkedTransferQueue::transfer) whose element it
/// was handed completes only when this future completes with it.
///
/// ```
/// use polyconc::queue::LinkedBlockingQueue;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let q = LinkedBlockingQueue::unbounded();
/// q.put(1).unwrap();
/// assert_eq!(block_on(q.take_async()), Ok(1));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct TakeFuture<T>(Take<T>);

enum Take<T> {
    Chan(RecvFuture<T>),
    Fair(FairTake<T>),
    Sorted {
        sorted: Arc<Sorted<T>>,
        watch: Watch,
        alarm: Alarm,
    },
    Done,
}

/// An async delay-queue take's wake-up on the process's [`Timer`] for
/// when the head it saw expires: set again only when that deadline (or
/// the task's waker) changes, cancelled when the take ends, so a future
/// costs one timer entry, never a thread.
#[derive(Default)]
struct Alarm(Option<(Instant, Waker, TimerHandle)>);

impl Alarm {
    fn set(&mut self, at: Instant, waker: &Waker) {
        if let Some((set_at, set_for, _)) = &self.0 {
            if *set_at == at && set_for.will_wake(waker) {
                return;
            }
        }
        self.cancel();
        let w = waker.clone();
        let delay = at.saturating_duration_since(Instant::now());
        let handle = Timer::shared().schedule(delay, move || w.wake());
        self.0 = Some((at, waker.clone(), handle));
    }

    fn cancel(&mut self) {
        if let Some((_, _, handle)) = self.0.take() {
            handle.cancel();
        }
    }
}

impl<T> Unpin for TakeFuture<T> {}

impl<T> TakeFuture<T> {
    pub(crate) fn chan(f: RecvFuture<T>) -> Self {
        TakeFuture(Take::Chan(f))
    }

    pub(crate) fn fair(f: FairTake<T>) -> Self {
        TakeFuture(Take::Fair(f))
    }

    pub(crate) fn sorted(sorted: Arc<Sorted<T>>) -> Self {
        TakeFuture(Take::Sorted {
            sorted,
            watch: Watch::default(),
            alarm: Alarm::default(),
        })
    }
}

impl<T> Future for TakeFuture<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let r = match &mut this.0 {
            Take::Chan(f) => Pin::new(f).poll(cx),
            Take::Fair(f) => f.poll(cx),
            Take::Sorted {
                sorted,
                watch,
                alarm,
            } => {
                let waker = cx.waker().clone();
                let r = sorted.poll_extract(watch, cx, |at| alarm.set(at, &waker));
                if r.is_ready() {
                    alarm.cancel();
                }
                r
            }
            Take::Done => panic!("TakeFuture polled after it completed"),
        };
        if r.is_ready() {
            this.0 = Take::Done;
        }
        r
    }
}

impl<T> Drop for TakeFuture<T> {
    fn drop(&mut self) {
        if let Take::Sorted {
            sorted,
            watch,
            alarm,
        } = &mut self.0
        {
            alarm.cancel();
            sorted.stop_take(watch);
        }
    }
}
