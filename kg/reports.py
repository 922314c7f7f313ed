"""What the graph says about each report, for the pages (kg.site, kg.views, kg.compare): its key,
name, title (never a hash), date, genre, issuer, region, inspection, progress and findings.

>>> shown_title({"title": "", "issuer": "", "genre": "", "date": "", "source": "x.txt"})
'x.txt'
"""
from __future__ import annotations

from typing import Any, Iterable

from kg import analyse
from kg.analyse import _local, _select, report_key, short

GENRE_TEXT = {"InspectionRectification": "巡视巡察整改", "EducationRectification": "教育整顿整改",
              "AuditRectification": "审计整改", "InspectionNews": "巡视巡察动态",
              "OtherGenre": "其他"}


def report_info(source: Any) -> dict[str, dict]:
    """Per report IRI: key, source, title, date, genre, issuer, region, inspection, counts."""
    store = analyse.open_source(source)
    out: dict[str, dict] = {}
    for r, src, title, issued, genre, pub, jur, code, prov, city, county in _select(store, """
            SELECT ?r (SAMPLE(?s0) AS ?src) (SAMPLE(?t0) AS ?title) (SAMPLE(?d0) AS ?issued)
                   (SAMPLE(?g0) AS ?genre) (SAMPLE(?p0) AS ?pub) (SAMPLE(?j0) AS ?jur)
                   (SAMPLE(?c0) AS ?code) (SAMPLE(?pr0) AS ?prov) (SAMPLE(?ci0) AS ?city)
                   (SAMPLE(?co0) AS ?county)
            WHERE { ?r a rk:Report .
                    OPTIONAL { ?r dcterms:source ?s0 } OPTIONAL { ?r dcterms:title ?t0 }
                    OPTIONAL { ?r dcterms:issued ?d0 } OPTIONAL { ?r rk:genre ?g0 }
                    OPTIONAL { ?r dcterms:publisher ?p0 } OPTIONAL { ?r rk:jurisdiction ?j0 }
                    OPTIONAL { ?r rk:regionCode ?c0 } OPTIONAL { ?r rk:province ?pr0 }
                    OPTIONAL { ?r rk:city ?ci0 } OPTIONAL { ?r rk:county ?co0 } }
            GROUP BY ?r"""):
        key = report_key(r)
        out[r] = {"iri": r, "key": key, "source": src or short(r), "title": title or "",
                  "date": issued or "", "genre": _local(genre) if genre else "OtherGenre",
                  "publisher": pub, "issuer": "", "jurisdiction": jur or "",
                  "region_code": code or "", "province": prov or "", "city": city or "",
                  "county": county or "", "inspection": {}, "findings": [],
                  "graph": "https://w3id.org/rectkg/graph/" + key}
    labels = _org_labels(store, {i["publisher"] for i in out.values() if i["publisher"]})
    for i in out.values():
        i["issuer"] = labels.get(i["publisher"], "") if i["publisher"] else ""
        i["region_name"] = i["province"] + i["city"] + i["county"]
        i["shown_title"] = shown_title(i)
    for p in analyse.progress(store):
        if p["report"] in out:
            out[p["report"]]["progress"] = p
    for t in analyse.timeline(store):
        if t["report"] in out:
            out[t["report"]]["inspection"] = t
    for f in analyse.findings(store):
        if f["report"] in out:
            out[f["report"]]["findings"].append(f)
    for r, target in _select(store, "SELECT ?r ?t WHERE { ?r rk:respondsTo/rk:inspected ?t }"):
        if r in out:
            out[r]["target"] = target
    return out


def shown_title(i: dict) -> str:
    """The report's title; where the text has none, who issued what and when (never a hash).

    >>> shown_title({"title": "", "issuer": "某县委", "genre": "InspectionRectification", "date": "2021-09-16", "source": "x.txt"})
    '某县委 · 巡视巡察整改 · 2021-09-16'
    """
    if i.get("title"):
        return i["title"]
    parts = [i.get("issuer") or "", GENRE_TEXT.get(i.get("genre") or "", ""), i.get("date") or ""]
    parts = [x for x in parts if x]
    return " · ".join(parts) if len(parts) > 1 or i.get("issuer") else (parts[0] + " · " if parts else "") + i["source"]


def _org_labels(store, iris: Iterable[str]) -> dict[str, str]:
    iris = sorted(i for i in iris if i)
    if not iris:
        return {}
    out = {}
    for chunk in range(0, len(iris), 500):
        values = " ".join(f"<{i}>" for i in iris[chunk:chunk + 500])
        for o, label in _select(store, f"SELECT ?o (SAMPLE(?l) AS ?label) WHERE {{ VALUES ?o {{ {values} }} "
                                       "?o skos:prefLabel|rdfs:label ?l } GROUP BY ?o"):
            out[o] = label
    return out
