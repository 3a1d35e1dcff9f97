//! A select's cases: a receive or a send on one channel, its element type
//! erased behind [`Case`], each knowing how to try, register and finish on
//! a rendezvous or a buffered channel.

use std::cell::UnsafeCell;

use super::super::buffered::Side;
use super::super::error::{RecvError, SendError, TryRecvError, TrySendError};
use super::super::state::{Entry, Inner, Woken};
use super::super::Chan;
use crate::buffer::{Refused, Snapshot};
use crate::loom::Arc;
use crate::wait::Waiter;

/// One case, its element type erased.
pub(super) trait Case<R> {
    /// The channel's identity, `None` when disabled.
    fn key(&self) -> Option<u64>;
    fn lock(&self);
    /// # Safety
    /// The lock is held.
    unsafe fn unlock(&self);
    /// Completes the case now if it can.
    /// # Safety
    /// The lock is held.
    unsafe fn try_fire(&mut self) -> Try;
    /// # Safety
    /// The lock is held, and `self` stays where it is until unregistered.
    unsafe fn register(&mut self, waiter: &Arc<Waiter>, case: usize);
    /// # Safety
    /// The lock is held.
    unsafe fn unregister(&mut self, waiter: &Arc<Waiter>, case: usize);
    fn finish(self: Box<Self>) -> R;
    /// Whether the case is on a buffered channel, whose partners tell rather
    /// than complete.
    fn is_buffered(&self) -> bool;
    /// Adds the buffered channel's head and tail to `out`.
    fn snapshot(&self, out: &mut Vec<Snapshot>);
    /// Whether the case is on a buffered channel that is ready for it now.
    fn buffer_ready(&self) -> bool;
    /// Tells the next waiter of the case's buffered channel, if still ready.
    fn pass_on(&self);
}

/// The channel of a case on a buffered channel.
fn buffered_of<T>(chan: Option<&Chan<T>>) -> Option<&Inner<T>> {
    chan.map(|c| &*c.inner).filter(|i| i.buffer.is_some())
}

/// What trying a case did.
pub(super) enum Try {
    /// It fired; wake this waiter.
    Fired(Woken),
    NotReady,
    /// Its buffer partner is mid-way (see `Refused::Busy`): ready, but not yet.
    Busy,
}

impl From<Option<Woken>> for Try {
    fn from(fired: Option<Woken>) -> Try {
        fired.map_or(Try::NotReady, Try::Fired)
    }
}

/// The methods of [`Case`] that depend only on the case's channel
/// (`self.chan`) and on which way it goes (`$side`): the same for a
/// receive and a send.
macro_rules! on_channel {
    ($side:expr) => {
        fn key(&self) -> Option<u64> {
            // The channel's identity, which also orders the locks.
            self.chan.map(|c| c.inner.id)
        }
        fn lock(&self) {
            self.chan.inspect(|c| c.inner.lock_raw());
        }
        unsafe fn unlock(&self) {
            // SAFETY: the channel is locked by this thread (the contract).
            self.chan.inspect(|c| unsafe { c.inner.unlock_raw() });
        }
        unsafe fn unregister(&mut self, waiter: &Arc<Waiter>, case: usize) {
            if let Some(c) = self.chan {
                // SAFETY: the channel is locked (the contract).
                let st = unsafe { c.inner.state_mut() };
                st.unregister(waiter, case);
                c.inner.sync_waiting(st);
            }
        }
        fn is_buffered(&self) -> bool {
            buffered_of(self.chan).is_some()
        }
        fn snapshot(&self, out: &mut Vec<Snapshot>) {
            if let Some(buffer) = self.chan.and_then(|c| c.inner.buffer.as_ref()) {
                out.push(buffer.snapshot());
            }
        }
        fn buffer_ready(&self) -> bool {
            buffered_of(self.chan).is_some_and(|i| i.buffer_ready($side))
        }
        fn pass_on(&self) {
            buffered_of(self.chan).inspect(|i| i.pass_on($side));
        }
    };
}

pub(super) struct RecvCase<'a, T, F> {
    pub(super) chan: Option<&'a Chan<T>>,
    pub(super) slot: UnsafeCell<Option<T>>,
    pub(super) on_recv: F,
}

impl<T, R, F: FnOnce(Result<T, RecvError>) -> R> Case<R> for RecvCase<'_, T, F> {
    on_channel!(Side::Recv);
    unsafe fn try_fire(&mut self) -> Try {
        let Some(c) = self.chan else {
            return Try::NotReady;
        };
        if let Some(buffer) = &c.inner.buffer {
            return match buffer.try_pop() {
                Ok(value) => {
                    *self.slot.get_mut() = Some(value);
                    // SAFETY: the channel is locked (the contract).
                    let st = unsafe { c.inner.state_mut() };
                    Try::Fired(c.inner.after_locked(st, Side::Recv))
                }
                Err(Refused::Closed(())) => Try::Fired(None),
                Err(Refused::NotReady(())) => Try::NotReady,
                Err(Refused::Busy(())) => Try::Busy,
            };
        }
        // SAFETY: the channel is locked (the contract).
        match unsafe { c.inner.state_mut() }.try_recv() {
            Ok((value, woken)) => {
                *self.slot.get_mut() = Some(value);
                Try::Fired(woken)
            }
            Err(TryRecvError::Closed) => Try::Fired(None),
            Err(TryRecvError::Empty) => Try::NotReady,
        }
    }
    unsafe fn register(&mut self, waiter: &Arc<Waiter>, case: usize) {
        if let Some(inner) = buffered_of(self.chan) {
            // SAFETY: the channel is locked (the contract).
            let st = unsafe { inner.state_mut() };
            inner.watch_locked(st, waiter, case, Side::Recv);
        } else if let Some(c) = self.chan {
            let entry = Entry {
                waiter: Arc::clone(waiter),
                case,
                slot: self.slot.get(),
            };
            // SAFETY: the channel is locked, and the slot lives in this
            // case until `finish` (the contract).
            unsafe { c.inner.state_mut() }.register_receiver(entry);
        }
    }
    fn finish(self: Box<Self>) -> R {
        let this = *self;
        (this.on_recv)(this.slot.into_inner().ok_or(RecvError))
    }
}

pub(super) struct SendCase<'a, T, F> {
    pub(super) chan: Option<&'a Chan<T>>,
    /// Holds the value until a receiver takes it.
    pub(super) slot: UnsafeCell<Option<T>>,
    pub(super) on_send: F,
}

impl<T, R, F: FnOnce(Result<(), SendError<T>>) -> R> Case<R> for SendCase<'_, T, F> {
    on_channel!(Side::Send);
    unsafe fn try_fire(&mut self) -> Try {
        let Some(c) = self.chan else {
            return Try::NotReady;
        };
        let value = self
            .slot
            .get_mut()
            .take()
            .expect("a send case holds its value until it fires");
        if let Some(buffer) = &c.inner.buffer {
            let (value, result) = match buffer.try_push(value) {
                Ok(()) => {
                    // SAFETY: the channel is locked (the contract).
                    let st = unsafe { c.inner.state_mut() };
                    return Try::Fired(c.inner.after_locked(st, Side::Send));
                }
                Err(Refused::Closed(v)) => (v, Try::Fired(None)),
                Err(Refused::NotReady(v)) => (v, Try::NotReady),
                Err(Refused::Busy(v)) => (v, Try::Busy),
            };
            *self.slot.get_mut() = Some(value);
            return result;
        }
        // SAFETY: the channel is locked (the contract).
        match unsafe { c.inner.state_mut() }.try_send(value) {
            Ok(woken) => Try::Fired(woken),
            Err(TrySendError::Closed(v)) => {
                *self.slot.get_mut() = Some(v);
                Try::Fired(None)
            }
            Err(TrySendError::Full(v)) => {
                *self.slot.get_mut() = Some(v);
                Try::NotReady
            }
        }
    }
    unsafe fn register(&mut self, waiter: &Arc<Waiter>, case: usize) {
        let Some(c) = self.chan else {
            return;
        };
        if c.inner.buffer.is_some() {
            // SAFETY: the channel is locked (the contract).
            let st = unsafe { c.inner.state_mut() };
            c.inner.watch_locked(st, waiter, case, Side::Send);
            return;
        }
        let entry = Entry {
            waiter: Arc::clone(waiter),
            case,
            slot: self.slot.get(),
        };
        // SAFETY: the channel is locked, and the slot lives in this case
        // until `finish` (the contract).
        unsafe { c.inner.state_mut() }.register_sender(entry);
    }
    fn finish(self: Box<Self>) -> R {
        let this = *self;
        match this.slot.into_inner() {
            None => (this.on_send)(Ok(())),
            Some(v) => (this.on_send)(Err(SendError(v))),
        }
    }
}
