"""`kg serve`: a real server on a free loopback port, asked by a real HTTP client (requests)."""
from __future__ import annotations

import csv
import importlib.util
import io
import re
import threading
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from pyoxigraph import Literal, NamedNode, Quad

from kg.errors import QueryError, StoreError
from kg.serve import SparqlServer, check_read_only, negotiate, SOLUTION_TYPES
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


# ----------------------------------------------------------------------- limits

def test_serve_result_cap(server):
    r = requests.get(server.url, params={"query": "SELECT * { ?a ?b ?c . ?d ?e ?f }"})
    assert r.status_code == 200
    assert len(r.json()["results"]["bindings"]) == 500
    assert r.headers["X-Result-Truncated"] == "true" and r.headers["X-Result-Cap"] == "500"
    r = requests.get(server.url, params={"query": "CONSTRUCT { ?a ?b ?f } WHERE { ?a ?b ?c . "
                                                  "?d ?e ?f }"},
                     headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and r.headers["X-Result-Truncated"] == "true"
    assert len(r.content.decode().splitlines()) <= 500
    r = requests.get(server.url, params={"query": "SELECT * { ?s a rk:Report }"})
    assert "X-Result-Truncated" not in r.headers and r.headers["X-Result-Rows"] == "3"


def _wait(predicate, seconds=30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_serve_timeout_stops_a_cartesian_product_while_others_are_answered(out_dir):
    with SparqlServer(out_dir, port=0, timeout=3, max_rows=100, workers=2,
                      memory_mb=1024).start() as srv:
        pids_before = srv.pool.worker_pids()
        answer: dict = {}
        done = threading.Event()

        def explode():
            answer["r"] = requests.get(srv.url, params={"query": CARTESIAN_COUNT})
            done.set()

        t = threading.Thread(target=explode)
        t.start()
        assert _wait(lambda: srv.pool.idle() == 1)  # the cartesian product has a worker
        simple = requests.get(srv.url, params={"query": "SELECT * { ?s a rk:Report }"})
        assert simple.status_code == 200
        assert len(simple.json()["results"]["bindings"]) == N_REPORTS
        assert not done.is_set()  # answered while the cartesian product was still running
        t.join(30)
        r = answer["r"]
        assert r.status_code == 503 and "timed out after 3 s" in r.text
        # the worker that ran it was killed (not merely abandoned), and a new one took its place
        assert srv.pool.killed == 1
        assert _wait(lambda: len(pids_before - srv.pool.worker_pids()) == 1)
        (killed,) = pids_before - srv.pool.worker_pids()
        assert _wait(lambda: not Path(f"/proc/{killed}").exists())
        assert _wait(lambda: len(srv.pool.worker_pids()) == 2)
        assert requests.get(srv.url, params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"]


def test_serve_memory_cap_stops_an_exploding_query(out_dir):
    with SparqlServer(out_dir, port=0, timeout=60, max_rows=100, workers=2,
                      memory_mb=1024).start() as srv:
        for pid in srv.pool.worker_pids():  # the cap is really set before anything explodes
            limits = Path(f"/proc/{pid}/limits").read_text()
            line = next(line for line in limits.splitlines() if line.startswith("Max address"))
            assert line.split()[3] == str(1024 * 1024 * 1024)
        query = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?f ?i ?l"
        r = requests.get(srv.url, params={"query": query})
        assert r.status_code == 500 and "1024 MB" in r.text
        assert srv.pool.killed == 1
        assert requests.get(srv.url, params={"query": "ASK { ?s ?p ?o }"}).json()["boolean"]


def test_serve_busy_when_every_worker_is_taken(out_dir):
    with SparqlServer(out_dir, port=0, timeout=2, max_rows=100, workers=1,
                      memory_mb=1024).start() as srv:
        t = threading.Thread(target=requests.get,
                             kwargs={"url": srv.url, "params": {"query": CARTESIAN_COUNT}})
        t.start()
        assert _wait(lambda: srv.pool.idle() == 0)
        r = requests.get(srv.url, params={"query": "ASK {}"})
        t.join(30)
        assert r.status_code == 503 and "server busy" in r.text
        assert _wait(lambda: srv.pool.idle() == 1)  # the replacement worker arrives
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
    with SparqlServer(out, port=0, workers=1, memory_mb=1024, in_memory=True).start() as srv:
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


# ----------------------------------------------------------------------- the query page

def test_serve_page_is_self_contained(server):
    from kg.query import list_queries

    r = requests.get(server.url.replace("/sparql", "/"))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    page = r.text
    assert "<textarea" in page
    # nothing fetched from elsewhere: no external scripts, styles, images or fonts
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    for name, _, _ in list_queries():
        assert f'"name": "{name}"' in page


def test_serve_page_reads_saved_questions_at_request_time(server, monkeypatch, tmp_path):
    import kg.query

    (tmp_path / "just-added.rq").write_text("# title: Just added\nASK {}\n", encoding="utf-8")
    monkeypatch.setattr(kg.query, "QUERIES_DIR", tmp_path)
    page = requests.get(server.url.replace("/sparql", "/")).text
    assert "Just added" in page and "just-added" in page


def _chrome():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:  # pragma: no cover
        pytest.skip("selenium is not installed")
    if not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()):
        pytest.skip("Debian chromium and chromium-driver are not installed")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


@pytest.mark.browser
def test_serve_page_runs_queries_in_chromium(server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from kg.query import list_queries

    driver = _chrome()
    try:
        driver.get(server.url.replace("/sparql", "/"))
        box = driver.find_element(By.ID, "query")
        box.clear()
        box.send_keys("SELECT ?r ?src WHERE { ?r a rk:Report ; dcterms:source ?src } "
                      "ORDER BY ?src")
        driver.find_element(By.ID, "run").click()
        WebDriverWait(driver, 20).until(
            lambda d: "rows" in d.find_element(By.ID, "status").text)
        cells = [td.text for td in driver.find_elements(By.CSS_SELECTOR, "#results td")]
        assert [c for c in cells if c.endswith(".txt")] == [f"report-{r}.txt"
                                                             for r in range(N_REPORTS)]
        # an error is shown as text, not as a broken page
        box.clear()
        box.send_keys("SELECT * { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
        driver.find_element(By.ID, "run").click()
        WebDriverWait(driver, 20).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#results .error"))
        assert "SERVICE" in driver.find_element(By.CSS_SELECTOR, "#results .error").text
        # every saved question is listed; one without required parameters runs on a click
        names = {b.get_attribute("data-name")
                 for b in driver.find_elements(By.CSS_SELECTOR, "#questions button")}
        assert names == {name for name, _, _ in list_queries()}
        if names:
            button = driver.find_element(By.CSS_SELECTOR, '#questions button[data-name="reports"]'
                                         if "reports" in names else "#questions button")
            button.click()
            WebDriverWait(driver, 20).until(
                lambda d: re.search(r"rows|answer|triples|\d{3} after",
                                    d.find_element(By.ID, "status").text))
            assert not driver.find_elements(By.CSS_SELECTOR, "#results .error")
    finally:
        driver.quit()


# ----------------------------------------------------------------------- saved questions, load

def test_serve_answers_every_saved_question_like_kg_query(built_corpus):
    """Each saved question (optional parameters left out) gives the rows `kg query` gives."""
    from kg.query import list_queries, load_saved, fill_params, run_query

    with SparqlServer(built_corpus, port=0, workers=2, memory_mb=1024).start() as srv:
        for name, _, _ in list_queries():
            saved = load_saved(name)
            if any(required for required, _ in saved.params.values()):
                continue
            text = fill_params(saved.text, {}, saved.params, name)
            r = requests.post(srv.url, data={"query": text},
                              headers={"Accept": "text/tab-separated-values"})
            assert r.status_code == 200, (name, r.text)
            expected = run_query(built_corpus, name)
            got = list(ox.parse_query_results(r.content, format=ox.QueryResultsFormat.TSV))
            assert len(got) == len(expected.rows), name


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


def test_serve_cli_starts_and_stops_cleanly(out_dir):
    """`kg serve` as users run it: a process that answers, then exits 0 on SIGTERM with its
    workers."""
    import signal
    import socket
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--out", str(out_dir),
                             "--port", str(port), "--workers", "2", "--timeout", "5"],
                            cwd=ROOT, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/sparql"
    try:
        assert _wait(lambda: _answers(url), 60), "kg serve did not answer"
        r = requests.get(url, params={"query": "SELECT ?r { ?r a rk:Report }"},
                         headers={"Accept": "text/csv"})
        assert r.status_code == 200 and len(r.text.splitlines()) == 1 + N_REPORTS
        workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
                   .read_text().split()]
        assert len(workers) == 2
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    stderr = proc.stderr.read()
    assert code == 0, stderr
    assert f"serving {N_REPORTS} reports at {url}" in stderr
    assert '"GET /sparql?query=' in stderr  # one log line per request
    assert _wait(lambda: not any(Path(f"/proc/{w}").exists() for w in workers))


def _answers(url: str) -> bool:
    try:
        return requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200
    except requests.RequestException:
        return False
