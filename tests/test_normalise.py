"""normalise: the only code that changes text."""
import pytest

from kg.normalise import has_traditional, normalise


@pytest.mark.parametrize("raw, expected", [
    ("一、总体情况\r\n（一）组织领导\r\n", "一、总体情况\n（一）组织领导"),
    ("  前导空格\n\n\n\n后文  ", "前导空格\n\n后文"),
    ("全角\u3000空格\xa0和\t制表", "全角 空格 和 制表"),
    ("零\u200b宽\ufeff字符", "零宽字符"),
    ("数字２０２１年３月", "数字2021年3月"),
    ("进(jìn)行整(zhěng)改", "进行整改"),
    ("保留(GPS)定位和(试行)", "保留(GPS)定位和(试行)"),
])
def test_normalise_rewrites(raw, expected):
    assert normalise(raw)[0] == expected


def test_normalise_converts_traditional_to_simplified():
    text, converted = normalise("關於「黨風廉政建設」問題的整改")
    assert converted is True
    assert text == "关于「党风廉政建设」问题的整改"


def test_normalise_converts_variants_opencc_leaves():
    assert normalise("集團黨委對陜西分公司開展巡察")[0] == "集团党委对陕西分公司开展巡察"


def test_normalise_leaves_simplified_alone():
    assert normalise("关于党风廉政建设问题") == ("关于党风廉政建设问题", False)


def test_normalise_has_traditional_detects_single_character():
    assert has_traditional("巡视组進驻") and not has_traditional("巡视组进驻")


def test_normalise_is_idempotent_on_sample(corpus_dir):
    for p in corpus_dir.iterdir():
        once, _ = normalise(p.read_text(encoding="utf-8"))
        assert normalise(once)[0] == once
