"""A query worker: a process of its own that holds the store open read-only and answers jobs.

The pool (:mod:`kg.serve.pool`) starts it with ``python -c`` (no re-import of ``__main__``) and
talks to it over a socket pair: a job dict in, a :class:`~kg.serve.results.Reply` out, each a
length-prefixed pickle (the framing of :class:`multiprocessing.connection.Connection`).

A worker caps its own address space (``RLIMIT_AS``), so a query that explodes in memory ends
its worker, not the machine; it asks the kernel to take it first if memory runs out anyway
(``oom_score_adj``), and it runs with ``MALLOC_ARENA_MAX=2`` (set by the pool): glibc reserves
64 MB of address space per malloc arena and thread, and under the cap that reservation, not a
query, once made RocksDB's thread start fail (SIGABRT, see NOTES.md). Timeouts are the pool's:
a worker past its deadline is killed, since a running pyoxigraph query cannot be interrupted.
"""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from kg.errors import QueryError
from kg.serve.results import (EXTENSIONS, GRAPH_TYPES, SOLUTION_TYPES, UTF8_BOM, Reply, Sink,
                              negotiate, not_acceptable, write_boolean, write_graph,
                              write_solutions)
from kg.vocab import PREFIXES


class StoreHandle:
    """OUT's store opened read-only, with its pyoxigraph database: the on-disk one, or an
    in-memory copy (``kg serve --in-memory``: terms read back in under 1 µs instead of 8–50 µs)."""

    def __init__(self, out: Path, in_memory: bool):
        from kg.store import Store

        self.out, self.in_memory = out, in_memory
        self.store = Store.open(out, read_only=True)
        self.db = self.store.to_memory().db if in_memory else self.store.db

    def fresh(self) -> "StoreHandle":
        """This handle, or a new one if a build has switched OUT/store to a new generation
        (if the new one cannot be opened, keep answering from this one)."""
        if not self.store.is_stale():
            return self
        try:
            return StoreHandle(self.out, self.in_memory)
        except Exception:  # noqa: BLE001 - a half-written generation: try again next job
            return self


def answer(db, job: dict, generation: Path | None = None) -> Reply:
    """Run one job's query on ``db`` and write its answer under the job's row and byte caps. A
    saved question whose answer the generation keeps as a table (kg.answers) is read from there."""
    import pyoxigraph as ox

    result = None
    if job.get("question") and generation is not None:
        from kg.query import answer_from_table

        name, values = job["question"]
        table = answer_from_table(generation, name, values)
        if table is not None:
            result = _Solutions(table)
    try:
        if result is None:
            result = db.query(job["query"], prefixes=PREFIXES, use_default_graph_as_union=True)
    except SyntaxError as e:
        from kg.query import _syntax_error

        return Reply.text(400, str(_syntax_error(job["query"], str(e), None)))
    graph = not isinstance(result, (ox.QueryBoolean, ox.QuerySolutions, _Solutions))
    offered = GRAPH_TYPES if graph else SOLUTION_TYPES
    media = negotiate(job.get("accept"), offered, job.get("format"), graph=graph)
    if media is None:
        return not_acceptable(offered)
    kind = offered[media]
    sink = Sink(job.get("spool"))
    headers = {}
    try:
        if job.get("download") and kind == "csv":
            sink.write(UTF8_BOM)  # so that Excel reads the file as UTF-8
        caps = {"max_rows": job["max_rows"], "max_bytes": job["max_bytes"]}
        if isinstance(result, ox.QueryBoolean):
            write_boolean(sink, kind, bool(result))
            rows, cut = 1, None
        elif isinstance(result, (ox.QuerySolutions, _Solutions)):
            variables = [v.value for v in result.variables]
            n = len(variables)
            rows, cut = write_solutions(sink, kind, variables,
                                        ([s[i] for i in range(n)] for s in result), **caps)
        else:
            rows, cut = write_graph(sink, kind, result, **caps)
    except BaseException:
        sink.reset()
        raise
    headers["X-Result-Rows"] = str(rows)
    if cut:
        headers["X-Result-Truncated"] = cut
        headers["X-Result-Cap"] = str(caps["max_rows"] if cut == "rows" else caps["max_bytes"])
    if job.get("download"):
        headers["Content-Disposition"] = (f'attachment; filename="{job["download"]}.'
                                          f'{EXTENSIONS[kind]}"')
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return sink.finish(Reply(200, media, headers=headers))


class _Solutions:
    """A table's answer (kg.query.Result) with the shape of pyoxigraph's solutions."""

    def __init__(self, result):
        import pyoxigraph as ox

        self.variables = [ox.Variable(v) for v in result.variables]
        self._rows = result.rows

    def __iter__(self):
        return iter(self._rows)


def _limit_self(memory_mb: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server, which stops us
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass


def main(conn, out_dir: str, memory_mb: int | None, in_memory: bool = False) -> None:
    """Open the store, say ``("ready", pid)``, then answer jobs until the socket closes."""
    _limit_self(memory_mb)
    try:
        handle = StoreHandle(Path(out_dir), in_memory)
    except Exception as e:  # noqa: BLE001 - reported to the pool, which raises it
        conn.send(("error", str(e)))
        return
    try:
        conn.send(("ready", os.getpid()))
    except OSError:  # the server stopped while we started
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            handle = handle.fresh()
            try:
                reply = answer(handle.db, job, handle.store.generation_dir)
            except OSError:  # files of an old generation gone: reopen once and retry
                handle = StoreHandle(Path(out_dir), in_memory)
                reply = answer(handle.db, job, handle.store.generation_dir)
        except QueryError as e:
            reply = Reply.text(400, str(e))
        except Exception as e:  # noqa: BLE001 - a query error is an answer, not a crash
            reply = Reply.text(500, f"query failed: {type(e).__name__}: {e}")
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


def entry() -> None:
    """``python -c`` entry: argv = socket fd, OUT folder, memory cap in MB (0: none), 1 for an
    in-memory copy."""
    from multiprocessing.connection import Connection

    fd, out_dir, memory_mb = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    main(Connection(fd), out_dir, memory_mb or None, sys.argv[4:5] == ["1"])
