"""kg.views: pages written from a small hand-written graph (and the sample corpus), opened in a
real headless Chromium: no console error, no network request, the expected number of nodes, and
document text (``<script>`` included) shown as text. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import importlib.util
import json
import re
import shutil
import tempfile
import time
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg import analyse, site, views

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "analyse_mini.trig"
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ID = "https://w3id.org/rectkg/id/"
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def mini_out(tmp_path_factory) -> Path:
    """An out folder whose graph is the hand-written one (kg.ttl: the union of its graphs)."""
    out = tmp_path_factory.mktemp("views") / "out"
    out.mkdir()
    store = ox.Store()
    store.load(path=str(MINI), format=ox.RdfFormat.TRIG)
    (out / "kg.ttl").write_bytes(ox.serialize([q.triple for q in store], format=ox.RdfFormat.TURTLE))
    site.write_views(out)
    return out


def payload(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    m = re.search(r'<script id="kg-data" type="application/json">(.*?)</script>', text, re.S)
    return json.loads(m.group(1))


# --------------------------------------------------------------------------- without a browser

def test_views_write_views_writes_every_page(mini_out):
    names = sorted(p.name for p in (mini_out / "views").glob("*.html"))
    assert "overview.html" in names
    assert [n for n in names if n.startswith("report-")] == [
        "report-aaaa000000000001.html", "report-bbbb000000000002.html", "report-cccc000000000003.html"]
    assert any(n.startswith("focus-policy-tiaoli") for n in names)
    index = (mini_out / "index.html").read_text(encoding="utf-8")
    for name in names:
        if name.startswith("report-"):
            assert f'href="views/{name}"' in index
    assert 'href="views/overview.html"' in index


def test_views_pages_reference_nothing_outside(mini_out):
    pages = [mini_out / "index.html", *sorted((mini_out / "views").glob("*.html"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=\s*["']?(https?:)?//""",
                             text, re.I), page
        for style in re.findall(r"<style>(.*?)</style>", text, re.S):
            assert "@import" not in style, page
            assert not re.search(r"""url\(\s*(?!["']?data:)""", style), page
        assert "default-src 'none'" in text, page     # a CSP that forbids every request


def test_views_document_text_is_escaped_everywhere(mini_out):
    pages = [mini_out / "index.html", *sorted((mini_out / "views").glob("*.html"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert XSS not in text, page
        assert 'href="http://example.org/"' not in text, page
    index = (mini_out / "index.html").read_text(encoding="utf-8")
    assert "乙区&lt;script&gt;alert(1)&lt;/script&gt;整改通报" in index
    report = (mini_out / "views" / "report-bbbb000000000002.html").read_text(encoding="utf-8")
    assert "<title>乙区&lt;script&gt;alert(1)&lt;/script&gt;整改通报</title>" in report
    tips = [m["tip"] for m in payload(mini_out / "views" / "report-bbbb000000000002.html")["meta"]]
    assert any(XSS + "财务管理不严格" in t for t in tips)     # the JSON keeps the text intact


def test_views_report_view_holds_its_report_only(mini_out):
    G = analyse.entity_graph(mini_out, categories=True)
    sub = views.report_subgraph(G, ID + "report/aaaa000000000001")
    kinds = sorted(d["type"] for _, d in sub.nodes(data=True))
    assert kinds.count("problem") == 4 and kinds.count("category") == 2 and kinds.count("measure") == 3
    assert ID + "problem/bbbb000000000002/0" not in sub
    assert ID + "policy/tiaoli" in sub and ID + "org/zuzhibu" in sub
    data = payload(mini_out / "views" / "report-aaaa000000000001.html")
    assert len(data["nodes"]) == sub.number_of_nodes()
    assert data["columns"]["direction"] == "LR" and data["nodes"][data["root"]]["group"] == "report"
    levels = {m["search"]: n["level"] for n, m in zip(data["nodes"], data["meta"])}
    assert levels["中共甲县委员会关于巡察整改情况的通报"] < levels["已整改完成的问题"] < \
        levels["理论学习深度不够"] < levels["村级党组织换届程序不规范"] < levels["制定理论学习中心组学习制度"] \
        < levels["理论学习中心组学习制度"]


def test_views_tooltips_carry_label_type_report_and_quote(mini_out):
    data = payload(mini_out / "views" / "overview.html")
    tips = {m["search"]: m["tip"] for m in data["meta"]}
    tip = tips["理论学习深度不够"]
    assert tip.splitlines()[:3] == ["理论学习深度不够",
                                    "type: problem · status: completed · 1 measure folded in",
                                    "report: a_report.txt"]
    assert "“理论学习深度不够”" in tip
    assert "report: a_report.txt (+2 more)" in tips["中国共产党问责条例"]
    assert all(m["tip"] for m in data["meta"])


def test_views_reduce_graph_respects_the_budget():
    G = _synthetic(2500)
    for budget in (2000, 600, 150):
        H = views.reduce_graph(G, budget)
        assert H.number_of_nodes() <= budget
        # nothing disappears: every original non-measure node is drawn or counted in a group
        drawn = sum(1 for _, d in H.nodes(data=True) if d["type"] not in ("group", "measure"))
        grouped = sum(d["count"] for _, d in H.nodes(data=True)
                      if d["type"] == "group" and d["of"] != "measure")
        assert drawn + grouped == sum(1 for _, d in G.nodes(data=True) if d["type"] != "measure")
    H = views.reduce_graph(G, 2000)
    assert not any(d["type"] == "measure" for _, d in H.nodes(data=True))
    assert sum(d.get("measures", 0) for _, d in H.nodes(data=True)) == \
        sum(1 for _, d in G.nodes(data=True) if d["type"] == "measure")


def test_views_focus_view_by_label_iri_and_short_iri(mini_out):
    by_label = views.focus_view(mini_out, "中国共产党问责条例", depth=1)
    by_iri = views.focus_view(mini_out, ID + "policy/tiaoli", depth=1)
    by_short = views.focus_view(mini_out, "policy/tiaoli", depth=1)
    assert by_label == by_iri == by_short
    data = payload(by_label)
    labels = {m["search"] for m in data["meta"]}
    assert {"中国共产党问责条例", "c_report.txt", "严格执行问责条例", "修订财务报销管理办法"} <= labels
    assert "理论学习深度不够" not in labels            # two links away
    with pytest.raises(Exception, match="no entity is named"):
        views.focus_view(mini_out, "没有这个单位")


def test_views_cli_view_and_focus(tmp_path, mini_out):
    from kg.cli import cli

    out = tmp_path / "out"
    shutil.copytree(mini_out, out)
    shutil.rmtree(out / "views")
    res = CliRunner().invoke(cli, ["view", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert (out / "views" / "overview.html").is_file() and (out / "index.html").is_file()
    res = CliRunner().invoke(cli, ["view", "--out", str(out), "--focus", "县委组织部", "--depth", "1"])
    assert res.exit_code == 0 and res.output.strip().endswith(".html")
    res = CliRunner().invoke(cli, ["view", "--out", str(out), "--focus", "没有这个单位"])
    assert res.exit_code != 0 and "no entity is named" in res.output


def test_views_big_corpus_links_one_shared_library(tmp_path, mini_out):
    out = tmp_path / "out"
    shutil.copytree(mini_out, out)
    site.write_views(out, inline=False)
    page = (out / "views" / "overview.html").read_text(encoding="utf-8")
    assert '<script src="lib/vis-network.min.js">' in page and len(page) < 100_000
    assert (out / "views" / "lib" / "vis-network.min.js").stat().st_size > 100_000


# --------------------------------------------------------------------------- in Chromium

def _browser_missing() -> str | None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        return "headless Chromium is not installed (Debian packages chromium, chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e .[test])"
    return None


needs_browser = pytest.mark.skipif(_browser_missing() is not None,
                                   reason=_browser_missing() or "")

_HOOK = """
window.__alerts = [];
window.alert = window.confirm = window.prompt = function (m) { window.__alerts.push(String(m)); };
"""


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="kg-chrome-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--window-size=1400,900", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_script_timeout(120)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _HOOK})
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, page: Path, shot: str | None = None, timeout: float = 120) -> dict:
    """Load a page, wait until the network has settled; return what the page did."""
    driver.get_log("performance")  # drain what came before
    driver.get_log("browser")
    driver.get(page.resolve().as_uri())
    deadline = time.time() + timeout
    while time.time() < deadline:
        if driver.execute_script("return !window.kg || window.kg.stabilized === true"):
            break
        time.sleep(0.05)
    requests = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            requests.append(msg["params"].get("request", {}).get("url") or msg["params"].get("url"))
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    console = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    if shot:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / shot))
    return {"requests": requests, "resources": resources, "console": console,
            "alerts": driver.execute_script("return window.__alerts")}


def _check_clean(result: dict) -> None:
    assert result["console"] == [], result["console"]
    outside = [u for u in result["requests"] + result["resources"]
               if not u.startswith(("file://", "data:"))]
    assert outside == [], outside
    assert result["alerts"] == []


@needs_browser
def test_views_every_page_opens_clean_in_chromium(browser, mini_out):
    pages = sorted((mini_out / "views").glob("*.html"))
    for page in pages:
        result = open_page(browser, page, shot=f"mini-{page.stem}.png")
        _check_clean(result)
        expected = len(payload(page)["nodes"])
        drawn = browser.execute_script("return kg.network.body.data.nodes.length")
        assert drawn == expected == browser.execute_script("return kg.expected"), page
        assert browser.execute_script(
            "return Object.keys(kg.network.body.nodes).filter(function (k) {"
            " return !k.startsWith('edgeId'); }).length") >= expected
    result = open_page(browser, mini_out / "index.html", shot="mini-index.png")
    _check_clean(result)


@needs_browser
def test_views_rendered_counts_match_the_graph(browser, mini_out):
    G = analyse.entity_graph(mini_out, categories=True)
    open_page(browser, mini_out / "views" / "overview.html")
    assert browser.execute_script("return kg.network.body.data.nodes.length") == \
        sum(1 for _, d in G.nodes(data=True) if d["type"] not in ("category", "measure"))
    open_page(browser, mini_out / "views" / "report-aaaa000000000001.html")
    assert browser.execute_script("return kg.network.body.data.nodes.length") == \
        views.report_subgraph(G, ID + "report/aaaa000000000001").number_of_nodes()


@needs_browser
def test_views_script_in_a_document_shows_as_text(browser, mini_out):
    result = open_page(browser, mini_out / "views" / "report-bbbb000000000002.html",
                       shot="mini-xss-report.png")
    _check_clean(result)
    from selenium.webdriver.common.by import By

    assert browser.find_element(By.TAG_NAME, "h1").text == "乙区" + XSS + "整改通报"
    assert browser.title == "乙区" + XSS + "整改通报"
    assert browser.execute_script(
        "return Array.from(document.scripts).filter(function (s) {"
        " return s.textContent.trim() === 'alert(1)'; }).length") == 0
    # hover the problem whose label holds markup: its tooltip is text, with no element inside
    node = browser.execute_script(
        "return kg.meta.findIndex(function (m) { return m.search.indexOf('财务管理不严格') >= 0; })")
    browser.execute_script("kg.network.emit('hoverNode', {node: arguments[0],"
                           " event: {clientX: 300, clientY: 300}})", node)
    tip = browser.find_element(By.ID, "kg-tooltip")
    assert tip.is_displayed() and XSS + "财务管理不严格" in tip.text
    assert '<a href="http://example.org/">x</a>' in tip.text
    # the tooltip holds only our own line elements (<bdi> per line, <br>): nothing parsed from text
    assert set(browser.execute_script(
        "return Array.from(document.querySelectorAll('#kg-tooltip *')).map(function (e) {"
        " return e.tagName; })")) == {"BDI", "BR"}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "mini-xss-tooltip.png"))
    index = open_page(browser, mini_out / "index.html")
    _check_clean(index)
    assert XSS in browser.find_element(By.TAG_NAME, "table").text
    assert browser.execute_script("return window.__alerts") == []


@needs_browser
def test_views_filters_and_search_work(browser, mini_out):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, mini_out / "views" / "overview.html")
    hidden = "return kg.nodes.get({filter: function (n) { return n.hidden; }}).length"
    assert browser.execute_script(hidden) == 0
    browser.find_element(By.CSS_SELECTOR, 'input[data-cls="problem"]').click()
    assert browser.execute_script(hidden) == 8
    browser.find_element(By.CSS_SELECTOR, 'input[data-cls="problem"]').click()
    browser.find_element(By.CSS_SELECTOR, 'input[data-status="in_progress"]').click()
    assert browser.execute_script(hidden) == 3
    browser.find_element(By.CSS_SELECTOR, 'input[data-status="in_progress"]').click()
    box = browser.find_element(By.ID, "kg-search")
    box.send_keys("理论学习")   # a problem and a policy
    assert browser.find_element(By.ID, "kg-found").text == "1 / 3"
    box.send_keys(Keys.ENTER)
    assert browser.find_element(By.ID, "kg-found").text == "2 / 3"
    assert len(browser.execute_script("return kg.network.getSelectedNodes()")) == 3
    assert "理论学习" in browser.find_element(By.ID, "kg-details").text


@needs_browser
def test_views_sample_corpus_views_open_clean(browser, built_corpus):
    """The views `kg build data/corpus` wrote (the real reports), every one."""
    pages = sorted((built_corpus / "views").glob("*.html"))
    assert any(p.name.startswith("report-") for p in pages)
    for page in pages:
        result = open_page(browser, page, shot=f"corpus-{page.stem}.png"
                           if not page.stem.startswith("focus-") else None)
        _check_clean(result)
        assert browser.execute_script("return kg.network.body.data.nodes.length") == \
            len(payload(page)["nodes"]) > 0
    _check_clean(open_page(browser, built_corpus / "index.html", shot="corpus-index.png"))


@needs_browser
@pytest.mark.slow
def test_views_5k_node_view_stabilises(browser, tmp_path):
    """Measures (does not assert) the time a 5,000-node view takes to settle; prints it."""
    G = _synthetic(5000)
    page = tmp_path / "big.html"
    page.write_text(views.render_page(G, title="5k", budget=len(G)), encoding="utf-8")
    times = []
    for _ in range(3):
        result = open_page(browser, page)
        _check_clean(result)
        assert browser.execute_script("return kg.network.body.data.nodes.length") == len(G)
        times.append(browser.execute_script("return kg.stabilizedAt - kg.startedAt"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "synthetic-5k.png"))
    print(f"\n5k-node view ({len(G)} nodes, {G.number_of_edges()} edges): stabilised in "
          f"{sorted(times)[1]:.0f} ms (median of {[round(t) for t in times]})")


def _synthetic(n: int) -> nx.Graph:
    spec = importlib.util.spec_from_file_location("view_scale", ROOT / "bench" / "view_scale.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.synthetic_graph(n)


def test_views_same_graph_same_pages_whatever_the_hash_seed(tmp_path, built_corpus):
    """Every page of the site is a function of the graph: two processes with different string
    hash seeds (set order differs between them) write the same bytes. Report and focus views
    took their nodes in set order before, so a rebuild of an unchanged corpus rewrote them."""
    import os
    import subprocess
    import sys

    code = ("import sys; from kg import site; "
            "site.write_site(sys.argv[1], sys.argv[2], as_of='2026-01-01')")
    trees = []
    for seed in ("1", "2"):
        target = tmp_path / f"site-{seed}"
        subprocess.run([sys.executable, "-c", code, str(built_corpus), str(target)], check=True,
                       env=dict(os.environ, PYTHONHASHSEED=seed), cwd=ROOT, timeout=300)
        trees.append({p.relative_to(target): p.read_bytes() for p in target.rglob("*") if p.is_file()})
    assert any(str(p).startswith("views/focus-") for p in trees[0])
    assert any(str(p).startswith("views/report-") for p in trees[0])
    assert trees[0].keys() == trees[1].keys()
    assert [p for p in trees[0] if trees[0][p] != trees[1][p]] == []


def test_views_pages_written_in_two_processes_are_the_ones_written_in_one(tmp_path):
    """The report pages and report views of 50 real web pages, written by two forked processes
    (batches of 25), are byte for byte those of one process, and the graph views' links to
    evidence (anchors, collected from the report pages) are the same."""
    from kg.pipeline import build_corpus
    from kg.store import Store

    out = tmp_path / "out"
    summary = build_corpus([ROOT / "tests" / "gold-web"], out, write_views=False)
    assert summary.reports_total >= 50 and not summary.failures
    trees = []
    with Store.open(out, read_only=True) as st:
        mem = st.to_memory()
        for jobs in (1, 2):
            target = tmp_path / f"site-{jobs}"
            site.write_site(mem, target, as_of="2026-01-01", jobs=jobs)
            trees.append({p.relative_to(target): p.read_bytes()
                          for p in target.rglob("*") if p.is_file()})
        # the anchors (where the graph views link a node to) as one process finds them
        from datetime import date

        from kg.ledger import ledger_rows
        from kg.reports import report_info

        db = analyse.open_source(mem)
        info = report_info(db)
        rows: dict = {}
        for row in ledger_rows(db, as_of=date(2026, 1, 1)):
            rows.setdefault(row["report_iri"], []).append(row)
        want: dict = {}
        for r in sorted(info, key=lambda r: (info[r]["source"], r)):
            site.report_page(db, info[r], rows.get(r, []), today=date(2026, 1, 1), anchors=want)
        got: dict = {}
        pages = list(site.report_pages(db, info, rows, today=date(2026, 1, 1), compare={},
                                       graph_views=True, anchors=got, jobs=2))
    assert len(pages) == len(info) and got == want
    assert len({where[0] for where in want.values()}) > 25   # from both batches
    assert len([p for p in trees[0] if p.parts[0] == "reports"]) == summary.reports_total
    assert len([p for p in trees[0] if p.name.startswith("report-")]) == summary.reports_total
    assert trees[0].keys() == trees[1].keys()
    assert [p for p in trees[0] if trees[0][p] != trees[1][p]] == []


def test_views_pages_of_a_store_on_disk_made_from_its_files_are_the_ones_read_off_the_store(tmp_path, monkeypatch):
    """Above what fits in memory the build's report pages are made from the generation's N-Quads
    files, a batch at a time in two processes (off the disk store a page took ~90 ms): on 50 real
    web pages (and the five samples) every file of the site, and every evidence anchor, is the
    one written off the store on disk by one process, and the one written from a copy in memory."""
    from datetime import date

    from kg import pool
    from kg.ledger import ledger_rows
    from kg.pipeline import build_corpus
    from kg.reports import report_info
    from kg.store import Store

    out = tmp_path / "out"
    summary = build_corpus([ROOT / "tests" / "gold-web", ROOT / "data" / "corpus"], out,
                           write_views=False)
    assert summary.reports_total >= 55 and not summary.failures
    nquads = out / "current" / "nquads"
    assert (nquads / "shared.nq").is_file()
    torn = tmp_path / "nquads-torn"   # a report's file missing: its pages come off the store
    shutil.copytree(nquads, torn)
    next(p for p in sorted(torn.glob("*.nq")) if p.name != "shared.nq").unlink()
    trees = {}
    with Store.open(out, read_only=True) as st:
        for how, source, options in (("disk", st, {}), ("files", st, {"jobs": 2, "nquads": nquads}),
                                     ("memory", st.to_memory(), {"jobs": 2}),
                                     ("torn", st, {"jobs": 2, "nquads": torn})):
            target = tmp_path / f"site-{how}"
            with monkeypatch.context() as m:
                if how == "torn":   # read off the disk: never in a forked process
                    m.setattr(pool, "run", lambda *a, **k: pytest.fail("the disk store was forked"))
                site.write_site(source, target, as_of="2026-01-01", **options)
            trees[how] = {p.relative_to(target): p.read_bytes()
                          for p in target.rglob("*") if p.is_file()}
        db = analyse.open_source(st)
        info = report_info(db)
        rows: dict = {}
        for row in ledger_rows(db, as_of=date(2026, 1, 1)):
            rows.setdefault(row["report_iri"], []).append(row)
        anchors = {}
        for how, options in (("disk", {}), ("files", {"jobs": 2, "nquads": nquads})):
            anchors[how] = {}
            pages = list(site.report_pages(db, info, rows, today=date(2026, 1, 1), compare={},
                                           graph_views=True, anchors=anchors[how], **options))
            assert len(pages) == len(info)
    assert anchors["files"] == anchors["disk"] and len(anchors["disk"]) > 1000
    assert len([p for p in trees["disk"] if p.parts[0] == "reports"]) == summary.reports_total
    for how in ("files", "memory", "torn"):
        assert trees[how].keys() == trees["disk"].keys()
        assert [p for p in trees["disk"] if trees[how][p] != trees["disk"][p]] == []
