"""LinkedTransferQueue.transfer_async from asyncio: done once a consumer
has the element, and a cancellation that loses nothing and never delivers
twice (the rule of put_async)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import Any

import pytest
from _helpers import HANG_GUARD

from polyconc import LinkedTransferQueue, QueueClosed


def run(coro: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coro, HANG_GUARD))


def test_transfer_async_completes_once_received() -> None:
    async def main() -> None:
        q: LinkedTransferQueue[str] = LinkedTransferQueue()
        t = asyncio.create_task(q.transfer_async("x"))
        await asyncio.sleep(0.01)
        assert not t.done(), "nobody has received it yet"
        assert q.peek() == "x" and len(q) == 1
        assert await q.take_async() == "x"
        await t  # done: a consumer has it
        assert t.done() and q.poll() is None
        with pytest.raises(TypeError):
            await q.transfer_async(None)  # type: ignore[arg-type]

    run(main())


def test_transfer_async_to_a_thread() -> None:
    async def main() -> None:
        q: LinkedTransferQueue[int] = LinkedTransferQueue()
        taken: list[int] = []
        taker = threading.Thread(target=lambda: taken.append(q.take()))
        taker.start()
        await q.transfer_async(7)
        taker.join(HANG_GUARD)
        assert taken == [7]

    run(main())


def test_cancelled_transfer_withdraws_its_element() -> None:
    async def main() -> None:
        q: LinkedTransferQueue[str] = LinkedTransferQueue()
        q.put("first")
        t = asyncio.create_task(q.transfer_async("cancelled"))
        await asyncio.sleep(0.01)
        assert len(q) == 2
        t.cancel()
        with pytest.raises(asyncio.CancelledError):
            await t
        assert q.to_list() == ["first"], "the cancelled transfer left nothing"

    run(main())


def test_cancelled_transfer_whose_element_was_received_returns_normally() -> None:
    async def main() -> None:
        q: LinkedTransferQueue[str] = LinkedTransferQueue()
        t = asyncio.create_task(q.transfer_async("handed"))
        await asyncio.sleep(0.01)  # queued, waiting for a consumer
        taken: list[str] = []
        taker = threading.Thread(target=lambda: taken.append(q.take()))
        taker.start()
        taker.join(HANG_GUARD)  # blocks the loop: the transfer cannot resume yet
        assert taken == ["handed"]
        t.cancel()
        await t  # received: it returns normally, un-cancelled
        assert not t.cancelled()
        assert q.poll() is None, "delivered once"

    run(main())


def test_transfer_async_on_a_closed_queue() -> None:
    async def main() -> None:
        q: LinkedTransferQueue[str] = LinkedTransferQueue()
        t = asyncio.create_task(q.transfer_async("late"))
        await asyncio.sleep(0.01)
        q.close()
        with pytest.raises(QueueClosed):
            await t
        with pytest.raises(QueueClosed):
            await q.transfer_async("after")

    run(main())


def test_many_transfers_cancelled_or_not_exact_multiset() -> None:
    n = 300
    q: LinkedTransferQueue[int] = LinkedTransferQueue()
    taken: list[int] = []

    def consume() -> None:
        while True:
            try:
                taken.append(q.take())
            except QueueClosed:
                return

    consumers = [threading.Thread(target=consume) for _ in range(2)]
    for c in consumers:
        c.start()

    async def main() -> list[int]:
        tasks = [asyncio.create_task(q.transfer_async(i)) for i in range(n)]
        await asyncio.sleep(0)
        for t in tasks[::3]:
            t.cancel()
        delivered = []
        for i, t in enumerate(tasks):
            try:
                await t
                delivered.append(i)
            except asyncio.CancelledError:
                pass
        return delivered

    delivered = run(main())
    q.close()
    for c in consumers:
        c.join(HANG_GUARD)
    assert Counter(taken) == Counter(delivered), "every completed transfer once, nothing else"
    assert set(range(n)) - set(range(0, n, 3)) <= set(delivered), "uncancelled ones delivered"
