"""Problems: the items a report answers, their categories and status, in the shapes the genre uses.

Numbered items (sections found by :mod:`kg.structure`):

- ``关于“X”(的)问题(的整改)`` / ``关于X的问题`` / ``具体问题:X``; several quoted problems in one title
  (``关于“A”、“B”问题``) are several problems;
- a plain numbered sentence answered by a block label (``1.X。`` + ``整改情况：``/``整改措施：``/
  ``【整改措施】`` …), when it reads as a shortcoming (不够, 不到位, 薄弱, 滞后, 有待 …);
- a labelled item, numbered or not: ``问题N：X``, ``【问题】X…【整改措施】…``, ``(1)问题：X``;
  a heading ``反馈问题：CATEGORY`` groups the items under it.

The category is the nearest heading above that groups problems, without its ordinal, its
``反馈问题：`` label and its 在…方面 frame. Status comes from the headings above (已整改完成的问题 /
正在推进整改的问题) or, failing that, from the item's own words (``整改进展：已完成``, 已整改完毕,
尚有…未出台, 正在…, 持续推进), and is "unknown" where the report does not say.

A text without such items (news of a round, of an education rectification) still names problems:

- an inline list after words that announce problems (``发现的主要问题：一是…；二是…``,
  ``存在的三项不足，一是…，二是…``, ``需要解决的两个问题。一是解决X的问题。``), every item a shortcoming;
- an inline list under category heads (``一是党的建设方面：A；B。二是…方面：C；D。``), each item a
  problem of its category;
- quoted problems in passing: a quoted shortcoming before 的问题/的整改 (``“公示不及时”的整改``,
  ``“庸懒散”问题``), two or more quoted violations in a row, and quoted items before 等顽疾/等问题
  (``排查“有案不立”以及“违规违法办理减假暂”等顽疾``).

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
from kg.zh import cn_to_int

_PROBLEM_TITLE = re.compile(r"^关于(?P<body>.+?)(?:的)?(?:问题|方面问题)(?:的整改(?:情况)?|整改(?:情况)?|的情况)?[。.]?$")
_SUB = re.compile(r"^(?:具体问题|问题)\s*[:：]\s*(?P<body>.+?)[。.]?$")
_QUOTE = re.compile(r"“(?P<q>[^“”]{2,80})”")
_JOINERS = re.compile(r"^[、,，和及与以及\s]*$")
_FRAME = re.compile(r"^(?:关于|在)?(?P<core>.+?)(?:等)?方面(?:存在)?(?:的)?(?:突出|主要)?(?:问题)?$")
_ASPECT = re.compile(r"方面(?:存在)?(?:的)?(?:突出|主要)?$")
_CONTAINER = re.compile(r"整改(?:落实|工作|进展)?情况$|^整改落实|逐条逐项|取得阶段性成效")
_CN = "一二三四五六七八九十"

# The words of a shortcoming: how the genre phrases a problem (学习不够深入, 责任落实不到位, 基础薄弱,
# 制度尚不完善, 还需更加规范, 违规发放 …).
DEFICIENCY = re.compile(
    r"不(?:够|足|力|严|实|深|强|高|细|准|全|紧|快|明|清|畅|好|活|显|多|广|宽|简|精|硬|佳|优|当|善|到位|规范|彻底|平衡|"
    r"充分|健全|完善|扎实|及时|合理|坚决|牢固|突出|系统|全面|主动|积极|一致|科学|严谨|透明|公开|落实|经常|规律|完整|齐全|清晰|统一|协调|有效|到底)|"
    r"未(?:能|按|经|形成|建立|落实|完成|有效|及时|严格|全面|认真|纳入|执行|开展|达到|做到)|尚未|没有|缺失|缺位|缺乏|欠缺|"
    r"差距|短板|弱项|弱化|虚化|淡化|泛化|薄弱|滞后|偏差|偏少|偏低|漏洞|隐患|风险|有待|亟待|仍需|还需|尚需|仍要|还要|还应|"
    r"更需|需更|需进一步|要进一步|待加强|待提升|待提高|存在[^，,。；;]{0,12}(?:问题|现象|情况)|违规|违反|违纪|违法|插手|"
    r"形式主义|官僚主义|走过场|打折扣|流于形式|浮于表面|宽松软|屡禁不止|时有发生|依然存在|仍然存在|回潮|混乱|随意|"
    r"较大|较多|较差|较弱|较低|较慢|较少|乏力|失衡|失职|失责|不作为|乱作为|慢作为")
# the 作风 vices, named in short quotes: “庸懒散”, “慢粗虚”, “推拖绕”
_VICES = set("庸慵懒散慢浮拖推绕冷硬横粗虚乱差松软")
# block labels that answer a problem: 整改措施： / 整改情况： / 【整改措施】 …
_ANSWER = re.compile(r"[【\[]?(?:整改(?:措施|举措|情况|进展|成效|结果|落实情况|时限|目标|责任)|完成情况|责任单位|牵头单位)"
                     r"(?:[】\]]|\s*[:：])")
_LABEL_PREFIX = re.compile(r"^(?:[【\[](?:反馈|存在|具体)?问题(?:描述)?\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})?[】\]]|"
                           r"(?:反馈|存在|具体)?问题\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})?\s*[:：])\s*")
_CATEGORY_LABEL = re.compile(r"^(?:巡[视察])?(?:反馈|存在)?问题(?:类别|类型|方面)?\s*[:：]\s*(?P<cat>\S.*)$")
# a labelled item anywhere in the text: 问题3：… / 【问题】… / 【反馈问题2】…
_LABELLED = re.compile(r"(?m)^[ \t\u3000]*(?:(?P<pre>\d{1,3})[.、．]\s*|[（(](?P<ppre>\d{1,3})[）)]\s*)?"
                       rf"(?P<label>[【\[](?:反馈|存在|具体)?问题(?:描述)?\s*(?P<n1>\d{{1,3}}|[{_CN}]{{1,3}})?[】\]]|"
                       rf"(?:反馈|存在)?问题\s*(?P<n2>\d{{1,3}}|[{_CN}]{{1,3}})\s*[:：])")

STATUS_COMPLETED_HEADING = re.compile(r"已(?:经)?(?:整改完成|完成整改|整改到位|整改完毕|办结|销号)|已完成的|整改完成的")
STATUS_PROGRESS_HEADING = re.compile(r"正在(?:推进)?整改|持续(?:推进)?整改|尚未(?:完成|整改)|未完成整改|需(?:要)?长期|基本完成|整改中")
_STATE_LABEL = r"(?:整改(?:情况|进展|进度|状态|结果)|完成情况|进展情况)\s*[:：】\]]\s*"
# An item's own words, strongest first: a stated state (整改进展：已完成), an explicit open remainder
# (尚有…未) outweighs a claim of completion, an explicit completion of the problem (全部整改完毕)
# outweighs a pending sub-step (待签发后执行), and a pending step outweighs a step done (已悉数归档).
STATUS_TEXT = [
    ("in_progress", re.compile(_STATE_LABEL + r"(?:正在|持续|长期|基本完成|序时推进|推进中|未完成|整改中|部分完成)")),
    ("completed", re.compile(_STATE_LABEL + r"(?:已完成|已整改|已办结|已落实|完成整改|整改完成|已销号|完成[。；;\n])")),
    ("in_progress", re.compile(r"尚有[^。；;]{0,20}未|尚未[^。；;]{0,10}(?:完成|出台|到位|办结|整改)|"
                               r"基本(?:完成|执行完毕|整改到位|办结)|仍需[^。；;]{0,10}整改|推进中|进行中|整改中")),
    ("completed", re.compile(r"(?:已|均已|已经|全部)(?:整改完毕|整改到位|整改完成|完成整改|办结|销号)|"
                             r"全部整改完毕|问题已整改|通过[^。；;]{0,12}验收")),
    ("in_progress", re.compile(r"正在[^。；;]{0,20}(?:中|推进|整改|办理|征求|制定|修改)|将于[^。；;]{0,20}完成|"
                               r"计划于[^。；;]{0,20}完成|待[^。；;]{0,40}?(?:出台|印发|审定|实施|完成|办结|签发)|"
                               r"持续推进|长期坚持")),
    ("completed", re.compile(r"已悉数|已全部(?:完成|落实|办结|归档)|已完成[^。；;，,]{0,30}工作|整改到位完成")),
]


def reads_as_shortcoming(s: str) -> bool:
    """Whether a phrase is worded as a shortcoming, the way the genre words its problems.

    >>> reads_as_shortcoming("理论学习不够深入"), reads_as_shortcoming("加强理论学习")
    (True, False)
    """
    return bool(DEFICIENCY.search(s))


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
        if _problem_match(doc, a):
            continue
        t = a.title
        if _CONTAINER.search(t.text):
            return None
        m = _CATEGORY_LABEL.match(t.text)
        if m:  # 反馈问题：落实主体责任不到位
            t = doc.span(t.start + m.start("cat"), t.end)
        m = _FRAME.match(t.text)
        if m:
            t = doc.span(t.start + m.start("core"), t.start + m.end("core"))
        if len(t.text) > 2 and t.text[0] == "“" and t.text[-1] == "”" and t.text.count("“") == 1:
            t = doc.span(t.start + 1, t.end - 1)  # 在“…”方面
        return t
    return None


def _answer_after(doc: Doc, sec: Section) -> int | None:
    """Where the words of a plain numbered problem end: before the block label that answers it
    (整改情况： …), on the title's line or opening the next one; None when no label answers it."""
    text = doc.text
    own_end = sec.children[0].start if sec.children else sec.end
    line_end = text.find("\n", sec.title.end, own_end)
    line_end = own_end if line_end < 0 else line_end
    m = _ANSWER.search(text, sec.title.start + 2, line_end)
    if m:
        return m.start()
    pos = line_end
    while pos < own_end and text[pos] in " \t\u3000\n":
        pos += 1
    return line_end if _ANSWER.match(text, pos, own_end) else None


def _problem_match(doc: Doc, sec: Section) -> tuple[int, int, bool] | None:
    """Where the problem's words sit (offsets in the text, and whether they may be several quoted
    problems), or None when the section is not a problem."""
    t = sec.title
    if _CATEGORY_LABEL.match(t.text) and any(c.style != "enum" for c in sec.children):
        return None  # 反馈问题：CATEGORY over its items
    m = _PROBLEM_TITLE.match(t.text) or _SUB.match(t.text)
    if m and _ASPECT.search(m.group("body")):
        return None  # 关于作风建设方面的突出问题: a heading over problems
    if m:
        return t.start + m.start("body"), t.start + m.end("body"), True
    lab = _LABEL_PREFIX.match(t.text)
    start = t.start + (lab.end() if lab else 0)
    body = t.text[start - t.start:].rstrip("。.；;")
    if lab and len(body) >= 4:
        return start, start + len(body), False
    under_label = sec.parent is not None and _CATEGORY_LABEL.match(sec.parent.title.text)
    if under_label and 4 <= len(body) <= 150 and reads_as_shortcoming(body):
        return start, start + len(body), False
    end = _answer_after(doc, sec)
    if end is not None and not _CONTAINER.search(body):
        while end > start and doc.text[end - 1] in "。.；;，, \t\u3000":
            end -= 1
        words = doc.text[start:end]
        if 4 <= len(words) <= 150 and reads_as_shortcoming(words):
            return start, end, False
    return None


def _own_end(doc: Doc, sec: Section) -> int:
    """End of the section's own text, before its first child problem."""
    for c in sec.children:
        if _problem_match(doc, c):
            return c.start
    return sec.end


def _sections_problems(doc: Doc) -> list[Problem]:
    problems: list[Problem] = []
    by_section: dict[int, list[Problem]] = {}
    for sec in doc.all_sections():
        where = _problem_match(doc, sec)
        if where is None:
            continue
        s, e, quoted = where
        spans = problem_titles(doc.text[s:e], s) if quoted else [(s, e)]
        parent = None
        for a in sec.ancestors():
            if id(a) in by_section:
                parent = by_section[id(a)][0]
                break
        ordinal = sec.ordinal if parent is None else f"{parent.ordinal}{sec.ordinal}"
        items = _items(doc, sec, spans, ordinal, parent)
        if items:
            by_section[id(sec)] = items
            problems.extend(items)
    _status_from_children(problems)
    return problems


def _items(doc: Doc, sec: Section, spans, ordinal, parent) -> list[Problem]:
    status, ev = _heading_status(sec)
    if status == "unknown":
        status, ev = _text_status(doc, sec.body_start, _own_end(doc, sec))
    items = []
    for s, e in spans:
        title = doc.span(s, e)
        if title.text:
            items.append(Problem(ordinal=ordinal, title=title, span=doc.span(sec.start, sec.end),
                                 category=_category(doc, sec), status=status, status_evidence=ev,
                                 parent=parent, section=sec))
    return items


def _status_from_children(problems: list[Problem]) -> None:
    """A parent with open sub-problems is open; one whose sub-problems are all done is done."""
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


def _deepest_section(doc: Doc, pos: int) -> Section | None:
    found = None
    for s in doc.all_sections():
        if s.start <= pos < s.end:
            found = s
    return found


_ITEM_STOP = re.compile(r"\n|[【\[]|" + _ANSWER.pattern)


def _labelled_problems(doc: Doc, taken: list[Problem]) -> list[Problem]:
    """问题N：X / 【问题】X items that the numbered headings did not give, each with the text up to
    the next such item as its section (so its measures and status are read from it)."""
    text = doc.text
    covered = [(p.section.start, p.section.title.start + 1) for p in taken if p.section is not None]
    marks = [m for m in _LABELLED.finditer(text)
             if not any(a <= m.start("label") <= b for a, b in covered)]
    out = []
    for i, m in enumerate(marks):
        enclosing = _deepest_section(doc, m.start())
        end = marks[i + 1].start() if i + 1 < len(marks) else (enclosing.end if enclosing else len(text))
        if enclosing is not None and enclosing.start >= m.start():
            enclosing = enclosing.parent
        if enclosing is not None:
            end = min(end, enclosing.end)
        s = m.end()
        stop = _ITEM_STOP.search(text, s, end)
        e = stop.start() if stop else end
        if not _ANSWER.search(text, e, end) or e - s < 4:
            continue  # an item the text answers with measures or a state
        title = doc.span(s, e)
        t_end = title.end
        while t_end > title.start and text[t_end - 1] in "。.；;，,":
            t_end -= 1
        title = doc.span(title.start, t_end)
        n = m.group("n1") or m.group("n2") or m.group("pre")   # 问题3： / 【问题3】 / 3.【问题】
        ordinal = n or (f"({m.group('ppre')})" if m.group("ppre") else None)   # (3)【问题】
        sec = Section(style="label", rank=9, ordinal=ordinal or "", number=cn_to_int(n or m.group("ppre") or "") or 0,
                      marker=doc.span(m.start(), m.end()), title=title, start=m.start(), end=end,
                      parent=enclosing)
        out.extend(_items(doc, sec, [(title.start, title.end)], ordinal, None))
    return out


# --- problems named in running text ---------------------------------------------------------------

_AT_CLAUSE = r"(?:^|(?<=[。；;：:，,\n]))[ \t\u3000]*"
# the markers of an inline list, each with how its ordinal is written (as kg.structure writes it)
_LIST_MARKS = [
    (re.compile(_AT_CLAUSE + rf"(?P<n>[{_CN}]{{1,3}})是(?!否|指|要|非)"), "{}"),
    (re.compile(_AT_CLAUSE + rf"(?P<n>[{_CN}]{{1,3}})、"), "{}"),
    (re.compile(_AT_CLAUSE + rf"[（(](?P<n>[{_CN}]{{1,3}})[）)]"), "({})"),
    (re.compile(_AT_CLAUSE + r"(?P<n>\d{1,2})[.、．](?!\d)"), "{}"),
    (re.compile(_AT_CLAUSE + r"[（(](?P<n>\d{1,2})[）)]"), "({})"),
]
_ANNOUNCES = re.compile(r"问题|不足|短板|差距|弱项|薄弱环节|症结|偏差")
_NOT_PROBLEMS = re.compile(r"措施|举措|建议|要求|做法|经验|任务|打算|意见|工作思路|方法")
_FRAME_SOLVE = re.compile(r"^(?:着力|重点|切实)?解决(?P<core>.+?)(?:的|等)?问题$")
_HEAD = re.compile(r"(?P<cat>[^，,。；;：:]{2,16}?)方面\s*[:：]")


def _runs(text: str) -> list[tuple[list[re.Match], str]]:
    """Runs of list markers of one kind, each the next number (一是…二是…, （一）…（二）…, 1.…2.…),
    with the way the kind writes its ordinal."""
    out = []
    for pat, form in _LIST_MARKS:
        cur: list[re.Match] = []
        for m in pat.finditer(text):
            n = cn_to_int(m.group("n"))
            if n == 1:
                if len(cur) >= 2:
                    out.append((cur, form))
                cur = [m]
            elif cur and n == cn_to_int(cur[-1].group("n")) + 1:
                cur.append(m)
        if len(cur) >= 2:
            out.append((cur, form))
    return sorted(out, key=lambda r: r[0][0].start())


def _lead_in(text: str, pos: int) -> str:
    """The words before a run: the clause that opens it, or the sentence before it."""
    end = pos
    while end > 0 and text[end - 1] in "。；;：:，, \t\u3000\n":
        end -= 1
    start = max(text.rfind(c, 0, end) for c in "。！？!?\n") + 1
    return text[start:end]


def _item_end(text: str, start: int, limit: int) -> int:
    m = re.compile(r"[。！？!?\n]").search(text, start, limit)
    e = m.start() if m else limit
    while e > start and text[e - 1] in "，,；;、 \t\u3000":
        e -= 1
    return e


def _inline_lists(doc: Doc) -> list[Problem]:
    """Problems listed inline: after words that announce problems, or under 方面 heads."""
    text = doc.text
    out = []
    for run, form in _runs(text):
        ends = [run[i + 1].start() for i in range(len(run) - 1)] + [len(text)]
        heads = [_HEAD.match(text, m.end()) for m in run]
        if all(heads):  # 一是党的建设方面：A；B。二是…
            found = []
            for m, h, limit in zip(run, heads, ends):
                e = _item_end(text, h.end(), limit)
                cat = doc.span(h.start("cat"), h.end("cat"))
                pos = h.end()
                for part in re.finditer(r"[^；;]+", text[pos:e]):
                    t = doc.span(pos + part.start(), pos + part.end())
                    if t.text:
                        found.append(Problem(ordinal=None, title=t, span=doc.span(m.start("n"), e), category=cat))
            if found and all(reads_as_shortcoming(p.title.text) for p in found):
                out.extend(found)
            continue
        lead = _lead_in(text, run[0].start("n"))
        if not _ANNOUNCES.search(lead) or _NOT_PROBLEMS.search(lead):
            continue
        found = []
        for m, limit in zip(run, ends):
            s = m.end()
            e = _item_end(text, s, limit)
            t = doc.span(s, e)
            f = _FRAME_SOLVE.match(t.text)
            if f:
                t = doc.span(s + f.start("core"), s + f.end("core"))
            found.append(Problem(ordinal=form.format(m.group("n")), title=t, span=doc.span(m.start("n"), e)))
        if all(4 <= len(p.title.text) <= 120 and reads_as_shortcoming(p.title.text) for p in found):
            out.extend(found)
    return out


_LISTED = re.compile(r"(?:排查|整治|纠治|查纠|解决|查处|聚焦)(?P<qs>(?:“[^“”]{2,30}”(?:以及|和|及|、|，|,)?){1,8})"
                     r"等(?:顽疾|顽瘴痼疾|突出问题|问题)")
_QUOTED_RUN = re.compile(r"(?:“[^“”]{8,60}”(?:以及|和|及|与|、|，|,)?){2,8}")
_QUOTED_BEFORE = re.compile(r"“(?P<q>[^“”]{2,60})”(?:的)?(?:问题(?!线索)|整改)")


def _quoted_problems(doc: Doc) -> list[Problem]:
    """Quoted problems in running text: before 等顽疾/等问题, two or more quoted violations in a row,
    a quoted shortcoming before 的问题/的整改."""
    text = doc.text
    out: list[Problem] = []
    seen: set[int] = set()

    def add(q: re.Match, span: Span) -> None:
        if q.start("q") not in seen:
            seen.add(q.start("q"))
            out.append(Problem(ordinal=None, title=doc.span(q.start("q"), q.end("q")), span=span))

    for m in _LISTED.finditer(text):
        for q in _QUOTE.finditer(text, m.start("qs"), m.end("qs")):
            add(q, doc.span(m.start(), m.end()))
    for m in _QUOTED_RUN.finditer(text):
        qs = list(_QUOTE.finditer(text, m.start(), m.end()))
        if all(reads_as_shortcoming(q.group("q")) for q in qs):
            for q in qs:
                add(q, doc.span(m.start(), m.end()))
    for q in _QUOTED_BEFORE.finditer(text):
        s = q.group("q")
        vice = len(s) <= 6 and sum(ch in _VICES for ch in s) * 3 >= len(s) * 2
        if vice or (len(s) >= 6 and reads_as_shortcoming(s)):
            add(q, doc.span(q.start(), q.end()))
    out.sort(key=lambda p: p.title.start)
    return out


@extractor("problems", requires=["sections", "meta"], assigns=["problems"])
def extract_problems(doc: Doc) -> None:
    problems = _sections_problems(doc)
    problems += _labelled_problems(doc, problems)
    problems.sort(key=lambda p: p.title.start)
    if not problems:
        problems = _inline_lists(doc)
        taken = [(p.title.start, p.title.end) for p in problems]
        problems += [p for p in _quoted_problems(doc)
                     if not any(a <= p.title.start < b for a, b in taken)]
        problems.sort(key=lambda p: p.title.start)
    doc.facts["problems"] = problems
