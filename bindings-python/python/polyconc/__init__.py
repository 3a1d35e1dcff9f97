"""Go channels for Python threads and asyncio, backed by a Rust core.

>>> from polyconc import Chan
>>> ch = Chan(1)
>>> ch.send("hi")
>>> ch.recv()
'hi'
"""

# ``Chan`` is the Rust class itself: a Python subclass of it made every
# send+recv pair over 10 ns slower. Its async methods return coroutines
# written in Python (``_aio``).
from ._core import (
    Chan,
    ChannelClosed,
    Condition,
    CountDownLatch,
    CyclicBarrier,
    Mutex,
    ReentrantLock,
    RwLock,
    Semaphore,
    SpinLock,
    WaitGroup,
    select,
)

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
    "select",
]

# Java's blocking queues and Scala's futures (see ``_core.pyi``).
from ._core import (
    ArrayBlockingQueue,
    Closed,
    DelayQueue,
    Future,
    LinkedBlockingQueue,
    LinkedTransferQueue,
    PriorityBlockingQueue,
    Promise,
    QueueClosed,
    SynchronousQueue,
    future,
)
from ._exec import ThreadPool

__all__ += [
    "ArrayBlockingQueue",
    "Closed",
    "DelayQueue",
    "Future",
    "LinkedBlockingQueue",
    "LinkedTransferQueue",
    "PriorityBlockingQueue",
    "Promise",
    "QueueClosed",
    "SynchronousQueue",
    "ThreadPool",
    "future",
]
