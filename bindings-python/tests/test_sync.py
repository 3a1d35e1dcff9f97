"""Semaphore, CountDownLatch, WaitGroup and CyclicBarrier: the semantics issue 15 lists,
Ctrl-C and asyncio cancellation losing no permit, threads and two event
loops sharing one, the GIL released while blocked."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from _helpers import HANG_GUARD, run_threads
from test_locks import (
    assert_blocked_ops_leave_the_gil,
    assert_interrupt_loses_nothing,
    count_under,
    eventually,
)

from polyconc import CountDownLatch, CyclicBarrier, Semaphore, WaitGroup

# --- Semaphore ---------------------------------------------------------------


def test_semaphore_takes_permits_all_or_nothing() -> None:
    s = Semaphore(3)
    assert s.acquire(permits=2) is True
    assert s.available_permits() == 1
    assert s.acquire(False, permits=2) is False
    assert s.acquire(timeout=0.01, permits=2) is False
    assert s.available_permits() == 1, "a failed acquire took some permits"
    s.release(3)
    assert s.available_permits() == 4
    assert s.drain_permits() == 4 and s.available_permits() == 0
    assert s.acquire(blocking=False) is False
    s.release()
    with s:
        assert s.available_permits() == 0
    assert s.available_permits() == 1


def test_semaphore_defaults_and_errors() -> None:
    assert Semaphore().available_permits() == 1
    assert Semaphore(0, fair=True).fair is True and Semaphore().fair is False
    s = Semaphore(1)
    with pytest.raises(ValueError, match="initial value must be >= 0"):
        Semaphore(-1)
    with pytest.raises(ValueError, match="permits must be at least 1"):
        s.acquire(permits=0)
    with pytest.raises(ValueError, match="can't specify timeout for non-blocking acquire"):
        s.acquire(False, 1.0)
    with pytest.raises(ValueError, match="timeout"):
        s.acquire(timeout=-1)
    with pytest.raises(ValueError, match="n must be one or more"):
        s.release(0)
    with pytest.raises(TypeError):
        s.acquire(True, None, 2)  # type: ignore[misc]  # permits is keyword-only
    assert s.available_permits() == 1


def test_semaphore_bounds_concurrency_exact() -> None:
    s = Semaphore(2)
    inside = [0]
    most = [0]
    count = threading.Lock()
    total = [0]

    def work() -> None:
        for _ in range(300):
            with s:
                with count:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0)
                with count:
                    inside[0] -= 1
                    total[0] += 1

    run_threads([work] * 5)
    assert total[0] == 1500 and most[0] <= 2
    assert s.available_permits() == 2


def test_semaphore_fair_serves_in_arrival_order() -> None:
    s = Semaphore(0, fair=True)
    order: list[int] = []
    threads = []

    def take(i: int) -> None:
        s.acquire()
        order.append(i)

    for i in range(4):
        t = threading.Thread(target=take, args=(i,))
        t.start()
        threads.append(t)
        queued = i + 1
        eventually(lambda: s.queue_length() == queued)  # noqa: B023 (used at once)
    for _ in range(4):
        s.release()
        eventually(lambda: len(order) == 4 - s.queue_length())
    for t in threads:
        t.join(HANG_GUARD)
    assert order == [0, 1, 2, 3]


def test_semaphore_cancelled_acquire_async_loses_no_permit() -> None:
    async def main() -> None:
        s = Semaphore(0)
        waiting = asyncio.create_task(s.acquire_async(permits=2))
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert s.available_permits() == 0 and s.queue_length() == 0
        # Released and cancelled at once: the permits were taken only if the
        # task returned True.
        for _ in range(50):
            task = asyncio.create_task(s.acquire_async(permits=2))
            await asyncio.sleep(0)
            s.release(2)
            task.cancel()
            got = await asyncio.gather(task, return_exceptions=True)
            expected_left = 0 if got == [True] else 2
            assert s.available_permits() == expected_left, got
            s.drain_permits()
        assert await s.acquire_async(timeout=0.01) is False

    asyncio.run(main())


def test_semaphore_shared_by_threads_and_two_event_loops() -> None:
    s = Semaphore(1)
    assert count_under(s, loops=2, threads=1, rounds=300) == 3 * 300
    assert s.available_permits() == 1


# --- CountDownLatch ----------------------------------------------------------


def test_latch_opens_at_zero_and_stays_open() -> None:
    latch = CountDownLatch(2)
    assert latch.count == 2 and latch.wait(0.01) is False
    opened: list[bool] = []
    waiters = [threading.Thread(target=lambda: opened.append(latch.wait(HANG_GUARD)))]
    waiters[0].start()
    latch.count_down()
    latch.count_down()
    latch.count_down()  # nothing below zero
    waiters[0].join(HANG_GUARD)
    assert opened == [True] and latch.count == 0 and latch.wait() is True
    assert CountDownLatch(0).wait(0) is True
    with pytest.raises(ValueError, match="non-negative"):
        CountDownLatch(-1)


def test_latch_shared_by_threads_and_two_event_loops() -> None:
    latch = CountDownLatch(3)
    seen: list[str] = []

    def loop_waiter() -> None:
        async def main() -> None:
            assert await latch.wait_async(HANG_GUARD) is True
            seen.append("task")

        asyncio.run(main())

    def thread_waiter() -> None:
        assert latch.wait(HANG_GUARD)
        seen.append("thread")

    def counter() -> None:
        for _ in range(3):
            time.sleep(0.005)
            latch.count_down()

    run_threads([loop_waiter, loop_waiter, thread_waiter, counter])
    assert sorted(seen) == ["task", "task", "thread"]


def test_latch_wait_async_times_out_and_cancels() -> None:
    async def main() -> None:
        latch = CountDownLatch(1)
        assert await latch.wait_async(0.01) is False
        task = asyncio.create_task(latch.wait_async())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        latch.count_down()
        assert await latch.wait_async() is True

    asyncio.run(main())


# --- WaitGroup ---------------------------------------------------------------


def test_waitgroup_counts_and_refuses_negative() -> None:
    wg = WaitGroup()
    assert wg.count == 0 and wg.wait(0) is True
    wg.add(3)
    with pytest.raises(ValueError, match="below zero"):
        wg.add(-4)
    assert wg.count == 3, "a refused add changed the counter"
    wg.add(-1)
    wg.done()
    assert wg.wait(0.01) is False
    wg.done()
    assert wg.wait() is True
    with pytest.raises(ValueError, match="below zero"):
        wg.done()
    assert wg.count == 0


def test_waitgroup_waits_for_threads_and_tasks() -> None:
    wg = WaitGroup()
    total = [0]
    lock = threading.Lock()
    wg.add(6)

    def thread_worker() -> None:
        with lock:
            total[0] += 1
        wg.done()

    def loop_worker() -> None:
        async def main() -> None:
            with lock:
                total[0] += 1
            wg.done()
            assert await wg.wait_async(HANG_GUARD) is True

        asyncio.run(main())

    run_threads([thread_worker] * 4 + [loop_worker] * 2)
    assert wg.wait(HANG_GUARD) and total[0] == 6


# --- CyclicBarrier -----------------------------------------------------------


def test_barrier_indexes_first_arrival_zero_and_cycles() -> None:
    b = CyclicBarrier(2)
    assert (b.parties, b.n_waiting, b.broken) == (2, 0, False)
    got: dict[str, int] = {}
    first = threading.Thread(target=lambda: got.__setitem__("first", b.wait(HANG_GUARD)))
    first.start()
    eventually(lambda: b.n_waiting == 1)
    got["second"] = b.wait(HANG_GUARD)
    first.join(HANG_GUARD)
    assert got == {"first": 0, "second": 1}
    # The next generation works the same way.
    results: list[int] = []

    def party() -> None:
        results.append(b.wait(HANG_GUARD))

    for _ in range(3):
        results.clear()
        run_threads([party, party])
        assert sorted(results) == [0, 1]
    assert not b.broken


def test_barrier_timeout_breaks_it_with_brokenbarriererror() -> None:
    b = CyclicBarrier(2)
    with pytest.raises(threading.BrokenBarrierError):
        b.wait(0.01)
    assert b.broken
    with pytest.raises(threading.BrokenBarrierError):
        b.wait()
    b.reset()
    assert not b.broken
    d = CyclicBarrier(2, timeout=0.01)  # the barrier's default timeout
    with pytest.raises(threading.BrokenBarrierError):
        d.wait()
    with pytest.raises(ValueError, match="parties"):
        CyclicBarrier(0)


def break_two_waiting_parties(b: CyclicBarrier, breaker: str) -> list[str]:
    """Two parties wait on ``b``; ``b.reset()`` or ``b.abort()`` breaks them
    out. Returns what each waiter saw."""
    errors: list[str] = []

    def waiter() -> None:
        try:
            b.wait(HANG_GUARD)
        except threading.BrokenBarrierError:
            errors.append("broken")

    threads = [threading.Thread(target=waiter) for _ in range(2)]
    for t in threads:
        t.start()
    eventually(lambda: b.n_waiting == 2)
    getattr(b, breaker)()
    for t in threads:
        t.join(HANG_GUARD)
    return errors


def test_barrier_reset_breaks_waiting_parties_out() -> None:
    b = CyclicBarrier(3)
    assert break_two_waiting_parties(b, "reset") == ["broken", "broken"]
    assert not b.broken


def test_barrier_abort_breaks_waiting_and_later_parties_until_reset() -> None:
    # CPython's lock_tests.BarrierTests.test_abort, with polyconc's barrier.
    b = CyclicBarrier(3)
    assert break_two_waiting_parties(b, "abort") == ["broken", "broken"]
    assert b.broken
    with pytest.raises(threading.BrokenBarrierError):
        b.wait(HANG_GUARD)
    b.reset()
    assert not b.broken
    arrived: list[int] = []
    run_threads([lambda: arrived.append(b.wait(HANG_GUARD))] * 3)
    assert sorted(arrived) == [0, 1, 2]


def test_barrier_action_runs_once_per_round_and_its_exception_breaks_it() -> None:
    rounds: list[int] = []
    b = CyclicBarrier(3, action=lambda: rounds.append(b.n_waiting))

    def party() -> None:
        b.wait(HANG_GUARD)

    run_threads([party] * 3)
    run_threads([party] * 3)
    assert len(rounds) == 2

    def fail() -> None:
        raise KeyError("boom")

    bad = CyclicBarrier(2, action=fail)
    raised: list[str] = []

    def bad_party() -> None:
        try:
            bad.wait(HANG_GUARD)
        except KeyError:
            raised.append("action's own")
        except threading.BrokenBarrierError:
            raised.append("broken")

    run_threads([bad_party, bad_party])
    assert sorted(raised) == ["action's own", "broken"] and bad.broken


def test_barrier_shared_by_threads_and_two_event_loops() -> None:
    b = CyclicBarrier(4)
    indexes: list[int] = []
    lock = threading.Lock()

    def record(i: int) -> None:
        with lock:
            indexes.append(i)

    def loop_party() -> None:
        async def main() -> None:
            for _ in range(20):
                record(await b.wait_async(HANG_GUARD))

        asyncio.run(main())

    def thread_party() -> None:
        for _ in range(20):
            record(b.wait(HANG_GUARD))

    run_threads([loop_party, loop_party, thread_party, thread_party])
    assert sorted(indexes) == sorted(list(range(4)) * 20)


def test_barrier_cancelled_wait_async_breaks_it() -> None:
    async def main() -> None:
        b = CyclicBarrier(2)
        task = asyncio.create_task(b.wait_async())
        await asyncio.sleep(0.01)
        assert b.n_waiting == 1
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert b.broken and b.n_waiting == 0
        b.reset()
        with pytest.raises(threading.BrokenBarrierError):
            await b.wait_async(0.01)

    asyncio.run(main())


# --- Ctrl-C and the GIL (subprocesses) ----------------------------------------


def test_sigint_interrupts_a_semaphore_acquire() -> None:
    setup = """
from polyconc import Semaphore
s = Semaphore(1)
"""
    after = """
assert s.available_permits() == 1, "the interrupted acquire took a permit"
assert s.queue_length() == 0, "the interrupted acquire is still queued"
s.release()
assert s.acquire(permits=2)
"""
    assert_interrupt_loses_nothing(setup, "s.acquire(permits=2)", after)


def test_sigint_interrupts_a_latch_wait() -> None:
    setup = """
from polyconc import CountDownLatch
latch = CountDownLatch(1)
"""
    after = """
assert latch.count == 1
latch.count_down()
assert latch.wait(0)
"""
    assert_interrupt_loses_nothing(setup, "latch.wait()", after)


def test_sigint_interrupts_a_barrier_wait() -> None:
    setup = """
import threading
from polyconc import CyclicBarrier
b = CyclicBarrier(2)
"""
    after = """
assert b.broken and b.n_waiting == 0, "the interrupted party is still counted"
b.reset()
results = []
t = threading.Thread(target=lambda: results.append(b.wait(30)))
t.start()
results.append(b.wait(30))
t.join()
assert sorted(results) == [0, 1]
"""
    assert_interrupt_loses_nothing(setup, "b.wait()", after)


def test_blocked_synchronizers_never_hold_the_gil() -> None:
    setup = """
from polyconc import CountDownLatch, CyclicBarrier, Semaphore, WaitGroup
s, latch, wg, b = Semaphore(0), CountDownLatch(1), WaitGroup(), CyclicBarrier(2)
wg.add(1)
OPS = (s.acquire, latch.wait, wg.wait, b.wait)
"""
    let_go = """
s.release()
latch.count_down()
wg.done()
b.wait()
"""
    assert_blocked_ops_leave_the_gil(setup, let_go)
