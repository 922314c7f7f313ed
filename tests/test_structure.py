"""structure: the genre's heading systems → nested sections with offsets."""
import pytest

from kg.doc import Doc
from kg.structure import parse


def sections(text):
    d = Doc(source="t.txt", sha256="0" * 64, text=text)
    parse(d)
    return d, [(s.ordinal, s.title.text, sum(1 for _ in s.ancestors())) for s in d.all_sections()]


def test_structure_nests_the_four_levels():
    _, secs = sections("一、总体\n（一）第一类\n1.条目甲\n(1)细目\n2.条目乙\n（二）第二类\n二、下一步")
    assert secs == [("一", "总体", 0), ("(一)", "第一类", 1), ("1", "条目甲", 2), ("(1)", "细目", 3),
                    ("2", "条目乙", 2), ("(二)", "第二类", 1), ("二", "下一步", 0)]


@pytest.mark.parametrize("marker", ["1.", "1、", "1．"])
def test_structure_arabic_marker_variants(marker):
    _, secs = sections(f"{marker}关于“甲”的问题\n正文")
    assert secs[0][:2] == ("1", "关于“甲”的问题")


def test_structure_fullwidth_and_halfwidth_parentheses():
    _, secs = sections("(一)甲\n（二）乙")
    assert [s[0] for s in secs] == ["(一)", "(二)"]


def test_structure_inline_heading_after_fangmian():
    _, secs = sections("（三）在作风建设方面1.关于“会风不简”的问题。\n整改措施:精简会议。")
    assert secs == [("(三)", "在作风建设方面", 0), ("1", "关于“会风不简”的问题", 1)]


def test_structure_inline_subproblem_after_wenti():
    _, secs = sections("5.关于“资金管理不规范”的问题(1)具体问题:未专款专用。\n整改措施:建章立制。")
    assert secs == [("5", "关于“资金管理不规范”的问题", 0), ("(1)", "具体问题:未专款专用", 1)]


def test_structure_number_in_running_text_is_not_a_heading():
    _, secs = sections("1.关于“甲”的问题\n增长了2.5个百分点，完成3.2万元。\n2.关于“乙”的问题")
    assert [s[0] for s in secs] == ["1", "2"]


def test_structure_out_of_sequence_number_is_not_a_heading():
    _, secs = sections("1.甲\n2.乙\n2019.全年情况\n3.丙")
    assert [s[0] for s in secs] == ["1", "2", "3"]


def test_structure_line_start_enumeration():
    _, secs = sections("一、措施\n一是加强学习。\n二是完善制度。\n二、计划")
    assert secs == [("一", "措施", 0), ("一", "加强学习", 1), ("二", "完善制度", 1), ("二", "计划", 0)]


def test_structure_circled_numbers():
    _, secs = sections("1.总体\n①第一点\n②第二点")
    assert [s[0] for s in secs] == ["1", "①", "②"]


def test_structure_title_keeps_quoted_full_stop():
    _, secs = sections("1.关于“力度仍要加强。”问题的整改。正文在此。")
    assert secs[0][1] == "关于“力度仍要加强。”问题的整改"


def test_structure_no_whitespace_at_all():
    _, secs = sections("一、情况二、计划")  # one line, the second heading runs on without a break
    assert [s[0] for s in secs] == ["一"]


def test_structure_offsets_quote_the_text(corpus_dir):
    from kg.normalise import normalise

    for p in corpus_dir.iterdir():
        d, _ = sections(normalise(p.read_text(encoding="utf-8"))[0])
        for s in d.all_sections():
            assert d.text[s.title.start:s.title.end] == s.title.text
            assert d.text[s.marker.start:s.marker.end] == s.marker.text
            assert s.start <= s.title.start <= s.title.end <= s.end
