"""kg query: SPARQL strings, .rq files and saved questions; errors; the output formats."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from handmade import TRICKY, report_a, report_b
from kg.cli import cli
from kg.errors import QueryError
from kg.query import (format_result, list_queries, load_saved, resolve_query, run_query,
                      sparql_literal, text_width)
from kg.store import Store

ROOT = Path(__file__).resolve().parent.parent

SAVED = [name for name, _, _ in list_queries()]


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("query")
    st = Store.open(out)
    with st.writer():
        st.replace_report(*report_a())
        st.replace_report(*report_b())
    st.close()
    return out


def _rows(result) -> list[dict]:
    return result.dicts()


# ---------------------------------------------------------------------------- errors
def test_query_syntax_error_has_line_and_column(out):
    with pytest.raises(QueryError) as err:
        run_query(out, "SELECT ?x WHERE {\n  ?x rk:status \n}")
    text = str(err.value)
    assert "line 3, column 1" in text
    assert "\n  }\n  ^" in text
    assert "need no PREFIX line" in text  # the hint


def test_query_syntax_error_in_cli_is_a_message_not_a_traceback(out):
    got = CliRunner().invoke(cli, ["query", "SELECT ?x WHERE { ?x ?y }", "--out", str(out)])
    assert got.exit_code == 1
    assert "line 1, column 26" in got.output
    assert "Traceback" not in got.output


def test_query_refuses_update_and_service(out):
    with pytest.raises(QueryError, match="updates .* are refused"):
        run_query(out, "INSERT DATA { <http://a> <http://b> <http://c> }")
    with pytest.raises(QueryError, match="SERVICE"):
        run_query(out, "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }")
    # the word in a string, an IRI or a comment is no SERVICE clause
    r = run_query(out, 'SELECT ("SERVICE" AS ?x) WHERE { } # SERVICE\n')
    assert r.column("x") == ["SERVICE"]


def test_query_timeout_stops_waiting(out):
    """In a real `kg query` process, so the abandoned evaluation dies with it."""
    import subprocess
    import sys

    boom = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    run = subprocess.run([sys.executable, "-m", "kg", "query", boom, "--timeout", "0.3",
                          "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 1
    assert "the query took longer than 0.3 s and was stopped" in run.stderr


def test_query_unknown_saved_name_lists_the_saved_ones(out):
    with pytest.raises(QueryError, match="no saved question called 'open-problem'.*ledger"):
        run_query(out, "open-problem")


def test_query_parameters_required_unknown_and_escaped(out):
    with pytest.raises(QueryError, match="needs --param org=VALUE"):
        run_query(out, "organisation")
    with pytest.raises(QueryError, match="unknown parameter place; this query takes: org"):
        run_query(out, "organisation", params={"org": "x", "place": "y"})
    hostile = 'x" ) } } ; DROP ALL ; # \\u0022'
    r = run_query(out, "organisation", params={"org": hostile})
    assert r.rows == []
    assert sparql_literal(hostile) == '"x\\" ) } } ; DROP ALL ; # \\\\u0022"'


def test_query_from_rq_file_with_params(out, tmp_path):
    f = tmp_path / "mine.rq"
    f.write_text("# title: mine\nSELECT ?p WHERE { ?p rdfs:label ${title} }\n", encoding="utf-8")
    r = run_query(out, str(f), params={"title": "学习制度执行不严"})
    assert len(r.rows) == 0  # the label is @zh, the parameter a plain string
    f.write_text("SELECT ?p WHERE { ?p rdfs:label ?l FILTER(STR(?l) = ${title}) }\n")
    r = run_query(out, str(f), params={"title": "学习制度执行不严"})
    assert r.column("p") == [report_a()[3][0].subject.value.replace("report", "problem") + "/0"]
    with pytest.raises(QueryError, match="no such query file"):
        run_query(out, str(tmp_path / "missing.rq"))


def test_query_resolve_kinds():
    text, name = resolve_query("reports")
    assert name == "reports" and "SELECT" in text
    text, name = resolve_query("ASK { ?s ?p ?o }")
    assert name is None and text == "ASK { ?s ?p ?o }"


def test_query_without_store(tmp_path):
    from kg.errors import StoreError

    with pytest.raises(StoreError, match="kg build"):
        run_query(tmp_path, "reports")


# ---------------------------------------------------------------------------- formats
def test_query_formats_agree_with_pyoxigraph_parsers(out):
    q = ("SELECT ?p ?label ?n WHERE { ?p a rk:Problem ; rdfs:label ?label . "
         "OPTIONAL { ?p rk:ordinal ?o FILTER(?o = '(1)') BIND(42 AS ?n) } } ORDER BY ?p")
    r = run_query(out, q)
    assert len(r.rows) == 6
    ref = [tuple(row) for row in r.rows]
    for fmt, ox_fmt in (("json", ox.QueryResultsFormat.JSON), ("tsv", ox.QueryResultsFormat.TSV)):
        parsed = ox.parse_query_results(format_result(r, fmt).encode("utf-8"), format=ox_fmt)
        assert [v.value for v in parsed.variables] == ["p", "label", "n"]
        assert [tuple(s[i] for i in range(3)) for s in parsed] == ref, fmt
    rows = list(csv.reader(io.StringIO(format_result(r, "csv"))))
    assert rows[0] == ["p", "label", "n"]
    assert [row[1] for row in rows[1:]] == [t[1].value for t in ref]
    assert TRICKY in [row[1] for row in rows[1:]]
    assert {row[2] for row in rows[1:]} == {"", "42"}


def test_query_json_is_sparql_results_json(out):
    r = run_query(out, "SELECT ?s WHERE { ?s dcterms:issued ?d } ORDER BY ?d")
    doc = json.loads(format_result(r, "json"))
    assert doc["head"]["vars"] == ["s"]
    assert doc["results"]["bindings"][0]["s"]["type"] == "uri"
    ask = json.loads(format_result(run_query(out, "ASK { ?p a rk:Problem }"), "json"))
    assert ask == {"head": {}, "boolean": True}


def test_query_table_aligns_wide_characters(out):
    r = run_query(out, "SELECT ?label ?o WHERE { ?p a rk:Problem ; rdfs:label ?label ; "
                       "rk:ordinal ?o FILTER(STRLEN(?label) < 20) } ORDER BY ?label")
    lines = format_result(r, "table").splitlines()
    assert lines[-1] == f"({len(r.rows)} rows)"
    # the second column starts at the same display column on every line
    starts = {text_width(line[: line.rfind("  ") + 2]) for line in lines[2:-1]}
    assert len(starts) == 1, lines


def test_query_table_clips_long_values_and_reports_the_limit(out):
    r = run_query(out, "SELECT ?c WHERE { ?r rk:content ?c } ", limit=1)
    assert r.truncated and len(r.rows) == 1
    table = format_result(r, "table", max_width=8)
    assert table.splitlines()[-1] == "(1 row, cut at the limit)"
    assert all(text_width(line) <= 8 for line in table.splitlines()[:-1])


def test_query_construct_and_ask(out):
    r = run_query(out, "CONSTRUCT { ?p a rk:Problem } WHERE { ?p a rk:Problem }")
    assert r.kind == "graph" and len(r.rows) == 6
    assert format_result(run_query(out, "ASK { ?x a rk:Nothing }"), "table") == "no"


# ---------------------------------------------------------------------------- saved questions
def test_query_cli_formats_and_params(out):
    runner = CliRunner()
    got = runner.invoke(cli, ["query", "ledger", "--param", "report=乙市.txt", "--format", "csv",
                              "--out", str(out)])
    assert got.exit_code == 0, got.output
    rows = list(csv.reader(io.StringIO(got.output)))
    assert rows[0] == ["报告", "序号", "问题", "类别", "状态", "整改措施", "责任单位"]
    assert rows[1][:3] == ["乙市.txt", "1", "党建责任落实不到位"]
    got = runner.invoke(cli, ["query", "reports", "--out", str(out)])
    assert got.exit_code == 0 and got.output.splitlines()[-1] == "(2 rows)"
    got = runner.invoke(cli, ["query", "ledger", "--param", "report", "--out", str(out)])
    assert got.exit_code == 2 and "NAME=VALUE" in got.output
    got = runner.invoke(cli, ["query", "--out", str(out)])
    assert got.exit_code == 2 and "--list" in got.output


def test_query_saved_questions_are_documented():
    assert len(SAVED) >= 12
    for name, title, description in list_queries():
        assert title and description, name
        saved = load_saved(name)
        assert saved.text.lstrip().startswith("# title:"), name


def test_query_list_cli_one_per_line_name_first(out):
    got = CliRunner().invoke(cli, ["query", "--list", "--out", str(out)])
    assert got.exit_code == 0
    lines = got.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == SAVED


def test_query_saved_terms_are_in_the_vocabulary():
    import re

    from kg.vocab import RK

    for name in SAVED:
        for term in set(re.findall(r"\brk:([A-Za-z]+)", load_saved(name).text)):
            assert term in RK, f"{name}: rk:{term} is not a declared term"


PARAMS = {"organisation": {"org": "甲县示范局"}, "ledger": {"report": "甲县.txt"},
          "open-problems": {"org": "甲县示范局办公室"}}


@pytest.mark.parametrize("name", SAVED)
def test_query_each_saved_question_runs(out, name):
    r = run_query(out, name, params=PARAMS.get(name, {}), timeout=60)
    assert r.kind == "select"
    for fmt in ("table", "csv", "tsv", "json"):
        assert format_result(r, fmt)


def test_query_saved_answers_on_handmade_reports(out):
    def ask(name, **params):
        return _rows(run_query(out, name, params=params))

    assert ask("open-problems", org="甲县示范局办公室") == [
        {"organisation": "甲县示范局办公室", "report": "甲县.txt", "ordinal": "2",
         "problem": "采购管理不规范"}]
    everyone = ask("open-problems")
    assert {(r["organisation"], r["problem"]) for r in everyone} == {
        ("甲县示范局办公室", "采购管理不规范"), ("甲县示范局", "少数采购未比价"),
        ("乙市样板委", "整改台账不完整")}
    assert [r["problem"] for r in ask("problems-without-measure")] == [
        "整改台账不完整", "少数采购未比价", TRICKY]
    ledger = ask("ledger", report="乙市.txt")
    assert [(r["序号"], r["问题"], r["整改措施"], r["责任单位"]) for r in ledger] == [
        ("1", "党建责任落实不到位", "压实党建责任", "乙市样板委"), ("2", "整改台账不完整", "", "")]
    cited = ask("most-cited-policies")
    assert cited[0] == {"policy": "示范工作条例", "reports": "2", "mentions": "2", "measures": "2"}
    assert ask("policies-made") == [{"report": "甲县.txt", "policy": "甲县示范局学习制度",
                                     "type": "Regulation", "ordinal": "1",
                                     "problem": "学习制度执行不严"}]
    assert ask("recurring-problems") == []
    insp = ask("inspections")
    assert [(r["team"], r["kind"], r["target"], r["start"]) for r in insp] == [
        ("县委第一巡察组", "巡察", "甲县示范局", "2021-09-01"),
        ("省委第二巡视组", "巡视", "乙市样板委", "2021-11-01")]
    times = {r["report"]: r for r in ask("timeline")}
    assert (times["甲县.txt"]["end_to_feedback"], times["甲县.txt"]["feedback_to_report"],
            times["甲县.txt"]["end_to_report"]) == ("52", "90", "142")
    units = ask("top-responsible-units")
    assert units[0] == {"unit": "甲县示范局办公室", "measures": "2", "leading": "2",
                        "participating": "0", "reports": "1"}
    assert ask("count-mismatches") == [{"report": "甲县.txt", "kind": "completed", "stated": "2",
                                        "listed": "1", "message": "stated 2, lists 1"}]
    assert ask("people") == [{"name": "王示例", "posts": "局长", "reports": "甲县.txt"}]
    org = ask("organisation", org="示范局")  # an alternative name finds it
    facts = {(r["direction"], r["property"].rsplit("#", 1)[-1].rsplit("/", 1)[-1], r["value"])
             for r in org}
    assert {("←", "inspected", "https://w3id.org/rectkg/id/inspection/" + report_a()[1][:16]),
            ("←", "publisher", "甲县.txt"), ("←", "leadUnit", "开展专题学习"),
            ("→", "altLabel", "示范局")} <= facts
    assert [(r["report"], r["problems"], r["measures"]) for r in ask("reports")] == [
        ("乙市.txt", "2", "1"), ("甲县.txt", "4", "3")]
    assert [(r["top_ordinal"], r["ordinal"], r["problem"]) for r in ask("sub-problems")] == [
        ("2", "(1)", "少数采购未比价")]
    status = {r["report"]: r for r in ask("status-by-report")}
    assert (status["甲县.txt"]["listed"], status["甲县.txt"]["completed"],
            status["甲县.txt"]["in_progress"], status["甲县.txt"]["unknown"],
            status["甲县.txt"]["stated_completed"]) == ("3", "1", "1", "1", "2")


def test_query_recurring_problems_once_analysis_wrote_links(tmp_path):
    st = Store.open(tmp_path)
    a, b = report_a(), report_b()
    rk = "https://w3id.org/rectkg/ontology#"
    pa = ox.NamedNode(a[3][0].subject.value.replace("report", "problem") + "/1")
    pb = ox.NamedNode(b[3][0].subject.value.replace("report", "problem") + "/1")
    sim = ox.NamedNode("https://w3id.org/rectkg/id/similarity/x")
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    links = [ox.Triple(pa, ox.NamedNode(rk + "similarTo"), pb),
             ox.Triple(pb, ox.NamedNode(rk + "similarTo"), pa),
             ox.Triple(sim, ox.NamedNode(rdf + "subject"), pa),
             ox.Triple(sim, ox.NamedNode(rdf + "predicate"), ox.NamedNode(rk + "similarTo")),
             ox.Triple(sim, ox.NamedNode(rdf + "object"), pb),
             ox.Triple(sim, ox.NamedNode(rk + "similarity"),
                       ox.Literal("0.610", datatype=ox.NamedNode(
                           "http://www.w3.org/2001/XMLSchema#decimal")))]
    with st.writer():
        st.replace_report(*a)
        st.replace_report(*b)
        st.replace_graph("https://w3id.org/rectkg/graph/analysis", links)
    st.close()
    rows = run_query(tmp_path, "recurring-problems").dicts()
    assert len(rows) == 1
    assert {rows[0]["problem"], rows[0]["similar"]} == {"采购管理不规范", "整改台账不完整"}
    assert rows[0]["similarity"] == "0.61"


# ---------------------------------------------------------------------------- the sample corpus
def _ask(out, name, **params):
    return run_query(out, name, params=params, timeout=60).dicts()


WUZHONG = "000_23a78b058b181c61.txt"
XIANGCHENG = "001_2b4c8fa6d4b795d8.txt"
DONGGUAN = "002_8460a2e6d7540865.txt"


def test_query_sample_ledger_of_wuzhong_has_28_problems(built_corpus, gold):
    rows = _ask(built_corpus, "ledger", report=WUZHONG)
    problems = list(dict.fromkeys((r["序号"], r["问题"]) for r in rows))
    assert len(problems) == 28
    titles = [p["title"] for p in gold[WUZHONG]["problems"]]
    assert [t for _, t in problems] == titles
    assert {r["状态"] for r in rows} == {"已完成", "整改中"}
    assert sum(1 for n, _ in problems if n) == 28
    assert [r["类别"] for r in rows][-1] == "正在推进整改的问题"


def test_query_sample_inspections_match_gold(built_corpus, gold):
    rows = {r["report"]: r for r in _ask(built_corpus, "inspections")}
    for doc in (WUZHONG, XIANGCHENG, DONGGUAN):
        g = gold[doc]["inspection"]
        r = rows[doc]
        assert (r["team"], r["kind"], r["start"], r["end"], r["feedback"]) == (
            g["team"], g["kind"], g["start"], g["end"], g["feedback_date"]), doc


def test_query_sample_timeline(built_corpus):
    rows = {r["report"]: r for r in _ask(built_corpus, "timeline")}
    w = rows[WUZHONG]  # ends 2021-04-12, feedback 2021-06-16, report 2021-09-16
    assert (w["end_to_feedback"], w["feedback_to_report"], w["end_to_report"]) == ("65", "92", "157")


def test_query_sample_open_problems(built_corpus, gold):
    rows = _ask(built_corpus, "open-problems")
    wuzhong = {r["problem"] for r in rows if r["report"] == WUZHONG}
    assert wuzhong == {p["title"] for p in gold[WUZHONG]["problems"]
                       if p["status"] == "in_progress"}
    assert len(wuzhong) == 3


def test_query_sample_count_mismatches(built_corpus):
    rows = _ask(built_corpus, "count-mismatches")
    assert (DONGGUAN, "25", "17") in {(r["report"], r["stated"], r["listed"]) for r in rows}
    assert all(r["stated"] != r["listed"] for r in rows)


def test_query_sample_most_cited_policy(built_corpus):
    rows = _ask(built_corpus, "most-cited-policies")
    assert rows[0]["policy"] == "中国共产党政法工作条例"
    assert int(rows[0]["reports"]) >= 2


def test_query_sample_sub_problems_of_dongguan(built_corpus):
    rows = [r for r in _ask(built_corpus, "sub-problems") if r["report"] == DONGGUAN]
    assert ("6", "6(1)") == (rows[0]["top_ordinal"], rows[0]["ordinal"])
    assert rows[0]["problem"] == "对全市风险评估“应评尽评”的要求落实不到位"


def test_query_sample_every_question_answers(built_corpus):
    params = {"organisation": {"org": "区委政法委"}, "ledger": {"report": DONGGUAN}}
    for name in SAVED:
        rows = _ask(built_corpus, name, **params.get(name, {}))
        if name == "recurring-problems":
            continue  # empty until `kg analyze` wrote rk:similarTo
        assert rows, f"{name} found nothing in the sample corpus"


def test_query_sample_organisation(built_corpus):
    rows = _ask(built_corpus, "organisation", org="区委政法委")
    orgs = {r["organisation"] for r in rows}
    assert len(orgs) >= 2  # the same short name in two jurisdictions: two organisations
    props = {r["property"].rsplit("#", 1)[-1] for r in rows}
    assert {"publisher", "mentions", "prefLabel"} <= {p.rsplit("/", 1)[-1] for p in props}


def test_query_sample_reports(built_corpus, corpus_dir):
    rows = _ask(built_corpus, "reports")
    assert [r["report"] for r in rows] == sorted(p.name for p in corpus_dir.glob("*.txt"))
    assert {r["report"]: r["problems"] for r in rows}[WUZHONG] == "28"


@pytest.mark.slow
def test_query_saved_questions_agree_with_rdflib(built_corpus, tmp_path):
    """rdflib (the API users know) gives the same answers from the exported TriG."""
    import rdflib

    from kg.export import export_to_path
    from kg.query import fill_params

    with Store.open(built_corpus, read_only=True) as st:
        export_to_path(st, "trig", tmp_path / "kg.trig")
    ds = rdflib.Dataset(default_union=True)
    ds.parse(tmp_path / "kg.trig", format="trig")
    params = {"org": "区委政法委", "report": WUZHONG}
    for name in SAVED:
        saved = load_saved(name)
        values = {p: params[p] for p in saved.params if p in params}
        theirs = sorted(str(tuple(None if v is None else str(v) for v in row))
                        for row in ds.query(fill_params(saved.text, values, saved.params, name)))
        ours = sorted(str(tuple(None if t is None else t.value for t in row))
                      for row in run_query(built_corpus, name, params=values).rows)
        assert theirs == ours, name


# the saved questions answered from answers.sqlite (recurring-problems only while the graph has
# no rk:similarTo); the others need the store: organisation (a parameter no column holds), people
# (its GROUP_CONCATs are in the order of the store's indexes, which no other store repeats)
TABLED = {"count-mismatches", "inspections", "ledger", "ledger-deadlines", "most-cited-policies",
          "open-problems", "policies-made", "problems-without-measure", "recurring-problems",
          "reports", "status-by-report", "sub-problems", "timeline", "top-responsible-units"}


@pytest.mark.parametrize("corpus", ["samples", "gold-web"])
def test_query_answer_tables_equal_the_sparql_answers(tmp_path, corpus):
    """Each tabled saved question (kg/answers.py) answers from the generation's table exactly as
    its SPARQL does over the whole store: the same rows in the same order, the same terms
    (datatypes, languages), with and without its parameters; one the table cannot filter
    (open-problems' org) is answered by SPARQL. ``run_query`` (what `kg query` and the bench
    call) gives the table's answer."""
    from kg.pipeline import build_corpus
    from kg.query import answer_from_table, resolve_query, tabled

    src = ROOT / ("data/corpus" if corpus == "samples" else "tests/gold-web")
    build_corpus([src], tmp_path / "out", write_views=False)
    assert set(tabled()) == TABLED
    assert set(tabled(kinds=("whole",))) == {"people"}
    with Store.open(tmp_path / "out", read_only=True) as st:
        reports = sorted(st.sources())
        # organisations by their preferred names, other names, a name no entity has
        opened = st.query(resolve_query("open-problems")[0]).rows
        orgs = sorted({r[0].value for r in opened})
        orgs = orgs[:3] + orgs[-2:] + [r[0].value for r in st.query(
            "SELECT DISTINCT ?l WHERE { ?o skos:altLabel ?l } ORDER BY ?l LIMIT 3").rows] + ["无此单位"]
        for name, spec in tabled(kinds=("report", "part", "whole")).items():
            asks = [{}]
            if "report" in spec["params"]:
                asks += [{"report": reports[1]}, {"report": reports[-1]}, {"report": "no such"}]
            if "org" in spec["params"]:
                asks += [{"org": org} for org in orgs]
            for params in asks:
                sparql, _ = resolve_query(name, params)
                want = st.query(sparql)
                table = answer_from_table(st.generation_dir, name, params)
                if set(params) - set(spec["filters"]) or (name == "recurring-problems" and want.rows):
                    assert table is None, (name, params)
                    continue
                assert table is not None, (name, params)
                assert table.variables == want.variables, name
                assert [tuple(map(repr, r)) for r in table.rows] == \
                    [tuple(map(repr, r)) for r in want.rows], (name, params)
                assert run_query(tmp_path / "out", name, params=params).rows == want.rows
                if not params and corpus == "samples" and name in ("ledger", "reports", "most-cited-policies",
                                           "top-responsible-units", "inspections", "timeline",
                                           "people"):
                    assert len(table.rows) > 1, name


def test_query_recurring_problems_after_an_analysis_is_the_stores_answer(tmp_path):
    """Once `kg analyze --write` has stored rk:similarTo pairs, recurring-problems is no longer
    answered from the table (which only knows a graph without them) but by SPARQL; the other
    tables of that generation still equal their SPARQL."""
    from kg import analyse
    from kg.pipeline import build_corpus, write_analysis
    from kg.query import answer_from_table, tabled

    out = tmp_path / "out"
    build_corpus([ROOT / "data" / "corpus"], out, write_views=False)
    with Store.open(out, read_only=True) as st:
        assert answer_from_table(st.generation_dir, "recurring-problems").rows == []
    groups = analyse.recurring_problems(analyse.problems(out), 0.3)
    assert groups
    write_analysis(out, groups, {"threshold": 0.3})
    with Store.open(out, read_only=True) as st:
        assert answer_from_table(st.generation_dir, "recurring-problems") is None
        want = st.query(resolve_query("recurring-problems")[0]).rows
        assert want and run_query(out, "recurring-problems").rows == want
        for name in set(tabled()) - {"recurring-problems"}:
            table = answer_from_table(st.generation_dir, name)
            assert table is not None and table.rows == st.query(resolve_query(name)[0]).rows, name


def test_query_a_tabled_question_is_answered_without_opening_the_store(tmp_path):
    """The current generation's table answers a tabled question: the store (RocksDB) is not
    opened, so a question answers with the store moved away, and one with no table finds nothing."""
    from kg.pipeline import build_corpus
    build_corpus([ROOT / "data" / "corpus"], tmp_path / "out", write_views=False)
    want = run_query(tmp_path / "out", "timeline").rows
    with Store.open(tmp_path / "out", read_only=True) as st:
        gen = st.generation_dir
    (gen / "store").rename(gen / "store.away")
    people = run_query(tmp_path / "out", "people").rows   # (# table: whole)
    org = {"org": run_query(tmp_path / "out", "open-problems").rows[0][0].value}
    assert people
    try:
        assert run_query(tmp_path / "out", "timeline").rows == want
        assert run_query(tmp_path / "out", "people").rows == people
        assert run_query(tmp_path / "out", "organisation", params=org).rows == []   # SPARQL: no store
    finally:
        (gen / "store.away").rename(gen / "store")
    assert run_query(tmp_path / "out", "organisation", params=org).rows


def test_query_a_changed_question_is_not_answered_from_an_older_table(tmp_path, monkeypatch):
    from kg.pipeline import build_corpus
    from kg import query

    build_corpus([ROOT / "data" / "corpus"], tmp_path / "out", write_views=False)
    with Store.open(tmp_path / "out", read_only=True) as st:
        assert query.answer_from_table(st.generation_dir, "status-by-report") is not None
        spec = dict(query.table_spec("status-by-report"), version="another")
        monkeypatch.setattr(query, "table_spec", lambda name: spec)
        assert query.answer_from_table(st.generation_dir, "status-by-report") is None


def test_query_shared_index_of_the_file_is_the_shared_graph_by_subject(built_corpus, tmp_path):
    """The compact index the answer tables' workers open (kg.answers.SharedIndex) gives, for each
    subject of the built shared graph, exactly its lines; read from nquads/shared.nq, from the
    lines, or from a file whose lines are out of order; and ``changed`` names the subjects whose
    lines differ."""
    from kg.answers import SharedIndex, read_shared_index
    from kg.vocab import SHARED_GRAPH_IRI

    with Store.open(built_corpus, read_only=True) as st:
        gen = st.generation_dir
    tail = f" <{SHARED_GRAPH_IRI}> ."
    lines = [x[:-len(tail)] for x in (gen / "nquads" / "shared.nq").read_text("utf-8").splitlines()]
    want: dict[str, list[str]] = {}
    for x in lines:
        want.setdefault(x.split(" ", 1)[0], []).append(x)
    assert len(want) > 20 and any(not x.isascii() for x in lines)
    shuffled = tmp_path / "shuffled.nt"
    shuffled.write_text("".join(x + " .\n" for x in reversed(lines)), "utf-8")
    for index in (read_shared_index(gen / "nquads"), SharedIndex.of_lines(lines),
                  SharedIndex.open(shuffled)):
        assert sorted(index) == sorted(want) and len(index) == len(want)
        assert {s: index[s] for s in index} == want
        assert index.get("<no-such>") == () and "<no-such>" not in index
    first, last = sorted(want)[0], sorted(want)[-1]
    other = SharedIndex.of_lines(lines[1:] + [f'{last} <urn:p> "新"'])
    assert SharedIndex.of_lines(lines).changed(other) == {first, last}
    assert SharedIndex.of_lines(lines).changed(SharedIndex.of_lines(lines)) == set()
