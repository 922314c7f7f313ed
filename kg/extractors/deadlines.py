"""Deadlines (整改时限) stated for a problem or a measure, each with its span; none guessed.

Three kinds, as ledgers write them:

* ``immediate`` — 立行立改 / 即知即改 / 立即整改 (no date);
* ``long_term`` — 长期坚持 / 长期推进 / 持续推进 / 常态化推进 (no date);
* ``by_date`` — a date or period followed by 前 (``2021年12月底前``, ``6月30日前完成``, ``年底前``,
  ``2022年上半年前``), or the value of a ``整改时限:`` / ``完成时限:`` label. The due date is the last
  day of the stated period. A date without a year takes the year of the report's own date
  (今年 the same, 明年 the next); with no report date it stays without a due date.

A deadline belongs to the measure whose text holds it and to that measure's problem; one in a
problem's item outside every measure belongs to the problem only. Text outside every problem
item (the report's general pledges) gives no deadline.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="整改措施:一是建立台账,2021年12月底前完成。二是立行立改。")
>>> [(x.kind, x.due, x.span.text) for x in find_deadlines(d.text, 0, len(d.text), year=2021)]
[('by_date', '2021-12-31', '2021年12月底前完成'), ('immediate', None, '立行立改')]
>>> [(x.kind, x.due) for x in find_deadlines("确保6月30日前完成", 0, 9, year=2022)]
[('by_date', '2022-06-30')]
>>> [(x.kind, x.due) for x in find_deadlines("确保6月30日前完成", 0, 9, year=None)]
[('by_date', None)]
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from kg.doc import Doc, Span
from kg.extractors import extractor, matches_in_runs
from kg.zh import CN_DIGITS, cn_to_int

_IMMEDIATE = r"立行立改|即知即改|立即整改|马上就改"
_LONG_TERM = r"长期坚持|长期推进|持续推进|常态化推进|长期整改"
_NUM = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})"
_YEAR = r"(?:(?P<y>(?:19|20)\d{2})\s*年|(?P<cy>[〇○零一二][〇○零一二三四五六七八九]{3})年|(?P<rel>今年|本年度?|明年|当年))"
_PERIOD = (rf"(?:{_YEAR}\s*)?(?:(?P<m>{_NUM})\s*月份?\s*(?:(?P<d>{_NUM})\s*[日号])?\s*"
           rf"(?P<mend>底|末|中旬|上旬|下旬)?|(?P<half>上半年|下半年|年底|年末|底|末))")
_BY = re.compile(_PERIOD + r"\s*(?:之)?前(?:全部|基本)?(?:完成|到位|办结|出台|整改完毕|整改到位|见效)?")
_LABELLED = re.compile(r"(?:整改时限|完成时限|整改期限|完成时间|时限要求)\s*[:：]\s*(?P<v>[^。；;\n]{2,30})")
# plain words, so that the regex engine skips ahead to their first characters (a group around
# each kind's words hid them); the kind is told by the word found
_WORDS = re.compile(rf"{_IMMEDIATE}|{_LONG_TERM}")
_IMMEDIATE_WORDS = frozenset(_IMMEDIATE.split("|"))


_PERIOD_ONLY = re.compile(rf"^{_PERIOD}")


def _word_kind(m: re.Match) -> str:
    return "immediate" if m.group() in _IMMEDIATE_WORDS else "long_term"


_BEFORE = re.compile("前")


def _in_period(ch: str) -> bool:
    """Whether ``ch`` can be part of a _BY match: a Chinese character, a digit, a space, 〇 or ○."""
    return "\u4e00" <= ch <= "\u9fff" or ch.isdecimal() or ch.isspace() or ch in "〇○"


def _by_matches(text: str, start: int, end: int):
    """``_BY.finditer(text, start, end)``. _BY opens with an optional year, so it would be tried at
    every position of every problem and measure; but a stated period is written in Chinese
    characters, digits and spaces and holds 前, so only the runs of such characters around a 前 are
    scanned (most problems and measures hold none)."""
    return matches_in_runs(_BY, _BEFORE, _in_period, text, start, end)


@dataclass(frozen=True)
class Deadline:
    """One stated deadline: its kind, the due date (ISO) where a date is stated, and its span."""

    kind: str          # immediate | long_term | by_date
    due: str | None
    span: Span


def _due(m: re.Match, year: int | None) -> str | None:
    g = m.groupdict()
    y = int(g["y"]) if g.get("y") else None
    if g.get("cy"):
        y = int("".join(str(CN_DIGITS[c]) for c in g["cy"]))
    if y is None and g.get("rel"):
        y = None if year is None else year + (1 if g["rel"] == "明年" else 0)
    if y is None:
        y = year
    if y is None:
        return None
    if g.get("m"):
        mo = cn_to_int(g["m"])
        if not mo or not 1 <= mo <= 12:
            return None
        last = calendar.monthrange(y, mo)[1]
        day = cn_to_int(g["d"]) if g.get("d") else None
        if day is None:
            day = {"上旬": 10, "中旬": 20}.get(g.get("mend") or "", last)
        if not 1 <= day <= last:
            return None
        return f"{y:04d}-{mo:02d}-{day:02d}"
    half = g.get("half") or ""
    if half == "上半年":
        return f"{y:04d}-06-30"
    return f"{y:04d}-12-31"


def _real(m: re.Match) -> bool:
    """A bare 底前 / 末前 (彻底前 …) is no period: 底 and 末 need a year or a month before them."""
    g = m.groupdict()
    return bool(m.group().strip()) and not (
        g.get("half") in ("底", "末") and not (g.get("y") or g.get("cy") or g.get("rel")))


def find_deadlines(text: str, start: int, end: int, *, year: int | None) -> list[Deadline]:
    """Deadlines stated in ``text[start:end]``, in text order (offsets into ``text``)."""
    out: list[Deadline] = []
    taken: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for m in _LABELLED.finditer(text, start, end):
        v0 = m.start("v")
        value = text[v0:m.end("v")]
        w = _WORDS.match(value)
        if w:
            kind = _word_kind(w)
            out.append(Deadline(kind, None, Span(v0, v0 + w.end(), w.group())))
            taken.append((v0, v0 + w.end()))
            continue
        p = _BY.match(value) or _PERIOD_ONLY.match(value)
        if p and _real(p):
            s, e = v0 + p.start(), v0 + p.end()
            while e > s and text[e - 1].isspace():
                e -= 1
            out.append(Deadline("by_date", _due(p, year), Span(s, e, text[s:e])))
            taken.append((s, e))
    for m in _by_matches(text, start, end):
        if not _real(m) or not free(m.start(), m.end()):
            continue
        s = m.start()
        while s < m.end() and text[s].isspace():
            s += 1
        out.append(Deadline("by_date", _due(m, year), Span(s, m.end(), text[s:m.end()])))
        taken.append((s, m.end()))
    for m in _WORDS.finditer(text, start, end):
        if free(m.start(), m.end()):
            out.append(Deadline(_word_kind(m), None,
                                Span(m.start(), m.end(), m.group())))
    out.sort(key=lambda d: d.span.start)
    return out


@extractor("deadlines", requires=["meta", "problems", "measures"], assigns=["deadlines"])
def extract_deadlines(doc: Doc) -> None:
    """``doc.facts["deadlines"]``: ``(deadline, problem, measure or None)`` triples."""
    meta = doc.facts.get("meta", {})
    year = int(meta["date"].iso[:4]) if meta.get("date") is not None else None
    found = []
    measures_of: dict[int, list] = {}
    for m in doc.facts.get("measures", []):
        measures_of.setdefault(id(m.problem), []).append(m)
    done: set[tuple[int, int]] = set()
    for p in doc.facts.get("problems", []):
        if p.parent is not None and p.parent.span.start <= p.span.start < p.parent.span.end:
            pass  # a sub-problem's own text: read it for the sub-problem too
        for m in measures_of.get(id(p), []):
            for dl in find_deadlines(doc.text, m.span.start, m.span.end, year=year):
                found.append((dl, p, m))
                done.add((id(p), dl.span.start))
        for dl in find_deadlines(doc.text, p.span.start, p.span.end, year=year):
            if (id(p), dl.span.start) not in done:
                found.append((dl, p, None))
                done.add((id(p), dl.span.start))
    doc.facts["deadlines"] = found
