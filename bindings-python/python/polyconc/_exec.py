"""``polyconc.ThreadPool``: the core's thread pool as a ``concurrent.futures.Executor``.

The pool itself, ``submit`` and ``shutdown`` are the Rust base class
(``_core._ThreadPool``); ``Executor`` adds ``map`` and the context manager,
and makes ``isinstance(pool, concurrent.futures.Executor)`` true.
"""

from __future__ import annotations

import concurrent.futures

from ._core import _ThreadPool


class ThreadPool(_ThreadPool, concurrent.futures.Executor):
    """A fixed set of worker threads: ``submit`` returns a
    ``concurrent.futures.Future``, and the pool serves as the ``executor=``
    of ``polyconc.future`` and of the combinators."""
