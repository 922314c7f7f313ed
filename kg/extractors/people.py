"""People and the posts the text gives them.

The genre names people in a few ways: a post and then the name ("市委第一巡察组组长张某",
"淮上区委常委、纪委书记、监委主任王某"), a list after one post ("副组长甲、乙"), the name and then a
short post ("王某书记", "李某老师"), "某某同志", a byline ("记者甲 乙", "（责编：甲、乙）",
"□记者 苑 莘 通讯员 王 涛"), a bracketed name that ends a news item ("（王某）"), and exemplars
("别某某等英模"). A name is two or three characters opening with a common surname; where two or
three characters could be the name, the word that follows decides (组长叶云反馈 → 叶云, 组长朱家东代表
→ 朱家东). A name spaced out to line up with longer names (戴 谦) is the name without the space.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="成立以县委书记王建国同志为组长的领导小组。组织开展李红等英模事迹报告会。\\n编辑 张三丰 审核 赵敏")
>>> extract_people(d)
>>> [(m.text, m.attrs.get("post")) for m in d.facts["people"]]
[('王建国', '县委书记'), ('李红', None), ('张三丰', '编辑'), ('赵敏', '审核')]
"""
from __future__ import annotations

import re

from kg.doc import Doc, Mention, Span
from kg.extractors import extractor, matches_opening

# The common surnames (single and double) that open most Chinese names.
SURNAMES = set(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛"
    "樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁"
    "冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米"
    "柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝别府达茹郜訾钮禹邸郁栗"
    "蔺逯庹冼粟蒯芮阎於鄢竺谌邰郦晋湛汝荀鄂冀茅裘宦昝檀亢阚赖洪胥操晁习戈")
DOUBLE_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文")
# Characters of bodies, posts and grammar that do not occur in given names (党委 is no person 党委).
_NOT_IN_NAME = set("委组部局办处厅会记室队站市县区省乡村党纪监察督巡审的了在与及对是等年日号个项次上下内外员书副席"
                   "单位们这那该此每各其也都还又已不未没要需须将把被从到于给让使即就并或而且所期间后说讲示参体关负责"
                   "导班务院检统计目级届轮批面")
_NAME = r"(?:欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|令狐|长孙|宇文)?[\u4e00-\u9fff]{2,3}?"
# The words that end a post. (常务/专职/第一) 副 … 书记, 主任, 组长, 局长 …
_POST_CORE = (r"(?:书记|主任|组长|局长|院长|校长|市长|县长|区长|省长|镇长|乡长|部长|厅长|"
              r"处长|科长|主席|秘书长|检察长|董事长|总经理|经理|调研员|巡视员|法官|检察官|老师|教授|主委|政委|所长|"
              r"队长|站长|馆长|社长|总编辑|主编|委员|常委|成员|领导|专员|记者|通讯员|责任编辑|责编)")
_POST_WORD = r"(?:常务|专职|第一|执行)?副?" + _POST_CORE
# A post phrase: segments (an organisation and a post word) joined by 、 or 兼; a byline word alone.
_SEGMENT = rf"[\u4e00-\u9fff·/／]{{0,18}}?{_POST_WORD}"
_POST_WORD_RE = re.compile(_POST_WORD)
_POST_CORE_RE = re.compile(_POST_CORE)  # plain words: the scan skips ahead to them
_POST_PREFIX = re.compile(r"(?:常务|专职|第一|执行)?副?$")
_POST_END = re.compile(_POST_WORD + r"\s{0,3}$")
# where a post phrase cannot begin: after these words it is a clause (会议由…, 传达了…, 代表…)
_POST_STOP = re.compile(r"(?:由|以|经|请|把|被|和|与|及|将|在|向|了|的|等|是|给|让|使|于|从|并|或|同志|"
                        r"会上|会议|主持|代表|出席|参加|传达|宣读|听取|陪同|带领|会同|邀请|其中|同时|期间|通报|介绍|"
                        r"指出|强调|表示|要求|分别|以及|围绕|学习|贯彻)")
# Short posts said after the name: 王某书记, 李某市长, 某某老师
# Short posts said after the name: 王某书记, 李某市长, 某某老师
_NAME_POST_OPENING = re.compile(r"书记|市长|省长|县长|区长|镇长|乡长|主任|部长|局长|院长|校长|主席|老师|教授|厅长|处长|检察长")
_LONGER_WORD = re.compile(r"员|委|会|室|办|处|组|制|信箱|热线|杯|奖|助理|江|河|山")
# The words that follow a name (what a person does next): they end a name of two or three characters.
_FOLLOW = re.compile(r"[\s，,、。；;：:)）(（“”\"'‘’·|/／]|$|同志|主持|出席|参加|传达|宣读|宣讲|反馈|指出|强调|表示|讲话|"
                     r"代表|一行|带队|介绍|通报|陪同|分别|提出|要求|报告|汇报|致辞|总结|部署|宣布|肯定|希望|认为|带领|"
                     r"听取|就|作|向|在|对|为|等|和|与|及|也|到|于|以|的|率|任|兼|说|称|先后|首先|还|又|再|则|已|即|"
                     r"充分|深入|专题|率先|亲自|现场|详细|重点|逐|书记|市长|省长|县长|区长|主任|老师|结合|围绕|根据|"
                     r"按照|针对|对照|带头|牵头|负责|组织|安排|布置|解读|领学|来到|赴|前往|一同|一起|首先|随后|"
                     r"最后|同时|认真|全面|系统|深刻|简要|具体|从|将|把|给|以|用|通过|做|作|进行|宣告|发表")
_BYLINE_POSTS = "责任编辑|责编|编辑|审核|校对|审校|记者|通讯员|作者|摄影|供稿|撰稿人|撰稿|整理|初审|复审|终审|一审|二审|三审|核稿|签发"
_BYLINE = re.compile(rf"(?:^|(?<=[\s(（:：□|/／]))(?P<post>{_BYLINE_POSTS})\s*[:：]?\s*"
                     rf"(?P<names>(?:(?!{_BYLINE_POSTS})[\u4e00-\u9fff]{{1,3}}(?:[\s、,，]+|(?=[)）|/／\n]|$))){{1,6}})", re.M)
_BYLINE_POST = re.compile(_BYLINE_POSTS)  # where a byline starts
_BRACKETED = re.compile(r"[(（]\s*(?P<names>[\u4e00-\u9fff](?:\s{0,2}[\u4e00-\u9fff]){1,14})\s*(?:[)）]|\|)")
_EXEMPLAR_END = "等(?:英模|先进|典型|同志|优秀)"
_EXEMPLAR = re.compile(rf"(?:开展|组织|学习|宣传|评选|表彰|推出)?(?P<name>{_NAME}){_EXEMPLAR_END}")
_EXEMPLAR_ENDING = re.compile(_EXEMPLAR_END)  # what every exemplar ends with
_COMRADE_BEFORE = set(" \n\t，,。；;：:“\"（(、的及和与由对向")  # what may stand before 某某同志


def plausible_name(name: str) -> bool:
    """A 2–3 character name opening with a common surname, with no character of a body or a post.

    >>> plausible_name("顾海东"), plausible_name("领导"), plausible_name("欧阳文"), plausible_name("党委")
    (True, False, True, False)
    """
    if name.startswith(DOUBLE_SURNAMES):
        return 3 <= len(name) <= 4 and not _NOT_IN_NAME.intersection(name[2:])
    return 2 <= len(name) <= 3 and name[0] in SURNAMES and not _NOT_IN_NAME.intersection(name[1:])


def _name_at(text: str, s: int) -> int | None:
    """The end of the name that starts at ``s``: three characters when a following word ends them
    there, else two, else none (no boundary: not a name)."""
    for n in (3, 2, 4):
        e = s + n
        if e > len(text) or not all("\u4e00" <= c <= "\u9fff" for c in text[s:e]):
            continue
        if plausible_name(text[s:e]) and _FOLLOW.match(text, e):
            return e
    return None


def _spaced_names(raw: str) -> list[tuple[int, int]]:
    """(start, end) in ``raw`` of each name of a byline's list: 孙青 赵泽众 → two names; 王 涛 薛彦青 →
    王涛 and 薛彦青 (single characters spaced out to line up are one name)."""
    tokens = [(m.start(), m.end()) for m in re.finditer(r"[\u4e00-\u9fff]+", raw)]
    out, i = [], 0
    while i < len(tokens):
        s, e = tokens[i]
        if e - s == 1 and i + 1 < len(tokens) and tokens[i + 1][1] - tokens[i + 1][0] == 1 \
                and re.fullmatch(r"\s{1,3}", raw[e:tokens[i + 1][0]]):
            out.append((s, tokens[i + 1][1]))
            i += 2
            continue
        out.append((s, e))
        i += 1
    return out


def _post_start(text: str, s: int, e: int) -> int:
    """Where the post phrase ``text[s:e]`` really begins: after the last clause word inside it
    (会议由|区人大机关党支部书记 → 区人大机关党支部书记)."""
    start = s
    for m in _POST_STOP.finditer(text, s, e):
        if re.match(_SEGMENT, text[m.end():e]):
            start = m.end()
    return start


def _post_phrase(text: str, ws: int, we: int) -> int:
    """The start of the post phrase that ends with the post word ``text[ws:we]``: its organisation
    (市委第一巡察组|组长), and the posts before it joined by 、 (区委常委、纪委书记、监委主任)."""
    i = ws
    start = ws
    while True:
        j = i
        while j > 0 and i - j < 18 and ("\u4e00" <= text[j - 1] <= "\u9fff" or text[j - 1] in "·/／"):
            if text[j - 1] in "/／" and _POST_WORD_RE.search(text, max(0, j - 12), j - 1):
                break  # 记者甲／通讯员乙: the slash parts two people, not two outlets
            j -= 1
        start = j
        prev = _POST_END.search(text, max(0, j - 22), j - 1) if j > 1 and text[j - 1] == "、" else None
        # (…同志为组长、县委副书记: a post given to someone else is no part of this one)
        if prev is not None and we - j < 60 and text[prev.start() - 1:prev.start()] not in ("为", "任", "由", "以"):
            i = prev.start()
            continue
        break
    return _post_start(text, start, we)


@extractor("people", requires=["text"], assigns=["people"])
def extract_people(doc: Doc) -> None:
    text = doc.text
    found: dict[tuple[int, int], Mention] = {}
    from kg.extractors.policies import find_titles

    titles = [(s, e) for s, e, depth in find_titles(text) if depth == 0]

    def add(s: int, e: int, post: str | None = None, post_span: Span | None = None) -> None:
        name = re.sub(r"\s+", "", text[s:e])
        if not plausible_name(name) or any(a <= s < b for a, b in titles):
            return
        attrs: dict = {"name": name} if name != text[s:e] else {}
        if post:
            attrs["post"] = post
            attrs["post_span"] = post_span
        old = found.get((s, e))
        if old is None or len(post or "") > len(old.attrs.get("post") or ""):
            found[(s, e)] = Mention("person", Span(s, e, text[s:e]), attrs)

    # a post, then the name (and the names listed after it)
    for c in _POST_CORE_RE.finditer(text):
        w = _POST_PREFIX.search(text, max(0, c.start() - 3), c.start())  # 常务副 … before the post word
        ws = w.start() if w else c.start()
        s = c.end()
        while s < len(text) and s - c.end() < 3 and text[s] in " \u3000":
            s += 1  # 审计局局长  某某 in a title block
        e = _name_at(text, s)
        if e is None:
            if re.fullmatch(r"[\u4e00-\u9fff]\s[\u4e00-\u9fff]", text[s:s + 3]) and _FOLLOW.match(text, s + 3) \
                    and plausible_name(text[s] + text[s + 2]):
                e = s + 3  # 记者 戴 谦: a name spaced out
            else:
                continue
        ps = _post_phrase(text, ws, c.end())
        post = text[ps:c.end()]
        add(s, e, post, Span(ps, c.end(), post))
        while text.startswith("、", e):  # 副组长甲、乙
            nxt = _name_at(text, e + 1)
            if nxt is None or _POST_WORD_RE.match(text, e + 1):
                break
            add(e + 1, nxt, post, Span(ps, c.end(), post))
            e = nxt
    # the name, then a short post: 王某书记, 某某老师
    for k in _NAME_POST_OPENING.finditer(text):
        for n in (3, 2):
            s = k.start() - n
            if s < 0 or not plausible_name(text[s:k.start()]):
                continue
            before = text[s - 1:s] if s > 0 else ""
            if before and "\u4e00" <= before <= "\u9fff" and before not in "的及和与对向在将由是为委局院部办组厅处":
                continue
            if not _LONGER_WORD.match(text, k.end()):  # (书记员, 主任委员, 院长信箱 are other words)
                add(s, k.start(), k.group(), Span(k.start(), k.end(), k.group()))
                break
    # 某某同志 with no post before it
    for m in re.finditer("同志", text):
        for n in (3, 2):
            s = m.start() - n
            if s >= 0 and (s == 0 or text[s - 1] in _COMRADE_BEFORE) and _name_at(text, s) == m.start():
                if not any(a == s for a, _ in found):
                    add(s, m.start())
                break
    # bylines: 记者甲 乙, （责编：甲、乙）, □记者 苑 莘 通讯员 王 涛 薛彦青
    for m in matches_opening(_BYLINE, _BYLINE_POST, text):
        post = m.group("post")
        base = m.start("names")
        for a, b in _spaced_names(m.group("names")):
            add(base + a, base + b, post, Span(m.start("post"), m.end("post"), post))
    # a bracketed name that ends an item: （王某）, （张某 || 责任编辑 李某）
    for m in _BRACKETED.finditer(text):  # （王某）, （张某 李某某 赵某）
        close = text.find(")", m.end("names")) if "(" in m.group() else text.find("）", m.end("names"))
        rest = text[close + 1:close + 40] if close >= 0 else ""
        if close < 0 or not re.match(r"\s*(?:$|\n|页|>>|\[|分享)", rest):
            continue
        names = _spaced_names(m.group("names"))
        if all(plausible_name(re.sub(r"\s+", "", m.group("names")[a:b])) for a, b in names):
            for a, b in names:
                add(m.start("names") + a, m.start("names") + b)
    if _EXEMPLAR_ENDING.search(text):  # a text with no 等英模 / 等先进 … has no exemplar (most have none)
        for m in _EXEMPLAR.finditer(text):
            e = m.end("name")
            for n in (3, 2):
                if e - n >= m.start() and plausible_name(text[e - n:e]):
                    add(e - n, e)
                    break
    doc.facts["people"] = sorted(found.values(), key=lambda x: x.span.start)
