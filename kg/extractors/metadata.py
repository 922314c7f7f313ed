"""Report metadata: title, issuer, date, genre, and the jurisdiction that scopes the report's
relative names (区委, 市委 …).

Where the genre puts them:

- the **title**: the first short line above the body that is not page chrome (menus, breadcrumbs,
  无障碍版, 信息索引号, 字号/打印 …) or a field line, or a ``文件名称：``/``标题：`` field; a page
  title's site suffix (``…情况-某某大学党委巡视办``), a trailing date (``…的通报 2026-02-13``) and an
  audit report's meeting line (``——2023年4月在…人大常委会第十七次会议上``) are not part of it;
- the **issuer**: the signature (an organisation line above the closing date), the title's author
  (``X关于…的通报``), a ``发布机构：``/``来源：`` field (``来源：人民网-人民日报`` is the paper), a news
  dateline (``某某日报讯``, ``某某在线11月8日讯``), a masthead line (``某某日报 2021年04月10日``), a
  page title's site suffix, an outlet in brackets closing the text, a producer's credit closing it
  (``某社国内部出品``), or the outlet whose reporter wrote the item; a ``来源：`` that names a place
  (``来源：某某镇``) names its government, and of ``来源：某某新闻·某某号`` the outlet is the first part;
- the **date**: the signature's date, a date closing the title line, an audit report's meeting line
  (``——DATE在…人大常委会第N次会议上``; a month without a day stays a month), a ``发布时间：``/``成文
  时间：``/``发文时间：`` field, a bare timestamp line before ``来源：``, or a masthead line. A partial
  date without a year gives nothing: silence rather than a guess;
- the **genre**: see :func:`classify_genre`.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="中共平阳县委关于巡察整改进展情况的通报\\n正文。\\n中共平阳县委员会\\n2022年3月1日")
>>> extract_metadata(d)
>>> m = d.facts["meta"]
>>> m["title"].text, m["issuer"].text, m["date"].iso, m["genre"], m["jurisdiction"]
('中共平阳县委关于巡察整改进展情况的通报', '中共平阳县委员会', '2022-03-01', 'inspection-rectification', '平阳县')
"""
from __future__ import annotations

import re

from kg.doc import DateValue, Doc, Span
from kg.extractors import extractor
from kg.extractors.organisations import find_organisations, organisations_in
from kg.zh import find_dates, place_prefix

_TITLE_WORDS = re.compile(r"(?:通报|公告|报告|情况|公示|公开|进展|成效|整改|巡视|巡察|教育整顿|审计|督导)")
_LABEL = r"(?:发布机构|发文机关|发文单位|信息来源|文章来源|稿件来源|来源|发布单位|发布日期|发布时间|成文日期|成文时间|" \
         r"发文日期|发文时间|日期|时间|作者|编辑|责任编辑|浏览量|浏览次数|阅读次数|点击数|点击率|访问量|字号|字体|" \
         r"公开方式|公开范围|主题分类|所属机构|发文字号|文号|有效性|索引号)"
_LABEL_RE = re.compile(_LABEL + r"\s*[:：]")
# (a field's own name, not the tail of a word: 线索来源： or 资金来源： in the body is no publisher)
_FIELD = re.compile(r"(?:(?<![\u4e00-\u9fff])|(?<=[日号]))(?:信息|文章|稿件|新闻)?(?P<k>发布机构|发文机关|发文单位|来源|发布单位)\s*[:：]\s*")
_PUBDATE = re.compile(r"(?:发布日期|发布时间|成文日期|成文时间|发文日期|发文时间|日期)\s*[:：]\s*")
# a 文件名称：/标题： field, its value on the same line or the next
_TITLE_FIELD = re.compile(r"(?:^|\n)[ \t\u3000•·]*(?:文件名称|标题|原标题)\s*[:：][ \t\u3000]*\n?\s*(?P<v>[^\n]{3,80}?)[ \t\u3000]*(?=\n|$)")
# what an outlet's name ends with; a body's name ends with an organisational head word
_OUTLET_END = r"(?:新闻网|网站|网|日报|晚报|报|在线|电视台|广播电视台|新闻社|融媒体中心|新闻中心|新闻|客户端)"
_BODY_END = re.compile(_OUTLET_END + r"$|(?:办公室|委员会|办|局|委|组|部|院|厅|政府|中心|处|科|所|社|党委|党组|会)$")
_OUTLET = re.compile(r"(?P<v>[\u4e00-\u9fff]{2,10}(?:网|报|日报|电视台|新闻社|融媒体中心))(?:讯|记者|消息)")
# a dateline: 某某日报讯 / 某某在线11月8日讯 / 某某网兰州6月15日讯 / 新华社北京7月1日电
# (电 only after a date: 举报电话 and 通报电 are no datelines)
_MD = r"(?:\d{1,2}|[一二三四五六七八九十]{1,2})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})日"
_DATELINE = re.compile(r"(?:^|(?<=[\n□■]))[ \t\u3000]*[【\[]?(?P<v>[\u4e00-\u9fff·]{1,12}?" + _OUTLET_END +
                       rf"|新华社|中新社)(?:[\u4e00-\u9fff]{{2,4}}?)?(?:{_MD}(?:电|消息)|(?:{_MD})?讯)")
_MASTHEAD = re.compile(r"^[ \t\u3000]*(?P<v>[\u4e00-\u9fff]{2,12}" + _OUTLET_END + r")[ \t\u3000]+(?P<d>\S.{5,24}?)\s*$")
_CLOSING_OUTLET = re.compile(r"[(（](?:来源[:：]\s*)?(?P<v>[\u4e00-\u9fff]{2,15}" + _OUTLET_END + r")[)）]")
_SITE_SUFFIX = re.compile(r"(?<=[\u4e00-\u9fff”」）)])\s*[-_|｜]\s*(?P<v>[\u4e00-\u9fff]{2,20})$")
_MEETING = re.compile(r"(?:——|--|—|^|(?<=\n))[ \t\u3000]*(?P<d>[\d年月日\s]{4,18}?)\s*在[^。\n]{1,40}?"
                      r"(?:人大常委会|人民代表大会常务委员会)[^。\n]{0,16}?会议上?[ \t\u3000]*(?=\n|$)")
_ANY_MEETING_LINE = re.compile(r"(?:——|--)[^\n。]{0,40}会议上?\s*$")
_DATE_ONLY = re.compile(r"[\d年月日\s:：/.\-]+(?:星期[一二三四五六日天])?\s*")
_YEAR_MONTH = re.compile(r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月")
_TRAILING_DATE = re.compile(r"\s+(?P<d>(?:19|20)\d{2}[-/.年]\s*\d{1,2}[-/.月]\s*\d{1,2}日?)(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_ISSUER_BEFORE_ABOUT = re.compile(r"^(?P<v>[\u4e00-\u9fff（）()]{3,30}?)关于")
_HEADING_START = re.compile(r"(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d+[.、．])")
_LINE_ORG_TAIL = re.compile(r"(?:委员会|委|党组|党委|政府|局|办|办公室|厅|院|部|中心|组)$")
# Page chrome: navigation and tool lines that surround a page's text and are never its title.
_CHROME_WORDS = ("当前位置", "您的位置", "所在位置", "信息索引号", "索引号", "无障碍", "选择语言", "分享到", "返回上一级",
                 "返回首页", "返回顶部", "打印本页", "关闭窗口", "收藏本页", "浏览量", "阅读次数", "点击数", "访问量",
                 "统一刊号", "版权所有", "主办单位", "ICP备", "主动公开", "关怀版")
_CHROME_LINES = {"字号", "打印", "关闭", "收藏", "返回", "正文", "详细介绍", "详情", "首页", "大", "中", "小",
                 "【大", "【打印】", "【关闭】", "分享", "相关文章", "页"}


def _lines(text: str):
    pos = 0
    for line in text.split("\n"):
        yield pos, line
        pos += len(line) + 1


def is_chrome(line: str) -> bool:
    """A navigation or tool line of a web page (never a title).

    >>> is_chrome("首页 > 新闻中心 > 正文"), is_chrome("无障碍版"), is_chrome("关于巡察整改情况的通报")
    (True, True, False)
    """
    s = line.strip().lstrip(">》").strip()
    if not s:
        return True
    if s in _CHROME_LINES or re.fullmatch(r"[【\[]?(?:字体|字号)[^】\]]{0,12}[】\]]?|[\d\s|:：\[\]【】]+", s):
        return True
    if re.search(r"[>＞›»]", s) and len(s) <= 80:
        return True  # a breadcrumb
    return len(s) <= 40 and any(w in s for w in _CHROME_WORDS)


def _is_body_name(v: str) -> bool:
    """A publisher named in a field, dateline or suffix: a body's or an outlet's name (not 本网)."""
    return 2 <= len(v) <= 24 and not v.startswith(("本", "该", "此")) and \
        bool(re.fullmatch(r"[\u4e00-\u9fff·]+", v)) and bool(_BODY_END.search(v))


def _find_title(doc: Doc) -> Span | None:
    """The first one or two short unpunctuated lines near the top that read as a title (chrome,
    field and date lines skipped), or the value of a 文件名称：/标题： field."""
    text = doc.text
    m = _TITLE_FIELD.search(text, 0, min(len(text), 1500))
    if m:
        return doc.span(m.start("v"), m.end("v"))
    lines = list(_lines(text))[:12]
    for i, (pos, line) in enumerate(lines):
        if len(line) > 80 or re.search(r"[。；;]", line):
            return None  # the body has begun: a title stands above it
        if is_chrome(line) or _LABEL_RE.search(line) or re.search(r"[，,]", line):
            continue
        if find_dates(line) and not _TRAILING_DATE.search(line) and not _MEETING.search(line):
            continue
        if _HEADING_START.match(line.strip()):
            return None
        if line.strip().endswith(("网", "网站", "门户")) and len(line.strip()) <= 12:
            continue  # a site banner
        start = pos + len(line) - len(line.lstrip(" \t\u3000>》"))
        end = pos + len(line)
        # a title broken over two lines: 关于十四届 / 市委第十二轮…通报
        if i + 1 < len(lines):
            npos, nline = lines[i + 1]
            if nline and len(nline) <= 40 and not re.search(r"[。，,；;:：]", nline) and \
                    (nline.endswith(("通报", "报告", "公告", "情况")) or line.endswith(("关于", "届"))):
                end = npos + len(nline)
        end = start + len(_title_core(text[start:end]))
        if _TITLE_WORDS.search(text[start:end]) or i == 0 or text[:pos].strip() == "" or \
                all(is_chrome(x) for _, x in lines[:i]):
            return doc.span(start, end)
        return None
    return None


def _title_core(line: str) -> str:
    """A title line without its trailing date, meeting line or site suffix."""
    for pat in (_TRAILING_DATE, _ANY_MEETING_LINE, _SITE_SUFFIX):
        m = pat.search(line)
        if m and (pat is not _SITE_SUFFIX or _is_body_name(m.group("v"))) and m.start() >= 6:
            line = line[:m.start()]
    return line.rstrip()


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


def _field_issuer(doc: Doc) -> Span | None:
    """The value of a 发布机构：/来源： field near the top, cut at the next field on the line; of
    ``来源：人民网-人民日报`` the paper (the site carried it)."""
    text = doc.text
    for key in (("发布机构", "发文机关", "发文单位", "发布单位"), ("来源",)):
        for m in _FIELD.finditer(text):
            if m.group("k") not in key:
                continue
            end = m.end()
            while end < len(text) and not text[end].isspace() and text[end] not in "【】|｜()（）":
                end += 1
            nxt = _LABEL_RE.search(text, m.end(), end)
            if nxt:
                end = nxt.start()
            s = m.end()
            cut = max(text.rfind("-", s, end), text.rfind("－", s, end))
            if cut >= 0:
                s = cut + 1
            v = text[s:end]
            if _is_body_name(v) or (key == ("来源",) and _PLACE_SOURCE.fullmatch(v)):
                return doc.span(s, end)
            first = re.match(r"[^·•]+", v)  # 澎湃新闻·澎湃号·政务: the outlet, then its channels
            if first and first.end() < len(v) and _is_body_name(first.group()):
                return doc.span(s, s + first.end())
    return None


# a place named as the source speaks for its government (来源：某某镇)
_PLACE_SOURCE = re.compile(r"[\u4e00-\u9fff]{1,8}(?:镇|乡|街道|县|区|市)")
# the closing credits of a news graphic: 某社国内部出品
_PRODUCER = re.compile(r"^[ \t\u3000]*(?P<v>[\u4e00-\u9fff]{2,16}?)(?:出品|制作)[ \t\u3000]*$", re.M)


def _meeting_date(doc: Doc) -> DateValue | None:
    """The date an audit report was delivered: ``——2023年4月在…人大常委会第十七次会议上``."""
    m = _MEETING.search(doc.text, 0, min(len(doc.text), 1500))
    if not m:
        return None
    s, e = m.start("d"), m.end("d")
    full = find_dates(doc.text, s, e)
    if full:
        return full[0]
    ym = _YEAR_MONTH.match(doc.text, s, e)
    if ym and 1 <= int(ym.group("m")) <= 12:
        return DateValue(f"{ym.group('y')}-{int(ym.group('m')):02d}", doc.span(s, e))
    return None


def _timestamp_before_source(doc: Doc) -> DateValue | None:
    """A bare date line (a timestamp) just before the 来源： field, or opening that field's line."""
    lines = [(p, l) for p, l in list(_lines(doc.text))[:20] if l.strip()]
    for k, (pos, line) in enumerate(lines):
        ds = find_dates(line, base=pos)
        if not ds or ds[0].span.start - pos > len(line) - len(line.lstrip()):
            continue  # the line must open with the date
        rest = line[ds[0].span.end - pos:]
        rest = re.sub(r"^\s*\d{1,2}:\d{2}(?::\d{2})?", "", rest).strip()
        nxt = lines[k + 1][1].strip() if k + 1 < len(lines) else ""
        if re.match(r"(?:信息|文章)?来源\s*[:：]", rest) or (not rest and re.match(r"(?:信息|文章)?来源\s*[:：]", nxt)):
            return ds[0]
    return None


def _bare_date_line(doc: Doc) -> DateValue | None:
    """A line that is nothing but a date (and a time or weekday) above the body: the page's date."""
    for pos, line in list(_lines(doc.text))[:12]:
        if len(line) > 60 or re.search(r"[。；;]", line):
            return None  # the body has begun
        ds = find_dates(line, base=pos)
        if len(ds) == 1 and _DATE_ONLY.fullmatch(line.replace(ds[0].span.text, "")):
            return ds[0]
    return None


def _masthead(doc: Doc) -> tuple[Span | None, DateValue | None]:
    """A newspaper's masthead line near the top: ``某某日报 2021年04月10日``."""
    for pos, line in list(_lines(doc.text))[:8]:
        m = _MASTHEAD.match(line)
        if m:
            ds = find_dates(line, m.start("d"), m.end("d"), base=pos)
            if ds and _is_body_name(m.group("v")):
                return doc.span(pos + m.start("v"), pos + m.end("v")), ds[0]
    return None, None


def _first(*candidates):
    for c in candidates:
        v = c() if callable(c) else c
        if v is not None:
            return v
    return None


_EDU = re.compile(r"教育整顿|查纠整改|顽瘴痼疾")
_AUDIT = re.compile(r"审计")
_INSPECT = re.compile(r"巡视|巡察")
# a report that publishes its own rectification: …整改…情况的通报, 现将…整改…情况予以公布
_RECT_TITLE = re.compile(r"(?:整改|落实)[^。\n]{0,16}(?:通报|报告|公告|公示)")
_RECT_OWN = re.compile(r"现将[^。]{0,40}(?:整改|落实)[^。]{0,20}(?:予以公布|予以公开|公布如下|通报如下|报告如下|向社会公[开布]|"
                       r"向党内|公开如下)|"
                       r"整改[^。，,]{0,8}(?:情况)?通报会")
# news of a round: entry, mobilisation, feedback, a review, the announcement that lists were published
_NEWS = re.compile(r"向[^。，,；;\n]{1,30}?反馈|反馈了|反馈会|集中反馈|意见反馈|会议反馈|情况反馈|反馈工作|进行了?反馈|"
                   r"作了?反馈|进驻|动员(?:部署)?会|启动|听取[^。；;\n]{0,30}汇报|(?:开始|陆续|集中|向社会)公布")
_RECT = re.compile(r"整改|督查|回访|成果运用|后半篇文章|清零|销号")
# a page that is itself a rule or a plan (关于做好…工作的意见, …实施办法) is no report of the genre
_POLICY_TITLE = re.compile(r"^(?:[^关]{0,30})?关于[^。\n]{2,60}的(?:指导)?(?:意见|办法|规定|实施细则|细则|规则|决定|工作规程|"
                           r"实施方案|工作方案)$|(?:实施办法|暂行办法|工作规程|实施细则)$")


_PURPOSE = re.compile(r"(?:本报讯|[^，,。\n]{0,12}讯)?[ \t\u3000]*(?:[(（][^()（）\n]{0,30}[)）])?[ \t\u3000]*为了?[^，,。；;\n]{2,40}[，,]")


def _lead(text: str, title: Span | None) -> str:
    """The title and the opening of the body (at least 80 characters, to a sentence end), page chrome,
    field lines and a quotation that opens the text (a speaker's words) left out."""
    body_start = title.end if title is not None else 0
    kept = []
    for pos, line in _lines(text):
        if pos < body_start:
            continue
        if is_chrome(line) or _LABEL_RE.search(line) and len(line) < 80:
            continue
        kept.append(line.strip())
        if sum(map(len, kept)) > 400:
            break
    body = "\n".join(kept)
    if body.startswith("“"):
        depth, i = 0, 0
        for i, ch in enumerate(body):
            depth += (ch == "“") - (ch == "”")
            if depth == 0:
                break
        body = body[i + 1:].lstrip("，,…")
    purpose = _PURPOSE.match(body)  # 为推动巡察整改落实，…: the aim, not what the text reports
    if purpose:
        body = body[purpose.end():]
    stop = re.compile(r"[。！？]").search(body, 80)
    return (title.text if title is not None else "") + "\n" + body[:stop.end() if stop else 250]


def classify_genre(text: str, title: Span | None = None) -> str:
    """The report's genre from its title and opening: the kind of activity named first (education
    rectification, audit, inspection), and for an inspection whether the text publishes or follows
    up rectification (inspection-rectification) or reports a round's news — entry, mobilisation,
    feedback, a review, the announcement that others published their rectification
    (inspection-news). A page that names none of them is ``other``.

    >>> classify_genre("根据省委统一部署，省委第一巡视组对某县开展了巡视……现将巡视整改进展情况予以公布")
    'inspection-rectification'
    >>> classify_genre("全市政法队伍教育整顿启动以来……查纠整改")
    'education-rectification'
    >>> classify_genre("关于2021年度审计查出问题整改情况的报告")
    'audit-rectification'
    >>> classify_genre("省委第三巡视组进驻某市，开展为期两个月的巡视")
    'inspection-news'
    >>> classify_genre("6月5日，县委第一巡察组向某镇党委反馈巡察情况，要求抓好巡察整改。")
    'inspection-news'
    >>> classify_genre("县纪委监委到某镇开展巡察反馈问题整改落实情况回访督查。")
    'inspection-rectification'
    >>> t = "关于做好巡察整改情况公开工作的意见\\n为加强巡察整改工作，现提出如下意见。"
    >>> classify_genre(t, Span(0, 17, t[:17]))
    'other'
    """
    head = text[:800]
    lead = _lead(text, title)
    t = title.text if title is not None else ""
    if _POLICY_TITLE.search(t.strip()):
        return "other"
    family = None
    for scope in (lead, head):
        hits = [(m.start(), name) for name, pat in (("education", _EDU), ("audit", _AUDIT), ("inspection", _INSPECT))
                for m in [pat.search(scope)] if m]
        if hits:
            family = min(hits)[1]
            break
    if family == "education":
        return "education-rectification"
    if family == "audit":
        return "audit-rectification" if "整改" in head else "other"
    if family is None:
        return "other"
    if _RECT_TITLE.search(t) or _RECT_OWN.search(head):
        return "inspection-rectification"
    if _NEWS.search(t) or (_INSPECT.search(t) and not _RECT.search(t)):
        return "inspection-news"  # a headline about an inspection that does not name its rectification
    news, rect = _NEWS.search(lead), _RECT.search(lead)
    if rect and (news is None or rect.start() < news.start()):
        return "inspection-rectification"
    return "inspection-news"


@extractor("metadata", requires=["text"], assigns=["meta"])
def extract_metadata(doc: Doc) -> None:
    text = doc.text
    title = _find_title(doc)
    sig_issuer, sig_date = _signature(doc)
    mast_issuer, mast_date = _masthead(doc)
    title_line = ""
    if title is not None:
        end = text.find("\n", title.end)
        title_line = text[title.end:len(text) if end < 0 else end]

    def about_issuer():
        m = _ISSUER_BEFORE_ABOUT.match(title.text) if title is not None else None
        if m and find_organisations(m.group("v")):
            return doc.span(title.start, title.start + m.end("v"))
        return None

    def dateline():
        m = _DATELINE.search(text, 0, min(len(text), 600))
        return doc.span(m.start("v"), m.end("v")) if m and _is_body_name(m.group("v")) else None

    def site_suffix():
        if title is None:
            return None
        m = _SITE_SUFFIX.search(title.text[-1:] + title_line)
        if m and _is_body_name(m.group("v")):
            return doc.span(title.end - 1 + m.start("v"), title.end - 1 + m.end("v"))
        return None

    def closing_outlet():
        tail = max(0, len(text) - 120)
        found = list(_CLOSING_OUTLET.finditer(text, tail))
        return doc.span(found[-1].start("v"), found[-1].end("v")) if found else None

    def producer():
        found = [m for m in _PRODUCER.finditer(text, max(0, len(text) - 200)) if _is_body_name(m.group("v"))]
        return doc.span(found[-1].start("v"), found[-1].end("v")) if found else None

    def reporter_outlet():
        m = _OUTLET.search(text, 0, 400)
        return doc.span(m.start("v"), m.end("v")) if m else None

    issuer = _first(sig_issuer, about_issuer, lambda: _field_issuer(doc), dateline, mast_issuer, site_suffix,
                    closing_outlet, producer, reporter_outlet)

    def title_date():
        m = _TRAILING_DATE.search(title_line) if title is not None else None
        if m:
            ds = find_dates(title_line, m.start("d"), m.end("d"), base=title.end)
            return ds[0] if ds else None
        return None

    def field_date():
        m = _PUBDATE.search(text, 0, 800)
        if m:
            ds = find_dates(text, m.end(), min(len(text), m.end() + 24))
            return ds[0] if ds and ds[0].span.start - m.end() <= 1 else None
        return None

    date = _first(sig_date, title_date, lambda: _meeting_date(doc), field_date,
                  lambda: _timestamp_before_source(doc), mast_date, lambda: _bare_date_line(doc))
    genre = classify_genre(text, title)
    jurisdiction = ""
    candidates = [issuer.text] if issuer else []
    candidates += [o.text for o in organisations_in(text, 0, min(len(text), 800))]
    for c in candidates:
        jurisdiction = place_prefix(c)
        if jurisdiction:
            break
    doc.facts["meta"] = {"title": title, "issuer": issuer, "date": date, "genre": genre,
                         "jurisdiction": jurisdiction}
