"""Suite L (locks and the cost of sharing) of comparisons/WORKLOADS.md, in Python.

Locks on L1-L3 and the window rows L2f/L3f: threading.Lock and threading.RLock,
and polyconc.Mutex and polyconc.SpinLock (impls "core.Mutex", "core.SpinLock",
via "pyo3"). L5: an owner thread fed by polyconc.Chan ("core.Chan") or by
queue.SimpleQueue. The polyconc rows need `import polyconc` to work. Python has no atomic
fetch-add, so no L4. The harness (harness.py) times them and prints the lines.
"""

import queue
import threading
import time
from functools import partial

from harness import Config, log, spawn

try:
    import polyconc
except ImportError as e:
    polyconc = None
    POLYCONC_MISSING = f"{type(e).__name__}: {e}"

WORKLOADS = ("L1", "L2", "L3", "L5", "L2f", "L3f")
WINDOWED = ("L2f", "L3f")
L5_CAPACITY = 1024
# L3's step (WORKLOADS.md), modulo 2**64.
LCG_MUL, LCG_ADD, MASK = 6364136223846793005, 1442695040888963407, (1 << 64) - 1


class Impl:
    """A lock (`lock` makes one) or an L5 channel (`channel` makes one)."""

    def __init__(self, name, kind, via="native", lock=None, channel=None, capacity=L5_CAPACITY):
        self.name, self.kind, self.via = name, kind, via
        self.lock, self.channel, self.capacity = lock, channel, capacity


def impls() -> list[Impl]:
    out = [
        Impl("threading.Lock", "os-mutex", lock=threading.Lock),
        Impl("threading.RLock", "os-mutex", lock=threading.RLock),
        # SimpleQueue has no bound: the L5 line says so.
        Impl("queue.SimpleQueue", "message", channel=queue.SimpleQueue, capacity="unbounded"),
    ]
    if polyconc is not None:
        out += [
            Impl("core.Mutex", "mutex", "pyo3", lock=polyconc.Mutex),
            Impl("core.SpinLock", "spin", "pyo3", lock=polyconc.SpinLock),
            Impl("core.Chan", "message", "pyo3", channel=lambda: polyconc.Chan(L5_CAPACITY)),
        ]
    else:
        log(f"python: polyconc is not importable ({POLYCONC_MISSING}); its impls are left out")
    return out


def check(args) -> str | None:
    """Why these parameters cannot run suite L, or None."""
    if args.ops < 100:
        return "--ops must be at least 100 (L3 does K/100)"
    threads = thread_counts(args)
    if threads is None or not threads or any(t < 1 or t > args.ops // 100 for t in threads):
        return f"--threads {args.threads!r}: need a list of T with 1 <= T <= K/100"
    if args.work < 1 or args.window_ms < 1:
        return "--work and --window-ms must be at least 1"
    return None


def thread_counts(args) -> list[int] | None:
    try:
        return [int(t) for t in str(args.threads).split(",") if t.strip()]
    except ValueError:
        return None


class Counted:
    """The locked data: the counter and L3's state."""

    def __init__(self):
        self.n, self.x = 0, 1

    def checked(self, work: int) -> int:
        """The counter if the state is the step applied n*work times to 1, else
        -1 (a lost update), which fails the run's check."""
        want = lcg(1, self.n * work)
        if self.x != want:
            log(f"python: error: L3 state {self.x} after {self.n} operations, want {want}")
            return -1
        return self.n


def lcg(x: int, steps: int) -> int:
    for _ in range(steps):
        x = ((x ^ (x >> 29)) * LCG_MUL + LCG_ADD) & MASK
    return x


def operate(lock, d: Counted, work: int, times: int) -> None:
    """`times` operations inside the lock: L3's work (none for L1, L2) and the
    increment. The loop is written out here, not a call to lcg(), so that
    Python's I steps cost what WORKLOADS.md calibrated."""
    if not work:
        for _ in range(times):
            with lock:
                d.n += 1
        return
    for _ in range(times):
        with lock:
            x = d.x
            for _ in range(work):
                x = ((x ^ (x >> 29)) * LCG_MUL + LCG_ADD) & MASK
            d.x = x
            d.n += 1


def timed(threads, main=None) -> int:
    """Starts the threads, runs `main` meanwhile, joins them; the elapsed ns."""
    start = time.perf_counter_ns()
    for t in threads:
        t.start()
    if main is not None:
        main()
    for t in threads:
        t.join()
    return time.perf_counter_ns() - start


def run_locks(impl, t, ops, work):
    lock, d = impl.lock(), Counted()
    threads = [spawn(operate, lock, d, work, ops // t) for _ in range(t)]
    return timed(threads), d.checked(work)


def run_window(impl, t, work, window_ms):
    lock, d, stop = impl.lock(), Counted(), threading.Event()
    counts = [0] * t

    def count(i):
        # At least one operation, however late the thread starts.
        mine = 0
        while True:
            operate(lock, d, work, 1)
            mine += 1
            if stop.is_set():
                break
        counts[i] = mine

    def wait_and_stop():
        time.sleep(window_ms / 1000)
        stop.set()

    elapsed = timed([spawn(count, i) for i in range(t)], wait_and_stop)
    return elapsed, d.checked(work), counts


def run_message(impl, t, ops):
    """L5: the threads send their increments, then a 0 each (done); the owner
    adds up what it receives until it has had t zeros."""
    ch, total = impl.channel(), [0]

    def send(times):
        put = ch.put if hasattr(ch, "put") else ch.send
        for _ in range(times):
            put(1)
        put(0)  # done

    def own():
        get = ch.get if hasattr(ch, "get") else ch.recv
        n = done = 0
        while done < t:
            v = get()
            done += v == 0
            n += v
        total[0] = n

    return timed([spawn(send, ops // t) for _ in range(t)], own), total[0]


def configurations(impls, workloads, args):
    """The Config of every workload in `workloads` on every impl that has it."""
    for w in workloads:
        for t in [1] if w == "L1" else thread_counts(args):
            work = args.work if w.startswith("L3") else 0
            ops = (args.ops // 100 if w == "L3" else args.ops) // t * t
            if w in WINDOWED:
                params = {"threads": t, "window_ms": args.window_ms}
            else:
                params = {"threads": t, "ops": ops}
            if work:
                params["work"] = work
            for impl in impls:
                if w == "L5" and impl.channel is not None:
                    run = partial(run_message, impl, t, ops)
                    line = {**params, "capacity": impl.capacity}
                    yield Config(w, impl, line, "ns/op", run, ops, ops)
                elif w in WINDOWED and impl.lock is not None:
                    run = partial(run_window, impl, t, work, args.window_ms)
                    yield Config(w, impl, params, "ns/op", run, 0, 0, windowed=True)
                elif w != "L5" and impl.lock is not None:
                    run = partial(run_locks, impl, t, ops, work)
                    yield Config(w, impl, params, "ns/op", run, ops, ops)
