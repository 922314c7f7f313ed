"""Regenerate the README screenshots: docs/img/overview.png and docs/img/report.png.

    .venv/bin/python bench/screenshots.py [--out out/] [--report KEY]

Builds the sample corpus into OUT first when OUT has no graph yet (``kg build data/corpus``),
(re)writes the views, opens them in headless Chromium (offline: the pages load nothing from the
network) and saves 1400x900 screenshots once the layout has settled. The report shown is, unless
``--report`` names one, the one with the most problems whose view stays under 400 nodes.
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


def pick_report(out: Path) -> Path:
    """The report view with the most problems among those of at most 400 nodes."""
    best, best_n = None, -1
    for page in sorted((out / "views").glob("report-*.html")):
        text = page.read_text(encoding="utf-8")
        data = json.loads(re.search(r'<script id="kg-data" type="application/json">(.*?)</script>',
                                    text, re.S).group(1))
        problems = sum(1 for m in data["meta"] if m["cls"] == "problem")
        if len(data["nodes"]) <= 400 and problems > best_n:
            best, best_n = page, problems
    if best is None:
        raise SystemExit(f"no report view in {out / 'views'}")
    return best


def shoot(pages: dict[Path, Path], size: tuple[int, int] = (1400, 900)) -> None:
    """Open each page in headless Chromium and save a screenshot once it has settled."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="kg-chrome-")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                 f"--window-size={size[0]},{size[1]}", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        for page, png in pages.items():
            driver.get(page.resolve().as_uri())
            deadline = time.time() + 60
            while time.time() < deadline and not driver.execute_script(
                    "return !!(window.kg && window.kg.stabilized)"):
                time.sleep(0.1)
            time.sleep(0.5)  # let the last frame paint
            png.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(png))
            print(f"{png.relative_to(ROOT)}  ←  {page}")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "out")
    ap.add_argument("--report", default=None, help="the KEY of the report to show")
    ap.add_argument("--img", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    out = args.out
    if not (out / "kg.ttl").exists() and not (out / "store").exists():
        from kg.pipeline import build_corpus

        build_corpus([ROOT / "data" / "corpus"], out, write_views=False)
    from kg.site import write_views

    write_views(out)
    report = out / "views" / f"report-{args.report}.html" if args.report else pick_report(out)
    shoot({out / "views" / "overview.html": args.img / "overview.png",
           report: args.img / "report.png"})


if __name__ == "__main__":
    main()
