"""The whole pipeline on the five real sample reports: golden facts, exact evidence, determinism."""
import json
import subprocess
import sys
from pathlib import Path

import pyoxigraph
import pytest
import rdflib

from kg.pipeline import build_corpus, process_file

ROOT = Path(__file__).resolve().parent.parent
RK = rdflib.Namespace("https://w3id.org/rectkg/ontology#")
OA = rdflib.Namespace("http://www.w3.org/ns/oa#")


def test_pipeline_every_evidence_span_is_exact(sample_graph):
    g = sample_graph
    checked = 0
    contents = {r: str(c) for r, c in g.subject_objects(RK.content)}
    for sel in set(g.subjects(RK.inReport, None)):
        report = g.value(sel, RK.inReport)
        start, end = int(g.value(sel, OA.start)), int(g.value(sel, OA.end))
        assert contents[report][start:end] == str(g.value(sel, OA.exact)), sel
        assert end > start
        checked += 1
    assert checked > 1000


def test_pipeline_every_problem_and_measure_has_evidence(sample_graph):
    g = sample_graph
    for cls in (RK.Problem, RK.Measure):
        nodes = set(g.subjects(rdflib.RDF.type, cls))
        assert nodes
        assert all(g.value(n, RK.evidence) is not None for n in nodes)


# Where the pipeline knowingly differs from the hand annotation, and why.
KNOWN_GAPS = {
    ("003_d9623f3b0403799a.txt", "start"): "the report gives 3月1日 and never its year; left out, not guessed",
    ("004_e3e487f47ac6cebd.txt", "target"): "the annotator read the target from a later sentence",
}


def _norm(s):
    import re
    import unicodedata

    return re.sub(r"[\s“”\"'‘’「」《》()（）。，,、；;：:]", "", unicodedata.normalize("NFKC", s or ""))


@pytest.mark.parametrize("doc", ["000_23a78b058b181c61.txt", "001_2b4c8fa6d4b795d8.txt",
                                 "002_8460a2e6d7540865.txt", "003_d9623f3b0403799a.txt",
                                 "004_e3e487f47ac6cebd.txt"])
def test_pipeline_golden_facts_per_report(doc, corpus_dir, gold):
    """Counts and key facts of each sample report against its hand annotation."""
    from kg.ingest import read_source
    from kg.pipeline import analyse_doc, make_doc

    g = gold[doc]
    d = analyse_doc(make_doc(read_source(corpus_dir / doc)))
    f = d.facts
    assert [_norm(p.title.text) for p in f["problems"]] == [_norm(p["title"]) for p in g["problems"]]
    if g["report_date"]:
        assert f["meta"]["date"].iso == g["report_date"]
    from kg.resolve import resolve

    res = resolve(d)
    issuer = res.organisations[res.org(f["meta"]["issuer"].text)]
    assert _norm(g["issuer"]) in {_norm(x) for x in issuer.labels}
    gi = g["inspection"] or {}
    i = f["inspection"]
    for key, mine in (("kind", "kind"), ("team", "team"), ("target", "target"), ("start", "start"),
                      ("end", "end"), ("feedback_date", "feedback"), ("round", "round")):
        if not gi.get(key) or (doc, key) in KNOWN_GAPS:
            continue
        v = i[mine]
        assert _norm(v.iso if hasattr(v, "iso") else v.text) == _norm(gi[key]), key
    stated = {k: v for k, v in (g["stated_counts"] or {}).items() if v is not None}
    assert {k: v for k, (v, _) in f["counts"].items()} == stated
    outer = [m.text for m in f["policies"] if not m.attrs["nested"]]
    assert set(map(_norm, g["policies"])) <= set(map(_norm, outer)) | {_norm(m.text) for m in f["policies"]}


def test_pipeline_statuses_match_gold_where_gold_knows(corpus_dir, gold):
    from kg.ingest import read_source
    from kg.pipeline import analyse_doc, make_doc

    right = total = 0
    for doc, g in gold.items():
        d = analyse_doc(make_doc(read_source(corpus_dir / doc)))
        for mine, theirs in zip(d.facts["problems"], g["problems"]):
            if theirs["status"] != "unknown":
                total += 1
                right += mine.status == theirs["status"]
    assert total > 30 and right / total >= 0.95, (right, total)


def test_pipeline_consistency_finding_on_the_sample(built_corpus):
    """The Wuzhong report states 25 completed problems but numbers 24 items (one quotes two problems)."""
    store = pyoxigraph.Store()
    store.bulk_load(path=str(built_corpus / "kg.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    rows = list(store.query("""
        PREFIX rk: <https://w3id.org/rectkg/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?src ?kind ?stated ?listed WHERE { ?r dcterms:source ?src ; rk:hasFinding ?f .
          ?f rk:countKind ?kind ; rk:statedValue ?stated ; rk:listedValue ?listed } ORDER BY ?src"""))
    got = [(r["src"].value, r["kind"].value, int(r["stated"].value), int(r["listed"].value)) for r in rows]
    assert ("000_23a78b058b181c61.txt", "completed", 25, 25) in got


def test_pipeline_turtle_parses_in_rdflib_and_pyoxigraph(built_corpus, sample_graph):
    store = pyoxigraph.Store()
    store.bulk_load(path=str(built_corpus / "kg.ttl"), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(store) == len(sample_graph) > 10000


def test_pipeline_build_twice_is_byte_identical(tmp_path, corpus_dir):
    a = build_corpus([corpus_dir], tmp_path / "a", write_views=False)
    b = build_corpus([corpus_dir], tmp_path / "b", write_views=False)
    assert not a.failures and not b.failures
    assert (tmp_path / "a" / "kg.ttl").read_bytes() == (tmp_path / "b" / "kg.ttl").read_bytes()


def test_pipeline_parallel_build_equals_serial(tmp_path, corpus_dir):
    build_corpus([corpus_dir], tmp_path / "s", write_views=False, jobs=1)
    build_corpus([corpus_dir], tmp_path / "p", write_views=False, jobs=2)
    assert (tmp_path / "s" / "kg.ttl").read_bytes() == (tmp_path / "p" / "kg.ttl").read_bytes()


def test_pipeline_shards_union_equals_full_build(tmp_path, corpus_dir):
    """The slices' union is the full build, once the shared graph is made as the build makes it
    (one skos:prefLabel per entity: a corpus-wide step, like the analysis)."""
    from kg.export import normalise_shared
    from kg.vocab import SHARED_GRAPH_IRI

    full = build_corpus([corpus_dir], tmp_path / "full", write_views=False)
    assert not full.failures
    quads = set()
    for i in (1, 2, 3):
        s = build_corpus([corpus_dir], tmp_path / "shards", shard=f"{i}/3")
        quads |= {q for q in pyoxigraph.parse(path=str(s.outputs[0]), format=pyoxigraph.RdfFormat.N_QUADS)}
    shared = [q for q in quads if q.graph_name.value == SHARED_GRAPH_IRI]
    lines = normalise_shared(f"{q.subject} {q.predicate} {q.object}" for q in shared)
    quads = (quads - set(shared)) | set(pyoxigraph.parse(
        "".join(f"{x} <{SHARED_GRAPH_IRI}> .\n" for x in lines).encode(), format=pyoxigraph.RdfFormat.N_QUADS))
    from kg.store import Store

    st = Store.open(tmp_path / "full", read_only=True)
    try:
        stored = set(st.quads())
    finally:
        st.close()
    assert quads == stored


def test_pipeline_process_file_is_deterministic(corpus_dir):
    a = process_file(corpus_dir / "002_8460a2e6d7540865.txt")
    b = process_file(corpus_dir / "002_8460a2e6d7540865.txt")
    assert a.nquads == b.nquads and a.graph.endswith(a.sha256[:16])


SCORER = ROOT / "tests" / "tools" / "score.py"


def _score(gold_dir: Path, kg: Path, out: Path) -> dict:
    """The vendored scorer (tests/tools/score.py) on a built graph, as its JSON report."""
    subprocess.run([sys.executable, str(SCORER), "--gold", str(gold_dir), "--kg", str(kg), "--json", str(out)],
                   check=True, capture_output=True)
    return json.loads(out.read_text(encoding="utf-8"))


def test_pipeline_five_sample_reports_score_at_least_095(built_corpus, tmp_path):
    """The five full reports (the only long ones with full problem lists) must not regress."""
    result = _score(ROOT / "tests" / "gold", built_corpus / "kg.ttl", tmp_path / "score.json")
    assert result["overall"] >= 0.95, result["mean"]
    assert all(r["evidence"] == 1.0 for r in result["rows"])


@pytest.fixture(scope="module")
def gold_web_score(tmp_path_factory) -> dict:
    """The 50 real web pages of the genre (tests/gold-web), built as a user would build them, scored."""
    import shutil

    tmp = tmp_path_factory.mktemp("gold-web")
    web = ROOT / "tests" / "gold-web"
    texts = tmp / "texts"
    texts.mkdir()
    for p in sorted(web.glob("d*.txt")):
        shutil.copy(p, texts / p.name)
    summary = build_corpus([texts], tmp / "out")  # with the workbench, as the quick start builds
    assert summary.reports_built == 50 and not summary.failures, summary.failures
    assert not [w for w in summary.warnings if "views not written" in w], summary.warnings
    return _score(web, tmp / "out" / "kg.ttl", tmp / "score.json") | {"out": tmp / "out"}


def test_pipeline_gold_web_workbench_written(gold_web_score):
    """50 unseen pages get every workbench page: the corpus overview once drew a policy no unit
    linked to and failed with a KeyError (kg.views.aggregate_graph)."""
    out = gold_web_score["out"]
    assert (out / "views" / "overview.html").is_file()
    assert len(list((out / "reports").glob("*.html"))) == 50
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="views/overview.html"' in index and "views not written" not in index


def test_pipeline_files_written_before_the_store_equal_the_stores(gold_web_score, tmp_path):
    """kg.ttl and nquads/ are written from the reports' pieces before the store is loaded (the
    workers' output is ready first): byte for byte what the loaded store renders, on 50 real
    pages, and as many triples as the store holds."""
    from kg import export
    from kg.store import Store

    out = gold_web_score["out"]
    with Store.open(out, read_only=True) as store:
        triples = export.write_turtle(store, tmp_path / "kg.ttl")
        export.write_nquads_dir(store, out, tmp_path / "nquads")
        assert triples == len(store) == store.info()["triples"]
    assert (tmp_path / "kg.ttl").read_bytes() == (out / "kg.ttl").read_bytes()
    names = sorted(p.name for p in (out / "nquads").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "nquads").iterdir()) and len(names) == 51
    for name in names:
        assert (tmp_path / "nquads" / name).read_bytes() == (out / "nquads" / name).read_bytes(), name


def test_pipeline_gold_web_report_shapes_hold(gold_web_score):
    """The report shapes (problems, their categories, stated counts) on unseen pages, and a floor
    under the whole score that no change may push it below."""
    mean = gold_web_score["mean"]
    assert all(r["found"] for r in gold_web_score["rows"])
    for column in ("problems", "category", "counts", "evidence"):
        assert mean[column] >= 0.90, (column, mean)
    assert gold_web_score["overall"] >= 0.75, mean


def test_pipeline_gold_web_scores_at_least_085(gold_web_score):
    """The CI gate: gold-web overall ≥ 0.85 and no column below 0.75."""
    mean = gold_web_score["mean"]
    assert gold_web_score["overall"] >= 0.85, mean
    assert all(v >= 0.75 for v in mean.values() if v is not None), mean


def test_pipeline_cli_build_summary_and_python_m(tmp_path, corpus_dir):
    r = subprocess.run([sys.executable, "-m", "kg", "build", str(corpus_dir), "--out", str(tmp_path / "o"),
                        "--no-views"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "built 5 report(s)" in r.stdout and "problems 107" in r.stdout and "finding:" in r.stdout


def _titles(path):
    from kg.ingest import read_source
    from kg.pipeline import analyse_doc, make_doc

    d = analyse_doc(make_doc(read_source(path)))
    return d, [p.title.text for p in d.facts["problems"]]


@pytest.fixture(scope="module")
def reference(corpus_dir):
    return _titles(corpus_dir / "000_23a78b058b181c61.txt")[1]


def test_pipeline_traditional_characters_give_the_same_problems(tmp_path, corpus_dir, reference):
    from opencc import OpenCC

    text = (corpus_dir / "000_23a78b058b181c61.txt").read_text(encoding="utf-8")
    p = tmp_path / "trad.txt"
    p.write_text(OpenCC("s2t").convert(text), encoding="utf-8")
    d, titles = _titles(p)
    assert d.converted_from_traditional
    assert len(titles) == len(reference)
    assert sum(a == b for a, b in zip(titles, reference)) >= 0.9 * len(reference)


def test_pipeline_gbk_and_utf16_files_give_the_same_problems(tmp_path, corpus_dir, reference):
    text = (corpus_dir / "000_23a78b058b181c61.txt").read_text(encoding="utf-8")
    for enc in ("gbk", "utf-16"):
        p = tmp_path / f"r-{enc}.txt"
        p.write_bytes(text.encode(enc))
        d, titles = _titles(p)
        assert titles == reference, enc


def test_pipeline_pinyin_mirror_text_gives_the_same_problems(tmp_path, corpus_dir, reference):
    text = (corpus_dir / "000_23a78b058b181c61.txt").read_text(encoding="utf-8")
    p = tmp_path / "mirror.txt"
    p.write_text(text.replace("整改", "整(zhěng)改").replace("进行", "进(jìn)行"), encoding="utf-8")
    assert _titles(p)[1] == reference


def test_pipeline_docx_report(tmp_path, corpus_dir, reference):
    import docx

    d = docx.Document()
    for line in (corpus_dir / "000_23a78b058b181c61.txt").read_text(encoding="utf-8").splitlines():
        d.add_paragraph(line)
    p = tmp_path / "r.docx"
    d.save(p)
    doc, titles = _titles(p)
    assert doc.format == "docx" and titles == reference


def test_pipeline_html_report_with_site_chrome(tmp_path, corpus_dir, reference):
    import html

    body = "".join(f"<p>{html.escape(line)}</p>" for line in
                   (corpus_dir / "000_23a78b058b181c61.txt").read_text(encoding="utf-8").splitlines())
    page = ("<html><head><meta charset='gbk'><title>巡察整改</title><script>var x='<p>1.关于“假”问题</p>';</script>"
            "</head><body><div class='nav'>首页 | 要闻 | 通知公告</div><div class='content'>" + body +
            "</div><div class='footer'>版权所有 某某网站 ICP备12345678号</div></body></html>")
    p = tmp_path / "r.html"
    p.write_bytes(page.encode("gbk"))
    doc, titles = _titles(p)
    assert doc.format == "html" and titles == reference
    assert "版权所有" not in doc.text and "首页" not in doc.text


def test_pipeline_excerpt_that_stops_mid_sentence(tmp_path, corpus_dir):
    text = (corpus_dir / "002_8460a2e6d7540865.txt").read_text(encoding="utf-8")
    cut = text.index("一是强化重大决策信息收集工作") + 9   # mid-sentence inside a measure
    p = tmp_path / "excerpt.txt"
    p.write_text(text[:cut], encoding="utf-8")
    d, titles = _titles(p)
    assert titles[-2:] == ["一些重要工作的推动仍有差距", "对全市风险评估“应评尽评”的要求落实不到位"]
    assert d.facts["measures"][-1].span.text == "一是强化重大决策信"


def test_pipeline_incremental_builds_equal_a_full_rebuild(tmp_path, corpus_dir):
    """Add files, change one, delete one (--prune): the incremental store equals a fresh build."""
    import shutil

    corpus = tmp_path / "c"
    corpus.mkdir()
    names = sorted(p.name for p in corpus_dir.iterdir())
    inc = tmp_path / "inc"
    for n in names[:2]:
        shutil.copy(corpus_dir / n, corpus / n)
    assert build_corpus([corpus], inc, write_views=False).reports_built == 2
    for n in names[2:]:
        shutil.copy(corpus_dir / n, corpus / n)
    s = build_corpus([corpus], inc, write_views=False)
    assert (s.reports_built, s.reports_skipped) == (3, 2)
    changed = corpus / names[4]
    changed.write_bytes(changed.read_bytes() + "\n三是持续巩固整改成果。".encode("utf-8"))
    (corpus / names[0]).unlink()
    s = build_corpus([corpus], inc, write_views=False, prune=True)
    assert (s.reports_built, s.reports_removed) == (1, 1)
    full = build_corpus([corpus], tmp_path / "full", write_views=False)
    assert full.reports_built == 4
    assert (inc / "kg.ttl").read_bytes() == (tmp_path / "full" / "kg.ttl").read_bytes()
    # the same pieces (named by content), and the folder keeps only those the current and the
    # previous generation name: the replaced and removed reports' older pieces are gone
    assert _pieces(inc) == _pieces(tmp_path / "full") and len(_pieces(inc)) == 4
    on_disk = {p.name.rsplit(".", 1)[0] for p in (inc / "parts").iterdir()}
    assert on_disk == _pieces(inc) | _pieces(inc, previous=True)
    assert len(on_disk) < 2 + 4 + 3  # (three builds made 2 + 3 + 1 pieces)


def _pieces(out, previous=False):
    """The pieces named by the current (or the previous) generation's manifest."""
    import os

    gen = Path(os.path.realpath(out / "current"))
    if previous:
        gen = gen.with_name(f"gen-{int(gen.name.split('-')[1]) - 1:06d}")
    data = json.loads((gen / "manifest.json").read_text(encoding="utf-8"))
    return {e["piece"] for e in data["reports"].values()}


def test_pipeline_kg_ttl_from_parts_equals_kg_ttl_from_the_store(tmp_path, corpus_dir):
    """kg.ttl is copied together from the pieces the workers wrote; rendering every graph from
    the store instead (a torn piece, or none at all) gives the same bytes."""
    from kg.export import piece_files, read_own_part, turtle_text
    from kg.store import Store

    out = tmp_path / "out"
    build_corpus([corpus_dir], out, write_views=False, jobs=2)
    built = (out / "kg.ttl").read_bytes()
    pieces = sorted(_pieces(out))
    assert len(pieces) == 5
    torn = piece_files(out, pieces[0])[1]
    torn.write_bytes(torn.read_bytes()[:-10])  # as if a build died while writing it
    assert read_own_part(out, pieces[0]) is None and read_own_part(out, pieces[1]) is not None
    with Store.open(out, read_only=True) as st:
        assert turtle_text(st).encode("utf-8") == built
        for p in (out / "parts").iterdir():
            p.unlink()
        assert turtle_text(st).encode("utf-8") == built


def test_pipeline_turtle_groups_each_report_then_the_shared_entities(built_corpus):
    """Each report's own subjects come together, reports in graph order; shared entities last."""
    import re

    text = (built_corpus / "kg.ttl").read_text(encoding="utf-8")
    subjects = [block.split(" ", 1)[0] for block in text.split("\n\n") if block.startswith("<")]
    keys = [re.search(r"/id/(?:report|span)/([0-9a-f]{16})[/>]", s) for s in subjects]
    owned = [(i, m.group(1)) for i, m in enumerate(keys) if m]
    order = list(dict.fromkeys(k for _, k in owned))
    assert order == sorted(order) and len(order) == 5
    runs = [k for j, (_, k) in enumerate(owned) if j == 0 or owned[j - 1][1] != k]
    assert len(runs) == 5  # once the next report starts, the previous one never comes back
    tail = subjects[owned[-1][0] + 1:]
    assert tail and not any(re.search(r"/id/(?:report|span|problem|measure)/", s) for s in tail)


def test_pipeline_kg_remove_makes_a_generation_without_the_report(tmp_path, corpus_dir):
    from kg.pipeline import remove_reports

    out = tmp_path / "out"
    build_corpus([corpus_dir], out, write_views=False)
    assert len(list((out / "nquads").glob("????????????????.nq"))) == 5   # (and shared.nq)
    gone = sorted(p.name for p in corpus_dir.iterdir())[0]
    remove_reports(out, [gone])
    assert len(_pieces(out)) == 4 and len(list((out / "nquads").glob("????????????????.nq"))) == 4
    # and kg.ttl equals a fresh build of the remaining files
    rest = tmp_path / "rest"
    rest.mkdir()
    for p in corpus_dir.iterdir():
        if p.name != gone:
            (rest / p.name).write_bytes(p.read_bytes())
    build_corpus([rest], tmp_path / "fresh", write_views=False)
    assert (out / "kg.ttl").read_bytes() == (tmp_path / "fresh" / "kg.ttl").read_bytes()


def test_pipeline_one_preflabel_per_entity_when_reports_name_it_differently(tmp_path):
    """Two reports of one county call its party committee 县委 and by its full name: the shared
    graph keeps the full name as skos:prefLabel and 县委 as skos:altLabel (SKOS allows one)."""
    from kg.store import Store

    corpus = tmp_path / "c"
    corpus.mkdir()
    # (real places: an organisation's key is scoped by the report's place, from the gazetteer)
    (corpus / "a.txt").write_text(
        "中共保定市高阳县委员会关于省委巡视组巡视反馈意见整改进展情况的通报\n"
        "根据省委统一部署，省委第六巡视组对保定市高阳县开展了巡视。5月17日，省委巡视组向县委反馈了巡视意见。\n",
        encoding="utf-8")
    (corpus / "b.txt").write_text(
        "保定市高阳县农业农村局关于县委第四巡察组巡察反馈意见整改进展情况的通报\n"
        "根据县委统一部署，县委第四巡察组对保定市高阳县农业农村局开展了巡察。\n", encoding="utf-8")
    build_corpus([corpus], tmp_path / "out", write_views=False)
    with Store.open(tmp_path / "out", read_only=True) as st:
        rows = st.query("SELECT ?o (COUNT(?l) AS ?n) WHERE { ?o skos:prefLabel ?l } GROUP BY ?o "
                        "HAVING (COUNT(?l) > 1)").rows
    assert rows == []


def test_pipeline_rebuild_trusts_remembered_digests_only_while_the_stat_is_unchanged(tmp_path, corpus_dir):
    """A no-change rebuild takes each input's digest from OUT/hashes.json (it reads no bytes);
    a file rewritten with the same size (a changed ctime) is hashed again and rebuilt."""
    import shutil
    import time

    corpus = tmp_path / "c"
    shutil.copytree(corpus_dir, corpus)
    out = tmp_path / "out"
    time.sleep(2.1)   # files younger than 2 s are never remembered
    build_corpus([corpus], out, write_views=False)
    cached = json.loads((out / "hashes.json").read_text(encoding="utf-8"))["files"]
    assert len(cached) == len(list(corpus.iterdir()))
    again = build_corpus([corpus], out, write_views=False)
    assert again.reports_built == 0 and again.reports_skipped == len(cached)
    victim = sorted(corpus.iterdir())[0]
    data = victim.read_bytes()
    i = data.index("问题".encode())
    victim.write_bytes(data[:i] + "情况".encode() + data[i + len("问题".encode()):])  # same size
    changed = build_corpus([corpus], out, write_views=False)
    assert changed.reports_built == 1, changed
    assert victim.name in (out / "kg.ttl").read_text(encoding="utf-8")
