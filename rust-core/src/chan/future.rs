//! Sending and receiving from async code.
//!
//! A pending [`SendFuture`] on a rendezvous channel is queued like a blocked
//! sender, its value in a heap slot: a receiver may claim the value at any
//! moment, and once claimed it is delivered, even if the future is dropped
//! before it is polled again. [`SendFuture::cancel`] tells which happened.
//! On a buffered channel a pending send is only told when a slot is free,
//! its value staying in the future until a poll puts it in the buffer.
//!
//! A pending [`RecvFuture`] on a rendezvous channel is a waiting receiver,
//! as a blocked `recv` is: a sender hands it the value (`try_send` and a
//! select's send case too, as in Go). Dropped after that, before it was
//! polled again, it gives the value back to the channel: the next receiver
//! takes it, before any blocked sender's value. On a buffered channel a
//! pending receive is only *told* when a value can be taken, and takes it
//! itself. Either way dropping it at any moment (a cancelled task, a
//! timeout) consumes nothing.

use std::cell::UnsafeCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::buffered::Side;
use super::error::{RecvError, SendError, TryRecvError, TrySendError};
use super::state::{wake, Entry, Inner};
use super::Chan;
use crate::buffer::Refused;
use crate::loom::Arc;
use crate::wait::Waiter;

/// Sends a value when awaited; made by [`Chan::send_async`].
///
/// Dropping a pending `SendFuture` is [`SendFuture::cancel`] without the
/// answer: a value a receiver already claimed is still delivered; one that
/// nobody claimed is dropped, and never delivered.
///
/// ```
/// use polyconc::chan::Chan;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let ch = Chan::new(1);
/// block_on(ch.send_async("x")).unwrap();
/// assert_eq!(ch.try_recv(), Ok("x"));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<T> {
    chan: Chan<T>,
    /// The value before the first poll.
    value: Option<T>,
    /// Once queued: the waiter and the slot a receiver takes the value from.
    queued: Option<(Arc<Waiter>, HeapSlot<T>)>,
    /// On a buffered channel: registered to be told when a slot is free.
    watching: Option<Arc<Waiter>>,
}

/// Where a queued async sender's value waits; on the heap so the future may move.
type HeapSlot<T> = Box<UnsafeCell<Option<T>>>;

// The value is never pinned: it moves into a heap slot when queued.
impl<T> Unpin for SendFuture<T> {}

// SAFETY: the slot is touched by other threads only under the channel's lock
// (the claimer), and by this future only when no one can claim it.
unsafe impl<T: Send> Send for SendFuture<T> {}

/// The panic of a channel future polled again after it returned `Ready`.
const POLLED_AFTER_READY: &str = "a channel future polled after it completed";

impl<T> SendFuture<T> {
    pub(super) fn new(chan: Chan<T>, value: T) -> Self {
        SendFuture {
            chan,
            value: Some(value),
            queued: None,
            watching: None,
        }
    }

    /// Stops the send: `Err(value)` gives back a value nobody claimed (it
    /// will never be delivered), `Ok(())` says a receiver had already
    /// claimed it (it is delivered, or being delivered, as if the future
    /// had completed). Also `Ok(())` when the future already completed: it
    /// holds nothing any more.
    ///
    /// On a buffered channel the value enters the buffer only in a poll
    /// that then returns `Ready`, so a pending send's value always comes
    /// back; on a rendezvous channel a receiver can claim it between polls.
    ///
    /// ```
    /// use polyconc::chan::Chan;
    /// # fn poll_once<F: std::future::Future + Unpin>(f: &mut F) -> std::task::Poll<F::Output> {
    /// #     std::pin::Pin::new(f).poll(&mut std::task::Context::from_waker(std::task::Waker::noop()))
    /// # }
    /// let ch = Chan::new(0);
    /// let mut nobody_came = ch.send_async("a");
    /// assert!(poll_once(&mut nobody_came).is_pending());
    /// assert_eq!(nobody_came.cancel(), Err("a")); // given back, never delivered
    ///
    /// let mut taken = ch.send_async("b");
    /// assert!(poll_once(&mut taken).is_pending());
    /// assert_eq!(ch.try_recv(), Ok("b")); // a receiver claims it between polls
    /// assert_eq!(taken.cancel(), Ok(())); // delivered
    /// ```
    pub fn cancel(mut self) -> Result<(), T> {
        self.withdraw()
    }

    /// The work of `cancel`, shared with `drop`; leaves the future holding
    /// nothing.
    fn withdraw(&mut self) -> Result<(), T> {
        if let Some((waiter, slot)) = self.queued.take() {
            // Under the lock a claim is either complete or still impossible.
            let mut st = self.chan.inner.lock();
            if waiter.abort().is_ok() {
                st.unregister(&waiter, 0);
            }
            drop(st);
            // Unclaimed, or claimed by a close: the value is still there.
            return slot.into_inner().map_or(Ok(()), Err);
        }
        if let Some(waiter) = self.watching.take() {
            stop_watching(&self.chan.inner, &waiter, Side::Send);
        }
        self.value.take().map_or(Ok(()), Err)
    }
}

impl<T> Future for SendFuture<T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some((waiter, _)) = &this.queued {
            if !waiter.poll_done(cx.waker()) {
                return Poll::Pending;
            }
            let (_, slot) = this.queued.take().expect("checked above");
            return Poll::Ready(match slot.into_inner() {
                None => Ok(()),
                Some(v) => Err(SendError(v)),
            });
        }
        let inner = &this.chan.inner;
        if let Some(buffer) = &inner.buffer {
            if let Some(waiter) = &this.watching {
                if !waiter.poll_done(cx.waker()) {
                    return Poll::Pending;
                }
                // Told: the teller removed our entry; try again.
                this.watching = None;
            }
            loop {
                let value = this.value.take().expect(POLLED_AFTER_READY);
                match buffer.try_push(value) {
                    Ok(()) => {
                        inner.after(Side::Send);
                        return Poll::Ready(Ok(()));
                    }
                    Err(Refused::Closed(v)) => return Poll::Ready(Err(SendError(v))),
                    // Busy: the receiver reading the free slot will tell.
                    Err(Refused::NotReady(v) | Refused::Busy(v)) => this.value = Some(v),
                }
                let waiter = Waiter::for_task(cx.waker());
                if inner.watch(&waiter, Side::Send) {
                    this.watching = Some(waiter);
                    return Poll::Pending;
                }
            }
        }
        let value = this.value.take().expect(POLLED_AFTER_READY);
        let mut st = inner.lock();
        match st.try_send(value) {
            Ok(woken) => {
                drop(st);
                wake(woken);
                Poll::Ready(Ok(()))
            }
            Err(TrySendError::Closed(v)) => Poll::Ready(Err(SendError(v))),
            Err(TrySendError::Full(v)) => {
                let slot = Box::new(UnsafeCell::new(Some(v)));
                let waiter = Waiter::for_task(cx.waker());
                st.register_sender(Entry {
                    waiter: Arc::clone(&waiter),
                    case: 0,
                    slot: slot.get(),
                });
                this.queued = Some((waiter, slot));
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for SendFuture<T> {
    fn drop(&mut self) {
        let _ = self.withdraw();
    }
}

/// Receives a value when awaited; made by [`Chan::recv_async`].
///
/// ```
/// use polyconc::chan::Chan;
/// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let waker = std::task::Waker::noop();
/// #     let mut cx = std::task::Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v } }
/// # }
/// let ch = Chan::new(1);
/// ch.send(8).unwrap();
/// assert_eq!(block_on(ch.recv_async()), Ok(8));
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<T> {
    chan: Chan<T>,
    /// On a buffered channel: registered to be told when a value can be taken.
    watching: Option<Arc<Waiter>>,
    /// On a rendezvous channel, once queued: the waiter, and the slot a
    /// sender hands the value into.
    queued: Option<(Arc<Waiter>, HeapSlot<T>)>,
    /// Returned `Ready`: polling again is a bug, which must not take a
    /// second value.
    done: bool,
}

impl<T> Unpin for RecvFuture<T> {}

impl<T> RecvFuture<T> {
    pub(super) fn new(chan: Chan<T>) -> Self {
        RecvFuture {
            chan,
            watching: None,
            queued: None,
            done: false,
        }
    }

    /// One poll's work.
    fn take(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        if let Some((waiter, _)) = &self.queued {
            if !waiter.poll_done(cx.waker()) {
                return Poll::Pending;
            }
            let (_, slot) = self.queued.take().expect("checked above");
            // Handed a value, or claimed by a close.
            return Poll::Ready(slot.into_inner().ok_or(RecvError));
        }
        if let Some(waiter) = &self.watching {
            if !waiter.poll_done(cx.waker()) {
                return Poll::Pending;
            }
            // Told: the teller removed our entry; try to take.
            self.watching = None;
        }
        let inner = &self.chan.inner;
        if let Some(buffer) = &inner.buffer {
            loop {
                match buffer.try_pop() {
                    Ok(value) => {
                        inner.after(Side::Recv);
                        return Poll::Ready(Ok(value));
                    }
                    Err(Refused::Closed(())) => return Poll::Ready(Err(RecvError)),
                    // Busy: the sender writing the value will tell.
                    Err(Refused::NotReady(()) | Refused::Busy(())) => {}
                }
                let waiter = Waiter::for_task(cx.waker());
                if inner.watch(&waiter, Side::Recv) {
                    self.watching = Some(waiter);
                    return Poll::Pending;
                }
            }
        }
        let mut st = inner.lock();
        match st.try_recv() {
            Ok((value, woken)) => {
                drop(st);
                wake(woken);
                Poll::Ready(Ok(value))
            }
            Err(TryRecvError::Closed) => Poll::Ready(Err(RecvError)),
            Err(TryRecvError::Empty) => {
                // A waiting receiver, as a blocked `recv`: a sender (`try_send`
                // too, and a select) hands it the value, as in Go.
                let slot = Box::new(UnsafeCell::new(None));
                let waiter = Waiter::for_task(cx.waker());
                st.register_receiver(Entry {
                    waiter: Arc::clone(&waiter),
                    case: 0,
                    slot: slot.get(),
                });
                self.queued = Some((waiter, slot));
                Poll::Pending
            }
        }
    }
}

impl<T> Future for RecvFuture<T> {
    type Output = Result<T, RecvError>;

    /// # Panics
    ///
    /// If polled again after it returned `Ready`, as a [`SendFuture`] does.
    ///
    /// ```should_panic
    /// use polyconc::chan::Chan;
    /// use std::future::Future;
    /// let ch = Chan::new(2);
    /// ch.send(1).unwrap();
    /// ch.send(2).unwrap();
    /// let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    /// let mut fut = ch.recv_async();
    /// assert!(std::pin::Pin::new(&mut fut).poll(&mut cx).is_ready());
    /// let _ = std::pin::Pin::new(&mut fut).poll(&mut cx); // panics: it took 1 already
    /// ```
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        assert!(!this.done, "{POLLED_AFTER_READY}");
        let got = this.take(cx);
        this.done = got.is_ready();
        got
    }
}

impl<T> Drop for RecvFuture<T> {
    fn drop(&mut self) {
        if let Some((waiter, slot)) = self.queued.take() {
            let mut st = self.chan.inner.lock();
            if waiter.abort().is_ok() {
                st.unregister(&waiter, 0);
            } else if let Some(value) = slot.into_inner() {
                // Handed a value it will not take: it goes back to the
                // channel, to the next receiver.
                let woken = st.give_back(value);
                drop(st);
                wake(woken);
            }
        }
        if let Some(waiter) = &self.watching {
            stop_watching(&self.chan.inner, waiter, Side::Recv);
        }
    }
}

/// A dropped future stops watching `side`: it takes its entry back, or, if it
/// was already told (of a free slot or a value it will now not use), passes
/// the news on to the next waiter of that side so no wake-up is lost.
fn stop_watching<T>(inner: &Inner<T>, waiter: &Arc<Waiter>, side: Side) {
    let mut st = inner.lock();
    if waiter.abort().is_ok() {
        st.unregister(waiter, 0);
        inner.sync_waiting(&st);
    } else {
        drop(st);
        inner.pass_on(side);
    }
}
