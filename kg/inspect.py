"""What `kg inspect FILE` prints: one report's segmentation and extracted facts, each with the
offsets of the characters it was read from, no graph written.

The text form is the section outline, then one fact a line (``text  @start-end``); ``--json`` gives
the same facts with their spans as ``{"text": …, "start": …, "end": …}``.

>>> out = inspect_file(Path("data/corpus/003_d9623f3b0403799a.txt"), as_json=True)
>>> '"source": "003_d9623f3b0403799a.txt"' in out
True
>>> "@" in inspect_file(Path("data/corpus/003_d9623f3b0403799a.txt"))
True
"""
from __future__ import annotations

import json
from pathlib import Path

from kg import structure
from kg.ingest import read_source
from kg.pipeline import analyse_doc, make_doc


def facts_of(doc) -> dict:
    """The facts of an analysed Doc as plain values; every span as {"text", "start", "end"}."""
    f = doc.facts
    meta = f.get("meta", {})
    insp = f.get("inspection", {})
    return {
        "source": doc.source, "genre": meta.get("genre"), "jurisdiction": meta.get("jurisdiction"),
        "title": _span(meta.get("title")), "issuer": _span(meta.get("issuer")), "date": _date(meta.get("date")),
        "inspection": {k: (_date(v) if hasattr(v, "iso") else _span(v)) for k, v in insp.items() if k != "trigger"},
        "counts": {k: {"value": v, **_span(s)} for k, (v, s) in f.get("counts", {}).items()},
        "problems": [{"n": p.ordinal, "title": _span(p.title), "status": p.status,
                      "status_evidence": _span(p.status_evidence), "category": _span(p.category),
                      "parent": p.parent.ordinal if p.parent is not None else None}
                     for p in f.get("problems", [])],
        "measures": len(f.get("measures", [])),
        "policies": [_span(m.span) for m in f.get("policies", [])],
        "organisations": [_span(m.span) for m in f.get("organisations", [])],
        "people": [{"name": _span(m.span), "post": m.attrs.get("post")} for m in f.get("people", [])],
        "findings": [x["message"] for x in f.get("findings", [])],
        "warnings": doc.warnings,
    }


def inspect_file(path: Path, *, as_json: bool = False) -> str:
    """The segmentation and the facts of one report, as text or JSON (what `kg inspect` prints)."""
    doc = analyse_doc(make_doc(read_source(path)))
    facts = facts_of(doc)
    if as_json:
        return json.dumps(facts, ensure_ascii=False, indent=1)
    return structure.outline(doc) + "\n\n" + "\n".join(_lines(facts))


def _span(span) -> dict | None:
    return None if span is None else {"text": span.text, "start": span.start, "end": span.end}


def _date(d) -> dict | None:
    return None if d is None else {"iso": d.iso, **_span(d.span)}


def _show(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, dict) and "start" in v:
        head = f"{v['iso']} ({v['text']})" if "iso" in v else v["text"]
        if "value" in v:
            head = f"{v['value']} ({v['text']})"
        return f"{head}  @{v['start']}-{v['end']}"
    return str(v)


def _lines(facts: dict):
    for key in ("source", "genre", "jurisdiction", "title", "issuer", "date"):
        yield f"{key}: {_show(facts[key])}"
    for key, v in facts["inspection"].items():
        yield f"inspection.{key}: {_show(v)}"
    for key, v in facts["counts"].items():
        yield f"stated {key}: {_show(v)}"
    yield f"problems: {len(facts['problems'])}"
    for p in facts["problems"]:
        extra = [p["status"]]
        if p["category"]:
            extra.append(f"category {p['category']['text']}")
        if p["parent"]:
            extra.append(f"under {p['parent']}")
        yield f"  {p['n'] or '·'} {_show(p['title'])}  [{'; '.join(extra)}]"
    yield f"measures: {facts['measures']}"
    for key in ("policies", "organisations"):
        yield f"{key}: " + "; ".join(_show(v) for v in facts[key])
    yield "people: " + "; ".join(f"{_show(p['name'])} ({p['post'] or '—'})" for p in facts["people"])
    for key in ("findings", "warnings"):
        for x in facts[key]:
            yield f"{key[:-1]}: {x}"
