"""After os.fork(): waiters queued in the parent never receive in the child."""

from __future__ import annotations

import os

import pytest
from _helpers import run_child

FORK_CHILD = """
import os, threading, time
from polyconc import Chan

ch = Chan({capacity})
got = []
waiter = threading.Thread(target=lambda: got.append(ch.{parent_op}), daemon=True)
waiter.start()
time.sleep(0.5)  # let it block in {parent_op} (checked below)
pid = os.fork()
if pid == 0:
    code = 1
    try:
        # The waiting thread does not exist here: nothing may go to it.
        assert {child_check}, "a ghost waiter of the parent counted"
        # ... and the value the child kept goes to a real receiver.
        received = []
        receiver = threading.Thread(target=lambda: received.append(ch.recv(timeout=30)))
        receiver.start()
        ch.send("x", timeout=30)
        receiver.join(30)
        assert received == ["x"], received
        code = 0
    finally:
        os._exit(code)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, "the child failed"
# The parent's thread waited all along, and still does.
{parent_release}
waiter.join(30)
assert got == ["p"], got
print("PARENT WAITER KEPT, CHILD LOST NOTHING", flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_fork_child_does_not_send_to_a_parent_thread_blocked_in_recv() -> None:
    out = run_child(
        FORK_CHILD.format(
            capacity=0,
            parent_op="recv()",
            child_check='ch.try_send("x") is False',
            parent_release='assert ch.try_send("p") is True, "the parent thread was not waiting"',
        )
    )
    assert "CHILD LOST NOTHING" in out


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
def test_fork_child_does_not_receive_from_a_parent_thread_blocked_in_send() -> None:
    out = run_child(
        FORK_CHILD.format(
            capacity=0,
            parent_op='send("p") or "p"',
            child_check="ch.try_recv() == (None, False)",
            parent_release='assert ch.recv(timeout=30) == "p"',
        )
    )
    assert "CHILD LOST NOTHING" in out
