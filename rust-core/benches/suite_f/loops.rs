//! Suite F's polyconc loops of `comparisons/WORKLOADS.md`, shared by the
//! criterion bench (`benches/future.rs`) and the instruction-count example
//! (`examples/future_counts.rs`), so that both measure the same code. F3's
//! protocol is written once, over any [`OneShot`] channel: the bench runs
//! it over `futures::channel::oneshot` too.

use std::hint::black_box;
use std::thread;
use std::time::Duration;

use polyconc::chan::Chan;
use polyconc::exec::ExecutionContext;
use polyconc::future::{future, sequence, Future, Promise};

/// Only a guard against a hang.
pub const WAIT: Duration = Duration::from_secs(600);

/// F1: `map(x + 1)` `stages` times from a completed future, then wait.
pub fn chain<E: ExecutionContext + Clone + 'static>(ec: &E, stages: u64) -> u64 {
    let mut f = Future::successful(0u64);
    for _ in 0..stages {
        f = f.map(ec, |v| v + 1);
    }
    f.result(WAIT).unwrap()
}

/// F2: `n` tasks returning their index, combined with `sequence`, summed
/// (`n (n - 1) / 2`).
pub fn fan_out<E: ExecutionContext + Clone + 'static>(ec: &E, n: u64) -> u64 {
    fan_out_of(ec, n, black_box)
}

/// F2's shape with `task(i)` as the work of task `i`: `n` futures on `ec`,
/// combined with `sequence`, and the sum of their values.
pub fn fan_out_of<E, F>(ec: &E, n: u64, task: F) -> u64
where
    E: ExecutionContext + Clone + 'static,
    F: Fn(u64) -> u64 + Copy + Send + 'static,
{
    let tasks = (0..n).map(|i| future(ec, move || task(i)));
    sequence(ec, tasks).result(WAIT).unwrap().iter().sum()
}

/// What F3 passes its ball over: a fresh one-shot channel per hop.
pub trait OneShot: Sized + 'static {
    /// The sending side, carried in the ball for the answer.
    type Sender: Send + 'static;
    /// The receiving side.
    type Receiver: Send + 'static;
    /// A fresh channel.
    fn channel() -> (Self::Sender, Self::Receiver);
    /// Sends the ball (an answer nobody waits for any more is dropped).
    fn send(to: Self::Sender, ball: Ball<Self>);
    /// Waits for the ball.
    fn recv(from: Self::Receiver) -> Ball<Self>;
}

/// One message of F3: the value and the fresh sender to answer on.
pub struct Ball<O: OneShot> {
    value: u64,
    reply: O::Sender,
}

impl<O: OneShot> Clone for Ball<O>
where
    O::Sender: Clone,
{
    fn clone(&self) -> Self {
        Ball {
            value: self.value,
            reply: self.reply.clone(),
        }
    }
}

/// F3: two threads pass a value back and forth over fresh one-shot
/// channels of `O`, `n` round trips; returns the final value (`2 n`).
pub fn hand_off_over<O: OneShot>(n: u64) -> u64 {
    let (first, inbox) = O::channel();
    let other = thread::spawn(move || {
        let mut inbox = inbox;
        loop {
            let ball = O::recv(inbox);
            let (next, rx) = O::channel();
            inbox = rx;
            let last = ball.value >= 2 * (n - 1);
            O::send(
                ball.reply,
                Ball {
                    value: ball.value + 1,
                    reply: next,
                },
            );
            if last {
                return;
            }
        }
    });
    let mut outbox = first;
    let mut value = 0;
    for _ in 0..n {
        let (reply, answer) = O::channel();
        O::send(outbox, Ball { value, reply });
        let ball = O::recv(answer);
        value = ball.value + 1;
        outbox = ball.reply;
    }
    other.join().unwrap();
    value
}

/// F3's one-shot channel in polyconc: a fresh promise per hop.
pub struct Promises;

impl OneShot for Promises {
    type Sender = Promise<Ball<Promises>>;
    type Receiver = Future<Ball<Promises>>;

    fn channel() -> (Self::Sender, Self::Receiver) {
        let p = Promise::new();
        let f = p.future();
        (p, f)
    }

    fn send(to: Self::Sender, ball: Ball<Self>) {
        to.success(ball).ok();
    }

    fn recv(from: Self::Receiver) -> Ball<Self> {
        from.result(WAIT).unwrap()
    }
}

/// F3 over polyconc's promises.
pub fn hand_off(n: u64) -> u64 {
    hand_off_over::<Promises>(n)
}

/// C6, F3's yardstick: the same `n` round trips over two `Chan::new(0)`;
/// returns the final value (`2 n`).
pub fn ping_pong(n: u64) -> u64 {
    let (ping, pong) = (Chan::new(0), Chan::new(0));
    let (p2, q2) = (ping.clone(), pong.clone());
    let other = thread::spawn(move || {
        for _ in 0..n {
            let v: u64 = p2.recv().unwrap();
            q2.send(v + 1).unwrap();
        }
    });
    let mut v = 0;
    for _ in 0..n {
        ping.send(v).unwrap();
        v = pong.recv().unwrap() + 1;
    }
    other.join().unwrap();
    v
}
