"""Surface forms → entities with stable keys scoped by jurisdiction.

Organisation names are reduced to a canonical short form and a scope: ``中共苏州市吴中区委政法委员会``,
``区委政法委`` and ``区委政法委机关`` in a report from 苏州市吴中区 all become
``苏州市吴中区|区委政法委``; the ``区委政法委`` of another district gets another scope, so another
entity. National bodies (中央…, 国务院, 商务部 …) are scoped ``national`` and meet across reports.
Keys depend only on the report itself, never on which other reports are in the run.

>>> org_key("中共苏州市吴中区委政法委员会", "苏州市吴中区")
'苏州市吴中区|区委政法委'
>>> org_key("区委政法委机关", "苏州市吴中区")
'苏州市吴中区|区委政法委'
>>> org_key("市委组织部", "苏州市吴中区"), org_key("商务部", "苏州市吴中区")
('苏州市|市委组织部', 'national|商务部')
>>> org_key("区委政法委", "深圳市龙岗区") != org_key("区委政法委", "苏州市吴中区")
True
"""
from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field

from kg.doc import Doc, Span
from kg.zh import place_levels, place_prefix

_NATIONAL = re.compile(r"^(?:中共中央|党中央|中央|国务院|国家|全国|中办|国办|中纪委|最高人民|新华社|人民日报)|"
                       r"^(?:外交|国防|教育|科学技术|科技|工业和信息化|公安|国家安全|民政|司法|财政|人力资源和社会保障|"
                       r"自然资源|生态环境|住房和城乡建设|交通运输|水利|农业农村|商务|文化和旅游|退役军人事务|应急管理|审计)部$")
# national bodies better known by an abbreviation: both spellings are one entity
NATIONAL_ALIASES = {"中纪委": "中央纪委", "中共中央纪委": "中央纪委", "中央纪律检查委员会": "中央纪委",
                    "中办": "中共中央办公厅", "国办": "国务院办公厅", "中组部": "中央组织部",
                    "中宣部": "中央宣传部", "央视": "中央广播电视总台", "中央电视台": "中央广播电视总台"}
_PRONOUNS = {"我委", "本委", "委机关", "我局", "本局", "我办", "本办", "我部", "本部", "我院", "本院"}


def _levels(place: str) -> dict[str, str]:
    return place_levels(place)


def _shorten(name: str) -> str:
    name = name.replace("纪律检查委员会", "纪委").replace("监察委员会", "监委")
    name = re.sub(r"委员会(?=$|机关|办公室)", "委", name)
    return name


@functools.lru_cache(maxsize=8192)  # a report names the same bodies again and again
def org_key(name: str, jurisdiction: str, fallback_scope: str = "") -> str:
    """The entity key of an organisation name in a report of ``jurisdiction``."""
    n = re.sub(r"\s+", "", name)
    if n.startswith("中共") and not n.startswith("中共中央"):
        n = n[2:]
    if len(n) > 4 and n.endswith("机关"):
        n = n[:-2]
    n = _shorten(NATIONAL_ALIASES.get(n, n))
    if _NATIONAL.match(n) and not place_prefix(n):
        return f"national|{n}"
    j = _levels(jurisdiction) if jurisdiction else {}
    local = jurisdiction or fallback_scope
    place = place_prefix(n)
    if place:
        rel = n[len(place):]
        p = _levels(place)
        last = p.get("county") or p.get("city") or p.get("prov") or place
        if j.get("county") and last == j["county"]:
            return f"{jurisdiction}|{last[-1]}{rel}"
        if j.get("city") and last == j["city"] and not p.get("county"):
            return f"{j.get('prov', '')}{j['city']}|市{rel}"
        if j.get("prov") and last == j["prov"] and not p.get("city"):
            return f"{j['prov']}|省{rel}"
        return f"{place}|{last[-1]}{rel}" if rel else f"{place}|{place}"
    if not n:
        return f"{local}|"
    first = n[0]
    if first == "省" and not n.startswith("省市"):
        scope = j.get("prov") or (f"省({j.get('city') or local})" if local else "省")
    elif first == "市" and not n.startswith(("市场", "市县", "市区")):
        scope = (j.get("prov", "") + j["city"]) if j.get("city") else local
    else:
        scope = local
    return f"{scope}|{n}"


def iri_hash(key: str) -> str:
    """A short stable hash for IRIs.

    >>> iri_hash("national|商务部")
    '4e28248566a00570'
    """
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


@dataclass
class Entity:
    """One thing the report names: every surface form, every mention, and what was learnt of it."""

    kind: str                      # organisation | person | policy | concept
    key: str
    labels: list[str] = field(default_factory=list)
    mentions: list[Span] = field(default_factory=list)
    attrs: dict = field(default_factory=dict)
    _seen: set = field(default_factory=set, repr=False)

    def add(self, label: str | None, span: Span | None) -> None:
        if label and label not in self.labels:
            self.labels.append(label)
        if span is not None and span.text and (span.start, span.end) not in self._seen:
            self._seen.add((span.start, span.end))
            self.mentions.append(span)

    @property
    def pref_label(self) -> str:
        """The longest surface form (the full name), ties broken by first occurrence."""
        return max(self.labels, key=len) if self.labels else ""


@dataclass
class Resolution:
    """The entities of one report and how its mentions map onto them."""

    organisations: dict[str, Entity] = field(default_factory=dict)
    people: dict[str, Entity] = field(default_factory=dict)
    policies: dict[str, Entity] = field(default_factory=dict)
    concepts: dict[str, Entity] = field(default_factory=dict)
    org_of_text: dict[str, str] = field(default_factory=dict)   # surface form → key

    def org(self, name: str) -> str | None:
        return self.org_of_text.get(name)


def policy_key(title: str) -> str:
    """Titles meet across reports when they match after white space and bracket styles are unified."""
    t = re.sub(r"\s+", "", title).replace("〈", "《").replace("〉", "》")
    return t.replace("（", "(").replace("）", ")")


def resolve(doc: Doc) -> Resolution:
    """Group the report's mentions into entities."""
    meta = doc.facts.get("meta", {})
    jur = meta.get("jurisdiction", "")
    fallback = f"report:{doc.sha256[:16]}"
    res = Resolution()

    def add_org(name: str, span: Span | None, key_name: str | None = None) -> str | None:
        if not name or name in _PRONOUNS:
            return None
        key = org_key(key_name or name, jur, fallback)
        ent = res.organisations.setdefault(key, Entity("organisation", key))
        ent.add(name, span)
        res.org_of_text.setdefault(name, key)
        return key

    issuer = meta.get("issuer")
    pronouns = []
    for m in doc.facts.get("organisations", []):
        if m.attrs.get("pronoun"):
            pronouns.append(m.span)
        elif "alias_of" in m.attrs:
            add_org(m.text, m.span, key_name=m.attrs["alias_of"])
        elif "name" in m.attrs:
            add_org(m.attrs["name"], m.span)
        else:
            add_org(m.text, m.span)
    if issuer is not None:
        ik = add_org(issuer.text, issuer)
        # a signature in short form (市委政法委) names the body the opening spelt out in full
        if ik is not None:
            res.organisations[ik].attrs["issuer"] = True
            for sp in pronouns:  # 我委 / 本委 / 委机关: evidence of the issuer, not a name of it
                res.organisations[ik].add(None, sp)
    insp = doc.facts.get("inspection", {})
    for role in ("team", "target"):
        if insp.get(role) is not None:
            add_org(insp[role].text, insp[role])
    alias = insp.get("target_alias")  # …等19个单位: "19个单位" names the same target
    if alias is not None and res.org(insp["target"].text) is not None:
        tk = res.org(insp["target"].text)
        res.organisations[tk].add(alias.text, alias)
        res.org_of_text.setdefault(alias.text, tk)
    # the report answers one inspection: "省委巡视组" without its ordinal is that team
    team = insp.get("team")
    if team is not None:
        generic = re.sub(r"第[一二三四五六七八九十]+(?=巡|督|指|审)|(?<=巡视|巡察)[一二三四五六七八九十]+(?=组)",
                         "", re.sub(r"^[一二三四五六七八九十]+届|第[一二三四五六七八九十]+轮", "", team.text))
        tk = org_key(team.text, jur, fallback)
        gk = org_key(generic, jur, fallback)
        if gk != tk and gk in res.organisations:
            ent = res.organisations.pop(gk)
            for lab in ent.labels:
                res.organisations[tk].add(lab, None)
                res.org_of_text[lab] = tk
            for sp in ent.mentions:
                res.organisations[tk].add(None, sp)
    for meas in doc.facts.get("measures", []):
        for _, span in meas.units:
            add_org(span.text, span)
    for p in doc.facts.get("people", []):
        name = p.attrs.get("name", p.text)  # 戴 谦 spaced out in a byline is 戴谦
        key = f"{jur or fallback}|{name}"
        ent = res.people.setdefault(key, Entity("person", key))
        ent.add(name, p.span)
        if p.attrs.get("post"):
            ent.attrs.setdefault("posts", [])
            if p.attrs["post"] not in ent.attrs["posts"]:
                ent.attrs["posts"].append(p.attrs["post"])
    for pm in doc.facts.get("policies", []):
        key = policy_key(pm.text)
        ent = res.policies.setdefault(key, Entity("policy", key, attrs=dict(pm.attrs)))
        ent.add(pm.text, pm.span)
    for c in doc.facts.get("concepts", []):
        ent = res.concepts.setdefault(c.text, Entity("concept", c.text))
        ent.add(c.text, c.span)
    return res
