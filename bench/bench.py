"""The speed and scale benchmark (issue 15): measured figures only, each the median of several runs,
each with the machine's load, as ratios to the code at another commit and to the rdflib baseline.

    .venv/bin/python bench/bench.py --sizes 1000,10000 --baseline-size 400 --runs 3 \\
        --then 8807fab --work /tmp/bench
    kg bench --sizes 1000,10000 --then 8807fab --work /tmp/bench        (the same, from the CLI)

What it runs, each as its own process, the way a user runs it:

* **this tree**: ``kg build CORPUS --out OUT --no-views -q`` (bench/probe.py drives the tree's
  own CLI and keeps its ``BuildSummary``), into an empty OUT each run; then ``kg build`` again with
  nothing changed (the no-change rebuild);
* **the code at ``--then COMMIT``** (the figures' "session start"): the same, from a checkout made
  with ``git archive`` under the work folder, with its own virtualenv (``--then-jobs`` lists the
  worker counts to try; the fastest at the first size is used at the others);
* **rdflib**: the plain single-process path at ``--baseline-size`` reports: the same extraction,
  every report's quads parsed into an ``rdflib.Dataset``, its Turtle; the same size is built by
  both codes, so every comparison with rdflib is at the same size, never extrapolated;
* **saved questions** on the ``--baseline-size`` stores: each question in a new process through
  ``kg.query.run_query`` (as ``kg query NAME --out OUT`` answers it: store opened, answer read,
  rows built), this tree and the other commit in turn, ``--runs`` times; the whole ``kg query``
  process too; and rdflib's SPARQL on the same graph (this tree's ``nquads/``), each question in a
  process forked from the loaded Dataset, stopped after ``--query-timeout`` seconds.

Measured for every build from outside the process: wall time, the CPU of the whole process tree
(``getrusage`` of the reaped children), the peak of the summed RSS (and PSS) of the process tree
sampled from /proc every 0.1 s, the CPU of each thread of the build's main process (by name: its
main thread, the store's loading thread, RocksDB's threads) and of its child processes; from the
output folder: when ``kg.ttl`` and ``nquads/`` were complete and when the new generation was
switched in (the store became queryable; the link's own time stamp); from the ``BuildSummary``:
the split of the build (extract / tables / load / outputs) and the CPU of each worker step.

Before each run it waits while the 1-minute load average is above ``--max-load`` or other
processes use more than ``--max-others`` of the CPUs (sleeping in steps), and it records, for each
run, the load and the other processes' CPU share before, during and after. Results go to
``bench/results/latest.md`` and ``latest.json`` (every run's raw figures) and are printed.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
for _p in (str(ROOT), str(BENCH)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import probe  # noqa: E402  (bench/probe.py: the machine's load, what runs in each checkout)

RESULTS = BENCH / "results"
PROBE = BENCH / "probe.py"
MB = 1_000_000

# issue 15's targets
TARGETS = {
    "files_mb_s_1k": 2.0,      # MB/s of report text to kg.ttl and the per-report N-Quads, 1k reports
    "store_mb_s_1k": 0.8,      # MB/s of report text end to end to a queryable store, 1k reports
    "store_s_10k": 360.0,      # s to a queryable store, 10k reports
    "peak_10k": 2e9,           # bytes, the whole process tree, 10k reports
    "rebuild_s": 1.0,          # s, a no-change rebuild (10k)
    "query_ms": 300.0,         # ms, every saved question on disk at ~1M triples
    "query_vs_rdflib": 10.0,   # × rdflib's SPARQL on the same graph
}


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------- the code measured
@dataclass
class Code:
    key: str        # "tree", "then"
    label: str      # "this tree (c7d39b2)", "session start (8807fab)"
    commit: str
    python: str     # its virtualenv's python
    kg: str         # its kg script
    layout: str     # "gens" (OUT/current → gens/gen-N) or "store" (OUT/store → store.gens/gen-N)
    jobs: int | None = None   # --jobs given to kg build (None: the code's own default)
    load_memory: int | None = None   # --load-memory given to kg build (this tree only)


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def this_tree(jobs: int | None, load_memory: int | None = None) -> Code:
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        if _git("status", "--porcelain", "--untracked-files=no", "--", "kg"):
            commit += "+uncommitted kg/"
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    bindir = Path(sys.executable).parent
    kg = bindir / "kg"
    label = f"this tree ({commit})" + (f", --load-memory {load_memory}" if load_memory is not None else "")
    return Code("tree", label, commit, sys.executable, str(kg) if kg.is_file() else "", "gens",
                jobs, load_memory)


def compile_code(code: Code) -> None:
    """Its modules' bytecode, as ``pip install`` writes it: the measured processes run with
    PYTHONDONTWRITEBYTECODE (they must not write into the trees), and without this every module
    a question imports lazily was compiled from source inside the timed call (kg.combine:
    ~0.8 ms of a 2 ms answer), which rdflib, installed compiled, never pays."""
    where = subprocess.run([code.python, "-c", "import kg, os; print(os.path.dirname(kg.__file__))"],
                           check=True, capture_output=True, text=True).stdout.strip()
    subprocess.run([code.python, "-m", "compileall", "-q", where], check=True,
                   stdout=subprocess.DEVNULL)


def checkout(commit: str, work: Path, log) -> Code:
    """The code at ``commit`` under ``work/code-SHORT`` (git archive) with its own virtualenv."""
    try:
        full = _git("rev-parse", "--verify", commit + "^{commit}")
    except subprocess.CalledProcessError:
        raise BenchError(f"--then {commit}: not a commit of {ROOT}") from None
    short = full[:7]
    folder = work / f"code-{short}"
    ready = folder / ".bench-ready"
    if not (ready.is_file() and ready.read_text().strip() == full):
        log(f"[bench] making a checkout of {short} with its own virtualenv in {folder} …")
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", full], check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder / ".venv")], check=True)
        subprocess.run([str(folder / ".venv/bin/pip"), "install", "-q", "-e", str(folder)],
                       check=True, stdout=subprocess.DEVNULL)
        ready.write_text(full)
    layout = "gens" if "CURRENT = " in (folder / "kg" / "store.py").read_text(encoding="utf-8") \
        else "store"
    return Code("then", f"session start ({short})", short, str(folder / ".venv/bin/python"),
                str(folder / ".venv/bin/kg"), layout)


# ---------------------------------------------------------------------------- corpora
def corpus(n: int, work: Path, seed: int) -> tuple[Path, list[Path], str]:
    """A scale corpus of ``n`` reports in ``work/corpora`` (bench/scale.py): reused when there,
    else the first ``n`` files of a larger one of the same seed (hard links: the first k files of a
    corpus of n are the corpus of k), else generated."""
    from scale import GENERATOR_VERSION, make_corpus

    root = work / "corpora"
    folder = root / f"scale-{n}-seed{seed}"

    def read(f: Path) -> list[Path] | None:
        try:
            meta = json.loads((f / "SCALE.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        paths = [f / x for x in meta.get("files", [])]
        if meta.get("generator") != GENERATOR_VERSION or meta.get("seed") != seed or \
                not all(p.is_file() for p in paths):
            return None
        return paths

    paths = read(folder)
    if paths is not None and len(paths) == n:
        return folder, paths, f"scale corpus ({n} reports, seed {seed}, reused)"
    for other in sorted(root.glob(f"scale-*-seed{seed}")) if root.is_dir() else []:
        big = read(other)
        if big is not None and len(big) > n:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            for p in big[:n]:
                os.link(p, folder / p.name)
            (folder / "SCALE.json").write_text(json.dumps(
                {"generator": GENERATOR_VERSION, "seed": seed, "n": n,
                 "files": [p.name for p in big[:n]]}, indent=0), encoding="utf-8")
            return folder, read(folder), f"scale corpus ({n} reports, seed {seed}, the first {n} of {other.name})"
    t = time.perf_counter()
    paths = make_corpus(folder, n, seed)
    return folder, paths, f"scale corpus ({n} reports, seed {seed}, generated in {time.perf_counter() - t:.0f} s)"


# ---------------------------------------------------------------------------- /proc
def _children(pid: int) -> list[int]:
    out = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            pass
    return out


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children(todo.pop())
        out += kids
        todo += kids
    return out


def _stat(path: str) -> tuple[str, int] | None:
    """(comm, utime + stime in clock ticks) of a /proc …/stat file.

    >>> _stat(f"/proc/{os.getpid()}/stat")[1] >= 0
    True
    """
    try:
        with open(path) as f:
            data = f.read()
    except OSError:
        return None
    i = data.rindex(")")
    rest = data[i + 2:].split()
    return data[data.index("(") + 1:i], int(rest[11]) + int(rest[12])


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class Sampler(threading.Thread):
    """Samples a process tree every ``interval`` s: the peak of the summed RSS (PSS every fifth
    sample), the CPU of each thread of the root process and of each other process (the last
    value seen)."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.stop = threading.Event()
        self.peak_rss = self.peak_pss = self.peak_rss_root = self.peak_rss_one = 0
        self.threads: dict[int, tuple[str, int]] = {}
        self.procs: dict[int, tuple[str, int]] = {}
        self.samples = 0

    def run(self) -> None:
        k = 0
        while not self.stop.is_set():
            root_rss = _rss(self.pid)
            if not root_rss:
                break
            tree = _tree(self.pid)
            rss = [root_rss] + [_rss(p) for p in tree]
            self.peak_rss = max(self.peak_rss, sum(rss))
            self.peak_rss_root = max(self.peak_rss_root, root_rss)
            self.peak_rss_one = max(self.peak_rss_one, max(rss))
            if k % 5 == 0:
                self.peak_pss = max(self.peak_pss, sum(_pss(p) for p in [self.pid, *tree]))
            for p in tree:
                s = _stat(f"/proc/{p}/stat")
                if s:
                    self.procs[p] = s
            try:
                tids = os.listdir(f"/proc/{self.pid}/task")
            except OSError:
                tids = []
            for tid in tids:
                s = _stat(f"/proc/{self.pid}/task/{tid}/stat")
                if s:
                    self.threads[int(tid)] = s
            k += 1
            self.samples = k
            self.stop.wait(self.interval)


def _threads_by_role(threads: dict[int, tuple[str, int]], pid: int) -> dict[str, float]:
    """CPU seconds of the root's threads grouped: main, the store's loader, RocksDB, other."""
    out: dict[str, float] = {}
    for tid, (comm, ticks) in threads.items():
        if tid == pid or comm == "kg-main":
            role = "main thread"
        elif comm.startswith("kg-store-load"):
            role = "store-load thread"
        elif comm.lower().startswith("rocksdb"):
            role = "RocksDB threads"
        else:
            role = "other threads"
        out[role] = out.get(role, 0.0) + ticks / probe.CLK_TCK
    return out


# ---------------------------------------------------------------------------- one measured run
def wait_quiet(opts, log) -> dict:
    """Sleep in steps while the machine is busy (1-minute load above ``opts.max_load`` or other
    processes above ``opts.max_others`` of the CPUs); returns the state it started from."""
    t0 = time.time()
    said = 0.0
    while True:
        m = probe.machine(2.0)
        waited = time.time() - t0
        if (m["load1"] <= opts.max_load and m["others"] <= opts.max_others) or \
                waited >= opts.max_wait:
            m["waited_s"] = round(waited)
            m["quiet"] = m["load1"] <= opts.max_load and m["others"] <= opts.max_others
            return m
        if waited - said >= 60 or said == 0:
            log(f"[bench]   waiting for a quiet machine: load {m['load1']:.2f}, others "
                f"{m['others'] * 100:.0f} % of the CPUs ({waited:.0f} s so far)")
            said = waited or 0.001
        time.sleep(min(15.0, opts.max_wait - waited + 0.1))


def measure(cmd: list[str], opts, log, *, out: Path | None = None, result: Path | None = None,
            quiet: bool = True, sample: bool = True, timeout: float | None = None,
            windows: bool = True) -> dict:
    """Run ``cmd`` once, measured; ``result`` is a JSON file the command writes (its own
    figures); ``out`` an output folder whose kg.ttl, nquads/ and generation switch are timed.
    ``quiet``: wait for a quiet machine first; ``windows``: measure the other processes' CPU
    share in the 2 s before and after (else only the load average then)."""
    if quiet:
        before = wait_quiet(opts, log)
    elif windows:
        before = probe.machine(2.0)
    else:
        before = {"load1": round(os.getloadavg()[0], 2), "others": None}
    if result is not None:
        result.unlink(missing_ok=True)
    b0, t0_ticks = probe.cpu_ticks()
    c0 = probe.own_cpu()
    start_epoch = time.time()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    sampler = Sampler(proc.pid) if sample else None
    if sampler:
        sampler.start()
    try:
        _, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        for p in [*_tree(proc.pid), proc.pid]:
            try:
                os.kill(p, 9)
            except OSError:
                pass
        _, err = proc.communicate()
        timed_out = True
    wall = time.perf_counter() - t0
    if sampler:
        sampler.stop.set()
        sampler.join()
    b1, t1_ticks = probe.cpu_ticks()
    cpu = probe.own_cpu() - c0
    during = max(0.0, ((b1 - b0) / probe.CLK_TCK - cpu) / max(1e-9, (t1_ticks - t0_ticks) / probe.CLK_TCK))
    run = {"wall": wall, "cpu": cpu, "exit": proc.returncode, "timed_out": timed_out,
           "machine": {"before": before, "during_others": round(during, 3)}}
    if proc.returncode and not timed_out:
        run["stderr"] = err.decode("utf-8", "replace")[-2000:]
    if sampler:
        run.update(peak_rss=sampler.peak_rss, peak_pss=sampler.peak_pss,
                   peak_rss_root=sampler.peak_rss_root, peak_rss_one=sampler.peak_rss_one,
                   threads=_threads_by_role(sampler.threads, proc.pid),
                   child_procs_cpu=sum(t for _, t in sampler.procs.values()) / probe.CLK_TCK,
                   child_procs=len(sampler.procs), samples=sampler.samples)
    if result is not None and result.is_file():
        run["probe"] = json.loads(result.read_text(encoding="utf-8"))
    if out is not None:
        run.update(_output_times(out, start_epoch))
    run["machine"]["after"] = probe.machine(2.0) if windows else \
        {"load1": round(os.getloadavg()[0], 2), "others": None}
    return run


def _output_times(out: Path, start: float) -> dict:
    """When the outputs were complete, in seconds from the start: kg.ttl, nquads/ (the last file
    written: shared.nq; the reports' files are hard links to pieces the workers wrote earlier),
    and the switch to the new generation (the link's own time stamp: it is made, then renamed
    into place)."""
    got: dict = {}
    times = []
    for name in ("kg.ttl", "nquads/shared.nq", "nquads/analysis.nq"):
        p = out / name
        try:
            times.append(os.stat(p).st_mtime - start)
            got["t_" + name.split("/")[0].replace(".", "_")] = max(
                got.get("t_" + name.split("/")[0].replace(".", "_"), 0.0), times[-1])
        except OSError:
            pass
    if times:
        got["t_files"] = max(times)
    for link in ("current", "store"):
        p = out / link
        if os.path.islink(p):
            got["t_switch"] = os.lstat(p).st_mtime - start
            break
    return got


# ---------------------------------------------------------------------------- the measurements
def build_cmd(code: Code, corpus_dir: Path, out: Path, summary: Path, jobs: int | None) -> list[str]:
    cmd = [code.python, str(PROBE), "build", str(corpus_dir), str(out), "--summary", str(summary)]
    cmd += ["--load-memory", str(code.load_memory)] if code.load_memory is not None else []
    return cmd + (["--jobs", str(jobs)] if jobs is not None else [])


def _variant(code: Code, jobs: int | None) -> str:
    return code.label + ("" if jobs is None else f", --jobs {jobs}")


def builds(sets: list[tuple[Code, int | None]], corpus_dir: Path, n: int, opts, log,
           work: Path, *, rebuilds: int = 0, runs: int | None = None,
           runs_of: dict | None = None) -> dict:
    """Fresh builds of ``corpus_dir`` by each (code, jobs), interleaved run by run (A B A B …, so
    a drift of the machine's speed touches every variant alike); then ``rebuilds`` no-change
    rebuilds of the last output of each."""
    runs = runs or opts.runs
    res: dict[str, dict] = {}
    for r in range(max(runs_of.values()) if runs_of else runs):
        for code, jobs in sets:
            key = _variant(code, jobs)
            if runs_of and r >= runs_of.get(key, runs):
                continue
            out = work / "out" / f"{code.key}-j{jobs}-{n}"
            shutil.rmtree(out, ignore_errors=True)
            summary = work / "out" / f"{code.key}-j{jobs}-{n}.summary.json"
            log(f"[bench]   {key}: build {r + 1} of {runs_of.get(key, runs) if runs_of else runs} …")
            run = measure(build_cmd(code, corpus_dir, out, summary, jobs), opts, log, out=out,
                          result=summary, timeout=opts.build_timeout)
            log(f"[bench]     {_describe(run)}")
            res.setdefault(key, {"code": code.key, "jobs": jobs, "runs": [], "rebuilds": [],
                                 "out": str(out), "short": "this tree" if code.key == "tree" else
                                 code.commit + ("" if jobs is None else f" -j{jobs}")}
                           )["runs"].append(run)
    for code, jobs in sets:
        key = _variant(code, jobs)
        for r in range(rebuilds):
            out = Path(res[key]["out"])
            summary = work / "out" / f"{code.key}-j{jobs}-{n}.rebuild.json"
            run = measure(build_cmd(code, corpus_dir, out, summary, jobs), opts, log,
                          result=summary, timeout=opts.build_timeout)
            log(f"[bench]   {key}: no-change rebuild {r + 1} of {rebuilds}: {_describe(run)}")
            res[key]["rebuilds"].append(run)
    return res


def _describe(run: dict) -> str:
    m = run["machine"]
    p = run.get("probe") or {}
    s = f"wall {run['wall']:.1f} s"
    if "t_switch" in run:
        s += f", queryable at {run['t_switch']:.1f} s"
    if "peak_rss" in run:
        s += f", peak {run['peak_rss'] / MB:,.0f} MB"
    s += (f"; load {m['before']['load1']:.2f}→{m['after']['load1']:.2f}, others "
          f"{m['before']['others'] * 100:.0f}/{m['during_others'] * 100:.0f}/"
          f"{m['after']['others'] * 100:.0f} %")
    if run.get("exit"):
        s += f"; EXIT {run['exit']}: {(run.get('stderr') or '').strip().splitlines()[-1:]}"
    if p.get("failed"):
        s += f"; {p['failed']} files failed"
    return s


def rdflib_builds(paths: list[Path], n: int, opts, log, work: Path) -> dict:
    listing = work / "out" / f"rdflib-{n}.files"
    listing.parent.mkdir(parents=True, exist_ok=True)
    listing.write_text("\n".join(str(p) for p in paths) + "\n", encoding="utf-8")
    res = {"code": "rdflib", "jobs": 1, "runs": [], "rebuilds": [], "short": "rdflib"}
    for r in range(opts.runs):
        summary = work / "out" / f"rdflib-{n}.summary.json"
        log(f"[bench]   rdflib: build {r + 1} of {opts.runs} …")
        start = time.time()
        run = measure([sys.executable, str(PROBE), "rdflib-build", str(listing),
                       str(work / "out" / f"rdflib-{n}.ttl"), "--summary", str(summary)], opts, log,
                      result=summary, timeout=opts.build_timeout)
        p = run.get("probe") or {}
        if p.get("queryable_at"):
            run["t_switch"] = p["queryable_at"] - start
        run["t_files"] = run["wall"]
        log(f"[bench]     {_describe(run)}")
        res["runs"].append(run)
    return res


def questions(org: str) -> list[dict]:
    """Every saved question of this tree: its name, the parameters a user gives (organisation
    needs an org), and its SPARQL with them filled in (for rdflib)."""
    from kg.query import fill_params, list_queries, load_saved

    out = []
    for name, _, _ in list_queries():
        q = load_saved(name)
        params = {p: org for p, (required, _) in q.params.items() if required}
        out.append({"name": name, "params": params,
                    "sparql": fill_params(q.text, params, q.params, name)})
    return out


def pick_org(code: Code, out: Path) -> str:
    """An organisation's label in the graph (the first report publisher's, by label)."""
    script = ("import sys\nfrom pathlib import Path\nfrom kg.query import run_query\n"
              "r = run_query(Path(sys.argv[1]), 'SELECT ?l WHERE { ?r a rk:Report ; "
              "dcterms:publisher ?o . ?o skos:prefLabel|rdfs:label ?l } ORDER BY ?l LIMIT 1')\n"
              "print(r.rows[0][0].value if r.rows else '区委')\n")
    return subprocess.run([code.python, "-c", script, str(out)], check=True, capture_output=True,
                          text=True).stdout.strip() or "区委"


def query_runs(codes: list[tuple[Code, Path]], qs: list[dict], opts, log, work: Path) -> dict:
    """Each question, each code in turn, ``opts.runs`` times: a new process answering it through
    ``kg.query.run_query``; then the whole ``kg query NAME --out OUT`` process, as often."""
    res: dict[str, dict] = {}
    for q in qs:
        params = [x for k, v in q["params"].items() for x in ("--param", f"{k}={v}")]
        entry = res.setdefault(q["name"], {})
        before = wait_quiet(opts, log)
        for r in range(opts.runs):
            for code, out in codes:
                result = work / "out" / f"query-{code.key}.json"
                run = measure([code.python, str(PROBE), "query", str(out), q["name"], "--result",
                               str(result), *params], opts, log, result=result, quiet=False,
                              sample=False, timeout=opts.query_timeout + 30, windows=False)
                entry.setdefault(code.key, {"runs": [], "cli": []})["runs"].append(_slim(run))
                if code.kg:
                    cli = measure([code.kg, "query", q["name"], "--out", str(out), *params],
                                  opts, log, quiet=False, sample=False,
                                  timeout=opts.query_timeout + 30, windows=False)
                    entry[code.key]["cli"].append(_slim(cli))
        entry["machine"] = {"before": before, "after": probe.machine(2.0)}
        log(f"[bench]   {q['name']}: " + ", ".join(
            f"{code.key} {_median([x['probe']['query_s'] for x in entry[code.key]['runs'] if 'probe' in x]) * 1000:,.0f} ms"
            for code, _ in codes if any('probe' in x for x in entry[code.key]['runs'])))
    return res


def _slim(run: dict) -> dict:
    """A query run without the 2-second load windows of each process (the question's series has
    them before and after)."""
    m = run["machine"]
    return {**run, "machine": {"load1_before": m["before"]["load1"], "load1_after": m["after"]["load1"],
                               "during_others": m["during_others"]}}


def rdflib_query_runs(nq_dir: Path, qs: list[dict], opts, log, work: Path) -> dict:
    qfile = work / "out" / "rdflib-questions.json"
    qfile.write_text(json.dumps([{"name": q["name"], "sparql": q["sparql"]} for q in qs],
                                ensure_ascii=False), encoding="utf-8")
    result = work / "out" / "rdflib-queries.json"
    log(f"[bench]   rdflib's SPARQL: loading {nq_dir} into a Dataset, then each question …")
    run = measure([sys.executable, str(PROBE), "rdflib-queries", str(nq_dir), str(qfile),
                   str(result), "--runs", str(opts.runs), "--timeout", str(opts.query_timeout)],
                  opts, log, result=result,
                  timeout=len(qs) * (opts.runs * opts.query_timeout + 30) + 900)
    return {"run": {k: v for k, v in run.items() if k != "probe"}, "questions": run.get("probe") or {}}


# ---------------------------------------------------------------------------- the driver
def run(opts, log=print) -> str:
    work = Path(opts.work).resolve()
    (work / "out").mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tree = this_tree(opts.jobs, opts.load_memory)
    then = checkout(opts.then, work, log) if opts.then else None
    for code in (tree, then):
        if code is not None:
            compile_code(code)
    meta = _meta(opts, tree, then)
    data: dict = {"meta": meta, "sizes": {}, "queries": None}
    log(f"[bench] {tree.label}" + (f" against {then.label}" if then else "")
        + f"; {opts.runs} runs of each; machine: load {meta['load_before']}")

    then_jobs = opts.then_jobs or [None]
    best_then: int | None = then_jobs[0]
    sizes = sorted(set(opts.sizes) | ({opts.baseline_size} if opts.baseline_size else set()))
    # the first size of --sizes first (it picks the other commit's --jobs), then the rest
    order = [opts.sizes[0]] + [n for n in sizes if n != opts.sizes[0]]
    for n in order:
        folder, paths, label = corpus(n, work, opts.seed)
        text_bytes = sum(p.stat().st_size for p in paths)
        log(f"[bench] {label}: {text_bytes / MB:.1f} MB")
        big = n >= opts.big
        sets = [(tree, tree.jobs)]
        if then:
            sets += [(then, j) for j in (then_jobs if n == order[0] else [best_then])]
        runs_of = {_variant(tree, tree.jobs): opts.big_runs if big else opts.runs}
        if then:
            runs_of.update({_variant(then, j): (opts.then_big_runs if big else opts.runs)
                            for _, j in sets[1:]})
            if big and not opts.then_big_runs:
                sets = sets[:1]
        res = builds(sets, folder, n, opts, log, work, rebuilds=opts.rebuilds, runs_of=runs_of)
        if then and n == order[0] and len(then_jobs) > 1:
            best_then = min(then_jobs, key=lambda j: _median(
                [r["wall"] for r in res[_variant(then, j)]["runs"]]))
        if n == opts.baseline_size and opts.rdflib:
            res["rdflib"] = rdflib_builds(paths, n, opts, log, work)
        data["sizes"][str(n)] = {"n": n, "label": label, "text_bytes": text_bytes, "builds": res}
        _write(data)
    if opts.baseline_size and opts.queries:
        n = opts.baseline_size
        res = data["sizes"][str(n)]["builds"]
        tree_out = Path(res[_variant(tree, tree.jobs)]["out"])
        codes = [(tree, tree_out)]
        if then:
            codes.append((then, Path(res[_variant(then, best_then)]["out"])))
        org = pick_org(tree, tree_out)
        qs = questions(org)
        log(f"[bench] saved questions at {n} reports (org = {org}) …")
        data["queries"] = {"n": n, "org": org, "codes": {c.key: c.label for c, _ in codes},
                           "by_code": query_runs(codes, qs, opts, log, work)}
        if opts.rdflib:
            data["queries"]["rdflib"] = rdflib_query_runs(tree_out / "nquads", qs, opts, log, work)
        _write(data)
    meta["load_after"] = _load()
    meta["finished"] = time.strftime("%Y-%m-%d %H:%M")
    text = render(data)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    _write(data)
    return text


def _write(data: dict) -> None:
    (RESULTS / "latest.json").write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str),
                                         encoding="utf-8")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _meta(opts, tree: Code, then: Code | None) -> dict:
    model = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), model)
    except OSError:
        pass
    import pyoxigraph
    import rdflib

    return {"started": time.strftime("%Y-%m-%d %H:%M"), "command": opts.command,
            "cpus": os.cpu_count(), "cpu_model": model,
            "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1e9, 1),
            "python": platform.python_version(), "pyoxigraph": pyoxigraph.__version__,
            "rdflib": rdflib.__version__, "tree": tree.label, "then": then.label if then else None,
            "runs": opts.runs, "big_runs": opts.big_runs, "then_big_runs": opts.then_big_runs,
            "max_load": opts.max_load, "max_others": opts.max_others, "load_before": _load()}


# ---------------------------------------------------------------------------- figures
def _median(xs: list[float]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _s(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x:,.0f} s" if x >= 100 else f"{x:.1f} s" if x >= 1 else f"{x * 1000:.0f} ms"


def _ms(x: float | None) -> str:
    if x is None:
        return "—"
    return f"{x * 1000:,.0f}" if x >= 0.1 else f"{x * 1000:.1f}"


def _mb(b: float | None) -> str:
    if not b:
        return "—"
    return f"{b / 1e9:.2f} GB" if b >= 1e9 else f"{b / MB:,.0f} MB"


def _x(a: float | None, b: float | None) -> str:
    """a / b, how many times (— when undefined).

    >>> _x(3, 2), _x(250, 1), _x(None, 1)
    ('1.50×', '250×', '—')
    """
    if not a or not b:
        return "—"
    r = a / b
    return f"{r:,.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def _range(xs: list[float], fmt) -> str:
    xs = [x for x in xs if x is not None]
    if not xs:
        return "—"
    return fmt(min(xs)) if len(xs) == 1 or min(xs) == max(xs) else f"{fmt(min(xs))}–{fmt(max(xs))}"


def _load_cell(runs: list[dict]) -> str:
    """The machine around these runs: 1-minute load before → after; other processes' share of the
    CPUs before / during / after (each as the range over the runs)."""
    def pct(x):
        return f"{x * 100:.0f}"

    m = [r["machine"] for r in runs]
    return (f"load {_range([x['before']['load1'] for x in m], lambda v: f'{v:.2f}')} → "
            f"{_range([x['after']['load1'] for x in m], lambda v: f'{v:.2f}')}; others "
            f"{_range([x['before']['others'] for x in m], pct)} / "
            f"{_range([x['during_others'] for x in m], pct)} / "
            f"{_range([x['after']['others'] for x in m], pct)} %")


@dataclass
class Fig:
    """The medians of one variant's runs."""

    runs: list[dict] = field(default_factory=list)

    def med(self, key: str, sub: str | None = None) -> float | None:
        vals = []
        for r in self.runs:
            v = r.get(key) if sub is None else (r.get(key) or {}).get(sub)
            vals.append(v)
        return _median(vals)

    def timing(self, k: str) -> float | None:
        return _median([((r.get("probe") or {}).get("timings") or {}).get(k) for r in self.runs])

    def probe(self, k: str):
        return _median([(r.get("probe") or {}).get(k) for r in self.runs])

    def ok(self) -> bool:
        return bool(self.runs) and all(not r.get("exit") and not r.get("timed_out") for r in self.runs)


def _figs(size: dict) -> dict[str, Fig]:
    return {k: Fig(v["runs"]) for k, v in size["builds"].items()}


def _build_table(size: dict, data: dict) -> list[str]:
    figs = _figs(size)
    builds = size["builds"]
    n, tb = size["n"], size["text_bytes"]
    keys = list(figs)
    base = "rdflib" if "rdflib" in figs else None
    L = ["| | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]

    def row(label, f):
        L.append(f"| {label} | " + " | ".join(f(k, figs[k]) for k in keys) + " |")

    def versus(k, fig, key):
        """How many times faster this tree is than each other variant (below 1: slower); the
        other commit's columns against rdflib only."""
        if builds[k]["code"] == "rdflib":
            return ""
        others = [o for o in keys if builds[o]["code"] == "then"] if builds[k]["code"] == "tree" else []
        others += [base] if base else []
        out = []
        for o in others:
            a, b = fig.med(key), figs[o].med(key)
            if a and b:
                out.append(f"{_x(b, a)} {builds[o].get('short', o)}")
        return ("; × faster than " + ", ".join(out)) if out else ""

    row("runs (each a fresh build into an empty folder)", lambda k, f: f"{len(f.runs)}"
        + ("" if f.ok() else " **(failed or stopped: see latest.json)**"))
    row("wall time of the whole command, median (min–max)", lambda k, f:
        f"{_s(f.med('wall'))} ({_range([r['wall'] for r in f.runs], _s)})" + versus(k, f, "wall"))
    row("MB/s of report text over the wall time", lambda k, f: f"{tb / MB / f.med('wall'):.2f}"
        if f.med("wall") else "—")
    row("reports/s", lambda k, f: f"{n / f.med('wall'):.1f}" if f.med("wall") else "—")
    row("kg.ttl and nquads/ complete at (MB/s)", lambda k, f:
        f"{_s(f.med('t_files'))} ({tb / MB / f.med('t_files'):.2f})" if f.med("t_files") else "—")
    row("queryable store at (MB/s)", lambda k, f:
        f"{_s(f.med('t_switch'))} ({tb / MB / f.med('t_switch'):.2f})" + versus(k, f, "t_switch")
        + (" (in memory, rdflib)" if k == "rdflib" else "") if f.med("t_switch") else "—")
    row("peak memory, process tree (sum of RSS; of PSS)", lambda k, f:
        f"{_mb(f.med('peak_rss'))}; {_mb(f.med('peak_pss'))}")
    row("CPU of the process tree", lambda k, f: _s(f.med("cpu")))
    row("machine: 1-min load before → after; others' CPU share before / during / after",
        lambda k, f: _load_cell(f.runs))
    rebuilds = {k: builds[k].get("rebuilds") or [] for k in keys}
    if any(rebuilds.values()):
        row("no-change rebuild (`kg build` again), whole command, median (min–max)", lambda k, f:
            f"{_s(_median([r['wall'] for r in rebuilds[k]]))} "
            f"({_range([r['wall'] for r in rebuilds[k]], _s)}; {len(rebuilds[k])} runs; in the build "
            f"{_s(_median([(r.get('probe') or {}).get('seconds') for r in rebuilds[k]]))})"
            if rebuilds[k] else "—")
        row("… its machine", lambda k, f: _load_cell(rebuilds[k]) if rebuilds[k] else "—")
    return L


# phases and steps in the order they happen
ORDER = ["ingest", "normalise", "extract", "resolve", "map", "render", "serialise", "write", "tables",
         "store", "load", "export", "outputs"]


def _split_table(size: dict) -> list[str]:
    """The build's split, from its BuildSummary, per code; and where the CPU went (from /proc)."""
    figs = _figs(size)
    n = size["n"]
    L = []
    for k, fig in figs.items():
        if not fig.runs or not (fig.runs[0].get("probe") or {}).get("timings"):
            continue
        keys = sorted({t for r in fig.runs for t in ((r.get("probe") or {}).get("timings") or {})},
                      key=lambda t: (ORDER.index(t.split()[-1]) if t.split()[-1] in ORDER else 99, t))
        phases = [t for t in keys if not t.startswith("worker ")]
        steps = [t for t in keys if t.startswith("worker ")]
        wall = fig.med("wall")
        L += [f"**{k}** ({len(fig.runs)} runs, medians):", ""]
        L += ["| phase of the build's main process (wall; rdflib: CPU of its one thread) | s | "
              "share of the command's wall |",
              "|---|---:|---:|"]
        for t in phases:
            v = fig.timing(t)
            L.append(f"| {t} | {v:.1f} | {v / wall * 100:.0f} % |" if v is not None and wall else f"| {t} | — | |")
        imp = fig.probe("import_s")
        if imp is not None:
            L.append(f"| start-up (interpreter, imports) | {imp:.2f} | {imp / wall * 100:.0f} % |")
        if steps:
            L += ["", "| worker step (CPU, summed over reports) | s | ms a report |", "|---|---:|---:|"]
            tot = 0.0
            for t in steps:
                v = fig.timing(t) or 0.0
                tot += v
                L.append(f"| {t[7:]} | {v:.1f} | {v / n * 1000:.1f} |")
            L.append(f"| all worker steps | {tot:.1f} | {tot / n * 1000:.1f} |")
        roles = sorted({x for r in fig.runs for x in (r.get("threads") or {})})
        if roles:
            L += ["", "| CPU by thread and process (sampled from /proc) | s | ms a report |",
                  "|---|---:|---:|"]
            for role in roles:
                v = _median([(r.get("threads") or {}).get(role, 0.0) for r in fig.runs])
                L.append(f"| main process: {role} | {v:.1f} | {v / n * 1000:.1f} |")
            v = fig.med("child_procs_cpu")
            L.append(f"| child processes (workers, answer-table workers) | {v:.1f} | {v / n * 1000:.1f} |")
            v = fig.med("cpu")
            L.append(f"| whole tree (getrusage) | {v:.1f} | {v / n * 1000:.1f} |")
        L.append("")
    return L


def _query_table(q: dict) -> list[str]:
    by = q["by_code"]
    rd = (q.get("rdflib") or {}).get("questions") or {}
    codes = q["codes"]
    L = [f"Each cell the median of the runs in new processes; `kg.query.run_query` (store opened, "
         f"answer read, rows built), and in brackets the whole `kg query NAME --out OUT` process "
         f"(start-up, imports, table printed); organisation asked for org = {q['org']}.", "",
         "| question | " + " | ".join(f"{codes[c]}: ms (whole `kg query`)" for c in codes)
         + " | rdflib SPARQL, ms | rows | vs session start | vs rdflib | machine: load before → after; others before / after |",
         "|---|" + "---:|" * len(codes) + "---:|---:|---:|---:|---|"]
    summary = {"over": [], "slower": [], "below": [], "tree": {}, "then": {}, "rdflib": {}, "ratios": {}}
    for name, entry in by.items():
        cells, meds = [], {}
        for c in codes:
            runs = [r for r in entry.get(c, {}).get("runs", []) if "probe" in r]
            cli = [r["wall"] for r in entry.get(c, {}).get("cli", []) if not r.get("exit")]
            meds[c] = _median([r["probe"]["query_s"] for r in runs])
            cells.append(f"{_ms(meds[c])} ({_ms(_median(cli))})" if meds[c] is not None else
                         "error" if entry.get(c) else "—")
            summary[c][name] = meds[c]
        r = rd.get(name) or {}
        rmed = _median(r.get("times") or [])
        if r.get("stopped") and not r.get("times"):
            rcell, rlow = f"> {r['timeout'] * 1000:,.0f} (stopped)", r["timeout"]
        elif r.get("stopped"):
            rcell, rlow = f"{_ms(rmed)} ({len(r['times'])} runs, then stopped)", rmed
        else:
            rcell, rlow = (f"{_ms(rmed)}" if rmed else "—"), rmed
        summary["rdflib"][name] = rlow
        rows = {c: _median([x["probe"]["rows"] for x in entry.get(c, {}).get("runs", []) if "probe" in x])
                for c in codes}
        rows_cell = " / ".join(f"{int(v):,}" if v is not None else "—" for v in rows.values())
        if r.get("rows") is not None:
            rows_cell += f" / {r['rows']:,}"
        t = meds.get("tree")
        vs_then = _x(meds.get("then"), t) if "then" in meds else "—"
        vs_rdf = ("≥ " if r.get("stopped") else "") + _x(rlow, t) if rlow else "—"
        summary["ratios"][name] = (rlow / t if rlow and t else None, bool(r.get("stopped")))
        m = entry.get("machine") or {}
        mcell = (f"load {m['before']['load1']:.2f} → {m['after']['load1']:.2f}; others "
                 f"{m['before']['others'] * 100:.0f} / {m['after']['others'] * 100:.0f} %") if m else "—"
        L.append(f"| {name} | " + " | ".join(cells) + f" | {rcell} | {rows_cell} | {vs_then} | {vs_rdf} | {mcell} |")
        if t is not None and t * 1000 >= TARGETS["query_ms"]:
            summary["over"].append((name, t))
        if t is not None and meds.get("then") is not None and t > meds["then"]:
            summary["slower"].append((name, t, meds["then"]))
        if t is not None and rlow and rlow / t < TARGETS["query_vs_rdflib"]:
            summary["below"].append((name, rlow / t))
    load = (q.get("rdflib") or {}).get("questions", {}).get("_load")
    if load:
        L += ["", f"rdflib loaded this tree's `nquads/` ({load['triples']:,} triples) in "
                  f"{load['seconds']:.0f} s; its questions ran in processes forked from it, each "
                  f"question's runs one after another (its first run included), each stopped after "
                  f"{next((v.get('timeout') for v in rd.values() if isinstance(v, dict) and 'timeout' in v), 0):g} s."]
    L.append("")
    q["_summary"] = summary
    return L


def _targets(data: dict) -> list[str]:
    L = ["## Issue 15's targets, as measured", "", "| target | measured | met |", "|---|---|---|"]
    ok = lambda c: "met" if c else "**not met**"  # noqa: E731
    sizes = {int(k): v for k, v in data["sizes"].items()}

    def tree_fig(n):
        s = sizes.get(n)
        if not s:
            return None, None
        k = next((k for k, v in s["builds"].items() if v["code"] == "tree"), None)
        return (Fig(s["builds"][k]["runs"]), s) if k else (None, s)

    f1, s1 = tree_fig(1000)
    if f1 and f1.med("t_files"):
        mbs = s1["text_bytes"] / MB / f1.med("t_files")
        L.append(f"| 1k reports ≥ 2 MB/s to kg.ttl and the per-report N-Quads | {mbs:.2f} MB/s "
                 f"(complete at {_s(f1.med('t_files'))}, median of {len(f1.runs)}) | "
                 f"{ok(mbs >= TARGETS['files_mb_s_1k'])} |")
    if f1 and f1.med("t_switch"):
        mbs = s1["text_bytes"] / MB / f1.med("t_switch")
        then = next((Fig(v["runs"]) for v in s1["builds"].values() if v["code"] == "then"
                     and v["runs"]), None)
        extra = ""
        if then and then.med("t_switch"):
            extra = (f"; session start {s1['text_bytes'] / MB / then.med('t_switch'):.2f} MB/s, "
                     f"{_x(then.med('t_switch'), f1.med('t_switch'))} of it")
        L.append(f"| 1k reports ≥ 0.8 MB/s end to end to a queryable store | {mbs:.2f} MB/s "
                 f"(queryable at {_s(f1.med('t_switch'))}{extra}) | {ok(mbs >= TARGETS['store_mb_s_1k'])} |")
    big = max((n for n in sizes if n >= 10_000), default=None)
    if big:
        f, s = tree_fig(big)
        if f and f.runs:
            t = f.med("t_switch")
            L.append(f"| {big // 1000}k reports to a queryable store in under 6 minutes | "
                     f"{_s(t)} (median of {len(f.runs)}; wall {_s(f.med('wall'))}) | "
                     f"{ok(t is not None and t < TARGETS['store_s_10k'] and f.ok())} |")
            p = f.med("peak_rss")
            L.append(f"| … with peak memory under 2 GB | {_mb(p)} (process tree, sum of RSS; PSS "
                     f"{_mb(f.med('peak_pss'))}) | {ok(p is not None and p < TARGETS['peak_10k'])} |")
            k = next(k for k, v in s["builds"].items() if v["code"] == "tree")
            rb = s["builds"][k].get("rebuilds") or []
            if rb:
                w = _median([r["wall"] for r in rb])
                L.append(f"| a no-change rebuild stays under a second ({big // 1000}k) | {_s(w)} "
                         f"(whole `kg build`, median of {len(rb)}) | {ok(w < TARGETS['rebuild_s'])} |")
    q = data.get("queries")
    if q and "_summary" in q:
        sm = q["_summary"]
        tree = {k: v for k, v in sm["tree"].items() if v is not None}
        if tree:
            worst = max(tree, key=tree.get)
            L.append(f"| every saved question under 300 ms on disk at ~1M triples ({q['n']} reports) "
                     f"| slowest {worst} {tree[worst] * 1000:,.0f} ms; "
                     + (", ".join(f"{n} {t * 1000:,.0f} ms" for n, t in sm["over"]) + " over"
                        if sm["over"] else "none over") + f" | {ok(not sm['over'])} |")
        if sm["then"]:
            L.append("| none slower than the session start's | "
                     + ("; ".join(f"{n} {t * 1000:,.1f} ms against {o * 1000:,.1f} ms" for n, t, o in sm["slower"])
                        or "none slower") + f" | {ok(not sm['slower'])} |")
        ratios = {n: v for n, v in sm["ratios"].items() if v[0]}
        if ratios:
            low = min(ratios, key=lambda n: ratios[n][0])
            L.append(f"| each ≥ 10× rdflib's SPARQL on the same graph | lowest {low} "
                     f"{'≥ ' if ratios[low][1] else ''}{ratios[low][0]:,.1f}×"
                     + ("; below 10×: " + ", ".join(f"{n} {x:,.1f}×" for n, x in sm["below"])
                        if sm["below"] else "") + f" | {ok(not sm['below'])} |")
    return L + [""]


def render(data: dict) -> str:
    m = data["meta"]
    L = [f"# rectkg benchmark, {m['started']}", "",
         f"- command: `{m['command']}`",
         f"- machine: {m['cpus']} × {m['cpu_model']}, {m['mem_gb']} GB; Python {m['python']}, "
         f"pyoxigraph {m['pyoxigraph']}, rdflib {m['rdflib']}",
         f"- code: {m['tree']}" + (f"; against {m['then']} (its own checkout and virtualenv)" if m["then"] else ""),
         f"- each figure the median of the runs counted beside it ({m['runs']} a size; "
         f"{m['big_runs']} of this tree and {m['then_big_runs']} of the session start at 10k); "
         f"runs of different code interleaved; a run started only when the 1-minute load was at "
         f"most {m['max_load']} and other processes used at most {m['max_others'] * 100:.0f} % of "
         f"the CPUs (else after waiting, said in the load cell)",
         f"- 1-minute load (1, 5, 15 min) at the start {m['load_before']}, at the end {m.get('load_after', '?')}",
         "- \"others\": the share of all the CPUs other processes used, in the 2 s before a run, during "
         "it, and in the 2 s after it", ""]
    for key in sorted(data["sizes"], key=int):
        size = data["sizes"][key]
        L += [f"## Build, {size['n']:,} reports ({size['text_bytes'] / MB:.1f} MB; {size['label']})", ""]
        L += _build_table(size, data) + [""]
        L += ["### Where the time goes", ""] + _split_table(size)
    q = data.get("queries")
    if q:
        L += [f"## Saved questions on disk, {q['n']} reports", ""] + _query_table(q)
    L += _targets(data)
    return "\n".join(L) + "\n"


def parse_sizes(text: str) -> list[int]:
    """'1000,10k' → [1000, 10000].

    >>> parse_sizes("400,1k,10k")
    [400, 1000, 10000]
    """
    out = []
    for part in text.split(","):
        part = part.strip().lower()
        if part:
            try:
                out.append(int(part.rstrip("k")) * (1000 if part.endswith("k") else 1))
            except ValueError:
                raise BenchError(f"--sizes: {part!r} is not a number of reports") from None
    if not out or min(out) < 1:
        raise BenchError("--sizes needs positive report counts, e.g. 1000,10000")
    return out


def options(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="bench/bench.py", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000", help="report counts, e.g. 1000,10000 (the first picks "
                    "the other commit's --jobs)")
    ap.add_argument("--baseline-size", type=int, default=400,
                    help="reports of the rdflib baseline and of the saved-question stores (0: none)")
    ap.add_argument("--runs", type=int, default=3, help="runs of each build and each question")
    ap.add_argument("--big", type=int, default=10_000, help="sizes from this on are 'big'")
    ap.add_argument("--big-runs", type=int, default=3, help="builds of this tree at a big size")
    ap.add_argument("--then", default=None, metavar="COMMIT",
                    help="also measure the code at this commit (its own checkout and virtualenv)")
    ap.add_argument("--then-jobs", default="", help="--jobs values to try for that code, e.g. 1,2 "
                    "(default: its own default)")
    ap.add_argument("--then-big-runs", type=int, default=1, help="its builds at a big size (0: none)")
    ap.add_argument("--jobs", type=int, default=None,
                    help="--jobs for this tree's kg build (default: its own default)")
    ap.add_argument("--load-memory", type=int, default=None,
                    help="--load-memory MB for this tree's kg build (default: kg build's own, which keeps a load above 3 M quads near 450 MB; 0: unbounded)")
    ap.add_argument("--rebuilds", type=int, default=3, help="no-change rebuilds after the builds")
    ap.add_argument("--no-rdflib", dest="rdflib", action="store_false", help="skip the rdflib baseline")
    ap.add_argument("--no-queries", dest="queries", action="store_false", help="skip the saved questions")
    ap.add_argument("--query-timeout", type=float, default=30.0,
                    help="seconds before one rdflib run of a question is stopped")
    ap.add_argument("--build-timeout", type=float, default=3 * 3600)
    ap.add_argument("--work", "--out", dest="work", default=str(RESULTS / "work"),
                    help="work folder: corpora, outputs, the other commit's checkout")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-load", type=float, default=1.0,
                    help="wait before a run while the 1-minute load average is above this")
    ap.add_argument("--max-others", type=float, default=0.15,
                    help="… or while other processes use more than this share of the CPUs")
    ap.add_argument("--max-wait", type=float, default=3600.0, help="longest wait before one run, s")
    a = ap.parse_args(argv)
    a.sizes = parse_sizes(a.sizes)
    a.then_jobs = [int(x) for x in a.then_jobs.split(",") if x.strip()] if a.then_jobs else []
    a.command = "bench/bench.py " + " ".join(sys.argv[1:] if argv is None else argv)
    return a


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--render"]:   # the tables again from a results file (latest.json)
        data = json.loads(Path(argv[1] if len(argv) > 1 else RESULTS / "latest.json")
                          .read_text(encoding="utf-8"))
        print(render(data))
        return
    try:
        opts = options(argv)
        text = run(opts, log=lambda m: print(m, file=sys.stderr, flush=True))
    except BenchError as e:
        sys.exit(f"error: {e}")
    print(text)


if __name__ == "__main__":
    main()
