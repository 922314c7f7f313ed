"""kg.analyse: the networkx analyses on a small hand-written graph, the recurring-problem grouping
against a hand-labelled sample, and the write-back into a named graph of its own."""
from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest

from kg.errors import KgError
from click.testing import CliRunner

from kg import analyse
from kg.analyse import (ANALYSIS_GRAPH, DEFAULT_THRESHOLD, bipartite_projection, centrality,
                        communities, entity_graph, findings, open_source, precision_recall,
                        problems, progress, recurring_problems, render, timeline,
                        title_similarity, write_back)
from kg.errors import StoreError

DATA = Path(__file__).resolve().parent / "data"
MINI = DATA / "analyse_mini.trig"
PAIRS = DATA / "similar_pairs.tsv"
DOCS = Path(__file__).resolve().parent.parent / "docs"
ID = "https://w3id.org/rectkg/id/"


@pytest.fixture()
def mini() -> ox.Store:
    store = ox.Store()
    store.load(path=str(MINI), format=ox.RdfFormat.TRIG)
    return store


def as_turtle(store: ox.Store) -> bytes:
    """The union of the report graphs as one Turtle file, like ``kg build`` writes kg.ttl."""
    return ox.serialize([q.triple for q in store], format=ox.RdfFormat.TURTLE)


def labelled_pairs() -> list[tuple[str, str, bool, str]]:
    rows = [line for line in PAIRS.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(rows)), delimiter="\t")
    return [(r["a"], r["b"], r["label"] == "same", r["kind"]) for r in reader]


# --------------------------------------------------------------------------- the entity graph

def test_analyse_entity_graph_nodes_types_and_attributes(mini):
    G = entity_graph(mini)
    kinds = nx.get_node_attributes(G, "type")
    counts = {t: sum(1 for k in kinds.values() if k == t) for t in set(kinds.values())}
    assert counts == {"report": 3, "inspection": 2, "problem": 8, "measure": 4, "policy": 2,
                      "organisation": 6, "concept": 1, "person": 1}
    p = G.nodes[ID + "problem/bbbb000000000002/2"]
    assert p["label"] == "<script>alert(1)</script>财务管理不严格"
    assert p["status"] == "in_progress" and p["source"] == "b_<report>.txt"
    assert p["quote"].startswith("<script>alert(1)</script>")
    # a measure mentions the concept too: its reports are still reports, not the measure
    assert G.nodes[ID + "concept/siges"]["reports"] == 2
    assert G.nodes[ID + "concept/siges"]["report"] == ID + "report/aaaa000000000001"
    tiaoli = G.nodes[ID + "policy/tiaoli"]
    assert tiaoli["reports"] == 3 and tiaoli["label"] == "中国共产党问责条例"
    assert G.nodes[ID + "report/cccc000000000003"]["label"] == "c_report.txt"  # no title: file name
    assert G.nodes[ID + "inspection/aaaa000000000001"]["label"] == "巡察 中共甲县委员会"


def test_analyse_entity_graph_leaves_out_hub_links(mini):
    G = entity_graph(mini)
    rels = {r for _, _, d in G.edges(data=True) for r in d["rel"].split(",")}
    assert {"mentions", "reportedIn", "addresses", "applies", "makes", "responsibleUnit",
            "conductedBy", "inspected", "respondsTo", "subProblemOf", "publisher"} <= rels
    assert not rels & {"type", "status", "category", "evidence", "genre", "kind"}
    assert not any(d["type"] == "category" for _, d in G.nodes(data=True))
    with_categories = entity_graph(mini, categories=True)
    assert ("category" in {r for _, _, d in with_categories.edges(data=True) for r in d["rel"].split(",")})
    # the edge remembers where the triple starts
    assert G.edges[ID + "problem/aaaa000000000001/0", ID + "report/aaaa000000000001"]["subject"] == \
        ID + "problem/aaaa000000000001/0"


def test_analyse_open_source_reads_every_kind_of_input(tmp_path, mini):
    n = len(mini)
    assert len(open_source(MINI)) == n
    # an out folder with only kg.ttl (Turtle: the union of the report graphs)
    out = tmp_path / "out"
    out.mkdir()
    (out / "kg.ttl").write_bytes(as_turtle(mini))
    G = entity_graph(out)
    assert G.number_of_nodes() == entity_graph(mini).number_of_nodes()
    import rdflib
    ds = rdflib.Dataset()
    ds.parse(MINI, format="trig")
    assert len(open_source(ds)) == n
    with pytest.raises(StoreError, match="kg build"):
        open_source(tmp_path / "empty-dir-that-is-not-there")


# --------------------------------------------------------------------------- centrality, communities

def test_analyse_pagerank_agrees_with_networkx():
    from networkx.algorithms.link_analysis.pagerank_alg import _pagerank_python

    G = nx.karate_club_graph()
    ours, theirs = analyse.pagerank(G, tol=1e-10), _pagerank_python(G, weight=None, tol=1e-10)
    assert max(abs(ours[n] - theirs[n]) for n in G) < 1e-6


def test_analyse_centrality_ranks_per_type(mini):
    c = centrality(entity_graph(mini), top=2)
    assert [r["label"] for r in c["top"]["policy"]] == ["中国共产党问责条例", "理论学习中心组学习制度"]
    assert c["top"]["organisation"][0]["label"] == "县委组织部"   # 3 measures + a mention
    assert c["degree"][ID + "org/zuzhibu"] == 4
    assert len(c["top"]["concept"]) == 1
    assert abs(sum(c["pagerank"].values()) - 1) < 1e-9


def test_analyse_communities_deterministic_and_cover_the_graph(mini):
    G = entity_graph(mini)
    first, second = communities(G), communities(entity_graph(mini))
    assert first == second
    members = [m for c in first for m in c["members"]]
    assert sorted(members) == sorted(G) and len(members) == len(set(members))
    assert [c["size"] for c in first] == sorted((c["size"] for c in first), reverse=True)


def test_analyse_bipartite_projections(mini):
    G = entity_graph(mini)
    op = bipartite_projection(G, "organisation", "policy")
    pairs = {(G.nodes[r["a"]]["label"], G.nodes[r["b"]]["label"]): r["weight"] for r in op["pairs"]}
    assert pairs == {("县委组织部", "理论学习中心组学习制度"): 1, ("县委组织部", "中国共产党问责条例"): 1,
                     ("县纪委监委", "中国共产党问责条例"): 1, ("中共乙区委员会", "中国共产党问责条例"): 1}
    # organisations sharing a policy; policies sharing an organisation
    orgs = {(r["u"], r["v"]): r["weight"] for r in op["a"]}
    assert orgs[(ID + "org/jiwei", ID + "org/zuzhibu")] == 1
    assert len(orgs) == 3 and op["b"] == [{"u": ID + "policy/a-xuexi", "v": ID + "policy/tiaoli",
                                          "weight": 1}]
    pp = bipartite_projection(G, "problem", "policy")
    assert {(r["a_label"], r["b_label"]) for r in pp["pairs"]} == {
        ("理论学习深度不够", "理论学习中心组学习制度"), ("选人用人程序还需规范", "中国共产党问责条例"),
        ("<script>alert(1)</script>财务管理不严格", "中国共产党问责条例")}


# --------------------------------------------------------------------------- recurring problems

def test_analyse_recurring_groups_only_across_reports(mini):
    groups = recurring_problems(problems(mini))
    got = sorted(sorted(m["id"].rsplit("/", 2)[-2] + "/" + m["id"].rsplit("/", 1)[-1]
                        for m in g["members"]) for g in groups)
    assert got == [["aaaa000000000001/0", "bbbb000000000002/0"],
                   ["aaaa000000000001/1", "bbbb000000000002/1"]]
    assert all(g["reports"] == 2 and g["theme"].startswith(ID + "theme/") for g in groups)
    # the same two titles inside ONE report are not a recurring problem
    same_report = [("x1", "公务接待管理不规范", "r1"), ("x2", "公务接待不够规范", "r1")]
    assert recurring_problems(same_report) == []
    assert recurring_problems(same_report, min_reports=1) == []


def test_analyse_recurring_join_equals_brute_force():
    """The prefix-filtered candidate search finds exactly the pairs a full comparison finds."""
    rng = random.Random(5)
    words = ["理论", "学习", "干部", "选拔", "任用", "程序", "财务", "管理", "公务", "接待", "不够",
             "规范", "深入", "落实", "责任", "主体", "监督", "到位", "不", "制度", "执行", "严格"]
    items = [(f"p{i:03d}", "".join(rng.choice(words) for _ in range(rng.randint(2, 6))),
              f"r{rng.randint(0, 5)}") for i in range(300)]
    for threshold in (0.4, 0.6, 0.8):
        groups = recurring_problems(items, threshold, min_reports=1)
        found = {(a, b) for g in groups for a, b, _ in g["pairs"]}
        brute = {(a[0], b[0]) for i, a in enumerate(sorted(items)) for b in sorted(items)[i + 1:]
                 if a[2] != b[2] and title_similarity(a[1], b[1]) >= threshold}
        assert found == brute, threshold


def test_analyse_labelled_sample_is_big_and_balanced():
    pairs = labelled_pairs()
    assert len(pairs) >= 40
    assert sum(p[2] for p in pairs) >= 20 and sum(not p[2] for p in pairs) >= 20
    assert sum(p[3] == "near" for p in pairs) >= 20   # the hard negatives


def test_analyse_threshold_precision_recall_on_labelled_sample():
    pairs = [(a, b, same) for a, b, same, _ in labelled_pairs()]
    at = precision_recall(pairs, DEFAULT_THRESHOLD)
    assert at["precision"] >= 0.85 and at["recall"] >= 0.9, at
    # the chosen threshold is the best F1 of the sweep docs/RECURRING.md prints
    sweep = [precision_recall(pairs, t / 100) for t in range(30, 95, 5)]
    assert at["f1"] == max(s["f1"] for s in sweep)
    # docs/RECURRING.md states these very numbers
    doc = (DOCS / "RECURRING.md").read_text(encoding="utf-8")
    m = re.search(r"threshold \*\*([0-9.]+)\*\*: precision \*\*([0-9.]+)\*\*, recall \*\*([0-9.]+)\*\*", doc)
    assert m, "docs/RECURRING.md must state the threshold, precision and recall"
    assert (float(m[1]), float(m[2]), float(m[3])) == (DEFAULT_THRESHOLD, at["precision"], at["recall"])


def test_analyse_evaluative_phrases_carry_no_names():
    """The stop list is generic vocabulary: cutting it must not erase a title's subject."""
    for title in ("干部选拔任用程序不够规范", "意识形态阵地管理不严", "专项资金使用管理不规范"):
        assert len(analyse.title_features(title)) >= 5


# --------------------------------------------------------------------------- write-back

def _report_graph_quads(store: ox.Store) -> set:
    return {q for q in store if str(q.graph_name.value if hasattr(q.graph_name, "value") else "")
            != ANALYSIS_GRAPH}


def test_analyse_write_back_own_graph_idempotent(mini):
    before = _report_graph_quads(mini)
    groups = recurring_problems(problems(mini))
    n = write_back(mini, groups)
    assert n == write_back(mini, groups)               # replaced, not added twice
    assert _report_graph_quads(mini) == before          # report graphs untouched
    in_analysis = [q for q in mini if q.graph_name == ox.NamedNode(ANALYSIS_GRAPH)]
    assert len(in_analysis) == n
    rows = list(mini.query("""
        PREFIX rk: <https://w3id.org/rectkg/ontology#>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?a ?b ?score ?theme WHERE { GRAPH <https://w3id.org/rectkg/graph/analysis> {
            ?a rk:similarTo ?b . ?s rdf:subject ?a ; rdf:object ?b ; rk:similarity ?score .
            ?a rk:memberOfTheme ?theme . ?theme a rk:Theme } }"""))
    assert len(rows) == 2
    assert all(0.6 <= float(r["score"].value) <= 1 for r in rows)
    # symmetric
    assert len(list(mini.quads_for_pattern(None, ox.NamedNode(analyse.RK_IRI + "similarTo"), None,
                                           ox.NamedNode(ANALYSIS_GRAPH)))) == 4


def test_analyse_write_back_into_the_on_disk_store(tmp_path, mini):
    from kg.store import Store

    out = tmp_path / "out"
    with Store.open(out) as store, store.writer():
        for g in sorted(mini.named_graphs(), key=lambda g: g.value):
            quads = list(mini.quads_for_pattern(None, None, None, g))
            store.replace_report(g.value.rsplit("/", 1)[-1] + ".txt", "0" * 64, g.value, quads)
    with pytest.raises(KgError, match="write_analysis"):  # the store alone would leave kg.ttl behind
        analyse.analyse(out, write=True)
    from kg.pipeline import write_analysis

    groups = analyse.recurring_problems(analyse.problems(out))
    assert len(groups) == 2
    write_analysis(out, groups, {"threshold": analyse.DEFAULT_THRESHOLD})
    n = sum(1 for _ in analyse.analysis_quads(groups))
    with Store.open(out, read_only=True) as store:
        graphs = {g.value for g in store.db.named_graphs()}
        assert ANALYSIS_GRAPH in graphs
        assert len(list(store.db.quads_for_pattern(None, None, None, ox.NamedNode(ANALYSIS_GRAPH)))) == n
        in_store = {q.triple for q in store.quads()}
    # kg.ttl, written in the same generation, holds the same triples, the analysis among them
    in_ttl = {q.triple for q in ox.parse(path=str(out / "kg.ttl"), format=ox.RdfFormat.TURTLE)}
    assert in_ttl == in_store


def test_analyse_write_back_beside_kg_ttl(tmp_path, mini):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kg.ttl").write_bytes(as_turtle(mini))
    analyse.analyse(out, write=True)
    check = ox.Store()
    check.load(path=str(out / "analysis.trig"), format=ox.RdfFormat.TRIG)
    assert {g.value for g in check.named_graphs()} == {ANALYSIS_GRAPH}


# --------------------------------------------------------------------------- progress, timeline

def test_analyse_progress_counts_top_level_problems(mini):
    rows = {r["key"]: r for r in progress(mini)}
    a = rows["aaaa000000000001"]
    assert (a["completed"], a["in_progress"], a["unknown"], a["listed"]) == (2, 1, 0, 3)
    assert (a["stated_completed"], a["stated_in_progress"]) == (3, 1)
    b = rows["bbbb000000000002"]
    assert (b["completed"], b["in_progress"], b["unknown"], b["stated_problems"]) == (1, 1, 1, 3)
    assert rows["cccc000000000003"]["genre"] == "EducationRectification"


def test_analyse_timeline_days_between(mini):
    rows = {r["source"]: r for r in timeline(mini)}
    assert set(rows) == {"a_report.txt", "b_<report>.txt"}   # report c has no inspection
    b = rows["b_<report>.txt"]
    assert (b["start"], b["end"], b["feedback"], b["issued"]) == \
        ("2021-05-10", "2021-06-30", "2021-09-01", "2022-01-20")
    assert (b["days_inspecting"], b["days_to_feedback"], b["days_feedback_to_report"],
            b["days_total"]) == (51, 63, 141, 255)
    assert (b["team"], b["target"], b["round"], b["kind"]) == ("省委第一巡视组", "中共乙区委员会", "第五轮", "巡视")


def test_analyse_findings(mini):
    assert [(f["source"], f["kind"], f["stated"], f["listed"]) for f in findings(mini)] == \
        [("a_report.txt", "completed", 3, 2)]


# --------------------------------------------------------------------------- output and CLI

def test_analyse_render_formats(mini):
    tables = analyse.analyse(mini, top=3)
    assert json.loads(render(tables, "json"))["findings"][0]["listed"] == 2
    blocks = render(tables, "csv").split("\n\n")
    assert [b.splitlines()[0] for b in blocks] == [f"# {name}" for name in tables]
    progress_rows = list(csv.DictReader(io.StringIO(blocks[0].split("\n", 1)[1])))
    assert progress_rows[1]["source"] == "b_<report>.txt"
    text = render(tables, "table")
    assert "== recurring ==" in text and "理论学习深度不够" in text
    # CJK cells are padded by display width: the columns line up
    lines = render({"t": [{"label": "问责条例", "n": 1}, {"label": "ab", "n": 22}]}).splitlines()
    col = analyse._width  # display width: a CJK character takes two columns
    assert col(lines[3][:lines[3].index("1")]) == col(lines[4][:lines[4].index("22")]) + 1
    with pytest.raises(ValueError):
        render(tables, "xml")


def test_analyse_cli_prints_tables_and_writes_back(tmp_path, mini):
    from kg.cli import cli

    out = tmp_path / "out"
    out.mkdir()
    (out / "kg.ttl").write_bytes(as_turtle(mini))
    res = CliRunner().invoke(cli, ["analyze", "--out", str(out), "--format", "json", "--top", "2"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert len(data["recurring"]) == 2 and len([r for r in data["top"] if r["type"] == "policy"]) == 2
    res = CliRunner().invoke(cli, ["analyze", "--out", str(out), "--write-back"])
    assert res.exit_code == 0 and "== write_back ==" in res.output
    assert (out / "analysis.trig").is_file()
    res = CliRunner().invoke(cli, ["analyze", "--out", str(tmp_path / "missing")])
    assert res.exit_code != 0 and "kg build" in res.output
