"""Organisations, recognised by the naming grammar of Chinese party and state bodies.

A name ends in an organisational head word (…委员会, …政法委, …纪委监委, …党工委, …局, …办,
…领导小组, …巡察组, …中心, …院, …专班 …) that is not the start of another word (部署, 办法,
组长, 中心组 …), and begins where a level or place opens it (中共, 苏州市吴中区, 省委, 市, 区 …) or,
for head words that only name bodies (领导小组, 委员会, 中心, 银行 …), after the clause boundary or
verb before it. Every surface form is kept; :mod:`kg.resolve` later joins aliases to one entity.

>>> from kg.doc import Doc
>>> d = Doc(source="t", sha256="0", text="区委政法委第一时间成立巡察整改工作领导小组，会同市委组织部、区财政局统一部署。")
>>> [m.text for m in find_organisations(d.text)]
['区委政法委', '巡察整改工作领导小组', '市委组织部', '区财政局']
"""
from __future__ import annotations

import re

from kg.doc import Doc, Mention
from kg.extractors import extractor, matches_opening
from kg.zh import place_prefix

# Head words, longest first. (?!…) keeps 部署/办法/组长/中心组 … out.
_HEADS = (
    "纪律检查委员会", "监察委员会", "人大常委会", "委员会", "纪委监委", "纪委", "监委", "政法委", "党工委",
    "管委会", "常委会", "党委", "党组", "党总支", "党支部", "总支", "支部", "工委", "人民政府", "政府",
    "人民法院", "人民检察院", "法院", "检察院", "公安局", "分局", "局", "厅", "指挥部", "部", "总署",
    "办公室", "办公厅", "办", "研究院", "设计院", "学院", "大学", "党校", "分校", "院", "服务中心", "中心",
    "领导小组", "工作小组", "专项小组", "小组", "工作组", "督导组", "指导组", "巡视组", "巡察组", "考察组",
    "专班", "科", "处", "研究所", "事务所", "派出所", "所", "大队", "支队", "中队", "站", "图书馆", "馆",
    "协会", "学会", "法学会", "联合会", "商会", "银行", "集团", "有限公司", "公司", "合作社", "新闻网",
    "报社", "电视台", "居委会", "村委会", "中学", "小学", "学校", "幼儿园", "纪检监察组", "委",
)
_NEXT_WORD = {  # characters that, right after a head word, show it was the start of another word
    "部": "署门分长委", "局": "面长势限部", "办": "法理公事结好实成", "组": "长织成建员", "委": "员托派书会",
    "院": "长士落内", "处": "理置分罚长", "所": "有以在属长", "站": "位长", "科": "学技长研室", "中心": "组工任",
    "会": "议长员同", "厅": "长", "大学": "习生", "学校": "长", "中学": "生习", "小学": "生习", "署": "名", "馆": "长", "党组": "织", "支部": "书", "小组": "长",
    "工作组": "长", "专班": "长", "队": "伍长员", "政府": "性", "党委": "书", "馆藏": "",
}
_HEAD_RE = re.compile("|".join(re.escape(h) for h in sorted(_HEADS, key=len, reverse=True)))


def _head_words(text: str, start: int, end: int):
    """The longest head word at every position where one starts (heads overlap: 政法委 / 委员会 in
    政法委员会). A search from each next position, so the regex skips ahead on its first characters."""
    pos = start
    while (m := _HEAD_RE.search(text, pos, end)) is not None:
        yield m
        pos = m.start() + 1


# Head words that name a body on their own, so no level or place needs to open the name.
_STRONG = {"委员会", "纪委监委", "政法委", "党工委", "管委会", "常委会", "党委", "党组", "党总支", "党支部",
           "人民政府", "人民法院", "人民检察院", "公安局", "办公室", "办公厅", "研究院", "设计院", "学院", "大学",
           "党校", "分校", "服务中心", "中心", "领导小组", "工作小组", "专项小组", "工作组", "督导组", "指导组",
           "巡视组", "巡察组", "考察组", "专班", "研究所", "事务所", "派出所", "协会", "学会", "法学会",
           "联合会", "商会", "银行", "集团", "有限公司", "公司", "合作社", "新闻网", "报社", "电视台", "指挥部",
           "大队", "支队", "图书馆", "局", "中学", "小学", "居委会", "村委会", "纪委", "科", "纪检监察组"}
# characters that, right before a head word, show it was the end of another word (干部, 格局, 督办)
_PREV_WORD = {"部": "干内全局外本各细俱", "局": "格布大全结当开出", "办": "承督交举创主协包开兴代公民", "科": "学专工内外牙眼儿本预分",
              "站": "网车", "院": "医剧庭", "组": "小分编班重", "处": "查到好益"}
# State Council ministries and national bodies named without a level word (a fixed list of the state)
_MINISTRIES = ("外交", "国防", "教育", "科学技术", "科技", "工业和信息化", "公安", "国家安全", "民政", "司法", "财政",
               "人力资源和社会保障", "自然资源", "生态环境", "住房和城乡建设", "交通运输", "水利", "农业农村", "商务",
               "文化和旅游", "退役军人事务", "应急管理", "审计")
# (plain words only, so the regex engine skips ahead on their first characters)
_NATIONAL_NAMES = re.compile(
    r"(?:中共中央|党中央|国务院|中办|国办|中纪委|中央纪委|国家监委|全国人大|全国政协|最高人民法院|最高人民检察院|"
    r"央视|新华社|人民日报|" + "|".join(m + "部" for m in _MINISTRIES) + ")"
    r"(?![\u4e00-\u9fff]{0,2}(?:部署|部门))")
# a pair written without a separator: 区委区政府, 市委市政府, 区纪委区监委
_PAIR = re.compile(r"^(?P<a>[省市区县](?:委|纪委|政府))(?P<b>[省市区县](?:委|纪委|监委|政府|人民政府|人大|政协))$")
# Levels and places that open a name.
_LEVEL = re.compile(
    r"(?:中共)?(?:党中央|中央|国务院|国家|全国|省委|市委|区委|县委|州委|自治区党委|中共)")
_LEVEL_AT_START = re.compile(r"(?:省|市|区|县|镇|乡|街道)(?![委级属内外])")
_BODY_STOP = set("个年月日项名次批号级件份篇条起户的了在对是与及把将向从被为由以等并或其各和同到于给让使即就也都还又再已正均不未没要需须可能这那该此每我你他她它们之而且所若如")
_LEAD_VERBS = tuple(sorted((
    "成立", "组建", "建立", "设立", "单设", "下设", "会同", "协调", "联合", "督促", "指导", "提请", "召开", "组织",
    "依托", "通过", "配合", "参加", "明确", "调整", "委托", "推进", "加强", "完成", "印发", "制定", "报请", "报送",
    "邀请", "牵头", "统筹", "协助", "支持", "推动", "落实", "开展", "深化", "要求", "督办", "移送", "移交", "接受",
    "听取", "汇报", "发挥", "充分", "主动", "积极", "及时", "全面", "专题", "定期", "认真", "进一步", "切实", "坚持",
    "建设", "健全", "完善", "优化", "选派", "抽调", "挂牌", "加入", "联系", "对接", "沟通", "走访", "面向", "针对",
    "聚焦", "围绕", "结合", "依据", "按照", "根据", "经过", "鼓励", "引导", "协同", "共同", "分别", "先后", "多次",
    "传达", "学习", "组成", "设置", "派驻", "与", "出台", "制发", "挖掘", "逐步", "力争", "关注", "涉及", "涉",
    "要求", "求", "提前", "函商", "同", "向", "对", "由", "经", "在", "至", "赴", "到", "请",
    "报", "跟", "给", "为", "被", "让", "及", "和", "以", "并", "均", "即", "把", "纳入", "列入", "巩固", "压实",
    "将", "使", "获得", "荣获", "通报", "发布", "送", "交", "其中", "目前", "今年", "同时", "此外", "现",
    "加快", "实施", "打造", "用好", "强化", "加大", "写入", "统一", "印制", "学习", "召开", "高度", "重视",
    "打通", "部署", "申报", "提出", "审议", "研究", "专门", "公布", "顺利", "抓好", "设立", "成为", "作为",
), key=len, reverse=True))
# verbs that also name a body's field (指导科, 建设局, 研究院) do not end a clause inside a name
_FIELD_WORDS = {"组织", "指导", "研究", "建设", "协调", "统筹", "推进", "完善", "优化", "联合", "督办", "开展",
                "深化", "支持", "落实", "联系", "发展", "监督", "管理", "服务", "学习"}
_VERBS_INSIDE = re.compile("|".join(v for v in _LEAD_VERBS if len(v) >= 2 and v not in _FIELD_WORDS)
                           + "|召开|统一|高度|重视|部署|通过|提请")
# Words that end in a head word but are not bodies.
_NOT_ORG = re.compile(
    r"^(?:全部|内部|局部|干部|各部|本部|外部|大局|格局|布局|结局|当局|全局|本委|我委|全委|该委|各委|委|部|局|办|院|"
    r"科|处|所|站|馆|中心|组|小组|支部|党支部|党组|党委|政府|专班|学院|大学|总支|工委|学会|协会|公司|集团|银行|"
    r"[^\u4e00-\u9fff].*|.*(?:会议|工作会|推进会|部署会|座谈会|培训班)|[省市区县][（(][市区县][）)].*|"
    r"理论学习中心|学习中心|中心|服务中心|指挥中心|数据中心|研究中心|示范区|新区|省市|市区|区县|县区|省市区|市县|"
    r".*干部|(?:工作|专项|领导|有关|相关|临时|各级|基层|上级|本级)?(?:领导小组|工作小组|专项小组|小组|工作组|专班|"
    r"巡察组|巡视组|督导组|指导组|考察组|办公室|政法委|合作社|党群服务中心|服务中心|银行|公司|中学|小学|学校|局|支部|"
    r"党委|党组|委员会|常委会|纪委|科|纪检监察组|中小学|国际学校|纪委监委))$")
_MAX_NAME = 22
_BRACKET = re.compile("[()（）]")


def _window_start(text: str, end: int, head_start: int) -> int:
    """Leftmost position of the run of name characters that ends at the head word."""
    i = head_start
    quotes = 0
    while i > 0 and end - i < _MAX_NAME:
        ch = text[i - 1]
        if ch == "”":
            quotes += 1
        elif ch == "“":
            if quotes == 0:
                break
            quotes -= 1
        elif ch in "（(）)·•":
            pass
        elif ch == "和" and i - 1 > 0 and not _ENDS_WITH_HEAD.search(text, max(0, i - 8), i - 1):
            pass  # 信息化和网格管理指导科: 和 joins two fields of one body, not two bodies
        elif ch == "未" and text[i:i + 1] == "来":
            pass  # 未来 is a word, not a negation
        elif not ("\u4e00" <= ch <= "\u9fff") or ch in _BODY_STOP:
            break
        i -= 1
    while i < head_start and text[i] in "（(）)·•":
        i += 1
    return i


_LEAD_RE = re.compile("|".join(_LEAD_VERBS))
_ENDS_WITH_HEAD = re.compile("(?:" + _HEAD_RE.pattern + ")$")


def _trim_lead(text: str, i: int, head_start: int) -> int:
    """Skip verbs and function words that run into a name from the left."""
    while i < head_start:
        m = _LEAD_RE.match(text, i, head_start)
        if not m:
            break
        i = m.end()
    return i


def find_organisations(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Organisation names in ``text[start:end]``, maximal and non-overlapping, in order."""
    end = len(text) if end is None else end
    found: list[tuple[int, int, bool]] = []
    for m in _head_words(text, start, end):
        head = m.group()
        nxt = text[m.end():m.end() + 1]
        bad_next = _NEXT_WORD.get(head) or _NEXT_WORD.get(head[-1:], "")
        if nxt and nxt in bad_next:
            continue
        prv = text[m.start() - 1:m.start()] if m.start() > 0 else ""
        if prv and prv in _PREV_WORD.get(head, ""):
            continue
        w = max(_window_start(text, m.end(), m.start()), start)
        if w > start:  # a stop character that opens a verb (要|求, 涉|及) does not end the verb
            vm = _LEAD_RE.match(text, w - 1, m.start())
            if vm and vm.end() > w:
                w = vm.end()
        w = _trim_lead(text, w, m.start())
        strong = head in _STRONG
        name_start = None
        if place_prefix(text[w:m.end()]) and not _VERBS_INSIDE.search(text, w, m.start()):
            name_start = w  # 龙岗区委政法委, 中共苏州市吴中区委政法委员会
        elif _LEVEL_AT_START.match(text, w) and not _VERBS_INSIDE.search(text, w, m.start()):
            name_start = w  # 区财政局, 市司法局
        else:
            # the leftmost level word inside the window (with no verb after it) opens the name
            for lm in _LEVEL.finditer(text, w, m.start() + 1):
                if not _VERBS_INSIDE.search(text, lm.start(), m.start()):
                    name_start = lm.start()
                    break
        if name_start is None:
            if not strong:
                continue
            # a verb inside the window ends the clause before the name (区委召开常委会)
            name_start = w
            for vm in _VERBS_INSIDE.finditer(text, w, m.start()):
                name_start = vm.end()
        # a stationed body is named after its host: 驻县委办纪检监察组
        if name_start > start and text[name_start - 1] == "驻" and head.endswith(("组", "办事处")):
            name_start -= 1
        # an unmatched bracket: the name starts after it (党委(党组 → 党组, 十)党委 → 党委)
        seg = text[name_start:m.end()]
        if _BRACKET.search(seg):  # (most names have none)
            depth, cut = 0, None
            for k, ch in enumerate(seg):
                if ch in "(（":
                    depth += 1
                    if depth == 1:
                        open_at = k
                elif ch in ")）":
                    if depth == 0:
                        cut = k + 1
                    else:
                        depth -= 1
            if depth > 0:
                cut = open_at + 1
            if cut is not None:
                name_start += cut
        name = text[name_start:m.end()]
        if len(name) < 2 or _NOT_ORG.match(name):
            continue
        found.append((name_start, m.end(), strong))
    # keep maximal spans: 区委 inside 区委政法委 goes
    found.sort(key=lambda t: (t[0], -t[1]))
    out: list[Mention] = []
    last_end = -1
    for s, e, _ in found:
        if s < last_end:
            if out and e > out[-1].span.end and s == out[-1].span.start:
                pass
            continue
        # extend: a following candidate that starts where this ends or inside it and ends later
        out.append(Mention("organisation", _span(text, s, e)))
        last_end = e
    taken = _Intervals((o.span.start, o.span.end) for o in out)
    for nm in _NATIONAL_NAMES.finditer(text, start, end):
        if not taken.covers(nm.start(), nm.start() + 1):
            out.append(Mention("organisation", _span(text, nm.start(), nm.end())))
    out.sort(key=lambda o: o.span.start)
    split: list[Mention] = []
    for o in out:
        pm = _PAIR.match(o.text)
        if pm:
            s0 = o.span.start
            split.append(Mention("organisation", _span(text, s0, s0 + pm.end("a"))))
            split.append(Mention("organisation", _span(text, s0 + pm.start("b"), s0 + pm.end("b"))))
        else:
            split.append(o)
    out = split
    return out


class _Intervals:
    """Sorted, non-overlapping intervals with a fast "is [s, e) inside one of them?".

    >>> _Intervals([(0, 5), (10, 20)]).covers(12, 15), _Intervals([(0, 5)]).covers(4, 6)
    (True, False)
    """

    def __init__(self, pairs):
        self.pairs = sorted(pairs)
        self.starts = [a for a, _ in self.pairs]

    def covers(self, s: int, e: int) -> bool:
        import bisect

        i = bisect.bisect_right(self.starts, s) - 1
        return i >= 0 and self.pairs[i][1] >= e


def _span(text: str, s: int, e: int):
    from kg.doc import Span

    return Span(s, e, text[s:e])


_ABBREV = re.compile(r"[（(](?:以下简称|下称|简称)[“\"]?(?P<short>[^”\"）)]{1,20})[”\"]?[）)]")
_PRONOUN = re.compile(r"(?:我|本)(?:委|局|办|院|部|厅)(?![\u4e00-\u9fff]?(?:员|托|派|书|会))|委机关(?!办公室|党委|纪委|内)")
_COORD = re.compile(r"(?P<levels>(?:(?:中央|[省市区县])、){1,3}(?:中央|[省市区县]))"
                    r"(?P<head>委|政府|纪委|督导组|巡视组|巡察组|指导组|政法委|纪委监委)")
_COORD_OPENING = re.compile("中央、|省、|市、|区、|县、")


@extractor("organisations", requires=["meta"], assigns=["organisations"])
def extract_organisations(doc: Doc) -> None:
    """Every organisation mention, with 以下简称 abbreviations recorded as aliases of the full name."""
    text = doc.text
    from kg.extractors.policies import find_titles

    inside = _Intervals((s, e) for s, e, depth in find_titles(text) if depth == 0)
    # names inside a document title (《中共中央政治局…细则》) are part of the title, not mentions
    mentions = [m for m in find_organisations(text) if not inside.covers(m.span.start, m.span.end)]
    for m in _ABBREV.finditer(text):  # 中共东莞市委政法委员会（以下简称“市委政法委”）
        before = [x for x in mentions if x.span.end <= m.start() and m.start() - x.span.end <= 1]
        if before:
            full = before[-1]
            s = m.start("short")
            short = Mention("organisation", _span(text, s, m.end("short")), {"alias_of": full.text})
            mentions.append(short)
            full.attrs["abbreviation"] = short.text
    for m in matches_opening(_COORD, _COORD_OPENING, text):  # 省、市、区委 → 省委, 市委, 区委
        mentions = [x for x in mentions if not (m.start() <= x.span.start and x.span.end <= m.end())]
        for lv in m.group("levels").split("、"):
            name = lv + m.group("head")
            if name == "中央委":
                name = "党中央"
            mentions.append(Mention("organisation", _span(text, m.start(), m.end()), {"name": name}))
    taken = {i for x in mentions for i in range(x.span.start, x.span.end)}  # positions inside a name
    for m in _PRONOUN.finditer(text):  # 我委 / 本委 / 委机关 stand for the issuer
        if m.start() not in taken:
            mentions.append(Mention("organisation", _span(text, m.start(), m.end()), {"pronoun": True}))
    mentions.sort(key=lambda x: x.span.start)
    doc.facts["organisations"] = mentions
