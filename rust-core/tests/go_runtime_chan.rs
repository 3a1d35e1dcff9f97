//! Ports of the scenarios of Go's `src/runtime/chan_test.go` (TestChan,
//! TestNonblockRecvRace, TestNonblockSelectRace, TestNonblockSelectRace2,
//! TestSelfSelect, TestSelectStress, TestSelectFairness, TestPseudoRandomSend,
//! TestMultiConsumer, TestSelectDuplicateChannel), written from the scenarios.
//!
//! Adaptations: Go's goroutines are threads; a receive from a closed channel
//! is `Err(RecvError)` rather than a zero value; iteration counts are those of
//! Go's `-short` mode (or smaller), so the suite stays quick in debug builds.
//!
//! Probes of "this blocks" only ever assert that an operation which must
//! block forever has *not* completed after a short while, so a slow machine
//! can make them miss a bug but never fail a correct channel.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, RecvError, Select, TryRecvError, TrySendError};

/// How long a probe lets an operation that must block forever run before
/// checking that it has indeed not completed.
const PROBE: Duration = Duration::from_millis(5);

/// Go runs TestChan for capacities 0..200 (0..20 with -short).
const MAX_CAP: usize = 20;

/// One TestChan round on `c`, a fresh channel of capacity `cap` (`None`:
/// unbounded, which skips the "send to a full channel blocks" part).
fn test_chan_round(make: &dyn Fn() -> Chan<i32>, cap: Option<usize>) {
    let label = format!("chan[{cap:?}]");
    let filled = cap.unwrap_or(5);

    // A receive from an empty channel blocks; a non-blocking one does not.
    {
        let c = make();
        let got1 = Arc::new(AtomicBool::new(false));
        let got2 = Arc::new(AtomicBool::new(false));
        let r1 = {
            let (c, got) = (c.clone(), got1.clone());
            thread::spawn(move || {
                c.recv().unwrap();
                got.store(true, Ordering::SeqCst);
            })
        };
        let r2 = {
            let (c, got) = (c.clone(), got2.clone());
            thread::spawn(move || {
                c.iter().next().unwrap();
                got.store(true, Ordering::SeqCst);
            })
        };
        thread::sleep(PROBE);
        assert!(
            !got1.load(Ordering::SeqCst) && !got2.load(Ordering::SeqCst),
            "{label}: receive from empty chan completed"
        );
        assert_eq!(c.try_recv(), Err(TryRecvError::Empty), "{label}");
        assert!(
            Select::new().recv(&c, |_| ()).try_select().is_err(),
            "{label}: select received from empty chan"
        );
        c.send(0).unwrap();
        c.send(0).unwrap();
        r1.join().unwrap();
        r2.join().unwrap();
        assert!(got1.load(Ordering::SeqCst) && got2.load(Ordering::SeqCst));
    }

    // A send to a full channel blocks; a non-blocking one does not.
    if let Some(cap) = cap {
        let c = make();
        for i in 0..cap as i32 {
            c.send(i).unwrap();
        }
        let sent = Arc::new(AtomicBool::new(false));
        let s = {
            let (c, sent) = (c.clone(), sent.clone());
            thread::spawn(move || {
                c.send(0).unwrap();
                sent.store(true, Ordering::SeqCst);
            })
        };
        thread::sleep(PROBE);
        assert!(
            !sent.load(Ordering::SeqCst),
            "{label}: send to full chan completed"
        );
        assert_eq!(c.try_send(7), Err(TrySendError::Full(7)), "{label}");
        assert!(
            Select::new().send(&c, 7, |_| ()).try_select().is_err(),
            "{label}: select sent to full chan"
        );
        c.recv().unwrap();
        s.join().unwrap();
        assert!(sent.load(Ordering::SeqCst));
    }

    // Buffered values survive the close, in order; then receives fail.
    {
        let c = make();
        for i in 0..filled as i32 {
            c.send(i).unwrap();
        }
        assert!(c.close());
        for i in 0..filled as i32 {
            assert_eq!(c.recv(), Ok(i), "{label}: after close");
        }
        assert_eq!(c.recv(), Err(RecvError), "{label}");
        assert_eq!(c.recv(), Err(RecvError), "{label}");
        assert_eq!(c.try_recv(), Err(TryRecvError::Closed), "{label}");
    }

    // Close unblocks a blocked receive.
    {
        let c = make();
        let r = {
            let c = c.clone();
            thread::spawn(move || c.recv())
        };
        thread::sleep(PROBE);
        c.close();
        assert_eq!(r.join().unwrap(), Err(RecvError), "{label}");
    }

    // 100 integers arrive uncorrupted and in FIFO order (twice, through
    // recv and through a select).
    {
        let c = make();
        let spawn_sender = || {
            let c = c.clone();
            thread::spawn(move || {
                for i in 0..100 {
                    c.send(i).unwrap();
                }
            })
        };
        let s = spawn_sender();
        for i in 0..100 {
            assert_eq!(c.recv(), Ok(i), "{label}: FIFO");
        }
        s.join().unwrap();
        let s = spawn_sender();
        for i in 0..100 {
            let v = Select::new().recv(&c, |r| r).select();
            assert_eq!(v, Ok(i), "{label}: FIFO through select");
        }
        s.join().unwrap();

        // 4 producers send 0..1000 each; 4 consumers take 1000 each; every
        // value arrives exactly 4 times.
        const P: usize = 4;
        const L: i32 = 1000;
        let producers: Vec<_> = (0..P)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || {
                    for i in 0..L {
                        c.send(i).unwrap();
                    }
                })
            })
            .collect();
        let consumers: Vec<_> = (0..P)
            .map(|_| {
                let c = c.clone();
                thread::spawn(move || {
                    let mut seen = HashMap::new();
                    for _ in 0..L {
                        *seen.entry(c.recv().unwrap()).or_insert(0) += 1;
                    }
                    seen
                })
            })
            .collect();
        producers.into_iter().for_each(|p| p.join().unwrap());
        let mut total: HashMap<i32, usize> = HashMap::new();
        for consumer in consumers {
            for (k, n) in consumer.join().unwrap() {
                *total.entry(k).or_insert(0) += n;
            }
        }
        assert_eq!(total.len(), L as usize, "{label}: distinct values");
        assert!(total.values().all(|&n| n == P), "{label}: {total:?}");
    }

    // len and capacity.
    {
        let c = make();
        assert_eq!((c.len(), c.capacity()), (0, cap), "{label}");
        for i in 0..filled as i32 {
            c.send(i).unwrap();
        }
        assert_eq!((c.len(), c.capacity()), (filled, cap), "{label}");
    }
}

#[test]
fn test_chan() {
    for cap in 0..MAX_CAP {
        test_chan_round(&|| Chan::new(cap), Some(cap));
    }
    test_chan_round(&Chan::unbounded, None);
}

#[test]
fn test_nonblock_recv_race() {
    for _ in 0..1000 {
        let c = Chan::new(1);
        c.send(1).unwrap();
        let t = {
            let c = c.clone();
            // The value is there before the thread starts, and the close
            // keeps the channel ready: the non-blocking receive must fire.
            thread::spawn(move || Select::new().recv(&c, |_| ()).try_select().is_ok())
        };
        c.close();
        // Either the thread took the value or it is still here.
        let _ = c.recv();
        assert!(t.join().unwrap(), "chan is not ready");
    }
}

/// TestNonblockSelectRace and TestNonblockSelectRace2: from the moment the
/// thread starts, c1 or c2 is always ready, so a select with `default` must
/// never take `default` (it acts on one instant, not a smeared window).
fn nonblock_select_race(make_c2_ready: impl Fn(&Chan<i32>), c2_cap: usize) {
    for _ in 0..2000 {
        let c1 = Chan::new(1);
        let c2 = Chan::new(c2_cap);
        c1.send(1).unwrap();
        let t = {
            let (c1, c2) = (c1.clone(), c2.clone());
            thread::spawn(move || {
                Select::new()
                    .recv(&c1, |_| ())
                    .recv(&c2, |_| ())
                    .try_select()
                    .is_ok()
            })
        };
        make_c2_ready(&c2);
        let _ = c1.try_recv();
        assert!(t.join().unwrap(), "no chan is ready");
    }
}

#[test]
fn test_nonblock_select_race() {
    nonblock_select_race(|c2| c2.send(1).unwrap(), 1);
}

#[test]
fn test_nonblock_select_race2() {
    nonblock_select_race(
        |c2| {
            c2.close();
        },
        0,
    );
}

#[test]
fn test_self_select() {
    // A select with a send and a receive case on one channel neither
    // deadlocks nor, on a rendezvous channel, receives its own value.
    for cap in [0, 10] {
        let c = Chan::new(cap);
        let threads: Vec<_> = (0..2)
            .map(|p: i32| {
                let c = c.clone();
                thread::spawn(move || {
                    for i in 0..1000 {
                        let check = |r: Result<i32, RecvError>| {
                            let v = r.expect("channel is never closed");
                            assert!(!(cap == 0 && v == p), "self receive");
                        };
                        let send_first = p == 0 || i % 2 == 0;
                        let sel = if send_first {
                            Select::new().send(&c, p, |r| r.unwrap()).recv(&c, check)
                        } else {
                            Select::new().recv(&c, check).send(&c, p, |r| r.unwrap())
                        };
                        sel.select();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
    }
}

#[test]
fn test_select_stress() {
    // Go uses 1e5 (1e4 with -short).
    const N: usize = 10_000;
    let c = [Chan::new(0), Chan::new(0), Chan::new(2), Chan::new(3)];
    let mut threads = Vec::new();
    for ck in &c {
        let tx = ck.clone();
        threads.push(thread::spawn(move || {
            for _ in 0..N {
                tx.send(0).unwrap();
            }
        }));
        let rx = ck.clone();
        threads.push(thread::spawn(move || {
            for _ in 0..N {
                rx.recv().unwrap();
            }
        }));
    }
    // One thread sends N values on each channel in a single select, a case
    // disabled once its channel has had its N; another receives likewise.
    let cs = c.clone();
    threads.push(thread::spawn(move || {
        let mut n = [0; 4];
        for _ in 0..4 * N {
            let live = |k: usize| (n[k] < N).then_some(&cs[k]);
            let k = Select::new()
                .send(live(3), 0, |r| r.map(|_| 3))
                .send(live(2), 0, |r| r.map(|_| 2))
                .send(live(0), 0, |r| r.map(|_| 0))
                .send(live(1), 0, |r| r.map(|_| 1))
                .select()
                .unwrap();
            n[k] += 1;
        }
        assert_eq!(n, [N; 4]);
    }));
    let cr = c.clone();
    threads.push(thread::spawn(move || {
        let mut n = [0; 4];
        for _ in 0..4 * N {
            let live = |k: usize| (n[k] < N).then_some(&cr[k]);
            let k = Select::new()
                .recv(live(0), |r| r.map(|_| 0))
                .recv(live(1), |r| r.map(|_| 1))
                .recv(live(2), |r| r.map(|_| 2))
                .recv(live(3), |r| r.map(|_| 3))
                .select()
                .unwrap();
            n[k] += 1;
        }
        assert_eq!(n, [N; 4]);
    }));
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert!(c.iter().all(|c| c.is_empty()));
}

#[test]
fn test_select_fairness() {
    const TRIALS: usize = 10_000;
    let c1 = Chan::new(TRIALS + 1);
    let c2 = Chan::new(TRIALS + 1);
    for _ in 0..=TRIALS {
        c1.send(1u8).unwrap();
        c2.send(2u8).unwrap();
    }
    let (c3, c4) = (Chan::<u8>::new(0), Chan::<u8>::new(0));
    let out = Chan::new(0);
    let done = Chan::<()>::new(0);
    let t = {
        let (out, done) = (out.clone(), done.clone());
        thread::spawn(move || loop {
            let b = Select::new()
                .recv(&c3, |r| r)
                .recv(&c4, |r| r)
                .recv(&c1, |r| r)
                .recv(&c2, |r| r)
                .select()
                .unwrap();
            let stop = Select::new()
                .send(&out, b, |_| false)
                .recv(&done, |_| true)
                .select();
            if stop {
                return;
            }
        })
    };
    let (mut cnt1, mut cnt2) = (0usize, 0usize);
    for _ in 0..TRIALS {
        match out.recv().unwrap() {
            1 => cnt1 += 1,
            2 => cnt2 += 1,
            b => panic!("unexpected value {b} on channel"),
        }
    }
    done.close();
    t.join().unwrap();
    // A fair select makes cnt1 ~ Binomial(TRIALS, 1/2). By Hoeffding,
    // P(|cnt1 - TRIALS/2| >= t) <= 2 exp(-2 t^2 / TRIALS); with t = 500
    // (Go's 10 sigma) that is 2 e^-50 < 4e-22: a fair select never fails.
    let dev = cnt1.abs_diff(TRIALS / 2);
    assert!(
        dev < 500,
        "unfair select: in {TRIALS} trials, results were {cnt1}, {cnt2}"
    );
}

#[test]
fn test_pseudo_random_send() {
    const N: usize = 100;
    for cap in [0, N] {
        let c = Chan::new(cap);
        let r = {
            let c = c.clone();
            thread::spawn(move || {
                (0..N)
                    .map(|_| {
                        // Let the select get queued first, so that on a
                        // rendezvous channel both of its cases wait.
                        thread::yield_now();
                        c.recv().unwrap()
                    })
                    .collect::<Vec<usize>>()
            })
        };
        for _ in 0..N {
            Select::new()
                .send(&c, 1, |r| r.unwrap())
                .send(&c, 0, |r| r.unwrap())
                .select();
        }
        let got = r.join().unwrap();
        let ones: usize = got.iter().sum();
        let zeros = N - ones;
        // Each choice is a fair coin: by Hoeffding, P(either count <= N/10)
        // <= 2 exp(-2 * 40^2 / 100) < 3e-14.
        assert!(
            zeros > N / 10 && ones > N / 10,
            "want pseudorandom, got {zeros} zeros and {ones} ones (chan cap {cap})"
        );
    }
}

#[test]
fn test_multi_consumer() {
    const NWORK: usize = 23;
    // Go uses 271828; a tenth keeps debug builds quick.
    const NITER: usize = 27_182;
    const PN: [usize; 10] = [2, 3, 7, 11, 13, 17, 19, 23, 27, 31];

    let q = Chan::new(NWORK * 3);
    let r = Chan::new(NWORK * 3);
    let pending = Arc::new(AtomicUsize::new(NWORK));
    for w in 0..NWORK {
        let (q, r, pending) = (q.clone(), r.clone(), pending.clone());
        thread::spawn(move || {
            for v in &q {
                // Mess with the FIFO-ish order of the workers.
                if PN[w % PN.len()] == v {
                    thread::yield_now();
                }
                r.send(v).unwrap();
            }
            // The last worker out closes the results.
            if pending.fetch_sub(1, Ordering::AcqRel) == 1 {
                r.close();
            }
        });
    }
    let feeder = {
        let q = q.clone();
        thread::spawn(move || {
            let mut expect = 0;
            for i in 0..NITER {
                let v = PN[i % PN.len()];
                expect += v;
                q.send(v).unwrap();
            }
            q.close();
            expect
        })
    };
    let (mut n, mut s) = (0, 0);
    for v in &r {
        n += 1;
        s += v;
    }
    let expect = feeder.join().unwrap();
    assert_eq!(
        (n, s),
        (NITER, expect),
        "expected {NITER} values summing to {expect}"
    );
}

#[test]
fn test_select_duplicate_channel() {
    // A select may queue one waiter on the same channel several times;
    // dequeuing it must leave the channel's other waiters intact.
    let c = Chan::<i32>::new(0);
    let d = Chan::<i32>::new(0);
    let e = Chan::<i32>::new(0);
    let a = {
        let (c, d, e) = (c.clone(), d.clone(), e.clone());
        thread::spawn(move || {
            Select::new()
                .recv(&c, |_| ())
                .recv(&c, |_| ())
                .recv(&d, |_| ())
                .select();
            e.send(9).unwrap();
        })
    };
    thread::sleep(PROBE); // A queues first on c
    let b = {
        let c = c.clone();
        thread::spawn(move || c.recv())
    };
    thread::sleep(PROBE); // then B queues on c
    d.send(7).unwrap(); // wakes A, which dequeues itself from c
    assert_eq!(e.recv(), Ok(9));
    c.send(8).unwrap(); // must reach B, not A's stale entries
    assert_eq!(b.join().unwrap(), Ok(8));
    a.join().unwrap();
}
