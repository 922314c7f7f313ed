"""What the benchmark runs inside a checkout's own virtualenv: one `kg build`, one saved question,
or the rdflib baseline. Standard library and that checkout's ``kg`` only, so the same file drives
this tree and an older commit (bench/bench.py ``--then COMMIT``).

    PY probe.py build CORPUS OUT --summary FILE [--jobs N] [--load-memory MB]
        ``kg build CORPUS --out OUT --no-views -q`` through the checkout's own CLI, as a user runs
        it, with the ``BuildSummary`` written to FILE as JSON (its ``timings``: the build's phases;
        the workers' steps are timed in CPU seconds here, see :func:`_cpu_in_workers`).
    PY probe.py query OUT NAME --result FILE [--param K=V …]
        one saved question through ``kg.query.run_query`` (store opened, answered, rows built),
        then formatted as ``kg query`` prints it; the seconds of each part to FILE.
    PY probe.py rdflib-build LIST TTL --summary FILE
        the plain single-process rdflib path on the files named in LIST (one path a line): the same
        extraction (``process_file``), the quads parsed into an ``rdflib.Dataset``, its Turtle.
    PY probe.py rdflib-queries NQ_DIR QUESTIONS RESULT [--runs 3 --timeout 30]
        every N-Quads file of NQ_DIR into one rdflib Dataset, then each question of the JSON list
        QUESTIONS (name, sparql) in its own forked process, ``--runs`` times, stopped at the timeout.

The machine's state (:func:`machine`) is measured here too: the 1-minute load average and the
share of the CPUs other processes used.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
NCPU = os.cpu_count() or 1


# ---------------------------------------------------------------------------- the machine
def cpu_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine since boot (/proc/stat; busy leaves out idle,
    iowait and steal)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq
    return busy, busy + idle + iowait + steal


def own_cpu() -> float:
    """CPU seconds of this process and of its children that have been waited for."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def others_share(seconds: float = 2.0) -> float:
    """The share of all the CPUs (0–1) that other processes used over the next ``seconds``."""
    b0, t0 = cpu_ticks()
    c0 = own_cpu()
    time.sleep(seconds)
    b1, t1 = cpu_ticks()
    mine = (own_cpu() - c0) * CLK_TCK
    return max(0.0, (b1 - b0 - mine) / max(1, t1 - t0))


def machine(seconds: float = 2.0) -> dict:
    """The machine's load now: 1-minute load average and the other processes' CPU share."""
    return {"load1": round(os.getloadavg()[0], 2), "others": round(others_share(seconds), 3),
            "at": round(time.time(), 1)}


# ---------------------------------------------------------------------------- build
class _CpuClock:
    """``time`` with perf_counter → process_time: a worker's step timings become its CPU time."""

    perf_counter = staticmethod(time.process_time)

    def __getattr__(self, name):
        return getattr(time, name)


def _name_threads() -> None:
    """Give every Python thread its name at the OS level (Linux prctl), so the benchmark can tell
    the store's loading thread from the main one in /proc; the main thread becomes kg-main."""
    try:
        import ctypes
        import threading

        libc = ctypes.CDLL(None)

        def set_name(name: str) -> None:
            libc.prctl(15, ctypes.c_char_p(name.encode()[:15]), 0, 0, 0)  # PR_SET_NAME

        set_name("kg-main")
        inner = threading.Thread._bootstrap_inner

        def named(self):
            set_name(self.name)
            return inner(self)

        threading.Thread._bootstrap_inner = named
    except Exception:  # noqa: BLE001 - only instrumentation
        pass


def _cpu_in_workers() -> None:
    """Time the workers' steps in CPU seconds: while the worker function runs (in a worker process,
    or in the parent with one job), ``kg.pipeline.time`` is a clock of CPU time. On a shared
    machine wall-clock steps mostly measure waiting for a CPU; CPU seconds do not."""
    import kg.pipeline as p

    for name in ("_build_piece", "_process_safely"):   # this tree's worker; 8807fab's
        fn = getattr(p, name, None)
        if fn is None:
            continue

        def wrapper(task, _fn=fn):
            real = p.time
            p.time = _CpuClock()
            try:
                return _fn(task)
            finally:
                p.time = real

        wrapper.__module__, wrapper.__qualname__, wrapper.__name__ = p.__name__, name, name
        setattr(p, name, wrapper)


def build(corpus: str, out: str, summary_file: str, jobs: int | None,
          load_memory: int | None = None) -> int:
    _name_threads()
    started = time.time()
    import kg.pipeline as p
    from kg.cli import cli

    _cpu_in_workers()
    real = p.build_corpus
    got = {}

    def capture(*a, **k):
        s = real(*a, **k)
        got["summary"] = s
        return s

    p.build_corpus = capture
    args = ["build", corpus, "--out", out, "--no-views", "-q"]
    if jobs is not None:
        args += ["--jobs", str(jobs)]
    if load_memory is not None:
        args += ["--load-memory", str(load_memory)]
    code = 0
    t_import = time.time() - started
    try:
        cli.main(args, prog_name="kg", standalone_mode=False)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    s = got.get("summary")
    data = {"exit": code, "import_s": t_import}
    if s is not None:
        timings = dict(s.timings)
        if not hasattr(p, "_build_piece"):
            # 8807fab sums its workers' steps under their own names beside the parent's phases
            timings = {(k if k in ("store", "export") else "worker " + k): v for k, v in timings.items()}
        data.update(seconds=s.seconds, built=s.reports_built, skipped=s.reports_skipped,
                    failed=len(s.failures), failures=[str(x) for x in s.failures[:3]],
                    triples=s.triples, timings=timings, totals=dict(s.totals))
    Path(summary_file).write_text(json.dumps(data), encoding="utf-8")
    return code


# ---------------------------------------------------------------------------- query
def query(out: str, name: str, result_file: str, params: dict[str, str]) -> int:
    t0 = time.perf_counter()
    from kg.query import format_result, run_query

    t1 = time.perf_counter()
    r = run_query(Path(out), name, params=params or None)
    t2 = time.perf_counter()
    text = format_result(r, "table")
    t3 = time.perf_counter()
    Path(result_file).write_text(json.dumps({
        "import_s": t1 - t0, "query_s": t2 - t1, "format_s": t3 - t2, "rows": len(r.rows),
        "chars": len(text)}), encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------- the rdflib baseline
def rdflib_build(list_file: str, ttl: str, summary_file: str) -> int:
    """The plain path, one process: extraction, then rdflib (parse, then serialize)."""
    started = time.time()
    import rdflib

    import kg.pipeline as p
    from kg.errors import KgError

    p.time = _CpuClock()   # the steps of process_file in CPU seconds (one thread here)
    paths = [Path(x) for x in Path(list_file).read_text(encoding="utf-8").split("\n") if x]
    steps: dict[str, float] = {}
    ds = rdflib.Dataset(default_union=True)
    built = failed = 0
    t0 = time.perf_counter()
    store_cpu = 0.0
    for path in paths:
        try:
            r = p.process_file(path)
        except KgError:
            failed += 1
            continue
        for k, v in r.timings.items():
            steps[k] = steps.get(k, 0.0) + v
        c = time.process_time()
        ds.parse(data=r.nquads, format="nquads")   # rdflib's parser: one Graph.add per quad
        store_cpu += time.process_time() - c
        built += 1
    t_queryable = time.perf_counter() - t0
    queryable_at = time.time()
    c = time.process_time()
    ds.serialize(destination=ttl, format="turtle")
    export_cpu = time.process_time() - c
    seconds = time.perf_counter() - t0
    Path(summary_file).write_text(json.dumps({
        "exit": 0, "import_s": 0.0, "started": started, "seconds": seconds, "built": built,
        "failed": failed, "triples": len(ds), "queryable_s": t_queryable, "queryable_at": queryable_at,
        "timings": {**{"worker " + k: v for k, v in steps.items()}, "store": store_cpu,
                    "export": export_cpu}}), encoding="utf-8")
    return 0


def _rdflib_question(ds, sparql: str, runs: int, conn) -> None:
    from kg.vocab import PREFIXES

    times, rows = [], None
    for _ in range(runs):
        t = time.perf_counter()
        rows = len(list(ds.query(sparql, initNs=PREFIXES)))
        times.append(time.perf_counter() - t)
        conn.send({"times": list(times), "rows": rows})
    conn.close()


def rdflib_queries(nq_dir: str, questions_file: str, result_file: str, runs: int,
                   timeout: float) -> int:
    """Each question in its own process forked from one loaded Dataset; a run past ``timeout``
    seconds stops the question (its figure is then a lower bound)."""
    import multiprocessing as mp

    import rdflib

    questions = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    ds = rdflib.Dataset(default_union=True)
    t = time.perf_counter()
    for f in sorted(Path(nq_dir).glob("*.nq")):
        ds.parse(str(f), format="nquads")
    out = {"_load": {"seconds": time.perf_counter() - t, "triples": len(ds)}}
    ctx = mp.get_context("fork")
    for q in questions:
        before = machine()
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_rdflib_question, args=(ds, q["sparql"], runs, send))
        proc.start()
        send.close()
        got, stopped = {"times": [], "rows": None}, False
        run_start = time.perf_counter()
        while len(got["times"]) < runs:
            if recv.poll(0.2):
                try:
                    got = recv.recv()
                except EOFError:
                    break
                run_start = time.perf_counter()
            elif time.perf_counter() - run_start > timeout:
                stopped = True
                break
            elif not proc.is_alive() and not recv.poll(0):
                break
        if proc.is_alive():
            proc.kill()
        proc.join()
        recv.close()
        out[q["name"]] = {"times": got["times"], "rows": got["rows"], "stopped": stopped,
                          "timeout": timeout, "machine_before": before, "machine_after": machine()}
        Path(result_file).write_text(json.dumps(out), encoding="utf-8")
    Path(result_file).write_text(json.dumps(out), encoding="utf-8")
    return 0


def main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("corpus")
    b.add_argument("out")
    b.add_argument("--summary", required=True)
    b.add_argument("--jobs", type=int, default=None)
    b.add_argument("--load-memory", type=int, default=None)
    q = sub.add_parser("query")
    q.add_argument("out")
    q.add_argument("name")
    q.add_argument("--result", required=True)
    q.add_argument("--param", action="append", default=[])
    rb = sub.add_parser("rdflib-build")
    rb.add_argument("list")
    rb.add_argument("ttl")
    rb.add_argument("--summary", required=True)
    rq = sub.add_parser("rdflib-queries")
    rq.add_argument("nq_dir")
    rq.add_argument("questions")
    rq.add_argument("result")
    rq.add_argument("--runs", type=int, default=3)
    rq.add_argument("--timeout", type=float, default=30.0)
    a = ap.parse_args(argv)
    if a.cmd == "build":
        return build(a.corpus, a.out, a.summary, a.jobs, a.load_memory)
    if a.cmd == "query":
        return query(a.out, a.name, a.result, dict(x.split("=", 1) for x in a.param))
    if a.cmd == "rdflib-build":
        return rdflib_build(a.list, a.ttl, a.summary)
    return rdflib_queries(a.nq_dir, a.questions, a.result, a.runs, a.timeout)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
