"""Measures: the steps each problem's item lists, linked to that problem.

An item's steps are its line-start 一是/二是 sections, or the 一是…二是… runs inside its
整改措施: (planned) and 整改情况: (done) blocks, or, with neither, the item's body as one step.
Units responsible (牵头单位 / 责任单位 / 责任科室 / 参与单位, or 由X牵头) are kept per step.

>>> from kg.doc import Doc
>>> from kg.structure import parse
>>> from kg.extractors.problems import extract_problems
>>> d = Doc(source="t", sha256="0", text="1.关于“合同管理混乱”的问题\\n整改措施:一是建立台账。二是规范流程。\\n整改情况:已整改完毕。")
>>> parse(d); extract_problems(d); extract_measures(d)
>>> [(m.kind, m.ordinal, m.label.text) for m in d.facts["measures"]]
[('planned', '一', '一是建立台账'), ('planned', '二', '二是规范流程'), ('done', None, '已整改完毕')]
"""
from __future__ import annotations

import re

from kg.doc import Doc, Measure, Problem, Span
from kg.extractors import extractor, matches_in_runs
from kg.extractors.organisations import find_organisations
from kg.zh import cn_to_int

_BLOCK = re.compile(r"[【\[]?(?P<label>整改措施|整改举措|整改情况|整改进展|整改成效|整改结果)(?:[】\]]|\s*[:：])")
_KIND = {"整改措施": "planned", "整改举措": "planned", "整改情况": "done", "整改进展": "done",
         "整改成效": "done", "整改结果": "done"}
_ENUM = re.compile(r"(?:^|(?<=[。；;：:\n】]))(?P<n>[一二三四五六七八九十]{1,3})是")
_IS = re.compile("是")


def _in_enum(ch: str) -> bool:
    """Whether ``ch`` can be part of an _ENUM match (一是, 十二是)."""
    return ch in "一二三四五六七八九十是"


def _enum_marks(text: str, start: int, end: int):
    """``_ENUM.finditer(text, start, end)``: _ENUM opens with an assertion, so it would be tried at
    every position; a mark is numerals and 是, so only the runs of such characters around a 是
    are scanned (its look-behind still reads the text before them)."""
    return matches_in_runs(_ENUM, _IS, _in_enum, text, start, end)


_SENT = re.compile(r"[。；;!！?？\n]")
_UNITS = re.compile(r"(?P<role>牵头单位|责任单位|责任科室|责任部门|参与单位|配合单位|协办单位)\s*[:：]\s*(?P<v>[^。；;\n]{2,80})")
_LEAD = re.compile(r"由(?P<v>[^，,。；;由]{2,30}?)(?:牵头|负责|承办)")
_ROLE = {"牵头单位": "lead", "责任单位": "responsible", "责任科室": "responsible", "责任部门": "responsible",
         "参与单位": "participating", "配合单位": "participating", "协办单位": "participating"}
MAX_LABEL = 120


def _label(doc: Doc, start: int, end: int) -> Span:
    m = _SENT.search(doc.text, start, end)
    e = m.start() if m else end
    if e - start > MAX_LABEL:
        e = start + MAX_LABEL
    return doc.span(start, e)


def split_steps(text: str, start: int, end: int) -> list[tuple[int, int, str | None]]:
    """The 一是…二是… steps in text[start:end] as (start, end, ordinal); one step when there is no run."""
    marks = []
    expect = 1
    for m in _enum_marks(text, start, end):
        n = cn_to_int(m.group("n"))
        if n == expect:
            marks.append((m.start(), m.group("n")))
            expect += 1
        elif n == 1 and marks:  # a new run inside the block: keep counting from it
            marks.append((m.start(), m.group("n")))
            expect = 2
    if len(marks) < 2 and not (marks and marks[0][0] == start):
        return [(start, end, None)] if text[start:end].strip() else []
    out = []
    if text[start:marks[0][0]].strip(" \n:："):
        pre = text[start:marks[0][0]]
        # a lead-in sentence ("整改措施如下:") is not a step
        if not pre.rstrip().endswith(("：", ":")):
            out.append((start, marks[0][0], None))
    for i, (s, n) in enumerate(marks):
        e = marks[i + 1][0] if i + 1 < len(marks) else end
        out.append((s, e, n))
    return out


def _units(doc: Doc, start: int, end: int) -> list[tuple[str, Span]]:
    out = []
    for m in _UNITS.finditer(doc.text, start, end):
        for o in find_organisations(doc.text, m.start("v"), m.end("v")):
            out.append((_ROLE[m.group("role")], o.span))
    for m in _LEAD.finditer(doc.text, start, end):
        for o in find_organisations(doc.text, m.start("v"), m.end("v")):
            out.append(("lead", o.span))
    return out


def _make(doc: Doc, p: Problem, s: int, e: int, kind: str, ordinal: str | None) -> Measure | None:
    span = doc.span(s, e)
    if len(span.text) < 4:
        return None
    return Measure(label=_label(doc, span.start, span.end), span=span, problem=p, kind=kind,
                   ordinal=ordinal, units=_units(doc, span.start, span.end))


@extractor("measures", requires=["problems", "sections"], assigns=["measures"])
def extract_measures(doc: Doc) -> None:
    text = doc.text
    measures: list[Measure] = []
    by_section: dict[int, list[Problem]] = {}
    for q in doc.facts.get("problems", []):
        if q.section is not None:
            by_section.setdefault(id(q.section), []).append(q)
    seen_sections: set[int] = set()
    for p in doc.facts.get("problems", []):
        sec = p.section
        if sec is None or id(sec) in seen_sections:
            continue
        seen_sections.add(id(sec))
        siblings = by_section[id(sec)]
        owner = siblings[0]
        child_problems = [c for c in sec.children if id(c) in by_section]
        own_end = child_problems[0].start if child_problems else sec.end
        start = sec.body_start
        steps = [c for c in sec.children if c.style == "enum" and c.start < own_end]
        found: list[Measure] = []
        if steps:
            for c in steps:
                m = _make(doc, owner, c.start, c.end, "unspecified", c.ordinal)
                if m:
                    found.append(m)
        else:
            blocks = list(_BLOCK.finditer(text, start, own_end))
            if blocks:
                for i, b in enumerate(blocks):
                    e = blocks[i + 1].start() if i + 1 < len(blocks) else own_end
                    for s, se, n in split_steps(text, b.end(), e):
                        m = _make(doc, owner, s, se, _KIND[b.group("label")], n)
                        if m:
                            found.append(m)
            else:
                body_start = start
                while body_start < own_end and text[body_start] in "。.：: \n":
                    body_start += 1
                for s, se, n in split_steps(text, body_start, own_end):
                    m = _make(doc, owner, s, se, "unspecified", n)
                    if m:
                        found.append(m)
        for m in found:
            m.also_addresses = siblings[1:]  # 关于“A”、“B”问题: the steps answer both
        measures.extend(found)
    doc.facts["measures"] = measures
