"""The test double of polyconc with a channel that loses its first message,
so the tests can see bench.py's sum check fail."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "polyconc_double",
    Path(__file__).resolve().parent.parent / "fake_polyconc" / "polyconc.py",
)
_double = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_double)

ChannelClosed = _double.ChannelClosed
select = _double.select
Mutex, SpinLock = _double.Mutex, _double.SpinLock


class Chan(_double.Chan):
    def __init__(self, capacity):
        super().__init__(capacity)
        self.dropped = False

    def send(self, value):
        if not self.dropped:
            self.dropped = True
            return
        super().send(value)
