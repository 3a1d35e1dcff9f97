"""Model-based tests: random single-threaded operations on each queue type
and on a plain Python model of it must give the same results."""

from __future__ import annotations

import queue
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from polyconc import (
    ArrayBlockingQueue,
    DelayQueue,
    LinkedBlockingQueue,
    LinkedTransferQueue,
    PriorityBlockingQueue,
    QueueClosed,
    SynchronousQueue,
)

# Delays far apart, so that their order never depends on when they were
# put: the past and now have expired, the future has not.
DELAYS = {-10.0: 0, 0.0: 1, 1000.0: 2}

values = st.integers(-3, 3)

KINDS = ["array", "array-fair", "linked", "linked-bounded", "sync", "sync-fair"]
KINDS += ["priority", "delay", "transfer"]


class QueueModel(RuleBasedStateMachine):
    """The model is a list in removal order of (rank, arrival, value)."""

    @initialize(
        kind=st.sampled_from(KINDS),
        capacity=st.integers(1, 3),
    )
    def make(self, kind: str, capacity: int) -> None:
        makers: dict[str, Any] = {
            "array": lambda: ArrayBlockingQueue(capacity),
            "array-fair": lambda: ArrayBlockingQueue(capacity, fair=True),
            "linked": LinkedBlockingQueue,
            "linked-bounded": lambda: LinkedBlockingQueue(capacity),
            "sync": SynchronousQueue,
            "sync-fair": lambda: SynchronousQueue(fair=True),
            "priority": PriorityBlockingQueue,
            "delay": DelayQueue,
            "transfer": LinkedTransferQueue,
        }
        self.kind = kind
        self.q = makers[kind]()
        self.capacity: int | None = {
            "array": capacity,
            "array-fair": capacity,
            "linked-bounded": capacity,
            "sync": 0,
            "sync-fair": 0,
        }.get(kind)
        self.items: list[tuple[int, int, int]] = []
        self.arrivals = 0
        self.closed = False

    def full(self) -> bool:
        return self.capacity is not None and len(self.items) >= self.capacity

    def insert(self, value: int, delay: float) -> tuple[str, Any]:
        args = (value, delay) if self.kind == "delay" else (value,)
        try:
            return "ok", self.q.offer(*args)
        except QueueClosed:
            return "closed", None

    def accept(self, value: int, delay: float) -> None:
        rank = DELAYS[delay] if self.kind == "delay" else value if self.kind == "priority" else 0
        self.items.append((rank, self.arrivals, value))
        self.arrivals += 1
        self.items.sort()

    def ready(self) -> list[tuple[int, int, int]]:
        if self.kind == "delay":
            return [i for i in self.items if i[0] < 2]
        return self.items

    @rule(value=values, delay=st.sampled_from(list(DELAYS)))
    def offer(self, value: int, delay: float) -> None:
        got = self.insert(value, delay)
        if self.closed:
            assert got == ("closed", None)
        elif self.full():
            assert got == ("ok", False)
        else:
            assert got == ("ok", True)
            self.accept(value, delay)

    @rule()
    def poll(self) -> None:
        try:
            got: Any = self.q.poll()
        except QueueClosed:
            got = QueueClosed
        ready = self.ready()
        if ready:
            assert got == ready[0][2]
            self.items.remove(ready[0])
        elif self.closed and not self.items:
            assert got is QueueClosed
        else:
            assert got is None

    @rule()
    def remove(self) -> None:
        try:
            got: Any = self.q.remove()
        except (queue.Empty, QueueClosed) as e:
            got = type(e)
        ready = self.ready()
        if ready:
            assert got == ready[0][2]
            self.items.remove(ready[0])
        else:
            assert got is (QueueClosed if self.closed and not self.items else queue.Empty)

    @rule(value=values)
    def remove_item(self, value: int) -> None:
        match = [i for i in self.items if i[2] == value]
        assert self.q.remove_item(value) is bool(match)
        if match:
            self.items.remove(match[0])

    @rule(most=st.integers(0, 3))
    def drain_to(self, most: int) -> None:
        out: list[int] = []
        moved = self.ready()[:most]
        assert self.q.drain_to(out, most) == len(moved)
        assert out == [i[2] for i in moved]
        for i in moved:
            self.items.remove(i)

    @rule()
    def close(self) -> None:
        assert self.q.close() is not self.closed
        self.closed = True

    @invariant()
    def same_contents(self) -> None:
        assert len(self.q) == len(self.items)
        assert self.q.to_list() == [i[2] for i in self.items]
        head = self.items[0][2] if self.items else None
        assert self.q.peek() == head
        for v in range(-3, 4):
            assert (v in self.q) is any(i[2] == v for i in self.items)
        assert self.q.closed is self.closed


QueueModel.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestQueueModel = QueueModel.TestCase
