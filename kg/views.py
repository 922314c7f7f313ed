"""Interactive HTML views of the graph (pyvis / vis-network), fully offline and escaped.

:func:`write_views` writes ``OUT/views/overview.html`` (the corpus), one
``OUT/views/report-KEY.html`` per report (report → inspection → categories → problems → measures →
policies and units) and ``OUT/index.html`` (reports with their progress, top entities, consistency
findings, links to every view); :func:`focus_view` writes the neighbourhood of one entity.

pyvis builds the node and edge lists and supplies the vis-network build it ships; the page around
them is ours, because pyvis 0.3.2's template loads Bootstrap from a CDN in every mode and inserts
its heading and ``href`` tooltips as raw HTML. Here every text from a document reaches the page
either through :func:`html.escape` or as JSON inside ``<script type="application/json">`` with
``<``, ``>`` and ``&`` escaped, and tooltips are built in the browser with ``textContent``. A
Content-Security-Policy forbids every network request.

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
import html
import json
import math
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterable

import networkx as nx

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
}
STATUS_BORDERS = {
    "completed": ("#2ca02c", "completed 已完成"),
    "in_progress": ("#ff9900", "in progress 推进中"),
    "unknown": ("#7f7f7f", "unknown 未说明"),
}
_PLURAL = {"report": "reports", "inspection": "inspections", "category": "categories",
           "problem": "problems", "measure": "measures", "policy": "policies",
           "organisation": "organisations", "concept": "concepts", "person": "people",
           "group": "groups"}
# levels of the report view's left-to-right hierarchy
_LEVELS = {"report": 0, "inspection": 1, "category": 2, "problem": 3, "measure": 5, "policy": 6,
           "organisation": 6, "concept": 6, "person": 6, "group": 6}
_FONT_SIZES = {"report": 40, "inspection": 24, "category": 24, "problem": 18, "measure": 12,
               "policy": 14, "organisation": 14, "concept": 12, "person": 14, "group": 16}
_GROUPABLE = {"organisation", "policy", "concept", "person", "measure", "problem", "category"}
_INLINE_REPORT_LIMIT = 50


# --------------------------------------------------------------------------- public API

def write_views(out_dir: str | Path, *, budget: int = DEFAULT_BUDGET, source: Any = None,
                inline: bool | None = None, focus_top: int = 5) -> list[Path]:
    """Write the overview, one view per report, focus views of the top entities, and index.html.

    ``source`` defaults to ``out_dir`` (its store, else its kg.ttl). ``inline`` puts vis-network
    into every page (self-contained files); by default it does so for corpora of up to 50
    reports and otherwise writes it once to ``views/lib/`` and links it relatively (still
    offline). Returns the paths written, index.html last.
    """
    out = Path(out_dir)
    store = analyse.open_source(source if source is not None else out)
    G = analyse.entity_graph(store, categories=True)
    reports = [n for n, d in G.nodes(data=True) if d["type"] == "report"]
    if inline is None:
        inline = len(reports) <= _INLINE_REPORT_LIMIT
    views = out / "views"
    views.mkdir(parents=True, exist_ok=True)
    lib = None if inline else _write_lib(views)
    written: list[Path] = []

    overview = G.copy()
    overview.remove_nodes_from([n for n, d in G.nodes(data=True) if d["type"] == "category"])
    fold_measures(overview)  # the corpus at a glance; every report's view shows its measures
    path = views / "overview.html"
    _write(path, render_page(overview, title="rectkg: corpus overview 语料总览",
                             subtitle=_summary(G) + " (measures folded into their problems)",
                             budget=budget, lib=lib, total=overview.number_of_nodes()))
    written.append(path)

    for r in sorted(reports):
        key = analyse.report_key(r)
        sub = report_subgraph(G, r)
        d = G.nodes[r]
        path = views / f"report-{_safe(key)}.html"
        _write(path, render_page(sub, title=d["label"], subtitle=f"{d['source']} · {key}",
                                 budget=budget, lib=lib, hierarchical=True,
                                 total=sub.number_of_nodes()))
        written.append(path)

    cent = analyse.centrality(overview, top=focus_top,
                              types=("organisation", "policy", "concept", "person"))
    focus_links: dict[str, str] = {}
    for rows in cent["top"].values():
        for row in rows:
            path = _write_focus(G, [row["id"]], 1, views, budget=budget, lib=lib)
            focus_links[row["id"]] = path.name
            written.append(path)

    index = out / "index.html"
    _write(index, render_index(store, G, cent, focus_links, top=focus_top))
    written.append(index)
    return written


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
    views = out / "views"
    views.mkdir(parents=True, exist_ok=True)
    return _write_focus(G, centres, depth, views, budget=budget, lib=None)


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


def report_subgraph(G: nx.Graph, report: str) -> nx.Graph:
    """The part of the entity graph one report contributes (for its view).

    Report, its inspection and that inspection's units, its problems and their categories, the
    measures addressing them and the units and policies those measures name, and the other
    entities the report names.
    """
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
    return G.subgraph(keep).copy()


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
                centres: Iterable[str] = ()) -> str:
    """One self-contained (or ``lib``-linked) HTML page drawing ``G`` with vis-network."""
    from pyvis.network import Network

    H = reduce_graph(G, budget)
    shown = H.number_of_nodes()
    # size by centrality: PageRank up to 3000 nodes, degree beyond (pure-Python PageRank is slow)
    pr = analyse.pagerank(H, max_iter=50) if shown <= 3000 else dict(H.degree())
    top = max(pr.values(), default=1.0) or 1.0
    centres = set(centres)
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
        colour = None
        if status or n in centres:  # the border tells the status; a thick black one the centre
            border = "#000000" if n in centres else STATUS_BORDERS[status][0]
            colour = {"background": STYLES[t][0], "border": border,
                      "highlight": {"background": STYLES[t][0], "border": "#000000"}}
            options["borderWidth"] = 5 if n in centres else 3
        if hierarchical:
            options["level"] = levels[n]
        net.add_node(ids[n], label=_short_label(d), shape=STYLES[t][1], **options)
        if colour:  # pyvis drops `color` when a node has a group
            net.nodes[-1]["color"] = colour
        meta.append({"cls": t, "status": status, "tip": _tip(n, d),
                     "search": str(d.get("label", ""))})
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
    extra = {"columns": _columns(shown) if hierarchical else None,
             "root": next((ids[n] for n in sorted(H) if H.nodes[n].get("type") == "report"), None)
             if hierarchical else None}
    return _page(title, subtitle, nodes, edges, meta, meta_edges, options, stats, statuses, lib,
                 note, extra)


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
    if t == "group":
        lines.extend("· " + str(m) for m in d.get("members", [])[:30])
    elif not n.startswith("group:"):
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

_CSP = ("default-src 'none'; script-src 'unsafe-inline' {lib}; style-src 'unsafe-inline' {lib}; "
        "img-src data:; font-src data:")

_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;
 color:#222;background:#fafafa;display:flex;flex-direction:column;height:100vh}
header{padding:8px 14px;background:#1f2d3d;color:#fff}
header h1{font-size:18px;margin:0 0 2px 0;font-weight:600}
header p{margin:0;font-size:12px;color:#c8d3de}
header a{color:#9fd0ff}
#kg-controls{display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;padding:6px 14px;
 border-bottom:1px solid #ddd;background:#fff;font-size:13px}
#kg-controls fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px 10px}
#kg-controls legend{float:left;font-weight:600;margin-right:6px}
#kg-controls label{white-space:nowrap;cursor:pointer}
.sw{display:inline-block;width:13px;height:13px;margin:0 4px -2px 3px}
.s-dot{border-radius:50%}.s-box{width:20px;height:10px;border-radius:2px}.s-ellipse{width:20px;border-radius:50%}
.s-diamond{transform:rotate(45deg) scale(.8)}.s-tri{clip-path:polygon(50% 0,100% 100%,0 100%)}
.s-tdown{clip-path:polygon(0 0,100% 0,50% 100%)}
.s-hex{clip-path:polygon(25% 0,75% 0,100% 50%,75% 100%,25% 100%,0 50%)}
.s-star{clip-path:polygon(50% 0,61% 35%,98% 35%,68% 57%,79% 91%,50% 70%,21% 91%,32% 57%,2% 35%,39% 35%)}
.s-db{border-radius:3px 3px 6px 6px}
.bd{display:inline-block;width:11px;height:11px;border-radius:50%;border:3px solid;margin:0 3px -1px 2px}
#kg-search{width:200px;padding:3px 6px}
#kg-columns{padding:2px 8px;font-size:12px;cursor:pointer}
#kg-note{color:#a15c00}
#kg-main{flex:1;display:flex;min-height:0}
#kg-network{flex:1;min-width:0;background:#fff}
#kg-details{width:300px;overflow:auto;border-left:1px solid #ddd;padding:8px 10px;font-size:12px;
 white-space:pre-wrap;word-break:break-all;background:#fcfcfc}
#kg-tooltip{display:none;position:fixed;z-index:10;white-space:pre-wrap;max-width:440px;font-size:12px;
 line-height:1.45;background:#fffef4;border:1px solid #999;border-radius:3px;padding:6px 8px;
 box-shadow:2px 2px 8px rgba(0,0,0,.2);pointer-events:none}
"""

_JS = r"""
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("kg-data").textContent);
  var kg = window.kg = {expected: payload.nodes.length, stabilized: false,
                        startedAt: performance.now()};

  // A force-directed layout (Fruchterman-Reingold, grid-limited repulsion) on typed arrays,
  // started from a breadth-first placement; much faster than vis-network's Barnes-Hut on
  // thousands of nodes. Seeded, so the same page always gets the same picture.
  function layout(n, from, to, iterations, root) {
    var x = new Float64Array(n), y = new Float64Array(n), dx = new Float64Array(n), dy = new Float64Array(n);
    var adj = [], i, j, e, seed = 7;
    if (n === 0) { return {x: x, y: y}; }
    function rnd() { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; }
    for (i = 0; i < n; i++) { adj.push([]); }
    for (e = 0; e < from.length; e++) { adj[from[e]].push(to[e]); adj[to[e]].push(from[e]); }
    var k = 70, placed = new Uint8Array(n), order = [];
    for (i = 0; i < n; i++) { order.push(i); }
    order.sort(function (a, b) { return adj[b].length - adj[a].length || a - b; });
    if (root !== null && root !== undefined) { order.unshift(root); }
    var spread = Math.sqrt(n) * k;
    order.forEach(function (root) {
      if (placed[root]) { return; }
      placed[root] = 1;
      x[root] = (rnd() - 0.5) * spread; y[root] = (rnd() - 0.5) * spread;
      var queue = [root];
      for (var q = 0; q < queue.length; q++) {
        var p = queue[q], kids = adj[p].filter(function (c) { return !placed[c]; });
        var r = k * (1 + Math.sqrt(kids.length) / 2), a0 = rnd() * 6.283;
        kids.forEach(function (c, m) {
          var a = a0 + 6.283 * m / kids.length;
          placed[c] = 1; x[c] = x[p] + r * Math.cos(a); y[c] = y[p] + r * Math.sin(a);
          queue.push(c);
        });
      }
    });
    // repulsion reaches 5k on small graphs, 1.5k on big ones (where it is the cost)
    var cell = n <= 700 ? 5 * k : 1.5 * k, t = 4 * k, cool = t / (iterations + 1), rep = 4 * k * k, c2 = cell * cell;
    var NBX = [0, 1, -1, 0, 1], NBY = [0, 0, 1, 1, 1], gravity = n <= 700 ? 0.01 : 0.002;
    var cellOf = new Int32Array(n), start = null, items = new Int32Array(n);
    for (var it = 0; it < iterations; it++) {
      dx.fill(0); dy.fill(0);
      // bucket the nodes into a grid of cell x cell squares (counting sort, no allocation per node)
      var minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
      for (i = 0; i < n; i++) {
        if (x[i] < minX) { minX = x[i]; } if (x[i] > maxX) { maxX = x[i]; }
        if (y[i] < minY) { minY = y[i]; } if (y[i] > maxY) { maxY = y[i]; }
      }
      var gw = Math.floor((maxX - minX) / cell) + 1, gh = Math.floor((maxY - minY) / cell) + 1;
      if (gw * gh > 4 * n + 16) {  // very sparse picture: coarser cells, same cut-off
        gw = Math.min(gw, 2 * Math.ceil(Math.sqrt(n)) + 1); gh = Math.min(gh, 2 * Math.ceil(Math.sqrt(n)) + 1);
      }
      var sx = gw / (maxX - minX + 1e-9), sy = gh / (maxY - minY + 1e-9);
      start = new Int32Array(gw * gh + 1);
      for (i = 0; i < n; i++) {
        var gx = Math.min(gw - 1, Math.floor((x[i] - minX) * sx)), gy = Math.min(gh - 1, Math.floor((y[i] - minY) * sy));
        cellOf[i] = gy * gw + gx; start[cellOf[i] + 1]++;
      }
      for (i = 0; i < gw * gh; i++) { start[i + 1] += start[i]; }
      var fill = start.slice(0, gw * gh);
      for (i = 0; i < n; i++) { items[fill[cellOf[i]]++] = i; }
      // repulsion between nodes closer than `cell`: each cell against itself and four neighbours
      for (var cy = 0; cy < gh; cy++) {
        for (var cx = 0; cx < gw; cx++) {
          var c = cy * gw + cx, a0 = start[c], a1 = start[c + 1];
          if (a0 === a1) { continue; }
          for (var nb = 0; nb < 5; nb++) {
            var nx = cx + NBX[nb], ny = cy + NBY[nb];
            if (nx < 0 || nx >= gw || ny >= gh) { continue; }
            var cn = ny * gw + nx, b1 = start[cn + 1];
            for (var la = a0; la < a1; la++) {
              i = items[la];
              var xi = x[i], yi = y[i], fxi = 0, fyi = 0;
              for (var lb = (nb === 0 ? la + 1 : start[cn]); lb < b1; lb++) {
                j = items[lb];
                var ddx = xi - x[j], ddy = yi - y[j], d2 = ddx * ddx + ddy * ddy;
                if (d2 > c2) { continue; }
                if (d2 < 0.01) { ddx = rnd() - 0.5; ddy = rnd() - 0.5; d2 = 0.5; }
                var f = rep / d2;
                fxi += ddx * f; fyi += ddy * f; dx[j] -= ddx * f; dy[j] -= ddy * f;
              }
              dx[i] += fxi; dy[i] += fyi;
            }
          }
        }
      }
      for (e = 0; e < from.length; e++) {
        i = from[e]; j = to[e];
        var ex = x[i] - x[j], ey = y[i] - y[j], d = Math.sqrt(ex * ex + ey * ey) + 0.01, g = d / k;
        dx[i] -= ex * g; dy[i] -= ey * g; dx[j] += ex * g; dy[j] += ey * g;
      }
      for (i = 0; i < n; i++) {
        dx[i] -= gravity * x[i]; dy[i] -= gravity * y[i];
        var len = Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i]);
        if (len > 0) { var s = Math.min(len, t) / len; x[i] += dx[i] * s; y[i] += dy[i] * s; }
      }
      t -= cool;
    }
    // nodes without links: a tidy grid under the picture instead of scattered far away
    var lone = [], bottom = -Infinity, left = Infinity, right = -Infinity;
    for (i = 0; i < n; i++) {
      if (adj[i].length === 0) { lone.push(i); continue; }
      if (y[i] > bottom) { bottom = y[i]; } if (x[i] < left) { left = x[i]; } if (x[i] > right) { right = x[i]; }
    }
    if (lone.length) {
      if (lone.length === n) { bottom = 0; left = 0; right = Math.sqrt(n) * k; }
      var per = Math.max(1, Math.floor((right - left) / k) + 1);
      lone.forEach(function (v, m) { x[v] = left + (m % per) * k; y[v] = bottom + 1.5 * k + Math.floor(m / per) * k; });
    }
    return {x: x, y: y};
  }

  // node i has id i; payload.meta[i] holds what is not drawn (class, status, tooltip text)
  var meta = kg.meta = payload.meta, rels = payload.rels;
  var from = new Int32Array(payload.edges.length), to = new Int32Array(payload.edges.length);
  payload.edges.forEach(function (e, i) { from[i] = e[0]; to[i] = e[1]; });
  var pos = layout(payload.nodes.length, from, to, payload.iterations, payload.root);
  payload.nodes.forEach(function (n, i) { n.x = pos.x[i]; n.y = pos.y[i]; });
  kg.laidOutAt = performance.now();
  var nodes = kg.nodes = new vis.DataSet(payload.nodes);
  var edges = kg.edges = new vis.DataSet(payload.edges.map(function (e, i) {
    return {id: i, from: e[0], to: e[1]};
  }));
  var container = document.getElementById("kg-network");
  var network = kg.network = new vis.Network(container, {nodes: nodes, edges: edges}, payload.options);
  kg.createdAt = performance.now();
  function settle() {
    if (kg.stabilized) { return; }
    kg.stabilized = true;
    kg.stabilizedAt = performance.now();
    document.documentElement.setAttribute("data-stabilized", "1");
  }
  if (payload.options.physics && payload.options.physics.enabled) {
    network.once("stabilizationIterationsDone", function () { network.setOptions({physics: false}); settle(); });
  } else {
    network.once("afterDrawing", settle);
  }

  // tooltips: plain text in our own box (nothing from a document is ever parsed as HTML)
  var tooltip = document.getElementById("kg-tooltip");
  function showTip(text, ev) {
    tooltip.textContent = text;
    tooltip.style.display = "block";
    var box = container.getBoundingClientRect(), px = ev && ev.clientX !== undefined ? ev.clientX : box.left + 20,
        py = ev && ev.clientY !== undefined ? ev.clientY : box.top + 20;
    tooltip.style.left = Math.min(px + 14, window.innerWidth - tooltip.offsetWidth - 8) + "px";
    tooltip.style.top = Math.min(py + 14, window.innerHeight - tooltip.offsetHeight - 8) + "px";
  }
  function hideTip() { tooltip.style.display = "none"; }
  network.on("hoverNode", function (p) { showTip(meta[p.node].tip, p.event && (p.event.srcEvent || p.event)); });
  network.on("hoverEdge", function (p) { if (rels[p.edge]) { showTip(rels[p.edge], p.event && (p.event.srcEvent || p.event)); } });
  network.on("blurNode", hideTip);
  network.on("blurEdge", hideTip);
  network.on("dragStart", hideTip);
  network.on("zoom", hideTip);

  // report views: switch between the force layout and columns (report → … → policies and units)
  var columnsButton = document.getElementById("kg-columns"), inColumns = false;
  if (columnsButton) {
    columnsButton.addEventListener("click", function () {
      if (inColumns) { location.reload(); return; }  // the force layout is seeded: same picture
      inColumns = true;
      network.setOptions({layout: {hierarchical: payload.columns}});
      columnsButton.textContent = "force 力导向";
      network.once("afterDrawing", function () { network.fit({animation: false}); });
      network.redraw();
    });
  }

  var details = document.getElementById("kg-details");
  network.on("click", function (params) {
    if (params.nodes.length) {
      details.textContent = meta[params.nodes[0]].tip;
    }
  });

  function applyFilters() {
    var cls = {}, st = {};
    document.querySelectorAll("input[data-cls]").forEach(function (box) { cls[box.getAttribute("data-cls")] = box.checked; });
    document.querySelectorAll("input[data-status]").forEach(function (box) { st[box.getAttribute("data-status")] = box.checked; });
    var changes = [];
    nodes.forEach(function (n) {
      var m = meta[n.id];
      var hide = cls[m.cls] === false || (m.cls === "problem" && m.status && st[m.status] === false);
      if (Boolean(n.hidden) !== hide) { changes.push({id: n.id, hidden: hide}); }
    });
    if (changes.length) { nodes.update(changes); }
  }
  document.querySelectorAll("input[data-cls], input[data-status]").forEach(function (box) {
    box.addEventListener("change", applyFilters);
  });

  var search = document.getElementById("kg-search"), found = document.getElementById("kg-found");
  var matches = [], at = 0;
  function runSearch(step) {
    var q = search.value.trim().toLowerCase();
    if (!q) { matches = []; found.textContent = ""; network.unselectAll(); return; }
    if (!step) {
      matches = nodes.get({filter: function (n) { return !n.hidden && meta[n.id].search.toLowerCase().indexOf(q) >= 0; }})
                     .map(function (n) { return n.id; });
      at = 0;
    } else if (matches.length) {
      at = (at + 1) % matches.length;
    }
    found.textContent = matches.length ? (at + 1) + " / " + matches.length : "no match";
    if (matches.length) {
      network.selectNodes(matches);
      network.focus(matches[at], {scale: 1.2, animation: false});
      details.textContent = meta[matches[at]].tip;
    }
  }
  search.addEventListener("input", function () { runSearch(false); });
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { runSearch(true); } });
})();
"""


def _page(title: str, subtitle: str, nodes: list, edges: list, meta: list, meta_edges: list,
          options: Any, stats: Counter, statuses: Counter, lib: str | None, note: str,
          extra: dict | None = None) -> str:
    if isinstance(options, str):
        options = json.loads(options)
    payload = {"nodes": nodes, "edges": edges, "meta": meta, "rels": meta_edges, "options": options,
               "iterations": _iterations(len(nodes)), "columns": None, "root": None}
    payload.update(extra or {})
    e = html.escape
    classes = "".join(
        f'<label><input type="checkbox" data-cls="{e(t)}" checked>'
        f'<span class="sw {STYLES[t][3]}" style="background:{STYLES[t][0]}"></span>'
        f'{e(STYLES[t][2])} ({stats[t]})</label>'
        for t in STYLES if stats.get(t))
    status_boxes = "".join(
        f'<label><input type="checkbox" data-status="{e(s)}" checked>'
        f'<span class="bd" style="border-color:{STATUS_BORDERS[s][0]}"></span>'
        f'{e(STATUS_BORDERS[s][1])} ({statuses[s]})</label>'
        for s in STATUS_BORDERS if statuses.get(s))
    status_set = (f'<fieldset id="kg-statuses"><legend>Status</legend>{status_boxes}</fieldset>'
                  if status_boxes else "")
    if lib:
        head_assets = (f'<link rel="stylesheet" href="{e(lib)}/vis-network.min.css">\n'
                       f'<script src="{e(lib)}/vis-network.min.js"></script>')
        csp = _CSP.format(lib="'self'")
    else:
        js, css = _vis_assets()
        head_assets = f"<style>{css}</style>\n<script>{js}</script>"
        csp = _CSP.format(lib="")
    index_link = '<a href="../index.html">index</a> · <a href="overview.html">overview</a>'
    return f"""<!DOCTYPE html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
{head_assets}
<style>{_CSS}</style>
</head>
<body>
<header><h1>{e(title)}</h1><p>{e(subtitle)} · {index_link}</p></header>
<div id="kg-controls">
<input id="kg-search" type="search" placeholder="search labels 搜索 (Enter: next)"><span id="kg-found"></span>
<fieldset id="kg-classes"><legend>Show</legend>{classes}</fieldset>
{status_set}
{'<button id="kg-columns" type="button">columns 分栏</button>' if payload["columns"] else ""}
<span id="kg-note">{e(note)}</span>
</div>
<div id="kg-tooltip" class="kg-tip" role="tooltip"></div>
<div id="kg-main"><div id="kg-network"></div><aside id="kg-details">Click a node to read its label, type, report and evidence; hover for a tooltip. 点击节点查看详情。</aside></div>
<script id="kg-data" type="application/json">{_json_for_script(payload)}</script>
<script>{_JS}</script>
</body>
</html>
"""


def _json_for_script(value: Any) -> str:
    """JSON that cannot end the ``<script>`` element it sits in.

    >>> _json_for_script({"a": "</script><b>"})
    '{"a":"\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


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


def _write_lib(views: Path) -> str:
    js, css = _vis_assets()
    lib = views / "lib"
    lib.mkdir(exist_ok=True)
    (lib / "vis-network.min.js").write_text(js, encoding="utf-8")
    (lib / "vis-network.min.css").write_text(css, encoding="utf-8")
    return "lib"


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _write_focus(G: nx.Graph, centres: list[str], depth: int, views: Path, *, budget: int,
                 lib: str | None) -> Path:
    keep = set(centres)
    frontier = set(centres)
    for _ in range(max(0, depth)):
        nxt = set()
        for n in frontier:
            nxt.update(G[n])
        nxt -= keep
        keep |= nxt
        frontier = nxt
    sub = G.subgraph(keep).copy()
    first = G.nodes[centres[0]]
    name = "focus-" + _safe(analyse.short(centres[0]).replace("/", "-"))[:80]
    if len(centres) > 1:
        name += f"-and-{len(centres) - 1}"
    path = views / f"{name}.html"
    title = f"{first['label']} ({first['type']})"
    subtitle = f"neighbourhood, depth {depth}: {sub.number_of_nodes()} nodes"
    _write(path, render_page(sub, title=title, subtitle=subtitle, budget=budget, lib=lib,
                             total=sub.number_of_nodes(), centres=centres))
    return path


def _summary(G: nx.Graph) -> str:
    c = Counter(d["type"] for _, d in G.nodes(data=True))
    return " · ".join(f"{c[t]} {_PLURAL[t]}" for t in ("report", "problem", "measure", "policy",
                                                       "organisation", "concept") if c.get(t))


# --------------------------------------------------------------------------- index.html

def render_index(store: Any, G: nx.Graph, cent: dict, focus_links: dict[str, str],
                 top: int = 5) -> str:
    """The corpus front page: reports with progress bars, top entities, findings, links."""
    e = html.escape
    progress = analyse.progress(store)
    found = analyse.findings(store)
    by_report = defaultdict(list)
    for f in found:
        by_report[f["report"]].append(f)
    timeline = {t["report"]: t for t in analyse.timeline(store)}
    rows = []
    for p in progress:
        key = p["key"]
        view = f"views/report-{_safe(key)}.html"
        title = p["title"] or p["source"]
        listed = p["listed"] or 0
        bar = _bar(p)
        stated = []
        if p["stated_problems"] is not None:
            stated.append(f"{p['stated_problems']} problems")
        if p["stated_completed"] is not None:
            stated.append(f"{p['stated_completed']} completed")
        if p["stated_in_progress"] is not None:
            stated.append(f"{p['stated_in_progress']} in progress")
        t = timeline.get(p["report"], {})
        dates = " → ".join(x for x in (t.get("start"), t.get("end"), t.get("feedback"),
                                        t.get("issued")) if x)
        flags = len(by_report.get(p["report"], ()))
        flag_cell = f'<a href="#findings">{flags}</a>' if flags else "0"
        rows.append(
            f'<tr><td><a href="{e(view)}">{e(title)}</a><div class="src">{e(p["source"])}</div></td>'
            f'<td>{e(p["genre"])}</td><td>{e(dates)}</td>'
            f'<td class="n">{listed}</td><td>{bar}<div class="legend">'
            f'{p["completed"]} completed · {p["in_progress"]} in progress · {p["unknown"]} unknown'
            f'</div></td><td>{e(", ".join(stated)) or "—"}</td>'
            f'<td class="n">{flag_cell}</td></tr>')
    top_blocks = []
    for t, items in cent["top"].items():
        if not items:
            continue
        lis = "".join(
            f'<li><a href="views/{e(focus_links[i["id"]])}">{e(i["label"])}</a> '
            f'<span class="src">degree {i["degree"]} · {i["reports"]} reports</span></li>'
            if i["id"] in focus_links else
            f'<li>{e(i["label"])} <span class="src">degree {i["degree"]}</span></li>'
            for i in items)
        top_blocks.append(f'<div class="top"><h3>{e(STYLES[t][2])}</h3><ol>{lis}</ol></div>')
    finding_rows = "".join(
        f'<tr><td><a href="views/report-{e(_safe(analyse.report_key(f["report"])))}.html">'
        f'{e(f["source"])}</a></td><td>{e(f["kind"])}</td><td class="n">{e(str(f["stated"]))}</td>'
        f'<td class="n">{e(str(f["listed"]))}</td><td>{e(f["message"])}</td></tr>'
        for f in found if f["report"])
    recurring = analyse.recurring_problems(analyse.problems(store))
    recurring_rows = "".join(
        f'<tr><td>{e(g["label"])}</td><td class="n">{g["reports"]}</td><td>'
        + " · ".join(f'<a href="views/report-{e(_safe(analyse.report_key(m["report"])))}.html">'
                     f'{e(m["label"])}</a>' for m in g["members"][:12])
        + ("…" if len(g["members"]) > 12 else "") + "</td></tr>"
        for g in recurring[:30])
    recurring_html = (f'<table><tr><th>theme (most typical wording)</th><th>reports</th>'
                      f'<th>problems (open their report)</th></tr>{recurring_rows}</table>'
                      if recurring_rows else "<p>No problem recurs across reports.</p>")
    summary = _summary(G)
    css = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;
 margin:0;color:#222;background:#fafafa}
header{padding:14px 22px;background:#1f2d3d;color:#fff}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#c8d3de}main{padding:8px 22px 40px}a{color:#0b5cad}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px}
th,td{border-bottom:1px solid #e3e3e3;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6}td.n{text-align:right}.src{color:#777;font-size:11px}
.bar{display:flex;width:220px;height:12px;background:#eee;border-radius:3px;overflow:hidden}
.bar span{display:block;height:100%}.c{background:#2ca02c}.i{background:#ff9900}.u{background:#b0b0b0}
.legend{font-size:11px;color:#555}.tops{display:flex;flex-wrap:wrap;gap:10px 30px}
.top h3{font-size:14px;margin:8px 0 4px}.top ol{margin:0;padding-left:22px;font-size:13px}
"""
    findings_html = (f'<table><tr><th>report</th><th>count</th><th>stated</th><th>listed</th>'
                     f'<th>message</th></tr>{finding_rows}</table>'
                     if finding_rows else "<p>No stated count disagrees with the lists.</p>")
    return f"""<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>rectkg: reports and views</title><style>{css}</style></head>
<body><header><h1>rectkg · 整改通报知识图谱</h1><p>{e(summary)} ·
<a href="views/overview.html" style="color:#9fd0ff">corpus overview 语料总览</a></p></header>
<main>
<h2>Reports 通报 and rectification progress</h2>
<table><tr><th>report (opens its view)</th><th>genre</th><th>inspection → feedback → report</th>
<th>listed</th><th>progress (listed problems)</th><th>stated in the text</th><th>findings</th></tr>
{"".join(rows)}</table>
<p class="src">Bar: green completed, orange in progress, grey status unknown, as listed; its full width
is the larger of the listed and the stated counts, so an empty part is what the text states but
does not list.</p>
<h2>Recurring problems 共性问题</h2>{recurring_html}
<h2>Top entities 核心实体</h2><div class="tops">{"".join(top_blocks)}</div>
<h2 id="findings">Consistency findings 一致性检查</h2>{findings_html}
</main></body></html>
"""


def _bar(p: dict) -> str:
    listed = p["listed"] or 0
    target = max(listed, p["stated_problems"] or 0,
                 (p["stated_completed"] or 0) + (p["stated_in_progress"] or 0)) or 1
    segs = "".join(f'<span class="{cls}" style="width:{100 * n / target:.1f}%" title="{n} {name}">'
                   f'</span>' for cls, n, name in (("c", p["completed"], "completed"),
                                                   ("i", p["in_progress"], "in progress"),
                                                   ("u", p["unknown"], "unknown")) if n)
    return f'<div class="bar">{segs}</div>'
