# The package's names, listed once: the extension's public ones (which
# __init__.py imports with `*`) and ThreadPool; `X as X` re-exports each.
from ._core import ArrayBlockingQueue as ArrayBlockingQueue
from ._core import Chan as Chan
from ._core import ChannelClosed as ChannelClosed
from ._core import Closed as Closed
from ._core import Condition as Condition
from ._core import CountDownLatch as CountDownLatch
from ._core import CyclicBarrier as CyclicBarrier
from ._core import DelayQueue as DelayQueue
from ._core import Future as Future
from ._core import LinkedBlockingQueue as LinkedBlockingQueue
from ._core import LinkedTransferQueue as LinkedTransferQueue
from ._core import Mutex as Mutex
from ._core import PriorityBlockingQueue as PriorityBlockingQueue
from ._core import Promise as Promise
from ._core import QueueClosed as QueueClosed
from ._core import ReentrantLock as ReentrantLock
from ._core import RwLock as RwLock
from ._core import Semaphore as Semaphore
from ._core import SpinLock as SpinLock
from ._core import SynchronousQueue as SynchronousQueue
from ._core import WaitGroup as WaitGroup
from ._core import future as future
from ._core import select as select
from ._exec import ThreadPool as ThreadPool
