"""send_many / recv_many: what was sent when a batch stops half-way (close,
timeout, Ctrl-C, a failing iterable), waking on close, and sum checks with
several threads moving batches at once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from _helpers import HANG_GUARD, interrupt_child, run_then_close, run_threads

from polyconc import Chan, ChannelClosed


def drain(ch: Chan[int]) -> list[int]:
    """What can be had at once, until empty or closed and drained."""
    got: list[int] = []
    while True:
        try:
            value, ok = ch.try_recv()
        except ChannelClosed:
            return got
        if not ok:
            return got
        assert value is not None
        got.append(value)


@pytest.mark.parametrize("capacity", [0, 2, 100])
def test_close_in_the_middle_of_send_many_sent_a_prefix(capacity: int) -> None:
    ch: Chan[int] = Chan(capacity)
    n = 5_000  # more than one chunk, and more than the buffer holds
    received: list[int] = []
    outcome: list[str] = []

    progress: list[tuple[int, list[int]]] = []

    def sender() -> None:
        try:
            ch.send_many(range(n))
            outcome.append("returned")
        except ChannelClosed as e:
            outcome.append("closed")
            progress.append((e.sent, e.unsent))  # type: ignore[attr-defined]

    def receiver() -> None:
        received.extend(ch.recv() for _ in range(10))
        ch.close()

    run_threads([sender, receiver])
    assert outcome == ["closed"]
    got = received + drain(ch)
    # Exactly the items before the failure point, in order, none twice.
    assert got == list(range(len(got)))
    assert 10 <= len(got) <= 10 + capacity
    # The exception tells how far it got, and hands back what it took from
    # the iterable but did not send: nothing is lost.
    [(sent, unsent)] = progress
    assert sent == len(got)
    assert unsent == list(range(sent, sent + len(unsent)))
    assert 0 < len(unsent) <= 1024


def test_send_many_on_a_closed_channel_sends_nothing() -> None:
    ch: Chan[int] = Chan(None)
    ch.close()
    with pytest.raises(ChannelClosed, match="closed"):
        ch.send_many(range(3))
    assert len(ch) == 0


def test_send_many_of_nothing_is_harmless() -> None:
    ch: Chan[int] = Chan(0)
    ch.send_many([])
    ch.close()
    ch.send_many(iter([]))  # nothing to send: nothing is raised either


def test_send_many_sends_the_items_before_a_failing_iterable() -> None:
    def items() -> Iterator[int]:
        yield from range(3000)  # past the first chunk
        raise LookupError("from the iterator")

    ch: Chan[int] = Chan(None)
    with pytest.raises(LookupError, match="from the iterator") as raised:
        ch.send_many(items())
    assert drain(ch) == list(range(3000))
    assert raised.value.sent == 3000  # type: ignore[attr-defined]
    assert raised.value.unsent == []  # type: ignore[attr-defined]


def test_send_many_of_a_non_iterable_raises_type_error() -> None:
    ch: Chan[int] = Chan(None)
    with pytest.raises(TypeError):
        ch.send_many(5)  # type: ignore[arg-type]


def test_send_many_timeout_leaves_the_rest_unsent() -> None:
    ch: Chan[int] = Chan(2)
    with pytest.raises(TimeoutError) as raised:
        ch.send_many(range(5), timeout=0.05)
    assert drain(ch) == [0, 1]
    assert raised.value.sent == 2  # type: ignore[attr-defined]
    assert raised.value.unsent == [2, 3, 4]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="timeout"):
        ch.send_many([1], timeout=-1)
    assert drain(ch) == []


def test_recv_many_wakes_when_closed_while_waiting() -> None:
    ch: Chan[int] = Chan(1)
    got: list[list[int]] = []
    waiting = threading.Event()

    def receiver() -> None:
        waiting.set()
        got.append(ch.recv_many(10))

    t = threading.Thread(target=receiver)
    t.start()
    waiting.wait()
    time.sleep(0.1)  # let it block (the test holds either way)
    ch.close()
    t.join(HANG_GUARD)
    assert not t.is_alive()
    assert got == [[]]


def test_recv_many_takes_buffered_items_after_close() -> None:
    ch: Chan[int] = Chan(10)
    ch.send_many(range(5))
    ch.close()
    assert ch.recv_many(3) == [0, 1, 2]
    assert ch.recv_many(3) == [3, 4]
    assert ch.recv_many(3) == []


def test_recv_many_takes_at_most_max_and_keeps_the_rest() -> None:
    ch: Chan[int] = Chan(None)
    ch.send_many(range(3000))
    assert ch.recv_many(2000) == list(range(2000))
    assert ch.recv_many(5000) == list(range(2000, 3000))
    with pytest.raises(ValueError, match="max"):
        ch.recv_many(-1)


def test_recv_many_on_rendezvous_takes_waiting_senders() -> None:
    ch: Chan[int] = Chan(0)
    sender = threading.Thread(target=ch.send_many, args=(range(100),))
    sender.start()
    got: list[int] = []
    while len(got) < 100:
        got.extend(ch.recv_many(100))
    sender.join(HANG_GUARD)
    assert got == list(range(100))


@pytest.mark.parametrize("capacity", [0, 7, 1024, None])
def test_batches_from_many_threads_arrive_once_each(capacity: int | None) -> None:
    ch: Chan[int] = Chan(capacity)
    producers, consumers, per = 3, 3, 20_000
    got: list[list[int]] = [[] for _ in range(consumers)]

    def producer(p: int) -> Callable[[], None]:
        return lambda: ch.send_many(range(p * per, (p + 1) * per))

    def consumer(c: int) -> Callable[[], None]:
        def run() -> None:
            while batch := ch.recv_many(500):
                got[c].extend(batch)

        return run

    run_then_close(
        ch, [producer(p) for p in range(producers)], [consumer(c) for c in range(consumers)]
    )
    every = [v for g in got for v in g]
    assert sum(every) == producers * per * (producers * per - 1) // 2
    assert Counter(every) == Counter(range(producers * per))
    # Each producer's items keep their order within each consumer's share.
    for g in got:
        for p in range(producers):
            mine = [v for v in g if p * per <= v < (p + 1) * per]
            assert mine == sorted(mine)


SEND_MANY_CHILD = """
import gc, weakref
from polyconc import Chan

class Item:
    def __init__(self, n):
        self.n = n

refs = []
def items():
    for n in range(5000):
        item = Item(n)
        refs.append(weakref.ref(item))
        yield item

ch = Chan(2)
print("READY", flush=True)
try:
    ch.send_many(items())
    raise SystemExit("send_many returned")
except KeyboardInterrupt as e:
    interrupted = e
got = [ch.try_recv() for _ in range(3)]
assert [v.n for v, ok in got if ok] == [0, 1], got
assert got[2] == (None, False), got
# The items taken from the iterable but not sent come back, in order.
assert interrupted.sent == 2, interrupted.sent
assert [v.n for v in interrupted.unsent] == list(range(2, 1024)), interrupted.unsent
# Once the caller lets go of them, they are freed, not leaked.
del got, interrupted
gc.collect()
alive = [r().n for r in refs if r() is not None]
assert alive == [], alive
print("INTERRUPTED, PREFIX SENT, NOTHING LEAKED", flush=True)
"""

RECV_MANY_CHILD = """
from polyconc import Chan
ch = Chan(3)
print("READY", flush=True)
try:
    ch.recv_many(10)
    raise SystemExit("recv_many returned")
except KeyboardInterrupt:
    pass
ch.send_many([1, 2])
assert ch.recv_many(10) == [1, 2], "the interrupted receive took something"
print("INTERRUPTED, NOTHING CONSUMED", flush=True)
"""


def test_sigint_interrupts_send_many() -> None:
    assert "NOTHING LEAKED" in interrupt_child(SEND_MANY_CHILD)


def test_sigint_interrupts_recv_many() -> None:
    assert "NOTHING CONSUMED" in interrupt_child(RECV_MANY_CHILD)
