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


def _sums(variables: list[str], rows: list, key: tuple[str, ...], first: str,
          counts: tuple[str, ...]) -> list[list]:
    """Per distinct ``key`` (columns, in the order first met): ``[first column's term, the sum of
    each of ``counts``' integers…, the number of rows]``."""
    k, f = [variables.index(v) for v in key], variables.index(first)
    c = [variables.index(v) for v in counts]
    acc: dict = {}
    for r in rows:
        kv = tuple(r[i] for i in k)
        a = acc.get(kv)
        if a is None:
            a = acc[kv] = [r[f]] + [0] * (len(c) + 1)
        for j, i in enumerate(c, 1):
            a[j] += int(r[i].value)
        a[-1] += 1
    return list(acc.values())


def most_cited_policies(variables: list[str], rows: list, gen_dir: Path,
                        params: dict) -> tuple[list[str], list]:
    sums = _sums(variables, rows, ("d",), "policy", ("mentioning", "quoted", "used"))
    return (["policy", "reports", "mentions", "measures"],
            [(label, _n(k), _n(q), _n(u)) for label, k, q, u, _ in sums if k > 0])


def top_responsible_units(variables: list[str], rows: list, gen_dir: Path,
                          params: dict) -> tuple[list[str], list]:
    sums = _sums(variables, rows, ("o", "unit"), "unit", ("measures", "leading", "participating"))
    return (["unit", "measures", "leading", "participating", "reports"],
            [(unit, _n(m), _n(lead), _n(joined), _n(n)) for unit, m, lead, joined, n in sums])


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
