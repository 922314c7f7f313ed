"""Consistency findings: where the problems a report lists do not add up to the numbers it states.

>>> from kg.doc import Doc, Problem, Span
>>> d = Doc(source="t", sha256="0", text="x")
>>> s = Span(0, 1, "x")
>>> d.facts["counts"] = {"completed": (3, s)}
>>> d.facts["problems"] = [Problem("1", s, s, status="completed"), Problem("2", s, s, status="completed")]
>>> extract_consistency(d)
>>> [(f["kind"], f["stated"], f["listed"]) for f in d.facts["findings"]]
[('completed', 3, 2)]
"""
from __future__ import annotations

from kg.doc import Doc
from kg.extractors import extractor

_LABEL = {"problems": "problems", "completed": "completed problems", "in_progress": "problems in progress"}


def _finding(kind, stated, pool, span, label):
    listed = len(pool)
    items = len({id(p.section) if p.section is not None else id(p) for p in pool})
    if stated == listed and stated == items:
        return None
    msg = f"states {stated} {label} but lists {listed}"
    if items != listed:
        msg += f" in {items} numbered items"
    return {"kind": kind, "stated": stated, "listed": listed, "items": items, "message": msg,
            "span": span}


@extractor("consistency", requires=["counts", "problems"], assigns=["findings"])
def extract_consistency(doc: Doc) -> None:
    """Compare each stated count with the list; statuses are compared only where every listed
    problem has one (a report grouped by status), else completed + in progress with the total."""
    counts = doc.facts.get("counts", {})
    problems = doc.facts.get("problems", [])
    top = [p for p in problems if p.parent is None]
    findings = []
    if "problems" in counts:
        f = _finding("problems", counts["problems"][0], top, counts["problems"][1], _LABEL["problems"])
        findings.append(f)
    if top and all(p.status != "unknown" for p in top):
        for kind in ("completed", "in_progress"):
            if kind in counts:
                pool = [p for p in top if p.status == kind]
                findings.append(_finding(kind, counts[kind][0], pool, counts[kind][1], _LABEL[kind]))
    elif top and "completed" in counts and "in_progress" in counts and "problems" not in counts:
        stated = counts["completed"][0] + counts["in_progress"][0]
        findings.append(_finding("total", stated, top, counts["completed"][1],
                                 "problems (completed + in progress)"))
    doc.facts["findings"] = [f for f in findings if f]
