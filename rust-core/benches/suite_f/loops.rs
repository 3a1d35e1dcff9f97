//! Suite F's polyconc loops of `comparisons/WORKLOADS.md`, shared by the
//! criterion bench (`benches/future.rs`) and the instruction-count example
//! (`examples/future_counts.rs`), so that both measure the same code.

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
    let tasks = (0..n).map(|i| future(ec, move || black_box(i)));
    sequence(ec, tasks).result(WAIT).unwrap().iter().sum()
}

/// One message of F3: the value and the fresh promise to answer on.
#[derive(Clone)]
struct Ball {
    value: u64,
    reply: Promise<Ball>,
}

/// F3: two threads pass a value back and forth through fresh promises,
/// `n` round trips; returns the final value (`2 n`).
pub fn hand_off(n: u64) -> u64 {
    let first = Promise::<Ball>::new();
    let inbox = first.future();
    let other = thread::spawn(move || {
        let mut inbox = inbox;
        loop {
            let ball = inbox.result(WAIT).unwrap();
            let next = Promise::new();
            inbox = next.future();
            let last = ball.value >= 2 * (n - 1);
            ball.reply
                .success(Ball {
                    value: ball.value + 1,
                    reply: next,
                })
                .ok();
            if last {
                return;
            }
        }
    });
    let mut outbox = first;
    let mut value = 0;
    for _ in 0..n {
        let reply = Promise::new();
        let answer = reply.future();
        outbox.success(Ball { value, reply }).ok();
        let ball = answer.result(WAIT).unwrap();
        value = ball.value + 1;
        outbox = ball.reply;
    }
    other.join().unwrap();
    value
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
