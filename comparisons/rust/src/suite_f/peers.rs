//! Suite F's peers of polyconc's futures, on rayon's global pool: jobs
//! answering on a crossbeam channel (kind `channel`), `rayon::scope` over
//! one slot per task (`join`) and `futures::channel::oneshot`, the
//! caller blocking on each receiver (`channel`). Each returns what its
//! workload must give, as polyconc's bodies do.

use futures::channel::oneshot;
use futures::executor::block_on;

use super::STAGES;

/// F1: `chains` chains of STAGES jobs, each spawning the next with the
/// value plus 1; the last sends the value on a channel.
pub fn spawn_chain(chains: u64) -> u64 {
    fn stage(v: u64, left: u64, done: crossbeam_channel::Sender<u64>) {
        if left == 0 {
            let _ = done.send(v);
        } else {
            rayon::spawn(move || stage(v + 1, left - 1, done));
        }
    }
    (0..chains)
        .map(|_| {
            let (done, result) = crossbeam_channel::bounded(1);
            stage(0, STAGES, done);
            result.recv().unwrap_or(0)
        })
        .sum()
}

/// F2: n jobs, job i sending i on one channel; the caller adds up n values.
pub fn spawn_fanout(n: u64) -> u64 {
    let (tx, rx) = crossbeam_channel::unbounded();
    for i in 1..=n {
        let tx = tx.clone();
        rayon::spawn(move || {
            let _ = tx.send(i);
        });
    }
    drop(tx);
    rx.iter().sum()
}

/// F2: n jobs in a `rayon::scope`, job i writing i to its own slot; the
/// scope ends when all have.
pub fn scope_fanout(n: u64) -> u64 {
    let mut slots = vec![0u64; n as usize];
    rayon::scope(|s| {
        for (i, slot) in (1..).zip(slots.iter_mut()) {
            s.spawn(move |_| *slot = i);
        }
    });
    slots.iter().sum()
}

/// F2: n jobs, job i answering i on its own oneshot; the caller blocks on
/// each receiver in turn.
pub fn oneshot_fanout(n: u64) -> u64 {
    let answers: Vec<_> = (1..=n)
        .map(|i| {
            let (tx, rx) = oneshot::channel();
            rayon::spawn(move || {
                let _ = tx.send(i);
            });
            rx
        })
        .collect();
    answers
        .into_iter()
        .map(|rx| block_on(rx).unwrap_or(0))
        .sum()
}

/// F3's message: the counter and the sender of the oneshot the answer goes
/// to.
struct Hop {
    value: u64,
    reply: oneshot::Sender<Hop>,
}

/// F3: the caller and a rayon job pass a counter r times back and forth,
/// each hop through a fresh oneshot made by the side that waits.
pub fn oneshot_handoff(r: u64) -> u64 {
    let (first, peer_inbox) = oneshot::channel::<Hop>();
    rayon::spawn(move || {
        let mut inbox = peer_inbox;
        for _ in 0..r {
            let Ok(h) = block_on(inbox) else {
                return;
            };
            let (reply, next) = oneshot::channel();
            inbox = next;
            let _ = h.reply.send(Hop {
                value: h.value + 1,
                reply,
            });
        }
    });
    let (mut inbox, mut v) = (first, 0);
    for _ in 0..r {
        let (reply, answer) = oneshot::channel();
        if inbox.send(Hop { value: v, reply }).is_err() {
            return 0;
        }
        let Ok(h) = block_on(answer) else {
            return 0;
        };
        v = h.value + 1;
        inbox = h.reply;
    }
    v
}
