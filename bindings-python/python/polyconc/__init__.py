"""Go channels for Python threads and asyncio, backed by a Rust core.

>>> from polyconc import Chan
>>> ch = Chan(1)
>>> ch.send("hi")
>>> ch.recv()
'hi'
"""

# ``Chan`` is the Rust class itself: a Python subclass of it made every
# send+recv pair over 10 ns slower. Its async methods return coroutines
# written in Python (``_aio``). The extension's public names are the
# package's, listed once, in ``__init__.pyi``.
from ._core import *  # noqa: F403
from ._exec import ThreadPool as ThreadPool
