//! The four Rust channels of suite C as `Channel`s: polyconc's `Chan`,
//! crossbeam-channel, flume and `std::sync::mpsc` (part of
//! `workloads`).

use std::sync::mpsc;

use polyconc::chan::{Chan, Select};

use super::{Capacity, Channel, SelectFn, SEND_FAILED};

pub(super) struct Core;

impl Channel for Core {
    type Tx = Chan<u64>;
    type Rx = Chan<u64>;
    fn channel(capacity: Capacity) -> (Chan<u64>, Chan<u64>) {
        let ch = match capacity {
            Capacity::Bounded(n) => Chan::new(n),
            Capacity::Unbounded => Chan::unbounded(),
        };
        (ch.clone(), ch)
    }
    fn send(tx: &Chan<u64>, value: u64) {
        tx.send(value).expect(SEND_FAILED);
    }
    fn recv(rx: &Chan<u64>) -> Option<u64> {
        rx.recv().ok()
    }
    fn close(tx: Chan<u64>) {
        tx.close();
    }
    fn clone_rx(rx: &Chan<u64>) -> Option<Chan<u64>> {
        Some(rx.clone())
    }
    const SELECT: Option<SelectFn<Chan<u64>>> = Some(select_core);
}

/// A closed channel's case is disabled by passing `None`: Go's nil channel.
fn select_core(open: &[Option<Chan<u64>>]) -> (usize, Option<u64>) {
    open.iter()
        .enumerate()
        .fold(Select::new(), |sel, (i, rx)| {
            sel.recv(rx.as_ref(), move |r| (i, r.ok()))
        })
        .select()
}

/// crossbeam-channel and flume share one shape: a bounded or unbounded
/// constructor, cloneable receivers, and a close by dropping the sender.
macro_rules! sender_receiver_channel {
    ($name:ident, $krate:ident, $select:ident) => {
        pub(super) struct $name;

        impl Channel for $name {
            type Tx = $krate::Sender<u64>;
            type Rx = $krate::Receiver<u64>;
            fn channel(capacity: Capacity) -> (Self::Tx, Self::Rx) {
                match capacity {
                    Capacity::Bounded(n) => $krate::bounded(n),
                    Capacity::Unbounded => $krate::unbounded(),
                }
            }
            fn send(tx: &Self::Tx, value: u64) {
                tx.send(value).expect(SEND_FAILED);
            }
            fn recv(rx: &Self::Rx) -> Option<u64> {
                rx.recv().ok()
            }
            fn close(tx: Self::Tx) {
                drop(tx);
            }
            fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
                Some(rx.clone())
            }
            const SELECT: Option<SelectFn<Self::Rx>> = Some($select);
        }
    };
}

sender_receiver_channel!(Crossbeam, crossbeam_channel, select_crossbeam);

fn select_crossbeam(open: &[Option<crossbeam_channel::Receiver<u64>>]) -> (usize, Option<u64>) {
    let mut sel = crossbeam_channel::Select::new();
    // crossbeam numbers the cases in the order they are added; `cases` maps
    // that number back to the position in `open`.
    let mut cases = Vec::with_capacity(open.len());
    for (i, rx) in open.iter().enumerate() {
        if let Some(rx) = rx {
            sel.recv(rx);
            cases.push(i);
        }
    }
    let op = sel.select();
    let i = cases[op.index()];
    let rx = open[i].as_ref().expect("only open receivers are cases");
    (i, op.recv(rx).ok())
}

sender_receiver_channel!(Flume, flume, select_flume);

fn select_flume(open: &[Option<flume::Receiver<u64>>]) -> (usize, Option<u64>) {
    open.iter()
        .enumerate()
        .filter_map(|(i, rx)| Some((i, rx.as_ref()?)))
        .fold(flume::Selector::new(), |sel, (i, rx)| {
            sel.recv(rx, move |r| (i, r.ok()))
        })
        .wait()
}

pub(super) struct StdMpsc;

/// std has two sender types: `sync_channel`'s (bounded, 0 = rendezvous) and
/// `channel`'s (unbounded).
#[derive(Clone)]
pub(super) enum StdSender {
    Bounded(mpsc::SyncSender<u64>),
    Unbounded(mpsc::Sender<u64>),
}

impl Channel for StdMpsc {
    type Tx = StdSender;
    type Rx = mpsc::Receiver<u64>;
    fn channel(capacity: Capacity) -> (StdSender, mpsc::Receiver<u64>) {
        match capacity {
            Capacity::Bounded(n) => {
                let (tx, rx) = mpsc::sync_channel(n);
                (StdSender::Bounded(tx), rx)
            }
            Capacity::Unbounded => {
                let (tx, rx) = mpsc::channel();
                (StdSender::Unbounded(tx), rx)
            }
        }
    }
    fn send(tx: &StdSender, value: u64) {
        match tx {
            StdSender::Bounded(tx) => tx.send(value),
            StdSender::Unbounded(tx) => tx.send(value),
        }
        .expect(SEND_FAILED);
    }
    fn recv(rx: &mpsc::Receiver<u64>) -> Option<u64> {
        rx.recv().ok()
    }
    fn close(tx: StdSender) {
        drop(tx);
    }
    fn clone_rx(_: &mpsc::Receiver<u64>) -> Option<mpsc::Receiver<u64>> {
        None
    }
    const SELECT: Option<SelectFn<mpsc::Receiver<u64>>> = None;
}
