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

import bisect
import functools
import re
from typing import Sequence

from kg.doc import Doc, Mention, Span
from kg.extractors import extractor, matches_opening, words_pattern
from kg.zh import CENTRAL_BODIES, MINISTRIES, place_at, place_prefix

# Head words, longest first. (?!…) keeps 部署/办法/组长/中心组 … out.
_HEADS = (
    "纪律检查委员会", "监察委员会", "人大常委会", "委员会", "纪委监委", "纪委", "监委", "政法委", "党工委",
    "管委会", "常委会", "党委", "党组", "党总支", "党支部", "总支", "支部", "工委", "人民政府", "政府",
    "人民法院", "人民检察院", "法院", "检察院", "中院", "高院", "公安局", "分局", "局", "厅", "指挥部", "部",
    "总署", "署", "办公室", "办公厅", "办事处", "办", "研究院", "设计院", "学院", "大学", "党校", "分校", "院",
    "服务中心", "中心组", "中心", "领导小组", "工作小组", "专项小组", "小组", "工作组", "督导组", "指导组",
    "督查组", "巡视组", "巡察组", "考察组", "审计组", "调研组", "检查组", "专班", "科", "处", "研究所",
    "事务所", "派出所", "所", "大队", "支队", "中队", "站", "图书馆", "馆", "协会", "学会", "法学会",
    "联合会", "商会", "文联", "科协", "妇联", "侨联", "残联", "工商联", "社科联", "总工会", "工会", "团委",
    "银行", "集团", "有限公司", "公司", "合作社", "林场", "农场", "牧场", "渔场", "新闻网", "报社", "电视台", "居委会", "村委会", "中学",
    "小学", "学校", "幼儿园", "医院", "兵团", "研究生院", "本科生院", "纪检监察组", "联席会议", "人大", "政协", "政治部", "委",
)
_NEXT_WORD = {  # characters that, right after a head word, show it was the start of another word
    "部": "署门分长委", "局": "面长势限部", "办": "法理公事结好实成", "组": "长织成建员", "委": "员托派会",
    "院": "长士落内", "处": "理置分罚长级", "所": "有以在属长辖", "站": "位长", "科": "学技长研室级员",
    "中心": "组工任城", "会": "议长员同", "厅": "长", "大学": "习生", "学校": "长", "中学": "生习", "小学": "生习",
    "署": "名", "馆": "长", "党组": "织", "小组": "长", "工作组": "长", "专班": "长", "队": "伍长员",
    "政府": "性", "馆藏": "", "人大": "代", "政协": "委", "医院": "长", "法院": "队", "检察院": "队",
}
_HEAD_WORDS = "|".join(re.escape(h) for h in sorted(_HEADS, key=len, reverse=True))
_HEAD_RE = re.compile(words_pattern(_HEADS))  # (the same matches as _HEAD_WORDS, found sooner)


def _head_words(text: str, start: int, end: int):
    """The longest head word at every position where one starts (heads overlap: 政法委 / 委员会 in
    政法委员会). A search from each next position, so the regex skips ahead on its first characters."""
    pos = start
    while (m := _HEAD_RE.search(text, pos, end)) is not None:
        yield m
        pos = m.start() + 1


# Head words that name a body on their own, so no level or place needs to open the name.
_STRONG = {"委员会", "纪委监委", "政法委", "党工委", "管委会", "常委会", "党委", "党组", "党总支", "党支部",
           "人民政府", "人民法院", "人民检察院", "中院", "高院", "公安局", "办公室", "办公厅", "办事处", "研究院",
           "设计院", "学院", "大学", "党校", "分校", "服务中心", "中心", "领导小组", "工作小组",
           "专项小组", "工作组", "督导组", "指导组", "督查组", "巡视组", "巡察组", "考察组", "审计组", "调研组",
           "检查组", "专班", "研究所", "事务所", "派出所", "协会", "学会", "法学会", "联合会", "商会", "文联",
           "科协", "妇联", "侨联", "残联", "工商联", "社科联", "总工会", "团委", "银行", "集团", "有限公司", "公司",
           "合作社", "新闻网", "报社", "电视台", "指挥部", "大队", "支队", "图书馆", "局", "中学", "小学", "法院", "检察院",
           "居委会", "村委会", "纪委", "科", "纪检监察组", "医院", "兵团", "联席会议", "政治部", "研究生院",
           "本科生院"}
# bodies named by their field alone (组织部, 审计处, 巡察办): the field word opens the name
_FIELD_BODIES = re.compile(
    r"(?:组织|宣传|统战|政治|人事|审计|财务|教务|科研|保卫|学生|后勤|基建|国资|外事|党建|综合|巡察|巡视|督查|"
    r"教育整顿|信访|机要|保密|研究生)(?:部|处|办|厅)$")
_FIELD_BODY_AT = re.compile(_FIELD_BODIES.pattern[:-1])
_FIELD_BODY_HEADS = "部处办厅"  # how every field body ends
# characters that, right before a head word, show it was the end of another word (干部, 格局, 督办)
_PREV_WORD = {"厅": "告会餐大客舞展", "部": "干内全局外本各细俱", "局": "格布大全结当开出好", "办": "承督交举创主协包开兴代公民转", "科": "学专工内外牙眼儿本预分",
              "站": "网车", "院": "医剧庭", "组": "小分编班重", "处": "查到好益", "署": "部签", "政协": "和"}
# the central organs and ministries named without a level word (kg.zh's fixed lists of the state);
# each alternative opens with a plain word, so the regex engine skips ahead on their first
# characters (a group around the names hid them)
_OWN_DEPARTMENT = r"(?:办公厅|[\u4e00-\u9fff]{1,3}?(?:部|局|司|室)(?![署门分长]))?"  # 新华社国内部, 国务院办公厅
_NATIONAL_NAMES = re.compile("|".join([n + _OWN_DEPARTMENT for n in sorted(CENTRAL_BODIES, key=len, reverse=True)]
                                      + [n + "部(?![署门分])" for n in sorted(MINISTRIES, key=len, reverse=True)]))
# a pair written without a separator: 区委区政府, 市委市政府, 区纪委区监委
_PAIR = re.compile(r"^(?P<a>[省市区县](?:委|纪委|政府))(?P<b>[省市区县](?:委|纪委|监委|政府|人民政府|人大|政协))$")
_LEVELS_ONE_HEAD = re.compile(r"^(?P<levels>[省市区县]{2,3})(?P<head>委|纪委|政府)$")
# Levels and places that open a name.
_LEVEL_NAMES = r"党中央|中央|国务院|国家|全国|省委|市委|区委|县委|州委|自治区党委|中共"
# (?:中共)?(?:LEVEL_NAMES), written so that every alternative opens with a word: the same matches,
# and the regex engine skips ahead to them
_LEVEL = re.compile(rf"中共(?:{_LEVEL_NAMES})|{_LEVEL_NAMES}")
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
    "将", "使", "获得", "荣获", "通报", "发布", "送", "转交", "其中", "目前", "今年", "同时", "此外", "现",
    "加快", "实施", "打造", "用好", "强化", "加大", "写入", "印制", "学习", "召开", "高度", "重视",
    "打通", "部署", "申报", "提出", "审议", "研究", "专门", "公布", "顺利", "抓好", "设立", "成为", "作为",
    "贯彻", "对照", "担任", "进驻", "列席", "执行", "领会", "形成", "今后", "指出", "着力", "同意", "深入",
    "下沉", "主持", "出席", "带领", "陪同", "调研", "约谈", "召集", "严格", "兼任", "我校", "本校", "该校",
    "全校", "我院", "本院", "该院", "我局", "本局", "总体上", "总体", "发现", "另外", "近日", "日前", "会上",
    "随后", "最后", "首先", "然后", "此次", "本次", "有序", "所属", "下属", "直属", "隶属", "所辖", "聘请", "引入", "宣布", "宣读",
    "宣讲", "介绍", "强调", "表示", "坚决", "入驻", "走进", "做好", "包括",
), key=len, reverse=True))
# words that are verbs only before some characters (受理, 人大代表大会; 巡察 before a body it inspects)
_LEAD_PATTERNS = ("受(?!理)", "代表(?!大会)", "反馈(?!意见|问题)", "统一(?!战线)", "“回头看”(?!工作|整改|办|组|领导|专项)",
                  "(?:巡察|巡视)(?!工作|整改|办|组|[一二三四五六七八九十]+组|机构|反馈|联络|专员|专项|领导|组织|"
                  "问题|“|巡察|人才|监督|期间|情况|意见|成果|制度|报告|干部|指导|督导|联动|协作|片区|移交|发现)")
# verbs that also name a body's field (指导科, 建设局, 研究院) do not end a clause inside a name
_FIELD_WORDS = {"组织", "指导", "研究", "建设", "协调", "统筹", "推进", "完善", "优化", "联合", "督办", "开展",
                "深化", "支持", "落实", "联系", "发展", "监督", "管理", "服务", "学习"}
_VERBS_INSIDE = re.compile("|".join(v for v in _LEAD_VERBS if len(v) >= 2 and v not in _FIELD_WORDS
                                    and v not in ("我校", "本校", "该校", "全校", "我院", "本院", "该院", "我局", "本局"))
                           + "|召开|高度|重视|部署|通过|提请|" + "|".join(_LEAD_PATTERNS))
# Words that end in a head word but are not bodies.
_NOT_ORG = re.compile(
    r"^(?:全部|内部|局部|干部|各部|本部|外部|大局|格局|布局|结局|当局|全局|本委|我委|全委|该委|各委|委|部|局|办|院|"
    r"科|处|所|站|馆|中心|组|小组|支部|党支部|党组|党委|政府|专班|学院|大学|总支|工委|学会|协会|公司|集团|银行|"
    r"[^\u4e00-\u9fff].*|.*(?:(?<!联席)会议|工作会|推进会|部署会|座谈会|培训班|会议室|报告厅)|党[(（]工[)）]委.*|[省市区县][（(][市区县][）)].*|"
    r"理论学习中心|学习中心|中心|服务中心|指挥中心|数据中心|研究中心|示范区|新区|省市|市区|区县|县区|省市区|市县|"
    r"监委|人大|政协|法院|检察院|联席会议|(?:理论)?(?:学习)?中心组|[子分]公司|督查组|审计组|调研组|检查组|两委|党工委|"
    r"(?:纪委|党委)常委会|"
    r".*干部|医院|(?:领导小组)?办公室|(?:会计|律师)?事务所|"
    r"(?:工作|专项|领导|有关|相关|临时|各级|基层|上级|本级|整改){0,2}(?:领导小组|工作小组|专项小组|小组|工作组|专班|"
    r"巡察组|巡视组|督导组|指导组|考察组|办公室|政法委|合作社|党群服务中心|服务中心|银行|公司|中学|小学|学校|局|支部|"
    r"党委|党组|委员会|常委会|纪委|科|纪检监察组|纪委监委)|"
    # a kind of body, not one: a word of ownership or kind before the head (公办医院, 国际学校, 中小学)
    r"(?:国际|民办|公办|私立|公立|中小|乡镇|乡村|农村|城区|重点|示范|优质|职业|普通|定点)"
    r"(?:学校|中学|小学|幼儿园|医院|公司|企业|银行)|中小学校?)$")
# a class of bodies, not one: 各县区法院, 所辖6个党总支, 部分党支部, 村党总支, 乡镇党委
_GENERIC_BEFORE = re.compile(r"(?:各|部分|有的|一些|其他|其它|[两三四各上下同]级|本轮|被巡察|被巡视|"
                             r"被审计)$")
_COUNT_BEFORE = re.compile(r"(?:\d+|[一二两三四五六七八九十百几多]+)(?:个|家|所)$")
_GENERIC_NAME = re.compile(r"(?:各|所辖|所属|下属|部分|有的|一些|个别|所有|其他|其它|相关|有关|本轮|上级|下级|乡镇|村级|跨部门|省区市|单位|"
                           r"[省市县区]直|全(?!国)|[两三四]级|地方|基层(?=[\u4e00-\u9fff]*(?:法院|检察院))|"
                           r"村|社区|被巡察|被巡视|被审计)(?=[\u4e00-\u9fff（(])")
# a 届次 before a place or a level is not part of the name: 十五届某镇党委 names 某镇党委
_TERM = re.compile(r"第?[一二三四五六七八九十]+届")
_TERM_BEFORE = re.compile(r"第?[一二三四五六七八九十]+届$")
_ROUND_AFTER = re.compile(r"第[一二三四五六七八九十]+[轮批]|首[轮批]")
_LEVEL_CHARS = "省市区县镇乡校州"
_OPENING_LEVELS = "省市校"  # a bare level that opens a name inside a window (towns and villages end names)
_OPENING_LEVEL_RE = re.compile(f"[{_OPENING_LEVELS}]")
# a bare level inside a window opens the name unless it ends a word (城市, 社区, 学校 …)
_LEVEL_WORDS = set("城市 都市 超市 上市 股市 楼市 全市 本市 该市 各市 我市 省市 地市 县市 闹市 城镇 乡镇 集镇 村镇 "
                   "重镇 全镇 各镇 本镇 我镇 该镇 社区 园区 辖区 城区 景区 小区 片区 新区 矿区 山区 老区 全区 本区 各区 "
                   "我区 市区 禁区 误区 专区 湾区 街区 郊区 县区 地区 军区 校区 营区 厂区 库区 林区 牧区 港区 全县 各县 "
                   "本县 我县 该县 郡县 区县 市县 全省 本省 我省 各省 外省 该省 反省 节省 学校 院校 高校 党校 全校 本校 "
                   "我校 各校 分校 该校 军校 驾校 母校 名校 乡村 城乡 家乡 下乡 回乡 老乡 本乡 全乡 各乡 自治州 神州 "
                   "各州 本州 全州".split())
# stop characters inside common words of names: 专项整治工作专班, 股份有限公司, 青年志愿者协会
_PASS_WORDS = {"专项", "股份", "青年", "老年", "少年", "从业", "事项", "日报", "交叉", "交通", "审批", "批发", "客户",
               "就业", "能源", "对外", "为民", "个体", "户籍"}
_MAX_NAME = 22
_TOWN_AND_VILLAGE = re.compile(r"[镇乡][\u4e00-\u9fff]{2,4}?[村居](?:委会|党支部|党总支|党委)")
_ENDS_LIKE_BODIES = re.compile(r"(?:机构|部门|单位|机关|组织)$")  # 巡察机构与纪委监委: two bodies, not one
_VENUE_HEAD = re.compile(r"(?:会议|服务|活动|文化|党群)?中心$|礼堂$|大厅$")
_HELD = re.compile(r"[^，,。；;]{0,12}?(?:召开|举行|举办)")
# a government organ's party group in a post names the organ: 某局党组书记, 某院党组成员
_PARTY_GROUP_POSTS = ("书记", "副书记", "成员")
_HOST = re.compile(r"(?:局|厅|检察院|法院|中院|审计署)$")
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
        elif ch in "和与" and i - 1 > 0 and not _ENDS_WITH_HEAD.search(text, max(0, i - 8), i - 1) \
                and not _ENDS_LIKE_BODIES.search(text, max(0, i - 4), i - 1) \
                and text[i:i + 1] not in _LEVEL_CHARS and not _LEVEL.match(text, i) \
                and place_at(text, i) is None and not _FIELD_BODY_AT.match(text, i):
            pass  # 信息化和网格管理指导科: 和/与 join two fields of one body (not 方针和省委, 情况和市政府)
        elif ch == "未" and text[i:i + 1] == "来":
            pass  # 未来 is a word, not a negation
        elif ch in _BODY_STOP and (text[i - 2:i] in _PASS_WORDS or text[i - 1:i + 1] in _PASS_WORDS):
            pass  # 专项, 股份, 青年: a stop character inside a word
        elif not ("\u4e00" <= ch <= "\u9fff") or ch in _BODY_STOP:
            # a place that opens with a stop character (向阳区, 同仁市, 和平区) is still a place
            # (a two-character place, 和县 after the conjunction 和, reads as 和 + 县)
            for k in (2, 1):
                if i - k >= 0 and len(place_at(text, i - k) or "") >= max(3, k + 1):
                    return i - k
            break
        i -= 1
    while i < head_start and text[i] in "（(）)·•”":  # (a quotation that closes before the name)
        i += 1
    return i


_LEAD_RE = re.compile("|".join(_LEAD_PATTERNS) + "|" + words_pattern(_LEAD_VERBS))  # (verbs longest first)
_VERB_BEFORE = re.compile("(?:" + "|".join(v for v in _LEAD_VERBS + tuple(_FIELD_WORDS) if len(v) >= 2) + ")$")
_ENDS_WITH_HEAD = re.compile("(?:" + _HEAD_WORDS + ")$")
_CN_DIGITS = "一二三四五六七八九十"
_COORDINATED_BARE = re.compile(r"(?:中央|省委|市委|区委|县委|州委|党委|[省市区县])?第[一二三四五六七八九十]+"
                               r"(?:、[一二三四五六七八九十]+)*、$")
_COORDINATED_ORDINALS = re.compile(r"(?:中央|省委|市委|区委|县委|州委|党委|[省市区县])?(?:第[一二三四五六七八九十]+、)+$")


def _trim_lead(text: str, i: int, head_start: int) -> int:
    """Skip verbs and function words that run into a name from the left."""
    while i < head_start and text[i:i + 2] not in _PASS_WORDS and place_at(text, i) is None:
        m = _LEAD_RE.match(text, i, head_start)
        if not m or _TOWN_AND_VILLAGE.match(text, m.end()):
            break  # (建设镇根德村党支部: a town named with a verb, before one of its villages)
        i = m.end()
    return i


def _free_level(text: str, w: int, head_start: int) -> int | None:
    """A bare level word (市, 省, 校) inside the window that opens a name because a verb runs into it
    (落实市人大常委会, 列席市政协党组): not one that ends a word (城市, 学校) or is a level of its
    own (市委, 市级)."""
    for m in _OPENING_LEVEL_RE.finditer(text, w + 1, head_start + 1):
        i = m.start()
        if text[i - 1:i + 1] not in _LEVEL_WORDS and text[i + 1:i + 2] not in ("级", "属", "内", "外", "场", "委") \
                and _VERB_BEFORE.search(text, w, i):
            return i
    return None


def _verbs(text: str, a: int, head_start: int, head_end: int) -> list[re.Match]:
    """The verbs between ``a`` and the head word (looking past the head, so that 巡察 before 办 is
    seen as part of 巡察办, not as the verb 巡察)."""
    return [v for v in _VERBS_INSIDE.finditer(text, a, head_end) if v.start() < head_start
            and not _TOWN_AND_VILLAGE.match(text, v.end())]


def _name_start(text: str, head: str, w: int, head_start: int) -> int | None:
    """Where the name that ends in ``head`` (at ``head_start``) begins, the window opening at ``w``."""
    head_end = head_start + len(head)
    if place_at(text, w + 2 if text.startswith("中共", w) else w) and not _verbs(text, w, head_start, head_end):
        return w  # 龙岗区委政法委, 中共苏州市吴中区委政法委员会
    if _LEVEL_AT_START.match(text, w) and not _verbs(text, w, head_start, head_end):
        return w  # 区财政局, 市司法局
    # the leftmost level word inside the window (with no verb after it) opens the name:
    # 党委书记兼任市委巡察办, 问题镇党委 (a bare level that ends no word)
    bare = _free_level(text, w, head_start)
    for lm in _LEVEL.finditer(text, w, head_start + 1):
        if bare is not None and bare < lm.start():
            break
        if not _verbs(text, lm.start(), head_start, head_end):
            return lm.start()
    if bare is not None and not _verbs(text, bare, head_start, head_end):
        return bare
    if head in _STRONG or _FIELD_BODIES.search(text, w, head_end):
        # a verb inside the window ends the clause before the name (区委召开常委会)
        verbs = _verbs(text, w, head_start, head_end)
        return verbs[-1].end() if verbs else w
    if w > 0 and text[w - 1] == "“" and text[head_end:head_end + 1] == "”":
        return w  # a name in quotes: “五人小组”
    return None


def find_organisations(text: str, start: int = 0, end: int | None = None) -> list[Mention]:
    """Organisation names in ``text[start:end]``, maximal and non-overlapping, in order."""
    end = len(text) if end is None else end
    found: list[tuple[int, int]] = []
    for m in _head_words(text, start, end):
        head = m.group()
        nxt = text[m.end():m.end() + 1]
        bad_next = _NEXT_WORD.get(head) or _NEXT_WORD.get(head[-1:], "")
        if nxt and nxt in bad_next and not text.startswith(("分别", "派驻"), m.end()):  # 部分 but 统战部分别, 委派 but 监委派驻
            continue
        prv = text[m.start() - 1:m.start()] if m.start() > 0 else ""
        if prv and prv in _PREV_WORD.get(head, ""):
            continue
        if head == "委" and prv == "常":
            continue  # 区纪委常委 is a post of 区纪委, not a body
        w = max(_window_start(text, m.end(), m.start()), start)
        if w > start:  # a stop character that opens a verb (要|求, 涉|及) does not end the verb
            vm = _LEAD_RE.match(text, w - 1, m.start())
            if vm and vm.end() > w:
                w = vm.end()
        if text[m.end() - 1] not in _FIELD_BODY_HEADS or not _FIELD_BODIES.fullmatch(text, w, m.end()):
            # (组织部 is a body, not 组织 + 部)
            w = _trim_lead(text, w, m.start())
        w0 = w
        for term in _TERM.finditer(text, w, m.start()) if text.find("届", w, m.start()) >= 0 else ():
            if _LEVEL_AT_START.match(text, term.end()) or _LEVEL.match(text, term.end()) \
                    or place_at(text, term.end()) or _ROUND_AFTER.match(text, m.end()):
                w = term.end()  # 十五届某镇党委第一轮 → 某镇党委

        name_start = _name_start(text, head, w, m.start())
        if name_start is None:
            continue
        if head in ("人大常委会", "人大") and name_start > w0:
            term = _TERM_BEFORE.search(text, w0, name_start)
            if term:
                name_start = term.start()  # 十三届全国人大常委会: a congress's term is part of its name
        # a stationed body is named after its host: 驻县委办纪检监察组, and after the commission that
        # stations it: 某区纪委监委派驻法院纪检监察组
        if name_start > start and text[name_start - 1] == "驻" and head.endswith(("组", "办事处")):
            name_start -= 1
            if text[name_start - 1:name_start] == "派":
                sender = [a for a, b in found if b == name_start - 1 and text[a:b].endswith(("纪委", "监委"))]
                if sender:
                    name_start = sender[-1]
        # 市委第一、第二巡察组 and 市委第四、五巡察组 are named as written
        cm = None
        if text.startswith("第", name_start):
            cm = _COORDINATED_ORDINALS.search(text, max(start, name_start - 16), name_start)
        elif text[name_start - 1:name_start] == "、" and text[name_start:name_start + 1] in _CN_DIGITS:
            cm = _COORDINATED_BARE.search(text, max(start, name_start - 16), name_start)
        if cm:
            name_start = cm.start()
            di = text.index("第", cm.start())  # the body named just before the ordinals opens the name
            owner = [a for a, b in found if b == di and a < di]
            if owner:
                name_start = owner[-1]
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
        if text[name_start - 1:name_start] in "该本我全" and text[name_start:name_start + 1] in _LEVEL_CHARS \
                and text[name_start + 1:name_start + 2] == text[name_start]:
            name_start += 1  # 该镇|镇政府: the level after the pronoun is the pronoun's
        name = text[name_start:m.end()]
        if text[name_start - 1:name_start] == "在" and _VENUE_HEAD.search(name) and _HELD.match(text, m.end()):
            continue  # 在某镇会议中心召开: where a meeting is held, not a body
        if len(name) < 2 or _NOT_ORG.match(name) or _GENERIC_NAME.match(name) \
                or _GENERIC_BEFORE.search(text, max(0, name_start - 4), name_start):
            continue
        if name[0] in "家个所名户" and text[name_start - 1:name_start].isdigit() or \
                text[name_start - 1:name_start] in "一二两三四五六七八九十几多" and name[0] in "家个所户":
            continue  # 6家党委: a count, not a name
        # after a count, only a body its level names is one (15个省委巡视组), not a class (3个部门党组)
        if _COUNT_BEFORE.search(text, max(0, name_start - 4), name_start) and not (
                _LEVEL.match(name) or place_prefix(name) or _LEVEL_AT_START.match(name)):
            continue
        e = m.end()
        if text.startswith("机关", e):
            e += 2  # 区委政法委机关, 市政协机关: the body's own offices, one entity with it (kg.resolve)
        elif head == "党组" and text.startswith(_PARTY_GROUP_POSTS, e) and _HOST.search(name[:-2]) \
                and not _NOT_ORG.match(name[:-2]):
            e -= 2  # 市审计局党组书记 is a post of 市审计局
        found.append((name_start, e))
    # keep maximal spans: 区委 inside 区委政法委 goes
    found.sort(key=lambda t: (t[0], -t[1]))
    out: list[Mention] = []
    last_end = -1
    for s, e in found:
        if s >= last_end:
            out.append(Mention("organisation", _span(text, s, e)))
            last_end = e
    taken = _Intervals((o.span.start, o.span.end) for o in out)
    for nm in _NATIONAL_NAMES.finditer(text, start, end):
        if not taken.covers(nm.start(), nm.start() + 1):
            out.append(Mention("organisation", _span(text, nm.start(), nm.end())))
    out.sort(key=lambda o: o.span.start)
    out = _listed_bodies(text, start, end, out)
    split: list[Mention] = []
    for o in out:
        pm = _PAIR.match(o.text)
        lm = _LEVELS_ONE_HEAD.match(o.text)
        if pm:
            s0 = o.span.start
            split.append(Mention("organisation", _span(text, s0, s0 + pm.end("a"))))
            split.append(Mention("organisation", _span(text, s0 + pm.start("b"), s0 + pm.end("b"))))
        elif lm:  # 省市委 names 省委 and 市委
            for level in lm.group("levels"):
                split.append(Mention("organisation", o.span, {"name": level + lm.group("head")}))
        else:
            split.append(o)
    return split


_LIST_CLAUSE = re.compile(r"[^，,。；;：:\n（）()“”]+")
_HEAD_AT_END = re.compile("(?:" + _HEAD_WORDS + ")$")
# where the last item of a list ends and the clause goes on
_LIST_TAIL = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:等|开展|进行|参加|负责|实施|召开|的)")


def _listed_bodies(text: str, start: int, end: int, out: list[Mention]) -> list[Mention]:
    """Items of an enumeration of bodies: where a 、-list names two or more bodies the grammar found,
    another item that ends in a head word is a body too, though no level opens it (…、滁州处、高界处、
    黄千项目办、合六改建办…, a college's 发展规划处、资产管理处).

    >>> [m.text for m in _listed_bodies("对县财政局、县医保局、城东处、北区项目办开展巡察", 0, None, find_organisations(
    ...     "对县财政局、县医保局、城东处、北区项目办开展巡察"))]
    ['县财政局', '县医保局', '城东处', '北区项目办']
    """
    end = len(text) if end is None else end
    if "、" not in text[start:end]:
        return out
    spans = [(o.span.start, o.span.end) for o in out]
    by_start = sorted(spans)
    added = []
    for cl in _LIST_CLAUSE.finditer(text, start, end):
        if "、" not in cl.group() or _names_inside(by_start, cl.start(), cl.end()) < 2:
            continue  # (a clause that holds fewer than two names lists no two of them)
        items, pos = [], cl.start()
        for part in cl.group().split("、"):
            items.append((pos, pos + len(part)))
            pos += len(part) + 1
        named = sum(1 for a, b in items if any(a <= s0 and e0 <= b for s0, e0 in spans))
        if named < 2:
            continue
        last_a, last_b = items[-1]
        tail = _LIST_TAIL.search(text, last_a, last_b)  # …、合六改建办等17家单位 / …、北区项目办开展巡察
        if tail:
            items[-1] = (last_a, tail.start())
        for k, (a, b) in enumerate(items):
            # an item opened by a stop character is still one name (、同顺兴村党支部)
            inner = [j for j, (s0, e0) in enumerate(spans) if e0 == b and a < s0 <= a + 2 and k > 0
                     and all(ch in _BODY_STOP for ch in text[a:s0])]
            if inner:
                old_start = spans[inner[0]][0]
                spans[inner[0]] = (a, b)
                by_start = sorted(spans)
                out = [Mention("organisation", _span(text, a, b), dict(o.attrs))
                       if (o.span.start, o.span.end) == (old_start, b) else o for o in out]
                continue
            name = text[a:b]
            if any(s0 < b and a < e0 for s0, e0 in spans) or not 2 <= len(name) <= 12 \
                    or not re.fullmatch(r"[\u4e00-\u9fff]+", name) or not _HEAD_AT_END.search(name):
                continue
            if name[0] in _BODY_STOP or _NOT_ORG.match(name) or _GENERIC_NAME.match(name):
                continue
            added.append(Mention("organisation", _span(text, a, b), {"listed": True}))
    return sorted(out + added, key=lambda o: o.span.start) if added else out


def _names_inside(by_start: list[tuple[int, int]], s: int, e: int) -> int:
    """How many of the spans (sorted) lie inside ``[s, e)``, counted up to two.

    >>> _names_inside([(0, 3), (4, 6), (5, 9)], 0, 7), _names_inside([(0, 3), (4, 6)], 1, 7)
    (2, 1)
    """
    n = 0
    for i in range(bisect.bisect_left(by_start, (s,)), len(by_start)):
        s0, e0 = by_start[i]
        if s0 >= e or n == 2:
            break
        n += e0 <= e
    return n


@functools.lru_cache(maxsize=2)
def shared_organisations(text: str) -> tuple[Mention, ...]:
    """``find_organisations(text)`` over the whole text, worked out once per text (the inspection
    and the organisations extractors both read it): the same Mention objects for every caller, to
    read only (:func:`organisations_of` gives copies to change)."""
    return tuple(find_organisations(text))


def organisations_in(text: str, start: int, end: int) -> Sequence[Mention]:
    """``find_organisations(text, start, end)``, to read only: the shared whole-text reading where
    the range is the whole text (a short page's opening lines often are).

    >>> organisations_in("县委巡察办牵头。", 0, 8) is shared_organisations("县委巡察办牵头。")
    True
    """
    if start == 0 and end == len(text):
        return shared_organisations(text)
    return find_organisations(text, start, end)


def organisations_of(text: str) -> list[Mention]:
    """:func:`shared_organisations`, each call with its own Mention objects.

    >>> [m.text for m in organisations_of("县委巡察办牵头。")]
    ['县委巡察办']
    """
    return [Mention(m.kind, m.span, dict(m.attrs)) for m in shared_organisations(text)]


class _Intervals:
    """Sorted, non-overlapping intervals with a fast "is [s, e) inside one of them?".

    >>> _Intervals([(0, 5), (10, 20)]).covers(12, 15), _Intervals([(0, 5)]).covers(4, 6)
    (True, False)
    """

    def __init__(self, pairs):
        self.pairs = sorted(pairs)
        self.starts = [a for a, _ in self.pairs]

    def covers(self, s: int, e: int) -> bool:
        i = bisect.bisect_right(self.starts, s) - 1
        return i >= 0 and self.pairs[i][1] >= e


def _span(text: str, s: int, e: int):
    return Span(s, e, text[s:e])


_ABBREV = re.compile(r"[（(](?:以下简称|下称|简称)[“\"]?(?P<short>[^”\"）)]{1,20})[”\"]?[）)]")
_PRONOUN = re.compile(r"(?:我|本)(?:委|局|办|院|部|厅)(?![\u4e00-\u9fff]?(?:员|托|派|书|会))|委机关(?!办公室|党委|纪委|内)")
_COORD = re.compile(r"(?P<levels>(?:(?:中央|[省市区县])、){1,3}(?:中央|[省市区县]))"
                    r"(?P<head>委|政府|纪委|督导组|巡视组|巡察组|指导组|政法委|纪委监委)")
_COORD_OPENING = re.compile("中央、|省、|市、|区、|县、")


# News outlets named as the source of a page: 来源：X网-X日报, X网某地6月1日讯, (X日报记者 …),
# 新甘肃·甘肃日报记者, and a bracketed outlet that ends a paragraph, (某县政府网)
_OUTLET = r"[\u4e00-\u9fff]{1,10}?(?:新闻网|日报社|日报|晚报|报社|在线|网|新闻|电视台|融媒体中心|报)"
_OUTLET_NAME = re.compile(_OUTLET)
_SOURCE_FIELD = re.compile(rf"(?:来源|稿源)\s*[:：]\s*(?P<v>{_OUTLET}(?:[-－—/／]{_OUTLET})*)(?=$|[\s|｜】\]·•])", re.M)
_BEFORE_DATELINE = re.compile(rf"{_OUTLET}(?:[\u4e00-\u9fff]{{2,4}})?(?:\d{{1,2}}月\d{{1,2}}日)?")  # …讯
_BEFORE_REPORTER = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:[·/／][\u4e00-\u9fff]{2,10})*?(?:全媒体)?")  # …记者
_ENDING = re.compile(rf"[(（](?P<v>{_OUTLET})[)）](?=\s*$)", re.M)
_ANCHORS = re.compile(r"讯|日电|记者")
_SEGMENT_START = re.compile(r"[\s(（【\[□>]")
_NOT_OUTLET = re.compile(r"^(?:本|该|我)(?:网|报|站)$|.*(?:官网|门户网)$")


def find_outlets(text: str) -> list[Mention]:
    """News outlets and sites a page names as its source.

    >>> [m.text for m in find_outlets("来源：某某网-某某日报\\n（某某晚报记者 王五）")]
    ['某某网', '某某日报', '某某晚报']
    """
    found: list[tuple[int, str, bool]] = []  # (start, name as written, joined to an outlet in a byline)
    for m in _SOURCE_FIELD.finditer(text):
        found.append((m.start("v"), m.group("v"), False))
    for m in _ENDING.finditer(text):
        found.append((m.start("v"), m.group("v"), False))
    for a in _ANCHORS.finditer(text):  # the words of a dateline or a byline run back to a delimiter
        lo = max(0, a.start() - 30)
        cut = None
        for d in _SEGMENT_START.finditer(text, lo, a.start()):
            cut = d.end()
        seg_start = cut if cut is not None else (0 if lo == 0 else None)
        if seg_start is None or seg_start >= a.start():
            continue
        if a.group() == "记者":
            if _BEFORE_REPORTER.fullmatch(text, seg_start, a.start()):
                v = text[seg_start:a.start()]
                v = v[:-3] if v.endswith("全媒体") else v
                found.append((seg_start, v, True))
        else:
            m = _BEFORE_DATELINE.fullmatch(text, seg_start, a.start() + (1 if a.group() == "日电" else 0))
            if m:
                found.append((seg_start, _OUTLET_NAME.match(text, seg_start).group(), False))
    out: list[Mention] = []
    seen = set()
    for s, value, byline in sorted(found):
        for part in re.split(r"[-－—/／·]", value):
            e = s + len(part)
            # in a byline each name joined to an outlet counts (新甘肃·某日报); others must end like one
            if part and (s, e) not in seen and not _NOT_OUTLET.match(part) and (
                    byline and len(value) > len(part) or _OUTLET_NAME.fullmatch(part)):
                seen.add((s, e))
                out.append(Mention("organisation", _span(text, s, e), {"outlet": True}))
            s = e + 1
    return out


@extractor("organisations", requires=["meta"], assigns=["organisations"])
def extract_organisations(doc: Doc) -> None:
    """Every organisation mention, with 以下简称 abbreviations recorded as aliases of the full name."""
    text = doc.text
    from kg.extractors.policies import find_titles

    inside = _Intervals((s, e) for s, e, depth in find_titles(text) if depth == 0)
    # names inside a document title (《中共中央政治局…细则》) are part of the title, not mentions
    mentions = [m for m in organisations_of(text) if not inside.covers(m.span.start, m.span.end)]
    outlets = find_outlets(text)
    if outlets:  # an outlet's name holds a body's name (某县政府网): the outlet is the mention
        cover = _Intervals((o.span.start, o.span.end) for o in outlets)
        mentions = [m for m in mentions if not cover.covers(m.span.start, m.span.end)] + outlets
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
