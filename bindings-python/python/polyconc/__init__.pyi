from collections.abc import AsyncIterator
from typing import TypeVar

from . import _core
from ._core import ChannelClosed as ChannelClosed
from ._core import select as select

__all__ = ["Chan", "ChannelClosed", "select"]

_T = TypeVar("_T")

class Chan(_core.Chan[_T]):
    """A Go channel: ``Chan(0)`` rendezvous, ``Chan(n)`` buffered, ``Chan(None)`` unbounded."""

    async def send_async(self, value: _T) -> None: ...
    async def recv_async(self) -> _T: ...
    def __aiter__(self) -> AsyncIterator[_T]: ...
    async def __anext__(self) -> _T: ...
