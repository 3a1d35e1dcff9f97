//! The timed bodies of suite C's workload families, generic over a
//! `Channel`: one thread (C1), producers and consumers on one channel
//! (C2–C4), a select over one channel per producer (C5) and a ping-pong
//! (C6) (part of `workloads`).

use std::thread;

use super::{keep, Body, Channel, Config, Workload};

/// The body of one run of `config` on `I`, its channels made; `None` when
/// `I` cannot express it.
pub(super) fn prepare_on<I: Channel>(config: &Config) -> Option<Body> {
    if !I::has(config.capacity) {
        return None;
    }
    match config.workload {
        Workload::C1 => Some(seq::<I>(config)),
        Workload::C2 | Workload::C3 | Workload::C4 => shared::<I>(config),
        Workload::C5 => select::<I>(config),
        Workload::C6 => Some(ping_pong::<I>(config)),
    }
}

/// The contiguous share `lo..=hi` of 1..=m that producer `p` of `n` sends;
/// shares differ by at most one message when `n` does not divide `m`.
fn share(m: u64, p: usize, n: usize) -> (u64, u64) {
    let (p, n) = (p as u64, n as u64);
    (p * m / n + 1, (p + 1) * m / n)
}

/// C1: one thread fills the channel, then drains it.
fn seq<I: Channel>(config: &Config) -> Body {
    let (tx, rx) = I::channel(config.capacity);
    let m = config.messages;
    Box::new(move || {
        for i in 1..=m {
            I::send(&tx, i);
        }
        let sum = (0..m)
            .map(|_| I::recv(&rx).expect("C1: the channel holds every message sent"))
            .sum();
        keep((tx, rx));
        sum
    })
}

/// C2–C4: producers and consumers share one channel, closed once every
/// producer is done so that the consumers' receive loops end. The
/// consumers start first, then the producers (WORKLOADS.md: a producer
/// started first would fill the buffer before anyone receives).
fn shared<I: Channel>(config: &Config) -> Option<Body> {
    let (tx, rx) = I::channel(config.capacity);
    let mut receivers = Vec::with_capacity(config.consumers);
    for _ in 1..config.consumers {
        receivers.push(I::clone_rx(&rx)?);
    }
    receivers.push(rx);
    let (m, producers) = (config.messages, config.producers);
    Some(Box::new(move || {
        thread::scope(|s| {
            let consumers: Vec<_> = receivers
                .into_iter()
                .map(|rx| {
                    s.spawn(move || {
                        let mut sum = 0;
                        while let Some(v) = I::recv(&rx) {
                            sum += v;
                        }
                        (sum, rx)
                    })
                })
                .collect();
            let senders: Vec<_> = (0..producers)
                .map(|p| {
                    let (tx, (lo, hi)) = (tx.clone(), share(m, p, producers));
                    s.spawn(move || {
                        for i in lo..=hi {
                            I::send(&tx, i);
                        }
                    })
                })
                .collect();
            for p in senders {
                p.join().expect("a producer panicked");
            }
            I::close(tx);
            let (sums, receivers): (Vec<u64>, Vec<I::Rx>) = consumers
                .into_iter()
                .map(|c| c.join().expect("a consumer panicked"))
                .unzip();
            keep(receivers);
            sums.into_iter().sum()
        })
    }))
}

/// C5: each producer closes its own channel when done; the consumer selects
/// over the open ones and drops a channel from the select once it is closed
/// and drained.
fn select<I: Channel>(config: &Config) -> Option<Body> {
    let select = I::SELECT?;
    let chans: Vec<_> = (0..config.channels)
        .map(|_| I::channel(config.capacity))
        .collect();
    let m = config.messages;
    Some(Box::new(move || {
        thread::scope(|s| {
            let n = chans.len();
            let mut open = Vec::with_capacity(n);
            for (p, (tx, rx)) in chans.into_iter().enumerate() {
                let (lo, hi) = share(m, p, n);
                s.spawn(move || {
                    for i in lo..=hi {
                        I::send(&tx, i);
                    }
                    I::close(tx);
                });
                open.push(Some(rx));
            }
            let (mut sum, mut closed) = (0, Vec::with_capacity(n));
            while closed.len() < n {
                match select(&open) {
                    (_, Some(v)) => sum += v,
                    (i, None) => closed.push(open[i].take()),
                }
            }
            keep(closed);
            sum
        })
    }))
}

/// C6: send 1..=R on ping and wait for each to come back on pong before the
/// next; with rendezvous channels every round trip is two handoffs.
fn ping_pong<I: Channel>(config: &Config) -> Body {
    let (ping_tx, ping_rx) = I::channel(config.capacity);
    let (pong_tx, pong_rx) = I::channel(config.capacity);
    let rounds = config.messages;
    Box::new(move || {
        thread::scope(|s| {
            let echo = s.spawn(move || {
                while let Some(v) = I::recv(&ping_rx) {
                    I::send(&pong_tx, v);
                }
                (ping_rx, pong_tx)
            });
            let mut sum = 0;
            for i in 1..=rounds {
                I::send(&ping_tx, i);
                sum += I::recv(&pong_rx).expect("C6: the echo thread answers every ping");
            }
            I::close(ping_tx);
            keep((echo.join().expect("the echo thread panicked"), pong_rx));
            sum
        })
    })
}
