"""The queues from asyncio: awaitable puts and takes, cancellation that
loses nothing, and one queue shared by threads and two event loops."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from _helpers import HANG_GUARD, queue_makers, run_threads

from polyconc import (
    ArrayBlockingQueue,
    DelayQueue,
    PriorityBlockingQueue,
    QueueClosed,
    SynchronousQueue,
)

QUEUES = queue_makers(4)


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, HANG_GUARD))


@pytest.mark.parametrize("make", QUEUES.values(), ids=QUEUES.keys())
def test_put_async_and_take_async(make: Callable[[], Any]) -> None:
    async def main() -> list[int]:
        q = make()

        async def produce() -> None:
            for i in range(20):
                await q.put_async(i)
            q.close()

        task = asyncio.create_task(produce())
        got = [x async for x in q]
        await task
        with pytest.raises(QueueClosed):
            await q.put_async(99)
        with pytest.raises(QueueClosed):
            await q.take_async()
        return got

    assert run(main()) == list(range(20))


def test_delay_queue_async() -> None:
    async def main() -> list[str]:
        q: DelayQueue[str] = DelayQueue()
        await q.put_async("later", 0.05)
        await q.put_async("soon", 0.01)
        return [await q.take_async(), await q.take_async()]

    assert run(main()) == ["soon", "later"]


def test_priority_take_async_wakes_on_put_from_a_thread() -> None:
    async def main() -> int:
        q: PriorityBlockingQueue[int] = PriorityBlockingQueue()
        threading.Timer(0.02, q.put, (7,)).start()
        return await q.take_async()

    assert run(main()) == 7


@pytest.mark.parametrize("make", QUEUES.values(), ids=QUEUES.keys())
def test_cancelled_take_takes_nothing(make: Callable[[], Any]) -> None:
    async def main() -> None:
        q = make()
        task = asyncio.create_task(q.take_async())
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        if isinstance(q, SynchronousQueue):
            assert q.offer("x") is False, "no ghost consumer"
        else:
            q.put("x")
            assert q.poll() == "x"

    run(main())


def test_cancelled_put_delivers_nothing() -> None:
    async def main() -> None:
        q: ArrayBlockingQueue[str] = ArrayBlockingQueue(1, fair=True)
        q.put("first")
        task = asyncio.create_task(q.put_async("cancelled"))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert q.poll() == "first"
        assert q.poll() is None, "the cancelled put delivered nothing"

    run(main())


@pytest.mark.parametrize("fair", [False, True])
def test_cancelled_put_whose_element_was_claimed_returns_normally(fair: bool) -> None:
    async def main() -> None:
        q: SynchronousQueue[str] = SynchronousQueue(fair=fair)
        put = asyncio.create_task(q.put_async("handed"))
        await asyncio.sleep(0.01)  # the put waits for a consumer
        taken: list[str] = []
        taker = threading.Thread(target=lambda: taken.append(q.take()))
        taker.start()
        taker.join(HANG_GUARD)  # blocks the loop: the put cannot resume yet
        assert taken == ["handed"]
        put.cancel()
        await put  # delivered: it returns normally, un-cancelled
        assert not put.cancelled()

    run(main())


def test_threads_and_two_event_loops_share_one_queue() -> None:
    q: ArrayBlockingQueue[int] = ArrayBlockingQueue(8, fair=True)
    n = 200
    taken: list[int] = []
    lock = threading.Lock()

    def loop_producer(base: int) -> Callable[[], None]:
        async def main() -> None:
            for i in range(n):
                await q.put_async(base + i)

        return lambda: asyncio.run(main())

    def loop_consumer() -> None:
        async def main() -> None:
            async for x in q:
                with lock:
                    taken.append(x)

        asyncio.run(main())

    def thread_producer() -> None:
        for i in range(n):
            q.put(2 * n + i)

    def thread_consumer() -> None:
        for x in q:
            with lock:
                taken.append(x)

    done = threading.Barrier(4)

    def finishing(f: Callable[[], None]) -> Callable[[], None]:
        def run_it() -> None:
            f()
            done.wait(HANG_GUARD)

        return run_it

    def closer() -> None:
        done.wait(HANG_GUARD)
        q.close()

    producers = [loop_producer(0), loop_producer(n), thread_producer]
    consumers = [loop_consumer, loop_consumer, thread_consumer]
    run_threads([*map(finishing, producers), *consumers, closer])
    assert Counter(taken) == Counter(range(3 * n))
