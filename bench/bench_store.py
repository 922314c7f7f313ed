"""Store benchmark: pyoxigraph (our on-disk store) against rdflib's memory store, same data, same run.

The data: the sample corpus built with ``kg build``, each report graph cloned under new report keys
(organisations and people are shared by groups of 10 clones, as if other places; policies and
concepts, keyed by their titles, by all) until the union holds about ``--triples`` triples, plus ``rk:similarTo`` links between
clones in an analysis graph. Each engine runs in its own process so peak memory is its own.

Steps: bulk add; writing the store on disk the way ``kg build`` does (replace_report per report
or per batch of 100 reports); Turtle output; a GROUP BY count; an ``rk:subProblemOf+`` path; every
saved question (median of ``--repeat`` runs; rdflib runs each once, cut at ``--rdflib-timeout``).

    .venv/bin/python bench/bench_store.py                 # ~1M triples
    .venv/bin/python bench/bench_store.py --triples 200000 --rdflib-timeout 30
"""
from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import re
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GROUP_BY = "SELECT ?t (COUNT(*) AS ?n) WHERE { ?s a ?t } GROUP BY ?t ORDER BY DESC(?n)"
PATH = ("PREFIX rk: <https://w3id.org/rectkg/ontology#> "
        "SELECT (COUNT(*) AS ?n) WHERE { ?a rk:subProblemOf+ ?b }")
KEY_RE = re.compile(r"/([0-9a-f]{16})(?=/|$|-)")
# Organisations and people are keyed by jurisdiction + name: clones stand for other places, so
# their IRIs change per group of 10 clones (same names, other places). Policies and concepts are
# keyed by their title alone, so they stay shared by every report that names them.
SHARED_RE = re.compile(r"^(https://w3id.org/rectkg/id/(?:org|person))/([0-9a-f]+)$")


# ---------------------------------------------------------------------------- data
def sample_graphs(work: Path) -> dict[str, list]:
    """Build data/corpus once; the quads of each report graph (by source)."""
    import pyoxigraph as ox

    from kg.pipeline import build_corpus
    from kg.store import Store

    out = work / "sample"
    summary = build_corpus([ROOT / "data" / "corpus"], out, write_views=False)
    if summary.failures:
        raise SystemExit(f"the sample corpus did not build: {summary.failures}")
    with Store.open(out, read_only=True) as st:
        return {src: list(st.db.quads_for_pattern(None, None, None, ox.NamedNode(e["graph"])))
                for src, e in sorted(st.manifest().items())}


def scale(graphs: dict[str, list], target: int) -> tuple[list, list[tuple], list]:
    """Clone report graphs until about ``target`` quads; return (all quads, reports, analysis)."""
    import pyoxigraph as ox

    reports, total, clone = [], 0, 0
    rk = "https://w3id.org/rectkg/ontology#"
    problems_by_clone: dict[int, list[str]] = {}
    while total < target:
        for source, quads in graphs.items():
            old_key = KEY_RE.search(quads[0].graph_name.value).group(1)
            new_key = hashlib.sha256(f"{old_key}:{clone}".encode()).hexdigest()[:16]
            cache: dict = {}

            def term(t):
                got = cache.get(t)
                if got is not None:
                    return got
                if isinstance(t, ox.NamedNode):
                    v = t.value
                    m = SHARED_RE.match(v)
                    if m:
                        group = clone // 10
                        v = f"{m.group(1)}/{hashlib.sha256(f'{m.group(2)}:{group}'.encode()).hexdigest()[:16]}"
                    elif old_key in v:
                        v = v.replace(old_key, new_key)
                    got = ox.NamedNode(v)
                elif isinstance(t, ox.Literal) and t.value == source:
                    got = ox.Literal(f"{clone:05d}_{source}")
                else:
                    got = t
                cache[t] = got
                return got

            g = term(quads[0].graph_name)
            new = [ox.Quad(term(q.subject), q.predicate, term(q.object), g) for q in quads]
            sha = hashlib.sha256(f"{source}:{clone}".encode()).hexdigest()
            reports.append((f"{clone:05d}_{source}", sha, g.value, new))
            problems_by_clone.setdefault(clone, []).extend(
                q.subject.value for q in new if q.predicate.value.endswith("#type")
                and q.object.value == rk + "Problem")
            total += len(new)
            if total >= target:
                break
        clone += 1
    analysis = []
    sim = ox.NamedNode(rk + "similarTo")
    for c in range(0, clone - 1, 5):
        for a, b in zip(problems_by_clone.get(c, []), problems_by_clone.get(c + 1, [])):
            analysis.append(ox.Triple(ox.NamedNode(a), sim, ox.NamedNode(b)))
            analysis.append(ox.Triple(ox.NamedNode(b), sim, ox.NamedNode(a)))
    everything = [q for r in reports for q in r[3]]
    return everything, reports, analysis


def saved_questions(reports) -> list[tuple[str, str]]:
    """(name, SPARQL) of every saved question, parameters filled with values from the data."""
    from kg.query import fill_params, list_queries, load_saved

    params = {"report": reports[0][0], "org": "区委政法委"}
    out = []
    for name, _, _ in list_queries():
        saved = load_saved(name)
        values = {p: params[p] for p in saved.params if p in params}
        out.append((name, fill_params(saved.text, values, saved.params, name)))
    return out


# ---------------------------------------------------------------------------- timing helpers
def timed(fn, *args):
    t = time.perf_counter()
    value = fn(*args)
    return time.perf_counter() - t, value


class Timeout(Exception):
    pass


def with_timeout(seconds: float, fn, *args):
    """Run a pure-Python call with a SIGALRM deadline; (seconds, value) or (None, None)."""
    def alarm(signum, frame):
        raise Timeout()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return timed(fn, *args)
    except Timeout:
        return None, None
    except Exception as e:  # noqa: BLE001 - an engine's failure is a result too
        return "error", f"{type(e).__name__}: {e}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---------------------------------------------------------------------------- engines
def run_oxigraph(nq: str, work: str, questions, repeat: int, queue) -> None:
    import pyoxigraph as ox

    from kg.export import write_turtle
    from kg.query import execute
    from kg.store import Store

    res = {}
    quads = list(ox.parse(path=nq, format=ox.RdfFormat.N_QUADS))
    reports = json.loads(Path(nq + ".reports.json").read_text())
    by_graph: dict[str, list] = {}
    for q in quads:
        by_graph.setdefault(q.graph_name.value, []).append(q)
    res["bulk add (memory)"], mem = timed(lambda: ox.Store().extend(quads))
    del mem

    out1 = Path(work) / "ox-per-report"
    st = Store.open(out1)

    def per_report():
        with st.writer():
            for src, sha, g in reports:
                st.replace_report(src, sha, g, by_graph[g])
    res["store write (replace_report each)"], _ = timed(per_report)
    st.close()

    out = Path(work) / "ox"
    st = Store.open(out)

    def batched():
        with st.writer():
            for i in range(0, len(reports), 100):
                st.replace_reports([(s, h, g, by_graph[g]) for s, h, g in reports[i:i + 100]])
            st.replace_graph("https://w3id.org/rectkg/graph/analysis", by_graph.get(
                "https://w3id.org/rectkg/graph/analysis", []))
    res["store write (replace_reports by 100)"], _ = timed(batched)
    st.close()

    def rebuild_one():
        s2 = Store.open(out)
        src, sha, g = reports[len(reports) // 2]
        with s2.writer():
            s2.replace_report(src, sha + "@again", g, by_graph[g])
        s2.close()
    res["replace one report (clone + switch)"], _ = timed(rebuild_one)

    st = Store.open(out, read_only=True)
    res["open read-only"], st2 = timed(lambda: Store.open(out, read_only=True))
    st2.close()
    res["triples (union)"] = None
    res["Turtle write"], n = timed(write_turtle, st, Path(work) / "kg.ttl")
    res["triples (union)"] = n
    res["quads"] = len(st)
    res["Turtle parse"], _ = timed(lambda: ox.Store().bulk_load(path=str(Path(work) / "kg.ttl"),
                                                                format=ox.RdfFormat.TURTLE))
    res["GROUP BY count"], _ = timed(execute, st.db, GROUP_BY)
    res["subProblemOf+ path"], r = timed(execute, st.db, PATH)
    res["path count"] = r.rows[0][0].value
    res["questions"] = {}
    res["rows"] = {}
    for name, text in questions:
        times = []
        for _ in range(repeat):
            t, r = timed(execute, st.db, text)
            times.append(t)
        res["questions"][name] = statistics.median(times)
        res["rows"][name] = len(r.rows)
    st.close()
    mem = ox.Store()
    res["load into memory store"], _ = timed(
        lambda: mem.bulk_load(path=nq, format=ox.RdfFormat.N_QUADS))
    res["questions (memory)"] = {}
    for name, text in questions:
        times = []
        for _ in range(repeat):
            t, r = timed(execute, mem, text)
            times.append(t)
        res["questions (memory)"][name] = statistics.median(times)
    res["peak memory MB"] = peak_mb()
    queue.put(res)


def run_rdflib(nq: str, work: str, questions, limit: float, queue) -> None:
    import pyoxigraph as ox
    import rdflib

    res = {}

    def to_rdflib(t):
        if isinstance(t, ox.NamedNode):
            return rdflib.URIRef(t.value)
        if isinstance(t, ox.BlankNode):
            return rdflib.BNode(t.value)
        if t.language:
            return rdflib.Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return rdflib.Literal(t.value, datatype=None if dt.endswith("#string") else rdflib.URIRef(dt))

    cache: dict = {}

    def conv(t):
        got = cache.get(t)
        if got is None:
            got = cache[t] = to_rdflib(t)
        return got

    quads = [(conv(q.subject), conv(q.predicate), conv(q.object), conv(q.graph_name))
             for q in ox.parse(path=nq, format=ox.RdfFormat.N_QUADS)]
    cache.clear()
    ds = rdflib.Dataset(default_union=True)

    def add():
        ctx = {}
        for s, p, o, g in quads:
            graph = ctx.get(g)
            if graph is None:
                graph = ctx[g] = ds.graph(g)
            graph.add((s, p, o))
    res["bulk add (memory)"], _ = with_timeout(limit * 10, add)
    del quads

    def ttl():
        g = rdflib.Graph()
        for t in ds.triples((None, None, None)):
            g.add(t)
        return g.serialize(format="turtle")
    res["Turtle write"], data = with_timeout(limit * 3, ttl)
    if data is not None:
        path = Path(work) / "rdflib.ttl"
        path.write_text(data, encoding="utf-8")
        del data
        res["Turtle parse"], _ = with_timeout(limit * 3, lambda: rdflib.Graph().parse(path))
    res["GROUP BY count"], _ = with_timeout(limit, lambda: list(ds.query(GROUP_BY)))
    res["subProblemOf+ path"], _ = with_timeout(limit, lambda: list(ds.query(PATH)))
    res["questions"] = {}
    res["rows"] = {}
    for name, text in questions:
        t, rows = with_timeout(limit, lambda: list(ds.query(text)))
        res["questions"][name] = t
        res["rows"][name] = rows if isinstance(rows, str) or rows is None else len(rows)
    res["peak memory MB"] = peak_mb()
    queue.put(res)


def in_child(fn, *args):
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=fn, args=(*args, q))
    p.start()
    while True:
        try:
            res = q.get(timeout=5)
            break
        except Exception:  # noqa: BLE001 - queue.Empty
            if not p.is_alive():
                return {"failed": f"the child process died (exit code {p.exitcode})"}
    p.join()
    return res


# ---------------------------------------------------------------------------- report
def fmt_s(v, limit=None) -> str:
    if v == "error":
        return "error"
    if v is None:
        return f"> {limit:g} s" if limit else "—"
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"


def ratio(a, b, limit=None) -> str:
    if a is None or a == 0 or b == "error":
        return ""
    if b is None:
        return f"> {limit / a:.0f}×" if limit else ""
    return f"{b / a:.1f}×"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--triples", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rdflib-timeout", type=float, default=60.0,
                    help="seconds before an rdflib query is given up (Turtle: 3×, add: 10×)")
    ap.add_argument("--no-rdflib", action="store_true")
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args(argv)

    import pyoxigraph as ox
    import rdflib

    work = Path(tempfile.mkdtemp(prefix="kg-bench-store-"))
    try:
        t0 = time.perf_counter()
        everything, reports, analysis = scale(sample_graphs(work), args.triples)
        g_an = ox.NamedNode("https://w3id.org/rectkg/graph/analysis")
        everything += [ox.Quad(t.subject, t.predicate, t.object, g_an) for t in analysis]
        nq = str(work / "data.nq")
        Path(nq).write_bytes(ox.serialize(everything, format=ox.RdfFormat.N_QUADS))
        Path(nq + ".reports.json").write_text(json.dumps([r[:3] for r in reports]))
        questions = saved_questions(reports)
        print(f"data: {len(reports)} reports, {len(everything):,} quads "
              f"(generated in {time.perf_counter() - t0:.1f} s); pyoxigraph {ox.__version__}, "
              f"rdflib {rdflib.__version__}, {os.cpu_count()} cores", flush=True)
        del everything
        ox_res = in_child(run_oxigraph, nq, str(work), questions, args.repeat)
        print("pyoxigraph done", flush=True)
        rl = {} if args.no_rdflib else in_child(run_rdflib, nq, str(work), questions,
                                                args.rdflib_timeout)
        lim = args.rdflib_timeout
        rows = [("step", "pyoxigraph", "rdflib", "rdflib / pyoxigraph")]
        for step, limit in (("bulk add (memory)", lim * 10),
                            ("store write (replace_report each)", None),
                            ("store write (replace_reports by 100)", None),
                            ("replace one report (clone + switch)", None),
                            ("open read-only", None),
                            ("load into memory store", None),
                            ("Turtle write", lim * 3), ("Turtle parse", lim * 3),
                            ("GROUP BY count", lim), ("subProblemOf+ path", lim)):
            a, b = ox_res.get(step), rl.get(step)
            rows.append((step, fmt_s(a), fmt_s(b, limit) if step in rl else "",
                         ratio(a, b, limit) if step in rl else ""))
        for label, key in (("disk store", "questions"), ("memory store", "questions (memory)")):
            for name, a in ox_res[key].items():
                b = rl.get("questions", {}).get(name)
                rows.append((f"{name} ({ox_res['rows'][name]} rows), {label}", fmt_s(a),
                             fmt_s(b, lim) if rl else "", ratio(a, b, lim) if rl else ""))
            qa = list(ox_res[key].values())
            rows.append((f"saved questions on the {label}: median", fmt_s(statistics.median(qa)),
                         "", ""))
            rows.append((f"saved questions on the {label}: slowest", fmt_s(max(qa)), "", ""))
        rows.append(("peak memory", f"{ox_res['peak memory MB']:.0f} MB",
                     f"{rl['peak memory MB']:.0f} MB" if rl else "", ""))
        print(f"\n{ox_res['quads']:,} quads, {ox_res['triples (union)']:,} distinct triples; "
              f"path answers {ox_res['path count']}\n")
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for i, r in enumerate(rows):
            print("  ".join(c.ljust(w) if j == 0 else c.rjust(w)
                            for j, (c, w) in enumerate(zip(r, widths))).rstrip())
            if i == 0:
                print("  ".join("-" * w for w in widths))
        for name, r in rl.get("rows", {}).items():
            if isinstance(r, str):
                print(f"rdflib could not answer {name}: {r[:160]}")
        if "failed" in rl:
            print("rdflib:", rl["failed"])
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"pyoxigraph": ox_res, "rdflib": rl}, indent=1,
                                            ensure_ascii=False))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
