"""The on-disk store: pyoxigraph (RocksDB) under ``OUT/store``, one named graph per report.

Layout of an output folder::

    OUT/store              a symbolic link to the current generation, e.g. store.gens/gen-000007
    OUT/store.gens/        the generations: complete RocksDB directories
    OUT/store.lock         the writer lock (fcntl.flock), holding the writer's pid
    OUT/parts/             a cache: each report graph's share of OUT/kg.ttl, rendered when the
                           report was built (see kg.export), named by the report's stamp

**Write new, then switch.** A writer never touches the generation readers use. At its first
change it clones the current generation (RocksDB's table files are immutable, so they are
hard-linked; the small manifest and log files are copied) into the next generation, writes
there, flushes, and when the ``with store.writer():`` block ends normally, atomically points
``OUT/store`` at it (``os.replace`` of a symbolic link). A build killed at any moment therefore
leaves the previous generation intact and current; the next writer deletes the orphan. An
exception inside the block discards the new generation: a failed build changes nothing.
The current and the previous generation are kept, so a reader that opened the store just
before a switch keeps working; a long-running reader calls :meth:`Store.is_stale` and reopens.

Inside the new generation, quads are buffered and bulk-loaded (Oxigraph's ``bulk_extend``, about
4× faster than its transactional ``extend`` on disk; a report's N-Quads bytes go in as they are);
a changed report's old graph is dropped first. Bulk loads are not transactions, but nobody reads the new generation before the switch,
and a crash discards it whole, so no reader can ever see half a report.

**The manifest** (source name → sha256 and graph IRI) lives in the store's *default graph*, so it
is switched together with the data it describes. Report data lives only in named graphs; the
default graph is reserved for the manifest (SPARQL over the union sees its three triples per
report, under ``https://w3id.org/rectkg/store#``; exports leave them out).

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
import hashlib
import os
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator
from urllib.parse import quote

import pyoxigraph as ox
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad

from kg.errors import QueryError, StoreError
from kg.vocab import GRAPH_IRI, PREFIXES

if TYPE_CHECKING:  # pragma: no cover
    from kg.query import Result

STORE_NS = "https://w3id.org/rectkg/store#"
ENTRY_IRI = "https://w3id.org/rectkg/store/source/"
_SOURCE = NamedNode(STORE_NS + "source")
_SHA256 = NamedNode(STORE_NS + "sha256")
_GRAPH = NamedNode(STORE_NS + "graph")
_META_PREDICATES = (_SOURCE, _SHA256, _GRAPH)

STORE_DIR = "store"
GENS_DIR = "store.gens"
LOCK_FILE = "store.lock"
PARTS_DIR = "parts"  # the kg.ttl part of each report (see kg.export), a cache
_GEN_RE = re.compile(r"^gen-(\d{6,})$")
_KEEP_GENERATIONS = 2
_BUFFER_QUADS = 300_000  # bulk-load in batches of about this many quads


def _entry(source: str) -> NamedNode:
    return NamedNode(ENTRY_IRI + quote(source, safe=""))


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Store:
    """The on-disk store under OUT/store: pyoxigraph (RocksDB), one named graph per report."""

    def __init__(self, out_dir: Path, *, read_only: bool):
        self.out_dir = Path(out_dir)
        self.read_only = read_only
        self._db: ox.Store | None = None
        self._gen: Path | None = None         # the generation self._db reads
        self._manifest: dict[str, dict] = {}
        self._lock_fd: int | None = None      # held while inside writer()
        self._write_gen: Path | None = None   # the generation being written, once cloned
        self._pending: list[Quad] = []        # quads to bulk-load into the write generation
        self._pending_nq: list[bytes] = []    # N-Quads to bulk-load into it
        self._pending_size = 0
        self._graph_holders: dict[str, set[str]] | None = None
        self._pending_graphs: set[str] = set()
        self._pending_sources: set[str] = set()

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, out_dir: Path, *, read_only: bool = False) -> "Store":
        """Open the store of an output folder (read-only for queries; writes need ``writer()``)."""
        store = cls(Path(out_dir), read_only=read_only)
        gen = store._current_generation()
        if gen is None and read_only:
            raise StoreError(f"no store in {store.out_dir}",
                             source=str(store.out_dir / STORE_DIR),
                             hint=f"build one first: kg build FILES --out {store.out_dir}")
        for attempt in range(3):
            try:
                store._open_read(gen)
                return store
            except StoreError:
                # A build may have switched generations between resolving and opening.
                newer = store._current_generation()
                if newer == gen or attempt == 2:
                    raise
                gen = newer
        return store  # pragma: no cover

    @property
    def path(self) -> Path:
        """``OUT/store``: the link to the current generation."""
        return self.out_dir / STORE_DIR

    def _gens_dir(self) -> Path:
        return self.out_dir / GENS_DIR

    def _current_generation(self) -> Path | None:
        link = self.path
        if link.is_symlink():
            target = Path(os.path.realpath(link))
            return target if target.is_dir() else None
        if link.is_dir():  # a plain directory (made by hand or by an older rectkg)
            return link
        return None

    def _open_read(self, gen: Path | None) -> None:
        self._db = None
        if gen is None:
            self._db, self._gen = ox.Store(), None  # nothing built yet: empty, in memory
        else:
            try:
                self._db = ox.Store.read_only(str(gen))
            except OSError as e:
                raise StoreError(f"cannot open the store: {e}", source=str(gen),
                                 hint="rebuild it with kg build FILES --out "
                                      f"{self.out_dir} after moving {self.path} away") from None
            self._gen = gen
        self._manifest = self._cached_manifest(gen) if gen is not None else None
        if self._manifest is None:
            self._manifest = self._read_manifest()
        self._graph_holders = None

    @staticmethod
    def _manifest_file(gen: Path) -> Path:
        """A copy of a generation's manifest as JSON, written when the generation is committed:
        reading 10k entries back off RocksDB takes seconds, the JSON milliseconds."""
        return gen.parent / f"{gen.name}.manifest.json"

    def _cached_manifest(self, gen: Path) -> dict | None:
        import json

        try:
            data = json.loads(self._manifest_file(gen).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("generation") != gen.name:
            return None
        return data.get("reports")

    @classmethod
    def _drop_generation(cls, gen: Path) -> None:
        shutil.rmtree(gen, ignore_errors=True)
        done = cls._manifest_file(gen)
        for path in (done, done.with_name(f".{done.name}.tmp")):  # (a writer killed mid-write)
            try:
                path.unlink()
            except OSError:
                pass

    @property
    def changed(self) -> bool:
        """True inside ``writer()`` once something was changed (a build with no change can skip
        rewriting OUT/kg.ttl: reading a large store back is the slow part of that)."""
        return self._write_gen is not None

    @property
    def writing(self) -> bool:
        """True inside ``writer()`` (this handle holds the writer lock)."""
        return self._lock_fd is not None

    @property
    def generation(self) -> str | None:
        """The name of the generation this handle reads (e.g. ``gen-000007``), if any."""
        return self._gen.name if self._gen is not None else None

    def is_stale(self) -> bool:
        """True when a build has switched OUT/store to a newer generation since this opened."""
        return self._write_gen is None and self._current_generation() != self._gen

    def reopen(self) -> None:
        """Reopen on the current generation (for long-running readers such as a server)."""
        if self._lock_fd is not None:
            raise StoreError("cannot reopen inside writer()", source=str(self.path))
        self._open_read(self._current_generation())

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
        """The underlying ``pyoxigraph.Store`` (reads see the writer's changes inside writer())."""
        if self._db is None:
            raise StoreError("the store is closed", source=str(self.path),
                             hint="open it again with Store.open(OUT)")
        if self._pending_size:
            self._flush_pending()
        return self._db

    def _flush_pending(self) -> None:
        """Bulk-load the buffered quads (fast, not transactional: the generation is not visible
        to anyone until the writer commits, and a crash discards it whole)."""
        pending, self._pending = self._pending, []
        nquads, self._pending_nq = self._pending_nq, []
        self._pending_size = 0
        self._pending_graphs.clear()
        self._pending_sources.clear()
        try:
            if pending:
                self._db.bulk_extend(pending)
            if nquads:
                self._db.bulk_load(b"".join(nquads), format=ox.RdfFormat.N_QUADS)
        except SyntaxError as e:
            raise StoreError(f"the N-Quads of a report do not parse: {e}",
                             source=str(self._write_gen)) from None
        except OSError as e:
            raise StoreError(f"cannot write the store: {e}", source=str(self._write_gen),
                             hint="check the disk space and permissions of the --out folder") from None

    # ------------------------------------------------------------------ manifest
    def _read_manifest(self) -> dict[str, dict]:
        rows: dict[str, dict] = {}
        by_entry: dict[str, dict] = {}
        for q in self.db.quads_for_pattern(None, None, None, DefaultGraph()):
            if q.predicate not in _META_PREDICATES:
                continue
            by_entry.setdefault(q.subject.value, {})[q.predicate.value] = q.object.value
        for fields in by_entry.values():
            source = fields.get(_SOURCE.value)
            if source is not None:
                rows[source] = {"sha256": fields.get(_SHA256.value, ""),
                                "graph": fields.get(_GRAPH.value, "")}
        return rows

    def manifest(self) -> dict[str, dict]:
        """Source name → ``{"sha256": …, "graph": graph IRI}`` for every report in the store."""
        return {k: dict(v) for k, v in self._manifest.items()}

    def sources(self) -> set[str]:
        """The source names of the reports in the store."""
        return set(self._manifest)

    def graphs(self) -> list[str]:
        """The IRIs of the named graphs holding data, sorted."""
        return sorted(g.value for g in self.db.named_graphs() if isinstance(g, NamedNode))

    @staticmethod
    def _meta_quads(source: str, sha256: str, graph: str) -> list[Quad]:
        e = _entry(source)
        return [Quad(e, _SOURCE, Literal(source), DefaultGraph()),
                Quad(e, _SHA256, Literal(sha256), DefaultGraph()),
                Quad(e, _GRAPH, NamedNode(graph), DefaultGraph())]

    # ------------------------------------------------------------------ Turtle part cache
    def part_path(self, graph: str) -> Path | None:
        """Where the cached kg.ttl part of a report graph lives (None for other graphs).

        The name carries the report's stamp (its bytes' and the code's hash) and the Turtle
        writer's version, so a file there is never stale: a change anywhere gives a new name.
        """
        from kg.export import part_version

        holders = self._holders().get(graph)
        if not holders:
            return None
        stamp = self._manifest[min(holders)]["sha256"]
        tag = hashlib.sha256(f"{stamp}|{part_version()}".encode()).hexdigest()[:16]
        return self.out_dir / PARTS_DIR / f"{graph.rsplit('/', 1)[-1]}-{tag}.part"

    def cached_part(self, graph: str):
        """The cached :class:`kg.export.TurtlePart` of a report graph, or None."""
        from kg.export import TurtlePart

        path = self.part_path(graph)
        if path is None:
            return None
        try:
            return TurtlePart.from_bytes(path.read_bytes())
        except (OSError, UnicodeDecodeError):
            return None

    def save_part(self, graph: str, data: bytes) -> None:
        """Cache a report graph's kg.ttl part (a temporary file renamed into place)."""
        path = self.part_path(graph)
        if path is None:
            return
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError:  # a cache: kg.ttl is then written from the store instead
            tmp.unlink(missing_ok=True)

    def prune_parts(self) -> int:
        """Delete cached parts no report of the current manifest uses; return how many."""
        folder = self.out_dir / PARTS_DIR
        if not folder.is_dir():
            return 0
        keep = {p.name for p in map(self.part_path, self._holders()) if p is not None}
        gone = 0
        for entry in os.scandir(folder):
            if entry.name not in keep:
                try:
                    os.unlink(entry.path)
                    gone += 1
                except OSError:
                    pass
        return gone

    def to_memory(self) -> ox.Store:
        """An in-memory copy of the store (every graph and the manifest), for many fast queries.

        Terms are read back from memory under 1 µs each, against 8–50 µs off the on-disk store,
        so questions with large answers run many times faster. Each graph is loaded from its
        kg.ttl part (:func:`kg.export.graph_parts`: the cache when it holds it, else rendered
        from the store), about 7 s per million quads.
        """
        from kg.export import _prefix_block, graph_parts

        head = _prefix_block().encode("utf-8")
        mem = ox.Store()
        try:
            for g, part in graph_parts(self):
                graph = NamedNode(g)
                if part.own:
                    mem.bulk_load(head + part.own, format=ox.RdfFormat.TURTLE, to_graph=graph)
                if part.shared:
                    mem.bulk_load("".join(f"{line} .\n" for line in part.shared).encode("utf-8"),
                                  format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
            mem.bulk_extend(self.db.quads_for_pattern(None, None, None, DefaultGraph()))
        except (SyntaxError, OSError) as e:
            raise StoreError(f"cannot copy the store into memory: {e}", source=str(self.path),
                             hint=f"rebuild it with kg build FILES --out {self.out_dir}") from None
        return mem

    # ------------------------------------------------------------------ writing
    @contextmanager
    def writer(self, *, wait: float = 0):
        """Hold the exclusive writer lock; changes become visible together when the block ends.

        A second writer (another build on the same OUT) waits up to ``wait`` seconds, then
        raises :class:`StoreError`. An exception inside the block discards every change.
        """
        if self.read_only:
            raise StoreError("the store was opened read-only", source=str(self.path),
                             hint="open it with Store.open(OUT) to write")
        if self._lock_fd is not None:  # re-entrant: the outer block commits
            yield self
            return
        self._acquire_lock(wait)
        try:
            current = self._current_generation()
            if self._db is None or current != self._gen or current is None:
                self._open_read(current)  # see the latest committed state
            if current is not None and not self._manifest_file(current).exists():
                self._write_manifest_file(current)  # (a store built before the JSON copy existed)
            try:
                yield self
            except BaseException:
                self._rollback()
                raise
            try:
                self._commit()
            except BaseException:
                if self._write_gen is not None:  # failed before the switch: nothing changed
                    self._rollback()
                raise
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None

    def _acquire_lock(self, wait: float) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.out_dir / LOCK_FILE
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
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
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _generations(self) -> list[tuple[int, Path]]:
        gens = []
        if self._gens_dir().is_dir():
            for entry in os.scandir(self._gens_dir()):
                m = _GEN_RE.match(entry.name)
                if m and entry.is_dir(follow_symlinks=False):
                    gens.append((int(m.group(1)), Path(entry.path)))
        return sorted(gens)

    def _begin_write(self) -> ox.Store:
        """Clone the current generation into the next one (once per writer block)."""
        if self._lock_fd is None:
            raise StoreError("changes need the writer lock", source=str(self.path),
                             hint="wrap them in `with store.writer():`")
        if self._write_gen is not None:
            return self._db
        current = self._current_generation()
        gens_dir = self._gens_dir()
        gens_dir.mkdir(parents=True, exist_ok=True)
        if current is not None and current == self.path:  # migrate a plain directory
            legacy = gens_dir / "gen-000000"
            self._db = None
            os.rename(self.path, legacy)
            self._point_at(legacy)
            current = legacy
            self._open_read(current)
        gens = self._generations()
        # Orphans: generations newer than the current one were left by a killed build.
        current_n = next((n for n, p in gens if p == current), -1)
        for n, p in gens:
            if n > current_n:
                self._drop_generation(p)
        new = gens_dir / f"gen-{max([n for n, _ in gens] + [0]) + 1:06d}"
        self._drop_generation(new)  # (and any manifest JSON left under its name)
        if current is not None:
            self._clone(current, new)
        self._db = None  # drop the read-only handle first
        try:
            self._db = ox.Store(str(new))
        except OSError as e:
            shutil.rmtree(new, ignore_errors=True)
            self._open_read(current)
            raise StoreError(f"cannot open a new store generation: {e}", source=str(new)) from None
        self._gen = new
        self._write_gen = new
        return self._db

    @staticmethod
    def _clone(src: Path, dst: Path) -> None:
        dst.mkdir()
        for entry in os.scandir(src):
            name = entry.name
            if name == "LOCK" or name.startswith("LOG") or not entry.is_file():
                continue
            if name.endswith((".sst", ".blob")):
                os.link(entry.path, dst / name)  # immutable once written: share it
            else:
                shutil.copy2(entry.path, dst / name)

    def _point_at(self, gen: Path) -> None:
        tmp = self.out_dir / f".{STORE_DIR}.link-{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(os.path.relpath(gen, self.out_dir), tmp)
        os.replace(tmp, self.path)
        _fsync_dir(self.out_dir)

    def _commit(self) -> None:
        new = self._write_gen
        if new is None:  # nothing changed: nothing to switch
            return
        self.db.flush()  # (the property bulk-loads what is still buffered)
        self._db = None  # closes RocksDB
        self._write_manifest_file(new)
        _fsync_dir(new)
        self._point_at(new)
        self._write_gen = None
        gens = self._generations()
        keep = {p for _, p in gens[-_KEEP_GENERATIONS:]} | {new}
        for _, p in gens:
            if p not in keep:
                self._drop_generation(p)
        self._open_read(new)

    def _write_manifest_file(self, gen: Path) -> None:
        """Write the generation's manifest JSON (before the switch; a crash leaves an orphan)."""
        import json

        path = self._manifest_file(gen)
        tmp = path.with_name(f".{path.name}.tmp")
        data = json.dumps({"generation": gen.name, "reports": self._manifest}, ensure_ascii=False)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _rollback(self) -> None:
        new = self._write_gen
        self._write_gen = None
        self._pending, self._pending_nq, self._pending_size = [], [], 0
        self._pending_graphs, self._pending_sources = set(), set()
        self._db = None
        if new is not None:
            self._drop_generation(new)
        self._open_read(self._current_generation())

    def _holders(self) -> dict[str, set[str]]:
        """Graph IRI → the sources whose manifest entry names it (usually one)."""
        if self._graph_holders is None:
            holders: dict[str, set[str]] = {}
            for src, e in self._manifest.items():
                holders.setdefault(e["graph"], set()).add(src)
            self._graph_holders = holders
        return self._graph_holders

    @staticmethod
    def _checked(source: str, graph: str, quads) -> tuple[list[Quad], bytes]:
        """The report's quads, every one in ``graph``: as Quads, or as N-Quads bytes."""
        if not source:
            raise StoreError("a report needs a source name", hint="pass the file's name")
        if not graph.startswith(("http://", "https://", "urn:")):
            raise StoreError(f"graph {graph!r} is not an IRI", source=source)
        if isinstance(quads, str):
            quads = quads.encode("utf-8")
        if isinstance(quads, (bytes, bytearray, memoryview)):
            data = bytes(quads)
            tail = f" <{graph}> .".encode()
            lines = data.count(b"\n") + (not data.endswith(b"\n") and bool(data))
            if data.count(tail + b"\n") + data.endswith(tail) == lines:
                return [], data if data.endswith(b"\n") or not data else data + b"\n"
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

    def replace_report(self, source: str, sha256: str, graph: str, quads) -> None:
        """Drop the report's old graph (found by source) and add the new one.

        ``quads``: pyoxigraph Quads (or default-graph ones, put in ``graph``), or the report's
        N-Quads as bytes (the fastest: they are bulk-loaded as they are). Other processes see
        the change when the writer block ends, together with every other change of the block.
        """
        self.replace_reports([(source, sha256, graph, quads)])

    def replace_reports(self, reports: Iterable[tuple[str, str, str, object]]) -> None:
        """Replace several reports (see :meth:`replace_report`)."""
        with self._auto_writer():
            self._begin_write()
            holders = self._holders()
            for source, sha256, graph, quads in reports:
                add, nquads = self._checked(source, graph, quads)
                old = self._manifest.get(source)
                drops, deletes = [], []
                if old is not None:
                    deletes = self._meta_quads(source, old["sha256"], old["graph"])
                    holders.get(old["graph"], set()).discard(source)
                    if not holders.get(old["graph"]):
                        holders.pop(old["graph"], None)
                        drops.append(old["graph"])
                if not holders.get(graph) and graph not in drops:
                    drops.append(graph)  # leftovers under the new name (normally none)
                self._apply(drops, deletes, add + self._meta_quads(source, sha256, graph),
                            touched={source} if old is not None else set(), nquads=nquads,
                            graph=graph)
                holders.setdefault(graph, set()).add(source)
                self._manifest[source] = {"sha256": sha256, "graph": graph}
                self._pending_sources.add(source)

    def remove_report(self, source: str) -> None:
        """Remove one report's graph and manifest entry."""
        self.remove_reports([source])

    def remove_reports(self, sources: Iterable[str]) -> None:
        """Remove several reports; unknown sources are an error."""
        sources = list(dict.fromkeys(sources))
        unknown = [s for s in sources if s not in self._manifest]
        if unknown:
            raise StoreError(f"not in the store: {', '.join(unknown)}", source=str(self.out_dir),
                             hint=f"`kg query reports --out {self.out_dir}` lists the reports")
        with self._auto_writer():
            self._begin_write()
            holders = self._holders()
            for s in sources:
                e = self._manifest[s]
                holders.get(e["graph"], set()).discard(s)
                drops = []
                if not holders.get(e["graph"]):
                    holders.pop(e["graph"], None)
                    drops.append(e["graph"])
                self._apply(drops, self._meta_quads(s, e["sha256"], e["graph"]), [],
                            touched={s})
                del self._manifest[s]

    def replace_graph(self, graph: str, quads: Iterable) -> None:
        """Replace a named graph that is not a report's (e.g. ``kg analyze``'s).

        ``quads`` may be Quads (their graph is ignored) or Triples.
        """
        if not graph.startswith(("http://", "https://", "urn:")):
            raise StoreError(f"graph {graph!r} is not an IRI", source=str(self.path))
        if graph in self._holders():
            raise StoreError(f"{graph} is a report's graph", source=str(self.path),
                             hint="replace reports with replace_report")
        g = NamedNode(graph)
        adds = [Quad(q.subject, q.predicate, q.object, g) for q in quads]
        with self._auto_writer():
            self._begin_write()
            self._apply([graph], [], adds, graph=graph)

    def remove_graph(self, graph: str) -> None:
        """Remove a named graph that is not a report's (a report goes with remove_report)."""
        if graph in self._holders():
            raise StoreError(f"{graph} is a report's graph", source=str(self.path),
                             hint="remove reports with remove_report (kg remove)")
        with self._auto_writer():
            self._begin_write()
            self._apply([graph], [], [])

    def _apply(self, drops: list[str], deletes: list[Quad], adds: list[Quad],
               touched: set[str] = frozenset(), nquads: bytes = b"",
               graph: str | None = None) -> None:
        """Drop graphs and delete manifest quads now; buffer the additions for a bulk load."""
        if set(drops) & self._pending_graphs or touched & self._pending_sources:
            self._flush_pending()  # what is removed may still sit in the buffer
        db = self._db
        try:
            for g in dict.fromkeys(drops):
                db.remove_graph(NamedNode(g))
            for q in deletes:
                db.remove(q)
        except OSError as e:
            raise StoreError(f"cannot write the store: {e}", source=str(self._write_gen)) from None
        self._pending.extend(adds)
        if nquads:
            self._pending_nq.append(nquads)
            self._pending_size += nquads.count(b"\n")
        self._pending_size += len(adds)
        if graph is not None:
            self._pending_graphs.add(graph)
        if self._pending_size >= _BUFFER_QUADS:
            self._flush_pending()

    @contextmanager
    def _auto_writer(self):
        if self._lock_fd is not None:
            yield
        else:
            with self.writer():
                yield

    def load_nquads(self, path: Path) -> int:
        """Bulk-load an N-Quads file (e.g. a shard from ``kg build --shard``); returns quads added.

        Each report graph in the file replaces the graph of the same name; the manifest is
        rebuilt from the reports' own ``dcterms:source`` and ``rk:sha256``.
        """
        with self._auto_writer():
            db = self._begin_write()
            staging = ox.Store()
            try:
                staging.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
            except (SyntaxError, OSError) as e:
                raise StoreError(f"cannot load: {e}", source=str(path),
                                 hint="pass an N-Quads file written by kg build --shard") from None
            reports: list[tuple[str, str, str, list[Quad]]] = []
            found = staging.query(
                "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rk: <%s> "
                "SELECT ?g ?src ?sha WHERE { GRAPH ?g { ?r a rk:Report ; dcterms:source ?src ; "
                "rk:sha256 ?sha } }" % PREFIXES["rk"])
            seen = set()
            for row in found:
                g = row["g"]
                seen.add(g.value)
                reports.append((row["src"].value, row["sha"].value, g.value,
                                list(staging.quads_for_pattern(None, None, None, g))))
            other = [q for q in staging if not isinstance(q.graph_name, DefaultGraph)
                     and q.graph_name.value not in seen]
            self.replace_reports(reports)
            if other:
                db.extend(other)
            return len(staging)

    # ------------------------------------------------------------------ reading
    def query(self, sparql: str, *, timeout: float | None = None, limit: int | None = None,
              use_default_graph_as_union: bool = True, allow_service: bool = False) -> "Result":
        """Run a SPARQL query (never an update) and return its materialised result.

        Prefixes from :data:`kg.vocab.PREFIXES` may be used without declaring them.
        """
        from kg.query import execute

        return execute(self.db, sparql, timeout=timeout, limit=limit,
                       use_default_graph_as_union=use_default_graph_as_union,
                       allow_service=allow_service)

    def quads(self) -> Iterator[Quad]:
        """Every data quad (the named graphs; the manifest is left out)."""
        for q in self.db.quads_for_pattern(None, None, None, None):
            if not isinstance(q.graph_name, DefaultGraph):
                yield q

    def report_quads(self, source: str) -> list[Quad]:
        """The quads of one report's graph."""
        entry = self._manifest.get(source)
        if entry is None:
            raise StoreError(f"not in the store: {source}", source=str(self.out_dir))
        return list(self.db.quads_for_pattern(None, None, None, NamedNode(entry["graph"])))

    def __len__(self) -> int:
        """The number of data quads (the manifest's are not counted)."""
        meta = sum(1 for _ in self.db.quads_for_pattern(None, None, None, DefaultGraph()))
        return len(self.db) - meta

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        return f"<Store {self.path} {mode} gen={self._gen.name if self._gen else None}>"


def graph_iri(key: str) -> str:
    """The named graph of the report whose key is ``key``.

    >>> graph_iri("0123456789abcdef")
    'https://w3id.org/rectkg/graph/0123456789abcdef'
    """
    return GRAPH_IRI + key


def open_store(out_dir: Path, *, read_only: bool = True) -> Store:
    """Open OUT's store, by default read-only (the usual case for commands that read the graph)."""
    return Store.open(Path(out_dir), read_only=read_only)


__all__ = ["Store", "StoreError", "QueryError", "graph_iri", "open_store", "STORE_NS"]


def remove_sources(out_dir: Path, sources: list[str], *, wait: float = 0) -> int:
    """Remove reports from OUT's store and rewrite OUT/kg.ttl; return the graph's triple count."""
    from kg.export import write_turtle

    out_dir = Path(out_dir)
    store = Store.open(out_dir)
    try:
        with store.writer(wait=wait):
            store.remove_reports(sources)
            n = write_turtle(store, out_dir / "kg.ttl")
        store.prune_parts()
        return n
    finally:
        store.close()


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
