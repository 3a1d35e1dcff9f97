"""The one-call entries of `send(x)`, `recv()` and the locks (src/fast.rs): every form
of call still means what it meant, and the entry that hands a call on to
the general method neither loses nor keeps a reference."""

from __future__ import annotations

import inspect
import sys
import threading

import pytest
from _helpers import HANG_GUARD

from polyconc import Chan, ChannelClosed, Mutex, SpinLock


def test_signatures_and_docs_are_kept() -> None:
    assert str(inspect.signature(Chan.send)) == "(self, /, value, timeout=None)"
    assert str(inspect.signature(Chan.recv)) == "(self, /, timeout=None)"
    assert Chan.send.__doc__ is not None and "Sends" in Chan.send.__doc__
    assert Chan.recv.__doc__ is not None and "Receives" in Chan.recv.__doc__


@pytest.mark.parametrize("capacity", [None, 2, 1024])
def test_every_form_of_call(capacity: int | None) -> None:
    ch: Chan[int] = Chan(capacity)
    ch.send(1)
    ch.send(value=2)
    assert ch.recv() == 1
    assert ch.recv(None) == 2
    ch.send(3, None)
    assert ch.recv(timeout=None) == 3
    ch.send(4, timeout=1.0)
    assert Chan.recv(ch) == 4
    Chan.send(ch, 5)
    assert ch.recv(5.0) == 5


def test_argument_errors_are_pyo3s() -> None:
    ch: Chan[int] = Chan(1)
    with pytest.raises(TypeError, match="missing 1 required positional argument"):
        ch.send()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="takes from 1 to 2 positional arguments"):
        ch.send(1, 2, 3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        ch.recv(block=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="doesn't apply to a 'int' object"):
        Chan.send(3, 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        ch.send(1, timeout=-1.0)
    assert len(ch) == 0


def test_a_subclass_inherits_them() -> None:
    class Inbox(Chan[str]):
        pass

    box = Inbox(None)
    box.send("hello")
    assert box.recv() == "hello"


def test_closed_channel_raises_and_keeps_no_reference() -> None:
    ch: Chan[object] = Chan(4)
    ch.close()
    x = object()
    before = sys.getrefcount(x)
    for _ in range(100):
        with pytest.raises(ChannelClosed, match="sending on a closed channel"):
            ch.send(x)
        with pytest.raises(ChannelClosed, match="closed and empty"):
            ch.recv()
    assert sys.getrefcount(x) == before


def test_full_channel_waits_and_keeps_no_extra_reference() -> None:
    # The entry tries once, gives the reference back, and hands the call to
    # the method that waits: the value arrives once, with no reference lost
    # or kept on the way.
    ch: Chan[object] = Chan(1)
    first, second = object(), object()
    ch.send(first)
    before = sys.getrefcount(second)
    sender = threading.Thread(target=ch.send, args=(second,))
    sender.start()
    assert ch.recv() is first
    assert ch.recv(timeout=HANG_GUARD) is second
    sender.join(HANG_GUARD)
    assert not sender.is_alive()
    assert sys.getrefcount(second) == before
    assert len(ch) == 0


def test_empty_channel_waits_for_a_value() -> None:
    ch: Chan[str] = Chan(None)
    got: list[str] = []
    receiver = threading.Thread(target=lambda: got.append(ch.recv()))
    receiver.start()
    ch.send("late")
    receiver.join(HANG_GUARD)
    assert got == ["late"]


LOCKS = [Mutex, SpinLock]


@pytest.mark.parametrize("make", LOCKS)
def test_lock_entries_keep_signatures_and_docs(make: type[Mutex | SpinLock]) -> None:
    assert str(inspect.signature(make.acquire)) == "(self, /, blocking=True, timeout=-1)"
    assert make.acquire.__doc__ is not None and "Takes the lock" in make.acquire.__doc__
    assert make.release.__doc__ is not None and "Releases" in make.release.__doc__


@pytest.mark.parametrize("make", LOCKS)
def test_lock_entries_hand_on_what_they_do_not_answer(
    make: type[Mutex | SpinLock],
) -> None:
    lock = make()
    assert lock.acquire() is True
    # Held: the entry hands every form to the method, which tries, then
    # waits or answers False.
    assert lock.acquire(False) is False
    assert lock.acquire(timeout=0.01) is False
    assert lock.acquire(True, 0.0) is False
    lock.release()
    with pytest.raises(RuntimeError):
        lock.release()
    with pytest.raises(ValueError):
        lock.acquire(False, 1.0)
    assert not lock.locked()


@pytest.mark.parametrize("make", LOCKS)
def test_with_releases_on_an_exception_and_waits_when_held(
    make: type[Mutex | SpinLock],
) -> None:
    lock = make()
    with pytest.raises(KeyError), lock:
        assert lock.locked()
        raise KeyError("inside")
    assert not lock.locked()
    # Held by another thread: `with` waits for it (the entry hands the
    # call to the method that waits).
    lock.acquire()
    entered = threading.Event()

    def enter() -> None:
        with lock:
            entered.set()

    t = threading.Thread(target=enter)
    t.start()
    assert not entered.wait(0.05)
    lock.release()
    t.join(HANG_GUARD)
    assert entered.is_set() and not lock.locked()
    # `__exit__` on an unlocked lock raises, as `release` does.
    with pytest.raises(RuntimeError):
        lock.__exit__(None, None, None)
