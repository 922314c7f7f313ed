"""Query worker processes, and who gets one: a quick lane kept for cheap queries, a heavy lane
limited per client.

Every query starts as *quick*. One that has used ``heavy_after`` seconds of its worker's CPU
(0.1 s by default; a cheap query slowed down by a busy machine stays quick), or has run ten
times that long whatever it used, becomes *heavy*: it keeps its worker if a heavy slot is free (at most ``heavy_workers``
heavy queries at once, at most ``heavy_per_client`` from one client address), and is stopped and
queued for a heavy slot otherwise. Its text is remembered, so the next time it waits for a heavy
slot at once instead of taking a quick worker. Heavy queries never hold more than
``heavy_workers`` of the ``workers`` processes, nor one that would leave fewer than the others
alive while a killed worker is being replaced: the rest are always there for quick ones, and a
simple SELECT is never queued behind 50 clients' slow queries. Waiting is free (an asyncio
future, no thread). A free worker goes to a quick waiter first, then to a heavy one whose client
is under its limit; among them, to the client that has used the least worker time lately, so a
client with cheap questions is not queued behind others that keep the workers busy with
queries just under the heavy mark.

What it costs: a query is heavy by what it uses as it runs, so a new heavy text takes a quick
worker for ``heavy_after`` seconds or more, and when no heavy slot is free, a respawn (it is stopped: a running
pyoxigraph query cannot be moved or paused). A client that varies the text of its heavy queries
pays that each time; one that repeats it does not.

A query may wait ``timeout`` seconds for a worker (then HTTP 503 "busy") and run ``timeout``
seconds (then its worker is killed, HTTP 503 "timed out"); a worker that dies (its memory cap) is
replaced, and so is a killed one, in the background.
"""
from __future__ import annotations

import asyncio
import collections
import hashlib
import itertools
import os
import pickle
import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from kg.errors import StoreError
from kg.serve.results import Reply

_REQUEUE = object()  # _execute's answer when a quick query went over budget with no heavy slot
_REMEMBERED = 1024   # query texts remembered as heavy
_HALF_LIFE = 10.0    # seconds over which a client's use of the workers counts half as much
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class Worker:
    """One worker process (:mod:`kg.serve.worker`) and its end of the socket pair."""

    def __init__(self, proc, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.proc, self.reader, self.writer = proc, reader, writer

    @property
    def pid(self) -> int:
        return self.proc.pid

    @classmethod
    async def spawn(cls, out_dir: Path, memory_mb: int | None, in_memory: bool,
                    start_timeout: float) -> "Worker":
        parent, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parent.parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env.setdefault("MALLOC_ARENA_MAX", "2")  # see kg.serve.worker
        try:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-c", "from kg.serve.worker import entry; entry()",
                str(child.fileno()), str(out_dir), str(memory_mb or 0),
                "1" if in_memory else "0",
                pass_fds=(child.fileno(),), stdin=asyncio.subprocess.DEVNULL, env=env)
        finally:
            child.close()
        reader, writer = await asyncio.open_unix_connection(sock=parent)
        worker = cls(proc, reader, writer)
        try:
            kind, detail = await asyncio.wait_for(worker.recv(), start_timeout)
        except asyncio.TimeoutError:
            worker.kill()
            raise StoreError(f"a query worker did not start within {start_timeout:.0f} s") from None
        except (asyncio.IncompleteReadError, ConnectionError):
            worker.kill()
            kind, detail = "error", f"the worker exited with code {await worker.exit_code()}"
        except BaseException:  # cancelled (the server stops): no orphan
            worker.kill()
            raise
        if kind != "ready":
            worker.kill()
            raise StoreError(f"a query worker could not open the store: {detail}")
        return worker

    def send(self, obj) -> None:
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        self.writer.write(struct.pack("!i", len(data)) + data)

    async def recv(self):
        (n,) = struct.unpack("!i", await self.reader.readexactly(4))
        if n == -1:
            (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
        return pickle.loads(await self.reader.readexactly(n))

    def cpu_seconds(self) -> float | None:
        """CPU time the process has used so far (Linux ``/proc``; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
        except (OSError, IndexError, ValueError):
            return None

    async def exit_code(self, wait: float = 2.0):
        try:
            return await asyncio.wait_for(self.proc.wait(), wait)
        except asyncio.TimeoutError:
            return "?"

    def kill(self) -> None:
        try:
            self.proc.kill()
        except ProcessLookupError:
            pass
        self.writer.close()


@dataclass(eq=False)
class _Waiter:
    heavy: bool
    client: str
    future: asyncio.Future


class Pool:
    """The worker processes and the two lanes (see the module's docstring)."""

    def __init__(self, out_dir: Path, *, workers: int = 4, heavy_workers: int | None = None,
                 heavy_after: float = 0.1, heavy_per_client: int = 1, timeout: float = 10.0,
                 memory_mb: int | None = 2048, in_memory: bool = False,
                 spool_dir: Path | None = None, start_timeout: float | None = None):
        heavy_workers = workers // 2 if heavy_workers is None else heavy_workers
        if workers < 2 or not 1 <= heavy_workers < workers:
            raise ValueError("need at least 2 workers, and at least one of them for quick "
                             "queries and one for heavy ones")
        self.out_dir, self.size = Path(out_dir), workers
        self.heavy_workers, self.heavy_per_client = heavy_workers, heavy_per_client
        self.heavy_after, self.timeout = heavy_after, timeout
        self.memory_mb, self.in_memory = memory_mb, in_memory
        self.spool_dir = spool_dir
        # copying a large store into memory takes about 7 s per million quads
        self.start_timeout = start_timeout or (600.0 if in_memory else 60.0)
        self._all: set[Worker] = set()
        self._idle: list[Worker] = []
        self._waiters: collections.deque[_Waiter] = collections.deque()
        self._heavy = 0                                    # heavy slots taken
        self._heavy_by_client: collections.Counter[str] = collections.Counter()
        self._heavy_texts: collections.OrderedDict[bytes, None] = collections.OrderedDict()
        self._jobs = itertools.count()
        self._spent: dict[str, tuple[float, float]] = {}   # client -> (worker-seconds, as of)
        self._running: collections.defaultdict[str, list[float]] = collections.defaultdict(list)
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        self.killed = self.promoted = self.requeued = 0

    # ------------------------------------------------------------------ life cycle
    async def start(self) -> None:
        """Start every worker; raise :class:`StoreError` if they cannot open the store."""
        results = await asyncio.gather(*(self._spawn() for _ in range(self.size)),
                                       return_exceptions=True)
        workers = [w for w in results if isinstance(w, Worker)]
        self._all.update(workers)
        errors = [e for e in results if isinstance(e, BaseException)]
        if errors:
            await self.close()
            raise errors[0]
        self._idle.extend(workers)

    async def _spawn(self) -> Worker:
        return await Worker.spawn(self.out_dir, self.memory_mb, self.in_memory,
                                  self.start_timeout)

    async def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        workers, self._all, self._idle = list(self._all), set(), []
        for w in workers:
            w.kill()
        for w in workers:
            await w.exit_code(10)

    def _background(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _discard(self, w: Worker) -> None:
        """Kill ``w`` (its state is unknown) and start a replacement in the background."""
        self._all.discard(w)
        w.kill()
        self.killed += 1
        self._background(self._replace(w))

    async def _replace(self, dead: Worker) -> None:
        await dead.exit_code(10)
        for attempt in range(20):
            if self._closed:
                return
            try:
                w = await self._spawn()
            except StoreError:
                await asyncio.sleep(min(0.1 * 2 ** attempt, 5))
                continue
            if self._closed:
                w.kill()
                return
            self._all.add(w)
            self._idle.append(w)
            self._dispatch()
            return

    # ------------------------------------------------------------------ lanes
    def _may_take_heavy(self, client: str) -> bool:
        """A heavy slot is free for ``client``: under the heavy and the per-client limits, and
        the live workers (some may be being replaced) keep their quick share without it."""
        return (self._heavy < self.heavy_workers
                and len(self._all) - self._heavy > self.size - self.heavy_workers
                and self._heavy_by_client[client] < self.heavy_per_client)

    def _take_heavy(self, client: str) -> None:
        self._heavy += 1
        self._heavy_by_client[client] += 1

    def _give_back(self, w: Worker | None, heavy: bool, client: str) -> None:
        if heavy:
            self._heavy -= 1
            self._heavy_by_client[client] -= 1
            if self._heavy_by_client[client] <= 0:
                del self._heavy_by_client[client]
        if w is not None and w in self._all:
            self._idle.append(w)
        self._dispatch()

    def _used(self, client: str, now: float) -> float:
        """Worker-seconds ``client`` has used lately: its finished queries, halved every
        :data:`_HALF_LIFE` seconds, and the ones running now."""
        spent, when = self._spent.get(client, (0.0, now))
        running = sum(now - t for t in self._running.get(client, ()))
        return spent * 0.5 ** ((now - when) / _HALF_LIFE) + running

    def _charge(self, client: str, started: float, now: float) -> None:
        self._running[client].remove(started)
        if not self._running[client]:
            del self._running[client]
        self._spent[client] = (self._used(client, now) + (now - started), now)
        if len(self._spent) > 4096:  # forget the clients that have used next to nothing
            self._spent = {c: v for c, v in self._spent.items() if self._used(c, now) > 0.01}

    def _dispatch(self) -> None:
        """Hand idle workers to waiters: quick ones first, else heavy ones whose client may take
        another heavy slot; among those, the client that has used the least worker time lately
        (and the oldest request among equals)."""
        now = asyncio.get_running_loop().time() if self._waiters else 0.0
        while self._idle and self._waiters:
            quick = [wt for wt in self._waiters if not wt.heavy]
            if quick:
                chosen = min(quick, key=lambda wt: self._used(wt.client, now))
            else:
                heavy = [wt for wt in self._waiters if self._may_take_heavy(wt.client)]
                if not heavy:
                    return
                chosen = min(heavy, key=lambda wt: self._used(wt.client, now))
                self._take_heavy(chosen.client)
            self._waiters.remove(chosen)
            chosen.future.set_result(self._idle.pop())

    async def _acquire(self, heavy: bool, client: str, deadline: float) -> Worker | None:
        loop = asyncio.get_running_loop()
        waiter = _Waiter(heavy, client, loop.create_future())
        self._waiters.append(waiter)
        self._dispatch()
        try:
            await asyncio.wait({waiter.future}, timeout=max(0.0, deadline - loop.time()))
        except BaseException:  # cancelled: give back what was granted meanwhile
            self._forget(waiter)
            raise
        if waiter.future.done():
            return waiter.future.result()
        self._forget(waiter)
        return None

    def _forget(self, waiter: _Waiter) -> None:
        if waiter.future.done():
            self._give_back(waiter.future.result(), waiter.heavy, waiter.client)
        else:
            waiter.future.cancel()
            self._waiters.remove(waiter)

    # ------------------------------------------------------------------ running a query
    async def run(self, job: dict, client: str) -> Reply:
        """Answer one job (see :func:`kg.serve.worker.answer`) for ``client`` (its address)."""
        loop = asyncio.get_running_loop()
        wait_until = loop.time() + self.timeout
        key = hashlib.sha1(job["query"].encode("utf-8", "surrogatepass")).digest()
        while True:
            heavy = key in self._heavy_texts
            w = await self._acquire(heavy, client, wait_until)
            if w is None:
                return self._busy(heavy, client)
            if not heavy and key in self._heavy_texts:  # learnt while this one waited
                self._give_back(w, False, client)
                continue
            reply = await self._execute(w, job, key, heavy, client)
            if reply is not _REQUEUE:
                return reply

    async def _execute(self, w: Worker, job: dict, key: bytes, heavy: bool, client: str):
        loop = asyncio.get_running_loop()
        spool = (str(self.spool_dir / f"{next(self._jobs)}.body")
                 if self.spool_dir is not None else None)
        started = loop.time()
        self._running[client].append(started)
        task = None
        try:
            w.send(dict(job, spool=spool))
            task = loop.create_task(w.recv())
            cpu0 = w.cpu_seconds()
            if not heavy:
                done = await self._quick_phase(w, task, started, cpu0)
                if not done:  # over the quick budget: a heavy query
                    self._remember(key)
                    if not self._may_take_heavy(client):
                        self.requeued += 1
                        self._discard(w)  # the quick lane must stay free for quick queries
                        w = None
                        return _REQUEUE
                    self._take_heavy(client)
                    heavy = True
                    self.promoted += 1
            done, _ = await asyncio.wait({task}, timeout=max(0.0, started + self.timeout
                                                             - loop.time()))
            if not done:
                self._discard(w)
                w = None
                return Reply.text(503, f"query timed out after {self.timeout:g} s and was "
                                       "stopped; add LIMIT, narrow the patterns, or start the "
                                       "server with a larger --timeout")
            try:
                reply = task.result()
            except (asyncio.IncompleteReadError, ConnectionError, OSError):
                code = await w.exit_code()
                self._discard(w)
                w = None
                cause = (f"most likely by using more than the {self.memory_mb} MB each query may "
                         "use" if self.memory_mb else "most likely by running out of memory")
                return Reply.text(500, f"the query stopped its worker (exit code {code}), "
                                       f"{cause}; narrow the query (a LIMIT, more bound terms)")
            if heavy and not self._costly(w, started, cpu0):
                self._heavy_texts.pop(key, None)  # cheap after all (the data changed)
            return reply
        except BaseException:  # cancelled (the client went away): the worker's state is unknown
            if w is not None:
                self._discard(w)
                w = None
            raise
        finally:
            self._charge(client, started, loop.time())
            if task is not None and not task.done():
                task.cancel()
            if w is None and spool is not None:
                try:
                    os.unlink(spool)  # half written by a worker that was killed
                except OSError:
                    pass
            self._give_back(w, heavy, client)

    def _costly(self, w: Worker, started: float, cpu0: float | None) -> bool:
        """Whether the query ``w`` runs since ``started`` has cost ``heavy_after``: in CPU
        seconds of its worker where the system tells them (a cheap query starved of CPU by a
        busy machine is still cheap), and in any case once it has run ``10 × heavy_after``
        (a query waiting on the disk uses little CPU)."""
        wall = asyncio.get_running_loop().time() - started
        cpu = w.cpu_seconds()
        if cpu is None or cpu0 is None:
            return wall >= self.heavy_after
        return cpu - cpu0 >= self.heavy_after or wall >= 10 * self.heavy_after

    async def _quick_phase(self, w: Worker, task, started: float, cpu0: float | None) -> bool:
        """Wait for a quick query's answer until it proves costly; True if it came."""
        while True:
            done, _ = await asyncio.wait({task}, timeout=self.heavy_after / 4)
            if done:
                return True
            if self._costly(w, started, cpu0):
                return False

    def _remember(self, key: bytes) -> None:
        self._heavy_texts[key] = None
        self._heavy_texts.move_to_end(key)
        while len(self._heavy_texts) > _REMEMBERED:
            self._heavy_texts.popitem(last=False)

    def _busy(self, heavy: bool, client: str) -> Reply:
        if heavy:
            why = (f"this query runs long, and at most {self.heavy_workers} such queries run at "
                   f"once, {self.heavy_per_client} per client; none came free within "
                   f"{self.timeout:g} s")
        else:
            why = f"no query worker came free within {self.timeout:g} s"
        return Reply.text(503, f"server busy: {why}; try again shortly", **{"Retry-After": "5"})

    # ------------------------------------------------------------------ looking in
    def status(self) -> dict:
        """What the pool is doing now (served as ``/status``)."""
        return {
            "workers": len(self._all), "idle": len(self._idle),
            "heavy_running": self._heavy, "heavy_workers": self.heavy_workers,
            "heavy_per_client": self.heavy_per_client, "heavy_after": self.heavy_after,
            # how many heavy queries each client runs, without saying who the clients are
            "heavy_per_running_client": sorted(self._heavy_by_client.values(), reverse=True),
            "waiting_quick": sum(1 for w in self._waiters if not w.heavy),
            "waiting_heavy": sum(1 for w in self._waiters if w.heavy),
            "killed": self.killed, "promoted": self.promoted, "requeued": self.requeued,
            "worker_pids": sorted(w.pid for w in self._all),
        }
