"""Rounds compared (回头看) and completion rates by group.

:func:`rounds`: for every organisation that more than one report answers for (the unit the
inspection or audit looked at, else the report's issuer), its reports in order (inspection start,
feedback, report date) and each problem matched across rounds by wording
(:func:`kg.analyse.title_similarity`). A thread of matched problems gets, per round:

* ``new`` (新发现) — first seen in this round;
* ``recurring`` (反复出现) — seen in the round before and not reported done there;
* ``back_again`` (销号后复发) — reported done (or absent) in the round before and back now;
* ``closed`` (未再出现) — seen before, not in this round;
* ``""`` — not yet seen.

:func:`completion_rates`: the share of listed problems reported completed, by region (province),
level of the jurisdiction (province / city / county), unit type, genre, year and problem
category. Unit types and categories come from word lists over the names and headings
(:data:`UNIT_TYPES`, :data:`CATEGORIES`), not from the graph; they are coarse on purpose.

>>> from kg.analyse import _tiny_store
>>> rounds(_tiny_store())
[]
>>> [(r["group"], r["problems"], r["rate"]) for r in completion_rates(_tiny_store())["genre"]]
[('其他', 2, 0.5)]
"""
from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from typing import Any

from markupsafe import Markup, escape

from kg import analyse
from kg.analyse import DEFAULT_THRESHOLD, _select, report_key, short, title_similarity

LABELS = {"new": "新发现 new", "recurring": "反复出现 recurring",
          "back_again": "销号后复发 back again", "closed": "未再出现 closed", "": ""}

UNIT_TYPES = [
    ("纪检监察", r"纪委|监委|纪检|监察"),
    ("政法机关", r"法院|检察院|公安|司法|政法委|监狱"),
    ("学校", r"学校|大学|学院|中学|小学|幼儿园"),
    ("卫生健康", r"医院|卫生|疾控|卫健"),
    ("国有企业", r"公司|集团|银行|企业|信用社"),
    ("乡镇街道", r"(?:乡|镇|街道)(?:党委|党工委|人民政府|政府|办事处)?$"),
    ("村社区", r"(?:村|社区)(?:党委|党支部|党总支|委员会|居委会)?$"),
    ("党委党组", r"(?:县委|市委|区委|省委|党委|党组|委员会)$"),
    ("政府部门", r"局|厅|办公室|委$|中心|办$|署|站$|所$"),
]
"""Unit type by the words of the unit's name, first match wins (else 其他)."""

CATEGORIES = [
    ("整改落实", r"整改|上轮巡|上一轮|审计发现"),
    ("政治建设", r"政治|思想|理论|意识形态|维护|党的领导|党中央|决策部署"),
    ("作风建设", r"作风|形式主义|官僚主义|八项规定|四风"),
    ("纪律廉政", r"廉|腐|纪律|违纪|违规|监督|主体责任|问责"),
    ("组织建设", r"组织|干部|党建|基层|人才|队伍|党员|换届"),
    ("履职尽责", r"发展|经济|民生|服务|项目|资金|财务|管理|职能|业务|安全|风险"),
]
"""Problem category by the words of its heading (else its title), first match wins (else 其他)."""


def unit_type(name: str) -> str:
    """The coarse type of a unit, from its name.

    >>> unit_type("某县人民法院"), unit_type("某镇党委"), unit_type("某县住建局"), unit_type("某某公司")
    ('政法机关', '乡镇街道', '政府部门', '国有企业')
    >>> unit_type("杭州市西湖区")
    '地方党委政府'

    """
    from kg.zh import place_prefix

    if name and place_prefix(name) == name:  # a whole county or city inspected (巡视 of 某区)
        return "地方党委政府"
    for label, pattern in UNIT_TYPES:
        if re.search(pattern, name or ""):
            return label
    return "其他"


def category_of(heading: str, title: str = "") -> str:
    """The coarse category of a problem, from its heading, else from its title.

    >>> category_of("在落实全面从严治党方面", "公务接待不规范"), category_of("", "违规发放津贴")
    ('其他', '纪律廉政')
    """
    for text in (heading, title):
        for label, pattern in CATEGORIES:
            if text and re.search(pattern, text):
                return label
    return "其他"


# --------------------------------------------------------------------------- rounds

def problems_by_report(store) -> dict[str, list[dict]]:
    """Every report's top-level problems (``id``, ``label``, ``status``, ``category``, ``start``,
    ``end``) in text order: what :func:`rounds` and :func:`completion_rates` read (give it to
    both when asking both: off a store on disk it is their costliest query)."""
    out: dict[str, list[dict]] = defaultdict(list)
    for p, r, label, st, cat, s, e in _select(store, """
            SELECT ?p ?r (SAMPLE(?l0) AS ?l) (SAMPLE(?st0) AS ?st) (SAMPLE(?c0) AS ?c)
                   (MIN(?s0) AS ?s) (SAMPLE(?e0) AS ?e)
            WHERE { ?p a rk:Problem ; rk:reportedIn ?r ; rdfs:label ?l0 .
                    OPTIONAL { ?p rk:status ?st0 } OPTIONAL { ?p rk:category/rdfs:label ?c0 }
                    OPTIONAL { ?p rk:evidence ?sp . ?sp oa:start ?s0 ; oa:end ?e0 }
                    FILTER NOT EXISTS { ?p rk:subProblemOf ?parent } }
            GROUP BY ?p ?r"""):
        out[r].append({"id": p, "label": label, "status": analyse._status_name(st or ""),
                       "category": cat or "", "start": s, "end": e})
    for r in out:
        out[r].sort(key=lambda x: (x["start"] if x["start"] is not None else 0, x["id"]))
    return out


def rounds(source: Any, *, info: dict | None = None, threshold: float = DEFAULT_THRESHOLD,
           problems: dict[str, list[dict]] | None = None) -> list[dict]:
    """Organisations answered for by more than one report, with their problems matched by round.

    Each entry: ``{"unit", "label", "anchor", "rounds": [report dicts in order], "threads":
    [{"label", "cells": [{"label", "status", "problem", "title", "href"} per round]}]}``.
    """
    store = analyse.open_source(source)
    if info is None:
        from kg.reports import report_info

        info = report_info(store)
    by_unit: dict[str, list[str]] = defaultdict(list)
    for r, i in info.items():
        unit = i.get("target") or i.get("publisher")
        if unit:
            by_unit[unit].append(r)
    units = {u: rs for u, rs in by_unit.items() if len(rs) > 1}
    if not units:
        return []
    from kg.reports import _org_labels

    labels = _org_labels(store, units)
    if problems is None:
        problems = problems_by_report(store)
    out = []
    for unit, reports in sorted(units.items(), key=lambda kv: (labels.get(kv[0], ""), kv[0])):
        reports.sort(key=lambda r: (_when(info[r]), info[r]["source"]))
        threads: list[dict] = []
        for k, r in enumerate(reports):
            taken: set[int] = set()
            for p in problems.get(r, []):
                best, best_score = None, threshold
                for t_i, t in enumerate(threads):
                    if t_i in taken:
                        continue
                    last = t["seen"][-1][1]
                    score = title_similarity(p["label"], last["label"])
                    if score >= best_score:
                        best, best_score = t_i, score
                if best is None:
                    threads.append({"seen": [(k, p)]})
                    taken.add(len(threads) - 1)
                else:
                    threads[best]["seen"].append((k, p))
                    taken.add(best)
        rows = []
        for t in threads:
            cells = []
            at = {k: p for k, p in t["seen"]}
            for k in range(len(reports)):
                p = at.get(k)
                before = [j for j in at if j < k]
                if p is not None:
                    if not before:
                        label = "new"
                    else:
                        prev = at[max(before)]
                        gap = max(before) < k - 1
                        label = "back_again" if prev["status"] == "completed" or gap else "recurring"
                    cells.append({"label": label, "status": p["status"], "title": p["label"],
                                  "problem": p["id"], "href": _href(reports[k], p)})
                elif before:
                    cells.append({"label": "closed", "status": "", "title": "", "problem": "",
                                  "href": ""})
                else:
                    cells.append({"label": "", "status": "", "title": "", "problem": "", "href": ""})
            rows.append({"label": t["seen"][0][1]["label"], "cells": cells})
        rows.sort(key=lambda t: (-sum(c["label"] in ("recurring", "back_again") for c in t["cells"]),
                                 [c["label"] == "" for c in t["cells"]], t["label"]))
        out.append({"unit": unit, "label": labels.get(unit, short(unit)),
                    "anchor": "unit-" + short(unit).replace("/", "-"),
                    "rounds": [{"report": r, "key": info[r]["key"], "source": info[r]["source"],
                                "title": info[r]["shown_title"], "date": _when(info[r]),
                                "round": (info[r].get("inspection") or {}).get("round", "")}
                               for r in reports],
                    "threads": rows})
    return out


def _when(i: dict) -> str:
    t = i.get("inspection") or {}
    return t.get("start") or t.get("feedback") or i.get("date") or ""


def _href(report: str, p: dict) -> str:
    base = f"reports/{report_key(report)}.html"
    return base + (f"#s-{p['start']}-{p['end']}" if p.get("start") is not None else "")


def round_rows(result: list[dict]) -> list[dict]:
    """The rounds as flat rows (one per unit, thread and round), for CSV and JSON."""
    rows = []
    for u in result:
        for n, t in enumerate(u["threads"]):
            for k, (rnd, c) in enumerate(zip(u["rounds"], t["cells"])):
                if not c["label"]:
                    continue
                rows.append({"unit": u["label"], "thread": n + 1, "round": k + 1,
                             "report": rnd["source"], "date": rnd["date"], "label": c["label"],
                             "status": c["status"], "problem": c["title"] or t["label"]})
    return rows


# --------------------------------------------------------------------------- completion rates

DIMENSIONS = [("region", "地区 region (province)"), ("level", "层级 level"),
              ("unit_type", "单位类型 unit type"), ("genre", "类型 genre"), ("year", "年份 year"),
              ("category", "问题类别 category")]


def completion_rates(source: Any, *, info: dict | None = None,
                     problems: dict[str, list[dict]] | None = None) -> dict[str, list[dict]]:
    """Per dimension, per group: reports, problems, completed, in progress, unknown and the rate
    (``problems``: :func:`problems_by_report`, when the caller has it)."""
    store = analyse.open_source(source)
    if info is None:
        from kg.reports import report_info

        info = report_info(store)
    from kg.reports import _org_labels

    if problems is None:
        problems = problems_by_report(store)
    units = _org_labels(store, {i.get("target") or i.get("publisher") for i in info.values()} - {None})
    tally: dict[str, dict[str, dict]] = {d: {} for d, _ in DIMENSIONS}

    def add(dim: str, group: str, report: str, status: str) -> None:
        row = tally[dim].setdefault(group, {"group": group, "reports": set(), "problems": 0,
                                            "completed": 0, "in_progress": 0, "unknown": 0})
        row["reports"].add(report)
        row["problems"] += 1
        row[status] += 1

    from kg.regions import Region
    from kg.reports import GENRE_TEXT

    for r, i in info.items():
        level = {"province": "省级", "city": "市级", "county": "县级"}.get(
            Region(i.get("region_code", "")).level, "未知")
        groups = {
            "region": i.get("province") or "未知",
            "level": level,
            "unit_type": unit_type(units.get(i.get("target") or i.get("publisher") or "", "")),
            "genre": GENRE_TEXT.get(i.get("genre") or "OtherGenre", i.get("genre") or ""),
            "year": (i.get("date") or "")[:4] or "未知",
        }
        for p in problems.get(r, []):
            for dim, group in groups.items():
                add(dim, group, r, p["status"])
            add("category", category_of(p["category"], p["label"]), r, p["status"])
    out = {}
    for dim, groups in tally.items():
        rows = []
        for g in groups.values():
            rows.append({"dimension": dim, "group": g["group"], "reports": len(g["reports"]),
                         "problems": g["problems"], "completed": g["completed"],
                         "in_progress": g["in_progress"], "unknown": g["unknown"],
                         "rate": round(g["completed"] / g["problems"], 3) if g["problems"] else None})
        rows.sort(key=lambda x: (-x["problems"], x["group"]))
        out[dim] = rows
    return out


# --------------------------------------------------------------------------- files and pages

def _csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    buf.write("\ufeff")
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\r\n")
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def table_files(rates: dict[str, list[dict]], result: list[dict]) -> list[tuple[str, str]]:
    """``tables/completion.csv|json`` and ``tables/rounds.csv|json`` (CSV with a UTF-8 BOM)."""
    flat = [row for dim, _ in DIMENSIONS for row in rates.get(dim, [])]
    rows = round_rows(result)
    return [("tables/completion.csv", _csv(flat)),
            ("tables/completion.json", json.dumps(rates, ensure_ascii=False, indent=1)),
            ("tables/rounds.csv", _csv(rows)),
            ("tables/rounds.json", json.dumps(rows, ensure_ascii=False, indent=1))]


def bar_chart(rows: list[dict], *, limit: int = 10, width: int = 300) -> Markup:
    """A small horizontal bar chart (inline SVG) of completion rates: one bar per group."""
    rows = rows[:limit]
    line, label_w = 18, 96
    h = line * len(rows) + 4
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h}" role="img">']
    for n, r in enumerate(rows):
        y = n * line + 2
        rate = r["rate"] or 0.0
        bar_w = (width - label_w - 70) * rate
        name = str(r["group"])
        short_name = name if len(name) <= 8 else name[:7] + "…"
        parts.append(f'<text x="{label_w - 4}" y="{y + 12}" text-anchor="end">'
                     f'<title>{escape(name)}</title>{escape(short_name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{width - label_w - 70}" height="12" fill="#eee"/>')
        parts.append(f'<rect x="{label_w}" y="{y + 2}" width="{bar_w:.1f}" height="12" fill="#2ca02c"/>')
        parts.append(f'<text x="{width - 66}" y="{y + 12}">{100 * rate:.0f}% · {r["problems"]}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def charts(rates: dict[str, list[dict]]) -> list[dict]:
    """One small chart per dimension that has at least one group, for the index page."""
    return [{"title": title, "svg": bar_chart(rates[dim])} for dim, title in DIMENSIONS
            if rates.get(dim)]


def render_page(result: list[dict], rates: dict[str, list[dict]]) -> str:
    """``compare.html``: every unit's rounds, and the completion-rate tables."""
    from kg import pages

    return pages.render("compare.html", units=result, rates=rates, dimensions=DIMENSIONS,
                        labels=LABELS, charts=charts(rates))


def compare(source: Any, *, threshold: float = DEFAULT_THRESHOLD) -> dict[str, list[dict]]:
    """Everything ``kg compare`` prints: the rounds as rows and the completion rates per dimension."""
    store = analyse.open_source(source)
    from kg.reports import report_info

    info = report_info(store)
    problems = problems_by_report(store)
    tables = {"rounds": round_rows(rounds(store, info=info, threshold=threshold,
                                          problems=problems))}
    for dim, rows in completion_rates(store, info=info, problems=problems).items():
        tables[f"completion_by_{dim}"] = rows
    return tables


# --------------------------------------------------------------------------- recurring, at scale

def recurring_groups(problems: list[dict], threshold: float = DEFAULT_THRESHOLD, *,
                     pairs: bool = True) -> list[dict]:
    """:func:`kg.analyse.recurring_problems`'s groups, in the same order, at corpus scale.

    The analysis compares problems pair by pair: where one wording recurs in hundreds of reports
    that is hundreds squared pairs per wording (tens of millions at 3,000 scale reports, minutes
    and gigabytes), and it picks each group's label by comparing every pair of members again.
    Here each distinct wording is one node: wordings are compared once, a wording found in two
    reports joins them, and the label is scored per wording. The groups are the analysis's except
    where two alike wordings occur only in one same report (the analysis links problems of
    different reports only). Where two wordings tie for the label the first member wins (scores
    compared to 9 decimals). ``pairs=False`` leaves out each group's linked member pairs (the
    site does not show them; at scale they are the bulk of the answer).

    >>> from kg.analyse import _tiny_store, problems, recurring_problems
    >>> recurring_groups(problems(_tiny_store()), 0.5) == recurring_problems(problems(_tiny_store()), 0.5)
    True
    """
    import hashlib

    from kg.analyse import ID_IRI, _similar_pairs, title_features

    items = sorted((p["id"], p["label"], p["report"]) if isinstance(p, dict) else tuple(p)
                   for p in problems)
    by_title: dict[str, list[int]] = {}
    for i, (_, label, _) in enumerate(items):
        by_title.setdefault(label, []).append(i)
    titles = sorted(by_title)
    feats = [title_features(t) for t in titles]
    links = _similar_pairs([(t, t, t) for t in titles], feats, threshold)
    parent = list(range(len(titles)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _ in links:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    comps: dict[int, list[int]] = {}
    for t in range(len(titles)):
        comps.setdefault(find(t), []).append(t)
    score_of = {(a, b): sc for a, b, sc in links}

    def sim(a: int, b: int) -> float:
        if a == b:
            return 1.0 if feats[a] else 0.0
        return score_of.get((min(a, b), max(a, b))) or _dice(feats[a], feats[b])

    groups = []
    for ts in comps.values():
        members = sorted(i for t in ts for i in by_title[titles[t]])
        reports = {items[i][2] for i in members}
        if len(reports) < 2 or len(members) < 2:
            continue
        if len(ts) == 1 and len({items[i][2] for i in members}) < 2:
            continue
        count = {t: len(by_title[titles[t]]) for t in ts}
        score = {t: round(sum(sim(t, u) * count[u] for u in ts if u != t) + (count[t] - 1) * sim(t, t), 9)
                 for t in ts}
        index = {titles[t]: t for t in ts}
        medoid = max(members, key=lambda i: (score[index[items[i][1]]], -i))
        ids = [items[i][0] for i in members]
        member_pairs = []
        if pairs:
            linked = {(a, b) for a in ts for b in ts if a <= b and (a == b or sim(a, b) >= threshold - 1e-12)}
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    i, j = members[x], members[y]
                    if items[i][2] == items[j][2]:
                        continue
                    a, b = sorted((index[items[i][1]], index[items[j][1]]))
                    if (a, b) in linked:
                        member_pairs.append((items[i][0], items[j][0], round(sim(a, b), 3)))
        groups.append({
            "theme": ID_IRI + "theme/" + hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16],
            "label": items[medoid][1],
            "members": [{"id": items[i][0], "label": items[i][1], "report": items[i][2]}
                        for i in members],
            "reports": len(reports),
            "pairs": sorted(member_pairs),
        })
    groups.sort(key=lambda g: (-g["reports"], -len(g["members"]), g["members"][0]["id"]))
    return groups


def _dice(fa: frozenset, fb: frozenset) -> float:
    if not fa and not fb:
        return 0.0
    return 2 * len(fa & fb) / (len(fa) + len(fb))
