"""Quantities: a number, its unit and what it counts; 万元/亿元 and % normalised to plain numbers.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="110个项目涉及金额517.64万元，化解率为95%，开展谈心谈话81次。")
>>> extract_quantities(d)
>>> [(q.text, q.attrs["value"], q.attrs["unit"], q.attrs.get("counts")) for q in d.facts["quantities"]]
[('110个', 110.0, '个', '项目'), ('517.64万元', 5176400.0, '元', None), ('95%', 0.95, '%', None), ('81次', 81.0, '次', None)]
"""
from __future__ import annotations

import re

from kg.doc import Doc, Mention, Span
from kg.extractors import extractor

# A number not right after a digit or a dot: the test sits behind its first digit, so that the
# pattern opens with a digit and the regex engine skips to digits.
_Q = re.compile(r"(?P<n>\d(?<![\d.]\d)\d*(?:\.\d+)?)\s*(?P<unit>亿元|万元|元|%|个|项|件|份|人次|场次|次|名|人|家|条|批次|批|篇|场|起|处|所|户)"
                r"(?P<what>[\u4e00-\u9fff]{2})?")
_SCALE = {"亿元": (1e8, "元"), "万元": (1e4, "元"), "%": (0.01, "%")}
_WHAT_STOP = re.compile(r"^(?:以上|以下|左右|之多|的|和|及|与|已|未|均|共|在|中|是|为)")


@extractor("quantities", requires=["text"], assigns=["quantities"])
def extract_quantities(doc: Doc) -> None:
    out = []
    for m in _Q.finditer(doc.text):
        n = float(m.group("n"))
        unit = m.group("unit")
        scale, unit_out = _SCALE.get(unit, (1.0, unit))
        attrs = {"value": round(n * scale, 6), "unit": unit_out}
        what = m.group("what")
        if what and unit in ("个", "项", "件", "份", "名", "家", "条", "篇", "批", "所", "户") and not _WHAT_STOP.match(what):
            attrs["counts"] = what
        out.append(Mention("quantity", Span(m.start(), m.end("unit"), doc.text[m.start():m.end("unit")]), attrs))
    doc.facts["quantities"] = out
