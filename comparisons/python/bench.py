"""Suite C (channels) of comparisons/WORKLOADS.md, written in Python.

Implementations: queue.Queue, queue.SimpleQueue, janus (sync side) when it is
installed, and polyconc.Chan (impl "core", via "pyo3") when `import polyconc`
works. One JSON line per configuration on stdout; progress on stderr; exit
status 1 if a sum check failed.
"""

import argparse
import json
import os
import platform
import queue
import resource
import statistics
import sys
import threading
import time
import traceback

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
    pingpong_capacity: object = 1  # C6: 0, or 1 where 0 does not exist
    closes = (
        False  # True: close() ends the stream; False: one None sentinel per consumer
    )
    selects = False  # can run C5
    batch = False  # moves many objects per call: C2-C4 only

    def new(self, capacity):
        raise NotImplementedError

    def seq_capacity(self, m):
        return m  # C1 buffers all M messages


class QueueImpl(Impl):
    name = "queue.Queue"
    capacities = (1, 1024, UNBOUNDED)

    def new(self, capacity):
        return queue.Queue(
            0 if capacity == UNBOUNDED else capacity
        )  # maxsize 0 = unbounded


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


class CoreBatchImpl(CoreImpl):
    """polyconc.Chan moving many objects per call: producers send_many their
    share, consumers recv_many up to BATCH at a time (C2-C4 only: C1, C5 and
    C6 are one object per call by definition)."""

    name = "core.send_many/recv_many"
    kind = "batch"
    capacities = (1024, UNBOUNDED)
    selects = False
    batch = True


def available_impls() -> list[Impl]:
    impls: list[Impl] = [QueueImpl(), SimpleQueueImpl()]
    if janus is not None:
        impls.append(JanusImpl())
    else:
        log("python: janus is not installed; its lines are left out")
    if polyconc is not None:
        impls.append(CoreImpl())
        impls.append(CoreBatchImpl())
    else:
        log(
            f"python: polyconc is not importable ({POLYCONC_MISSING}); impl 'core' is left out"
        )
    return impls


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class WorkerFailed(Exception):
    pass


def spawn(target, *args) -> threading.Thread:
    """A thread whose exception ends the program: the other side of its channel
    would otherwise wait forever, and a hang reports nothing."""

    def guarded():
        try:
            target(*args)
        except BaseException:  # noqa: BLE001 - any failure must end the run, see above
            log(
                f"python: error: worker {target.__name__} raised:\n{traceback.format_exc()}"
            )
            os._exit(1)

    return threading.Thread(target=guarded, name=target.__name__)


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


def ends(impl, ch):
    """(send, recv) bound methods of a channel."""
    return (ch.send, ch.recv) if impl.closes else (ch.put, ch.get)


def run_seq(impl, capacity, m):
    ch = impl.new(capacity)
    send, recv = ends(impl, ch)
    start = time.perf_counter_ns()
    for i in range(1, m + 1):
        send(i)
    total = 0
    for _ in range(m):
        total += recv()
    return time.perf_counter_ns() - start, total


def run_many(impl, capacity, m, producers, consumers):
    ch = impl.new(capacity)
    send, recv = ends(impl, ch)
    sums = [0] * consumers
    if impl.batch:
        cons = [spawn(consume_batches, ch, sums, c) for c in range(consumers)]
        prods = [
            spawn(produce_batch, ch, *share(m, producers, p)) for p in range(producers)
        ]
    elif impl.closes:
        cons = [spawn(consume_until_closed, ch, sums, c) for c in range(consumers)]
    else:
        cons = [spawn(consume_until_sentinel, recv, sums, c) for c in range(consumers)]
    if not impl.batch:
        prods = [
            spawn(produce, send, *share(m, producers, p)) for p in range(producers)
        ]
    start = time.perf_counter_ns()
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


def run_select(impl, capacity, m):
    chans = [impl.new(capacity) for _ in range(SELECT_CHANNELS)]
    sums = [0]
    threads = [spawn(select_all, chans, sums)]
    threads += [
        spawn(produce_and_close, ch, *share(m, SELECT_CHANNELS, p))
        for p, ch in enumerate(chans)
    ]
    start = time.perf_counter_ns()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter_ns() - start, sums[0]


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
    there_send, there_recv = ends(impl, there)
    back_send, back_recv = ends(impl, back)
    sums = [0]
    threads = [
        spawn(ping, there_send, back_recv, rounds, sums),
        spawn(pong, back_send, there_recv, rounds),
    ]
    start = time.perf_counter_ns()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter_ns() - start, sums[0]


def configurations(impls, workloads, m):
    """(workload, impl, params, unit, run() -> (elapsed ns, sum), expected sum, divisor)."""
    full_sum = m * (m + 1) // 2
    rounds = m // 10
    for w in workloads:
        for impl in impls:
            if impl.batch and w not in SHAPES:
                continue
            if w == "C1":
                cap = impl.seq_capacity(m)
                params = {
                    "capacity": cap,
                    "producers": 1,
                    "consumers": 1,
                    "messages": m,
                }
                yield (
                    w,
                    impl,
                    params,
                    "ns/msg",
                    (lambda i=impl, c=cap: run_seq(i, c, m)),
                    full_sum,
                    m,
                )
            elif w in SHAPES:
                p, c = SHAPES[w]
                for cap in impl.capacities:
                    params = {
                        "capacity": cap,
                        "producers": p,
                        "consumers": c,
                        "messages": m,
                    }
                    run = lambda i=impl, k=cap, p=p, c=c: run_many(i, k, m, p, c)
                    yield w, impl, params, "ns/msg", run, full_sum, m
            elif w == "C5" and impl.selects:
                params = {
                    "capacity": SELECT_CAPACITY,
                    "producers": SELECT_CHANNELS,
                    "consumers": 1,
                    "messages": m,
                    "channels": SELECT_CHANNELS,
                }
                run = lambda i=impl: run_select(i, SELECT_CAPACITY, m)
                yield w, impl, params, "ns/msg", run, full_sum, m
            elif w == "C6":
                cap = impl.pingpong_capacity
                params = {"capacity": cap, "round_trips": rounds, "messages": m}
                run = lambda i=impl, c=cap: run_pingpong(i, c, rounds)
                yield (
                    w,
                    impl,
                    params,
                    "ns/roundtrip",
                    run,
                    rounds * (rounds + 1) // 2,
                    rounds,
                )


def ctx_switches() -> int:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_nvcsw + ru.ru_nivcsw


def measure(run, expected, divisor, runs, warmup, label):
    """Returns (per-op figures, mean context switches per run) or None on a failed sum check."""
    figures, switches = [], 0
    for n in range(warmup + runs):
        before = ctx_switches()
        elapsed, total = run()
        after = ctx_switches()
        if total != expected:
            log(
                f"python: error: {label}: sum check failed: got {total}, expected {expected}"
            )
            return None
        if n >= warmup:
            figures.append(elapsed / divisor)
            switches += after - before
    return figures, switches / runs


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--suite", required=True)
    p.add_argument("--messages", type=int, required=True)
    p.add_argument("--runs", type=int, required=True)
    p.add_argument("--warmup", type=int, required=True)
    p.add_argument("--workloads", help="comma-separated subset of C1..C6")
    p.add_argument(
        "--impls",
        help="comma-separated subset of queue.Queue,queue.SimpleQueue,janus,core",
    )
    args = p.parse_args(argv)
    if args.suite != "C":
        p.error(f"suite {args.suite!r}: this program implements suite C only")
    if args.messages < 10:
        p.error("--messages must be at least 10 (C6 runs messages/10 round trips)")
    if args.runs < 1 or args.warmup < 0:
        p.error("--runs must be >= 1 and --warmup >= 0")
    args.workloads = args.workloads.split(",") if args.workloads else list(WORKLOADS)
    bad = [w for w in args.workloads if w not in WORKLOADS]
    if bad:
        p.error(f"unknown workload(s) {', '.join(bad)}; known: {', '.join(WORKLOADS)}")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    impls = available_impls()
    if args.impls:
        wanted = args.impls.split(",")
        known = {i.name for i in impls}
        for name in wanted:
            if name not in known:
                log(
                    f"python: impl {name!r} is not available here (available: {', '.join(sorted(known))})"
                )
        impls = [i for i in impls if i.name in wanted]
    host = {
        "cpus": os.cpu_count(),
        "os": "linux",
        "toolchain": f"cpython{platform.python_version()}",
    }
    failed = False
    for w, impl, params, unit, run, expected, divisor in configurations(
        impls, args.workloads, args.messages
    ):
        label = f"{w} {impl.name} capacity={params['capacity']}"
        log(f"python: {label}: {args.warmup} warm-up + {args.runs} runs")
        result = measure(run, expected, divisor, args.runs, args.warmup, label)
        if result is None:
            failed = True
            continue
        figures, switches = result
        line = {
            "suite": "C",
            "workload": w,
            "lang": "python",
            "impl": impl.name,
            "via": impl.via,
            "kind": impl.kind,
            "params": params,
            "unit": unit,
            "median": round(statistics.median(figures), 2),
            "min": round(min(figures), 2),
            "max": round(max(figures), 2),
            "runs": args.runs,
            "ctx_switches": round(switches, 1),
            "max_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "host": host,
        }
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
