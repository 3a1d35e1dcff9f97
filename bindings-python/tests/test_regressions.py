"""One regression test per fault of the peer libraries named in the issue
(rst-queue, ferryboat, pygo-routines, pychanasync, pychanio, aiochannel):
polyconc must not have any of them."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import interrupt_child, run_child
from test_signals import RECV_CHILD, SELECT_CHILD, SEND_CHILD
from test_threads import GIL_CHILD

from polyconc import Chan, ChannelClosed


def test_regression_rst_queue_holds_gil_while_blocking() -> None:
    out = run_child(GIL_CHILD.format(op="ch.recv()", release="ch.send(1)"))
    assert out.split() == ["OK", "2000000", "True"]


def test_regression_ferryboat_ignores_ctrl_c() -> None:
    assert "NOTHING CONSUMED" in interrupt_child(RECV_CHILD.format(capacity=0))
    assert "NOTHING DELIVERED" in interrupt_child(SEND_CHILD.format(capacity=0))
    assert "NOTHING LOST" in interrupt_child(SELECT_CHILD)


def test_regression_pygo_routines_interrupted_recv_loses_value() -> None:
    # Interrupted while a sender waits to hand over: the value must stay with
    # the sender's channel, received by the next recv.
    body = """
    import threading
    from polyconc import Chan
    ch = Chan(0)
    print("READY", flush=True)
    try:
        ch.recv()
    except KeyboardInterrupt:
        pass
    sender = threading.Thread(target=ch.send, args=("value",))
    sender.start()
    assert ch.recv(timeout=30) == "value"
    sender.join()
    print("VALUE KEPT", flush=True)
    """
    assert "VALUE KEPT" in interrupt_child(body)


def test_regression_pychanasync_cancelled_recv_loses_value() -> None:
    async def main() -> None:
        ch: Chan[str] = Chan(1)
        waiting = [asyncio.create_task(ch.recv_async()) for _ in range(3)]
        await asyncio.sleep(0.01)
        ch.send("value")  # tells one waiter, which is cancelled before it takes it
        for t in waiting:
            t.cancel()
        results = await asyncio.gather(*waiting, return_exceptions=True)
        taken = [r for r in results if r == "value"]
        left = ch.try_recv()
        # Either a task took it before its cancellation landed, or it is still there.
        assert len(taken) + (left == ("value", True)) == 1

    asyncio.run(main())


@pytest.mark.parametrize("capacity", [4, None])
def test_regression_pychanio_close_drops_buffered_items(capacity: int | None) -> None:
    ch: Chan[int] = Chan(capacity)
    ch.send_many([1, 2, 3])
    ch.close()
    assert list(ch) == [1, 2, 3]


def test_regression_pychanasync_close_drops_buffered_items() -> None:
    async def main() -> list[int]:
        ch: Chan[int] = Chan(4)
        for i in range(3):
            await ch.send_async(i)
        ch.close()
        return [x async for x in ch]

    assert asyncio.run(main()) == [0, 1, 2]


def test_regression_aiochannel_close_twice_raises() -> None:
    ch: Chan[int] = Chan(1)
    assert ch.close() is True
    assert ch.close() is False
    with pytest.raises(ChannelClosed):
        ch.recv()
