"""Interactive HTML views of the graph (pyvis / vis-network), fully offline and escaped.

:func:`graph_pages` gives ``views/overview.html`` (the corpus; above :data:`AGGREGATE_OVER`
reports the aggregate of :func:`aggregate_graph`, with every entity in ``views/entities.html``),
one ``views/report-KEY.html`` per report (report → inspection → categories → problems → measures →
policies and units) and focus views of the top entities, for :func:`kg.site.write_site`, which
writes them with the rest of the site (:func:`kg.site.write_views` is that call for an ``out/`` folder);
:func:`focus_view` writes the neighbourhood of one entity.

pyvis builds the node and edge lists and supplies the vis-network build it ships; the page around
them is ours (``kg/templates/graph.html``, ``kg/static/graph.js``, ``graph.css``), because pyvis
0.3.2's template loads Bootstrap from a CDN in every mode and inserts its heading and ``href``
tooltips as raw HTML. Here every text from a document reaches the page through Jinja2's escaping
(inside ``<bdi>``) or as JSON inside ``<script type="application/json">`` with ``<``, ``>`` and
``&`` escaped, and tooltips are built in the browser with ``textContent``, a ``<bdi>`` per line. A
Content-Security-Policy forbids every network request. A node's details link to its report page
at the span of its evidence.

Large graphs stay usable: beyond a node budget (:func:`reduce_graph`) measures are folded into
their problem, leaves are grouped per neighbour and type, and then the least connected nodes are
grouped per type. vis-network's own physics is off: the page lays the graph out once, before
drawing, with a seeded force-directed layout on typed arrays (Fruchterman-Reingold from a
breadth-first start, grid-limited repulsion), which settles a 5,000-node view in about two
seconds in headless Chromium where vis-network's Barnes-Hut needed over thirty. Report views
also offer vis-network's hierarchical "columns" layout (report → inspection → categories →
problems → measures → policies and units).

>>> import networkx as nx
>>> G = nx.Graph([("p", "m1"), ("p", "m2"), ("r", "p")])
>>> nx.set_node_attributes(G, {"p": "problem", "m1": "measure", "m2": "measure", "r": "report"}, "type")
>>> H = reduce_graph(G, budget=2)
>>> sorted(H), H.nodes["p"]["measures"]
(['p', 'r'], 2)
"""
from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
from markupsafe import Markup

from kg import analyse
from kg.errors import KgError, QueryError

DEFAULT_BUDGET = 1500
"""Most nodes a view draws; beyond it nodes are folded and grouped (:func:`reduce_graph`)."""

# class -> (colour, vis-network shape, legend name, CSS class of the legend swatch)
STYLES = {
    "report": ("#1f4e79", "box", "Report 报告", "s-box"),
    "inspection": ("#6a3d9a", "diamond", "Inspection 巡视巡察", "s-diamond"),
    "category": ("#b15928", "triangleDown", "Category 问题类别", "s-tdown"),
    "problem": ("#e31a1c", "dot", "Problem 问题", "s-dot"),
    "measure": ("#33a02c", "triangle", "Measure 整改措施", "s-tri"),
    "policy": ("#ff7f00", "square", "Policy 制度文件", "s-square"),
    "organisation": ("#1f78b4", "hexagon", "Organisation 单位", "s-hex"),
    "concept": ("#17becf", "star", "Concept 概念", "s-star"),
    "person": ("#e377c2", "ellipse", "Person 人员", "s-ellipse"),
    "group": ("#8c8c8c", "database", "Group 汇总", "s-db"),
    "region": ("#4d4d4d", "box", "Region 省份地区", "s-box"),
    "theme": ("#c51b7d", "dot", "Theme 共性问题", "s-dot"),
}
STATUS_BORDERS = {
    "completed": ("#2ca02c", "completed 已完成"),
    "in_progress": ("#ff9900", "in progress 推进中"),
    "unknown": ("#7f7f7f", "unknown 未说明"),
}
_PLURAL = {"report": "reports", "inspection": "inspections", "category": "categories",
           "problem": "problems", "measure": "measures", "policy": "policies",
           "organisation": "organisations", "concept": "concepts", "person": "people",
           "group": "groups", "region": "regions", "theme": "themes"}
# levels of the report view's left-to-right hierarchy
_LEVELS = {"report": 0, "inspection": 1, "category": 2, "problem": 3, "measure": 5, "policy": 6,
           "organisation": 6, "concept": 6, "person": 6, "group": 6,
           "region": 0, "theme": 6}
_FONT_SIZES = {"report": 40, "inspection": 24, "category": 24, "problem": 18, "measure": 12,
               "policy": 14, "organisation": 14, "concept": 12, "person": 14, "group": 16,
               "region": 30, "theme": 18}
_GROUPABLE = {"organisation", "policy", "concept", "person", "measure", "problem", "category"}
_INLINE_REPORT_LIMIT = 50


# --------------------------------------------------------------------------- public API

AGGREGATE_OVER = 40
"""Above this many reports the corpus overview draws the aggregate (:func:`aggregate_graph`)."""


def graph_pages(source: Any, *, budget: int = DEFAULT_BUDGET, inline: bool | None = None,
                focus_top: int = 5, anchors: dict | None = None,
                aggregate_over: int | None = None, info: dict | None = None,
                G: nx.Graph | None = None, groups: list[dict] | None = None,
                cent: dict | None = None, overview: nx.Graph | None = None, jobs: int = 1
                ) -> Iterable[tuple[str, str]]:
    """The graph views as ``(path under the site, text)``: the overview, one view per report,
    focus views of the top entities, and, when the pages link it, vis-network under views/lib/.

    ``anchors`` maps a node IRI to ``(report key, start, end)`` of its evidence: a node's details
    then link to its report page at that span (double-click opens it). ``G`` (the entity graph
    with categories), ``groups`` (recurring problems), ``overview`` (:func:`overview_graph`) and
    ``cent`` (its centrality) are computed here unless the caller has them already. ``jobs`` > 1
    draws the report views in that many forked processes.
    """
    store = analyse.open_source(source)
    if G is None:
        G = analyse.entity_graph(store, categories=True)
    reports = [n for n, d in G.nodes(data=True) if d["type"] == "report"]
    if inline is None:
        inline = len(reports) <= _INLINE_REPORT_LIMIT
    lib = None
    if not inline:
        js, css = _vis_assets()
        yield "views/lib/vis-network.min.js", js
        yield "views/lib/vis-network.min.css", css
        lib = "lib"
    hrefs = _hrefs(G, anchors or {})
    over = AGGREGATE_OVER if aggregate_over is None else aggregate_over
    if info is None:
        from kg.reports import report_info

        info = report_info(store)
    for r, i in info.items():  # a report without a title in its text: who issued what, when
        if r in G:
            G.nodes[r]["label"] = i["shown_title"]

    if overview is None:
        overview = overview_graph(G)
    if len(reports) > over:
        if groups is None:
            groups = analyse.recurring_problems(analyse.problems(store))
        A = aggregate_graph(G, info, groups)
        yield "views/overview.html", render_page(
            A, title="rectkg: corpus overview 语料总览",
            subtitle=_summary(G) + f" · aggregate of {len(reports)} reports: regions → organisations, "
                     "recurring themes, most-cited policies; edges weighted by reports",
            budget=budget, lib=lib, total=A.number_of_nodes(), hrefs=_aggregate_hrefs(A),
            links=[{"href": "entities.html", "text": "every entity 全部实体"}])
        yield "views/entities.html", render_page(
            overview, title="rectkg: every entity 全部实体",
            subtitle=_summary(G) + " (measures folded into their problems)",
            budget=budget, lib=lib, total=overview.number_of_nodes(), hrefs=hrefs)
    else:
        yield "views/overview.html", render_page(
            overview, title="rectkg: corpus overview 语料总览",
            subtitle=_summary(G) + " (measures folded into their problems)",
            budget=budget, lib=lib, total=overview.number_of_nodes(), hrefs=hrefs)

    _VIEWS.update(G=G, kind=nx.get_node_attributes(G, "type"), budget=budget, lib=lib,
                  hrefs=hrefs)
    try:
        from kg.pool import outcomes

        order = sorted(reports)
        batches = [order[i:i + 25] for i in range(0, len(order), 25)]
        for got in outcomes(_report_views, batches, jobs=jobs, fork=False,
                            what="the report views could not be drawn"):
            yield from got
    finally:
        _VIEWS.clear()

    if cent is None:
        cent = analyse.centrality(overview, top=focus_top,
                                  types=("organisation", "policy", "concept", "person"))
    for rows in cent["top"].values():
        for row in rows:
            yield _focus_page(G, [row["id"]], 1, budget=budget, lib=lib, hrefs=hrefs)


def overview_graph(G: nx.Graph) -> nx.Graph:
    """The corpus at a glance: no categories, measures folded into their problems."""
    overview = G.copy()
    overview.remove_nodes_from([n for n, d in G.nodes(data=True) if d["type"] == "category"])
    return fold_measures(overview)  # every report's view shows its measures


def _hrefs(G: nx.Graph, anchors: dict) -> dict[str, str]:
    """Per node, its report page (at the span of its evidence in its first report), from views/."""
    out = {}
    for n, d in G.nodes(data=True):
        if d.get("type") == "report":
            out[n] = f"../reports/{analyse.report_key(n)}.html"
        elif n in anchors:
            key, s, e = anchors[n]
            out[n] = f"../reports/{key}.html#s-{s}-{e}"
    return out


def focus_view(out_dir: str | Path, iri_or_label: str, depth: int = 2, *,
               budget: int = DEFAULT_BUDGET, source: Any = None) -> Path:
    """Write the neighbourhood (``depth`` links) of an entity, named by IRI, short IRI or label.

    A label matches exactly first (all exact matches become centres), else as a substring (the
    best connected match). Writes ``OUT/views/focus-….html`` and returns its path.
    """
    out = Path(out_dir)
    store = analyse.open_source(source if source is not None else out)
    G = analyse.entity_graph(store, categories=True)
    centres = find_nodes(G, iri_or_label)
    rel, text = _focus_page(G, centres, depth, budget=budget, lib=None)
    from kg.pages import write_atomic

    return write_atomic(out / rel, text)


def find_nodes(G: nx.Graph, query: str) -> list[str]:
    """The nodes an IRI, a short IRI (``org/…``) or a label names.

    >>> G = nx.Graph(); G.add_node("https://w3id.org/rectkg/id/org/a", label="县委组织部", type="organisation")
    >>> find_nodes(G, "组织部"), find_nodes(G, "org/a") == find_nodes(G, "县委组织部")
    (['https://w3id.org/rectkg/id/org/a'], True)
    """
    q = query.strip()
    for cand in (q, analyse.ID_IRI + q.lstrip("/")):
        if cand in G:
            return [cand]
    exact = sorted(n for n, d in G.nodes(data=True) if d.get("label") == q)
    if exact:
        return exact
    fold = q.casefold()
    partial = [n for n, d in G.nodes(data=True) if fold and fold in str(d.get("label", "")).casefold()]
    if partial:
        return [max(partial, key=lambda n: (G.degree(n), -len(G.nodes[n]["label"]), n))]
    raise QueryError(f"no entity is named {query!r}",
                  hint="give an IRI, or a label as written in the report (`kg query` can list them)")


_VIEWS: dict = {}   # what the report views are drawn from, for the forked processes


def _report_views(reports: list[str]) -> list[tuple[str, str]]:
    """The view of each report (``(path, html)``, in order)."""
    st = _VIEWS
    G = st["G"]
    out = []
    for r in reports:
        key = analyse.report_key(r)
        sub = report_subgraph(G, r, kind=st["kind"])
        d = G.nodes[r]
        out.append((f"views/report-{_safe(key)}.html", render_page(
            sub, title=d["label"], subtitle=f"{d['source']} · {key}", budget=st["budget"],
            lib=st["lib"], hierarchical=True, total=sub.number_of_nodes(), hrefs=st["hrefs"],
            links=[{"href": f"../reports/{key}.html", "text": "report page 报告页"}])))
    return out


def report_subgraph(G: nx.Graph, report: str, *, kind: dict | None = None) -> nx.Graph:
    """The part of the entity graph one report contributes (for its view).

    Report, its inspection and that inspection's units, its problems and their categories, the
    measures addressing them and the units and policies those measures name, and the other
    entities the report names. ``kind`` is ``G``'s node types, when the caller has them.
    """
    if kind is None:
        kind = nx.get_node_attributes(G, "type")
    keep = {report}
    problems = set()
    for x in G[report]:
        t = kind[x]
        keep.add(x)
        if t == "problem":
            problems.add(x)
        elif t == "inspection":
            keep.update(y for y in G[x] if kind[y] == "organisation")
    frontier = list(problems)
    while frontier:  # sub-problems hang off problems, not off the report, in some graphs
        p = frontier.pop()
        for y in G[p]:
            if kind[y] == "problem" and y not in problems and analyse.report_key(y) == \
                    analyse.report_key(p):
                problems.add(y)
                frontier.append(y)
    keep |= problems
    for p in problems:
        for y in G[p]:
            if kind[y] == "category":
                keep.add(y)
            elif kind[y] == "measure":
                keep.add(y)
                keep.update(z for z in G[y] if kind[z] in ("organisation", "policy", "concept",
                                                              "person"))
    return _induced(G, keep)


def _induced(G: nx.Graph, keep: set) -> nx.Graph:
    """``G.subgraph(keep).copy()``, its nodes in sorted order, without walking every neighbour of
    a node many reports share (networkx's view filters each one: 28 of 60 s of the graph views of
    1,000 reports). Reads G's own dicts: through networkx's views each lookup costs ~1 µs."""
    H = nx.Graph()
    nodes = sorted(keep)
    H.add_nodes_from((n, dict(G.nodes[n])) for n in nodes)
    adj = G._adj
    for u in nodes:
        nbrs = adj[u]
        if len(nbrs) > len(nodes):
            pairs = [(v, nbrs[v]) for v in nodes if v in nbrs]
        else:
            pairs = [(v, d) for v, d in nbrs.items() if v in keep]
        H.add_edges_from((u, v, d) for v, d in pairs if u < v)   # (the data is copied)
    return H


def reduce_graph(G: nx.Graph, budget: int = DEFAULT_BUDGET) -> nx.Graph:
    """At most ``budget`` nodes: measures folded into problems, leaves grouped, then the rest.

    1. each measure becomes a count on the problem it addresses (``measures``), its links
       moving to the problem; 2. leaves of one type hanging off the same node become one ``group``
       node; 3. the least connected nodes are grouped per type and best-connected kept neighbour.
    Group nodes carry ``of`` (the type), ``count`` and ``members`` (up to 30 labels).
    """
    H = G.copy()
    if H.number_of_nodes() <= budget:
        return H
    fold_measures(H)
    if H.number_of_nodes() <= budget:
        return H
    return _group_rest(H, budget)


def fold_measures(H: nx.Graph) -> nx.Graph:
    """Fold each measure into the problem it addresses (in place): a count, and its links.

    >>> H = nx.Graph([("m", "p"), ("m", "o")])
    >>> nx.set_node_attributes(H, {"m": "measure", "p": "problem", "o": "organisation"}, "type")
    >>> sorted(fold_measures(H).edges()), H.nodes["p"]["measures"]
    ([('p', 'o')], 1)
    """
    kind = nx.get_node_attributes(H, "type")
    for m in sorted(n for n, t in kind.items() if t == "measure"):
        probs = sorted(x for x in H[m] if kind.get(x) == "problem")
        if not probs:
            continue
        p = probs[0]
        H.nodes[p]["measures"] = H.nodes[p].get("measures", 0) + 1
        for x in H[m]:
            if x != p and not H.has_edge(p, x):
                H.add_edge(p, x, rel="via measure: " + H[m][x].get("rel", ""), subject=p)
        H.remove_node(m)
    return H


def _group_rest(H: nx.Graph, budget: int) -> nx.Graph:
    leaves: dict[tuple, list[str]] = defaultdict(list)
    for n in sorted(H):
        t = H.nodes[n].get("type")
        if t in _GROUPABLE and H.degree(n) <= 1:
            nb = next(iter(H[n]), None)
            leaves[(nb or "", t)].append(n)
    for (nb, t), members in sorted(leaves.items()):
        if len(members) < 2:
            continue
        _group(H, members, t, [nb] if nb else [])
        if H.number_of_nodes() <= budget:
            return H
    if H.number_of_nodes() <= budget:
        return H

    reserve = max(1, min(200, budget // 5))
    ranked = sorted(H, key=lambda n: (H.nodes[n].get("type") == "group",
                                      -H.degree(n), n))
    keep = set(ranked[:max(1, budget - reserve)])
    dropped = [n for n in H if n not in keep]
    buckets: dict[tuple, list[str]] = defaultdict(list)
    for n in dropped:
        kept_nb = [x for x in H[n] if x in keep]
        best = max(kept_nb, key=lambda x: (H.degree(x), x)) if kept_nb else ""
        buckets[(H.nodes[n].get("of") or H.nodes[n].get("type", ""), best)].append(n)
    if len(buckets) > reserve:  # too many little groups: one per type
        merged: dict[tuple, list[str]] = defaultdict(list)
        for (t, _), members in buckets.items():
            merged[(t, "")].extend(members)
        buckets = merged
    for (t, best), members in sorted(buckets.items()):
        _group(H, members, t, [best] if best else [])
    return H


def _group(H: nx.Graph, members: list[str], of: str, neighbours: list[str]) -> str:
    count = sum(H.nodes[m].get("count", 1) for m in members)
    labels = []
    for m in members:
        labels.extend(H.nodes[m].get("members") or [H.nodes[m].get("label", m)])
    gid = "group:" + of + ":" + hashlib.sha256("\n".join(sorted(members)).encode()).hexdigest()[:12]
    first = H.nodes[members[0]]
    H.add_node(gid, type="group", of=of, count=count, members=labels[:30],
               label=f"+{count} {_PLURAL.get(of, of)}", report=first.get("report", ""),
               source=first.get("source", ""), reports=0, quote="")
    for nb in neighbours:
        H.add_edge(gid, nb, rel=f"{count} {_PLURAL.get(of, of)}", subject=nb)
    H.remove_nodes_from(members)
    return gid


# --------------------------------------------------------------------------- one page

def render_page(G: nx.Graph, *, title: str, subtitle: str = "", budget: int = DEFAULT_BUDGET,
                lib: str | None = None, hierarchical: bool = False, total: int | None = None,
                centres: Iterable[str] = (), hrefs: dict[str, str] | None = None,
                links: list[dict] | None = None) -> str:
    """One self-contained (or ``lib``-linked) HTML page drawing ``G`` with vis-network."""
    from pyvis.network import Network

    H = reduce_graph(G, budget)
    shown = H.number_of_nodes()
    # size by centrality: PageRank up to 3000 nodes, degree beyond (pure-Python PageRank is slow)
    pr = analyse.pagerank(H, max_iter=50) if shown <= 3000 else dict(H.degree())
    top = max(pr.values(), default=1.0) or 1.0
    centres = set(centres)
    most = max((H.nodes[n].get("count") or 1 for n in H), default=1)
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line")
    ids = {n: i for i, n in enumerate(sorted(H))}
    levels = _levels(H) if hierarchical else {}
    meta_edges: list[str] = []
    meta = []
    for n in sorted(H):
        d = H.nodes[n]
        t = d.get("type", "group")
        if t not in STYLES:
            t = "group"
        status = d.get("status", "") if t == "problem" else ""
        scale = (10, 28)
        options: dict[str, Any] = {"group": t,
                                   "size": round(scale[0] + scale[1] * math.sqrt(pr.get(n, 0) / top), 1)}
        if "x" in d and d.get("count"):  # the aggregate: size by reports, small enough for a column
            options["size"] = round(6 + 10 * math.sqrt(d["count"] / most), 1)
        colour = None
        if status or n in centres:  # the border tells the status; a thick black one the centre
            border = "#000000" if n in centres else STATUS_BORDERS[status][0]
            colour = {"background": STYLES[t][0], "border": border,
                      "highlight": {"background": STYLES[t][0], "border": "#000000"}}
            options["borderWidth"] = 5 if n in centres else 3
        if hierarchical:
            options["level"] = levels[n]
        if d.get("font_size"):
            options["font"] = {"size": d["font_size"]}
        if "x" in d and "y" in d:  # a layout of its own (the aggregate's columns)
            options["x"], options["y"] = d["x"], d["y"]
        net.add_node(ids[n], label=_short_label(d), shape=STYLES[t][1], **options)
        if colour:  # pyvis drops `color` when a node has a group
            net.nodes[-1]["color"] = colour
        item = {"cls": t, "status": status, "tip": _tip(n, d), "search": str(d.get("label", ""))}
        if hrefs and n in hrefs:
            item["href"] = hrefs[n]
        if d.get("links"):
            item["links"] = d["links"]
        meta.append(item)
    for u, v, d in H.edges(data=True):
        a, b = (u, v) if d.get("subject", u) == u else (v, u)
        net.add_edge(ids[a], ids[b])
        meta_edges.append(str(d.get("rel", "")))
    net.options = _vis_options(shown)
    nodes, edges, _, _, _, options = net.get_network_data()
    nodes = [_compact_node(x) for x in nodes]
    edges = [[e["from"], e["to"]] for e in edges]
    stats = Counter(H.nodes[n].get("type", "group") for n in H)
    statuses = Counter(H.nodes[n].get("status") for n in H if H.nodes[n].get("type") == "problem")
    note = ""
    if total is not None and total > shown:
        note = (f"{total} nodes, {shown} drawn: measures folded into their problem, "
                "small neighbours grouped (grey).")
    extra = {"fixed": all("x" in H.nodes[n] for n in H) and shown > 0,
             "columns": _columns(shown) if hierarchical else None,
             "root": next((ids[n] for n in sorted(H) if H.nodes[n].get("type") == "report"), None)
             if hierarchical else None}
    widths = [H[u][v].get("weight") for u, v in H.edges()]
    if any(widths):
        top_w = max(w or 1 for w in widths)
        extra["widths"] = [round(1 + 4 * math.sqrt((w or 1) / top_w), 1) for w in widths]
    return _page(title, subtitle, nodes, edges, meta, meta_edges, options, stats, statuses, lib,
                 note, extra, links)


def _compact_node(item: dict) -> dict:
    """A vis item without what its group already says (smaller pages, faster start-up)."""
    return {k: v for k, v in item.items() if k != "shape"}


def _levels(H: nx.Graph) -> dict[str, int]:
    """Columns of the report view: report, inspection, category, problem, sub-problem, measure;
    units, policies and concepts one column right of the right-most thing that names them."""
    levels = {}
    for n, d in H.nodes(data=True):
        t = d.get("type", "group")
        if t == "problem":
            sub = any(H.nodes[x].get("type") == "problem" and H[n][x].get("subject") == n
                      for x in H[n])
            levels[n] = _LEVELS["problem"] + (1 if sub else 0)
        elif t in ("report", "inspection", "category", "measure"):
            levels[n] = _LEVELS[t]
    for n in H:
        if n not in levels:
            anchors = [levels[x] for x in H[n] if x in levels]
            levels[n] = max(anchors) + 1 if anchors else _LEVELS["policy"]
    return levels


def _vis_options(n: int) -> dict:
    groups = {t: {"shape": shape, "color": {"background": colour, "border": _darker(colour),
                                            "highlight": {"background": colour, "border": "#000000"},
                                            "hover": {"background": colour, "border": "#000000"}},
                  "borderWidth": 1}
              for t, (colour, shape, _, _) in STYLES.items()}
    # label sizes by class: zoomed out, only the big ones are drawn (drawThreshold)
    for t, size in _FONT_SIZES.items():
        groups[t]["font"] = {"size": size}
    groups["report"]["font"]["color"] = "#ffffff"
    groups["region"]["font"]["color"] = "#ffffff"
    groups["person"]["font"]["color"] = "#ffffff"
    options: dict[str, Any] = {
        "autoResize": True, "groups": groups,
        "nodes": {"font": {"size": 13, "face": "sans-serif"},
                  "scaling": {"label": {"enabled": False, "drawThreshold": 5}}},
        "edges": {"smooth": False, "color": {"color": "#b0b0b0", "highlight": "#333333"},
                  "arrows": {"to": {"enabled": n <= 1000, "scaleFactor": 0.4}}, "width": 1},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": n > 800,
                        "navigationButtons": False, "keyboard": False},
    }
    options["layout"] = {"improvedLayout": False}
    options["physics"] = {"enabled": False}  # positions come from the page's own layout
    return options


def _columns(n: int) -> dict:
    """vis-network's hierarchical layout for the report view's "columns" button."""
    return {"enabled": True, "direction": "LR", "sortMethod": "directed", "levelSeparation": 240,
            "nodeSpacing": 40, "treeSpacing": 40, "blockShifting": True,
            "edgeMinimization": n < 400, "parentCentralization": True}


def _iterations(n: int) -> int:
    """Layout iterations: fewer for big graphs, so a 5k-node view settles in seconds."""
    if n <= 500:
        return 300
    if n <= 2000:
        return 120
    return 50


def _tip(n: str, d: dict) -> str:
    t = d.get("type", "")
    lines = [str(d.get("label", ""))]
    kind = f"type: {t}"
    if t == "group":
        kind = f"type: group of {d.get('count', 0)} {_PLURAL.get(d.get('of', ''), d.get('of', ''))}"
    if d.get("status"):
        kind += f" · status: {d['status'].replace('_', ' ')}"
    if d.get("measures"):
        kind += f" · {d['measures']} measure{'s' if d['measures'] != 1 else ''} folded in"
    lines.append(kind)
    if d.get("source"):
        more = d.get("reports", 0) - 1
        lines.append(f"report: {d['source']}" + (f" (+{more} more)" if more > 0 else ""))
    if d.get("quote"):
        q = d["quote"] if len(d["quote"]) <= 300 else d["quote"][:299] + "…"
        lines.append(f"“{q}”")
    if d.get("links"):
        lines.append(f"{d.get('count', len(d['links']))} reports (click to list them 点击列出报告)")
        lines.extend("· " + str(x["text"]) for x in d["links"][:12])
    elif t == "group":
        lines.extend("· " + str(m) for m in d.get("members", [])[:30])
    elif not n.startswith(("group:", "region:")):
        lines.append(analyse.short(n))
    return "\n".join(lines)


def _short_label(d: dict, limit: int = 16) -> str:
    label = str(d.get("label", ""))
    if len(label) > limit:
        label = label[:limit - 1] + "…"
    if d.get("measures"):
        label += f" (+{d['measures']})"
    return label


def _darker(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#%02x%02x%02x" % (int(r * 0.7), int(g * 0.7), int(b * 0.7))


# --------------------------------------------------------------------------- HTML

def _page(title: str, subtitle: str, nodes: list, edges: list, meta: list, meta_edges: list,
          options: Any, stats: Counter, statuses: Counter, lib: str | None, note: str,
          extra: dict | None = None, links: list[dict] | None = None) -> str:
    """The graph page (kg/templates/graph.html, kg/static/graph.js and graph.css)."""
    from kg import pages

    if isinstance(options, str):
        options = json.loads(options)
    payload = {"nodes": nodes, "edges": edges, "meta": meta, "rels": meta_edges, "options": options,
               "iterations": _iterations(len(nodes)), "columns": None, "root": None}
    payload.update(extra or {})
    classes = [{"type": t, "swatch": STYLES[t][3], "colour": STYLES[t][0], "name": STYLES[t][2],
                "count": stats[t]} for t in STYLES if stats.get(t)]
    status_list = [{"status": st, "colour": STATUS_BORDERS[st][0], "name": STATUS_BORDERS[st][1],
                    "count": statuses[st]} for st in STATUS_BORDERS if statuses.get(st)]
    vis_js = vis_css = ""
    if not lib:
        vis_js, vis_css = _vis_assets()
    return pages.render("graph.html", title=title, subtitle=subtitle, payload=payload,
                        classes=classes, statuses=status_list, columns=bool(payload["columns"]),
                        note=note, lib=lib, vis_js=Markup(vis_js), vis_css=Markup(vis_css),
                        csp=Markup(pages.CSP.format(lib="'self'" if lib else "")), links=links or [])


def _vis_dir() -> Path:
    import pyvis

    base = Path(pyvis.__file__).resolve().parent
    for cand in (base / "templates" / "lib" / "vis-9.1.2", base / "lib" / "vis-9.1.2"):
        if (cand / "vis-network.min.js").is_file():
            return cand
    raise KgError("pyvis's bundled vis-network 9.1.2 is missing", source=str(base),
                  hint="reinstall pyvis 0.3.2 (`pip install --force-reinstall pyvis==0.3.2`)")


_ASSETS: dict[str, str] = {}


def _vis_assets() -> tuple[str, str]:
    if not _ASSETS:
        d = _vis_dir()
        js = (d / "vis-network.min.js").read_text(encoding="utf-8")
        css = (d / "vis-network.css").read_text(encoding="utf-8")
        # the build ends with a source-map comment; keep the page free of any outside reference
        js = re.sub(r"//# sourceMappingURL=\S+", "", js)
        css = re.sub(r"/\*# sourceMappingURL=\S+ \*/", "", css)
        _ASSETS["js"] = js.replace("</script", "<\\/script")
        _ASSETS["css"] = css.replace("</style", "<\\/style")
    return _ASSETS["js"], _ASSETS["css"]


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _focus_page(G: nx.Graph, centres: list[str], depth: int, *, budget: int,
                lib: str | None, hrefs: dict | None = None) -> tuple[str, str]:
    keep = set(centres)
    frontier = set(centres)
    for _ in range(max(0, depth)):
        nxt = set()
        for n in frontier:
            nxt.update(G[n])
        nxt -= keep
        keep |= nxt
        frontier = nxt
    sub = _induced(G, keep)
    first = G.nodes[centres[0]]
    name = "focus-" + _safe(analyse.short(centres[0]).replace("/", "-"))[:80]
    if len(centres) > 1:
        name += f"-and-{len(centres) - 1}"
    title = f"{first['label']} ({first['type']})"
    subtitle = f"neighbourhood, depth {depth}: {sub.number_of_nodes()} nodes"
    return f"views/{name}.html", render_page(sub, title=title, subtitle=subtitle, budget=budget,
                                            lib=lib, total=sub.number_of_nodes(), centres=centres,
                                            hrefs=hrefs)


def _summary(G: nx.Graph) -> str:
    c = Counter(d["type"] for _, d in G.nodes(data=True))
    return " · ".join(f"{c[t]} {_PLURAL[t]}" for t in ("report", "problem", "measure", "policy",
                                                       "organisation", "concept") if c.get(t))


# --------------------------------------------------------------------------- the corpus at scale

AGGREGATE_LIMITS = {"region": 24, "organisation": 20, "theme": 22, "policy": 22}
"""How many of each kind the aggregate draws (the ones most reports share); the rest stay in the
tables of the index and compare pages."""
AGGREGATE_COLUMNS = {"region": 0, "organisation": 1, "theme": 2, "policy": 3}
AGGREGATE_LINKS = 2
"""Each node keeps its strongest links (by reports) to each neighbouring column."""


def aggregate_graph(G: nx.Graph, info: dict[str, dict], groups: list[dict]) -> nx.Graph:
    """The corpus drawn as a hundred nodes in four columns, readable however many reports there are.

    Provinces (the reports' regions) → the organisations that more than one report names as
    issuer or inspected unit → the recurring themes (``groups`` from
    :func:`kg.analyse.recurring_problems`) → the policies most reports cite. Each edge's
    ``weight`` is the number of reports that join its ends; a node keeps its
    :data:`AGGREGATE_LINKS` strongest links to the next column, and its position (``x``, ``y``:
    columns, ordered to keep links short). Each node lists its reports (``links``, up to 40, to
    their report pages), so the user drills down from a region or a theme to one report.
    """
    kind = nx.get_node_attributes(G, "type")
    label = nx.get_node_attributes(G, "label")
    members: dict[str, set[str]] = defaultdict(set)
    attrs: dict[str, dict] = {}
    for r, i in info.items():
        prov = i.get("province") or "地区未知"
        attrs.setdefault("region:" + prov, {"type": "region", "label": prov})
        members["region:" + prov].add(r)
        for org in {i.get("publisher"), i.get("target")} - {None, ""}:
            attrs.setdefault(org, {"type": "organisation",
                                   "label": label.get(org) or i.get("issuer") or analyse.short(org)})
            members[org].add(r)
    for g in groups:
        attrs[g["theme"]] = {"type": "theme", "label": g["label"]}
        members[g["theme"]] |= {m["report"] for m in g["members"]}
    for r in info:
        if r in G:
            for x in G[r]:
                if kind.get(x) == "policy":
                    attrs.setdefault(x, {"type": "policy", "label": label.get(x, "")})
                    members[x].add(r)
    by_kind: dict[str, list[str]] = defaultdict(list)
    for n, a in attrs.items():
        if a["type"] == "organisation" and len(members[n]) < 2:
            continue  # a unit of one report says nothing about the corpus
        by_kind[a["type"]].append(n)
    keep: list[str] = []
    for k, ns in by_kind.items():
        ranked = sorted(ns, key=lambda n: (-len(members[n]), attrs[n]["label"], n))
        keep.extend(ranked[:AGGREGATE_LIMITS[k]])
    order = ["region", "organisation", "theme", "policy"]
    columns = [[n for n in keep if attrs[n]["type"] == t] for t in order]
    columns = [c for c in columns if c]
    # links between neighbouring columns, weighted by the reports both ends hold
    A = nx.Graph()
    pairs = list(zip(columns, columns[1:]))
    if len(columns) == 4:  # provinces also straight to themes: most units appear in one report
        pairs.append((columns[0], columns[2]))
    for left, right in pairs:
        weights = {(a, b): len(members[a] & members[b]) for a in left for b in right}
        best: set[tuple[str, str]] = set()
        for side, other in ((left, 1), (right, 0)):
            for n in side:
                mine = sorted(((w, pair) for pair, w in weights.items() if pair[1 - other] == n and w),
                              key=lambda x: (-x[0], x[1]))
                best.update(pair for _, pair in mine[:AGGREGATE_LINKS])
        for a, b in sorted(best):
            w = weights[(a, b)]
            A.add_edge(a, b, weight=w, rel=f"{w} report{'s' if w != 1 else ''}", subject=a)
    A.add_nodes_from(n for c in columns for n in c)  # a node may have no link worth drawing
    # positions: columns left to right, each ordered by its neighbours' mean place (barycentre)
    place: dict[str, float] = {}
    for c, nodes in enumerate(columns):
        if c:
            nodes.sort(key=lambda n: (sum(place[x] * A[n][x]["weight"] for x in A[n] if x in place)
                                      / max(1, sum(A[n][x]["weight"] for x in A[n] if x in place))
                                      if any(x in place for x in A[n]) else 1e9, n))
        for i, n in enumerate(nodes):
            place[n] = i - (len(nodes) - 1) / 2
    sources = {r: i["source"] for r, i in info.items()}
    for c, nodes in enumerate(columns):
        for n in nodes:
            a = attrs[n]
            reports = sorted(members[n], key=lambda r: (info[r]["date"] or "", sources[r]))
            A.add_node(n, type=a["type"], label=a["label"], reports=len(reports), report="",
                       source="", quote="", count=len(reports), x=c * 420, y=round(place[n] * 44),
                       font_size=22 if a["type"] == "region" else 17,
                       links=[{"href": f"../reports/{analyse.report_key(r)}.html",
                               "text": (info[r].get("shown_title") or sources[r])[:60]}
                              for r in reports[:40]])
    return A


def _aggregate_hrefs(A: nx.Graph) -> dict[str, str]:
    """A node of the aggregate opens its only report directly; others list theirs in the panel."""
    return {n: d["links"][0]["href"] for n, d in A.nodes(data=True)
            if d.get("count") == 1 and d.get("links")}
