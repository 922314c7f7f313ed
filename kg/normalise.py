"""The only code that changes a report's text. Its output is ``rk:content``; every offset refers to it.

What it does, in order: unify line breaks; drop zero-width and control characters; turn
no-break and ideographic spaces into plain spaces and squeeze runs of spaces; trim each line;
squeeze blank lines; remove pinyin that mirror sites insert after characters (進(jìn)行 → 進行);
turn full-width digits and Latin letters into ASCII; convert traditional characters to simplified
(OpenCC t2s) when the text has any. Chinese punctuation is kept as written.

>>> normalise("  一、整改情况\\r\\n\\r\\n\\r\\n（一）进(jìn)行　整改")[0]
'一、整改情况\\n\\n（一）进行 整改'
>>> normalise("關於黨風廉政建設")
('关于党风廉政建设', True)
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\u2060\ufeff\ufffe]")
_SPACES = re.compile(r"[ \t\xa0\u3000\u2002-\u200a\u202f\u205f]+")
_BLANKS = re.compile(r"\n{3,}")
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
# a parenthesised syllable run right after a CJK character, with at least one tone mark
_PINYIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（]([a-z" + _TONED + r"]*[" + _TONED + r"][a-z" + _TONED +
                     r"]*(?: [a-z" + _TONED + r"]+)*)[)）]")
_TONE_MARK = re.compile("[" + _TONED + "]")  # every pinyin run has one
_FULLWIDTH = {c: c - 0xFEE0 for c in list(range(0xFF10, 0xFF1A)) + list(range(0xFF21, 0xFF3B)) +
              list(range(0xFF41, 0xFF5B))}
_ANY_FULLWIDTH = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]")  # the keys of _FULLWIDTH


@functools.lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    """Characters that OpenCC's t2s table changes (so only texts containing one are converted)."""
    import opencc

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    out = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and parts[0] not in parts[1].split(" "):
            out.add(parts[0])
    return frozenset(out)


@functools.lru_cache(maxsize=1)
def _common_traditional() -> re.Pattern:
    """The traditional characters below U+10000 as one character class: the regex engine tests it
    with a bitmap, far faster than a set test per character (the few astral ones would turn it
    into a list to search)."""
    common = sorted(ch for ch in _traditional_chars() if ch < "\U00010000")
    return re.compile("[" + "".join(map(re.escape, common)) + "]")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


@functools.lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def has_traditional(text: str) -> bool:
    """True when the text holds characters that exist only in the traditional script.

    >>> has_traditional("巡视整改"), has_traditional("巡視整改")
    (False, True)
    """
    if _common_traditional().search(text):
        return True
    trad = _traditional_chars()
    return any(ch in trad for ch in _ASTRAL.findall(text))


# variant forms of traditional characters that OpenCC's t2s leaves as they are (陜西 stays 陜西)
_VARIANTS = str.maketrans({"陜": "陕", "擡": "抬", "竝": "并", "粧": "妆"})


def to_simplified(text: str) -> str:
    """Convert traditional characters to simplified with OpenCC's t2s (phrases, then characters),
    and the few variant forms it leaves.

    >>> to_simplified("陜西分公司黨委")
    '陕西分公司党委'
    """
    return _t2s().convert(text).translate(_VARIANTS)


def normalise(text: str) -> tuple[str, bool]:
    """Return the normalised text and whether traditional characters were converted."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANKS.sub("\n\n", text).strip("\n")
    if _TONE_MARK.search(text):
        text = _PINYIN.sub("", text)
    if _ANY_FULLWIDTH.search(text):  # translate() is slow on a long text: only when it changes it
        text = text.translate(_FULLWIDTH)
    converted = False
    if has_traditional(text):
        text = to_simplified(text)
        converted = True
    return text, converted
