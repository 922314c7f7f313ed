"""Run SPARQL on a pyoxigraph store and materialise the answer: the engine-facing layer that the
store, the saved questions (kg.query) and the endpoint (kg.serve) share.

The default graph is the union of the named graphs (rectkg keeps every triple in exactly one
graph, so the union holds no duplicates); SERVICE is refused unless asked for; a timeout stops
waiting and says so.

>>> r = execute(ox.Store(), "SELECT ?x WHERE { VALUES ?x { 1 2 } }")
>>> r.variables, [t.value for (t,) in r.rows]
(['x'], ['1', '2'])
"""
from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.errors import QueryError
from kg.vocab import PREFIXES


@dataclass
class Result:
    """A materialised query answer: SELECT rows, an ASK boolean, or CONSTRUCT/DESCRIBE triples."""

    kind: str                                  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)   # terms or None (unbound)
    boolean: bool | None = None
    truncated: bool = False                    # more rows existed than the limit let through
    seconds: float = 0.0
    name: str | None = None                    # the saved question's name, where there is one

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, var: str) -> list[str | None]:
        """The plain values (IRI, lexical form) of one column, e.g. for tests and scripts."""
        i = self.variables.index(var)
        return [None if row[i] is None else row[i].value for row in self.rows]

    def dicts(self) -> list[dict[str, str | None]]:
        """Rows as ``{variable: plain value}``."""
        return [{v: (None if t is None else t.value) for v, t in zip(self.variables, row)}
                for row in self.rows]


def text_width(s: str) -> int:
    """Display width in a terminal: East Asian wide and fullwidth characters count 2.

    >>> text_width("区委ab")
    6
    """
    w = 0
    for ch in s:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


_NOISE = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|'
                    r"'(?:[^'\\\n]|\\.)*'|<[^<>\"{}|^`\\\s]*>|#[^\n]*")


def _refuse_service(sparql: str) -> None:
    if re.search(r"\bSERVICE\b", _NOISE.sub(" ", sparql), re.IGNORECASE):
        raise QueryError("SERVICE (federated query) is refused: the store answers from its own "
                         "data only", hint="remove the SERVICE clause")


def _syntax_error(sparql: str, message: str, name: str | None) -> QueryError:
    m = re.search(r"(\d+):(\d+)", message)
    detail = re.sub(r"^error at \d+:\d+:\s*", "", message)
    if m:
        line, col = int(m.group(1)), int(m.group(2))
        lines = sparql.splitlines() or [""]
        src = lines[line - 1] if 0 < line <= len(lines) else ""
        caret = " " * text_width(src[:max(col - 1, 0)]) + "^"  # wide characters take two
        text = f"SPARQL syntax error at line {line}, column {col}: {detail}\n  {src}\n  {caret}"
    else:
        text = f"SPARQL syntax error: {detail}"
    hint = ("check the query near that point; prefixes rk:, rkid:, dcterms:, skos:, org:, foaf:, "
            "oa:, rdfs:, xsd: … need no PREFIX line; `kg query --list` shows the saved questions")
    if re.match(r"\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)\b", sparql, re.I):
        hint = "updates (INSERT, DELETE, LOAD …) are refused: the store is read-only here"
    return QueryError(text, source=name, hint=hint)


def _materialise(res, limit: int | None, out: Result) -> None:
    if isinstance(res, ox.QueryBoolean):
        out.kind, out.boolean = "ask", bool(res)
        return
    if isinstance(res, ox.QueryTriples):
        out.kind, out.variables = "graph", ["subject", "predicate", "object"]
        it = ((t.subject, t.predicate, t.object) for t in res)
    else:
        out.kind = "select"
        out.variables = [v.value for v in res.variables]
        n = len(out.variables)
        it = (tuple(sol[i] for i in range(n)) for sol in res)
    rows = out.rows
    for row in it:
        if limit is not None and len(rows) >= limit:
            out.truncated = True
            break
        rows.append(row)


def execute(db: ox.Store, sparql: str, *, timeout: float | None = None, limit: int | None = None,
            use_default_graph_as_union: bool = True, allow_service: bool = False,
            name: str | None = None) -> Result:
    """Run ``sparql`` on a pyoxigraph store and materialise the answer (at most ``limit`` rows).

    A ``timeout`` (seconds) stops waiting for the answer and raises :class:`QueryError`.

    >>> r = execute(ox.Store(), "SELECT ?x WHERE { VALUES ?x { 1 2 } }")
    >>> r.variables, [t.value for (t,) in r.rows]
    (['x'], ['1', '2'])
    """
    if not allow_service:
        _refuse_service(sparql)
    out = Result(kind="select", name=name)
    start = time.perf_counter()
    error: list[BaseException] = []

    def work() -> None:
        try:
            res = db.query(sparql, prefixes=PREFIXES,
                           use_default_graph_as_union=use_default_graph_as_union)
            _materialise(res, limit, out)
        except BaseException as e:  # handed to the caller's thread
            error.append(e)

    if timeout is None:
        work()
    else:
        # pyoxigraph releases the GIL while evaluating, so the caller gets control back on
        # time; the abandoned evaluation finishes (or dies with the process) in the background.
        t = threading.Thread(target=work, name="kg-query", daemon=True)
        t.start()
        t.join(timeout)
        if t.is_alive():
            raise QueryError(f"the query took longer than {timeout:g} s and was stopped",
                             source=name, hint="narrow it (a LIMIT, more bound terms) or "
                                               "raise --timeout")
    if error:
        e = error[0]
        if isinstance(e, SyntaxError):
            raise _syntax_error(sparql, str(e), name) from None
        if isinstance(e, (OSError, ValueError, TypeError)):
            raise QueryError(f"the query failed: {e}", source=name,
                             hint="check the query; `kg query --list` shows saved questions") from None
        raise e
    out.seconds = time.perf_counter() - start
    return out
