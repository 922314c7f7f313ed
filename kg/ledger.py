"""The rectification ledger (整改台账) to closure: one row per problem, read from the graph.

Each row holds what a ledger keeper fills in by hand — ordinal, category, problem, the report's
stated status, the measures, the responsible units and people, the deadline (整改时限), the
policies made or applied — every value with the offsets of the text it was read from, and the
ledger status on a given day (``as_of``):

* ``已销号`` (closed) when the report states the problem completed;
* ``逾期`` (overdue) when it is not closed and its deadline (the earliest dated one stated for the
  problem or its measures) has passed;
* ``整改中`` (in progress) otherwise, deadline or not.

The traffic light follows the ledger keepers' 绿黄红牌 warning: green when 20 days or fewer are
left, yellow at 10 or fewer, red at 0 or fewer (:data:`DEFAULT_LIGHTS`, configurable). A problem
whose text names no deadline or unit has those cells empty: nothing is guessed.

:func:`ledger_rows` reads the rows; :func:`write_xlsx` and :func:`write_csv` write them
(``kg ledger``).

>>> from kg.analyse import _tiny_store
>>> rows = ledger_rows(_tiny_store(), as_of="2021-10-01")
>>> [(r["source"], r["problem"], r["ledger_status"]) for r in rows]
[('a.txt', '公务接待管理不规范', '已销号'), ('b.txt', '公务接待还不够规范', '整改中')]
>>> light(5), light(15), light(-1), light(30), light(None)
('yellow', 'green', 'red', '', '')
"""
from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any, Iterable

from kg.analyse import _local, _select, open_source, report_key, short

DEFAULT_LIGHTS = (20, 10, 0)
"""Days left at which a problem's light turns green, yellow and red (``--lights 20,10,0``)."""

STATUS_TEXT = {"completed": "已完成", "in_progress": "整改中", "unknown": "未说明"}
LEDGER_CLOSED, LEDGER_OPEN, LEDGER_OVERDUE = "已销号", "整改中", "逾期"
LIGHT_TEXT = {"green": "绿", "yellow": "黄", "red": "红", "": ""}
ROLE_TEXT = {"leadUnit": "牵头", "responsibleUnit": "责任", "participatingUnit": "配合",
             "LeadUnit": "牵头", "ResponsibleUnit": "责任", "ParticipatingUnit": "配合",
             "ResponsiblePerson": "责任人"}
KIND_TEXT = {"Immediate": "立行立改", "LongTerm": "长期坚持", "ByDate": "限期"}

COLUMNS = [
    ("report", "报告"), ("ordinal", "序号"), ("category", "类别"), ("problem", "问题"),
    ("stated_status", "原文状态"), ("measures_text", "整改措施"), ("units_text", "责任单位"),
    ("people_text", "责任人"), ("deadline_text", "整改时限"), ("due", "到期日"),
    ("days_left", "剩余天数"), ("ledger_status", "销号状态"), ("light_text", "预警"),
    ("policies_text", "制度文件"), ("evidence", "原文位置"), ("evidence_link", "原文链接"),
]
"""The ledger's columns: row key and Chinese header, in sheet order."""


def _status(iri: str | None) -> str:
    return {"Completed": "completed", "InProgress": "in_progress"}.get(_local(iri or ""), "unknown")


def _graph_scope(graph: str | None, body: str) -> str:
    return f"GRAPH <{graph}> {{ {body} }}" if graph else body


def ledger_rows(source: Any, *, as_of: str | date | None = None, report: str | None = None,
                lights: tuple[int, int, int] = DEFAULT_LIGHTS) -> list[dict]:
    """Every problem of the graph (or of one report's graph IRI ``report``) as a ledger row.

    Rows come in report order (source name), then in document order; sub-problems follow their
    parent with the parent's ordinal before their own (``8(2)``).
    """
    store = open_source(source)
    today = _as_date(as_of)
    graph = None
    if report:
        graph = "https://w3id.org/rectkg/graph/" + report_key(report)
    reports: dict[str, dict] = {}
    for r, src, title in _select(store, "SELECT ?r ?src ?t WHERE { " + _graph_scope(graph, """
            ?r a rk:Report . OPTIONAL { ?r dcterms:source ?src } OPTIONAL { ?r dcterms:title ?t }""")
            + " }"):
        reports.setdefault(r, {"source": src or short(r), "title": title or ""})
    problems: dict[str, dict] = {}
    for p, r, label, ordinal, st, cat, parent, s, e in _select(store, "SELECT ?p ?r ?l ?o ?st ?c ?pa ?s ?e WHERE { "
            + _graph_scope(graph, """?p a rk:Problem ; rk:reportedIn ?r ; rdfs:label ?l .
            OPTIONAL { ?p rk:ordinal ?o } OPTIONAL { ?p rk:status ?st }
            OPTIONAL { ?p rk:category ?cn . ?cn rdfs:label ?c } OPTIONAL { ?p rk:subProblemOf ?pa }
            OPTIONAL { ?p rk:evidence ?sp . ?sp oa:start ?s ; oa:end ?e }""") + " }"):
        row = problems.get(p)
        if row is None:
            row = problems[p] = {
                "id": p, "report_iri": r, "key": report_key(r), "index": _tail_int(p),
                "problem": label, "own_ordinal": ordinal or "", "status": _status(st),
                "category": cat or "", "parent": parent, "start": s, "end": e,
                "measures": [], "units": [], "people": [], "deadlines": [], "policies": []}
        elif s is not None and (row["start"] is None or s < row["start"]):
            row["start"], row["end"] = s, e
    measures: dict[str, list[dict]] = defaultdict(list)
    measure_of: dict[str, list[str]] = defaultdict(list)
    for m, p, label, s, e in _select(store, "SELECT ?m ?p ?l ?s ?e WHERE { " + _graph_scope(graph, """
            ?m a rk:Measure ; rk:addresses ?p ; rdfs:label ?l .
            OPTIONAL { ?m rk:evidence ?sp . ?sp oa:start ?s ; oa:end ?e }""") + " }"):
        if p in problems and not any(x["id"] == m for x in measures[p]):
            measures[p].append({"id": m, "label": label, "start": s, "end": e})
            measure_of[m].append(p)
    seen: set[tuple] = set()
    # an organisation's and a policy's labels live in the graph the reports share
    for m, role, name in _select(store, "SELECT ?m ?role (SAMPLE(?n0) AS ?n) WHERE { "
            + _graph_scope(graph, "VALUES ?role { rk:leadUnit rk:responsibleUnit rk:participatingUnit } "
                                  "?m ?role ?u .") + " ?u skos:prefLabel ?n0 } GROUP BY ?m ?role ?u"):
        for p in measure_of.get(m, ()):
            if (p, name) not in seen:
                seen.add((p, name))
                problems[p]["units"].append({"name": name, "role": ROLE_TEXT.get(_local(role), ""),
                                             "start": None, "end": None})
    for x, rs, role, name, s, e in _select(store, "SELECT ?x ?rs ?role ?n ?s ?e WHERE { " + _graph_scope(graph, """
            ?x rk:responsibility ?rs . ?rs rk:role ?role ; rdfs:label ?n .
            OPTIONAL { ?rs rk:evidence ?sp . ?sp oa:start ?s ; oa:end ?e }""") + " }"):
        for p in ([x] if x in problems else measure_of.get(x, ())):
            key = "people" if _local(role) == "ResponsiblePerson" else "units"
            if (p, name) in seen:  # the measure's unit link already names it: add the evidence
                for u in problems[p][key]:
                    if u["name"] == name and u["start"] is None:
                        u["start"], u["end"] = s, e
                continue
            seen.add((p, name))
            problems[p][key].append({"name": name, "role": ROLE_TEXT.get(_local(role), ""),
                                     "start": s, "end": e})
    for x, dl, kind, label, due, s, e in _select(store, "SELECT ?x ?dl ?k ?l ?due ?s ?e WHERE { " + _graph_scope(graph, """
            ?x rk:deadline ?dl . ?dl rk:deadlineKind ?k ; rdfs:label ?l .
            OPTIONAL { ?dl rk:dueDate ?due }
            OPTIONAL { ?dl rk:evidence ?sp . ?sp oa:start ?s ; oa:end ?e }""") + " }"):
        for p in ([x] if x in problems else measure_of.get(x, ())):
            if not any(d["id"] == dl for d in problems[p]["deadlines"]):
                problems[p]["deadlines"].append({"id": dl, "kind": _local(kind), "label": label,
                                                 "due": due, "start": s, "end": e})
    first_measure: dict[tuple, int] = {}
    for m, act, label in _select(store, "SELECT ?m ?act (SAMPLE(?l0) AS ?l) WHERE { "
            + _graph_scope(graph, "VALUES ?act { rk:makes rk:applies } ?m ?act ?d .")
            + " ?d rdfs:label ?l0 } GROUP BY ?m ?act ?d"):
        for p in measure_of.get(m, ()):
            entry = {"label": label, "action": "制定" if _local(act) == "makes" else "执行"}
            if entry not in problems[p]["policies"]:
                problems[p]["policies"].append(entry)
                first_measure[(p, label, entry["action"])] = min(
                    first_measure.get((p, label, entry["action"]), 10**9), _tail_int(m))
    # in the order of the measures that name them (as the store gives them, the order would
    # depend on the store: on disk or in memory)
    for p, row in problems.items():
        row["policies"].sort(key=lambda x: (first_measure[(p, x["label"], x["action"])],
                                            x["label"], x["action"]))

    rows = []
    by_report: dict[str, list[dict]] = defaultdict(list)
    for p, row in problems.items():
        row["measures"] = sorted(measures.get(p, []), key=lambda m: _tail_int(m["id"]))
        by_report[row["report_iri"]].append(row)
    for r in sorted(by_report, key=lambda r: (reports.get(r, {}).get("source", r), r)):
        info = reports.get(r, {"source": short(r), "title": ""})
        items = sorted(by_report[r], key=lambda x: x["index"])
        ordinals = {x["id"]: x["own_ordinal"] for x in items}
        for row in items:
            own = row["own_ordinal"]
            parent_ord = ordinals.get(row["parent"] or "", "")
            row["ordinal"] = (parent_ord + own) if parent_ord and re.match(r"^[(（]", own) else own
            row["report"] = info["source"]
            row["source"] = info["source"]
            row["title"] = info["title"]
            _finish(row, today, lights)
            rows.append(row)
    return rows


def _finish(row: dict, today: date, lights: tuple[int, int, int]) -> None:
    """Derived cells: texts, the due date, days left, ledger status and light."""
    row["stated_status"] = STATUS_TEXT[row["status"]]
    row["deadlines"].sort(key=lambda d: (d["start"] if d["start"] is not None else -1, d["label"]))
    row["units"].sort(key=lambda u: (u["start"] if u["start"] is not None else 10**12, u["name"]))
    row["people"].sort(key=lambda u: (u["start"] if u["start"] is not None else 10**12, u["name"]))
    row["measures_text"] = "\n".join(m["label"] for m in row["measures"])
    row["units_text"] = "、".join(u["name"] for u in row["units"])
    row["people_text"] = "、".join(u["name"] for u in row["people"])
    row["deadline_text"] = "、".join(dict.fromkeys(d["label"] for d in row["deadlines"]))
    row["policies_text"] = "、".join(f"《{x['label']}》" for x in row["policies"])
    dues = sorted(d["due"] for d in row["deadlines"] if d.get("due"))
    row["due"] = dues[0] if dues else ""
    row["days_left"] = (date.fromisoformat(row["due"]) - today).days if row["due"] else None
    if row["status"] == "completed":
        row["ledger_status"], row["light"] = LEDGER_CLOSED, ""
    else:
        overdue = row["days_left"] is not None and row["days_left"] < 0
        row["ledger_status"] = LEDGER_OVERDUE if overdue else LEDGER_OPEN
        row["light"] = light(row["days_left"], lights)
    row["light_text"] = LIGHT_TEXT[row["light"]]
    row["evidence"] = f"{row['start']}-{row['end']}" if row["start"] is not None else ""
    row["evidence_link"] = (f"reports/{row['key']}.html#s-{row['start']}-{row['end']}"
                            if row["start"] is not None else "")


def light(days_left: int | None, lights: tuple[int, int, int] = DEFAULT_LIGHTS) -> str:
    """The warning colour for ``days_left`` (``""`` when there is no dated deadline or time enough)."""
    if days_left is None:
        return ""
    green, yellow, red = lights
    if days_left <= red:
        return "red"
    if days_left <= yellow:
        return "yellow"
    if days_left <= green:
        return "green"
    return ""


def parse_lights(text: str) -> tuple[int, int, int]:
    """``"20,10,0"`` → ``(20, 10, 0)`` (green, yellow, red days left; must not increase).

    >>> parse_lights("30, 15, 0")
    (30, 15, 0)
    """
    parts = [int(x) for x in re.split(r"[,\s]+", text.strip()) if x]
    if len(parts) != 3 or not parts[0] >= parts[1] >= parts[2]:
        raise ValueError("give three day counts, green ≥ yellow ≥ red, e.g. 20,10,0")
    return parts[0], parts[1], parts[2]


def _as_date(value: str | date | None) -> date:
    if value is None:
        return date.today()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _tail_int(iri: str) -> int:
    try:
        return int(iri.rsplit("/", 1)[1])
    except (ValueError, IndexError):
        return 0


# --------------------------------------------------------------------------- files

def summary_rows(rows: Iterable[dict]) -> list[dict]:
    """Per report: problems, closed, in progress, overdue, and the share closed."""
    out: dict[str, dict] = {}
    for r in rows:
        s = out.setdefault(r["report"], {"report": r["report"], "title": r["title"], "problems": 0,
                                         LEDGER_CLOSED: 0, LEDGER_OPEN: 0, LEDGER_OVERDUE: 0})
        s["problems"] += 1
        s[r["ledger_status"]] += 1
    for s in out.values():
        s["rate"] = round(s[LEDGER_CLOSED] / s["problems"], 3) if s["problems"] else None
    return list(out.values())


SUMMARY_COLUMNS = [("report", "报告"), ("title", "标题"), ("problems", "问题数"),
                   (LEDGER_CLOSED, "已销号"), (LEDGER_OPEN, "整改中"), (LEDGER_OVERDUE, "逾期"),
                   ("rate", "销号率")]


def write_csv(rows: list[dict], path: Path | None = None) -> str:
    """The ledger as CSV with a UTF-8 byte-order mark (so Excel reads the Chinese text)."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for _, h in COLUMNS])
    for r in rows:
        w.writerow(["" if r.get(k) is None else r.get(k) for k, _ in COLUMNS])
    text = buf.getvalue()
    if path is not None:
        from kg.pages import write_atomic

        write_atomic(Path(path), text.encode("utf-8"))
    return text


FILLS = {"red": "FFF4B6B6", "yellow": "FFFFE699", "green": "FFC6EFCE"}
"""The cell colours of the 预警 column (and of 逾期 rows' status cell): ARGB."""
_WIDTHS = {"report": 26, "ordinal": 6, "category": 18, "problem": 36, "stated_status": 9,
           "measures_text": 60, "units_text": 24, "people_text": 14, "deadline_text": 16,
           "due": 11, "days_left": 9, "ledger_status": 9, "light_text": 6, "policies_text": 30,
           "evidence": 12, "evidence_link": 30}


def write_xlsx(rows: list[dict], path: Path, *, as_of: str | date | None = None) -> Path:
    """The ledger as an Excel workbook: a summary sheet, then one sheet per report.

    Every sheet has Chinese headers, a frozen header row, filters and set column widths; the
    预警 cell is filled red, yellow or green, and an overdue row's 销号状态 red.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    bold = Font(bold=True)
    summary = summary_rows(rows)
    ws.append([f"整改台账 (as of {_as_date(as_of).isoformat()})"])
    ws.append([h for _, h in SUMMARY_COLUMNS])
    for s in summary:
        ws.append([s[k] for k, _ in SUMMARY_COLUMNS])
    for c in ws[2]:
        c.font = bold
    ws.freeze_panes = "A3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(SUMMARY_COLUMNS))}{max(2, len(summary) + 2)}"
    for i, w in enumerate((26, 40, 8, 8, 8, 8, 8), start=1):
        ws.column_dimensions[get_column_letter(i)].width = w

    by_report: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_report[r["report"]].append(r)
    used: set[str] = {"汇总"}
    fills = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in FILLS.items()}
    wrap = Alignment(wrap_text=True, vertical="top")
    cols = [k for k, _ in COLUMNS]
    for report, items in by_report.items():
        sh = wb.create_sheet(_sheet_name(report, used))
        sh.append([h for _, h in COLUMNS])
        for c in sh[1]:
            c.font = bold
        for r in items:
            sh.append(["" if r.get(k) is None else r.get(k) for k in cols])
            row = sh.max_row
            for c in sh[row]:
                c.alignment = wrap
            if r["light"]:
                sh.cell(row=row, column=cols.index("light_text") + 1).fill = fills[r["light"]]
            if r["ledger_status"] == LEDGER_OVERDUE:
                sh.cell(row=row, column=cols.index("ledger_status") + 1).fill = fills["red"]
            if r["evidence_link"]:
                cell = sh.cell(row=row, column=cols.index("evidence_link") + 1)
                cell.hyperlink = r["evidence_link"]
        sh.freeze_panes = "A2"
        sh.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(1, sh.max_row)}"
        for i, k in enumerate(cols, start=1):
            sh.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(k, 12)
    path = Path(path)
    buf = io.BytesIO()
    wb.save(buf)
    from kg.pages import write_atomic

    return write_atomic(path, buf.getvalue())


def _sheet_name(report: str, used: set[str]) -> str:
    """An Excel sheet name (≤ 31 characters, none of []:*?/\\), unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", "_", Path(report).stem)[:31] or "report"
    name, n = base, 2
    while name in used:
        suffix = f"~{n}"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name
