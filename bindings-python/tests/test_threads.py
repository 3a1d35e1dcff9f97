"""Threads: GIL release, close waking waiters, stress with sum checks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from _helpers import HANG_GUARD, run_child, run_then_close, run_threads

from polyconc import Chan, ChannelClosed, select

# The child of the GIL tests: one thread blocks in `op`, while the main
# thread must keep running Python code. If the blocked thread held the GIL,
# the main thread would never run again and the child would hang (caught by
# the hang guard), which is why this runs in a subprocess.
GIL_CHILD = """
import threading
from polyconc import Chan, select
ch, other = Chan(0), Chan(0)
started = threading.Event()
def blocked():
    started.set()
    {op}
t = threading.Thread(target=blocked)
t.start()
started.wait()
count = 0
for _ in range(2_000_000):  # pure Python work while the other thread waits
    count += 1
alive = t.is_alive()
{release}
t.join()
print("OK", count, alive)
"""


@pytest.mark.parametrize(
    ("op", "release"),
    [
        ("ch.recv()", "ch.send(1)"),
        ("ch.send(1)", "ch.recv()"),
        ("select(ch, other)", "ch.send(1)"),
        ("ch.recv_many(5)", "ch.send(1)"),
    ],
)
def test_blocking_never_holds_the_gil(op: str, release: str) -> None:
    out = run_child(GIL_CHILD.format(op=op, release=release))
    assert out.split() == ["OK", "2000000", "True"]


def test_close_wakes_every_waiting_thread() -> None:
    recv_ch: Chan[int] = Chan(0)
    send_ch: Chan[int] = Chan(0)
    sel_a: Chan[int] = Chan(0)
    outcomes: list[str] = []
    lock = threading.Lock()
    started = threading.Barrier(7)

    def record(what: str) -> None:
        with lock:
            outcomes.append(what)

    def receiver() -> None:
        started.wait()
        try:
            recv_ch.recv()
        except ChannelClosed:
            record("recv closed")

    def sender() -> None:
        started.wait()
        try:
            send_ch.send(1)
        except ChannelClosed:
            record("send closed")

    def selector() -> None:
        started.wait()
        assert select(sel_a) == (0, None, False)
        record("select closed")

    threads = [threading.Thread(target=f) for f in [receiver] * 3 + [sender] * 3 + [selector]]
    for t in threads:
        t.start()
    time.sleep(0.2)  # let them block (the test holds either way)
    recv_ch.close()
    send_ch.close()
    sel_a.close()
    for t in threads:
        t.join(HANG_GUARD)
        assert not t.is_alive()
    assert sorted(outcomes) == ["recv closed"] * 3 + ["select closed"] + ["send closed"] * 3
    with pytest.raises(ChannelClosed):  # the woken senders delivered nothing
        send_ch.try_recv()


@pytest.mark.parametrize("capacity", [0, 1, 64, None])
def test_stress_many_producers_and_consumers(capacity: int | None) -> None:
    ch: Chan[int] = Chan(capacity)
    producers, consumers, per = 4, 4, 5_000
    sums = [0] * consumers
    counts = [0] * consumers

    def producer(p: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(per):
                ch.send(p * per + i)

        return run

    def consumer(c: int) -> Callable[[], None]:
        def run() -> None:
            for v in ch:
                sums[c] += v
                counts[c] += 1

        return run

    run_then_close(
        ch, [producer(p) for p in range(producers)], [consumer(c) for c in range(consumers)]
    )
    n = producers * per
    assert sum(counts) == n
    assert sum(sums) == n * (n - 1) // 2


def test_stress_batches() -> None:
    ch: Chan[int] = Chan(100)
    n = 50_000
    total = [0, 0]

    def producer() -> None:
        ch.send_many(range(n))
        ch.close()

    def consumer() -> None:
        while batch := ch.recv_many(64):
            total[0] += sum(batch)
            total[1] += len(batch)

    run_threads([producer, consumer])
    assert total == [n * (n - 1) // 2, n]


def test_stress_select_send_and_receive() -> None:
    a: Chan[int] = Chan(0)
    b: Chan[int] = Chan(3)
    n = 10_000
    got: list[int] = []
    quit_ch: Chan[None] = Chan(0)

    def producer() -> None:
        for i in range(n):
            select((a, i), (b, i))
        quit_ch.close()

    def consumer() -> None:
        while True:
            i, v, _ok = select(a, b, quit_ch)
            if i == 2:
                # Quit once both are drained: the producer finished sending.
                got.extend(b.recv_many(10, timeout=0) if len(b) else [])
                return
            got.append(v)

    run_threads([producer, consumer])
    assert sorted(got) == list(range(n))


def test_threads_interleave_send_and_timeouts() -> None:
    ch: Chan[int] = Chan(0)
    n = 2_000
    received: list[int] = []

    def sender() -> None:
        for i in range(n):
            while True:
                try:
                    ch.send(i, timeout=0.001)
                    break
                except TimeoutError:
                    continue  # not sent: try again, it must arrive exactly once
        ch.close()

    def receiver() -> None:
        while True:
            try:
                received.append(ch.recv(timeout=0.001))
            except TimeoutError:
                continue
            except ChannelClosed:
                return

    run_threads([sender, receiver])
    assert received == list(range(n))
