"""Policies and documents: every title in 《…》 (nested titles too), typed by its genre word.

The type comes from the word that ends the title (条例, 规定, 办法, 意见, 方案, 通知, 细则, 计划, 制度,
清单 …); journals and forms in 《》 are typed too and marked ``isPolicy false`` so users can filter
them, and so are TV programmes and films, known by where they stand (央视《…》, 观看《…》, 《…》栏目)
rather than by their names. A draft state in brackets (草拟稿, 征求意见稿, 试行, 修订稿, 暂行) is kept.
Whether the surrounding clause *made* the document (制定, 印发, 出台, 修订, 起草) or *applied* it
(执行, 贯彻, 学习, 落实) is recorded as ``action``.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="制定《某某办法(试行)》，认真贯彻《关于贯彻〈某某条例〉的实施意见》，观看《焦点访谈》。")
>>> extract_policies(d)
>>> [(m.text, m.attrs["type"], m.attrs.get("draft"), m.attrs.get("action")) for m in d.facts["policies"]]
[('某某办法(试行)', 'Measures', 'Trial', 'makes'), ('关于贯彻〈某某条例〉的实施意见', 'Opinion', None, 'applies'), ('某某条例', 'Regulation', None, None), ('焦点访谈', 'Broadcast', None, None)]
"""
from __future__ import annotations

import functools
import re

from kg.doc import Doc, Mention, Span
from kg.extractors import extractor

_OPEN, _CLOSE = "《〈", "》〉"
_BRACKETS = re.compile("[《〈》〉\n]")
_DRAFT = [("征求意见稿", "ConsultationDraft"), ("草拟稿", "Draft"), ("草案", "Draft"), ("讨论稿", "Draft"),
          ("送审稿", "Draft"), ("修订稿", "RevisedDraft"), ("试行", "Trial"), ("暂行", "Interim")]
# (ending, type, is a policy)
_TYPES = [
    ("实施细则", "DetailedRules", True), ("细则", "DetailedRules", True), ("条例", "Regulation", True),
    ("规定", "Rules", True), ("规则", "Rules", True), ("规程", "Rules", True), ("守则", "Rules", True),
    ("办法", "Measures", True), ("意见", "Opinion", True), ("决定", "Opinion", True),
    ("方案", "WorkPlan", True), ("计划", "Plan", True), ("规划", "Plan", True), ("纲要", "Outline", True),
    ("通知", "Notice", True), ("通报", "Notice", True), ("制度", "System", True), ("机制", "System", True),
    ("清单", "List", True), ("目录", "List", True), ("指引", "Guideline", True), ("指南", "Guideline", True),
    ("准则", "Guideline", True), ("标准", "Guideline", True), ("章程", "Regulation", True),
    ("要点", "WorkReport", True), ("报告", "WorkReport", True), ("措施", "Measures", True),
    ("举措", "Measures", True), ("工程", "Programme", True), ("行动", "Programme", True),
    ("表", "Form", False), ("台账", "Form", False), ("登记簿", "Form", False), ("记录本", "Form", False),
    ("承诺书", "Letter", False), ("责任书", "Letter", True), ("一封信", "Letter", False), ("书", "Letter", False),
    ("函", "Letter", False), ("信", "Letter", False),
    ("读本", "Publication", False), ("汇编", "Publication", False), ("学报", "Publication", False),
    ("杂志", "Publication", False), ("研究", "Publication", False), ("日报", "Publication", False),
    ("周刊", "Publication", False), ("文选", "Publication", False),
    ("节目", "Broadcast", False), ("栏目", "Broadcast", False), ("专题片", "Broadcast", False),
    ("提示", "Notice", True),
]
_MAKE = re.compile(r"(?:制定|印发|出台|修订|起草|制发|编制|编写|拟定|草拟|形成|研究制定|下发|发布|修改完善|建立|完善)(?:了|并印发|并下发)?$")
_APPLY = re.compile(r"(?:执行|贯彻|学习|落实|按照|依据|根据|对照|遵守|遵循|运用|用好|参照|学习贯彻|贯彻落实|认真落实|严格执行|组织学习)(?:了)?$")
_BRACKET_DRAFT = re.compile(r"[（(]([^（）()]{1,8})[)）]$")
# A programme or film is known by where it stands, not by its name: after a broadcaster or a verb
# of watching (央视《…》《…》, 收看《…》), or before the word for what it is (《…》栏目, 《…》专题片).
_BROADCASTER = re.compile(r"(?:央视|中央电视台|电视台|卫视|广播电视台|电台|频道|CCTV-?\d*|观看了?|收看了?|收听了?)$")
_PROGRAMME_AFTER = re.compile(r"(?:栏目|节目|专栏|频道|专题片|纪录片|警示片|宣传片|电视片|播出|播发|专访)")
_RUN_JOINER = re.compile(r"[、和及与\s]*")


def policy_type(title: str) -> tuple[str, bool, str | None]:
    """(type, is a policy, draft state) of a title.

    >>> policy_type("某市物业服务企业参与基层社会治理若干意见(征求意见稿)")
    ('Opinion', True, 'ConsultationDraft')
    >>> policy_type("法学研究")
    ('Publication', False, None)
    """
    draft = None
    core = title
    m = _BRACKET_DRAFT.search(core)
    while m:
        inner = m.group(1)
        for word, state in _DRAFT:
            if word in inner:
                draft = draft or state
        core = core[:m.start()]
        m = _BRACKET_DRAFT.search(core)
    if draft is None:
        for word, state in _DRAFT:
            if core.endswith(word):
                draft = state
    core = core.rstrip("”’\"")
    for ending, typ, is_policy in _TYPES:
        if core.endswith(ending):
            return typ, is_policy, draft
    return "OtherDocument", True, draft


@functools.lru_cache(maxsize=1)
def find_titles(text: str) -> tuple[tuple[int, int, int], ...]:
    """(start, end, depth) of every bracketed title, outer ones first; unbalanced brackets are skipped.

    Cached for the text at hand: the policies, organisations and concepts extractors all read the
    titles of one report, one after the other (one entry, so no other report's text is held).
    """
    out = []
    stack: list[int] = []
    for bm in _BRACKETS.finditer(text):
        i, ch = bm.start(), bm.group()
        if ch in _OPEN:
            stack.append(i)
        elif ch in _CLOSE and stack:
            s = stack.pop()
            if i - s - 1 >= 1:
                out.append((s + 1, i, len(stack)))
        elif ch == "\n":
            stack.clear()
    return tuple(sorted(out))


def _broadcast_runs(text: str, titles) -> set[int]:
    """Starts of the outer titles that a broadcaster, a verb of watching or a programme word frames:
    the whole run of titles joined by 、/和 (央视《甲》《乙》《丙》等 → all three).

    >>> t = "被央视《甲》《乙》等报道，学习《丙办法》，观看《丁》专题片。"
    >>> sorted(t[s:t.index("》", s)] for s in _broadcast_runs(t, find_titles(t)))
    ['丁', '乙', '甲']
    """
    outer = [(s, e) for s, e, depth in titles if depth == 0]
    runs: list[list[tuple[int, int]]] = []
    for s, e in outer:
        if runs and _RUN_JOINER.fullmatch(text, runs[-1][-1][1] + 1, s - 1):
            runs[-1].append((s, e))
        else:
            runs.append([(s, e)])
    out: set[int] = set()
    for run in runs:
        first, last = run[0][0], run[-1][1]
        if _BROADCASTER.search(text, max(0, first - 9), first - 1) or _PROGRAMME_AFTER.match(text, last + 1):
            out.update(s for s, _ in run)
    return out


@extractor("policies", requires=["text"], assigns=["policies"])
def extract_policies(doc: Doc) -> None:
    text = doc.text
    out: list[Mention] = []
    titles = find_titles(text)
    framed = _broadcast_runs(text, titles)
    for s, e, depth in titles:
        title = text[s:e].strip()
        if not title or len(title) > 120:
            continue
        typ, is_policy, draft = policy_type(title)
        if s in framed and typ == "OtherDocument":  # (a framed title with a genre word keeps it)
            typ, is_policy = "Broadcast", False
        attrs = {"type": typ, "is_policy": is_policy, "nested": depth > 0}
        if draft:
            attrs["draft"] = draft
        if depth == 0:
            clause_start = max(text.rfind(c, 0, s - 1) for c in "。；;，,\n") + 1
            before = text[clause_start:s - 1]
            before = re.sub(r"(?:《[^《》]*》|〈[^〈〉]*〉)", "", before).rstrip("、和及与")
            if _MAKE.search(before):
                attrs["action"] = "makes"
            elif _APPLY.search(before):
                attrs["action"] = "applies"
        out.append(Mention("policy", Span(s, e, text[s:e]), attrs))
    # outer titles keep document order; a nested title follows its outer one
    out.sort(key=lambda m: m.span.start)
    doc.facts["policies"] = out
