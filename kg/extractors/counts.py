"""Numbers the report states about itself: problems fed back, completed, in progress, measures, rules.

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
# The number: kg.zh.NUM (a run of digits or a run of Chinese numerals) written to open with one
# character class, its first character, then more of the same kind: the regex engine skips ahead
# to such a character instead of trying a pattern that opens with the number at every position.
N = rf"(?P<n>[\d{_CN}](?:(?<=\d)\d*|(?<=[{_CN}])[{_CN}]*))"


def _ending(key: str, head: str, tail: str) -> tuple[str, re.Pattern, re.Pattern]:
    """The pattern ``head + tail`` with its tail alone: every match holds a match of the tail, so a
    text without one (most texts) is not scanned. The tail opens with words, which are found fast;
    a head that may open with an optional word is tried at every position."""
    return key, re.compile(head + tail), re.compile(tail)


# (key, pattern, None or a part that every match of the pattern contains)
PATTERNS: list[tuple[str, re.Pattern, re.Pattern | None]] = [
    _ending("completed", rf"(?:共计?|累计|已有)?{N}\s*[个项条]", r"问题(?:已经?)(?:整改完成|完成整改|整改到位|整改完毕|办结)"),
    ("completed", re.compile(rf"已(?:经)?(?:完成|整改完成|整改到位|办结)(?:问题)?整改(?:问题)?{N}\s*[个项条]"), None),
    ("completed", re.compile(rf"已(?:经)?(?:完成|整改完成|整改到位|办结|整改完毕)(?:的问题)?{N}\s*[个项条]"), None),
    _ending("in_progress", rf"(?:共计?|还有|尚有)?{N}\s*[个项条]", r"问题(?:正在|仍在|尚在)(?:推进)?整改"),
    ("in_progress", re.compile(rf"(?:正在|仍在|尚在)(?:推进)?整改(?:的|中的)?(?:问题)?{N}\s*[个项条]"), None),
    ("in_progress", re.compile(rf"(?:正在|仍在|尚在)(?:推进)?整改(?:的|中的)?问题(?:有)?{N}\s*[个项条]"), None),
    ("problems", re.compile(rf"(?:反馈|指出|发现|交办|梳理)(?:的|了)?(?:[^，,。；;]{{0,14}}[、，,])?{N}\s*[个项条](?:突出|具体|主要)?问题"), None),
    _ending("problems", rf"{N}\s*个", r"(?:突出|具体|主要)问题"),
    ("measures", re.compile(rf"{N}\s*[项条个](?:具体)?整改(?:措施|举措|任务)"), None),
    ("measures", re.compile(rf"整改(?:措施|举措)(?:共)?{N}\s*[项条个]"), None),
    ("rules", re.compile(rf"(?:新建|修订|制定|出台|建立|完善|健全)[^，,。；;]{{0,24}}?{N}\s*[项个份条](?:相关)?(?:工作)?(?:规章)?(?:制度|机制|制度机制|长效机制)"), None),
    ("rules", re.compile(rf"(?:制度机制|长效机制|规章制度|制度)\s*{N}\s*[项个份条]"), None),
]


@extractor("counts", requires=["text"], assigns=["counts"])
def extract_counts(doc: Doc) -> None:
    """The first statement of each count (the opening and summary paragraphs come first)."""
    found: dict[str, tuple[int, object]] = {}
    for key, pat, part in PATTERNS:
        if key in found or (part is not None and not part.search(doc.text)):
            continue
        for m in pat.finditer(doc.text):
            n = cn_to_int(m.group("n"))
            if n is None or n == 0:
                continue
            found[key] = (n, doc.span(m.start(), m.end()))
            break
    doc.facts["counts"] = found
