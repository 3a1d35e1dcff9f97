//! Sending and receiving from async code.
//!
//! A pending [`SendFuture`] is queued like a blocked sender, its value in a
//! heap slot. A pending [`RecvFuture`] is only *told* when a value can be
//! taken and then takes it itself, so dropping it at any moment (a cancelled
//! task, a timeout) leaves every value in the channel. On a buffered channel
//! a pending send is likewise only told when a slot is free, its value
//! staying in the future.

use std::cell::UnsafeCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::buffer::Refused;
use super::error::{RecvError, SendError, TryRecvError, TrySendError};
use super::state::{wake, Entry, Inner, Side};
use super::waiter::Waiter;
use super::Chan;
use crate::primitives::Arc;

/// Sends a value when awaited; made by [`Chan::send_async`].
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

impl<T> SendFuture<T> {
    pub(super) fn new(chan: Chan<T>, value: T) -> Self {
        SendFuture {
            chan,
            value: Some(value),
            queued: None,
            watching: None,
        }
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
                let value = this
                    .value
                    .take()
                    .expect("SendFuture polled after it completed");
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
        let value = this
            .value
            .take()
            .expect("SendFuture polled after it completed");
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
                let woken = st.register_sender(Entry {
                    waiter: Arc::clone(&waiter),
                    case: 0,
                    slot: slot.get(),
                });
                this.queued = Some((waiter, slot));
                drop(st);
                wake(woken);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for SendFuture<T> {
    fn drop(&mut self) {
        if let Some((waiter, _)) = &self.queued {
            // Under the lock a claim is either complete or still impossible.
            let mut st = self.chan.inner.lock();
            if waiter.abort() {
                st.unregister(waiter, 0);
            }
        }
        if let Some(waiter) = &self.watching {
            stop_watching(&self.chan.inner, waiter, Side::Send);
        }
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
    /// Registered to be told when a value can be taken.
    watching: Option<Arc<Waiter>>,
}

impl<T> Unpin for RecvFuture<T> {}

impl<T> RecvFuture<T> {
    pub(super) fn new(chan: Chan<T>) -> Self {
        RecvFuture {
            chan,
            watching: None,
        }
    }
}

impl<T> Future for RecvFuture<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(waiter) = &this.watching {
            if !waiter.poll_done(cx.waker()) {
                return Poll::Pending;
            }
            // Told: the teller removed our entry; try to take.
            this.watching = None;
        }
        let inner = &this.chan.inner;
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
                    this.watching = Some(waiter);
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
                let waiter = Waiter::for_task(cx.waker());
                st.register_watcher(Entry {
                    waiter: Arc::clone(&waiter),
                    case: 0,
                    slot: std::ptr::null_mut(),
                });
                this.watching = Some(waiter);
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for RecvFuture<T> {
    fn drop(&mut self) {
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
    if waiter.abort() {
        st.unregister(waiter, 0);
        inner.sync_waiting(&st);
    } else {
        drop(st);
        inner.pass_on(side);
    }
}
