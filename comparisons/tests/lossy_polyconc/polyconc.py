"""The test double of polyconc with a channel and queues that lose their
first message, so the tests can see bench.py's sum check fail."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "polyconc_double",
    Path(__file__).resolve().parent.parent / "fake_polyconc" / "polyconc.py",
)
_double = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_double)

ChannelClosed, QueueClosed = _double.ChannelClosed, _double.QueueClosed
select = _double.select
Mutex, SpinLock = _double.Mutex, _double.SpinLock


class _Lossy:
    """Drops the first message sent (the queues' put and transfer send)."""

    dropped = False

    def send(self, value):
        if not self.dropped:
            self.dropped = True
            return
        super().send(value)


class Chan(_Lossy, _double.Chan):
    pass


class ArrayBlockingQueue(_Lossy, _double.ArrayBlockingQueue):
    pass


class LinkedBlockingQueue(_Lossy, _double.LinkedBlockingQueue):
    pass


class SynchronousQueue(_Lossy, _double.SynchronousQueue):
    pass


class LinkedTransferQueue(_Lossy, _double.LinkedTransferQueue):
    pass
