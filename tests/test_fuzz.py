"""Property tests: text in the genre's shapes never breaks normalisation, structure or extraction,
and every span the pipeline writes quotes the text exactly."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.doc import Doc
from kg.normalise import normalise
from kg.pipeline import analyse_doc
from kg.rdf import map_report
from kg.resolve import resolve
from kg.structure import parse

CN_NUM = "一二三四五六七八九十"
words = st.sampled_from([
    "整改", "巡察", "巡视", "问题", "县委", "市委政法委", "区纪委监委", "领导小组", "制度", "落实", "加强",
    "“四个意识”", "《某某办法(试行)》", "《关于〈某某条例〉的通知》", "已整改完毕", "正在整改", "尚有2项未出台",
    "2021年3月8日", "6月16日", "至", "对", "开展了", "反馈了巡察意见", "以下简称", "(", ")", "（", "）",
    "“", "”", "。", "，", "、", "；", "：", "\n", " ", "\u3000", "關於", "進(jìn)行", "25个问题已整改完成",
    "编辑 张三", "县委书记王某某同志", "联系电话:0577-12345678", "517.64万元", "95%", "《", "》", "〈",
])
markers = st.one_of(
    st.builds(lambda n: f"{CN_NUM[n % 10]}、", st.integers(0, 9)),
    st.builds(lambda n: f"（{CN_NUM[n % 10]}）", st.integers(0, 9)),
    st.builds(lambda n: f"{n}.", st.integers(1, 60)),
    st.builds(lambda n: f"({n})", st.integers(1, 9)),
    st.builds(lambda n: f"{CN_NUM[n % 10]}是", st.integers(0, 9)),
    st.just("关于“"), st.just("”问题的整改。"), st.just("具体问题:"), st.just("在"), st.just("方面"),
    st.just("整改措施:"), st.just("整改情况:"),
)
genre_text = st.lists(st.one_of(words, markers, st.text(max_size=5)), max_size=120).map("".join)


def _exact(doc: Doc, data: bytes) -> None:
    import pyoxigraph

    spans = {}
    for q in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.N_QUADS):
        p = q.predicate.value
        if p.endswith(("#start", "#end", "#exact")):
            spans.setdefault(q.subject.value, {})[p.rsplit("#", 1)[1]] = q.object.value
    for s in spans.values():
        assert doc.text[int(s["start"]):int(s["end"])] == s["exact"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genre_text)
def test_fuzz_normalise_is_idempotent_and_total(text):
    once, _ = normalise(text)
    assert normalise(once)[0] == once


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genre_text)
def test_fuzz_structure_sections_are_nested_and_exact(text):
    d = Doc(source="f.txt", sha256="0" * 64, text=normalise(text)[0])
    parse(d)
    for s in d.all_sections():
        assert d.text[s.title.start:s.title.end] == s.title.text
        assert s.start <= s.title.start <= s.title.end <= s.end <= len(d.text)
        for c in s.children:
            assert s.start <= c.start and c.end <= s.end


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genre_text)
def test_fuzz_extraction_never_raises_and_every_span_is_exact(text):
    d = Doc(source="f.txt", sha256="ab" * 32, text=normalise(text)[0])
    analyse_doc(d)
    data = map_report(d, resolve(d))   # map_report itself refuses an inexact span
    _exact(d, data)
