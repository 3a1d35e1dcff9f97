//! Ports of programs from Go's `test/` directory, written from their
//! scenarios: `test/chan/select3.go` (the blocking truth table),
//! `test/closedchan.go`, `test/chan/doubleselect.go`, `test/chan/fifo.go`
//! and `test/chan/sieve1.go`. Each test names the file it follows.
//!
//! Where Go panics (send on a closed channel, a second close) this channel
//! returns an error value instead; the tests pin those values. Go's nil
//! channel is a disabled (`None`) select case.

use std::collections::HashSet;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use polyconc::chan::{Chan, RecvError, Select, SendError, TryRecvError, TrySendError};

/// How long an operation that must block forever is watched before the
/// probe concludes it blocks. A probe can only miss a bug, never flag a
/// correct channel: nothing can complete an operation that blocks forever.
const BLOCK_PROBE: Duration = Duration::from_millis(100);

/// How long an operation that must not block may take, however loaded the
/// machine: generous, since a correct channel finishes it at once.
const COMPLETE_PROBE: Duration = Duration::from_secs(60);

/// Runs `f` on its own thread; the receiver hears when `f` returns.
fn run(f: impl FnOnce() + Send + 'static) -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    rx
}

/// Asserts `f` blocks forever (it is left blocked on its thread).
#[track_caller]
fn blocks(f: impl FnOnce() + Send + 'static) {
    assert_eq!(
        run(f).recv_timeout(BLOCK_PROBE),
        Err(mpsc::RecvTimeoutError::Timeout),
        "completed, but must block forever"
    );
}

/// Asserts `f` completes (without panicking).
#[track_caller]
fn completes(f: impl FnOnce() + Send + 'static) {
    assert_eq!(
        run(f).recv_timeout(COMPLETE_PROBE),
        Ok(()),
        "blocked or panicked, but must complete at once"
    );
}

fn closed_rendezvous() -> Chan<i32> {
    let c = Chan::new(0);
    c.close();
    c
}

const NIL: Option<&Chan<i32>> = None;

// test/chan/select3.go: which operations and selects block, and which never do.

#[test]
fn select3_disabled_cases_block() {
    // Go: sending to or receiving from a nil channel blocks; a select with
    // only nil channels blocks; nil cases are never selected.
    blocks(|| {
        Select::new().send(NIL, 7, |_| unreachable!()).select();
    });
    blocks(|| {
        Select::new().recv(NIL, |_| unreachable!()).select();
    });
    blocks(|| {
        Select::new()
            .recv(NIL, |_| unreachable!())
            .send(NIL, 7, |_| unreachable!())
            .select();
    });
    completes(|| {
        assert!(Select::new()
            .send(NIL, 7, |_| unreachable!())
            .try_select()
            .is_err());
    });
    completes(|| {
        assert!(Select::new()
            .recv(NIL, |_| unreachable!())
            .try_select()
            .is_err());
    });
}

#[test]
fn select3_empty_select_blocks() {
    blocks(|| Select::<()>::new().select());
    // ... unless it has a default.
    completes(|| assert!(Select::<()>::new().try_select().is_err()));
}

#[test]
fn select3_buffered_send_with_room_never_blocks() {
    completes(|| Chan::new(1).send(7).unwrap());
    completes(|| {
        let ch = Chan::new(1);
        let fired = Select::new()
            .send(&ch, 7, |r| r.is_ok())
            .try_select()
            .expect("a send with room is ready");
        assert!(fired);
        assert_eq!(ch.try_recv(), Ok(7));
    });
}

#[test]
fn select3_ready_receive_never_blocks() {
    completes(|| {
        let ch = Chan::new(1);
        ch.send(7).unwrap();
        let got = Select::new()
            .recv(&ch, |r| r)
            .try_select()
            .expect("a buffered value is ready");
        assert_eq!(got, Ok(7));
    });
}

#[test]
fn select3_closed_channel_never_blocks() {
    completes(|| {
        let c = closed_rendezvous();
        for _ in 0..10 {
            assert_eq!(c.recv(), Err(RecvError));
            assert_eq!(c.try_recv(), Err(TryRecvError::Closed));
        }
    });
    // Selects on a closed channel behave like the plain operations.
    completes(|| {
        let c = closed_rendezvous();
        assert_eq!(Select::new().recv(&c, |r| r).select(), Err(RecvError));
    });
    // Go panics on a send to a closed channel; here the value comes back.
    completes(|| assert_eq!(closed_rendezvous().send(7), Err(SendError(7))));
    completes(|| {
        let c = closed_rendezvous();
        assert_eq!(Select::new().send(&c, 7, |r| r).select(), Err(SendError(7)));
    });
}

#[test]
fn select3_not_ready_blocks() {
    blocks(|| {
        let _ = Chan::<i32>::new(0).recv();
    });
    blocks(|| {
        let ch = Chan::<i32>::new(0);
        Select::new().recv(&ch, |_| unreachable!()).select();
    });
    // A select must not pair its own send with its own receive.
    blocks(|| {
        let c = Chan::new(0);
        Select::new()
            .send(&c, 1, |_| unreachable!())
            .recv(&c, |_| unreachable!())
            .select();
    });
}

// test/closedchan.go: every way of receiving from and sending to a closed
// channel, through plain operations, a one-case select and a select with an
// extra never-ready case.

/// The channel operations closedchan.go runs, done in one of three ways.
trait Ops {
    fn send(&self, c: &Chan<i32>, x: i32) -> Result<(), SendError<i32>>;
    fn try_send(&self, c: &Chan<i32>, x: i32) -> Result<(), TrySendError<i32>>;
    fn recv(&self, c: &Chan<i32>) -> Result<i32, RecvError>;
    fn try_recv(&self, c: &Chan<i32>) -> Result<i32, TryRecvError>;
}

/// Plain channel operations.
struct Direct;

impl Ops for Direct {
    fn send(&self, c: &Chan<i32>, x: i32) -> Result<(), SendError<i32>> {
        c.send(x)
    }
    fn try_send(&self, c: &Chan<i32>, x: i32) -> Result<(), TrySendError<i32>> {
        c.try_send(x)
    }
    fn recv(&self, c: &Chan<i32>) -> Result<i32, RecvError> {
        c.recv()
    }
    fn try_recv(&self, c: &Chan<i32>) -> Result<i32, TryRecvError> {
        c.try_recv()
    }
}

/// Operations through selects; with `dummy`, each select also has a case
/// on a channel that is never ready.
struct Selects {
    dummy: Option<Chan<i32>>,
}

impl Ops for Selects {
    fn send(&self, c: &Chan<i32>, x: i32) -> Result<(), SendError<i32>> {
        Select::new()
            .send(c, x, |r| r)
            .recv(self.dummy.as_ref(), |_| unreachable!())
            .select()
    }
    fn try_send(&self, c: &Chan<i32>, x: i32) -> Result<(), TrySendError<i32>> {
        Select::new()
            .recv(self.dummy.as_ref(), |_| unreachable!())
            .send(c, x, |r| r.map_err(|SendError(v)| TrySendError::Closed(v)))
            .try_select()
            .unwrap_or(Err(TrySendError::Full(x)))
    }
    fn recv(&self, c: &Chan<i32>) -> Result<i32, RecvError> {
        Select::new()
            .recv(self.dummy.as_ref(), |_| unreachable!())
            .recv(c, |r| r)
            .select()
    }
    fn try_recv(&self, c: &Chan<i32>) -> Result<i32, TryRecvError> {
        Select::new()
            .recv(c, |r| r.map_err(|RecvError| TryRecvError::Closed))
            .recv(self.dummy.as_ref(), |_| unreachable!())
            .try_select()
            .unwrap_or(Err(TryRecvError::Empty))
    }
}

fn all_ops() -> Vec<(&'static str, Box<dyn Ops>)> {
    vec![
        ("direct", Box::new(Direct)),
        ("select", Box::new(Selects { dummy: None })),
        (
            "select with a dummy case",
            Box::new(Selects {
                dummy: Some(Chan::new(0)),
            }),
        ),
    ]
}

/// closedchan.go's test1: `c` is closed and drained.
fn closed_and_drained(ops: &dyn Ops, c: &Chan<i32>, how: &str) {
    for _ in 0..3 {
        assert_eq!(ops.recv(c), Err(RecvError), "{how}");
        // A non-blocking receive is "selected": it fails with Closed, not Empty.
        assert_eq!(ops.try_recv(c), Err(TryRecvError::Closed), "{how}");
    }
    // Go panics; here the value comes back, and is never received.
    assert_eq!(ops.try_send(c, 1), Err(TrySendError::Closed(1)), "{how}");
    assert_eq!(ops.recv(c), Err(RecvError), "{how}");
    assert_eq!(ops.send(c, 2), Err(SendError(2)), "{how}");
    assert_eq!(ops.recv(c), Err(RecvError), "{how}");
    // Go panics on a second close; here it reports that it did nothing.
    assert!(!c.close(), "{how}: second close");
}

#[test]
fn closedchan_rendezvous() {
    for (how, ops) in all_ops() {
        closed_and_drained(ops.as_ref(), &closed_rendezvous(), how);
    }
}

#[test]
fn closedchan_buffered() {
    // The value buffered before the close is received first, by any of the
    // four kinds of receive (closedchan.go's testasync1..4).
    type FirstRecv = fn(&dyn Ops, &Chan<i32>) -> Option<i32>;
    let first_recvs: [(&str, FirstRecv); 2] = [
        ("recv", |ops, c| ops.recv(c).ok()),
        ("try_recv", |ops, c| ops.try_recv(c).ok()),
    ];
    for (how, ops) in all_ops() {
        for (first, recv) in first_recvs {
            let c = Chan::new(2);
            c.send(1).unwrap();
            assert!(c.close());
            assert_eq!(recv(ops.as_ref(), &c), Some(1), "{how}, {first}");
            closed_and_drained(ops.as_ref(), &c, how);
        }
    }
}

#[test]
fn doubleselect() {
    // test/chan/doubleselect.go: a select over four rendezvous channels
    // must fire exactly one case per iteration. Four forwarders merge the
    // channels into one; a duplicate (or a lost) value means a select fired
    // two cases (or none).
    const N: u32 = 10_000;
    let cs: Vec<Chan<u32>> = (0..4).map(|_| Chan::new(0)).collect();
    let merged = Chan::new(0);
    let sender = {
        let cs = cs.clone();
        thread::spawn(move || {
            for i in 0..N {
                Select::new()
                    .send(&cs[0], i, |r| r.unwrap())
                    .send(&cs[1], i, |r| r.unwrap())
                    .send(&cs[2], i, |r| r.unwrap())
                    .send(&cs[3], i, |r| r.unwrap())
                    .select();
            }
            cs.iter().for_each(|c| {
                c.close();
            });
        })
    };
    let muxes: Vec<_> = cs
        .iter()
        .map(|c| {
            let (c, merged) = (c.clone(), merged.clone());
            thread::spawn(move || {
                for v in c {
                    merged.send(v).unwrap();
                }
            })
        })
        .collect();
    let closer = {
        let merged = merged.clone();
        thread::spawn(move || {
            muxes.into_iter().for_each(|m| m.join().unwrap());
            merged.close();
        })
    };
    let mut seen = HashSet::new();
    for v in &merged {
        assert!(seen.insert(v), "got duplicate value {v}");
    }
    sender.join().unwrap();
    closer.join().unwrap();
    assert_eq!(seen.len(), N as usize, "lost values");
}

#[test]
fn fifo_buffered() {
    // test/chan/fifo.go, AsynchFifo.
    const N: i32 = 10;
    let ch = Chan::new(N as usize);
    for i in 0..N {
        ch.send(i).unwrap();
    }
    for i in 0..N {
        assert_eq!(ch.recv(), Ok(i), "bad receive");
    }
}

#[test]
fn fifo_rendezvous_daisy_chain() {
    // test/chan/fifo.go, SynchFifo: a chain of threads, each waiting for its
    // predecessor's go-ahead, reads the values of a rendezvous channel in
    // the order they were sent.
    const N: i32 = 10;
    let ch = Chan::new(0);
    let start = Chan::new(0);
    let mut inp = start.clone();
    let mut links = Vec::new();
    for i in 0..N {
        let out = Chan::new(0);
        let (ch, go_ahead, out2) = (ch.clone(), inp.clone(), out.clone());
        links.push(thread::spawn(move || {
            go_ahead.recv().unwrap();
            assert_eq!(ch.recv(), Ok(i), "link {i} got a value out of order");
            out2.send(1).unwrap();
        }));
        inp = out;
    }
    start.send(0).unwrap();
    for i in 0..N {
        ch.send(i).unwrap();
    }
    assert_eq!(inp.recv(), Ok(1));
    links.into_iter().for_each(|l| l.join().unwrap());
}

#[test]
fn sieve() {
    // test/chan/sieve1.go: the primes below 100 through a daisy chain of
    // filter threads over rendezvous channels. Go's generator runs forever;
    // here it stops at 100 and each stage closes its output when its input
    // is closed, so the whole chain winds down through close.
    const PRIMES: [u32; 25] = [
        2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89,
        97,
    ];
    let primes = Chan::new(0);
    let sieve = {
        let primes = primes.clone();
        thread::spawn(move || {
            let mut ch = Chan::new(0);
            let gen = ch.clone();
            let mut stages = vec![thread::spawn(move || {
                for i in 2..100u32 {
                    gen.send(i).unwrap();
                }
                gen.close();
            })];
            while let Ok(prime) = ch.recv() {
                primes.send(prime).unwrap();
                let next = Chan::new(0);
                let (inp, out) = (ch, next.clone());
                stages.push(thread::spawn(move || {
                    for i in &inp {
                        if i % prime != 0 {
                            out.send(i).unwrap();
                        }
                    }
                    out.close();
                }));
                ch = next;
            }
            primes.close();
            stages.into_iter().for_each(|s| s.join().unwrap());
        })
    };
    assert_eq!(primes.iter().collect::<Vec<_>>(), PRIMES);
    sieve.join().unwrap();
}
