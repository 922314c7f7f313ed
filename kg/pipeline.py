"""The whole flow in one screen: file → Doc → quads, and a folder → the store, kg.ttl and the views.

    ingest.read_source → normalise.normalise → Doc → structure.parse → extractors.run
      → resolve.resolve → rdf.map_report → store.replace_report → export.write_turtle → views

What one report contributes depends on that report alone (its IRIs come from its bytes, its
entities are scoped by its own jurisdiction), so files can be processed in any order, in parallel
or in slices on different machines, and the union is always the same graph.

>>> from pathlib import Path
>>> r = process_file(Path("data/corpus/000_23a78b058b181c61.txt"))
>>> r.stats["problems"], r.stats["evidence_exact"]
(28, True)
"""
from __future__ import annotations

import functools
import itertools
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kg import extractors, structure
from kg.doc import Doc
from kg.errors import KgError
from kg.ingest import RawText, iter_sources, read_source
from kg.normalise import normalise
from kg.rdf import map_report
from kg.resolve import resolve
from kg.vocab import GRAPH_IRI


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
    part: bytes = b""  # the report's share of kg.ttl (kg.export.TurtlePart bytes), when asked for

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


def process_file(path: Path, *, max_bytes: int | None = None) -> ReportResult:
    """Run one file through the whole pipeline; raises KgError subclasses for bad input."""
    t0 = time.perf_counter()
    raw = read_source(path, **({"max_bytes": max_bytes} if max_bytes else {}))
    t1 = time.perf_counter()
    doc = make_doc(raw)
    t2 = time.perf_counter()
    analyse_doc(doc)
    t3 = time.perf_counter()
    res = resolve(doc)
    t4 = time.perf_counter()
    data = map_report(doc, res)
    t5 = t6 = time.perf_counter()
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
                                 "resolve": t4 - t3, "map": t5 - t4, "serialise": t6 - t5},
                        content=doc.text)


def _process_safely(args: tuple[str, int | None, bool]):
    path, max_bytes, with_part = args
    try:
        r = process_file(Path(path), max_bytes=max_bytes)
        if with_part:  # rendered here, in the worker, so the parent only copies it into kg.ttl
            from kg.export import nquads_part

            t = time.perf_counter()
            r.part = nquads_part(r.nquads, r.graph).to_bytes()
            r.timings["render"] = time.perf_counter() - t
        return r
    except KgError as e:
        return f"{e}"
    except Exception as e:  # noqa: BLE001 - one bad file must not stop the others
        return f"{Path(path).name}: internal error while processing ({type(e).__name__}: {e}); " \
               f"please report it with the file"


# Oxigraph's N-Quads parser refuses lines over 16 MiB; a report's N-Quads shorter than this has none.
_BULK_LINE_LIMIT = 16 * 2**20 - 1024


@dataclass
class BuildSummary:
    """What a build did, for the terminal and for tests."""

    out_dir: Path
    reports_built: int = 0
    reports_skipped: int = 0
    reports_removed: int = 0
    totals: dict = field(default_factory=dict)
    triples: int = 0
    warnings: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)

    def render(self) -> str:
        t = self.totals
        lines = [
            f"built {self.reports_built} report(s), skipped {self.reports_skipped} unchanged, "
            f"removed {self.reports_removed}, failed {len(self.failures)} in {self.seconds:.1f} s",
            f"  problems {t.get('problems', 0)}, measures {t.get('measures', 0)}, "
            f"policies {t.get('policies', 0)}, organisations {t.get('organisations', 0)}, "
            f"people {t.get('people', 0)}   (in the reports built now)",
            f"  graph: {self.triples} triples → {self.out_dir / 'kg.ttl'}",
            f"  warnings {len(self.warnings)}, consistency findings {len(self.findings)}",
        ]
        lines += [f"  finding: {x}" for x in self.findings]
        lines += [f"  warning: {x}" for x in self.warnings[:20]]
        if len(self.warnings) > 20:
            lines.append(f"  … {len(self.warnings) - 20} more warnings")
        return "\n".join(lines)


def _in_shard(source: str, shard: tuple[int, int] | None) -> bool:
    if shard is None:
        return True
    import hashlib

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


# Results a parallel build lets the workers run ahead of the parent (each holds a report's N-Quads
# and Turtle part, ~1 MB): when storing is slower than extracting, an unbounded queue of finished
# reports held 5 GB at 10k reports.
_AHEAD_PER_JOB = 4


def _results(paths: list[Path], jobs: int, max_bytes, progress: bool, with_part: bool = False):
    """Process files (in worker processes when jobs > 1), yielding results in input order; at most
    ``jobs × _AHEAD_PER_JOB`` finished results wait for the caller."""
    args = [(str(p), max_bytes, with_part) for p in paths]
    bar = None
    if progress and len(paths) > 5:
        import click

        bar = click.progressbar(length=len(paths), label="building", file=sys.stderr)
        bar.__enter__()
    pool = None
    try:
        if jobs == 1 or len(paths) < 4:
            it = map(_process_safely, args)
        else:
            import multiprocessing as mp

            pool = mp.get_context("fork" if sys.platform != "win32" else "spawn").Pool(jobs)
            it = _windowed(pool, args, jobs * _AHEAD_PER_JOB)
        for r in it:
            if bar is not None:
                bar.update(1)
            yield r
        if pool is not None:
            pool.close()
            pool.join()
            pool = None
    finally:
        if pool is not None:  # the caller stopped early (an error, Ctrl-C): stop the workers
            pool.terminate()
        if bar is not None:
            bar.__exit__(None, None, None)


def _windowed(pool, args: list, window: int):
    """``pool.imap(_process_safely, args)`` with at most ``window`` tasks in flight or waiting."""
    from collections import deque

    todo = iter(args)
    flight = deque(pool.apply_async(_process_safely, (a,)) for a in itertools.islice(todo, window))
    while flight:
        r = flight.popleft().get()
        nxt = next(todo, None)
        if nxt is not None:
            flight.append(pool.apply_async(_process_safely, (nxt,)))
        yield r


def build_corpus(inputs: list[Path], out_dir: Path, *, jobs: int = 1, prune: bool = False,
                 shard: str | None = None, write_views: bool = True, progress: bool = False,
                 max_bytes: int | None = None) -> BuildSummary:
    """Build (or update) the graph of every report under ``inputs`` into ``out_dir``."""
    import pyoxigraph

    from kg.export import write_turtle
    from kg.store import Store

    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = jobs or os.cpu_count() or 1
    summary = BuildSummary(out_dir=out_dir)
    totals = {k: 0 for k in ("problems", "measures", "policies", "organisations", "people")}
    sh = parse_shard(shard)
    try:
        paths = [p for p in iter_sources(list(inputs)) if _in_shard(p.name, sh)]
    except KgError as e:
        summary.failures.append(str(e))
        paths = []

    if sh is not None:  # a slice: N-Quads only, no store, no views
        target = out_dir / f"shard-{sh[0]}-of-{sh[1]}.nq"
        tmp = target.with_suffix(".nq.tmp")
        seen: set[str] = set()
        quads = 0
        # streamed report by report (in input order, each report's lines sorted): a slice of any
        # size is written without holding it; every line names its report's graph, so no two
        # reports' lines can repeat each other.
        with open(tmp, "wb") as f:
            for r in _results(paths, jobs, max_bytes, progress):
                if isinstance(r, str):
                    summary.failures.append(r)
                    continue
                if r.sha256 in seen:
                    summary.warnings.append(f"{r.source}: same bytes as a file already built; skipped")
                    continue
                seen.add(r.sha256)
                lines = sorted({x for x in r.nquads.split(b"\n") if x})
                f.write(b"\n".join(lines) + b"\n" if lines else b"")
                quads += len(lines)
                _add(totals, r.stats)
                summary.reports_built += 1
                summary.findings += r.findings
                summary.warnings += r.warnings
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
        summary.triples = quads
        summary.totals = totals
        summary.outputs.append(target)
        summary.seconds = time.perf_counter() - t0
        return summary

    store = Store.open(out_dir)
    try:
        with store.writer(wait=0):
            manifest = store.manifest()
            todo, hashes = [], {}
            for p in paths:
                # unchanged files are skipped by content hash (reading bytes is cheap next to parsing)
                try:
                    import hashlib

                    digest = hashlib.sha256(p.read_bytes()).hexdigest()
                except OSError:
                    todo.append(p)
                    continue
                hashes[p.name] = digest
                if manifest.get(p.name, {}).get("sha256") == _stamp(digest):
                    summary.reports_skipped += 1
                else:
                    todo.append(p)
            seen_hash = {v["sha256"].split("@")[0]: k for k, v in manifest.items()}
            for r in _results(todo, jobs, max_bytes, progress, with_part=True):
                if isinstance(r, str):
                    summary.failures.append(r)
                    continue
                other = seen_hash.get(r.sha256)
                if other is not None and other != r.source:
                    summary.warnings.append(f"{r.source}: same bytes as {other}; skipped as a duplicate")
                    continue
                seen_hash[r.sha256] = r.source
                t_put = time.perf_counter()
                # N-Quads bytes go to the store's bulk loader as they are (no Quad objects: 27 % less
                # wall time in this loop at 1k reports); a report whose text could make a line over
                # Oxigraph's 16 MiB parser limit goes as Quads with rk:content built directly.
                small = len(r.nquads) < _BULK_LINE_LIMIT
                store.replace_report(r.source, _stamp(r.sha256), r.graph,
                                     r.nquads if small else r.quads())
                t_part = time.perf_counter()
                summary.timings["store"] = summary.timings.get("store", 0.0) + t_part - t_put
                store.save_part(r.graph, r.part)
                summary.timings["export"] = summary.timings.get("export", 0.0) + time.perf_counter() - t_part
                _add(totals, r.stats)
                for k, v in r.timings.items():
                    summary.timings[k] = summary.timings.get(k, 0.0) + v
                summary.reports_built += 1
                summary.findings += r.findings
                summary.warnings += r.warnings
            if prune:
                present = {p.name for p in paths}
                for source in sorted(set(store.manifest()) - present):
                    store.remove_report(source)
                    summary.reports_removed += 1
            t_store = time.perf_counter()
            ttl, count_file = out_dir / "kg.ttl", out_dir / "kg.ttl.count"
            unchanged = summary.reports_built == 0 and summary.reports_removed == 0
            if unchanged and ttl.exists() and count_file.exists():
                # nothing was built or removed: kg.ttl already holds this store's graph
                summary.triples = int(count_file.read_text() or 0)
            else:
                summary.triples = write_turtle(store, ttl)
                count_file.write_text(str(summary.triples))
            summary.timings["export"] = summary.timings.get("export", 0.0) + time.perf_counter() - t_store
            summary.outputs.append(ttl)
        store.prune_parts()  # after the switch: the parts of replaced or removed reports
    finally:
        store.close()
    unchanged = summary.reports_built == 0 and summary.reports_removed == 0
    if write_views and not (unchanged and (out_dir / "index.html").exists()):
        try:
            from kg.views import write_views as _write_views

            summary.outputs += list(_write_views(out_dir))
        except KgError as e:
            summary.warnings.append(f"views not written: {e}")
    summary.totals = totals
    summary.seconds = time.perf_counter() - t0
    return summary


# the modules whose code shapes what a report contributes to the graph
GRAPH_SHAPING = ("doc.py", "ingest/*.py", "normalise.py", "structure.py", "resolve.py", "rdf.py", "vocab.py",
                 "zh.py", "extractors/*.py")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """A hash of the code that shapes the graph: a changed extractor rebuilds every report, a
    changed CLI or store does not."""
    import hashlib

    h = hashlib.sha256()
    root = Path(__file__).parent
    for p in sorted(p for pattern in GRAPH_SHAPING for p in root.glob(pattern)):
        h.update(p.relative_to(root).as_posix().encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def _stamp(digest: str) -> str:
    """What the store's manifest records for a built file: its bytes' hash and the code's."""
    return f"{digest}@{code_version()}"


def _add(totals: dict, stats: dict) -> None:
    for k in totals:
        totals[k] += stats.get(k, 0)
