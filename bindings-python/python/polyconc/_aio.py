"""The one coroutine behind the async methods of ``polyconc``'s classes.

``Chan.send_async`` and ``recv_async`` (methods of the Rust class) wrap the
core's future in an op and return ``drive(op)``: the op is polled from
Python so that a task waits on its own event loop, and cancellation
(``finally: op.cancel()``) is plain asyncio.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from ._core import Chan, ChannelClosed

T = TypeVar("T")


class _Op(Protocol):
    """A pending core operation (``_core._RecvOp``, ``_LockOp``, ...)."""

    def poll(self, wake: Callable[[], bool]) -> tuple[bool, Any]: ...
    def cancel(self) -> bool: ...


def _resolve(fut: asyncio.Future[None]) -> None:
    # A cancelled task has already resolved its future.
    if not fut.done():
        fut.set_result(None)


def _wake(loop: asyncio.AbstractEventLoop, fut: asyncio.Future[None]) -> bool:
    # Called by the Rust waker, possibly from another thread. False tells it
    # that the task cannot resume: the op then passes on what it was told.
    try:
        loop.call_soon_threadsafe(_resolve, fut)
    except RuntimeError:
        return False  # the loop is closed
    return True


def _waker() -> tuple[asyncio.Future[None], Callable[[], bool]]:
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    return fut, functools.partial(_wake, loop, fut)


def _uncancel() -> None:
    # Python 3.11+: the task no longer counts the cancellation it absorbed,
    # so that asyncio.timeout and task groups stay right.
    uncancel = getattr(asyncio.current_task(), "uncancel", None)
    if uncancel is not None:
        uncancel()


async def drive(op: _Op) -> Any:
    """Awaits ``op``: its answer once ready. Cancelled while pending, it
    cancels ``op`` and raises CancelledError, unless ``op`` took effect
    anyway (a send whose value a receiver had claimed): then it returns
    normally, as if the cancellation had come just after."""
    try:
        while True:
            fut, wake = _waker()
            done, answer = op.poll(wake)
            if done:
                return answer
            try:
                await fut
            except asyncio.CancelledError:
                if not op.cancel():
                    raise
                _uncancel()
                return None
    finally:
        op.cancel()  # also when the coroutine is closed unfinished


async def acquire(op: _Op, timeout: float | None) -> bool:
    """Awaits ``op`` (a lock, permits, a latch): True once it is done, False
    if ``timeout`` seconds pass first (``op`` is then cancelled, and gives
    back anything it was handed)."""
    if timeout is None:
        await drive(op)
        return True
    try:
        await asyncio.wait_for(drive(op), timeout)
    except asyncio.TimeoutError:
        return False
    return True


async def wait_or_break(op: _Op, timeout: float | None) -> Any:
    """Awaits ``op`` (a barrier wait): its answer, or BrokenBarrierError if
    ``timeout`` seconds pass first (``op`` is then cancelled, which breaks
    the barrier, as ``threading.Barrier`` does on a timeout)."""
    try:
        return await asyncio.wait_for(drive(op), timeout)
    except asyncio.TimeoutError:
        raise threading.BrokenBarrierError from None


async def release(lock: Any) -> None:
    """``lock.release()``, for ``async with``."""
    lock.release()


async def anext(ch: Chan[T]) -> T:
    """The next object of ``async for``; stops once closed and drained."""
    try:
        # Through the method, so that a subclass overriding recv_async is
        # honoured by ``async for`` too.
        return await ch.recv_async()
    except ChannelClosed:
        raise StopAsyncIteration from None
