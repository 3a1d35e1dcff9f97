"""polyconc.future() and the Future combinators through Python: the core's
semantics, the exception rules and the executors they run on."""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from _helpers import HANG_GUARD

from polyconc import Future, Promise, ThreadPool, future


def thread_name() -> str:
    """The OS name of the calling thread (the core names its pool threads;
    Python cannot see those names otherwise)."""
    comm = Path(f"/proc/self/task/{threading.get_native_id()}/comm")
    return comm.read_text().strip()


needs_proc = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="thread names need /proc"
)


def unraisable(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What reaches sys.unraisablehook from now on."""
    reported: list[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)
    return reported


def wait_for(predicate: Callable[[], bool]) -> None:
    """Waits (a hang guard, not a speed check) until `predicate()` holds."""
    done = threading.Event()
    for _ in range(int(HANG_GUARD * 100)):
        if predicate():
            return
        done.wait(0.01)
    raise AssertionError("never happened")


def test_future_calls_with_args_and_kwargs() -> None:
    f = future(lambda a, b, *, c: (a, b, c), 1, 2, c=3)
    assert f.result(HANG_GUARD) == (1, 2, 3)
    assert future(dict, executor=None, x=1).result(HANG_GUARD) == {"x": 1}


@needs_proc
def test_future_runs_on_the_global_pool() -> None:
    assert future(thread_name).result(HANG_GUARD).startswith("polyconc-global")
    assert (
        Future.successful(0)
        .map(lambda _: thread_name())
        .result(HANG_GUARD)
        .startswith("polyconc-global")
    )


@needs_proc
def test_tasks_run_on_the_pool_given() -> None:
    with ThreadPool(2) as pool:
        names = Future.sequence(
            [future(thread_name, executor=pool) for _ in range(20)]
            + [Future.successful(0).map(lambda _: thread_name(), executor=pool)]
        ).result(HANG_GUARD)
    # polyconc-py<pool>-<worker>: one of this pool's two workers.
    assert len({n.rsplit("-", 1)[0] for n in names}) == 1, names
    assert all(re.fullmatch(r"polyconc-py\d+-[01]", n) for n in names), names


def test_tasks_run_on_a_concurrent_futures_executor() -> None:
    with cf.ThreadPoolExecutor(2, thread_name_prefix="cf-pool") as ex:
        name = lambda *_: threading.current_thread().name  # noqa: E731
        got = [
            future(name, executor=ex),
            Future.successful(1).map(name, executor=ex),
            Future.failed(KeyError()).recover(name, executor=ex),
        ]
        assert all(f.result(HANG_GUARD).startswith("cf-pool") for f in got)


def test_executor_must_be_one() -> None:
    with pytest.raises(TypeError, match="executor"):
        future(int, executor=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="executor"):
        Future.successful(1).map(str, executor="pool")  # type: ignore[arg-type]


def test_map_and_its_failures() -> None:
    p: Promise[int] = Promise()
    doubled = p.future.map(lambda v: v * 2)
    p.success(21)
    assert doubled.result(HANG_GUARD) == 42
    error = KeyError("upstream")
    assert Future.failed(error).map(str).exception(HANG_GUARD) is error

    raised = ValueError("in map")

    def bad(_: int) -> int:
        raise raised

    assert Future.successful(1).map(bad).exception(HANG_GUARD) is raised


def test_flat_map() -> None:
    f = Future.successful(2).flat_map(lambda v: future(pow, v, 10))
    assert f.result(HANG_GUARD) == 1024
    wrong: Future[Any] = Future.successful(2).flat_map(lambda v: v + 1)  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match=r"polyconc\.Future"):
        wrong.result(HANG_GUARD)
    error = OSError("inner")
    assert Future.successful(0).flat_map(lambda _: Future.failed(error)).exception() is error


def test_flat_map_loop_runs_in_constant_stack() -> None:
    def count(n: int) -> Future[str]:
        if n == 0:
            return Future.successful("done")
        return Future.successful(n - 1).flat_map(count)

    assert count(2000).result(HANG_GUARD) == "done"


def test_filter() -> None:
    assert Future.successful(4).filter(lambda v: v % 2 == 0).result(HANG_GUARD) == 4
    with pytest.raises(ValueError, match="predicate"):
        Future.successful(3).filter(lambda v: v % 2 == 0).result(HANG_GUARD)
    raised = ZeroDivisionError()

    def bad(_: int) -> bool:
        raise raised

    assert Future.successful(1).filter(bad).exception(HANG_GUARD) is raised


def test_recover() -> None:
    error = KeyError("k")
    seen: list[BaseException] = []

    def handle(e: BaseException) -> str:
        seen.append(e)
        return "recovered"

    assert Future.failed(error).recover(handle).result(HANG_GUARD) == "recovered"
    assert seen == [error], "the handler gets that very exception"
    assert Future.successful(1).recover(handle).result() == 1
    # Only the exceptions named are recovered; others pass through as they are.
    other = OSError("not caught")
    assert Future.failed(other).recover(handle, (KeyError,)).exception(HANG_GUARD) is other
    assert Future.failed(error).recover(handle, KeyError).result(HANG_GUARD) == "recovered"
    # By default (Exception,): a KeyboardInterrupt is not recovered.
    interrupt = KeyboardInterrupt()
    assert Future.failed(interrupt).recover(handle).exception(HANG_GUARD) is interrupt
    assert Future.failed(interrupt).recover(handle, BaseException).result(HANG_GUARD)
    with pytest.raises(TypeError):
        Future.failed(error).recover(handle, (KeyError, "no"))  # type: ignore[arg-type]
    raised = RuntimeError("in recover")

    def bad(_: BaseException) -> int:
        raise raised

    assert Future.failed(error).recover(bad).exception(HANG_GUARD) is raised


def test_recover_sees_cancellation_and_timeout() -> None:
    p: Promise[int] = Promise()
    p.future.cancel()
    assert p.future.recover(type, cf.CancelledError).result(HANG_GUARD) is cf.CancelledError
    late: Future[int] = Promise[int]().future.or_timeout(0.01)
    assert late.recover(lambda e: "late", TimeoutError).result(HANG_GUARD) == "late"


def test_recover_with() -> None:
    error = KeyError("k")
    assert Future.failed(error).recover_with(lambda e: future(str, "x")).result(HANG_GUARD) == "x"
    bad = Future.failed(error).recover_with(lambda e: "not a future")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError):
        bad.result(HANG_GUARD)
    other = ValueError()
    passed = Future.failed(other).recover_with(lambda e: future(int), (KeyError,))
    assert passed.exception(HANG_GUARD) is other


def test_transform() -> None:
    assert Future.successful(2).transform(str, ValueError).result(HANG_GUARD) == "2"
    error = KeyError("k")
    wrapped = Future.failed(error).transform(str, lambda e: ValueError(f"wrapped {e!r}"))
    with pytest.raises(ValueError, match="wrapped KeyError"):
        wrapped.result(HANG_GUARD)
    not_exc = Future.failed(error).transform(str, lambda e: "no")  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="on_failure"):
        not_exc.result(HANG_GUARD)
    raised = OSError()

    def bad(_: object) -> BaseException:
        raise raised

    assert Future.failed(error).transform(str, bad).exception(HANG_GUARD) is raised
    assert Future.successful(1).transform(bad, bad).exception(HANG_GUARD) is raised


def test_zip() -> None:
    a: Promise[int] = Promise()
    b: Promise[str] = Promise()
    z = a.future.zip(b.future)
    b.success("b")
    assert not z.done()
    a.success(1)
    assert z.result(HANG_GUARD) == (1, "b")
    error = KeyError()
    never: Future[int] = Promise[int]().future
    assert never.zip(Future.failed(error)).exception(HANG_GUARD) is error, "fails fast"
    with pytest.raises(TypeError):
        never.zip(1)  # type: ignore[arg-type]


def test_fallback_to() -> None:
    first, second = KeyError("first"), KeyError("second")
    assert Future.failed(first).fallback_to(Future.successful(2)).result(HANG_GUARD) == 2
    assert Future.successful(1).fallback_to(Future.failed(second)).result() == 1
    both = Future.failed(first).fallback_to(Future.failed(second))
    assert both.exception(HANG_GUARD) is first, "the first failure wins"


def test_and_then_runs_in_order_and_passes_through(monkeypatch: pytest.MonkeyPatch) -> None:
    reported = unraisable(monkeypatch)
    seen: list[Any] = []
    p: Promise[int] = Promise()

    def bad(_: Future[int]) -> None:
        raise RuntimeError("in and_then")

    chained = (
        p.future.and_then(lambda f: seen.append(("first", f.result())))
        .and_then(bad)
        .and_then(lambda f: seen.append(("second", f.done())))
    )
    p.success(5)
    assert chained.result(HANG_GUARD) == 5
    assert seen == [("first", 5), ("second", True)]
    assert [str(r.exc_value) for r in reported] == ["in and_then"]


def test_on_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    reported = unraisable(monkeypatch)
    got: list[BaseException | None] = []
    done = threading.Event()
    error = KeyError()

    def seen(f: Future[Any]) -> None:
        got.append(f.exception())
        done.set()

    Future.failed(error).on_complete(seen)
    assert done.wait(HANG_GUARD) and got == [error]

    def bad(_: Future[int]) -> None:
        raise ValueError("in on_complete")

    Future.successful(1).on_complete(bad)
    wait_for(lambda: bool(reported))
    assert isinstance(reported[0].exc_value, ValueError)


def test_sequence_traverse_first_completed_of() -> None:
    futures = [future(lambda i=i: i * i) for i in range(10)]
    assert Future.sequence(futures).result(HANG_GUARD) == [i * i for i in range(10)]
    assert Future.sequence([]).result() == []
    error = KeyError()
    never: Future[int] = Promise[int]().future
    assert Future.sequence([never, Future.failed(error)]).exception(HANG_GUARD) is error
    assert Future.traverse(range(5), lambda i: future(str, i)).result(HANG_GUARD) == [
        "0",
        "1",
        "2",
        "3",
        "4",
    ]
    with pytest.raises(TypeError):
        Future.traverse([1], lambda i: i)  # type: ignore[arg-type,return-value]
    with pytest.raises(ZeroDivisionError):
        Future.traverse([0], lambda i: Future.successful(1 / i))
    with pytest.raises(TypeError):
        Future.sequence([1, 2])  # type: ignore[arg-type]
    p: Promise[str] = Promise()
    first: Future[Any] = Future.first_completed_of([never, p.future])  # type: ignore[arg-type]
    p.success("p")
    assert first.result(HANG_GUARD) == "p"


def test_base_exception_fails_the_future_and_is_reported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reported = unraisable(monkeypatch)
    f = future(sys.exit, 3)
    with pytest.raises(SystemExit) as raised:
        f.result(HANG_GUARD)
    assert raised.value.code == 3
    assert [r.exc_value for r in reported] == [raised.value], "on a pool thread: reported"
    interrupt = KeyboardInterrupt()

    def stop(_: int) -> int:
        raise interrupt

    assert Future.successful(1).map(stop).exception(HANG_GUARD) is interrupt
    wait_for(lambda: len(reported) == 2)
    assert reported[1].exc_value is interrupt


class Inline(cf.Executor):
    """An executor that runs each task in `submit`, keeping what it raised."""

    def __init__(self) -> None:
        self.raised: list[BaseException] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        out: cf.Future[Any] = cf.Future()
        try:
            out.set_result(fn(*args, **kwargs))
        except BaseException as e:
            self.raised.append(e)
            out.set_exception(e)
        return out


def test_base_exception_is_raised_again_in_the_executors_thread() -> None:
    inline = Inline()
    interrupt = KeyboardInterrupt()

    def stop() -> None:
        raise interrupt

    f = future(stop, executor=inline)
    assert f.exception() is interrupt, "the future failed first"
    assert inline.raised == [interrupt]
    plain = ValueError()

    def fail() -> None:
        raise plain

    assert future(fail, executor=inline).exception() is plain
    assert inline.raised == [interrupt], "an Exception only fails the future"


def test_shut_down_executors_refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    reported = unraisable(monkeypatch)
    pool = ThreadPool(1)
    pool.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        future(int, executor=pool).result(HANG_GUARD)
    ex = cf.ThreadPoolExecutor(1)
    ex.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        Future.successful(1).map(str, executor=ex).result(HANG_GUARD)
    assert reported == [], "a shut-down executor's RuntimeError is the refusal itself"


def test_cancelled_before_it_runs_the_callable_never_runs() -> None:
    p: Promise[int] = Promise()
    ran: list[int] = []
    mapped = p.future.map(ran.append)
    assert mapped.cancel() is True
    p.success(1)
    with pytest.raises(cf.CancelledError):
        mapped.result(HANG_GUARD)
    upstream: Promise[int] = Promise()
    dependent = upstream.future.map(ran.append)
    upstream.future.cancel()
    assert isinstance(dependent.exception(HANG_GUARD), cf.CancelledError)
    assert ran == []


def test_await_a_chain_on_an_event_loop() -> None:
    async def main() -> int:
        p: Promise[int] = Promise()
        chained = p.future.map(lambda v: v + 1).flat_map(lambda v: future(lambda: v * 10))
        asyncio.get_running_loop().call_later(0.01, p.success, 1)
        return await chained

    assert asyncio.run(asyncio.wait_for(main(), HANG_GUARD)) == 20


def test_a_task_waiting_on_its_own_pool_does_not_starve_it() -> None:
    with ThreadPool(1) as pool:
        inner: Promise[Future[str]] = Promise()

        def outer() -> str:
            # The only worker waits for a task queued behind it.
            return inner.future.result(HANG_GUARD).result(HANG_GUARD)

        waiting = future(outer, executor=pool)
        inner.success(future(str, "ran", executor=pool))
        assert waiting.result(HANG_GUARD) == "ran"


def test_many_threads_chain_exact_sum() -> None:
    with ThreadPool(3) as pool:
        results: list[int] = []
        lock = threading.Lock()

        def run(base: int) -> None:
            fs = [
                future(lambda i=i: base + i, executor=pool).map(lambda v: v * 2) for i in range(100)
            ]
            s = sum(Future.sequence(fs, executor=pool).result(HANG_GUARD))
            with lock:
                results.append(s)

        threads = [threading.Thread(target=run, args=(k * 1000,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(HANG_GUARD)
        assert sorted(results) == sorted(2 * (100 * k * 1000 + 4950) for k in range(6))
