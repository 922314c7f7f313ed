"""Small hand-written report graphs shaped as docs/GRAPH.md says, for store, export and query tests.

Invented places and units only (no names from the sample corpus). ``report(...)`` returns
``(source, sha256, graph IRI, quads)``, ready for ``Store.replace_report``.
"""
from __future__ import annotations

import hashlib

from pyoxigraph import Literal, NamedNode, Quad

RK = "https://w3id.org/rectkg/ontology#"
ID = "https://w3id.org/rectkg/id/"
G = "https://w3id.org/rectkg/graph/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
FOAF = "http://xmlns.com/foaf/0.1/"
OA = "http://www.w3.org/ns/oa#"
ORG = "http://www.w3.org/ns/org#"

TRICKY = 'quote " back\\slash \\u0041 tab\tnew\nline cr\r ctl\x01\x1f del\x7f 😀 「」《》 ‘’ \u2028'


def rk(name: str) -> NamedNode:
    return NamedNode(RK + name)


def zh(text: str) -> Literal:
    return Literal(text, language="zh")


def integer(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD + "integer"))


def date(iso: str) -> Literal:
    return Literal(iso, datatype=NamedNode(XSD + "date"))


def org_iri(label: str) -> NamedNode:
    return NamedNode(ID + "org/" + hashlib.sha256(label.encode()).hexdigest()[:16])


def policy_iri(title: str) -> NamedNode:
    return NamedNode(ID + "policy/" + hashlib.sha256(title.encode()).hexdigest()[:16])


def report(source: str, *, problems: list[dict], text: str = "通报正文", version: str = "",
           inspection: dict | None = None, issued: str | None = None, people=(),
           stated: dict | None = None, findings=(), publisher: str | None = None):
    """Quads of one report. ``problems``: dicts with title, ordinal, status, category, parent
    (index), measures (list of dicts: label, units, lead, makes, applies)."""
    sha = hashlib.sha256(f"{source}\n{text}\n{version}".encode()).hexdigest()
    key = sha[:16]
    g = NamedNode(G + key)
    r = NamedNode(f"{ID}report/{key}")
    quads: list[Quad] = []

    def add(s, p, o):
        quads.append(Quad(s, p if isinstance(p, NamedNode) else NamedNode(p), o, g))

    def span(start: int, end: int, exact: str) -> NamedNode:
        node = NamedNode(f"{ID}span/{key}/{start}-{end}")
        add(node, RDF_TYPE, NamedNode(OA + "TextPositionSelector"))
        add(node, RDF_TYPE, NamedNode(OA + "TextQuoteSelector"))
        add(node, rk("inReport"), r)
        add(node, OA + "start", integer(start))
        add(node, OA + "end", integer(end))
        add(node, OA + "exact", Literal(exact))
        return node

    def organisation(label: str, alt=()) -> NamedNode:
        o = org_iri(label)
        add(o, RDF_TYPE, NamedNode(ORG + "Organization"))
        add(o, SKOS + "prefLabel", zh(label))
        for a in alt:
            add(o, SKOS + "altLabel", zh(a))
        add(r, rk("mentions"), o)
        return o

    add(r, RDF_TYPE, rk("Report"))
    add(r, RDF_TYPE, NamedNode("http://www.w3.org/ns/prov#Entity"))
    add(r, RDF_TYPE, NamedNode(FOAF + "Document"))
    add(r, DCT + "source", Literal(source))
    add(r, rk("sha256"), Literal(sha))
    add(r, rk("content"), Literal(text))
    add(r, rk("genre"), rk("InspectionRectification"))
    add(r, DCT + "title", zh(f"关于{source}整改情况的通报"))
    add(r, rk("convertedFromTraditional"), Literal(False))
    if issued:
        add(r, DCT + "issued", date(issued))
    if publisher:
        add(r, DCT + "publisher", organisation(publisher))
    for kind, value in (stated or {}).items():
        add(r, rk(kind), integer(value))
    for f in findings:
        n = NamedNode(f"{ID}finding/{key}/{f['kind']}")
        add(r, rk("hasFinding"), n)
        add(n, RDF_TYPE, rk("ConsistencyFinding"))
        add(n, rk("countKind"), Literal(f["kind"]))
        add(n, rk("statedValue"), integer(f["stated"]))
        add(n, rk("listedValue"), integer(f["listed"]))
        add(n, rk("message"), Literal(f"stated {f['stated']}, lists {f['listed']}", language="en"))
    if inspection:
        i = NamedNode(f"{ID}inspection/{key}")
        add(r, rk("respondsTo"), i)
        add(i, RDF_TYPE, rk("Inspection"))
        kind = NamedNode(ID + "kind/" + hashlib.sha256(inspection["kind"].encode()).hexdigest()[:16])
        add(i, rk("kind"), kind)
        add(kind, RDF_TYPE, rk("InspectionKind"))
        add(kind, SKOS + "prefLabel", zh(inspection["kind"]))
        add(i, rk("conductedBy"), organisation(inspection["team"]))
        add(i, rk("inspected"), organisation(inspection["target"], inspection.get("alt", ())))
        for prop in ("startDate", "endDate", "feedbackDate"):
            if prop in inspection:
                add(i, rk(prop), date(inspection[prop]))
    for name, post in people:
        x = NamedNode(ID + "person/" + hashlib.sha256(name.encode()).hexdigest()[:16])
        add(x, RDF_TYPE, NamedNode(FOAF + "Person"))
        add(x, FOAF + "name", zh(name))
        if post:
            add(x, rk("post"), zh(post))
        add(r, rk("mentions"), x)
    cats: dict[str, NamedNode] = {}
    nodes: list[NamedNode] = []
    offset = 0
    for idx, p in enumerate(problems):
        n = NamedNode(f"{ID}problem/{key}/{idx}")
        nodes.append(n)
        add(n, RDF_TYPE, rk("Problem"))
        add(n, RDFS_LABEL, zh(p["title"]))
        add(n, rk("ordinal"), Literal(p.get("ordinal", str(idx + 1))))
        add(n, rk("reportedIn"), r)
        add(n, rk("status"), rk(p.get("status", "Completed")))
        add(n, rk("evidence"), span(offset, offset + len(p["title"]), p["title"]))
        offset += len(p["title"]) + 1
        if p.get("category"):
            c = cats.get(p["category"])
            if c is None:
                c = cats[p["category"]] = NamedNode(f"{ID}category/{key}/{len(cats)}")
                add(c, RDF_TYPE, rk("ProblemCategory"))
                add(c, RDFS_LABEL, zh(p["category"]))
            add(n, rk("category"), c)
        if p.get("parent") is not None:
            add(n, rk("subProblemOf"), nodes[p["parent"]])
        for k, m in enumerate(p.get("measures", [])):
            mn = NamedNode(f"{ID}measure/{key}/{idx}/{k}")
            add(mn, RDF_TYPE, rk("Measure"))
            add(mn, RDF_TYPE, NamedNode("http://www.w3.org/ns/prov#Activity"))
            add(mn, RDFS_LABEL, zh(m["label"]))
            add(mn, rk("addresses"), n)
            add(mn, rk("measureKind"), rk("Done"))
            add(mn, rk("evidence"), span(offset, offset + len(m["label"]), m["label"]))
            offset += len(m["label"]) + 1
            for u in m.get("units", ()):
                add(mn, rk("responsibleUnit"), organisation(u))
            for u in m.get("lead", ()):
                add(mn, rk("leadUnit"), organisation(u))
            for prop in ("makes", "applies"):
                for title in m.get(prop, ()):
                    d = policy_iri(title)
                    add(d, RDF_TYPE, rk("Policy"))
                    add(d, RDFS_LABEL, zh(title))
                    add(d, rk("policyType"), rk("Regulation"))
                    add(d, rk("isPolicy"), Literal(True))
                    add(d, rk("evidence"), span(offset, offset + len(title), title))
                    offset += len(title) + 1
                    add(r, rk("mentions"), d)
                    add(mn, rk(prop), d)
    return source, sha, g.value, quads


def report_a(version: str = ""):
    """A 巡察 report of an invented county unit: 3 problems (one in progress, one sub-problem)."""
    return report(
        "甲县.txt", version=version, text="甲县整改通报" + version, issued="2022-03-01",
        publisher="甲县示范局",
        inspection={"kind": "巡察", "team": "县委第一巡察组", "target": "甲县示范局",
                    "alt": ["示范局"], "startDate": "2021-09-01", "endDate": "2021-10-10",
                    "feedbackDate": "2021-12-01"},
        stated={"statedCompletedCount": 2, "statedInProgressCount": 1},
        findings=[{"kind": "completed", "stated": 2, "listed": 1}],
        people=[("王示例", "局长")],
        problems=[
            {"title": "学习制度执行不严" + version, "category": "政治建设方面", "status": "Completed",
             "measures": [{"label": "修订学习制度", "units": ["甲县示范局办公室"],
                           "makes": ["甲县示范局学习制度"], "applies": ["示范工作条例"]},
                          {"label": "开展专题学习", "lead": ["甲县示范局"]}]},
            {"title": "采购管理不规范", "category": "财务管理方面", "status": "InProgress",
             "measures": [{"label": "建立采购台账", "units": ["甲县示范局办公室"]}]},
            {"title": "少数采购未比价", "ordinal": "(1)", "parent": 1, "status": "InProgress"},
            {"title": TRICKY, "category": "财务管理方面", "status": "StatusUnknown"},
        ])


def report_b(version: str = ""):
    """A 巡视 report of another invented unit; shares the policy 示范工作条例 with report A."""
    return report(
        "乙市.txt", version=version, text="乙市整改通报" + version, issued="2022-05-20",
        inspection={"kind": "巡视", "team": "省委第二巡视组", "target": "乙市样板委",
                    "startDate": "2021-11-01", "endDate": "2021-12-15", "feedbackDate": "2022-01-15"},
        problems=[
            {"title": "党建责任落实不到位", "category": "党的建设方面", "status": "Completed",
             "measures": [{"label": "压实党建责任", "units": ["乙市样板委"],
                           "applies": ["示范工作条例"]}]},
            {"title": "整改台账不完整", "category": "党的建设方面", "status": "InProgress"},
        ])


def versioned(source: str, version: int, size: int):
    """A report whose every label carries its version (for crash tests): ``size`` problems."""
    return report(source, version=f"v{version}", text=f"{source} v{version}",
                  problems=[{"title": f"问题{i} v{version}", "status": "Completed",
                             "measures": [{"label": f"措施{i} v{version}"}]}
                            for i in range(size)])
