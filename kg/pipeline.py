"""The whole flow in one screen: file → Doc → quads, and a folder → one new generation of OUT.

In worker processes, one report at a time (each with a time and memory budget, kg.pool)::

    ingest.read_source → normalise.normalise → Doc → structure.parse → extractors.run
      → resolve.resolve → rdf.map_report → export.write_piece  (OUT/parts/, named by content)

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
from kg.ingest import RawText, hash_file, read_source, walk_inputs
from kg.normalise import normalise
from kg.rdf import map_report
from kg.resolve import resolve
from kg.vocab import ANALYSIS_GRAPH_IRI, GRAPH_IRI, SHARED_GRAPH_IRI

# The budget of one file in its worker (kg build --file-timeout / --file-memory)
FILE_SECONDS = 300.0
FILE_MEMORY_MB = 1000
# the views of a graph up to this size are written from an in-memory copy of the store
_VIEWS_IN_MEMORY_QUADS = 3_000_000


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
    """What one file contributes: its quads (N-Quads text, so it crosses process boundaries)."""

    source: str
    path: str
    sha256: str
    graph: str
    nquads: bytes
    stats: dict
    warnings: list[str]
    findings: list[str]
    timings: dict = field(default_factory=dict)
    content: str = ""

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
        kwargs["source"] = name
    raw = read_source(path, **kwargs)
    t1 = time.perf_counter()
    doc = make_doc(raw)
    t2 = time.perf_counter()
    analyse_doc(doc)
    t3 = time.perf_counter()
    res = resolve(doc)
    t4 = time.perf_counter()
    data = map_report(doc, res)
    t5 = time.perf_counter()
    f = doc.facts
    stats = {
        "problems": len(f.get("problems", [])), "measures": len(f.get("measures", [])),
        "policies": len(res.policies), "organisations": len(res.organisations),
        "people": len(res.people), "quads": data.count(b"\n"), "chars": len(doc.text),
        "bytes": len(raw.text.encode("utf-8")), "evidence_exact": True,
    }
    findings = [f"{doc.source}: {x['message']}" for x in f.get("findings", [])]
    return ReportResult(source=raw.source, path=str(path), sha256=raw.sha256,
                        graph=GRAPH_IRI + raw.sha256[:16], nquads=data, stats=stats,
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
    record = write_piece(Path(task.out_dir), piece_id(r.sha256[:16], stamp, r.source),
                         r.nquads, r.graph, meta)
    r.timings["write"] = time.perf_counter() - t
    record["timings"] = r.timings
    return record


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
            f"{self.out_dir / 'kg.ttl'}",
            f"  warnings {len(self.warnings)}, consistency findings {len(self.findings)}",
        ]
        if self.reports_kept_other:
            lines.append(f"  note: {self.out_dir} already held {self.reports_kept_other} report(s) "
                         "from other inputs; kept them — use --prune to drop them")
        lines += [f"  finding: {x}" for x in self.findings]
        lines += [f"  warning: {x}" for x in self.warnings[:20]]
        if len(self.warnings) > 20:
            lines.append(f"  … {len(self.warnings) - 20} more warnings")
        return printable("\n".join(lines), keep_newlines=True)

    def _split(self) -> str:
        t = self.timings
        parts = [(k, t[k]) for k in ("extract", "write", "load", "outputs") if t.get(k)]
        if not parts:
            return ""
        return " (" + ", ".join(f"{k} {v:.1f} s" for k, v in parts) + ")"


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
                 file_memory_mb: int | None = FILE_MEMORY_MB) -> BuildSummary:
    """Build (or update) the graph of every report under ``inputs`` into ``out_dir``.

    Ctrl-C (KeyboardInterrupt) ends it promptly: the summary says whether the new generation was
    saved (``saved``) and ``interrupted`` is set; nothing is ever half-written.
    """
    from kg.export import piece_id, read_piece

    t0 = time.perf_counter()
    out_dir = Path(os.path.abspath(out_dir))
    jobs = jobs or default_jobs()
    summary = BuildSummary(out_dir=out_dir)
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
            manifest = store.manifest()
            # 1. what changed: stamps by streamed hash; a piece already written for a stamp (an
            #    interrupted build's) is taken as it is
            todo, records, unknown = [], {}, set()
            for src in sources:
                try:
                    digest = hash_file(src.path, **({"max_bytes": max_bytes} if max_bytes else {}))
                except KgError as e:
                    summary.failures.append(str(e))
                    unknown.add(src.name)
                    continue
                stamp = _stamp(digest)
                old = manifest.get(src.name)
                if old is not None and old.get("sha256") == stamp and not store._legacy:
                    summary.reports_skipped += 1
                    continue
                cached = read_piece(out_dir, piece_id(digest[:16], stamp, src.name))
                if cached is not None and cached.get("name") == src.name:
                    records[src.name] = cached
                else:
                    todo.append(src)
            t_extract = time.perf_counter()
            for src, out in _pieces(todo, out_dir, jobs, max_bytes, progress, file_seconds,
                                    file_memory_mb):
                if isinstance(out, str):
                    summary.failures.append(out)
                    unknown.add(src.name)
                else:
                    records[src.name] = out
            summary.timings["extract"] = time.perf_counter() - t_extract
            for rec in records.values():
                for k, v in (rec.get("timings") or {}).items():
                    summary.timings["worker " + k] = summary.timings.get("worker " + k, 0.0) + v
            # 2. which reports the new generation holds
            present = {s.name for s in walk.sources} | unknown
            removed = []
            if prune:
                removed = sorted(n for n in manifest if n not in present
                                 and not any(n.startswith(p) for p in walk.unreadable))
            keep = {n: e for n, e in manifest.items() if n not in removed and n not in records}
            summary.reports_kept_other = sum(1 for n in keep if n not in present)
            new = _without_duplicates(records, keep, manifest, summary)
            for rec in new.values():
                _add(totals, rec.get("stats", {}))
                summary.findings += rec.get("findings", [])
                summary.warnings += rec.get("warnings", [])
            summary.reports_built = len(new)
            summary.reports_removed = len([n for n in removed if n in manifest])
            # 3. the new generation
            t_load = time.perf_counter()
            changed = bool(new) or bool(removed)
            if changed:
                _load_reports(store, out_dir, new, removed, keep)
            summary.timings["load"] = time.perf_counter() - t_load
            t_out = time.perf_counter()
            _finish(store, out_dir, changed=changed, write_views=write_views, summary=summary)
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


def _without_duplicates(records: dict, keep: dict, manifest: dict, summary: BuildSummary) -> dict:
    """The new records, less those whose bytes another report of the new generation already has
    (one report, one graph): a report already built keeps its place, otherwise the first name."""
    holder = {e["sha256"].split("@")[0]: n for n, e in sorted(keep.items())}
    new = {}
    for name in sorted(records, key=lambda n: (n not in manifest, n)):
        rec = records[name]
        other = holder.get(rec["sha256"])
        if other is not None and other != name:
            summary.warnings.append(f"{name}: same bytes as {other}; skipped as a duplicate")
            continue
        holder[rec["sha256"]] = name
        new[name] = rec
    return new


def _load_reports(store, out_dir: Path, new: dict, removed: list, keep: dict) -> None:
    """Put the new generation's reports into its store: the new ones from their pieces, the
    removed ones out; when most of the store changes, everything into an empty store at once."""
    from kg.store import FileSlice

    repaired = _complete_pieces(store, out_dir, keep)
    if len(new) + len(repaired) >= len(keep):
        store.start_fresh()
        load = {**keep, **new}
    else:
        gone = [n for n in removed if n in store.sources()] + [n for n in new if n in store.sources()]
        if gone:
            store.remove_reports(gone)
        load = {**repaired, **new}
    for name, rec in sorted(load.items()):
        stamp = rec.get("stamp") or rec["sha256"]
        store.replace_report(name, stamp, rec["graph"],
                             FileSlice(_nq(out_dir, rec["piece"]), 0, rec["own_bytes"]),
                             extra=_extra(rec))


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
    return {"piece": rec["piece"], "own_bytes": rec["own_bytes"], "quads": rec.get("quads", 0)}


def _nq(out_dir: Path, piece: str) -> Path:
    from kg.export import piece_files

    return piece_files(out_dir, piece)[0]


def _piece_ok(out_dir: Path, piece: str) -> bool:
    from kg.export import read_piece

    return read_piece(out_dir, piece) is not None


def _finish(store, out_dir: Path, *, changed: bool, write_views: bool | None,
            summary: BuildSummary | None = None, analysis=None, force_views: bool = False,
            view_options: dict | None = None) -> None:
    """Inside a writer: bring every output of the new generation in line with its store.

    ``changed``: the reports changed (the shared graph, the analysis, kg.ttl and nquads/ are made
    anew). ``analysis``: ``(groups, params)`` to store as the analysis graph (None: keep it,
    recomputed when the reports changed). ``write_views``: write the views (False: a page that
    says so; None: as the current generation has them). A call that finds every output current
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
        if changed or info.get("versions", {}).get("graph") != versions["graph"]:
            shared = set()
            for entry in entries.values():
                lines = export.shared_lines(out_dir, entry["piece"]) if entry.get("piece") else None
                if lines is None:
                    lines = export.recover_shared_lines(store, entry["graph"])
                shared.update(lines)
            store.replace_graph(SHARED_GRAPH_IRI, "".join(f"{x} .\n" for x in sorted(shared))
                                .encode("utf-8"))
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
        triples = export.write_turtle(store, target / "kg.ttl")
        export.write_nquads_dir(store, out_dir, target / "nquads")
        store.set_info("triples", triples)
    else:
        store.carry(["kg.ttl", "nquads"])   # the graph did not change: shared with the last one
        triples = info.get("triples", 0)
    store.set_info("reports", len(entries))
    if write_views:
        from kg.views import write_views as _write_views

        # the views read many terms: off RocksDB each costs 8–50 µs, in memory under 1 µs
        size = sum(e.get("quads", 0) for e in entries.values())
        source = store.to_memory(files=sorted((target / "nquads").glob("*.nq"))) \
            if size < _VIEWS_IN_MEMORY_QUADS else store
        try:
            _write_views(target, source=source, **(view_options or {}))
        except KgError as e:
            if summary is not None:
                summary.warnings.append(f"views not written: {e}")
            write_views = False
    if not write_views:
        _write_no_views_page(target)
    store.set_info("views", bool(write_views))
    store.set_info("versions", versions)
    if summary is not None:
        summary.triples = triples
        summary.outputs += [store.out_dir / "kg.ttl", store.out_dir / "index.html"]


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
    for pattern in ("views.py", "views/**/*", "templates/**/*", "static/**/*", "analyse.py"):
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
    """A slice: N-Quads only (each report's own lines, then its shared lines), no store."""
    from kg.export import piece_files

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
            quads += rec["quads"]
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
GRAPH_SHAPING = ("doc.py", "ingest.py", "ingest/*.py", "normalise.py", "structure.py", "resolve.py",
                 "rdf.py", "vocab.py", "zh.py", "extractors/*.py")


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
