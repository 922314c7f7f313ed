"""Corpus analysis with networkx: plain functions from a graph to plain values.

Read the graph (an ``out/`` folder, a pyoxigraph store, an RDF file) with :func:`open_source`,
turn it into a networkx graph of the things people ask about with :func:`entity_graph`, then ask:
:func:`centrality`, :func:`communities`, :func:`bipartite_projection`, :func:`recurring_problems`,
:func:`progress`, :func:`timeline`, :func:`findings`. :func:`write_back` stores the recurring-problem
groups as queryable facts in a named graph of their own; :func:`analyse` runs everything for
``kg analyze`` and :func:`render` prints it.

>>> G = entity_graph(_tiny_store())
>>> sorted(G.nodes[n]["type"] for n in G)
['inspection', 'measure', 'organisation', 'policy', 'problem', 'problem', 'report', 'report']
>>> centrality(G, top=1)["top"]["policy"][0]["label"]
'问责条例'
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
import pyoxigraph as ox

from kg.errors import KgError, StoreError
from kg.vocab import ANALYSIS_GRAPH_IRI, GRAPH_IRI, ID_IRI, PREFIXES, RK_IRI

ANALYSIS_GRAPH = ANALYSIS_GRAPH_IRI
"""The named graph that :func:`write_back` replaces; report graphs are never touched."""

DEFAULT_THRESHOLD = 0.6
"""Similarity at or above which two problem titles count as the same problem (docs/RECURRING.md)."""

_RK = RK_IRI
_RDF_TYPE = PREFIXES["rdf"] + "type"

# class IRI -> the short type name used as the node attribute ``type`` everywhere
CLASSES = {
    _RK + "Report": "report",
    _RK + "Inspection": "inspection",
    _RK + "ProblemCategory": "category",
    _RK + "Problem": "problem",
    _RK + "Measure": "measure",
    _RK + "Policy": "policy",
    PREFIXES["org"] + "Organization": "organisation",
    _RK + "Concept": "concept",
    PREFIXES["foaf"] + "Person": "person",
}
ENTITY_TYPES = ("report", "inspection", "problem", "measure", "policy", "organisation", "concept",
                "person")
"""The node types of :func:`entity_graph` (``category`` only with ``categories=True``)."""

# Hub-like or bookkeeping links: their objects are not entity nodes, or (rk:category) they tie a
# report's problems into one star that Louvain would return as a community of its own.
SKIP_PREDICATES = {
    _RDF_TYPE, _RK + "status", _RK + "category", _RK + "genre", _RK + "kind", _RK + "evidence",
    _RK + "statusEvidence", _RK + "measureKind", _RK + "policyType", _RK + "draftState",
    _RK + "hasFinding", _RK + "hasQuantity", _RK + "contactPoint", _RK + "inReport",
    _RK + "similarTo", _RK + "memberOfTheme", PREFIXES["skos"] + "inScheme",
}
_LABEL_PREFERENCE = (PREFIXES["skos"] + "prefLabel", PREFIXES["rdfs"] + "label",
                     PREFIXES["foaf"] + "name", PREFIXES["dcterms"] + "title")

_SPARQL_PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


# --------------------------------------------------------------------------- reading the graph

def open_source(source: Any) -> ox.Store:
    """A pyoxigraph store for ``source``: a store, an ``out/`` folder, an RDF file or an rdflib graph.

    An ``out/`` folder is read from its on-disk store (``DIR/store``, read-only) when there is one,
    else from ``DIR/kg.ttl``.

    >>> len(open_source(_tiny_store())) > 0
    True
    """
    if isinstance(source, ox.Store):
        return source
    inner = _inner_store(source)
    if inner is not None:
        return inner
    if hasattr(source, "serialize") and not isinstance(source, (str, Path)):  # rdflib graph
        data = source.serialize(format="nquads" if hasattr(source, "contexts") else "nt")
        store = ox.Store()
        store.load(data.encode("utf-8") if isinstance(data, str) else data,
                   format=ox.RdfFormat.N_QUADS)
        return store
    path = Path(source)
    if path.is_dir():
        if (path / "store").is_dir():
            return _open_store_dir(path)
        for name in ("kg.ttl", "kg.trig", "kg.nq"):
            if (path / name).is_file():
                return _load_file(path / name)
        raise StoreError("no graph here (neither store/ nor kg.ttl)", source=str(path),
                         hint=f"run `kg build data/corpus --out {path}` first")
    if path.is_file():
        return _load_file(path)
    raise StoreError("no such file or folder", source=str(path),
                     hint="pass the folder `kg build --out DIR` wrote")


def _inner_store(source: Any) -> ox.Store | None:
    """The pyoxigraph store inside a wrapper such as :class:`kg.store.Store`, if any."""
    for name in ("db", "ox", "store"):
        try:
            inner = getattr(source, name, None)
        except KgError:
            return None
        if isinstance(inner, ox.Store):
            return inner
    return None


def _open_store_dir(out_dir: Path) -> ox.Store:
    from kg.store import Store

    return Store.open(out_dir, read_only=True).db


def _load_file(path: Path) -> ox.Store:
    from kg.store import load_graph_file

    return load_graph_file(path)


def _select(store: ox.Store, query: str) -> Iterable[tuple]:
    """Rows of a SELECT over the union of all graphs, as tuples of Python values."""
    result = store.query(_SPARQL_PREFIXES + query, use_default_graph_as_union=True)
    n = len(result.variables)
    for row in result:
        yield tuple(_py(row[i]) for i in range(n))


def _py(term: Any) -> Any:
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        value = term.value
        if dt.endswith(("#integer", "#int", "#long", "#nonNegativeInteger")):
            try:
                return int(value)
            except ValueError:
                return value
        if dt.endswith(("#decimal", "#double", "#float")):
            try:
                return float(value)
            except ValueError:
                return value
        if dt.endswith("#boolean"):
            return value == "true"
        return value
    return term.value


def short(iri: str) -> str:
    """A readable short form of a data IRI.

    >>> short("https://w3id.org/rectkg/id/problem/abc/3")
    'problem/abc/3'
    >>> short("https://w3id.org/rectkg/ontology#Completed")
    'rk:Completed'
    """
    if iri.startswith(ID_IRI):
        return iri[len(ID_IRI):]
    if iri.startswith(_RK):
        return "rk:" + iri[len(_RK):]
    return iri


def report_key(iri: str) -> str:
    """The KEY of a report (or of anything minted under a report key).

    >>> report_key("https://w3id.org/rectkg/id/report/0123456789abcdef")
    '0123456789abcdef'
    """
    parts = short(iri).split("/")
    return parts[1] if len(parts) > 1 else parts[0]


# --------------------------------------------------------------------------- the entity graph

def entity_graph(source: Any, *, categories: bool = False) -> nx.Graph:
    """The entities and the object properties between them, as an undirected networkx graph.

    Nodes are IRIs with the attributes ``type`` (see :data:`ENTITY_TYPES`), ``label``, ``report``
    (the first report the node belongs to or is named in), ``reports`` (how many), ``source`` (that
    report's file name), ``quote`` (the first evidence quote, ``oa:exact``) and, for problems,
    ``status``. Edges carry ``rel``, the predicates' local names joined with ``,``, and
    ``subject``, the end the triple starts from. rdf:type,
    status and category links are left out (``categories=True`` adds category nodes and links,
    for the report views).

    >>> G = entity_graph(_tiny_store())
    >>> G.nodes["https://w3id.org/rectkg/id/problem/k1/0"]["status"]
    'completed'
    >>> sorted(d["rel"] for _, _, d in G.edges(data=True))[:3]
    ['addresses', 'applies', 'mentions']
    """
    store = open_source(source)
    wanted = {iri: t for iri, t in CLASSES.items() if categories or t != "category"}
    G = nx.Graph()
    types: dict[str, str] = {}
    values = " ".join(f"<{iri}>" for iri in wanted)
    for s, t in _select(store, f"SELECT ?s ?t WHERE {{ VALUES ?t {{ {values} }} ?s a ?t }}"):
        if s.startswith(ID_IRI):
            # a node with two classes keeps the first in CLASSES order (Measure ⊑ prov:Activity …)
            if s not in types or ENTITY_ORDER[wanted[t]] < ENTITY_ORDER[types[s]]:
                types[s] = wanted[t]
    for s in sorted(types):
        G.add_node(s, type=types[s], label="", report="", reports=0, source="", quote="")

    _attach_labels(store, G)
    _attach_reports(store, G)
    _attach_quotes(store, G)
    for s, st in _select(store, "SELECT ?s ?st WHERE { ?s rk:status ?st }"):
        if s in G:
            G.nodes[s]["status"] = _status_name(st)
    for s in G:
        if G.nodes[s]["type"] == "problem":
            G.nodes[s].setdefault("status", "unknown")

    skip = SKIP_PREDICATES - ({_RK + "category"} if categories else set())
    rels: dict[tuple[str, str], set[str]] = defaultdict(set)
    subject: dict[tuple[str, str], str] = {}
    query = ("SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(isIRI(?o) && STRSTARTS(STR(?o), "
             f"\"{ID_IRI}\")) }}")
    for s, p, o in _select(store, query):
        if p in skip or s == o or s not in G or o not in G:
            continue
        key = (s, o) if s < o else (o, s)
        rels[key].add(_local(p))
        subject[key] = min(subject.get(key, s), s)
    for (u, v) in sorted(rels):
        G.add_edge(u, v, rel=",".join(sorted(rels[(u, v)])), subject=subject[(u, v)])
    return G


ENTITY_ORDER = {t: i for i, t in enumerate(
    ("report", "inspection", "category", "problem", "measure", "policy", "organisation", "concept",
     "person"))}


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _status_name(iri: str) -> str:
    return {"Completed": "completed", "InProgress": "in_progress"}.get(_local(iri), "unknown")


def _attach_labels(store: ox.Store, G: nx.Graph) -> None:
    preds = " ".join(f"<{p}>" for p in _LABEL_PREFERENCE)
    best: dict[str, tuple[int, str]] = {}
    rank = {p: i for i, p in enumerate(_LABEL_PREFERENCE)}
    for s, p, label in _select(store, f"SELECT ?s ?p ?l WHERE {{ VALUES ?p {{ {preds} }} ?s ?p ?l }}"):
        if s in G:
            cand = (rank[p], label)
            if s not in best or cand < best[s]:
                best[s] = cand
    for s in G:
        G.nodes[s]["label"] = best[s][1] if s in best else ""
    # nodes without a label of their own
    sources = dict(_select(store, "SELECT ?r ?src WHERE { ?r a rk:Report ; dcterms:source ?src }"))
    for r, src in sources.items():
        if r in G and not G.nodes[r]["label"]:
            G.nodes[r]["label"] = src
    for i, kind, target in _select(store, """SELECT ?i (SAMPLE(?k) AS ?kind) (SAMPLE(?t) AS ?target)
            WHERE { ?i a rk:Inspection . OPTIONAL { ?i rk:kind/skos:prefLabel ?k }
                    OPTIONAL { ?i rk:inspected ?o . ?o skos:prefLabel|rdfs:label ?t } } GROUP BY ?i"""):
        if i in G and not G.nodes[i]["label"]:
            G.nodes[i]["label"] = " ".join(x for x in (kind or "inspection", target) if x)
    for s in G:
        if not G.nodes[s]["label"]:
            G.nodes[s]["label"] = short(s)


def _attach_reports(store: ox.Store, G: nx.Graph) -> None:
    found: dict[str, set[str]] = defaultdict(set)
    # one query a link: as one UNION joined to ``?r a rk:Report`` Oxigraph took 84 s at 1,000
    # reports, these take 0.6 s. (rk:inReport, a span's link, is left out: spans are no nodes.)
    for link in ("?r a rk:Report . BIND(?r AS ?x)", "?x rk:reportedIn ?r",
                 "?x rk:addresses/rk:reportedIn ?r", "?r rk:mentions ?x", "?r rk:respondsTo ?x",
                 "?r dcterms:publisher ?x", "?r rk:respondsTo/(rk:conductedBy|rk:inspected) ?x"):
        for x, r in _select(store, f"SELECT ?x ?r WHERE {{ {link} . ?r a rk:Report }}"):
            if x in G:
                found[x].add(r)
    # categories: minted under their report's key
    for s in G:
        if G.nodes[s]["type"] == "category" and not found[s]:
            found[s].add(ID_IRI + "report/" + report_key(s))
    sources = dict(_select(store, "SELECT ?r ?src WHERE { ?r a rk:Report ; dcterms:source ?src }"))
    for s in G:
        reports = sorted(found.get(s, ()))
        if reports:
            G.nodes[s].update(report=reports[0], reports=len(reports),
                              source=sources.get(reports[0], short(reports[0])))


def _attach_quotes(store: ox.Store, G: nx.Graph) -> None:
    best: dict[str, tuple] = {}
    query = """SELECT ?x ?q ?st ?r WHERE { ?x rk:evidence ?sp . ?sp oa:exact ?q .
               OPTIONAL { ?sp oa:start ?st } OPTIONAL { ?sp rk:inReport ?r } }"""
    for x, q, st, r in _select(store, query):
        if x in G:
            # prefer a quote from the node's own (first) report, then the earliest one
            cand = (r != G.nodes[x]["report"], st if isinstance(st, int) else 0, q)
            if x not in best or cand < best[x]:
                best[x] = cand
    for x, cand in best.items():
        G.nodes[x]["quote"] = cand[2]


# --------------------------------------------------------------------------- centrality

def pagerank(G: nx.Graph, alpha: float = 0.85, max_iter: int = 100, tol: float = 1e-6) -> dict:
    """PageRank by power iteration in pure Python (networkx's own needs scipy).

    Same stopping rule as networkx: the L1 change falls below ``len(G) * tol``.

    >>> pr = pagerank(nx.star_graph(3))
    >>> round(sum(pr.values()), 6), max(pr, key=pr.get)
    (1.0, 0)
    """
    nodes = list(G)
    n = len(nodes)
    if n == 0:
        return {}
    index = {v: i for i, v in enumerate(nodes)}
    adj = [[index[u] for u in G[v]] for v in nodes]
    deg = [len(a) for a in adj]
    dangling = [i for i in range(n) if deg[i] == 0]
    rank = [1.0 / n] * n
    for _ in range(max_iter):
        base = (1.0 - alpha) / n + alpha * sum(rank[i] for i in dangling) / n
        new = [base] * n
        for i in range(n):
            d = deg[i]
            if d:
                share = alpha * rank[i] / d
                for j in adj[i]:
                    new[j] += share
        err = sum(abs(a - b) for a, b in zip(new, rank))
        rank = new
        if err < n * tol:
            break
    return dict(zip(nodes, rank))


def centrality(G: nx.Graph, top: int = 10,
               types: Iterable[str] = ("organisation", "policy", "concept", "person", "problem")
               ) -> dict:
    """Degree and PageRank of every node, and the ``top`` nodes of each type by PageRank.

    >>> G = nx.Graph([("r", "a"), ("r", "b"), ("m", "a")])
    >>> nx.set_node_attributes(G, {"r": "report", "a": "policy", "b": "policy", "m": "measure"}, "type")
    >>> c = centrality(G, top=1, types=["policy"])
    >>> c["degree"]["a"], [row["id"] for row in c["top"]["policy"]]
    (2, ['a'])
    """
    degree = dict(G.degree())
    pr = pagerank(G)
    by_type: dict[str, list] = defaultdict(list)
    for n, data in G.nodes(data=True):
        by_type[data.get("type", "")].append(n)
    table = {}
    for t in types:
        ranked = sorted(by_type.get(t, ()), key=lambda n: (-pr[n], -degree[n], n))[:top]
        table[t] = [{"id": n, "label": G.nodes[n].get("label", n), "degree": degree[n],
                     "pagerank": round(pr[n], 6), "reports": G.nodes[n].get("reports", 0)}
                    for n in ranked]
    return {"degree": degree, "pagerank": pr, "top": table}


def communities(G: nx.Graph, seed: int = 42, resolution: float = 1.0, top: int = 5) -> list[dict]:
    """Louvain communities (fixed seed, so the same graph gives the same answer), largest first.

    Each is ``{"id", "size", "types": {type: count}, "labels": the top labels by degree,
    "members": sorted node ids}``.

    >>> G = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
    >>> [c["members"] for c in communities(G)]
    [[1, 2, 3], [4, 5, 6]]
    """
    if G.number_of_nodes() == 0:
        return []
    parts = nx.community.louvain_communities(G, seed=seed, resolution=resolution)
    parts = sorted((sorted(p, key=str) for p in parts), key=lambda p: (-len(p), str(p[0])))
    out = []
    for i, members in enumerate(parts):
        ranked = sorted(members, key=lambda n: (-G.degree(n), str(n)))[:top]
        out.append({"id": i, "size": len(members),
                    "types": dict(Counter(G.nodes[n].get("type", "") for n in members)),
                    "labels": [G.nodes[n].get("label", str(n)) for n in ranked],
                    "members": members})
    return out


def bipartite_projection(G: nx.Graph, a: str = "organisation", b: str = "policy",
                         via: Iterable[str] = ("measure",)) -> dict:
    """Link ``a``-nodes to ``b``-nodes (directly or through one ``via`` node) and project.

    Returns ``{"pairs": [{a, a_label, b, b_label, weight}], "a": [{u, v, weight}],
    "b": [{u, v, weight}]}``: weight = the number of distinct links (direct, or through a measure)
    between the pair, and in the projections, the number of shared partners.

    >>> G = nx.Graph([("o1", "m1"), ("m1", "p1"), ("o2", "m2"), ("m2", "p1")])
    >>> nx.set_node_attributes(G, {"o1": "organisation", "o2": "organisation", "m1": "measure",
    ...                            "m2": "measure", "p1": "policy"}, "type")
    >>> res = bipartite_projection(G, "organisation", "policy")
    >>> [(r["a"], r["b"], r["weight"]) for r in res["pairs"]], res["a"]
    ([('o1', 'p1', 1), ('o2', 'p1', 1)], [{'u': 'o1', 'v': 'o2', 'weight': 1}])
    """
    via = set(via)
    kind = nx.get_node_attributes(G, "type")
    weight: Counter = Counter()
    for x in G:
        if kind.get(x) != a:
            continue
        for y in G[x]:
            if kind.get(y) == b:
                weight[(x, y)] += 1
            elif kind.get(y) in via:
                for z in G[y]:
                    if kind.get(z) == b:
                        weight[(x, z)] += 1
    B = nx.Graph()
    for (x, y), w in weight.items():
        B.add_node(x, side=0)
        B.add_node(y, side=1)
        B.add_edge(x, y, weight=w)
    left = sorted(n for n, d in B.nodes(data=True) if d["side"] == 0)
    right = sorted(n for n, d in B.nodes(data=True) if d["side"] == 1)

    def rows(nodes):
        P = nx.bipartite.weighted_projected_graph(B, nodes) if nodes else nx.Graph()
        edges = [(min(u, v), max(u, v), d["weight"]) for u, v, d in P.edges(data=True)]
        return [{"u": u, "v": v, "weight": w} for u, v, w in sorted(edges, key=lambda e: (-e[2], e))]

    label = nx.get_node_attributes(G, "label")
    pairs = [{"a": x, "a_label": label.get(x, x), "b": y, "b_label": label.get(y, y), "weight": w}
             for (x, y), w in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {"pairs": pairs, "a": rows(left), "b": rows(right)}


# --------------------------------------------------------------------------- recurring problems

# Evaluative phrases that nearly every problem title carries ("…不够深入", "…还需规范", "…不到位").
# They say how bad a problem is, not which problem it is; cutting them out before comparing
# measurably separates paraphrases from near misses (docs/RECURRING.md).
EVALUATIVE = (
    "不够", "不到位", "到位", "不规范", "规范", "不严格", "严格", "不严", "不足", "不力", "有力",
    "不深入", "深入", "还需", "仍需", "尚需", "有待", "加强", "进一步", "不健全", "健全", "薄弱",
    "滞后", "不彻底", "有差距", "差距", "存在", "问题", "工作", "不及时", "及时", "较为", "比较",
    "还", "仍", "尚", "不", "够", "有", "较", "需", "要", "待", "未",
)
_EVALUATIVE_RE = re.compile("|".join(sorted(map(re.escape, EVALUATIVE), key=len, reverse=True)))
_NON_WORD = re.compile(r"[\W_]+")


def title_features(title: str) -> frozenset[str]:
    """The characters and character bigrams of a title's content words (evaluative phrases cut).

    Falls back to the whole title's characters and bigrams when nothing is left.

    >>> sorted(title_features("理论学习不够深入"))
    ['习', '学', '学习', '理', '理论', '论', '论学']
    """
    text = _NON_WORD.sub("", unicodedata.normalize("NFKC", title))
    parts = [p for p in _EVALUATIVE_RE.split(text) if p] or ([text] if text else [])
    feats = set()
    for p in parts:
        feats.update(p)
        feats.update(p[i:i + 2] for i in range(len(p) - 1))
    return frozenset(feats)


def title_similarity(a: str, b: str) -> float:
    """Dice coefficient of :func:`title_features`: 1.0 for the same wording, 0.0 for nothing shared.

    >>> title_similarity("公务接待不规范", "公务接待不够规范")
    1.0
    >>> round(title_similarity("公务接待管理不规范", "公务接待不够规范"), 2)
    0.77
    >>> round(title_similarity("理论学习不够深入", "调查研究不够深入"), 2)
    0.0
    """
    fa, fb = title_features(a), title_features(b)
    if not fa and not fb:
        return 0.0
    return 2 * len(fa & fb) / (len(fa) + len(fb))


def precision_recall(pairs: Iterable[tuple[str, str, bool]], threshold: float) -> dict:
    """Precision, recall and F1 of ``similarity >= threshold`` on labelled ``(a, b, same)`` pairs.

    >>> precision_recall([("公务接待管理不规范", "公务接待不够规范", True),
    ...                   ("财务管理不规范", "档案管理不规范", False)], 0.6)["precision"]
    1.0
    """
    tp = fp = fn = tn = 0
    for a, b, same in pairs:
        hit = title_similarity(a, b) >= threshold
        tp += hit and same
        fp += hit and not same
        fn += (not hit) and same
        tn += (not hit) and not same
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"threshold": threshold, "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(f1, 3), "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def problems(source: Any) -> list[dict]:
    """Every problem as ``{"id", "label", "report"}``, in IRI order."""
    store = open_source(source)
    rows = _select(store, """SELECT ?p (SAMPLE(?l) AS ?label) (SAMPLE(?r) AS ?report)
        WHERE { ?p a rk:Problem ; rdfs:label ?l . OPTIONAL { ?p rk:reportedIn ?r } } GROUP BY ?p""")
    return sorted(({"id": p, "label": label, "report": r or ID_IRI + "report/" + report_key(p)}
                   for p, label, r in rows), key=lambda d: d["id"])


def recurring_problems(problems: Iterable[Any], threshold: float = DEFAULT_THRESHOLD,
                       *, min_reports: int = 2) -> list[dict]:
    """Group problems from different reports whose titles are alike (:func:`title_similarity`).

    ``problems`` holds ``{"id", "label", "report"}`` dicts or ``(id, label, report)`` tuples. Pairs
    at or above ``threshold`` from different reports are linked and each connected group spanning
    at least ``min_reports`` reports is returned, largest first, as ``{"theme", "label", "members",
    "reports", "pairs"}``: ``theme`` is a deterministic IRI, ``label`` the member title most like
    the others, ``pairs`` the linked ``(id, id, score)`` triples. Candidate pairs come from a
    prefix-filtered inverted index, so it stays fast on hundreds of thousands of problems.

    >>> groups = recurring_problems([("p1", "公务接待管理不规范", "r1"),
    ...     ("p2", "公务接待不够规范", "r2"), ("p3", "公务接待不够规范", "r1"), ("p4", "档案管理不规范", "r2")])
    >>> [(g["members"][0]["id"], len(g["members"]), g["reports"]) for g in groups]
    [('p1', 3, 2)]
    """
    items = []
    for p in problems:
        pid, label, report = (p["id"], p["label"], p["report"]) if isinstance(p, dict) else p
        items.append((pid, label, report))
    items.sort()
    feats = [title_features(label) for _, label, _ in items]
    pairs = _similar_pairs(items, feats, threshold)
    G = nx.Graph()
    G.add_weighted_edges_from(pairs)
    groups = []
    for comp in nx.connected_components(G):
        members = sorted(comp)
        reports = {items[i][2] for i in members}
        if len(reports) < min_reports:
            continue
        sub = G.subgraph(members)
        medoid = max(members, key=lambda i: (
            sum(title_similarity(items[i][1], items[j][1]) for j in members if j != i), -i))
        ids = [items[i][0] for i in members]
        groups.append({
            "theme": ID_IRI + "theme/" + hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16],
            "label": items[medoid][1],
            "members": [{"id": items[i][0], "label": items[i][1], "report": items[i][2]}
                        for i in members],
            "reports": len(reports),
            "pairs": sorted((items[min(u, v)][0], items[max(u, v)][0], round(d["weight"], 3))
                            for u, v, d in sub.edges(data=True)),
        })
    groups.sort(key=lambda g: (-g["reports"], -len(g["members"]), g["members"][0]["id"]))
    return groups


def _similar_pairs(items: list[tuple], feats: list[frozenset], threshold: float) -> list[tuple]:
    """All cross-report index pairs with Dice >= threshold (exact: prefix + length filtering)."""
    if threshold <= 0:
        raise ValueError("threshold must be > 0")
    freq = Counter(f for fs in feats for f in fs)
    order = [sorted(fs, key=lambda f: (freq[f], f)) for fs in feats]
    jac = threshold / (2 - threshold)  # Dice t  <=>  Jaccard t/(2-t): same overlap bound
    index: dict[str, list[int]] = defaultdict(list)
    pairs = []
    by_size = sorted(range(len(items)), key=lambda i: (len(order[i]), i))
    for i in by_size:
        toks = order[i]
        n = len(toks)
        if n == 0:
            continue
        prefix = n - math.ceil(jac * n - 1e-9) + 1
        seen: set[int] = set()
        for tok in toks[:prefix]:
            for j in index.get(tok, ()):
                if j in seen:
                    continue
                seen.add(j)
                if items[j][2] == items[i][2] or len(order[j]) < jac * n - 1e-9:
                    continue
                score = 2 * len(feats[i] & feats[j]) / (n + len(order[j]))
                if score >= threshold - 1e-12:
                    pairs.append((min(i, j), max(i, j), score))
            index[tok].append(i)
    return pairs


def write_back(store: Any, groups: list[dict]) -> int:
    """Store recurring-problem groups in the named graph :data:`ANALYSIS_GRAPH` (replacing it).

    For every linked pair ``p1 rk:similarTo p2`` and ``p2 rk:similarTo p1``, plus one standard RDF
    reification carrying the score: ``rkid:similarity/H a rdf:Statement ; rdf:subject p1 ;
    rdf:predicate rk:similarTo ; rdf:object p2 ; rk:similarity 0.83``. For every group a
    ``rkid:theme/H a rk:Theme`` with ``rdfs:label`` (its most central title) and
    ``p rk:memberOfTheme theme`` for each member. Returns the number of quads written.

    >>> store = _tiny_store()
    >>> write_back(store, recurring_problems(problems(store), 0.5))
    11
    >>> q = "SELECT ?a ?s WHERE { GRAPH ?g { ?a rk:similarTo ?b . ?st rdf:subject ?a ; rk:similarity ?s } }"
    >>> [(short(a), s) for a, s in _select(store, q)]
    [('problem/k1/0', 0.769)]
    """
    quads = list(analysis_quads(groups))
    if hasattr(store, "replace_graph"):  # kg.store.Store: one transaction under its writer lock
        triples = [ox.Triple(s, p, o) for s, p, o in quads]
        with store.writer():  # commit after replace_graph has returned (and let go of the db)
            store.replace_graph(ANALYSIS_GRAPH, triples)
        return len(quads)
    target = store if isinstance(store, ox.Store) else open_source(store)
    graph = ox.NamedNode(ANALYSIS_GRAPH)
    target.remove_graph(graph)
    target.extend([ox.Quad(s, p, o, graph) for s, p, o in quads])
    return len(quads)


def analysis_quads(groups: list[dict]) -> Iterable[tuple]:
    """The triples :func:`write_back` stores, in a deterministic order."""
    rdf = PREFIXES["rdf"]
    similar_to = ox.NamedNode(_RK + "similarTo")
    for g in groups:
        theme = ox.NamedNode(g["theme"])
        yield theme, ox.NamedNode(_RDF_TYPE), ox.NamedNode(_RK + "Theme")
        yield theme, ox.NamedNode(PREFIXES["rdfs"] + "label"), ox.Literal(g["label"], language="zh")
        for m in g["members"]:
            yield ox.NamedNode(m["id"]), ox.NamedNode(_RK + "memberOfTheme"), theme
        for a, b, score in g["pairs"]:
            na, nb = ox.NamedNode(a), ox.NamedNode(b)
            yield na, similar_to, nb
            yield nb, similar_to, na
            h = hashlib.sha256(f"{a}\n{b}".encode()).hexdigest()[:16]
            st = ox.NamedNode(ID_IRI + "similarity/" + h)
            yield st, ox.NamedNode(_RDF_TYPE), ox.NamedNode(rdf + "Statement")
            yield st, ox.NamedNode(rdf + "subject"), na
            yield st, ox.NamedNode(rdf + "predicate"), similar_to
            yield st, ox.NamedNode(rdf + "object"), nb
            yield st, ox.NamedNode(_RK + "similarity"), ox.Literal(
                _canonical_decimal(score), datatype=ox.NamedNode(PREFIXES["xsd"] + "decimal"))


# --------------------------------------------------------------------------- progress, timeline

def progress(source: Any) -> list[dict]:
    """Per report: problems listed as completed / in progress / unknown, beside the stated counts.

    Only top-level problems count (a 具体问题 under a numbered one is not counted again).

    >>> [(r["source"], r["completed"], r["stated_completed"]) for r in progress(_tiny_store())]
    [('a.txt', 1, 2), ('b.txt', 0, None)]
    """
    store = open_source(source)
    reports = {}
    for r, src, title, genre, sp, sc, si in _select(store, """
            SELECT ?r (SAMPLE(?src) AS ?s) (SAMPLE(?t) AS ?title) (SAMPLE(?g) AS ?genre)
                   (SAMPLE(?sp) AS ?p) (SAMPLE(?sc) AS ?c) (SAMPLE(?si) AS ?i)
            WHERE { ?r a rk:Report . OPTIONAL { ?r dcterms:source ?src } OPTIONAL { ?r dcterms:title ?t }
                    OPTIONAL { ?r rk:genre ?g } OPTIONAL { ?r rk:statedProblemCount ?sp }
                    OPTIONAL { ?r rk:statedCompletedCount ?sc }
                    OPTIONAL { ?r rk:statedInProgressCount ?si } } GROUP BY ?r"""):
        reports[r] = {"report": r, "key": report_key(r), "source": src or short(r),
                      "title": title or "", "genre": _local(genre) if genre else "",
                      "stated_problems": sp, "stated_completed": sc, "stated_in_progress": si,
                      "listed": 0, "completed": 0, "in_progress": 0, "unknown": 0}
    for r, st, n in _select(store, """SELECT ?r ?st (COUNT(DISTINCT ?p) AS ?n) WHERE {
            ?p a rk:Problem ; rk:reportedIn ?r . OPTIONAL { ?p rk:status ?st }
            FILTER NOT EXISTS { ?p rk:subProblemOf ?parent } } GROUP BY ?r ?st"""):
        if r in reports:
            reports[r][_status_name(st or "")] += n
            reports[r]["listed"] += n
    return sorted(reports.values(), key=lambda d: (d["source"], d["report"]))


def timeline(source: Any) -> list[dict]:
    """Per inspection: start, end, feedback and report dates, and the days between them.

    >>> t = timeline(_tiny_store())[0]
    >>> t["start"], t["end"], t["days_inspecting"], t["days_feedback_to_report"]
    ('2021-03-08', '2021-04-12', 35, 92)
    """
    store = open_source(source)
    rows = []
    for i, r, src, kind, team, target, rnd, start, end, fb, issued in _select(store, """
            SELECT ?i (SAMPLE(?r0) AS ?r) (SAMPLE(?src0) AS ?src) (SAMPLE(?k) AS ?kind)
                   (SAMPLE(?tm) AS ?team) (SAMPLE(?tg) AS ?target) (SAMPLE(?rd) AS ?round)
                   (SAMPLE(?s) AS ?start) (SAMPLE(?e) AS ?end) (SAMPLE(?f) AS ?fb)
                   (SAMPLE(?d) AS ?issued)
            WHERE { ?i a rk:Inspection .
                    OPTIONAL { ?r0 rk:respondsTo ?i . OPTIONAL { ?r0 dcterms:source ?src0 }
                               OPTIONAL { ?r0 dcterms:issued ?d } }
                    OPTIONAL { ?i rk:kind/skos:prefLabel ?k }
                    OPTIONAL { ?i rk:conductedBy/(skos:prefLabel|rdfs:label) ?tm }
                    OPTIONAL { ?i rk:inspected/(skos:prefLabel|rdfs:label) ?tg }
                    OPTIONAL { ?i rk:round ?rd } OPTIONAL { ?i rk:startDate ?s }
                    OPTIONAL { ?i rk:endDate ?e } OPTIONAL { ?i rk:feedbackDate ?f } }
            GROUP BY ?i"""):
        rows.append({
            "inspection": i, "report": r or "", "source": src or "", "kind": kind or "",
            "team": team or "", "target": target or "", "round": rnd or "",
            "start": start, "end": end, "feedback": fb, "issued": issued,
            "days_inspecting": _days(start, end), "days_to_feedback": _days(end, fb),
            "days_feedback_to_report": _days(fb, issued), "days_total": _days(start, issued)})
    return sorted(rows, key=lambda d: (d["source"], d["inspection"]))


def _days(a: str | None, b: str | None) -> int | None:
    try:
        return (date.fromisoformat(b[:10]) - date.fromisoformat(a[:10])).days
    except (TypeError, ValueError):
        return None


def findings(source: Any) -> list[dict]:
    """Every rk:ConsistencyFinding: a count a report states that its list does not match.

    >>> [(f["source"], f["kind"], f["stated"], f["listed"]) for f in findings(_tiny_store())]
    [('a.txt', 'completed', 2, 1)]
    """
    store = open_source(source)
    rows = [{"finding": f, "report": r or "", "source": src or "", "kind": kind or "",
             "stated": stated, "listed": listed, "message": msg or ""}
            for f, r, src, kind, stated, listed, msg in _select(store, """
            SELECT ?f (SAMPLE(?r0) AS ?r) (SAMPLE(?s0) AS ?src) (SAMPLE(?k) AS ?kind)
                   (SAMPLE(?sv) AS ?stated) (SAMPLE(?lv) AS ?listed) (SAMPLE(?m) AS ?msg)
            WHERE { ?f a rk:ConsistencyFinding .
                    OPTIONAL { ?r0 rk:hasFinding ?f . OPTIONAL { ?r0 dcterms:source ?s0 } }
                    OPTIONAL { ?f rk:countKind ?k } OPTIONAL { ?f rk:statedValue ?sv }
                    OPTIONAL { ?f rk:listedValue ?lv } OPTIONAL { ?f rk:message ?m } }
            GROUP BY ?f""")]
    return sorted(rows, key=lambda d: (d["source"], d["finding"]))


# --------------------------------------------------------------------------- everything at once

def analyse(source: Any, *, top: int = 10, threshold: float = DEFAULT_THRESHOLD,
            write: bool = False, seed: int = 42) -> dict[str, list[dict]]:
    """Every analysis as named tables (lists of flat dicts), for ``kg analyze``.

    With ``write=True`` the recurring-problem groups are written back (:func:`write_back`) into
    the store of an ``out/`` folder, or, when the folder has only ``kg.ttl``, into
    ``DIR/analysis.trig``.

    >>> sorted(analyse(_tiny_store(), top=3))
    ['communities', 'findings', 'organisation_policy', 'problem_policy', 'progress', 'recurring', 'timeline', 'top']
    """
    store = open_source(source)
    G = entity_graph(store)
    cent = centrality(G, top=top)
    tables: dict[str, list[dict]] = {}
    tables["progress"] = [{k: v for k, v in r.items() if k != "report"} for r in progress(store)]
    tables["timeline"] = [{k: v for k, v in r.items() if k not in ("inspection", "report")}
                          for r in timeline(store)]
    tables["findings"] = [{k: v for k, v in r.items() if k not in ("finding", "report")}
                          for r in findings(store)]
    tables["top"] = [{"type": t, "rank": i + 1, "label": row["label"], "degree": row["degree"],
                      "pagerank": row["pagerank"], "reports": row["reports"], "id": short(row["id"])}
                     for t, rows in cent["top"].items() for i, row in enumerate(rows)]
    tables["communities"] = [{"community": c["id"], "size": c["size"],
                              "types": " ".join(f"{k}:{v}" for k, v in sorted(c["types"].items())),
                              "top labels": " / ".join(c["labels"])}
                             for c in communities(G, seed=seed)[:top]]
    for name, (a, b) in (("organisation_policy", ("organisation", "policy")),
                         ("problem_policy", ("problem", "policy"))):
        pairs = bipartite_projection(G, a, b)["pairs"][:top]
        tables[name] = [{a: p["a_label"], b: p["b_label"], "weight": p["weight"]} for p in pairs]
    groups = recurring_problems(problems(store), threshold)
    tables["recurring"] = [{"theme": g["label"], "problems": len(g["members"]),
                            "reports": g["reports"],
                            "titles": " / ".join(sorted({m["label"] for m in g["members"]}))}
                           for g in groups]
    if write:
        where = _write_for(source, store, groups)
        tables["write_back"] = [{"groups": len(groups),
                                 "quads": sum(1 for _ in analysis_quads(groups)),
                                 "graph": ANALYSIS_GRAPH, "where": where}]
    return tables


def _write_for(source: Any, store: ox.Store, groups: list[dict]) -> str:
    """Write the groups where ``source`` keeps its graph; say where."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        out = Path(source)
        if (out / "store").exists():  # its kg.ttl, nquads/ and views must follow the store
            raise KgError("an output folder's analysis is written by kg.pipeline.write_analysis",
                          source=str(out), hint="run `kg analyze --write-back --out DIR`")
        mem = ox.Store()
        write_back(mem, groups)
        _dump_trig(mem, out / "analysis.trig")
        return str(out / "analysis.trig")
    write_back(store, groups)
    return "the given store"


def _dump_trig(store: ox.Store, path: Path) -> None:
    path.write_bytes(store.dump(format=ox.RdfFormat.TRIG, prefixes={
        "rk": _RK, "rkid": ID_IRI, "rdf": PREFIXES["rdf"], "rdfs": PREFIXES["rdfs"],
        "xsd": PREFIXES["xsd"]}))


# --------------------------------------------------------------------------- output

def render(tables: dict[str, list[dict]], fmt: str = "table", width: int = 48) -> str:
    """The tables as aligned text (``table``), ``json``, or ``csv`` (one block per table).

    >>> print(render({"top": [{"label": "问责条例", "degree": 3}]}))
    == top ==
    label     degree
    --------  ------
    问责条例       3
    """
    if fmt == "json":
        return json.dumps(tables, ensure_ascii=False, indent=2)
    if fmt == "csv":
        blocks = []
        for name, rows in tables.items():
            buf = io.StringIO()
            buf.write(f"# {name}\n")
            if rows:
                w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
                w.writeheader()
                w.writerows(rows)
            blocks.append(buf.getvalue())
        return "\n".join(blocks).rstrip("\n")
    if fmt != "table":
        raise ValueError(f"unknown format {fmt!r}: use table, json or csv")
    out = []
    for name, rows in tables.items():
        out.append(f"== {name} ==")
        if not rows:
            out.append("(none)")
            out.append("")
            continue
        cols = list(rows[0])
        cells = [[_cell(r.get(c), width) for c in cols] for r in rows]
        widths = [max(_width(c), *(_width(row[i]) for row in cells)) for i, c in enumerate(cols)]
        numeric = [all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows)
                   for c in cols]
        out.append("  ".join(_pad(c, w, False) for c, w in zip(cols, widths)).rstrip())
        out.append("  ".join("-" * w for w in widths))
        for row in cells:
            out.append("  ".join(_pad(v, w, num) for v, w, num in zip(row, widths, numeric)).rstrip())
        out.append("")
    return "\n".join(out).rstrip("\n")


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else str(value).replace("\n", " ")
    if _width(text) > width:
        cut = ""
        for ch in text:
            if _width(cut + ch) > width - 1:
                break
            cut += ch
        text = cut + "…"
    return text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


# --------------------------------------------------------------------------- doctest data

_TINY = """
@prefix rk: <https://w3id.org/rectkg/ontology#> . @prefix org: <http://www.w3.org/ns/org#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix oa: <http://www.w3.org/ns/oa#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix id: <https://w3id.org/rectkg/id/> .
<https://w3id.org/rectkg/graph/k1> {
  <https://w3id.org/rectkg/id/report/k1> a rk:Report ; dcterms:source "a.txt" ;
    dcterms:issued "2021-09-16"^^xsd:date ; rk:statedCompletedCount 2 ;
    rk:respondsTo <https://w3id.org/rectkg/id/inspection/k1> ;
    rk:hasFinding <https://w3id.org/rectkg/id/finding/k1/completed> ;
    rk:mentions <https://w3id.org/rectkg/id/org/o1>, <https://w3id.org/rectkg/id/policy/p1> .
  <https://w3id.org/rectkg/id/finding/k1/completed> a rk:ConsistencyFinding ; rk:countKind "completed" ;
    rk:statedValue 2 ; rk:listedValue 1 .
  <https://w3id.org/rectkg/id/inspection/k1> rk:startDate "2021-03-08"^^xsd:date ;
    rk:endDate "2021-04-12"^^xsd:date ; rk:feedbackDate "2021-06-16"^^xsd:date .
  <https://w3id.org/rectkg/id/inspection/k1> a rk:Inspection .
  <https://w3id.org/rectkg/id/org/o1> a org:Organization ; skos:prefLabel "县委组织部"@zh .
  <https://w3id.org/rectkg/id/policy/p1> a rk:Policy ; rdfs:label "问责条例"@zh .
  <https://w3id.org/rectkg/id/problem/k1/0> a rk:Problem ; rdfs:label "公务接待管理不规范"@zh ;
    rk:reportedIn <https://w3id.org/rectkg/id/report/k1> ; rk:status rk:Completed .
  <https://w3id.org/rectkg/id/measure/k1/0/0> a rk:Measure ; rdfs:label "严格执行问责条例"@zh ;
    rk:addresses <https://w3id.org/rectkg/id/problem/k1/0> ;
    rk:applies <https://w3id.org/rectkg/id/policy/p1> ;
    rk:evidence <https://w3id.org/rectkg/id/span/k1/3-11> .
  <https://w3id.org/rectkg/id/span/k1/3-11> oa:exact "严格执行问责条例" ; oa:start 3 .
}
<https://w3id.org/rectkg/graph/k2> {
  <https://w3id.org/rectkg/id/report/k2> a rk:Report ; dcterms:source "b.txt" ;
    rk:mentions <https://w3id.org/rectkg/id/policy/p1> .
  <https://w3id.org/rectkg/id/policy/p1> a rk:Policy ; rdfs:label "问责条例"@zh .
  <https://w3id.org/rectkg/id/problem/k2/0> a rk:Problem ; rdfs:label "公务接待还不够规范"@zh ;
    rk:reportedIn <https://w3id.org/rectkg/id/report/k2> .
}
"""


def _tiny_store() -> ox.Store:
    """Two reports, for the examples in this module's docstrings."""
    store = ox.Store()
    store.load(_TINY.encode("utf-8"), format=ox.RdfFormat.TRIG)
    return store


def _canonical_decimal(value: float) -> str:
    """A score as Oxigraph stores xsd:decimal (no trailing zeros), so every route shows the
    same literal.

    >>> _canonical_decimal(1.0), _canonical_decimal(0.8304)
    ('1', '0.83')
    """
    return f"{value:.3f}".rstrip("0").rstrip(".")
