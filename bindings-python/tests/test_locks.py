"""Mutex, ReentrantLock and Condition: threading's semantics and errors,
Ctrl-C and asyncio cancellation leaving no hold behind, threads and two
event loops sharing one lock, the GIL released while blocked."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable

import pytest
from _helpers import HANG_GUARD, interrupt_child, run_child, run_threads

from polyconc import Condition, Mutex, ReentrantLock

LOCKS: list[Callable[[], Mutex | ReentrantLock]] = [Mutex, ReentrantLock]


def eventually(check: Callable[[], bool]) -> None:
    """Waits (a hang guard, never a speed check) until `check()` holds."""
    end = time.monotonic() + HANG_GUARD
    while not check():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.001)


# --- Mutex -----------------------------------------------------------------


def test_mutex_acquire_release_locked() -> None:
    m = Mutex()
    assert not m.locked()
    assert m.acquire() is True
    assert m.locked()
    assert m.acquire(False) is False
    assert m.acquire(0) is False  # type: ignore[arg-type]  # by truth value, as threading
    assert m.acquire(timeout=0.01) is False
    assert m.acquire(True, 0) is False
    m.release()
    assert not m.locked()
    with pytest.raises(RuntimeError, match="not locked"):
        m.release()


@pytest.mark.parametrize("make", LOCKS)
def test_acquire_argument_errors_are_threadings(make: Callable[[], Mutex | ReentrantLock]) -> None:
    lock = make()
    with pytest.raises(ValueError, match="can't specify a timeout for a non-blocking call"):
        lock.acquire(False, 1.0)
    with pytest.raises(ValueError, match="timeout value must be a non-negative number"):
        lock.acquire(timeout=-2)
    with pytest.raises(ValueError):
        lock.acquire(timeout=math.nan)
    with pytest.raises(TypeError):
        lock.acquire(timeout="soon")  # type: ignore[arg-type]
    assert not lock.locked()
    # -1 and None both wait forever; False with -1 (the default) tries once.
    assert lock.acquire(timeout=-1)
    lock.release()
    assert lock.acquire(timeout=None)
    lock.release()
    assert lock.acquire(False, -1)
    lock.release()


def test_mutex_release_from_another_thread() -> None:
    m = Mutex()
    m.acquire()
    run_threads([m.release])
    assert not m.locked()
    # ... and a blocked acquire waits until some thread releases it.
    m.acquire()
    threading.Timer(0.05, m.release).start()
    assert m.acquire(timeout=HANG_GUARD)
    m.release()


def test_mutex_context_managers() -> None:
    m = Mutex()
    with m as taken:
        assert taken is True
        assert m.locked()
    assert not m.locked()

    async def main() -> None:
        async with m:
            assert m.locked()
        assert not m.locked()

    asyncio.run(main())


@pytest.mark.parametrize("make", LOCKS)
def test_threads_exclude_each_other_exact_sum(make: Callable[[], Mutex | ReentrantLock]) -> None:
    lock = make()
    total = [0]

    def work() -> None:
        for _ in range(2000):
            with lock:
                v = total[0]
                if v % 97 == 0:
                    time.sleep(0)  # let another thread try meanwhile
                total[0] = v + 1

    run_threads([work] * 6)
    assert total[0] == 6 * 2000
    assert not lock.locked()


def test_mutex_acquire_async_timeout_and_release_from_thread() -> None:
    m = Mutex()

    async def main() -> None:
        m.acquire()
        assert await m.acquire_async(timeout=0.02) is False
        threading.Timer(0.02, m.release).start()
        assert await m.acquire_async() is True
        assert m.locked()
        m.release()
        with pytest.raises(ValueError):
            await m.acquire_async(timeout=-1.0)

    asyncio.run(main())
    assert not m.locked()


def test_mutex_cancelled_acquire_async_holds_nothing() -> None:
    m = Mutex()

    async def main() -> None:
        m.acquire()
        waiting = asyncio.create_task(m.acquire_async())
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        m.release()
        assert not m.locked(), "the cancelled acquire took the lock"
        # Released and cancelled at once: the lock may have been handed to
        # the task; then either it ran and holds it, or it passed it on.
        for _ in range(50):
            m.acquire()
            task = asyncio.create_task(m.acquire_async())
            await asyncio.sleep(0)
            m.release()
            task.cancel()
            got = await asyncio.gather(task, return_exceptions=True)
            if got == [True]:
                assert m.locked()
                m.release()
            else:
                assert isinstance(got[0], asyncio.CancelledError)
            assert not m.locked(), "a cancelled acquire kept the lock"

    asyncio.run(main())


def test_mutex_shared_by_threads_and_two_event_loops() -> None:
    m = Mutex()
    total = [0]
    rounds = 300

    def loop_worker() -> None:
        async def main() -> None:
            for _ in range(rounds):
                async with m:
                    v = total[0]
                    await asyncio.sleep(0)
                    total[0] = v + 1

        asyncio.run(main())

    def thread_worker() -> None:
        for _ in range(rounds):
            with m:
                v = total[0]
                time.sleep(0)
                total[0] = v + 1

    run_threads([loop_worker, loop_worker, thread_worker, thread_worker])
    assert total[0] == 4 * rounds
    assert not m.locked()


# --- ReentrantLock -----------------------------------------------------------


def test_reentrant_holds_and_queries() -> None:
    r = ReentrantLock()
    assert r.fair is False and ReentrantLock(fair=True).fair is True
    assert r.hold_count() == 0 and not r.is_held_by_current_thread()
    assert r.acquire() and r.acquire(False) and r.acquire(timeout=0)
    assert r.hold_count() == 3 and r.is_held_by_current_thread() and r.locked()
    seen: list[object] = []

    def other() -> None:
        seen.append(r.hold_count())
        seen.append(r.is_held_by_current_thread())
        seen.append(r.acquire(timeout=0.01))
        with pytest.raises(RuntimeError, match="not held by the calling thread"):
            r.release()
        seen.append("raised")

    run_threads([other])
    assert seen == [0, False, False, "raised"]
    for left in (2, 1, 0):
        r.release()
        assert r.hold_count() == left
    assert not r.locked()
    with pytest.raises(RuntimeError):
        r.release()


def test_reentrant_queue_length_counts_a_waiting_thread() -> None:
    r = ReentrantLock()
    r.acquire()

    def take() -> None:
        with r:
            pass

    waiter = threading.Thread(target=take)
    waiter.start()
    eventually(lambda: r.queue_length() == 1)
    r.release()
    waiter.join(HANG_GUARD)
    assert not waiter.is_alive()
    assert r.queue_length() == 0 and not r.locked()


def test_reentrant_with_nests() -> None:
    r = ReentrantLock()
    with r, r:
        assert r.hold_count() == 2
    assert r.hold_count() == 0


# --- Condition ---------------------------------------------------------------


@pytest.mark.parametrize("make", LOCKS)
def test_condition_needs_the_lock(make: Callable[[], Mutex | ReentrantLock]) -> None:
    c = Condition(make())
    with pytest.raises(RuntimeError, match="cannot wait on un-acquired lock"):
        c.wait(0.01)
    with pytest.raises(RuntimeError, match="cannot notify on un-acquired lock"):
        c.notify()
    with pytest.raises(RuntimeError, match="cannot notify on un-acquired lock"):
        c.notify_all()
    with c:
        assert c.wait(0.01) is False
        assert c.wait_for(lambda: 0, timeout=0.01) == 0
        c.notify(3)
        c.notify_all()
    assert not c.lock.locked()


def test_condition_lock_types() -> None:
    assert isinstance(Condition().lock, ReentrantLock)
    m = Mutex()
    assert Condition(m).lock is m
    r = ReentrantLock()
    assert r.new_condition().lock is r
    with pytest.raises(TypeError, match=r"ReentrantLock or polyconc\.Mutex"):
        Condition(threading.Lock())  # type: ignore[arg-type]


def test_condition_wait_releases_every_hold_and_restores_them() -> None:
    c = Condition()
    lock = c.lock
    assert isinstance(lock, ReentrantLock)
    got: list[bool] = []

    def other() -> None:
        got.append(lock.acquire(timeout=HANG_GUARD))
        c.notify()
        lock.release()

    with c, c:
        t = threading.Thread(target=other)
        t.start()
        assert c.wait(timeout=HANG_GUARD) is True
        assert lock.hold_count() == 2
    t.join(HANG_GUARD)
    assert got == [True] and not lock.locked()


@pytest.mark.parametrize("make", LOCKS)
def test_condition_producer_consumer_exact_sum(make: Callable[[], Mutex | ReentrantLock]) -> None:
    c = Condition(make())
    items: list[int] = []
    done = [0]
    total = [0]
    n_producers, per = 3, 300

    def produce(base: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(per):
                with c:
                    items.append(base + i)
                    c.notify()
            with c:
                done[0] += 1
                c.notify_all()

        return run

    def consume() -> None:
        while True:
            with c:
                c.wait_for(lambda: items or done[0] == n_producers)
                if not items:
                    return
                total[0] += items.pop()

    run_threads([produce(k * 1000) for k in range(n_producers)] + [consume, consume])
    expected = sum(k * 1000 + i for k in range(n_producers) for i in range(per))
    assert total[0] == expected


def test_condition_notify_all_wakes_every_waiter() -> None:
    c = Condition(Mutex())
    go = [False]
    woke: list[bool] = []
    waiting = [0]

    def waiter() -> None:
        with c:
            waiting[0] += 1
            woke.append(c.wait_for(lambda: go[0], timeout=HANG_GUARD))

    threads = [threading.Thread(target=waiter) for _ in range(4)]
    for t in threads:
        t.start()
    eventually(lambda: waiting[0] == 4)
    with c:
        go[0] = True
        c.notify_all()
    for t in threads:
        t.join(HANG_GUARD)
    assert woke == [True] * 4


# --- Ctrl-C and the GIL (subprocesses) ----------------------------------------

ACQUIRE_CHILD = """
from polyconc import {cls}
lock = {cls}()
import threading
holder_ready = threading.Event()
release = threading.Event()
def holder():
    lock.acquire()
    holder_ready.set()
    release.wait()
    lock.release()
t = threading.Thread(target=holder)
t.start()
holder_ready.wait()
print("READY", flush=True)
try:
    lock.acquire()
    raise SystemExit("acquire returned")
except KeyboardInterrupt:
    pass
release.set()
t.join()
assert not lock.locked(), "the interrupted acquire took the lock"
assert lock.acquire(False)
lock.release()
print("INTERRUPTED, NOTHING HELD", flush=True)
"""


@pytest.mark.parametrize("cls", ["Mutex", "ReentrantLock"])
def test_sigint_interrupts_a_blocked_acquire(cls: str) -> None:
    assert "NOTHING HELD" in interrupt_child(ACQUIRE_CHILD.format(cls=cls))


WAIT_CHILD = """
from polyconc import Condition
c = Condition()
c.acquire()
c.acquire()
print("READY", flush=True)
try:
    c.wait()
    raise SystemExit("wait returned")
except KeyboardInterrupt:
    pass
assert c.lock.hold_count() == 2, "the lock is not held again as it was"
c.release()
c.release()
assert not c.lock.locked()
print("INTERRUPTED, LOCK RESTORED", flush=True)
"""


def test_sigint_interrupts_a_condition_wait() -> None:
    assert "LOCK RESTORED" in interrupt_child(WAIT_CHILD)


LOCK_GIL_CHILD = """
import threading
from polyconc import Condition, Mutex, ReentrantLock
m, r, c = Mutex(), ReentrantLock(), Condition()
m.acquire()
def hold_r():
    r.acquire()
    held.set()
    let_go.wait()
    r.release()
held, let_go = threading.Event(), threading.Event()
threading.Thread(target=hold_r).start()
held.wait()
started = threading.Barrier(4)
def blocked(op):
    def run():
        started.wait()
        op()
    return run
def cond_wait():
    with c:
        c.wait()
threads = [threading.Thread(target=blocked(op)) for op in (m.acquire, r.acquire, cond_wait)]
for t in threads:
    t.start()
started.wait()
count = 0
for _ in range(2_000_000):  # pure Python work while three threads wait
    count += 1
alive = all(t.is_alive() for t in threads)
m.release()
let_go.set()
with c:
    c.notify()
for t in threads:
    t.join()
print("OK", count, alive)
"""


def test_blocked_locks_never_hold_the_gil() -> None:
    out = run_child(LOCK_GIL_CHILD)
    assert out.split() == ["OK", "2000000", "True"]
