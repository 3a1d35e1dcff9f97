//! The Rust side of the crossing's callgrind probes (`make -C bindings-c
//! probe`): `probe OP N` runs the rounds of probe.c from Rust, over the
//! core directly, as Rust code would write them.

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
        .expect("usage: probe mutex|mutex_try|spinlock|rwlock_read|chan|queue|map|spawn N");
    let n: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a round count");
    let mut sink = 0u64;
    match op.as_str() {
        "mutex" => {
            let m = RawMutex::new();
            for _ in 0..n {
                let m = black_box(&m);
                m.lock();
                m.unlock().expect("locked");
            }
        }
        "mutex_try" => {
            let m = RawMutex::new();
            for _ in 0..n {
                let m = black_box(&m);
                assert!(m.try_lock());
                m.unlock().expect("locked");
            }
        }
        "spinlock" => {
            let l = RawSpinLock::new();
            for _ in 0..n {
                let l = black_box(&l);
                l.lock();
                l.unlock().expect("locked");
            }
        }
        "rwlock_read" => {
            let l = RawRwLock::new();
            for _ in 0..n {
                let l = black_box(&l);
                l.read();
                l.unlock_read().expect("read-locked");
            }
        }
        "chan" => {
            let ch = Chan::<u64>::new(64);
            for i in 0..n {
                let ch = black_box(&ch);
                ch.try_send(i).expect("room");
                sink += ch.try_recv().expect("an element");
            }
        }
        "queue" => {
            let q = ArrayBlockingQueue::<u64>::new(64);
            for i in 0..n {
                let q = black_box(&q);
                q.add(i).expect("room");
                sink += q.remove().expect("an element");
            }
        }
        "map" => {
            let p = Promise::new();
            let f = p.future();
            p.success(21u64).expect("first completion");
            let ec = global();
            for _ in 0..n {
                let g = map_call(&f, &ec);
                sink += g.result(Duration::MAX).expect("a value");
            }
        }
        "spawn" => {
            let ec = global();
            for _ in 0..n {
                sink += spawn_call(&ec).result(Duration::MAX).expect("a value");
            }
        }
        _ => panic!("unknown op {op}"),
    }
    println!("{sink}");
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
