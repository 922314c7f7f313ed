"""The whole flow in one screen: file → Doc → quads, and a folder → one new generation of OUT.

In worker processes, one report at a time (each with a time and memory budget, kg.pool)::

    ingest.read_source → normalise.normalise → Doc → structure.parse → extractors.run
      → resolve.resolve → rdf.map_triples → export.write_piece  (OUT/parts/, named by content)

In the parent, once, into the next generation of OUT (kg.store)::

    store: changed reports bulk-loaded from their pieces, the shared graph, the analysis graph
      → export.write_turtle (kg.ttl) → nquads/ → views → manifest → one switch

What one report contributes depends on that report alone (its IRIs come from its bytes, its
entities are scoped by its own jurisdiction), so files can be processed in any order, in parallel
or in slices on different machines, and the union is always the same graph. Every output of a
command belongs to the generation it writes: a command interrupted or killed at any moment leaves
the previous generation, complete, in place.

>>> from pathlib import Path
>>> r = process_file(Path("data/corpus/000_23a78b058b181c61.txt"))
>>> r.stats["problems"], r.stats["evidence_exact"]
(28, True)
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg import extractors, structure
from kg.doc import Doc
from kg.errors import KgError, StoreError, printable
from kg.ingest import HashCache, RawText, read_source, walk_inputs
from kg.normalise import normalise
from kg.rdf import map_triples, to_nquads
from kg.resolve import resolve
from kg.vocab import ANALYSIS_GRAPH_IRI, GRAPH_IRI, SHARED_GRAPH_IRI

# The budget of one file in its worker (kg build --file-timeout / --file-memory)
FILE_SECONDS = 300.0
FILE_MEMORY_MB = 1000
HASHES = "hashes.json"  # OUT/hashes.json: the inputs' digests by their stat (kg.ingest.HashCache)
# the views of a graph up to this size are written from an in-memory copy of the store
_VIEWS_IN_MEMORY_QUADS = 3_000_000
# a load of up to this many quads runs as two bulk loads side by side (kg.store.stream_reports):
# faster, for memory that a build of this size holds for its views anyway
_TWO_STREAMS_MAX_QUADS = 3_000_000
# … and a larger one, unless told otherwise, in calls kept near this much memory: at 10k reports
# (session 9, one run each) 450 MB took 324 s and peaked at 2.10 GB RSS sum (1.47 GB PSS), 600 MB
# 339 s and 2.21 GB, one unbounded call 347 s and 3.86 GB
_LARGE_LOAD_MEMORY_MB = 450
# above this many reports the site leaves out the graph views by default: the corpus-wide entity
# graph behind them took 40 minutes and 11 GB at 3,000 scale reports (kg view --graph-views)
GRAPH_VIEWS_MAX_REPORTS = 1000


def make_doc(raw: RawText) -> Doc:
    """Normalise a file's text into the frozen Doc every later step reads."""
    text, converted = normalise(raw.text)
    return Doc(source=raw.source, sha256=raw.sha256, text=text, path=raw.path, format=raw.format,
               encoding=raw.encoding, converted_from_traditional=converted,
               warnings=list(raw.warnings))


def analyse_doc(doc: Doc, names: list[str] | None = None) -> Doc:
    """Structure and extraction: sections, then every registered extractor in order."""
    structure.parse(doc)
    extractors.run(doc, names)
    if not doc.sections:
        doc.warn("no numbered heading found; problems were looked for in the running text")
    return doc


@dataclass
class ReportResult:
    """What one file contributes: its triples as N-Triples lines without `` .`` (plain strings,
    so they cross process boundaries), those in its graph and those in the shared graph."""

    source: str
    path: str
    sha256: str
    graph: str
    own: list[str]
    shared: list[str]
    stats: dict
    warnings: list[str]
    findings: list[str]
    timings: dict = field(default_factory=dict)
    content: str = ""

    @functools.cached_property
    def nquads(self) -> bytes:
        """The quads as N-Quads text (own lines first, each list in the order made)."""
        return to_nquads(self.own, self.shared, self.graph)

    def quads(self) -> list:
        """The quads as pyoxigraph objects. rk:content is built directly, not parsed: Oxigraph's
        N-Quads parser stops at lines over 16 MiB, and a 20 MB report's text is one literal."""
        import pyoxigraph

        from kg.vocab import ID_IRI, RK

        marker = b" <" + RK.content.value.encode() + b"> "
        data = self.nquads
        i = data.find(marker)
        out = []
        if i >= 0:
            start = data.rfind(b"\n", 0, i) + 1
            end = data.find(b"\n", i) + 1 or len(data)
            data = data[:start] + data[end:]
            key = self.graph.rsplit("/", 1)[1]
            out.append(pyoxigraph.Quad(pyoxigraph.NamedNode(f"{ID_IRI}report/{key}"), RK.content,
                                       pyoxigraph.Literal(self.content), pyoxigraph.NamedNode(self.graph)))
        out.extend(pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS))
        return out


def process_file(path: Path, *, max_bytes: int | None = None, name: str | None = None) -> ReportResult:
    """Run one file through the whole pipeline; raises KgError subclasses for bad input.
    ``name`` is the report's name (its path relative to the input folder; default: the file's)."""
    t0 = time.perf_counter()
    kwargs = {"max_bytes": max_bytes} if max_bytes else {}
    if name is not None:
        kwargs["name"] = name
    raw = read_source(path, **kwargs)
    t1 = time.perf_counter()
    doc = make_doc(raw)
    t2 = time.perf_counter()
    analyse_doc(doc)
    t3 = time.perf_counter()
    res = resolve(doc)
    t4 = time.perf_counter()
    own, shared = map_triples(doc, res)
    t5 = time.perf_counter()
    f = doc.facts
    stats = {
        "problems": len(f.get("problems", [])), "measures": len(f.get("measures", [])),
        "policies": len(res.policies), "organisations": len(res.organisations),
        "people": len(res.people), "quads": len(own) + len(shared), "chars": len(doc.text),
        "bytes": len(raw.text.encode("utf-8")), "evidence_exact": True,
    }
    findings = [f"{doc.source}: {x['message']}" for x in f.get("findings", [])]
    return ReportResult(source=raw.source, path=str(path), sha256=raw.sha256,
                        graph=GRAPH_IRI + raw.sha256[:16], own=own, shared=shared, stats=stats,
                        warnings=[f"{doc.source}: {w}" for w in doc.warnings], findings=findings,
                        timings={"ingest": t1 - t0, "normalise": t2 - t1, "extract": t3 - t2,
                                 "resolve": t4 - t3, "map": t5 - t4},
                        content=doc.text)


# ---------------------------------------------------------------------------- the worker's task
@dataclass(frozen=True)
class _Task:
    path: str
    name: str
    out_dir: str
    max_bytes: int | None


def _build_piece(task: _Task):
    """In a worker: build one file and write its piece into OUT/parts (the parent only reads its
    record). A bad input is returned as its message."""
    from kg.export import piece_id, write_piece

    try:
        r = process_file(Path(task.path), max_bytes=task.max_bytes, name=task.name)
    except KgError as e:
        return str(e)
    t = time.perf_counter()
    stamp = _stamp(r.sha256)
    meta = {"name": r.source, "sha256": r.sha256, "stamp": stamp, "stats": r.stats,
            "warnings": r.warnings, "findings": r.findings}
    try:
        record = write_piece(Path(task.out_dir), piece_id(r.sha256[:16], stamp, r.source),
                             r.own, r.shared, r.graph, meta)
    except OSError as e:  # the output folder's fault, not the file's: the build stops
        return _OutputError(e.errno, e.strerror or str(e))
    r.timings["write"] = time.perf_counter() - t
    record["timings"] = r.timings
    return record


@dataclass(frozen=True)
class _OutputError:
    """A worker could not write into OUT (full disk, read-only): no file is to blame."""

    errno: int
    message: str


# ---------------------------------------------------------------------------- the summary
@dataclass
class BuildSummary:
    """What a command did to OUT, for the terminal and for tests."""

    out_dir: Path
    reports_built: int = 0
    reports_skipped: int = 0
    reports_removed: int = 0
    reports_kept_other: int = 0   # reports OUT holds from inputs not given this time
    reports_total: int = 0
    totals: dict = field(default_factory=dict)
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)
    saved: bool = False            # a new generation was switched to
    interrupted: bool = False
    shown_dir: Path | None = None  # OUT as the user gave it (for messages)
    previous_reports: int | None = None   # reports OUT held before (None: no build yet)

    def render(self) -> str:
        t = self.totals
        lines = [
            f"built {self.reports_built} report(s), skipped {self.reports_skipped} unchanged, "
            f"removed {self.reports_removed}, failed {len(self.failures)} in {self.seconds:.1f} s"
            + self._split(),
            f"  problems {t.get('problems', 0)}, measures {t.get('measures', 0)}, "
            f"policies {t.get('policies', 0)}, organisations {t.get('organisations', 0)}, "
            f"people {t.get('people', 0)}   (in the reports built now)",
            f"  graph: {self.reports_total} reports, {self.triples} triples → "
            f"{(self.shown_dir or self.out_dir) / 'kg.ttl'}",
            f"  warnings {len(self.warnings)}, consistency findings {len(self.findings)}",
        ]
        if self.reports_kept_other:
            lines.append(f"  note: {self.shown_dir or self.out_dir} already held {self.reports_kept_other} report(s) "
                         "from other inputs; kept them — use --prune to drop them")
        lines += [f"  finding: {x}" for x in self.findings]
        lines += [f"  warning: {x}" for x in self.warnings[:20]]
        if len(self.warnings) > 20:
            lines.append(f"  … {len(self.warnings) - 20} more warnings")
        return printable("\n".join(lines), newlines=True)

    def _split(self) -> str:
        """Where the time went: the workers (extract), kg.ttl and nquads/ (files), the store's
        load beside the answer tables, the other outputs (views)."""
        t = self.timings
        parts = [f"{label} {t[k]:.1f} s" for k, label in (
            ("extract", "extract"), ("files", "kg.ttl+nquads"), ("load", "store load"))
            if t.get(k)]
        if t.get("load") and t.get("tables"):
            parts[-1] += f" beside tables {t['tables']:.1f} s"
        elif t.get("tables"):
            parts.append(f"tables {t['tables']:.1f} s")
        if t.get("outputs"):
            parts.append(f"outputs {t['outputs']:.1f} s")
        return " (" + ", ".join(parts) + ")" if parts else ""


def _in_shard(source: str, shard: tuple[int, int] | None) -> bool:
    if shard is None:
        return True
    i, n = shard
    return int(hashlib.sha256(source.encode("utf-8")).hexdigest()[:8], 16) % n == i - 1


def parse_shard(text: str | None) -> tuple[int, int] | None:
    """'2/8' → (2, 8); None stays None.

    >>> parse_shard("2/8")
    (2, 8)
    """
    if not text:
        return None
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise KgError(f"--shard takes I/N such as 2/8, not {text!r}") from None
    if not 1 <= i <= n:
        raise KgError(f"--shard {text}: I must be between 1 and N")
    return i, n


def default_jobs() -> int:
    """Worker processes when none are asked for: one per core (the parent mostly waits while
    the workers run, then loads the store alone)."""
    return max(1, os.cpu_count() or 1)


def _pieces(sources, out_dir: Path, jobs: int, max_bytes, progress: bool, seconds, memory_mb):
    """Build each source's piece in the workers: yields (source, record or failure message)."""
    from kg.pool import Failed, run

    tasks = [_Task(str(s.path), s.name, str(out_dir), max_bytes) for s in sources]
    by_task = {id(t): s for t, s in zip(tasks, sources)}
    bar = None
    if progress and len(tasks) > 5:
        import click

        bar = click.progressbar(length=len(tasks), label="building", file=sys.stderr)
        bar.__enter__()
    try:
        with contextlib.closing(run(_build_piece, tasks, jobs=jobs, seconds=seconds,
                                    memory_mb=memory_mb)) as results:
            for task, out in results:
                if bar is not None:
                    bar.update(1)
                src = by_task[id(task)]
                if isinstance(out, _OutputError):
                    from kg.store import os_error

                    raise os_error(OSError(out.errno, out.message), "write the reports' pieces",
                                   out_dir)
                if isinstance(out, Failed):
                    what = "internal error while processing" if out.kind == "error" else "skipped"
                    out = f"{src.path}: {what} ({out.reason})" + (
                        "; please report it with the file" if out.kind == "error" else
                        "; raise --file-timeout / --file-memory to build it anyway")
                yield src, out
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


# ---------------------------------------------------------------------------- building
def build_corpus(inputs: list[Path], out_dir: Path, *, jobs: int = 0, prune: bool = False,
                 shard: str | None = None, write_views: bool = True, progress: bool = False,
                 max_bytes: int | None = None, follow_links: bool = False,
                 file_seconds: float | None = FILE_SECONDS,
                 file_memory_mb: int | None = FILE_MEMORY_MB,
                 load_memory_mb: int | None = None) -> BuildSummary:
    """Build (or update) the graph of every report under ``inputs`` into ``out_dir``.

    ``load_memory_mb``: keep the store's bulk load near this much memory by cutting it into
    calls (``kg.store.load_call_bytes``); 0: no bound (two loads side by side up to
    ``_TWO_STREAMS_MAX_QUADS``, one call above); None: no bound up to that size, and
    ``_LARGE_LOAD_MEMORY_MB`` above it.

    Ctrl-C (KeyboardInterrupt) ends it promptly: the summary says whether the new generation was
    saved (``saved``) and ``interrupted`` is set; nothing is ever half-written.
    """
    from kg.export import piece_id, read_piece

    t0 = time.perf_counter()
    shown = Path(out_dir)
    out_dir = Path(os.path.abspath(out_dir))
    jobs = jobs or default_jobs()
    summary = BuildSummary(out_dir=out_dir, shown_dir=shown)
    totals = {k: 0 for k in ("problems", "measures", "policies", "organisations", "people")}
    summary.totals = totals
    sh = parse_shard(shard)
    walk = walk_inputs([Path(p) for p in inputs], follow_links_outside=follow_links,
                       **({"max_bytes": max_bytes} if max_bytes else {}))
    summary.failures += walk.problems
    sources = [s for s in walk.sources if _in_shard(s.name, sh)]
    if sh is not None:
        return _build_shard(sources, out_dir, sh, summary, jobs, max_bytes, progress,
                            file_seconds, file_memory_mb, t0)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"cannot make the output folder ({e.strerror or e})", source=str(out_dir),
                         hint="choose a folder you can write") from None
    from kg.store import Store

    store = Store.open(out_dir)
    before = store.generation
    summary.previous_reports = len(store.sources()) if before is not None else None
    try:
        with store.writer(wait=0):
            plan = _plan(store, out_dir, walk, sources, prune, max_bytes, summary)
            # 2. the workers build the pieces (the parent only collects their records, so the
            #    workers have every core); then kg.ttl and nquads/ are written from the pieces, and
            #    the store is bulk-loaded from them by a thread beside the answer tables
            t_extract = time.perf_counter()
            loader = _Loader(store, out_dir, plan, load_memory_mb)
            work = None
            try:
                # in name order (cached pieces and the workers' merged), so that of files with
                # the same bytes the first that builds is the one kept, however the work went
                claimed = dict(plan.holders)
                work = _pieces(plan.todo, out_dir, jobs, max_bytes, progress, file_seconds,
                               file_memory_mb)
                for name in plan.order:
                    if name in plan.cached:
                        out = plan.cached[name]
                    else:
                        src, out = next(work)
                        assert src.name == name
                    if isinstance(out, str):
                        summary.failures.append(out)
                        old = plan.fallback.get(name)
                        if old is not None:   # the file failed now: its last report stays
                            loader.push(name, old)
                        continue
                    other = claimed.setdefault(out["sha256"], name)
                    if other != name:
                        summary.warnings.append(f"{name}: same bytes as {other}; skipped as a "
                                                "duplicate")
                        if name in plan.fallback:   # it changed into a copy: its report goes
                            plan.removed.append(name)
                        continue
                    plan.new[name] = out
                    loader.push(name, out)
                summary.timings["extract"] = time.perf_counter() - t_extract
                shared = files = None
                if plan.changed:
                    t = time.perf_counter()
                    shared = _shared_lines(store, out_dir, loader.entries)
                    if _files_first(store):
                        files = _write_files(store.target, out_dir, loader.entries, shared)
                        summary.timings["files"] = time.perf_counter() - t
                    loader.start(shared)   # beside it: the answer tables
                    t = time.perf_counter()
                    _answer_tables(store.generation_dir, store.target, out_dir, loader.entries,
                                   shared, jobs=jobs)
                    summary.timings["tables"] = time.perf_counter() - t
                loader.close()
                summary.timings["load"] = loader.seconds
            finally:
                if work is not None:
                    work.close()   # (the workers are stopped)
                loader.abort()
            for rec in plan.new.values():
                _add(totals, rec.get("stats", {}))
                summary.findings += rec.get("findings", [])
                summary.warnings += rec.get("warnings", [])
                for k, v in (rec.get("timings") or {}).items():
                    summary.timings["worker " + k] = summary.timings.get("worker " + k, 0.0) + v
            summary.reports_built = len(plan.new)
            summary.reports_removed = len(plan.removed)
            # 3. every other output of the new generation
            t_out = time.perf_counter()
            _finish(store, out_dir, changed=plan.changed, write_views=write_views, summary=summary,
                    shared=shared, tables_done=shared is not None, files=files)
            summary.timings["outputs"] = time.perf_counter() - t_out
    except KeyboardInterrupt:
        summary.interrupted = True
    finally:
        after = store._current()
        summary.saved = after is not None and after[0].name != before
        store.close()
    summary.seconds = time.perf_counter() - t0
    if summary.saved and not summary.interrupted:
        _prune_pieces(out_dir)
    return summary


@dataclass
class _Plan:
    """What a build does to the new generation, decided before any worker runs."""

    todo: list                  # the sources to build
    cached: dict                # name → record of a piece already written (an interrupted build)
    order: list                 # the names of todo and cached, sorted
    holders: dict               # sha256 → the name of the report kept that has those bytes
    removed: list               # names that leave (pruned, or whose file now repeats another's)
    keep: dict                  # name → manifest entry of the reports kept as they are
    fallback: dict              # name → old entry, loaded again if its file fails now
    fresh: bool                 # the store starts empty (most of it changes)
    new: dict = field(default_factory=dict)   # name → record, as the workers finish

    @property
    def changed(self) -> bool:
        return bool(self.todo or self.cached or self.removed)


def _plan(store, out_dir: Path, walk, sources, prune: bool, max_bytes, summary) -> _Plan:
    """Hash every source (streamed), and decide what changes: unchanged files are skipped; of
    files with the same bytes one report is kept (one report, one graph): the one already
    built, else the first name; ``--prune`` drops the reports whose files are gone (never under
    a folder that could not be read)."""
    from kg.export import piece_id, read_piece

    manifest = store.manifest()
    digests, unknown = {}, set()
    hashes = HashCache(Path(out_dir) / HASHES)   # a no-change rebuild reads no input's bytes
    for src in sources:
        try:
            digests[src.name] = hashes.digest(src.path, st=src.stat,
                                              **({"max_bytes": max_bytes} if max_bytes else {}))
        except KgError as e:
            summary.failures.append(str(e))
            unknown.add(src.name)
    hashes.save()
    # names whose files are there, built now or not (a failed or skipped file keeps its report)
    present = set(digests) | unknown | set(walk.skipped) | {s.name for s in walk.sources}
    removed = []
    if prune:
        removed = [n for n in manifest if n not in present
                   and not any(n.startswith(p) for p in walk.unreadable)]
    old_digest = {n: e["sha256"].split("@")[0] for n, e in manifest.items() if n not in removed}
    holder: dict[str, str] = {}
    for name, d in sorted(old_digest.items()):   # a report already built keeps its bytes' place
        if digests.get(name, d) == d:
            holder.setdefault(d, name)
    todo, cached, fallback = [], {}, {}
    for src in sources:
        d = digests.get(src.name)
        if d is None:
            continue
        other = holder.get(d, src.name)
        if other != src.name:
            summary.warnings.append(f"{src.name}: same bytes as {other}; skipped as a duplicate")
            if src.name in manifest and src.name not in removed:
                removed.append(src.name)   # its file changed into a copy: its old report goes
            continue
        stamp = _stamp(d)
        old = manifest.get(src.name)
        if old is not None and old.get("sha256") == stamp and not store._legacy:
            summary.reports_skipped += 1
            continue
        if old is not None:
            fallback[src.name] = old
        rec = read_piece(out_dir, piece_id(d[:16], stamp, src.name))
        if rec is not None and rec.get("name") == src.name:
            cached[src.name] = rec
        else:
            todo.append(src)
    building = {s.name for s in todo} | set(cached)
    keep = {n: e for n, e in manifest.items() if n not in removed and n not in building}
    summary.reports_kept_other = sum(1 for n in keep if n not in present)
    return _Plan(todo=todo, cached=cached, order=sorted(building), holders=holder,
                 removed=sorted(removed), keep=keep, fallback=fallback,
                 fresh=len(building) >= len(keep))


class _Loader:
    """The store's side of a build: the workers' pieces are queued as they finish; once they are
    all built and kg.ttl and nquads/ are written (:meth:`start`), a thread bulk-loads them and the
    shared graph (one streamed load, two side by side up to ``_TWO_STREAMS_MAX_QUADS``, or calls
    of ``load_memory_mb``) beside the answer tables, after the reports that leave were dropped."""

    def __init__(self, store, out_dir: Path, plan: _Plan, load_memory_mb: int | None = None):
        import queue
        import threading

        from kg.store import _Chain

        self.store, self.out_dir = store, out_dir
        self.entries = dict(plan.keep)   # what the new generation will hold: name → entry
        self.queue: "queue.Queue" = queue.Queue()
        self.error: BaseException | None = None
        self.chain = _Chain([])
        self.thread = None
        self.seconds = 0.0   # the load's own time (it overlaps the answer tables)
        self.load_memory_mb = load_memory_mb   # (the load's shape: start(), by its size)
        self.call_bytes: int | None = None
        self.streams = 1
        self.fresh = plan.fresh
        if not plan.changed:
            return
        # what must be there before the stream starts: a piece for every report kept (an older
        # out/ has none), the old reports that leave or change dropped (or an empty store)
        repaired = _complete_pieces(store, out_dir, plan.keep)
        _complete_pieces(store, out_dir, plan.fallback)
        self.entries.update(plan.keep)
        if plan.fresh:
            store.start_fresh()
            first = dict(plan.keep)
        else:
            gone = [n for n in set(plan.removed) | set(plan.fallback) | set(repaired)
                    if n in store.sources()]
            if gone:
                store.remove_reports(gone)
            first = repaired   # (written from an older store: loaded again in the new form)
        for name, entry in sorted(first.items()):
            self.push(name, entry)
        self.thread = threading.Thread(target=self._run, name="kg-store-load", daemon=True)

    def start(self, shared: list[str] | None = None) -> None:
        """Every report is pushed: load them (once the workers are done: on a small machine they
        need every core). ``shared``: the shared graph's lines (N-Triples without `` .``), loaded
        after the reports in the same stream. The stream's end is queued now: Oxigraph sorts its
        last batch only once its input has ended, and that must not wait for the answer tables."""
        if self.thread is not None and self.thread.ident is None:
            if shared is not None:
                if not self.fresh:   # the old one is in the store this generation began from
                    self.store.remove_graph(SHARED_GRAPH_IRI)
                tail = f" <{SHARED_GRAPH_IRI}> .\n"
                self.queue.put((None, None, SHARED_GRAPH_IRI,
                                "".join(x + tail for x in shared).encode("utf-8"), None))
            self.queue.put(None)
            self.streams, self.call_bytes = _load_shape(
                sum(e.get("quads", 0) for e in self.entries.values()), self.load_memory_mb)
            self.thread.start()

    def push(self, name: str, rec: dict) -> None:
        from kg.store import FileSlice

        stamp = rec.get("stamp") or rec["sha256"]
        self.entries[name] = {**_extra(rec), "sha256": stamp, "graph": rec["graph"]}
        self.queue.put((name, stamp, rec["graph"],
                        FileSlice(_nq(self.out_dir, rec["piece"]), 0, rec["own_bytes"]),
                        _extra(rec)))

    def _items(self):
        while True:
            item = self.queue.get()
            if item is None:
                return
            yield item

    def _run(self) -> None:
        t = time.perf_counter()
        try:
            self.store.stream_reports(self._items(), chain=self.chain, call_bytes=self.call_bytes,
                                      streams=self.streams)
        except BaseException as e:  # noqa: BLE001 - handed to the main thread
            self.error = e
        self.seconds = time.perf_counter() - t

    def close(self) -> None:
        """No more reports: wait for the load to end; raise what went wrong in it."""
        if self.thread is None:
            return
        self.start()
        self.thread.join()
        self.thread = None
        if self.error is not None:
            raise self.error

    def abort(self) -> None:
        """Stop the load at once (an error or Ctrl-C in the build: the generation is dropped)."""
        if self.thread is None or self.thread.ident is None:
            self.thread = None
            return
        self.chain.stop = True
        self.queue.put(None)
        self.thread.join(60)
        self.thread = None


def _load_shape(quads: int, load_memory_mb: int | None) -> tuple[int, int | None]:
    """(streams side by side, bytes a bulk_load call) of a load of ``quads`` (see build_corpus's
    ``load_memory_mb``)."""
    from kg.store import load_call_bytes

    if load_memory_mb:
        return 1, load_call_bytes(load_memory_mb)
    if quads <= _TWO_STREAMS_MAX_QUADS:
        return (2 if default_jobs() > 1 else 1), None
    return 1, (load_call_bytes(_LARGE_LOAD_MEMORY_MB) if load_memory_mb is None else None)


def _complete_pieces(store, out_dir: Path, entries: dict | None = None) -> dict:
    """Give every report of ``entries`` (default: the store's) a piece, written from the current
    store where it has none (an older rectkg's output folder, deleted parts); updates
    ``entries`` and returns those it had to write (their graphs are to be loaded again)."""
    from kg.export import ensure_piece

    entries = store.manifest() if entries is None else entries
    repaired = {}
    for name, entry in list(entries.items()):
        if not entry.get("piece") or not _piece_ok(out_dir, entry["piece"]) or store._legacy:
            entries[name] = repaired[name] = ensure_piece(store, out_dir, name, entry)
    return repaired


def _reload(store, out_dir: Path, repaired: dict) -> None:
    """Load the graphs of reports whose pieces were just written (see _complete_pieces)."""
    from kg.store import FileSlice

    for name, rec in sorted(repaired.items()):
        store.replace_report(name, rec["sha256"], rec["graph"],
                             FileSlice(_nq(out_dir, rec["piece"]), 0, rec["own_bytes"]),
                             extra=_extra(rec))


def _extra(rec: dict) -> dict:
    return {"piece": rec["piece"], "own_bytes": rec["own_bytes"], "quads": rec.get("quads", 0),
            "spans": rec.get("spans")}


def _nq(out_dir: Path, piece: str) -> Path:
    from kg.export import piece_files

    return piece_files(out_dir, piece)[0]


def _piece_ok(out_dir: Path, piece: str) -> bool:
    from kg.export import read_piece

    return read_piece(out_dir, piece) is not None


def _finish(store, out_dir: Path, *, changed: bool, write_views: bool | None,
            summary: BuildSummary | None = None, analysis=None, force_views: bool = False,
            view_options: dict | None = None, shared: list[str] | None = None,
            tables_done: bool = False, files: int | None = None) -> None:
    """Inside a writer: bring every output of the new generation in line with its store.

    ``changed``: the reports changed (the shared graph, the analysis, kg.ttl and nquads/ are made
    anew). ``analysis``: ``(groups, params)`` to store as the analysis graph (None: keep it,
    recomputed when the reports changed). ``write_views``: write the views (False: a page that
    says so; None: as the current generation has them). ``files``: kg.ttl and nquads/ were
    written from the pieces already (:func:`_write_files`; their triple count). A call that finds every output current
    writes nothing, and the writer then makes no generation."""
    from kg import export

    info = store.info()
    had_views = bool(info.get("views"))
    if write_views is None:
        write_views = had_views
    versions = _output_versions()
    graph_stale = changed or analysis is not None or \
        info.get("versions", {}).get("graph") != versions["graph"]
    views_stale = force_views or write_views != had_views or (
        write_views and info.get("versions", {}).get("views") != versions["views"])
    entries = store.manifest()
    if summary is not None:
        summary.reports_total = len(entries)
        summary.triples = info.get("triples", 0)
    if not graph_stale and not views_stale:
        return  # every output is current: no new generation
    target = store.target
    if graph_stale:
        # (a build gives ``shared``: its load streamed it after the reports, _Loader.start)
        if shared is None and (changed or info.get("versions", {}).get("graph") != versions["graph"]):
            shared = _shared_lines(store, out_dir, entries)
            store.replace_graph(SHARED_GRAPH_IRI, "".join(f"{x} .\n" for x in shared).encode("utf-8"))
        elif shared is None:
            shared = _lines_of(store.dump(SHARED_GRAPH_IRI))
        if not tables_done:
            t = time.perf_counter()
            _answer_tables(store.generation_dir, store.target, out_dir, entries, shared,
                           jobs=default_jobs())
            if summary is not None:
                summary.timings["tables"] = time.perf_counter() - t
        if analysis is not None or (changed and info.get("analysis") is not None):
            from kg import analyse

            if analysis is None:
                params = dict(info["analysis"])
                groups = analyse.recurring_problems(
                    analyse.problems(store.db), params.get("threshold", analyse.DEFAULT_THRESHOLD))
            else:
                groups, params = analysis
            store.replace_graph(ANALYSIS_GRAPH_IRI, _triples(analyse.analysis_quads(groups)))
            store.set_info("analysis", params)
        from kg import answers   # the store is final: the questions answered across reports

        t = time.perf_counter()
        answers.write_whole(target / answers.DB, store.db)
        if summary is not None:
            summary.timings["tables"] = summary.timings.get("tables", 0.0) + time.perf_counter() - t
        if files is not None and analysis is None:
            triples = files
        else:
            triples = export.write_turtle(store, target / "kg.ttl")
            export.write_nquads_dir(store, out_dir, target / "nquads")
        store.set_info("triples", triples)
    else:
        store.carry(["kg.ttl", "nquads", "answers.sqlite"])   # the graph did not change
        triples = info.get("triples", 0)
    store.set_info("reports", len(entries))
    if write_views:
        from kg.site import write_views as _write_views

        # the views read many terms: off RocksDB each costs 8–50 µs, in memory under 1 µs
        size = sum(e.get("quads", 0) for e in entries.values())
        in_memory = size < _VIEWS_IN_MEMORY_QUADS
        source = store.to_memory(files=sorted((target / "nquads").glob("*.nq"))) \
            if in_memory else store
        options = dict(view_options or {})
        # the report pages in forked processes: sharing the copy in memory, or each batch from
        # its N-Quads files (a store on disk must not be used across a fork)
        options.setdefault("jobs", default_jobs())
        if not in_memory:
            options.setdefault("nquads", target / "nquads")
        if options.get("graph_views") is None:
            options["graph_views"] = len(entries) <= GRAPH_VIEWS_MAX_REPORTS
            if not options["graph_views"] and summary is not None:
                summary.warnings.append(
                    f"the graph views were left out ({len(entries)} reports, more than "
                    f"{GRAPH_VIEWS_MAX_REPORTS}): `kg view --graph-views` writes them")
        try:
            _write_views(target, source=source, **options)
        except KgError as e:
            if summary is not None:
                summary.warnings.append(f"views not written: {e}")
            write_views = False
        except Exception as e:  # a defect in the pages must not cost the user the graph
            if summary is not None:
                summary.warnings.append(f"views not written ({type(e).__name__}: {e}; a defect in "
                                        "rectkg, please report it): the graph is saved")
            write_views = False
    if not write_views:
        _write_no_views_page(target)
    store.set_info("views", bool(write_views))
    store.set_info("versions", versions)
    if summary is not None:
        summary.triples = triples
        summary.outputs += [store.out_dir / "kg.ttl", store.out_dir / "index.html"]


def _files_first(store) -> bool:
    """Whether kg.ttl and nquads/ can be written from the pieces before the store is loaded: the
    new generation's graph is then its reports' pieces and the shared graph, nothing else (no
    analysis graph, which is computed from the store; no store of an older layout)."""
    return store.info().get("analysis") is None and not store._legacy


def _write_files(target: Path, out_dir: Path, entries: dict, shared: list[str]) -> int:
    """kg.ttl and nquads/ of the new generation from its pieces; returns the triples in kg.ttl.
    The same bytes as written from the loaded store (tests/test_pipeline.py checks)."""
    from kg import export

    triples = export.write_turtle_from_pieces(out_dir, entries, shared, target / "kg.ttl")
    export.nquads_files(out_dir, entries, {"shared": (SHARED_GRAPH_IRI, shared)}, target / "nquads")
    return triples


def _lines_of(ntriples: bytes) -> list[str]:
    return [x[:-2] for x in ntriples.decode("utf-8").split("\n") if x]


# the shared index and the questions a table task reads, by the shared graph's file (opened once
# in each process that runs tasks; the build puts in the index it opened already)
_TABLE_STATE: dict = {}
# reports a batch of the answer tables (one small store, the questions run once): some questions
# cost more than in proportion to the batch (1k reports: 10 a batch 5.9 ms a report, 50 7.0,
# 200 9.5; 1 a batch 9.7, each question planned per batch)
_TABLE_BATCH = 10


def _table_task(shared_file: str, batch: list) -> list:
    """In a worker: the answers of a batch of reports (see kg.answers)."""
    from kg import answers

    if shared_file not in _TABLE_STATE:
        _TABLE_STATE[shared_file] = (answers.SharedIndex.open(Path(shared_file)), answers.tabled())
    index, questions = _TABLE_STATE[shared_file]
    return answers.batch_answers(batch, index, questions)


def _shared_lines(store, out_dir: Path, entries: dict) -> list[str]:
    """The shared graph (N-Triples lines without `` .``): the union of every report's lines about
    the entities it shares, one skos:prefLabel per entity (export.normalise_shared)."""
    from kg import export

    shared = set()
    for entry in entries.values():
        lines = export.shared_lines(out_dir, entry["piece"]) if entry.get("piece") else None
        if lines is None:
            lines = export.recover_shared_lines(store, entry["graph"])
        shared.update(lines)
    return export.normalise_shared(shared)


def _answer_tables(previous: Path | None, target: Path, out_dir: Path, entries: dict,
                   shared: list[str], *, jobs: int) -> None:
    """The generation's answers.sqlite (kg.answers): each report's rows of every tabled saved
    question, computed again only for the reports that changed or whose entities' shared triples
    changed, in worker processes.

    The workers are spawned, not forked: the build's process holds the load's threads and, at
    10k reports, half a gigabyte (a fork's pages counted again in each worker made a 10k build's
    memory 2.07 GB by the sum of RSS). Each opens the shared graph's file (the generation's
    ``nquads/shared.nq`` when it is written already, else one of its own, removed after) as a
    compact :class:`~kg.answers.SharedIndex`."""
    import functools

    from kg import answers
    from kg.pool import outcomes

    shared_file = target / "nquads" / "shared.nq"
    own = None
    if not shared_file.is_file():   # (nquads/ is written from the store, after the tables)
        own = shared_file = target / ".answers-shared.nt"
        from kg.export import _atomic_write

        _atomic_write(own, "".join(x + "\n" for x in shared).encode("utf-8"))
    try:
        index = old = None
        if previous is not None:
            old = answers.read_shared_index(previous / "nquads")
        changed = None
        if old is not None:
            index = answers.SharedIndex.open(shared_file)
            changed = index.changed(old)

        def run_batches(batch):
            tasks = [[(n, str(_nq(out_dir, e["piece"])), e["graph"], e.get("spans"))
                      for n, e in batch[i:i + _TABLE_BATCH]]
                     for i in range(0, len(batch), _TABLE_BATCH)]
            if index is not None:   # (for batches run here; a spawned worker opens its own)
                _TABLE_STATE[str(shared_file)] = (index, answers.tabled())
            try:
                # no memory budget: the workers read parts this build wrote under the file budget
                for out in outcomes(functools.partial(_table_task, str(shared_file)), tasks,
                                    jobs=jobs, fork=False, start="spawn",
                                    what="the answer tables could not be computed"):
                    yield from out
            finally:
                _TABLE_STATE.clear()

        answers.update(target / answers.DB, previous / answers.DB if previous is not None else None,
                       entries, changed, run_batches)
    finally:
        if own is not None:
            own.unlink(missing_ok=True)


def _triples(quads):
    import pyoxigraph as ox

    return [ox.Triple(s, p, o) for s, p, o in quads]


def _write_no_views_page(target: Path) -> None:
    """index.html of a generation built without views: says so, links to what there is."""
    import shutil

    from kg.export import _atomic_write

    for name in ("views", "reports"):
        if (target / name).exists():
            shutil.rmtree(target / name)
    _atomic_write(target / "index.html", (
        "<!doctype html><meta charset=utf-8><title>rectkg</title>"
        "<p>This graph was built without its views (<code>kg build --no-views</code>). "
        "Run <code>kg view --out DIR</code> to write them. The graph itself is in "
        "<a href=\"kg.ttl\">kg.ttl</a>.</p>\n").encode("utf-8"))


@functools.lru_cache(maxsize=1)
def _output_versions() -> dict:
    """Hashes of the code that writes the outputs: a changed writer rewrites them."""
    from kg.export import part_version

    root = Path(__file__).parent
    h = hashlib.sha256()
    for pattern in ("views.py", "site.py", "pages.py", "ledger.py", "compare.py", "regions.py",
                    "templates/**/*", "static/**/*", "analyse.py"):
        for p in sorted(root.glob(pattern)):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(p.relative_to(root).as_posix().encode())
                h.update(p.read_bytes())
    return {"graph": part_version(), "views": h.hexdigest()[:12]}


def _prune_pieces(out_dir: Path) -> None:
    """Keep the pieces the kept generations name; drop the rest."""
    import json

    from kg.export import prune_pieces
    from kg.store import GENS_DIR, MANIFEST

    keep = set()
    gens = out_dir / GENS_DIR
    if gens.is_dir():
        for g in os.scandir(gens):
            try:
                data = json.loads((Path(g.path) / MANIFEST).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            keep.update(e.get("piece") for e in data.get("reports", {}).values() if e.get("piece"))
    prune_pieces(out_dir, keep)


def _build_shard(sources, out_dir: Path, sh, summary: BuildSummary, jobs, max_bytes, progress,
                 seconds, memory_mb, t0) -> BuildSummary:
    """A slice: N-Quads only (each report's own lines, then its lines about the entities it
    shares with others, in the shared graph), no store."""
    from kg.export import piece_files, shared_lines

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"shard-{sh[0]}-of-{sh[1]}.nq"
    tmp = target.with_suffix(".nq.tmp")
    seen: set[str] = set()
    quads = 0
    with open(tmp, "wb") as f:
        for src, rec in _pieces(sources, out_dir, jobs, max_bytes, progress, seconds, memory_mb):
            if isinstance(rec, str):
                summary.failures.append(rec)
                continue
            if rec["sha256"] in seen:
                summary.warnings.append(f"{rec['name']}: same bytes as a file already built; skipped")
                continue
            seen.add(rec["sha256"])
            f.write(piece_files(out_dir, rec["piece"])[0].read_bytes())
            f.write("".join(f"{x} <{SHARED_GRAPH_IRI}> .\n" for x in
                            shared_lines(out_dir, rec["piece"]) or []).encode("utf-8"))
            quads += rec["quads"] + rec.get("shared_quads", 0)
            _add(summary.totals, rec["stats"])
            summary.reports_built += 1
            summary.findings += rec["findings"]
            summary.warnings += rec["warnings"]
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, target)
    summary.triples = quads
    summary.reports_total = summary.reports_built
    summary.outputs.append(target)
    summary.seconds = time.perf_counter() - t0
    summary.saved = True
    return summary


# ---------------------------------------------------------------------------- other writers
def remove_reports(out_dir: Path, names: list[str], *, wait: float = 0) -> BuildSummary:
    """Remove reports from OUT (by name, or by a path ending in one): a new generation without
    them, with kg.ttl, nquads/, the analysis and the views made again."""
    from kg.store import Store

    t0 = time.perf_counter()
    out_dir = Path(os.path.abspath(out_dir))
    summary = BuildSummary(out_dir=out_dir)
    store = Store.open(out_dir)
    try:
        with store.writer(wait=wait):
            chosen = resolve_names(store.manifest(), names, out_dir)
            _reload(store, out_dir, {n: e for n, e in _complete_pieces(store, out_dir).items()
                                     if n not in chosen})
            store.remove_reports(chosen)
            _finish(store, out_dir, changed=True, write_views=None, summary=summary)
            summary.reports_removed = len(chosen)
    finally:
        store.close()
    summary.saved = True
    summary.seconds = time.perf_counter() - t0
    _prune_pieces(out_dir)
    return summary


def resolve_names(manifest: dict, given: list[str], out_dir: Path) -> list[str]:
    """Report names for what a user typed: a name as `kg query reports` lists it, or a path
    that ends in exactly one name (``data/corpus/2021/通报.txt`` → ``2021/通报.txt``).

    >>> resolve_names({"a/x.txt": {}, "b/x.txt": {}}, ["in/a/x.txt"], Path("out"))
    ['a/x.txt']
    """
    chosen, unknown = [], []
    for g in given:
        text = g.replace(os.sep, "/")
        if text in manifest:
            chosen.append(text)
            continue
        hits = [n for n in manifest if text.endswith("/" + n)]
        if len(hits) == 1:
            chosen.append(hits[0])
        elif len(hits) > 1:
            raise StoreError(f"{g} could be any of {', '.join(sorted(hits))}", source=str(out_dir),
                             hint="give the report's name as `kg query reports` lists it")
        else:
            unknown.append(g)
    if unknown:
        raise StoreError(f"not in the store: {', '.join(unknown)}", source=str(out_dir),
                         hint=f"`kg query reports --out {out_dir}` lists the reports")
    return list(dict.fromkeys(chosen))


def write_analysis(out_dir: Path, groups: list[dict], params: dict, *, wait: float = 0) -> BuildSummary:
    """Store recurring-problem groups as OUT's analysis graph: a new generation whose kg.ttl,
    nquads/ and views hold them too."""
    from kg.store import Store

    out_dir = Path(os.path.abspath(out_dir))
    summary = BuildSummary(out_dir=out_dir)
    store = Store.open(out_dir)
    try:
        with store.writer(wait=wait):
            repaired = _complete_pieces(store, out_dir)
            _reload(store, out_dir, repaired)
            _finish(store, out_dir, changed=bool(repaired), write_views=None, summary=summary,
                    analysis=(groups, params))
    finally:
        store.close()
    summary.saved = True
    _prune_pieces(out_dir)
    return summary


def refresh_views(out_dir: Path, *, wait: float = 0, **view_options) -> BuildSummary:
    """Write OUT's views again, from its store: a new generation (the graph carried over)."""
    from kg.store import Store

    out_dir = Path(os.path.abspath(out_dir))
    summary = BuildSummary(out_dir=out_dir)
    store = Store.open(out_dir, read_only=False)
    if store.generation is None:
        raise StoreError(f"no store in {out_dir}", source=str(out_dir / "store"),
                         hint=f"build one first: kg build FILES --out {out_dir}")
    try:
        with store.writer(wait=wait):
            repaired = _complete_pieces(store, out_dir)
            _reload(store, out_dir, repaired)
            _finish(store, out_dir, changed=bool(repaired), write_views=True, summary=summary,
                    force_views=True, view_options=view_options)
    finally:
        store.close()
    summary.saved = True
    return summary


# the modules whose code shapes what a report contributes to the graph
GRAPH_SHAPING = ("doc.py", "ingest/*.py", "normalise.py", "structure.py", "resolve.py", "rdf.py",
                 "vocab.py", "zh.py", "extractors/*.py")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code that shapes the graph: a changed extractor rebuilds every report, a
    changed CLI or store does not."""
    h = hashlib.sha256()
    root = Path(__file__).parent
    for p in sorted(p for pattern in GRAPH_SHAPING for p in root.glob(pattern)):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _stamp(digest: str) -> str:
    """What the manifest records for a built file: its bytes' hash and the code's."""
    return f"{digest}@{code_version()}"


def _add(totals: dict, stats: dict) -> None:
    for k in totals:
        totals[k] += stats.get(k, 0)
