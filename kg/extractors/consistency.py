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


@extractor("consistency", requires=["counts", "problems"], assigns=["findings"])
def extract_consistency(doc: Doc) -> None:
    counts = doc.facts.get("counts", {})
    problems = doc.facts.get("problems", [])
    top = [p for p in problems if p.parent is None]
    findings = []
    for kind in ("problems", "completed", "in_progress"):
        if kind not in counts:
            continue
        stated, span = counts[kind]
        pool = top if kind == "problems" else [p for p in top if p.status == kind]
        listed = len(pool)
        items = len({id(p.section) if p.section is not None else id(p) for p in pool})
        if stated != listed or stated != items:
            msg = f"states {stated} {_LABEL[kind]} but lists {listed}"
            if items != listed:
                msg += f" in {items} numbered items"
            findings.append({"kind": kind, "stated": stated, "listed": listed, "items": items,
                             "message": msg, "span": span})
    doc.facts["findings"] = findings
