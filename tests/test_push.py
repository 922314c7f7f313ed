"""`kg push`: the Graph Store HTTP Protocol against a real Virtuoso started here on loopback.

The Virtuoso tests skip, saying why, when Debian's virtuoso-opensource is not installed.
"""
from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox
import pytest
import requests
from click.testing import CliRunner
from pyoxigraph import Literal, NamedNode, Quad

from kg.cli import cli
from kg.push import PushError, push
from kg.store import Store
from kg.vocab import GRAPH_IRI, ID_IRI, PREFIXES

LABEL = NamedNode(PREFIXES["rdfs"] + "label")
RK = PREFIXES["rk"]
VIRTUOSO_CANDIDATES = ("/usr/bin/virtuoso-t", "/usr/local/bin/virtuoso-t",
                       "/opt/virtuoso-opensource/bin/virtuoso-t")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _virtuoso_binary() -> str | None:
    found = shutil.which("virtuoso-t")
    if found:
        return found
    return next((p for p in VIRTUOSO_CANDIDATES if os.access(p, os.X_OK)), None)


_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/www
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """A Virtuoso open-source server on free loopback ports; yields its base URL."""
    binary = _virtuoso_binary()
    if binary is None:
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource); "
                    "the kg push integration test needs virtuoso-t")
    d = tmp_path_factory.mktemp("virtuoso")
    (d / "www").mkdir()
    http_port, sql_port = _free_port(), _free_port()
    (d / "virtuoso.ini").write_text(_INI.format(d=d, sql=sql_port, http=http_port))
    log = open(d / "stdout.log", "wb")
    proc = subprocess.Popen([binary, "-f", "-c", str(d / "virtuoso.ini")], cwd=d,
                            stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{http_port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Virtuoso exited with {proc.returncode}: "
                            + (d / "stdout.log").read_text(errors="replace")[-2000:])
            try:
                if requests.get(base + "/sparql", params={"query": "ASK {}"},
                                timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail("Virtuoso did not answer within 120 s")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def _crud(base: str) -> str:
    return base + "/sparql-graph-crud-auth"


def _select(base: str, query: str) -> list[dict]:
    r = requests.post(base + "/sparql", data={"query": query},
                      headers={"Accept": "application/sparql-results+json"}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()["results"]["bindings"]


def _small_store(out: Path, labels: dict[int, list[str]]) -> Path:
    """One report per key of ``labels``, each with problems labelled as given."""
    store = Store.open(out)
    with store.writer():
        for r, names in labels.items():
            key = f"{r:016x}"
            g = NamedNode(GRAPH_IRI + key)
            rep = NamedNode(f"{ID_IRI}report/{key}")
            quads = [Quad(rep, NamedNode(PREFIXES["rdf"] + "type"), NamedNode(RK + "Report"), g)]
            for i, name in enumerate(names):
                p = NamedNode(f"{ID_IRI}problem/{key}/{i}")
                quads += [Quad(p, LABEL, Literal(name, language="zh"), g),
                          Quad(p, NamedNode(RK + "reportedIn"), rep, g)]
            store.replace_report(f"r{r}.txt", f"{r:064x}", g.value, quads)
    store.close()
    return out


def _local_graphs(out: Path) -> dict[str, list[ox.Quad]]:
    with Store.open(out, read_only=True) as store:
        return {g: list(store.db.quads_for_pattern(None, None, None, NamedNode(g)))
                for g in store.graphs()}


# ------------------------------------------------------------------------------ Virtuoso

@pytest.mark.virtuoso
def test_push_sample_corpus_to_virtuoso_and_query_it_back(virtuoso, built_corpus):
    summary = push(built_corpus, _crud(virtuoso), user="dba", password="dba")
    local = _local_graphs(built_corpus)
    assert summary.graphs == len(local) >= 5
    assert summary.triples == sum(len(q) for q in local.values())
    for graph, quads in local.items():
        rows = _select(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> "
                                 "{ ?s ?p ?o } }")
        assert int(rows[0]["n"]["value"]) == len(quads), graph
        # every IRI and every string (Chinese text, spans, labels) arrives unchanged
        rows = _select(virtuoso, f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        remote = {(b["s"]["value"], b["p"]["value"], b["o"]["value"]) for b in rows
                  if b["o"].get("datatype") is None or b["o"]["datatype"].endswith("#string")}
        strings = {(q.subject.value, q.predicate.value, q.object.value) for q in quads
                   if not isinstance(q.object, Literal)
                   or q.object.datatype.value.endswith(("#string", "#langString"))}
        assert strings <= remote, graph
    # the saved-question kind of query works on Virtuoso's own endpoint
    rows = _select(virtuoso, "PREFIX rk: <%s> SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g "
                             "{ ?p a rk:Problem } FILTER(STRSTARTS(STR(?g), '%s')) }"
                   % (RK, GRAPH_IRI))
    with Store.open(built_corpus, read_only=True) as store:
        expected = list(store.db.query("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a "
                                       f"<{RK}Problem> }}", use_default_graph_as_union=True))
    assert rows[0]["n"]["value"] == expected[0]["n"].value


@pytest.mark.virtuoso
def test_push_counts_on_virtuoso_equal_kg_query_and_kg_ttl(virtuoso, tmp_path, corpus_dir):
    """A user's COUNT(*) gives one answer by every route: kg query on the store, kg.ttl in rdflib,
    and the same graphs pushed to Virtuoso (each triple is in exactly one graph, so the union
    holds no duplicates; no bookkeeping triples)."""
    import rdflib

    from kg.pipeline import build_corpus

    out = tmp_path / "out"
    build_corpus([corpus_dir], out, write_views=False)
    base = "https://example.org/count-test/"
    push(out, _crud(virtuoso), user="dba", password="dba", graph_base=base)
    ours = {}
    with Store.open(out, read_only=True) as store:
        ours["all"] = int(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0].value)
        ours["orgs"] = int(store.query("SELECT (COUNT(?o) AS ?n) WHERE { ?o a org:Organization }")
                           .rows[0][0].value)
    g = rdflib.Graph()
    g.parse(out / "kg.ttl", format="turtle")
    assert len(g) == ours["all"]
    only = f"FILTER(STRSTARTS(STR(?g), '{base}'))"
    remote_all = _select(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {only} }}")
    remote_orgs = _select(virtuoso, "SELECT (COUNT(?o) AS ?n) WHERE { GRAPH ?g { ?o a "
                                    f"<http://www.w3.org/ns/org#Organization> }} {only} }}")
    assert int(remote_all[0]["n"]["value"]) == ours["all"]
    assert int(remote_orgs[0]["n"]["value"]) == ours["orgs"]


@pytest.mark.virtuoso
def test_push_replaces_each_graph_and_leaves_others(virtuoso, tmp_path):
    base = "https://example.org/replace-test/"
    out = _small_store(tmp_path / "v1", {0: ["旧问题甲", "旧问题乙"], 1: ["别的报告"]})
    push(out, _crud(virtuoso), user="dba", password="dba", graph_base=base)
    out2 = _small_store(tmp_path / "v2", {0: ["新问题"]})
    summary = push(out2, _crud(virtuoso), user="dba", password="dba", graph_base=base,
                   format="turtle")
    assert summary.graphs == 1
    rows = _select(virtuoso, f"SELECT ?g ?l WHERE {{ GRAPH ?g {{ ?p <{LABEL.value}> ?l }} "
                             f"FILTER(STRSTARTS(STR(?g), '{base}')) }}")
    got = sorted((b["g"]["value"], b["l"]["value"]) for b in rows)
    assert got == [(base + f"{0:016x}", "新问题"), (base + f"{1:016x}", "别的报告")]


@pytest.mark.virtuoso
def test_push_in_parallel_with_credentials_from_the_environment(virtuoso, tmp_path, monkeypatch):
    base = "https://example.org/parallel-test/"
    out = _small_store(tmp_path / "out", {r: [f"问题{r}-{i}" for i in range(5)]
                                          for r in range(8)})
    monkeypatch.setenv("KG_PUSH_USER", "dba")
    monkeypatch.setenv("KG_PUSH_PASSWORD", "dba")
    summary = push(out, _crud(virtuoso), graph_base=base, jobs=4)
    assert summary.graphs == 8 and summary.triples == 8 * 11
    rows = _select(virtuoso, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
                             f"FILTER(STRSTARTS(STR(?g), '{base}')) }}")
    assert int(rows[0]["n"]["value"]) == 8 * 11


@pytest.mark.virtuoso
def test_push_without_or_with_wrong_credentials(virtuoso, tmp_path, monkeypatch):
    monkeypatch.delenv("KG_PUSH_USER", raising=False)
    monkeypatch.delenv("KG_PUSH_PASSWORD", raising=False)
    out = _small_store(tmp_path / "out", {0: ["问题"]})
    with pytest.raises(PushError, match="asks for credentials.*KG_PUSH_USER"):
        push(out, _crud(virtuoso))
    with pytest.raises(PushError, match=r"refused the credentials of user 'dba'.*graph https://"):
        push(out, _crud(virtuoso), user="dba", password="wrong")


@pytest.mark.virtuoso
def test_push_error_status_names_the_graph(virtuoso, tmp_path):
    out = _small_store(tmp_path / "out", {0: ["问题"]})
    with pytest.raises(PushError, match=rf"answered 5\d\d .* for graph {GRAPH_IRI}{0:016x}"):
        push(out, virtuoso + "/not-a-graph-store", user="dba", password="dba")


@pytest.mark.virtuoso
def test_push_cli(virtuoso, tmp_path):
    out = _small_store(tmp_path / "out", {3: ["问题"]})
    result = CliRunner().invoke(cli, ["push", "--endpoint", _crud(virtuoso), "--out", str(out),
                                      "--graph-base", "https://example.org/cli-test/"],
                                env={"KG_PUSH_USER": "dba", "KG_PUSH_PASSWORD": "dba"})
    assert result.exit_code == 0, result.output
    assert "pushed 1 graph (3 triples)" in result.output
    result = CliRunner().invoke(cli, ["push", "--endpoint", _crud(virtuoso), "--out", str(out)],
                                env={"KG_PUSH_USER": "", "KG_PUSH_PASSWORD": ""})
    assert result.exit_code == 1 and "Error:" in result.output and "--password" in result.output


# ------------------------------------------------------------------------------ no Virtuoso needed

class _BasicGraphStore(BaseHTTPRequestHandler):
    """A minimal Graph Store (PUT ?graph=) behind HTTP basic authentication."""

    graphs: dict[str, bytes] = {}

    def log_message(self, *args):
        pass

    def do_PUT(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        expected = "Basic " + base64.b64encode(b"writer:secret").decode()
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="graphs"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        graph = parse_qs(urlsplit(self.path).query)["graph"][0]
        self.graphs[graph] = body
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_push_basic_auth_when_the_server_asks_for_it(tmp_path):
    out = _small_store(tmp_path / "out", {0: ["问题甲"], 1: ["问题乙"]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BasicGraphStore)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/store"
        summary = push(out, url, user="writer", password="secret")
    finally:
        server.shutdown()
        server.server_close()
    assert summary.graphs == 2
    local = _local_graphs(out)
    assert set(_BasicGraphStore.graphs) == set(local)
    for graph, body in _BasicGraphStore.graphs.items():
        sent = {q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)}
        assert sent == {q.triple for q in local[graph]}


def test_push_unreachable_endpoint(tmp_path):
    out = _small_store(tmp_path / "out", {0: ["问题"]})
    with pytest.raises(PushError, match="cannot reach the endpoint.*running"):
        push(out, f"http://127.0.0.1:{_free_port()}/store", user="u", password="p", timeout=5)


@pytest.mark.parametrize("endpoint", ["", "ftp://example.org/x", "localhost:8890/crud"])
def test_push_rejects_a_non_http_endpoint(tmp_path, endpoint):
    out = _small_store(tmp_path / "out", {0: ["问题"]})
    with pytest.raises(PushError, match="http:// or https:// URL"):
        push(out, endpoint)
