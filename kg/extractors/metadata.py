"""Report metadata: title, issuer (signature, title, 发布机构/来源 field, news outlet), date, genre,
and the jurisdiction that scopes the report's relative names (区委, 市委 …).

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="中共平阳县委关于巡察整改进展情况的通报\\n正文。\\n中共平阳县委员会\\n2022年3月1日")
>>> extract_metadata(d)
>>> m = d.facts["meta"]
>>> m["title"].text, m["issuer"].text, m["date"].iso, m["genre"], m["jurisdiction"]
('中共平阳县委关于巡察整改进展情况的通报', '中共平阳县委员会', '2022-03-01', 'inspection-rectification', '平阳县')
"""
from __future__ import annotations

import re

from kg.doc import Doc, Span
from kg.extractors import extractor
from kg.extractors.organisations import find_organisations
from kg.zh import find_dates, place_prefix

_TITLE_WORDS = re.compile(r"(?:通报|公告|报告|情况|公示|公开|进展|成效|整改|巡视|巡察|教育整顿|审计|督导)")
_FIELD = re.compile(r"(?:发布机构|发文机关|来源|信息来源|发布单位)\s*[:：]\s*(?P<v>[^\s【】|｜()（）]{2,30})")
_PUBDATE = re.compile(r"(?:发布日期|发布时间|成文日期|日期)\s*[:：]\s*")
_OUTLET = re.compile(r"(?P<v>[\u4e00-\u9fff]{2,10}(?:网|报|日报|电视台|新闻社|融媒体中心))(?:讯|记者|消息)")
_ISSUER_BEFORE_ABOUT = re.compile(r"^(?P<v>[\u4e00-\u9fff（）()]{3,30}?)关于")
_HEADING_START = re.compile(r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])")
_LINE_ORG_TAIL = re.compile(r"(?:委员会|委|党组|党委|政府|局|办|办公室|厅|院|部|中心|组)$")


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def _find_title(doc: Doc) -> Span | None:
    """The first one or two short unpunctuated lines near the top that read as a title."""
    lines = list(_lines(doc.text))[:8]
    for i, (pos, line) in enumerate(lines):
        if len(line) > 60 or re.search(r"[。；;]", line):
            return None  # the body has begun: a title stands above it
        if not line or re.search(r"[，,]", line) or _FIELD.search(line) or _PUBDATE.search(line) \
                or find_dates(line):
            continue
        if _HEADING_START.match(line):
            return None
        if line.endswith(("网", "网站", "门户")) and len(line) <= 12:
            continue  # a site banner
        end = pos + len(line)
        # a title broken over two lines: 关于十四届 / 市委第十二轮…通报
        if i + 1 < len(lines):
            npos, nline = lines[i + 1]
            if nline and len(nline) <= 40 and not re.search(r"[。，,；;:：]", nline) and \
                    (nline.endswith(("通报", "报告", "公告", "情况")) or line.endswith(("关于", "届"))):
                end = npos + len(nline)
        if _TITLE_WORDS.search(doc.text[pos:end]) or i == 0:
            return doc.span(pos, end)
        return None
    return None


def _signature(doc: Doc) -> tuple[Span | None, Span | None]:
    """(issuer line, date) of the signature block: an organisation line above a date line."""
    lines = [(p, l) for p, l in _lines(doc.text) if l.strip()]
    tail = lines[-8:]
    for idx in range(len(tail) - 1, -1, -1):
        pos, line = tail[idx]
        dates = find_dates(line, base=pos)
        if dates and len(line) <= 16 and dates[0].span.text.strip() == line.strip():
            issuer = None
            if idx > 0:
                ipos, iline = tail[idx - 1]
                if len(iline) <= 30 and not re.search(r"[。，,；;:：]", iline) and _LINE_ORG_TAIL.search(iline):
                    issuer = doc.span(ipos, ipos + len(iline))
            return issuer, dates[0]
    return None, None


def classify_genre(text: str, title: str = "") -> str:
    """The report's genre from its opening and title.

    >>> classify_genre("根据省委统一部署，省委第一巡视组对某县开展了巡视……现将巡视整改进展情况予以公布")
    'inspection-rectification'
    >>> classify_genre("全市政法队伍教育整顿启动以来……查纠整改")
    'education-rectification'
    >>> classify_genre("关于2021年度审计查出问题整改情况的报告")
    'audit-rectification'
    >>> classify_genre("省委第三巡视组进驻某市，开展为期两个月的巡视")
    'inspection-news'
    """
    head = (title + "\n" + text[:600])
    inspection = re.search(r"巡视|巡察", head)
    rectify = re.search(r"整改", head)
    if inspection and rectify:
        return "inspection-rectification"
    if re.search(r"教育整顿|查纠整改|顽瘴痼疾", head):
        return "education-rectification"
    if re.search(r"审计", head) and rectify:
        return "audit-rectification"
    if inspection:
        return "inspection-news"
    if rectify:
        return "inspection-rectification" if re.search(r"巡视|巡察", text) else "other"
    return "other"


@extractor("metadata", requires=["text"], assigns=["meta"])
def extract_metadata(doc: Doc) -> None:
    text = doc.text
    title = _find_title(doc)
    sig_issuer, sig_date = _signature(doc)
    issuer = sig_issuer
    if issuer is None and title is not None:
        m = _ISSUER_BEFORE_ABOUT.match(title.text)
        if m and find_organisations(m.group("v")):
            issuer = doc.span(title.start, title.start + m.end("v"))
    if issuer is None:
        for m in _FIELD.finditer(text):
            v = m.group("v")
            if find_organisations(v) and find_organisations(v)[0].text == v:
                issuer = doc.span(m.start("v"), m.end("v"))
                break
    if issuer is None:
        m = _OUTLET.search(text, 0, 400)
        if m:
            issuer = doc.span(m.start("v"), m.end("v"))
    date = sig_date
    if date is None:
        m = _PUBDATE.search(text, 0, 600)
        if m:
            ds = find_dates(text, m.end(), min(len(text), m.end() + 20))
            date = ds[0] if ds else None
    genre = classify_genre(text, title.text if title else "")
    jurisdiction = ""
    candidates = [issuer.text] if issuer else []
    candidates += [o.text for o in find_organisations(text, 0, min(len(text), 800))]
    for c in candidates:
        jurisdiction = place_prefix(c)
        if jurisdiction:
            break
    doc.facts["meta"] = {"title": title, "issuer": issuer, "date": date, "genre": genre,
                         "jurisdiction": jurisdiction}
