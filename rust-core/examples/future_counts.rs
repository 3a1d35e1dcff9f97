//! Suite F's loops of `benches/future.rs` as a plain binary, for counting
//! instructions per task or per hand-off under callgrind (timing on a
//! shared machine means little; instruction counts compare builds):
//!
//! ```sh
//! cargo build --release -p polyconc --example future_counts
//! for n in 2000 22000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/f2.$n \
//!     target/release/examples/future_counts f2 $n
//! done
//! ```
//!
//! The difference of the two totals over the 20,000 extra tasks is the
//! cost of one. `f1` is a `map` chain on the global pool, `f2` the fan-out
//! (`future` + `sequence`), `f3` the hand-off between two threads through
//! fresh promises, `c6` the channel's ping-pong that F3 is measured against.

use std::hint::black_box;
use std::thread;
use std::time::Duration;

use polyconc::chan::Chan;
use polyconc::exec::global;
use polyconc::future::{future, sequence, Future, Promise};

const WAIT: Duration = Duration::from_secs(600);

fn f1(n: u64) -> u64 {
    let ec = global();
    let mut f = Future::successful(0u64);
    for _ in 0..n {
        f = f.map(&ec, |v| v + 1);
    }
    f.result(WAIT).unwrap()
}

fn f2(n: u64) -> u64 {
    let ec = global();
    let tasks = (0..n).map(|i| future(&ec, move || black_box(i)));
    sequence(&ec, tasks).result(WAIT).unwrap().iter().sum()
}

/// One message of F3: the value and the fresh promise to answer on.
#[derive(Clone)]
struct Ball {
    value: u64,
    reply: Promise<Ball>,
}

fn f3(n: u64) -> u64 {
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

fn c6(n: u64) -> u64 {
    let (ping, pong) = (Chan::new(0), Chan::new(0));
    let other = {
        let (ping, pong) = (ping.clone(), pong.clone());
        thread::spawn(move || {
            for v in &ping {
                pong.send(v + 1).unwrap();
            }
        })
    };
    let mut value = 0;
    for _ in 0..n {
        ping.send(value).unwrap();
        value = pong.recv().unwrap() + 1;
    }
    ping.close();
    other.join().unwrap();
    value
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_default();
    let n: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let (got, want) = match which.as_str() {
        "f1" => (f1(n), n),
        "f2" => (f2(n), n * (n - 1) / 2),
        "f3" => (f3(n), 2 * n),
        "c6" => (c6(n), 2 * n),
        _ => {
            eprintln!("usage: future_counts f1|f2|f3|c6 [n]");
            std::process::exit(2);
        }
    };
    assert_eq!(got, want, "{which} {n}");
    println!("{which} {n}: {got}");
}
