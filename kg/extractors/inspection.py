"""The inspection a report answers: kind, team, target, period, feedback date, round.

The genre states them in a few kinds of sentence, in any order: the opening sentence
("TEAM于PERIOD对TARGET开展了巡察"), the feedback ("DATE，TEAM向TARGET反馈了巡察情况", "召开…反馈会"), the
entry ("TEAM进驻TARGET"), a round's list of targets ("巡察对象包括…"), a supervision visit
("对TARGET的巡察整改工作开展专项督查"). Each fact is taken from the first sentence that states it.
An audit rectification (审计) names the audited object ("20XX年度…预算执行和其他财政收支") and the
audit office only where the text says it did the audit; an education rectification (教育整顿) names
the force or the court or procuratorate it concerns.

Dates: a month without its day is ``YYYY-MM``; a date without its year takes the year of the
inspection's dates (a feedback month before the end month is the next year) or of the report, and
is left out when neither is known.

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
from collections import Counter

from kg.doc import DateValue, Doc, Span
from kg.extractors import extractor, matches_in_runs
from kg.extractors.organisations import find_organisations, organisations_in, shared_organisations
from kg.zh import find_dates, place_at, place_prefix

_CN = "[一二三四五六七八九十]"
_N = r"(?:\d+|[一二两三四五六七八九十]+)"
# The kind as the genre qualifies it (专项巡察, 提级巡察, 巡视“回头看”); 常规/集中/政治 … are no kinds.
_MODE = r"(?:上下联动|市县联动|县乡联动|联动|专项|提级|交叉|机动|延伸)"
_KIND = rf"(?:{_MODE}?(?:巡视|巡察)(?:“回头看”)?|督导|审计|教育整顿)"
_MODS = r"(?:为期[^，,。；]{1,10}的)?(?:第" + _CN + r"+轮)?(?:常规|集中|政治|现场|驻点|全面|专题)*"
# The team: a level or the committee that sends it, counts and ordinals, a mode word (a 届次 before
# it is the committee's term, not part of the team's name).
_LEVELS = r"(?:中央|省委|市委|区委|县委|州委|旗委|盟委|自治区党委|校党委|院党委|党委|党组|委党组|省|市|区|县)"
TEAM = re.compile(
    rf"(?:{_N}个)?{_LEVELS}?(?:{_N}个)?(?:第{_CN}+轮)?(?:第{_CN}+(?:、第?{_CN}+)*)?"
    rf"{_MODE}{{0,2}}(?:巡视|巡察)(?:{_CN}+)?组")
_TEAM_WORD = re.compile("巡视|巡察")


def _in_team(ch: str) -> bool:
    """Whether ``ch`` can be part of a TEAM match: a Chinese character, a digit or 、."""
    return "\u4e00" <= ch <= "\u9fff" or ch.isdecimal() or ch == "、"


_GENERIC_TEAM = re.compile(r"^(?:巡视|巡察)(?:" + _CN + r"+)?组$")  # a bare 巡察组 names no team
ROUND = re.compile(
    rf"(?P<round>(?:第?{_CN}+\s*届\s*)?(?:[\u4e00-\u9fff]{{0,6}}?(?:中央|省委|市委|区委|县委|州委|旗委|校党委|镇党委|"
    rf"乡党委|自治区党委|党委|党组))?\s*(?:第\s*{_CN}+\s*[轮批]|首[轮批])(?:第{_CN}+批|首批)?)"
    rf"(?=[^，,。；;]{{0,12}}?(?:巡视|巡察))")
_ROUND_WORD = re.compile("[轮批]")
_ROUND_LOOKS_AHEAD = 14  # ROUND's look-ahead reads at most 12 characters and 巡视/巡察 past a match
_ROUND_NUMBER = re.compile(rf"(?:{_CN}+届)?.*?(?:第({_CN}+)|(首))[轮批]")
_ROUND_TERM = re.compile(rf"第?{_CN}+\s*届")
_ROUND_LEVEL = re.compile(r"中央|省委|市委|区委|县委|州委|旗委|校党委|镇党委|乡党委|自治区党委|党委|党组|第|首")
# the opening sentence: 对TARGET开展了（为期…的）KIND
_HEADER = re.compile(
    rf"(?<![针面相绝核应])对(?P<target>[^。；;！？\n对]{{2,200}}?)(?:开展|进行|实施)了?{_MODS}(?P<kind>{_KIND})"
    r"(?!整改|反馈|工作领导|办|组)")
# the feedback: TEAM向TARGET反馈…情况/意见 (向 not ending a word: 导向, 方向), …反馈了对TARGET的巡察情况,
# 召开…反馈会
_FEEDBACK_TO = re.compile(
    rf"(?<![导方去趋面偏意动倾志转走风指朝流取定投纵横双单一])向(?P<target>[^。；;！？\n]{{2,120}}?)(?:就(?P<topic>[^，,。；;]{{0,24}}?))?(?:集中|现场|分别|进行了?|作了?)*"
    rf"反馈(?:了)?(?:[^，,。；;]{{0,16}}?(?:情况|意见|问题)|(?=[。；;，,]|$))")
_FEEDBACK_OF = re.compile(rf"反馈了?对(?P<target>[^，,。；;]{{2,40}}?)的[^，,。；;]{{0,10}}?(?:巡视|巡察)[^，,。；;]{{0,6}}?情况")
_FEEDBACK_EVENT = re.compile(r"反馈了|(?:进行|开展)了?(?:现场|集中|会议)?反馈|集中反馈|公布了?反馈情况|"
                             r"反馈(?:巡视|巡察)?(?:意见|情况)(?=[，,。；;]|$)")
_FEEDBACK_MEETING = re.compile(r"反馈(?:会议?|工作会)")
_MEETING_HELD = re.compile(r"召开|举行")
_FEEDBACK_CONTEXT = re.compile(r"反馈会议?上")
# a team at work: …开展巡察, 完成进驻; the launch of a round: 正式启动第三轮巡察
_ACTING = re.compile(r"(?:开展|进行|进驻|入驻)[^。；;]{0,8}?(?:巡视|巡察)|进驻|入驻")
_LAUNCHED = rf"(?:启动|开始)了?(?:第{_CN}+轮)?[^，,。；;]{{0,6}}?(?:巡视|巡察)"
_LAUNCH = re.compile(rf"正式{_LAUNCHED}|{_LAUNCHED}")  # ((?:正式)?…, so that the engine skips ahead)
# the kind a feedback sentence names (…巡察“回头看”情况, 专项巡察情况反馈了意见), not 巡察组, 巡察办, 巡察整改
_FEEDBACK_KIND = re.compile(rf"{_MODE}?(?:巡视|巡察)(?:“回头看”)?(?=[^，,。；;]{{0,4}}?(?:反馈|情况|意见))"
                            r"(?!组|办|整改|工作领导|[一二三四五六七八九十]组)")
_MEETING_TARGET = re.compile(r"召开(?:巡视|巡察)(?P<target>[^，,。；;！？\n]{2,40}?)(?:的)?情况反馈会")
# the mobilisation meeting that opens an inspection: TEAM（对）提级巡察TARGET工作动员会
_MOBILISATION = re.compile(
    rf"对?(?:开展)?(?P<kind>{_MODE}{{0,2}}(?:巡视|巡察)(?:“回头看”)?)(?![一二三四五六七八九十]?组|办|工作)"
    r"(?P<target>[^，,。；;]{2,40}?)"
    r"(?:工作)?(?:动员|见面)(?:部署)?(?:大会|会)")
_MOBILISATION_WORDS = ("动员", "见面")  # one of which every _MOBILISATION match holds


def _holds_one(text: str, s: int, e: int, words) -> bool:
    """Whether ``text[s:e]`` holds one of ``words`` (a sentence without them is not scanned)."""
    return any(text.find(w, s, e) >= 0 for w in words)


# the entry: TEAM进驻TARGET
_ENTRY = re.compile(r"(?:进驻|入驻)(?P<target>[^，,。；;！？\n]{2,40}?)(?=[，,。；;]|开展|进行|召开|$)")
# a town, a street or a village the gazetteer does not hold still reads as a place (进驻某某镇)
_PLACE_NAME = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:镇|乡|街道|村|社区)$")
# the round's work done on its targets: 完成对TARGET的进驻和动员工作, 已完成对TARGET的现场巡察
_COMPLETED_ON = re.compile(r"完成(?:了)?对(?P<target>[^。；;！？\n]{2,120}?)的(?:集中)?(?:进驻|现场巡察|巡察|巡视)")
# a team that helps another is its partner, not the team: 配合省委巡视组对…开展了联动巡察
_PARTNER = re.compile(r"(?:配合|协助|会同|联合|陪同)$")
_PERIOD = re.compile(r"(?:巡视|巡察)期间[(（](?P<period>[^()（）]{6,40})[)）]")
# a round's targets: 巡察对象包括…
_OBJECTS = re.compile(r"(?:巡视|巡察)对象(?:包括|为|是)(?P<target>[^。；;！？\n]{2,200}?)(?=[。；;！？\n]|$)")
# a supervision visit of the rectification: 对…的巡察整改工作开展（专项）督查
_SUPERVISION = re.compile(
    r"(?<![针面相绝核应])对(?P<target>[^。；;！？\n对]{2,120}?)(?:的)?(?:(?:开展|进行)了?)?(?P<kind>巡视|巡察)(?:反馈问题)?"
    r"整改(?:落实)?(?:工作|情况)?(?:(?:开展|进行)了?)?(?:专项|回访)?(?:督查|督察|督促检查|检查|回访)")
# …对该镇党委N个问题的整改情况进行了全面检查: the body whose rectification the visit checked
_CHECKED = re.compile(r"对(?:该|本)?(?P<rest>[^。；;]{2,80}?)的?整改(?:落实)?情况(?:进行|开展)了?[^。；;，,]{0,8}?"
                      r"(?:检查|督查|梳理|核查|验收)")
_VISIT = re.compile(r"(?P<kind>巡视|巡察)[^。；;]{0,16}?整改[^。；;]{0,12}?(?:督查|督察|回访)")
_CLASS_TARGET = re.compile(r"(?:各|\d+个|[一二两三四五六七八九十]+个)?被(?:巡视|巡察)(?:党组织|单位|地方)(?:和单位)?")
# a target that runs on into what the inspection looked at: 对某镇党委落实脱贫攻坚开展了专项巡察
_TOPIC = re.compile(r"落实|贯彻|执行|推进|开展|履行|就")
# a list of targets summed up: A、B、C等19个单位
_SUMMED = re.compile(rf"等(?P<n>{_N}个[\u4e00-\u9fff（）()、]{{1,16}})$")
# 以下简称 after a full name is no part of it
_ABBREV = re.compile(r"[（(](?:以下简称|下称|简称)")
_PEOPLE_OF = re.compile(r"的?(?:主要负责人|领导班子|班子成员|负责同志|一把手)")
_SENTENCE_END = re.compile(r"[。！？；;\n]")
_ABOUT_INSPECTION = re.compile(r"巡|反馈|进驻|督|整改")  # a sentence without these states nothing here
_TEAM_NAME = re.compile(r"(?:巡视|巡察)" + _CN + "?组$")

# Audit rectification: the audited object (a title broken over lines still names one object), and
# the office where the text says it did the audit.
_AUDIT_OBJECT = re.compile(
    r"(?P<object>(?:\d{4}年度?|年度)?[\u4e00-\u9fff]{0,6}?(?:预算执行|财政收支|决算|经济责任|财务收支)"
    r"(?:[\u4e00-\u9fff]|\n(?=[\u4e00-\u9fff])){0,14}?)(?:的)?审计(?:查出|发现)?(?:的)?(?:问题|整改|工作报告)")
_AUDIT_TEAM = re.compile(
    r"(?P<team>[\u4e00-\u9fff]{2,16}?)(?:依法)?(?:审计了(?P<audited>[^，,。；;]{2,40}?)(?:的?情况)?(?=[，,。；;]|$)|"
    r"对(?P<target>[^，,。；;]{2,20}?)(?:开展|进行)(?:了|的)|"
    r"审计(?:出|发现)的|到(?P<place>[\u4e00-\u9fff]{2,10}?)开展审计)")
# Education rectification: the force (全市政法队伍) or the court or procuratorate it concerns.
_FORCE = re.compile(r"(?P<target>全[省市区县州][\u4e00-\u9fff]{0,6}?队伍)(?=教育整顿)")
_COURT = re.compile(r"(?:人民法院|人民检察院|法院|检察院|中院)")
_SUPERVISORS = re.compile(r"督导组|指导组|上级|各级|领导小组|办公室|驻|纪检监察组")
_PILOT = re.compile(r"(?P<target>[^，,。；;]{2,60}?)作为试点(?:单位|地区)?[，,]?(?:于(?P<when>[^，,。；;]{2,20}?))?开展试点")
_EDU_START = re.compile(r"(?:自|从)(?P<date>[^，,。；;]{3,14}?)[\u4e00-\u9fff]{0,12}?教育整顿(?:启动|开展|开始)")


def _report_year(doc: Doc) -> int | None:
    """The year partial dates take when nothing nearer gives one: the report's own date, or a
    timestamp at the top of the page (2020年07月09日09:06)."""
    date = doc.facts.get("meta", {}).get("date")
    if date is not None:
        return int(date.iso[:4])
    m = re.search(r"((?:19|20)\d{2})\s*[年/-]\s*\d{1,2}\s*[月/-]\s*\d{1,2}\s*日?\s*\d{1,2}:\d{2}", doc.text[:300])
    return int(m.group(1)) if m else None


def _sentences(text: str, end: int):
    """(start, end) of each sentence in ``text[:end]``."""
    pos = 0
    for m in _SENTENCE_END.finditer(text, 0, end):
        if m.start() > pos:
            yield pos, m.start()
        pos = m.end()
    if pos < end:
        yield pos, end


def _teams(doc: Doc, s: int, e: int, orgs: list) -> list[Span]:
    """The inspection teams named in ``text[s:e]``: the team grammar (省委11个巡视组, 市委第一、第二
    巡察组, 县委上下联动巡察组) and the organisation names ``orgs`` that end in a team (扶贫领域专项巡察组)."""
    text = doc.text
    # (TEAM opens with optional parts; a team is written in a run of Chinese characters, digits
    # and 、 around its 巡视/巡察, and only such runs are scanned)
    found = [(m.start(), m.end()) for m in matches_in_runs(TEAM, _TEAM_WORD, _in_team, text, s, e)]
    found += [(o.span.start, o.span.end) for o in orgs if s <= o.span.start and o.span.end <= e]
    out: list[Span] = []
    for a, b in sorted(found, key=lambda t: (t[0], -t[1])):
        if out and a < out[-1].end:
            continue  # the longer of two overlapping readings
        name = text[a:b]
        if _GENERIC_TEAM.match(name) or text[a - 1:a] in ("各", "该") or text[a - 2:a] == "本轮":
            continue
        out.append(doc.span(a, b))
    return out


def _target(doc: Doc, s: int, e: int) -> Span | None:
    """A target as written, without a 以下简称 after it, its people (…主要负责人和领导班子) or the task
    it ran on into."""
    text = doc.text
    cut = _ABBREV.search(text, s, e) or _PEOPLE_OF.search(text, s, e)
    if cut:
        e = cut.start()
    of_round = re.compile(r"(?:巡视|巡察)的").search(text, s, e)  # 向十五届县委第六轮巡察的某镇党委…
    if of_round:
        s = of_round.end()
    orgs = find_organisations(text, s, e)
    if orgs and orgs[0].span.start == s and _TOPIC.match(text, orgs[0].span.end) and orgs[0].span.end < e:
        e = orgs[0].span.end  # 某镇党委|落实脱贫攻坚
    span = doc.span(s, e)
    return span if len(span.text) >= 2 else None


def _summed(doc: Doc, target: Span) -> Span | None:
    """The summing phrase of a listed target (…等19个单位 → 19个单位), another name of it."""
    m = _SUMMED.search(target.text)
    return doc.span(target.start + m.start("n"), target.start + m.end("n")) if m else None


def _kind_from_team(doc: Doc, team: Span) -> Span | None:
    """The qualified kind a team's name carries: 县委上下联动巡察组 → 上下联动巡察."""
    m = re.search(rf"{_MODE}{{1,2}}(?:巡视|巡察)", team.text)
    return doc.span(team.start + m.start(), team.start + m.end()) if m else None


def _base(kind: str) -> str:
    m = re.search(r"巡视|巡察|督导|审计|教育整顿", kind)
    return m.group() if m else kind


def _dates(doc: Doc, s: int, e: int, year: int | None) -> list[DateValue]:
    return find_dates(doc.text, s, e, year=year, months=True)


def _later(d: DateValue, after: DateValue | None) -> DateValue:
    """A date read without its year, moved to the next year when it would fall before ``after``."""
    if after is None or re.search(r"(?:19|20)\d{2}", d.span.text) or d.iso >= after.iso[:len(d.iso)]:
        return d
    return DateValue(f"{int(d.iso[:4]) + 1}{d.iso[4:]}", d.span)


def _round_span(doc: Doc, m: re.Match) -> Span:
    """A round as written from its 届次 (and the place after it: 十二届某市委第七轮), or else from the
    body whose round it is (集团党委第七轮, 县委第十一轮, 第二轮): the words the pattern let in before
    it are not part of it."""
    text = doc.text
    term = _ROUND_TERM.search(text, m.start("round"), m.end("round"))
    if term:
        return doc.span(term.start(), m.end("round"))
    level = _ROUND_LEVEL.search(text, m.start("round"), m.end("round"))
    body = [o for o in shared_organisations(text) if o.span.end == level.end() and o.span.start >= m.start("round")]
    return doc.span(body[0].span.start if body else level.start(), m.end("round"))


def _in_round(ch: str) -> bool:
    """Whether ``ch`` can be part of a round as ROUND reads one: a Chinese character or a space."""
    return "\u4e00" <= ch <= "\u9fff" or ch.isspace()


def _round_matches(text: str, end: int):
    """``ROUND.finditer(text, 0, end)``. ROUND opens with optional parts, so it would be tried at
    every position; but a round is written in Chinese characters and spaces only and holds a 轮
    or 批, so only the runs of such characters around one are scanned."""
    return matches_in_runs(ROUND, _ROUND_WORD, _in_round, text, 0, end, _ROUND_LOOKS_AHEAD)


def _round(doc: Doc, head_end: int, team: Span | None = None) -> Span | None:
    """The round: the first one the text names, unless it names rounds of several inspections
    (九届…第三批 and 十届…第一轮) — of which the round of the team's own committee is taken when the
    team names it (省委第二轮巡视… and 市委第四轮巡察 with 市委第四巡察组) — or the round belongs to
    another inspection listed before it (交叉巡察和八届市委第十三轮巡察)."""
    text = doc.text
    rounds = [_round_span(doc, m) for m in _round_matches(text, head_end)]
    if not rounds:
        return None

    def numbers_of(rs):
        out = set()
        for r in rs:
            n = _ROUND_NUMBER.match("".join(r.text.split()))
            out.add(("一" if n.group(2) else n.group(1)) if n else r.text)
        return out

    if len(numbers_of(rounds)) > 1 and team is not None:
        level = _ROUND_LEVEL.match(team.text)
        if level and level.group() not in ("第", "首"):
            own = [r for r in rounds if level.group() in r.text]
            if own and len(numbers_of(own)) == 1 and len(own) < len(rounds):
                rounds = own
    if len(numbers_of(rounds)) > 1:
        return None
    first = rounds[0]
    if re.search(rf"{_KIND}(?:和|及|、)$", text[max(0, first.start - 8):first.start]):
        return None
    return max(rounds, key=lambda r: len(r.text))  # the fullest way the text writes it


@extractor("inspection", requires=["meta"], assigns=["inspection"])
def extract_inspection(doc: Doc) -> None:
    genre = doc.facts.get("meta", {}).get("genre")
    if genre == "audit-rectification":
        out = _audit(doc)
    elif genre == "education-rectification":
        out = _education(doc)
    elif genre == "other":
        out = {}  # a page that only mentions inspections reports on none
    else:
        out = _inspection(doc)
    doc.facts["inspection"] = {k: v for k, v in out.items() if v is not None}


def _inspection(doc: Doc) -> dict:
    text = doc.text
    head_end = min(len(text), 2500)
    orgs = [o for o in shared_organisations(text) if o.span.end <= head_end]
    team_orgs = [o for o in orgs if _TEAM_NAME.search(o.text)]
    party_orgs = [o for o in orgs if o.text.endswith(("党委", "党组"))]
    year = _report_year(doc)
    out: dict = {}

    def put(key, value):
        """Keep the first statement of each fact; ``value`` is worked out only when it is needed."""
        if key not in out:
            value = value() if callable(value) else value
            if value is not None:
                out[key] = value

    header = None
    feedback_at: list[tuple[int, int]] = []  # (from, to) where a feedback sentence gives its date
    subjects = []  # bodies that did the inspecting themselves (学校党委于…对…开展了巡察)
    supervision = False
    for s, e in _sentences(text, head_end):
        if not _ABOUT_INSPECTION.search(text, s, e):
            continue
        teams = _teams(doc, s, e, team_orgs)
        h = _HEADER.search(text, s, e)
        if h and _base(h.group("kind")) in ("巡视", "巡察", "督导"):
            if header is None:
                header = h
            before = [t_ for t_ in teams if t_.end <= h.start()]
            own = [t_ for t_ in before if not _PARTNER.search(text, max(0, t_.start - 2), t_.start)]
            put("team", (own or before)[-1] if before else None)
            put("target", lambda: _target(doc, h.start("target"), h.end("target")))
            put("kind", doc.span(h.start("kind"), h.end("kind")))
            if not before:
                subj = [o for o in party_orgs if s <= o.span.start and o.span.end <= h.start()
                        and not text[o.span.start - 2:o.span.start] == "根据"]
                if subj and re.match(r"\s*(?:于|在|从|自|[，,])", text[subj[-1].span.end:h.start()]) is not None:
                    subjects.append(subj[-1].span)
            if "start" not in out:
                ds = _dates(doc, s, h.start(), year)
                if ds:
                    out["start"] = ds[0]
                    if len(ds) > 1:
                        out["end"] = ds[1]
            continued = _FEEDBACK_EVENT.search(text, h.end(), e)
            if continued:  # …，并于6月16日反馈了巡察意见 in the same sentence
                feedback_at.append((h.end(), continued.start()))
            continue
        ends = {t_.end for t_ in teams}
        mob = next((m_ for m_ in _MOBILISATION.finditer(text, s, e) if m_.start() in ends), None) \
            if _holds_one(text, s, e, _MOBILISATION_WORDS) else None
        if mob:
            put("team", next(t_ for t_ in teams if t_.end == mob.start()))
            put("kind", doc.span(mob.start("kind"), mob.end("kind")))
            put("target", lambda: _target(doc, mob.start("target"), mob.end("target")))
            if "start" not in out:
                ds = _dates(doc, s, mob.start(), year)
                if ds:
                    out["start"] = ds[0]
            continue
        about_a_visit = header is None and "team" not in out and "target" not in out
        sv = _SUPERVISION.search(text, s, e) if about_a_visit else None
        if sv:
            supervision = True
            tgt = sv.group("target")
            cut = tgt.rfind("的")
            put("target", lambda: _target(doc, sv.start("target") + cut + 1, sv.end("target")))
            put("kind", doc.span(sv.start("kind"), sv.end("kind")))
            continue
        ch = _CHECKED.search(text, s, e) if supervision and "target" not in out else None
        if ch:
            body = find_organisations(text, ch.start("rest"), ch.end("rest"))
            if body and body[0].span.start == ch.start("rest"):
                put("target", body[0].span)
        v = _VISIT.search(text, s, e) if about_a_visit else None
        if v:
            supervision = True
            put("kind", doc.span(v.start("kind"), v.end("kind")))
            continue
        event = _FEEDBACK_EVENT.search(text, s, e)
        meeting = _FEEDBACK_MEETING.search(text, s, e)
        if meeting and not _MEETING_HELD.search(text, s, e):
            meeting = None
        to = _FEEDBACK_TO.search(text, s, e)
        of = _FEEDBACK_OF.search(text, s, e)
        entry = _ENTRY.search(text, s, e)
        objects = _OBJECTS.search(text, s, e)
        if to or of or event or meeting:
            at = (to or of or event or meeting).start()
            put("team", next((t_ for t_ in teams if t_.end <= at), None))
            kw = _FEEDBACK_KIND.search(text, s, e)
            if kw:
                put("kind", doc.span(kw.start(), kw.end()))
            if to and not _CLASS_TARGET.fullmatch(_PEOPLE_OF.split(to.group("target"))[0]):  # (被巡视党组织: below)
                put("target", lambda: _target(doc, to.start("target"), to.end("target")))
            elif of:
                put("target", lambda: _target(doc, of.start("target"), of.end("target")))
            if meeting:
                mt = _MEETING_TARGET.search(text, s, e)
                if mt:
                    put("target", lambda: _target(doc, mt.start("target"), mt.end("target")))
            feedback_at.append((s, at))
            if teams or to or of:
                continue
        done = _COMPLETED_ON.search(text, s, e)
        if done and any(t_.end <= done.start() for t_ in teams):
            put("team", [t_ for t_ in teams if t_.end <= done.start()][-1])
            put("target", lambda: _target(doc, done.start("target"), done.end("target")))
        if entry and any(t_.end <= entry.start() for t_ in teams):
            put("team", [t_ for t_ in teams if t_.end <= entry.start()][-1])
            # (进驻一个多月以来 names no target: it must read as a body or a place)
            if find_organisations(text, entry.start("target"), entry.end("target")) \
                    or place_at(text, entry.start("target")) or _PLACE_NAME.fullmatch(entry.group("target")):
                put("target", lambda: _target(doc, entry.start("target"), entry.end("target")))
                if "start" not in out:
                    ds = _dates(doc, s, entry.start(), year)
                    if ds:
                        out["start"] = ds[0]
                continue
        if objects:
            put("target", lambda: _target(doc, objects.start("target"), objects.end("target")))
        if teams and (_FEEDBACK_CONTEXT.search(text, s, e) or _ACTING.search(text, s, e)):
            put("team", teams[0])
        launch = _LAUNCH.search(text, s, e)
        if launch and "start" not in out and header is None:  # DATE，县委正式启动第三轮巡察
            ds = _dates(doc, s, launch.start(), year)
            if ds:
                out["start"] = ds[0]
    if supervision:  # a supervision visit names the inspection rectified, not its team or dates
        out.pop("team", None)
        out.pop("start", None)
        out.pop("end", None)
        feedback_at = []
    elif "team" not in out and subjects:
        out["team"] = subjects[0]  # the commissioning body, where no team is named (学校党委)
    if "start" in out and "end" not in out:
        p = _PERIOD.search(text, 0, head_end)  # 巡察期间(2020年8月20日至2020年10月20日)
        if p:
            ds = _dates(doc, p.start("period"), p.end("period"), year)
            if len(ds) == 2 and ds[0].iso == out["start"].iso:
                out["end"] = ds[1]
    # the feedback date: the first feedback sentence that gives one, its year from the inspection
    after = out.get("end") or out.get("start")
    base = int(after.iso[:4]) if after is not None else year
    for a, b in sorted(feedback_at):
        ds = _dates(doc, a, b, base)
        if ds:
            out["feedback"] = _later(ds[0], after)
            break
    # a feedback or a header without its target: the class of bodies the round inspected
    if "target" not in out and (header is not None or feedback_at or "team" in out):
        c = _CLASS_TARGET.search(text, 0, head_end)
        if c:
            out["target"] = doc.span(c.start(), c.end())
    if not supervision and (out.get("kind") is None or _base(out["kind"].text) in ("巡视", "巡察")):
        out["round"] = _round(doc, head_end, out.get("team"))
    if "kind" not in out and out.get("round") is not None:  # 十五届某镇党委第一轮巡察
        k = re.compile(r"巡视|巡察").search(text, out["round"].end)
        out["kind"] = doc.span(k.start(), k.end())
    if "kind" not in out:
        out["kind"] = _frequent_kind(doc, head_end)
    if out.get("kind") is not None and "team" in out and _base(out["kind"].text) == out["kind"].text:
        out["kind"] = _kind_from_team(doc, out["team"]) or out["kind"]
    if "target" in out:
        out["target_alias"] = _summed(doc, out["target"])
    out["trigger"] = doc.span(header.start(), header.end()) if header is not None else None
    return out


def _frequent_kind(doc: Doc, head_end: int) -> Span | None:
    """Where no sentence states the inspection, its kind is the word the text uses most
    (at least twice): the kind of a rectification practice or a round's summary."""
    words = list(re.finditer(r"巡视|巡察|审计|教育整顿", doc.text))
    counts = Counter(m.group() for m in words)
    if not counts:
        return None
    word, n = counts.most_common(1)[0]
    if n < 2:
        return None
    m = next(m for m in words if m.group() == word)
    return doc.span(m.start(), m.end())


def _audit(doc: Doc) -> dict:
    """The audit: its object (the target), its kind (审计, 绩效审计 …), its team where stated."""
    text = doc.text
    head_end = min(len(text), 2500)
    out: dict = {}
    obj = _AUDIT_OBJECT.search(text, 0, head_end)
    if obj:
        s, e = obj.start("object"), obj.end("object")
        y = re.search(r"\d{4}年", text[s:e])
        if y:  # from the year on, with the place written before it (某区2021年度区级预算执行…)
            s = s + y.start()
            place = next((p for p in range(max(0, s - 12), s) if place_prefix(text[p:s]) == text[p:s]), None)
        else:  # from the level on (省级预算执行…): a 年度 whose year the page lost is left out
            lv = re.search(r"[省市区县]级|本级", text[s:e])
            s, place = (s + lv.start() if lv else s), None
        if re.search(r"绩效$", text[s:e]):
            out["kind"] = doc.span(e - 2, e + 2)  # 2022年度绩效审计: the object is the kind's
        else:
            out["target"] = doc.span(place if place is not None else s, e)
            if place is not None:
                out["target_alias"] = doc.span(s, e)
    if "kind" not in out:
        k = re.search(r"(?:绩效|经济责任|专项)?审计", text[:head_end])
        if k:
            out["kind"] = doc.span(k.start(), k.end())
    orgs = organisations_in(text, 0, head_end)
    for m in _AUDIT_TEAM.finditer(text, 0, head_end):
        team = [o for o in orgs if o.span.end == m.end("team") and o.span.start >= m.start()
                and re.search(r"审计|委|厅|局|署|组", o.text)]
        if not team or out.get("team", team[-1].span).text != team[-1].text:
            continue  # (one office: later sentences may name what it audited)
        out.setdefault("team", team[-1].span)
        if m.group("audited") and "target" not in out:
            out["target"] = doc.span(m.start("audited"), m.end("audited"))
        if m.group("target") and "target" not in out:
            out["target"] = doc.span(m.start("target"), m.end("target"))
        if m.group("place") and "target" not in out:
            out["target"] = _full_place(doc, m.start("place"), m.end("place"))
    return out


def _full_place(doc: Doc, s: int, e: int) -> Span:
    """A town named short (某镇) as the text names it in full elsewhere (某县某镇), else as it stands."""
    text = doc.text
    name = text[s:e]
    for m in re.finditer(re.escape(name), text):
        for k in range(2, 7):
            if m.start() - k >= 0 and place_prefix(text[m.start() - k:m.start()]) == text[m.start() - k:m.start()]:
                return doc.span(m.start() - k, m.end())
    return doc.span(s, e)


def _education(doc: Doc) -> dict:
    """The campaign (教育整顿), the force or unit it concerns, and its start where stated."""
    text = doc.text
    head_end = min(len(text), 1500)
    out: dict = {}
    k = text.find("教育整顿")
    if k >= 0:
        out["kind"] = doc.span(k, k + 4)
    force = _FORCE.search(text, 0, min(len(text), 400))  # (in the opening: later ones are mentions)
    if force:
        out["target"] = doc.span(force.start("target"), force.end("target"))
    else:
        for o in organisations_in(text, 0, min(len(text), 400)):
            c = _COURT.search(o.text)
            if c and not _SUPERVISORS.search(o.text):
                name = o.text[:c.end()]
                if len(name) > 2 and not re.match(r"(?:上级|各|全)", name):
                    out["target"] = doc.span(o.span.start, o.span.start + c.end())
                    break
    pilot = _PILOT.search(text, 0, head_end)
    if pilot and "target" not in out:  # X作为试点单位，于DATE至DATE开展试点工作
        out["target"] = doc.span(pilot.start("target"), pilot.end("target"))
        if pilot.group("when"):
            ds = find_dates(text, pilot.start("when"), pilot.end("when"), year=_report_year(doc), months=True)
            if ds:
                out["start"] = ds[0]
                if len(ds) > 1:
                    out["end"] = ds[1]
    m = _EDU_START.search(text, 0, head_end)
    if m and "start" not in out:
        ds = find_dates(text, m.start("date"), m.end("date"), year=_report_year(doc))
        if ds:
            out["start"] = ds[0]
    return out
