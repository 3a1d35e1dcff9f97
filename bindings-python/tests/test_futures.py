"""Promise and Future through Python: concurrent.futures' manners."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import gc
import sys
import threading
import time
import weakref
from typing import Any

import pytest
from _helpers import HANG_GUARD, interrupt_child, run_threads, runs_beside

from polyconc import Future, Promise, ThreadPool, future


def test_success_and_result() -> None:
    p: Promise[Any] = Promise()
    f = p.future
    assert not f.done() and not f.cancelled()
    threading.Timer(0.02, p.success, (None,)).start()
    assert f.result(HANG_GUARD) is None, "None is a value"
    assert f.done() and f.exception() is None
    with pytest.raises(cf.InvalidStateError):
        p.success(1)
    assert p.try_success(2) is False and p.try_failure(ValueError()) is False
    assert f.result() is None


def test_failure_is_that_very_exception() -> None:
    error = KeyError("k")
    p: Promise[int] = Promise()
    p.failure(error)
    with pytest.raises(KeyError) as raised:
        p.future.result()
    assert raised.value is error
    assert p.future.exception() is error
    with pytest.raises(cf.InvalidStateError):
        p.failure(ValueError())
    with pytest.raises(TypeError):
        Promise().failure("not an exception")  # type: ignore[arg-type]


def test_try_forms() -> None:
    p: Promise[int] = Promise()
    assert p.try_success(1) is True
    assert p.future.result() == 1
    q: Promise[int] = Promise()
    assert q.try_failure(OSError("x")) is True
    assert isinstance(q.future.exception(), OSError)


def test_timeout_and_cancel() -> None:
    f: Future[int] = Promise[int]().future
    with pytest.raises(TimeoutError):
        f.result(0.02)
    with pytest.raises(TimeoutError):
        f.exception(0.0)
    for bad in (-1.0, float("nan")):
        with pytest.raises(ValueError):
            f.result(bad)
    assert f.cancel() is True and f.cancel() is False
    assert f.cancelled() and f.done()
    with pytest.raises(cf.CancelledError):
        f.result()
    done: Future[int] = Future.successful(3)
    assert done.cancel() is False and not done.cancelled()


def test_or_timeout() -> None:
    p: Promise[int] = Promise()
    seen: list[bool] = []
    f = p.future.or_timeout(0.02)
    f.add_done_callback(lambda x: seen.append(isinstance(x.exception(), TimeoutError)))
    with pytest.raises(TimeoutError):
        f.result(HANG_GUARD)
    assert p.try_success(1) is False, "the timeout completed it"
    deadline = time.monotonic() + HANG_GUARD
    while not seen and time.monotonic() < deadline:
        time.sleep(0.005)
    assert seen == [True]
    assert Future.successful(2).or_timeout(0.01).result() == 2
    with pytest.raises(ValueError):
        p.future.or_timeout(-1)


def test_successful_and_failed() -> None:
    assert Future.successful("v").result() == "v"
    error = ValueError("e")
    assert Future.failed(error).exception() is error


def test_done_callbacks_in_registration_order() -> None:
    p: Promise[int] = Promise()
    f = p.future
    seen: list[Any] = []
    f.add_done_callback(lambda x: seen.append(("first", x is f)))
    f.add_done_callback(lambda x: seen.append(("second", x.result())))
    assert seen == []
    p.success(7)
    assert seen == [("first", True), ("second", 7)]
    f.add_done_callback(lambda x: seen.append("late"))
    assert seen[-1] == "late", "runs at once once completed"


def test_callback_exception_goes_to_unraisablehook(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    p: Promise[int] = Promise()

    def bad(_: Future[int]) -> None:
        raise RuntimeError("in a callback")

    after: list[int] = []
    p.future.add_done_callback(bad)
    p.future.add_done_callback(lambda f: after.append(f.result()))
    p.success(1)
    assert [str(r.exc_value) for r in reported] == ["in a callback"]
    assert after == [1] and p.future.result() == 1


def test_await_on_two_event_loops() -> None:
    p: Promise[str] = Promise()
    got: list[str] = []

    def waiter() -> None:
        async def main() -> None:
            got.append(await p.future)

        asyncio.run(main())

    threads = [threading.Thread(target=waiter) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(0.05)
    p.success("shared")
    for t in threads:
        t.join(HANG_GUARD)
    assert got == ["shared", "shared"]


def test_cancelled_await_leaves_the_future() -> None:
    async def main() -> None:
        p: Promise[int] = Promise()
        task = asyncio.ensure_future(_await(p.future))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not p.future.done()
        p.success(2)
        assert await p.future == 2

    async def _await(f: Future[int]) -> int:
        return await f

    asyncio.run(asyncio.wait_for(main(), HANG_GUARD))


def test_threads_complete_and_wait() -> None:
    promises: list[Promise[int]] = [Promise() for _ in range(50)]
    total: list[int] = []
    lock = threading.Lock()

    def complete() -> None:
        for i, p in enumerate(promises):
            p.try_success(i)

    def wait() -> None:
        s = sum(p.future.result(HANG_GUARD) for p in promises)
        with lock:
            total.append(s)

    run_threads([complete, complete, wait, wait, wait])
    assert total == [sum(range(50))] * 3


def test_blocked_result_releases_the_gil() -> None:
    f: Future[int] = Promise[int]().future
    timed_out: list[bool] = []

    def wait() -> None:
        try:
            f.result(0.3)
        except TimeoutError:
            timed_out.append(True)

    assert runs_beside(wait) > 1000, "this thread ran meanwhile"
    assert timed_out == [True]


@pytest.mark.parametrize("timeout", [-1.0, float("nan")])
def test_bad_timeout_raises_whether_or_not_completed(timeout: float) -> None:
    # As every other blocking call (a queue's poll with an element there,
    # a channel's recv with a value buffered) checks its timeout first.
    for f in (Promise[int]().future, Future.successful(1), Future.failed(KeyError())):
        with pytest.raises(ValueError, match="timeout"):
            f.result(timeout)
        with pytest.raises(ValueError, match="timeout"):
            f.exception(timeout)


def test_completed_objects_are_freed() -> None:
    class Value:
        pass

    p: Promise[Value] = Promise()
    v = Value()
    p.success(v)
    refs = weakref.ref(v), weakref.ref(p)
    f = p.future
    del v, p
    gc.collect()
    assert refs[1]() is None and refs[0]() is not None, "the future keeps its value"
    del f
    gc.collect()
    assert refs[0]() is None


def test_callback_cycle_is_freed_once_completed() -> None:
    p: Promise[int] = Promise()
    f = p.future
    f.add_done_callback(lambda _: None)
    ref = weakref.ref(f)
    p.success(1)
    del f
    gc.collect()
    assert ref() is None


def test_pending_future_held_only_by_its_callback_is_freed() -> None:
    # Its callback does not keep it alive; the callback still runs once the
    # promise completes, with a future of the same result.
    p: Promise[int] = Promise()
    f = p.future
    seen: list[int] = []
    f.add_done_callback(lambda g: seen.append(g.result()))
    ref = weakref.ref(f)
    del f
    gc.collect()
    assert ref() is None
    p.success(5)
    assert seen == [5]


def test_never_completed_future_with_a_callback_is_freed() -> None:
    class Payload:
        pass

    def register() -> weakref.ref[Payload]:
        p: Promise[int] = Promise()
        payload = Payload()

        def callback(_: Future[int], kept: Payload = payload) -> None:
            pass

        p.future.add_done_callback(callback)
        return weakref.ref(payload)

    ref = register()
    gc.collect()
    assert ref() is None, "the promise, its future and the callback were freed"


def test_callback_that_refers_to_its_own_pending_future_is_freed() -> None:
    # The callable holds the future (a closure over it), the future's node
    # holds the callable, and the promise is gone: nothing will ever
    # complete it, and nothing else can reach the cycle.
    def register() -> weakref.ref[Future[int]]:
        p: Promise[int] = Promise()
        f = p.future
        f.add_done_callback(lambda _: f)
        return weakref.ref(f)

    ref = register()
    gc.collect()
    assert ref() is None


def test_callback_cycle_is_kept_while_its_promise_may_complete_it() -> None:
    # The same cycle, but the promise lives: a collection frees nothing,
    # and the callback runs with that very future.
    p: Promise[int] = Promise()
    seen: list[tuple[bool, int]] = []

    def register() -> None:
        f = p.future
        f.add_done_callback(lambda g: seen.append((g is f, g.result())))

    register()
    gc.collect()
    p.success(3)
    assert seen == [(True, 3)]


def test_pending_future_is_not_tracked_by_the_collector() -> None:
    # A pending future shows the collector nothing, so it is not tracked:
    # collections skip it. Completed, it is tracked only if its result may
    # be part of a cycle, or once it has a done callback.
    p: Promise[Any] = Promise()
    f = p.future
    assert not gc.is_tracked(f)
    p.success(1)
    assert f.result() == 1 and not gc.is_tracked(f)
    assert gc.is_tracked(Future.successful([]))
    assert gc.is_tracked(Future.failed(ValueError()))
    g = Promise[int]().future
    g.add_done_callback(lambda _: None)
    assert gc.is_tracked(g)


def test_pending_call_keeps_its_arguments_until_it_runs() -> None:
    # future(fn, *args) holds its arguments from the core until fn runs:
    # a collection frees none of them meanwhile, even in a cycle through
    # the future, and all of them are freed once it has run.
    class Holder:
        fut: Future[None] | None = None

    gate = threading.Event()
    with ThreadPool(1) as pool:
        future(gate.wait, HANG_GUARD, executor=pool)  # keeps the worker busy
        h = Holder()
        h.fut = future(lambda x: None, h, executor=pool)
        ref = weakref.ref(h)
        del h
        gc.collect()
        alive = ref() is not None
        gate.set()
        assert alive, "the pending call keeps its argument"
    gc.collect()
    assert ref() is None


def test_pending_call_args_are_tracked_only_if_they_may_be_cyclic() -> None:
    # The args tuple of a pending future(fn, *args) is held by the core
    # alone; when none of its items may be part of a cycle it is untracked
    # at once (as CPython's first collection would do), so collections skip
    # it. One that holds a container stays tracked.
    def tracked_tuples_starting_with(first: object) -> int:
        return sum(type(o) is tuple and bool(o) and o[0] is first for o in gc.get_objects())

    gate = threading.Event()
    marker = f"args of a pending call {id(gate)}"
    items = [marker]
    with ThreadPool(1) as pool:
        future(gate.wait, HANG_GUARD, executor=pool)
        try:
            atomic = future(str.format, marker, 1, 2.5, executor=pool)
            cyclic = future(len, items, executor=pool)
            assert tracked_tuples_starting_with(marker) == 0
            assert tracked_tuples_starting_with(items) == 1
        finally:
            gate.set()
        assert atomic.result(HANG_GUARD) == marker and cyclic.result(HANG_GUARD) == 1


RESULT_CHILD = """
from polyconc import Promise
p = Promise()
print("READY", flush=True)
try:
    p.future.result()
    raise SystemExit("result returned")
except KeyboardInterrupt:
    pass
p.success("still completes")
assert p.future.result() == "still completes"
print("INTERRUPTED", flush=True)
"""


def test_sigint_during_a_blocking_result() -> None:
    assert "INTERRUPTED" in interrupt_child(RESULT_CHILD)
