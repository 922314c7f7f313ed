"""Worker processes that give each task a time and memory budget.

``run(fn, tasks, jobs=2, seconds=300, memory_mb=512)`` yields ``(task, outcome)`` in task order,
where the outcome is what ``fn(task)`` returned, or a :class:`Failed` naming why it has none: an
exception in ``fn``, more than ``seconds`` of wall time, more than ``memory_mb`` of resident memory,
or the worker dying (killed by the kernel, a crash in a C library). A task over budget costs its
worker, which is replaced; the other tasks go on. Workers ignore Ctrl-C: the caller's process gets
it, and every worker is killed when the caller stops iterating, by an exception or early.

Memory is bounded twice, both times counting what a worker adds to what it inherited when it was
forked (a parent holding a large store must not make its workers look large): each worker's address
space is capped at its size when it starts plus the budget (``RLIMIT_AS``, so a runaway allocation
fails inside the worker), and the parent polls each worker's private memory (pages it allocated or
wrote, not those it shares with the parent) and kills a worker above its budget. The peak of a run
is therefore about the parent's own plus ``jobs × memory_mb``.

>>> [(t, o) for t, o in run(abs, [-1, 2, -3], jobs=2)]
[(-1, 1), (2, 2), (-3, 3)]
>>> _, failed = next(run(int, ["x"], jobs=1))
>>> failed.reason
"ValueError: invalid literal for int() with base 10: 'x'"
"""
from __future__ import annotations

import collections
import multiprocessing as mp
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import wait as _wait
from typing import Any, Callable, Iterable, Iterator

# address space a Python worker reserves beyond what it uses (libraries mapped, arenas)
_AS_HEADROOM_MB = 768
_POLL = 0.2  # seconds between memory checks


@dataclass(frozen=True)
class Failed:
    """A task without an outcome, and why."""

    reason: str
    kind: str = "error"   # "error", "time", "memory", "died"


def _resident_mb(pid: int) -> float:
    """The process's resident size in MB (cheap: /proc/PID/statm); never below its private memory,
    so a worker under the budget by this measure needs no costlier look (0 where /proc has none)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("inf")


def _private_mb(pid: int) -> float:
    """Memory the process holds for itself (Private_Clean + Private_Dirty; a forked child's pages
    still shared with its parent are not counted), in MB; its resident size where the kernel has no
    ``smaps_rollup``."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            kb = sum(int(line.split()[1]) for line in f if line.startswith(b"Private_"))
        return kb / 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _address_space_mb() -> float:
    """This process's virtual size in MB (0 where /proc has none)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _worker(conn, fn: Callable, memory_mb: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):   # (blocked since it started: see _Slot)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if memory_mb:
        try:
            import resource

            limit = int((_address_space_mb() + memory_mb + _AS_HEADROOM_MB) * 2**20)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):  # pragma: no cover - no such limit here
            pass
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        index, task = item
        try:
            out = fn(task)
        except MemoryError:
            out = Failed(f"needed more than {memory_mb} MB of memory", "memory")
        except Exception as e:  # noqa: BLE001 - one task must not stop the others
            out = Failed(f"{type(e).__name__}: {e}")
            if os.environ.get("KG_DEBUG"):
                traceback.print_exc()
        try:
            conn.send((index, out))
        except (BrokenPipeError, OSError):
            return
        except Exception as e:  # noqa: BLE001 - an outcome that does not pickle
            conn.send((index, Failed(f"{type(e).__name__}: {e}")))


class _Slot:
    """One worker process, the task it holds and since when."""

    def __init__(self, ctx, fn, memory_mb):
        parent, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, fn, memory_mb), daemon=True)
        # started with Ctrl-C blocked (the mask is inherited, across exec too): a spawned worker
        # imports for a moment before it can ignore it, and a terminal's Ctrl-C reaches the whole
        # process group. (This thread only: the signal still reaches this process.)
        mask = hasattr(signal, "pthread_sigmask")
        if mask and ctx.get_start_method() != "fork":
            # (its first start unblocks Ctrl-C in this thread once it is running: started first)
            from multiprocessing import resource_tracker

            resource_tracker.ensure_running()
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if mask else None
        try:
            self.proc.start()
        finally:
            if mask:
                signal.pthread_sigmask(signal.SIG_SETMASK, old)
        child.close()
        self.conn = parent
        self.index: int | None = None
        self.started = 0.0

    def give(self, index: int, task: Any) -> None:
        self.index, self.started = index, time.monotonic()
        self.conn.send((index, task))

    def kill(self) -> None:
        try:
            self.proc.kill()
        except (OSError, AttributeError):
            pass
        self.proc.join(5)
        self.conn.close()


def run(fn: Callable[[Any], Any], tasks: Iterable[Any], *, jobs: int = 1,
        seconds: float | None = None, memory_mb: int | None = None,
        ahead: int = 4, start: str = "fork") -> Iterator[tuple[Any, Any]]:
    """Run ``fn`` on every task in worker processes; yield ``(task, outcome)`` in task order.

    At most ``jobs × ahead`` finished outcomes wait for the caller (outcomes may be large). The
    workers are stopped once every task is done, before the last outcomes are yielded: a caller
    that takes exactly as many outcomes as it gave tasks does not keep them alive. ``start``:
    ``"fork"`` (workers share what the parent holds) or ``"spawn"`` (fresh interpreters: for a
    parent grown large, or running threads, when ``fn`` reads its state from files; ``fn`` must
    then be importable by name).
    """
    ctx = mp.get_context(start if sys.platform != "win32" else "spawn")
    todo = collections.deque(enumerate(tasks))
    total = len(todo)
    jobs = max(1, min(jobs, total or 1))
    window = jobs * max(ahead, 1)
    slots: list[_Slot] = []
    done: dict[int, Any] = {}
    task_of: dict[int, Any] = {}
    next_out = 0
    try:
        slots = [_Slot(ctx, fn, memory_mb) for _ in range(jobs)]

        def hand_out() -> None:
            # give idle workers tasks while the window allows
            for slot in slots:
                if slot.index is None and todo and len(done) + sum(
                        s.index is not None for s in slots) < window:
                    i, task = todo.popleft()
                    task_of[i] = task
                    try:
                        slot.give(i, task)
                    except (BrokenPipeError, OSError):
                        done[i] = Failed("the worker process could not take the task", "died")
                        slot.index = None

        while next_out < total:
            hand_out()
            busy = [s for s in slots if s.index is not None]
            if busy:
                ready = _wait([s.conn for s in busy] + [s.proc.sentinel for s in busy],
                              timeout=_POLL)
                now = time.monotonic()
                for k, slot in enumerate(slots):
                    if slot.index is None:
                        continue
                    failed = None
                    if slot.conn in ready:
                        try:
                            index, out = slot.conn.recv()
                            done[index] = out
                            slot.index = None
                            continue
                        except (EOFError, OSError):
                            failed = _died(slot)
                    elif slot.proc.sentinel in ready:
                        failed = _died(slot)
                    elif seconds is not None and now - slot.started > seconds:
                        failed = Failed(f"took longer than {seconds:g} s and was stopped", "time")
                    elif memory_mb and _resident_mb(slot.proc.pid) > memory_mb \
                            and _private_mb(slot.proc.pid) > memory_mb:
                        failed = Failed(f"used more than {memory_mb} MB of memory and was "
                                        "stopped", "memory")
                    if failed is not None:
                        done[slot.index] = failed
                        slot.kill()
                        slots[k] = _Slot(ctx, fn, memory_mb)
            # before the caller has the outcomes: a worker must not wait while it uses them
            hand_out()
            if not todo and all(s.index is None for s in slots):
                _stop(slots)   # every task is done: the workers' memory goes back now
                slots = []
            while next_out in done:
                out = done.pop(next_out)
                yield task_of.pop(next_out), out
                next_out += 1
    finally:
        _stop(slots)


def _stop(slots: list[_Slot]) -> None:
    """Stop the workers: an idle one is told to end (and killed if it does not), a busy one
    killed."""
    for slot in slots:
        if slot.index is None and slot.proc.is_alive():
            try:
                slot.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
    for slot in slots:
        if slot.index is not None:
            slot.kill()
        else:
            slot.proc.join(2)
            if slot.proc.is_alive():
                slot.kill()
            else:
                slot.conn.close()


def _died(slot: _Slot) -> Failed:
    slot.proc.join(1)
    code = slot.proc.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        why = f"the worker process was killed ({name})"
        if -code == signal.SIGKILL:
            why += ", most likely out of memory"
        elif -code in (signal.SIGABRT, signal.SIGSEGV):
            why += ", most likely out of memory in a library"
    else:
        why = f"the worker process stopped (exit code {code})"
    return Failed(why, "died")


def outcomes(fn: Callable[[Any], Any], tasks: list, *, jobs: int, what: str,
             fork: bool = True, start: str = "fork") -> Iterator[Any]:
    """``fn`` of each task, in order, in ``jobs`` worker processes (no memory budget: for steps
    whose inputs this build wrote); a task that fails stops it with a KgError saying ``what``
    could not be done and why. ``fork=False`` runs them here when ``jobs`` is 1 or there is one
    task (nothing to share out). ``start``: how the workers start (see :func:`run`)."""
    from kg.errors import KgError

    if not fork and (jobs <= 1 or len(tasks) < 2):
        yield from map(fn, tasks)
        return
    for _, out in run(fn, tasks, jobs=jobs, start=start):
        if isinstance(out, Failed):
            raise KgError(f"{what} ({out.reason})")
        yield out
