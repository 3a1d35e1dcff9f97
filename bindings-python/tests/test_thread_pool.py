"""polyconc.ThreadPool through Python: a concurrent.futures.Executor on the
core's pool, also the executor= of the futures."""

from __future__ import annotations

import concurrent.futures as cf
import operator
import re
import threading
from pathlib import Path

import pytest
from _helpers import HANG_GUARD, interrupt_child

from polyconc import Future, ThreadPool, future


def test_is_an_executor() -> None:
    with ThreadPool(2) as pool:
        assert isinstance(pool, cf.Executor)
        assert pool.workers == 2
        f = pool.submit(pow, 2, 5)
        assert isinstance(f, cf.Future)
        assert f.result(HANG_GUARD) == 32
    assert ThreadPool().workers >= 1
    for bad in (0, -1):
        with pytest.raises(ValueError):
            ThreadPool(bad)


def test_submit_keyword_arguments_and_exceptions() -> None:
    with ThreadPool(1) as pool:
        assert pool.submit(dict, a=1).result(HANG_GUARD) == {"a": 1}
        error = KeyError("k")

        def bad() -> None:
            raise error

        assert pool.submit(bad).exception(HANG_GUARD) is error


def test_wait_as_completed_and_map() -> None:
    with ThreadPool(3) as pool:
        fs = [pool.submit(operator.mul, i, 3) for i in range(30)]
        done, not_done = cf.wait(fs, timeout=HANG_GUARD)
        assert not not_done and len(done) == 30
        assert sorted(f.result() for f in cf.as_completed(fs, timeout=HANG_GUARD)) == [
            i * 3 for i in range(30)
        ]
        assert list(pool.map(str, range(5), timeout=HANG_GUARD)) == ["0", "1", "2", "3", "4"]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="thread names need /proc")
def test_submitted_tasks_run_on_the_pool_threads() -> None:
    def name() -> str:
        return Path(f"/proc/self/task/{threading.get_native_id()}/comm").read_text().strip()

    with ThreadPool(2) as pool:
        names = {f.result(HANG_GUARD) for f in [pool.submit(name) for _ in range(20)]}
    # polyconc-py<pool>-<worker>: one of this pool's two workers.
    assert len({n.rsplit("-", 1)[0] for n in names}) == 1, names
    assert all(re.fullmatch(r"polyconc-py\d+-[01]", n) for n in names), names


def test_shutdown_refuses_and_waits() -> None:
    pool = ThreadPool(2)
    ran: list[int] = []
    fs = [pool.submit(ran.append, i) for i in range(50)]
    pool.shutdown(wait=True)
    assert all(f.done() for f in fs) and sorted(ran) == list(range(50))
    with pytest.raises(RuntimeError):
        pool.submit(int)
    pool.shutdown()  # again: nothing to do


def test_shutdown_cancel_futures_cancels_the_queued() -> None:
    pool = ThreadPool(1)
    gate = threading.Event()
    started = threading.Event()

    def block() -> str:
        started.set()
        gate.wait(HANG_GUARD)
        return "ran"

    running = pool.submit(block)
    assert started.wait(HANG_GUARD)
    queued = [pool.submit(int) for _ in range(5)]
    chained = future(int, executor=pool)
    pool.shutdown(wait=False, cancel_futures=True)
    gate.set()
    assert running.result(HANG_GUARD) == "ran", "a running task finishes"
    assert all(f.cancelled() for f in queued)
    done, _ = cf.wait(queued, timeout=HANG_GUARD)
    assert len(done) == 5, "cf.wait hears of the cancellations"
    with pytest.raises(cf.CancelledError):
        chained.result(HANG_GUARD)
    pool.shutdown(wait=True)


def test_shutdown_waiting_from_a_worker_raises() -> None:
    pool = ThreadPool(1)
    f = pool.submit(pool.shutdown)
    with pytest.raises(RuntimeError, match="own workers"):
        f.result(HANG_GUARD)
    pool.shutdown()


SHUTDOWN_CHILD = """
import threading
from polyconc import ThreadPool
pool = ThreadPool(1)
gate = threading.Event()
busy = pool.submit(gate.wait, 60)
queued = pool.submit(int, 7)
print("READY", flush=True)
try:
    pool.shutdown(wait=True)
    raise SystemExit("shutdown returned")
except KeyboardInterrupt:
    pass
# Interrupted, the wait only stopped: the pool still runs what it had.
gate.set()
assert busy.result(60) is True and queued.result(60) == 7
pool.shutdown(wait=True)
print("INTERRUPTED, NOTHING LOST", flush=True)
"""


def test_sigint_interrupts_shutdown_wait() -> None:
    assert "NOTHING LOST" in interrupt_child(SHUTDOWN_CHILD)


def test_cancelled_submit_does_not_run() -> None:
    with ThreadPool(1) as pool:
        gate = threading.Event()
        pool.submit(gate.wait, HANG_GUARD)
        ran: list[int] = []
        queued = pool.submit(ran.append, 1)
        assert queued.cancel()
        gate.set()
    assert ran == [] and queued.cancelled()


def test_pool_as_executor_for_combinators() -> None:
    with ThreadPool(2) as pool:
        f = Future.successful(3).map(lambda v: v + 1, executor=pool)
        assert f.result(HANG_GUARD) == 4


@pytest.mark.parametrize("opener_first", [False, True])
def test_a_task_blocked_without_the_gil_holds_up_no_other(opener_first: bool) -> None:
    # A worker holding the GIL runs the tasks queued behind its own; one
    # that blocks (here, waiting for the task after it) must not keep the
    # others from the pool's other worker.
    with ThreadPool(2) as pool:
        gate = threading.Event()
        if opener_first:
            opener = future(gate.set, executor=pool)
            waiter = future(gate.wait, HANG_GUARD, executor=pool)
        else:
            waiter = future(gate.wait, HANG_GUARD, executor=pool)
            opener = future(gate.set, executor=pool)
        opener.result(HANG_GUARD)
        assert waiter.result(HANG_GUARD) is True


def test_many_threads_submit_exact_sum() -> None:
    with ThreadPool(4) as pool:
        totals: list[int] = []
        lock = threading.Lock()

        def run(k: int) -> None:
            fs = [pool.submit(operator.add, k * 1000, i) for i in range(200)]
            s = sum(f.result(HANG_GUARD) for f in fs)
            with lock:
                totals.append(s)

        threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(HANG_GUARD)
    assert sorted(totals) == sorted(200 * k * 1000 + 19900 for k in range(8))


def test_a_worker_keeps_its_python_thread_state() -> None:
    # One thread state per pool thread for its life (not one per task):
    # what a task leaves in a threading.local, the next task on that
    # thread still sees; and the pool still shuts down (each worker gives
    # its state back as it ends).
    local = threading.local()

    def count() -> int:
        local.n = getattr(local, "n", 0) + 1
        return int(local.n)

    pool = ThreadPool(1)
    counts = [pool.submit(count).result(HANG_GUARD) for _ in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    pool.shutdown(wait=True)
