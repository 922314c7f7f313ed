"""Check a graph against the SHACL shapes (``ontology/shapes.ttl``) and the ontology.

:func:`validate` runs pySHACL (no inference, SHACL-SPARQL on) and also lists the ``rk:`` terms
a graph uses that ``ontology/rectkg.ttl`` does not declare; :func:`render` prints the result
for people. Every value in a violation is a plain string in prefixed form (``rkid:problem/…``,
``rk:evidence``) or a literal's text.

>>> from rdflib import Graph, URIRef
>>> g = Graph()
>>> _ = g.add((URIRef(RK_IRI + "p"), URIRef(RK_IRI + "statuss"), URIRef(RK_IRI + "Completed")))
>>> sorted(undeclared_rk_terms(g))
['https://w3id.org/rectkg/ontology#p', 'https://w3id.org/rectkg/ontology#statuss']
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store
from pyoxigraph import Literal as OxLiteral
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF, RDFS

from kg.errors import KgError, StoreError
from kg.vocab import PREFIXES, RK_IRI

def _ontology_dir() -> Path:
    """ontology/ beside the package in a checkout; kg/ontology inside an installed wheel."""
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "ontology", here / "ontology"):
        if (cand / "rectkg.ttl").exists():
            return cand
    return here.parent / "ontology"


ONTOLOGY_DIR = _ontology_dir()
ONTOLOGY_PATH = ONTOLOGY_DIR / "rectkg.ttl"
SHAPES_PATH = ONTOLOGY_DIR / "shapes.ttl"

SH = "http://www.w3.org/ns/shacl#"
_PREFIXES = sorted({**PREFIXES, "rksh": "https://w3id.org/rectkg/shapes#", "sh": SH}.items(),
                   key=lambda kv: -len(kv[1]))


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`: whether the graph conforms, and each violation.

    A violation is a dict with ``focus``, ``path``, ``message``, ``severity`` and ``value``
    (plus ``shape`` and ``constraint``, which :func:`render` groups by); absent parts are ``""``.
    """

    conforms: bool
    violations: list[dict] = field(default_factory=list)


def compact(node) -> str:
    """A node as short readable text: ``prefix:local`` for IRIs, the text of a literal.

    >>> compact(URIRef("https://w3id.org/rectkg/id/problem/ab12/0"))
    'rkid:problem/ab12/0'
    >>> compact(Literal("2021-06-16"))
    '2021-06-16'
    """
    if node is None:
        return ""
    if isinstance(node, URIRef):
        iri = str(node)
        for prefix, base in _PREFIXES:
            if iri.startswith(base) and len(iri) > len(base):
                return f"{prefix}:{iri[len(base):]}"
        return f"<{iri}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    return str(node)


def load_graph(path: Path | str) -> Store:
    """Read a graph file into an in-memory pyoxigraph Store (see :func:`kg.store.load_graph_file`)."""
    from kg.store import load_graph_file

    return load_graph_file(path)


def _ox(term):
    """An rdflib term as a pyoxigraph one."""
    if isinstance(term, URIRef):
        return NamedNode(str(term))
    if isinstance(term, BNode):
        return BlankNode(str(term))
    if term.language:
        return OxLiteral(str(term), language=term.language)
    if term.datatype:
        return OxLiteral(str(term), datatype=NamedNode(str(term.datatype)))
    return OxLiteral(str(term))


def to_store(graph: Graph) -> Store:
    """Copy an rdflib Graph (a Dataset: all its graphs) into the default graph of a new Store."""
    store = Store()
    triples = (graph.quads((None, None, None, None))
               if isinstance(graph, ConjunctiveGraph) else graph)
    store.extend(Quad(_ox(t[0]), _ox(t[1]), _ox(t[2]), DefaultGraph()) for t in triples)
    return store


@lru_cache(maxsize=8)
def _parse_cached(path: str, mtime: float) -> Graph:
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as e:
        raise KgError(f"cannot be parsed as Turtle ({e})", source=path,
                      hint="fix the file; `rapper -i turtle -c FILE` shows where") from None
    return g


def _read_turtle(path: Path) -> Graph:
    if not path.is_file():
        raise KgError("not found", source=str(path),
                      hint="run from a rectkg checkout, which has the ontology/ folder")
    return _parse_cached(str(path), path.stat().st_mtime)


@lru_cache(maxsize=4)
def _declared(path: str, mtime: float) -> frozenset[str]:
    onto = _read_turtle(Path(path))
    return frozenset(str(s) for s in onto.subjects(RDF.type)
                     if isinstance(s, URIRef) and str(s).startswith(RK_IRI))


def declared_rk_terms(ontology: Path | str | None = None) -> frozenset[str]:
    """The IRIs of every ``rk:`` term that the ontology declares (gives a type to).

    >>> RK_IRI + "Problem" in declared_rk_terms()
    True
    """
    path = Path(ontology) if ontology else ONTOLOGY_PATH
    if not path.is_file():
        _read_turtle(path)  # raises the helpful error
    return _declared(str(path), path.stat().st_mtime)


def undeclared_rk_terms(graph: Graph | Store, ontology: Path | str | None = None) -> set[str]:
    """The ``rk:`` IRIs a graph (rdflib, or a pyoxigraph Store) uses anywhere but the ontology
    does not declare."""
    declared = declared_rk_terms(ontology)
    used: set[str] = set()
    if isinstance(graph, Store):
        for row in graph.query(_USED_RK_TERMS, use_default_graph_as_union=True):
            used.add(row["t"].value)
        return used - declared
    triples = (graph.quads((None, None, None, None))
               if isinstance(graph, ConjunctiveGraph) else graph)
    for quad in triples:
        for node in quad[:3]:
            if isinstance(node, URIRef) and node.startswith(RK_IRI):
                used.add(str(node))
    return used - declared


_USED_RK_TERMS = f"""SELECT DISTINCT ?t WHERE {{
  {{ ?t ?p ?o }} UNION {{ ?s ?t ?o }} UNION {{ ?s ?p ?t }}
  FILTER (isIRI(?t) && STRSTARTS(STR(?t), "{RK_IRI}"))
}}"""


def validate(graph_or_path: Graph | Store | Path | str,
             shapes: Graph | Path | str | None = None, *,
             check_terms: bool = True) -> ValidationReport:
    """Validate a graph against the SHACL shapes; also flag undeclared ``rk:`` terms.

    The graph is an rdflib Graph, a pyoxigraph Store, or the path of a graph file; a Dataset
    or a file with named graphs is checked as the union of its graphs. ``shapes`` defaults to
    ``ontology/shapes.ttl``. With ``check_terms``, each ``rk:`` term the graph uses that the
    ontology does not declare is a violation too. pySHACL runs over a pyoxigraph Store, whose
    SPARQL is far faster than rdflib's.
    """
    import pyshacl

    if isinstance(graph_or_path, Store):
        data, owned = graph_or_path, False
    elif isinstance(graph_or_path, Graph):
        data, owned = to_store(graph_or_path), True
    else:
        data, owned = load_graph(graph_or_path), True
    if shapes is None:
        shapes_graph = _read_turtle(SHAPES_PATH)
    elif isinstance(shapes, Graph):
        shapes_graph = shapes
    else:
        shapes_graph = _read_turtle(Path(shapes))

    conforms, results, _text = pyshacl.validate(
        data, shacl_graph=shapes_graph, inference="none", advanced=True, inplace=owned,
        allow_warnings=False, allow_infos=False)
    violations = _violations(results, shapes_graph)
    if check_terms:
        for iri in sorted(undeclared_rk_terms(data)):
            violations.append({
                "focus": compact(URIRef(iri)), "path": "", "value": "",
                "message": "used in the graph but not declared in ontology/rectkg.ttl "
                           "(declare it there and in kg/vocab.py, or fix the spelling)",
                "severity": "Violation", "shape": "ontology/rectkg.ttl",
                "constraint": "Declared"})
    return ValidationReport(conforms=bool(conforms) and not violations, violations=violations)


def _violations(results: Graph, shapes: Graph) -> list[dict]:
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    parent = {ps: ns for ns, ps in shapes.subject_objects(sh("property"))}
    out = []
    for r in results.objects(None, sh("result")):
        source = results.value(r, sh("sourceShape"))
        shape = parent.get(source, source)
        component = str(results.value(r, sh("sourceConstraintComponent")) or "")
        component = component.removeprefix(SH).removesuffix("ConstraintComponent")
        constraint = results.value(r, sh("sourceConstraint"))
        label = shapes.value(constraint, RDFS.label) if constraint is not None else None
        if label is not None:  # a SPARQL constraint names what it checks
            component = f"{component}: {label}"
        messages = [str(m) for m in results.objects(r, sh("resultMessage"))]
        path = _path(results, results.value(r, sh("resultPath")))
        if component == "Closed":  # pySHACL's own message spells out full IRIs
            messages = [f"{path} is not a property this kind of node may have "
                        "(a closed shape: docs/GRAPH.md lists what it may have)"]
        out.append({
            "focus": compact(results.value(r, sh("focusNode"))),
            "path": path,
            "message": min(messages, key=len) if messages else "",
            "severity": compact(results.value(r, sh("resultSeverity"))).removeprefix("sh:"),
            "value": compact(results.value(r, sh("value"))),
            "shape": compact(shape),
            "constraint": component,
        })
    out.sort(key=lambda v: (v["shape"], v["constraint"], v["path"], v["focus"], v["value"]))
    return out


def _path(results: Graph, path) -> str:
    if path is None:
        return ""
    if isinstance(path, BNode):  # a complex path: show its Turtle
        return results.cbd(path).serialize(format="turtle").strip() or "_:path"
    return compact(path)


def render(report: ValidationReport, limit: int = 10) -> str:
    """The violations as readable text, grouped by shape, at most ``limit`` per group (0 = all).

    >>> print(render(ValidationReport(True, [])))
    The graph conforms: no violations.
    """
    if report.conforms and not report.violations:
        return "The graph conforms: no violations."
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for v in report.violations:
        groups[(v.get("shape", ""), v.get("constraint", ""), v.get("path", ""))].append(v)
    verdict = "conforms" if report.conforms else "does not conform"
    lines = [f"The graph {verdict}: {len(report.violations)} violation"
             f"{'s' if len(report.violations) != 1 else ''} in {len(groups)} group"
             f"{'s' if len(groups) != 1 else ''}."]
    for (shape, constraint, path), items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        head = " · ".join(x for x in (shape, path, constraint) if x)
        lines += ["", f"{head} ({len(items)})"]
        shown = items if limit <= 0 else items[:limit]
        for v in shown:
            severity = "" if v.get("severity") == "Violation" else f"[{v.get('severity')}] "
            value = f"  [value: {_clip(v['value'])}]" if v.get("value") else ""
            lines.append(f"  {severity}{v['focus']}: {v['message']}{value}")
        if len(items) > len(shown):
            lines.append(f"  … and {len(items) - len(shown)} more")
    return "\n".join(lines)


def _clip(text: str, width: int = 60) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= width else text[: width - 1] + "…"
