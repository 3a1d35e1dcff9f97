"""Test double of polyconc's Python API (Chan, select, ChannelClosed, the
blocking queues suite C uses, Mutex, SpinLock) in pure Python, so the tests run
bench.py's `core` paths (close, iteration, select) whether or not the pyo3
extension is built. Never used for figures."""

import threading
from collections import deque

# One condition for every channel, so select can wait on all of them at once.
_cond = threading.Condition()


class ChannelClosed(Exception):
    pass


class Chan:
    def __init__(self, capacity):
        self.capacity = capacity  # None = unbounded, 0 = rendezvous
        self.buffer = deque()
        self.closed = False
        self.sent = 0
        self.taken = 0

    def send(self, value):
        with _cond:
            limit = 1 if self.capacity == 0 else self.capacity
            _cond.wait_for(lambda: self.closed or limit is None or len(self.buffer) < limit)
            if self.closed:
                raise ChannelClosed("send on a closed channel")
            self.buffer.append(value)
            self.sent += 1
            ticket = self.sent
            _cond.notify_all()
            if self.capacity == 0:  # a rendezvous returns once the value is taken
                _cond.wait_for(lambda: self.taken >= ticket)

    def _poll(self):
        """(value, True) if one is ready, (None, False) if closed and drained,
        None if it would block."""
        if self.buffer:
            self.taken += 1
            _cond.notify_all()
            return self.buffer.popleft(), True
        if self.closed:
            return None, False
        return None

    def recv(self):
        with _cond:
            while (got := self._poll()) is None:
                _cond.wait()
        if not got[1]:
            raise ChannelClosed("channel closed and drained")
        return got[0]

    def close(self):
        with _cond:
            self.closed = True
            _cond.notify_all()

    def __iter__(self):
        while True:
            try:
                yield self.recv()
            except ChannelClosed:
                return


def select(*chans):
    with _cond:
        while True:
            for i, ch in enumerate(chans):
                got = ch._poll()
                if got is not None:
                    return i, got[0], got[1]
            _cond.wait()


class QueueClosed(Exception):
    pass


class _Queue(Chan):
    """put/take over the channel double; take raises QueueClosed once closed
    and drained, and iteration stops there."""

    def put(self, value):
        self.send(value)

    def take(self):
        try:
            return self.recv()
        except ChannelClosed:
            raise QueueClosed("queue closed and drained") from None


class ArrayBlockingQueue(_Queue):
    def __init__(self, capacity, fair=False):
        super().__init__(capacity)


class LinkedBlockingQueue(_Queue):
    pass  # capacity None: unbounded, as Chan's


class SynchronousQueue(_Queue):
    def __init__(self, fair=False):
        super().__init__(0)


class LinkedTransferQueue(_Queue):
    """Only transfer is used: it returns once a consumer has the element, as
    the rendezvous double's send does."""

    def __init__(self):
        super().__init__(0)

    def transfer(self, value):
        self.send(value)


# The locks of suite L: a context-manager lock with acquire/release is all
# suite_l.py needs of them.
Mutex = threading.Lock
SpinLock = threading.Lock
