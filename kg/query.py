"""SPARQL over the store: run a query, a ``.rq`` file or a saved question; format the answer.

Saved questions are ``kg/queries/NAME.rq``. Their leading comments say what they are::

    # title: Open problems by organisation
    # description: Problems still being rectified, under the unit that owns them.
    # param: org (optional): an organisation's label; all organisations when omitted

A parameter appears in the query as ``${org}`` and is replaced by a SPARQL string literal
(escaped, so a value can never change the query's shape); an optional parameter left out
becomes ``""``. Written ``${?org}`` (meant for ``VALUES ?x { ${?org} }``), a parameter left out
becomes ``UNDEF``: no constraint, and a given one lets the engine start from it.

>>> [name for name, _, _ in list_queries()][:2]
['count-mismatches', 'inspections']
>>> print(fill_params('SELECT * { ?o rdfs:label ${org} }', {'org': 'a"b'}))
SELECT * { ?o rdfs:label "a\\"b" }
>>> print(fill_params('VALUES ?s { ${?s} }', {}, {'s': (False, '')}))
VALUES ?s { UNDEF }
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from kg.errors import QueryError
from kg.sparql import Result, _syntax_error, execute, text_width  # noqa: F401  (kept importable here)
from kg.vocab import PREFIXES

QUERIES_DIR = Path(__file__).parent / "queries"
FORMATS = ("table", "csv", "tsv", "json")
_XSD = PREFIXES["xsd"]
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
_PARAM_RE = re.compile(r"\$\{(\??)([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class SavedQuery:
    """A saved question: its name, title, description, parameters and SPARQL text."""

    name: str
    title: str
    description: str
    params: dict[str, tuple[bool, str]]   # name -> (required, help)
    text: str
    path: Path


# ---------------------------------------------------------------------------- saved questions
def _parse_header(text: str) -> tuple[str, str, dict[str, tuple[bool, str]]]:
    title = description = ""
    params: dict[str, tuple[bool, str]] = {}
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            break
        body = s.lstrip("#").strip()
        key, _, value = body.partition(":")
        key = key.strip().lower()
        if key == "title":
            title = value.strip()
        elif key == "description":
            description = (description + " " + value.strip()).strip()
        elif key == "param":
            m = re.match(r"\s*([A-Za-z_]\w*)\s*(\(optional\))?\s*:?\s*(.*)$", value)
            if m:
                params[m.group(1)] = (m.group(2) is None, m.group(3).strip())
    return title, description, params


def load_saved(name: str) -> SavedQuery:
    """The saved question called ``name`` (a file kg/queries/NAME.rq)."""
    path = QUERIES_DIR / f"{name}.rq"
    if not _NAME_RE.match(name) or not path.is_file():
        names = ", ".join(n for n, _, _ in list_queries())
        raise QueryError(f"no saved question called {name!r}", source=name,
                         hint=f"the saved questions are: {names} (`kg query --list`)")
    text = path.read_text(encoding="utf-8")
    title, description, params = _parse_header(text)
    return SavedQuery(name, title, description, params, text, path)


def list_queries() -> list[tuple[str, str, str]]:
    """``(name, title, description)`` of every saved question, sorted by name."""
    out = []
    for path in sorted(QUERIES_DIR.glob("*.rq")):
        title, description, _ = _parse_header(path.read_text(encoding="utf-8"))
        out.append((path.stem, title, description))
    return out


def sparql_literal(value: str) -> str:
    """``value`` as a SPARQL string literal, escaped.

    >>> print(sparql_literal('区委"政法委"\\n'))
    "区委\\"政法委\\"\\n"
    """
    out = ['"']
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def fill_params(text: str, values: dict[str, str], declared: dict | None = None,
                name: str | None = None) -> str:
    """Replace each ``${name}`` in ``text`` with its value as an escaped SPARQL literal."""
    declared = declared if declared is not None else {
        p: (True, "") for _, p in _PARAM_RE.findall(text)}
    unknown = sorted(set(values) - set(declared))
    if unknown:
        accepted = ", ".join(sorted(declared)) or "none"
        raise QueryError(f"unknown parameter {', '.join(unknown)}", source=name,
                         hint=f"this query takes: {accepted}")
    missing = [p for p, (required, _) in declared.items() if required and p not in values]
    if missing:
        helps = "; ".join(f"--param {p}=VALUE ({declared[p][1] or 'a value'})" for p in missing)
        raise QueryError(f"needs {helps}", source=name)

    def value(m: re.Match) -> str:
        v = values.get(m.group(2), "")
        if m.group(1) and v == "":
            return "UNDEF"  # ${?name} in VALUES: no constraint when the parameter is left out
        return sparql_literal(v)

    return _PARAM_RE.sub(value, text)


def resolve_query(query: str, params: dict[str, str] | None = None) -> tuple[str, str | None]:
    """A SPARQL string, a ``.rq`` path or a saved question's name → (SPARQL text, name)."""
    params = dict(params or {})
    q = query.strip()
    path = None
    if "\n" not in q and len(q) < 4096:
        path = Path(q)
        try:
            is_file = path.is_file()
        except OSError:
            is_file = False
        if _NAME_RE.match(q) and not is_file and path.suffix.lower() not in (".rq", ".sparql"):
            saved = load_saved(q)
            return fill_params(saved.text, params, saved.params, saved.name), saved.name
        if not is_file and path.suffix.lower() not in (".rq", ".sparql"):
            path = None
    if path is not None:
        if not path.is_file():
            raise QueryError("no such query file", source=str(path),
                             hint="give a SPARQL string, a .rq file or a saved question's name")
        text = path.read_text(encoding="utf-8")
        _, _, declared = _parse_header(text)
        for _, p in _PARAM_RE.findall(text):
            declared.setdefault(p, (True, ""))
        return fill_params(text, params, declared, str(path)), path.stem
    if params or _PARAM_RE.search(query):
        return fill_params(query, params), None
    return query, None


def run_query(out_dir: Path, query: str, *, timeout: float | None = None,
              limit: int | None = None, params: dict[str, str] | None = None) -> Result:
    """Answer a SPARQL string, a ``.rq`` file or a saved question over OUT's store. A saved
    question whose answer the current generation keeps as a table (``answers.sqlite``) is read
    from there without opening the store."""
    sparql, name = resolve_query(query, params)
    if name is not None and _is_saved(query):
        got = answer_from_table(current_generation(Path(out_dir)), name, params)
        if got is not None:
            if limit is not None and len(got.rows) > limit:
                got.rows, got.truncated = got.rows[:limit], True
            return got
    db = _current_store(Path(out_dir))
    if db is not None:
        return execute(db, sparql, timeout=timeout, limit=limit, name=name)
    from kg.store import Store

    with Store.open(Path(out_dir), read_only=True) as store:
        return execute(store.db, sparql, timeout=timeout, limit=limit, name=name)


def _current_store(out_dir: Path) -> ox.Store | None:
    """The current generation's store opened read-only, straight (a query needs neither the
    manifest nor :mod:`kg.store`, whose import alone costs 10–20 ms); None when that is not
    simple (no generation, an older layout, a generation switched meanwhile): ``Store.open``
    then opens it, with its retries and messages."""
    gen = current_generation(out_dir)
    if gen is None or not (gen / "store").is_dir():
        return None
    try:
        return ox.Store.read_only(str(gen / "store"))
    except OSError:
        return None


def current_generation(out_dir: Path) -> Path | None:
    """The folder of OUT's current generation as ``OUT/current`` names it (what
    ``Store.open`` reads), found without opening the store nor importing :mod:`kg.store`: a
    generation is complete before the link names it. None for none, or an older layout."""
    import os

    link = Path(os.path.abspath(out_dir)) / "current"
    try:
        return Path(os.path.normpath(link.parent / os.readlink(link)))
    except OSError:
        return None


def _is_saved(query: str) -> bool:
    q = query.strip()
    return bool(_NAME_RE.match(q)) and (QUERIES_DIR / f"{q}.rq").is_file()


# ---------------------------------------------------------------------------- answer tables
# Saved questions whose answer is every report's rows are kept as tables in each generation
# (GEN/answers.sqlite, written by kg.answers); here they are read back.
DB = "answers.sqlite"


def header(text: str, key: str) -> str | None:
    """The value of a ``# key: value`` line of a saved question's header, if any."""
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if not s.startswith("#"):
            return None
        k, _, v = s.lstrip("#").partition(":")
        if k.strip().lower() == key:
            return v.strip()
    return None


# the version of how tables are written and read (rows, parts, orders): a change makes every
# older table stale (SPARQL answers until the next build writes them again)
TABLE_CODE = 4
PARTS_DIR = QUERIES_DIR / "parts"


def table_spec(name: str) -> dict | None:
    """How the saved question ``name`` is answered from a table, or None if it is not:
    {sparql (what each report's rows are: the question, or its part), version, order,
    report (the column naming the report), filters (parameter → the column it must equal, or
    ``*``: the combining function applies it), params, combine (None, or the name of the
    function that makes the answer of every report's part rows)}."""
    try:
        sq = load_saved(name)
    except QueryError:
        return None
    kind = header(sq.text, "table")
    if kind not in ("report", "part", "whole"):
        return None
    filters = {}
    for part in (header(sq.text, "table-filter") or "").split(","):
        if part.strip():
            param, column = part.split()
            filters[param] = column
    if kind == "part":
        sparql = (PARTS_DIR / f"{name}.rq").read_text(encoding="utf-8")
        text = sq.text + sparql
    else:
        sparql, text = fill_params(sq.text, {}, sq.params, name), sq.text
    return {"sparql": sparql,
            "version": hashlib.sha256(f"{TABLE_CODE}\n{text}".encode()).hexdigest()[:16],
            "order": _order_keys(header(sq.text, "table-order") or ""),
            "report": header(sq.text, "table-report") or "report",
            "filters": filters, "params": sq.params,
            "combine": name if kind == "part" else None, "kind": kind}


def tabled(kinds: tuple[str, ...] = ("report", "part")) -> dict[str, dict]:
    """The saved questions answered from tables: name → :func:`table_spec`. By default those
    whose rows are computed report by report (``# table: report`` or ``part``); ``# table:
    whole`` questions (an answer across reports that no report's rows make) are answered once
    over the finished store (:func:`kg.answers.write_whole`)."""
    out = {}
    for name, _, _ in list_queries():
        spec = table_spec(name)
        if spec is not None and spec["kind"] in kinds:
            out[name] = spec
    return out


_KEY_RE = re.compile(r"(DESC|ASC)\((.*)\)$|BOUND\((\w+)\)$|(\w+)$", re.I)


def _order_keys(text: str) -> list[tuple[str, bool, bool]]:
    """``# table-order:`` as (column, descending, bound only): ``DESC(BOUND(due)) due report``."""
    out = []
    for tok in text.split():
        desc = False
        m = _KEY_RE.match(tok)
        if m and m.group(1):
            desc, tok = m.group(1).upper() == "DESC", m.group(2)
            m = _KEY_RE.match(tok)
        if not m or m.group(1):
            raise QueryError(f"cannot read the table order {text!r}")
        out.append((m.group(3) or m.group(4), desc, bool(m.group(3))))
    return out


_NUMERIC = {_XSD + t for t in ("integer", "decimal", "double", "float", "int", "long", "short",
                               "byte", "nonNegativeInteger", "positiveInteger",
                               "nonPositiveInteger", "negativeInteger", "unsignedInt",
                               "unsignedLong", "unsignedShort", "unsignedByte")}


def order_key(t):
    """A term's place in a SPARQL ORDER BY (unbound, blank nodes, IRIs, then literals: numbers by
    value, the others by their lexical form, as Oxigraph compares the values the questions hold)."""
    if t is None:
        return (0,)
    if isinstance(t, BlankNode):
        return (1, t.value)
    if isinstance(t, NamedNode):
        return (2, t.value)
    if t.datatype.value in _NUMERIC:
        try:
            return (3, 0, float(t.value), "")
        except ValueError:
            pass
    return (3, 1, 0.0, t.value)


def sort_rows(rows: list, variables: list[str], keys: list[tuple[str, bool, bool]]) -> list:
    """``rows`` sorted stably as ``ORDER BY`` ``keys`` sorts them."""
    for column, desc, bound in reversed(keys):
        i = variables.index(column)
        if bound:
            rows.sort(key=lambda r: r[i] is not None, reverse=desc)
        else:
            rows.sort(key=lambda r: order_key(r[i]), reverse=desc)
    return rows


# ---------------------------------------------------------------------------- terms as JSON
def _term(t) -> list | None:
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ["u", t.value]
    if isinstance(t, ox.BlankNode):
        return ["b", t.value]
    return ["l", t.value, t.language or "", "" if t.language else t.datatype.value]


def _unterm(x):
    if x is None:
        return None
    if x[0] == "u":
        return ox.NamedNode(x[1])
    if x[0] == "b":
        return ox.BlankNode(x[1])
    if x[2]:
        return ox.Literal(x[1], language=x[2])
    return ox.Literal(x[1], datatype=ox.NamedNode(x[3]))


def answer_from_table(gen_dir: Path | None, name: str, params: dict[str, str] | None = None) -> Result | None:
    """The saved question ``name`` answered from the generation's table, or None when it has no
    table, the table is of another version of the question, or ``params`` ask what it cannot
    filter (then SPARQL answers)."""
    if gen_dir is None or not (Path(gen_dir) / DB).is_file():
        return None
    q = table_spec(name)
    if q is None:
        return None
    params = {k: v for k, v in (params or {}).items() if v != ""}
    if set(params) - set(q["filters"]):
        return None
    t0 = time.perf_counter()
    try:
        con = sqlite3.connect(f"file:{Path(gen_dir) / DB}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    cache: dict = {}

    def term(x):
        if x is None:
            return None
        key = tuple(x)
        t = cache.get(key)
        if t is None:
            t = cache[key] = _unterm(x)
        return t

    def unpack(blob: str) -> list[tuple]:
        got = json.loads(blob)   # kg.answers.pack: the terms, rows of their indexes
        terms = [term(x) for x in got["t"]]
        return [tuple(map(terms.__getitem__, r)) for r in got["r"]]

    try:
        if q["kind"] == "whole":   # the answer as it was over the finished store
            got = con.execute("SELECT version, variables, rows FROM whole WHERE name = ?",
                              (name,)).fetchone()
            if got is None or got[0] != q["version"]:
                return None
            return Result(kind="select", variables=json.loads(got[1]), rows=unpack(got[2]),
                          name=name, seconds=time.perf_counter() - t0)
        got = con.execute("SELECT version, variables FROM questions WHERE name = ?", (name,)).fetchone()
        if got is None or got[0] != q["version"]:
            return None
        variables = json.loads(got[1])
        sql = "SELECT rows FROM rows WHERE name = ?"
        args: tuple = (name,)
        if set(params) == {"report"} and q["filters"].get("report") == q["report"]:
            sql, args = sql + " AND report = ?", (name, params["report"])
        rows = []
        for (blob,) in con.execute(sql + " ORDER BY report", args):
            rows += unpack(blob)
    except sqlite3.Error:   # a table of an older layout, a torn file: SPARQL answers
        return None
    finally:
        con.close()
    if q["combine"] is not None:
        from kg import combine

        got = getattr(combine, q["combine"].replace("-", "_"))(variables, rows, Path(gen_dir),
                                                               params)
        if got is None:
            return None
        variables, rows = got
    for param, value in params.items():
        if q["filters"][param] == "*":
            continue   # the combining function's
        i = variables.index(q["filters"][param])
        rows = [r for r in rows if r[i] is not None and r[i].value == value]
    if q["order"]:
        sort_rows(rows, variables, q["order"])
    return Result(kind="select", variables=variables, rows=rows, name=name,
                  seconds=time.perf_counter() - t0)


# ---------------------------------------------------------------------------- formatting
_SHORT = sorted(((iri, p) for p, iri in PREFIXES.items()), key=lambda x: -len(x[0]))


def compact(iri: str) -> str:
    """An IRI with a known prefix shortened for display (``rk:Problem``).

    >>> compact("https://w3id.org/rectkg/ontology#Problem")
    'rk:Problem'
    """
    for base, prefix in _SHORT:
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base):]}"
    return iri


def display(term) -> str:
    """A term as a person reads it: prefixed IRIs, literals without quotes or tags."""
    if term is None:
        return ""
    if isinstance(term, NamedNode):
        return compact(term.value)
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return term.value
    if isinstance(term, Triple):
        return f"<< {display(term.subject)} {display(term.predicate)} {display(term.object)} >>"
    return str(term)


def _clip(s: str, width: int) -> str:
    s = " ".join(s.split()) if ("\n" in s or "\t" in s or "\r" in s) else s
    if text_width(s) <= width:
        return s
    out, w = [], 0
    for ch in s:
        cw = text_width(ch)
        if w + cw > width - 1:
            break
        out.append(ch)
        w += cw
    return "".join(out) + "…"


def _pad(s: str, width: int) -> str:
    return s + " " * (width - text_width(s))


def _table(result: Result, max_width: int) -> str:
    if result.kind == "ask":
        return "yes" if result.boolean else "no"
    header = list(result.variables)
    body = [[_clip(display(t), max_width) for t in row] for row in result.rows]
    widths = [max([text_width(h)] + [text_width(r[i]) for r in body])
              for i, h in enumerate(header)]
    lines = ["  ".join(_pad(h, w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths)).rstrip() for r in body]
    n = len(result.rows)
    footer = f"({n} row{'s' if n != 1 else ''}"
    footer += ", cut at the limit)" if result.truncated else ")"
    return "\n".join(lines + [footer])


def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Triple):
        return str(term)
    return term.value


def _tsv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, Literal):
        dt = term.datatype.value
        if dt == _XSD + "integer" and re.fullmatch(r"[+-]?\d+", term.value):
            return term.value
    return str(term)  # N-Triples syntax, as the SPARQL 1.1 TSV format asks


def _json_term(term) -> dict:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    d = {"type": "literal", "value": term.value}
    if term.language:
        d["xml:lang"] = term.language
    elif term.datatype.value != _XSD + "string":
        d["datatype"] = term.datatype.value
    return d


def format_result(result: Result, fmt: str = "table", *, max_width: int = 60) -> str:
    """The answer as an aligned table, CSV, TSV or SPARQL 1.1 results JSON.

    >>> r = Result("select", ["名称", "n"], [(Literal("区委", language="zh"), Literal(2))])
    >>> print(format_result(r))
    名称  n
    ----  -
    区委  2
    (1 row)
    >>> format_result(r, "csv").splitlines()
    ['名称,n', '区委,2']
    """
    if fmt not in FORMATS:
        raise QueryError(f"unknown format {fmt!r}", hint=f"use one of: {', '.join(FORMATS)}")
    if fmt == "table":
        return _table(result, max_width)
    if fmt == "json":
        if result.kind == "ask":
            return json.dumps({"head": {}, "boolean": bool(result.boolean)}, ensure_ascii=False)
        bindings = [{v: _json_term(t) for v, t in zip(result.variables, row) if t is not None}
                    for row in result.rows]
        return json.dumps({"head": {"vars": result.variables},
                           "results": {"bindings": bindings}}, ensure_ascii=False, indent=1)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        if result.kind == "ask":
            w.writerow(["boolean"])
            w.writerow(["true" if result.boolean else "false"])
        else:
            w.writerow(result.variables)
            w.writerows([_csv_value(t) for t in row] for row in result.rows)
        return buf.getvalue()
    # tsv
    if result.kind == "ask":
        return "?boolean\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join("?" + v for v in result.variables)]
    lines += ["\t".join(_tsv_value(t) for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"
