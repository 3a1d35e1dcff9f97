"""A model-based test: random single-threaded operations on a Chan and on a
simple Python model of Go's channel must give the same results."""

from __future__ import annotations

from collections import deque

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from polyconc import Chan, ChannelClosed, select


class ChanModel(RuleBasedStateMachine):
    """Single-threaded, so a rendezvous send never finds a receiver."""

    @initialize(capacity=st.sampled_from([None, 0, 1, 2, 5]))
    def make(self, capacity: int | None) -> None:
        self.ch: Chan[int] = Chan(capacity)
        self.capacity = capacity
        self.buf: deque[int] = deque()
        self.closed = False

    def full(self) -> bool:
        return self.capacity is not None and len(self.buf) >= self.capacity

    def outcome(self, call):  # type: ignore[no-untyped-def]
        try:
            return ("ok", call())
        except ChannelClosed:
            return ("closed", None)
        except TimeoutError:
            return ("timeout", None)

    @rule(v=st.integers())
    def try_send(self, v: int) -> None:
        got = self.outcome(lambda: self.ch.try_send(v))
        if self.closed:
            assert got == ("closed", None)
        elif self.full():
            assert got == ("ok", False)
        else:
            assert got == ("ok", True)
            self.buf.append(v)

    @rule(v=st.integers())
    def send_no_wait(self, v: int) -> None:
        got = self.outcome(lambda: self.ch.send(v, timeout=0))
        if self.closed:
            assert got == ("closed", None)
        elif self.full():
            assert got == ("timeout", None)
        else:
            assert got == ("ok", None)
            self.buf.append(v)

    @rule()
    def try_recv(self) -> None:
        got = self.outcome(self.ch.try_recv)
        if self.buf:
            assert got == ("ok", (self.buf.popleft(), True))
        elif self.closed:
            assert got == ("closed", None)
        else:
            assert got == ("ok", (None, False))

    @rule()
    def recv_no_wait(self) -> None:
        got = self.outcome(lambda: self.ch.recv(timeout=0))
        if self.buf:
            assert got == ("ok", self.buf.popleft())
        elif self.closed:
            assert got == ("closed", None)
        else:
            assert got == ("timeout", None)

    @rule(n=st.integers(min_value=1, max_value=4))
    def recv_many_no_wait(self, n: int) -> None:
        got = self.outcome(lambda: self.ch.recv_many(n, timeout=0))
        if self.buf:
            expected = [self.buf.popleft() for _ in range(min(n, len(self.buf)))]
            assert got == ("ok", expected)
        elif self.closed:
            assert got == ("ok", [])
        else:
            assert got == ("timeout", None)

    @rule(v=st.integers(), send=st.booleans())
    def select_default(self, v: int, send: bool) -> None:
        case = (self.ch, v) if send else self.ch
        got = self.outcome(lambda: select(case, default=True))
        if send:
            if self.closed:
                assert got == ("closed", None)
            elif self.full():
                assert got == ("ok", (-1, None, False))
            else:
                assert got == ("ok", (0, None, True))
                self.buf.append(v)
        elif self.buf:
            assert got == ("ok", (0, self.buf.popleft(), True))
        elif self.closed:
            assert got == ("ok", (0, None, False))
        else:
            assert got == ("ok", (-1, None, False))

    @rule()
    def close(self) -> None:
        assert self.ch.close() is (not self.closed)
        self.closed = True

    @invariant()
    def observers_agree(self) -> None:
        if hasattr(self, "ch"):
            assert len(self.ch) == len(self.buf)
            assert self.ch.closed is self.closed
            assert self.ch.capacity == self.capacity


ChanModel.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
TestChanModel = ChanModel.TestCase
