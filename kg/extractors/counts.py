"""Numbers the report states about itself: problems fed back, completed, in progress, measures, rules.

Each count is the first statement of it in the text (the opening and summary paragraphs come
first), whichever phrasing states it: the number before the noun (``47个问题``, ``已完成整改40个``)
or after it (``发现问题189个``, ``问题共有12项``), 个, 项 or 条, Chinese numerals (``三项不足``),
``30多项制度``. Of ``M个方面N个问题`` the total is N. A number stated after 其中 in its sentence is a
sub-total, never the total of problems, and so is a number counted for one level of bodies (村级…); a number of tasks, clues (线索), units or suggestions is not
a number of problems.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="反馈的4个方面、15项、47个问题，制定118项整改措施；目前已完成整改40个，正在整改7个，新建修订制度12项。")
>>> extract_counts(d)
>>> sorted((k, v) for k, (v, _) in d.facts["counts"].items())
[('completed', 40), ('in_progress', 7), ('measures', 118), ('problems', 47), ('rules', 12)]
"""
from __future__ import annotations

import re

from kg.doc import Doc
from kg.extractors import extractor
from kg.zh import cn_to_int

_CN = "一二两三四五六七八九十百千"
# The number: a run of digits or a run of Chinese numerals, written to open with one character
# class so that the regex engine skips ahead to such a character (most of a text has none).
N = rf"(?P<n>[\d{_CN}](?:(?<=\d)\d*|(?<=[{_CN}])[{_CN}]*))"
U = r"(?:多|余)?\s*[个项条]"          # the unit, after 30多 / 20余
MOD = r"(?:突出|具体|主要|重点)"   # words that qualify the problems counted (重点问题430个; not 共性问题, a share)
DONE = r"(?:整改完成|完成整改|整改到位|整改完毕|办结|销号)"
# a count of problems is never one of clues, suggestions or tasks
NOT_CLUES = r"(?!线索|整改任务|清单)"
# 已完成8个部门单位 counts units, not problems: after the unit comes 问题 or no word
NOT_UNITS = r"(?!(?!问题)[\u4e00-\u9fff])"

DIGIT = rf"[\d{_CN}]"  # the first character of N (and any of its characters)

# (key, pattern, *needs); every pattern has the group "n". ``needs`` are parts that every match of
# a pattern which opens with an optional word or the number holds, where the pattern would be
# tried at every position of the text: a text without one of them is not scanned. (A part that
# opens with a word is searched fastest, so it comes first.)
PATTERNS: list[tuple] = [
    # 共计25个问题已整改完成 (but 315项问题已完成整改288项 states the total, then the completed)
    ("completed", re.compile(rf"(?:共计?|累计|已有|其中)?{N}{U}(?:问题)?(?:已经?|均已){DONE}(?!\s*\d)"),
     re.compile(rf"已经?{DONE}"), re.compile(r"[个项条](?:问题)?均?已")),
    ("completed", re.compile(rf"其中{N}{U}(?:问题)?(?:已经?|均已)整改")),
    # 已完成问题整改22个, 完成整改179项 (with or without 已)
    ("completed", re.compile(rf"(?<![应需要将未计划])(?:已经?)?(?:完成|整改完成|整改到位)(?:问题)?整改(?:问题)?{N}{U}"),
     re.compile(rf"整改(?:问题)?{DIGIT}")),
    ("completed", re.compile(rf"已(?:经)?(?:完成|整改完成|整改到位|整改完毕)(?:的问题)?{N}{U}{NOT_UNITS}")),
    ("completed", re.compile(rf"已(?:经)?办结(?:的)?问题{N}{U}")),
    # 共整改某某问题N个, …，整改问题N个, 已整改N项
    ("completed", re.compile(rf"(?:共|累计|已|(?<=[，,；;：:]))整改[^，,。；;\d]{{0,10}}?问题{N}{U}"),
     re.compile(rf"问题{DIGIT}+{U}")),
    ("completed", re.compile(rf"已(?:经)?整改{N}{U}{NOT_UNITS}")),
    ("in_progress", re.compile(rf"(?:共计?|还有|尚有)?{N}{U}(?:问题)?(?:正在|仍在|尚在)(?:推进)?整改"),
     re.compile(r"在(?:推进)?整改"), re.compile(r"[个项条](?:问题)?[正仍尚]在")),
    ("in_progress", re.compile(rf"(?:正在|仍在|尚在)(?:推进)?整改(?:的|中的)?(?:问题)?(?:有)?{N}{U}")),
    # 需持续推进整改8项 / 8项需要持续推进整改
    ("in_progress", re.compile(rf"(?:需要?)?持续(?:推进)?整改(?:的)?(?:问题)?{N}{U}"),
     re.compile(rf"持续(?:推进)?整改(?:的)?(?:问题)?{DIGIT}")),
    ("in_progress", re.compile(rf"{N}{U}(?:问题)?(?:需要?)持续(?:推进)?整改"),
     re.compile(r"需要?持续(?:推进)?整改")),
    # 反馈的3个方面、12项、36个问题 / 发现的315项问题 / 指出…存在的三项不足
    ("problems", re.compile(rf"(?:反馈|指出|发现|交办|梳理|查出|查摆|存在|反映|提出)(?:的|了)?(?:[^，,。；;]{{0,14}}[、，,])?"
                            rf"[^，,。；;\d{_CN}]{{0,12}}?{N}{U}{MOD}?(?:问题{NOT_CLUES}|不足)")),
    # 12个方面32个问题, 4大类16个方面22个问题, 10个方面27条具体问题, 24个项目的483个问题: the total is
    # the last number
    ("problems", re.compile(rf"(?:方面|大类|大项|项目的?)[、，,]?{N}{U}{MOD}?问题{NOT_CLUES}")),
    ("problems", re.compile(rf"{N}\s*个{MOD}问题{NOT_CLUES}"),
     re.compile(rf"个{MOD}问题")),
    # 共发现问题189个, 审计查出问题共189项, 指出具体问题41个, 问题共有12项, 存在的问题424个, 发现重点问题430个
    # (not 存在问题3个方面: a number of aspects)
    ("problems", re.compile(rf"(?:反馈|指出|发现|交办|梳理|查出|存在)(?:的|了)?{MOD}?问题(?:共计?|合计|总计)?(?:有)?{N}{U}"
                            r"(?!方面|大类|类|领域)")),
    ("problems", re.compile(rf"问题(?:共计?|合计|总计)有{N}{U}")),
    # 共计50项具体问题 (but 共计25个问题已整改完成 counts the completed)
    ("problems", re.compile(rf"(?:共计|总计|合计){N}{U}{MOD}?问题(?!线索|已|正在|仍|尚|均)")),
    # (整改任务 are the items of a plan, not its measures: 12项主要任务, 55项具体整改任务 count nothing here)
    ("measures", re.compile(rf"{N}{U}(?:具体)?整改(?:措施|举措)"),
     re.compile(r"[个项条](?:具体)?整改(?:措施|举措)")),
    ("measures", re.compile(rf"整改(?:措施|举措)(?:共)?{N}{U}")),
    ("rules", re.compile(rf"(?:新建|修订|制定|出台|建立|完善|健全)[^，,。；;]{{0,24}}?{N}(?:多|余)?\s*[项个份条](?:相关)?(?:工作)?(?:规章)?"
                         r"(?:制度|机制|制度机制|长效机制)")),
    ("rules", re.compile(rf"(?:制度机制|长效机制|规章制度|制度)\s*{N}(?:多|余)?\s*[项个份条]")),
]


def _is_subtotal(text: str, pos: int) -> bool:
    """A number after 其中 in its sentence is part of a total stated before it."""
    start = max(text.rfind(c, 0, pos) for c in "。！？!?\n") + 1
    return "其中" in text[start:pos]


_OF_A_LEVEL = re.compile(r"[镇乡村县市区]级(?:反馈|问题|党组织)")


def _of_a_level(text: str, pos: int) -> bool:
    """A number counted for one level of bodies (村级反馈的289个问题, 完成镇级问题整改38个) is that
    level's share, not the report's total."""
    start = max(text.rfind(c, 0, pos) for c in "。！？!?\n，,；;") + 1
    return _OF_A_LEVEL.search(text, start, pos) is not None


@extractor("counts", requires=["text"], assigns=["counts"])
def extract_counts(doc: Doc) -> None:
    """The first statement of each count in the text."""
    text = doc.text
    found: dict[str, tuple[int, int, object]] = {}  # key → (where the number stands, value, span)
    for key, pat, *needs in PATTERNS:
        if not all(part.search(text) for part in needs):
            continue
        for m in pat.finditer(text):
            n = cn_to_int(m.group("n"))
            if n is None or n == 0 or (key == "problems" and _is_subtotal(text, m.start("n"))) \
                    or _of_a_level(text, m.start("n")):
                continue
            if key not in found or m.start("n") < found[key][0]:
                found[key] = (m.start("n"), n, doc.span(m.start(), m.end()))
            break
    doc.facts["counts"] = {k: (n, span) for k, (_, n, span) in found.items()}
