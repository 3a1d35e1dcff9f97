"""Go channels for Python threads and asyncio, backed by a Rust core.

>>> from polyconc import Chan
>>> ch = Chan(1)
>>> ch.send("hi")
>>> ch.recv()
'hi'
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable
from typing import Generic, TypeVar

from . import _core
from ._core import ChannelClosed, select

__all__ = ["Chan", "ChannelClosed", "select"]

T = TypeVar("T")


def _resolve(fut: asyncio.Future[None]) -> None:
    # A cancelled task has already resolved its future.
    if not fut.done():
        fut.set_result(None)


def _wake(loop: asyncio.AbstractEventLoop, fut: asyncio.Future[None]) -> None:
    # Called by the Rust waker, possibly from another thread.
    try:
        loop.call_soon_threadsafe(_resolve, fut)
    except RuntimeError:
        # The loop is closed: no task is left to resume.
        pass


def _waker() -> tuple[asyncio.Future[None], Callable[[], None]]:
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    return fut, functools.partial(_wake, loop, fut)


class Chan(_core.Chan, Generic[T]):
    """A Go channel. ``Chan(0)`` is a rendezvous channel (the default),
    ``Chan(n)`` buffers ``n`` objects, ``Chan(None)`` is unbounded.

    Objects travel by reference. Threads and asyncio tasks may share a
    channel; blocking operations release the GIL and stay interruptible by
    Ctrl-C, and an interrupted or cancelled operation loses no object.
    """

    __slots__ = ()

    async def send_async(self, value: T) -> None:
        """Sends ``value``; a cancelled send delivers nothing (unless it
        already completed)."""
        op = _core._SendOp(self, value)
        try:
            while True:
                fut, wake = _waker()
                if op.poll(wake):
                    return
                await fut
        finally:
            op.cancel()

    async def recv_async(self) -> T:
        """Receives; raises ChannelClosed once closed and drained. A
        cancelled receive consumes nothing."""
        op = _core._RecvOp(self)
        try:
            while True:
                fut, wake = _waker()
                done, value = op.poll(wake)
                if done:
                    return value
                await fut
        finally:
            op.cancel()

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self.recv_async()
        except ChannelClosed:
            raise StopAsyncIteration from None
