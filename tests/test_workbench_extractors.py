"""The workbench's extraction rules (deadlines, responsibility, regions), one test per rule, on
short snippets written for the rule: invented units, no place, body, person or title from a sample."""
import pytest

from kg.doc import Doc
from kg.extractors import run
from kg.extractors.deadlines import find_deadlines
from kg.extractors.responsibility import find_responsibility
from kg.regions import region_of
from kg.structure import parse


def doc_of(text):
    d = Doc(source="snippet.txt", sha256="cd" * 32, text=text)
    parse(d)
    run(d)
    return d


def deadlines(text, year=2022):
    return [(d.kind, d.due, d.span.text) for d in find_deadlines(text, 0, len(text), year=year)]


# --- deadlines ------------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("坚持立行立改", [("immediate", None, "立行立改")]),
    ("做到即知即改", [("immediate", None, "即知即改")]),
    ("此项长期坚持", [("long_term", None, "长期坚持")]),
    ("并持续推进", [("long_term", None, "持续推进")]),
    ("2023年12月底前完成", [("by_date", "2023-12-31", "2023年12月底前完成")]),
    ("力争6月30日前完成", [("by_date", "2022-06-30", "6月30日前完成")]),
    ("于今年底前出台", [("by_date", "2022-12-31", "今年底前出台")]),
    ("明年3月底前办结", [("by_date", "2023-03-31", "明年3月底前办结")]),
    ("2024年上半年前到位", [("by_date", "2024-06-30", "2024年上半年前到位")]),
    ("在9月份前完成", [("by_date", "2022-09-30", "9月份前完成")]),
    ("二〇二三年十月底前", [("by_date", "2023-10-31", "二〇二三年十月底前")]),
])
def test_deadlines_phrases_of_the_genre(text, expected):
    assert deadlines(text) == expected


def test_deadlines_labelled_time_limit_is_read_without_a_before_word():
    assert deadlines("整改时限：2023年5月31日") == [("by_date", "2023-05-31", "2023年5月31日")]
    assert deadlines("整改时限:长期坚持") == [("long_term", None, "长期坚持")]


def test_deadlines_no_year_known_gives_no_due_date():
    assert deadlines("6月30日前完成", year=None) == [("by_date", None, "6月30日前完成")]


@pytest.mark.parametrize("text", ["问题已彻底前移", "截至目前", "目前正在推进", "前期已完成"])
def test_deadlines_ordinary_words_are_no_deadline(text):
    assert deadlines(text) == []


def test_deadlines_belong_to_the_measure_and_problem_that_state_them():
    d = doc_of("某县委员会关于巡察整改情况的通报\n"
               "各单位要立行立改。\n"
               "1.关于“档案管理不规范”的问题\n整改措施:一是建立档案台账,2023年3月底前完成。二是规范借阅流程。\n"
               "2.关于“会议记录不完整”的问题\n整改措施:完善会议制度。\n"
               "某县委员会\n2022年10月8日")
    found = [(dl.span.text, p.title.text, m.label.text if m else None)
             for dl, p, m in d.facts["deadlines"]]
    assert found == [("2023年3月底前完成", "档案管理不规范", "一是建立档案台账,2023年3月底前完成")]
    # the general pledge before the first problem is nobody's deadline; problem 2 names none


# --- responsibility -------------------------------------------------------------------------

def resp(text):
    return [(r.role, r.span.text) for r in find_responsibility(text, 0, len(text))]


@pytest.mark.parametrize("text,expected", [
    ("牵头单位:甲局", [("lead", "甲局")]),
    ("责任单位：乙办、丙中心", [("responsible", "乙办"), ("responsible", "丙中心")]),
    ("配合单位:丁所和戊站", [("participating", "丁所"), ("participating", "戊站")]),
    ("责任人：某某某（副局长）", [("person", "某某某")]),
    ("责任领导:分管副县长", [("person", "分管副县长")]),
    ("由甲局牵头", [("lead", "甲局")]),
    ("由某县委组织部和某县人社局牵头", [("lead", "某县委组织部"), ("lead", "某县人社局")]),
    ("责任单位:区住房和城乡建设局", [("responsible", "区住房和城乡建设局")]),
    ("由乙办具体负责", [("responsible", "乙办")]),
])
def test_responsibility_labels_and_by_phrases(text, expected):
    assert resp(text) == expected


@pytest.mark.parametrize("text", ["明确责任人", "由主要负责同志任组长", "压实责任单位的责任", "责任单位：相关"])
def test_responsibility_no_name_no_responsibility(text):
    assert resp(text) == []


def test_responsibility_value_stops_at_the_next_label():
    assert resp("责任单位：甲局 整改时限：2023年底") == [("responsible", "甲局")]


def test_responsibility_belongs_to_its_problem_and_nothing_is_guessed():
    d = doc_of("某县委员会关于巡察整改情况的通报\n"
               "1.关于“公车管理不严”的问题\n责任单位:机关事务中心。整改措施:建立公车台账。\n"
               "2.关于“食堂账目不清”的问题\n整改措施:规范财务报销。\n"
               "某县委员会\n2022年10月8日")
    found = [(r.role, r.span.text, p.title.text) for r, p, _ in d.facts["responsibility"]]
    assert found == [("responsible", "机关事务中心", "公车管理不严")]


# --- regions --------------------------------------------------------------------------------

@pytest.mark.parametrize("place,code,names", [
    ("浙江省", "330000", ("浙江省", "", "")),
    ("杭州市西湖区", "330106", ("浙江省", "杭州市", "西湖区")),
    ("上海市浦东新区", "310115", ("上海市", "", "浦东新区")),
    ("national", "", ("", "", "")),
    ("朝阳区", "", ("", "", "")),          # two districts of that name, no parent: no code
])
def test_regions_place_to_gb2260(place, code, names):
    r = region_of(place)
    assert (r.code, (r.province, r.city, r.county)) == (code, names)


def test_regions_organisation_key_scope_is_a_place():
    assert region_of("杭州市西湖区|区委组织部").code == "330106"
