//! Suite C of `comparisons/WORKLOADS.md` (C1–C6), written once, generic over
//! a channel, and run on four Rust channels: polyconc's `Chan` ("core"),
//! crossbeam-channel, flume and `std::sync::mpsc`; and on polyconc's blocking
//! queues (`polyconc::queue`, "core.<Java's name>"), each at the capacities
//! it has.
//!
//! Two programs compile this one file: the comparison program (as the
//! `polyconc_compare::workloads` module) and polyconc's criterion bench
//! (`rust-core/benches/chan.rs`, through `#[path]`). Including the source
//! rather than depending on this crate keeps a single copy of `polyconc` in
//! the bench: a polyconc dev-dependency on a crate that itself depends on
//! polyconc would link a second, separately compiled polyconc. So this file
//! names only external crates, never `crate::`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{mpsc, Arc};
use std::thread;

use polyconc::chan::{Chan, Select};
use polyconc::queue::{
    ArrayBlockingQueue, BlockingQueue, LinkedBlockingQueue, LinkedTransferQueue, SynchronousQueue,
};

/// One run's timed part: it moves the messages and returns the sum of
/// everything received.
pub type Body = Box<dyn FnOnce() -> u64>;

/// A channel's capacity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capacity {
    /// Room for this many values; 0 is a rendezvous channel.
    Bounded(usize),
    /// Sends never block.
    Unbounded,
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capacity::Bounded(n) => write!(f, "{n}"),
            Capacity::Unbounded => f.write_str("unbounded"),
        }
    }
}

/// The workloads of suite C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workload {
    /// One thread fills a channel of capacity M, then drains it.
    C1,
    /// One producer, one consumer.
    C2,
    /// Four producers, one consumer.
    C3,
    /// Four producers, four consumers.
    C4,
    /// Four producers on their own channels, one consumer selecting over them.
    C5,
    /// Two threads bounce one message over two rendezvous channels.
    C6,
}

impl Workload {
    /// Suite C in output order.
    pub const ALL: [Workload; 6] = [
        Workload::C1,
        Workload::C2,
        Workload::C3,
        Workload::C4,
        Workload::C5,
        Workload::C6,
    ];

    /// The id WORKLOADS.md gives it ("C1".."C6").
    pub fn id(self) -> &'static str {
        match self {
            Workload::C1 => "C1",
            Workload::C2 => "C2",
            Workload::C3 => "C3",
            Workload::C4 => "C4",
            Workload::C5 => "C5",
            Workload::C6 => "C6",
        }
    }

    fn shape(self) -> &'static str {
        match self {
            Workload::C1 => "seq",
            Workload::C2 => "spsc",
            Workload::C3 => "mpsc",
            Workload::C4 => "mpmc",
            Workload::C5 => "select",
            Workload::C6 => "pingpong",
        }
    }
}

/// One measured configuration: a workload at one capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Which workload.
    pub workload: Workload,
    /// The capacity of every channel of the run.
    pub capacity: Capacity,
    /// Producer threads (0 for C6, whose two sides are symmetric).
    pub producers: usize,
    /// Consumer threads (0 for C6).
    pub consumers: usize,
    /// Channels the consumer selects over (C5), else 0.
    pub channels: usize,
    /// Messages M, split over the producers; for C6 the round trips R = M/10.
    pub messages: u64,
}

impl Config {
    /// The sum every run must produce: 1..=messages, each received once.
    pub fn want_sum(&self) -> u64 {
        self.messages * (self.messages + 1) / 2
    }

    /// A short human name, e.g. "C4 mpmc 4p4c cap=1024" (criterion's group
    /// name, and the comparison program's progress lines).
    pub fn label(&self) -> String {
        let (id, shape, cap) = (self.workload.id(), self.workload.shape(), self.capacity);
        match self.workload {
            Workload::C5 => format!("{id} {shape} {}ch cap={cap}", self.channels),
            Workload::C6 => format!("{id} {shape} cap={cap}"),
            _ => format!(
                "{id} {shape} {}p{}c cap={cap}",
                self.producers, self.consumers
            ),
        }
    }
}

/// The configurations of `workload` for M = `messages`.
pub fn configs(workload: Workload, messages: u64) -> Vec<Config> {
    let config = |capacity, producers, consumers, channels, messages| Config {
        workload,
        capacity,
        producers,
        consumers,
        channels,
        messages,
    };
    match workload {
        Workload::C1 => {
            let capacity = usize::try_from(messages).expect("M fits in usize");
            vec![config(Capacity::Bounded(capacity), 1, 1, 0, messages)]
        }
        Workload::C2 | Workload::C3 | Workload::C4 => {
            let producers = if workload == Workload::C2 { 1 } else { 4 };
            let consumers = if workload == Workload::C4 { 4 } else { 1 };
            [
                Capacity::Bounded(0),
                Capacity::Bounded(1),
                Capacity::Bounded(1024),
                Capacity::Unbounded,
            ]
            .into_iter()
            .map(|capacity| config(capacity, producers, consumers, 0, messages))
            .collect()
        }
        Workload::C5 => vec![config(Capacity::Bounded(1024), 4, 1, 4, messages)],
        Workload::C6 => vec![config(Capacity::Bounded(0), 0, 0, 0, messages / 10)],
    }
}

/// The channels measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImplKind {
    /// `polyconc::chan::Chan`.
    Core,
    /// `crossbeam-channel`.
    Crossbeam,
    /// `flume`.
    Flume,
    /// `std::sync::mpsc` (`sync_channel`, and `channel` when unbounded).
    Std,
    /// `polyconc::queue::ArrayBlockingQueue::new`.
    ArrayQueue,
    /// `polyconc::queue::ArrayBlockingQueue::fair`.
    ArrayQueueFair,
    /// `polyconc::queue::LinkedBlockingQueue`.
    LinkedQueue,
    /// `polyconc::queue::SynchronousQueue`.
    SynchronousQueue,
    /// `polyconc::queue::LinkedTransferQueue`, sending with `transfer`.
    TransferQueue,
}

impl ImplKind {
    /// Every implementation, in output order.
    pub const ALL: [ImplKind; 9] = [
        ImplKind::Core,
        ImplKind::Crossbeam,
        ImplKind::Flume,
        ImplKind::Std,
        ImplKind::ArrayQueue,
        ImplKind::ArrayQueueFair,
        ImplKind::LinkedQueue,
        ImplKind::SynchronousQueue,
        ImplKind::TransferQueue,
    ];

    /// The name the result schema uses (`impl`).
    pub fn name(self) -> &'static str {
        match self {
            ImplKind::Core => "core",
            ImplKind::Crossbeam => "crossbeam-channel",
            ImplKind::Flume => "flume",
            ImplKind::Std => "std::sync::mpsc",
            ImplKind::ArrayQueue => "core.ArrayBlockingQueue",
            ImplKind::ArrayQueueFair => "core.ArrayBlockingQueue.fair",
            ImplKind::LinkedQueue => "core.LinkedBlockingQueue",
            ImplKind::SynchronousQueue => "core.SynchronousQueue",
            ImplKind::TransferQueue => "core.LinkedTransferQueue.transfer",
        }
    }
}

/// Builds the channels of one run of `config` on `imp` (outside the timed
/// part) and returns the timed body; `None` when `imp` cannot express the
/// configuration (std's single-consumer `Receiver` has no C4, std and the
/// queues have no select for C5, a queue lacks some capacities).
pub fn prepare(imp: ImplKind, config: &Config) -> Option<Body> {
    match imp {
        ImplKind::Core => prepare_on::<Core>(config),
        ImplKind::Crossbeam => prepare_on::<Crossbeam>(config),
        ImplKind::Flume => prepare_on::<Flume>(config),
        ImplKind::Std => prepare_on::<StdMpsc>(config),
        ImplKind::ArrayQueue => prepare_on::<Queue<ArrayShape>>(config),
        ImplKind::ArrayQueueFair => prepare_on::<Queue<FairArrayShape>>(config),
        ImplKind::LinkedQueue => prepare_on::<Queue<LinkedShape>>(config),
        ImplKind::SynchronousQueue => prepare_on::<Queue<SynchronousShape>>(config),
        ImplKind::TransferQueue => prepare_on::<Queue<TransferShape>>(config),
    }
}

/// What the workloads need of a channel. Closing follows Go's pattern: the
/// owner of the channel closes it once every producer is done; for the
/// channels that close when their last sender is dropped, `close` drops that
/// last sender.
trait Channel {
    type Tx: Clone + Send + 'static;
    type Rx: Send + 'static;
    /// Whether it has this capacity (every channel here has all of them).
    fn has(_capacity: Capacity) -> bool {
        true
    }
    fn channel(capacity: Capacity) -> (Self::Tx, Self::Rx);
    fn send(tx: &Self::Tx, value: u64);
    /// `None` once the channel is closed and drained.
    fn recv(rx: &Self::Rx) -> Option<u64>;
    fn close(tx: Self::Tx);
    /// Another receiving handle, or `None` if the receiver is single-consumer.
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx>;
    /// A blocking select over the receivers that are `Some`: returns the
    /// index of the case that fired and its value (`None`: that channel is
    /// closed and drained). `None` if the channel has no select.
    const SELECT: Option<SelectFn<Self::Rx>>;
}

type SelectFn<Rx> = fn(&[Option<Rx>]) -> (usize, Option<u64>);

const SEND_FAILED: &str = "a send failed: the channel closed while its producers were running";

struct Core;

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
        struct $name;

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

struct StdMpsc;

/// std has two sender types: `sync_channel`'s (bounded, 0 = rendezvous) and
/// `channel`'s (unbounded).
#[derive(Clone)]
enum StdSender {
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

/// A blocking queue of `polyconc::queue` as a channel: shared by its
/// producers and consumers, closed with `close` as Go closes a channel.
struct Queue<S>(PhantomData<S>);

/// How one queue type is made, at which capacities, and how it sends.
trait QueueShape {
    type Q: BlockingQueue<u64> + 'static;
    fn has(capacity: Capacity) -> bool;
    fn make(capacity: Capacity) -> Self::Q;
    fn send(q: &Self::Q, value: u64) {
        q.put(value).expect(SEND_FAILED);
    }
}

/// The capacity of a bounded queue with room for at least one element.
fn room(capacity: Capacity) -> usize {
    match capacity {
        Capacity::Bounded(n) if n > 0 => n,
        _ => unreachable!("asked only for the capacities `has` accepts"),
    }
}

struct ArrayShape;
impl QueueShape for ArrayShape {
    type Q = ArrayBlockingQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        matches!(capacity, Capacity::Bounded(n) if n > 0)
    }
    fn make(capacity: Capacity) -> Self::Q {
        ArrayBlockingQueue::new(room(capacity))
    }
}

struct FairArrayShape;
impl QueueShape for FairArrayShape {
    type Q = ArrayBlockingQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        ArrayShape::has(capacity)
    }
    fn make(capacity: Capacity) -> Self::Q {
        ArrayBlockingQueue::fair(room(capacity))
    }
}

struct LinkedShape;
impl QueueShape for LinkedShape {
    type Q = LinkedBlockingQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        capacity != Capacity::Bounded(0)
    }
    fn make(capacity: Capacity) -> Self::Q {
        match capacity {
            Capacity::Unbounded => LinkedBlockingQueue::unbounded(),
            bounded => LinkedBlockingQueue::new(room(bounded)),
        }
    }
}

/// Java's rendezvous: capacity 0 only.
struct SynchronousShape;
impl QueueShape for SynchronousShape {
    type Q = SynchronousQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        capacity == Capacity::Bounded(0)
    }
    fn make(_: Capacity) -> Self::Q {
        SynchronousQueue::new()
    }
}

/// An unbounded queue whose `transfer` waits for its taker: a rendezvous,
/// so listed at capacity 0 (as the Java program lists it).
struct TransferShape;
impl QueueShape for TransferShape {
    type Q = LinkedTransferQueue<u64>;
    fn has(capacity: Capacity) -> bool {
        SynchronousShape::has(capacity)
    }
    fn make(_: Capacity) -> Self::Q {
        LinkedTransferQueue::new()
    }
    fn send(q: &Self::Q, value: u64) {
        q.transfer(value).expect(SEND_FAILED);
    }
}

impl<S: QueueShape> Channel for Queue<S> {
    type Tx = Arc<S::Q>;
    type Rx = Arc<S::Q>;
    fn has(capacity: Capacity) -> bool {
        S::has(capacity)
    }
    fn channel(capacity: Capacity) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(S::make(capacity));
        (Arc::clone(&q), q)
    }
    fn send(tx: &Self::Tx, value: u64) {
        S::send(tx, value);
    }
    fn recv(rx: &Self::Rx) -> Option<u64> {
        rx.take().ok()
    }
    fn close(tx: Self::Tx) {
        tx.close();
    }
    fn clone_rx(rx: &Self::Rx) -> Option<Self::Rx> {
        Some(Arc::clone(rx))
    }
    const SELECT: Option<SelectFn<Self::Rx>> = None;
}

fn prepare_on<I: Channel>(config: &Config) -> Option<Body> {
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
        (0..m)
            .map(|_| I::recv(&rx).expect("C1: the channel holds every message sent"))
            .sum()
    })
}

/// C2–C4: producers and consumers share one channel, closed once every
/// producer is done so that the consumers' receive loops end.
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
                        sum
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
            consumers
                .into_iter()
                .map(|c| c.join().expect("a consumer panicked"))
                .sum()
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
            let (mut sum, mut remaining) = (0, n);
            while remaining > 0 {
                match select(&open) {
                    (_, Some(v)) => sum += v,
                    (i, None) => {
                        open[i] = None;
                        remaining -= 1;
                    }
                }
            }
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
            s.spawn(move || {
                while let Some(v) = I::recv(&ping_rx) {
                    I::send(&pong_tx, v);
                }
            });
            let mut sum = 0;
            for i in 1..=rounds {
                I::send(&ping_tx, i);
                sum += I::recv(&pong_rx).expect("C6: the echo thread answers every ping");
            }
            I::close(ping_tx);
            sum
        })
    })
}
