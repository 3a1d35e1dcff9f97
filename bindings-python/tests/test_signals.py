"""A real SIGINT on the main thread blocked in recv, send or select raises
KeyboardInterrupt and loses no value; a signal handler that would wait
behind the wait it interrupted (a lock's, a fair queue's) is refused instead
of deadlocking, and one that takes the lock of an interrupted Condition wait
ends that wait instead."""

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


# The main thread blocks in a queue that serves its waiters in order (a fair
# one, or one whose waits are the core's futures); a real SIGALRM's handler
# waits on the same queue in the same direction. Queued behind the main
# thread's own wait (an element would go to that wait first), it is
# refused with RuntimeError, and the main thread's wait then goes on and
# gets what it waited for. The handler's own wait is bounded, so that a
# signal that came before the main thread's wait began (not refused: there
# was nothing to queue behind) only makes it try again later.
NESTED_QUEUE_WAIT_CHILD = """
import signal, threading
from polyconc import (
    ArrayBlockingQueue, DelayQueue, LinkedTransferQueue,
    PriorityBlockingQueue, SynchronousQueue,
)

def interrupted_wait(blocking_call, in_handler, let_go):
    tries = []
    def handler(signum, frame):
        try:
            tries.append(in_handler())
        except RuntimeError:
            tries.append("refused")
            let_go()
            return
        if len(tries) < 40:
            signal.setitimer(signal.ITIMER_REAL, 0.05)
        else:
            tries.append("never refused")
            let_go()
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    answer = blocking_call()
    assert tries[-1] == "refused", tries
    assert all(t in (None, False) for t in tries[:-1]), tries
    return answer

def in_thread(fn, *args):
    done = []
    t = threading.Thread(target=lambda: done.append(fn(*args)))
    t.start()
    return t, done

def take_then_put(q, put):
    def let_go():
        in_thread(put, "for the main thread")
    answer = interrupted_wait(q.take, lambda: q.poll(timeout=0.1), let_go)
    assert answer == "for the main thread" and len(q) == 0, (answer, len(q))

for q in (ArrayBlockingQueue(1, fair=True), SynchronousQueue(fair=True),
          LinkedTransferQueue(), PriorityBlockingQueue()):
    take_then_put(q, q.put)
dq = DelayQueue()
take_then_put(dq, lambda x: dq.put(x, 0.0))

# Puts: the main thread's element goes in once a consumer makes room.
abq = ArrayBlockingQueue(1, fair=True)
abq.put("first")
taker = []
interrupted_wait(lambda: abq.put("second"),
                 lambda: abq.offer("from the handler", timeout=0.1),
                 lambda: taker.append(in_thread(abq.take)))
taker[0][0].join()
assert taker[0][1] == ["first"] and abq.to_list() == ["second"], abq.to_list()

for q in (SynchronousQueue(fair=True), LinkedTransferQueue()):
    taker = []
    put = q.transfer if isinstance(q, LinkedTransferQueue) else q.put
    in_handler = (
        (lambda: q.try_transfer("from the handler", timeout=0.1))
        if isinstance(q, LinkedTransferQueue)
        else (lambda: q.offer("from the handler", timeout=0.1))
    )
    interrupted_wait(lambda: put("handed"), in_handler,
                     lambda: taker.append(in_thread(q.take)))
    taker[0][0].join()
    assert taker[0][1] == ["handed"] and len(q) == 0, (taker[0][1], len(q))
print("REFUSED, NOTHING LOST", flush=True)
"""


def test_handler_waiting_on_the_interrupted_queue_is_refused() -> None:
    assert "NOTHING LOST" in run_child(NESTED_QUEUE_WAIT_CHILD)


# The main thread waits on a Condition; another thread notifies it while
# holding the lock, so the main thread's wait now queues to take the lock
# back, and a real SIGALRM's handler takes the same lock. Queued behind the
# wait it interrupted, which the lock goes to first, the handler would
# never return. Instead it ends that wait, takes the lock in its place and
# returns; the interrupted `wait` returns True (as after a wake-up) holding
# the lock. The same when the wait was not notified yet, and when the
# handler raises (the exception comes out of `wait`, the lock held). A
# handler that notifies a waiting thread (the lock is free) goes through as
# before.
NESTED_CONDITION_CHILD = """
import os, signal, threading
from polyconc import Condition, Mutex, ReentrantLock

def held(cond, holds=1):
    lock = cond.lock
    if isinstance(lock, ReentrantLock):
        return lock.hold_count() == holds
    return lock.locked()

def handler_takes_the_lock(cond, notify=True, raises=False):
    in_wait, in_handler = threading.Event(), threading.Event()
    outcome = []
    def handler(signum, frame):
        in_handler.set()
        with cond:
            # A reentrant lock: the ended wait's hold, and the handler's.
            outcome.append(held(cond, holds=2))
            if raises:
                raise ValueError("from the handler")
    signal.signal(signal.SIGALRM, handler)
    def other_thread():
        assert in_wait.wait(30)
        with cond:  # once the main thread's wait has let the lock go
            if notify:
                cond.notify()
            os.kill(os.getpid(), signal.SIGALRM)
            assert in_handler.wait(30)
    t = threading.Thread(target=other_thread)
    t.start()
    with cond:
        in_wait.set()
        try:
            assert cond.wait() is True and not raises
        except ValueError:
            assert raises
        assert held(cond), "the wait returns holding the lock"
        assert outcome == [True], outcome
    t.join()
    assert not cond.lock.locked()

def handler_notifies(cond):
    woken = []
    def handler(signum, frame):
        with cond:
            woken.append("notified")
            cond.notify()
    signal.signal(signal.SIGALRM, handler)
    with cond:
        threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGALRM)).start()
        assert cond.wait_for(lambda: woken, timeout=30) == ["notified"]
        assert held(cond)
    assert not cond.lock.locked()

for make in (lambda: Condition(ReentrantLock(fair=True)),
             lambda: Condition(ReentrantLock()),
             lambda: Condition(Mutex())):
    handler_takes_the_lock(make())
    # Not notified, the wait leaves the condition to take the lock back.
    handler_takes_the_lock(make(), notify=False)
    handler_takes_the_lock(make(), raises=True)
    handler_notifies(make())
print("NO DEADLOCK", flush=True)
"""


def test_handler_taking_the_lock_of_an_interrupted_condition_wait() -> None:
    assert "NO DEADLOCK" in run_child(NESTED_CONDITION_CHILD)


# The other direction goes through: a handler's put on the queue whose take
# it interrupted hands its element to that take (a fair queue matches it
# with the queued take; a buffered one keeps it for the take's next
# slice). Bounded offers again, retried if the signal came before the take
# began (a rendezvous then has nobody to hand to).
HANDLER_WAKES_ITS_TAKE_CHILD = """
import signal
from polyconc import (
    ArrayBlockingQueue, Chan, DelayQueue, LinkedTransferQueue,
    PriorityBlockingQueue, SynchronousQueue,
)

def woken_by_handler(take, offer):
    tries = []
    def handler(signum, frame):
        tries.append(offer("from the handler"))
        if not tries[-1]:
            signal.setitimer(signal.ITIMER_REAL, 0.05)
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    assert take() == "from the handler"
    assert tries[-1] is True and not any(tries[:-1]), tries

for q in (SynchronousQueue(fair=True), ArrayBlockingQueue(1, fair=True),
          ArrayBlockingQueue(1), LinkedTransferQueue(), PriorityBlockingQueue()):
    woken_by_handler(q.take, lambda x: q.offer(x, timeout=0.1))
    assert len(q) == 0
dq = DelayQueue()
woken_by_handler(dq.take, lambda x: dq.offer(x, 0.0, timeout=0.1))
ch = Chan(1)
woken_by_handler(ch.recv, lambda x: ch.send(x, timeout=0.1) is None)
print("HANDED", flush=True)
"""


def test_handler_put_hands_its_element_to_the_interrupted_take() -> None:
    assert "HANDED" in run_child(HANDLER_WAKES_ITS_TAKE_CHILD)


# On a rendezvous (Chan(0), the unfair SynchronousQueue) a handler's send
# or put would wait for a receiver, and the only one is the receive it
# interrupted: it hands its value to that receive instead, which answers
# with it once the handler returns. (Retried like the others if the signal
# came before the receive began.) A handler that raises after handing its
# value raises out of the receive with that value as `received`.
HANDLER_MEETS_ITS_RECEIVE_CHILD = """
import queue, signal
from polyconc import Chan, SynchronousQueue

def met_by_handler(receive, send, raises=False):
    tries = []
    def handler(signum, frame):
        try:
            tries.append(send("from the handler"))
        except (TimeoutError, queue.Full):
            tries.append(False)
        if tries[-1]:
            if raises:
                raise ValueError("after the send")
        elif len(tries) < 40:
            signal.setitimer(signal.ITIMER_REAL, 0.05)
        else:
            raise SystemExit(f"never met: {tries}")
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.05)
    try:
        got = receive()
        assert not raises
    except ValueError as e:
        assert raises
        got = e.received
    assert got == "from the handler", got
    assert tries[-1] is True and not any(tries[:-1]), tries

ch = Chan(0)
for receive in (ch.recv, lambda: next(iter(ch))):
    met_by_handler(receive, lambda x: ch.send(x, timeout=0.1) is None)
met_by_handler(ch.recv, ch.try_send)
met_by_handler(ch.recv, lambda x: ch.send(x, timeout=0.1) is None, raises=True)
assert ch.try_send("nobody") is False, "a ghost receiver took the value"

q = SynchronousQueue()
met_by_handler(q.take, lambda x: q.offer(x, timeout=0.1))
met_by_handler(q.take, q.offer)
met_by_handler(q.take, lambda x: q.add(x) is None)
met_by_handler(lambda: q.poll(timeout=60), lambda x: q.offer(x, timeout=0.1), raises=True)
assert q.offer("nobody") is False, "a ghost consumer took the element"
print("MET", flush=True)
"""


def test_handler_send_meets_the_interrupted_receive_on_a_rendezvous() -> None:
    assert "MET" in run_child(HANDLER_MEETS_ITS_RECEIVE_CHILD)
