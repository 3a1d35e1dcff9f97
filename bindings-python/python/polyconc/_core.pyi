from collections.abc import AsyncIterator, Callable, Iterable
from types import GenericAlias
from typing import Any, Generic, TypeVar, final

from typing_extensions import Self, disjoint_base

__all__ = ["Chan", "ChannelClosed", "_RecvOp", "_SendOp", "select"]

_T = TypeVar("_T")

class ChannelClosed(Exception):
    """Raised by recv once the channel is closed and drained, and by send on a closed channel."""

@disjoint_base
class Chan(Generic[_T]):
    """A Go channel: ``Chan(0)`` rendezvous, ``Chan(n)`` buffered, ``Chan(None)`` unbounded."""

    def __new__(cls, capacity: int | None = 0) -> Self: ...
    def __class_getitem__(cls, key: Any) -> GenericAlias: ...
    def send(self, value: _T, timeout: float | None = None) -> None: ...
    def recv(self, timeout: float | None = None) -> _T: ...
    def try_send(self, value: _T) -> bool:
        """Sends if it can without waiting; False if it would block. Raises
        ChannelClosed on a closed channel."""
    def try_recv(self) -> tuple[_T | None, bool]:
        """``(value, True)``, or ``(None, False)`` when nothing can be had at
        once. Raises ChannelClosed once the channel is closed and drained
        (as ``recv`` does), so that "closed" is never mistaken for "empty"."""
    def close(self) -> bool: ...
    def send_many(self, items: Iterable[_T], timeout: float | None = None) -> None:
        """Sends every item of ``items`` in order, waiting at most ``timeout``
        seconds in all. Items are taken from ``items`` about a thousand at a
        time and sent without the GIL. If it raises (ChannelClosed,
        TimeoutError, KeyboardInterrupt, or the iterable's own error), the
        items before the failure point were sent, in order, and no later one;
        the exception says how far it got: ``exc.sent`` is how many items
        were sent, ``exc.unsent`` lists those taken from the iterable but not
        sent (in order), so none is lost."""
    def recv_many(self, max: int, timeout: float | None = None) -> list[_T]:
        """Waits at most ``timeout`` seconds for one object, then takes what
        else can be had at once, up to ``max`` in all; ``[]`` once closed and
        drained. An interrupted or timed-out call takes nothing."""
    @property
    def capacity(self) -> int | None: ...
    @property
    def closed(self) -> bool: ...
    def __len__(self) -> int: ...
    def __bool__(self) -> bool: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> _T: ...
    async def send_async(self, value: _T) -> None:
        """Sends ``value``. A cancelled send either raises CancelledError
        having delivered nothing, or, if a receiver had already claimed the
        value (on a rendezvous channel a receiver can claim it while the
        task waits to run), returns normally: the value is delivered, and
        the task is un-cancelled (``Task.uncancel()``, Python 3.11+). So a
        send that raised never delivered, and a retry after it never
        delivers twice."""
    async def recv_async(self) -> _T:
        """Receives; raises ChannelClosed once closed and drained. A
        cancelled receive consumes nothing."""
    def __aiter__(self) -> AsyncIterator[_T]: ...
    async def __anext__(self) -> _T: ...

def select(
    *cases: Chan[Any] | tuple[Chan[Any] | None, Any] | None,
    timeout: float | None = None,
    default: bool = False,
) -> tuple[int, Any, bool]:
    """Go's ``select``: a ``Chan`` is a receive case, a ``(Chan, value)``
    pair a send case, ``None`` a disabled case. Returns ``(index, value,
    ok)``: for a receive case, ``ok`` is False (and ``value`` None) when
    its channel is closed and drained (select does not raise for it);
    ``(-1, None, False)`` with ``default=True`` when nothing is ready;
    raises ChannelClosed for a send case on a closed channel, and
    TimeoutError past ``timeout``."""

@final
class _RecvOp:
    """A pending ``recv_async``, awaited by ``polyconc._aio.drive``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, Any]:
        """``(True, value)`` once received, ``(False, None)`` while pending;
        then ``wake()`` is called once it is worth polling again, and answers
        whether the task can still resume: if not (its event loop is closed),
        the op drops its receive, passing on what it was told."""
    def cancel(self) -> bool:
        """Drops the receive, which has taken nothing: always False."""

@final
class _SendOp:
    """A pending ``send_async``, awaited by ``polyconc._aio.drive``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]:
        """``(True, None)`` once sent, ``(False, None)`` while pending; ``wake``
        as for ``_RecvOp.poll``."""
    def cancel(self) -> bool:
        """Stops the send: True if a receiver had already claimed the value
        (it is delivered), False if it delivers nothing."""
