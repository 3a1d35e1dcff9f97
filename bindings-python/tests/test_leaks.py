"""No reference leaks: objects inside a dropped channel, select values,
interrupted and cancelled operations are all freed."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
import time
import weakref
from typing import Any

import pytest
from _helpers import HANG_GUARD, run_threads

from polyconc import Chan, ChannelClosed, select


class Item:
    """A weakly referenceable object."""


def refs_freed(refs: list[weakref.ref[Item]]) -> bool:
    gc.collect()
    return all(r() is None for r in refs)


def test_dropped_channel_frees_its_items() -> None:
    for capacity in (3, None):
        ch: Chan[Item] = Chan(capacity)
        items = [Item() for _ in range(3)]
        refs = [weakref.ref(i) for i in items]
        ch.send_many(items)
        del items
        assert not refs_freed(refs)  # the channel holds them
        del ch
        assert refs_freed(refs)


def test_closed_channel_frees_received_items() -> None:
    ch: Chan[Item] = Chan(2)
    item = Item()
    ref = weakref.ref(item)
    ch.send(item)
    ch.close()
    del item
    assert ch.recv() is ref()
    assert refs_freed([ref])


def test_channel_itself_is_freed() -> None:
    ch: Chan[Item] = Chan(1)
    ref = weakref.ref(ch)
    del ch
    gc.collect()
    assert ref() is None


def test_failed_and_timed_out_sends_keep_no_reference() -> None:
    ch: Chan[Item] = Chan(0)
    item = Item()
    ref = weakref.ref(item)
    assert ch.try_send(item) is False
    try:
        ch.send(item, timeout=0.01)
    except TimeoutError:
        pass
    try:
        select((ch, item), timeout=0.01)
    except TimeoutError:
        pass
    assert select((ch, item), default=True) == (-1, None, False)
    ch.close()
    for send in (ch.send, ch.try_send):
        with pytest.raises(ChannelClosed):
            send(item)
    with pytest.raises(ChannelClosed):
        select((ch, item))
    del item
    assert refs_freed([ref])


def test_cancelled_send_async_frees_its_value() -> None:
    item = Item()
    ref = weakref.ref(item)

    async def main(value: Item) -> None:
        ch: Chan[Item] = Chan(0)
        task = asyncio.create_task(ch.send_async(value))
        await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    asyncio.run(main(item))
    del item
    assert refs_freed([ref])


def test_long_send_recv_loop_does_not_grow() -> None:
    ch: Chan[object] = Chan(8)
    obj = object()
    before = sys.getrefcount(obj)

    def loop(n: int) -> None:
        for _ in range(n):
            ch.send(obj)
            ch.recv()
            ch.try_send(obj)
            ch.try_recv()
            select((ch, obj))
            select(ch)

    loop(1_000)  # warm up allocator caches
    rss_before = rss_bytes()
    loop(200_000)
    rss_after = rss_bytes()
    assert sys.getrefcount(obj) == before
    # A leak of one small allocation per operation would be over 10 MB.
    assert rss_after - rss_before < 8 * 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def collected(ref: weakref.ref[Any]) -> bool:
    gc.collect()
    return ref() is None


@pytest.mark.parametrize("capacity", [1, None])
def test_channel_that_buffers_itself_is_collected(capacity: int | None) -> None:
    # Issue 10, fault 9: the collector did not see what a channel buffers.
    ch: Chan[object] = Chan(capacity)
    ch.send(ch)
    ref = weakref.ref(ch)
    del ch
    assert collected(ref)


class Actor:
    """Holds its inbox; its messages may hold the actor."""

    def __init__(self, capacity: int | None) -> None:
        self.inbox: Chan[tuple[str, Actor]] = Chan(capacity)


@pytest.mark.parametrize("capacity", [4, None])
def test_actor_whose_inbox_holds_itself_is_collected(capacity: int | None) -> None:
    actor = Actor(capacity)
    actor.inbox.send(("hello", actor))
    refs: list[weakref.ref[Any]] = [weakref.ref(actor), weakref.ref(actor.inbox)]
    del actor
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_rendezvous_channel_in_a_cycle_is_collected() -> None:
    # A rendezvous channel buffers nothing: its cycles go through what refers to it.
    class Mailbox(Chan[object]):
        pass

    box = Mailbox(0)
    box.owner = box  # type: ignore[attr-defined]
    ref = weakref.ref(box)
    del box
    assert collected(ref)


def test_collector_keeps_what_a_blocked_sender_waits_behind() -> None:
    ch: Chan[object] = Chan(1)
    ch.send(ch)  # the buffer holds the channel itself
    item = Item()
    item_ref = weakref.ref(item)
    sender = threading.Thread(target=ch.send, args=(item,))
    sender.start()
    del item
    time.sleep(0.1)  # let it block without the GIL (the test holds either way)
    ch_ref = weakref.ref(ch)
    for _ in range(3):
        gc.collect()  # nothing may be freed, or half-visited, while it waits
    assert ch.recv() is ch
    sender.join(HANG_GUARD)
    assert ch.recv() is item_ref()
    del ch
    assert collected(ch_ref)
    assert refs_freed([item_ref])


@pytest.mark.parametrize("capacity", [0, 16, None])
def test_collections_while_batches_move_without_the_gil(capacity: int | None) -> None:
    ch: Chan[object] = Chan(capacity)
    n = 20_000
    got: list[int] = []
    done = threading.Event()
    # The values start moving once the collector runs; then it makes one full
    # collection per twentieth of the values received, each while the two
    # batch loops move values without the GIL. A collection holds the GIL
    # throughout (about 50 ms for the heap of the whole test run), so a
    # collector without pause starved the rendezvous, which moves about two
    # values per batch, of the GIL: ~38 s, past the hang guard.
    collecting = threading.Event()
    step = n // 20

    def producer() -> None:
        collecting.wait()
        ch.send_many(range(n))
        ch.close()

    def consumer() -> None:
        while batch := ch.recv_many(100):
            got.extend(batch)  # type: ignore[arg-type]
        done.set()

    def collector() -> None:
        last = -1
        collecting.set()
        while not done.is_set():
            if len(got) // step == last:
                done.wait(0.001)
                continue
            last = len(got) // step
            gc.collect()

    run_threads([producer, consumer, collector])
    assert sorted(got) == list(range(n))


def test_locks_and_synchronizers_are_freed() -> None:
    from polyconc import (
        Condition,
        CountDownLatch,
        CyclicBarrier,
        Mutex,
        ReentrantLock,
        RwLock,
        Semaphore,
        SpinLock,
        WaitGroup,
    )

    made: list[Any] = [
        Mutex(),
        SpinLock(),
        ReentrantLock(),
        RwLock(),
        Condition(),
        Condition(Mutex()),
        Semaphore(2),
        CountDownLatch(1),
        WaitGroup(),
        CyclicBarrier(2, action=Item),
    ]
    # Held locks and kept guards go with their object too.
    made[0].acquire()
    made[1].acquire()
    made[3].acquire_read()
    refs = [weakref.ref(o) for o in made]
    del made
    gc.collect()
    assert all(r() is None for r in refs)


def test_barrier_action_cycle_is_collected() -> None:
    from polyconc import CyclicBarrier

    class Holder(Item):
        barrier: CyclicBarrier

        def ping(self) -> None:
            pass

    holder = Holder()
    barrier = CyclicBarrier(1, action=holder.ping)
    holder.barrier = barrier  # a cycle through the action
    assert barrier.wait() == 0
    refs: list[weakref.ref[Item]] = [weakref.ref(holder)]
    barrier_ref = weakref.ref(barrier)
    del holder, barrier
    assert refs_freed(refs) and barrier_ref() is None


def test_cancelled_lock_ops_free_their_lock() -> None:
    from polyconc import Mutex, RwLock, Semaphore

    async def main() -> list[weakref.ref[Any]]:
        m, s, rw = Mutex(), Semaphore(0), RwLock()
        m.acquire()
        rw.acquire_write()
        tasks = [
            asyncio.create_task(m.acquire_async()),
            asyncio.create_task(s.acquire_async(permits=2)),
            asyncio.create_task(rw.acquire_read_async()),
        ]
        await asyncio.sleep(0.01)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return [weakref.ref(m), weakref.ref(s), weakref.ref(rw)]

    refs = asyncio.run(main())
    gc.collect()
    assert all(r() is None for r in refs)
