#!/usr/bin/env python3
"""Per document and field: each gold value the graph lacks (-) and each value it states that
gold lacks (+). A companion of score.py (same matching), for working on extraction misses.

    python tests/tools/misses.py --gold tests/gold-web --kg out/kg.ttl [--doc d07] [--field people]

Fields: meta (genre, issuer, date, inspection), counts, problems, policies, orgs, people, posts.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import score as S  # noqa: E402  (the scorer beside this file)

FIELDS = ("meta", "counts", "problems", "policies", "orgs", "people", "posts")


def _names(g, mentioned, rdf_type) -> list[set]:
    return [S.labels(g, n) for n in mentioned if (n, S.RDF.type, rdf_type) in g]


def misses(g, gold: dict) -> dict[str, list[str]]:
    """{field: ["- gold value the graph lacks", "+ graph value gold lacks", ...]}"""
    out: dict[str, list[str]] = {f: [] for f in FIELDS}
    r = S.report_for(g, gold["doc"])
    if r is None:
        out["meta"].append("- the report is not in the graph")
        return out
    one = S.one
    insp = one(g, r, S.RK.respondsTo)
    gi = gold.get("inspection") or {}

    def fact(name, gold_value, preds):
        preds = {str(v) for v in preds if v is not None and S.norm(v)}
        golds = gold_value if isinstance(gold_value, list) else [gold_value]
        golds = [x for x in golds if x not in (None, "")]
        ok = any(S.norm(x) in {S.norm(p) for p in preds} for x in golds)
        if golds and not ok:
            out["meta"].append(f"- {name}: {' | '.join(map(str, golds))}"
                               + (f"   (graph: {' | '.join(sorted(preds))})" if preds else ""))
        elif not golds and preds:
            out["meta"].append(f"+ {name}: {' | '.join(sorted(preds))}   (gold: none)")

    pub = one(g, r, S.DCTERMS.publisher)
    fact("genre", gold.get("genre"), [S.GENRES.get(one(g, r, S.RK.genre))] if gold.get("genre") else [])
    fact("issuer", gold.get("issuer"), S.labels(g, pub) if pub is not None else [])
    fact("report_date", gold.get("report_date"), [S.date(one(g, r, S.DCTERMS.issued))])
    props = {"kind": S.RK.kind, "team": S.RK.conductedBy, "target": S.RK.inspected}
    for k in ("kind", "team", "target"):
        node = one(g, insp, props[k]) if insp is not None else None
        fact(k, gi.get(k), S.labels(g, node) if node is not None else [])
    for k, p in (("start", S.RK.startDate), ("end", S.RK.endDate), ("feedback_date", S.RK.feedbackDate)):
        fact(k, gi.get(k), [S.date(one(g, insp, p))] if insp is not None else [])
    fact("round", gi.get("round"), [one(g, insp, S.RK.round)] if insp is not None else [])

    sc = gold.get("stated_counts") or {}
    for key, prop in (("problems", S.RK.statedProblemCount), ("completed", S.RK.statedCompletedCount),
                      ("in_progress", S.RK.statedInProgressCount), ("measures", S.RK.statedMeasureCount),
                      ("rules", S.RK.statedRuleCount)):
        v = one(g, r, prop)
        want = sc.get(key)
        if want is not None and (v is None or int(v) != int(want)):
            out["counts"].append(f"- {key}: {want}" + (f"   (graph: {v})" if v is not None else ""))
        elif want is None and v is not None:
            out["counts"].append(f"+ {key}: {v}   (gold: none)")

    preds = []
    for p in g.subjects(S.RK.reportedIn, r):
        if (p, S.RDF.type, S.RK.Problem) in g:
            preds.append({"title": str(one(g, p, S.RDFS.label) or ""),
                          "n": str(one(g, p, S.RK.ordinal) or ""),
                          "status": S.STATUS.get(one(g, p, S.RK.status))})
    golds = gold.get("problems") or []
    pairs = S.match(golds, preds, lambda a, b: (lambda s: s if s >= 0.8 else 0)(S.sim(a["title"], b["title"])))
    mg, mp = {a for a, _ in pairs}, {b for _, b in pairs}
    out["problems"] += [f"- {x.get('n')} {x['title']}" for i, x in enumerate(golds) if i not in mg]
    out["problems"] += [f"+ {x['n']} {x['title']}" for i, x in enumerate(preds) if i not in mp]
    out["problems"] += [f"~ status of {golds[a]['title'][:20]}: gold {golds[a]['status']}, graph {preds[b]['status']}"
                        for a, b in pairs if golds[a].get("status") not in (None, "unknown")
                        and golds[a]["status"] != preds[b]["status"]]

    mentioned = set(g.objects(r, S.RK.mentions))
    for field, names, rdf_type in (("policies", gold.get("policies") or [], S.RK.Policy),
                                   ("orgs", gold.get("organizations") or [], S.ORG.Organization),
                                   ("people", [p["name"] for p in gold.get("people") or []], S.FOAF.Person)):
        pred = _names(g, mentioned, rdf_type)
        every = set().union(*pred) if pred else set()
        gl = list(dict.fromkeys(S.norm(x) for x in names if S.norm(x)))
        out[field] += [f"- {x}" for x in gl if x not in every]
        out[field] += [f"+ {' / '.join(sorted(labs))}" for labs in pred if not labs & set(gl)]

    for gp in gold.get("people") or []:
        if not gp.get("role"):
            continue
        nodes = [n for n in mentioned if (n, S.RDF.type, S.FOAF.Person) in g and S.norm(gp["name"]) in S.labels(g, n)]
        have = {S.norm(o) for n in nodes for o in g.objects(n, S.RK.post)} - {""}
        want = S.norm(gp["role"])
        if not any(want == h or (len(h) >= 2 and (h in want or want in h)) for h in have):
            out["posts"].append(f"- {gp['name']}: {gp['role']}" + (f"   (graph: {' | '.join(sorted(have))})" if have else ""))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gold", required=True)
    ap.add_argument("--kg", required=True, action="append")
    ap.add_argument("--doc", action="append", help="only these documents (name or stem)")
    ap.add_argument("--field", action="append", choices=FIELDS, help="only these fields")
    a = ap.parse_args(argv)
    g = S.load(a.kg)
    fields = a.field or FIELDS
    total = {f: [0, 0] for f in fields}
    for path in sorted(Path(a.gold).glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        if a.doc and not {gold["doc"], Path(gold["doc"]).stem} & set(a.doc):
            continue
        got = misses(g, gold)
        lines = [(f, x) for f in fields for x in got[f]]
        if not lines:
            continue
        print(f"== {gold['doc']}")
        for f, x in lines:
            print(f"  {f:9} {x}")
            total[f][0 if x.startswith("-") else 1] += x[0] in "-+"
    print("\ntotal  " + "  ".join(f"{f} -{m}/+{p}" for f, (m, p) in total.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
