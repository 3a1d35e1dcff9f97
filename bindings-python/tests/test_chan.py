"""The channel's API and semantics, single-threaded."""

from __future__ import annotations

import math
import pickle
import sys
import types
import weakref

import pytest
from _helpers import run_child

import polyconc
from polyconc import Chan, ChannelClosed, select


def test_objects_travel_by_reference() -> None:
    ch: Chan[object] = Chan(1)
    obj = object()
    ch.send(obj)
    assert ch.recv() is obj


@pytest.mark.parametrize("capacity", [0, 1, 5])
def test_capacity_len_closed(capacity: int) -> None:
    ch: Chan[int] = Chan(capacity)
    assert ch.capacity == capacity
    assert len(ch) == 0
    assert ch.closed is False
    assert bool(ch) is True  # even when empty
    assert repr(ch) == f"Chan(capacity={capacity}, len=0, closed=False)"


def test_default_is_rendezvous_and_none_is_unbounded() -> None:
    assert Chan().capacity == 0
    ch: Chan[int] = Chan(None)
    assert ch.capacity is None
    ch.send_many(range(10_000))
    assert len(ch) == 10_000


@pytest.mark.parametrize("bad", [-1, -(2**40)])
def test_negative_capacity_is_value_error(bad: int) -> None:
    with pytest.raises(ValueError, match="capacity"):
        Chan(bad)


def test_huge_capacity_is_accepted_and_allocated_as_it_fills() -> None:
    # The core allocates at most 65,536 slots up front; the binding asks it.
    ch: Chan[int] = Chan(1 << 40)
    assert ch.capacity == 1 << 40
    ch.send_many(range(70_000))
    assert len(ch) == 70_000
    assert ch.recv_many(70_000) == list(range(70_000))


@pytest.mark.skipif(sys.platform != "linux", reason="needs RLIMIT_AS and /proc")
def test_capacity_the_core_cannot_allocate_raises_memory_error() -> None:
    out = run_child(
        """
        import os, resource
        from polyconc import Chan
        Chan(8)  # everything but the big buffer is loaded
        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        # Room for the interpreter's small needs, not for 65,536 slots (1 MiB).
        resource.setrlimit(resource.RLIMIT_AS, (size + 512 * 1024, hard))
        try:
            Chan(65536)
            print("NO ERROR")
        except MemoryError as e:
            print("MemoryError:", e)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        print(Chan(65536).capacity)
        """
    )
    error, after = out.splitlines()
    assert error.startswith("MemoryError: out of memory allocating the 65536 slots"), error
    assert "capacity 65536" in error
    assert after == "65536"


@pytest.mark.parametrize("bad", [-0.001, -1, math.nan])
def test_negative_timeout_is_value_error(bad: float) -> None:
    ch: Chan[int] = Chan(1)
    for call in (
        lambda: ch.recv(timeout=bad),
        lambda: ch.send(1, timeout=bad),
        lambda: ch.recv_many(1, timeout=bad),
        lambda: select(ch, timeout=bad),
    ):
        with pytest.raises(ValueError, match="timeout"):
            call()
    assert len(ch) == 0


def test_try_ops() -> None:
    ch: Chan[str] = Chan(1)
    assert ch.try_recv() == (None, False)
    assert ch.try_send("a") is True
    assert ch.try_send("b") is False
    assert len(ch) == 1
    assert ch.try_recv() == ("a", True)


def test_rendezvous_try_send_needs_a_receiver() -> None:
    ch: Chan[int] = Chan(0)
    assert ch.try_send(1) is False
    assert ch.try_recv() == (None, False)


def test_timeouts_raise_timeout_error_and_consume_nothing() -> None:
    ch: Chan[int] = Chan(1)
    with pytest.raises(TimeoutError):
        ch.recv(timeout=0.01)
    ch.send(1)
    with pytest.raises(TimeoutError):
        ch.send(2, timeout=0.01)
    with pytest.raises(TimeoutError):
        ch.send(2, timeout=0)
    assert ch.recv(timeout=0) == 1
    assert ch.try_recv() == (None, False)


def test_huge_timeout_waits_like_none() -> None:
    ch: Chan[int] = Chan(1)
    ch.send(1, timeout=1e300)
    assert ch.recv(timeout=math.inf) == 1


def test_close_semantics() -> None:
    ch: Chan[int] = Chan(3)
    ch.send(1)
    ch.send(2)
    assert ch.close() is True
    assert ch.close() is False  # twice is harmless
    assert ch.closed is True
    with pytest.raises(ChannelClosed):
        ch.send(3)
    with pytest.raises(ChannelClosed):
        ch.try_send(3)
    assert ch.recv() == 1  # buffered items survive the close
    assert ch.try_recv() == (2, True)
    with pytest.raises(ChannelClosed, match="closed"):
        ch.recv()
    with pytest.raises(ChannelClosed, match="closed and empty"):
        ch.try_recv()
    assert ch.recv_many(5) == []


@pytest.mark.parametrize("capacity", [0, 2, None])
def test_try_recv_tells_closed_from_empty(capacity: int | None) -> None:
    ch: Chan[int] = Chan(capacity)
    assert ch.try_recv() == (None, False)  # open and empty: would block
    if capacity != 0:
        ch.send(1)
    ch.close()
    if capacity != 0:
        assert ch.try_recv() == (1, True)  # closed, not drained
    for _ in range(2):  # closed and drained: raises every time, as recv does
        with pytest.raises(ChannelClosed):
            ch.try_recv()
    assert select(ch) == (0, None, False)  # select's closed receive case does not raise


def test_channel_closed_is_one_exception_class() -> None:
    assert polyconc.ChannelClosed is polyconc._core.ChannelClosed
    assert issubclass(ChannelClosed, Exception)


def test_iteration_ends_when_closed_and_drained() -> None:
    ch: Chan[int] = Chan(None)
    ch.send_many(range(5))
    ch.close()
    assert list(ch) == [0, 1, 2, 3, 4]
    assert list(ch) == []


def test_send_many_and_recv_many() -> None:
    ch: Chan[int] = Chan(10)
    ch.send_many(iter(range(7)))
    assert ch.recv_many(3) == [0, 1, 2]
    assert ch.recv_many(100) == [3, 4, 5, 6]
    with pytest.raises(TimeoutError):
        ch.recv_many(1, timeout=0.01)
    with pytest.raises(ValueError, match="max"):
        ch.recv_many(0)
    ch.close()
    with pytest.raises(ChannelClosed):
        ch.send_many([1])


def test_send_many_propagates_iterator_errors() -> None:
    def items():  # type: ignore[no-untyped-def]
        yield 1
        raise LookupError("from the iterator")

    ch: Chan[int] = Chan(5)
    with pytest.raises(LookupError):
        ch.send_many(items())
    assert ch.try_recv() == (1, True)


def test_generic_alias() -> None:
    assert Chan[int] is not Chan
    assert isinstance(Chan[int](1), Chan)
    assert Chan[int] == types.GenericAlias(Chan, int)


def test_chan_is_the_extension_class() -> None:
    # No Python subclass between a call and the Rust method: it cost over 10 ns
    # per send+recv pair.
    assert Chan is polyconc._core.Chan


def test_weakref_and_no_pickling() -> None:
    ch: Chan[int] = Chan(1)
    assert weakref.ref(ch)() is ch
    with pytest.raises(TypeError, match="cannot pickle"):
        pickle.dumps(ch)


def test_python_subclass() -> None:
    class Counted(Chan[int]):
        def send(self, value: int, timeout: float | None = None) -> None:
            self.sent = getattr(self, "sent", 0) + 1
            super().send(value, timeout)

    ch = Counted(2)
    ch.send(1)
    assert ch.sent == 1
    assert ch.recv() == 1
    assert isinstance(ch, Chan)
    assert repr(ch) == "Chan(capacity=2, len=0, closed=False)"
    assert weakref.ref(ch)() is ch


class TestSelect:
    def test_receive_case(self) -> None:
        a: Chan[str] = Chan(1)
        b: Chan[str] = Chan(1)
        b.send("x")
        assert select(a, b) == (1, "x", True)

    def test_send_case(self) -> None:
        a: Chan[str] = Chan(1)
        b: Chan[str] = Chan(0)
        assert select((b, "no"), (a, "yes")) == (1, None, True)
        assert a.try_recv() == ("yes", True)
        assert b.try_recv() == (None, False)

    def test_closed_receive_case_reports_not_ok(self) -> None:
        a: Chan[str] = Chan(1)
        a.close()
        assert select(a) == (0, None, False)

    def test_closed_send_case_raises(self) -> None:
        a: Chan[str] = Chan(1)
        a.close()
        with pytest.raises(ChannelClosed, match="select case 0"):
            select((a, "v"))

    def test_default(self) -> None:
        a: Chan[str] = Chan(0)
        assert select(a, (a, "v"), default=True) == (-1, None, False)
        assert a.try_recv() == (None, False)

    def test_timeout(self) -> None:
        a: Chan[str] = Chan(0)
        b: Chan[str] = Chan(0)
        with pytest.raises(TimeoutError):
            select(a, (b, "v"), timeout=0.02)
        assert b.try_recv() == (None, False)

    def test_default_and_timeout_exclude_each_other(self) -> None:
        with pytest.raises(ValueError, match="default"):
            select(Chan(1), timeout=1, default=True)

    def test_none_is_a_disabled_case(self) -> None:
        a: Chan[int] = Chan(1)
        a.send(7)
        assert select(None, (None, 1), a) == (2, 7, True)
        with pytest.raises(TimeoutError):
            select(None, timeout=0.01)

    def test_every_ready_case_can_fire(self) -> None:
        a: Chan[int] = Chan(None)
        b: Chan[int] = Chan(None)
        a.send_many(range(200))
        b.send_many(range(200))
        fired = {select(a, b)[0] for _ in range(200)}
        assert fired == {0, 1}

    @pytest.mark.parametrize("bad", [1, "chan", (1, 2), (Chan(1),), (Chan(1), 1, 2)])
    def test_bad_case_is_type_error(self, bad: object) -> None:
        with pytest.raises(TypeError, match="case"):
            select(bad)  # type: ignore[arg-type]

    def test_same_channel_twice(self) -> None:
        a: Chan[int] = Chan(1)
        assert select((a, 1), a) == (0, None, True)
        assert select((a, 2), a) == (1, 1, True)
