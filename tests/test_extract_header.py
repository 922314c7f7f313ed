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
