"""kg.pool's memory budget counts what a worker adds, not what it inherited from its parent.

A 1,000-report build once failed at its answer tables ("the worker process was killed (SIGABRT)"):
the table workers were forked from a parent holding the store, and the address-space cap of the
budget was below what they inherited. These tests fork workers from a parent made large the same
two ways, for real (an address-space reservation, and touched heap).
"""
from __future__ import annotations

import mmap
import time

import pytest

from kg.pool import Failed, run


def _small(n: int) -> int:
    time.sleep(0.6)               # long enough for the parent to poll the worker's memory
    block = bytearray(8 * 2**20)  # a few MB of its own
    block[::4096] = b"x" * len(block[::4096])
    return n + len(block) // 2**20


def _greedy(mb: int) -> int:
    block = bytearray(mb * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # touch every page
    time.sleep(2)
    return len(block)


def test_pool_worker_of_a_large_address_space_keeps_its_budget():
    reserved = mmap.mmap(-1, 6 * 2**30)   # 6 GB of address space, untouched (no memory used)
    try:
        results = [out for _, out in run(_small, [1, 2, 3], jobs=2, memory_mb=200)]
    finally:
        reserved.close()
    assert results == [9, 10, 11], results


def test_pool_worker_of_a_large_heap_keeps_its_budget():
    heap = bytearray(400 * 2**20)
    heap[::4096] = b"y" * len(heap[::4096])   # 400 MB resident in the parent, inherited by fork
    try:
        results = [out for _, out in run(_small, [1, 2], jobs=2, memory_mb=200)]
    finally:
        del heap
    assert results == [9, 10], results


@pytest.mark.parametrize("big_parent", [False, True])
def test_pool_budget_still_stops_a_greedy_task(big_parent):
    heap = bytearray(300 * 2**20) if big_parent else bytearray(0)
    heap[::4096] = b"z" * len(heap[::4096])
    try:
        outs = [out for _, out in run(_greedy, [600, 1], jobs=2, memory_mb=200)]
    finally:
        del heap
    assert isinstance(outs[0], Failed) and outs[0].kind == "memory", outs[0]
    assert "200 MB" in outs[0].reason
    assert outs[1] == 2**20


def _resident_mb(n: int) -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def test_pool_workers_end_with_the_last_outcome():
    # a caller that takes as many outcomes as it gave tasks, and holds the iterator (as the build
    # does through its later steps), must not keep the workers and their memory alive
    import multiprocessing as mp

    it = run(abs, [-1, -2, -3], jobs=2)
    got = [next(it) for _ in range(3)]
    assert got == [(-1, 1), (-2, 2), (-3, 3)]
    assert [p for p in mp.active_children() if p.is_alive()] == []
    it.close()


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_pool_spawned_workers_do_not_carry_the_parents_memory(start):
    heap = bytearray(400 * 2**20)
    heap[::4096] = b"w" * len(heap[::4096])   # 400 MB resident in the parent
    try:
        sizes = [out for _, out in run(_resident_mb, [1, 2], jobs=2, start=start)]
    finally:
        del heap
    if start == "fork":
        assert min(sizes) > 400, sizes     # the parent's pages, counted in each worker's RSS
    else:
        assert max(sizes) < 200, sizes     # a fresh interpreter


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_pool_workers_ignore_ctrl_c_from_their_first_moment(start):
    # a terminal's Ctrl-C reaches every process of the group; a spawned worker imports for a
    # moment before it can say it ignores it, and must not die of it (or print a traceback)
    import multiprocessing as mp
    import os
    import signal
    import threading

    stop = threading.Event()

    def poke():
        while not stop.is_set():
            for p in mp.active_children():
                try:
                    os.kill(p.pid, signal.SIGINT)
                except OSError:
                    pass
            time.sleep(0.002)

    t = threading.Thread(target=poke, daemon=True)
    t.start()
    try:
        outs = [out for _, out in run(abs, [-1, -2, -3, -4], jobs=2, start=start)]
    finally:
        stop.set()
        t.join()
    assert outs == [1, 2, 3, 4], outs
