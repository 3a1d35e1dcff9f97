import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Callable, Generator, Iterable
from types import GenericAlias, TracebackType
from typing import Any, Generic, ParamSpec, Protocol, TypeAlias, TypeVar, final, type_check_only

from typing_extensions import Self, disjoint_base

__all__ = [
    "Chan",
    "ChannelClosed",
    "Condition",
    "CountDownLatch",
    "CyclicBarrier",
    "Mutex",
    "ReentrantLock",
    "RwLock",
    "Semaphore",
    "SpinLock",
    "WaitGroup",
    "_AcquireOp",
    "_BarrierOp",
    "_LatchOp",
    "_LockOp",
    "_ReadOp",
    "_RecvOp",
    "_RwHold",
    "_SendOp",
    "_SpinOp",
    "_WaitGroupOp",
    "_WriteOp",
    "select",
]
__all__ += [
    "ArrayBlockingQueue",
    "Closed",
    "DelayQueue",
    "LinkedBlockingQueue",
    "LinkedTransferQueue",
    "PriorityBlockingQueue",
    "QueueClosed",
    "SynchronousQueue",
    "_DelayTakeOp",
    "_PriorityTakeOp",
    "_QueuePutOp",
    "_QueueTakeOp",
    "_TransferOp",
]
__all__ += ["Future", "Promise", "_AwaitOp", "_ThreadPool", "future"]

_T = TypeVar("_T")
_S = TypeVar("_S")
_P = ParamSpec("_P")
_T_contra = TypeVar("_T_contra", contravariant=True)
_R = TypeVar("_R")

# What ``executor=`` takes: a polyconc ThreadPool is a concurrent.futures.Executor.
_Executor: TypeAlias = concurrent.futures.Executor
_Caught: TypeAlias = type[BaseException] | tuple[type[BaseException], ...]

class ChannelClosed(Closed):
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

# Queues: Java's blocking queues with Python's exceptions. Every blocking
# call releases the GIL and stops on Ctrl-C having lost nothing; threads
# and event loops may share a queue.

class _Appendable(Protocol[_T_contra]):
    def append(self, value: _T_contra, /) -> object: ...

class Closed(Exception):
    """The base of ChannelClosed and QueueClosed: the object was closed."""

class QueueClosed(Closed):
    """Raised by a queue's inserts once it is closed, and by its removals
    once it is closed and drained."""

@type_check_only
class _BlockingQueue(Generic[_T]):
    """What every queue class has (not a runtime class: the stubs' way of
    saying it once)."""

    def take(self) -> _T:
        """Removes the head, waiting as long as it takes; raises QueueClosed
        once closed and drained. Blocked, it releases the GIL and stops on
        Ctrl-C having removed nothing."""
    def poll(self, timeout: float | None = 0.0) -> _T | None:
        """Removes the head, waiting at most ``timeout`` seconds (0 tries
        once, None waits forever); None if nothing came. Raises QueueClosed
        once closed and drained."""
    def remove(self) -> _T:
        """Removes the head now; raises queue.Empty (QueueClosed once closed
        and drained)."""
    def element(self) -> _T:
        """The head, left in the queue; raises queue.Empty (QueueClosed once
        closed and drained)."""
    def peek(self) -> _T | None:
        """The head, left in the queue, or None."""
    def drain_to(self, target: _Appendable[_T], max_elements: int | None = None) -> int:
        """Removes what can be had at once (at most ``max_elements``) and
        appends it to ``target`` (a list, or anything with ``append``);
        how many. If an ``append`` raises, the exception tells how far it
        got: ``exc.sent`` appended, ``exc.unsent`` the removed objects not
        appended (none is lost)."""
    def remaining_capacity(self) -> int | None:
        """How many more elements fit now; None when unbounded."""
    def __len__(self) -> int: ...
    def __bool__(self) -> bool:
        """Always True, even when empty (as ``Chan``)."""
    def __contains__(self, key: object, /) -> bool:
        """By Python's rules (``is``, then ``==``), on a snapshot."""
    def remove_item(self, x: object) -> bool:
        """Removes one element that is or equals ``x`` (the first in removal
        order); whether there was one."""
    def clear(self) -> None: ...
    def to_list(self) -> list[_T]:
        """A snapshot of the elements, in removal order."""
    def close(self) -> bool:
        """Closes; True only for the call that closed it. Later inserts
        raise QueueClosed; removals return what is left, then raise
        QueueClosed; blocked threads and tasks wake."""
    @property
    def closed(self) -> bool: ...
    def __iter__(self) -> Self: ...
    def __next__(self) -> _T:
        """Takes (consumes) the next element; stops once closed and drained."""
    async def take_async(self) -> _T:
        """Removes the head; raises QueueClosed once closed and drained. A
        cancelled take removes nothing."""
    def __aiter__(self) -> AsyncIterator[_T]: ...
    async def __anext__(self) -> _T: ...
    def __class_getitem__(cls, key: Any) -> GenericAlias: ...

@type_check_only
class _PlainQueue(_BlockingQueue[_T]):
    """The insert forms of every queue but DelayQueue."""

    def put(self, value: _T) -> None:
        """Inserts, waiting for room as long as it takes; raises QueueClosed
        once closed, TypeError for None. Blocked, it releases the GIL and
        stops on Ctrl-C (the element is then not inserted, unless a consumer
        had already claimed it: then it is delivered)."""
    def offer(self, value: _T, timeout: float | None = 0.0) -> bool:
        """Inserts, waiting for room at most ``timeout`` seconds (0 tries
        once, None waits forever); whether it did."""
    def add(self, value: _T) -> None:
        """Inserts now, or raises queue.Full."""

@type_check_only
class _FifoQueue(_PlainQueue[_T]):
    """A queue whose puts may wait for room."""

    async def put_async(self, value: _T) -> None:
        """Inserts, waiting for room. Cancelled, it raises CancelledError
        having inserted nothing, unless a consumer had already claimed the
        element: then it is delivered, and the task returns normally
        (un-cancelled with ``Task.uncancel()``)."""

@disjoint_base
class ArrayBlockingQueue(_FifoQueue[_T]):
    """Java's ``ArrayBlockingQueue``: bounded FIFO. ``fair=True`` serves blocked
    threads and tasks in arrival order; a signal handler whose thread waits
    on a fair queue then gets RuntimeError if it would wait on it too, in
    the same direction (as for ``SynchronousQueue(fair=True)``,
    ``PriorityBlockingQueue``, ``DelayQueue`` and ``LinkedTransferQueue``)."""

    def __new__(cls, capacity: int, fair: bool = False) -> Self: ...

@disjoint_base
class LinkedBlockingQueue(_FifoQueue[_T]):
    """Java's ``LinkedBlockingQueue``: FIFO, bounded by ``capacity`` or (None)
    unbounded."""

    def __new__(cls, capacity: int | None = None) -> Self: ...

@disjoint_base
class SynchronousQueue(_FifoQueue[_T]):
    """Java's ``SynchronousQueue``: holds nothing; a put completes when a take
    receives its element (``offer`` succeeds only if a consumer waits).
    ``fair=True`` matches producers and consumers in arrival order."""

    def __new__(cls, fair: bool = False) -> Self: ...

@disjoint_base
class PriorityBlockingQueue(_PlainQueue[_T]):
    """Java's ``PriorityBlockingQueue``: unbounded, smallest first by ``<`` on
    the items, or on ``key(item)`` (computed once, at insert); FIFO among
    equals. An exception raised by a comparison propagates from that
    insert, and the queue is unchanged."""

    def __new__(cls, key: Callable[[_T], Any] | None = None) -> Self: ...
    @property
    def key(self) -> Callable[[_T], Any] | None: ...
    async def put_async(self, value: _T) -> None:
        """Inserts at once (the call never waits for room); raises when
        awaited if the insert failed."""

@disjoint_base
class DelayQueue(_BlockingQueue[_T]):
    """Java's ``DelayQueue``: an element leaves only once its delay (seconds)
    has passed, earliest deadline first. ``peek``, ``len``, ``to_list`` and
    ``in`` see every element, expired or not."""

    def __new__(cls) -> Self: ...
    def put(self, value: _T, delay: float) -> None:
        """Inserts ``value``, to leave once ``delay`` seconds have passed (0
        or less: at once). Raises QueueClosed once closed."""
    def offer(self, value: _T, delay: float, timeout: float | None = 0.0) -> bool:
        """As ``put`` (a delay queue never waits for room): True."""
    def add(self, value: _T, delay: float) -> None:
        """As ``put``."""
    async def put_async(self, value: _T, delay: float) -> None:
        """As ``put``, at the call; raises when awaited if it failed."""

@disjoint_base
class LinkedTransferQueue(_PlainQueue[_T]):
    """Java's ``LinkedTransferQueue``: unbounded FIFO; ``transfer`` waits until
    a consumer has received the element."""

    def __new__(cls) -> Self: ...
    async def put_async(self, value: _T) -> None:
        """Inserts at once (the call never waits for room); raises when
        awaited if the insert failed."""
    def transfer(self, value: _T) -> None:
        """Inserts and waits until a consumer has received the element.
        (The wait goes in 50 ms slices, and between two slices the element
        goes behind what was put meanwhile; ``transfer_async`` keeps its
        place.)"""
    async def transfer_async(self, value: _T) -> None:
        """Inserts and returns once a consumer has received the element;
        QueueClosed if the queue is closed first. Cancelled while waiting,
        it withdraws the element, unless a consumer had already received it:
        then the transfer happened and the await returns normally (the task
        is un-cancelled), so a retry never delivers twice."""
    def try_transfer(self, value: _T, timeout: float | None = 0.0) -> bool:
        """Transfers if a consumer receives the element within ``timeout``
        seconds (0: only to a consumer already waiting in a thread, as a
        pending ``take_async`` may be cancelled before it receives it);
        else inserts nothing and answers False. With a timeout, a
        ``take_async`` counts once its await returns the element."""
    def has_waiting_consumer(self) -> bool: ...
    def waiting_consumer_count(self) -> int: ...

@final
class _TransferOp:
    """A pending ``LinkedTransferQueue.transfer_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, Any]: ...
    def cancel(self) -> bool:
        """Withdraws the element: True if a consumer had already received it
        (the transfer happened)."""

@final
class _QueuePutOp:
    """A pending ``put_async``, awaited by ``polyconc._aio.drive``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool:
        """Stops the put: True if a consumer had already claimed the
        element (it is delivered), False if it delivers nothing."""

@final
class _QueueTakeOp:
    """A pending ``take_async``, awaited by ``polyconc._aio.drive``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, Any]: ...
    def cancel(self) -> bool:
        """Drops the take, which has removed nothing: always False."""

@final
class _PriorityTakeOp:
    """A pending ``PriorityBlockingQueue.take_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, Any]: ...
    def cancel(self) -> bool: ...

@final
class _DelayTakeOp:
    """A pending ``DelayQueue.take_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, Any]: ...
    def cancel(self) -> bool: ...

# Futures: Scala's promise and future, read the concurrent.futures way.

@final
class Future(Generic[_T]):
    """The result of a computation, set once by its ``Promise``. A failure
    is the exception itself: ``result()`` raises that very object. Once
    seen completed (any method; its promise completing it), a future shows
    the garbage collector what it holds, so cycles through its result are
    collected."""

    def result(self, timeout: float | None = None) -> _T:
        """The value, or raises the failure's exception, waiting at most
        ``timeout`` seconds (TimeoutError past it; None waits forever).
        Blocked, it releases the GIL and stops on Ctrl-C."""
    def exception(self, timeout: float | None = None) -> BaseException | None:
        """The failure's exception, or None on success (waits as ``result``)."""
    def done(self) -> bool: ...
    def cancel(self) -> bool:
        """Fails the future with concurrent.futures.CancelledError if it is
        not completed yet; whether it did."""
    def cancelled(self) -> bool: ...
    def or_timeout(self, seconds: float) -> Future[_T]:
        """This future, failed with TimeoutError unless it completes within
        ``seconds``."""
    def add_done_callback(self, f: Callable[[Future[_T]], object]) -> None:
        """Calls ``f(future)`` once completed (at once if it is), in
        registration order, on the thread that completes it; an exception it
        raises goes to ``sys.unraisablehook``. The callback does not keep
        this future alive: if it was freed meanwhile, ``f`` gets a new
        future of the same result. An ``f`` that refers to this future is
        freed with it by the garbage collector once nothing else can
        complete it (its promise is gone)."""
    def map(self, f: Callable[[_T], _S], *, executor: _Executor | None = None) -> Future[_S]:
        """A future of ``f(value)``, run on ``executor`` (None: the core's
        global pool); a failure passes through. An exception ``f`` raises
        fails the new future with that very object."""
    def flat_map(
        self, f: Callable[[_T], Future[_S]], *, executor: _Executor | None = None
    ) -> Future[_S]:
        """The future ``f(value)`` returns (a TypeError failure if ``f``
        returns anything else); a failure passes through."""
    def filter(
        self, pred: Callable[[_T], object], *, executor: _Executor | None = None
    ) -> Future[_T]:
        """This future's value if ``pred(value)`` is true, else a ValueError
        failure."""
    def recover(
        self,
        f: Callable[[BaseException], _S],
        exceptions: _Caught | None = None,
        *,
        executor: _Executor | None = None,
    ) -> Future[_T | _S]:
        """On a failure that is one of ``exceptions`` (an exception class or
        a tuple of them; None: ``Exception``), the value ``f(exc)``; any
        other result passes through."""
    def recover_with(
        self,
        f: Callable[[BaseException], Future[_S]],
        exceptions: _Caught | None = None,
        *,
        executor: _Executor | None = None,
    ) -> Future[_T | _S]:
        """On a failure that is one of ``exceptions`` (None: ``Exception``),
        the future ``f(exc)``."""
    def transform(
        self,
        on_success: Callable[[_T], _S],
        on_failure: Callable[[BaseException], BaseException],
        *,
        executor: _Executor | None = None,
    ) -> Future[_S]:
        """``on_success(value)`` as the new value, or ``on_failure(exc)`` as
        the new exception (a TypeError failure if it returns no exception)."""
    def zip(self, other: Future[_S]) -> Future[tuple[_T, _S]]:
        """Both values as a tuple, made on the thread that completes the
        second; the first failure fails it at once."""
    def fallback_to(self, other: Future[_S]) -> Future[_T | _S]:
        """This future's result if it succeeds, else ``other``'s if that
        succeeds, else this one's failure (the first failure wins)."""
    def and_then(
        self, f: Callable[[Future[_T]], object], *, executor: _Executor | None = None
    ) -> Future[_T]:
        """Runs ``f`` with a completed future of this one's result on
        ``executor``, then completes with that result (chained
        ``and_then``s run in order). An exception ``f`` raises goes to
        ``sys.unraisablehook``."""
    def on_complete(
        self, f: Callable[[Future[_T]], object], *, executor: _Executor | None = None
    ) -> None:
        """Runs ``f`` with a completed future of this one's result on
        ``executor`` once completed; an exception it raises goes to
        ``sys.unraisablehook``."""
    @staticmethod
    def sequence(
        futures: Iterable[Future[_S]], *, executor: _Executor | None = None
    ) -> Future[list[_S]]:
        """A future of the list of the values, in order, once all succeed;
        the first failure fails it at once."""
    @staticmethod
    def traverse(
        items: Iterable[_R],
        f: Callable[[_R], Future[_S]],
        *,
        executor: _Executor | None = None,
    ) -> Future[list[_S]]:
        """``Future.sequence`` of ``f(item)`` for each item (``f`` is called
        here, at once; what it raises propagates)."""
    @staticmethod
    def first_completed_of(futures: Iterable[Future[_S]]) -> Future[_S]:
        """The result of whichever future completes first (never completes
        for no futures)."""
    def to_concurrent(self) -> concurrent.futures.Future[_T]:
        """A ``concurrent.futures.Future`` completed as this one is (so
        ``concurrent.futures.wait`` and ``as_completed`` work); cancelling
        either cancels the other."""
    @staticmethod
    def from_concurrent(source: concurrent.futures.Future[_S]) -> Future[_S]:
        """A future completed as the ``concurrent.futures.Future`` ``source``
        is; cancelling either cancels the other."""
    @staticmethod
    def from_asyncio(source: asyncio.Future[_S]) -> Future[_S]:
        """A future completed as the asyncio future or task ``source`` is
        (callable from any thread); cancelling it cancels ``source`` on its
        event loop, and a cancelled ``source`` cancels it."""
    def __await__(self) -> Generator[Any, None, _T]:
        """Awaits the result on any event loop; a cancelled ``await`` leaves
        the future as it is."""
    @staticmethod
    def successful(value: _T) -> Future[_T]: ...
    @staticmethod
    def failed(exc: BaseException) -> Future[Any]: ...
    def __class_getitem__(cls, key: Any) -> GenericAlias: ...

@final
class Promise(Generic[_T]):
    """Completes its ``future`` once."""

    def __new__(cls) -> Self: ...
    @property
    def future(self) -> Future[_T]: ...
    def success(self, value: _T) -> None:
        """Completes with ``value``; concurrent.futures.InvalidStateError if
        already completed."""
    def failure(self, exc: BaseException) -> None:
        """Fails with ``exc`` (that very object is raised by ``result``);
        InvalidStateError if already completed."""
    def try_success(self, value: _T) -> bool:
        """Completes with ``value`` unless already completed; whether it did."""
    def try_failure(self, exc: BaseException) -> bool:
        """Fails with ``exc`` unless already completed; whether it did."""
    def __class_getitem__(cls, key: Any) -> GenericAlias: ...

@final
class _AwaitOp:
    """A pending ``await future``, awaited by ``polyconc._aio.drive``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, Any]: ...
    def cancel(self) -> bool:
        """Stops awaiting (the future is left as it is): always False."""

def future(
    f: Callable[..., _T], /, *args: Any, executor: _Executor | None = None, **kwargs: Any
) -> Future[_T]:
    """Scala's ``Future.apply``: ``f(*args, **kwargs)`` run on ``executor``
    (None: the core's global pool, a ``ThreadPool`` or any
    ``concurrent.futures.Executor``). An exception ``f`` raises fails the
    future with that very object; a BaseException that is not an Exception
    (SystemExit) fails it too and is raised again in the thread that ran
    ``f`` (through ``sys.unraisablehook`` on a pool thread)."""

@disjoint_base
class _ThreadPool:
    """The Rust base of ``polyconc.ThreadPool``: the core's thread pool."""

    def __new__(cls, workers: int | None = None) -> Self:
        """``workers`` threads (None: one per core); ValueError below 1."""
    @property
    def workers(self) -> int:
        """How many worker threads."""
    def submit(
        self, f: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> concurrent.futures.Future[_T]:
        """Runs ``f(*args, **kwargs)`` on a worker; RuntimeError once shut
        down."""
    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Refuses new tasks; ``cancel_futures`` cancels the queued ones (their
        futures, ``submit``'s and the combinators'); ``wait`` waits until every
        worker has exited (RuntimeError from a worker of this pool), without
        the GIL; Ctrl-C stops the wait, and the pool still runs what it has."""

@final
class Mutex:
    """A lock, as ``threading.Lock``, that any thread may release. Blocking
    acquires release the GIL and stay interruptible by Ctrl-C; an
    interrupted, timed-out or cancelled acquire holds nothing. Threads and
    tasks of any event loop may share one. A signal handler whose thread
    waits for the lock gets RuntimeError if it would wait for it too (as
    for ``ReentrantLock``, ``RwLock`` and ``Semaphore``)."""

    def __new__(cls) -> Self: ...
    def acquire(self, blocking: bool = True, timeout: float | None = -1) -> bool:
        """Takes the lock, as ``threading.Lock.acquire``: waits at most
        ``timeout`` seconds (``-1`` or ``None``: forever), or not at all when
        ``blocking`` is false; whether it was taken. ValueError for a timeout
        with ``blocking=False`` or a negative one other than -1."""
    def release(self) -> None:
        """Releases the lock, whichever thread or task took it; RuntimeError
        if it is not locked."""
    def locked(self) -> bool: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...
    async def acquire_async(self, timeout: float | None = None) -> bool:
        """Takes the lock from a task; False if ``timeout`` seconds pass
        first. Cancelled, it holds nothing (a lock handed to it meanwhile is
        passed on)."""
    async def __aenter__(self) -> bool: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...

@final
class ReentrantLock:
    """A lock its holder may take again, as ``threading.RLock`` (Java's
    ``ReentrantLock``): released once per acquire, by the thread that holds
    it. ``fair=True`` hands it to waiters in arrival order."""

    def __new__(cls, fair: bool = False) -> Self: ...
    def acquire(self, blocking: bool = True, timeout: float | None = -1) -> bool:
        """As ``Mutex.acquire``; a thread that holds the lock takes it again
        at once."""
    def release(self) -> None:
        """Releases one hold; RuntimeError if this thread holds none."""
    def locked(self) -> bool: ...
    def hold_count(self) -> int:
        """How many holds this thread has (0 if it holds none)."""
    def is_held_by_current_thread(self) -> bool: ...
    def queue_length(self) -> int:
        """How many threads wait to take the lock (a snapshot)."""
    @property
    def fair(self) -> bool: ...
    def new_condition(self) -> Condition:
        """``Condition(self)``."""
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...

@final
class Condition:
    """A condition variable, as ``threading.Condition``, over a
    ``ReentrantLock`` (a new one by default) or a ``Mutex``; TypeError for
    any other lock. Waiting or notifying without holding the lock raises
    RuntimeError. A signal handler that takes the lock while its thread is
    in ``wait`` ends that wait (which then returns True, as after a
    wake-up, holding the lock) instead of queueing behind it."""

    def __new__(cls, lock: ReentrantLock | Mutex | None = None) -> Self: ...
    @property
    def lock(self) -> ReentrantLock | Mutex: ...
    def acquire(self, *args: Any, **kwargs: Any) -> bool: ...
    def release(self) -> None: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...
    def wait(self, timeout: float | None = None) -> bool:
        """Releases the lock (every hold of a ``ReentrantLock``), waits for a
        notify at most ``timeout`` seconds, and takes the lock again (also
        when Ctrl-C interrupts it); False if it timed out."""
    def wait_for(self, predicate: Callable[[], _R], timeout: float | None = None) -> _R:
        """Waits until ``predicate()`` is true, at most ``timeout`` seconds
        in all; returns the predicate's last answer."""
    def notify(self, n: int = 1) -> None: ...
    def notify_all(self) -> None: ...

@final
class _LockOp:
    """A pending ``Mutex.acquire_async``, awaited by ``polyconc._aio.drive``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool:
        """Drops the acquire; a lock handed to it meanwhile is released.
        Always False."""

@final
class Semaphore:
    """A counting semaphore, as ``threading.Semaphore`` (Java's: an acquire
    may take several permits, all or none). ``fair=True`` serves waiting
    acquires in arrival order. Any thread or task may release."""

    def __new__(cls, value: int = 1, fair: bool = False) -> Self: ...
    def acquire(
        self, blocking: bool = True, timeout: float | None = None, *, permits: int = 1
    ) -> bool:
        """Takes ``permits`` permits at once, waiting at most ``timeout``
        seconds (``None``: forever), or not at all when ``blocking`` is
        false; whether they were taken. ``permits`` is keyword-only because
        ``acquire(2)`` means ``blocking=2`` in ``threading``. ValueError for
        ``permits < 1``, a negative timeout, or a timeout with
        ``blocking=False``. Interrupted (Ctrl-C), timed out or cancelled, it
        takes nothing."""
    def release(self, n: int = 1) -> None:
        """Gives ``n`` permits; ValueError for ``n < 1``."""
    def available_permits(self) -> int: ...
    def drain_permits(self) -> int:
        """Takes every permit available now; how many."""
    def queue_length(self) -> int:
        """How many acquires wait (a snapshot)."""
    @property
    def fair(self) -> bool: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...
    async def acquire_async(self, timeout: float | None = None, *, permits: int = 1) -> bool:
        """Takes ``permits`` permits from a task; False if ``timeout``
        seconds pass first. Cancelled, it takes nothing (permits handed to it
        meanwhile go back)."""
    async def __aenter__(self) -> bool: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...

@final
class CountDownLatch:
    """Java's ``CountDownLatch``: opens once counted down to zero, and stays
    open."""

    def __new__(cls, count: int) -> Self: ...
    def count_down(self) -> None:
        """One less (nothing once at zero)."""
    @property
    def count(self) -> int: ...
    def wait(self, timeout: float | None = None) -> bool:
        """Waits until the count is zero; False if ``timeout`` seconds pass
        first."""
    async def wait_async(self, timeout: float | None = None) -> bool: ...

@final
class WaitGroup:
    """Go's ``sync.WaitGroup``: waits for a counted group of tasks."""

    def __new__(cls) -> Self: ...
    def add(self, delta: int = 1) -> None:
        """Adds ``delta`` (may be negative); ValueError, with the counter
        unchanged, if it would go below zero."""
    def done(self) -> None:
        """``add(-1)``."""
    @property
    def count(self) -> int: ...
    def wait(self, timeout: float | None = None) -> bool:
        """Waits until the counter is zero; False if ``timeout`` seconds
        pass first."""
    async def wait_async(self, timeout: float | None = None) -> bool: ...

@final
class _AcquireOp:
    """A pending ``Semaphore.acquire_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool:
        """Drops the acquire; permits handed to it go back. Always False."""

@final
class _LatchOp:
    """A pending ``CountDownLatch.wait_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool: ...

@final
class _WaitGroupOp:
    """A pending ``WaitGroup.wait_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool: ...

@final
class CyclicBarrier:
    """A barrier for ``parties`` threads or tasks, as ``threading.Barrier``
    (Java's ``CyclicBarrier``): ready again for the next round once every
    party has passed."""

    def __new__(
        cls, parties: int, action: Callable[[], object] | None = None, timeout: float | None = None
    ) -> Self: ...
    def wait(self, timeout: float | None = None) -> int:
        """Waits until ``parties`` parties wait (at most ``timeout`` seconds,
        by default the barrier's own); returns a unique index in
        ``range(parties)``, 0 for the first to arrive, as ``threading``. The
        last to arrive runs ``action`` first; an exception there breaks the
        barrier and is raised in that party. Raises
        ``threading.BrokenBarrierError`` when the barrier is or becomes
        broken, also on a timeout, which breaks it (as ``threading`` does);
        a party interrupted by Ctrl-C breaks it too (Java's rule), so that
        nobody waits forever for it."""
    async def wait_async(self, timeout: float | None = None) -> int:
        """``wait`` from a task; a cancelled wait breaks the barrier."""
    def reset(self) -> None:
        """Breaks the parties waiting now out (BrokenBarrierError) and makes
        the barrier new again."""
    def abort(self) -> None:
        """Breaks the barrier, as ``threading.Barrier.abort``: the parties
        waiting now and every later ``wait`` raise BrokenBarrierError until
        ``reset``."""
    @property
    def parties(self) -> int: ...
    @property
    def n_waiting(self) -> int: ...
    @property
    def broken(self) -> bool: ...

@final
class _BarrierOp:
    """A pending ``CyclicBarrier.wait_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, int | None]: ...
    def cancel(self) -> bool: ...

@final
class SpinLock:
    """A spin lock with ``Mutex``'s API: a waiter spins (GIL released,
    yielding its CPU as the pauses grow) instead of sleeping, and its
    ``acquire_async`` re-polls instead of waiting to be woken. Good only for
    very short critical sections; prefer ``Mutex``."""

    def __new__(cls) -> Self: ...
    def acquire(self, blocking: bool = True, timeout: float | None = -1) -> bool:
        """As ``Mutex.acquire``."""
    def release(self) -> None:
        """Releases the lock, whichever thread or task took it;
        RuntimeError if it is not locked."""
    def locked(self) -> bool: ...
    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...
    async def acquire_async(self, timeout: float | None = None) -> bool: ...
    async def __aenter__(self) -> bool: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...

@final
class RwLock:
    """Many readers or one writer; a waiting writer blocks new readers, so
    no writer starves. Holds are not owned: any thread or task may release
    one (RuntimeError when none is held)."""

    def __new__(cls) -> Self: ...
    def acquire_read(self, timeout: float | None = None) -> bool:
        """Takes a read hold, waiting at most ``timeout`` seconds; whether it
        was taken. Interrupted (Ctrl-C) or timed out, it holds nothing."""
    def release_read(self) -> None: ...
    def acquire_write(self, timeout: float | None = None) -> bool:
        """Takes the write hold, as ``acquire_read``."""
    def release_write(self) -> None: ...
    async def acquire_read_async(self, timeout: float | None = None) -> bool: ...
    async def acquire_write_async(self, timeout: float | None = None) -> bool: ...
    def read(self) -> _RwHold:
        """``with rw.read():`` (or ``async with``) holds a read hold inside."""
    def write(self) -> _RwHold:
        """``with rw.write():`` (or ``async with``) holds the write hold inside."""
    @property
    def readers(self) -> int:
        """How many read holds are held now."""
    @property
    def writing(self) -> bool: ...

@final
class _RwHold:
    """``RwLock.read()`` / ``write()``: takes its hold on entry."""

    def __enter__(self) -> bool: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...
    async def __aenter__(self) -> bool: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
        /,
    ) -> None: ...
    def release(self) -> None: ...

@final
class _SpinOp:
    """A pending ``SpinLock.acquire_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool: ...

@final
class _ReadOp:
    """A pending ``RwLock.acquire_read_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool: ...

@final
class _WriteOp:
    """A pending ``RwLock.acquire_write_async``."""

    def poll(self, wake: Callable[[], object]) -> tuple[bool, None]: ...
    def cancel(self) -> bool: ...
