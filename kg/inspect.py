"""What `kg inspect FILE` prints: one report's segmentation and extracted facts, no graph written.

>>> out = inspect_file(Path("data/corpus/003_d9623f3b0403799a.txt"), as_json=True)
>>> '"source": "003_d9623f3b0403799a.txt"' in out
True
"""
from __future__ import annotations

import json
from pathlib import Path

from kg import structure
from kg.ingest import read_source
from kg.pipeline import analyse_doc, make_doc


def inspect_file(path: Path, *, as_json: bool = False) -> str:
    """The segmentation and the facts of one report, as text or JSON (what `kg inspect` prints)."""
    raw = read_source(path)
    doc = analyse_doc(make_doc(raw))
    f = doc.facts
    meta = f.get("meta", {})
    insp = f.get("inspection", {})
    facts = {
        "source": doc.source, "genre": meta.get("genre"), "jurisdiction": meta.get("jurisdiction"),
        "title": _t(meta.get("title")), "issuer": _t(meta.get("issuer")),
        "date": meta["date"].iso if meta.get("date") else None,
        "inspection": {k: (v.iso if hasattr(v, "iso") else _t(v)) for k, v in insp.items() if k != "trigger"},
        "counts": {k: v for k, (v, _) in f.get("counts", {}).items()},
        "problems": [{"n": p.ordinal, "title": p.title.text, "status": p.status,
                      "category": _t(p.category)} for p in f.get("problems", [])],
        "measures": len(f.get("measures", [])),
        "policies": [m.text for m in f.get("policies", [])],
        "organisations": sorted({m.text for m in f.get("organisations", [])}),
        "people": [(m.text, m.attrs.get("post")) for m in f.get("people", [])],
        "findings": [x["message"] for x in f.get("findings", [])],
        "warnings": doc.warnings,
    }
    if as_json:
        return json.dumps(facts, ensure_ascii=False, indent=1)
    return structure.outline(doc) + "\n\n" + json.dumps(facts, ensure_ascii=False, indent=1)


def _t(span) -> str | None:
    return None if span is None else span.text
