"""The answers of the saved questions kept as per-report parts (``# table: part``): each
function takes the part's columns, every report's part rows (reports in name order), the
generation's folder and the parameters its ``# table-filter: NAME *`` leaves to it, and returns the question's columns and rows, unordered (``# table-order:``
sorts them), or None when the table cannot answer (SPARQL then does). The part's
SPARQL is ``kg/queries/parts/NAME.rq``; tests check the answer equals the question's SPARQL over
the whole store."""
from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_STRING = ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")


def _n(k: int) -> ox.Literal:
    return ox.Literal(str(k), datatype=_INTEGER)


def most_cited_policies(variables: list[str], rows: list, gen_dir: Path,
                        params: dict) -> tuple[list[str], list]:
    d, policy, mentioning, quoted, used = (variables.index(v) for v in
                                           ("d", "policy", "mentioning", "quoted", "used"))
    acc: dict = {}
    for r in rows:
        a = acc.get(r[d])
        if a is None:
            a = acc[r[d]] = [r[policy], 0, 0, 0]
        a[1] += int(r[mentioning].value)
        a[2] += int(r[quoted].value)
        a[3] += int(r[used].value)
    return (["policy", "reports", "mentions", "measures"],
            [(label, _n(k), _n(q), _n(u)) for label, k, q, u in acc.values() if k > 0])


def top_responsible_units(variables: list[str], rows: list, gen_dir: Path,
                        params: dict) -> tuple[list[str], list]:
    o, unit, measures, leading, joined = (variables.index(v) for v in
                                          ("o", "unit", "measures", "leading", "participating"))
    acc: dict = {}
    for r in rows:
        a = acc.get((r[o], r[unit]))
        if a is None:
            a = acc[(r[o], r[unit])] = [r[unit], 0, 0, 0, 0]
        a[1] += int(r[measures].value)
        a[2] += int(r[leading].value)
        a[3] += int(r[joined].value)
        a[4] += 1
    return (["unit", "measures", "leading", "participating", "reports"],
            [(a[0], _n(a[1]), _n(a[2]), _n(a[3]), _n(a[4])) for a in acc.values()])


def recurring_problems(variables: list[str], rows: list, gen_dir: Path,
                        params: dict) -> tuple[list[str], list] | None:
    """Empty when the graph holds no rk:similarTo: no analysis graph (``kg analyze --write``
    writes it; the generation's nquads/analysis.nq holds it) and no report graph with one. Else
    None: the pairs' labels and reports are joined by SPARQL over the store."""
    nquads = Path(gen_dir) / "nquads"
    if rows or not nquads.is_dir() or (nquads / "analysis.nq").exists():
        return None
    return ["problem", "report", "similar", "other_report", "similarity"], []


def open_problems(variables: list[str], rows: list, gen_dir: Path,
                  params: dict) -> tuple[list[str], list] | None:
    """The question's rows, each once (its DISTINCT): all of them, or with ``org`` those whose
    organisation entity has that name (skos:prefLabel or altLabel, plain or @zh, as its
    ``VALUES ?name { ${org} ${org}@zh }`` asks). A row naming no entity matches an org when any
    entity of the whole graph has that name (an EXISTS with ?o unbound): SPARQL answers then."""
    o, name = variables.index("o"), variables.index("name")
    keep = [variables.index(v) for v in ("organisation", "report", "ordinal", "problem")]
    org = params.get("org", "")
    out, seen = [], set()
    for r in rows:
        if org:
            if r[o] is None:
                return None
            n = r[name]
            if n is None or n.value != org or not (
                    n.language == "zh" or (not n.language and n.datatype == _STRING)):
                continue
        row = tuple(r[i] for i in keep)
        if row not in seen:
            seen.add(row)
            out.append(row)
    return ["organisation", "report", "ordinal", "problem"], out
