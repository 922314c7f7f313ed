"""The speed and scale benchmark (issue 7): rectkg's build beside the plain rdflib path, as ratios.

    .venv/bin/python bench/bench.py --sizes 5,1000,10000 --jobs 2 [--out bench/results/work]
    kg bench --sizes 5,1000 --jobs 2                      (the same, from the CLI)

For each size it measures, on the sample corpus (a size equal to the number of sample reports, 5)
or on a scale corpus from :func:`bench/scale.make_corpus` (benchmark only, never accuracy):

* **rectkg**: ``build_corpus(jobs=N, write_views=False)`` into a fresh folder (worker processes,
  the pyoxigraph/RocksDB store, deterministic Turtle), then the same build again with no file
  changed, then every saved question (``kg/queries/*.rq``) on the store, median of several runs;
* **baseline**: the straightforward single-process rdflib path on the first ``--baseline-cap``
  reports: the same extraction (``process_file``), each report's quads added one by one to an
  in-memory ``rdflib.Dataset`` (rdflib's N-Quads parser calls ``Graph.add`` per quad), the union
  written with rdflib's Turtle serializer, the saved questions run with rdflib's SPARQL engine.
  When the corpus is larger than the cap, the baseline's rates are per report and its totals are
  extrapolated (labelled so); the query ratio compares both engines on the same capped graph.

Every phase runs in its own forked process, so each peak memory is that phase's own: the peak of
the RSS summed over the phase's process tree (the build's parent and its workers), sampled every
0.1 s. Wall times are wall-clock; ``cpu`` is user+system time of the whole process tree. The load
average is printed: other work on the machine slows every wall-clock figure.

Results go to ``bench/results/latest.md`` (and ``latest.json``) and are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _p in (str(ROOT), str(ROOT / "bench")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from kg.errors import KgError  # noqa: E402

STEPS = ("ingest", "normalise", "extract", "resolve", "map", "render", "store", "export")
RESULTS = ROOT / "bench" / "results"
SAMPLES = ROOT / "data" / "corpus"
MB = 1_000_000

TARGETS = {
    "mb_s": 2.0,            # MB/s of report text end to end
    "wall_10k": 180.0,      # s for 10k reports
    "rebuild_10k": 5.0,     # s for a no-change rebuild of 10k
    "query_ms": 200.0,      # ms median per saved question on a ~1M-triple graph
    "query_ratio": 10.0,    # × the rdflib baseline
    "peak_10k": 2e9,        # bytes while building 10k
}


# ---------------------------------------------------------------------------- isolated phases
@dataclass
class Run:
    """One phase run in its own process: its value, wall and CPU time, peak memory."""

    value: object = None
    wall: float = 0.0
    cpu: float = 0.0
    peak_rss: int = 0           # peak of the RSS summed over the process tree (sampled)
    maxrss: int = 0             # ru_maxrss of the phase's own process
    timed_out: bool = False
    error: str | None = None


def _descendants(pid: int) -> list[int]:
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - the process ended while we looked
        return []
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    kids = [int(x) for x in f.read().split()]
                out += kids
                todo += kids
        except OSError:
            continue
    return out


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _tree_rss(pid: int) -> int:
    return sum(_rss(p) for p in [pid, *_descendants(pid)])


def _kill_tree(pid: int) -> None:
    for p in [*_descendants(pid), pid]:
        try:
            os.kill(p, signal.SIGKILL)
        except OSError:
            pass


def _child(conn, fn, args) -> None:
    try:
        value = fn(*args)
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        conn.send(("ok", value, me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                   me.ru_maxrss * 1024))
    except BaseException:  # noqa: BLE001 - reported to the parent
        conn.send(("error", traceback.format_exc(), 0.0, 0))
    finally:
        conn.close()


def isolated(fn, *args, timeout: float | None = None, sample: bool = True) -> Run:
    """Run ``fn(*args)`` in a forked process; measure it; kill it after ``timeout`` seconds."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, fn, args))
    run = Run()
    t0 = time.perf_counter()
    proc.start()
    send.close()
    msg = None
    while True:
        if recv.poll(0.1):
            try:
                msg = recv.recv()
            except EOFError:
                msg = None
            break
        if sample:
            run.peak_rss = max(run.peak_rss, _tree_rss(proc.pid))
        if not proc.is_alive() and not recv.poll(0):
            break
        if timeout is not None and time.perf_counter() - t0 > timeout:
            _kill_tree(proc.pid)
            run.timed_out = True
            break
    run.wall = time.perf_counter() - t0
    proc.join()
    recv.close()
    if msg is None:
        if not run.timed_out:
            run.error = f"the phase's process died (exit code {proc.exitcode})"
    elif msg[0] == "ok":
        run.value, run.cpu, run.maxrss = msg[1], msg[2], msg[3]
        run.peak_rss = max(run.peak_rss, run.maxrss)
    else:
        run.error = msg[1]
    return run


# ---------------------------------------------------------------------------- the phases
class _CpuClock:
    """``time`` for kg.pipeline with perf_counter → process_time: its step timings become CPU time.

    On a shared machine wall-clock steps mostly measure waiting for a CPU; CPU seconds per step do
    not. Forked workers inherit the patch. (The phase's own wall time is measured here.)
    """

    perf_counter = staticmethod(time.process_time)

    def __getattr__(self, name):
        return getattr(time, name)


def _cpu_steps() -> None:
    import kg.pipeline

    kg.pipeline.time = _CpuClock()


def _ours_build(paths: list[Path], out: Path, jobs: int) -> dict:
    from kg.pipeline import build_corpus

    _cpu_steps()
    t0 = time.perf_counter()
    s = build_corpus(paths, out, jobs=jobs, write_views=False)
    return {"wall": time.perf_counter() - t0, "built": s.reports_built, "skipped": s.reports_skipped,
            "failures": s.failures[:5], "n_failures": len(s.failures), "triples": s.triples,
            "timings": dict(s.timings), "totals": dict(s.totals)}


def _time_query(run_once, runs: int, slow: float = 2.0) -> dict:
    """Median seconds of ``runs`` runs after one warm-up (fewer runs when one is slow)."""
    t = time.perf_counter()
    rows = run_once()
    first = time.perf_counter() - t
    times = []
    if first < slow:
        for _ in range(runs):
            t = time.perf_counter()
            run_once()
            times.append(time.perf_counter() - t)
    else:
        times = [first]
    return {"median": statistics.median(times), "runs": len(times), "rows": rows}


def _ours_queries(out: Path, queries: list[tuple[str, str]], runs: int, timeout: float,
                  in_memory: bool = False) -> dict:
    """Each saved question on the on-disk store (``kg query``), or on its in-memory copy
    (``kg serve --in-memory``, ``Store.to_memory()``; the copy's load time is under ``_load``)."""
    from kg.errors import QueryError
    from kg.query import execute
    from kg.store import Store

    res = {}
    with Store.open(out, read_only=True) as st:
        db = st.db
        if in_memory:
            t = time.perf_counter()
            db = st.to_memory()
            res["_load"] = {"seconds": time.perf_counter() - t, "quads": len(db)}
        for name, sparql in queries:
            try:
                res[name] = _time_query(lambda: len(execute(db, sparql, timeout=timeout, name=name)),
                                        runs)
            except QueryError as e:
                res[name] = {"error": str(e)}
    return res


def _ours_queries_each(out: Path, queries: list[tuple[str, str]], runs: int, timeout: float) -> dict:
    """Each saved question on the on-disk store in its own process, killed after ``timeout`` s
    (a pyoxigraph query cannot be interrupted in-process, and one left running would slow the
    next ones)."""
    res = {}
    for name, sparql in queries:
        q = isolated(_ours_queries, out, [(name, sparql)], runs, timeout, timeout=timeout + 15,
                     sample=False)
        if q.timed_out:
            res[name] = {"timeout": timeout}
        elif q.error:
            res[name] = {"error": q.error.strip().splitlines()[-1]}
        else:
            res[name] = q.value[name]
    return res


def _rdflib_query(ds, sparql: str, runs: int) -> dict:
    from kg.vocab import PREFIXES

    return _time_query(lambda: len(list(ds.query(sparql, initNs=PREFIXES))), runs)


def _baseline(paths: list[Path], ttl: Path, queries: list[tuple[str, str]], runs: int,
              q_timeout: float) -> dict:
    """The straightforward path: same extraction, rdflib Dataset, rdflib Turtle, rdflib SPARQL."""
    import rdflib

    from kg.pipeline import process_file

    _cpu_steps()
    steps = {k: 0.0 for k in STEPS}
    ds = rdflib.Dataset(default_union=True)
    built = failed = 0
    t0 = time.perf_counter()
    for p in paths:
        try:
            r = process_file(p)
        except KgError:
            failed += 1
            continue
        for k, v in r.timings.items():
            if k in steps:
                steps[k] += v
        t = time.process_time()
        ds.parse(data=r.nquads, format="nquads")  # rdflib's parser: one Graph.add per quad
        steps["store"] += time.process_time() - t
        built += 1
    t = time.process_time()
    ds.serialize(destination=str(ttl), format="turtle")
    steps["export"] = time.process_time() - t
    wall = time.perf_counter() - t0
    triples = len(ds)
    me = resource.getrusage(resource.RUSAGE_SELF)
    out = {"wall": wall, "built": built, "n_failures": failed, "triples": triples, "timings": steps,
           "cpu": me.ru_utime + me.ru_stime, "maxrss": me.ru_maxrss * 1024, "queries": {}}
    for name, sparql in queries:  # each in its own process, so a runaway query can be stopped
        q = isolated(_rdflib_query, ds, sparql, runs, timeout=q_timeout, sample=False)
        if q.timed_out:
            out["queries"][name] = {"timeout": q_timeout}
        elif q.error:
            out["queries"][name] = {"error": q.error.strip().splitlines()[-1]}
        else:
            out["queries"][name] = q.value
    return out


def _pick_org(out: Path) -> str:
    """An organisation label present in the graph (the first report's publisher, by label)."""
    from kg.store import Store

    with Store.open(out, read_only=True) as st:
        r = st.query("SELECT ?l WHERE { ?r a rk:Report ; dcterms:publisher ?o . "
                     "?o skos:prefLabel|rdfs:label ?l } ORDER BY ?l LIMIT 1")
    return r.rows[0][0].value if r.rows else "区委"


def saved_queries(org: str) -> list[tuple[str, str]]:
    """Every saved question's SPARQL, required parameters filled (org = ``org``)."""
    from kg.query import fill_params, list_queries, load_saved

    out = []
    for name, _, _ in list_queries():
        q = load_saved(name)
        values = {p: org for p, (required, _) in q.params.items() if required and p == "org"}
        values.update({p: "" for p, (required, _) in q.params.items() if required and p not in values})
        out.append((name, fill_params(q.text, values, q.params, name)))
    return out


# ---------------------------------------------------------------------------- corpora
def corpus(n: int, work: Path, seed: int) -> tuple[list[Path], str]:
    """The sample corpus when ``n`` is its size, else a scale corpus of ``n`` (cached in ``work``)."""
    samples = sorted(p for p in SAMPLES.glob("*.txt"))
    if n == len(samples):
        return samples, f"sample corpus ({n} reports, data/corpus)"
    from scale import GENERATOR_VERSION, make_corpus

    folder = work / "corpora" / f"scale-{n}-seed{seed}"
    index = folder / "SCALE.json"
    if index.is_file():
        meta = json.loads(index.read_text(encoding="utf-8"))
        paths = [folder / f for f in meta.get("files", [])]
        if meta.get("generator") == GENERATOR_VERSION and meta.get("seed") == seed and \
                meta.get("n") == n and all(p.is_file() for p in paths):
            return paths, f"scale corpus ({n} reports, seed {seed}, reused)"
    t = time.perf_counter()
    paths = make_corpus(folder, n, seed)
    return paths, f"scale corpus ({n} reports, seed {seed}, generated in {time.perf_counter() - t:.1f} s)"


# ---------------------------------------------------------------------------- formatting
def _mb(b: float) -> str:
    return f"{b / 1e6:,.0f} MB" if b >= 1e7 else f"{b / 1e6:,.1f} MB"


def _x(a: float | None, b: float | None) -> str:
    """a / b as a ratio (how many times), or — when undefined."""
    if not a or not b:
        return "—"
    r = a / b
    return f"{r:,.0f}×" if r >= 100 else f"{r:,.1f}×" if r >= 10 else f"{r:.2f}×"


def _ratio(base: dict, ours: dict) -> str:
    """rdflib's median over ours (≥ when rdflib was stopped at its time limit)."""
    if "median" not in ours:
        return "—"
    if "median" in base:
        return _x(base["median"], ours["median"])
    if "timeout" in base:
        return "≥ " + _x(base["timeout"], ours["median"])
    return "—"


def _s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.0f} s" if x >= 100 else f"{x:.1f} s" if x >= 1 else f"{x * 1000:.0f} ms"


def _rate(x: float | None, unit: str) -> str:
    if not x:
        return "—"
    return f"{x:,.0f} {unit}" if x >= 100 else f"{x:.2f} {unit}" if x < 10 else f"{x:.1f} {unit}"


def _qms(q: dict | None) -> str:
    if not q:
        return "—"
    if "timeout" in q:
        return f"> {q['timeout'] * 1000:,.0f} (stopped)"
    if "error" in q:
        return "error"
    return f"{q['median'] * 1000:,.1f}"


@dataclass
class SizeResult:
    n: int
    label: str
    text_bytes: int
    ours: Run
    rebuild: Run
    queries: Run
    sub_n: int
    sub_bytes: int
    sub_queries: Run
    base: Run
    sub_queries_mem: Run | None = None
    notes: list[str] = field(default_factory=list)


def render(results: list[SizeResult], meta: dict) -> str:
    """The benchmark's markdown report."""
    L = [f"# rectkg benchmark — {meta['date']}", "",
         f"`{meta['command']}`", "",
         f"Machine: {meta['cpus']} CPUs ({meta['cpu_model']}), {meta['mem_gb']:.0f} GB RAM; Python "
         f"{meta['python']}, pyoxigraph {meta['pyoxigraph']}, rdflib {meta['rdflib']}; jobs={meta['jobs']}. "
         f"Load average before/after: {meta['load_before']} / {meta['load_after']} "
         f"(anything above {meta['cpus']} means other work shared the CPUs and every wall-clock "
         "figure is slower than on a quiet machine).", "",
         "rectkg = `build_corpus(jobs=N, write_views=False)` (worker processes, pyoxigraph/RocksDB "
         "store, deterministic Turtle). Baseline = the straightforward single-process rdflib path: "
         "same extraction, quads added one by one to an in-memory `rdflib.Dataset`, rdflib's Turtle "
         "serializer, rdflib's SPARQL engine. Ratio = how many times faster (or smaller) rectkg is. "
         "Peak memory = peak of the RSS summed over the phase's processes (sampled every 0.1 s).", ""]
    for r in results:
        o = r.ours.value or {}
        b = r.base.value or {}
        capped = r.sub_n < r.n
        scale = r.n / r.sub_n if r.sub_n else 1
        L += [f"## {r.label}", ""]
        if r.ours.error or r.base.error:
            L += [f"**errors**: rectkg: {(r.ours.error or 'none').splitlines()[-1]}; baseline: "
                  f"{(r.base.error or 'none').splitlines()[-1]}", ""]
        if capped:
            L += [f"The baseline ran on the first {r.sub_n} reports ({_mb(r.sub_bytes)}); its rates are "
                  f"per report and its totals marked *ext.* are extrapolated ×{scale:g} (linear).", ""]
        ow, bw = o.get("wall"), b.get("wall")
        L += ["| | rectkg | baseline (rdflib) | ratio |", "|---|---:|---:|---:|"]
        L.append(f"| reports built (failed) | {o.get('built', 0)} ({o.get('n_failures', 0)}) | "
                 f"{b.get('built', 0)} ({b.get('n_failures', 0)}) | |")
        L.append(f"| report text | {_mb(r.text_bytes)} | {_mb(r.sub_bytes)} | |")
        L.append(f"| triples | {o.get('triples', 0):,} | {b.get('triples', 0):,} | |")
        L.append(f"| wall time | {_s(ow)} | {_s(bw)}" + (f" (*ext.* {_s(bw * scale)})" if capped and bw else "")
                 + f" | {_x(bw * scale if bw else None, ow)} |")
        est_o, est_b = _quiet_estimate(o.get("timings", {}), meta["jobs"]), sum((b.get("timings") or {}).values())
        L.append(f"| wall time on an idle machine (*est.* from CPU per step) | {_s(est_o)} | {_s(est_b)}"
                 + (f" (*ext.* {_s(est_b * scale)})" if capped and est_b else "")
                 + f" | {_x(est_b * scale if est_b else None, est_o)} |")
        rps_o = o.get("built", 0) / ow if ow else None
        rps_b = b.get("built", 0) / bw if bw else None
        mbs_o = r.text_bytes / MB / ow if ow else None
        mbs_b = r.sub_bytes / MB / bw if bw else None
        tps_o = o.get("triples", 0) / ow if ow else None
        tps_b = b.get("triples", 0) / bw if bw else None
        L.append(f"| reports/s | {_rate(rps_o, '')} | {_rate(rps_b, '')} | {_x(rps_o, rps_b)} |")
        L.append(f"| MB/s of text | {_rate(mbs_o, '')} | {_rate(mbs_b, '')} | {_x(mbs_o, mbs_b)} |")
        L.append(f"| triples/s | {_rate(tps_o, '')} | {_rate(tps_b, '')} | {_x(tps_o, tps_b)} |")
        L.append(f"| CPU time (all processes) | {_s(r.ours.cpu)} | {_s(b.get('cpu'))} | |")
        bpeak = b.get("maxrss")
        L.append(f"| peak memory | {_mb(r.ours.peak_rss)} | {_mb(bpeak) if bpeak else '—'}"
                 + (" (for the capped run)" if capped else "") + f" | {_x(bpeak, r.ours.peak_rss)} |")
        rw = (r.rebuild.value or {}).get("wall")
        L.append(f"| no-change rebuild | {_s(rw)} ({(r.rebuild.value or {}).get('skipped', 0)} skipped) | "
                 f"{_s(bw * scale if bw else None)} (no incremental path: a full rebuild{', *ext.*' if capped else ''}) | "
                 f"{_x(bw * scale if bw else None, rw)} |")
        L += ["", "Per step, CPU seconds (ReportResult.timings and BuildSummary.timings with the "
              "pipeline's clock set to CPU time; rectkg's ingest…render are summed over its workers "
              "(render = the report's kg.ttl part), its store and export (saving the parts, writing "
              "kg.ttl) run in the parent process):", "",
              "| step | rectkg total | rectkg ms/report | baseline ms/report | ratio |",
              "|---|---:|---:|---:|---:|"]
        ot, bt = o.get("timings", {}), b.get("timings", {})
        nb_o, nb_b = max(o.get("built", 0), 1), max(b.get("built", 0), 1)
        for k in STEPS:
            a, c = ot.get(k), bt.get(k)
            pa = a / nb_o * 1000 if a is not None else None
            pc = c / nb_b * 1000 if c is not None else None
            L.append(f"| {k} | {_s(a)} | {pa:,.1f} | {pc:,.1f} | {_x(pc, pa)} |" if pa is not None and pc is not None
                     else f"| {k} | {_s(a)} | {'—' if pa is None else f'{pa:,.1f}'} | "
                          f"{'—' if pc is None else f'{pc:,.1f}'} | — |")
        qo = r.queries.value or {}
        qs = r.sub_queries.value or {}
        qb = b.get("queries", {})
        L += ["", f"Saved questions, median ms (after a warm-up; fewer runs when a run takes > 2 s; "
                  f"baseline stopped after its time limit). rectkg on the {r.n}-report graph "
                  f"({o.get('triples', 0):,} triples)" + (f", and both engines on the {r.sub_n}-report graph "
                                                          f"({b.get('triples', 0):,} triples) for the ratio" if capped else "") + ":", ""]
        qm = (r.sub_queries_mem.value or {}) if r.sub_queries_mem else {}
        if "_load" in qm:
            L += [f"In memory = the same questions on `Store.to_memory()` (what `kg serve --in-memory` "
                  f"queries), a copy of the {r.sub_n}-report store loaded in {_s(qm['_load']['seconds'])} "
                  f"({qm['_load']['quads']:,} quads).", ""]
        if capped:
            L += ["| question | rows | rectkg | rows (capped) | rectkg (capped) | in memory (capped) | "
                  "rdflib (capped) | ratio | ratio in memory |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        else:
            L += ["| question | rows | rectkg | in memory | rdflib | ratio | ratio in memory |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name in sorted((set(qo) | set(qb)) - {"_load"}):
            a = qo.get(name, {})
            s_ = qs.get(name, {}) if capped else a
            m_ = qm.get(name, {})
            c = qb.get(name, {})
            rows_b = c.get("rows", "—")
            if capped:
                L.append(f"| {name} | {a.get('rows', '—')} | {_qms(a)} | {s_.get('rows', '—')}"
                         f"{'' if rows_b in ('—', s_.get('rows')) else f' (rdflib {rows_b})'} | {_qms(s_)} | "
                         f"{_qms(m_)} | {_qms(c)} | {_ratio(c, s_)} | {_ratio(c, m_)} |")
            else:
                L.append(f"| {name} | {a.get('rows', '—')}"
                         f"{'' if rows_b in ('—', a.get('rows')) else f' (rdflib {rows_b})'} | {_qms(a)} | "
                         f"{_qms(m_)} | {_qms(c)} | {_ratio(c, a)} | {_ratio(c, m_)} |")
        errors = {name: c["error"] for name, c in qb.items() if "error" in c}
        errors.update({name: c["error"] for name, c in list(qo.items()) + list(qs.items()) + list(qm.items())
                       if "error" in c})
        L += [f"- error in {name}: {msg}" for name, msg in sorted(errors.items())]
        L += [f"- {x}" for x in r.notes]
        L.append("")
    L += _targets(results, meta["jobs"])
    return "\n".join(L) + "\n"


def _quiet_estimate(t: dict, jobs: int) -> float | None:
    """Wall time if nothing else ran: the workers' and the parent's CPU shared over the cores
    (they overlap), but never less than the parent's own CPU or the workers' over ``jobs``."""
    if not t:
        return None
    workers = sum(t.get(k, 0.0) for k in ("ingest", "normalise", "extract", "resolve", "map", "render"))
    parent = t.get("store", 0.0) + t.get("export", 0.0)
    cores = max(min(jobs + 1, os.cpu_count() or 1), 1)
    return max((workers + parent) / cores, parent, workers / max(jobs, 1))


def _targets(results: list[SizeResult], jobs: int) -> list[str]:
    L = ["## Targets (issue 7)", "", "| target | measured | met |", "|---|---|---|"]
    ok = lambda c: "yes" if c else "**no**"  # noqa: E731
    big = max(results, key=lambda r: r.n)
    o = big.ours.value or {}
    est = _quiet_estimate(o.get("timings", {}), jobs)
    if o.get("wall"):
        mbs = big.text_bytes / MB / o["wall"]
        extra = f" (idle-machine *est.* {big.text_bytes / MB / est:.2f})" if est else ""
        L.append(f"| ≥ 2 MB/s end to end | {mbs:.2f} MB/s on {big.n} reports{extra} | "
                 f"{ok(mbs >= TARGETS['mb_s'])} |")
    ten = next((r for r in results if r.n >= 10_000), None)
    if ten and ten.ours.value:
        w = ten.ours.value["wall"] * 10_000 / ten.n
        L.append(f"| 10k reports < 3 min | {_s(w)} | {ok(w < TARGETS['wall_10k'])} |")
        rb = (ten.rebuild.value or {}).get("wall")
        if rb is not None:
            L.append(f"| no-change rebuild of 10k < 5 s | {_s(rb)} | {ok(rb < TARGETS['rebuild_10k'])} |")
        L.append(f"| peak memory < 2 GB for 10k | {_mb(ten.ours.peak_rss)} | "
                 f"{ok(ten.ours.peak_rss < TARGETS['peak_10k'])} |")
    elif o.get("wall") and big.n >= 100:
        w = o["wall"] / big.n * 10_000
        extra = f" (idle-machine *est.* {_s(est / big.n * 10_000)})" if est else ""
        L.append(f"| 10k reports < 3 min | *extrapolated* from {big.n}: {_s(w)}{extra} | "
                 f"{ok(w < TARGETS['wall_10k'])} |")
        L.append(f"| peak memory < 2 GB for 10k | {_mb(big.ours.peak_rss)} already for {big.n} | "
                 f"{ok(big.ours.peak_rss * 10_000 / big.n < TARGETS['peak_10k'])} |")
        rb = (big.rebuild.value or {}).get("wall")
        if rb is not None:
            L.append(f"| no-change rebuild of 10k < 5 s | *extrapolated* from {big.n}: "
                     f"{_s(rb / big.n * 10_000)} | {ok(rb / big.n * 10_000 < TARGETS['rebuild_10k'])} |")
    # the graph around 1M triples: the capped one (or the largest, when it is not capped)
    near = min(results, key=lambda r: abs((r.base.value or {}).get("triples", 0) - 1_000_000))
    triples = (near.base.value or {}).get("triples", 0)
    disk = (near.sub_queries.value or {}) if near.sub_n < near.n else (near.queries.value or {})
    mem = (near.sub_queries_mem.value or {}) if near.sub_queries_mem else {}
    for label, qs in (("on disk (`kg query`)", disk), ("in memory (`kg serve --in-memory`)", mem)):
        qs = {k: v for k, v in qs.items() if k != "_load"}
        if not qs:
            continue
        worst = max(qs, key=lambda k: qs[k].get("median", 1e9))
        slow = qs[worst].get("median")
        over = sorted(k for k, v in qs.items() if v.get("median", 1e9) * 1000 >= TARGETS["query_ms"])
        med = statistics.median(v["median"] for v in qs.values() if "median" in v) * 1000
        L.append(f"| every question < 200 ms median on ~1M triples, {label} | {triples:,} triples: "
                 f"median of the medians {med:,.0f} ms; slowest {worst} "
                 + (f"{slow * 1000:,.0f} ms" if slow else "error")
                 + f"; {len(over)} of {len(qs)} over 200 ms{' (' + ', '.join(over) + ')' if over else ''} | "
                 f"{ok(not over)} |")
        ratios = []
        for name, c in ((near.base.value or {}).get("queries") or {}).items():
            s_ = qs.get(name, {})
            if "median" in s_ and ("median" in c or "timeout" in c):
                ratios.append(((c.get("median") or c.get("timeout")) / s_["median"], name))
        if ratios:
            lo = min(ratios)
            below = sorted(n for x, n in ratios if x < TARGETS["query_ratio"])
            L.append(f"| every question ≥ 10× rdflib, {label} | lowest: {lo[1]} {lo[0]:,.1f}×"
                     f"{' (rdflib stopped, a lower bound)' if 'timeout' in (near.base.value or {}).get('queries', {}).get(lo[1], {}) else ''}; "
                     f"{len(below)} of {len(ratios)} below 10× | {ok(not below)} |")
    return L + [""]


# ---------------------------------------------------------------------------- profile
def profile(paths: list[Path], out_txt: Path, top: int = 30) -> str:
    """cProfile of process_file over ``paths`` (serial): where extraction and mapping spend time."""
    import cProfile
    import io
    import pstats

    from kg.pipeline import process_file

    process_file(paths[0])  # caches (gazetteer, OpenCC tables) outside the profile
    pr = cProfile.Profile()
    pr.enable()
    steps: dict[str, float] = {}
    for p in paths:
        try:
            r = process_file(p)
        except KgError:
            continue
        for k, v in r.timings.items():
            steps[k] = steps.get(k, 0.0) + v
    pr.disable()
    buf = io.StringIO()
    st = pstats.Stats(pr, stream=buf)
    st.sort_stats("tottime").print_stats(top)
    st.sort_stats("cumulative").print_stats(top)
    text = f"steps (profiled, s): {json.dumps({k: round(v, 2) for k, v in steps.items()})}\n" + buf.getvalue()
    out_txt.write_text(text, encoding="utf-8")
    return text


# ---------------------------------------------------------------------------- driver
def run(sizes: list[int], *, jobs: int = 2, work: Path | None = None, seed: int = 0,
        baseline_cap: int = 400, runs: int = 5, query_timeout: float = 30.0,
        do_profile: bool = False, log=print) -> str:
    """Run the benchmark for each size; write bench/results/latest.md and return its text."""
    if not sizes or any(n < 1 for n in sizes):
        raise KgError(f"--sizes needs positive report counts, not {sizes}", hint="e.g. --sizes 5,1000")
    from kg.pipeline import code_version

    code_version()  # fixed for the whole run (the phases are forked from here)
    jobs = jobs or os.cpu_count() or 1
    work = Path(work or RESULTS / "work")
    work.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = _meta(jobs)
    results: list[SizeResult] = []
    cache: dict[tuple, object] = {}
    for n in sizes:
        paths, label = corpus(n, work, seed)
        log(f"[bench] {label}")
        text_bytes = sum(p.stat().st_size for p in paths)
        out = work / f"out-{n}"
        shutil.rmtree(out, ignore_errors=True)
        log(f"[bench]   rectkg build of {len(paths)} reports ({_mb(text_bytes)}), jobs={jobs} …")
        ours = isolated(_ours_build, paths, out, jobs)
        log(f"[bench]   … {_s(ours.wall)}, peak {_mb(ours.peak_rss)}"
            + (f"; error: {ours.error.splitlines()[-1]}" if ours.error else ""))
        rebuild = isolated(_ours_build, paths, out, jobs)
        log(f"[bench]   no-change rebuild {_s(rebuild.wall)}")
        sub = paths[:baseline_cap]
        key = tuple(p.name for p in sub)
        if len(sub) == len(paths):
            sub_out = out
        else:
            sub_out = work / f"out-sub-{len(sub)}"
            if ("sub", key) not in cache:
                shutil.rmtree(sub_out, ignore_errors=True)
                log(f"[bench]   rectkg build of the first {len(sub)} reports (for the query ratio) …")
                cache[("sub", key)] = isolated(_ours_build, sub, sub_out, jobs)
        # Never open an on-disk store in this process: RocksDB's background threads do not survive
        # fork, so a phase forked after that would stall forever on its first memtable flush.
        picked = isolated(_pick_org, sub_out, sample=False)
        org = picked.value or "区委"
        queries = saved_queries(org)
        log(f"[bench]   saved questions on the rectkg store (org={org}) …")
        q_ours = Run(value=_ours_queries_each(out, queries, runs, query_timeout))
        if len(sub) == len(paths):
            q_sub = q_ours
        else:
            if ("subq", key) not in cache:
                cache[("subq", key)] = isolated(_ours_queries, sub_out, queries, runs, query_timeout)
            q_sub = cache[("subq", key)]
        if ("subqm", key) not in cache:
            log(f"[bench]   saved questions on an in-memory copy of the {len(sub)}-report store …")
            cache[("subqm", key)] = isolated(_ours_queries, sub_out, queries, runs, query_timeout, True)
        q_mem = cache[("subqm", key)]
        if ("base", key) not in cache:
            log(f"[bench]   rdflib baseline on {len(sub)} reports (queries stopped after "
                f"{query_timeout:g} s) …")
            cache[("base", key)] = isolated(_baseline, sub, work / f"baseline-{len(sub)}.ttl", queries,
                                            runs, query_timeout)
            log(f"[bench]   … {_s(cache[('base', key)].wall)}")
        base = cache[("base", key)]
        results.append(SizeResult(n=n, label=label, text_bytes=text_bytes, ours=ours, rebuild=rebuild,
                                  queries=q_ours, sub_n=len(sub),
                                  sub_bytes=sum(p.stat().st_size for p in sub), sub_queries=q_sub,
                                  base=base, sub_queries_mem=q_mem))
        if do_profile and n == max(sizes):
            log(f"[bench]   cProfile of process_file on {len(sub)} reports …")
            prof = isolated(profile, sub, RESULTS / "profile.txt", sample=False)
            results[-1].notes.append("cProfile of process_file: bench/results/profile.txt"
                                     + (f" (error: {prof.error.splitlines()[-1]})" if prof.error else ""))
    meta["load_after"] = _load()
    text = render(results, meta)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    (RESULTS / "latest.json").write_text(json.dumps(
        {"meta": meta, "results": [_jsonable(r) for r in results]}, ensure_ascii=False, indent=1,
        default=str), encoding="utf-8")
    return text


def _jsonable(r: SizeResult) -> dict:
    def run_(x: Run) -> dict:
        return {"value": x.value, "wall": x.wall, "cpu": x.cpu, "peak_rss": x.peak_rss,
                "maxrss": x.maxrss, "timed_out": x.timed_out, "error": x.error}

    return {"n": r.n, "label": r.label, "text_bytes": r.text_bytes, "sub_n": r.sub_n,
            "sub_bytes": r.sub_bytes, "ours": run_(r.ours), "rebuild": run_(r.rebuild),
            "queries": run_(r.queries), "sub_queries": run_(r.sub_queries), "baseline": run_(r.base)}


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _meta(jobs: int) -> dict:
    import pyoxigraph
    import rdflib

    model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), model)
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9
    except (ValueError, OSError):
        mem = 0
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "command": " ".join(["bench/bench.py", *sys.argv[1:]])
            if Path(sys.argv[0]).name == "bench.py" else "kg " + " ".join(sys.argv[1:]),
            "cpus": os.cpu_count(), "cpu_model": model or "?", "mem_gb": mem,
            "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
            "rdflib": rdflib.__version__, "jobs": jobs, "load_before": _load(), "load_after": "?"}


def parse_sizes(text: str) -> list[int]:
    """'5,1000,10k' → [5, 1000, 10000].

    >>> parse_sizes("5,1000,10k")
    [5, 1000, 10000]
    """
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if not part:
            continue
        mult = 1000 if part.endswith("k") else 1
        try:
            out.append(int(part.rstrip("k")) * mult)
        except ValueError:
            raise KgError(f"--sizes: {part!r} is not a number of reports",
                          hint="give counts separated by commas, e.g. 5,1000,10000") from None
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5,1000", help="report counts, e.g. 5,1000,10000 (5 = the samples)")
    ap.add_argument("--jobs", "-j", type=int, default=2, help="worker processes (0 = one per core)")
    ap.add_argument("--out", default=str(RESULTS / "work"), help="work folder (corpora, stores)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--baseline-cap", type=int, default=400,
                    help="most reports the rdflib baseline builds (its totals are extrapolated)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per saved question")
    ap.add_argument("--query-timeout", type=float, default=30.0, help="seconds before a query is stopped")
    ap.add_argument("--profile", action="store_true", help="also cProfile process_file on the capped corpus")
    a = ap.parse_args(argv)
    try:
        text = run(parse_sizes(a.sizes), jobs=a.jobs, work=Path(a.out), seed=a.seed,
                   baseline_cap=a.baseline_cap, runs=a.runs, query_timeout=a.query_timeout,
                   do_profile=a.profile, log=lambda m: print(m, file=sys.stderr, flush=True))
    except KgError as e:
        sys.exit(f"error: {e}")
    print(text)


if __name__ == "__main__":
    main()
