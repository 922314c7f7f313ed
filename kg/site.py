"""The workbench as files: :func:`write_site` writes every page of a build from one graph.

``index.html`` (a sortable, filterable table of reports, completion charts, recurring problems,
top entities, findings), ``reports/KEY.html`` (one page per report: header facts, stated and
listed counts, the report's ledger, its text with every extracted fact highlighted at its span),
``compare.html`` (rounds compared, completion rates by group) and the graph views under
``views/``. Everything is read from ``source`` only and written under ``target`` only, each file
to a temporary name renamed into place; files of an older site that the new one does not have
(pages of reports no longer in the graph) are removed, so ``target`` ends up holding exactly the
new site. Pages work offline, from ``file://`` or a server, and link each other relatively.

>>> import tempfile, pathlib
>>> from kg.analyse import _tiny_store
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> paths = write_site(_tiny_store(), out, as_of="2021-10-01")
>>> sorted(p.relative_to(out).as_posix() for p in paths if p.parent.name == "reports")
['reports/k1.html', 'reports/k2.html']
>>> paths[-1].name
'index.html'
"""
from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from markupsafe import Markup, escape

from kg import analyse, pages
from kg.analyse import _local, _select, report_key, short
from kg.ledger import DEFAULT_LIGHTS, ledger_rows
from kg.reports import GENRE_TEXT, _org_labels, report_info, shown_title  # noqa: F401

SITE_DIRS = ("views", "reports", "tables")
"""Folders that belong to the site alone: any file in them the new site does not write is removed."""
SITE_FILES = ("index.html", "compare.html")
"""Files at the top of ``target`` that belong to the site."""

KINDS = {
    "problem": "问题 problem", "category": "类别 category", "status": "状态 status",
    "measure": "措施 measure", "deadline": "时限 deadline", "responsibility": "责任 responsibility",
    "organisation": "单位 organisation", "person": "人员 person", "policy": "文件 policy",
    "concept": "提法 concept", "date": "日期 date", "count": "数字 count",
    "inspection": "巡视巡察 inspection", "title": "标题 title", "contact": "联系方式 contact",
}
"""Kinds of highlighted facts, in the legend's order, with their names."""

_TYPE_KIND = [  # first match wins
    ("ConsistencyFinding", "count"), ("Quantity", "count"), ("Deadline", "deadline"),
    ("Responsibility", "responsibility"), ("Problem", "problem"), ("Measure", "measure"),
    ("ProblemCategory", "category"), ("Policy", "policy"), ("Organization", "organisation"),
    ("Person", "person"), ("Concept", "concept"), ("Inspection", "inspection"),
    ("Kind", "contact"), ("Report", "report"),
]
_DATE_TEXT = re.compile(r"^[\d〇○零一二三四五六七八九十]{1,4}\s*[年月日号]|^\d{4}[-/.]\d")


# --------------------------------------------------------------------------- the site

def write_site(source: Any, target: str | Path, *, budget: int | None = None,
               as_of: str | date | None = None, inline: bool | None = None, focus_top: int = 5,
               lights: tuple[int, int, int] = DEFAULT_LIGHTS,
               aggregate_over: int | None = None, graph_views: bool = True,
               jobs: int = 1, nquads: Path | None = None) -> list[Path]:
    """Write the whole site for the graph in ``source`` under ``target``; return the paths written.

    ``source`` is a :class:`kg.store.Store`, a ``pyoxigraph.Store`` or a graph file (or an ``out/``
    folder, read through :func:`kg.analyse.open_source`). ``budget`` caps the nodes of a graph
    view; ``as_of`` (default today) is the day the ledger's status and lights are computed for;
    ``inline`` puts vis-network into every graph page (default: for up to 50 reports);
    ``aggregate_over`` is the number of reports above which the corpus overview draws the
    aggregate (regions → organisations, themes, policies) instead of every entity.
    ``graph_views=False`` leaves out the graph views and what needs the corpus-wide entity graph
    (top entities): at thousands of reports that graph takes most of the time and gigabytes.
    ``jobs`` > 1 writes the report pages in that many forked processes (for a ``source`` in
    memory, that a fork may share: not a store on disk, whose handle a child must not use).
    ``nquads``: the graph's N-Quads folder (``KEY.nq`` a report, ``shared.nq``; see
    :func:`kg.export.write_nquads_dir`), for a ``source`` on disk: each batch of report pages is
    then made from a small store in memory of the batch's files, in ``jobs`` processes (off the
    disk every term read costs 8–50 µs: 45–90 ms a page), or off ``source`` in one process when
    a report's file is missing. The paths come back in writing order, ``index.html`` last.
    """
    from kg import compare, views

    target = Path(target)
    budget = budget or views.DEFAULT_BUDGET
    today = date.fromisoformat(str(as_of)) if as_of and not isinstance(as_of, date) else (as_of or date.today())
    store = analyse.open_source(source)
    site = _Writer(target)

    info = report_info(store)
    if nquads is not None and not _has_files(Path(nquads), info):
        # an older output folder: the pages are read off the store on disk, in this process
        nquads, jobs = None, 1
    rows_by_report: dict[str, list[dict]] = defaultdict(list)
    if nquads is None:   # (else each batch of pages reads its own rows: off the disk, the
        #                   ledger of 1,000 reports took 17 s)
        for row in ledger_rows(store, as_of=today, lights=lights):
            rows_by_report[row["report_iri"]].append(row)
    problems = compare.problems_by_report(store)   # (read once for rounds and rates)
    rounds = compare.rounds(store, info=info, problems=problems)
    rates = compare.completion_rates(store, info=info, problems=problems)
    del problems
    compare_anchor = {r["report"]: t["anchor"] for t in rounds for r in t["rounds"]}

    # one page per report; remember where each node's evidence is (its first report's), for the
    # graph views' links
    anchors: dict[str, tuple[str, int, int]] = {}
    for key, page in report_pages(store, info, rows_by_report, today=today,
                                  compare=compare_anchor, graph_views=graph_views,
                                  anchors=anchors, jobs=jobs, nquads=nquads, lights=lights):
        site.put(f"reports/{key}.html", page)

    # the corpus-wide analyses, once for every page that shows them
    groups = compare.recurring_groups(analyse.problems(store), pairs=False)
    G = cent = False
    if graph_views:
        G = analyse.entity_graph(store, categories=True)
        overview = views.overview_graph(G)
        cent = analyse.centrality(overview, top=focus_top,
                                  types=("organisation", "policy", "concept", "person"))
        for rel, text in views.graph_pages(store, budget=budget, inline=inline,
                                           focus_top=focus_top, anchors=anchors,
                                           aggregate_over=aggregate_over, info=info, G=G,
                                           groups=groups, cent=cent, overview=overview,
                                           jobs=jobs if nquads is None else 1):   # (on disk)
            site.put(rel, text)
        del overview

    site.put("compare.html", compare.render_page(rounds, rates))
    for rel, data in compare.table_files(rates, rounds):
        site.put(rel, data)
    site.put("index.html", render_index(store, info, rates, anchors, G=G, groups=groups,
                                        cent=cent, has_compare=True))
    site.prune()
    return site.written


_PAGES: dict = {}   # what the report pages are made from, for the forked processes


def report_pages(store: Any, info: dict, rows_by_report: dict, *, today: date, compare: dict,
                 graph_views: bool, anchors: dict, jobs: int = 1, nquads: Path | None = None,
                 lights: tuple[int, int, int] = DEFAULT_LIGHTS) -> Iterable[tuple[str, str]]:
    """Every report's page (``(key, html)``) in the order of the reports' sources, made here or
    in ``jobs`` forked processes (1,000 pages: ~23 s of one process); ``anchors`` gets, for each
    node with evidence, its first report's span, as :func:`report_page` on each report in that
    order gives it. ``nquads``: read each batch, and its ledger rows (``lights``), from the
    graph's N-Quads files instead of ``store`` and ``rows_by_report`` (see :func:`write_site`)."""
    from kg.pool import outcomes

    order = sorted(info, key=lambda r: (info[r]["source"], r))
    _PAGES.update(store=store, info=info, rows=rows_by_report, today=today, compare=compare,
                  graph_views=graph_views)
    make = _report_pages
    if nquads is not None:
        from kg.answers import read_shared_index

        make = _report_pages_from_files
        _PAGES.update(lights=lights, nquads=Path(nquads),
                      shared=read_shared_index(Path(nquads)) or {})
    try:
        batches = [order[i:i + 25] for i in range(0, len(order), 25)]
        for key_pages, found in outcomes(make, batches, jobs=jobs, fork=nquads is not None,
                                         what="the report pages could not be written"):
            yield from key_pages
            for iri, where in found.items():
                anchors.setdefault(iri, where)
    finally:
        _PAGES.clear()


def _report_pages(reports: list[str]) -> tuple[list[tuple[str, str]], dict]:
    """The pages of some reports (``(key, html)``, in order) and the anchors they found."""
    st, anchors = _PAGES, {}
    out = [(st["info"][r]["key"],
            report_page(st["store"], st["info"][r], st["rows"].get(r, []), today=st["today"],
                        anchors=anchors, compare_anchor=st["compare"].get(r),
                        graph_view=st["graph_views"]))
           for r in reports]
    return out, anchors


def _has_files(nquads: Path, info: dict) -> bool:
    """Whether ``nquads`` holds the N-Quads file of every report of ``info``."""
    from kg.export import report_key_of

    return nquads.is_dir() and all(
        (nquads / f"{report_key_of(i['graph'])}.nq").is_file() for i in info.values())


def _report_pages_from_files(reports: list[str]) -> tuple[list[tuple[str, str]], dict]:
    """:func:`_report_pages` on a store in memory of the reports' N-Quads files and the shared
    graph's triples about the entities they name (all a report's page and its ledger rows read)."""
    from kg.answers import shared_closure, small_store
    from kg.export import report_key_of

    st = _PAGES
    data = b"".join((st["nquads"] / f"{report_key_of(st['info'][r]['graph'])}.nq").read_bytes()
                    for r in reports)
    db = small_store(data, (line for s in shared_closure(data, st["shared"])
                            for line in st["shared"][s]))
    rows: dict[str, list[dict]] = defaultdict(list)
    for row in ledger_rows(db, as_of=st["today"], lights=st["lights"]):
        rows[row["report_iri"]].append(row)
    _PAGES.update(store=db, rows=rows)   # (in this worker's copy of the state)
    try:
        return _report_pages(reports)
    finally:
        _PAGES.update(store=None, rows=None)


class _Writer:
    """Writes files under one folder, each atomically, and removes what an older site left."""

    def __init__(self, target: Path):
        self.target = target
        self.written: list[Path] = []
        self._names: set[str] = set()

    def put(self, rel: str, data: str | bytes) -> Path:
        path = self.target / rel
        pages.write_atomic(path, data)
        self.written.append(path)
        self._names.add(Path(rel).as_posix())
        return path

    def prune(self) -> list[Path]:
        """Remove the site files under ``target`` that this run did not write."""
        gone = []
        for d in SITE_DIRS:
            base = self.target / d
            if not base.is_dir():
                continue
            for dirpath, dirnames, filenames in os.walk(base, topdown=False):
                for name in filenames:
                    p = Path(dirpath) / name
                    if p.relative_to(self.target).as_posix() not in self._names:
                        p.unlink()
                        gone.append(p)
                if dirpath != str(base) and not os.listdir(dirpath):
                    os.rmdir(dirpath)
        for name in SITE_FILES:
            p = self.target / name
            if p.is_file() and name not in self._names:
                p.unlink()
                gone.append(p)
        return gone


# --------------------------------------------------------------------------- what a report says

def report_facts(source: Any, info: dict) -> tuple[str, list[dict]]:
    """The report's text and every fact with evidence in its graph, as ``{k, l, s, e, x, id}``.

    ``k`` is the highlight kind (:data:`KINDS`), ``l`` the fact's label, ``s``/``e`` the offsets,
    ``x`` the quoted text (``oa:exact``), ``id`` the short IRI of the node the span is evidence of.
    """
    store = analyse.open_source(source)
    g = info["graph"]
    content = ""
    for (c,) in _select(store, f"SELECT ?c WHERE {{ GRAPH <{g}> {{ <{info['iri']}> rk:content ?c }} }}"):
        content = c
    # what the report's spans are evidence of; the types and labels of what reports share
    # (organisations, policies …) live in the shared graph, so they are read from the union
    spans: dict[tuple, str] = {}
    for x, prop, s, e, exact in _select(store, f"""SELECT ?x ?prop ?s ?e ?exact WHERE {{ GRAPH <{g}> {{
            VALUES ?prop {{ rk:evidence rk:statusEvidence }}
            ?x ?prop ?sp . ?sp oa:start ?s ; oa:end ?e ; oa:exact ?exact . }} }}"""):
        spans[(x, _local(prop), s, e)] = exact
    labels: dict[str, str] = {}
    types: dict[str, set[str]] = defaultdict(set)
    nodes = sorted({x for x, _, _, _ in spans})
    for chunk in range(0, len(nodes), 400):
        values = " ".join(f"<{x}>" for x in nodes[chunk:chunk + 400])
        for x, t, label in _select(store, f"""SELECT ?x ?t ?l WHERE {{ VALUES ?x {{ {values} }}
                {{ ?x a ?t }} UNION {{ ?x rdfs:label|skos:prefLabel|foaf:name|dcterms:title ?l }} }}"""):
            if t:
                types[x].add(_local(t))
            if label:
                labels.setdefault(x, label)
    facts = []
    for (x, prop, s, e), exact in spans.items():
        kind = _kind(types.get(x, set()), prop, exact, s, e, info)
        if kind == "report":
            continue
        facts.append({"k": kind, "l": labels.get(x, "") if kind != "status" else exact,
                      "s": s, "e": e, "x": exact, "id": short(x), "iri": x, "row": -1})
    facts.sort(key=lambda f: (f["s"], -f["e"], list(KINDS).index(f["k"]), f["id"]))
    return content, facts


def _kind(types: set[str], prop: str, exact: str, s: int, e: int, info: dict) -> str:
    """The highlight kind of a span, from what it is evidence of."""
    if prop == "statusEvidence":
        return "status"
    for t, kind in _TYPE_KIND:
        if t in types:
            if kind == "report":  # the title, or the sentence that states a count
                same = "".join(exact.split()) == "".join(info["title"].split())
                return "title" if info["title"] and same else "count"
            if kind == "inspection":  # its dates, round and opening sentence
                return "date" if _DATE_TEXT.match(exact) else "inspection"
            return kind
    return "inspection"


def render_text(content: str, facts: list[dict]) -> tuple[Markup, list[dict]]:
    """The text as HTML with every placeable fact's span highlighted, and the facts not placed.

    A fact is placed when its offsets lie in the text and the text there is its quote. The text
    is cut at every span boundary; each piece names the facts that cover it (``data-f``) and
    carries a class per kind.

    >>> html, lost = render_text("甲乙丙丁", [{"k": "problem", "s": 1, "e": 3, "x": "乙丙"},
    ...                                     {"k": "date", "s": 2, "e": 9, "x": "?"}])
    >>> str(html), [f["s"] for f in lost]
    ('甲<span class="f k-problem" data-f="0">乙丙</span>丁', [2])
    """
    placed, lost = [], []
    for i, f in enumerate(facts):
        s, e = f["s"], f["e"]
        ok = isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(content) \
            and content[s:e] == f["x"]
        (placed if ok else lost).append(i)
    cuts = sorted({0, len(content)} | {facts[i]["s"] for i in placed} | {facts[i]["e"] for i in placed})
    starts: dict[int, list[int]] = defaultdict(list)
    for i in placed:
        starts[facts[i]["s"]].append(i)
    open_: list[int] = []
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:]):
        open_ = [i for i in open_ if facts[i]["e"] > a] + starts.get(a, [])
        piece = str(escape(content[a:b]))
        if open_:
            kinds = sorted({facts[i]["k"] for i in open_}, key=list(KINDS).index)
            ids = " ".join(str(i) for i in sorted(open_))
            out.append(f'<span class="f {" ".join("k-" + k for k in kinds)}" data-f="{ids}">{piece}</span>')
        else:
            out.append(piece)
    return Markup("".join(out)), [facts[i] for i in lost]


def report_page(source: Any, info: dict, rows: list[dict], *, today: date,
                anchors: dict[str, tuple[str, int, int]] | None = None,
                compare_anchor: str | None = None, graph_view: bool = True) -> str:
    """The page of one report (``reports/KEY.html``)."""
    content, facts = report_facts(source, info)
    where = {(f["s"], f["e"], f["k"]): i for i, f in enumerate(facts)}
    for f in facts:
        if anchors is not None and f["iri"] not in anchors:
            anchors[f["iri"]] = (info["key"], f["s"], f["e"])
    page_rows = []
    for n, row in enumerate(rows):
        row = dict(row)
        row["fact"] = where.get((row["start"], row["end"], "problem"))
        if row["fact"] is not None:
            facts[row["fact"]]["row"] = n
        row["measures"] = [dict(m, fact=where.get((m["start"], m["end"], "measure")))
                           for m in row["measures"]]
        row["units"] = [dict(u, fact=where.get((u["start"], u["end"], "responsibility")))
                        for u in row["units"]]
        row["people"] = [dict(u, fact=where.get((u["start"], u["end"], "responsibility")))
                         for u in row["people"]]
        row["deadlines"] = [dict(d, fact=where.get((d["start"], d["end"], "deadline")))
                            for d in row["deadlines"]]
        page_rows.append(row)
    text_html, unplaced = render_text(content, facts)
    legend = [(k, KINDS[k], n) for k, n in sorted(Counter(f["k"] for f in facts).items(),
                                                 key=lambda kv: list(KINDS).index(kv[0]))]
    r = {
        "title": info["shown_title"], "source": info["source"],
        "view": f"report-{_safe(info['key'])}.html" if graph_view else None,
        "compare": compare_anchor, "header": _header(info), "counts": _counts(info, facts),
        "rows": page_rows, "facts": [{k: v for k, v in f.items() if k != "iri"} for f in facts],
        "text_html": text_html, "unplaced": unplaced, "legend": legend,
    }
    return pages.render("report.html", r=r, kinds=KINDS, as_of=today.isoformat())


def _header(info: dict) -> list[tuple[str, str]]:
    t = info.get("inspection") or {}
    period = " → ".join(x for x in (t.get("start"), t.get("end")) if x)
    items = [
        ("issuer 发文单位", info["issuer"]), ("date 日期", info["date"]),
        ("genre 类型", GENRE_TEXT.get(info["genre"], info["genre"])),
        ("region 地区", " ".join(x for x in (info["region_name"], info["region_code"]) if x)
         or info["jurisdiction"]),
        ("inspection 巡视巡察", t.get("kind", "")), ("team 巡视巡察组", t.get("team", "")),
        ("target 被巡察单位", t.get("target", "")), ("period 巡察期间", period),
        ("feedback 反馈日期", t.get("feedback") or ""), ("round 轮次", t.get("round", "")),
    ]
    return [(k, v) for k, v in items if v]


_COUNT_NAMES = [("problems", "问题 problems", "stated_problems"),
                ("completed", "已完成 completed", "stated_completed"),
                ("in_progress", "整改中 in progress", "stated_in_progress")]


def _counts(info: dict, facts: list[dict]) -> list[dict]:
    p = info.get("progress") or {}
    findings = {f["kind"]: f["message"] for f in info["findings"]}
    count_spans = [f for f in facts if f["k"] == "count"]
    out = []
    for kind, name, key in _COUNT_NAMES:
        stated = p.get(key)
        listed = p.get("listed", 0) if kind == "problems" else p.get(kind, 0)
        fact = None
        s = e = None
        if stated is not None:
            for f in count_spans:  # the sentence that states it
                if str(stated) in f["x"] or _cn(stated) in f["x"]:
                    fact, s, e = f, f["s"], f["e"]
                    break
        out.append({"name": name, "stated": stated, "listed": listed, "fact": fact, "s": s, "e": e,
                    "finding": findings.get(kind) or (findings.get("problems") if kind == "problems" else "")})
    for kind, msg in findings.items():
        if kind not in {k for k, _, _ in _COUNT_NAMES}:
            out.append({"name": kind, "stated": None, "listed": "", "fact": None, "s": None,
                        "e": None, "finding": msg})
    return out


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


# --------------------------------------------------------------------------- index.html

def render_index(source: Any, info: dict[str, dict], rates: dict, anchors: dict, *,
                 G=None, groups: list[dict] | None = None, cent: dict | None = None,
                 top: int = 5, has_compare: bool = True) -> str:
    """The front page: the reports table, completion charts, recurring problems, top entities."""
    from kg import compare, views

    store = analyse.open_source(source)
    reports = []
    for r, i in sorted(info.items(), key=lambda kv: (kv[1]["source"], kv[0])):
        p = i.get("progress") or {}
        listed = p.get("listed", 0)
        target = max(listed, p.get("stated_problems") or 0,
                     (p.get("stated_completed") or 0) + (p.get("stated_in_progress") or 0)) or 1
        reports.append({
            "key": i["key"], "title": i["shown_title"], "source": i["source"], "issuer": i["issuer"],
            "region_name": i["region_name"] or i["jurisdiction"], "region_code": i["region_code"],
            "genre": i["genre"], "genre_text": GENRE_TEXT.get(i["genre"], i["genre"]),
            "date": i["date"], "listed": listed, "stated": p.get("stated_problems"),
            "rate": (p.get("completed", 0) / listed) if listed else None,
            "bar": [(cls, round(100 * p.get(k, 0) / target, 1), name)
                    for cls, k, name in (("c", "completed", "completed"),
                                         ("i", "in_progress", "in progress"),
                                         ("u", "unknown", "not stated")) if p.get(k)],
            "findings": len(i["findings"]), "view": f"report-{_safe(i['key'])}.html"})
    graphs = G is not False   # (False: the site has no graph views)
    if G is None:
        G = analyse.entity_graph(store, categories=True)
    if cent is None:
        cent = analyse.centrality(views.overview_graph(G), top=top,
                                  types=("organisation", "policy", "concept", "person"))
    if not graphs:
        cent = {"top": {}}
    if groups is None:
        groups = analyse.recurring_problems(analyse.problems(store))
    tops = []
    for t, items in cent["top"].items():
        if items:
            tops.append({"name": views.STYLES[t][2], "items": [
                {"label": x["label"], "degree": x["degree"], "reports": x["reports"],
                 "href": _href(anchors, x["id"], "")} for x in items]})
    recurring = []
    for g in groups[:30]:
        recurring.append({"label": g["label"], "reports": g["reports"], "more": len(g["members"]) > 12,
                          "members": [{"label": m["label"], "href": _href(anchors, m["id"], "") or
                                       f"reports/{report_key(m['report'])}.html"}
                                      for m in g["members"][:12]]})
    findings = [{"key": report_key(f["report"]), **f} for i in info.values() for f in i["findings"]]
    findings.sort(key=lambda f: (f["source"], f["kind"]))
    summary = analyse_summary(G) if graphs else f"{len(info)} reports"
    return pages.render("index.html", reports=reports, summary=summary, graphs=graphs,
                        genres=sorted({r["genre"] for r in reports}),
                        provinces=sorted({i["province"] for i in info.values() if i["province"]}),
                        charts=compare.charts(rates), recurring=recurring, tops=tops,
                        findings=findings, has_compare=has_compare)


def _href(anchors: dict, iri: str, prefix: str) -> str:
    a = anchors.get(iri)
    if not a:
        return ""
    key, s, e = a
    return f"{prefix}reports/{key}.html#s-{s}-{e}"


def analyse_summary(G) -> str:
    c = Counter(d["type"] for _, d in G.nodes(data=True))
    names = {"report": "reports", "problem": "problems", "measure": "measures",
             "policy": "policies", "organisation": "organisations", "concept": "concepts"}
    return " · ".join(f"{c[t]} {n}" for t, n in names.items() if c.get(t))


def write_views(out_dir: str | Path, *, budget: int | None = None, source: Any = None,
                inline: bool | None = None, focus_top: int = 5, **site_options: Any) -> list[Path]:
    """Write the whole site of ``out_dir`` into ``out_dir`` (:func:`kg.site.write_site`).

    Kept for ``kg view`` and older callers: ``source`` defaults to ``out_dir`` (its store, else its
    kg.ttl). Returns the paths written, index.html last.
    """
    out = Path(out_dir)
    if source is None:
        source = analyse.open_source(out)
    return write_site(source, out, budget=budget, inline=inline, focus_top=focus_top,
                      **site_options)
