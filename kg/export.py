"""Exports: deterministic Turtle of the whole graph, the other RDF formats, Gephi graphs, the ledger.

The RDF writers start from pyoxigraph's N-Triples (fast, correctly escaped) and only regroup and
shorten the lines in Python: the same data always gives the same bytes — subjects, predicates
(``rdf:type`` first) and objects sorted, prefixes from :data:`kg.vocab.PREFIXES`. Literals come
out as the store keeps them: Oxigraph stores numbers in canonical form, so a report's
``"5176400.0"^^xsd:double`` is written back as ``"5176400"^^xsd:double`` (the same value).

>>> from pyoxigraph import Literal, NamedNode, Quad
>>> q = Quad(NamedNode("https://w3id.org/rectkg/id/report/k"),
...          NamedNode("http://purl.org/dc/terms/title"), Literal("通报", language="zh"),
...          NamedNode("https://w3id.org/rectkg/graph/k"))
>>> print(turtle_text([q]).splitlines()[-1])
<https://w3id.org/rectkg/id/report/k> dcterms:title "通报"@zh .
"""
from __future__ import annotations

import bisect
import csv
import functools
import hashlib
import io
import itertools
import json
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Iterable

import pyoxigraph as ox
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Triple

from kg.errors import ExportError
from kg.vocab import ANALYSIS_GRAPH_IRI, GRAPH_IRI, ID_IRI, PREFIXES, SHARED_GRAPH_IRI

FORMATS = ("turtle", "nt", "trig", "nquads", "jsonld", "graphml", "gexf", "ledger-csv")
EXTENSIONS = {"turtle": ".ttl", "nt": ".nt", "trig": ".trig", "nquads": ".nq",
              "jsonld": ".jsonld", "graphml": ".graphml", "gexf": ".gexf", "ledger-csv": ".csv"}
LEDGER_HEADER = ["报告", "序号", "问题", "类别", "状态", "整改措施", "责任单位"]

_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
_XSD = PREFIXES["xsd"]
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_INT = re.compile(r"^[+-]?[0-9]+$")
_DEC = re.compile(r"^[+-]?[0-9]*\.[0-9]+$")
_BASES = sorted(((iri, p) for p, iri in PREFIXES.items()), key=lambda x: -len(x[0]))
_BY_BASE = dict(_BASES)
assert all(b.endswith(("/", "#")) for b in _BY_BASE), "a prefix must end in / or #"


# ---------------------------------------------------------------------------- sources
def _db_of(src):
    """A pyoxigraph store, and whether its default graph is to be left out (an old-layout kg
    store kept its manifest there)."""
    from kg.store import Store

    if isinstance(src, Store):
        return src.db, True
    if isinstance(src, ox.Store):
        return src, False
    return None, False


def _graph_ntriples(src) -> dict[str, bytes]:
    """N-Triples bytes per graph (key "" = the default graph) of a store or of quads/triples."""
    db, manifest_in_default = _db_of(src)
    out: dict[str, bytes] = {}
    if db is not None:
        for g in db.named_graphs():
            out[str(g)] = db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
        if not manifest_in_default:
            data = db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
            if data:
                out[""] = data
        return out
    groups: dict[str, list[Triple]] = {}
    for q in src:
        if isinstance(q, Quad):
            key = "" if isinstance(q.graph_name, DefaultGraph) else str(q.graph_name)
            groups.setdefault(key, []).append(q.triple)
        elif isinstance(q, Triple):
            groups.setdefault("", []).append(q)
        else:
            raise ExportError(f"cannot export {type(q).__name__} objects",
                              hint="pass a Store, a pyoxigraph Store or pyoxigraph Quads")
    for key, triples in groups.items():
        out[key] = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return out


def _lines(data: bytes) -> list[str]:
    """N-Triples lines without the final `` .``."""
    return [line[:-2] for line in data.decode("utf-8").split("\n") if line]


def sorted_unique(lines: list[str]) -> list[str]:
    """``sorted(set(lines))``, without the work when they come so already (the shared graph's
    lines pass through several writers).

    >>> sorted_unique(["b", "a", "b"]), sorted_unique(["a", "b"])
    (['a', 'b'], ['a', 'b'])
    """
    if all(a < b for a, b in zip(lines, itertools.islice(lines, 1, None))):
        return list(lines)
    return sorted(set(lines))


# ---------------------------------------------------------------------------- Turtle writer
class _Shortener:
    """Turns N-Triples terms into Turtle's shorter forms, remembering each answer."""

    def __init__(self):
        self.cache: dict[str, str] = {}

    def iri(self, term: str) -> str:
        # a prefixed name's local part holds no '/' or '#', so only the base up to the IRI's last
        # one can shorten it
        iri = term[1:-1]
        cut = max(iri.rfind("/"), iri.rfind("#")) + 1
        prefix = _BY_BASE.get(iri[:cut])
        if prefix is not None and _LOCAL.match(iri[cut:]):
            return f"{prefix}:{iri[cut:]}"
        return term

    def __call__(self, term: str) -> str:
        if term[-1] != ">" and term[0] == '"':
            return term  # a plain or language-tagged literal is written as it is
        got = self.cache.get(term)
        if got is not None:
            return got
        if term.startswith("<"):
            if term.startswith("<<"):
                raise ExportError("RDF-star triple terms cannot be written as Turtle 1.1",
                                  hint="export as nquads")
            got = self.iri(term)
        elif term.startswith('"'):
            end = term.rfind('"')
            tail = term[end + 1:]
            if tail.startswith("^^"):
                lex = term[1:end]
                dt = tail[2:]
                if dt == f"<{_XSD}integer>" and _INT.match(lex):
                    got = lex
                elif dt == f"<{_XSD}decimal>" and _DEC.match(lex):
                    got = lex
                elif dt == f"<{_XSD}boolean>" and lex in ("true", "false"):
                    got = lex
                else:
                    got = term[:end + 1] + "^^" + self.iri(dt)
            else:
                got = term
        else:
            got = term  # a blank node
        self.cache[term] = got
        return got


def _turtle_body(lines: list[str], short: _Shortener, indent: str = "") -> tuple[list[str], int]:
    """N-Triples lines → Turtle statements (one per subject), de-duplicated and sorted.

    Subjects are sorted, then each subject's predicate-object pairs, which is the order of the
    sorted whole lines (an IRI subject ends in ``>``, a blank node is followed by a space), so one
    sort of the lines (nearly free when they come sorted) gives every group in order; only
    ``rdf:type`` is moved first (as ``a``). The evidence selectors (half of a report's lines, one
    block of the sorted lines) take a short way: see :func:`_selector_statements`.
    """
    ordered = sorted(lines)
    first = bisect.bisect_left(ordered, _SPAN)
    last = bisect.bisect_left(ordered, _SPAN_END, first)
    out: list[str] = []
    n = _statements(ordered[:first], short, indent, out)
    n += _selector_statements(ordered[first:last], short, indent, out)
    n += _statements(ordered[last:], short, indent, out)
    return out, n


def _statements(ordered: list[str], short: _Shortener, indent: str, out: list[str]) -> int:
    """:func:`_turtle_body` of sorted lines: the statements appended to ``out``; returns the
    number of distinct triples."""
    pad = indent + "    "
    sep_long = f",\n{pad}    "
    sep_pred = f" ;\n{pad}"
    n = 0
    subject = previous = None
    grouped: list[tuple[str, list[str]]] = []  # (predicate, its objects shortened)

    def statement() -> str:
        body = []
        typed = None
        for p, objs in grouped:
            if len(objs) == 1:
                text = objs[0]
            else:
                text = ", ".join(objs)
                if len(text) >= 100:
                    text = sep_long.join(objs)
            if p == _RDF_TYPE:
                typed = "a " + text
            else:
                body.append(short(p) + " " + text)
        if typed is not None:
            body.insert(0, typed)
        return indent + short(subject) + " " + sep_pred.join(body) + " .\n"

    cached = short.cache.get
    for line in ordered:
        if line == previous:
            continue
        previous = line
        s, _, rest = line.partition(" ")
        p, _, o = rest.partition(" ")
        if s != subject:
            if subject is not None:
                out.append(statement())
            subject, grouped = s, [(p, [])]
        elif p != grouped[-1][0]:
            grouped.append((p, []))
        if o[0] == '"' and o[-1] != ">":   # a plain or language-tagged literal stays as it is
            grouped[-1][1].append(o)
        else:
            grouped[-1][1].append(cached(o) or short(o))
        n += 1
    if subject is not None:
        out.append(statement())
    return n


_OA = PREFIXES["oa"]
_SPAN = f"<{ID_IRI}span/"
_SPAN_END = _SPAN[:-1] + chr(ord("/") + 1)
# a selector's six sorted lines after its subject, as kg.rdf writes them (the objects' starts)
_SELECTOR = (f" {_RDF_TYPE} <{_OA}TextPositionSelector>", f" {_RDF_TYPE} <{_OA}TextQuoteSelector>",
             f" <{_OA}end> ", f" <{_OA}exact> ", f" <{_OA}start> ",
             f" <{PREFIXES['rk']}inReport> ")


def _selector_statements(ordered: list[str], short: _Shortener, indent: str,
                         out: list[str]) -> int:
    """:func:`_statements` of the sorted lines of evidence selectors, the same text: a subject
    whose lines are exactly the six kg.rdf writes (two types, end, exact, start, inReport) is
    written straight from them; any other goes the general way."""
    if not ordered:
        return 0
    sep = f" ;\n{indent}    "
    cached = short.cache.get
    a, b, end_p, exact_p, start_p, in_p = _SELECTOR
    types = ", ".join(short(x.rpartition(" ")[2]) for x in (a, b))
    if len(types) >= 100:   # (not with today's prefixes) the general way writes them apart
        return _statements(ordered, short, indent, out)
    head = f" a {types}{sep}{short(end_p[1:-1])} "
    mid1, mid2 = f"{sep}{short(exact_p[1:-1])} ", f"{sep}{short(start_p[1:-1])} "
    mid3 = f"{sep}{short(in_p[1:-1])} "
    lens = [len(x) for x in _SELECTOR]

    def obj(o: str) -> str:
        if o[0] == '"' and o[-1] != ">":
            return o
        return cached(o) or short(o)

    n = i = 0
    size = len(ordered)
    while i < size:
        line = ordered[i]
        s = line[:line.index(" ")]
        j = i + 6
        # sorted lines: when the sixth starts with s, the six between have the subject s
        if j <= size and ordered[i + 5].startswith(s + in_p) and line == s + a \
                and ordered[i + 1] == s + b and ordered[i + 2].startswith(s + end_p) \
                and ordered[i + 3].startswith(s + exact_p) and ordered[i + 4].startswith(s + start_p) \
                and (j == size or not ordered[j].startswith(s + " ")):
            k = len(s)
            # (each selector's IRI once: shortened without filling the memo)
            out.append(f"{indent}{short.iri(s)}{head}"
                       f"{obj(ordered[i + 2][k + lens[2]:])}{mid1}"
                       f"{obj(ordered[i + 3][k + lens[3]:])}{mid2}"
                       f"{obj(ordered[i + 4][k + lens[4]:])}{mid3}"
                       f"{obj(ordered[i + 5][k + lens[5]:])} .\n")
            n += 6
            i = j
            continue
        j = i + 1   # the general way, for this subject's lines
        while j < size and ordered[j].startswith(s + " "):
            j += 1
        n += _statements(ordered[i:j], short, indent, out)
        i = j
    return n


def _prefix_block() -> str:
    return "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in sorted(PREFIXES.items())) + "\n"


# ---------------------------------------------------------------------------- Turtle by parts
# kg.ttl is written graph by graph, in the order of the graph IRIs. A report graph's triples that
# name the report's key (its nodes, spans, and the links from shared entities to them) can come
# from that report alone: they are rendered once, when the report is built, into a *part*
# (Turtle text) that is cached beside the store and copied into kg.ttl as it is. The other triples
# (labels and types of policies, organisations, concepts shared between reports) are collected,
# de-duplicated and written last. The same graphs always give the same bytes, whatever the order
# the reports were built in, and writing kg.ttl never has to sort or hold the whole graph.
_REPORT_GRAPH = re.compile(re.escape(GRAPH_IRI) + r"([0-9a-f]{16})$")
PART_MAGIC = b"rectkg-part 1"


class TurtlePart:
    """One graph's share of kg.ttl: Turtle text of the triples only it can contribute (``own``,
    ``own_count`` distinct triples) and N-Triples lines (without `` .``) of the shared ones."""

    __slots__ = ("own", "own_count", "shared")

    def __init__(self, own: bytes, own_count: int, shared: list[str]):
        self.own, self.own_count, self.shared = own, own_count, shared

    def to_bytes(self) -> bytes:
        """The part as a cache file: a header line, the shared lines, the own Turtle text."""
        shared = "".join(line + "\n" for line in self.shared).encode("utf-8")
        head = b"%s %d %d %d\n" % (PART_MAGIC, self.own_count, len(shared), len(self.own))
        return head + shared + self.own


def report_key_of(graph: str) -> str | None:
    """The report key of a report graph's IRI (``<…/graph/KEY>`` or bare), else None.

    >>> report_key_of("https://w3id.org/rectkg/graph/0123456789abcdef")
    '0123456789abcdef'
    >>> report_key_of("https://w3id.org/rectkg/graph/analysis") is None
    True
    """
    m = _REPORT_GRAPH.match(graph.strip("<>"))
    return m.group(1) if m else None


_part_shortener = _Shortener()


@functools.lru_cache(maxsize=1)
def part_version() -> str:
    """A hash of the code that renders parts: parts written by another Turtle writer are unused."""
    import inspect

    h = hashlib.sha256(json.dumps(sorted(PREFIXES.items())).encode())
    for obj in (_Shortener, _turtle_body, _statements, _selector_statements, _prefix_block,
                TurtlePart, turtle_part, nquads_part, write_piece):
        h.update(inspect.getsource(obj).encode())
    return h.hexdigest()[:12]


def turtle_part(lines: list[str], graph: str) -> TurtlePart:
    """Split one graph's N-Triples lines (without `` .``) into its part of kg.ttl."""
    key = report_key_of(graph)
    if key is None:
        own, shared = [], lines
    else:
        own, shared = [], []
        for line in lines:
            (own if key in line else shared).append(line)
    short = _part_shortener
    if len(short.cache) > 200_000:  # a long-lived worker: keep the memo bounded
        short.cache.clear()
    body, n = _turtle_body(own, short)
    return TurtlePart("".join(s + "\n" for s in body).encode("utf-8"), n, sorted_unique(shared))


def nquads_part(nquads: bytes, graph: str) -> TurtlePart:
    """The part of a report whose N-Quads (each line in ``graph`` or the shared graph) are given."""
    tails = (f" <{graph}> .", f" <{SHARED_GRAPH_IRI}> .")
    lines = []
    for line in nquads.decode("utf-8").split("\n"):
        if line:
            for tail in tails:
                if line.endswith(tail):
                    lines.append(line[:-len(tail)])
                    break
            else:
                raise ExportError(f"an N-Quads line is not in the graph {graph}: {line[:120]}")
    return turtle_part(lines, graph)


def graph_parts(src):
    """(graph IRI, part) for every graph of a source, in IRI order (key "" = the default graph).

    A kg Store's report graphs come from their pieces (:func:`write_piece`) when these exist."""
    from kg.store import Store

    db, skip_default = _db_of(src)
    if db is None:
        for g, data in sorted(_graph_ntriples(src).items()):
            yield g, turtle_part(_lines(data), g)
        return
    cached = (lambda g: None)
    if isinstance(src, Store):
        by_graph = {e["graph"]: e for e in src.manifest().values() if e.get("piece")}
        out_dir = src.out_dir

        def cached(g):
            entry = by_graph.get(g)
            # (its shared lines are in the store's shared graph, normalised)
            return read_own_part(out_dir, entry["piece"]) if entry is not None else None
    graphs = sorted(g.value for g in db.named_graphs() if isinstance(g, NamedNode))
    if not skip_default:
        data = db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
        if data:
            yield "", turtle_part(_lines(data), "")
    for g in graphs:
        part = cached(g)
        if part is None:
            part = turtle_part(_lines(db.dump(format=ox.RdfFormat.N_TRIPLES,
                                              from_graph=NamedNode(g))), g)
        yield g, part


# ---------------------------------------------------------------------------- pieces
# A *piece* is what one report contributes to OUT, written once, by the worker that built it, and
# named by its content (the report's bytes and name, the code that built it, this writer's version):
#     parts/KEY-TAG.nq       its own N-Quads, sorted (every line in its graph): a generation
#                            hard-links it into nquads/, beside shared.nq and analysis.nq
#     parts/KEY-TAG.ttlpart  its share of kg.ttl (a TurtlePart), with the triples about the
#                            entities it shares with other reports (its part of the shared graph)
#     parts/KEY-TAG.json     what the build says of it (counts, warnings, findings) and the sizes of
#                            the two files: a piece whose files are missing or torn is absent
# Generations link to pieces by name (their manifest entries carry it), and hard-link the .nq
# files into their nquads/ folder; pieces no kept generation names are pruned.
PARTS_DIR = "parts"


def piece_id(key: str, stamp: str, name: str) -> str:
    """The name of a report's piece: its key and a hash of what shapes its content.

    >>> piece_id("0123456789abcdef", "ab@cd", "a.txt")[:17]
    '0123456789abcdef-'
    """
    tag = hashlib.sha256(f"{stamp}|{name}|{part_version()}".encode()).hexdigest()[:16]
    return f"{key}-{tag}"


def piece_files(out_dir: Path, piece: str) -> tuple[Path, Path, Path]:
    """The .nq, .ttlpart and .json files of a piece."""
    folder = Path(out_dir) / PARTS_DIR
    return folder / f"{piece}.nq", folder / f"{piece}.ttlpart", folder / f"{piece}.json"


def _write_aside(path: Path, data: bytes) -> None:
    """Write a file under a temporary name and rename it (no fsync: the build syncs the file
    system once before it switches generations)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_piece(out_dir: Path, piece: str, own: list[str], shared: list[str], graph: str,
                meta: dict) -> dict:
    """Write a report's piece from its triples as N-Triples lines without `` .`` (``own``: those
    in ``graph``, each naming its key; ``shared``: those in the shared graph); ``meta`` (JSON
    values) is kept with it. Returns the piece's record (meta + file sizes)."""
    # the lines sorted as text are sorted as N-Quads bytes too: UTF-8 keeps the order of code
    # points, and where one line is the start of another the longer goes on with '@', '^' or a
    # name's character, all after the ' ' that begins the graph's tail
    own_sorted = sorted(set(own))
    tail = f" <{graph}> .\n"
    own_lines = [(line + tail).encode("utf-8") for line in own_sorted]
    own_bytes = b"".join(own_lines)
    # the evidence selectors' lines come together (their subjects share a prefix): where, so that
    # readers that need no evidence (kg.answers) can skip them
    first = bisect.bisect_left(own_sorted, _SPAN)
    last = bisect.bisect_left(own_sorted, _SPAN_END, first)
    span_from = span_to = 0
    if first < last:
        span_from = sum(map(len, own_lines[:first]))
        span_to = span_from + sum(map(len, own_lines[first:last]))
    short = _part_shortener
    if len(short.cache) > 200_000:  # a long-lived worker: keep the memo bounded
        short.cache.clear()
    body, n = _turtle_body(own_sorted, short)
    part = TurtlePart("".join(s + "\n" for s in body).encode("utf-8"), n, sorted(set(shared)))
    part_bytes = part.to_bytes()
    nq, ttl, js = piece_files(out_dir, piece)
    nq.parent.mkdir(parents=True, exist_ok=True)
    _write_aside(nq, own_bytes)
    _write_aside(ttl, part_bytes)
    record = dict(meta)
    record.update({"piece": piece, "graph": graph, "own_bytes": len(own_bytes),
                   "nq_bytes": len(own_bytes), "part_bytes": len(part_bytes),
                   "quads": len(own_sorted), "shared_quads": len(part.shared),
                   "spans": [span_from, span_to]})
    _write_aside(js, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return record


def read_piece(out_dir: Path, piece: str) -> dict | None:
    """A piece's record, or None when any of its files is missing or not the size recorded."""
    nq, ttl, js = piece_files(out_dir, piece)
    try:
        record = json.loads(js.read_text(encoding="utf-8"))
        if nq.stat().st_size != record["nq_bytes"] or ttl.stat().st_size != record["part_bytes"]:
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return record


def _part_head(f) -> tuple[int, int, int]:
    """(own triples, shared bytes, own bytes) from a part file's header line (TurtlePart.to_bytes);
    ValueError when it is not one."""
    fields = f.readline().split(b" ")
    if len(fields) != 5 or b" ".join(fields[:2]) != PART_MAGIC:
        raise ValueError("not a part")
    own_count, n_shared, n_own = (int(x) for x in fields[2:])
    return own_count, n_shared, n_own


def read_own_part(out_dir: Path, piece: str) -> "TurtlePart | None":
    """The kg.ttl share of a piece without its shared lines (those come normalised from the
    shared graph), or None when it is missing or not complete."""
    try:
        with open(piece_files(out_dir, piece)[1], "rb") as f:
            own_count, n_shared, n_own = _part_head(f)
            f.seek(n_shared, os.SEEK_CUR)
            own = f.read(n_own + 1)
    except (OSError, ValueError):
        return None
    if len(own) != n_own:
        return None
    return TurtlePart(own, own_count, [])


def shared_lines(out_dir: Path, piece: str) -> list[str] | None:
    """The shared-entity triples of a piece as N-Triples lines without `` .`` (None: no piece)."""
    try:
        with open(piece_files(out_dir, piece)[1], "rb") as f:
            data = f.read(_part_head(f)[1])
    except (OSError, ValueError):
        return None
    return data.decode("utf-8").split("\n")[:-1] if data else []


def prune_pieces(out_dir: Path, keep: set[str]) -> int:
    """Delete the files of pieces not in ``keep`` (and temporaries); return how many."""
    folder = Path(out_dir) / PARTS_DIR
    if not folder.is_dir():
        return 0
    gone = 0
    for entry in os.scandir(folder):
        stem = entry.name.rsplit(".", 1)[0]
        if entry.name.startswith(".") or stem not in keep:
            try:
                os.unlink(entry.path)
                gone += 1
            except OSError:
                pass
    return gone


_PREF = "<http://www.w3.org/2004/02/skos/core#prefLabel>"
_ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"


def normalise_shared(lines) -> list[str]:
    """The shared graph from the union of every report's shared lines (N-Triples without
    `` .``), sorted: where reports named an entity differently (one report's 县委 is another's
    中共某县委员会), it keeps one ``skos:prefLabel`` per language, the longest (ties: the first
    in code-point order), and the others become ``skos:altLabel`` — SKOS allows one.

    >>> o = "<https://w3id.org/rectkg/id/org/1>"
    >>> for x in normalise_shared([f'{o} {_PREF} "县委"@zh', f'{o} {_PREF} "中共某县委员会"@zh']):
    ...     print(x.split(" ", 1)[1])
    <http://www.w3.org/2004/02/skos/core#altLabel> "县委"@zh
    <http://www.w3.org/2004/02/skos/core#prefLabel> "中共某县委员会"@zh
    """
    out = set(lines)
    prefs: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for line in out:
        s, _, rest = line.partition(" ")
        p, _, o = rest.partition(" ")
        if p == _PREF:
            tail = o[o.rfind('"') + 1:]
            lang = tail[1:] if tail.startswith("@") else ""
            prefs.setdefault((s, lang), []).append((o, line))
    for (s, _), labels in prefs.items():
        if len(labels) < 2:
            continue
        labels.sort(key=lambda x: (-len(x[0]), x[0]))
        for o, line in labels[1:]:
            out.discard(line)
            out.add(f"{s} {_ALT} {o}")
    return sorted(out)


def recover_shared_lines(store, graph: str) -> list[str]:
    """The shared-graph triples about the entities a report graph names, as N-Triples lines
    without `` .``: a report's shared lines when its piece is gone (every shared entity of a
    report is named by one of its own triples: ``rk:mentions``, ``rk:kind`` …)."""
    got = store.query(f"SELECT DISTINCT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ {{ ?x ?q ?s }} UNION "
                      f"{{ ?s ?q ?x }} }} GRAPH <{SHARED_GRAPH_IRI}> {{ ?s ?p ?o }} }}",
                      use_default_graph_as_union=False)
    return sorted(f"{s} {p} {o}" for s, p, o in got.rows)


def ensure_piece(store, out_dir: Path, name: str, entry: dict) -> dict:
    """Write the piece of a report from the store (an output folder of an older rectkg, or one
    whose pieces were deleted) and return its manifest entry naming it."""
    graph = entry["graph"]
    key = report_key_of(graph) or hashlib.sha256(graph.encode()).hexdigest()[:16]
    own, shared = [], set(recover_shared_lines(store, graph))
    for line in _lines(store.db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=NamedNode(graph))):
        if key in line:
            own.append(line)
        else:  # an older store kept the shared entities' triples in each report's graph
            shared.add(line)
    stamp = entry.get("sha256", "")
    piece = piece_id(key, stamp, name)
    meta = {"name": name, "sha256": stamp.split("@")[0], "stamp": stamp, "stats": {},
            "warnings": [], "findings": []}
    record = write_piece(Path(out_dir), piece, own, sorted(shared), graph, meta)
    fixed = dict(entry)
    fixed.update({"piece": piece, "own_bytes": record["own_bytes"], "quads": record["quads"],
                  "spans": record["spans"]})
    return fixed


def write_nquads_dir(store, out_dir: Path, dest: Path) -> int:
    """``dest/KEY.nq`` for each report (its piece's N-Quads, hard-linked), ``dest/shared.nq`` (the
    entities reports share) and ``dest/analysis.nq`` when there is an analysis graph: loading
    every file gives the store's quads, each once. Returns the number of files."""
    entries = {}
    for name, entry in store.manifest().items():
        if not entry.get("piece") or read_piece(out_dir, entry["piece"]) is None:
            entry = ensure_piece(store, out_dir, name, entry)
        entries[name] = entry
    graphs = {}
    for name, iri in (("shared", SHARED_GRAPH_IRI), ("analysis", ANALYSIS_GRAPH_IRI)):
        g = NamedNode(iri)
        if any(True for _ in store.db.quads_for_pattern(None, None, None, g)):
            graphs[name] = (iri, _lines(store.db.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)))
    return nquads_files(out_dir, entries, graphs, dest)


def nquads_files(out_dir: Path, entries: dict, graphs: dict, dest: Path) -> int:
    """Write ``dest/`` (see :func:`write_nquads_dir`) from the reports' pieces (``entries``: name →
    manifest entry naming its piece) and the other graphs' N-Triples lines (``graphs``: file stem →
    (graph IRI, lines without `` .``)). Returns the number of files."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    n = 0
    for name, entry in sorted(entries.items()):
        src = piece_files(out_dir, entry["piece"])[0]
        key = report_key_of(entry["graph"]) or entry["piece"]
        dst = dest / f"{key}.nq"
        if os.path.lexists(dst):
            continue  # (two names, one graph: the same file)
        try:
            os.link(src, dst)
        except OSError:
            _write_aside(dst, src.read_bytes())
        n += 1
    for name, (iri, lines) in sorted(graphs.items()):
        if lines:
            body = "".join(f"{x} <{iri}> .\n" for x in sorted_unique(lines))
            _write_aside(dest / f"{name}.nq", body.encode("utf-8"))
            n += 1
    return n


def pieces_graph_parts(out_dir: Path, entries: dict, shared: list[str]):
    """(graph IRI, part) in IRI order for a graph made of the reports' pieces (``entries``: name →
    manifest entry) and the shared graph's lines: what :func:`graph_parts` gives for a store
    holding them, read without the store (kg.ttl is written before the store is loaded)."""
    by_graph: dict[str, str] = {}
    for _, entry in sorted(entries.items()):
        by_graph.setdefault(entry["graph"], entry["piece"])
    if shared:
        by_graph[SHARED_GRAPH_IRI] = ""
    for g in sorted(by_graph):
        if g == SHARED_GRAPH_IRI:
            yield g, turtle_part(shared, g)
            continue
        part = read_own_part(out_dir, by_graph[g])
        if part is None:
            raise ExportError(f"the piece {by_graph[g]} of {g} is missing or torn",
                              hint="run the build again: it writes the piece anew")
        yield g, part


def write_turtle_from_pieces(out_dir: Path, entries: dict, shared: list[str], path: Path) -> int:
    """kg.ttl (see :func:`write_turtle`) from the reports' pieces and the shared lines."""
    return _atomic_write(Path(path), writer=lambda f: _write_parts(
        pieces_graph_parts(out_dir, entries, shared), f))


def _write_parts(parts, out) -> int:
    """Write kg.ttl from parts to a binary stream: prefixes, each own text, the shared triples."""
    out.write(_prefix_block().encode("utf-8"))
    n = 0
    shared: list[list[str]] = []
    for _, part in parts:
        out.write(part.own)
        n += part.own_count
        if part.shared:
            shared.append(part.shared)
    # (parts' shared lines are sorted and distinct: from one part they need no more sorting)
    lines = shared[0] if len(shared) == 1 else sorted(set().union(*shared))
    body, m = _turtle_body(lines, _Shortener())
    out.write("\n".join(body).encode("utf-8"))
    return n + m


def turtle_text(store_or_quads) -> str:
    """The union of all named graphs as deterministic Turtle text."""
    return _turtle(store_or_quads)[0]


def _turtle(src) -> tuple[str, int]:
    buf = io.BytesIO()
    n = _write_parts(graph_parts(src), buf)
    return buf.getvalue().decode("utf-8"), n


def _atomic_write(path: Path, data: bytes | None = None, writer=None):
    """Write ``data`` (or whatever ``writer(stream)`` writes) to ``path`` via a temporary file
    and a rename, so readers never see half a file; returns what ``writer`` returned."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            got = writer(f) if writer is not None else f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return got


def write_turtle(store_or_quads, path: Path) -> int:
    """Write the union of all named graphs as one deterministic Turtle file; return the triples.

    Streamed graph by graph (a kg Store's report graphs from its part cache) to a temporary file
    beside ``path`` and renamed over it, so readers never see half.
    """
    return _atomic_write(Path(path), writer=lambda f: _write_parts(graph_parts(store_or_quads), f))


# ---------------------------------------------------------------------------- other RDF formats
def _nt(src) -> bytes:
    lines: list[str] = []
    for data in _graph_ntriples(src).values():
        lines += _lines(data)
    return "".join(f"{line} .\n" for line in sorted(set(lines))).encode("utf-8")


def _nquads(src) -> bytes:
    out = []
    for g, data in sorted(_graph_ntriples(src).items()):
        tail = f" {g} .\n" if g else " .\n"
        out += [line + tail for line in sorted(set(_lines(data)))]
    return "".join(out).encode("utf-8")


def _trig(src) -> bytes:
    short = _Shortener()
    out = [_prefix_block()]
    for g, data in sorted(_graph_ntriples(src).items()):
        body, _ = _turtle_body(_lines(data), short, indent="    " if g else "")
        if g:
            out.append(f"{short(g)} {{\n" + "\n".join(body) + "}\n\n")
        else:
            out.append("\n".join(body) + "\n")
    return "".join(out).encode("utf-8")


def _quads_of(src) -> list[Quad]:
    db, manifest_in_default = _db_of(src)
    if db is None:
        return [q if isinstance(q, Quad) else Quad(q.subject, q.predicate, q.object)
                for q in src]
    return [q for q in db.quads_for_pattern(None, None, None, None)
            if not (manifest_in_default and isinstance(q.graph_name, DefaultGraph))]


def _compact_id(iri: str) -> str:
    for base, prefix in _BASES:
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


def _jsonld_value(term) -> dict:
    if isinstance(term, NamedNode):
        return {"@id": _compact_id(term.value)}
    if isinstance(term, BlankNode):
        return {"@id": f"_:{term.value}"}
    if isinstance(term, Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype.value == _XSD + "string":
            return {"@value": term.value}
        return {"@value": term.value, "@type": _compact_id(term.datatype.value)}
    raise ExportError("RDF-star triple terms cannot be written as JSON-LD", hint="export as nquads")


def _jsonld(src) -> bytes:
    graphs: dict[str, dict[str, dict[str, list]]] = {}
    for q in _quads_of(src):
        g = "" if isinstance(q.graph_name, DefaultGraph) else str(q.graph_name)
        node = graphs.setdefault(g, {}).setdefault(str(q.subject), {"s": q.subject})
        node.setdefault(str(q.predicate), []).append(q.object)
    top = []
    for g in sorted(graphs):
        nodes = []
        for skey in sorted(graphs[g]):
            props = graphs[g][skey]
            subj = props.pop("s")
            d: dict = {"@id": _jsonld_value(subj)["@id"]}
            for pkey in sorted(props):
                objs = sorted(props[pkey], key=str)
                if pkey == _RDF_TYPE:
                    d["@type"] = [_compact_id(o.value) for o in objs]
                else:
                    d[_compact_id(pkey[1:-1])] = [_jsonld_value(o) for o in objs]
            nodes.append(d)
        if g:
            top.append({"@id": _jsonld_value(_term_of(g))["@id"], "@graph": nodes})
        else:
            top.extend(nodes)
    doc = {"@context": dict(sorted(PREFIXES.items())), "@graph": top}
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _term_of(nt: str):
    return BlankNode(nt[2:]) if nt.startswith("_:") else NamedNode(nt[1:-1])


# ---------------------------------------------------------------------------- entity graph
_SPAN_TYPES = {PREFIXES["oa"] + "TextPositionSelector", PREFIXES["oa"] + "TextQuoteSelector"}
_LABEL_PROPS = [PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label",
                PREFIXES["foaf"] + "name", PREFIXES["dcterms"] + "title",
                PREFIXES["dcterms"] + "source"]
_TYPE_ORDER = ["rk", "org", "foaf", "vcard", "skos", "prov", "oa"]
_RDF_TYPE_IRI = _RDF_TYPE[1:-1]
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def entity_graph(store_or_quads):
    """The entity graph as a ``networkx.MultiDiGraph``: IRIs with a type are nodes (spans left
    out) carrying ``label`` and ``type``; object properties between them are edges (key and
    ``predicate`` = the property, prefixed)."""
    import networkx as nx

    types: dict[str, set[str]] = {}
    labels: dict[str, dict[str, list[str]]] = {}
    links: set[tuple[str, str, str]] = set()
    for q in _quads_of(store_or_quads):
        s, p, o = q.subject, q.predicate.value, q.object
        if not isinstance(s, NamedNode):
            continue
        if p == _RDF_TYPE_IRI and isinstance(o, NamedNode):
            types.setdefault(s.value, set()).add(o.value)
        elif isinstance(o, Literal) and p in _LABEL_PROPS:
            labels.setdefault(s.value, {}).setdefault(p, []).append(o.value)
        elif isinstance(o, NamedNode):
            links.add((s.value, p, o.value))
    nodes = {iri for iri, ts in types.items() if not ts & _SPAN_TYPES}
    g = nx.MultiDiGraph()
    rank = {p: i for i, p in enumerate(_TYPE_ORDER)}
    for iri in sorted(nodes):
        compact = sorted(_compact_id(t) for t in types[iri])
        main = min(compact, key=lambda t: (rank.get(t.split(":", 1)[0], len(rank)), t))
        found = labels.get(iri, {})
        label = next((min(found[p]) for p in _LABEL_PROPS if p in found), _compact_id(iri))
        label = _NOT_XML.sub("\ufffd", label)  # GraphML and GEXF are XML 1.0
        g.add_node(iri, label=label, type=main, types=" ".join(compact))
    for s, p, o in sorted(links):
        if s in nodes and o in nodes:
            key = _compact_id(p)
            g.add_edge(s, o, key=key, predicate=key)
    return g


def _graphml(src) -> bytes:
    import networkx as nx

    buf = io.BytesIO()
    nx.write_graphml(entity_graph(src), buf, encoding="utf-8")
    return buf.getvalue()


def _gexf(src) -> bytes:
    import networkx as nx

    buf = io.BytesIO()
    nx.write_gexf(entity_graph(src), buf, encoding="utf-8")
    return buf.getvalue()


# ---------------------------------------------------------------------------- ledger
def ledger_rows(store) -> list[list[str]]:
    """The 整改台账 of every report: one row per problem/measure pair (LEDGER_HEADER columns)."""
    from kg.query import load_saved, fill_params, execute

    saved = load_saved("ledger")
    db, _ = _db_of(store)
    if db is None:
        db = ox.Store()
        db.extend(_quads_of(store))
    result = execute(db, fill_params(saved.text, {}, saved.params, saved.name), name="ledger")
    if result.variables != LEDGER_HEADER:  # pragma: no cover - the saved query is ours
        raise ExportError("kg/queries/ledger.rq must select " + ", ".join(LEDGER_HEADER))
    return [["" if t is None else t.value for t in row] for row in result.rows]


def _ledger(src) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(LEDGER_HEADER)
    w.writerows(ledger_rows(src))
    return buf.getvalue().encode("utf-8")


_WRITERS = {"turtle": lambda s: _turtle(s)[0].encode("utf-8"), "nt": _nt, "trig": _trig,
            "nquads": _nquads, "jsonld": _jsonld, "graphml": _graphml, "gexf": _gexf,
            "ledger-csv": _ledger}


def export_bytes(store, fmt: str) -> bytes:
    """The export in format ``fmt`` as bytes."""
    if fmt not in _WRITERS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    return _WRITERS[fmt](store)


def export(store, fmt: str, out: IO) -> None:
    """Write the store in format ``fmt`` to a binary or text stream.

    turtle: the union as deterministic Turtle; nt: the union as sorted N-Triples; trig, nquads,
    jsonld: named graphs kept; graphml, gexf: the entity graph (networkx); ledger-csv: the
    整改台账 of every report.
    """
    data = export_bytes(store, fmt)
    if isinstance(out, io.TextIOBase):
        out.write(data.decode("utf-8"))
    else:
        out.write(data)
    out.flush()


def export_to_path(store, fmt: str, path: Path) -> int:
    """Write the export to ``path`` atomically (a ledger CSV gets a BOM for spreadsheets)."""
    data = export_bytes(store, fmt)
    if fmt == "ledger-csv":
        data = "\ufeff".encode("utf-8") + data
    _atomic_write(Path(path), data)
    return len(data)


def export_out(out_dir: Path, fmt: str, out: IO | None = None, path: Path | None = None) -> int:
    """Export OUT's store to a stream or a file (the ``kg export`` command)."""
    from kg.store import Store

    if fmt not in _WRITERS:
        raise ExportError(f"unknown export format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    with Store.open(Path(out_dir), read_only=True) as store:
        if path is not None:
            return export_to_path(store, fmt, Path(path))
        export(store, fmt, out)
        return 0
