"""The benchmark's scale corpus: deterministic, genre-shaped, and every file builds with problems."""
import re
import sys
from pathlib import Path

import pytest

from kg.pipeline import build_corpus, process_file

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from scale import MAX_BYTES, MIN_BYTES, make_corpus, make_report  # noqa: E402  (the benchmark's, not the library's)

N = 24


@pytest.fixture(scope="module")
def scale_corpus(tmp_path_factory) -> list[Path]:
    return make_corpus(tmp_path_factory.mktemp("scale"), N, seed=3)


def test_scale_same_seed_gives_byte_identical_files(scale_corpus, tmp_path):
    again = make_corpus(tmp_path, N, seed=3)
    assert [p.name for p in again] == [p.name for p in scale_corpus]
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in scale_corpus]


def test_scale_a_smaller_corpus_is_a_prefix_of_a_larger_one(scale_corpus, tmp_path):
    small = make_corpus(tmp_path, 5, seed=3)
    assert [p.read_bytes() for p in small] == [p.read_bytes() for p in scale_corpus[:5]]


def test_scale_different_seeds_differ(scale_corpus):
    other = [make_report(i, seed=4) for i in range(N)]
    mine = [p.read_text(encoding="utf-8") for p in scale_corpus]
    assert all(a != b for a, b in zip(mine, other))


def test_scale_rewriting_a_folder_removes_the_previous_corpus(tmp_path):
    first = make_corpus(tmp_path, 4, seed=1)
    second = make_corpus(tmp_path, 3, seed=2)
    left = sorted(p.name for p in tmp_path.glob("*.txt"))
    assert left == sorted(p.name for p in second)
    assert not set(p.name for p in first) & set(left)


def test_scale_sizes_vary_within_the_genre_range(scale_corpus):
    sizes = [p.stat().st_size for p in scale_corpus]
    assert all(MIN_BYTES * 0.9 <= s <= MAX_BYTES for s in sizes), sizes
    assert max(sizes) > 3 * min(sizes)


def test_scale_files_keep_the_genre_structure(scale_corpus):
    for p in scale_corpus:
        text = p.read_text(encoding="utf-8")
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        opening = next(ln for ln in lines if ln.startswith("根据"))
        assert re.search(r"第[一二三四五六七八九十]+(?:巡视|巡察)组", opening), opening
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", opening)
        assert re.search(r"^[\s\u3000]*一、", text, re.M) and re.search(r"^[\s\u3000]*二、", text, re.M)
        assert re.search(r"\d{1,3}\.关于.+问题", text)
        assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", lines[-1]), lines[-1]
        assert lines[-2].startswith("中共") or lines[-2].endswith(("局", "会", "院", "社")), lines[-2]
    joined = "".join(p.read_text(encoding="utf-8") for p in scale_corpus)
    assert "整改措施:" in joined and "整改情况:" in joined and "《" in joined
    assert re.search(r"^[\s\u3000]*[（(][一二三四五六七八九十]+[)）]", joined, re.M)


def test_scale_files_name_none_of_the_sample_reports_own_places(scale_corpus, corpus_dir):
    from scale import _pool

    own = {name for d in _pool(str(corpus_dir.resolve())).donors for name, _ in d.places}
    assert own
    for p in scale_corpus:
        text = p.read_text(encoding="utf-8")
        assert not [name for name in own if name in text], p.name


def test_scale_every_file_builds_without_failure_and_yields_problems(scale_corpus, tmp_path):
    for p in scale_corpus:
        r = process_file(p)
        assert r.stats["problems"] > 0, p.name
        assert r.stats["measures"] > 0, p.name
    summary = build_corpus(scale_corpus, tmp_path / "out", jobs=2, write_views=False)
    assert summary.failures == []
    assert summary.reports_built == N
    assert summary.totals["problems"] >= N
