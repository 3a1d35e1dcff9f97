from ._core import Chan as Chan
from ._core import ChannelClosed as ChannelClosed
from ._core import Condition as Condition
from ._core import CountDownLatch as CountDownLatch
from ._core import CyclicBarrier as CyclicBarrier
from ._core import Mutex as Mutex
from ._core import ReentrantLock as ReentrantLock
from ._core import RwLock as RwLock
from ._core import Semaphore as Semaphore
from ._core import SpinLock as SpinLock
from ._core import WaitGroup as WaitGroup
from ._core import select as select

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
