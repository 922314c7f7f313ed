"""Exports: every format re-parsed by independent parsers (rdflib, pyoxigraph, rapper)."""
from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
from click.testing import CliRunner
from rdflib.compare import isomorphic, to_isomorphic

from handmade import TRICKY, report, report_a, report_b
from kg.cli import cli
from kg.errors import ExportError
from kg.export import (LEDGER_HEADER, entity_graph, export, export_bytes, export_to_path,
                       turtle_text, write_turtle)
from kg.store import Store

RAPPER = shutil.which("rapper")
needs_rapper = pytest.mark.skipif(RAPPER is None, reason="Debian's rapper (raptor2-utils) is not "
                                                         "installed: apt-get install raptor2-utils")


def _odd_report():
    """Literals and IRIs that trip serialisers: escapes, datatypes, odd but valid IRIs."""
    src, sha, g, quads = report("奇.txt", text=TRICKY, problems=[{"title": "行\n两行"}])
    gn = ox.NamedNode(g)
    s = ox.NamedNode("https://w3id.org/rectkg/id/contact/x")
    p = "https://w3id.org/rectkg/ontology#"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    extra = [
        (ox.NamedNode("http://www.w3.org/2006/vcard/ns#hasTelephone"), ox.NamedNode("tel:0000-1234567")),
        (ox.NamedNode("http://www.w3.org/2006/vcard/ns#hasEmail"), ox.NamedNode("mailto:a.b@example.org")),
        (ox.NamedNode(p + "numericValue"), ox.Literal("5176400.0", datatype=ox.NamedNode(xsd + "double"))),
        (ox.NamedNode(p + "numericValue"), ox.Literal("1.50", datatype=ox.NamedNode(xsd + "decimal"))),
        (ox.NamedNode(p + "numericValue"), ox.Literal("-007", datatype=ox.NamedNode(xsd + "integer"))),
        (ox.NamedNode(p + "numericValue"), ox.Literal("1e3", datatype=ox.NamedNode(xsd + "double"))),
        (ox.NamedNode(p + "message"), ox.Literal('ends with backslash \\', language="en")),
        (ox.NamedNode(p + "message"), ox.Literal("", language="zh")),
        (ox.NamedNode(p + "message"), ox.Literal("")),
        (ox.NamedNode(p + "counts"), ox.Literal("x", datatype=ox.NamedNode("http://example.org/dt#a-b"))),
        (ox.NamedNode("http://example.org/p(1)"), ox.NamedNode("http://example.org/a%20b?c=d&e#f")),
    ]
    quads += [ox.Quad(s, pred, obj, gn) for pred, obj in extra]
    return src, sha, g, quads


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("export")
    st = Store.open(out)
    with st.writer():
        for rep in (report_a(), report_b(), _odd_report()):
            st.replace_report(*rep)
        st.replace_graph("https://w3id.org/rectkg/graph/analysis",
                         [ox.Triple(ox.NamedNode(report_a()[3][0].subject.value),
                                    ox.NamedNode("https://w3id.org/rectkg/ontology#similarTo"),
                                    ox.NamedNode("https://w3id.org/rectkg/id/problem/x/0"))])
    yield st
    st.close()


def _triples(data=None, fmt=ox.RdfFormat.TURTLE, path=None) -> set:
    """Triples as pyoxigraph parses them (it yields default-graph quads)."""
    return {q.triple for q in ox.parse(data, format=fmt, path=path)}


def _union_triples(st: Store) -> set:
    return {q.triple for q in st.quads()}


def _quad_set(st: Store) -> set:
    return set(st.quads())


def _rdflib_union(st: Store) -> rdflib.Graph:
    """The store's union as rdflib sees pyoxigraph's own N-Triples (the reference)."""
    data = ox.serialize([q.triple for q in st.quads()], format=ox.RdfFormat.N_TRIPLES)
    g = rdflib.Graph()
    g.parse(data=data.decode("utf-8"), format="nt")
    return g


def _rdflib_quads(ds: rdflib.Dataset) -> set:
    return {(s, p, o, c) for s, p, o, c in ds.quads((None, None, None, None)) if c is not None}


# ---------------------------------------------------------------------------- Turtle
def test_export_turtle_isomorphic_in_rdflib(store, tmp_path):
    path = tmp_path / "kg.ttl"
    n = write_turtle(store, path)
    g = rdflib.Graph()
    g.parse(path, format="turtle")
    assert n == len(_union_triples(store)) == len(g)
    assert isomorphic(g, _rdflib_union(store))


def test_export_turtle_equal_in_pyoxigraph(store, tmp_path):
    path = tmp_path / "kg.ttl"
    write_turtle(store, path)
    parsed = _triples(path=str(path))
    assert parsed == _union_triples(store)


def test_export_turtle_keeps_tricky_literals(store):
    text = turtle_text(store)
    parsed = {t.object.value for t in _triples(text) if isinstance(t.object, ox.Literal)}
    assert TRICKY in parsed and "ends with backslash \\" in parsed
    # numbers as the store keeps them (Oxigraph stores xsd numbers in canonical form)
    assert {t.object.value for t in _union_triples(store) if isinstance(t.object, ox.Literal)} \
        == parsed


def test_export_turtle_is_byte_identical_and_order_free(store, tmp_path):
    write_turtle(store, tmp_path / "one.ttl")
    write_turtle(store, tmp_path / "two.ttl")
    assert (tmp_path / "one.ttl").read_bytes() == (tmp_path / "two.ttl").read_bytes()
    # the same data added in another order, as plain quads: the same bytes
    quads = sorted(store.quads(), key=str, reverse=True)
    write_turtle(quads, tmp_path / "three.ttl")
    assert (tmp_path / "three.ttl").read_bytes() == (tmp_path / "one.ttl").read_bytes()


def test_export_turtle_shape(store):
    text = turtle_text(store)
    assert text.startswith("@prefix dcterms: <http://purl.org/dc/terms/> .\n")
    # rdf:type first; objects sorted by their full IRI
    assert "> a prov:Entity, foaf:Document, rk:Report ;\n    dcterms:issued" in text
    assert "rk:statedCompletedCount 2 ;" in text
    assert '"2022-03-01"^^xsd:date' in text
    assert "rk:convertedFromTraditional false" in text


def test_export_write_turtle_replaces_atomically(store, tmp_path):
    path = tmp_path / "kg.ttl"
    path.write_text("old")
    write_turtle(store, path)
    assert path.read_text(encoding="utf-8").startswith("@prefix")
    assert [p.name for p in tmp_path.iterdir()] == ["kg.ttl"], "no temporary file left behind"


@needs_rapper
@pytest.mark.parametrize("fmt,syntax", [("turtle", "turtle"), ("nt", "ntriples"),
                                        ("trig", "trig"), ("nquads", "nquads")])
def test_export_rapper_parses(store, tmp_path, fmt, syntax):
    path = tmp_path / f"export.{fmt}"
    export_to_path(store, fmt, path)
    run = subprocess.run([RAPPER, "-q", "-i", syntax, "-o", "nquads", str(path)],
                         capture_output=True, check=True)
    parsed = set(ox.parse(run.stdout, format=ox.RdfFormat.N_QUADS))
    if fmt in ("turtle", "nt"):
        assert {q.triple for q in parsed} == _union_triples(store)
    else:
        assert parsed == _quad_set(store)


# ---------------------------------------------------------------------------- other RDF formats
def test_export_nt_union_sorted(store):
    data = export_bytes(store, "nt")
    lines = data.decode().split("\n")
    assert lines[-1] == "" and lines[:-1] == sorted(set(lines[:-1]))
    assert _triples(data, ox.RdfFormat.N_TRIPLES) == _union_triples(store)
    g = rdflib.Graph()
    g.parse(data=data.decode(), format="nt")
    assert isomorphic(g, _rdflib_union(store))


@pytest.mark.parametrize("fmt,ox_fmt,rdflib_fmt", [
    ("nquads", ox.RdfFormat.N_QUADS, "nquads"),
    ("trig", ox.RdfFormat.TRIG, "trig"),
    ("jsonld", ox.RdfFormat.JSON_LD, "json-ld"),
])
def test_export_named_graphs_kept(store, fmt, ox_fmt, rdflib_fmt):
    data = export_bytes(store, fmt)
    assert set(ox.parse(data, format=ox_fmt)) == _quad_set(store)
    ds = rdflib.Dataset()
    ds.parse(data=data.decode("utf-8"), format=rdflib_fmt)
    ref = rdflib.Dataset()
    ref.parse(data=ox.serialize(_quad_set(store), format=ox.RdfFormat.N_QUADS).decode(),
              format="nquads")
    assert _rdflib_quads(ds) == _rdflib_quads(ref)
    graphs = {str(c.identifier) for c in ds.graphs() if len(c)}
    assert graphs == set(store.graphs())


def test_export_manifest_stays_out(store):
    for fmt in ("turtle", "nt", "trig", "nquads", "jsonld"):
        assert b"rectkg/store#" not in export_bytes(store, fmt), fmt


def test_export_deterministic_every_rdf_format(store):
    for fmt in ("nt", "trig", "nquads", "jsonld"):
        assert export_bytes(store, fmt) == export_bytes(store, fmt), fmt


# ---------------------------------------------------------------------------- entity graph
@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_export_entity_graph_formats(store, fmt, reader, tmp_path):
    path = tmp_path / f"g.{fmt}"
    export_to_path(store, fmt, path)
    g = reader(path)
    ref = entity_graph(store)
    assert set(g.nodes) == set(ref.nodes)
    assert g.number_of_edges() == ref.number_of_edges()
    labels = {d["label"] for _, d in g.nodes(data=True)}
    assert {"甲县示范局", "示范工作条例", "王示例", "党建责任落实不到位"} <= labels


def test_export_entity_graph_content(store):
    g = entity_graph(store)
    types = {d["type"] for _, d in g.nodes(data=True)}
    assert "oa:TextPositionSelector" not in types
    assert not [n for n in g if "/span/" in n]
    preds = {k for _, _, k in g.edges(keys=True)}
    assert "rdf:type" not in preds and "rk:evidence" not in preds
    assert {"rk:addresses", "rk:responsibleUnit", "rk:makes", "rk:inspected",
            "rk:conductedBy", "rk:reportedIn"} <= preds
    org = "https://w3id.org/rectkg/id/org/" + __import__("hashlib").sha256(
        "甲县示范局".encode()).hexdigest()[:16]
    assert g.nodes[org]["type"] == "org:Organization"


# ---------------------------------------------------------------------------- ledger
def test_export_ledger_csv(store):
    rows = list(csv.reader(io.StringIO(export_bytes(store, "ledger-csv").decode("utf-8"))))
    assert rows[0] == LEDGER_HEADER
    a = [r for r in rows[1:] if r[0] == "甲县.txt"]
    assert a[0] == ["甲县.txt", "1", "学习制度执行不严", "政治建设方面", "已完成", "修订学习制度",
                    "甲县示范局办公室"]
    assert a[1][5:] == ["开展专题学习", "甲县示范局"]
    assert ["甲县.txt", "2(1)", "少数采购未比价", "财务管理方面", "整改中", "", ""] in a
    assert a[-1][2] == TRICKY and a[-1][4] == "未说明"
    assert len(a) == 5  # 2 + 1 measures, a sub-problem and a problem without measures


def test_export_ledger_file_has_bom_for_spreadsheets(store, tmp_path):
    export_to_path(store, "ledger-csv", tmp_path / "l.csv")
    raw = (tmp_path / "l.csv").read_bytes()
    assert raw.startswith("\ufeff报告,".encode("utf-8"))


# ---------------------------------------------------------------------------- API and CLI
def test_export_to_text_and_binary_streams(store):
    b, t = io.BytesIO(), io.StringIO()
    export(store, "nt", b)
    export(store, "nt", t)
    assert b.getvalue().decode("utf-8") == t.getvalue()


def test_export_unknown_format(store):
    with pytest.raises(ExportError, match="use one of: turtle, nt"):
        export_bytes(store, "rdfxml")


def test_export_cli_stdout_and_file(store, tmp_path):
    runner = CliRunner()
    got = runner.invoke(cli, ["export", "--format", "nt", "--out", str(store.out_dir)])
    assert got.exit_code == 0, got.output
    assert got.stdout_bytes == export_bytes(store, "nt")
    target = tmp_path / "g.ttl"
    got = runner.invoke(cli, ["export", "--format", "turtle", "-o", str(target),
                              "--out", str(store.out_dir)])
    assert got.exit_code == 0, got.output
    assert target.read_bytes() == turtle_text(store).encode("utf-8")


def test_export_cli_without_store(tmp_path):
    got = CliRunner().invoke(cli, ["export", "--format", "nt", "--out", str(tmp_path / "none")])
    assert got.exit_code == 1
    assert "no store" in got.output and "kg build" in got.output


# ---------------------------------------------------------------------------- the sample corpus
def test_export_sample_corpus_round_trips(built_corpus, tmp_path):
    with Store.open(built_corpus, read_only=True) as st:
        union = _union_triples(st)
        ttl = (built_corpus / "kg.ttl").read_bytes()
        assert _triples(ttl) == union
        g = rdflib.Graph()
        g.parse(data=ttl.decode("utf-8"), format="turtle")
        assert to_isomorphic(g) == to_isomorphic(_rdflib_union(st))
        write_turtle(st, tmp_path / "again.ttl")
        assert (tmp_path / "again.ttl").read_bytes() == ttl
        for fmt, ox_fmt in (("trig", ox.RdfFormat.TRIG), ("nquads", ox.RdfFormat.N_QUADS),
                            ("jsonld", ox.RdfFormat.JSON_LD)):
            assert set(ox.parse(export_bytes(st, fmt), format=ox_fmt)) == _quad_set(st), fmt
        doc = json.loads(export_bytes(st, "jsonld"))
        assert len(doc["@graph"]) == len(st.graphs())


@needs_rapper
def test_export_sample_corpus_rapper(built_corpus):
    run = subprocess.run([RAPPER, "-q", "-i", "turtle", "-o", "ntriples",
                          str(built_corpus / "kg.ttl")], capture_output=True, check=True)
    with Store.open(built_corpus, read_only=True) as st:
        assert _triples(run.stdout, ox.RdfFormat.N_TRIPLES) == _union_triples(st)


def test_export_strict_parsers_read_back_every_literal(tmp_path, corpus_dir):
    """Text with noncharacters (U+FFFE, U+FFFF), a right-to-left override, control characters and
    a file name with a terminal escape: every export format comes back from rapper (where it
    reads it), rdflib and pyoxigraph with the same literals as the store (issue 13)."""
    import shutil
    import subprocess

    import rdflib

    from kg.export import export_to_path
    from kg.pipeline import build_corpus

    corpus = tmp_path / "c"
    corpus.mkdir()
    text = (corpus_dir / "003_d9623f3b0403799a.txt").read_text(encoding="utf-8")
    odd = text.replace("整改", "整\uffff改", 1).replace("巡察", "巡\ufffe察", 1) + "\n\u202e反向\u202c\x07。"
    (corpus / "odd\x1b[31m.txt").write_text(odd, encoding="utf-8")
    build_corpus([corpus], tmp_path / "out", write_views=False)
    with Store.open(tmp_path / "out", read_only=True) as st:
        want = {(q.subject, q.predicate, q.object) for q in st.quads()}
    assert not any("\uffff" in o.value or "\ufffe" in o.value for _, _, o in want
                   if isinstance(o, ox.Literal)), "noncharacters are cleaned at ingest"
    for fmt, ext, ox_fmt, rap in (("nt", ".nt", ox.RdfFormat.N_TRIPLES, "ntriples"),
                                  ("nquads", ".nq", ox.RdfFormat.N_QUADS, "nquads"),
                                  ("trig", ".trig", ox.RdfFormat.TRIG, "trig"),
                                  ("turtle", ".ttl", ox.RdfFormat.TURTLE, "turtle")):
        path = tmp_path / f"all{ext}"
        with Store.open(tmp_path / "out", read_only=True) as st:
            export_to_path(st, fmt, path)
        got = {(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox_fmt)}
        assert got == want, fmt
        g = rdflib.Dataset(default_union=True) if fmt in ("nquads", "trig") else rdflib.Graph()
        g.parse(path, format={"nt": "nt", "nquads": "nquads", "trig": "trig", "turtle": "turtle"}[fmt])
        lits = {str(o) for _, _, o in g.triples((None, None, None)) if isinstance(o, rdflib.Literal)}
        assert len(set(g.triples((None, None, None)))) == len(want), fmt
        assert lits == {o.value for _, _, o in want if isinstance(o, ox.Literal)}, fmt
        if shutil.which("rapper"):
            r = subprocess.run(["rapper", "-q", "-i", rap, "-o", "ntriples", str(path)],
                               capture_output=True)
            assert r.returncode == 0 and not r.stderr, (fmt, r.stderr[:300])
            back = {(t.subject, t.predicate, t.object)
                    for t in ox.parse(r.stdout, format=ox.RdfFormat.N_TRIPLES)}
            assert back == want, fmt


def test_export_selectors_written_the_short_way_read_as_written_the_general_way(corpus_dir):
    """kg.ttl writes each evidence selector straight from its six lines (half of all lines):
    the text is the general writer's, on real reports and on selectors of other shapes (one
    type missing, a predicate more, a repeated line, a tagged quote), and it parses back to the
    same triples."""
    from kg.export import _SPAN, _Shortener, _selector_statements, _statements
    from kg.pipeline import process_file
    from kg.vocab import PREFIXES

    lines = []
    for path in sorted(corpus_dir.glob("*.txt"))[:2]:
        lines += [x for x in process_file(path).own if x.startswith(_SPAN)]
    lines = sorted(set(lines))
    assert len(lines) > 600 and len(lines) % 6 == 0
    odd = list(lines)
    s = [x.split(" ", 1)[0] for x in odd[0:60:6]]
    odd.remove(odd[0])                                                     # a type missing
    odd.append(f"{s[1]} <http://www.w3.org/2000/01/rdf-schema#comment> \"c\"")  # one more
    odd.append(f"{s[2]} <https://w3id.org/rectkg/ontology#zz> \"z\"")   # one more, last
    odd.append(odd[20])                                                    # a line twice
    odd = [x + "^^<http://www.w3.org/2001/XMLSchema#string>" if x.startswith(s[5]) and "#exact>" in x
           else x for x in odd]
    odd = [x + "@zh" if x.startswith(s[6]) and "#exact>" in x else x for x in odd]
    for case in (lines, sorted(odd)):
        short, general = [], []
        n = _selector_statements(case, _Shortener(), "", short)
        assert n == _statements(case, _Shortener(), "", general) == len(set(case))
        assert short == general
        text = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in PREFIXES.items()) + "".join(short)
        want = {tuple(ox.parse(f"{x} .".encode(), format=ox.RdfFormat.N_TRIPLES))[0] for x in case}
        assert set(ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)) == want
