"""The inspection a report answers: kind, team, target, period, feedback date, round.

Reads the genre's opening sentence in its usual phrasings — "TEAM于PERIOD对TARGET开展了巡察",
"PERIOD，TEAM对TARGET进行了巡视", "…并于DATE反馈了巡察意见", "DATE，TEAM向X反馈了巡视意见" — and, for
an education rectification (教育整顿), its launch ("自3月1日全市政法队伍教育整顿启动以来").

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="根据县委统一部署，2019年8月5日至9月24日，县委第二巡察组对县民政局开展了巡察，12月30日反馈了巡察意见。")
>>> d.facts["meta"] = {"date": None}
>>> extract_inspection(d)
>>> i = d.facts["inspection"]
>>> i["kind"].text, i["team"].text, i["target"].text, i["start"].iso, i["end"].iso, i["feedback"].iso
('巡察', '县委第二巡察组', '县民政局', '2019-08-05', '2019-09-24', '2019-12-30')
"""
from __future__ import annotations

import re

from kg.doc import Doc
from kg.extractors import extractor
from kg.zh import find_dates

_CN = "[一二三四五六七八九十]"
KIND_WORDS = r"(?:专项巡视|专项巡察|联动巡察|机动巡察|提级巡察|交叉巡察|巡视“回头看”|巡察“回头看”|巡视|巡察|督导|督察|审计|教育整顿)"
TEAM = re.compile(
    rf"(?P<team>(?:{_CN}+届)?(?:中央|省委|市委|区委|县委|州委|旗委|自治区党委|党委|省|市|区|县)?"
    rf"(?:第{_CN}+轮)?(?:第{_CN}+)?(?:巡视|巡察|督导|指导|督察|审计)(?:{_CN}+)?组)")
ROUND = re.compile(rf"(?P<round>(?:{_CN}+\s*届\s*)?(?:中央|省委|市委|区委|县委|州委|党委)\s*第\s*{_CN}+\s*轮)")
_TARGET = re.compile(rf"对(?P<target>[^，,。；;]{{2,40}}?)(?:开展了?|进行了?|实施了?)(?:为期[^，,。]{{1,8}}的)?"
                     rf"(?:常规)?(?P<kind>{KIND_WORDS})")
_FEEDBACK = re.compile(r"反馈(?:了)?(?:巡视|巡察|督导|审计)?(?:意见|问题|情况)")
_EDU = re.compile(r"(?:自|从)?(?P<date>\d{1,2}月\d{1,2}日|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日)?"
                  r"(?P<target>全[市省区县][\u4e00-\u9fff]{0,6}队伍|[\u4e00-\u9fff]{2,10}队伍)?"
                  r"(?P<kind>教育整顿)(?:启动|开展|开始)")


def _default_year(doc: Doc) -> int | None:
    date = doc.facts.get("meta", {}).get("date")
    return int(date.iso[:4]) if date else None


@extractor("inspection", requires=["meta"], assigns=["inspection"])
def extract_inspection(doc: Doc) -> None:
    text = doc.text
    out: dict = {}
    head_end = min(len(text), 1500)
    m = _TARGET.search(text, 0, head_end)
    if m:
        out["kind"] = doc.span(m.start("kind"), m.end("kind"))
        tgt = m.group("target")
        cut = re.search(r"[（(]", tgt)  # 中共某市委政法委员会（以下简称“市委政法委”）
        t_end = m.start("target") + (cut.start() if cut else len(tgt))
        out["target"] = doc.span(m.start("target"), t_end)
        # the opening sentence holds the team and the period
        s_start = max(text.rfind("。", 0, m.start()) + 1, text.rfind("\n", 0, m.start()) + 1)
        s_end = text.find("。", m.end())
        s_end = len(text) if s_end < 0 else s_end
        teams = list(TEAM.finditer(text, s_start, m.start()))
        if teams:
            out["team"] = doc.span(teams[-1].start("team"), teams[-1].end("team"))
        dates = find_dates(text, s_start, m.start(), year=None)
        if not dates or not dates[0].iso:
            dates = find_dates(text, s_start, m.start(), year=_default_year(doc))
        if dates:
            out["start"] = dates[0]
            if len(dates) > 1:
                out["end"] = dates[1]
        # feedback: the date nearest before 反馈…意见 in this or the next sentence
        fb = _FEEDBACK.search(text, m.end(), min(len(text), s_end + 200))
        if fb:
            year = int(out["end"].iso[:4]) if "end" in out else _default_year(doc)
            from_ = m.end()
            fdates = find_dates(text, from_, fb.start(), year=year)
            if "end" in out:
                # a partial month earlier than the period's end rolls over to the next year
                em = int(out["end"].iso[5:7])
                fixed = []
                for d in fdates:
                    if "年" not in d.span.text and int(d.iso[5:7]) < em:
                        from kg.doc import DateValue
                        d = DateValue(f"{int(d.iso[:4]) + 1}{d.iso[4:]}", d.span)
                    fixed.append(d)
                fdates = fixed
            if fdates:
                out["feedback"] = fdates[-1]
    else:
        m = _EDU.search(text, 0, head_end)
        if m:
            out["kind"] = doc.span(m.start("kind"), m.end("kind"))
            if m.group("target"):
                out["target"] = doc.span(m.start("target"), m.end("target"))
            if m.group("date"):
                ds = find_dates(text, m.start("date"), m.end("date"), year=_default_year(doc))
                if ds:
                    out["start"] = ds[0]
        elif doc.facts.get("meta", {}).get("genre") == "education-rectification":
            k = text.find("教育整顿")
            if k >= 0:
                out["kind"] = doc.span(k, k + 4)
    r = ROUND.search(text, 0, head_end)
    if r:
        out["round"] = doc.span(r.start("round"), r.end("round"))
    if out:
        out.setdefault("trigger", m and doc.span(m.start(), m.end()))
    doc.facts["inspection"] = out
