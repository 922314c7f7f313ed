"""The output folder's generations and the queryable store in each (pyoxigraph on RocksDB).

Layout of an output folder (OUT)::

    OUT/current              a symbolic link to the generation readers use (gens/gen-000007)
    OUT/gens/gen-000007/     one generation: everything one command wrote, complete
        store/               the Oxigraph store: one named graph per report, plus shared graphs
        manifest.json        the reports it holds: name → stamp, graph IRI, what the writer noted
        kg.ttl, nquads/ …    the other outputs, written there by kg.export, kg.views …
    OUT/store, OUT/kg.ttl …  links to current/NAME, one per entry of a generation: made once,
                             they follow every switch
    OUT/store.lock           the writer lock (fcntl.flock), holding the writer's pid
    OUT/parts/               kg.export's per-report pieces, content-addressed (not a generation's)

This module knows quads and generations, not what the other outputs mean: kg.export and kg.views
write their files into :attr:`Store.target` while a writer holds the lock, and they are switched
with the store.

**Write new, then switch.** A writer never touches the generation readers use. It creates the next
generation, clones the current store into it at its first change (RocksDB's table files are
immutable, so they are hard-linked; the small manifest and log files are copied), and when the
``with store.writer():`` block ends normally, writes the manifest, then atomically points
``OUT/current`` at the new generation (``os.replace`` of a symbolic link). A command killed at any
moment therefore leaves the previous generation intact and current; the next writer deletes the
orphan. An exception inside the block discards the new generation: a failed command changes
nothing. The current and the previous generation are kept, so a reader that opened the store just
before a switch keeps working; a long-running reader calls :meth:`Store.is_stale` and reopens.

Inside the new generation, quads are buffered and bulk-loaded (Oxigraph's ``bulk_load``, several
times faster than its transactional writes on disk; N-Quads bytes and file slices go in as they
are, streamed); a changed report's old graph is dropped first. Bulk loads are not transactions, but
nobody reads the new generation before the switch, and a crash discards it whole.

**The manifest** (report name → stamp and graph IRI) is the generation's ``manifest.json``: the
store holds only data, so no bookkeeping triple ever appears in a user's query. Output folders
written by rectkg before generations held everything (``OUT/store → store.gens/gen-N``, the
manifest in the store's default graph) are read as they are and converted by the first writer.

>>> import tempfile
>>> from pyoxigraph import Literal, NamedNode, Quad
>>> out = Path(tempfile.mkdtemp())
>>> g = "https://w3id.org/rectkg/graph/0123456789abcdef"
>>> q = Quad(NamedNode("https://w3id.org/rectkg/id/report/0123456789abcdef"),
...          NamedNode("http://purl.org/dc/terms/source"), Literal("a.txt"), NamedNode(g))
>>> store = Store.open(out)
>>> with store.writer():
...     store.replace_report("a.txt", "ab" * 32, g, [q])
>>> len(store), sorted(store.sources())
(1, ['a.txt'])
>>> store.close()
>>> Store.open(out, read_only=True).manifest()["a.txt"]["graph"] == g
True
"""
from __future__ import annotations

import errno
import fcntl
import io
import json
import os
import re
import shutil
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pyoxigraph as ox
from pyoxigraph import DefaultGraph, NamedNode, Quad

from kg.errors import QueryError, StoreError
from kg.sparql import Result, execute
from kg.vocab import GRAPH_IRI, PREFIXES

CURRENT = "current"
GENS_DIR = "gens"
STORE_DIR = "store"
MANIFEST = "manifest.json"
LOCK_FILE = "store.lock"
# names in OUT that are not links to a generation's outputs
RESERVED = frozenset({CURRENT, GENS_DIR, LOCK_FILE, "parts", "store.gens"})
MANIFEST_FORMAT = 2
_GEN_RE = re.compile(r"^gen-(\d{6,})$")
_KEEP_GENERATIONS = 2
_BUFFER_BYTES = 256 * 2**20   # bulk-load in-memory N-Quads once about this much is waiting
_LOAD_MEMORY_PER_BYTE = 4.8   # Oxigraph's bulk loader: memory ≈ this × one call's N-Quads


def load_call_bytes(memory_mb: int | None) -> int | None:
    """The N-Quads of one bulk_load call for a load kept near ``memory_mb`` (None or 0: one call).

    Oxigraph's bulk loader holds up to ~2 GB a thread, in proportion to one call's input (2.5 M
    quads, 525 MB, in one call: 1.65 GB; in calls of 128 MB: 0.62 GB). Calls cost CPU and store
    size (each call's files overlap the earlier ones'), so a build loads in one call unless told
    (`kg build --load-memory 600` kept a 10k build under 2 GB; NOTES, session 6)."""
    if not memory_mb:
        return None
    return max(2**16, int(memory_mb * 2**20 / _LOAD_MEMORY_PER_BYTE))

# Output folders of rectkg before generations held every output (read, and converted by a writer)
LEGACY_GENS_DIR = "store.gens"
_LEGACY_NS = "https://w3id.org/rectkg/store#"
_LEGACY_OUTPUTS = ("kg.ttl", "kg.ttl.count", "index.html", "views")


@dataclass(frozen=True)
class FileSlice:
    """Bytes ``start:end`` of an N-Quads file (``end`` None: to the end), loaded without reading
    them into Python: a report's own lines in kg.export's piece of it."""

    path: Path
    start: int = 0
    end: int | None = None


class _Chain(io.RawIOBase):
    """One readable stream over N-Quads bytes and file slices, for a single streamed bulk load."""

    def __init__(self, items: Iterable, *, _stop: list | None = None):
        self._items = iter(items)
        self._file = None
        self._left = 0
        self._mem: memoryview | None = None
        # an exception while Oxigraph was reading (Ctrl-C, a failing source of items) is kept
        # and raised after it returns: raised into Oxigraph it would come back changed
        self.error: BaseException | None = None
        self._stop = _stop if _stop is not None else [False]

    @property
    def stop(self) -> bool:
        """Set from another thread: end the load with an error at once (this stream's and those
        of its :meth:`sibling` streams)."""
        return self._stop[0]

    @stop.setter
    def stop(self, value: bool) -> None:
        self._stop[0] = value

    def sibling(self, items: Iterable) -> "_Chain":
        """Another stream of ``items`` that stops when this one is told to."""
        return _Chain(items, _stop=self._stop)

    def load_into(self, db: ox.Store, *, call_bytes: int | None = None) -> None:
        """Bulk-load the stream into ``db`` (N-Quads); what went wrong while reading is raised.

        Where the system has ``/dev/fd``, Oxigraph reads the bytes from a pipe that a thread fills
        with ``os.sendfile`` (the copies run without the GIL): read through this object instead,
        each of Oxigraph's small reads needs the GIL, and a busy main thread (the answer tables)
        made the load twice as slow.

        ``call_bytes``: end a ``bulk_load`` call after the item that brings its input to this
        many bytes and go on in a new one (see :func:`load_call_bytes`; without ``/dev/fd`` the
        load is one call)."""
        if not os.path.isdir("/dev/fd"):
            return self._load_through_python(db)
        self._done = False
        try:
            while not self._done:
                self._load_one_call(db, call_bytes)
        finally:
            self.close()
        if self.error is not None:   # the stream was cut short: the load is not to be kept
            raise self.error

    def _load_one_call(self, db: ox.Store, call_bytes: int | None) -> None:
        r, w = os.pipe()
        feeder = threading.Thread(target=self._feed, args=(w, call_bytes), name="kg-store-feed",
                                  daemon=True)
        feeder.start()
        try:
            db.bulk_load(path=f"/dev/fd/{r}", format=ox.RdfFormat.N_QUADS, lenient=True)
        except (OSError, SyntaxError):
            if self.error is None:
                raise
        finally:
            os.close(r)   # (a feeder still writing gets EPIPE and ends)
            feeder.join()
        if self.error is not None:
            self._done = True

    def _feed(self, w: int, call_bytes: int | None) -> None:
        fed = 0
        try:
            while True:
                if call_bytes is not None and fed >= call_bytes:
                    return   # this call has its share; the next item opens the next call
                if not self._next():
                    self._done = True
                    return
                if self.stop:
                    raise KeyboardInterrupt
                if self._mem is not None:
                    view, self._mem = self._mem, None
                    fed += len(view)
                    while len(view):
                        view = view[os.write(w, view):]
                    continue
                offset = self._file.tell()
                while self._left > 0:
                    if self.stop:
                        raise KeyboardInterrupt
                    n = os.sendfile(w, self._file.fileno(), offset, min(self._left, 1 << 20))
                    if n == 0:
                        break
                    offset += n
                    fed += n
                    self._left -= n
        except BrokenPipeError:
            self._done = True   # Oxigraph stopped reading (its error is raised by load_into)
        except BaseException as e:  # noqa: BLE001 - kept, raised by load_into
            self.error = e
            self._done = True
        finally:
            os.close(w)

    def _load_through_python(self, db: ox.Store) -> None:
        try:
            db.bulk_load(self, format=ox.RdfFormat.N_QUADS, lenient=True)
        except (OSError, SyntaxError):
            if self.error is None:
                raise
        finally:
            self.close()
        if self.error is not None:
            raise self.error

    def readable(self) -> bool:
        return True

    def _next(self) -> bool:
        if self._file is not None:
            self._file.close()
            self._file = None
        item = next(self._items, None)
        if item is None:
            return False
        if isinstance(item, FileSlice):
            self._file = open(item.path, "rb")
            self._file.seek(item.start)
            size = os.fstat(self._file.fileno()).st_size
            self._left = (size if item.end is None else min(item.end, size)) - item.start
            self._mem = None
        else:
            self._mem = memoryview(item)
        return True

    def readinto(self, buf) -> int:
        if self.stop:
            self.error = self.error or KeyboardInterrupt()
            raise OSError("the load was stopped")
        try:
            return self._readinto(buf)
        except BaseException as e:  # noqa: BLE001 - kept, raised by load_into
            self.error = e
            raise OSError("reading the N-Quads failed") from None

    def _readinto(self, buf) -> int:
        while True:
            if self._mem is not None and len(self._mem):
                n = min(len(buf), len(self._mem))
                buf[:n] = self._mem[:n]
                self._mem = self._mem[n:]
                return n
            if self._file is not None and self._left > 0:
                n = self._file.readinto(memoryview(buf)[:min(len(buf), self._left)])
                if n:
                    self._left -= n
                    return n
                self._left = 0
            if not self._next():
                return 0

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def os_error(e: OSError, what: str, where: Path) -> StoreError:
    """An OSError while writing, as a message that says what happened and what is intact (the
    store's own errors carry no errno: RocksDB's message says it)."""
    if e.errno == errno.ENOSPC or (e.errno is None and "No space left on device" in str(e)):
        why = "the disk is full"
    elif e.errno == errno.EROFS:
        why = "the folder is on a read-only file system"
    elif e.errno in (errno.EACCES, errno.EPERM):
        why = "permission denied"
    else:
        why = e.strerror or str(e)
    return StoreError(f"cannot {what}: {why}; nothing was changed, the previous build is intact",
                      source=str(where), hint="free space or fix the permissions, then run the "
                                              "command again (it finishes the work)")


class Store:
    """OUT's store: the current generation for readers, the next one inside ``writer()``."""

    def __init__(self, out_dir: Path, *, read_only: bool):
        self.out_dir = Path(os.path.abspath(out_dir))   # never relative: links are compared
        self.read_only = read_only
        self._db: ox.Store | None = None
        self._gen: Path | None = None          # the generation self._db reads (None: none yet)
        self._store_dir: Path | None = None    # its store folder (a legacy layout: the link target)
        self._legacy = False                   # self._gen is an old-layout store
        self._manifest: dict[str, dict] = {}
        self._info: dict = {}
        self._lock_fd: int | None = None
        self._target: Path | None = None       # the generation being written, inside writer()
        self._writing_store = False            # the target's store is open for writing
        self._pending: list[Quad] = []
        self._pending_nq: list = []            # bytes and FileSlices waiting for a bulk load
        self._pending_bytes = 0
        self._pending_graphs: set[str] = set()
        self._pending_sources: set[str] = set()
        self._graph_holders: dict[str, set[str]] | None = None

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, out_dir: Path, *, read_only: bool = False) -> "Store":
        """Open the store of an output folder (read-only for queries; writes need ``writer()``)."""
        store = cls(Path(out_dir), read_only=read_only)
        for attempt in range(3):
            gen = store._current()
            if gen is None and read_only:
                raise StoreError(f"no store in {store.out_dir}", source=str(store.path),
                                 hint=f"build one first: kg build FILES --out {store.out_dir}")
            try:
                store._open_read(gen)
                return store
            except StoreError:
                # a writer may have switched generations (and dropped this one) meanwhile
                if store._current() == gen or attempt == 2:
                    raise
        return store  # pragma: no cover

    @property
    def path(self) -> Path:
        """``OUT/store``: the link to the current generation's store."""
        return self.out_dir / STORE_DIR

    @property
    def generation(self) -> str | None:
        """The name of the generation this handle reads (e.g. ``gen-000007``), if any."""
        return self._gen.name if self._gen is not None else None

    @property
    def generation_dir(self) -> Path | None:
        """The folder of the generation this handle reads (None for an old-layout store)."""
        return None if self._legacy else self._gen

    @property
    def target(self) -> Path:
        """Inside ``writer()``: the folder of the generation being written, where the other
        outputs of the same command go (switched together with the store)."""
        if self._target is None:
            raise StoreError("no generation is being written", source=str(self.out_dir),
                             hint="write outputs inside `with store.writer():`")
        return self._target

    def _gens_dir(self) -> Path:
        return self.out_dir / GENS_DIR

    def _current(self) -> tuple[Path, bool] | None:
        """(the generation readers use, whether it is an old-layout store) or None."""
        link = self.out_dir / CURRENT
        if link.is_symlink():
            # as the link names it, inside OUT (never resolved: OUT itself may be a link, and
            # paths are compared with the generations listed under OUT/gens)
            gen = Path(os.path.normpath(self.out_dir / os.readlink(link)))
            if (gen / STORE_DIR).is_dir() or (gen / MANIFEST).is_file():
                return gen, False
            return None
        old = self.out_dir / STORE_DIR
        if old.is_symlink() or old.is_dir():
            target = Path(os.path.realpath(old))
            if target.is_dir():
                return target, True
        return None

    def _open_read(self, current: tuple[Path, bool] | None) -> None:
        self._db = None
        self._graph_holders = None
        if current is None:
            self._db, self._gen, self._store_dir, self._legacy = ox.Store(), None, None, False
            self._manifest, self._info = {}, {}
            return
        gen, legacy = current
        store_dir = gen if legacy else gen / STORE_DIR
        try:
            self._db = ox.Store.read_only(str(store_dir)) if store_dir.is_dir() else ox.Store()
        except OSError as e:
            raise StoreError(f"cannot open the store: {e}", source=str(store_dir),
                             hint=f"rebuild it: kg build FILES --out {self.out_dir}") from None
        self._gen, self._store_dir, self._legacy = gen, store_dir, legacy
        manifest = self._manifest_file_data(gen, legacy)
        if manifest is None:
            manifest = {"reports": self._recover_manifest(legacy), "info": {}}
        self._manifest = manifest["reports"]
        self._info = manifest.get("info", {})

    # ------------------------------------------------------------------ manifest
    @staticmethod
    def _manifest_file_data(gen: Path, legacy: bool) -> dict | None:
        path = (gen.parent / f"{gen.name}.manifest.json") if legacy else gen / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or not isinstance(data.get("reports"), dict):
            return None
        if legacy and data.get("generation") != gen.name:
            return None
        return data

    def _recover_manifest(self, legacy: bool) -> dict[str, dict]:
        """The manifest when its file is missing: an old store's default graph, else the report
        graphs' own ``dcterms:source``/``rk:sha256`` (the stamp then names no code version, so
        the next build rebuilds those reports)."""
        rows: dict[str, dict] = {}
        if legacy:
            by_entry: dict[str, dict] = {}
            for q in self._db.quads_for_pattern(None, None, None, DefaultGraph()):
                if q.predicate.value.startswith(_LEGACY_NS):
                    by_entry.setdefault(q.subject.value, {})[q.predicate.value[len(_LEGACY_NS):]] = \
                        q.object.value
            for fields in by_entry.values():
                if "source" in fields:
                    rows[fields["source"]] = {"sha256": fields.get("sha256", ""),
                                              "graph": fields.get("graph", "")}
            if rows:
                return rows
        found = execute(self._db, "SELECT ?g ?src ?sha WHERE { GRAPH ?g { ?r a rk:Report ; "
                                  "dcterms:source ?src ; rk:sha256 ?sha } }",
                        use_default_graph_as_union=False)
        for g, src, sha in found.rows:
            rows[src.value] = {"sha256": sha.value, "graph": g.value}
        return rows

    def manifest(self) -> dict[str, dict]:
        """Report name → ``{"sha256": stamp, "graph": graph IRI, …}`` for every report."""
        return {k: dict(v) for k, v in self._manifest.items()}

    def sources(self) -> set[str]:
        """The names (``dcterms:source``) of the reports in the store."""
        return set(self._manifest)

    def info(self) -> dict:
        """What the writer of this generation noted about it (see :meth:`set_info`)."""
        return json.loads(json.dumps(self._info))

    def set_info(self, key: str, value) -> None:
        """Note a JSON value about the generation being written (kept in its manifest)."""
        self._require_writer()
        self._info[key] = value

    # ------------------------------------------------------------------ state
    @property
    def changed(self) -> bool:
        """True inside ``writer()`` once the store itself was changed."""
        return self._writing_store

    @property
    def writing(self) -> bool:
        """True inside ``writer()`` (this handle holds the writer lock)."""
        return self._lock_fd is not None

    def is_stale(self) -> bool:
        """True when a writer has switched OUT to a newer generation since this opened."""
        if self._target is not None:
            return False
        cur = self._current()
        return (cur[0] if cur else None) != self._gen

    def reopen(self) -> None:
        """Reopen on the current generation (for long-running readers such as a server)."""
        if self._lock_fd is not None:
            raise StoreError("cannot reopen inside writer()", source=str(self.path))
        self._open_read(self._current())

    def close(self) -> None:
        """Release the database (and the writer lock, if held)."""
        self._db = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def db(self) -> ox.Store:
        """The underlying ``pyoxigraph.Store`` (inside writer(), it sees the writer's changes)."""
        if self._db is None:
            raise StoreError("the store is closed", source=str(self.path),
                             hint="open it again with Store.open(OUT)")
        if self._pending or self._pending_nq:
            self._flush_pending()
        return self._db

    # ------------------------------------------------------------------ reading
    def graphs(self) -> list[str]:
        """The IRIs of the named graphs, sorted."""
        return sorted(g.value for g in self.db.named_graphs() if isinstance(g, NamedNode))

    def query(self, sparql: str, *, timeout: float | None = None, limit: int | None = None,
              use_default_graph_as_union: bool = True, allow_service: bool = False) -> Result:
        """Run a SPARQL query (never an update) and return its materialised result.

        Prefixes from :data:`kg.vocab.PREFIXES` may be used without declaring them.
        """
        return execute(self.db, sparql, timeout=timeout, limit=limit,
                       use_default_graph_as_union=use_default_graph_as_union,
                       allow_service=allow_service)

    def quads(self) -> Iterator[Quad]:
        """Every quad (all of them are in named graphs)."""
        for q in self.db.quads_for_pattern(None, None, None, None):
            if not isinstance(q.graph_name, DefaultGraph):
                yield q

    def report_quads(self, source: str) -> list[Quad]:
        """The quads of one report's graph."""
        entry = self._manifest.get(source)
        if entry is None:
            raise StoreError(f"not in the store: {source}", source=str(self.out_dir))
        return list(self.db.quads_for_pattern(None, None, None, NamedNode(entry["graph"])))

    def dump(self, graph: str | None = None) -> bytes:
        """N-Quads of the whole store, or N-Triples of one graph (written by Oxigraph)."""
        if graph is not None:
            return self.db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=NamedNode(graph))
        data = self.db.dump(format=ox.RdfFormat.N_QUADS)
        if self._legacy:  # an old store's manifest triples are not data
            meta = f"<{_LEGACY_NS}".encode()
            data = b"".join(line + b"\n" for line in data.split(b"\n") if line and meta not in line)
        return data

    def __len__(self) -> int:
        """The number of quads (an old store's manifest triples are not counted)."""
        n = len(self.db)
        if self._legacy:
            n -= sum(1 for _ in self.db.quads_for_pattern(None, None, None, DefaultGraph()))
        return n

    def to_memory(self, files: list[Path] | None = None) -> "Store":
        """A read-only copy of this store in memory that answers like it (``query()`` sees the
        union of the graphs, ``manifest()`` is the same): for notebooks and many fast queries.

        Terms read back from memory cost under 1 µs, against 8–50 µs off the on-disk store. The
        copy is parsed from N-Quads files where there are some (``files``, else the generation's
        ``nquads/`` folder, written with the store and holding its quads), several times faster
        than reading the quads back off the store.
        """
        if files is None and self.generation_dir is not None and self._target is None:
            folder = self.generation_dir / "nquads"
            files = sorted(folder.glob("*.nq")) if folder.is_dir() else None
        mem = ox.Store()
        try:
            if files:
                _Chain([FileSlice(Path(f)) for f in files]).load_into(mem)
            else:
                mem.bulk_load(self.dump(), format=ox.RdfFormat.N_QUADS, lenient=True)
        except (SyntaxError, OSError) as e:
            raise StoreError(f"cannot copy the store into memory: {e}", source=str(self.path),
                             hint=f"rebuild it with kg build FILES --out {self.out_dir}") from None
        copy = Store(self.out_dir, read_only=True)
        copy._db, copy._gen, copy._store_dir = mem, self._gen, None
        copy._manifest, copy._info = self.manifest(), self.info()
        return copy

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"<Store {self.out_dir} {mode} gen={self.generation}>"

    # ------------------------------------------------------------------ writing
    @contextmanager
    def writer(self, *, wait: float = 0):
        """Hold the exclusive writer lock and write the next generation; the store and every
        output written into :attr:`target` become visible together when the block ends.

        A second writer (another build on the same OUT) waits up to ``wait`` seconds, then raises
        :class:`StoreError`. An exception inside the block discards the new generation. A block
        that changes nothing and writes nothing makes no generation.
        """
        if self.read_only:
            raise StoreError("the store was opened read-only", source=str(self.path),
                             hint="open it with Store.open(OUT) to write")
        if self._lock_fd is not None:  # re-entrant: the outer block commits
            yield self
            return
        self._acquire_lock(wait)
        try:
            self._open_read(self._current())  # the latest committed state
            self._repair()
            try:
                self._begin()
                yield self
            except BaseException as e:
                self._rollback()
                if isinstance(e, OSError):  # writing an output (kg.ttl, a table) into OUT failed
                    raise os_error(e, "write the new generation", self.out_dir) from None
                raise
            try:
                self._commit()
            except BaseException as e:
                if self._target is not None:  # failed before the switch: nothing changed
                    self._rollback()
                if isinstance(e, OSError):
                    raise os_error(e, "write the new generation", self.out_dir) from None
                raise
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def _require_writer(self) -> None:
        if self._lock_fd is None or self._target is None:
            raise StoreError("changes need the writer lock", source=str(self.path),
                             hint="wrap them in `with store.writer():`")

    def _acquire_lock(self, wait: float) -> None:
        lock_path = self.out_dir / LOCK_FILE
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise os_error(e, "take the writer lock", lock_path) from None
        deadline = time.monotonic() + max(wait, 0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    os.close(fd)
                    raise StoreError(f"cannot lock the store: {e}", source=str(lock_path)) from None
                if time.monotonic() >= deadline:
                    pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
                    os.close(fd)
                    waited = f" (waited {wait:g} s)" if wait > 0 else ""
                    raise StoreError(
                        f"another build (pid {pid}) is writing {self.out_dir}{waited}",
                        source=str(self.out_dir),
                        hint="wait for it to finish, or run again with a longer --wait") from None
                time.sleep(min(0.05, max(deadline - time.monotonic(), 0.001)))
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # (the pid is only for the message of a refused second writer)
        self._lock_fd = fd

    def _generations(self) -> list[tuple[int, Path]]:
        gens = []
        if self._gens_dir().is_dir():
            for entry in os.scandir(self._gens_dir()):
                m = _GEN_RE.match(entry.name)
                if m and entry.is_dir(follow_symlinks=False):
                    gens.append((int(m.group(1)), Path(entry.path)))
        return sorted(gens)

    def _repair(self) -> None:
        """Finish what a killed writer left: drop generations newer than the current one (never
        switched to), and make the links of OUT name the current generation's outputs."""
        current = self._gen if not self._legacy else None
        current_n = next((n for n, p in self._generations() if _same(p, current)), -1)
        for n, p in self._generations():
            if n > current_n:
                shutil.rmtree(p, ignore_errors=True)
        if self._gens_dir().is_dir():
            for entry in os.scandir(self._gens_dir()):
                if entry.name.startswith("."):  # a killed writer's temporary
                    _remove(Path(entry.path))
        for entry in os.scandir(self.out_dir):
            if entry.name.startswith(f".{CURRENT}.") or entry.name.startswith(".link-"):
                _remove(Path(entry.path))
        if current is not None:
            try:
                self._link_outputs(current)
            except OSError as e:
                raise os_error(e, "repair the links of the output folder", self.out_dir) from None

    def _begin(self) -> None:
        gens = self._generations()
        gens_dir = self._gens_dir()
        try:
            gens_dir.mkdir(exist_ok=True)
            self._target = gens_dir / f"gen-{max([n for n, _ in gens] + [0]) + 1:06d}"
            self._target.mkdir()
        except OSError as e:
            self._target = None
            raise os_error(e, "start a new generation", gens_dir) from None
        self._writing_store = False
        self._info = dict(self._info)

    def _open_store_for_writing(self, *, fresh: bool = False) -> ox.Store:
        """Make the target's store: a clone of the current one (or empty), open for writing."""
        self._require_writer()
        if self._writing_store:
            return self._db
        dst = self._target / STORE_DIR
        self._db = None  # drop the read-only handle first
        try:
            if self._store_dir is not None and self._store_dir.is_dir() and not fresh:
                _clone(self._store_dir, dst)
            self._db = ox.Store(str(dst))
        except OSError as e:
            shutil.rmtree(dst, ignore_errors=True)
            self._open_read(self._current())
            raise os_error(e, "start a new store generation", dst) from None
        if fresh:
            self._manifest = {}
        elif self._legacy:  # an old store kept its manifest in the default graph: not data
            self._db.remove_graph(DefaultGraph())
        self._graph_holders = None
        self._writing_store = True
        return self._db

    def start_fresh(self) -> None:
        """Inside ``writer()``, before any change: the new generation's store starts empty (no
        reports; the caller adds every report it keeps): a full rebuild loads faster into an
        empty store than into a clone whose every graph it must drop first."""
        self._require_writer()
        if self._writing_store:
            raise StoreError("start_fresh() must come before any change", source=str(self.path))
        self._open_store_for_writing(fresh=True)

    def carry(self, names: Iterable[str] | None = None) -> list[str]:
        """Inside ``writer()``: hard-link outputs of the current generation into the new one
        (``names``; default every output but the store and the manifest) where the new one has
        none of that name yet. Writers replace files (write aside, rename), never edit them in
        place, so the two generations can share them. Returns the names carried."""
        self._require_writer()
        if self._gen is None or self._legacy:
            return []
        wanted = None if names is None else set(names)
        done = []
        for entry in sorted(os.scandir(self._gen), key=lambda e: e.name):
            name = entry.name
            if name in (STORE_DIR, MANIFEST) or name.startswith("."):
                continue
            if wanted is not None and name not in wanted:
                continue
            if os.path.lexists(self._target / name):
                continue
            try:
                _link_tree(Path(entry.path), self._target / name)
            except OSError as e:
                raise os_error(e, f"carry {name} into the new generation", self._target) from None
            done.append(name)
        return done

    def _flush_pending(self) -> None:
        """Bulk-load the buffered quads (fast, not transactional: the generation is not visible
        to anyone until the writer commits, and a crash discards it whole)."""
        pending, self._pending = self._pending, []
        nquads, self._pending_nq = self._pending_nq, []
        self._pending_bytes = 0
        self._pending_graphs.clear()
        self._pending_sources.clear()
        try:
            if pending:
                self._db.bulk_extend(pending)
            if nquads:
                _Chain(nquads).load_into(self._db)
        except SyntaxError as e:
            raise StoreError(f"the N-Quads of a report do not parse: {e}",
                             source=str(self._target)) from None
        except OSError as e:
            raise os_error(e, "write the store", self._target) from None

    def _holders(self) -> dict[str, set[str]]:
        """Graph IRI → the reports whose manifest entry names it (usually one)."""
        if self._graph_holders is None:
            holders: dict[str, set[str]] = {}
            for src, e in self._manifest.items():
                holders.setdefault(e["graph"], set()).add(src)
            self._graph_holders = holders
        return self._graph_holders

    @staticmethod
    def _checked(source: str, graph: str, quads):
        """The report's data, every quad in ``graph``: Quads, N-Quads bytes or a FileSlice."""
        if not source:
            raise StoreError("a report needs a name", hint="pass the file's name")
        if not graph.startswith(("http://", "https://", "urn:")):
            raise StoreError(f"graph {graph!r} is not an IRI", source=source)
        if isinstance(quads, FileSlice):
            return [], quads
        if isinstance(quads, str):
            quads = quads.encode("utf-8")
        if isinstance(quads, (bytes, bytearray, memoryview)):
            data = bytes(quads)
            tail = f" <{graph}> .".encode()
            lines = data.count(b"\n") + (not data.endswith(b"\n") and bool(data))
            if data.count(tail + b"\n") + data.endswith(tail) != lines:
                for line in data.split(b"\n"):  # name the line that is not in the graph
                    line = line.rstrip(b"\r")
                    if line and not line.endswith(tail):
                        raise StoreError(f"an N-Quads line is not in the report's graph {graph}: "
                                         f"{line[:120].decode('utf-8', 'replace')}", source=source,
                                         hint="give every quad of a report its graph")
            return [], data if data.endswith(b"\n") or not data else data + b"\n"
        g = NamedNode(graph)
        add: list[Quad] = []
        for q in quads:
            gn = q.graph_name
            if isinstance(gn, DefaultGraph):
                q = Quad(q.subject, q.predicate, q.object, g)
            elif gn != g:
                raise StoreError(f"a quad is in graph {gn.value}, not the report's graph {graph}",
                                 source=source, hint="give every quad of a report its graph")
            add.append(q)
        return add, b""

    def replace_report(self, source: str, sha256: str, graph: str, quads, *,
                       extra: dict | None = None) -> None:
        """Drop the report's old graph (found by name) and add the new one.

        ``quads``: pyoxigraph Quads (default-graph ones are put in ``graph``), the report's
        N-Quads as bytes, or a :class:`FileSlice` of an N-Quads file (the fastest: streamed into
        one bulk load). ``extra``: JSON values kept in the report's manifest entry. Other
        processes see the change when the writer block ends, with every other change of it.
        """
        self.replace_reports([(source, sha256, graph, quads, extra)])

    def replace_reports(self, reports: Iterable[tuple]) -> None:
        """Replace several reports: tuples ``(name, stamp, graph, quads[, extra])``."""
        with self._auto_writer():
            self._open_store_for_writing()
            holders = self._holders()
            for item in reports:
                source, sha256, graph, quads = item[:4]
                extra = item[4] if len(item) > 4 else None
                add, nquads = self._checked(source, graph, quads)
                old = self._manifest.get(source)
                drops = []
                if old is not None:
                    holders.get(old["graph"], set()).discard(source)
                    if not holders.get(old["graph"]):
                        holders.pop(old["graph"], None)
                        drops.append(old["graph"])
                if not holders.get(graph) and graph not in drops:
                    drops.append(graph)  # leftovers under the new name (normally none)
                self._apply(drops, add, touched={source} if old is not None else set(),
                            nquads=nquads, graph=graph)
                holders.setdefault(graph, set()).add(source)
                entry = dict(extra or {})
                entry.update({"sha256": sha256, "graph": graph})
                self._manifest[source] = entry
                self._pending_sources.add(source)

    def stream_reports(self, items: Iterable[tuple], *, chain: "_Chain | None" = None,
                       call_bytes: int | None = None, streams: int = 1) -> None:
        """Load reports whose graphs are not in the store (new ones, or dropped before) in
        streamed bulk loads that pull ``(name, stamp, graph, FileSlice, extra)`` from ``items``
        as they go: ``items`` may wait for work another thread is doing (the build's workers), so the
        load runs beside them. An item whose name is None is a graph that is not a report's (the
        shared entities'), absent from the store, and its data N-Quads naming it: loaded in the
        same stream rather than in a call of its own after it. ``chain``: a ``_Chain`` to stop
        the load from another thread (``chain.stop = True``). ``call_bytes``: see
        :func:`load_call_bytes` (None: one call).

        ``streams``: bulk loads run side by side, each taking the next item as it is ready (with
        ``call_bytes`` None). Oxigraph's loader parses on one thread and sorts each ~1 M-quad
        batch on another, so one load keeps two cores busy only in its middle; two at 1,000
        reports (2.5 M quads) took 11 s instead of 15 s for ~0.4 GB more (NOTES, session 9).
        Each holds its own batches: beyond a few million quads they cost memory one does not."""
        self._require_writer()
        self._open_store_for_writing()
        self._flush_pending()
        holders = self._holders()

        def slices():
            for name, stamp, graph, data, extra in items:
                if name is None:
                    if holders.get(graph):
                        raise StoreError(f"{graph} is a report's graph", source=str(self.path))
                    yield data
                    continue
                if name in self._manifest or holders.get(graph):
                    raise StoreError(f"{name}: its graph {graph} is already in the store",
                                     source=str(self._target),
                                     hint="drop it first (remove_reports) or use replace_report")
                holders.setdefault(graph, set()).add(name)
                entry = dict(extra or {})
                entry.update({"sha256": stamp, "graph": graph})
                self._manifest[name] = entry
                yield data

        stream = chain if chain is not None else _Chain([])
        if call_bytes is not None:
            streams = 1   # calls are cut from one stream
        source, lock = slices(), threading.Lock()

        def shared():   # one stream's items: the next of them all, whichever stream asks
            while True:
                with lock:
                    item = next(source, None)
                if item is None:
                    return
                yield item

        chains = [stream] + [stream.sibling([]) for _ in range(streams - 1)]
        errors: list = []   # the first is the cause; the others' are their being stopped for it

        def load(k: int) -> None:
            chains[k]._items = shared()
            try:
                chains[k].load_into(self._db, call_bytes=call_bytes)
            except BaseException as e:  # noqa: BLE001 - raised below, the others stopped first
                errors.append(e)   # (not under ``lock``: a stream may hold it, waiting for items)
                stream.stop = True

        threads = [threading.Thread(target=load, args=(k,), name=f"kg-store-load-{k}", daemon=True)
                   for k in range(1, len(chains))]
        for t in threads:
            t.start()
        load(0)
        for t in threads:
            t.join()
        if errors and isinstance(errors[0], OSError):
            raise os_error(errors[0], "write the store", self._target) from None
        if errors:
            raise errors[0]

    def remove_report(self, source: str) -> None:
        """Remove one report's graph and manifest entry."""
        self.remove_reports([source])

    def remove_reports(self, sources: Iterable[str]) -> None:
        """Remove several reports; unknown names are an error."""
        sources = list(dict.fromkeys(sources))
        unknown = [s for s in sources if s not in self._manifest]
        if unknown:
            raise StoreError(f"not in the store: {', '.join(unknown)}", source=str(self.out_dir),
                             hint=f"`kg query reports --out {self.out_dir}` lists the reports")
        with self._auto_writer():
            self._open_store_for_writing()
            holders = self._holders()
            for s in sources:
                e = self._manifest[s]
                holders.get(e["graph"], set()).discard(s)
                drops = []
                if not holders.get(e["graph"]):
                    holders.pop(e["graph"], None)
                    drops.append(e["graph"])
                self._apply(drops, [], touched={s})
                del self._manifest[s]

    def replace_graph(self, graph: str, data) -> None:
        """Replace a named graph that is not a report's (the shared entities', the analysis').

        ``data``: Quads (their graph is ignored), Triples, N-Triples bytes, or a FileSlice of
        N-Quads already naming ``graph``.
        """
        if not graph.startswith(("http://", "https://", "urn:")):
            raise StoreError(f"graph {graph!r} is not an IRI", source=str(self.path))
        if graph in self._holders():
            raise StoreError(f"{graph} is a report's graph", source=str(self.path),
                             hint="replace reports with replace_report")
        with self._auto_writer():
            self._open_store_for_writing()
            if isinstance(data, (bytes, bytearray)):
                self._apply([graph], [])
                if data:
                    self._flush_pending()
                    try:
                        self._db.bulk_load(bytes(data), format=ox.RdfFormat.N_TRIPLES,
                                           to_graph=NamedNode(graph), lenient=True)
                    except SyntaxError as e:
                        raise StoreError(f"the triples for {graph} do not parse: {e}") from None
                    except OSError as e:
                        raise os_error(e, "write the store", self._target) from None
                return
            if isinstance(data, FileSlice):
                self._apply([graph], [], nquads=data, graph=graph)
                return
            g = NamedNode(graph)
            adds = [Quad(q.subject, q.predicate, q.object, g) for q in data]
            self._apply([graph], adds, graph=graph)

    def remove_graph(self, graph: str) -> None:
        """Remove a named graph that is not a report's (a report goes with remove_report)."""
        if graph in self._holders():
            raise StoreError(f"{graph} is a report's graph", source=str(self.path),
                             hint="remove reports with remove_report (kg remove)")
        with self._auto_writer():
            self._open_store_for_writing()
            self._apply([graph], [])

    def _apply(self, drops: list[str], adds: list[Quad], touched: set[str] = frozenset(),
               nquads=b"", graph: str | None = None) -> None:
        """Drop graphs now; buffer the additions for a bulk load."""
        if set(drops) & self._pending_graphs or touched & self._pending_sources:
            self._flush_pending()  # what is removed may still sit in the buffer
        try:
            for g in dict.fromkeys(drops):
                self._db.remove_graph(NamedNode(g))
        except OSError as e:
            raise os_error(e, "write the store", self._target) from None
        self._pending.extend(adds)
        if nquads:
            self._pending_nq.append(nquads)
            if not isinstance(nquads, FileSlice):
                self._pending_bytes += len(nquads)
        if graph is not None:
            self._pending_graphs.add(graph)
        if self._pending_bytes >= _BUFFER_BYTES or len(self._pending) >= 300_000:
            self._flush_pending()

    @contextmanager
    def _auto_writer(self):
        if self._lock_fd is not None:
            yield
        else:
            with self.writer():
                yield

    def load_nquads(self, path: Path) -> int:
        """Load an N-Quads file (e.g. a shard from ``kg build --shard``); returns quads read.

        Each report graph in the file replaces the graph of the same name, its manifest entry
        made from the report's own ``dcterms:source`` and ``rk:sha256``; other graphs are added to.
        """
        staging = ox.Store()
        try:
            staging.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError) as e:
            raise StoreError(f"cannot load: {e}", source=str(path),
                             hint="pass an N-Quads file written by kg build --shard") from None
        found = execute(staging, "SELECT ?g ?src ?sha WHERE { GRAPH ?g { ?r a rk:Report ; "
                                 "dcterms:source ?src ; rk:sha256 ?sha } }",
                        use_default_graph_as_union=False)
        reports, seen = [], set()
        for g, src, sha in found.rows:
            seen.add(g.value)
            reports.append((src.value, sha.value, g.value,
                            list(staging.quads_for_pattern(None, None, None, g))))
        other = [q for q in staging if not isinstance(q.graph_name, DefaultGraph)
                 and q.graph_name.value not in seen]
        with self._auto_writer():
            self.replace_reports(reports)
            if other:
                self._flush_pending()
                self._db.extend(other)
        return len(staging)

    # ------------------------------------------------------------------ commit
    def _commit(self) -> None:
        target = self._target
        wrote_files = any(e.name not in (STORE_DIR,) for e in os.scandir(target))
        if not self._writing_store and not wrote_files and not self._info_changed():
            self._rollback()  # nothing changed: nothing to switch
            return
        if self._writing_store:
            if self._pending or self._pending_nq:
                self._flush_pending()
            self._db.flush()
        else:
            self._open_store_for_writing()  # the outputs changed, the store did not: a clone
        self._db = None  # closes RocksDB
        self._write_manifest(target)
        _fsync_tree(target)
        blocked = _block_signals()
        try:
            self._point_current_at(target)
            self._target = None
            self._link_outputs(target)
        finally:
            _unblock_signals(blocked)
        self._writing_store = False
        was_legacy = self._legacy
        keep = [p for _, p in self._generations()[-_KEEP_GENERATIONS:]] + [target]
        for _, p in self._generations():
            if not any(_same(p, k) for k in keep):
                shutil.rmtree(p, ignore_errors=True)
        if was_legacy:
            self._drop_legacy()
        self._open_read(self._current())

    def _info_changed(self) -> bool:
        if self._gen is None:
            return bool(self._info)
        old = self._manifest_file_data(self._gen, self._legacy) or {}
        return old.get("info", {}) != self._info

    def _write_manifest(self, gen: Path) -> None:
        path = gen / MANIFEST
        tmp = gen / f".{MANIFEST}.tmp"
        data = json.dumps({"format": MANIFEST_FORMAT, "generation": gen.name,
                           "reports": dict(sorted(self._manifest.items())), "info": self._info},
                          ensure_ascii=False, indent=0, sort_keys=False)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _point_current_at(self, gen: Path) -> None:
        tmp = self.out_dir / f".{CURRENT}.{os.getpid()}"
        _remove(tmp)
        os.symlink(os.path.relpath(gen, self.out_dir), tmp)
        os.replace(tmp, self.out_dir / CURRENT)
        _fsync_dir(self.out_dir)

    def _link_outputs(self, gen: Path) -> None:
        """Make ``OUT/NAME`` a link to ``current/NAME`` for each output of the generation, and
        drop links to outputs it does not have (an old layout's files are replaced)."""
        names = {e.name for e in os.scandir(gen)
                 if e.name != MANIFEST and not e.name.startswith(".") and e.name not in RESERVED}
        for name in sorted(names):
            link, want = self.out_dir / name, f"{CURRENT}/{name}"
            if link.is_symlink() and os.readlink(link) == want:
                continue
            tmp = self.out_dir / f".link-{name}.{os.getpid()}"
            _remove(tmp)
            os.symlink(want, tmp)
            if link.is_dir() and not link.is_symlink():  # an old layout's folder
                aside = self.out_dir / f".link-{name}.old.{os.getpid()}"
                os.rename(link, aside)
                os.replace(tmp, link)
                shutil.rmtree(aside, ignore_errors=True)
            else:
                os.replace(tmp, link)
        for entry in os.scandir(self.out_dir):
            if entry.is_symlink() and entry.name not in names and entry.name not in RESERVED:
                try:
                    if os.readlink(entry.path).startswith(f"{CURRENT}/"):
                        os.unlink(entry.path)
                except OSError:
                    pass
        _fsync_dir(self.out_dir)

    def _drop_legacy(self) -> None:
        """After the first switch of an old-layout folder: its store generations and outputs."""
        shutil.rmtree(self.out_dir / LEGACY_GENS_DIR, ignore_errors=True)
        for name in _LEGACY_OUTPUTS:
            p = self.out_dir / name
            if not p.is_symlink() and p.exists():
                _remove(p)

    def _rollback(self) -> None:
        target = self._target
        self._target = None
        self._pending, self._pending_nq, self._pending_bytes = [], [], 0
        self._pending_graphs, self._pending_sources = set(), set()
        self._db = None
        self._writing_store = False
        if target is not None:
            shutil.rmtree(target, ignore_errors=True)
        self._open_read(self._current())


# ---------------------------------------------------------------------------- file helpers
def _same(a: Path | None, b: Path | None) -> bool:
    """The same folder, however each path reaches it (OUT may be given through a link)."""
    if a is None or b is None:
        return False
    return os.path.realpath(a) == os.path.realpath(b)


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass


def _clone(src: Path, dst: Path) -> None:
    """A RocksDB folder's copy: table files hard-linked (immutable), the rest copied."""
    dst.mkdir()
    for entry in os.scandir(src):
        name = entry.name
        if name == "LOCK" or name.startswith("LOG") or not entry.is_file():
            continue
        if name.endswith((".sst", ".blob")):
            try:
                os.link(entry.path, dst / name)  # immutable once written: share it
                continue
            except OSError as e:
                if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                    raise
        shutil.copy2(entry.path, dst / name)


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link a file, or a folder's files (folders made anew), falling back to copies."""
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
    elif src.is_dir():
        dst.mkdir()
        for entry in os.scandir(src):
            _link_tree(Path(entry.path), dst / entry.name)
    else:
        try:
            os.link(src, dst)
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise
            shutil.copy2(src, dst)


def _fsync_tree(root: Path) -> None:
    """fsync a generation's folders (their files were synced by whoever wrote them)."""
    for dirpath, _, _ in os.walk(root):
        _fsync_dir(Path(dirpath))


def _block_signals():
    """Hold Ctrl-C and SIGTERM while OUT switches (delivered right after)."""
    try:
        return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    except (AttributeError, ValueError, OSError):  # pragma: no cover
        return None


def _unblock_signals(previous) -> None:
    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# ---------------------------------------------------------------------------- functions
def graph_iri(key: str) -> str:
    """The named graph of the report whose key is ``key``.

    >>> graph_iri("0123456789abcdef")
    'https://w3id.org/rectkg/graph/0123456789abcdef'
    """
    return GRAPH_IRI + key


def open_store(out_dir: Path, *, read_only: bool = True) -> Store:
    """Open OUT's store, by default read-only (the usual case for commands that read the graph)."""
    return Store.open(Path(out_dir), read_only=read_only)


def load_graph_file(path: Path | str) -> ox.Store:
    """Read an RDF file (Turtle, TriG, N-Quads, N-Triples, RDF/XML; by extension) into an
    in-memory pyoxigraph store, or raise StoreError naming the file."""
    path = Path(path)
    if not path.is_file():
        raise StoreError("no graph file here", source=str(path),
                         hint="run `kg build data/corpus --out out/` first, or pass --out DIR")
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".").lower()) or ox.RdfFormat.TURTLE
    store = ox.Store()
    try:
        store.bulk_load(path=str(path), format=fmt)
    except (SyntaxError, ValueError, OSError) as e:
        raise StoreError(f"cannot be parsed ({e})", source=str(path),
                         hint="rebuild it with `kg build`") from None
    return store


__all__ = ["Store", "StoreError", "QueryError", "FileSlice", "graph_iri", "open_store",
           "load_graph_file", "PREFIXES"]
