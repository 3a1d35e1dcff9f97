"""polyconc futures to and from the standard library's futures, and the
cyclic garbage collector seeing through completed ones."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import gc
import threading
import time
import weakref
from typing import Any

import pytest
from _helpers import HANG_GUARD

from polyconc import Future, Promise, future


def test_to_concurrent_copies_the_result() -> None:
    p: Promise[int] = Promise()
    c = p.future.to_concurrent()
    assert isinstance(c, cf.Future) and not c.done()
    p.success(3)
    assert c.result(HANG_GUARD) == 3
    error = KeyError("k")
    assert Future.failed(error).to_concurrent().exception(HANG_GUARD) is error
    done, _ = cf.wait([future(int, "7").to_concurrent()], timeout=HANG_GUARD)
    assert [f.result() for f in done] == [7]


def test_to_concurrent_cancellation_goes_both_ways() -> None:
    p: Promise[int] = Promise()
    c = p.future.to_concurrent()
    assert c.cancel()
    assert p.future.cancelled(), "cancelling the copy cancels the source"
    q: Promise[int] = Promise()
    d = q.future.to_concurrent()
    q.future.cancel()
    assert d.cancelled()
    done, _ = cf.wait([d], timeout=HANG_GUARD)
    assert done == {d}


def test_from_concurrent() -> None:
    with cf.ThreadPoolExecutor(1) as ex:
        gate = threading.Event()
        source = ex.submit(lambda: gate.wait(HANG_GUARD) and "ran")
        f = Future.from_concurrent(source)
        assert not f.done()
        gate.set()
        assert f.result(HANG_GUARD) == "ran"
        error = OSError("x")

        def bad() -> None:
            raise error

        assert Future.from_concurrent(ex.submit(bad)).exception(HANG_GUARD) is error
    with pytest.raises(TypeError):
        Future.from_concurrent(3)  # type: ignore[arg-type]


def test_from_concurrent_cancellation_goes_both_ways() -> None:
    source: cf.Future[int] = cf.Future()
    f = Future.from_concurrent(source)
    assert f.cancel()
    assert source.cancelled()
    other: cf.Future[int] = cf.Future()
    g = Future.from_concurrent(other)
    other.cancel()
    assert g.cancelled()


def test_from_asyncio_on_its_loop_and_from_another_thread() -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        af: asyncio.Future[str] = loop.create_future()
        f = Future.from_asyncio(af)
        loop.call_later(0.01, af.set_result, "set")
        assert await f == "set"
        task = asyncio.ensure_future(asyncio.sleep(0, "slept"))
        assert await Future.from_asyncio(task) == "slept"
        failing: asyncio.Future[str] = loop.create_future()
        error = ValueError("v")
        failing.set_exception(error)
        with pytest.raises(ValueError) as raised:
            await Future.from_asyncio(failing)  # the loop runs the copy: await, not block
        assert raised.value is error
        # From another thread: the callback is added on the loop.
        later: asyncio.Future[int] = loop.create_future()
        got: list[int] = []
        watcher = threading.Thread(
            target=lambda: got.append(Future.from_asyncio(later).result(HANG_GUARD))
        )
        watcher.start()
        await asyncio.sleep(0.01)
        later.set_result(5)
        await asyncio.get_running_loop().run_in_executor(None, watcher.join, HANG_GUARD)
        assert got == [5]
        with pytest.raises(TypeError):
            Future.from_asyncio(object())  # type: ignore[arg-type]

    asyncio.run(asyncio.wait_for(main(), HANG_GUARD))


def test_from_asyncio_cancellation_goes_both_ways() -> None:
    async def main() -> None:
        task = asyncio.ensure_future(asyncio.sleep(HANG_GUARD))
        f = Future.from_asyncio(task)
        await asyncio.sleep(0)
        assert f.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        other = asyncio.ensure_future(asyncio.sleep(HANG_GUARD))
        g = Future.from_asyncio(other)
        other.cancel()
        with pytest.raises(asyncio.CancelledError):
            await other
        await asyncio.sleep(0)
        assert g.cancelled()

    asyncio.run(asyncio.wait_for(main(), HANG_GUARD))


class Payload:
    """Something to watch with a weak reference."""


def test_failure_traceback_cycle_is_collected() -> None:
    def fail() -> weakref.ref[Payload]:
        p: Promise[int] = Promise()
        payload = Payload()
        try:
            raise ValueError(payload)
        except ValueError as e:
            # e.__traceback__ -> this frame -> p -> e: a cycle.
            p.failure(e)
        return weakref.ref(payload)

    ref = fail()
    gc.collect()
    assert ref() is None


def test_value_cycle_is_collected() -> None:
    p: Promise[Any] = Promise()
    f = p.future
    box: list[Any] = [f, Payload()]
    p.success(box)  # f -> its value -> f
    assert f.result() is box
    ref = weakref.ref(box[1])
    del p, f, box
    gc.collect()
    assert ref() is None


def test_promise_value_cycle_is_collected() -> None:
    p: Promise[Any] = Promise()
    payload = Payload()
    p.success([p, payload])  # p -> its value -> p
    ref = weakref.ref(payload)
    del p, payload
    gc.collect()
    assert ref() is None


def test_combinator_result_cycle_is_collected() -> None:
    def make() -> weakref.ref[Payload]:
        holder: list[Any] = []
        f: Future[list[Any]] = Future.successful(1).map(lambda v: [holder, Payload()])
        holder.append(f)  # f -> its value -> holder -> f
        assert f.result(HANG_GUARD)[0] is holder
        return weakref.ref(f.result()[1])

    # The pool thread that ran `map` lets go of the future's node just
    # after completing it, maybe after this thread saw the result: the
    # cycle is garbage from then on, and the next collection frees it.
    ref = make()
    deadline = time.monotonic() + HANG_GUARD
    while ref() is not None and time.monotonic() < deadline:
        gc.collect()
        time.sleep(0.001)
    assert ref() is None


def test_shared_futures_survive_a_collection() -> None:
    # Two wrappers of one node, one of them in a cycle: collecting must not
    # clear what the other still reaches.
    p: Promise[Any] = Promise()
    keep = p.future
    cyc = p.future
    value = [cyc, "kept"]
    p.success(value)
    assert cyc.done()
    del cyc, value, p
    gc.collect()
    assert keep.result()[1] == "kept"
    assert keep.result()[0].result()[1] == "kept"


def test_pending_future_is_freed() -> None:
    p: Promise[Payload] = Promise()
    chained = p.future.map(lambda v: v)
    ref = weakref.ref(chained)
    del chained
    gc.collect()
    assert ref() is None
    p.success(Payload())
