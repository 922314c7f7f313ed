"""`kg validate`: the shapes pass a well-formed graph and name what is wrong in a broken one."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SKOS

from kg.cli import cli
from kg.errors import StoreError
from kg.validate import SHAPES_PATH, ValidationReport, render, undeclared_rk_terms, validate

ROOT = Path(__file__).resolve().parent.parent
RK = Namespace("https://w3id.org/rectkg/ontology#")
ID = Namespace("https://w3id.org/rectkg/id/")
OA = Namespace("http://www.w3.org/ns/oa#")
SH = Namespace("http://www.w3.org/ns/shacl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

CONTENT = "关于“印章管理还应更严谨”问题。已整改完成。制定《印章管理办法》。"

# A small report as docs/GRAPH.md draws it; content[3:12] == "印章管理还应更严谨".
GOOD = f"""
@prefix rk: <https://w3id.org/rectkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix report: <https://w3id.org/rectkg/id/report/> .
@prefix inspection: <https://w3id.org/rectkg/id/inspection/> .
@prefix problem: <https://w3id.org/rectkg/id/problem/k/> .
@prefix measure: <https://w3id.org/rectkg/id/measure/k/0/> .
@prefix category: <https://w3id.org/rectkg/id/category/k/> .
@prefix policy: <https://w3id.org/rectkg/id/policy/> .
@prefix orgid: <https://w3id.org/rectkg/id/org/> .
@prefix span: <https://w3id.org/rectkg/id/span/k/> .

report:k a rk:Report, prov:Entity, foaf:Document ;
    dcterms:source "k.txt" ; rk:sha256 "{'0' * 64}" ; rk:sourceFormat "txt" ;
    rk:genre rk:InspectionRectification ; dcterms:issued "2021-09-16"^^xsd:date ;
    dcterms:publisher orgid:u ; rk:content "{CONTENT}" ; rk:respondsTo inspection:k ;
    rk:mentions orgid:t, orgid:u, policy:h ; rk:statedCompletedCount 1 .
inspection:k a rk:Inspection ; rk:conductedBy orgid:t ; rk:inspected orgid:u ;
    rk:startDate "2021-03-08"^^xsd:date ; rk:endDate "2021-04-12"^^xsd:date ;
    rk:feedbackDate "2021-06-16"^^xsd:date .
orgid:t a org:Organization ; skos:prefLabel "第三巡察组"@zh .
orgid:u a org:Organization ; skos:prefLabel "机关"@zh .
category:0 a rk:ProblemCategory ; rdfs:label "已整改完成的问题"@zh .
problem:0 a rk:Problem ; rdfs:label "印章管理还应更严谨"@zh ; rk:ordinal "1" ;
    rk:reportedIn report:k ; rk:status rk:Completed ; rk:category category:0 ;
    rk:statusEvidence span:16-21 ; rk:evidence span:3-12 .
measure:0 a rk:Measure, prov:Activity ; rdfs:label "制定《印章管理办法》"@zh ;
    rk:addresses problem:0 ; rk:measureKind rk:Done ; rk:makes policy:h ;
    rk:evidence span:22-32 .
policy:h a rk:Policy ; rdfs:label "印章管理办法"@zh ; rk:policyType rk:Measures ;
    rk:isPolicy true ; rk:evidence span:25-31 .
span:3-12 a oa:TextPositionSelector, oa:TextQuoteSelector ; rk:inReport report:k ;
    oa:start 3 ; oa:end 12 ; oa:exact "印章管理还应更严谨" .
span:16-21 a oa:TextPositionSelector, oa:TextQuoteSelector ; rk:inReport report:k ;
    oa:start 16 ; oa:end 21 ; oa:exact "已整改完成" .
span:22-32 a oa:TextPositionSelector, oa:TextQuoteSelector ; rk:inReport report:k ;
    oa:start 22 ; oa:end 32 ; oa:exact "制定《印章管理办法》" .
span:25-31 a oa:TextPositionSelector, oa:TextQuoteSelector ; rk:inReport report:k ;
    oa:start 25 ; oa:end 31 ; oa:exact "印章管理办法" .
"""

REPORT, INSPECTION = ID["report/k"], ID["inspection/k"]
PROBLEM, MEASURE, POLICY = ID["problem/k/0"], ID["measure/k/0/0"], ID["policy/h"]
SPAN = ID["span/k/3-12"]


def good() -> Graph:
    return Graph().parse(data=GOOD, format="turtle")


def date(text: str) -> Literal:
    return Literal(text, datatype=URIRef("http://www.w3.org/2001/XMLSchema#date"))


def test_validate_good_graph_spans_match_content():
    g = good()
    for span in g.subjects(RDF.type, OA.TextPositionSelector):
        start, end = int(g.value(span, OA.start)), int(g.value(span, OA.end))
        assert CONTENT[start:end] == str(g.value(span, OA.exact))


def test_validate_conforming_graph_passes(tmp_path):
    report = validate(good())
    assert report == ValidationReport(conforms=True, violations=[])
    path = tmp_path / "kg.ttl"
    good().serialize(path, format="turtle")
    assert validate(path).conforms
    assert validate(str(path)).conforms
    assert render(report) == "The graph conforms: no violations."


def test_validate_dataset_is_checked_as_one_graph():
    # the report lives in one named graph, the spans that point into it in another
    ds = Dataset()
    a = ds.graph(URIRef("https://w3id.org/rectkg/graph/a"))
    b = ds.graph(URIRef("https://w3id.org/rectkg/graph/b"))
    for t in good():
        (a if t[0] == REPORT else b).add(t)
    assert validate(ds).conforms


def _drop(s, p):
    return lambda g: g.remove((s, p, None))


def _set(s, p, o):
    return lambda g: g.set((s, p, o))


def _add(s, p, o):
    return lambda g: g.add((s, p, o))


# (id, how to break the good graph, shape, constraint, focus, words the message must contain)
BROKEN = [
    ("exact-differs", _set(SPAN, OA.exact, Literal("印章管理还应更严")),
     "rksh:SpanTextShape", "SPARQL: exact = content[start:end]", "rkid:report/k",
     'oa:exact "印章管理还应更严" is not rk:content[3:12], which reads "印章管理还应更严谨"'),
    ("end-before-start", _set(SPAN, OA.end, Literal(2)),
     "rksh:SpanTextShape", "SPARQL: end > start", "rkid:report/k",
     "ends (2) at or before it starts (3)"),
    ("end-past-content", _set(ID["span/k/25-31"], OA.end, Literal(99)),
     "rksh:SpanTextShape", "SPARQL: end <= length of content", "rkid:report/k",
     f"ends at 99, past the end of the report's rk:content ({len(CONTENT)} characters)"),
    ("start-not-integer", _set(SPAN, OA.start, Literal(Decimal("3.0"))),
     "rksh:SpanShape", "Datatype", "rkid:span/k/3-12", "oa:start, a non-negative xsd:integer"),
    ("start-negative", _set(SPAN, OA.start, Literal(-1)),
     "rksh:SpanShape", "MinInclusive", "rkid:span/k/3-12", "oa:start, a non-negative xsd:integer"),
    ("span-without-report", _drop(SPAN, RK.inReport),
     "rksh:SpanShape", "MinCount", "rkid:span/k/3-12", "exactly one rk:inReport"),
    ("problem-without-evidence", _drop(PROBLEM, RK.evidence),
     "rksh:ProblemShape", "MinCount", "rkid:problem/k/0", "at least one rk:evidence"),
    ("measure-without-evidence", _drop(MEASURE, RK.evidence),
     "rksh:MeasureShape", "MinCount", "rkid:measure/k/0/0", "at least one rk:evidence"),
    ("measure-without-problem", _drop(MEASURE, RK.addresses),
     "rksh:MeasureShape", "MinCount", "rkid:measure/k/0/0", "at least one rk:addresses"),
    ("problem-without-report", _drop(PROBLEM, RK.reportedIn),
     "rksh:ProblemShape", "MinCount", "rkid:problem/k/0", "exactly one rk:reportedIn"),
    ("unknown-status", _set(PROBLEM, RK.status, RK.Done),
     "rksh:StatusValueShape", "In", "rkid:problem/k/0", "rk:StatusScheme"),
    ("two-statuses", _add(PROBLEM, RK.status, RK.InProgress),
     "rksh:ProblemShape", "MaxCount", "rkid:problem/k/0", "exactly one rk:status"),
    ("unknown-genre", _set(REPORT, RK.genre, RK.Completed),
     "rksh:GenreValueShape", "In", "rkid:report/k", "rk:GenreScheme"),
    ("unknown-policy-type", _set(POLICY, RK.policyType, RK.Trial),
     "rksh:PolicyTypeValueShape", "In", "rkid:policy/h", "rk:PolicyTypeScheme"),
    ("unknown-draft-state", _add(POLICY, RK.draftState, RK.Regulation),
     "rksh:DraftStateValueShape", "In", "rkid:policy/h", "rk:DraftStateScheme"),
    ("unknown-measure-kind", _set(MEASURE, RK.measureKind, RK.Completed),
     "rksh:MeasureKindValueShape", "In", "rkid:measure/k/0/0", "rk:MeasureKindScheme"),
    ("report-without-content", _drop(REPORT, RK.content),
     "rksh:ReportShape", "MinCount", "rkid:report/k", "exactly one rk:content"),
    ("report-without-source", _drop(REPORT, DCTERMS.source),
     "rksh:ReportShape", "MinCount", "rkid:report/k", "exactly one dcterms:source"),
    ("issued-not-a-date", _set(REPORT, DCTERMS.issued, Literal("2021年9月16日")),
     "rksh:ReportShape", "Or", "rkid:report/k", "dcterms:issued, an xsd:date"),
    ("policy-with-two-labels", _add(POLICY, RDFS.label, Literal("另一个标题", lang="zh")),
     "rksh:PolicyShape", "MaxCount", "rkid:policy/h", "exactly one rdfs:label"),
    ("start-after-end", _set(INSPECTION, RK.startDate, date("2021-05-01")),
     "rksh:InspectionShape", "SPARQL: start <= end", "rkid:inspection/k",
     "starts (2021-05-01) after it ends (2021-04-12)"),
    ("end-after-feedback", _set(INSPECTION, RK.endDate, date("2021-06-20")),
     "rksh:InspectionShape", "SPARQL: end <= feedback", "rkid:inspection/k",
     "ends (2021-06-20) after its feedback (2021-06-16)"),
    ("start-after-feedback", lambda g: (g.remove((INSPECTION, RK.endDate, None)),
                                        g.set((INSPECTION, RK.startDate, date("2021-07-01")))),
     "rksh:InspectionShape", "SPARQL: start <= feedback", "rkid:inspection/k",
     "starts (2021-07-01) after its feedback (2021-06-16)"),
    ("feedback-after-report", _set(INSPECTION, RK.feedbackDate, date("2021-09-20")),
     "rksh:InspectionShape", "SPARQL: feedback <= report issued", "rkid:inspection/k",
     "feedback (2021-09-20) is after the report that answers it was issued (2021-09-16)"),
    ("inspection-date-as-text", _set(INSPECTION, RK.startDate, Literal("2021-03-08")),
     "rksh:InspectionShape", "Or", "rkid:inspection/k", "rk:startDate, an xsd:date"),
    ("closed-problem", _add(PROBLEM, SKOS.note, Literal("备注")),
     "rksh:ProblemShape", "Closed", "rkid:problem/k/0", "skos:note is not a property"),
    ("closed-report", _add(REPORT, RK.status, RK.Completed),
     "rksh:ReportShape", "Closed", "rkid:report/k", "rk:status is not a property"),
    ("closed-measure", _add(MEASURE, RK.status, RK.Completed),
     "rksh:MeasureShape", "Closed", "rkid:measure/k/0/0", "rk:status is not a property"),
    ("closed-inspection", _add(INSPECTION, RDFS.comment, Literal("x")),
     "rksh:InspectionShape", "Closed", "rkid:inspection/k", "rdfs:comment is not a property"),
    ("closed-policy", _add(POLICY, RK.mentions, PROBLEM),
     "rksh:PolicyShape", "Closed", "rkid:policy/h", "rk:mentions is not a property"),
]


@pytest.mark.parametrize("breaks,shape,constraint,focus,words", [b[1:] for b in BROKEN],
                         ids=[b[0] for b in BROKEN])
def test_validate_broken_graph_names_the_fault(breaks, shape, constraint, focus, words):
    g = good()
    breaks(g)
    report = validate(g)
    assert not report.conforms
    assert len(report.violations) == 1, render(report)
    v = report.violations[0]
    assert (v["shape"], v["constraint"], v["focus"]) == (shape, constraint, focus)
    assert words in v["message"]
    assert v["severity"] == "Violation"
    assert set(v) >= {"focus", "path", "message", "severity", "value"}


def test_validate_span_fault_names_the_span():
    g = good()
    g.set((SPAN, OA.exact, Literal("印章")))
    (v,) = validate(g).violations
    assert (v["focus"], v["value"]) == ("rkid:report/k", "rkid:span/k/3-12")


def test_validate_closed_shape_allows_what_analysis_writes():
    g = good()
    other = ID["problem/k/1"]
    for t in list(g.triples((PROBLEM, None, None))):
        g.add((other, t[1], t[2]))
    g.add((PROBLEM, RK.similarTo, other))
    g.add((other, RK.similarTo, PROBLEM))
    statement = ID["similarity/0"]  # the score sits on a reification of the link
    g.add((statement, RDF.type, RDF.Statement))
    g.add((statement, RDF.subject, PROBLEM))
    g.add((statement, RDF.predicate, RK.similarTo))
    g.add((statement, RDF.object, other))
    g.add((statement, RK.similarity, Literal(Decimal("0.83"))))
    g.add((ID["theme/0"], RDF.type, RK.Theme))
    for p in (PROBLEM, other):
        g.add((p, RK.memberOfTheme, ID["theme/0"]))
    assert validate(g).violations == []


def test_validate_undeclared_rk_term_is_a_violation():
    g = good()
    g.add((ID["org/t"], URIRef(str(RK) + "nickname"), Literal("x")))
    report = validate(g)
    assert [(v["focus"], v["constraint"]) for v in report.violations] == [
        ("rk:nickname", "Declared")]
    assert validate(g, check_terms=False).conforms


def test_validate_shapes_in_lists_are_the_ontology_schemes():
    shapes = Graph().parse(SHAPES_PATH, format="turtle")
    onto = Graph().parse(ROOT / "ontology" / "rectkg.ttl", format="turtle")
    checked = {}
    for ps in shapes.subjects(SH["in"], None):
        path = shapes.value(ps, SH.path)
        values = set(Collection(shapes, shapes.value(ps, SH["in"])))
        checked[path] = values
    schemes = {RK.genre: RK.GenreScheme, RK.status: RK.StatusScheme,
               RK.measureKind: RK.MeasureKindScheme, RK.policyType: RK.PolicyTypeScheme,
               RK.draftState: RK.DraftStateScheme}
    assert set(checked) == set(schemes)
    for path, scheme in schemes.items():
        assert checked[path] == set(onto.subjects(SKOS.inScheme, scheme)), path


def test_validate_render_groups_by_shape_and_limits():
    g = good()
    for span in g.subjects(RDF.type, OA.TextPositionSelector):
        g.set((span, OA.exact, Literal("错")))
    g.remove((PROBLEM, RK.evidence, None))
    report = validate(g)
    text = render(report, limit=2)
    assert text.startswith("The graph does not conform: 5 violations in 2 groups.")
    assert "rksh:SpanTextShape · SPARQL: exact = content[start:end] (4)" in text
    assert "  … and 2 more" in text
    assert "rksh:ProblemShape · rk:evidence · MinCount (1)" in text
    assert text.count("rkid:span/k/") == 2
    assert render(report, limit=0).count("rkid:span/k/") == 4


def test_validate_missing_graph_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="run `kg build"):
        validate(tmp_path / "kg.ttl")


def test_validate_unreadable_graph_says_what_to_do(tmp_path):
    (tmp_path / "kg.ttl").write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(StoreError, match=r"kg.ttl: cannot be parsed .*rebuild it with `kg build`"):
        validate(tmp_path / "kg.ttl")


def _nquads(graph: Graph) -> str:
    """The graph's triples spread over three named graphs, as N-Quads."""
    return "".join(f"{s.n3()} {p.n3()} {o.n3()} <https://w3id.org/rectkg/graph/{i % 3}> .\n"
                   for i, (s, p, o) in enumerate(sorted(graph)))


def test_validate_reads_named_graphs_from_nquads(tmp_path):
    (tmp_path / "kg.nq").write_text(_nquads(good()), encoding="utf-8")
    assert validate(tmp_path / "kg.nq").conforms
    g = good()
    g.remove((PROBLEM, RK.evidence, None))
    (tmp_path / "bad.nq").write_text(_nquads(g), encoding="utf-8")
    assert [v["focus"] for v in validate(tmp_path / "bad.nq").violations] == ["rkid:problem/k/0"]


def test_validate_cli_exit_codes(tmp_path):
    runner = CliRunner()
    good().serialize(tmp_path / "kg.ttl", format="turtle")
    result = runner.invoke(cli, ["validate", "--out", str(tmp_path)])
    assert (result.exit_code, result.output.strip()) == (0, "The graph conforms: no violations.")

    g = good()
    g.remove((PROBLEM, RK.evidence, None))
    g.serialize(tmp_path / "kg.ttl", format="turtle")
    result = runner.invoke(cli, ["validate", "--out", str(tmp_path), "--limit", "1"])
    assert result.exit_code == 1
    assert "a problem needs at least one rk:evidence span" in result.output

    result = runner.invoke(cli, ["validate", "--out", str(tmp_path / "none")])
    assert result.exit_code == 1 and "run `kg build" in result.output


def test_validate_sample_corpus_builds_a_valid_graph(sample_graph):
    # sample_graph (tests/conftest.py) is kg.ttl of `build_corpus` over data/corpus
    assert undeclared_rk_terms(sample_graph) == set()
    report = validate(sample_graph)
    assert report.violations == [], render(report, limit=5)
    assert report.conforms
