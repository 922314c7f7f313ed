"""`kg serve`: a real server on a free loopback port, asked by a real HTTP client (requests),
raw sockets where the HTTP itself is the attack, and headless Chromium for the query page."""
from __future__ import annotations

import csv
import http.client
import importlib.util
import io
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from pyoxigraph import Literal, NamedNode, Quad
from requests.adapters import HTTPAdapter

from kg.errors import KgError, QueryError, StoreError
from kg.serve import SOLUTION_TYPES, SparqlServer, check_read_only, negotiate
from kg.store import Store
from kg.vocab import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
RK = "https://w3id.org/rectkg/ontology#"
ID = "https://w3id.org/rectkg/id/"
GRAPH = "https://w3id.org/rectkg/graph/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
SOURCE = NamedNode("http://purl.org/dc/terms/source")
N_REPORTS, N_PROBLEMS = 3, 40
# the quads of one report (_report_quads) times N_REPORTS; 3 manifest triples per report on top
CARTESIAN_COUNT = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }")


def _report_quads(r: int, problems: int = N_PROBLEMS) -> tuple[str, list[Quad]]:
    """A small report in the shape of docs/GRAPH.md: problems, statuses, measures, units."""
    key = f"{r:016x}"
    g = NamedNode(GRAPH + key)
    rep = NamedNode(f"{ID}report/{key}")
    org = NamedNode(f"{ID}org/unit{r}")
    qs = [Quad(rep, RDF_TYPE, NamedNode(RK + "Report"), g),
          Quad(rep, SOURCE, Literal(f"report-{r}.txt"), g),
          Quad(org, RDF_TYPE, NamedNode("http://www.w3.org/ns/org#Organization"), g),
          Quad(org, PREF, Literal(f"单位{r}", language="zh"), g)]
    for i in range(problems):
        p = NamedNode(f"{ID}problem/{key}/{i}")
        m = NamedNode(f"{ID}measure/{key}/{i}/0")
        status = "Completed" if i % 2 else "InProgress"
        qs += [Quad(p, RDF_TYPE, NamedNode(RK + "Problem"), g),
               Quad(p, LABEL, Literal(f"问题{r}-{i}", language="zh"), g),
               Quad(p, NamedNode(RK + "reportedIn"), rep, g),
               Quad(p, NamedNode(RK + "status"), NamedNode(RK + status), g),
               Quad(p, NamedNode(RK + "ordinal"), Literal(str(i + 1)), g),
               Quad(m, RDF_TYPE, NamedNode(RK + "Measure"), g),
               Quad(m, LABEL, Literal(f"措施{r}-{i}", language="zh"), g),
               Quad(m, NamedNode(RK + "addresses"), p, g),
               Quad(m, NamedNode(RK + "responsibleUnit"), org, g)]
    # awkward literals for the result formats: tab, quote, comma, newline, a typed number
    qs.append(Quad(rep, NamedNode(RK + "content"), Literal('第一行\t"引号", 逗号\n第二行'), g))
    qs.append(Quad(rep, NamedNode(RK + "statedProblemCount"),
                   Literal(str(problems), datatype=NamedNode(
                       "http://www.w3.org/2001/XMLSchema#integer")), g))
    return key, qs


def make_store(out: Path, reports=range(N_REPORTS)) -> Path:
    """Write reports into OUT/store through kg.store, the way kg build does."""
    store = Store.open(out)
    with store.writer():
        for r in reports:
            key, quads = _report_quads(r)
            store.replace_report(f"report-{r}.txt", f"{r:064x}", GRAPH + key, quads)
    store.close()
    return out


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return make_store(tmp_path_factory.mktemp("serve") / "out")


@pytest.fixture(scope="module")
def server(out_dir):
    with SparqlServer(out_dir, port=0, timeout=10, max_rows=500, workers=2,
                      memory_mb=1024).start() as srv:
        yield srv


def status(srv) -> dict:
    """What the server's worker pool is doing, asked over HTTP (``/status``)."""
    return requests.get(srv.base_url + "status", timeout=10).json()["pool"]


class _FromAddress(HTTPAdapter):
    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client_at(address: str) -> requests.Session:
    """A client whose requests leave from another loopback address (another user, to the
    server's per-client limits)."""
    s = requests.Session()
    s.mount("http://", _FromAddress(address))
    return s


def _problem_labels() -> set[str]:
    return {f"问题{r}-{i}" for r in range(N_REPORTS) for i in range(N_PROBLEMS)}


LABELS_QUERY = ("SELECT ?p ?label WHERE { ?p a rk:Problem ; rdfs:label ?label }")


# ----------------------------------------------------------------------- protocol basics

def test_serve_binds_loopback_by_default(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith("http://127.0.0.1:")


def test_serve_get_select_json(server):
    r = requests.get(server.url, params={"query": LABELS_QUERY})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/sparql-results+json")
    data = r.json()
    assert data["head"]["vars"] == ["p", "label"]
    labels = {b["label"]["value"] for b in data["results"]["bindings"]}
    assert labels == _problem_labels()
    assert {b["label"]["xml:lang"] for b in data["results"]["bindings"]} == {"zh"}


@pytest.mark.parametrize("how", ["form", "sparql-query"])
def test_serve_post(server, how):
    if how == "form":
        r = requests.post(server.url, data={"query": LABELS_QUERY})
    else:
        r = requests.post(server.url, data=LABELS_QUERY.encode(),
                          headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 200
    assert {b["label"]["value"] for b in r.json()["results"]["bindings"]} == _problem_labels()


def _expected_awkward(out_dir):
    with Store.open(out_dir, read_only=True) as store:
        rows = list(store.db.query(
            "SELECT ?r ?content ?n WHERE { ?r rk:content ?content ; rk:statedProblemCount ?n }",
            prefixes=PREFIXES, use_default_graph_as_union=True))
    return sorted((row["r"], row["content"], row["n"]) for row in rows)


AWKWARD_QUERY = ("SELECT ?r ?content ?n WHERE { ?r rk:content ?content ; "
                 "rk:statedProblemCount ?n }")


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", ox.QueryResultsFormat.JSON),
    ("application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ("text/tab-separated-values", ox.QueryResultsFormat.TSV),
])
def test_serve_select_formats_reparse_to_the_same_terms(server, out_dir, accept, fmt):
    r = requests.get(server.url, params={"query": AWKWARD_QUERY}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == accept
    parsed = ox.parse_query_results(r.content, format=fmt)
    got = sorted((row["r"], row["content"], row["n"]) for row in parsed)
    assert got == _expected_awkward(out_dir)
    assert len(got) == N_REPORTS


def test_serve_select_csv(server, out_dir):
    r = requests.get(server.url, params={"query": AWKWARD_QUERY}, headers={"Accept": "text/csv"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert rows[0] == ["r", "content", "n"]
    expected = sorted([r_.value, c.value, n.value] for r_, c, n in _expected_awkward(out_dir))
    assert sorted(rows[1:]) == expected


@pytest.mark.parametrize("accept", ["application/sparql-results+json",
                                    "application/sparql-results+xml"])
def test_serve_ask(server, accept):
    fmt = {"application/sparql-results+json": ox.QueryResultsFormat.JSON,
           "application/sparql-results+xml": ox.QueryResultsFormat.XML}[accept]
    for query, expected in [("ASK { ?p a rk:Problem }", True), ("ASK { ?p a rk:Nothing }", False)]:
        r = requests.get(server.url, params={"query": query}, headers={"Accept": accept})
        assert r.status_code == 200
        assert bool(ox.parse_query_results(r.content, format=fmt)) is expected


def _expected_construct(out_dir, query):
    with Store.open(out_dir, read_only=True) as store:
        return set(store.db.query(query, prefixes=PREFIXES, use_default_graph_as_union=True))


CONSTRUCT = ("CONSTRUCT { ?p rdfs:label ?l ; rk:status ?s } WHERE { ?p a rk:Problem ; "
             "rdfs:label ?l ; rk:status ?s }")


@pytest.mark.parametrize("accept,fmt", [
    ("text/turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", ox.RdfFormat.JSON_LD),
])
def test_serve_construct_formats(server, out_dir, accept, fmt):
    r = requests.post(server.url, data={"query": CONSTRUCT}, headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == accept
    got = {q.triple for q in ox.parse(r.content, format=fmt)}
    assert got == _expected_construct(out_dir, CONSTRUCT)
    assert len(got) == 2 * N_REPORTS * N_PROBLEMS


def test_serve_describe(server):
    iri = f"{ID}problem/{0:016x}/3"
    r = requests.get(server.url, params={"query": f"DESCRIBE <{iri}>"},
                     headers={"Accept": "application/n-triples"})
    assert r.status_code == 200
    triples = {q.triple for q in ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES)}
    assert ox.Triple(NamedNode(iri), LABEL, Literal("问题0-3", language="zh")) in triples


def test_serve_format_parameter_and_default(server):
    r = requests.get(server.url, params={"query": "ASK {}", "format": "xml"})
    assert r.headers["Content-Type"].startswith("application/sparql-results+xml")
    r = requests.get(server.url, params={"query": CONSTRUCT},
                     headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")


def test_serve_not_acceptable(server):
    r = requests.get(server.url, params={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert "application/sparql-results+json" in r.text


def test_serve_negotiate_prefers_higher_q():
    assert negotiate("text/csv;q=0.4, text/tab-separated-values;q=0.9",
                     SOLUTION_TYPES) == "text/tab-separated-values"
    assert negotiate("text/*", SOLUTION_TYPES) == "text/csv"
    assert negotiate("application/sparql-results+json;q=0", SOLUTION_TYPES) is None


def test_serve_malformed_query_names_line_and_column(server):
    r = requests.get(server.url, params={"query": "SELECT ?x WHERE {\n  ?x ?y \n}"})
    assert r.status_code == 400
    assert re.search(r"line \d+, column \d+", r.text)


@pytest.mark.parametrize("params", [{}, {"query": ""}, {"query": ["ASK {}", "ASK {}"]}])
def test_serve_needs_exactly_one_query(server, params):
    r = requests.get(server.url, params=params)
    assert r.status_code == 400 and "exactly one query" in r.text


def test_serve_unknown_path_and_content_type(server):
    assert requests.get(server.url.replace("/sparql", "/nope")).status_code == 404
    r = requests.post(server.url, data=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert r.status_code == 415


# ----------------------------------------------------------------------- read-only

def _count(server) -> int:
    r = requests.get(server.url, params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("send", [
    lambda u: requests.get(u, params={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
    lambda u: requests.post(u, data={"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
    lambda u: requests.post(u, data={"update": "DROP ALL"}),
    lambda u: requests.post(u, data=b"CLEAR ALL",
                            headers={"Content-Type": "application/sparql-update"}),
    lambda u: requests.post(u, data={"query": "DELETE WHERE { ?s ?p ?o }"}),
    lambda u: requests.get(u, params={"query": "LOAD <file:///etc/passwd>"}),
    lambda u: requests.get(u, params={"query": "LOAD <file:///etc/passwd> INTO GRAPH <urn:x>"}),
    lambda u: requests.post(u, data={"query": "PREFIX ex: <urn:x#>\nload <http://127.0.0.1:9/x>"}),
], ids=["insert-as-query", "update-form", "drop-all", "sparql-update-body", "delete-where",
        "load-file", "load-into", "load-lowercase"])
def test_serve_refuses_updates(server, send):
    before = _count(server)
    r = send(server.url)
    assert r.status_code == 403
    assert "not allowed on this read-only endpoint" in r.text
    assert _count(server) == before


SERVICE_QUERIES = [
    "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "select * { service silent <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * { ?s ?p true.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
    "SELECT * { ?s ?p 1SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
    "SELECT * { ?s ?p ?o SERVICE<http://127.0.0.1:9/>{?a ?b ?c} }",
    "SELECT * { VALUES ?e { <http://127.0.0.1:9/> } SERVICE ?e { ?s ?p ?o } }",
    "SELECT * { <urn:a> <urn:b> \"x\"SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { # a comment\n SeRvIcE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } }",
    r"SELECT * { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
]


@pytest.mark.parametrize("query", SERVICE_QUERIES)
def test_serve_refuses_service(server, query):
    r = requests.post(server.url, data={"query": query})
    assert r.status_code == 403
    assert "SERVICE" in r.text


@pytest.mark.parametrize("query", SERVICE_QUERIES[:-1])
def test_serve_service_cases_are_real_sparql(query):
    """The refused texts are valid SPARQL that pyoxigraph would run (so the refusal matters)."""
    try:
        ox.Store().query(query)
    except SyntaxError:  # pragma: no cover - the case would prove nothing
        pytest.fail(f"not valid SPARQL: {query}")
    except (OSError, RuntimeError):
        pass  # evaluation reached the network (port 9 is refused) or an unbound service


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p 'SERVICE' } # SERVICE in a comment",
    'SELECT * { ?s <http://example.org/SERVICE> """long SERVICE "quoted" string""" }',
    "PREFIX service: <http://example.org/> SELECT ?service { ?service service:x ?o }",
    "PREFIX ex: <http://example.org/> SELECT * { ?s ex:SERVICE ?o . ?s ex:copy ?c }",
    "SELECT * { ?s ?p 'load, insert, delete, drop' }",
])
def test_serve_allows_keywords_outside_code(server, query):
    check_read_only(query)
    assert requests.post(server.url, data={"query": query}).status_code == 200


def test_serve_check_read_only_message():
    with pytest.raises(QueryError, match="LOAD"):
        check_read_only("LOAD <file:///etc/passwd>")


def _wait(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# ----------------------------------------------------------------------- limits: rows and bytes

def test_serve_result_cap(server):
    r = requests.get(server.url, params={"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }"})
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == 500
    assert r.headers["X-Result-Truncated"] == "rows" and r.headers["X-Result-Cap"] == "500"
    r = requests.get(server.url, params={"query": "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . "
                                                  "?d ?e ?f }"},
                     headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["X-Result-Truncated"] == "rows"
    assert len(r.content.decode().splitlines()) <= 500
    r = requests.get(server.url, params={"query": "SELECT * { ?s a rk:Report }"})
    assert "X-Result-Truncated" not in r.headers and r.headers["X-Result-Rows"] == "3"


BYTE_CAP = 64 * 1024
SELECT_MANY = "SELECT * { ?a ?b ?c . ?d ?e ?f }"           # 1.5 k² rows, about 400 MB as JSON
CONSTRUCT_MANY = "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . ?d ?e ?f }"


@pytest.fixture(scope="module")
def byte_capped(out_dir):
    with SparqlServer(out_dir, port=0, max_rows=10_000_000, max_bytes=BYTE_CAP, workers=2,
                      memory_mb=1024).start() as srv:
        yield srv


@pytest.mark.parametrize("query,accept,parse", [
    (SELECT_MANY, "application/sparql-results+json",
     lambda b: ox.parse_query_results(b, format=ox.QueryResultsFormat.JSON)),
    (SELECT_MANY, "application/sparql-results+xml",
     lambda b: ox.parse_query_results(b, format=ox.QueryResultsFormat.XML)),
    (SELECT_MANY, "text/tab-separated-values",
     lambda b: ox.parse_query_results(b, format=ox.QueryResultsFormat.TSV)),
    (SELECT_MANY, "text/csv", lambda b: list(csv.reader(io.StringIO(b.decode())))[1:]),
    (CONSTRUCT_MANY, "text/turtle", lambda b: ox.parse(b, format=ox.RdfFormat.TURTLE)),
    (CONSTRUCT_MANY, "application/n-triples",
     lambda b: ox.parse(b, format=ox.RdfFormat.N_TRIPLES)),
    (CONSTRUCT_MANY, "application/ld+json", lambda b: ox.parse(b, format=ox.RdfFormat.JSON_LD)),
], ids=["json", "xml", "tsv", "csv", "turtle", "ntriples", "jsonld"])
def test_serve_byte_cap_cuts_between_rows_in_every_format(byte_capped, query, accept, parse):
    """An answer far over the byte cap stops below it, as a complete document that parses,
    with the rows it holds counted and the cut named."""
    r = requests.post(byte_capped.url, data={"query": query}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["X-Result-Truncated"] == "bytes"
    assert r.headers["X-Result-Cap"] == str(BYTE_CAP)
    assert len(r.content) <= BYTE_CAP
    if accept not in ("text/turtle", "application/ld+json"):  # those count N-Triples bytes
        assert len(r.content) > BYTE_CAP / 2
    rows = list(parse(r.content))
    assert len(rows) == int(r.headers["X-Result-Rows"]) > 100


def _peak_rss_kb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))


def test_serve_large_answers_stream_from_disk_not_memory(out_dir, tmp_path):
    """Three concurrent CONSTRUCTs, each cut at 8 MB: the server's peak memory grows by far less
    than the 24 MB it sends (the workers spool large answers to a file that is streamed, and
    unlinked at once), and no spool file is left behind."""
    cap = 8 * 1024 * 1024
    with _cli_server(out_dir, "--workers", "4", "--max-rows", "10000000", "--max-bytes",
                     str(cap), env={"TMPDIR": str(tmp_path)}) as (proc, url):
        before = _peak_rss_kb(proc.pid)
        bodies = {}

        def fetch(i):
            with requests.post(url, data={"query": CONSTRUCT_MANY + f" # {i}"}, stream=True,
                               headers={"Accept": "application/n-triples"}, timeout=120) as r:
                bodies[i] = (r.status_code, r.headers.get("X-Result-Truncated"),
                             sum(len(c) for c in r.iter_content(1 << 16)))

        threads = [threading.Thread(target=fetch, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
        grown_mb = (_peak_rss_kb(proc.pid) - before) / 1024
        (spool,) = tmp_path.glob("kg-serve-*")
        left = list(spool.iterdir())
    assert [b[:2] for b in bodies.values()] == [(200, "bytes")] * 3
    assert all(cap / 2 < b[2] <= cap for b in bodies.values()), bodies
    assert grown_mb < 6, f"the server grew by {grown_mb:.1f} MB while sending three answers of up to 8 MB"
    assert left == []
    assert not spool.exists()  # removed when the server stopped


def test_serve_a_client_that_does_not_read_holds_no_worker(out_dir):
    """A large answer is spooled before it is sent: a client that never reads it keeps a
    socket and a file open, not a worker."""
    with SparqlServer(out_dir, port=0, max_rows=10_000_000, max_bytes=8 * 1024 * 1024,
                      workers=2, memory_mb=1024).start() as srv:
        with requests.post(srv.url, data={"query": CONSTRUCT_MANY}, stream=True,
                           headers={"Accept": "application/n-triples"}) as r:
            assert r.status_code == 200 and int(r.headers["Content-Length"]) > 4 * 1024 * 1024
            assert _wait(lambda: status(srv)["idle"] == 2)
            ask = requests.get(srv.url, params={"query": "ASK {}"}, timeout=10)
            assert ask.json()["boolean"] is True
            assert len(r.raw.read(1000)) == 1000  # the answer is still there to be read


def test_serve_long_get_query(server):
    """A query of 30 kB fits in a GET (uvicorn's default line limit is 16 kB)."""
    query = "ASK { ?s ?p ?o } # " + "x" * 30_000
    r = requests.get(server.url, params={"query": query})
    assert r.status_code == 200 and r.json()["boolean"] is True


# ----------------------------------------------------------------------- hostile HTTP

def _raw(srv, data: bytes, *, read_timeout: float = 10.0, then: bytes = b"") -> bytes:
    """Send raw bytes to the server (then more), return what it answers before closing."""
    host, port = srv.server_address[:2]
    with socket.create_connection((host, port), timeout=read_timeout) as s:
        s.sendall(data)
        if then:
            try:
                s.sendall(then)
            except OSError:
                pass  # the server may already have answered and closed
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
                head, sep, body = out.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if sep and length and len(body) >= int(length.group(1)):
                    break
        except (TimeoutError, ConnectionResetError):
            pass
    return out


@pytest.mark.parametrize("length", [b"-1", b"-100000000", b"1e9", b"0x10", b" 5 5"])
def test_serve_refuses_a_malformed_content_length(server, length):
    """A negative or malformed Content-Length is refused at once, before any body is read
    (the old server read ``rfile.read(-1)``: everything until the client closed)."""
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\nContent-Length: " + length + b"\r\n\r\n")
    t0 = time.monotonic()
    answer = _raw(server, head, then=b"query=ASK%7B%7D" + b"x" * (2 << 20))
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]
    assert time.monotonic() - t0 < 5


def test_serve_refuses_a_huge_body_without_reading_it(server):
    head = (b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
            b"application/x-www-form-urlencoded\r\nContent-Length: 100000000\r\n\r\n")
    t0 = time.monotonic()
    answer = _raw(server, head)  # no body sent at all: the answer cannot wait for it
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"request body over" in answer
    assert time.monotonic() - t0 < 5


def test_serve_refuses_a_chunked_body_over_the_limit(server):
    def chunks():
        for _ in range(40):
            yield b"query=" + b"x" * 65536

    r = requests.post(server.url, data=chunks(),
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


# ----------------------------------------------------------------------- fairness: lanes

def _heavy_in_background(srv, addresses, query=CARTESIAN_COUNT):
    """Send ``query`` from each address in its own thread; return (threads, answers)."""
    answers: dict = {}

    def send(address):
        with client_at(address) as s:
            answers[address] = s.get(srv.url, params={"query": query}, timeout=120)

    threads = [threading.Thread(target=send, args=(a,)) for a in addresses]
    for t in threads:
        t.start()
    return threads, answers


def test_serve_quick_lane_answers_while_heavy_queries_fill_the_rest(out_dir):
    """Three clients' cartesian products against two workers: one runs as heavy, the others
    wait (or are stopped and queued) — the simple SELECT still gets the quick worker. On the old
    single FIFO the two workers were both taken and the SELECT got 503 after the timeout."""
    with SparqlServer(out_dir, port=0, timeout=5, workers=2, heavy_workers=1, heavy_after=0.2,
                      memory_mb=1024).start() as srv:
        threads, answers = _heavy_in_background(srv, ["127.0.0.2", "127.0.0.3", "127.0.0.4"])
        assert _wait(lambda: status(srv)["heavy_running"] == 1
                     and status(srv)["waiting_heavy"] == 2)
        for _ in range(5):
            simple = requests.get(srv.url, params={"query": "SELECT * { ?s a rk:Report }"},
                                  timeout=30)
            assert simple.status_code == 200, simple.text
            assert len(simple.json()["results"]["bindings"]) == N_REPORTS
        assert any(t.is_alive() for t in threads)  # answered while the heavy ones still ran
        assert status(srv)["heavy_running"] <= 1
        for t in threads:
            t.join(60)
        codes = sorted(r.status_code for r in answers.values())
        assert codes == [503, 503, 503]  # timed out, or waited past the timeout: all said so
        assert all(("timed out" in r.text or "server busy" in r.text) for r in answers.values())


def test_serve_limits_heavy_queries_per_client(out_dir):
    """Two heavy queries from one address run one at a time; another address gets the second
    heavy slot meanwhile."""
    with SparqlServer(out_dir, port=0, timeout=4, workers=3, heavy_workers=2, heavy_after=0.2,
                      heavy_per_client=1, memory_mb=1024).start() as srv:
        t1, a1 = _heavy_in_background(srv, ["127.0.0.2"])
        assert _wait(lambda: status(srv)["heavy_running"] == 1)  # it has become heavy
        t2, a2 = _heavy_in_background(srv, ["127.0.0.2"])  # the same client again
        assert _wait(lambda: status(srv)["waiting_heavy"] == 1)
        t3, a3 = _heavy_in_background(srv, ["127.0.0.3"])  # someone else
        assert _wait(lambda: status(srv)["heavy_running"] == 2)
        st = status(srv)
        assert st["heavy_per_running_client"] == [1, 1]  # two clients, one each
        assert st["waiting_heavy"] == 1
        for t in t1 + t2 + t3:
            t.join(60)


def test_serve_a_cheap_query_slowed_by_a_busy_machine_stays_quick(out_dir):
    """Heavy is measured in the worker's CPU time: a query whose worker gets no CPU for 0.6 s
    (here: stopped with SIGSTOP, as a loaded machine would starve it) is not taken for a heavy
    one, so the next copy of it is not queued behind heavy queries."""
    import signal

    with SparqlServer(out_dir, port=0, workers=2, heavy_workers=1, heavy_after=0.25,
                      memory_mb=1024).start() as srv:
        pids = status(srv)["worker_pids"]
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            answer = {}
            t = threading.Thread(target=lambda: answer.setdefault("r", requests.get(
                srv.url, params={"query": "SELECT * { ?s a rk:Report }"}, timeout=30)))
            t.start()
            time.sleep(0.6)
        finally:
            for pid in pids:
                os.kill(pid, signal.SIGCONT)
        t.join(30)
        assert answer["r"].status_code == 200
        st = status(srv)
        assert (st["promoted"], st["requeued"], st["heavy_running"]) == (0, 0, 0)


def test_serve_a_light_client_goes_before_one_that_keeps_the_workers_busy(out_dir):
    """Queries just under the heavy mark stay quick; a free worker then goes to the client that
    has used the workers least lately, so one cheap question is not queued behind the five
    another client sent first (in a FIFO it would be answered last)."""
    medium = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    with SparqlServer(out_dir, port=0, workers=2, heavy_workers=1, heavy_after=30, timeout=60,
                      memory_mb=1024).start() as srv:
        finished = []

        def send(address, name, query):
            with client_at(address) as s:
                r = s.get(srv.url, params={"query": query}, timeout=120)
            assert r.status_code == 200, r.text
            finished.append(name)

        first = [threading.Thread(target=send, args=("127.0.0.2", f"busy{i}", f"{medium} # {i}"))
                 for i in range(5)]
        for t in first:
            t.start()
        assert _wait(lambda: status(srv)["waiting_quick"] == 3)  # two run, three wait
        light = threading.Thread(target=send, args=("127.0.0.3", "light",
                                                    "SELECT * { ?s a rk:Report }"))
        light.start()
        for t in first + [light]:
            t.join(120)
        assert len(finished) == 6
        assert len(finished) - 1 - finished.index("light") >= 2  # it overtook the ones waiting
        assert status(srv)["promoted"] == 0


def test_serve_heavy_query_text_is_remembered(out_dir):
    """Once a text has run long, the next copy waits for a heavy slot instead of taking a quick
    worker first; a cheap query is never held back."""
    with SparqlServer(out_dir, port=0, timeout=3, workers=2, heavy_workers=1, heavy_after=0.2,
                      memory_mb=1024).start() as srv:
        t1, _ = _heavy_in_background(srv, ["127.0.0.2"])
        assert _wait(lambda: status(srv)["promoted"] == 1)
        t2, a2 = _heavy_in_background(srv, ["127.0.0.3"])
        assert _wait(lambda: status(srv)["waiting_heavy"] == 1)
        assert status(srv)["requeued"] == 0  # it never started in the quick lane
        assert requests.get(srv.url, params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"]
        for t in t1 + t2:
            t.join(60)


def test_serve_timeout_stops_a_cartesian_product_while_others_are_answered(out_dir):
    with SparqlServer(out_dir, port=0, timeout=3, max_rows=100, workers=2,
                      memory_mb=1024).start() as srv:
        pids_before = set(status(srv)["worker_pids"])
        threads, answers = _heavy_in_background(srv, ["127.0.0.2"])
        assert _wait(lambda: status(srv)["heavy_running"] == 1)
        simple = requests.get(srv.url, params={"query": "SELECT * { ?s a rk:Report }"})
        assert simple.status_code == 200
        assert len(simple.json()["results"]["bindings"]) == N_REPORTS
        assert threads[0].is_alive()  # answered while the cartesian product was still running
        threads[0].join(30)
        r = answers["127.0.0.2"]
        assert r.status_code == 503 and "timed out after 3 s" in r.text
        # the worker that ran it was killed (not merely abandoned), and a new one took its place
        assert status(srv)["killed"] == 1
        assert _wait(lambda: len(pids_before - set(status(srv)["worker_pids"])) == 1)
        (killed,) = pids_before - set(status(srv)["worker_pids"])
        assert _wait(lambda: not Path(f"/proc/{killed}").exists())
        assert _wait(lambda: len(status(srv)["worker_pids"]) == 2)
        assert requests.get(srv.url, params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"]


def test_serve_memory_cap_stops_an_exploding_query(out_dir):
    with SparqlServer(out_dir, port=0, timeout=60, max_rows=100, workers=2,
                      memory_mb=1024).start() as srv:
        for pid in status(srv)["worker_pids"]:  # the cap is really set before anything explodes
            limits = Path(f"/proc/{pid}/limits").read_text()
            line = next(line for line in limits.splitlines() if line.startswith("Max address"))
            assert line.split()[3] == str(1024 * 1024 * 1024)
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            assert b"MALLOC_ARENA_MAX=2" in environ
        query = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?f ?i ?l"
        r = requests.get(srv.url, params={"query": query})
        assert r.status_code == 500 and "1024 MB" in r.text
        assert status(srv)["killed"] == 1
        assert requests.get(srv.url, params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"]


def test_serve_busy_when_no_heavy_slot_comes_free(out_dir):
    """One heavy slot, three clients' heavy queries: the first holds the slot until it is
    stopped at the timeout, the second takes it next, so the third waits past its timeout
    and is told the server is busy (if the replacement worker came too late for the second,
    that one is told so instead)."""
    with SparqlServer(out_dir, port=0, timeout=2, workers=2, heavy_workers=1, heavy_after=0.2,
                      memory_mb=1024).start() as srv:
        threads, answers = _heavy_in_background(srv, ["127.0.0.2"])
        assert _wait(lambda: status(srv)["heavy_running"] == 1)
        pending = []
        for i, address in enumerate(["127.0.0.3", "127.0.0.4"], 1):
            more, more_answers = _heavy_in_background(srv, [address])
            threads += more
            pending.append(more_answers)
            assert _wait(lambda: status(srv)["waiting_heavy"] == i)
        assert requests.get(srv.url, params={"query": "ASK {}"}).status_code == 200
        for t in threads:
            t.join(30)
        for more_answers in pending:
            answers.update(more_answers)
        busy = [r for r in answers.values() if "server busy" in r.text]
        assert answers["127.0.0.2"].status_code == 503
        assert "timed out after 2 s" in answers["127.0.0.2"].text
        assert len(busy) >= 1 and all(r.status_code == 503 and r.headers["Retry-After"]
                                      for r in busy)
        assert _wait(lambda: len(status(srv)["worker_pids"]) == 2)  # replacements arrive
        assert requests.get(srv.url, params={"query": "ASK {}"}).status_code == 200


# ----------------------------------------------------------------------- the store under it

def test_serve_keeps_answering_during_a_build_and_sees_it_after(tmp_path):
    out = make_store(tmp_path / "out", reports=range(2))
    with SparqlServer(out, port=0, workers=2, memory_mb=1024).start() as srv:
        reports = "SELECT ?r WHERE { ?r a rk:Report }"

        def n_reports():
            r = requests.get(srv.url, params={"query": reports})
            assert r.status_code == 200, r.text
            return len(r.json()["results"]["bindings"])

        assert n_reports() == 2
        store = Store.open(out)
        with store.writer():  # a build in progress: the endpoint answers from the last one
            key, quads = _report_quads(7)
            store.replace_report("report-7.txt", "7" * 64, GRAPH + key, quads)
            assert n_reports() == 2
        store.close()
        assert n_reports() == 3  # the build switched the store; the workers reopened it
        assert n_reports() == 3


def test_serve_in_memory_answers_from_a_copy_and_sees_a_build(tmp_path):
    out = make_store(tmp_path / "out", reports=range(2))
    with SparqlServer(out, port=0, workers=2, memory_mb=1024, in_memory=True).start() as srv:
        def labels():
            r = requests.get(srv.url, params={"query": LABELS_QUERY})
            assert r.status_code == 200, r.text
            return {b["label"]["value"] for b in r.json()["results"]["bindings"]}

        assert labels() == {f"问题{r}-{i}" for r in range(2) for i in range(N_PROBLEMS)}
        store = Store.open(out)
        with store.writer():
            key, quads = _report_quads(7)
            store.replace_report("report-7.txt", "7" * 64, GRAPH + key, quads)
        store.close()
        assert labels() == {f"问题{r}-{i}" for r in (0, 1, 7) for i in range(N_PROBLEMS)}


def test_serve_without_a_store_says_what_to_do(tmp_path):
    with pytest.raises(StoreError, match="kg build"):
        SparqlServer(tmp_path / "nothing", port=0)



# ----------------------------------------------------------------------- Host, CORS, Server

def test_serve_refuses_other_hosts_against_dns_rebinding(server):
    """A page on evil.example whose name was rebound to 127.0.0.1 sends Host: evil.example."""
    port = server.server_address[1]
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.nip.io", "localhost.evil"):
        r = requests.get(server.url, params={"query": "ASK {}"}, headers={"Host": host})
        assert r.status_code == 400 and "--allow-host" in r.text, host
        r = requests.get(server.base_url, headers={"Host": host})
        assert r.status_code == 400, host
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", "127.0.0.1"):
        r = requests.get(server.url, params={"query": "ASK {}"}, headers={"Host": host})
        assert r.status_code == 200, host


def test_serve_allow_host_adds_names(out_dir):
    with SparqlServer(out_dir, port=0, workers=2, allow_hosts=["kg.example"]).start() as srv:
        ask = {"query": "ASK {}"}
        assert requests.get(srv.url, params=ask, headers={"Host": "kg.example"}).ok
        assert requests.get(srv.url, params=ask, headers={"Host": "evil.example"}).status_code \
            == 400
    with SparqlServer(out_dir, port=0, workers=2, allow_hosts=["*"]).start() as srv:
        assert requests.get(srv.url, params=ask, headers={"Host": "anything.example"}).ok


@pytest.mark.parametrize("host,good,bad", [
    ("localhost", ["localhost", "127.0.0.1"], ["evil.example"]),
    ("::1", ["[::1]", "localhost"], ["evil.example", "[::1].evil.example"]),
])
def test_serve_host_check_follows_the_listening_address(out_dir, host, good, bad):
    try:
        srv = SparqlServer(out_dir, host=host, port=0, workers=2)
    except KgError as e:  # pragma: no cover - a machine without IPv6 loopback
        pytest.skip(str(e))
    with srv.start():
        port = srv.server_address[1]
        for name in good + bad:
            r = requests.get(srv.url, params={"query": "ASK {}"},
                             headers={"Host": f"{name}:{port}"})
            assert r.status_code == (200 if name in good else 400), name


def test_serve_host_check_without_a_host_header(server):
    answer = _raw(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:100]


def test_serve_cors_lets_other_origins_query_and_still_refuses_updates(server):
    origin = {"Origin": "https://yasgui.example"}
    pre = requests.options(server.url, headers={**origin,
                                                "Access-Control-Request-Method": "POST",
                                                "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()
    r = requests.post(server.url, data={"query": LABELS_QUERY}, headers=origin)
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Result-Rows" in r.headers["Access-Control-Expose-Headers"]
    r = requests.get(server.base_url + "questions", headers=origin)
    assert r.ok and r.headers["Access-Control-Allow-Origin"] == "*"
    before = _count(server)
    r = requests.post(server.url, data=b"DROP ALL", headers={
        **origin, "Content-Type": "application/sparql-update"})
    assert r.status_code == 403 and r.headers["Access-Control-Allow-Origin"] == "*"
    assert _count(server) == before
    plain = requests.options(server.url)  # OPTIONS without CORS: what the endpoint allows
    assert plain.status_code == 204 and plain.headers["Allow"] == "GET, POST, OPTIONS"


def test_serve_cors_can_be_switched_off(out_dir):
    with SparqlServer(out_dir, port=0, workers=2, cors_origins=["none"]).start() as srv:
        r = requests.get(srv.url, params={"query": "ASK {}"},
                         headers={"Origin": "https://yasgui.example"})
        assert r.ok and "Access-Control-Allow-Origin" not in r.headers


def test_serve_server_header_names_the_product_only(server):
    answers = [requests.get(server.url, params={"query": "ASK {}"}),
               requests.get(server.url, params={"query": "SELECT"}),
               requests.get(server.base_url + "no/such/page.html"),
               requests.post(server.base_url + "index.html"),
               requests.get(server.url, params={"query": "ASK {}"}, headers={"Host": "x.example"}),
               requests.get(server.base_url + "query/")]
    assert [r.status_code for r in answers] == [200, 400, 404, 405, 400, 200]
    for r in answers:
        assert r.headers["Server"] == "rectkg"
        assert r.headers["X-Content-Type-Options"] == "nosniff"


# ----------------------------------------------------------------------- the workbench's files

@pytest.fixture(scope="module")
def workbench(tmp_path_factory):
    """An out folder laid out as the lead may lay it: index.html and reports/ are links into a
    generation folder, views/ a folder with assets; plus links that lead outside."""
    root = tmp_path_factory.mktemp("workbench")
    out = make_store(root / "out", reports=range(1))
    gen = out / ".gens" / "gen-000007"
    (gen / "reports").mkdir(parents=True)
    (gen / "index.html").write_text("<!doctype html><title>工作台</title><h1>工作台</h1>",
                                    encoding="utf-8")
    (gen / "reports" / "0123.html").write_text("<!doctype html><p>报告</p>", encoding="utf-8")
    (out / "index.html").symlink_to(Path(".gens/gen-000007/index.html"))
    (out / "reports").symlink_to(Path(".gens/gen-000007/reports"))
    views = out / "views"
    (views / "lib").mkdir(parents=True)
    (views / "sub").mkdir()
    (views / "overview.html").write_text("<!doctype html><p>总览</p>", encoding="utf-8")
    (views / "lib" / "vis.js").write_text("window.vis = {};", encoding="utf-8")
    (views / "style.css").write_text("p { color: red }", encoding="utf-8")
    (views / "icon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    (views / "pic.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 16)
    (views / "notes.bin").write_bytes(b"\0\1")
    (root / "outside.html").write_text("<p>secret</p>", encoding="utf-8")
    (views / "escape.html").symlink_to("/etc/passwd")
    (views / "escape2.html").symlink_to(Path("../../outside.html"))
    (views / "lock.html").symlink_to(Path("../store.lock"))  # inside, but not a page
    (views / "into-store").symlink_to(Path("../store"))
    (out / ".hidden.html").write_text("<p>hidden</p>", encoding="utf-8")
    (out / "kg.ttl").write_text("<urn:a> <urn:b> <urn:c> .\n", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def workbench_server(workbench):
    with SparqlServer(workbench, port=0, workers=2, memory_mb=1024).start() as srv:
        yield srv


@pytest.mark.parametrize("path,ctype,text", [
    ("", "text/html", "工作台"),
    ("index.html", "text/html", "工作台"),
    ("reports/0123.html", "text/html", "报告"),
    ("views/overview.html", "text/html", "总览"),
    ("views/lib/vis.js", "text/javascript", "window.vis"),
    ("views/style.css", "text/css", "color: red"),
    ("views/icon.svg", "image/svg+xml", "<svg"),
    ("views/pic.png", "image/png", None),
    ("kg.ttl", "text/turtle", "<urn:a>"),
])
def test_serve_workbench_files(workbench_server, path, ctype, text):
    r = requests.get(workbench_server.base_url + path)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == ctype
    if text is not None:
        assert text in r.content.decode("utf-8")
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    head = requests.head(workbench_server.base_url + path)
    assert head.status_code == 200 and head.content == b""


@pytest.mark.parametrize("path", [
    "views/escape.html",            # a link to /etc/passwd
    "views/escape2.html",           # a link to a file beside the out folder
    "views/../../outside.html",     # dot segments, sent as they are
    "views/%2e%2e/%2e%2e/outside.html",
    "views/..%2f..%2foutside.html",
    "views/", "views", "views/sub/", "reports/", "",  # no directory listings ("" is index.html)
    "store/CURRENT", "store.lock", "views/into-store/CURRENT", "parts/x.part",
    ".hidden.html", ".gens/gen-000007/index.html",  # the generation only through its links
    "views/notes.bin",              # not a web file
    "views/lock.html",              # named as one, but a link to the writer's lock file
    "/etc/passwd", "%2fetc%2fpasswd",
])
def test_serve_workbench_refuses_what_is_not_a_page_inside_out(workbench_server, path):
    host, port = workbench_server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", "/" + path)  # http.client sends the path as it is
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    conn.close()
    if path == "":
        assert r.status == 200 and "工作台" in body
        return
    assert r.status == 404, (path, body[:200])
    assert "secret" not in body and "root:" not in body


def test_serve_workbench_through_a_linked_out_folder(workbench, tmp_path):
    """The out folder itself may be a link (realpath(out) is the boundary)."""
    link = tmp_path / "linked-out"
    link.symlink_to(workbench)
    with SparqlServer(link, port=0, workers=2).start() as srv:
        assert "工作台" in requests.get(srv.base_url).text
        assert requests.get(srv.base_url + "reports/0123.html").ok
        assert requests.get(srv.base_url + "views/escape2.html").status_code == 404


def test_serve_without_views_sends_home_to_the_query_page(out_dir, server):
    r = requests.get(server.base_url, allow_redirects=False)
    assert r.status_code == 307 and r.headers["Location"] == "/query/"
    assert requests.get(server.base_url).url == server.base_url + "query/"


# ----------------------------------------------------------------------- saved questions

def _sample_values(srv) -> dict[str, str]:
    """A value from the data for each parameter the saved questions take."""
    def first(query):
        rows = requests.post(srv.url, data={"query": query}).json()["results"]["bindings"]
        return rows[0]["v"]["value"]

    return {"org": first("SELECT ?v WHERE { ?m rk:leadUnit ?o . ?o skos:prefLabel ?v } "
                         "ORDER BY ?v LIMIT 1"),
            "report": first("SELECT ?v WHERE { ?r a rk:Report ; dcterms:source ?v } "
                            "ORDER BY ?v LIMIT 1")}


@pytest.fixture(scope="module")
def corpus_server(built_corpus):
    with SparqlServer(built_corpus, port=0, workers=2, memory_mb=1024).start() as srv:
        yield srv


def test_serve_lists_the_saved_questions_with_their_parameters(corpus_server):
    from kg.query import list_queries, load_saved

    listed = {q["name"]: q for q in requests.get(corpus_server.base_url + "questions").json()}
    assert set(listed) == {name for name, _, _ in list_queries()}
    for name, q in listed.items():
        saved = load_saved(name)
        assert q["text"] == saved.text
        assert {p["name"]: (p["required"], p["help"]) for p in q["params"]} == saved.params


def test_serve_answers_every_saved_question_like_kg_query(corpus_server, built_corpus):
    """Each saved question, through /questions/NAME with its parameters (required ones from
    the data, optional ones left out and given), gives the rows `kg query` gives."""
    from kg.query import list_queries, load_saved, run_query

    samples = _sample_values(corpus_server)
    for name, _, _ in list_queries():
        saved = load_saved(name)
        required = {p: samples[p] for p, (req, _) in saved.params.items() if req}
        for values in (required, {p: samples[p] for p in saved.params}):
            r = requests.get(corpus_server.base_url + f"questions/{name}", params=values,
                             headers={"Accept": "text/tab-separated-values"})
            assert r.status_code == 200, (name, values, r.text)
            got = list(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.TSV))
            expected = run_query(built_corpus, name, params=values)
            assert len(got) == len(expected.rows), (name, values)
            assert [[None if t is None else t.value for t in row] for row in got] == \
                [[None if t is None else t.value for t in row] for row in expected.rows]


def test_serve_ledger_of_one_report(corpus_server, built_corpus):
    """The question that failed on the page (``VALUES ?报告 { ${?report} }``) with its
    parameter, GET and POST alike."""
    report = _sample_values(corpus_server)["report"]
    url = corpus_server.base_url + "questions/ledger"
    got = requests.get(url, params={"report": report}).json()["results"]["bindings"]
    posted = requests.post(url, data={"report": report}).json()["results"]["bindings"]
    assert got == posted and len(got) > 10
    assert {b["报告"]["value"] for b in got} == {report}
    everyone = requests.get(url).json()["results"]["bindings"]
    assert len({b["报告"]["value"] for b in everyone}) > 1


def test_serve_downloads_csv_with_bom_and_json(corpus_server):
    report = _sample_values(corpus_server)["report"]
    url = corpus_server.base_url + "questions/ledger"
    r = requests.get(url, params={"report": report, "format": "csv", "download": "1"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert r.headers["Content-Disposition"] == 'attachment; filename="ledger.csv"'
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["报告", "序号", "问题", "类别", "状态", "整改措施", "责任单位"]
    assert {row[0] for row in rows[1:]} == {report}
    r = requests.post(url, data={"report": report, "format": "json", "download": "1"})
    assert r.headers["Content-Disposition"] == 'attachment; filename="ledger.json"'
    assert len(r.json()["results"]["bindings"]) == len(rows) - 1
    # the protocol's own CSV stays without a BOM (programs read it)
    r = requests.get(url, params={"report": report, "format": "csv"})
    assert not r.content.startswith(b"\xef\xbb\xbf") and "Content-Disposition" not in r.headers
    # a free query downloads the same way
    r = requests.post(corpus_server.url, data={"query": "ASK {}", "format": "csv",
                                               "download": "1"})
    assert r.headers["Content-Disposition"] == 'attachment; filename="query.csv"'


@pytest.mark.parametrize("path,params,status,message", [
    ("questions/organisation", {}, 400, "needs the parameter org"),
    ("questions/ledger", {"nope": "1"}, 400, "unknown parameter nope"),
    ("questions/ledger", {"report": ["a", "b"]}, 400, "more than once"),
    ("questions/no-such-question", {}, 404, "no saved question called"),
    ("questions/..%2f..%2fetc%2fpasswd", {}, 404, "no page"),  # not a name: not a question
])
def test_serve_saved_question_mistakes_are_named(corpus_server, path, params, status, message):
    r = requests.get(corpus_server.base_url + path, params=params)
    assert r.status_code == status and message in r.text, r.text


def test_serve_saved_questions_are_read_at_request_time(server, monkeypatch, tmp_path):
    import kg.query

    (tmp_path / "just-added.rq").write_text("# title: Just added\nASK {}\n", encoding="utf-8")
    monkeypatch.setattr(kg.query, "QUERIES_DIR", tmp_path)
    listed = requests.get(server.base_url + "questions").json()
    assert [(q["name"], q["title"]) for q in listed] == [("just-added", "Just added")]
    r = requests.get(server.base_url + "questions/just-added")
    assert r.json()["boolean"] is True


# ----------------------------------------------------------------------- the query page

def test_serve_query_page_is_files_and_fetches_nothing_from_elsewhere(server):
    page = requests.get(server.base_url + "query/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self';" in csp
    assert "unsafe-inline" not in csp  # no inline script or style at all
    assert "<textarea" in page.text
    for name, ctype in [("query.js", "text/javascript"), ("query.css", "text/css")]:
        r = requests.get(server.base_url + "query/" + name)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(ctype)
    for text in (page.text, requests.get(server.base_url + "query/query.js").text,
                 requests.get(server.base_url + "query/query.css").text):
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
        assert "@import" not in text and "url(" not in text
    assert not re.search(r"""fetch\(\s*["'`](https?:)?//""",
                         requests.get(server.base_url + "query/query.js").text)
    assert requests.get(server.base_url + "query", allow_redirects=False).status_code == 308


def _chrome(downloads: Path | None = None):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover
        pytest.skip("selenium is not installed")
    if not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()):
        pytest.skip("Debian chromium and chromium-driver are not installed")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="kg-chrome-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    if downloads is not None:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(downloads)})
    driver._kg_profile = profile
    return driver


def _quit(driver) -> None:
    driver.quit()
    shutil.rmtree(driver._kg_profile, ignore_errors=True)


def _requests_and_console(driver) -> tuple[list[str], list[dict]]:
    """The URLs the page asked for since the last call (the browser's own chrome:// pages
    left out: they never touch the network) and its console errors and warnings."""
    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            url = msg["params"].get("request", {}).get("url") or msg["params"].get("url")
            if not url.startswith(("chrome:", "chrome-untrusted:")):
                urls.append(url)
    console = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    return urls, console


def _wait_for_file(path: Path, seconds: float = 30) -> bytes:
    assert _wait(lambda: path.exists() and path.stat().st_size > 0, seconds), path
    time.sleep(0.2)
    return path.read_bytes()


@pytest.mark.browser
def test_serve_query_page_runs_every_saved_question_in_chromium(corpus_server, built_corpus,
                                                                tmp_path):
    """In headless Chromium: each saved question runs from the page with its parameters; the
    ledger of one report downloads as CSV (with a BOM) and JSON; its permalink opens the same
    answer; a free query runs; an error is shown as text. No console error, no request that
    leaves the server."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from kg.query import list_queries, run_query

    samples = _sample_values(corpus_server)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = _chrome(downloads)
    base = corpus_server.base_url

    def status_text():
        return driver.find_element(By.ID, "status").text

    def wait_answer():
        WebDriverWait(driver, 30).until(
            lambda d: re.search(r"rows|answer|triples|\d{3} after", status_text()))

    def table():
        return [[td.text for td in tr.find_elements(By.TAG_NAME, "td")]
                for tr in driver.find_elements(By.CSS_SELECTOR, "#results tr")[1:]]

    try:
        driver.get(base + "query/")
        WebDriverWait(driver, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#questions button"))
        names = [b.get_attribute("data-name")
                 for b in driver.find_elements(By.CSS_SELECTOR, "#questions button")]
        assert sorted(names) == sorted(name for name, _, _ in list_queries())
        for name in names:
            driver.find_element(By.CSS_SELECTOR, f'#questions button[data-name="{name}"]').click()
            inputs = driver.find_elements(By.CSS_SELECTOR, "#params input")
            for box in inputs:
                box.send_keys(samples[box.get_attribute("name")])
            driver.execute_script("document.getElementById('status').textContent = ''")
            driver.find_element(By.ID, "run").click()
            wait_answer()
            assert not driver.find_elements(By.CSS_SELECTOR, "#results .error"), (
                name, driver.find_element(By.ID, "results").text)
            assert re.match(r"\d+ rows", status_text()), (name, status_text())
            expected = run_query(built_corpus, name, params={
                box.get_attribute("name"): box.get_attribute("value") for box in inputs})
            assert int(status_text().split()[0]) == len(expected.rows), name

        # the ledger of one report: the parameter typed, Enter runs it
        report = samples["report"]
        driver.find_element(By.CSS_SELECTOR, '#questions button[data-name="ledger"]').click()
        wait_answer()  # (report is optional: the ledger of every report runs on the click)
        box = driver.find_element(By.CSS_SELECTOR, '#params input[name="report"]')
        driver.execute_script("document.getElementById('status').textContent = ''")
        box.send_keys(report, Keys.ENTER)
        wait_answer()
        rows = table()
        expected = run_query(built_corpus, "ledger", params={"report": report})
        assert len(rows) == len(expected.rows) > 10
        assert {row[0] for row in rows} == {report}

        # downloads: CSV with a BOM, JSON
        driver.find_element(By.ID, "download-table").click()
        data = _wait_for_file(downloads / "ledger.csv")
        assert data.startswith(b"\xef\xbb\xbf")
        csv_rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        assert len(csv_rows) == len(rows) + 1 and {r[0] for r in csv_rows[1:]} == {report}
        driver.find_element(By.ID, "download-json").click()
        data = _wait_for_file(downloads / "ledger.json")
        assert len(json.loads(data)["results"]["bindings"]) == len(rows)

        # the permalink holds the question and its parameter, and opens the same answer
        link = driver.find_element(By.ID, "permalink").get_attribute("href")
        assert link == driver.current_url and "question=ledger" in link
        driver.get("about:blank")
        driver.get(link)
        wait_answer()
        assert driver.find_element(By.CSS_SELECTOR, '#params input[name="report"]') \
            .get_attribute("value") == report
        assert table() == rows

        # a free query, and its permalink
        query = driver.find_element(By.ID, "query")
        query.clear()
        query.send_keys("SELECT ?src WHERE { ?r a rk:Report ; dcterms:source ?src } ORDER BY ?src")
        driver.find_element(By.ID, "run").click()
        WebDriverWait(driver, 20).until(lambda d: status_text().startswith("5 rows"))
        link = driver.find_element(By.ID, "permalink").get_attribute("href")
        driver.get(link)
        WebDriverWait(driver, 20).until(lambda d: status_text().startswith("5 rows"))
        assert [r[0] for r in table()] == sorted(r[0] for r in table())

        urls, console = _requests_and_console(driver)
        assert console == []
        outside = [u for u in urls if not u.startswith((base, "data:", "blob:", "about:"))]
        assert outside == []
        assert any("/questions/ledger" in u for u in urls)

        # an error is shown as text, not as a broken page
        query = driver.find_element(By.ID, "query")
        query.clear()
        query.send_keys("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
        driver.find_element(By.ID, "run").click()
        WebDriverWait(driver, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#results .error"))
        assert "SERVICE" in driver.find_element(By.CSS_SELECTOR, "#results .error").text
        _, console = _requests_and_console(driver)  # only the refusal itself
        assert [("403" in e["message"], "/sparql" in e["message"]) for e in console] == \
            [(True, True)]
    finally:
        _quit(driver)


@pytest.mark.browser
def test_serve_workbench_pages_open_clean_through_the_server(corpus_server, built_corpus):
    """index.html and the views, as `kg build` wrote them, opened through `kg serve`: no
    console error (the server's Content-Security-Policy lets them work), nothing fetched from
    elsewhere, and every link from the index to a view answers."""
    from selenium.webdriver.common.by import By

    base = corpus_server.base_url
    pages = [""] + sorted("views/" + p.name for p in (built_corpus / "views").glob("*.html"))[:4]
    driver = _chrome()
    try:
        for page in pages:
            driver.get(base + page)
            assert _wait(lambda: driver.execute_script("return document.readyState")
                         == "complete")
            time.sleep(0.5)
            urls, console = _requests_and_console(driver)
            assert console == [], (page, console)
            outside = [u for u in urls if not u.startswith((base, "data:", "blob:"))]
            assert outside == [], (page, outside)
        driver.get(base)
        links = {a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "a[href]")}
        local = [u for u in links if u.startswith(base)]
        assert local
        for url in local:
            assert requests.get(url.split("#")[0]).status_code == 200, url
    finally:
        _quit(driver)


# ----------------------------------------------------------------------- load, the CLI

def _load_test_module():
    spec = importlib.util.spec_from_file_location("load_test", ROOT / "bench" / "load_test.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_serve_load_50_clients_no_errors(built_corpus):
    """The short version of bench/load_test.py: 50 concurrent clients for 5 s, 0 errors."""
    load_test = _load_test_module()
    with SparqlServer(built_corpus, port=0, memory_mb=1024).start() as srv:
        queries = load_test.query_mix(srv.url)
        stats = load_test.run_load(srv.url, queries, clients=50, seconds=5)
    assert stats["requests"] > 50
    assert stats["errors"] == 0, stats["error_samples"]
    assert stats["clients_served"] == 50


class _cli_server:
    """`kg serve` as users run it, in its own process on a free port: (process, /sparql URL)."""

    def __init__(self, out: Path, *args: str, env: dict | None = None):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.args, self.out, self.env = args, out, env or {}

    def __enter__(self):
        import subprocess
        import sys

        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kg", "serve", "--out", str(self.out), "--port",
             str(self.port), *self.args], cwd=ROOT, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **self.env})
        url = f"http://127.0.0.1:{self.port}/sparql"
        if not _wait(lambda: _answers(url), 60):
            self.stop()
            raise AssertionError(f"kg serve did not answer: {self.proc.stderr.read()}")
        return self.proc, url

    def stop(self) -> int:
        import signal

        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self.stderr = self.proc.stderr.read()
        return code

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()


def test_serve_cli_starts_and_stops_cleanly(out_dir):
    """`kg serve`: a process that answers, then exits 0 on SIGTERM with its workers."""
    server = _cli_server(out_dir, "--workers", "2", "--timeout", "5")
    with server as (proc, url):
        r = requests.get(url, params={"query": "SELECT ?r { ?r a rk:Report }"},
                         headers={"Accept": "text/csv"})
        assert r.status_code == 200 and len(r.text.splitlines()) == 1 + N_REPORTS
        workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
                   .read_text().split()]
        assert len(workers) == 2
        code = server.stop()
    assert code == 0, server.stderr
    assert f"serving {N_REPORTS} reports at {url}" in server.stderr
    assert '"GET /sparql?query=' in server.stderr  # one log line per request
    assert "Traceback" not in server.stderr
    assert _wait(lambda: not any(Path(f"/proc/{w}").exists() for w in workers))


def _answers(url: str) -> bool:
    try:
        return requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200
    except requests.RequestException:
        return False
