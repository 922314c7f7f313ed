"""The header of a report (the inspection it answers), its people and organisations: one test per
rule, on short snippets written for the rule (not cut from the samples or the dev set)."""
import pytest

from kg.doc import Doc
from kg.extractors import run
from kg.structure import parse
from kg.zh import find_dates


def doc_of(text, names=None):
    d = Doc(source="snippet.txt", sha256="cd" * 32, text=text)
    parse(d)
    run(d, names)
    return d


# --- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("于2019年3月4日至5月6日", ["2019-03-04", "2019-05-06"]),
    ("2018年11月20日至1月9日", ["2018-11-20", "2019-01-09"]),           # a range over the new year
    ("201835日至612日进驻", ["2018-03-05", "2018-06-12"]),               # 年 and 月 lost by the page
    ("2017128日反馈", []),                                               # 1-28 or 12-8: no date
    ("至612日", []),                                                      # a bare run needs a dated start
    ("2016/7/9 10:31", ["2016-07-09"]),
    ("二〇一九年三月五日", ["2019-03-05"]),
])
def test_zh_dates(text, expected):
    assert [d.iso for d in find_dates(text)] == expected


def test_zh_dates_run_together_takes_the_reading_after_the_previous_date():
    # 2017111日 reads 1-11 or 11-1; after 10月5日 only 11-1 keeps the range in order
    assert [d.iso for d in find_dates("2017年10月5日至2017111日")] == ["2017-10-05", "2017-11-01"]


@pytest.mark.parametrize("text, expected", [
    ("2019年4月至6月开展巡视", ["2019-04", "2019-06"]),
    ("2019年11月下旬开展巡察", ["2019-11"]),
    ("2019年12月至2020年2月", ["2019-12", "2020-02"]),
    ("今年5月至8月开展试点", []),                                        # no year known: left out
    ("历时3个月", []),
])
def test_zh_month_only_dates_are_year_month(text, expected):
    assert [d.iso for d in find_dates(text, months=True)] == expected


def test_zh_month_only_dates_take_the_year_given():
    assert [d.iso for d in find_dates("今年5月至8月开展试点", months=True, year=2019)] == ["2019-05", "2019-08"]
    assert find_dates("2019年4月开展巡视") == []                         # months only where asked


def test_rdf_month_only_date_is_a_gyearmonth():
    from kg.rdf import xsd_date

    assert xsd_date("2019-04").endswith("#gYearMonth>") and xsd_date("2019-04-01").endswith("#date>")


# --- organisations --------------------------------------------------------------------------

def orgs(text):
    return [m.attrs.get("name", m.text) for m in doc_of(text, ["metadata", "organisations"]).facts["organisations"]]


@pytest.mark.parametrize("text, expected", [
    # head words the grammar lacked
    ("由东坡街道办事处、区文联和区科协牵头。", ["东坡街道办事处", "区文联", "区科协"]),
    ("县人民医院党委召开会议。", ["县人民医院党委"]),
    ("市中院和省高院联合调研。", ["市中院", "省高院"]),
    ("县审计组进驻后，县委督查组随即跟进。", ["县审计组", "县委督查组"]),
    ("组织部、宣传部和统战部分别汇报，我校审计处列席。", ["组织部", "宣传部", "统战部", "审计处"]),
    ("党委巡视办与研究生院座谈。", ["党委巡视办", "研究生院"]),
    # a body inside a post
    ("省政协副主席出席。", ["省政协"]),
    ("县委书记、县纪委书记讲话。", ["县委", "县纪委"]),
    ("区纪委常委、区监委委员参加。", ["区纪委", "区监委"]),
    ("市统计局党组书记、局长主持。", ["市统计局"]),             # a party group in a post names its organ
    # a verb or a preposition never opens a name
    ("受市人民政府委托作报告。", ["市人民政府"]),
    ("认真贯彻县委决定，担任区委巡察办主任。", ["县委", "区委巡察办"]),
    ("巡察县水利局党组期间", ["县水利局党组"]),                 # 巡察 before the body it inspects
    ("区委巡察工作领导小组听取汇报。", ["区委巡察工作领导小组"]),  # … and inside a name
    ("组长代表县委第二巡察组讲话。", ["县委第二巡察组"]),
    ("严格落实市人大常委会审议意见。", ["市人大常委会"]),
    # 和, 份, 审批 inside a real name do not cut it; 和 before a level does
    ("区行政审批和政务信息管理局负责。", ["区行政审批和政务信息管理局"]),
    ("东湖高新股份有限公司签约。", ["东湖高新股份有限公司"]),
    ("落实方针和省委部署。", ["省委"]),
    # a 届次 before a named body is not part of it; inside a name (区七届人大常委会) it is
    ("召开十六届青山镇党委第二轮巡察动员会。", ["青山镇党委"]),
    ("区七届人大常委会审议。", ["区七届人大常委会"]),
    # generic classes and counts are not bodies; a level's teams after a count are
    ("各县区法院党组要重视，所辖5个社区党委、部分党支部、村党总支参加。", []),
    ("5个省委巡视组进驻，3个部门党组接受巡视。", ["省委巡视组"]),
    ("两级教育整顿办主任参会。", []),
    # 省市委 names two bodies; ordinals coordinated before one head are written as one name
    ("贯彻省市委部署。", ["省委", "市委"]),
    ("县委第三、第四巡察组分别进驻。", ["县委第三、第四巡察组"]),
    # a name in quotes; a body's own offices (机关) are the body
    ("召开“三人小组”会议。", ["三人小组"]),
    ("县政协机关全体干部参加。", ["县政协机关"]),
    # places that open with a stop character; autonomous counties by their short name
    ("来源：和平区委巡察办。", ["和平区委巡察办"]),
    ("会同县委组织部和县财政局检查。", ["县委组织部", "县财政局"]),  # 和 + 县 is not the place 和县
    ("石柱县委召开会议。", ["石柱县委"]),
])
def test_organisations_genre_grammar(text, expected):
    assert orgs(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("来源：东方日报-东方网", ["东方日报", "东方网"]),
    ("东方网北京5月3日讯 今天", ["东方网"]),
    ("（东方日报/东方新闻记者 某某）", ["东方日报", "东方新闻"]),
    ("（某地晨报全媒体记者 某某）", ["某地晨报"]),
    ("全文完。（某县政府网）", ["某县政府网"]),
    ("来源：本网", []),
])
def test_organisations_news_outlets_named_as_sources(text, expected):
    from kg.extractors.organisations import find_outlets

    assert [m.text for m in find_outlets(text)] == expected
