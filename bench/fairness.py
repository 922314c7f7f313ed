"""Fairness of `kg serve`: how fast a simple SELECT is answered while 50 clients send heavy queries.

Two loads, each run ``--runs`` times (median of the runs printed last):

- ``steady``:  50 clients loop on a query that takes about 0.5 s alone (calibrated on the
  server before the runs);
- ``explode``: 50 clients loop on a query that never finishes in time (a four-way cartesian
  product, stopped at the server's timeout).

Meanwhile one probe client (from 127.0.0.1) sends a simple SELECT every 50 ms and records its
latency and errors; the heavy clients come from their own loopback addresses (127.0.0.2 …, the
way 50 users on 50 machines would; ``--same-address`` sends them from 127.0.0.1 too). Only
loopback is ever contacted; every client stops at the deadline and every request has a timeout.

    python bench/fairness.py                                   # build data/corpus, start kg serve
    python bench/fairness.py --out out/ --seconds 30 --runs 3
    python bench/fairness.py --url http://127.0.0.1:8080/sparql --load explode
    python bench/fairness.py --serve-arg=--workers --serve-arg=6

Printed with the figures: the 1-minute load average before each run (it includes the previous
run), the machine's busy share during the run, and the share taken by other work (every process
but this script and kg serve's): the machine has 2 cores shared with others, so note how quiet
it was.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parent.parent
JSON = "application/sparql-results+json"
SIMPLE = ("PREFIX rk: <https://w3id.org/rectkg/ontology#> "
          "PREFIX dcterms: <http://purl.org/dc/terms/> "
          "SELECT ?r ?source WHERE { ?r a rk:Report ; dcterms:source ?source } ORDER BY ?source")
# COUNT over (all triples × the first N triples): its cost grows with N, so N is calibrated
STEADY = ("SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . "
          "{{ SELECT ?x WHERE {{ ?x ?y ?z }} LIMIT {n} }} }}")
EXPLODE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


class _FromAddress(HTTPAdapter):
    """A requests adapter whose connections leave from one local address."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str | None) -> requests.Session:
    s = requests.Session()
    if address:
        s.mount("http://", _FromAddress(address))
    return s


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[max(0, min(len(v) - 1, round(p / 100 * (len(v) - 1))))]


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields) - idle, sum(fields)


def _others_jiffies() -> dict[int, int]:
    """CPU jiffies used so far by each process that is neither this script nor kg serve (its
    server or a query worker): the other work sharing the machine."""
    me = os.getpid()
    out = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit() or int(d.name) == me:
            continue
        try:
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ")
            stat = (d / "stat").read_text()
        except OSError:
            continue
        if b"kg serve" in cmd or b"kg.serve" in cmd:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        out[int(d.name)] = int(fields[11]) + int(fields[12])  # utime + stime
    return out


def calibrate(url: str, target: float = 0.5) -> tuple[str, float]:
    """The STEADY query with N chosen so that it takes about ``target`` seconds alone."""
    n, took = 50, 0.0
    with session_from(None) as s:
        for _ in range(6):
            query = STEADY.format(n=n)
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                r = s.post(url, data={"query": query}, headers={"Accept": JSON}, timeout=60)
                if r.status_code != 200:
                    raise SystemExit(f"calibration query failed: HTTP {r.status_code} {r.text}")
                times.append(time.perf_counter() - t0)
            took = statistics.median(times)
            if abs(took - target) / target < 0.15:
                break
            n = max(1, round(n * target / max(took, 0.005)))
    return STEADY.format(n=n), took


def run_once(url: str, heavy_query: str, *, clients: int, seconds: float,
             same_address: bool) -> dict:
    """One run: ``clients`` heavy clients and one probe for ``seconds``."""
    stop = threading.Event()
    probe_ms: list[float] = []
    probe_errors: list[str] = []
    heavy: dict[str, list] = {"ok": [], "busy": [], "other": []}
    lock = threading.Lock()

    def heavy_client(i: int) -> None:
        address = None if same_address else f"127.0.0.{2 + i}"
        with session_from(address) as s:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    r = s.post(url, data={"query": heavy_query}, headers={"Accept": JSON},
                               timeout=60)
                    kind = "ok" if r.status_code == 200 else "busy" if r.status_code in (
                        429, 503) else "other"
                except requests.RequestException:
                    kind = "other"
                with lock:
                    heavy[kind].append((time.perf_counter() - t0) * 1000)

    def probe() -> None:
        with session_from("127.0.0.1") as s:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    r = s.post(url, data={"query": SIMPLE}, headers={"Accept": JSON}, timeout=30)
                    ok = r.status_code == 200 and r.json()["results"]["bindings"]
                    problem = None if ok else f"HTTP {r.status_code} {r.text[:100]}"
                except (requests.RequestException, ValueError) as e:
                    problem = f"{type(e).__name__}: {e}"
                ms = (time.perf_counter() - t0) * 1000
                probe_ms.append(ms)
                if problem:
                    probe_errors.append(problem)
                stop.wait(0.05)

    load_before = os.getloadavg()[0]
    busy0, total0 = _cpu_times()
    others0 = _others_jiffies()
    threads = [threading.Thread(target=heavy_client, args=(i,), daemon=True)
               for i in range(clients)]
    threads.append(threading.Thread(target=probe, daemon=True))
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(90)
    busy1, total1 = _cpu_times()
    others1 = _others_jiffies()
    others = sum(v - others0.get(pid, 0) for pid, v in others1.items())
    return {
        "load_before": round(load_before, 2),
        "machine_busy": round((busy1 - busy0) / max(1, total1 - total0), 2),
        "others_busy": round(others / max(1, total1 - total0), 2),
        "probe_requests": len(probe_ms),
        "probe_errors": len(probe_errors),
        "probe_error_samples": probe_errors[:3],
        "probe_p50_ms": round(_percentile(probe_ms, 50), 1),
        "probe_p95_ms": round(_percentile(probe_ms, 95), 1),
        "probe_p99_ms": round(_percentile(probe_ms, 99), 1),
        "probe_max_ms": round(max(probe_ms), 1) if probe_ms else float("nan"),
        "heavy_ok": len(heavy["ok"]),
        "heavy_busy": len(heavy["busy"]),
        "heavy_other": len(heavy["other"]),
        "heavy_ok_p50_ms": round(_percentile(heavy["ok"], 50), 1),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(out: Path, extra: list[str]) -> tuple[subprocess.Popen, str]:
    """``kg serve --quiet`` on a free loopback port, as a separate process."""
    port = _free_port()
    cmd = [sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port),
           "--quiet", *extra]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"kg serve exited with code {proc.returncode}")
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("kg serve did not answer within 120 s")


def _median_of(runs: list[dict]) -> dict:
    return {k: round(statistics.median(r[k] for r in runs), 2) for k in runs[0]
            if isinstance(runs[0][k], (int, float))}


def _line(stats: dict) -> str:
    return (f"probe: {stats['probe_requests']:.0f} requests, {stats['probe_errors']:.0f} errors, "
            f"p50 {stats['probe_p50_ms']:.0f} ms, p95 {stats['probe_p95_ms']:.0f} ms, "
            f"p99 {stats['probe_p99_ms']:.0f} ms, max {stats['probe_max_ms']:.0f} ms | heavy: "
            f"{stats['heavy_ok']:.0f} answered, {stats['heavy_busy']:.0f} busy/timed out, "
            f"{stats['heavy_other']:.0f} other | load before {stats['load_before']}, "
            f"machine busy {stats['machine_busy']:.0%}, of which other work "
            f"{stats['others_busy']:.0%}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running endpoint (default: start kg serve here)")
    ap.add_argument("--out", type=Path, help="the folder kg build wrote (default: build "
                                             "data/corpus into a temporary folder)")
    ap.add_argument("--load", choices=["steady", "explode", "both"], default="both")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--same-address", action="store_true",
                    help="send the heavy clients from 127.0.0.1 like the probe")
    ap.add_argument("--serve-arg", action="append", default=[],
                    help="an extra argument for kg serve (repeat it)")
    ap.add_argument("--json", action="store_true", help="print every run as JSON too")
    args = ap.parse_args(argv)
    proc = tmp = None
    try:
        url = args.url
        if url is None:
            out = args.out
            if out is None:
                tmp = tempfile.TemporaryDirectory(prefix="kg-fair-")
                out = Path(tmp.name) / "out"
                subprocess.run([sys.executable, "-m", "kg", "build", str(ROOT / "data" / "corpus"),
                                "--out", str(out), "--no-views", "--quiet"], check=True, cwd=ROOT,
                               stdout=subprocess.DEVNULL)
            proc, url = start_server(out, args.serve_arg)
        loads = ["steady", "explode"] if args.load == "both" else [args.load]
        summary = {}
        for load in loads:
            if load == "steady":
                query, took = calibrate(url)
                print(f"steady: the heavy query takes {took * 1000:.0f} ms alone", flush=True)
            else:
                query = EXPLODE
            runs = []
            for i in range(args.runs):
                stats = run_once(url, query, clients=args.clients, seconds=args.seconds,
                                 same_address=args.same_address)
                runs.append(stats)
                print(f"{load} run {i + 1}: {_line(stats)}", flush=True)
                if args.json:
                    print(json.dumps(stats, ensure_ascii=False))
                if stats["probe_error_samples"]:
                    print(f"  probe errors: {stats['probe_error_samples']}")
            summary[load] = _median_of(runs)
        for load, stats in summary.items():
            print(f"{load} median of {args.runs}: {_line(stats)}")
        ok = all(s["probe_errors"] == 0 and s["probe_p95_ms"] < 500 for s in summary.values())
        return 0 if ok else 1
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
