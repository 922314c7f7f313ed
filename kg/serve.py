"""The read-only SPARQL 1.1 Protocol endpoint behind ``kg serve``.

``/sparql`` answers GET ``?query=`` and POST (``application/x-www-form-urlencoded`` or
``application/sparql-query``); the result format follows the ``Accept`` header (or a ``format=``
parameter): SELECT/ASK as SPARQL results JSON, XML, CSV or TSV, CONSTRUCT/DESCRIBE as Turtle,
N-Triples or JSON-LD. ``/`` is a small query page that works offline, with the saved questions of
``kg/queries/*.rq`` (read at request time).

Safety, in the order a request meets it:

1. :func:`check_read_only` scans the query's tokens and refuses SPARQL Update (``INSERT``,
   ``DELETE``, ``LOAD`` …) and ``SERVICE`` with HTTP 403 before anything runs; ``update=`` and
   ``application/sparql-update`` are refused outright.
2. Queries run in a pool of worker processes, each holding the store open read-only. A worker
   that passes the deadline (``timeout``, default 10 s, counted from the request's arrival) is
   killed and replaced: an in-process pyoxigraph query cannot be interrupted, a process can.
3. Each worker has an address-space cap (``memory_mb``), so a query that explodes in memory
   aborts its own worker instead of the machine; the client gets HTTP 500 and a new worker starts.
4. Solutions are read lazily and cut at ``max_rows`` (default 10 000); a cut answer carries the
   header ``X-Result-Truncated: true``.

With ``in_memory`` (``kg serve --in-memory``) each worker copies the store into memory at start
(:meth:`kg.store.Store.to_memory`, about 7 s and 300–500 MB per million quads): terms are then
read back in under 1 µs instead of 8–50 µs off the disk, and questions with large answers run
5–10× faster.

Workers open the store read-only and reopen it when a build has switched ``OUT/store`` to a new
generation (:meth:`kg.store.Store.is_stale`), so the endpoint keeps answering during a build and
sees its result right after.

>>> check_read_only("SELECT * { ?s ?p 'SERVICE' }  # SERVICE in a comment")
>>> check_read_only("SELECT * { service <http://example.org/sparql> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.errors.QueryError: SERVICE (federated query) is not allowed on this read-only endpoint; query the data of this graph only
"""
from __future__ import annotations

import html
import json
import os
import queue
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from kg.errors import KgError, QueryError, StoreError
from kg.vocab import PREFIXES

DEFAULT_TIMEOUT = 10.0
"""Seconds a query may take, from the request's arrival to its answer (``--timeout``)."""
DEFAULT_MAX_ROWS = 10_000
"""Solutions (or triples) returned at most; the rest are cut (``--max-rows``)."""
DEFAULT_MEMORY_MB = 2048
"""Address space each worker process may use before a query aborts it (``--max-memory``)."""
MAX_BODY_BYTES = 1 << 20
"""Largest POST body accepted (413 above)."""

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# --------------------------------------------------------------------------------------------
# 1. Refusing what is not a read-only query
# --------------------------------------------------------------------------------------------

# One token at a time, left to right, so that a keyword inside a string, an IRI or a comment is
# never taken for code. Words never contain "." (``true.SERVICE`` is two tokens) and a number is
# its own token (``1SERVICE`` is two tokens): the scan may refuse an odd prefixed name such as
# ``ex:a.service`` but never lets a SERVICE keyword through.
_NAME_START = r"A-Za-z_:\u00B7\u00C0-\U0010FFFF"
_TOKENS = re.compile(
    r'(?P<comment>\#[^\n\r]*)'
    r'|(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\')'
    r'|(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)'
    r'|(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)'
    r'|(?P<var>[?$][\w\u00B7\u00C0-\U0010FFFF]*)'
    r'|(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)'
    rf'|(?P<word>[{_NAME_START}](?:[\w\-:%\u00B7\u00C0-\U0010FFFF]|\\.)*)'
    r'|(?P<space>\s+)'
    r'|(?P<other>.)',
    re.DOTALL,
)
_UPDATE_WORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _keywords(text: str) -> set[str]:
    """The bare words of a SPARQL text (outside strings, IRIs and comments), upper-cased."""
    return {m.group("word").upper() for m in _TOKENS.finditer(text) if m.lastgroup == "word"}


def check_read_only(query: str) -> None:
    """Raise :class:`QueryError` if ``query`` is SPARQL Update (LOAD …) or uses SERVICE.

    >>> check_read_only("PREFIX ex: <http://example.org/> SELECT ?s { ?s ex:copy ?o }")
    >>> check_read_only("LOAD <file:///etc/passwd>")
    Traceback (most recent call last):
    ...
    kg.errors.QueryError: SPARQL Update (LOAD) is not allowed on this read-only endpoint; send a SELECT, ASK, CONSTRUCT or DESCRIBE query
    """
    words = _keywords(query)
    if _ESCAPE.search(query):  # SPARQL allows \\u escapes anywhere; check the decoded text too
        decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16))
                              if int(m.group(1) or m.group(2), 16) < 0x110000 else "", query)
        words |= _keywords(decoded)
    if "SERVICE" in words:
        raise QueryError("SERVICE (federated query) is not allowed on this read-only endpoint",
                         hint="query the data of this graph only")
    update = sorted(words & _UPDATE_WORDS)
    if update:
        raise QueryError(f"SPARQL Update ({', '.join(update)}) is not allowed on this read-only "
                         "endpoint", hint="send a SELECT, ASK, CONSTRUCT or DESCRIBE query")


# --------------------------------------------------------------------------------------------
# 2. Result formats and content negotiation
# --------------------------------------------------------------------------------------------

SOLUTION_TYPES = {  # media type -> writer name; the first is the default
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}
GRAPH_TYPES = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/x-turtle": "TURTLE",
    "text/plain": "N_TRIPLES",
    "application/json": "JSON_LD",
}
_FORMAT_ALIASES = {  # ?format= shortcuts -> media type
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", None),
    "csv": ("text/csv", None),
    "tsv": ("text/tab-separated-values", None),
    "turtle": (None, "text/turtle"), "ttl": (None, "text/turtle"),
    "nt": (None, "application/n-triples"), "ntriples": (None, "application/n-triples"),
    "n-triples": (None, "application/n-triples"),
    "jsonld": (None, "application/ld+json"), "json-ld": (None, "application/ld+json"),
}


def negotiate(accept: str | None, offered: dict[str, str], fmt: str | None = None,
              graph: bool = False) -> str | None:
    """The media type of ``offered`` that best fits an Accept header (None: nothing fits).

    >>> negotiate("text/csv;q=0.5, application/sparql-results+xml", SOLUTION_TYPES)
    'application/sparql-results+xml'
    >>> negotiate("text/html,*/*;q=0.8", GRAPH_TYPES)
    'text/turtle'
    >>> negotiate("image/png", SOLUTION_TYPES) is None
    True
    """
    if fmt:
        if fmt in offered:
            return fmt
        alias = _FORMAT_ALIASES.get(fmt.lower())
        return alias[1 if graph else 0] if alias else None
    default = next(iter(offered))
    if not accept or not accept.strip():
        return default
    ranges = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        if media and q > 0:
            specificity = 0 if media == "*/*" else 1 if media.endswith("/*") else 2
            ranges.append((-q, -specificity, i, media.lower()))
    for _, _, _, media in sorted(ranges):
        if media in offered:
            return media
        if media == "*/*":
            return default
        if media.endswith("/*"):
            major = media[:-1]
            for candidate in offered:
                if candidate.startswith(major):
                    return candidate
    return None


def _term_json(term) -> dict:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                        "predicate": _term_json(term.predicate),
                                        "object": _term_json(term.object)}}


def _xml_text(text: str) -> str:
    return html.escape(re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text),
                       quote=True)


def _term_xml(term) -> str:
    import pyoxigraph as ox

    if isinstance(term, ox.NamedNode):
        return f"<uri>{_xml_text(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{_xml_text(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            attr = f' xml:lang="{_xml_text(term.language)}"'
        elif term.datatype.value != _XSD_STRING:
            attr = f' datatype="{_xml_text(term.datatype.value)}"'
        else:
            attr = ""
        return f"<literal{attr}>{_xml_text(term.value)}</literal>"
    return (f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>"
            f"{_term_xml(term.predicate)}</predicate><object>{_term_xml(term.object)}</object>"
            "</triple>")


def _term_csv(term) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        value = "_:" + term.value
    elif isinstance(term, (ox.NamedNode, ox.Literal)):
        value = term.value
    else:
        value = _term_tsv(term)
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


_NT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _term_tsv(term) -> str:
    import pyoxigraph as ox

    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        lexical = '"' + "".join(_NT_ESCAPES.get(c, c) for c in term.value) + '"'
        if term.language:
            return f"{lexical}@{term.language}"
        if term.datatype.value != _XSD_STRING:
            return f"{lexical}^^<{term.datatype.value}>"
        return lexical
    if isinstance(term, ox.Triple):
        return (f"<< {_term_tsv(term.subject)} {_term_tsv(term.predicate)} "
                f"{_term_tsv(term.object)} >>")
    return str(term)


def write_solutions(kind: str, variables: list[str], rows: list[list]) -> bytes:
    """Serialise SELECT solutions (rows of pyoxigraph terms or None) as SPARQL results."""
    if kind == "json":
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None}
                    for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode()
    if kind == "xml":
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
               '<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f'<variable name="{_xml_text(v)}"/>' for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f'<binding name="{_xml_text(v)}">{_term_xml(t)}</binding>'
                    for v, t in zip(variables, row) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if kind == "csv":
        lines = [",".join(variables)]
        lines += [",".join(_term_csv(t) for t in row) for row in rows]
        return ("\r\n".join(lines) + "\r\n").encode()
    lines = ["\t".join("?" + v for v in variables)]
    lines += ["\t".join(_term_tsv(t) for t in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def write_boolean(kind: str, value: bool) -> bytes:
    """Serialise an ASK answer in one of the SPARQL results formats."""
    if kind == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if kind == "xml":
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns='
                f'"http://www.w3.org/2005/sparql-results#"><head/><boolean>'
                f'{"true" if value else "false"}</boolean></sparql>\n').encode()
    return b"true\n" if value else b"false\n"


# --------------------------------------------------------------------------------------------
# 3. The worker processes
# --------------------------------------------------------------------------------------------

@dataclass
class Reply:
    """What a worker (or the server itself) answers: status, media type, body, extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: dict = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str) -> "Reply":
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode())


def open_read_only(out_dir: Path):
    """Open OUT's store read-only (a :class:`kg.store.Store`)."""
    from kg.store import Store

    return Store.open(Path(out_dir), read_only=True)


def _run_query(store, job: dict) -> Reply:
    import pyoxigraph as ox

    try:
        result = store.db.query(job["query"], prefixes=PREFIXES, use_default_graph_as_union=True)
    except SyntaxError as e:
        from kg.query import _syntax_error

        return Reply.text(400, str(_syntax_error(job["query"], str(e), None)))
    max_rows = job["max_rows"]
    truncated = False
    if isinstance(result, ox.QueryBoolean):
        media = negotiate(job["accept"], SOLUTION_TYPES, job["format"])
        if media is None:
            return _not_acceptable(SOLUTION_TYPES)
        return Reply(200, media, write_boolean(SOLUTION_TYPES[media], bool(result)))
    if isinstance(result, ox.QuerySolutions):
        media = negotiate(job["accept"], SOLUTION_TYPES, job["format"])
        if media is None:
            return _not_acceptable(SOLUTION_TYPES)
        variables = [v.value for v in result.variables]
        rows = []
        for solution in result:
            if len(rows) == max_rows:
                truncated = True
                break
            rows.append([solution[i] for i in range(len(variables))])
        body = write_solutions(SOLUTION_TYPES[media], variables, rows)
    else:
        media = negotiate(job["accept"], GRAPH_TYPES, job["format"], graph=True)
        if media is None:
            return _not_acceptable(GRAPH_TYPES)
        triples = []
        for triple in result:
            if len(triples) == max_rows:
                truncated = True
                break
            triples.append(triple)
        fmt = getattr(ox.RdfFormat, GRAPH_TYPES[media])
        prefixes = PREFIXES if fmt == ox.RdfFormat.TURTLE else None
        body = ox.serialize(triples, format=fmt, prefixes=prefixes) if triples or \
            fmt != ox.RdfFormat.JSON_LD else b"[]"
        rows = triples
    headers = {"X-Result-Rows": str(len(rows))}
    if truncated:
        headers["X-Result-Truncated"] = "true"
        headers["X-Result-Cap"] = str(max_rows)
    return Reply(200, media, body, headers)


def _not_acceptable(offered: dict) -> Reply:
    return Reply.text(406, "none of the Accept header's media types fits this query; "
                           f"use one of: {', '.join(offered)}")


class _InMemory:
    """A read-only store handle whose queries run on an in-memory copy (``kg serve --in-memory``)."""

    def __init__(self, store):
        self.disk = store
        self.db = store.to_memory().db

    def is_stale(self) -> bool:
        return self.disk.is_stale()


def _open(out: Path, in_memory: bool):
    store = open_read_only(out)
    return _InMemory(store) if in_memory else store


def _worker_main(conn, out_dir: str, memory_mb: int | None, in_memory: bool = False) -> None:
    """A worker process: open the store read-only (and copy it into memory with ``in_memory``),
    then answer jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory_mb:
        try:
            import resource

            limit = memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):
            pass
    try:  # if memory runs out anyway, the kernel takes a worker, not the server
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")
    except OSError:
        pass
    out = Path(out_dir)
    try:
        store = _open(out, in_memory)
    except Exception as e:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send(("error", str(e)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if store.is_stale():  # a build switched OUT/store to a new generation
                try:
                    store = _open(out, in_memory)
                except Exception:  # noqa: BLE001 - keep answering from the one we have
                    pass
            try:
                reply = _run_query(store, job)
            except OSError:  # files of an old generation gone: reopen once and retry
                store = _open(out, in_memory)
                reply = _run_query(store, job)
        except QueryError as e:
            reply = Reply.text(400, str(e))
        except Exception as e:  # noqa: BLE001 - a query error is an answer, not a crash
            reply = Reply.text(500, f"query failed: {type(e).__name__}: {e}")
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


def _worker_entry() -> None:
    """``python -c`` entry of a worker process: argv = socket fd, OUT folder, memory cap (MB),
    1 to query an in-memory copy."""
    from multiprocessing.connection import Connection

    fd, out_dir, memory_mb = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    _worker_main(Connection(fd), out_dir, memory_mb or None, sys.argv[4:5] == ["1"])


class _Worker:
    """One worker process, started with ``python -c`` (no multiprocessing re-import of __main__)
    and talked to over a socket pair with pickled messages."""

    def __init__(self, out_dir: Path, memory_mb: int | None, in_memory: bool = False):
        import socket
        import subprocess
        from multiprocessing.connection import Connection

        parent, child = socket.socketpair()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [package_root] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        # glibc reserves 64 MB of address space per malloc arena and thread; under the address-space
        # cap that reservation, not the query, made RocksDB's thread start fail (SIGABRT) under load
        env.setdefault("MALLOC_ARENA_MAX", "2")
        code = "from kg.serve import _worker_entry; _worker_entry()"
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", code, str(child.fileno()), str(out_dir),
                 str(memory_mb or 0), "1" if in_memory else "0"],
                pass_fds=(child.fileno(),), stdin=subprocess.DEVNULL, env=env)
        finally:
            child.close()
        self.conn = Connection(parent.detach())

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def exitcode(self) -> int | None:
        return self.proc.poll()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout):
            self.kill()
            raise StoreError(f"a query worker did not start within {timeout:.0f} s")
        try:
            kind, detail = self.conn.recv()
        except (EOFError, OSError):
            kind, detail = "error", f"the worker exited with code {self.proc.wait(5)}"
        if kind != "ready":
            self.kill()
            raise StoreError(f"a query worker could not open the store: {detail}")

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(10)
        except (OSError, ValueError):
            pass
        finally:
            self.conn.close()


class QueryPool:
    """Worker processes that run queries with a deadline; late or crashed workers are replaced."""

    def __init__(self, out_dir: Path, *, workers: int | None = None,
                 memory_mb: int | None = DEFAULT_MEMORY_MB, start_timeout: float | None = None,
                 in_memory: bool = False):
        self.out_dir = Path(out_dir)
        self.in_memory = in_memory
        # copying a large store into memory takes about 7 s per million quads
        start_timeout = start_timeout or (600.0 if in_memory else 60.0)
        self.size = workers or max(4, os.cpu_count() or 1)
        self.memory_mb = memory_mb
        self.start_timeout = start_timeout
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.killed = 0
        started = [self._spawn() for _ in range(self.size)]
        try:
            for w in started:
                w.wait_ready(start_timeout)
        except BaseException:
            self.close()
            raise
        for w in started:
            self._idle.put(w)

    def _spawn(self) -> _Worker:
        w = _Worker(self.out_dir, self.memory_mb, self.in_memory)
        with self._lock:
            self._all.add(w)
        return w

    def _replace(self, dead: _Worker) -> None:
        """Kill ``dead`` and put a fresh worker in the pool (in the background)."""
        with self._lock:
            self._all.discard(dead)
            self.killed += 1

        def work():
            dead.kill()
            for attempt in range(20):
                if self._closed:
                    return
                w = self._spawn()
                try:
                    w.wait_ready(self.start_timeout)
                except StoreError:
                    with self._lock:
                        self._all.discard(w)
                    time.sleep(min(0.1 * 2 ** attempt, 5))
                    continue
                if self._closed:
                    w.kill()
                    return
                self._idle.put(w)
                return

        threading.Thread(target=work, daemon=True, name="kg-serve-respawn").start()

    def idle(self) -> int:
        """How many workers are waiting for a query right now."""
        return self._idle.qsize()

    def worker_pids(self) -> set[int]:
        """The process ids of the live workers."""
        with self._lock:
            return {w.pid for w in self._all}

    def run(self, job: dict, deadline: float) -> Reply:
        """Run one query job on a free worker; answer 503 if it is not done by ``deadline``."""
        try:
            w = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return Reply.text(503, f"server busy: all {self.size} query workers stayed busy "
                                   "until the timeout; try again shortly")
        try:
            w.conn.send(job)
            if not w.conn.poll(max(0.0, deadline - time.monotonic())):
                self._replace(w)
                w = None
                return Reply.text(503, f"query timed out after {job['timeout']:g} s and was "
                                       "stopped; add LIMIT, narrow the patterns, or start the "
                                       "server with a larger --timeout")
            return w.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            try:
                code = w.proc.wait(2)
            except Exception:  # noqa: BLE001 - still running: it is killed below anyway
                code = "?"
            self._replace(w)
            w = None
            cause = (f"most likely by using more than the {self.memory_mb} MB each query may use"
                     if self.memory_mb else "most likely by running out of memory")
            return Reply.text(500, f"the query stopped its worker (exit code {code}), {cause}; "
                                   "narrow the query (a LIMIT, more bound terms)")
        finally:
            if w is not None:
                self._idle.put(w)

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()


# --------------------------------------------------------------------------------------------
# 4. Saved questions and the query page
# --------------------------------------------------------------------------------------------

def saved_questions() -> list[dict]:
    """The saved questions (``kg/queries/*.rq``, read now): name, title, description, params, text.

    >>> q = {q["name"]: q for q in saved_questions()}
    >>> all(set(v) == {"name", "title", "description", "params", "text"} for v in q.values())
    True
    """
    from kg.query import list_queries, load_saved

    out = []
    for name, _, _ in list_queries():
        try:
            saved = load_saved(name)
        except (QueryError, OSError, UnicodeDecodeError):
            continue
        out.append({"name": saved.name, "title": saved.title or saved.name,
                    "description": saved.description, "text": saved.text,
                    "params": [{"name": p, "required": req, "help": help_}
                               for p, (req, help_) in saved.params.items()]})
    return out


_PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rectkg SPARQL</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;display:flex;height:100vh}
nav{width:18em;overflow:auto;border-right:1px solid #ccc;padding:.5em;background:#fafafa}
nav button{display:block;width:100%;text-align:left;margin:0 0 .3em;padding:.3em;border:1px solid #ddd;
 background:#fff;cursor:pointer;border-radius:3px}
nav button:hover{background:#eef}
nav small{color:#666;display:block}
main{flex:1;padding:.5em 1em;overflow:auto}
textarea{width:100%;height:14em;font:13px monospace;box-sizing:border-box}
table{border-collapse:collapse;margin-top:.5em}
td,th{border:1px solid #ccc;padding:.2em .4em;vertical-align:top;max-width:40em}
th{background:#f0f0f0;position:sticky;top:0}
#status{margin:.4em 0;color:#444}
.error{color:#b00;white-space:pre-wrap}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.5em}
#params label{margin-right:1em}
</style></head><body>
<nav><h3>Saved questions</h3><div id="questions">__EMPTY__</div></nav>
<main><h2>rectkg SPARQL endpoint</h2>
<p>Endpoint: <code>/sparql</code> (GET or POST, read-only). Timeout __TIMEOUT__ s, at most
__MAXROWS__ rows. Ctrl+Enter runs the query.</p>
<textarea id="query" spellcheck="false">__DEFAULT__</textarea>
<div id="params"></div>
<button id="run">Run</button> <a id="csv" href="#">download CSV</a>
<div id="status"></div><div id="results"></div></main>
<script type="application/json" id="saved">__SAVED__</script>
<script>
"use strict";
const saved = JSON.parse(document.getElementById("saved").textContent);
const q = document.getElementById("query"), box = document.getElementById("questions");
const statusEl = document.getElementById("status"), results = document.getElementById("results");
if (saved.length) box.textContent = "";
const paramsBox = document.getElementById("params");
let current = null;
for (const s of saved) {
  const b = document.createElement("button");
  b.dataset.name = s.name;
  b.textContent = s.title;
  const small = document.createElement("small");
  small.textContent = s.name + (s.description ? " \u2014 " + s.description : "");
  b.appendChild(small);
  b.onclick = () => { choose(s); if (!s.params.some(p => p.required)) run(); };
  box.appendChild(b);
}
function choose(s) {
  current = s; q.value = s.text; paramsBox.textContent = "";
  for (const p of s.params) {
    const label = document.createElement("label");
    label.textContent = p.name + (p.required ? " (required) " : " (optional) ");
    const input = document.createElement("input");
    input.name = p.name; input.title = p.help; input.placeholder = p.help;
    input.addEventListener("keydown", e => { if (e.key === "Enter") run(); });
    label.appendChild(input); paramsBox.appendChild(label);
  }
}
q.addEventListener("input", () => { current = null; paramsBox.textContent = ""; });
function literal(v) {  // the same escaping as kg.query.sparql_literal
  let out = '"';
  for (const ch of v) {
    const c = ch.codePointAt(0);
    if (ch === "\\") out += "\\\\"; else if (ch === '"') out += '\\"';
    else if (ch === "\n") out += "\\n"; else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += "\\u" + c.toString(16).toUpperCase().padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}
function filled() {
  if (!current) return q.value;
  const values = {};
  for (const input of paramsBox.querySelectorAll("input")) values[input.name] = input.value;
  return q.value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (m, name) => literal(values[name] || ""));
}
function cell(t) {
  if (!t) return "";
  if (t.type === "literal") return t.value + (t["xml:lang"] ? " @" + t["xml:lang"] : "");
  if (t.type === "bnode") return "_:" + t.value;
  if (t.type === "triple") return "<< " + cell(t.value.subject) + " " + cell(t.value.predicate) +
    " " + cell(t.value.object) + " >>";
  return t.value;
}
async function run() {
  const started = performance.now();
  statusEl.textContent = "running\u2026"; results.textContent = "";
  const text0 = filled();
  document.getElementById("csv").href = "sparql?format=csv&query=" + encodeURIComponent(text0);
  let r;
  try {
    r = await fetch("sparql", {method: "POST", body: new URLSearchParams({query: text0}),
      headers: {"Accept": "application/sparql-results+json, text/turtle;q=0.9"}});
  } catch (e) { statusEl.textContent = ""; showError(String(e)); return; }
  const ms = Math.round(performance.now() - started);
  const text = await r.text();
  if (!r.ok) { statusEl.textContent = r.status + " after " + ms + " ms"; showError(text); return; }
  const cut = r.headers.get("X-Result-Truncated") ? " (cut at " + r.headers.get("X-Result-Cap") +
    ")" : "";
  if ((r.headers.get("Content-Type") || "").includes("turtle")) {
    const pre = document.createElement("pre"); pre.textContent = text; results.appendChild(pre);
    statusEl.textContent = r.headers.get("X-Result-Rows") + " triples" + cut + ", " + ms + " ms";
    return;
  }
  const data = JSON.parse(text);
  if ("boolean" in data) { statusEl.textContent = "answer: " + data.boolean + ", " + ms + " ms"; return; }
  const vars = data.head.vars, rows = data.results.bindings;
  const table = document.createElement("table"), head = table.insertRow();
  for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  for (const b of rows) { const tr = table.insertRow(); for (const v of vars) tr.insertCell().textContent = cell(b[v]); }
  results.appendChild(table);
  statusEl.textContent = rows.length + " rows" + cut + ", " + ms + " ms";
}
function showError(text) { const d = document.createElement("div"); d.className = "error";
  d.textContent = text; results.appendChild(d); }
document.getElementById("run").onclick = run;
q.addEventListener("keydown", e => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
</script></body></html>
"""
_DEFAULT_QUERY = """PREFIX rk: <https://w3id.org/rectkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?problem ?label WHERE {
  ?problem a rk:Problem ; rdfs:label ?label .
} LIMIT 20
"""


def render_page(timeout: float, max_rows: int) -> bytes:
    """The query page: self-contained HTML (inline CSS and JS, nothing fetched from elsewhere)."""
    # "<" only occurs inside JSON strings: as \u003c it can never close or confuse the script
    saved = json.dumps(saved_questions(), ensure_ascii=False).replace("<", "\\u003c")
    page = (_PAGE.replace("__SAVED__", saved)
            .replace("__EMPTY__", "(no saved questions in kg/queries)")
            .replace("__TIMEOUT__", f"{timeout:g}").replace("__MAXROWS__", str(max_rows))
            .replace("__DEFAULT__", html.escape(_DEFAULT_QUERY)))
    return page.encode()


# --------------------------------------------------------------------------------------------
# 5. The HTTP server
# --------------------------------------------------------------------------------------------

_PAGE_CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
             "connect-src 'self'; base-uri 'none'; form-action 'self'")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rectkg-sparql"
    timeout = 60  # seconds an idle keep-alive connection may stay open
    wbufsize = 1 << 16  # headers and body leave in one write (flushed after each request)
    server: "SparqlServer"

    def setup(self):
        super().setup()
        import socket

        try:  # no Nagle delay on keep-alive connections (40 ms per answer otherwise)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format, *args):  # noqa: A002 - stdlib signature
        if self.server.log:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _send(self, reply: Reply) -> None:
        ctype = reply.content_type
        if ctype.startswith("text/") and "charset" not in ctype:
            ctype += "; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if reply.status == 200 and "/sparql" in self.path:
            self.send_header("Vary", "Accept")
        for k, v in reply.headers.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def do_GET(self):  # noqa: N802 - stdlib naming
        url = urlsplit(self.path)
        if url.path in ("/", "/index.html"):
            page = render_page(self.server.timeout_s, self.server.max_rows)
            return self._send(Reply(200, "text/html; charset=utf-8", page,
                                    {"Content-Security-Policy": _PAGE_CSP}))
        if url.path == "/sparql":
            return self._send(self.server.answer(parse_qs(url.query, keep_blank_values=True),
                                                  self.headers.get("Accept")))
        return self._send(Reply.text(404, f"no page {url.path}; the endpoint is /sparql and the "
                                          "query page is /"))

    do_HEAD = do_GET

    def do_POST(self):  # noqa: N802 - stdlib naming
        url = urlsplit(self.path)
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True
            return self._send(Reply.text(411, "POST needs a Content-Length header"))
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            return self._send(Reply.text(400, "bad Content-Length header"))
        if n > MAX_BODY_BYTES:
            self.close_connection = True
            return self._send(Reply.text(413, f"request body over {MAX_BODY_BYTES} bytes"))
        body = self.rfile.read(n)
        if url.path != "/sparql":
            return self._send(Reply.text(404, f"no endpoint {url.path}; POST to /sparql"))
        params = parse_qs(url.query, keep_blank_values=True)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/sparql-update":
            return self._send(Reply.text(403, "SPARQL Update is not allowed on this read-only "
                                              "endpoint; send a query"))
        if ctype == "application/x-www-form-urlencoded":
            try:
                form = parse_qs(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                return self._send(Reply.text(400, "the form is not UTF-8"))
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        elif ctype == "application/sparql-query":
            try:
                params["query"] = params.get("query", []) + [body.decode("utf-8")]
            except UnicodeDecodeError:
                return self._send(Reply.text(400, "the query is not UTF-8"))
        else:
            return self._send(Reply.text(415, "POST a form (application/x-www-form-urlencoded) "
                                              "with query=…, or the query itself as "
                                              "application/sparql-query"))
        return self._send(self.server.answer(params, self.headers.get("Accept")))


class SparqlServer(ThreadingHTTPServer):
    """A threaded HTTP server over a :class:`QueryPool`; ``url`` is its ``/sparql`` endpoint."""

    daemon_threads = True
    request_queue_size = 256
    block_on_close = False

    def __init__(self, out_dir: Path, *, host: str = "127.0.0.1", port: int = 8080,
                 timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
                 workers: int | None = None, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 log: bool = False, in_memory: bool = False):
        if timeout <= 0 or max_rows <= 0:
            raise KgError("the timeout and the row cap must be positive",
                             hint="e.g. `kg serve --timeout 10 --max-rows 10000`")
        self.out_dir = Path(out_dir)
        self.timeout_s = timeout
        self.max_rows = max_rows
        self.log = log
        with open_read_only(self.out_dir) as store:  # a clear error now if there is no store
            self.reports = len(store.manifest())
        if ":" in host:
            import socket

            self.address_family = socket.AF_INET6
        self.pool = QueryPool(self.out_dir, workers=workers, memory_mb=memory_mb, in_memory=in_memory)
        try:
            super().__init__((host, port), _Handler)
        except OSError as e:
            self.pool.close()
            raise KgError(f"cannot listen on {host}:{port} ({e.strerror or e})",
                             hint="choose another --port or stop what uses it") from e

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/sparql"

    def answer(self, params: dict[str, list[str]], accept: str | None = None) -> Reply:
        """Answer one SPARQL Protocol request given its parameters and its Accept header."""
        arrived = time.monotonic()
        if "update" in params:
            return Reply.text(403, "SPARQL Update is not allowed on this read-only endpoint; "
                                   "send a query")
        queries = params.get("query", [])
        if len(queries) != 1 or not queries[0].strip():
            return Reply.text(400, "send exactly one query: /sparql?query=SELECT… (GET), or POST "
                                   "a form with query=…; the query page is at /")
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return Reply.text(400, "default-graph-uri and named-graph-uri are not supported; "
                                   "use FROM / FROM NAMED or GRAPH in the query (the default "
                                   "graph is the union of all report graphs)")
        query = queries[0]
        try:
            check_read_only(query)
        except QueryError as e:
            return Reply.text(403, str(e))
        fmt = (params.get("format") or [None])[0]
        job = {"query": query, "accept": accept, "format": fmt,
               "max_rows": self.max_rows, "timeout": self.timeout_s}
        return self.pool.run(job, arrived + self.timeout_s)

    def server_close(self):
        super().server_close()
        self.pool.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown_in_thread()
        self.server_close()

    def shutdown_in_thread(self) -> None:
        """Stop serve_forever() if it runs in another thread (no-op otherwise)."""
        if getattr(self, "_serving_thread", None) is not None:
            self.shutdown()
            self._serving_thread.join()
            self._serving_thread = None

    def start(self) -> "SparqlServer":
        """Serve in a background thread (tests, benchmarks); stop with ``with`` or close()."""
        self._serving_thread = threading.Thread(target=self.serve_forever, daemon=True,
                                                name="kg-serve")
        self._serving_thread.start()
        return self

    def close(self) -> None:
        """Stop serving and stop the workers."""
        self.__exit__()


def serve(out_dir: Path, *, host: str = "127.0.0.1", port: int = 8080,
          timeout: float = DEFAULT_TIMEOUT, max_rows: int = DEFAULT_MAX_ROWS,
          workers: int | None = None, memory_mb: int | None = DEFAULT_MEMORY_MB,
          log: bool = True, ready=None, in_memory: bool = False) -> None:
    """Serve OUT's store at http://HOST:PORT/sparql until interrupted (Ctrl-C).

    ``ready(server)`` is called once the server listens (the CLI prints the address there).
    """
    server = SparqlServer(Path(out_dir), host=host, port=port, timeout=timeout,
                          max_rows=max_rows, workers=workers, memory_mb=memory_mb, log=log,
                          in_memory=in_memory)
    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)  # `kill` stops it as cleanly as Ctrl-C
    try:
        if ready is not None:
            ready(server)
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
