"""Between ``polyconc.Future`` and the standard library's futures:
``Future.to_concurrent``, ``Future.from_concurrent`` and
``Future.from_asyncio`` (methods of the Rust class) call these.

Each copies the result once the source completes, and a cancellation
either way: cancelling the copy cancels the source, so that a caller who
gives up on the copy stops the work, as ``concurrent.futures`` and asyncio
users expect.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
from typing import Any, TypeVar

from ._core import Future, Promise

T = TypeVar("T")


def _cancel_source(source: Any) -> Any:
    """A done callback for the copy: cancels ``source`` if the copy was
    cancelled."""

    def cancel(copy: Any) -> None:
        if copy.cancelled():
            source.cancel()

    return cancel


def to_concurrent(fut: Future[T]) -> cf.Future[T]:
    """A ``concurrent.futures.Future`` completed as ``fut`` is."""
    out: cf.Future[T] = cf.Future()

    def copy(done: Future[T]) -> None:
        if done.cancelled():
            out.cancel()
        if not out.set_running_or_notify_cancel():
            return  # cancelled (then ``fut`` is cancelled too)
        error = done.exception(0)
        if error is None:
            out.set_result(done.result(0))
        else:
            out.set_exception(error)

    out.add_done_callback(_cancel_source(fut))
    fut.add_done_callback(copy)
    return out


def _copy_into(promise: Promise[T], done: Any) -> None:
    """Completes ``promise`` as the standard future ``done`` completed."""
    if done.cancelled():
        promise.future.cancel()
        return
    error = done.exception()
    if error is None:
        promise.try_success(done.result())
    else:
        promise.try_failure(error)


def from_concurrent(source: cf.Future[T]) -> Future[T]:
    """A polyconc ``Future`` completed as the ``concurrent.futures.Future``
    ``source`` is."""
    if not isinstance(source, cf.Future):
        raise TypeError(f"expected a concurrent.futures.Future, not {type(source).__name__}")
    promise: Promise[T] = Promise()
    promise.future.add_done_callback(_cancel_source(source))
    source.add_done_callback(lambda done: _copy_into(promise, done))
    return promise.future


def from_asyncio(source: asyncio.Future[T]) -> Future[T]:
    """A polyconc ``Future`` completed as the asyncio future (or task)
    ``source`` is; callable from any thread. Cancelling it cancels
    ``source`` on its event loop."""
    if not asyncio.isfuture(source):
        raise TypeError(f"expected an asyncio future, not {type(source).__name__}")
    loop = source.get_loop()
    promise: Promise[T] = Promise()

    def cancel(copy: Future[T]) -> None:
        if copy.cancelled():
            try:
                loop.call_soon_threadsafe(source.cancel)
            except RuntimeError:
                pass  # the loop is closed: nothing runs ``source`` any more

    promise.future.add_done_callback(cancel)

    def watch() -> None:
        source.add_done_callback(lambda done: _copy_into(promise, done))

    try:
        on_loop = asyncio.get_running_loop() is loop
    except RuntimeError:
        on_loop = False
    if on_loop:
        watch()
    else:
        loop.call_soon_threadsafe(watch)
    return promise.future
