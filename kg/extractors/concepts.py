"""提法 concepts: the short quoted slogans of the genre (“四个意识”, “三会一课”, “6+2”), as SKOS concepts.

A quotation of 2–12 characters that is not a problem title and not inside a document title.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="树牢“四个意识”，落实“三会一课”和“6+2”要求。")
>>> d.facts["problems"] = []
>>> extract_concepts(d)
>>> [m.text for m in d.facts["concepts"]]
['四个意识', '三会一课', '6+2']
"""
from __future__ import annotations

import re

from kg.doc import Doc, Mention, Span
from kg.extractors import extractor
from kg.extractors.policies import find_titles

_QUOTE = re.compile(r"“(?P<q>[^“”。，,；;：:]{2,12})”")


@extractor("concepts", requires=["problems"], assigns=["concepts"])
def extract_concepts(doc: Doc) -> None:
    text = doc.text
    from kg.extractors.organisations import _Intervals

    skip = _Intervals([(p.title.start, p.title.end) for p in doc.facts.get("problems", [])] +
                      [(s, e) for s, e, depth in find_titles(text) if depth == 0])
    out = []
    for m in _QUOTE.finditer(text):
        s, e = m.start("q"), m.end("q")
        if skip.covers(s, e):
            continue
        out.append(Mention("concept", Span(s, e, text[s:e])))
    doc.facts["concepts"] = out
