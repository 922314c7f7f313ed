"""The fast forms of scans find exactly what their plain definitions find.

Several rules are written so that the regex engine can skip ahead (a pattern that opens with a
character class or a word) or so that a text is not scanned at all (a part that every match must
contain is absent); each is checked here against the plain form, on text shaped for the rule.
"""
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kg import zh
from kg.extractors import counts, matches_in_runs, matches_opening, organisations, people, quantities
from kg.normalise import _traditional_chars, has_traditional

FAST = settings(max_examples=300, deadline=None)


def spans(matches):
    return [(m.span(), m.groupdict()) for m in matches]


def text_of(pieces, max_size=40):
    """Text made of the given pieces (words and single characters), in any order."""
    return st.lists(st.sampled_from(pieces), max_size=max_size).map("".join)


# --- kg.zh: the gazetteer looked up by prefix length instead of one regex of every name ----------

_places = sorted(zh._place_levels())[::37]


@FAST
@given(text_of(_places + ["中共", "区委", "市", "省", "委", "政法委", "纳入", "吴", "中区"], 8))
def test_place_tokens_match_the_longest_first_regex(name):
    levels, pat = zh._gazetteer()
    plain, pos = [], 0
    rest = name[2:] if name.startswith("中共") else name
    while m := pat.match(rest, pos):
        plain.append((m.group(), levels[m.group()]))
        pos = m.end()
    assert zh.place_tokens(name) == plain


# --- kg.normalise: traditional characters found by a character class -----------------------------

_trad = sorted(_traditional_chars())


@FAST
@given(text_of(_trad[::50] + [c for c in _trad if c > "\uffff"][:5] + list("关于整改巡视𠀀𪚥 a1"), 20))
def test_has_traditional_is_a_set_test(text):
    trad = _traditional_chars()
    assert has_traditional(text) == any(ch in trad for ch in text)


# --- extractors: patterns that skip ahead to their opening words ---------------------------------

_bylines = ["编辑", "责任编辑", "审核", "记者", "通讯员", "作者", "张三丰", "欧阳文", "王", "李", " ", "\n", "：",
            ":", "（", "）", "(", ")", "，", "的", "等"]


@FAST
@given(text_of(_bylines))
def test_bylines_found_from_their_post_word(text):
    assert spans(matches_opening(people._BYLINE, people._BYLINE_POST, text)) == \
        spans(people._BYLINE.finditer(text))


_levels = st.lists(st.sampled_from(["中央", "省", "市", "区", "县", "镇"]), min_size=1, max_size=5).map("、".join)
_coordinated = st.tuples(_levels, st.sampled_from(["委", "政府", "纪委", "巡视组", "政法委", "监委", "党", ""])).map("".join)


@FAST
@given(st.lists(st.one_of(_coordinated, st.sampled_from(["、", "委", "和", "中", "央"])), max_size=8).map("".join))
def test_coordinated_levels_found_from_their_opening(text):
    assert spans(matches_opening(organisations._COORD, organisations._COORD_OPENING, text)) == \
        spans(organisations._COORD.finditer(text))


@FAST
@given(text_of(["开展", "李红", "王建国", "欧阳", "等", "英模", "先进", "同志", "典型", "学习", "某"]))
def test_exemplars_need_their_ending(text):
    if not people._EXEMPLAR_ENDING.search(text):
        assert not people._EXEMPLAR.search(text)


# --- counts: the number opens with a character class ---------------------------------------------

_count_words = list("0123456789一二两三四五六七八九十百千个项条份 \n，、。共计累已有还尚正仍在推进的中") + [
    "问题", "整改", "已整改完成", "完成整改", "整改到位", "突出", "具体", "主要", "措施", "举措", "任务", "制度",
    "长效机制", "新建", "反馈", "办结", "１２"]


@FAST
@given(text_of(_count_words, 60))
def test_count_number_is_zh_num(text):
    plain = re.compile(rf"(?P<n>{zh.NUM})\s*[个项条]")
    fast = re.compile(rf"{counts.N}\s*[个项条]")
    assert spans(fast.finditer(text)) == spans(plain.finditer(text))


_count_more = _count_words + ["需要", "需", "持续", "推进", "正在", "仍在", "尚在", "均已", "已经", "已", "多", "余",
                              "重点问题", "具体", "整改措施", "完成", "其中", "已完成整改", "共计", "，"]


# a count as the patterns read one: words, a number, a unit, words (or a word of any kind)
_count_around = ["问题", "已", "均", "经", "正在", "尚在", "推进", "整改", "需", "要", "持续", "具体", "措施", "举措",
                 "完成", "重点", "的", "，", "已经", "均已", "需要", "整改完成", "完成整改", "持续推进整改", "共计",
                 "尚在整改", "问题已整改完成", "需要持续整改", "具体整改措施", "重点问题", "整改问题", "整改的问题"]
_count_phrase = st.tuples(text_of(_count_around, 3), st.sampled_from(["12", "三", "8", "二十"]),
                          st.sampled_from(["个", "项", "条", "多项", "余 个", ""]), text_of(_count_around, 3)).map("".join)


@settings(max_examples=2000, deadline=None)  # (a pattern's words meet by chance: many examples)
@given(st.lists(st.one_of(_count_phrase, st.sampled_from(_count_more)), max_size=12).map("".join))
def test_count_patterns_need_their_part(text):
    for key, pat, *needs in counts.PATTERNS:
        for part in needs:
            if not part.search(text):
                assert not pat.search(text), (key, pat.pattern, part.pattern)


# --- quantities: the number's "not after a digit or a dot" test sits behind its first digit -----

@FAST
@given(text_of(list("0123456789..个项%元万亿次人名 中文，") + ["万元", "亿元", "人次", "项目"], 60))
def test_quantity_number_is_not_after_a_digit_or_dot(text):
    plain = re.compile(quantities._Q.pattern.replace(r"(?P<n>\d(?<![\d.]\d)\d*(?:\.\d+)?)",
                                                     r"(?<![\d.])(?P<n>\d+(?:\.\d+)?)"))
    assert plain.pattern != quantities._Q.pattern
    assert spans(quantities._Q.finditer(text)) == spans(plain.finditer(text))


# --- deadlines: a date before which to finish is looked for only around a 前 ---------------------

_deadline_words = list("0123456789１２一二三十年月日号底末前之 \u3000\t\n，。：:a〇○零") + [
    "2021年", "今年", "明年", "上半年", "年底", "12月底前", "6月30日前", "完成", "到位", "整改时限：",
    "完成时限:", "立行立改", "长期坚持", "持续推进", "彻底", "月份", "中旬", "二〇二一年", "二○二一年", "全部"]


# a period as _BY reads one: a year, a month and day or a part of the year, then 前
_deadline_phrase = st.tuples(
    st.sampled_from(["", "2021年", "2021 年 ", "2021\u3000年", "二〇二一年", "二○二一年", "今年", "本年度", "１２年"]),
    st.sampled_from(["", "12月", "6 月 30 日", "6\t月\n", "十二月底", "6月份", "年底", "上半年", "底", "3月中旬", "１２月"]),
    st.sampled_from(["前", " 之前", "前完成", "前全部到位", "", "后"]), st.sampled_from(["", "，", "a", "。"])).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(_deadline_phrase, text_of(_deadline_words, 3)), max_size=8).map("".join),
       st.integers(0, 40), st.integers(0, 80))
def test_deadlines_found_around_before(text, a, b):
    from kg.extractors import deadlines

    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    assert spans(deadlines._by_matches(text, start, end)) == spans(deadlines._BY.finditer(text, start, end))


@FAST
@given(text_of(_deadline_words + ["立即整改", "马上就改", "长期推进", "常态化推进", "长期整改", "即知即改", "长期"], 30))
def test_deadline_words_found_as_plain_words(text):
    from kg.extractors import deadlines

    grouped = re.compile(rf"(?P<imm>{deadlines._IMMEDIATE})|(?P<long>{deadlines._LONG_TERM})")
    assert [(m.span(), "immediate" if m.group("imm") else "long_term") for m in grouped.finditer(text)] == \
        [(m.span(), deadlines._word_kind(m)) for m in deadlines._WORDS.finditer(text)]


# --- inspection: a round is looked for only in the runs of Chinese characters around 轮 or 批 -----

_round_words = list("第一二三十届轮批首某镇组对的 \u3000\xa0\t\n，。；a1（") + [
    "省委", "市委", "县委", "党委", "党组", "中央", "巡视", "巡察", "十五届", "第三轮", "首轮", "第二批", "开展", "集团"]


_round_phrase = st.tuples(
    st.sampled_from(["", "十五届", "第十二届 ", "十\u3000届"]), st.sampled_from(["", "某市委", "集团党委", "县委", "中央", "省委\xa0"]),
    st.sampled_from(["第三轮", "第 二 轮", "首轮", "第一批", "首批", "第三轮第二批", "第\t十轮"]),
    st.one_of(text_of(list("某的对开展镇 \u3000\n，a") + ["集中", "专项"], 8),
              st.sampled_from(["a" + "某" * 10, "a" + "某" * 11, "1" * 12, "a" * 13])),
    st.sampled_from(["巡视", "巡察", "", "，巡察"])).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(_round_phrase, text_of(_round_words, 4)), max_size=6).map("".join), st.integers(0, 200))
def test_round_found_in_runs_around_its_word(text, end):
    from kg.extractors import inspection

    end = min(end, len(text))
    assert spans(inspection._round_matches(text, end)) == spans(inspection.ROUND.finditer(text, 0, end))


# --- organisations: the national names as alternatives that open with plain words --------------

_national = sorted(zh.CENTRAL_BODIES)[::3] + sorted(zh.MINISTRIES)[::3]


@FAST
@given(text_of(_national + list("部局司室署门分长办公厅国内中央人民某的，") + ["办公厅", "新华社"], 30))
def test_national_names_found_as_plain_words(text):
    grouped = re.compile(
        "(?:" + "|".join(sorted(zh.CENTRAL_BODIES, key=len, reverse=True)) + ")" + organisations._OWN_DEPARTMENT
        + "|(?:" + "|".join(sorted(zh.MINISTRIES, key=len, reverse=True)) + r")部(?![署门分])")
    assert spans(organisations._NATIONAL_NAMES.finditer(text)) == spans(grouped.finditer(text))


# --- inspection: a team is looked for only in the runs around 巡视 / 巡察 -------------------------

_team_phrase = st.tuples(
    st.sampled_from(["", "11个", "3个", "省委", "市委", "县委", "校党委", "省", "区", "１２个"]),
    st.sampled_from(["", "第三轮", "第一、第二", "第四、五", "第一、二、三"]), st.sampled_from(["", "专项", "上下联动", "提级交叉"]),
    st.sampled_from(["巡视", "巡察"]), st.sampled_from(["", "一", "十二"]), st.sampled_from(["组", "", "办", "组长"])).map("".join)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(_team_phrase, text_of(list("某对于开展的，。、 1a") + ["进驻", "巡察", "组"], 3)), max_size=6).map("".join),
       st.integers(0, 30), st.integers(0, 90))
def test_teams_found_in_runs_around_their_word(text, a, b):
    from kg.extractors import inspection

    s, e = min(a, b, len(text)), min(max(a, b), len(text))
    assert spans(matches_in_runs(inspection.TEAM, inspection._TEAM_WORD, inspection._in_team, text, s, e)) == \
        spans(inspection.TEAM.finditer(text, s, e))


# --- structure: an inline arabic heading opens with a digit the engine skips ahead to -------------

@FAST
@given(text_of(list("0123456789１٣.．、 %关于问题方面。a\n") + ["关于", "2021年", "1.", "12、"], 40))
def test_arabic_marker_opens_with_a_digit(text):
    from kg import structure

    plain = re.compile(r"(?P<n>\d{1,3})(?:[.．、](?![\d%])|\s(?=关于))")
    fast = structure.STYLES["arabic"][1]
    assert spans(fast.finditer(text)) == spans(plain.finditer(text))
    assert [spans([fast.match(text, i)]) for i in range(len(text)) if fast.match(text, i)] == \
        [spans([plain.match(text, i)]) for i in range(len(text)) if plain.match(text, i)]


# --- organisations: head words found through a tree of their first characters --------------------

_heads = sorted(organisations._HEADS)


@FAST
@given(text_of(_heads + list("某市区县的会员门长"), 30), st.integers(0, 5))
def test_head_words_tree_finds_the_longest_first_word(text, pos):
    plain = re.compile(organisations._HEAD_WORDS)
    assert spans(organisations._HEAD_RE.finditer(text, pos)) == spans(plain.finditer(text, pos))
    assert [m.span() for m in (organisations._HEAD_RE.match(text, i) for i in range(len(text))) if m] == \
        [m.span() for m in (plain.match(text, i) for i in range(len(text))) if m]


# --- kg.zh: a place looked up only at the lengths of the names that open as the text does ---------

@FAST
@given(text_of(_places + ["市", "区", "县", "省", "委", "中", "吴", "江", "南", "北", "山"], 8), st.integers(0, 12))
def test_place_at_is_the_longest_gazetteer_prefix(text, pos):
    levels = zh._place_levels()
    plain = next((text[pos:pos + n] for n in zh._place_lengths() if text[pos:pos + n] in levels), None)
    assert zh.place_at(text, pos) == plain


# --- organisations: levels and lead verbs as alternatives that open with words --------------------

@FAST
@given(text_of(organisations._LEVEL_NAMES.split("|") + ["中共", "中", "共", "党", "省", "某", "委"], 20))
def test_levels_found_as_words(text):
    plain = re.compile(rf"(?:中共)?(?:{organisations._LEVEL_NAMES})")
    assert spans(organisations._LEVEL.finditer(text)) == spans(plain.finditer(text))
    assert [spans([m]) for m in (organisations._LEVEL.match(text, i) for i in range(len(text))) if m] == \
        [spans([m]) for m in (plain.match(text, i) for i in range(len(text))) if m]


_leads = sorted(set(organisations._LEAD_VERBS))[::3] + ["受理", "受", "代表大会", "代表", "反馈意见", "反馈", "统一战线",
                                                         "统一", "“回头看”工作", "“回头看”", "巡察组", "巡察", "巡视"]


@FAST
@given(text_of(_leads + list("某市委局的"), 12), st.integers(0, 30))
def test_lead_verbs_tree_matches_the_plain_alternation(text, end):
    plain = re.compile("|".join(organisations._LEAD_PATTERNS + organisations._LEAD_VERBS))
    for i in range(len(text)):
        assert spans([m for m in [organisations._LEAD_RE.match(text, i, end)] if m]) == \
            spans([m for m in [plain.match(text, i, end)] if m])


@FAST
@given(text_of(["第", "十五", "三", "届", "轮", "组织", "宣传", "部", "处", "办", "厅", "局", "委", "某"], 12))
def test_organisation_prechecks_name_what_every_match_holds(text):
    # a 届次 holds 届; a field body (组织部) ends in one of its heads
    if "届" not in text:
        assert not organisations._TERM.search(text)
    for i in range(len(text)):
        for j in range(i + 1, len(text) + 1):
            if text[j - 1] not in organisations._FIELD_BODY_HEADS:
                assert not organisations._FIELD_BODIES.fullmatch(text, i, j)


# --- organisations: a clause with fewer than two names in it is no list of bodies ----------------

_list_items = ["县财政局", "县医保局", "城东处", "北区项目办", "资产管理处", "同顺兴村党支部", "市委", "区委政法委",
               "发展规划处", "某镇党委", "问题", "对县财政局", "北区项目办等17家单位", "所", "我", "办", "处", "中心",
               "开展巡察", "的", "和", "（", "）"]
_clause = st.lists(st.sampled_from(_list_items), min_size=1, max_size=5).map("、".join)
_lists = st.lists(st.tuples(_clause, st.sampled_from(["，", "。", "", "开展巡察。"])), max_size=4).map(
    lambda parts: "".join(a + b for a, b in parts))


@FAST
@given(_lists)
def test_listed_bodies_skip_clauses_with_fewer_than_two_names(text):
    fast = [(m.span, m.attrs) for m in organisations.find_organisations(text)]
    count, organisations._names_inside = organisations._names_inside, lambda *_: 2
    try:
        assert fast == [(m.span, m.attrs) for m in organisations.find_organisations(text)]
    finally:
        organisations._names_inside = count


# --- organisations: a range that is the whole text is read from the shared reading ---------------

@FAST
@given(_lists, st.integers(0, 60))
def test_organisations_in_a_range_are_found_as_in_the_range(text, end):
    end = min(end, len(text))
    for s, e in ((0, end), (0, len(text)), (min(3, end), end)):
        assert [(m.span, m.attrs) for m in organisations.organisations_in(text, s, e)] == \
            [(m.span, m.attrs) for m in organisations.find_organisations(text, s, e)]


# --- measures: 一是 / 二是 marks looked for only around a 是 ---------------------------------------

@FAST
@given(text_of(list("一二三四五六七八九十是。；;：:\n】，否的a ") + ["一是", "十二是", "二是否", "就是"], 30),
       st.integers(0, 30), st.integers(0, 40))
def test_enum_marks_found_around_is(text, a, b):
    from kg.extractors import measures

    s, e = min(a, b, len(text)), min(max(a, b), len(text))
    assert spans(measures._enum_marks(text, s, e)) == spans(measures._ENUM.finditer(text, s, e))


# --- inspection: launch and mobilisation sentences -------------------------------------------------

_insp_words = ["正式", "启动", "开始", "了", "第三轮", "巡察", "巡视", "对", "开展", "专项", "提级", "某镇", "党委", "工作",
               "动员", "见面", "部署", "大会", "会", "“回头看”", "组", "，", "办"]


@FAST
@given(text_of(_insp_words, 16))
def test_launch_and_mobilisation_forms(text):
    from kg.extractors import inspection

    plain = re.compile(rf"(?:正式)?{inspection._LAUNCHED}")
    assert spans(inspection._LAUNCH.finditer(text)) == spans(plain.finditer(text))
    if not inspection._holds_one(text, 0, len(text), inspection._MOBILISATION_WORDS):
        assert not inspection._MOBILISATION.search(text)
