"""Suite F (futures and promises) of comparisons/WORKLOADS.md, in Python.

concurrent.futures (a ThreadPoolExecutor of cores workers, executor "fixed")
on F2 and F3, and asyncio's futures and tasks (the event loop, executor
"runtime") on F1-F3. concurrent.futures has no map/then, so it has no F1
chain. polyconc (impl "core", via "pyo3") on its global pool (executor
"global") and on a polyconc.ThreadPool of cores workers ("fixed"): F1
`Future.map`, F2 `polyconc.future` + `Future.sequence` (the run fails unless
every task ran on a pool thread, none on the caller's, and a fixed pool's
tasks on at most its workers), F3 a fresh `Promise` per hop with the peer
started by `polyconc.future`. Without an importable polyconc its lines are
left out. The harness (harness.py) times them and prints the lines.
"""

import asyncio
import concurrent.futures as cf
import os
import threading
import time
from functools import partial

from harness import Config, log

try:
    import polyconc
except ImportError as e:
    polyconc = None
    POLYCONC_MISSING = f"{type(e).__name__}: {e}"

WORKLOADS = ("F1", "F2", "F3")
STAGES = 1000
UNITS = {"F1": "ns/stage", "F2": "ns/task", "F3": "ns/roundtrip"}


class Impl:
    def __init__(self, name, executor, runs, via="native"):
        self.name, self.via, self.kind = name, via, "future"
        self.executor, self.runs = executor, runs  # runs: workload -> run(n)


def check(args) -> str | None:
    if args.tasks < 10:
        return "--tasks must be at least 10 (F3 does tasks/10 round trips)"
    return None


def timed(body) -> tuple[int, int]:
    start = time.perf_counter_ns()
    result = body()
    return time.perf_counter_ns() - start, result


def pool_fanout(n: int) -> tuple[int, int]:
    with cf.ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        return timed(
            lambda: sum(f.result() for f in [pool.submit(int, i) for i in range(1, n + 1)])
        )


def cf_one_shot():
    """A fresh concurrent.futures.Future as (complete, wait)."""
    f: cf.Future = cf.Future()
    return f.set_result, f.result


def core_one_shot():
    """A fresh polyconc.Promise as (complete, wait)."""
    p = polyconc.Promise()
    return p.success, p.future.result


def handoff(one_shot, submit, r: int) -> tuple[int, int]:
    """The main thread and a peer started by `submit(peer)` (which returns
    something to wait on with `result()`) pass a counter through a fresh
    one-shot (`one_shot()`: complete, wait) per hop, made by the side that
    waits; each side adds 1."""
    send_first, wait_first = one_shot()
    ready = threading.Event()

    def other():
        wait = wait_first
        ready.set()
        for _ in range(r):
            value, reply = wait()
            complete, wait = one_shot()
            reply((value + 1, complete))

    def main() -> int:
        send, value = send_first, 0
        for _ in range(r):
            complete, wait = one_shot()
            send((value, complete))
            value, send = wait()
            value += 1
        return value

    done = submit(other)
    ready.wait()
    out = timed(main)
    done.result()
    return out


def pool_handoff(r: int) -> tuple[int, int]:
    with cf.ThreadPoolExecutor(max_workers=1) as pool:
        return handoff(cf_one_shot, pool.submit, r)


def on_executor(executor: str, body):
    """body(ec) with ec polyconc's global pool (None) or, for "fixed", a
    ThreadPool of cores workers made for the run and shut down after it."""
    if executor == "global":
        return body(None)
    with polyconc.ThreadPool(os.cpu_count()) as pool:
        return body(pool)


def add_one(x: int) -> int:
    return x + 1


def core_chain(executor: str, chains: int) -> tuple[int, int]:
    def chain(ec) -> int:
        total = 0
        for _ in range(chains):
            f = polyconc.Future.successful(0)
            for _ in range(STAGES):
                f = f.map(add_one, executor=ec)
            total += f.result()
        return total

    return on_executor(executor, lambda ec: timed(partial(chain, ec)))


def core_fanout(executor: str, n: int) -> tuple[int, int | None]:
    """F2 on polyconc; the tasks note their threads, and a task that ran on
    the caller's thread (or a fixed pool's tasks on more threads than it
    has) fails the run."""
    caller, seen = threading.get_ident(), set()

    def task(i: int) -> int:
        seen.add(threading.get_ident())
        return i

    def fanout(ec) -> int:
        tasks = [polyconc.future(task, i, executor=ec) for i in range(1, n + 1)]
        return sum(polyconc.Future.sequence(tasks).result())

    def body(ec):
        return timed(partial(fanout, ec)), ec.workers if ec is not None else None

    (elapsed, total), workers = on_executor(executor, body)
    if caller in seen or (workers is not None and len(seen) > workers):
        log(
            f"python: error: F2 core {executor}: the tasks ran on {len(seen)} threads"
            f" (pool workers: {workers}), the caller's among them: {caller in seen}"
        )
        return elapsed, None
    return elapsed, total


def core_handoff(executor: str, r: int) -> tuple[int, int]:
    return on_executor(
        executor, lambda ec: handoff(core_one_shot, partial(polyconc.future, executor=ec), r)
    )


async def _chain(loop) -> int:
    """One chain of STAGES futures, each completed by its predecessor's
    callback with its value plus one."""
    first = loop.create_future()
    last = first
    for _ in range(STAGES):
        nxt = loop.create_future()
        last.add_done_callback(lambda f, nxt=nxt: nxt.set_result(f.result() + 1))
        last = nxt
    first.set_result(0)
    return await last


def asyncio_chain(chains: int) -> tuple[int, int]:
    async def main():
        loop = asyncio.get_running_loop()
        return sum([await _chain(loop) for _ in range(chains)])

    return timed(lambda: asyncio.run(main()))


def asyncio_fanout(n: int) -> tuple[int, int]:
    async def task(i):
        return i

    async def main():
        return sum(await asyncio.gather(*(task(i) for i in range(1, n + 1))))

    return timed(lambda: asyncio.run(main()))


def asyncio_handoff(r: int) -> tuple[int, int]:
    async def main():
        loop = asyncio.get_running_loop()
        inbox = [loop.create_future()]

        async def other():
            box = inbox[0]
            for _ in range(r):
                value, reply = await box
                box = loop.create_future()
                reply.set_result((value + 1, box))

        peer = asyncio.create_task(other())
        box, value = inbox[0], 0
        for _ in range(r):
            reply = loop.create_future()
            box.set_result((value, reply))
            value, box = await reply
            value += 1
        await peer
        return value

    return timed(lambda: asyncio.run(main()))


def impls() -> list[Impl]:
    out = [
        Impl(
            "concurrent.futures",
            "fixed",
            {"F2": pool_fanout, "F3": pool_handoff},
        ),
        Impl(
            "asyncio",
            "runtime",
            {"F1": asyncio_chain, "F2": asyncio_fanout, "F3": asyncio_handoff},
        ),
    ]
    if polyconc is not None:
        for executor in ("global", "fixed"):
            runs = {"F1": core_chain, "F2": core_fanout, "F3": core_handoff}
            out.append(
                Impl("core", executor, {w: partial(f, executor) for w, f in runs.items()}, "pyo3")
            )
    else:
        log(f"python: polyconc is not importable ({POLYCONC_MISSING}); impl 'core' is left out")
    return out


def configurations(impls, workloads, args):
    n = args.tasks
    chains, r = max(n // STAGES, 1), n // 10
    for w in workloads:
        for impl in impls:
            if w not in impl.runs:
                continue
            params = {"executor": impl.executor}
            if w == "F1":
                params |= {"tasks": n, "chains": chains, "stages": STAGES}
                run, want, ops = partial(impl.runs[w], chains), chains * STAGES, chains * STAGES
            elif w == "F2":
                params["tasks"] = n
                run, want, ops = partial(impl.runs[w], n), n * (n + 1) // 2, n
            else:
                params["round_trips"] = r
                run, want, ops = partial(impl.runs[w], r), 2 * r, r
            yield Config(w, impl, params, UNITS[w], run, want, ops)
