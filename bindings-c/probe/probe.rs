//! The Rust side of the crossing's callgrind probes (`make -C bindings-c
//! probe`): `probe OP N` runs the rounds of probe.c from Rust, over the
//! core directly, as Rust code would write them. Each probe is a function
//! of its own, kept out of line, so that what the compiler inlines into one
//! does not depend on the others.

use std::hint::black_box;
use std::time::Duration;

use polyconc::chan::Chan;
use polyconc::exec::{global, Global};
use polyconc::future::{future, Future, Promise};
use polyconc::queue::ArrayBlockingQueue;
use polyconc::sync::{RawMutex, RawRwLock, RawSpinLock};

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args
        .next()
        .expect("usage: probe mutex|mutex_try|spinlock|rwlock_read|chan|chan_wait|queue|queue_wait|promise|map|spawn N");
    let n: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a round count");
    let sink = match op.as_str() {
        "mutex" => mutex(n),
        "mutex_try" => mutex_try(n),
        "spinlock" => spinlock(n),
        "rwlock_read" => rwlock_read(n),
        "chan" => chan(n),
        "chan_wait" => chan_wait(n),
        "queue" => queue(n),
        "queue_wait" => queue_wait(n),
        "promise" => promise(n),
        "map" => map(n),
        "spawn" => spawn(n),
        _ => panic!("unknown op {op}"),
    };
    println!("{sink}");
}

#[inline(never)]
fn mutex(n: u64) -> u64 {
    let m = RawMutex::new();
    for _ in 0..n {
        let m = black_box(&m);
        m.lock();
        m.unlock().expect("locked");
    }
    0
}

#[inline(never)]
fn mutex_try(n: u64) -> u64 {
    let m = RawMutex::new();
    for _ in 0..n {
        let m = black_box(&m);
        assert!(m.try_lock());
        m.unlock().expect("locked");
    }
    0
}

#[inline(never)]
fn spinlock(n: u64) -> u64 {
    let l = RawSpinLock::new();
    for _ in 0..n {
        let l = black_box(&l);
        l.lock();
        l.unlock().expect("locked");
    }
    0
}

#[inline(never)]
fn rwlock_read(n: u64) -> u64 {
    let l = RawRwLock::new();
    for _ in 0..n {
        let l = black_box(&l);
        l.read();
        l.unlock_read().expect("read-locked");
    }
    0
}

#[inline(never)]
fn chan(n: u64) -> u64 {
    let ch = Chan::<u64>::new(64);
    let mut sink = 0;
    for i in 0..n {
        let ch = black_box(&ch);
        ch.try_send(i).expect("room");
        sink += ch.try_recv().expect("an element");
    }
    sink
}

#[inline(never)]
fn chan_wait(n: u64) -> u64 {
    let ch = Chan::<u64>::new(64);
    let mut sink = 0;
    for i in 0..n {
        let ch = black_box(&ch);
        ch.send(i).expect("open");
        sink += ch.recv().expect("an element");
    }
    sink
}

#[inline(never)]
fn queue_wait(n: u64) -> u64 {
    let q = ArrayBlockingQueue::<u64>::new(64);
    let mut sink = 0;
    for i in 0..n {
        let q = black_box(&q);
        q.put(i).expect("open");
        sink += q.take().expect("an element");
    }
    sink
}

#[inline(never)]
fn promise(n: u64) -> u64 {
    let mut sink = 0;
    for i in 0..n {
        let p = Promise::new();
        let f = black_box(p.future());
        p.success(i).expect("first completion");
        sink += f.result(Duration::MAX).expect("a value");
    }
    sink
}

#[inline(never)]
fn queue(n: u64) -> u64 {
    let q = ArrayBlockingQueue::<u64>::new(64);
    let mut sink = 0;
    for i in 0..n {
        let q = black_box(&q);
        q.add(i).expect("room");
        sink += q.remove().expect("an element");
    }
    sink
}

#[inline(never)]
fn map(n: u64) -> u64 {
    let p = Promise::new();
    let f = p.future();
    p.success(21u64).expect("first completion");
    let ec = global();
    let mut sink = 0;
    for _ in 0..n {
        sink += map_call(&f, &ec).result(Duration::MAX).expect("a value");
    }
    sink
}

#[inline(never)]
fn spawn(n: u64) -> u64 {
    let ec = global();
    let mut sink = 0;
    for _ in 0..n {
        sink += spawn_call(&ec).result(Duration::MAX).expect("a value");
    }
    sink
}

/// The combinator call alone, out of line so that callgrind can count the
/// instructions inside it (`--toggle-collect`), as inside `pc_future_map`.
#[inline(never)]
fn map_call(f: &Future<u64>, ec: &Global) -> Future<u64> {
    f.map(ec, |v| v * 2)
}

/// As `map_call`, for `pc_future_spawn`.
#[inline(never)]
fn spawn_call(ec: &Global) -> Future<u64> {
    future(ec, || 42u64)
}
