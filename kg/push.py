"""Load the graph into a remote triplestore: SPARQL 1.1 Graph Store HTTP Protocol (``kg push``).

Each named graph of the store (one per report, plus any analysis graph) is sent with
``PUT ENDPOINT?graph=IRI``, which replaces that graph on the server and leaves the others alone,
so pushing again after an incremental build is safe. Credentials come from the arguments or
from ``KG_PUSH_USER`` / ``KG_PUSH_PASSWORD``; the server's ``WWW-Authenticate`` challenge decides
between digest and basic authentication.

For Virtuoso the endpoint is ``http://HOST:8890/sparql-graph-crud-auth`` (digest, e.g. user
``dba``); for Fuseki ``http://HOST:3030/DATASET/data``; for GraphDB
``http://HOST:7200/repositories/REPO/rdf-graphs/service``.

>>> remote_graph("https://w3id.org/rectkg/graph/0123456789abcdef", "https://example.org/g/")
'https://example.org/g/0123456789abcdef'
>>> remote_graph("https://w3id.org/rectkg/graph/0123456789abcdef", None)
'https://w3id.org/rectkg/graph/0123456789abcdef'
"""
from __future__ import annotations

import os
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError
from kg.vocab import GRAPH_IRI, PREFIXES

FORMATS = {  # name -> (pyoxigraph format name, media type)
    "nt": ("N_TRIPLES", "application/n-triples"),
    "turtle": ("TURTLE", "text/turtle"),
}
DEFAULT_TIMEOUT = 60.0


class PushError(KgError):
    """The remote triplestore cannot be reached, refuses the credentials, or rejects a graph."""


@dataclass
class PushSummary:
    """What :func:`push` sent: endpoint, graphs, triples and the time it took."""

    endpoint: str
    graphs: int
    triples: int
    seconds: float

    def render(self) -> str:
        """One line for people.

        >>> PushSummary("http://h/store", 2, 30, 0.51).render()
        'pushed 2 graphs (30 triples) to http://h/store in 0.5 s'
        """
        return (f"pushed {self.graphs} graph{'s' if self.graphs != 1 else ''} "
                f"({self.triples} triples) to {self.endpoint} in {self.seconds:.1f} s")


def remote_graph(local: str, graph_base: str | None) -> str:
    """The graph IRI on the server: the local one, or ``graph_base`` + the report key."""
    if not graph_base:
        return local
    key = local[len(GRAPH_IRI):] if local.startswith(GRAPH_IRI) else local.rstrip("/#").rsplit(
        "/", 1)[-1].rsplit("#", 1)[-1]
    return graph_base + key


def _snippet(text: str, limit: int = 300) -> str:
    """A server's error page as one short line (tags and extra white space removed)."""
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = " ".join(re.sub(r"<[^>]+>", " ", text).split())
    return text[:limit] + ("…" if len(text) > limit else "")


class _Client:
    """PUTs graphs, choosing digest or basic authentication from the server's first 401."""

    def __init__(self, endpoint: str, user: str | None, password: str | None, timeout: float):
        import requests

        self.requests = requests
        self.endpoint = endpoint
        self.user, self.password = user, password
        self.timeout = timeout
        self.auth = None
        self._local = threading.local()

    def _session(self):
        s = getattr(self._local, "session", None)
        if s is None:
            s = self._local.session = self.requests.Session()
        return s

    def _choose_auth(self, response) -> None:
        from requests.auth import HTTPBasicAuth, HTTPDigestAuth

        challenge = response.headers.get("WWW-Authenticate", "")
        if "digest" in challenge.lower():
            self.auth = HTTPDigestAuth(self.user, self.password)
        else:
            self.auth = HTTPBasicAuth(self.user, self.password)

    def put(self, graph: str, body: bytes, media_type: str) -> None:
        requests = self.requests
        for attempt in range(2):
            try:
                r = self._session().put(self.endpoint, params={"graph": graph}, data=body,
                                        headers={"Content-Type": f"{media_type}; charset=utf-8"},
                                        auth=self.auth, timeout=self.timeout)
            except requests.exceptions.Timeout:
                raise PushError(f"no answer within {self.timeout:g} s while sending graph "
                                f"{graph}", source=self.endpoint,
                                hint="raise --timeout, or check that the server is not "
                                     "overloaded") from None
            except requests.exceptions.RequestException as e:
                reason = _short_reason(e)
                raise PushError(f"cannot reach the endpoint ({reason})", source=self.endpoint,
                                hint="check the URL and that the triplestore is running and "
                                     "accepts connections") from None
            if r.status_code != 401:
                break
            if not (self.user and self.password):
                raise PushError(f"the server asks for credentials (401) for graph {graph}",
                                source=self.endpoint,
                                hint="pass --user and --password, or set KG_PUSH_USER and "
                                     "KG_PUSH_PASSWORD")
            if attempt == 0 and self.auth is None:
                self._choose_auth(r)
                continue
            raise PushError(f"the server refused the credentials of user {self.user!r} (401) "
                            f"for graph {graph}", source=self.endpoint,
                            hint="check --user/--password (or KG_PUSH_USER/KG_PUSH_PASSWORD) and "
                                 "that this user may write graphs")
        if r.status_code >= 300:
            raise PushError(f"the server answered {r.status_code} {r.reason} for graph {graph}"
                            + (f": {_snippet(r.text)}" if r.text.strip() else ""),
                            source=self.endpoint,
                            hint="check that the URL is a Graph Store endpoint (e.g. Virtuoso's "
                                 "/sparql-graph-crud-auth, Fuseki's /DATASET/data) and that "
                                 "the user may write")


def _short_reason(e: Exception) -> str:
    text = str(e)
    m = re.search(r"\[Errno -?\d+\] ([^'\")]+)", text)
    if m:
        return m.group(1).strip()
    return text.split(": ", 1)[-1][:200] if text else type(e).__name__


def push(out_dir: Path, endpoint: str, *, user: str | None = None, password: str | None = None,
         graph_base: str | None = None, timeout: float = DEFAULT_TIMEOUT, format: str = "nt",
         jobs: int = 1) -> PushSummary:
    """PUT every named graph of OUT's store to a Graph Store endpoint (``?graph=IRI``).

    ``user``/``password`` default to ``KG_PUSH_USER``/``KG_PUSH_PASSWORD``; ``graph_base``
    renames the graphs on the server (``graph_base`` + report key); ``format`` is ``nt``
    (N-Triples, the default) or ``turtle``; ``jobs`` graphs are sent at a time.
    """
    import pyoxigraph as ox

    from kg.store import Store

    if not re.match(r"^https?://[^/\s]+", endpoint or ""):
        raise PushError("the endpoint must be an http:// or https:// URL", source=endpoint or "''",
                        hint="e.g. --endpoint http://localhost:8890/sparql-graph-crud-auth")
    if format not in FORMATS:
        raise PushError(f"unknown format {format!r}", hint=f"use one of: {', '.join(FORMATS)}")
    user = user if user is not None else os.environ.get("KG_PUSH_USER") or None
    password = password if password is not None else os.environ.get("KG_PUSH_PASSWORD") or None
    fmt_name, media_type = FORMATS[format]
    fmt = getattr(ox.RdfFormat, fmt_name)
    prefixes = PREFIXES if fmt == ox.RdfFormat.TURTLE else None
    client = _Client(endpoint, user, password, timeout)
    started = time.perf_counter()
    with Store.open(Path(out_dir), read_only=True) as store:
        reports = {e["graph"] for e in store.manifest().values()}
        graphs = sorted(store.graphs(), key=lambda g: (g not in reports, g))
        if not graphs:
            raise PushError("the store holds no graphs", source=str(Path(out_dir) / "store"),
                            hint=f"build it first: kg build FILES --out {out_dir}")
        db = store.db

        def send(graph: str) -> int:
            triples = [q.triple for q in db.quads_for_pattern(None, None, None,
                                                              ox.NamedNode(graph))]
            body = ox.serialize(triples, format=fmt, prefixes=prefixes)
            client.put(remote_graph(graph, graph_base), body, media_type)
            return len(triples)

        if jobs > 1 and len(graphs) > 1:
            total = send(graphs[0])  # learn the authentication scheme once, then go parallel
            with ThreadPoolExecutor(jobs) as pool:
                total += sum(pool.map(send, graphs[1:]))
        else:
            total = sum(send(g) for g in graphs)
    return PushSummary(endpoint, len(graphs), total, time.perf_counter() - started)
