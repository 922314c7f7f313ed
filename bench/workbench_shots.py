"""Write the workbench site of a built folder, time it, and screenshot its pages.

    .venv/bin/python bench/workbench_shots.py --out out/ [--site DIR] [--prefix sample]
        [--as-of 2021-10-01] [--size 1400x900] [--img docs/img]

Times ``write_site`` (the whole site: report pages, graph views, compare, index), then opens in
headless Chromium (offline) the index, the report page with the most ledger rows that have a
deadline or a responsible unit (after clicking such a row, so the marked span shows), the
comparison and the corpus overview, and saves PREFIX-index.png, PREFIX-ledger.png (the report
page's top: header, counts, ledger), PREFIX-report.png,
PREFIX-compare.png and PREFIX-overview.png. Chinese text needs a CJK font (fonts-wqy-microhei).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_report(site: Path) -> Path:
    """The report page with the most ledger rows naming a deadline or a unit (then the most rows)."""
    best, score = None, (-1, -1)
    for page in sorted((site / "reports").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        rows = text.count('<tr id="row-')
        rich = len(re.findall(r'data-goto="\d+"><bdi>', text))
        if (rich, rows) > score and rows < 60:
            best, score = page, (rich, rows)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="a folder `kg build` wrote")
    ap.add_argument("--site", type=Path, default=None, help="where to write the site (default: OUT)")
    ap.add_argument("--prefix", default="sample")
    ap.add_argument("--as-of", default=None)
    ap.add_argument("--size", default="1400x900")
    ap.add_argument("--img", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--no-shots", action="store_true", help="only write and time the site")
    args = ap.parse_args()
    from kg.site import write_site
    from kg.store import open_store

    site = args.site or args.out
    t0 = time.perf_counter()
    with open_store(args.out) as store:
        paths = write_site(store, site, as_of=args.as_of)
    took = time.perf_counter() - t0
    reports = len(list((site / "reports").glob("*.html")))
    print(f"write_site: {len(paths)} files for {reports} reports in {took:.1f} s "
          f"({1000 * took / max(1, reports):.0f} ms a report)")
    if args.no_shots:
        return
    w, h = (int(x) for x in args.size.split("x"))
    report = best_report(site)
    shoot(w, h, [(site / "index.html", args.img / f"{args.prefix}-index.png", None),
                 (report, args.img / f"{args.prefix}-ledger.png", None),
                 (report, args.img / f"{args.prefix}-report.png", "row"),
                 (site / "compare.html", args.img / f"{args.prefix}-compare.png", None),
                 (site / "views" / "overview.html", args.img / f"{args.prefix}-overview.png", None)])


def shoot(w: int, h: int, pages: list) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="kg-chrome-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--hide-scrollbars",
                 f"--window-size={w},{h}", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        for page, png, action in pages:
            driver.get(page.resolve().as_uri())
            t0 = time.time()
            while time.time() - t0 < 120 and not driver.execute_script(
                    "return !window.kg || window.kg.stabilized === true"):
                time.sleep(0.1)
            settled = time.time() - t0
            if action == "row":  # click the richest ledger row: its span is marked in the text
                driver.execute_script("""
                    var rows = Array.from(document.querySelectorAll('#ledger tbody tr[data-goto]'));
                    var best = rows.filter(function (r) { return r.querySelectorAll('[data-goto]').length; })[0] || rows[0];
                    var i = parseInt(best.getAttribute('data-goto'), 10);
                    kg.activate(i, false);
                    document.querySelector('#text .f.active').scrollIntoView({block: 'center'});
                    window.scrollBy(0, 120);""")
            time.sleep(0.5)
            png.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(png))
            errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
            print(f"{png}  ←  {page.name} (settled in {settled:.1f} s){' ERRORS ' + json.dumps(errors) if errors else ''}")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
