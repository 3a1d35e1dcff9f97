//! loom model checks of the wake-up paths: send, receive, close, select,
//! cancelled futures, and calls that may not wait meeting a busy partner,
//! for rendezvous, buffered(1) and unbounded channels.
//! Under loom an unbounded channel's blocks hold 3 values, so models that
//! send 3 or more cross from one block to the next.
//! Each model asserts that no value is lost or duplicated; loom itself fails
//! a model in which every thread ends up parked (a lost wake-up).
//!
//! Run with:
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p polyconc --test loom --release`
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::sync::Arc as StdArc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::{Arc as LoomArc, Condvar, Mutex};
use loom::thread;
use polyconc::chan::{Chan, RecvError, Select, SendError};

/// The capacity kinds every model runs on.
const KINDS: [Option<usize>; 3] = [Some(0), Some(1), None];

fn make<T>(kind: Option<usize>) -> Chan<T> {
    match kind {
        Some(c) => Chan::new(c),
        None => Chan::unbounded(),
    }
}

/// Runs `model` under loom once per capacity kind.
fn check(model: fn(Option<usize>)) {
    for kind in KINDS {
        loom::model(move || model(kind));
    }
}

/// Outcomes the model's threads report, checked by `check` when the last
/// handle is dropped, which loom guarantees happens once every thread has
/// finished. Used instead of `JoinHandle::join` where a thread may receive a
/// stray wake-up: loom 0.7 aborts when an `unpark` (harmless under std)
/// reaches a thread blocked in `join` (tokio-rs/loom#249).
struct Report<T> {
    got: Mutex<Vec<T>>,
    check: fn(&mut Vec<T>),
}

impl<T> Report<T> {
    fn new(check: fn(&mut Vec<T>)) -> LoomArc<Self> {
        LoomArc::new(Report {
            got: Mutex::new(Vec::new()),
            check,
        })
    }
    fn push(&self, outcome: T) {
        self.got.lock().unwrap().push(outcome);
    }
}

impl<T> Drop for Report<T> {
    fn drop(&mut self) {
        (self.check)(&mut self.got.lock().unwrap());
    }
}

/// A waker for `block_on`: a flag and a condition variable, both loom's.
#[derive(Default)]
struct Signal {
    woken: Mutex<bool>,
    changed: Condvar,
}

impl Wake for Signal {
    fn wake(self: StdArc<Self>) {
        self.wake_by_ref();
    }
    fn wake_by_ref(self: &StdArc<Self>) {
        *self.woken.lock().unwrap() = true;
        self.changed.notify_one();
    }
}

/// Polls `f` once, then hands it back if it is pending.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    std::pin::Pin::new(f).poll(&mut Context::from_waker(Waker::noop()))
}

/// Drives `f` to completion on the current loom thread, sleeping until its
/// waker fires: a lost wake-up leaves every thread blocked, which loom
/// reports as a deadlock.
fn block_on<F: Future>(f: F) -> F::Output {
    let signal = StdArc::new(Signal::default());
    let waker = Waker::from(signal.clone());
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        let mut woken = signal.woken.lock().unwrap();
        while !*woken {
            woken = signal.changed.wait(woken).unwrap();
        }
        *woken = false;
    }
}

#[test]
fn send_recv() {
    check(|kind| {
        let ch = make(kind);
        let tx = ch.clone();
        let t = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        assert_eq!(ch.recv(), Ok(1));
        assert_eq!(ch.recv(), Ok(2));
        t.join().unwrap();
    });
}

#[test]
fn two_receivers_and_close() {
    // One value, then a close, and two blocked receivers: one gets the
    // value, the other is woken by the close.
    check(|kind| {
        let ch = make(kind);
        let report = Report::new(|got: &mut Vec<Result<i32, RecvError>>| {
            got.sort_by_key(|r| r.is_err());
            assert_eq!(*got, vec![Ok(7), Err(RecvError)]);
        });
        for _ in 0..2 {
            let (rx, report) = (ch.clone(), report.clone());
            thread::spawn(move || {
                let got = rx.recv();
                // Whoever was woken by the close sees it closed.
                assert!(got.is_ok() || rx.is_closed(), "Err(RecvError) but open");
                report.push(got);
            });
        }
        ch.send(7).unwrap();
        assert!(ch.close());
    });
}

#[test]
fn close_wakes_blocked_sender() {
    // A sender on a rendezvous or full channel gets its value back when the
    // channel is closed under it; no value is ever taken.
    check(|kind| {
        let ch = make(kind);
        if kind == Some(1) {
            ch.send(0).unwrap();
        }
        let tx = ch.clone();
        let t = thread::spawn(move || tx.send(1));
        ch.close();
        let sent = t.join().unwrap();
        if kind.is_none() {
            // Unbounded: the send succeeds unless the close came first.
            match sent {
                Ok(()) => assert_eq!(ch.recv(), Ok(1)),
                Err(e) => assert_eq!(e, SendError(1)),
            }
        } else {
            assert_eq!(sent, Err(SendError(1)));
        }
        if kind == Some(1) {
            assert_eq!(ch.recv(), Ok(0));
        }
        assert_eq!(ch.recv(), Err(RecvError));
    });
}

#[test]

fn select_recv_over_two_senders() {
    // A select receiving from two channels, a sender on each: it fires
    // exactly one case; the other value is then received directly.
    check(|kind| {
        let (a, b) = (make(kind), make(kind));
        let sender_a = {
            let a = a.clone();
            thread::spawn(move || a.send(1).unwrap())
        };
        let sender_b = {
            let b = b.clone();
            thread::spawn(move || b.send(2).unwrap())
        };
        let first = Select::new()
            .recv(&a, |r| r.unwrap())
            .recv(&b, |r| r.unwrap())
            .biased()
            .select();
        let second = if first == 1 { b.recv() } else { a.recv() };
        assert_eq!(
            (first, second.unwrap()),
            if first == 1 { (1, 2) } else { (2, 1) }
        );
        sender_a.join().unwrap();
        sender_b.join().unwrap();
    });
}

#[test]

fn select_send_against_receiver() {
    // A select sending on two channels while a receiver waits on one and
    // the other is closed concurrently: exactly one case fires, and a value
    // that went into a channel is received.
    check(|kind| {
        let (a, b) = (make::<i32>(kind), make::<i32>(kind));
        // (select fired on a, receiver of a got a value)
        let report = Report::new(|got: &mut Vec<(&str, bool)>| {
            got.sort();
            let [(_, fired_a), (_, received_a)] = got[..] else {
                panic!("both outcomes reported: {got:?}")
            };
            assert_eq!(fired_a, received_a, "{got:?}");
        });
        {
            let (a, report) = (a.clone(), report.clone());
            thread::spawn(move || report.push(("received on a", a.recv().is_ok())));
        }
        {
            let b = b.clone();
            thread::spawn(move || {
                b.close();
            });
        }
        let fired = Select::new()
            .send(&a, 1, |r| ('a', r.is_ok()))
            .send(&b, 2, |r| ('b', r.is_ok()))
            .biased()
            .select();
        match fired {
            ('a', ok) => assert!(ok, "a is never closed"),
            // b's value was either buffered before the close (then it is
            // still there) or refused by the close.
            ('b', true) => assert_eq!(b.recv(), Ok(2)),
            _ => {}
        }
        report.push(("fired on a", fired.0 == 'a'));
        if fired.0 != 'a' {
            // Release the receiver of a.
            a.close();
        }
    });
}

#[test]
fn send_future_cancelled_while_received() {
    // A pending send future dropped while a receiver takes: the value is
    // received at most once, and if the future completed, it is received.
    check(|kind| {
        let ch = make(kind);
        let rx = ch.clone();
        let t = thread::spawn(move || rx.recv());
        let mut fut = ch.send_async(5);
        let done = poll_once(&mut fut);
        drop(fut);
        ch.close();
        let got = t.join().unwrap();
        match done {
            Poll::Ready(r) => {
                assert_eq!(r, Ok(()));
                assert_eq!(got, Ok(5));
            }
            // Withdrawn, or claimed just before the drop.
            Poll::Pending => assert!(got == Ok(5) || got == Err(RecvError)),
        }
        assert_eq!(ch.recv(), Err(RecvError));
    });
}

#[test]
fn recv_future_cancelled_while_sent() {
    // Two pending receive futures; a value arrives and the first future is
    // dropped. The second must still be woken and get the value: a cancelled
    // future that was told of the value passes the news on.
    check(|kind| {
        let ch = make(kind);
        let mut first = ch.recv_async();
        let mut second = ch.recv_async();
        let first_got = poll_once(&mut first);
        assert!(first_got.is_pending(), "nothing was sent yet");
        assert!(poll_once(&mut second).is_pending());
        let tx = ch.clone();
        let t = thread::spawn(move || tx.send(3).unwrap());
        drop(first);
        assert_eq!(block_on(second), Ok(3));
        t.join().unwrap();
    });
}

#[test]
fn select_recv_woken_by_sender() {
    // A select blocked on two receive cases is woken by a send on one of
    // them and fires exactly that case.
    check(|kind| {
        let (a, b) = (make::<i32>(kind), make::<i32>(kind));
        let sender = {
            let b = b.clone();
            thread::spawn(move || b.send(2).unwrap())
        };
        let got = Select::new()
            .recv(&a, |r| ('a', r))
            .recv(&b, |r| ('b', r))
            .select();
        assert_eq!(got, ('b', Ok(2)));
        sender.join().unwrap();
        assert!(a.is_empty() && b.is_empty());
    });
}

#[test]
fn select_send_woken_by_receiver() {
    // A select blocked on a send case is woken by a receiver, which gets the
    // value; the select's other (never ready) case does not fire.
    check(|kind| {
        let (a, never) = (make::<i32>(kind), Chan::<i32>::new(0));
        if kind.is_some_and(|c| c > 0) {
            a.send(0).unwrap(); // fill the buffer: the send case must wait
        }
        let receiver = {
            let a = a.clone();
            thread::spawn(move || a.recv().unwrap())
        };
        let fired = Select::new()
            .send(&a, 1, |r| ('a', r.is_ok()))
            .recv(&never, |_| ('n', false))
            .select();
        assert_eq!(fired, ('a', true));
        let mut got = vec![receiver.join().unwrap()];
        got.extend(a.try_recv());
        got.sort();
        let want = match kind {
            Some(0) => vec![1],
            Some(_) => vec![0, 1],
            None => vec![1],
        };
        assert_eq!(got, want);
    });
}

#[test]
fn nonblock_select_race() {
    // Go's TestNonblockSelectRace: c1 holds a value until c2 has one, so a
    // non-blocking select on both never finds neither ready; on ring
    // channels this rests on the select's double collect.
    check(|kind| {
        let (c1, c2) = (Chan::new(1), make::<i32>(kind.map(|c| c.max(1))));
        c1.send(1).unwrap();
        let report = Report::new(|got: &mut Vec<bool>| {
            assert_eq!(*got, vec![true], "the select found no case ready");
        });
        {
            let (c1, c2, report) = (c1.clone(), c2.clone(), report.clone());
            thread::spawn(move || {
                // c2 first: tried empty, then filled while c1 is emptied.
                let fired = Select::new()
                    .recv(&c2, |_| ())
                    .recv(&c1, |_| ())
                    .biased()
                    .try_select()
                    .is_ok();
                report.push(fired);
            });
        }
        c2.send(1).unwrap();
        let _ = c1.try_recv();
    });
}

#[test]
fn senders_blocked_on_full() {
    // Two senders blocked on a full buffer (a ring of 1; under loom, 2 is a
    // bounded list), one receiver taking everything: each freed slot wakes
    // a sender (no lost wake-up), values arrive once.
    for cap in [1, 2] {
        loom::model(move || {
            let ch = Chan::new(cap);
            for i in 0..cap {
                ch.send(i).unwrap();
            }
            for i in 0..2 {
                let tx = ch.clone();
                thread::spawn(move || tx.send(cap + i).unwrap());
            }
            let mut got: Vec<usize> = (0..cap + 2).map(|_| ch.recv().unwrap()).collect();
            got.sort();
            assert_eq!(got, (0..cap + 2).collect::<Vec<_>>());
        });
    }
}

#[test]
fn select_told_passes_on() {
    // A select told of a value on `a` that fires `b` instead must pass the
    // news on: the other receiver of `a` would otherwise sleep for ever.
    check(|kind| {
        let (a, b) = (make::<i32>(kind), make::<i32>(kind));
        let report = Report::new(|got: &mut Vec<(char, i32)>| {
            got.sort();
            let want = if got.contains(&('s', 1)) { 9 } else { 1 };
            assert!(got.contains(&('r', want)), "{got:?}");
        });
        {
            let (a, report) = (a.clone(), report.clone());
            thread::spawn(move || report.push(('r', a.recv().unwrap())));
        }
        {
            let (a, b) = (a.clone(), b.clone());
            thread::spawn(move || {
                a.send(1).unwrap();
                b.send(2).unwrap();
            });
        }
        let got = Select::new()
            .recv(&b, |r| r.unwrap())
            .recv(&a, |r| r.unwrap())
            .biased()
            .select();
        if got == 1 {
            a.send(9).unwrap();
            assert_eq!(b.recv(), Ok(2));
        } else {
            assert_eq!(got, 2);
        }
        report.push(('s', got));
    });
}

#[test]
fn list_across_blocks() {
    // Four values through an unbounded channel whose blocks hold three: the
    // sender of the third links the next block while two receivers race for
    // the values around the link. Each value arrives once.
    loom::model(|| {
        let ch = Chan::unbounded();
        ch.send(0).unwrap();
        ch.send(1).unwrap();
        let tx = ch.clone();
        let sender = thread::spawn(move || {
            tx.send(2).unwrap();
            tx.send(3).unwrap();
        });
        let rx = ch.clone();
        let receiver = thread::spawn(move || [rx.recv().unwrap(), rx.recv().unwrap()]);
        let mut got = vec![ch.recv().unwrap(), ch.recv().unwrap()];
        sender.join().unwrap();
        got.extend(receiver.join().unwrap());
        got.sort();
        assert_eq!(got, [0, 1, 2, 3]);
        assert!(ch.close());
        assert_eq!(ch.try_recv(), Err(polyconc::chan::TryRecvError::Closed));
    });
}

#[test]
fn list_dropped_with_values() {
    // Values left across blocks when the last handle goes, some taken by a
    // receiver meanwhile: every value is dropped exactly once.
    loom::model(|| {
        let values: Vec<StdArc<()>> = (0..5).map(|_| StdArc::new(())).collect();
        let ch = Chan::unbounded();
        let tx = ch.clone();
        let sent = values.clone();
        let sender = thread::spawn(move || {
            for v in sent {
                tx.send(v).unwrap();
            }
        });
        let taken = (ch.recv().unwrap(), ch.recv().unwrap());
        sender.join().unwrap();
        drop(ch);
        drop(taken);
        assert!(values.iter().all(|v| StdArc::strong_count(v) == 1));
    });
}

#[test]
fn list_closed_while_linking() {
    // A close racing the send that links the next block: the close holds
    // (the link must not erase it), and the send either went in before it
    // and is received, or failed and got its value back.
    loom::model(|| {
        let ch = Chan::unbounded();
        ch.send(0).unwrap();
        ch.send(1).unwrap();
        let tx = ch.clone();
        let sender = thread::spawn(move || tx.send(2).is_ok());
        assert!(ch.close());
        let sent = sender.join().unwrap();
        assert!(ch.is_closed());
        assert_eq!(ch.send(3), Err(SendError(3)));
        let got: Vec<i32> = ch.iter().collect();
        assert_eq!(got, if sent { vec![0, 1, 2] } else { vec![0, 1] });
    });
}

#[test]
fn try_recv_meets_a_busy_sender() {
    // A try_recv racing a sender that may be part-way (claimed, not yet
    // written): it returns at once, and leaves no registration behind that
    // could take the sender's news from the receive that follows.
    check(|kind| {
        let ch = make(kind);
        let tx = ch.clone();
        let sender = thread::spawn(move || {
            tx.send(1).unwrap();
            tx.send(2).unwrap();
        });
        let mut got: Vec<i32> = ch.try_recv().into_iter().collect();
        if let Ok(Ok(v)) = Select::new().recv(&ch, |r| r).try_select() {
            got.push(v);
        }
        while got.len() < 2 {
            got.push(ch.recv().unwrap());
        }
        sender.join().unwrap();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn try_send_meets_a_busy_receiver() {
    // A try_send on a full buffer racing a receiver that may be part-way
    // (claimed the value, not yet read it): it returns at once, and the
    // blocking send that follows is told of the freed slot.
    for cap in [1, 2] {
        loom::model(move || {
            let ch = Chan::new(cap);
            for i in 0..cap {
                ch.send(i).unwrap();
            }
            let rx = ch.clone();
            let receiver =
                thread::spawn(move || (0..cap + 1).map(|_| rx.recv().unwrap()).collect());
            let last = match ch.try_send(cap) {
                Ok(()) => cap,
                Err(e) => {
                    ch.send(cap + 1).unwrap();
                    assert_eq!(e.into_inner(), cap);
                    cap + 1
                }
            };
            let got: Vec<usize> = receiver.join().unwrap();
            let mut want: Vec<usize> = (0..cap).collect();
            want.push(last);
            assert_eq!(got, want);
        });
    }
}

#[test]
fn recv_future_dropped_while_handed_a_value() {
    // On a rendezvous channel a pending receive future is a waiting
    // receiver: a try_send racing its drop either finds it (and the value
    // is given back to the channel) or not (and the send fails). Never lost.
    loom::model(|| {
        let ch = Chan::new(0);
        let mut fut = ch.recv_async();
        assert!(poll_once(&mut fut).is_pending());
        let tx = ch.clone();
        let sender = thread::spawn(move || tx.try_send(1).is_ok());
        drop(fut);
        let sent = sender.join().unwrap();
        assert_eq!(ch.try_recv().ok(), sent.then_some(1));
    });
}
