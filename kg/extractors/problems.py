"""Problems: numbered items titled 关于“…”问题, their 具体问题, categories and status.

A section is a problem when its title reads 关于“X”(的)问题(的整改) / 关于X的问题 / 具体问题:X.
Several quoted problems in one title (关于“A”、“B”问题) are several problems. The category is the
nearest heading above that groups problems, with its 在…方面 frame removed. Status comes from
the headings above (已整改完成的问题 / 正在推进整改的问题) or, failing that, from the item's own
words (已整改完毕, 全部整改完毕, 尚有…未出台, 正在…), and is "unknown" where the report does not say.
Reports with no such items (news of an education rectification) still name problems as quoted
items before 等顽疾 / 等问题 ("排查“有案不立”以及“违规违法办理减假暂”等顽疾").

>>> from kg.doc import Doc
>>> from kg.structure import parse
>>> d = Doc(source="t", sha256="0", text="二、整改情况\\n（一）已整改完成的问题\\n1.关于“公车管理不严”“会风不简”问题的整改。已整改完毕。\\n（二）正在整改的问题\\n1.关于“制度不健全”问题的整改。尚有2项制度未出台。")
>>> parse(d); extract_problems(d)
>>> [(p.ordinal, p.title.text, p.category.text, p.status) for p in d.facts["problems"]]
[('1', '公车管理不严', '已整改完成的问题', 'completed'), ('1', '会风不简', '已整改完成的问题', 'completed'), ('1', '制度不健全', '正在整改的问题', 'in_progress')]
"""
from __future__ import annotations

import re

from kg.doc import Doc, Problem, Section, Span
from kg.extractors import extractor

_PROBLEM_TITLE = re.compile(r"^关于(?P<body>.+?)(?:的)?(?:问题|方面问题)(?:的整改(?:情况)?|整改(?:情况)?|的情况)?[。.]?$")
_SUB = re.compile(r"^(?:具体问题|问题)\s*[:：]\s*(?P<body>.+?)[。.]?$")
_QUOTE = re.compile(r"“(?P<q>[^“”]{2,80})”")
_JOINERS = re.compile(r"^[、,，和及与以及\s]*$")
_FRAME = re.compile(r"^(?:在)?(?P<core>.+?)(?:等)?方面(?:的)?(?:问题)?$")
_CONTAINER = re.compile(r"整改(?:落实|工作|进展)?情况$|^整改落实|逐条逐项|取得阶段性成效")

STATUS_COMPLETED_HEADING = re.compile(r"已(?:经)?(?:整改完成|完成整改|整改到位|整改完毕|办结|销号)|已完成的|整改完成的")
STATUS_PROGRESS_HEADING = re.compile(r"正在(?:推进)?整改|持续(?:推进)?整改|尚未(?:完成|整改)|未完成整改|需(?:要)?长期|基本完成|整改中")
# An item's own words, strongest first: an explicit open remainder (尚有…未) outweighs a claim of
# completion, an explicit completion of the problem (全部整改完毕) outweighs a pending sub-step
# (待签发后执行), and a pending step outweighs a step done (已悉数归档).
STATUS_TEXT = [
    ("in_progress", re.compile(r"尚有[^。；;]{0,20}未|尚未[^。；;]{0,10}(?:完成|出台|到位|办结|整改)|"
                               r"基本(?:完成|执行完毕|整改到位|办结)|仍需[^。；;]{0,10}整改|推进中|进行中|整改中")),
    ("completed", re.compile(r"(?:已|均已|已经|全部)(?:整改完毕|整改到位|整改完成|完成整改|办结|销号)|"
                             r"全部整改完毕|问题已整改|通过[^。；;]{0,12}验收")),
    ("in_progress", re.compile(r"正在[^。；;]{0,20}(?:中|推进|整改|办理|征求|制定|修改)|将于[^。；;]{0,20}完成|"
                               r"计划于[^。；;]{0,20}完成|待[^。；;]{0,40}?(?:出台|印发|审定|实施|完成|办结|签发)|"
                               r"持续推进")),
    ("completed", re.compile(r"已悉数|已全部(?:完成|落实|办结|归档)|已完成[^。；;，,]{0,30}工作|整改到位完成")),
]


def _strip_quotes(s: str) -> str:
    return s.strip().strip("“”\"‘’「」").strip()


def problem_titles(body: str, base: int) -> list[tuple[int, int]]:
    """Offsets of the problem titles in a 关于… body: each quote when the body is only quotes."""
    quotes = list(_QUOTE.finditer(body))
    if quotes:
        gaps = [body[:quotes[0].start()], body[quotes[-1].end():]]
        gaps += [body[a.end():b.start()] for a, b in zip(quotes, quotes[1:])]
        if all(_JOINERS.match(g) for g in gaps):
            out = []
            for q in quotes:
                s, e = q.start("q"), q.end("q")
                while e > s and body[e - 1] in "。.，,；;":
                    e -= 1
                out.append((base + s, base + e))
            return out
    s, e = 0, len(body)
    while s < e and body[s] in "“\"‘「":
        if body[e - 1] in "”\"’」" and body.count("“") == 1:
            s, e = s + 1, e - 1
        else:
            break
    return [(base + s, base + e)]


def _heading_status(sec: Section) -> tuple[str, Span | None]:
    for a in sec.ancestors():
        t = a.title.text
        if STATUS_PROGRESS_HEADING.search(t):
            return "in_progress", a.title
        if STATUS_COMPLETED_HEADING.search(t):
            return "completed", a.title
    return "unknown", None


def _text_status(doc: Doc, start: int, end: int) -> tuple[str, Span | None]:
    for status, pat in STATUS_TEXT:
        m = pat.search(doc.text, start, end)
        if m:
            return status, doc.span(m.start(), m.end())
    return "unknown", None


def _category(doc: Doc, sec: Section) -> Span | None:
    for a in sec.ancestors():
        if _is_problem_section(a):
            continue
        t = a.title
        if _CONTAINER.search(t.text):
            return None
        m = _FRAME.match(t.text)
        if m and t.text.endswith(("方面", "方面的问题", "方面问题")):
            s = t.start + m.start("core")
            return doc.span(s, t.start + m.end("core"))
        return t
    return None


def _is_problem_section(sec: Section) -> bool:
    t = sec.title.text
    return bool(_PROBLEM_TITLE.match(t) or _SUB.match(t))


def _own_end(sec: Section) -> int:
    """End of the section's own text, before its first child problem."""
    for c in sec.children:
        if _is_problem_section(c):
            return c.start
    return sec.end


@extractor("problems", requires=["sections", "meta"], assigns=["problems"])
def extract_problems(doc: Doc) -> None:
    problems: list[Problem] = []
    by_section: dict[int, list[Problem]] = {}
    for sec in doc.all_sections():
        t = sec.title
        m = _PROBLEM_TITLE.match(t.text) or _SUB.match(t.text)
        if not m:
            continue
        body_start = t.start + m.start("body")
        spans = problem_titles(m.group("body"), body_start)
        parent = None
        for a in sec.ancestors():
            if id(a) in by_section:
                parent = by_section[id(a)][0]
                break
        ordinal = sec.ordinal if parent is None else f"{parent.ordinal}{sec.ordinal}"
        status, ev = _heading_status(sec)
        if status == "unknown":
            status, ev = _text_status(doc, sec.body_start, _own_end(sec))
        items = []
        for s, e in spans:
            title = doc.span(s, e)
            if not title.text:
                continue
            p = Problem(ordinal=ordinal, title=title, span=doc.span(sec.start, sec.end),
                        category=_category(doc, sec), status=status, status_evidence=ev,
                        parent=parent, section=sec)
            items.append(p)
        if items:
            by_section[id(sec)] = items
            problems.extend(items)
    # a parent with open sub-problems is open; one whose sub-problems are all done is done
    children: dict[int, list[Problem]] = {}
    for k in problems:
        if k.parent is not None:
            children.setdefault(id(k.parent), []).append(k)
    for p in problems:
        kids = children.get(id(p), [])
        if kids and p.status == "unknown":
            if any(k.status == "in_progress" for k in kids):
                p.status = "in_progress"
            elif all(k.status == "completed" for k in kids):
                p.status = "completed"
    if not problems:
        problems = _listed_problems(doc)
    doc.facts["problems"] = problems


_LISTED = re.compile(r"(?:排查|整治|纠治|查纠|解决|查处|聚焦)(?P<qs>(?:“[^“”]{2,30}”(?:以及|和|及|、|，|,)?){1,8})"
                     r"等(?:顽疾|顽瘴痼疾|突出问题|问题)")


def _listed_problems(doc: Doc) -> list[Problem]:
    out = []
    for m in _LISTED.finditer(doc.text):
        for q in _QUOTE.finditer(doc.text, m.start("qs"), m.end("qs")):
            title = doc.span(q.start("q"), q.end("q"))
            out.append(Problem(ordinal=None, title=title, span=doc.span(m.start(), m.end())))
    return out
