"""Suite C (channels) of comparisons/WORKLOADS.md, written in Python.

Implementations: queue.Queue, queue.SimpleQueue, janus (sync side) when it is
installed, and, when `import polyconc` works, polyconc.Chan (impl "core", via
"pyo3") and polyconc's blocking queues (impl "core.<Java's name>", kind
"queue": ArrayBlockingQueue, fair or not, LinkedBlockingQueue,
SynchronousQueue, LinkedTransferQueue with transfer) at the capacities the
Rust and C programs give them; the harness (harness.py) times them and prints
the lines.
"""

import queue
import time
from functools import partial

from harness import Config, log, spawn

try:
    import janus
except ImportError:
    janus = None
try:
    import polyconc
except ImportError as e:
    polyconc = None
    POLYCONC_MISSING = f"{type(e).__name__}: {e}"

WORKLOADS = ("C1", "C2", "C3", "C4", "C5", "C6")
# (producers, consumers) of the many-thread workloads.
SHAPES = {"C2": (1, 1), "C3": (4, 1), "C4": (4, 4)}
SELECT_CHANNELS = 4
SELECT_CAPACITY = 1024
BATCH = 1024  # most objects one recv_many call takes
UNBOUNDED = "unbounded"


class Impl:
    """How one implementation makes a channel and ends a stream."""

    name = ""
    via = "native"
    kind = "queue"  # WORKLOADS.md's kinds of suite C: channel, queue, batch
    capacities: tuple = ()  # capacities for C2..C4
    pingpong_capacity: object = 1  # C6: 0, or 1 where 0 does not exist; None: no C6
    closes = False  # True: close() ends the stream; False: one None sentinel per consumer
    selects = False  # can run C5
    batch = False  # moves many objects per call: C2-C4 only
    fair = False  # hands every object to the longest waiter: C2-C4 run M0

    def new(self, capacity):
        raise NotImplementedError

    def ends(self, ch):
        """(send, recv): the bound methods that move one object."""
        return ch.put, ch.get

    def seq_capacity(self, m):
        return m  # C1 buffers all M messages; None: no C1


class QueueImpl(Impl):
    name = "queue.Queue"
    capacities = (1, 1024, UNBOUNDED)

    def new(self, capacity):
        return queue.Queue(0 if capacity == UNBOUNDED else capacity)  # maxsize 0 = unbounded


class SimpleQueueImpl(Impl):
    name = "queue.SimpleQueue"
    capacities = (UNBOUNDED,)
    pingpong_capacity = UNBOUNDED  # SimpleQueue has no bound at all

    def new(self, capacity):
        return queue.SimpleQueue()

    def seq_capacity(self, m):
        return UNBOUNDED


class JanusImpl(Impl):
    name = "janus"
    capacities = (1, 1024, UNBOUNDED)

    def new(self, capacity):
        # The sync proxy keeps its parent janus.Queue alive.
        return janus.Queue(0 if capacity == UNBOUNDED else capacity).sync_q


class CoreImpl(Impl):
    name = "core"
    via = "pyo3"
    kind = "channel"
    capacities = (0, 1, 1024, UNBOUNDED)
    pingpong_capacity = 0
    closes = True
    selects = True

    def new(self, capacity):
        return polyconc.Chan(None if capacity == UNBOUNDED else capacity)

    def ends(self, ch):
        return ch.send, ch.recv


class CoreBatchImpl(CoreImpl):
    """polyconc.Chan moving many objects per call: producers send_many their
    share, consumers recv_many up to BATCH at a time (C2-C4 only: C1, C5 and
    C6 are one object per call by definition)."""

    name = "core.send_many/recv_many"
    kind = "batch"
    capacities = (1024, UNBOUNDED)
    selects = False
    batch = True


class CoreQueueImpl(Impl):
    """One of polyconc's blocking queues: `send` ("put", or "transfer", which
    waits for the taker) and take; a close ends the stream (its iterator
    stops once closed and drained); no select. A rendezvous queue (capacity
    0 only) has C6 and no C1, the others C1 and no C6, as in Rust and C."""

    via = "pyo3"
    closes = True

    def __init__(self, name, make, capacities, send="put", fair=False):
        self.name, self.make, self.capacities, self.send = f"core.{name}", make, capacities, send
        self.fair = fair
        self.rendezvous = capacities == (0,)
        self.pingpong_capacity = 0 if self.rendezvous else None

    def new(self, capacity):
        return self.make(None if capacity == UNBOUNDED else capacity)

    def ends(self, ch):
        return getattr(ch, self.send), ch.take

    def seq_capacity(self, m):
        return None if self.rendezvous else m


def core_queues() -> list[Impl]:
    pc = polyconc
    return [
        CoreQueueImpl("ArrayBlockingQueue", pc.ArrayBlockingQueue, (1, 1024)),
        CoreQueueImpl(
            "ArrayBlockingQueue.fair",
            lambda c: pc.ArrayBlockingQueue(c, fair=True),
            (1, 1024),
            fair=True,
        ),
        CoreQueueImpl("LinkedBlockingQueue", pc.LinkedBlockingQueue, (1, 1024, UNBOUNDED)),
        CoreQueueImpl("SynchronousQueue", lambda _: pc.SynchronousQueue(), (0,)),
        CoreQueueImpl(
            "LinkedTransferQueue.transfer", lambda _: pc.LinkedTransferQueue(), (0,), "transfer"
        ),
    ]


def check(args) -> str | None:
    """Why these parameters cannot run suite C, or None."""
    if handoff_messages(args) < 10:
        return "--handoff-messages must be at least 10 (C6 runs M0/10 round trips)"
    if args.messages < 1:
        return "--messages must be at least 1"
    return None


def handoff_messages(args) -> int:
    """M0, the messages at capacities 0 and 1 (and C6's M): M unless given."""
    return args.handoff_messages or args.messages


def impls() -> list[Impl]:
    impls: list[Impl] = [QueueImpl(), SimpleQueueImpl()]
    if janus is not None:
        impls.append(JanusImpl())
    else:
        log("python: janus is not installed; its lines are left out")
    if polyconc is not None:
        impls.append(CoreImpl())
        impls.append(CoreBatchImpl())
        impls += core_queues()
    else:
        log(f"python: polyconc is not importable ({POLYCONC_MISSING}); impl 'core' is left out")
    return impls


def share(m: int, parts: int, p: int) -> tuple[int, int]:
    """Producer p's contiguous share of 1..=m, as (first, last)."""
    return p * m // parts + 1, (p + 1) * m // parts


def produce(send, first, last):
    for i in range(first, last + 1):
        send(i)


def produce_and_close(ch, first, last):
    send = ch.send
    for i in range(first, last + 1):
        send(i)
    ch.close()


def consume_until_sentinel(recv, sums, idx):
    total = 0
    while True:
        v = recv()
        if v is None:
            break
        total += v
    sums[idx] = total


def produce_batch(ch, first, last):
    ch.send_many(range(first, last + 1))


def consume_batches(ch, sums, idx):
    total = 0
    while batch := ch.recv_many(BATCH):  # [] once closed and drained
        total += sum(batch)
    sums[idx] = total


def consume_until_closed(ch, sums, idx):
    total = 0
    for v in ch:
        total += v
    sums[idx] = total


def run_seq(impl, capacity, m):
    ch = impl.new(capacity)
    send, recv = impl.ends(ch)
    start = time.perf_counter_ns()
    for i in range(1, m + 1):
        send(i)
    total = 0
    for _ in range(m):
        total += recv()
    return time.perf_counter_ns() - start, total


def run_many(impl, capacity, m, producers, consumers):
    ch = impl.new(capacity)
    send, recv = impl.ends(ch)
    sums = [0] * consumers
    if impl.batch:
        cons = [spawn(consume_batches, ch, sums, c) for c in range(consumers)]
        prods = [spawn(produce_batch, ch, *share(m, producers, p)) for p in range(producers)]
    elif impl.closes:
        cons = [spawn(consume_until_closed, ch, sums, c) for c in range(consumers)]
    else:
        cons = [spawn(consume_until_sentinel, recv, sums, c) for c in range(consumers)]
    if not impl.batch:
        prods = [spawn(produce, send, *share(m, producers, p)) for p in range(producers)]
    start = time.perf_counter_ns()
    # The consumers start first, then the producers (WORKLOADS.md): a
    # producer started first would fill the buffer before anyone receives.
    for t in cons + prods:
        t.start()
    for t in prods:
        t.join()
    if impl.closes:
        ch.close()
    else:
        for _ in range(consumers):
            send(None)
    for t in cons:
        t.join()
    return time.perf_counter_ns() - start, sum(sums)


def select_all(chans, sums):
    active = list(chans)
    select = polyconc.select
    total = 0
    while active:
        i, value, ok = select(*active)
        if ok:
            total += value
        else:
            del active[i]  # closed and drained
    sums[0] = total


def start_and_join(threads) -> int:
    """Starts the threads and waits for them all; returns the elapsed ns."""
    start = time.perf_counter_ns()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter_ns() - start


def run_select(impl, capacity, m):
    chans = [impl.new(capacity) for _ in range(SELECT_CHANNELS)]
    sums = [0]
    threads = [spawn(select_all, chans, sums)]
    threads += [
        spawn(produce_and_close, ch, *share(m, SELECT_CHANNELS, p)) for p, ch in enumerate(chans)
    ]
    return start_and_join(threads), sums[0]


def ping(send, recv, rounds, sums):
    total = 0
    for i in range(1, rounds + 1):
        send(i)
        total += recv()
    sums[0] = total


def pong(send, recv, rounds):
    for _ in range(rounds):
        send(recv())


def run_pingpong(impl, capacity, rounds):
    there, back = impl.new(capacity), impl.new(capacity)
    there_send, there_recv = impl.ends(there)
    back_send, back_recv = impl.ends(back)
    sums = [0]
    threads = [
        spawn(ping, there_send, back_recv, rounds, sums),
        spawn(pong, back_send, there_recv, rounds),
    ]
    return start_and_join(threads), sums[0]


def configurations(impls, workloads, args):
    """The Config of every workload in `workloads` on every impl that has it."""
    m, m0 = args.messages, handoff_messages(args)
    full_sum = m * (m + 1) // 2
    rounds = m0 // 10
    for w in workloads:
        for impl in impls:
            if impl.batch and w not in SHAPES:
                continue
            if w == "C1" and impl.seq_capacity(m) is not None:
                cap = impl.seq_capacity(m)
                params = {
                    "capacity": cap,
                    "producers": 1,
                    "consumers": 1,
                    "messages": m,
                }
                run = partial(run_seq, impl, cap, m)
                yield Config(w, impl, params, "ns/msg", run, full_sum, m)
            elif w in SHAPES:
                p, c = SHAPES[w]
                for cap in impl.capacities:
                    if args.capacities is not None and str(cap) not in args.capacities:
                        continue  # --capacities: C2-C4 at the chosen capacities only
                    n = m0 if cap in (0, 1) or impl.fair else m
                    params = {
                        "capacity": cap,
                        "producers": p,
                        "consumers": c,
                        "messages": n,
                    }
                    run = partial(run_many, impl, cap, n, p, c)
                    yield Config(w, impl, params, "ns/msg", run, n * (n + 1) // 2, n)
            elif w == "C5" and impl.selects:
                params = {
                    "capacity": SELECT_CAPACITY,
                    "producers": SELECT_CHANNELS,
                    "consumers": 1,
                    "messages": m,
                    "channels": SELECT_CHANNELS,
                }
                run = partial(run_select, impl, SELECT_CAPACITY, m)
                yield Config(w, impl, params, "ns/msg", run, full_sum, m)
            elif w == "C6" and impl.pingpong_capacity is not None:
                cap = impl.pingpong_capacity
                params = {"capacity": cap, "round_trips": rounds, "messages": m0}
                run = partial(run_pingpong, impl, cap, rounds)
                expected = rounds * (rounds + 1) // 2
                yield Config(w, impl, params, "ns/roundtrip", run, expected, rounds)
