"""The blocking queues through Python: Java's contract with Python's
exceptions, close, threads, GIL, Ctrl-C, leaks."""

from __future__ import annotations

import gc
import math
import queue
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from _helpers import HANG_GUARD, interrupt_child, queue_makers, run_threads, runs_beside

from polyconc import (
    ArrayBlockingQueue,
    ChannelClosed,
    Closed,
    DelayQueue,
    LinkedBlockingQueue,
    LinkedTransferQueue,
    PriorityBlockingQueue,
    QueueClosed,
    SynchronousQueue,
)

ALL = queue_makers(64)
# The queues that hold elements: every one FIFO but the priority queue,
# fed in increasing order where order counts.
HOLDING = {name: make for name, make in ALL.items() if not name.startswith("synchronous")}


def holding(f: Callable[..., None]) -> Callable[..., None]:
    return pytest.mark.parametrize("make", HOLDING.values(), ids=HOLDING.keys())(f)


def every(f: Callable[..., None]) -> Callable[..., None]:
    return pytest.mark.parametrize("make", ALL.values(), ids=ALL.keys())(f)


@holding
def test_inserts_and_removals(make: Callable[[], Any]) -> None:
    q = make()
    assert q.offer(1) is True
    q.put(2)
    q.add(3)
    assert len(q) == 3 and bool(q)
    assert 2 in q and 4 not in q
    assert q.peek() == 1 and q.element() == 1
    assert q.to_list() == [1, 2, 3]
    assert q.take() == 1
    assert q.poll() == 2
    assert q.remove() == 3
    assert q.poll() is None and q.peek() is None
    assert q.poll(0.01) is None
    with pytest.raises(queue.Empty):
        q.remove()
    with pytest.raises(queue.Empty):
        q.element()
    assert bool(q), "a queue is always true, as Chan"


@holding
def test_collection_methods(make: Callable[[], Any]) -> None:
    q = make()
    for i in range(6):
        q.put(i)
    assert q.remove_item(3) is True and q.remove_item(3) is False
    assert q.remove_item(4.0) is True, "by ==, as `in`"
    out: list[int] = []
    assert q.drain_to(out, max_elements=2) == 2 and out == [0, 1]
    assert q.drain_to(out) == 2 and out == [0, 1, 2, 5]
    q.put(7)
    q.clear()
    assert len(q) == 0


def test_drain_to_loses_nothing_when_append_raises() -> None:
    q: LinkedBlockingQueue[Any] = LinkedBlockingQueue()
    for i in range(5):
        q.put(i)

    class Picky:
        def __init__(self) -> None:
            self.got: list[int] = []

        def append(self, x: int) -> None:
            if x == 2:
                raise ValueError("no 2")
            self.got.append(x)

    target = Picky()
    with pytest.raises(ValueError) as raised:
        q.drain_to(target)
    assert target.got == [0, 1]
    assert raised.value.sent == 2  # type: ignore[attr-defined]
    assert raised.value.unsent == [2, 3, 4]  # type: ignore[attr-defined]
    assert len(q) == 0


def test_capacity_and_full() -> None:
    q: ArrayBlockingQueue[Any] = ArrayBlockingQueue(2)
    assert q.remaining_capacity() == 2
    q.put("a")
    q.put("b")
    assert q.remaining_capacity() == 0
    assert q.offer("c") is False
    assert q.offer("c", timeout=0.01) is False
    with pytest.raises(queue.Full):
        q.add("c")
    assert LinkedBlockingQueue().remaining_capacity() is None
    assert LinkedBlockingQueue(3).remaining_capacity() == 3
    assert SynchronousQueue().remaining_capacity() == 0
    for bad in (0, -1):
        with pytest.raises(ValueError):
            ArrayBlockingQueue(bad)
        with pytest.raises(ValueError):
            ArrayBlockingQueue(bad, fair=True)
        with pytest.raises(ValueError):
            LinkedBlockingQueue(bad)


@every
def test_none_is_refused(make: Callable[[], Any]) -> None:
    q = make()
    for insert in (q.put, q.add, q.offer):
        with pytest.raises(TypeError):
            insert(None)


@every
def test_bad_timeouts(make: Callable[[], Any]) -> None:
    q = make()
    for bad in (-1.0, math.nan):
        with pytest.raises(ValueError):
            q.poll(bad)
        with pytest.raises(ValueError):
            q.offer(1, bad)
    with pytest.raises(TypeError):
        q.poll("1")


@every
def test_close(make: Callable[[], Any]) -> None:
    q = make()
    holds = not isinstance(q, SynchronousQueue)
    if holds:
        q.put("left")
    assert q.close() is True and q.close() is False and q.closed
    for insert in (q.put, q.add, q.offer):
        with pytest.raises(QueueClosed):
            insert("late")
    if holds:
        assert q.peek() == "left" and q.to_list() == ["left"]
        assert q.poll() == "left"
    for remove in (q.take, q.poll, q.remove, q.element):
        with pytest.raises(QueueClosed):
            remove()
    assert q.drain_to([]) == 0 and q.peek() is None


def test_exception_classes() -> None:
    assert issubclass(QueueClosed, Closed) and issubclass(ChannelClosed, Closed)
    assert not issubclass(QueueClosed, ChannelClosed)


@holding
def test_iteration_consumes_until_closed(make: Callable[[], Any]) -> None:
    q = make()
    for i in range(5):
        q.put(i)
    q.close()
    assert list(q) == [0, 1, 2, 3, 4]
    assert len(q) == 0


def test_close_wakes_a_blocked_take() -> None:
    q: LinkedBlockingQueue[Any] = LinkedBlockingQueue()
    got: list[BaseException] = []

    def take() -> None:
        try:
            q.take()
        except QueueClosed as e:
            got.append(e)

    t = threading.Thread(target=take)
    t.start()
    time.sleep(0.05)
    q.close()
    t.join(HANG_GUARD)
    assert len(got) == 1


def test_priority_order_key_and_ties() -> None:
    q: PriorityBlockingQueue[Any] = PriorityBlockingQueue()
    for x in [5, 1, 4, 1, 3]:
        q.put(x)
    assert q.to_list() == [1, 1, 3, 4, 5]
    assert [q.take() for _ in range(5)] == [1, 1, 3, 4, 5]

    calls: list[str] = []

    def key(s: str) -> int:
        calls.append(s)
        return len(s)

    k = PriorityBlockingQueue(key=key)
    for s in ["ccc", "a", "bb", "x", "yy"]:
        k.put(s)
    assert calls == ["ccc", "a", "bb", "x", "yy"], "the key is computed once, at insert"
    assert [k.take() for _ in range(5)] == ["a", "x", "bb", "yy", "ccc"], "FIFO among equals"
    assert k.key is key
    with pytest.raises(TypeError):
        PriorityBlockingQueue(key=3)  # type: ignore[arg-type]


def test_priority_comparison_error_leaves_queue_unchanged() -> None:
    class Bad:
        def __lt__(self, other: object) -> bool:
            raise error

    error = ArithmeticError("cannot compare")
    q: PriorityBlockingQueue[Any] = PriorityBlockingQueue()
    q.put(1)
    q.put(2)
    for insert in (q.put, q.add, q.offer):
        with pytest.raises(ArithmeticError) as raised:
            insert(Bad())
        assert raised.value is error, "that very exception"
    assert q.to_list() == [1, 2]


def test_priority_comparison_that_uses_its_queue_raises() -> None:
    q: PriorityBlockingQueue[Any] = PriorityBlockingQueue()

    class Nosy:
        def __lt__(self, other: object) -> bool:
            len(q)
            return False

    q.put(Nosy())
    with pytest.raises(RuntimeError):
        q.put(Nosy())
    assert len(q) == 1


def test_priority_comparisons_from_many_threads() -> None:
    class Slow:
        def __init__(self, v: int) -> None:
            self.v = v

        def __lt__(self, other: Slow) -> bool:
            time.sleep(0)  # lets the GIL go inside the core's comparison
            return self.v < other.v

    q: PriorityBlockingQueue[Slow] = PriorityBlockingQueue()
    n, threads = 200, 4
    taken: list[int] = []

    def produce(base: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(n):
                q.put(Slow(base + i))

        return run

    def consume() -> None:
        for _ in range(n):
            taken.append(q.take().v)
            len(q)

    run_threads([produce(t * n) for t in range(threads)] + [consume] * threads)
    assert sorted(taken) == list(range(n * threads))


def test_delay_queue() -> None:
    q: DelayQueue[Any] = DelayQueue()
    q.put("later", 0.05)
    q.put("now", 0)
    q.add("past", -5)
    assert q.offer("also", 0.04) is True
    assert len(q) == 4 and q.peek() == "past"
    assert q.take() == "past" and q.poll() == "now"
    assert q.poll() is None, "not expired yet"
    assert q.to_list() == ["also", "later"]
    assert q.take() == "also" and q.take() == "later"
    with pytest.raises(ValueError):
        q.put("x", math.nan)
    with pytest.raises(TypeError):
        q.put(None, 0)
    q.close()
    with pytest.raises(QueueClosed):
        q.put("x", 0)


def test_transfer() -> None:
    q: LinkedTransferQueue[Any] = LinkedTransferQueue()
    assert q.try_transfer("x") is False and len(q) == 0
    assert q.try_transfer("x", timeout=0.02) is False and len(q) == 0
    assert not q.has_waiting_consumer() and q.waiting_consumer_count() == 0
    got: list[str] = []
    t = threading.Thread(target=lambda: got.append(q.take()))
    t.start()
    deadline = time.monotonic() + HANG_GUARD
    while not q.has_waiting_consumer() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert q.waiting_consumer_count() == 1
    q.transfer("handed")
    t.join(HANG_GUARD)
    assert got == ["handed"]
    q.close()
    with pytest.raises(QueueClosed):
        q.transfer("late")
    with pytest.raises(QueueClosed):
        q.try_transfer("late")


def test_transfer_keeps_its_place_across_slices() -> None:
    # transfer() waits in 50 ms slices (signal checks between them): a
    # consumer that comes several slices later gets the element, once,
    # ahead of what was put after it.
    q: LinkedTransferQueue[Any] = LinkedTransferQueue()
    done: list[bool] = []
    t = threading.Thread(target=lambda: done.append(q.try_transfer("first", timeout=HANG_GUARD)))
    t.start()
    deadline = time.monotonic() + HANG_GUARD
    while len(q) == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.3)  # several slices
    q.put("later")
    time.sleep(0.2)  # more slices, with "later" queued behind it
    assert len(q) == 2
    assert q.take() == "first"
    t.join(HANG_GUARD)
    assert done == [True]
    assert q.take() == "later"
    assert len(q) == 0 and q.poll() is None


TRANSFER_CHILD = """
from polyconc import LinkedTransferQueue
q = LinkedTransferQueue()
print("READY", flush=True)
try:
    q.transfer("x")
    raise SystemExit("transfer returned")
except KeyboardInterrupt:
    pass
assert len(q) == 0 and q.poll() is None, "the interrupted transfer left its element"
print("INTERRUPTED, WITHDRAWN", flush=True)
"""


def test_sigint_withdraws_a_waiting_transfer() -> None:
    assert "WITHDRAWN" in interrupt_child(TRANSFER_CHILD)


@every
def test_threads_lose_nothing(make: Callable[[], Any]) -> None:
    q = make()
    n, producers, consumers = 300, 3, 3
    taken: list[int] = []
    lock = threading.Lock()
    done = threading.Barrier(producers + 1)

    def produce(base: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(n):
                if i % 3 == 0:
                    assert q.offer(base + i, timeout=HANG_GUARD)
                else:
                    q.put(base + i)
            done.wait(HANG_GUARD)

        return run

    def consume() -> None:
        while True:
            try:
                x = q.take() if len(taken) % 2 else q.poll(HANG_GUARD)
            except QueueClosed:
                return
            with lock:
                taken.append(x)

    def close() -> None:
        done.wait(HANG_GUARD)
        q.close()

    run_threads([produce(p * n) for p in range(producers)] + [consume] * consumers + [close])
    assert Counter(taken) == Counter(range(n * producers))


@pytest.mark.parametrize("fair", [False, True], ids=["slices", "future"])
def test_blocked_take_releases_the_gil(fair: bool) -> None:
    q: ArrayBlockingQueue[Any] = ArrayBlockingQueue(1, fair=fair)
    assert runs_beside(lambda: q.poll(0.3)) > 1000, "this thread ran meanwhile"


@holding
def test_cycles_are_collected(make: Callable[[], Any]) -> None:
    class Node:
        pass

    q = make()
    node = Node()
    node.q = q  # type: ignore[attr-defined]
    q.put(node)
    refs = weakref.ref(node), weakref.ref(q)
    del node, q
    gc.collect()
    assert refs[0]() is None and refs[1]() is None


def test_delay_queue_cycle_is_collected() -> None:
    class Node:
        pass

    q: DelayQueue[Any] = DelayQueue()
    node = Node()
    node.q = q  # type: ignore[attr-defined]
    q.put(node, 100)
    ref = weakref.ref(node)
    del node, q
    gc.collect()
    assert ref() is None


def test_priority_cycle_with_many_items_is_collected() -> None:
    class Node:
        def __init__(self, v: int) -> None:
            self.v = v

        def __lt__(self, other: Node) -> bool:
            return self.v < other.v

    q: PriorityBlockingQueue[Node] = PriorityBlockingQueue()
    nodes = [Node(v) for v in range(10)]
    for n in nodes:
        n.q = q  # type: ignore[attr-defined]
        q.put(n)
    refs = [weakref.ref(n) for n in nodes]
    del nodes, n, q
    gc.collect()
    assert all(r() is None for r in refs)


def test_taken_items_are_freed() -> None:
    class Item:
        pass

    q: LinkedBlockingQueue[Any] = LinkedBlockingQueue()
    item = Item()
    ref = weakref.ref(item)
    q.put(item)
    q.offer(item, timeout=0.0)
    del item
    q.take()
    q.poll()
    assert ref() is None


TAKE_CHILD = """
from polyconc import ArrayBlockingQueue
q = ArrayBlockingQueue(1, fair={fair})
print("READY", flush=True)
try:
    q.take()
    raise SystemExit("take returned")
except KeyboardInterrupt:
    pass
# The interrupted take left no consumer behind that could swallow an element:
q.put("kept")
assert q.poll() == "kept"
print("INTERRUPTED, NOTHING TAKEN", flush=True)
"""


@pytest.mark.parametrize("fair", [False, True], ids=["slices", "future"])
def test_sigint_during_a_blocking_take(fair: bool) -> None:
    # Both ways a thread waits: GIL-free slices, and a polled core future.
    out = interrupt_child(TAKE_CHILD.format(fair=fair))
    assert "INTERRUPTED, NOTHING TAKEN" in out


@pytest.mark.parametrize("fair", [False, True])
def test_synchronous_offer_meets_a_waiting_thread(fair: bool) -> None:
    q: SynchronousQueue[str] = SynchronousQueue(fair=fair)
    got: list[str] = []
    t = threading.Thread(target=lambda: got.append(q.take()))
    t.start()
    deadline = time.monotonic() + HANG_GUARD
    while not q.offer("x") and time.monotonic() < deadline:
        time.sleep(0.005)  # until the taker waits
    t.join(HANG_GUARD)
    assert got == ["x"]
    assert q.offer("y") is False, "no consumer waits now"


@pytest.mark.parametrize("fair", [False, True])
def test_synchronous_poll_meets_a_waiting_put(fair: bool) -> None:
    q: SynchronousQueue[str] = SynchronousQueue(fair=fair)
    t = threading.Thread(target=lambda: q.put("x"))
    t.start()
    deadline = time.monotonic() + HANG_GUARD
    got = None
    while got is None and time.monotonic() < deadline:
        got = q.poll(0.01)
    t.join(HANG_GUARD)
    assert got == "x"
