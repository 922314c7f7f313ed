"""Time a large view in headless Chromium: build a synthetic entity graph, draw it, wait for the
vis-network 'stabilizationIterationsDone' event and report the milliseconds.

    .venv/bin/python bench/view_scale.py --nodes 5000 [--runs 3] [--screenshot tests/artifacts/view-5k.png]

The graph is shaped like the corpus one (reports → problems → measures → shared units and
policies); it never feeds accuracy figures.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kg.views import render_page  # noqa: E402

ID = "https://w3id.org/rectkg/id/"


def synthetic_graph(n_nodes: int = 5000, seed: int = 1) -> nx.Graph:
    """An entity graph of about ``n_nodes`` nodes shaped like the corpus one."""
    rng = random.Random(seed)
    G = nx.Graph()
    n_orgs, n_pols, n_cons = n_nodes // 10, n_nodes // 14, max(5, n_nodes // 100)
    orgs = [f"{ID}org/{i}" for i in range(n_orgs)]
    pols = [f"{ID}policy/{i}" for i in range(n_pols)]
    cons = [f"{ID}concept/{i}" for i in range(n_cons)]
    for i, o in enumerate(orgs):
        G.add_node(o, type="organisation", label=f"单位{i}", source="s.txt", reports=1, quote="")
    for i, p in enumerate(pols):
        G.add_node(p, type="policy", label=f"制度{i}", source="s.txt", reports=1, quote="")
    for i, c in enumerate(cons):
        G.add_node(c, type="concept", label=f"概念{i}", source="s.txt", reports=1, quote="")
    statuses = ["completed", "in_progress", "unknown"]
    r = 0
    while G.number_of_nodes() < n_nodes:
        key = f"{r:016x}"
        rep, insp = f"{ID}report/{key}", f"{ID}inspection/{key}"
        G.add_node(rep, type="report", label=f"报告{r}", source=f"{r}.txt", reports=1, quote="")
        G.add_node(insp, type="inspection", label=f"巡察{r}", source=f"{r}.txt", reports=1, quote="")
        G.add_edge(rep, insp, rel="respondsTo", subject=rep)
        G.add_edge(insp, rng.choice(orgs), rel="inspected", subject=insp)
        for x in rng.sample(cons, 2) + rng.sample(orgs, 4) + rng.sample(pols, 2):
            G.add_edge(rep, x, rel="mentions", subject=rep)
        for p in range(25):
            prob = f"{ID}problem/{key}/{p}"
            G.add_node(prob, type="problem", label=f"问题{r}-{p}", status=rng.choice(statuses),
                       source=f"{r}.txt", reports=1, quote=f"问题{r}-{p}的原文")
            G.add_edge(prob, rep, rel="reportedIn", subject=prob)
            for m in range(3):
                meas = f"{ID}measure/{key}/{p}/{m}"
                G.add_node(meas, type="measure", label=f"措施{r}-{p}-{m}", source=f"{r}.txt",
                           reports=1, quote="")
                G.add_edge(meas, prob, rel="addresses", subject=meas)
                G.add_edge(meas, rng.choice(orgs), rel="responsibleUnit", subject=meas)
                if rng.random() < 0.3:
                    G.add_edge(meas, rng.choice(pols), rel="makes", subject=meas)
        r += 1
    return G


def measure(html_path: Path, runs: int = 3, screenshot: Path | None = None) -> dict:
    """Open the page ``runs`` times in a fresh headless Chromium; milliseconds to stabilise."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,900",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='kg-chrome-')}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        results = []
        for _ in range(runs):
            driver.get(html_path.resolve().as_uri())
            deadline = time.time() + 120
            while time.time() < deadline:
                if driver.execute_script("return !!(window.kg && window.kg.stabilized)"):
                    break
                time.sleep(0.05)
            results.append(driver.execute_script(
                "return {nodes: kg.network.body.data.nodes.length, created: kg.createdAt,"
                " stabilized: kg.stabilizedAt, started: kg.startedAt, laid: kg.laidOutAt,"
                " nav: performance.timing.navigationStart}"))
        if screenshot:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(screenshot))
    finally:
        driver.quit()
    since_start = [r["stabilized"] - r["started"] for r in results]
    since_load = [r["stabilized"] for r in results]
    return {"nodes": results[0]["nodes"], "runs": runs,
            "stabilise_ms_median": statistics.median(since_start),
            "page_to_stable_ms_median": statistics.median(since_load),
            "all_stabilise_ms": [round(x) for x in since_start]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--screenshot", type=Path, default=None)
    args = ap.parse_args()
    G = synthetic_graph(args.nodes)
    t = time.perf_counter()
    page = render_page(G, title=f"synthetic {G.number_of_nodes()} nodes", budget=len(G) + 1)
    t_render = time.perf_counter() - t
    out = Path(tempfile.mkdtemp(prefix="kg-view-")) / "big.html"
    out.write_text(page, encoding="utf-8")
    res = measure(out, args.runs, args.screenshot)
    print(f"nodes drawn            {res['nodes']}")
    print(f"edges                  {G.number_of_edges()}")
    print(f"python render (s)      {t_render:.2f}")
    print(f"stabilise (ms, median) {res['stabilise_ms_median']:.0f}   runs: {res['all_stabilise_ms']}")
    print(f"page start → stable    {res['page_to_stable_ms_median']:.0f} ms")


if __name__ == "__main__":
    main()
