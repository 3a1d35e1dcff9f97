"""asyncio: send_async / recv_async / async for, cancellation, close, and
threads and tasks on one channel."""

from __future__ import annotations

import asyncio
import sys
import threading
import time

import pytest
from _helpers import HANG_GUARD

from polyconc import Chan, ChannelClosed


def run(coro):  # type: ignore[no-untyped-def]
    async def guarded():  # type: ignore[no-untyped-def]
        return await asyncio.wait_for(coro, HANG_GUARD)

    return asyncio.run(guarded())


def test_send_and_recv_async() -> None:
    async def main() -> None:
        ch: Chan[object] = Chan(0)
        obj = object()
        sender = asyncio.create_task(ch.send_async(obj))
        assert await ch.recv_async() is obj
        await sender

    run(main())


def test_async_for_ends_when_closed_and_drained() -> None:
    async def main() -> list[int]:
        ch: Chan[int] = Chan(2)

        async def produce() -> None:
            for i in range(10):
                await ch.send_async(i)
            ch.close()

        task = asyncio.create_task(produce())
        got = [x async for x in ch]
        await task
        return got

    assert run(main()) == list(range(10))


def test_async_for_goes_through_a_subclass_recv_async() -> None:
    seen = []

    class Logged(Chan[int]):
        async def recv_async(self) -> int:
            v = await super().recv_async()
            seen.append(v)
            return v

    async def main() -> list[int]:
        ch = Logged(2)
        await ch.send_async(1)
        ch.close()
        return [x async for x in ch]

    assert run(main()) == [1]
    assert seen == [1]


def test_closed_channel_raises_in_async_ops() -> None:
    async def main() -> None:
        ch: Chan[int] = Chan(1)
        ch.send(1)
        ch.close()
        with pytest.raises(ChannelClosed):
            await ch.send_async(2)
        assert await ch.recv_async() == 1
        with pytest.raises(ChannelClosed):
            await ch.recv_async()

    run(main())


def test_cancelled_recv_async_consumes_nothing() -> None:
    async def main() -> None:
        ch: Chan[str] = Chan(1)
        task = asyncio.create_task(ch.recv_async())
        await asyncio.sleep(0.01)  # the task now waits
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        ch.send("kept")
        assert ch.try_recv() == ("kept", True)

    run(main())


def test_recv_async_cancelled_after_being_told_of_a_value_consumes_nothing() -> None:
    async def main() -> None:
        ch: Chan[str] = Chan(1)
        task = asyncio.create_task(ch.recv_async())
        await asyncio.sleep(0.01)
        ch.send("kept")  # wakes the task: it is scheduled to take the value
        task.cancel()  # ... but is cancelled before it runs
        with pytest.raises(asyncio.CancelledError):
            await task
        assert ch.try_recv() == ("kept", True)

    run(main())


def test_cancelled_send_async_nobody_claimed_raises_and_delivers_nothing() -> None:
    async def main() -> None:
        ch: Chan[str] = Chan(0)
        task = asyncio.create_task(ch.send_async("withdrawn"))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert task.cancelled()
        assert ch.try_send("next") is False  # no ghost sender left behind
        assert ch.try_recv() == (None, False)
        full: Chan[str] = Chan(1)
        full.send("first")
        task = asyncio.create_task(full.send_async("withdrawn"))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert [full.try_recv(), full.try_recv()] == [("first", True), (None, False)]

    run(main())


def test_wait_for_timeout_loses_nothing() -> None:
    async def main() -> None:
        ch: Chan[int] = Chan(1)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(ch.recv_async(), 0.01)
        ch.send(5)
        assert await ch.recv_async() == 5

    run(main())


def test_close_wakes_every_waiting_task() -> None:
    async def main() -> None:
        r: Chan[int] = Chan(0)
        s: Chan[int] = Chan(0)
        tasks: list[asyncio.Task[object]] = [asyncio.create_task(r.recv_async()) for _ in range(3)]
        tasks += [asyncio.create_task(s.send_async(i)) for i in range(3)]  # type: ignore[misc]
        await asyncio.sleep(0.01)
        r.close()
        s.close()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(x, ChannelClosed) for x in results), results

    run(main())


def test_thread_wakes_a_task_on_its_own_loop_thread() -> None:
    async def main() -> None:
        ch: Chan[int] = Chan(0)
        loop_thread = threading.get_ident()

        def feed() -> None:
            for i in range(100):
                ch.send(i)

        feeder = threading.Thread(target=feed)
        feeder.start()
        got = [await ch.recv_async() for _ in range(100)]
        assert threading.get_ident() == loop_thread
        feeder.join(HANG_GUARD)
        assert got == list(range(100))

    run(main())


def test_tasks_and_threads_share_a_channel() -> None:
    ch: Chan[int] = Chan(4)
    n = 2_000
    thread_sum = [0]

    def thread_consumer() -> None:
        for v in ch:
            thread_sum[0] += v

    async def main() -> int:
        async def produce(base: int) -> None:
            for i in range(n):
                await ch.send_async(base + i)

        async def consume() -> int:
            total = 0
            async for v in ch:
                total += v
            return total

        consumers = [asyncio.create_task(consume()) for _ in range(2)]
        await asyncio.gather(*(produce(k * n) for k in range(3)))
        ch.close()
        return sum(await asyncio.gather(*consumers))

    t = threading.Thread(target=thread_consumer)
    t.start()
    task_sum = run(main())
    t.join(HANG_GUARD)
    total = 3 * n
    assert task_sum + thread_sum[0] == total * (total - 1) // 2


def test_two_event_loops_in_two_threads() -> None:
    ch: Chan[int] = Chan(0)
    n = 1_000
    received: list[int] = []

    def sender_loop() -> None:
        async def main() -> None:
            for i in range(n):
                await ch.send_async(i)
            ch.close()

        run(main())

    def receiver_loop() -> None:
        async def main() -> None:
            async for v in ch:
                received.append(v)

        run(main())

    threads = [threading.Thread(target=sender_loop), threading.Thread(target=receiver_loop)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_GUARD)
        assert not t.is_alive()
    assert received == list(range(n))


@pytest.mark.parametrize("capacity", [0, 1, None])
def test_recv_async_on_a_closed_loop_passes_the_news_of_a_value_on(capacity: int | None) -> None:
    # Issue 10, fault 11: the send told the abandoned receive (first in line),
    # whose wake-up failed silently, and the live one never heard of the value.
    ch: Chan[str] = Chan(capacity)
    dead = asyncio.new_event_loop()
    abandoned = dead.create_task(ch.recv_async())
    dead.run_until_complete(asyncio.sleep(0.01))  # the task now waits
    dead.close()  # ... and is left pending for good

    async def main() -> str:
        live = asyncio.create_task(ch.recv_async())
        await asyncio.sleep(0.01)  # waits behind the abandoned one
        sender = threading.Thread(target=ch.send, args=("value",))
        sender.start()  # a rendezvous send waits for the live receive
        got = await asyncio.wait_for(live, HANG_GUARD)
        sender.join(HANG_GUARD)
        return got

    assert run(main()) == "value"
    assert not abandoned.done()
    assert len(ch) == 0


def test_send_async_on_a_closed_loop_passes_the_news_of_room_on() -> None:
    ch: Chan[str] = Chan(1)
    ch.send("first")
    dead = asyncio.new_event_loop()
    abandoned = dead.create_task(ch.send_async("abandoned"))
    dead.run_until_complete(asyncio.sleep(0.01))  # the task now waits for room
    dead.close()

    async def main() -> None:
        live = asyncio.create_task(ch.send_async("live"))
        await asyncio.sleep(0.01)  # waits behind the abandoned one
        assert ch.recv() == "first"  # room: the abandoned send is told first
        await asyncio.wait_for(live, HANG_GUARD)

    run(main())
    assert not abandoned.done()
    assert ch.try_recv() == ("live", True)
    assert ch.try_recv() == (None, False)


def test_cancelled_send_async_whose_value_was_claimed_returns_normally() -> None:
    # Issue 10, fault 3: it raised CancelledError although the value was received.
    async def main() -> None:
        ch: Chan[str] = Chan(0)
        task = asyncio.create_task(ch.send_async("claimed"))
        await asyncio.sleep(0.01)  # queued, waiting for a receiver
        assert ch.try_recv() == ("claimed", True)  # claimed between two polls
        task.cancel()  # ... before the task ran again
        await task  # the send happened: no CancelledError
        assert not task.cancelled()
        if sys.version_info >= (3, 11):
            assert task.cancelling() == 0  # un-cancelled, for asyncio.timeout and task groups
        assert ch.try_recv() == (None, False)  # delivered once

    run(main())


@pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout is 3.11+")
def test_asyncio_timeout_around_a_claimed_send_does_not_raise() -> None:
    async def main() -> None:
        ch: Chan[str] = Chan(0)

        async def send_within_timeout() -> str:
            async with asyncio.timeout(0.05):  # type: ignore[attr-defined]
                await ch.send_async("claimed")
            return "sent"

        task = asyncio.create_task(send_within_timeout())
        await asyncio.sleep(0.01)
        assert ch.try_recv() == ("claimed", True)
        task.cancel()  # as the timeout would
        assert await task == "sent"

    run(main())


def test_natural_retry_of_a_timed_out_send_never_delivers_twice() -> None:
    # The receiver claims the value after wait_for's timeout fired but
    # before it cancelled the send: the send happened, so wait_for returns
    # and the retry loop does not send it again.
    async def main() -> None:
        loop = asyncio.get_running_loop()
        ch: Chan[str] = Chan(0)
        claimed = []
        # Hold the loop past both moments below, so that they run in one
        # iteration, in time order: the timeout first, then the claim.
        loop.call_later(0.01, time.sleep, 0.3)
        loop.call_later(0.1, lambda: claimed.append(ch.try_recv()))
        attempts = 0
        for _ in range(3):  # the natural retry: again after a timeout
            attempts += 1
            try:
                await asyncio.wait_for(ch.send_async("v"), 0.05)
                break
            except asyncio.TimeoutError:
                pass
        assert claimed == [("v", True)]
        assert attempts == 1  # a timeout here would have sent "v" again
        assert ch.try_recv() == (None, False)

    run(main())
