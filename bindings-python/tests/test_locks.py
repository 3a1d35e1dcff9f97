"""Mutex, SpinLock, ReentrantLock, RwLock and Condition: threading's semantics and errors,
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

from polyconc import Condition, Mutex, ReentrantLock, RwLock, Semaphore, SpinLock

Lock = Mutex | SpinLock | ReentrantLock
LOCKS: list[Callable[[], Lock]] = [Mutex, SpinLock, ReentrantLock]
# The locks without an owner: any thread may release them.
UNOWNED: list[Callable[[], Mutex | SpinLock]] = [Mutex, SpinLock]


def eventually(check: Callable[[], bool]) -> None:
    """Waits (a hang guard, never a speed check) until `check()` holds."""
    end = time.monotonic() + HANG_GUARD
    while not check():
        assert time.monotonic() < end, "condition never held"
        time.sleep(0.001)


# --- Mutex -----------------------------------------------------------------


@pytest.mark.parametrize("make", UNOWNED)
def test_mutex_acquire_release_locked(make: Callable[[], Mutex | SpinLock]) -> None:
    m = make()
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
def test_acquire_argument_errors_are_threadings(make: Callable[[], Lock]) -> None:
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


@pytest.mark.parametrize("make", UNOWNED)
def test_mutex_release_from_another_thread(make: Callable[[], Mutex | SpinLock]) -> None:
    m = make()
    m.acquire()
    run_threads([m.release])
    assert not m.locked()
    # ... and a blocked acquire waits until some thread releases it.
    m.acquire()
    threading.Timer(0.05, m.release).start()
    assert m.acquire(timeout=HANG_GUARD)
    m.release()


@pytest.mark.parametrize("make", UNOWNED)
def test_mutex_context_managers(make: Callable[[], Mutex | SpinLock]) -> None:
    m = make()
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
def test_threads_exclude_each_other_exact_sum(make: Callable[[], Lock]) -> None:
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


@pytest.mark.parametrize("make", UNOWNED)
def test_mutex_acquire_async_timeout_and_release_from_thread(
    make: Callable[[], Mutex | SpinLock],
) -> None:
    m = make()

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


@pytest.mark.parametrize("make", UNOWNED)
def test_mutex_cancelled_acquire_async_holds_nothing(make: Callable[[], Mutex | SpinLock]) -> None:
    m = make()

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


def count_under(lock: Mutex | SpinLock | Semaphore, loops: int, threads: int, rounds: int) -> int:
    """`loops` event loops (``async with``) and `threads` threads (``with``)
    each count `rounds` times under `lock`, yielding between the read and
    the write of the count; returns the count (a lost update shows)."""
    total = [0]

    def loop_worker() -> None:
        async def main() -> None:
            for _ in range(rounds):
                async with lock:
                    v = total[0]
                    await asyncio.sleep(0)
                    total[0] = v + 1

        asyncio.run(main())

    def thread_worker() -> None:
        for _ in range(rounds):
            with lock:
                v = total[0]
                time.sleep(0)
                total[0] = v + 1

    run_threads([loop_worker] * loops + [thread_worker] * threads)
    return total[0]


@pytest.mark.parametrize("make", UNOWNED)
def test_mutex_shared_by_threads_and_two_event_loops(make: Callable[[], Mutex | SpinLock]) -> None:
    m = make()
    assert count_under(m, loops=2, threads=2, rounds=300) == 4 * 300
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


def test_threading_condition_works_over_a_reentrant_lock() -> None:
    r = ReentrantLock()
    c = threading.Condition(r)  # type: ignore[arg-type]
    ready: list[int] = []

    def other() -> None:
        with c:
            ready.append(1)
            c.notify()

    with c, c:
        t = threading.Thread(target=other)
        t.start()
        assert c.wait_for(lambda: ready, timeout=HANG_GUARD)
        assert r.hold_count() == 2
    t.join(HANG_GUARD)
    assert not r.locked()
    with pytest.raises(RuntimeError):
        c.notify()


def test_reentrant_with_nests() -> None:
    r = ReentrantLock()
    with r, r:
        assert r.hold_count() == 2
    assert r.hold_count() == 0


# --- RwLock ------------------------------------------------------------------


def test_rwlock_readers_share_writers_exclude() -> None:
    rw = RwLock()
    assert rw.acquire_read() and rw.acquire_read(0)
    assert rw.readers == 2
    assert rw.acquire_write(0.01) is False
    rw.release_read()
    rw.release_read()
    with pytest.raises(RuntimeError, match="without a read hold"):
        rw.release_read()
    assert rw.acquire_write(0) is True and rw.writing
    assert rw.acquire_read(0.01) is False and rw.acquire_write(0) is False
    run_threads([rw.release_write])  # any thread may release
    assert not rw.writing
    with pytest.raises(RuntimeError, match="without the write hold"):
        rw.release_write()
    with pytest.raises(ValueError):
        rw.acquire_read(timeout=-1)
    with rw.read() as taken, rw.read():
        assert taken is True and rw.readers == 2
    with rw.write():
        assert rw.writing and rw.acquire_read(0) is False
    assert rw.readers == 0 and not rw.writing


def test_rwlock_writers_see_a_consistent_state() -> None:
    rw = RwLock()
    pair = [0, 0]
    torn: list[tuple[int, int]] = []

    def writer() -> None:
        for _ in range(500):
            with rw.write():
                pair[0] += 1
                time.sleep(0)
                pair[1] += 1

    def reader() -> None:
        for _ in range(500):
            with rw.read():
                a, b = pair
                if a != b:
                    torn.append((a, b))

    run_threads([writer, writer, reader, reader])
    assert pair == [1000, 1000] and torn == []


def test_rwlock_async_forms_and_cancellation() -> None:
    rw = RwLock()

    async def main() -> None:
        async with rw.read():
            assert rw.readers == 1
            assert await rw.acquire_write_async(0.01) is False
            waiting = asyncio.create_task(rw.acquire_write_async())
            await asyncio.sleep(0.01)
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
        assert rw.readers == 0 and not rw.writing
        async with rw.write():
            assert rw.writing
        assert await rw.acquire_read_async() is True
        rw.release_read()
        # Released and cancelled at once: held only if the task returned True.
        for _ in range(30):
            rw.acquire_read()
            task = asyncio.create_task(rw.acquire_write_async())
            await asyncio.sleep(0)
            rw.release_read()
            task.cancel()
            got = await asyncio.gather(task, return_exceptions=True)
            assert rw.writing == (got == [True]), got
            if rw.writing:
                rw.release_write()
        assert rw.acquire_write(0)
        rw.release_write()

    asyncio.run(main())


def test_rwlock_shared_by_threads_and_two_event_loops() -> None:
    rw = RwLock()
    total = [0]
    rounds = 200

    def loop_worker() -> None:
        async def main() -> None:
            for i in range(rounds):
                if i % 4:
                    async with rw.read():
                        await asyncio.sleep(0)
                else:
                    async with rw.write():
                        v = total[0]
                        await asyncio.sleep(0)
                        total[0] = v + 1

        asyncio.run(main())

    def thread_worker() -> None:
        for _ in range(rounds // 4):
            with rw.write():
                v = total[0]
                time.sleep(0)
                total[0] = v + 1

    run_threads([loop_worker, loop_worker, thread_worker])
    assert total[0] == 3 * (rounds // 4)
    assert rw.readers == 0 and not rw.writing


# --- Condition ---------------------------------------------------------------


@pytest.mark.parametrize("make", [Mutex, ReentrantLock])
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


@pytest.mark.parametrize("make", [Mutex, ReentrantLock])
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


# --- Fair waiters keep their place across GIL-free slices ---------------------

# The main thread queues first and waits through several 50 ms slices; two
# threads queue behind it. A signal handler, which runs between two of the
# main thread's slices, lets the lock go (or notifies once) while it runs:
# a waiter that left the queue between slices would lose its turn to the
# thread queued behind it.
FIFO_CHILD = """
import signal, threading, time
from polyconc import Condition, ReentrantLock
ON_CONDITION = {on_condition}
lock = ReentrantLock(fair=True)
cond = Condition(lock)
order, waiting = [], []
let_go, gone = threading.Event(), threading.Event()

def until(check):
    end = time.monotonic() + 30
    while not check():
        assert time.monotonic() < end, "never happened"
        time.sleep(0.001)

def take_turn(i):
    with lock:
        waiting.append(i)
        if ON_CONDITION:
            cond.wait(30)
        order.append(i)
        if ON_CONDITION:
            cond.notify()  # the next waiter's turn

def queued(n):
    if not ON_CONDITION:
        return lock.queue_length() == n
    # Waiting on the condition, each releases the lock.
    if len(waiting) < n or not lock.acquire(False):
        return False
    lock.release()
    return True

def holder():
    with lock:
        held.set()
        let_go.wait(30)
    gone.set()

def notifier():
    let_go.wait(30)
    with cond:
        cond.notify()
    gone.set()

def driver():
    until(lambda: queued(1))
    for i in (1, 2):
        threading.Thread(target=take_turn, args=(i,)).start()
        until(lambda: queued(i + 1))
    time.sleep(0.2)  # a few more slices of every wait
    signal.pthread_kill(threading.main_thread().ident, signal.SIGUSR1)

def between_slices(signum, frame):
    let_go.set()
    gone.wait(5)  # (a waiter that left the queue holds the lock here)
    time.sleep(0.1)  # the lock or the notify is handed on meanwhile

signal.signal(signal.SIGUSR1, between_slices)
held = threading.Event()
if ON_CONDITION:
    threading.Thread(target=notifier).start()
else:
    threading.Thread(target=holder).start()
    held.wait(30)
threading.Thread(target=driver).start()
take_turn(0)
until(lambda: len(order) == 3)
print("ORDER", *order)
"""


@pytest.mark.parametrize("on_condition", [False, True])
def test_fair_waiters_keep_their_place_across_slices(on_condition: bool) -> None:
    out = run_child(FIFO_CHILD.format(on_condition=on_condition))
    assert out.split() == ["ORDER", "0", "1", "2"]


# --- Ctrl-C and the GIL (subprocesses) ----------------------------------------

INTERRUPT_CHILD = """
{setup}
print("READY", flush=True)
try:
    {call}
    raise SystemExit("the blocking call returned")
except KeyboardInterrupt:
    pass
{after}
print("INTERRUPTED, NOTHING LOST", flush=True)
"""


def assert_interrupt_loses_nothing(setup: str, call: str, after: str) -> None:
    """A real SIGINT stops `call`, blocked in a child after `setup`; then
    `after` (top-level statements) checks that nothing was lost."""
    child = INTERRUPT_CHILD.format(setup=setup.strip(), call=call, after=after.strip())
    assert "NOTHING LOST" in interrupt_child(child)


GIL_CHILD = """
import threading
{setup}
started = threading.Barrier(len(OPS) + 1)
def blocked(op):
    def run():
        started.wait()
        op()
    return run
threads = [threading.Thread(target=blocked(op)) for op in OPS]
for t in threads:
    t.start()
started.wait()
count = 0
for _ in range(2_000_000):  # pure Python work while the threads wait
    count += 1
alive = all(t.is_alive() for t in threads)
{let_go}
for t in threads:
    t.join()
print("OK", count, alive)
"""


def assert_blocked_ops_leave_the_gil(setup: str, let_go: str) -> None:
    """Threads blocked in each of `OPS` (defined by `setup`) let pure Python
    code run at full speed; `let_go` (top-level statements) frees them."""
    child = GIL_CHILD.format(setup=setup.strip(), let_go=let_go.strip())
    assert run_child(child).split() == ["OK", "2000000", "True"]


ACQUIRE_SETUP = """
import threading
from polyconc import {cls}
lock = {cls}()
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
"""

ACQUIRE_AFTER = """
release.set()
t.join()
assert not lock.locked(), "the interrupted acquire took the lock"
assert lock.acquire(False)
lock.release()
"""


@pytest.mark.parametrize("cls", ["Mutex", "SpinLock", "ReentrantLock"])
def test_sigint_interrupts_a_blocked_acquire(cls: str) -> None:
    assert_interrupt_loses_nothing(ACQUIRE_SETUP.format(cls=cls), "lock.acquire()", ACQUIRE_AFTER)


def test_sigint_interrupts_a_condition_wait() -> None:
    setup = """
from polyconc import Condition
c = Condition()
c.acquire()
c.acquire()
"""
    after = """
assert c.lock.hold_count() == 2, "the lock is not held again as it was"
c.release()
c.release()
assert not c.lock.locked()
"""
    assert_interrupt_loses_nothing(setup, "c.wait()", after)


def test_sigint_interrupts_a_blocked_acquire_write() -> None:
    setup = """
from polyconc import RwLock
rw = RwLock()
rw.acquire_read()
"""
    after = """
assert not rw.writing, "the interrupted acquire took the write hold"
rw.release_read()
assert rw.acquire_write(0), "the interrupted writer still blocks the lock"
rw.release_write()
"""
    assert_interrupt_loses_nothing(setup, "rw.acquire_write()", after)


def test_blocked_locks_never_hold_the_gil() -> None:
    setup = """
from polyconc import Condition, Mutex, ReentrantLock, RwLock, SpinLock
m, r, c, s, rw = Mutex(), ReentrantLock(), Condition(), SpinLock(), RwLock()
m.acquire()
s.acquire()
rw.acquire_read()
def hold_r():
    r.acquire()
    held.set()
    let_go.wait()
    r.release()
held, let_go = threading.Event(), threading.Event()
threading.Thread(target=hold_r).start()
held.wait()
def cond_wait():
    with c:
        c.wait()
OPS = (m.acquire, r.acquire, cond_wait, s.acquire, rw.acquire_write)
"""
    let_go = """
m.release()
s.release()
rw.release_read()
let_go.set()
with c:
    c.notify()
"""
    assert_blocked_ops_leave_the_gil(setup, let_go)
