"""Suite X (execution models) of comparisons/WORKLOADS.md, in Python.

X1: a ThreadPoolExecutor and a polyconc.ThreadPool (impl "core.ThreadPool",
via "pyo3", tasks started by `polyconc.future`) of W workers (the GIL lets
one run Python at a time, which is what X1 shows). X2: a thread per request,
a blocking pool of cores threads, a callback pool (the answer's callback
submits the CPU work to the pool), polyconc futures (impl "core.map": the
service completes a polyconc.Promise and `Future.map` runs the CPU work on a
polyconc.ThreadPool of cores workers) and asyncio tasks; the threaded
models' service is one timer thread with a heapq of deadlines, asyncio's is
`loop.call_later`. X3: parked
threads, asyncio tasks and polyconc promises (impl "core.Promise", via
"pyo3": a done-callback on each promise's future, no thread of its own), with
memory per task from a fresh child process (`bench.py --x3-child MODEL
--parked Q`). Without an importable polyconc its lines are left out.
"""

import asyncio
import concurrent.futures as cf
import heapq
import json
import os
import subprocess
import sys
import threading
import time
from functools import cache, partial
from pathlib import Path

from harness import Config, log
from suite_l import MASK, lcg

try:
    import polyconc
except ImportError as e:
    polyconc = None
    POLYCONC_MISSING = f"{type(e).__name__}: {e}"

WORKLOADS = ("X1", "X2", "X3")
X1_STEPS, X2_STEPS = 250, 50


def to_i64(x: int) -> int:
    return x - (1 << 64) if x >= 1 << 63 else x


def cpu_work(i: int, steps: int) -> int:
    """Task i's CPU work (WORKLOADS.md, suite X): L3's step, `steps` times from i."""
    return lcg(i, steps)


@cache
def work_sum(n: int, steps: int) -> int:
    """What tasks 1..n of cpu_work add up to (as a wrapped 64-bit integer):
    the tasks one after another on this thread, once before the runs."""
    return to_i64(sum(cpu_work(i, steps) for i in range(1, n + 1)) & MASK)


class Impl:
    def __init__(self, name, kind, runs, via="native"):
        self.name, self.via, self.kind, self.runs = name, via, kind, runs


def check(args) -> str | None:
    sizes = pool_sizes(args)
    if args.tasks < 10:
        return "--tasks must be at least 10 (X1 and X2 do tasks/10)"
    if not sizes or min(sizes) < 1:
        return f"--pool-sizes {args.pool_sizes!r}: need a list of sizes >= 1"
    if args.latency_ms < 1 or args.parked < 1:
        return "--latency-ms and --parked must be at least 1"
    return None


def pool_sizes(args) -> list[int] | None:
    try:
        return [int(s) for s in str(args.pool_sizes).split(",") if s.strip()]
    except ValueError:
        return None


def timed(body) -> tuple[int, int]:
    start = time.perf_counter_ns()
    result = body()
    return time.perf_counter_ns() - start, result


def pool_run(w: int, n: int) -> tuple[int, int]:
    with cf.ThreadPoolExecutor(max_workers=w) as pool:
        return timed(
            lambda: to_i64(sum(pool.map(partial(cpu_work, steps=X1_STEPS), range(1, n + 1))) & MASK)
        )


def core_pool_run(w: int, n: int) -> tuple[int, int]:
    with polyconc.ThreadPool(w) as pool:

        def run() -> int:
            tasks = [polyconc.future(cpu_work, i, X1_STEPS, executor=pool) for i in range(1, n + 1)]
            return to_i64(sum(polyconc.Future.sequence(tasks).result()) & MASK)

        return timed(run)


class Timer:
    """The simulated service's one timer thread: a heap of deadlines, each
    calling its callback when due."""

    def __init__(self):
        self.heap: list = []
        self.cond = threading.Condition()
        self.seq = 0
        self.closed = False
        self.thread = threading.Thread(target=self.loop, name="timer", daemon=True)
        self.thread.start()

    def call_later(self, delay_s: float, fn) -> None:
        with self.cond:
            self.seq += 1
            heapq.heappush(self.heap, (time.monotonic() + delay_s, self.seq, fn))
            self.cond.notify()

    def loop(self):
        while True:
            with self.cond:
                while not self.closed and (not self.heap or self.heap[0][0] > time.monotonic()):
                    timeout = self.heap[0][0] - time.monotonic() if self.heap else None
                    self.cond.wait(timeout)
                if self.closed:
                    return
                _, _, fn = heapq.heappop(self.heap)
            fn()

    def close(self):
        with self.cond:
            self.closed = True
            self.cond.notify()
        self.thread.join()


def call(timer: Timer, d: float) -> cf.Future:
    """The service: a future the timer thread completes d seconds from now."""
    answer: cf.Future = cf.Future()
    timer.call_later(d, lambda: answer.set_result(None))
    return answer


def core_call(timer: Timer, d: float):
    """The service answering on a polyconc.Promise: its future."""
    answer = polyconc.Promise()
    timer.call_later(d, partial(answer.success, None))
    return answer.future


def served(n: int, body) -> tuple[int, int]:
    timer = Timer()
    try:
        elapsed, total = timed(lambda: body(timer))
    finally:
        timer.close()
    return elapsed, to_i64(total & MASK)


def per_thread(n: int, d: float) -> tuple[int, int]:
    def body(timer):
        results = [0] * n

        def request(i):
            call(timer, d).result()
            results[i - 1] = cpu_work(i, X2_STEPS)

        threads = [threading.Thread(target=request, args=(i,)) for i in range(1, n + 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return sum(results)

    return served(n, body)


def blocking_pool(n: int, d: float) -> tuple[int, int]:
    def request(timer, i):
        call(timer, d).result()
        return cpu_work(i, X2_STEPS)

    def body(timer):
        with cf.ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            return sum(pool.map(partial(request, timer), range(1, n + 1)))

    return served(n, body)


def callback_pool(n: int, d: float) -> tuple[int, int]:
    def body(timer):
        with cf.ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            done: list[cf.Future] = []
            lock = threading.Lock()
            finished = threading.Event()

            def answered(i):
                f = pool.submit(cpu_work, i, X2_STEPS)
                with lock:
                    done.append(f)
                    if len(done) == n:
                        finished.set()

            for i in range(1, n + 1):
                call(timer, d).add_done_callback(lambda _, i=i: answered(i))
            finished.wait()
            return sum(f.result() for f in done)

    return served(n, body)


def core_callbacks(n: int, d: float) -> tuple[int, int]:
    def answered(i: int, _answer) -> int:
        return cpu_work(i, X2_STEPS)

    def body(timer):
        with polyconc.ThreadPool(os.cpu_count()) as pool:
            answers = [
                core_call(timer, d).map(partial(answered, i), executor=pool)
                for i in range(1, n + 1)
            ]
            return sum(polyconc.Future.sequence(answers).result())

    return served(n, body)


def asyncio_tasks(n: int, d: float) -> tuple[int, int]:
    async def request(loop, i):
        answer = loop.create_future()
        loop.call_later(d, answer.set_result, None)
        await answer
        return cpu_work(i, X2_STEPS)

    async def main():
        loop = asyncio.get_running_loop()
        return sum(await asyncio.gather(*(request(loop, i) for i in range(1, n + 1))))

    elapsed, total = timed(lambda: asyncio.run(main()))
    return elapsed, to_i64(total & MASK)


def park_threads(q: int, measure=None) -> int:
    """Q threads, each parked on its own Event; once all started, `measure`
    runs, then every thread is released with its number and all are joined."""
    values = [0] * q
    events = [threading.Event() for _ in range(q)]
    started = threading.Barrier(q + 1)

    def task(i):
        started.wait()
        events[i].wait()
        values[i] = i + 1

    threads = [threading.Thread(target=task, args=(i,)) for i in range(q)]
    for t in threads:
        t.start()
    started.wait()
    if measure:
        measure()
    for e in events:
        e.set()
    for t in threads:
        t.join()
    return sum(values)


def park_tasks(q: int, measure=None) -> int:
    async def main():
        loop = asyncio.get_running_loop()
        gates = [loop.create_future() for _ in range(q)]

        async def task(gate):
            return await gate

        tasks = [asyncio.create_task(task(g)) for g in gates]
        await asyncio.sleep(0)  # every task runs to its await
        if measure:
            measure()
        for i, g in enumerate(gates):
            g.set_result(i + 1)
        return sum(await asyncio.gather(*tasks))

    return asyncio.run(main())


def park_promises(q: int, measure=None) -> int:
    """Q polyconc promises, each with a done-callback that adds its value
    (it runs on the thread that completes the promise, here the caller)."""
    total = 0

    def add(future):
        nonlocal total
        total += future.result()

    promises = [polyconc.Promise() for _ in range(q)]
    for p in promises:
        p.future.add_done_callback(add)
    if measure:
        measure()
    for i, p in enumerate(promises):
        p.success(i + 1)
    return total


PARKED = {"threading.Thread": park_threads, "asyncio": park_tasks, "core.Promise": park_promises}


def status(*fields: str) -> dict[str, int]:
    """Fields of /proc/self/status, in bytes."""
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in fields:
            out[name] = int(rest.split()[0]) * 1024
    return out


def child(argv: list[str]) -> int:
    """X3's fresh child process: `--x3-child MODEL --parked Q`."""
    model, q = argv[0], int(argv[2])
    before = status("VmRSS", "VmSize")
    peak = {}
    total = PARKED[model](q, lambda: peak.update(status("VmHWM", "VmPeak")))
    if total != q * (q + 1) // 2:
        log(f"python: x3 child: {model}: sum {total}, expected {q * (q + 1) // 2}")
        return 1
    print(
        json.dumps(
            {
                "rss_per_task_b": (peak["VmHWM"] - before["VmRSS"]) / q,
                "vm_per_task_b": (peak["VmPeak"] - before["VmSize"]) / q,
            }
        )
    )
    return 0


def child_memory(model: str, q: int) -> dict:
    bench = Path(__file__).with_name("bench.py")
    out = subprocess.run(
        [sys.executable, str(bench), "--x3-child", model, "--parked", str(q)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"X3 {model}: child exited with {out.returncode}: {out.stderr[-500:]}")
    return json.loads(out.stdout)


def parked_run(model: str, q: int) -> tuple[int, int]:
    return timed(lambda: PARKED[model](q))


def impls() -> list[Impl]:
    out = [
        Impl("ThreadPoolExecutor", "pool", {"X1": pool_run}),
        Impl("thread-per-request", "thread-per-request", {"X2": per_thread}),
        Impl("ThreadPoolExecutor.blocking", "blocking-pool", {"X2": blocking_pool}),
        Impl("ThreadPoolExecutor.callbacks", "callback-pool", {"X2": callback_pool}),
        Impl("asyncio", "green", {"X2": asyncio_tasks, "X3": partial(parked_run, "asyncio")}),
        Impl(
            "threading.Thread",
            "thread-per-request",
            {"X3": partial(parked_run, "threading.Thread")},
        ),
    ]
    if polyconc is not None:
        out += [
            Impl("core.ThreadPool", "pool", {"X1": core_pool_run}, "pyo3"),
            Impl("core.map", "callback-pool", {"X2": core_callbacks}, "pyo3"),
            Impl("core.Promise", "promise", {"X3": partial(parked_run, "core.Promise")}, "pyo3"),
        ]
    else:
        log(f"python: polyconc is not importable ({POLYCONC_MISSING}); its impls are left out")
    return out


def configurations(impls, workloads, args):
    n, cores, d = args.tasks // 10, os.cpu_count(), args.latency_ms / 1000
    for w in workloads:
        for impl in impls:
            run = impl.runs.get(w)
            if run is None:
                continue
            if w == "X1":
                for size in pool_sizes(args):
                    params = {"workers": size, "tasks": n, "steps": X1_STEPS}
                    yield Config(
                        w, impl, params, "ns/task", partial(run, size, n), work_sum(n, X1_STEPS), n
                    )
            elif w == "X2":
                threads = {"thread-per-request": n, "green": 0}.get(impl.kind, cores)
                params = {
                    "requests": n,
                    "latency_ms": args.latency_ms,
                    "steps": X2_STEPS,
                    "threads": threads,
                }
                yield Config(
                    w, impl, params, "ns/request", partial(run, n, d), work_sum(n, X2_STEPS), n
                )
            else:
                q = args.parked
                yield Config(
                    w,
                    impl,
                    {"tasks": q},
                    "ns/task",
                    partial(run, q),
                    q * (q + 1) // 2,
                    q,
                    extra=partial(child_memory, impl.name, q),
                )
