"""Load test of `kg serve`: N concurrent clients (each from its own loopback address) for S seconds, a mix of saved questions.

Reports requests, errors, throughput and latency percentiles (p50/p95/p99/max), overall and per
query. Bounded: every client stops at the deadline, every request has a client-side timeout.

    python bench/load_test.py                          # build data/corpus into a temp dir, 50 × 60 s
    python bench/load_test.py --out out/ --clients 50 --seconds 60
    python bench/load_test.py --url http://127.0.0.1:8080/sparql   # a server already running

Without ``--url`` it starts ``kg serve --quiet`` as a separate process on a free loopback port, so
the clients and the server do not share an interpreter. tests/test_serve.py runs a 5-second
version of :func:`run_load` and asserts that there are no errors.
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
import requests.adapters

ROOT = Path(__file__).resolve().parent.parent
JSON = "application/sparql-results+json"

# Questions in the spirit of the saved ones, written out so the mix does not depend on them.
EXTRA_QUERIES = [
    ("ask-problems", "ASK { ?p a rk:Problem }", JSON),
    ("count-by-class", "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class "
                       "ORDER BY DESC(?n)", JSON),
    ("problems-by-status", "SELECT ?status (COUNT(?p) AS ?n) WHERE { ?p a rk:Problem ; "
                           "rk:status ?status } GROUP BY ?status", "text/csv"),
    ("problems-no-measure", "SELECT ?p ?label WHERE { ?p a rk:Problem ; rdfs:label ?label "
                            "FILTER NOT EXISTS { ?m rk:addresses ?p } } LIMIT 100", JSON),
    ("units-most-measures", "SELECT ?unit (COUNT(?m) AS ?n) WHERE { ?m rk:responsibleUnit ?u . "
                            "?u skos:prefLabel ?unit } GROUP BY ?unit ORDER BY DESC(?n) LIMIT 20",
     "text/tab-separated-values"),
    ("describe-report", "CONSTRUCT { ?r ?p ?o } WHERE { ?r a rk:Report ; ?p ?o "
                        "FILTER(?p != rk:content) }", "text/turtle"),
    ("problem-ledger-xml", "SELECT ?problem ?measure WHERE { ?p a rk:Problem ; rdfs:label "
                           "?problem . OPTIONAL { ?m rk:addresses ?p ; rdfs:label ?measure } } "
                           "LIMIT 200", "application/sparql-results+xml"),
]


def _ask(url: str, query: str) -> list[dict]:
    r = requests.post(url, data={"query": query}, headers={"Accept": JSON}, timeout=30)
    r.raise_for_status()
    return r.json()["results"]["bindings"]


def query_mix(url: str) -> list[tuple[str, str, str]]:
    """(name, SPARQL, Accept) for every saved question plus :data:`EXTRA_QUERIES`.

    Optional parameters are left out; a required one is filled with a value from the data
    (an organisation's label for ``org``). Questions that fail once before the test starts are
    left out and named on stderr, so the load test measures the server, not a broken query.
    """
    sys.path.insert(0, str(ROOT))
    from kg.query import fill_params, list_queries, load_saved

    samples = {}
    rows = _ask(url, "SELECT ?l WHERE { ?o a org:Organization ; skos:prefLabel ?l } "
                     "ORDER BY ?l LIMIT 1")
    if rows:
        samples["org"] = rows[0]["l"]["value"]
    rows = _ask(url, "SELECT ?s WHERE { ?r a rk:Report ; dcterms:source ?s } ORDER BY ?s LIMIT 1")
    if rows:
        samples["report"] = rows[0]["s"]["value"]
    mix = []
    for name, _, _ in list_queries():
        saved = load_saved(name)
        values = {p: samples[p] for p, (required, _) in saved.params.items()
                  if required and p in samples}
        try:
            text = fill_params(saved.text, values, saved.params, name)
        except Exception as e:  # noqa: BLE001 - a parameter we cannot fill
            print(f"load test: leaving out {name}: {e}", file=sys.stderr)
            continue
        mix.append((name, text, JSON))
    mix += EXTRA_QUERIES
    usable = []
    for name, text, accept in mix:
        r = requests.post(url, data={"query": text}, headers={"Accept": accept}, timeout=60)
        if r.status_code == 200:
            usable.append((name, text, accept))
        else:
            print(f"load test: leaving out {name}: HTTP {r.status_code} {r.text[:200]}",
                  file=sys.stderr)
    return usable


def _percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


class _FromAddress(requests.adapters.HTTPAdapter):
    """A requests adapter whose connections leave from one local address."""

    def __init__(self, address: str, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def run_load(url: str, queries: list[tuple[str, str, str]], *, clients: int = 50,
             seconds: float = 60.0, request_timeout: float = 30.0,
             same_address: bool = False) -> dict:
    """``clients`` threads, each with its own HTTP session, send ``queries`` round-robin until
    ``seconds`` have passed. Returns counts and latency percentiles in milliseconds.

    Each client sends from its own loopback address (127.0.0.2, …: 50 users, as kg serve's
    per-client limits see them) unless ``same_address``: then all from 127.0.0.1, one client to
    the server, whose heavy queries run one at a time (``kg serve --heavy-per-client``)."""
    if not queries:
        raise ValueError("no queries to send")
    latencies: list[list[float]] = [[] for _ in range(clients)]
    per_query: dict[str, list[float]] = {name: [] for name, _, _ in queries}
    errors: list[str] = []
    served = set()
    lock = threading.Lock()
    start_barrier = threading.Barrier(clients + 1)
    deadline_box: list[float] = []

    def client(i: int) -> None:
        session = requests.Session()
        if not same_address:
            session.mount("http://", _FromAddress(f"127.0.0.{2 + i}"))
        start_barrier.wait()
        deadline = deadline_box[0]
        n = i
        while time.monotonic() < deadline:
            name, text, accept = queries[n % len(queries)]
            n += 1
            t0 = time.perf_counter()
            try:
                r = session.post(url, data={"query": text}, headers={"Accept": accept},
                                 timeout=request_timeout)
                ok = r.status_code == 200 and len(r.content) > 0
                problem = None if ok else f"{name}: HTTP {r.status_code} {r.text[:120]}"
            except requests.RequestException as e:
                ok, problem = False, f"{name}: {type(e).__name__}: {e}"
            ms = (time.perf_counter() - t0) * 1000
            latencies[i].append(ms)
            with lock:
                per_query[name].append(ms)
                if ok:
                    served.add(i)
                else:
                    errors.append(problem)
        session.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    deadline_box.append(time.monotonic() + seconds)
    started = time.monotonic()
    start_barrier.wait()
    for t in threads:
        t.join(seconds + request_timeout + 30)
    elapsed = time.monotonic() - started
    all_ms = sorted(ms for lst in latencies for ms in lst)
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "requests": len(all_ms),
        "errors": len(errors),
        "error_samples": errors[:5],
        "clients_served": len(served),
        "requests_per_second": round(len(all_ms) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(_percentile(all_ms, 50), 1),
        "p95_ms": round(_percentile(all_ms, 95), 1),
        "p99_ms": round(_percentile(all_ms, 99), 1),
        "max_ms": round(all_ms[-1], 1) if all_ms else float("nan"),
        "per_query": {name: {"requests": len(v), "p50_ms": round(statistics.median(v), 1)}
                      for name, v in per_query.items() if v},
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(out: Path, workers: int | None) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    cmd = [sys.executable, "-m", "kg", "serve", "--out", str(out), "--port", str(port), "--quiet"]
    if workers:
        cmd += ["--workers", str(workers)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/sparql"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"kg serve exited with code {proc.returncode}")
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=2)
            return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("kg serve did not answer within 60 s")


def _render(stats: dict) -> str:
    lines = [f"{stats['clients']} clients for {stats['seconds']} s: {stats['requests']} requests "
             f"({stats['requests_per_second']}/s), {stats['errors']} errors, "
             f"{stats['clients_served']} clients served",
             f"latency ms: p50 {stats['p50_ms']}  p95 {stats['p95_ms']}  p99 {stats['p99_ms']}  "
             f"max {stats['max_ms']}", "per query (requests, p50 ms):"]
    for name, q in sorted(stats["per_query"].items()):
        lines.append(f"  {name:28} {q['requests']:7}  {q['p50_ms']:8.1f}")
    for e in stats["error_samples"]:
        lines.append(f"  error: {e}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running endpoint (default: start kg serve here)")
    ap.add_argument("--out", type=Path, help="the folder kg build wrote (default: build "
                                             "data/corpus into a temporary folder)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=None, help="kg serve --workers")
    ap.add_argument("--same-address", action="store_true",
                    help="send every client from 127.0.0.1 (one client to the server)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    proc = None
    tmp = None
    try:
        url = args.url
        if url is None:
            out = args.out
            if out is None:
                tmp = tempfile.TemporaryDirectory(prefix="kg-load-")
                out = Path(tmp.name) / "out"
                subprocess.run([sys.executable, "-m", "kg", "build", str(ROOT / "data" / "corpus"),
                                "--out", str(out), "--no-views", "--quiet"], check=True, cwd=ROOT,
                               stdout=subprocess.DEVNULL)
            proc, url = _start_server(out, args.workers)
        queries = query_mix(url)
        print(f"load test: {len(queries)} queries in the mix, {args.clients} clients, "
              f"{args.seconds:g} s against {url}", file=sys.stderr)
        stats = run_load(url, queries, clients=args.clients, seconds=args.seconds,
                         same_address=args.same_address)
        print(json.dumps(stats, indent=2, ensure_ascii=False) if args.json else _render(stats))
        return 1 if stats["errors"] else 0
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
