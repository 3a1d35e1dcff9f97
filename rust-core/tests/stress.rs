//! Stress: many producers and consumers on two channels of one capacity kind
//! (rendezvous, 1, 16, unbounded), using every way of sending and receiving:
//! blocking, non-blocking, timed, selects (with disabled and never-ready
//! cases), async futures driven by a small parking executor, and futures
//! cancelled after a few polls. One channel is closed in the middle.
//!
//! The books must balance exactly: each value is received at most once,
//! every value whose send succeeded is received, no value whose send failed
//! (and came back) is received, and the only other values received are those
//! of send futures that were cancelled while pending (whose fate the sender
//! cannot know).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use polyconc::chan::{
    Chan, RecvTimeoutError, Select, SendTimeoutError, TryRecvError, TrySendError,
};

const PRODUCERS: u64 = 4;
const CONSUMERS: usize = 4;
const PER_PRODUCER: u64 = 2000;
/// Timeout of the timed operations: short, so that many of them expire.
const SHORT: Duration = Duration::from_micros(200);
/// How long the executor waits for a wake-up before calling it lost. Every
/// wait here ends once the producers finish, so this is a hang detector only.
const LOST_WAKEUP: Duration = Duration::from_secs(30);

/// Wakes the executor's thread.
struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Drives `f` to completion, parking between polls until its waker fires.
fn block_on<F: Future>(f: F) -> F::Output {
    let unparker = Arc::new(Unparker {
        thread: thread::current(),
        woken: AtomicBool::new(false),
    });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        let since = Instant::now();
        while !unparker.woken.swap(false, Ordering::Acquire) {
            assert!(
                since.elapsed() < LOST_WAKEUP,
                "a pending future was never woken"
            );
            thread::park_timeout(LOST_WAKEUP);
        }
    }
}

/// Polls `f` at most `polls` times with a waker that does nothing, then
/// drops it (cancels it) if it is still pending.
fn poll_then_cancel<F: Future>(f: F, polls: usize) -> Option<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut f = pin!(f);
    for _ in 0..polls {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return Some(v);
        }
        thread::yield_now();
    }
    None
}

/// What one producer knows of its values.
#[derive(Default)]
struct Books {
    /// The send succeeded: the value must be received.
    sent: Vec<u64>,
    /// The send failed and gave the value back: it must not be received.
    returned: Vec<u64>,
    /// A pending send future was cancelled: received or not.
    unknown: Vec<u64>,
}

impl Books {
    fn record<E>(&mut self, v: u64, r: Result<(), E>, returned: impl FnOnce(E) -> u64) {
        match r {
            Ok(()) => self.sent.push(v),
            Err(e) => {
                let back = returned(e);
                assert_eq!(back, v, "a failed send gave back another value");
                self.returned.push(back);
            }
        }
    }
}

/// Sends `PER_PRODUCER` values, each in one of eight ways. Sends without a
/// deadline go to `ch` or to a select over both channels (see `consume`).
fn produce(p: u64, ch: &Chan<u64>, aux: &Chan<u64>, never: &Chan<u64>) -> Books {
    let mut books = Books::default();
    for i in 0..PER_PRODUCER {
        if p == 0 && i == PER_PRODUCER / 2 {
            // Close `ch` in the middle, while every thread is busy; from
            // now on its sends fail and give their values back.
            assert!(ch.close());
        }
        let v = p * 1_000_000 + i;
        match i % 8 {
            0 => books.record(v, ch.send(v), |e| e.0),
            1 => books.record(v, ch.try_send(v), |e| match e {
                TrySendError::Full(v) | TrySendError::Closed(v) => v,
            }),
            2 => books.record(v, ch.send_timeout(v, SHORT), |e| match e {
                SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
            }),
            3 => {
                // The same value on both send cases: only one may fire.
                let r = Select::new()
                    .recv(never, |_| unreachable!("nobody sends on `never`"))
                    .send(ch, v, |r| r)
                    .send(None::<&Chan<u64>>, v, |_| unreachable!("disabled"))
                    .send(aux, v, |r| r)
                    .select();
                books.record(v, r, |e| e.0);
            }
            4 => {
                let r = Select::new()
                    .send(aux, v, |r| r)
                    .send(ch, v, |r| r)
                    .select_timeout(SHORT);
                match r {
                    Ok(r) => books.record(v, r, |e| e.0),
                    // The select (and with it the value) was not used.
                    Err(_) => books.returned.push(v),
                }
            }
            5 => books.record(v, block_on(ch.send_async(v)), |e| e.0),
            6 => match poll_then_cancel(aux.send_async(v), 3) {
                Some(r) => books.record(v, r, |e| e.0),
                None => books.unknown.push(v),
            },
            _ => books.record(v, aux.send_timeout(v, SHORT), |e| match e {
                SendTimeoutError::Timeout(v) | SendTimeoutError::Closed(v) => v,
            }),
        }
    }
    books
}

/// Receives until both channels are closed and drained.
fn consume(c: usize, ch: &Chan<u64>, aux: &Chan<u64>) -> Vec<u64> {
    let mut values = Vec::new();
    let (mut ch_open, mut aux_open) = (true, true);
    let nobody = Chan::<u64>::new(0);
    for j in c.. {
        if !ch_open && !aux_open {
            break;
        }
        // The channel this round's single-channel operation uses. Operations
        // that block without a deadline use `ch` while it is open, as do the
        // producers' (or a select over both): two threads blocked on
        // different channels would otherwise wait for each other forever.
        let blocking = matches!(j % 7, 0 | 5);
        let use_ch = ch_open && (blocking || j % 2 == 0 || !aux_open);
        let one = if use_ch { ch } else { aux };
        let got_one = match j % 7 {
            0 => one.recv().ok(),
            1 => match one.try_recv() {
                Ok(v) => Some(v),
                Err(TryRecvError::Empty) => continue,
                Err(TryRecvError::Closed) => None,
            },
            2 => match one.recv_timeout(SHORT) {
                Ok(v) => Some(v),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Closed) => None,
            },
            3 | 4 => {
                // A select over both channels (each disabled once drained),
                // plus a disabled case and a send nobody will take.
                let sel = Select::new()
                    .recv(ch_open.then_some(ch), |r| (0, r.ok()))
                    .recv(None::<&Chan<u64>>, |_| unreachable!("disabled"))
                    .send(&nobody, 0, |_| unreachable!("nobody receives"))
                    .recv(aux_open.then_some(aux), |r| (1, r.ok()));
                let fired = if j % 7 == 3 {
                    sel.select()
                } else {
                    match sel.select_timeout(SHORT) {
                        Ok(fired) => fired,
                        Err(_) => continue,
                    }
                };
                match fired {
                    (_, Some(v)) => {
                        values.push(v);
                    }
                    (0, None) => {
                        assert!(ch.is_closed(), "select: Err(RecvError) on an open channel");
                        ch_open = false;
                    }
                    (_, None) => {
                        assert!(aux.is_closed(), "select: Err(RecvError) on an open channel");
                        aux_open = false;
                    }
                }
                continue;
            }
            5 => block_on(one.recv_async()).ok(),
            _ => match poll_then_cancel(one.recv_async(), 3) {
                Some(r) => r.ok(),
                // Cancelled: it must have consumed nothing.
                None => continue,
            },
        };
        match got_one {
            Some(v) => {
                values.push(v);
            }
            None => {
                let op = j % 7;
                assert!(
                    one.is_closed(),
                    "op {op}: Err(RecvError) on an open channel"
                );
                if use_ch {
                    ch_open = false;
                } else {
                    aux_open = false;
                }
            }
        }
    }
    values
}

fn stress(make: fn() -> Chan<u64>) {
    let ch = make();
    let aux = make();
    let never = Chan::new(0);

    let producers: Vec<_> = (0..PRODUCERS)
        .map(|p| {
            let (ch, aux, never) = (ch.clone(), aux.clone(), never.clone());
            thread::spawn(move || produce(p, &ch, &aux, &never))
        })
        .collect();
    let consumers: Vec<_> = (0..CONSUMERS)
        .map(|c| {
            let (ch, aux) = (ch.clone(), aux.clone());
            thread::spawn(move || consume(c, &ch, &aux))
        })
        .collect();
    let mut books = Books::default();
    for p in producers {
        let b = p.join().unwrap();
        books.sent.extend(b.sent);
        books.returned.extend(b.returned);
        books.unknown.extend(b.unknown);
    }
    aux.close();
    let mut received: HashMap<u64, usize> = HashMap::new();
    for c in consumers {
        for v in c.join().unwrap() {
            *received.entry(v).or_insert(0) += 1;
        }
    }

    let cap = ch.capacity();
    let dups: Vec<_> = received.iter().filter(|(_, &n)| n > 1).collect();
    assert!(
        dups.is_empty(),
        "cap {cap:?}: values received twice: {dups:?}"
    );
    let lost: Vec<_> = books
        .sent
        .iter()
        .filter(|v| !received.contains_key(v))
        .collect();
    assert!(
        lost.is_empty(),
        "cap {cap:?}: sent but never received: {lost:?}"
    );
    let ghosts: Vec<_> = books
        .returned
        .iter()
        .filter(|v| received.contains_key(v))
        .collect();
    assert!(
        ghosts.is_empty(),
        "cap {cap:?}: returned to the sender yet received: {ghosts:?}"
    );
    let known = books.sent.len() + books.returned.len() + books.unknown.len();
    assert_eq!(known, (PRODUCERS * PER_PRODUCER) as usize);
    let legit: HashSet<u64> = books.sent.iter().chain(&books.unknown).copied().collect();
    let strangers: Vec<_> = received.keys().filter(|v| !legit.contains(v)).collect();
    assert!(
        strangers.is_empty(),
        "cap {cap:?}: received values nobody sent: {strangers:?}"
    );
    // Both channels were closed and drained.
    assert!(ch.is_empty() && aux.is_empty(), "cap {cap:?}: left behind");
    // The run actually exercised both outcomes.
    assert!(!books.sent.is_empty() && !books.returned.is_empty());
}

#[test]
fn stress_rendezvous() {
    stress(|| Chan::new(0));
}

#[test]
fn stress_capacity_1() {
    stress(|| Chan::new(1));
}

#[test]
fn stress_capacity_16() {
    stress(|| Chan::new(16));
}

#[test]
fn stress_unbounded() {
    stress(Chan::unbounded);
}
