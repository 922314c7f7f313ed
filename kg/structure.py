"""Headings → nested sections with ordinals and code-point offsets.

The genre numbers its headings in the order GB/T 9704 sets for official documents:
``一、`` › ``(一)``/``（一）`` › ``1.``/``1、`` › ``(1)`` › ``①``, and enumerates steps with
``一是…二是…``. A heading counts where it starts a line, or runs on inline after a clause that
ends a heading (``…方面1.关于“…”的问题``, ``…的问题(1)具体问题:…``) and continues its numbering.
A line-start ``一是`` becomes a section too; inline ``一是…二是…`` runs stay text for the
measures extractor.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="一、总体情况\\n(一)在作风方面1.关于“公车管理不严”的问题。\\n整改措施:…\\n2.关于“会风不简”的问题\\n二、下一步")
>>> parse(d)
>>> [(s.ordinal, s.title.text) for s in d.all_sections()]
[('一', '总体情况'), ('(一)', '在作风方面'), ('1', '关于“公车管理不严”的问题'), ('2', '关于“会风不简”的问题'), ('二', '下一步')]
"""
from __future__ import annotations

import re

from kg.doc import Doc, Section
from kg.zh import cn_to_int

_CN = "[一二三四五六七八九十百]{1,4}"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"

# style name → (rank, marker pattern with group "n")
STYLES: dict[str, tuple[int, re.Pattern]] = {
    "cn": (1, re.compile(rf"(?P<n>{_CN})、")),
    "paren_cn": (2, re.compile(rf"[（(](?P<n>{_CN})[）)]")),
    # (\d\d{0,2}, not \d{1,3}: a pattern that opens with a digit is skipped ahead to one)
    "arabic": (3, re.compile(r"(?P<n>\d\d{0,2})(?:[.．、](?![\d%])|\s(?=关于))")),
    "paren_arabic": (4, re.compile(r"[（(](?P<n>\d{1,3})[）)]")),
    "circled": (5, re.compile(rf"(?P<n>[{_CIRCLED}])")),
    "enum": (6, re.compile(rf"(?P<n>{_CN})是(?!否|指|要|由|以|在|对|从|为|其|非)")),
}
# An inline heading runs on only after one of these.
_INLINE_AFTER = re.compile(r"(?:方面|问题|问题整改|整改|[。；;：:])$")
_INLINE_STYLES = ("arabic", "paren_arabic", "paren_cn")
# where a heading's title stops: a sentence end outside quotation marks, a line end, or a
# block label that starts the body (整改措施: / 整改情况: / 具体问题:)
_TITLE_END = re.compile(r"[。！？!?\n]|(?<=.)(?:整改措施|整改情况|整改进展|具体问题|存在问题)\s*[:：]")
_OPEN_QUOTES, _CLOSE_QUOTES = "“‘「『", "”’」』"
# an over-long title ran on into its body without punctuation: cut before a body opener
_BODY_OPENER = re.compile(r"(?:按照|根据|针对|经过|截至|目前|自从)")
MAX_TITLE = 40


def title_end(text: str, start: int, stop: int) -> int:
    """Where a heading title that starts at ``start`` ends (never past ``stop``).

    >>> t = "关于“力度仍要加强。”问题的整改。正文"
    >>> t[:title_end(t, 0, len(t))]
    '关于“力度仍要加强。”问题的整改'
    """
    pos = start
    while pos < stop:
        m = _TITLE_END.search(text, pos, stop)
        if not m:
            end = stop
            break
        # a sentence end inside quotation marks does not end the title
        if text[m.start()] != "\n" and not m.group().endswith((":", "：")) and \
                _quote_depth(text[start:m.start()]) > 0:
            pos = m.end()
            continue
        if m.start() == start and m.group().endswith((":", "：")):  # 具体问题: opens the title
            pos = m.end()
            continue
        end = m.start()
        break
    else:
        end = stop
    if end - start > MAX_TITLE:
        m = _BODY_OPENER.search(text, start + 8, end)
        if m:
            end = m.start()
    return end


def _quote_depth(seg: str) -> int:
    """Quotation marks opened and not yet closed in ``seg``."""
    return sum(seg.count(c) for c in _OPEN_QUOTES) - sum(seg.count(c) for c in _CLOSE_QUOTES)


def _number(style: str, n: str) -> int:
    if style in ("arabic", "paren_arabic"):
        return int(n)
    if style == "circled":
        return _CIRCLED.index(n) + 1
    return cn_to_int(n) or 0


def _ordinal(style: str, n: str) -> str:
    return f"({n})" if style.startswith("paren") else n


def _find_markers(text: str) -> list[tuple[int, int, str, str]]:
    """Candidate heading markers: (start, end, style, numeral), line-start and inline."""
    found = []
    line_start = 0
    for line in text.split("\n"):
        if line:
            for style, (_, pat) in STYLES.items():
                m = pat.match(line)
                if m:
                    found.append((line_start, line_start + m.end(), style, m.group("n"), True))
                    break
            for style in _INLINE_STYLES:
                pat = STYLES[style][1]
                for m in pat.finditer(line, 1):
                    if _INLINE_AFTER.search(line[max(0, m.start() - 4):m.start()]):
                        found.append((line_start + m.start(), line_start + m.end(), style,
                                      m.group("n"), False))
        line_start += len(line) + 1
    found.sort()
    return found


def parse(doc: Doc) -> None:
    """Find the headings of ``doc`` and set ``doc.sections`` (a forest, in document order)."""
    text = doc.text
    last: dict[str, int] = {}
    accepted: list[tuple[int, int, str, str]] = []
    for start, end, style, n, at_line in _find_markers(text):
        num = _number(style, n)
        prev = last.get(style, 0)
        # a run starts at 1 or continues; the first heading of a style at a line start may carry
        # any number (an excerpt that starts mid-list)
        ok = num == 1 or num == prev + 1 or (at_line and style != "enum" and
                                              (prev < num <= prev + 2 or (style not in last and num < 100)))
        if style == "enum" and num != 1 and num != prev + 1:
            ok = False
        if not ok or (accepted and start < accepted[-1][1]):
            continue
        last[style] = num
        if num == 1:  # a new run of this style restarts the numbering of the styles below it
            for lower, (rank, _) in STYLES.items():
                if rank > STYLES[style][0]:
                    last.pop(lower, None)
        accepted.append((start, end, style, n))

    roots: list[Section] = []
    stack: list[Section] = []
    for i, (start, end, style, n) in enumerate(accepted):
        rank = STYLES[style][0]
        nxt = accepted[i + 1][0] if i + 1 < len(accepted) else len(text)
        title = doc.span(end, max(end, title_end(text, end, nxt)))
        marker = doc.span(start, end)
        sec = Section(style=style, rank=rank, ordinal=_ordinal(style, n), number=_number(style, n),
                      marker=marker, title=title, start=start, end=len(text))
        while stack and stack[-1].rank >= rank:
            stack.pop().end = start
        if stack:
            sec.parent = stack[-1]
            stack[-1].children.append(sec)
        else:
            roots.append(sec)
        stack.append(sec)
    # trim trailing white space off section ends
    for s in (x for r in roots for x in r.walk()):
        while s.end > s.start and text[s.end - 1].isspace():
            s.end -= 1
    doc.sections = roots


def outline(doc: Doc) -> str:
    """The section tree as indented text (what `kg inspect` shows)."""
    lines = []
    for s in doc.all_sections():
        depth = sum(1 for _ in s.ancestors())
        lines.append(f"{'  ' * depth}{s.ordinal} [{s.start}-{s.end}] {s.title.text[:60]}")
    return "\n".join(lines)
