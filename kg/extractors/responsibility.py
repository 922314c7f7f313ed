"""Who is responsible (责任单位, 牵头单位, 责任人 …) for a problem or a measure, as the text states it.

Read from labelled values (``牵头单位:A、B``, ``责任单位：C``, ``配合单位:D``, ``责任人:E``,
``责任领导:F``) and from ``由X牵头`` / ``由X负责``. Each name keeps its own span; a value is split
at 、，, 和 及 and white space. The name is kept as written, whether or not the organisation
extractor knows it (the graph links it to the organisation where the name resolves to one).
A problem whose text names nobody has no responsibility: nothing is guessed.

A name inside a measure's text belongs to that measure and its problem; one in the problem's
item outside every measure belongs to the problem only; text outside problem items gives none.

>>> [(r.role, r.span.text) for r in find_responsibility("牵头单位:区委办、区政府办;责任人:办公室主任", 0, 25)]
[('lead', '区委办'), ('lead', '区政府办'), ('person', '办公室主任')]
>>> [(r.role, r.span.text) for r in find_responsibility("由区财政局负责落实", 0, 9)]
[('responsible', '区财政局')]
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.doc import Doc, Span
from kg.extractors import extractor

_LABEL_ROLES = {
    "牵头单位": "lead", "牵头部门": "lead", "牵头领导": "person", "责任领导": "person",
    "责任单位": "responsible", "责任部门": "responsible", "责任科室": "responsible",
    "整改责任单位": "responsible", "整改单位": "responsible", "承办单位": "responsible",
    "配合单位": "participating", "参与单位": "participating", "协办单位": "participating",
    "责任人": "person", "整改责任人": "person", "具体责任人": "person",
}
_LABEL = re.compile(r"(?P<label>" + "|".join(sorted(map(re.escape, _LABEL_ROLES), key=len, reverse=True))
                    + r")\s*[:：]\s*(?P<v>[^。；;:：\n]{1,80})")
_BY = re.compile(r"由(?P<v>[^，,。；;由、]{2,24}?)(?:具体|分别|共同|统一|全面)?(?P<verb>牵头|负责)(?!同志|人|的)")
_SPLIT = re.compile(r"[、，,/]|\s+")
# 和 / 及 join two names only after a name's head word (组织部和人社局), never inside one
# (住房和城乡建设局)
_AND = re.compile(r"(?<=[局委部办院厅所站科室组队会处司中心])(?:以及|和|及)(?=.)")
# a value ends where the next label or a clause about something else begins
_VALUE_END = re.compile(r"(?:整改时限|完成时限|整改期限|完成时间|整改措施|整改目标|" +
                        "|".join(map(re.escape, _LABEL_ROLES)) + r")")
_NOT_A_NAME = re.compile(r"^(?:等|各|相关|有关|其他|无|暂无|待定)$")


@dataclass(frozen=True)
class Responsibility:
    """A unit or person named responsible, with the role the text gives it."""

    role: str          # lead | responsible | participating | person
    span: Span


def _names(text: str, start: int, end: int) -> list[Span]:
    out = []
    pos = start
    pieces = [x for chunk in _SPLIT.split(text[start:end]) for x in _AND.split(chunk)]
    for piece in pieces:
        s = text.index(piece, pos) if piece else pos
        e = s + len(piece)
        pos = e
        name = re.split(r"[(（]", piece)[0].strip("“”\"' )）")  # 张三(局长): the name
        if len(name) < 2 or _NOT_A_NAME.match(name):
            continue
        off = s + piece.index(name)
        out.append(Span(off, off + len(name), name))
    return out


def find_responsibility(text: str, start: int, end: int) -> list[Responsibility]:
    """Units and people named responsible in ``text[start:end]``, in text order."""
    out: list[Responsibility] = []
    for m in _LABEL.finditer(text, start, end):
        v0, v1 = m.start("v"), m.end("v")
        stop = _VALUE_END.search(text, v0, v1)
        if stop:
            v1 = stop.start()
        role = _LABEL_ROLES[m.group("label")]
        for sp in _names(text, v0, v1):
            out.append(Responsibility(role, sp))
    for m in _BY.finditer(text, start, end):
        role = "lead" if m.group("verb") == "牵头" else "responsible"
        for sp in _names(text, m.start("v"), m.end("v")):
            out.append(Responsibility(role, sp))
    out.sort(key=lambda r: r.span.start)
    return out


@extractor("responsibility", requires=["problems", "measures"], assigns=["responsibility"])
def extract_responsibility(doc: Doc) -> None:
    """``doc.facts["responsibility"]``: ``(responsibility, problem, measure or None)`` triples."""
    found = []
    measures_of: dict[int, list] = {}
    for m in doc.facts.get("measures", []):
        measures_of.setdefault(id(m.problem), []).append(m)
    for p in doc.facts.get("problems", []):
        done: set[int] = set()
        for m in measures_of.get(id(p), []):
            for r in find_responsibility(doc.text, m.span.start, m.span.end):
                found.append((r, p, m))
                done.add(r.span.start)
        for r in find_responsibility(doc.text, p.span.start, p.span.end):
            if r.span.start not in done:
                found.append((r, p, None))
                done.add(r.span.start)
    doc.facts["responsibility"] = found
