"""Helpers shared by the tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

from polyconc import (
    ArrayBlockingQueue,
    Chan,
    LinkedBlockingQueue,
    LinkedTransferQueue,
    PriorityBlockingQueue,
    SynchronousQueue,
)

# A child that hangs fails the test after this many seconds (a hang guard,
# never a speed check).
HANG_GUARD = 30.0


def run_child(body: str) -> str:
    """Runs `body` in a fresh interpreter; returns its stdout; fails on a non-zero exit."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(body)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert proc.returncode == 0, f"child failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def interrupt_child(body: str) -> str:
    """Runs `body`, which prints READY just before it blocks, then sends it a
    real SIGINT; returns its stdout once it exits cleanly."""
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(body)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "READY", f"child did not get ready: {line!r}"
        # Let the child enter its blocking call; if the signal came earlier the
        # test would still pass, but would not test the blocked path.
        time.sleep(0.3)
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=HANG_GUARD)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"child failed:\n{out}\n{err}"
    return line + out


def run_threads(targets: list[Callable[[], None]]) -> None:
    """Runs each target in a thread of its own and waits for them all."""
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(HANG_GUARD)
        assert not t.is_alive(), "a thread hung"


def run_then_close(
    ch: Chan[Any],
    producers: list[Callable[[], None]],
    consumers: list[Callable[[], None]],
) -> None:
    """Runs producers and consumers in threads, and closes `ch` once every
    producer has returned, so that the consumers' loops end."""
    done = threading.Barrier(len(producers) + 1)

    def finishing(produce: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                produce()
            finally:
                done.wait(HANG_GUARD)

        return run

    def closer() -> None:
        done.wait(HANG_GUARD)
        ch.close()

    run_threads([finishing(p) for p in producers] + consumers + [closer])


def queue_makers(capacity: int) -> dict[str, Callable[[], Any]]:
    """A maker of each queue type (and fairness) but DelayQueue, whose
    inserts take a delay, by a name for test ids; bounded ones hold
    `capacity`."""
    return {
        "array": lambda: ArrayBlockingQueue(capacity),
        "array-fair": lambda: ArrayBlockingQueue(capacity, fair=True),
        "linked": LinkedBlockingQueue,
        "linked-bounded": lambda: LinkedBlockingQueue(capacity),
        "priority": PriorityBlockingQueue,
        "transfer": LinkedTransferQueue,
        "synchronous": SynchronousQueue,
        "synchronous-fair": lambda: SynchronousQueue(fair=True),
    }


def runs_beside(wait: Callable[[], None]) -> int:
    """Runs `wait` (a call that blocks about 0.3 s) in a thread, and counts
    how many loop turns this thread made in 0.2 s meanwhile: a few if the
    waiting thread held the GIL, very many if it let it go."""
    t = threading.Thread(target=wait)
    t.start()
    count = 0
    end = time.monotonic() + 0.2
    while time.monotonic() < end:
        count += 1
    t.join(HANG_GUARD)
    assert not t.is_alive(), "the waiting thread hung"
    return count
