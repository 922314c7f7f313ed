"""People and their posts: "区委书记顾海东同志", "区委副书记、区长张某同志", "编辑 刘思凡",
"别立福等英模". A name is two or three characters starting with a common surname.

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
    "柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝别")
DOUBLE_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文")
_NAME = r"(?P<name>(?:欧阳|司马|诸葛|上官|东方|皇甫|尉迟|公孙|慕容|令狐|长孙|宇文)?[\u4e00-\u9fff]{2,3}?)"
_POST_WORDS = r"(?:书记|副书记|常务副书记|区长|市长|县长|省长|主任|副主任|局长|部长|厅长|院长|检察长|主席|秘书长|处长|科长|镇长|乡长|主委|委员|专职副书记|政委|所长|队长|站长|馆长|校长|董事长|总经理)"
_WITH_POST = re.compile(
    rf"(?P<post>[\u4e00-\u9fff]{{0,10}}?{_POST_WORDS}(?:、[\u4e00-\u9fff]{{0,8}}?{_POST_WORDS})*)\s?{_NAME}同志")
_BYLINE_POSTS = "责任编辑|编辑|审核|校对|审校|记者|通讯员|作者|摄影|供稿|撰稿"
_BYLINE = re.compile(rf"(?:^|(?<=[\s(（:：]))(?P<post>{_BYLINE_POSTS})\s*[:：]?\s*"
                     rf"{_NAME}(?=$|[\s)）,，;；])", re.M)
_BYLINE_POST = re.compile(_BYLINE_POSTS)  # where a byline starts
_EXEMPLAR_END = "等(?:英模|先进|典型|同志|优秀)"
_EXEMPLAR = re.compile(rf"(?:开展|组织|学习|宣传|评选|表彰|推出)?{_NAME}{_EXEMPLAR_END}")
_EXEMPLAR_ENDING = re.compile(_EXEMPLAR_END)  # what every exemplar ends with


def plausible_name(name: str) -> bool:
    """A 2–3 character name opening with a common surname.

    >>> plausible_name("顾海东"), plausible_name("领导"), plausible_name("欧阳文")
    (True, False, True)
    """
    if name.startswith(DOUBLE_SURNAMES):
        return 3 <= len(name) <= 4
    return 2 <= len(name) <= 3 and name[0] in SURNAMES


@extractor("people", requires=["text"], assigns=["people"])
def extract_people(doc: Doc) -> None:
    text = doc.text
    out: list[Mention] = []
    seen: set[tuple[int, int]] = set()

    def add(m, post: str | None, post_span=None):
        s, e = m.start("name"), m.end("name")
        name = text[s:e]
        if not plausible_name(name) or (s, e) in seen:
            return
        seen.add((s, e))
        attrs = {}
        if post:
            attrs["post"] = post
            attrs["post_span"] = post_span
        out.append(Mention("person", Span(s, e, name), attrs))

    # anchor on 同志 and match the post and name in the few characters before it
    matches = []
    pos = text.find("同志")
    while pos >= 0:
        lo = max(0, pos - 40)
        for m in _WITH_POST.finditer(text, lo, pos + 2):
            if m.end() == pos + 2:
                matches.append(m)
                break
        pos = text.find("同志", pos + 2)
    for m in matches:
        post = m.group("post")
        cut = max((post.rfind(c) for c in "以由为经请把被和与及将任"), default=-1)
        ps = m.start("post") + cut + 1
        # keep the post from its organisation on: cut at a clause start such as 以/由
        post = text[ps:m.end("post")]
        add(m, post, Span(ps, m.end("post"), post))
    for m in matches_opening(_BYLINE, _BYLINE_POST, text):
        add(m, m.group("post"), Span(m.start("post"), m.end("post"), m.group("post")))
    if _EXEMPLAR_ENDING.search(text):  # a text with no 等英模 / 等先进 … has no exemplar (most have none)
        for m in _EXEMPLAR.finditer(text):
            add(m, None)
    out.sort(key=lambda x: x.span.start)
    doc.facts["people"] = out
