"""A real SIGINT on the main thread blocked in recv, send or select raises
KeyboardInterrupt and loses no value; a signal handler that waits for the
lock whose wait it interrupted is refused instead of deadlocking."""

from __future__ import annotations

from _helpers import interrupt_child, run_child

RECV_CHILD = """
from polyconc import Chan
ch = Chan({capacity})
print("READY", flush=True)
try:
    ch.recv()
    raise SystemExit("recv returned")
except KeyboardInterrupt:
    pass
# The interrupted receive left nothing behind that could take a value:
marker = object()
if ch.capacity == 0:
    assert ch.try_send(marker) is False, "a ghost receiver took the value"
else:
    ch.send(marker)
    assert ch.try_recv() == (marker, True)
print("INTERRUPTED, NOTHING CONSUMED", flush=True)
"""

SEND_CHILD = """
from polyconc import Chan
ch = Chan({capacity})
if ch.capacity:
    ch.send("already buffered")
print("READY", flush=True)
try:
    ch.send("interrupted")
    raise SystemExit("send returned")
except KeyboardInterrupt:
    pass
got = [ch.try_recv() for _ in range(2)]
expected = [("already buffered", True)] if ch.capacity else []
assert got == expected + [(None, False)] * (2 - len(expected)), got
print("INTERRUPTED, NOTHING DELIVERED", flush=True)
"""

SELECT_CHILD = """
from polyconc import Chan, select
a, b = Chan(0), Chan(0)
print("READY", flush=True)
try:
    select(a, (b, "interrupted"))
    raise SystemExit("select returned")
except KeyboardInterrupt:
    pass
assert b.try_recv() == (None, False), "the send case delivered"
assert a.try_send(1) is False, "a ghost receive case took a value"
print("INTERRUPTED, NOTHING LOST", flush=True)
"""


def test_sigint_interrupts_recv_on_rendezvous() -> None:
    assert "NOTHING CONSUMED" in interrupt_child(RECV_CHILD.format(capacity=0))


def test_sigint_interrupts_recv_on_buffered() -> None:
    assert "NOTHING CONSUMED" in interrupt_child(RECV_CHILD.format(capacity=1))


def test_sigint_interrupts_send_on_rendezvous() -> None:
    assert "NOTHING DELIVERED" in interrupt_child(SEND_CHILD.format(capacity=0))


def test_sigint_interrupts_send_on_full_buffer() -> None:
    assert "NOTHING DELIVERED" in interrupt_child(SEND_CHILD.format(capacity=1))


def test_sigint_interrupts_select() -> None:
    assert "NOTHING LOST" in interrupt_child(SELECT_CHILD)


def test_sigint_with_a_timeout_still_interrupts() -> None:
    body = RECV_CHILD.replace("ch.recv()", "ch.recv(timeout=60)")
    assert "NOTHING CONSUMED" in interrupt_child(body.format(capacity=0))


def test_signal_handler_exception_propagates() -> None:
    body = """
    import signal
    from polyconc import Chan
    class Stop(Exception):
        pass
    def handler(signum, frame):
        raise Stop("from the handler")
    signal.signal(signal.SIGINT, handler)
    ch = Chan(0)
    print("READY", flush=True)
    try:
        ch.recv()
    except Stop:
        print("STOPPED", flush=True)
    """
    assert "STOPPED" in interrupt_child(body)


def test_handler_that_returns_lets_the_wait_go_on() -> None:
    body = """
    import signal, threading
    from polyconc import Chan
    ch = Chan(0)
    seen = []
    def handler(signum, frame):
        seen.append(signum)
        threading.Thread(target=ch.send, args=("after the signal",)).start()
    signal.signal(signal.SIGINT, handler)
    print("READY", flush=True)
    assert ch.recv() == "after the signal"
    assert seen == [signal.SIGINT]
    print("CONTINUED", flush=True)
    """
    assert "CONTINUED" in interrupt_child(body)


# The main thread waits for a fair lock (or semaphore) that another thread
# holds; a real SIGALRM's handler, run between two of its wait's slices,
# waits for the same one. Queued behind the main thread's own wait, which
# cannot go on until the handler returns, it would never return: it is
# refused with RuntimeError, and the main thread's wait then goes on and
# succeeds. A non-blocking attempt in the handler only tries.
NESTED_WAIT_CHILD = """
import signal, threading
from polyconc import ReentrantLock, Semaphore

def interrupted_wait(acquire, in_handler, let_go):
    outcome = []
    def handler(signum, frame):
        try:
            outcome.append(in_handler())
        except RuntimeError:
            outcome.append("refused")
        let_go()
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    assert acquire()
    return outcome

lock = ReentrantLock(fair=True)
held, release = threading.Event(), threading.Event()
def holder():
    with lock:
        held.set()
        release.wait()
threading.Thread(target=holder).start()
held.wait()
def take_in_handler():
    with lock:
        return "took it"
assert interrupted_wait(lock.acquire, take_in_handler, release.set) == ["refused"]
assert lock.hold_count() == 1 and lock.queue_length() == 0
lock.release()
assert not lock.locked()

sem = Semaphore(0, fair=True)
assert interrupted_wait(sem.acquire, sem.acquire, sem.release) == ["refused"]
assert sem.available_permits() == 0 and sem.queue_length() == 0
# A handler's non-blocking attempt only tries.
try_once = lambda: sem.acquire(blocking=False)
assert interrupted_wait(sem.acquire, try_once, sem.release) == [False]
print("REFUSED, NO DEADLOCK", flush=True)
"""


def test_handler_waiting_for_the_interrupted_lock_is_refused() -> None:
    assert "NO DEADLOCK" in run_child(NESTED_WAIT_CHILD)
