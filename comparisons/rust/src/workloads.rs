//! Suite C of `comparisons/WORKLOADS.md` (C1–C6), written once, generic over
//! a channel, and run on four Rust channels: polyconc's `Chan` ("core"),
//! crossbeam-channel, flume and `std::sync::mpsc`; and on polyconc's blocking
//! queues (`polyconc::queue`, "core.<Java's name>"), each at the capacities
//! it has.
//!
//! This file holds what a run is (workloads, configurations, the
//! implementations and the `Channel` trait they share); `workloads/`
//! holds the rest, one family per file: `channels.rs` (the four channels),
//! `queues.rs` (polyconc's queues as channels) and `runs.rs` (the timed
//! bodies of the workload families: C1, C2–C4, C5, C6).
//!
//! Two programs compile these files: the comparison program (as the
//! `polyconc_compare::workloads` module) and polyconc's criterion bench
//! (`rust-core/benches/chan.rs`, through `#[path]`). Including the source
//! rather than depending on this crate keeps a single copy of `polyconc` in
//! the bench: a polyconc dev-dependency on a crate that itself depends on
//! polyconc would link a second, separately compiled polyconc. So these files
//! name only external crates and `super::`, never `crate::`.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;

// Each with its path: this file is loaded as `src/workloads.rs` by the
// program and through `#[path]` by the bench, which would look for plain
// `mod` files in different folders; a path is relative to this file in both.
#[path = "workloads/channels.rs"]
mod channels;
#[path = "workloads/queues.rs"]
mod queues;
#[path = "workloads/runs.rs"]
mod runs;

use channels::{Core, Crossbeam, Flume, StdMpsc};
use queues::{ArrayShape, LinkedShape, Queue, SynchronousShape, TransferShape};
use runs::prepare_on;

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

/// The capacities C2–C4 run at, in output order (the values `--capacities`
/// chooses from).
pub const FLOW_CAPACITIES: [Capacity; 4] = [
    Capacity::Bounded(0),
    Capacity::Bounded(1),
    Capacity::Bounded(1024),
    Capacity::Unbounded,
];

/// The configurations of `workload` for M = `messages` at every capacity.
pub fn configs(workload: Workload, messages: u64) -> Vec<Config> {
    configs_with(workload, messages, messages)
}

/// The configurations of `workload` where the hand-off ones (C2–C4 at
/// capacities 0 and 1, and C6) run M0 = `handoff_messages` instead of M: a
/// hand-off costs some peers 100× a buffered message, and quick mode keeps
/// them affordable (the Modes table's M0).
pub fn configs_with(workload: Workload, messages: u64, handoff_messages: u64) -> Vec<Config> {
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
            FLOW_CAPACITIES
                .into_iter()
                .map(|capacity| {
                    let m = if matches!(capacity, Capacity::Bounded(0 | 1)) {
                        handoff_messages
                    } else {
                        messages
                    };
                    config(capacity, producers, consumers, 0, m)
                })
                .collect()
        }
        Workload::C5 => vec![config(Capacity::Bounded(1024), 4, 1, 4, messages)],
        Workload::C6 => vec![config(Capacity::Bounded(0), 0, 0, 0, handoff_messages / 10)],
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

thread_local! {
    /// The channels of the last run on this thread (see [`keep`]).
    static LAST: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// Keeps a run's channels (what the body holds of them at its end) alive
/// until the next run is prepared: they are freed outside every timed
/// part, as the C program frees its channels after its clock. A channel's
/// last drop frees its buffer, and glibc may give heap back to the kernel
/// then (a trim), a cost the figure should not carry.
fn keep<T: 'static>(channels: T) {
    LAST.with(|l| *l.borrow_mut() = Some(Box::new(channels)));
}

/// Drops the channels the last run on this thread kept; whether it kept
/// any. [`prepare`] does it first.
pub fn drop_last_run() -> bool {
    LAST.with(|l| l.borrow_mut().take()).is_some()
}

/// Builds the channels of one run of `config` on `imp` (outside the timed
/// part, after dropping the last run's) and returns the timed body; `None` when `imp` cannot express the
/// configuration (std's single-consumer `Receiver` has no C4, std and the
/// queues have no select for C5, a queue lacks some capacities).
pub fn prepare(imp: ImplKind, config: &Config) -> Option<Body> {
    drop_last_run();
    match imp {
        ImplKind::Core => prepare_on::<Core>(config),
        ImplKind::Crossbeam => prepare_on::<Crossbeam>(config),
        ImplKind::Flume => prepare_on::<Flume>(config),
        ImplKind::Std => prepare_on::<StdMpsc>(config),
        ImplKind::ArrayQueue => prepare_on::<Queue<ArrayShape<false>>>(config),
        ImplKind::ArrayQueueFair => prepare_on::<Queue<ArrayShape<true>>>(config),
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
