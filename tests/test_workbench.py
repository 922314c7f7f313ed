"""The rectification workbench on real files: two reports on one unit written for these tests
(tests/data/rounds: a round and its 回头看), built with the real pipeline, and the sample corpus.

The ledger's xlsx is opened with openpyxl, the rounds are compared, write_site is run twice into
one folder, and the pages are opened in headless Chromium: no console error, no request, a click
on a ledger row marks the span whose text is the problem, a <script> in a report stays text."""
from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg import compare, ledger
from kg.cli import cli
from kg.site import write_site
from kg.store import open_store

from test_views import _check_clean, browser, needs_browser, open_page  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = ROOT / "tests" / "data" / "rounds"
ARTIFACTS = ROOT / "tests" / "artifacts"
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def rounds_out(tmp_path_factory) -> Path:
    """`kg build tests/data/rounds` (no views): the store of the two rounds."""
    from kg.pipeline import build_corpus

    out = tmp_path_factory.mktemp("rounds") / "out"
    summary = build_corpus([ROUNDS], out, write_views=False)
    assert not summary.failures, summary.failures
    return out


@pytest.fixture(scope="module")
def rounds_site(rounds_out, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    with open_store(rounds_out) as store:
        write_site(store, site, as_of="2021-12-26")
    return site


def _rows(out, as_of):
    return {r["problem"]: r for r in ledger.ledger_rows(out, as_of=as_of)}


# --------------------------------------------------------------------------- the ledger

def test_ledger_status_and_lights_for_a_fixed_day(rounds_out):
    rows = _rows(rounds_out, "2021-12-26")
    assert (rows["工程项目审批把关不严"]["ledger_status"], rows["工程项目审批把关不严"]["light"]) == ("已销号", "")
    car = rows["公务用车管理不规范"]            # due 12月31日 (the report's year): 5 days left
    assert (car["due"], car["days_left"], car["ledger_status"], car["light"]) == ("2021-12-31", 5, "整改中", "yellow")
    money = rows[XSS + "财务报销审核不严"]       # due 2022-01-10: 15 days left
    assert (money["days_left"], money["light"]) == (15, "green")
    later = _rows(rounds_out, "2022-01-05")
    assert (later["公务用车管理不规范"]["ledger_status"], later["公务用车管理不规范"]["light"]) == ("逾期", "red")
    assert later[XSS + "财务报销审核不严"]["light"] == "yellow"
    custom = {r["problem"]: r for r in ledger.ledger_rows(rounds_out, as_of="2021-12-26", lights=(30, 20, 10))}
    assert custom["公务用车管理不规范"]["light"] == "red"


def test_ledger_units_people_deadlines_from_the_text_and_nothing_guessed(rounds_out):
    rows = _rows(rounds_out, "2021-12-26")
    assert "区住房和城乡建设局审批科" in rows["工程项目审批把关不严"]["units_text"].split("、")
    assert rows["公务用车管理不规范"]["units_text"] == "区机关事务管理局"
    assert rows[XSS + "财务报销审核不严"]["people_text"] == "财务科科长"
    assert rows["档案资料归档不及时"]["deadline_text"] == "立行立改"
    assert rows["干部教育培训针对性不强"]["deadline_text"] == "长期坚持"
    none = rows["公务用车管理还不规范"]          # its text names neither a unit nor a deadline
    assert (none["units_text"], none["people_text"], none["deadline_text"], none["due"]) == ("", "", "", "")
    for r in rows.values():                      # the evidence offsets point at the problem
        assert r["evidence"] and r["evidence_link"].startswith(f"reports/{r['key']}.html#s-")


def test_ledger_xlsx_opens_with_rows_and_overdue_colours(rounds_out, tmp_path):
    from openpyxl import load_workbook

    res = CliRunner().invoke(cli, ["ledger", "--out", str(rounds_out), "--as-of", "2022-01-05",
                                   "--xlsx", str(tmp_path / "l.xlsx"), "--csv", str(tmp_path / "l.csv")])
    assert res.exit_code == 0, res.output
    assert "7 problems in 2 reports" in res.output and "逾期 1" in res.output
    wb = load_workbook(tmp_path / "l.xlsx")
    assert wb.sheetnames == ["汇总", "round1", "round2"]
    sheet = wb["round1"]
    header = [c.value for c in sheet[1]]
    assert header == [h for _, h in ledger.COLUMNS]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:P{sheet.max_row}"
    assert sheet.column_dimensions["D"].width == 36
    body = {row[3].value: row for row in sheet.iter_rows(min_row=2)}
    assert len(body) == 4
    status, light = header.index("销号状态"), header.index("预警")
    car = body["公务用车管理不规范"]
    assert (car[status].value, car[light].value) == ("逾期", "红")
    assert car[status].fill.start_color.rgb == ledger.FILLS["red"]
    assert car[light].fill.start_color.rgb == ledger.FILLS["red"]
    money = body[XSS + "财务报销审核不严"]    # text stays text in a cell too
    assert (money[light].value, money[light].fill.start_color.rgb) == ("黄", ledger.FILLS["yellow"])
    assert body["档案资料归档不及时"][status].value == "已销号"
    assert body["档案资料归档不及时"][status].fill.fill_type is None
    summary = wb["汇总"]
    assert [c.value for c in summary[3]][:6] == ["round1.txt", summary["B3"].value, 4, 2, 1, 1]
    raw = (tmp_path / "l.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    csv_rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(csv_rows) == 7 and csv_rows[0]["报告"] == "round1.txt"


# --------------------------------------------------------------------------- rounds compared

def test_compare_two_rounds_of_one_unit(rounds_out):
    result = compare.rounds(rounds_out)
    assert [u["label"] for u in result] == ["区住房和城乡建设局"]
    unit = result[0]
    assert [r["source"] for r in unit["rounds"]] == ["round1.txt", "round2.txt"]
    labels = {t["label"]: [c["label"] for c in t["cells"]] for t in unit["threads"]}
    assert labels == {
        "工程项目审批把关不严": ["new", "back_again"],    # reported done, found again
        "公务用车管理不规范": ["new", "recurring"],       # still open, found again
        "档案资料归档不及时": ["new", "closed"],
        XSS + "财务报销审核不严": ["new", "closed"],
        "干部教育培训针对性不强": ["", "new"],
    }


def test_compare_cli_and_rates(rounds_out):
    res = CliRunner().invoke(cli, ["compare", "--out", str(rounds_out), "--format", "json"])
    assert res.exit_code == 0, res.output
    tables = json.loads(res.output)
    assert sum(r["label"] == "back_again" for r in tables["rounds"]) == 1
    region = tables["completion_by_region"]
    assert [(r["group"], r["reports"], r["problems"], r["completed"]) for r in region] == [("浙江省", 2, 7, 3)]
    assert {r["group"] for r in tables["completion_by_year"]} == {"2021", "2023"}
    assert tables["completion_by_level"][0]["group"] == "县级"
    assert tables["completion_by_genre"][0]["group"] == "巡视巡察整改"


def test_regions_on_reports_and_organisations(rounds_out):
    from kg.analyse import _select, open_source

    rows = set(_select(open_source(rounds_out), "SELECT DISTINCT ?c ?p ?ci ?co WHERE { ?r a rk:Report ; "
                                                "rk:regionCode ?c ; rk:province ?p ; rk:city ?ci ; rk:county ?co }"))
    assert rows == {("330106", "浙江省", "杭州市", "西湖区")}
    orgs = dict(_select(open_source(rounds_out), "SELECT ?l ?c WHERE { ?o a org:Organization ; "
                                                 "skos:prefLabel ?l ; rk:regionCode ?c }"))
    assert orgs["区住房和城乡建设局"] == "330106"


# --------------------------------------------------------------------------- write_site

def test_site_writes_only_under_target_and_prunes_an_older_site(rounds_out, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(rounds_out, out, symlinks=True)   # OUT's generations are switched by links
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    site = tmp_path / "site"
    with open_store(out) as store:
        written = write_site(store, site, as_of="2021-12-26")
    assert all(site in p.parents for p in written) and written[-1] == site / "index.html"
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before   # source untouched
    assert sorted(p.name for p in (site / "reports").iterdir()) == sorted(
        f"{k}.html" for k in _keys(rounds_out))
    (site / "views" / "stale.html").write_text("old", encoding="utf-8")
    # the graph loses a report: its page and views go, nothing else of the folder is touched
    (site / "kg.ttl").write_text("not the site's", encoding="utf-8")
    res = CliRunner().invoke(cli, ["remove", "round2.txt", "--out", str(out)])
    assert res.exit_code == 0, res.output
    with open_store(out) as store:
        again = write_site(store, site, as_of="2021-12-26")
    files = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert files == {p.relative_to(site).as_posix() for p in again} | {"kg.ttl"}
    assert len(list((site / "reports").iterdir())) == 1 and not (site / "views" / "stale.html").exists()
    assert not any(".tmp" in name for name in files)


def _keys(out):
    from kg.analyse import _select, open_source, report_key

    return [report_key(r) for (r,) in _select(open_source(out), "SELECT ?r WHERE { ?r a rk:Report }")]


def test_site_report_page_escapes_and_isolates_document_text(rounds_site):
    page = next(p for p in (rounds_site / "reports").iterdir()
                if "round1.txt" in p.read_text(encoding="utf-8"))
    text = page.read_text(encoding="utf-8")
    assert XSS not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;财务报销审核不严" in text
    assert "<title>中共杭州市西湖区委员会关于区委第一轮巡察整改情况的通报</title>" in text
    assert "<h1><bdi>中共杭州市西湖区委员会关于区委第一轮巡察整改情况的通报</bdi></h1>" in text
    index = (rounds_site / "index.html").read_text(encoding="utf-8")
    assert f'href="reports/{page.name}"' in index and XSS not in index


def test_site_every_fact_is_placed_or_listed(rounds_site):
    for page in (rounds_site / "reports").iterdir():
        text = page.read_text(encoding="utf-8")
        facts = json.loads(re.search(r'<script id="kg-facts" type="application/json">(.*?)</script>',
                                     text, re.S).group(1))
        placed = {int(i) for ids in re.findall(r'data-f="([\d ]+)"', text) for i in ids.split()}
        lost = len(re.findall(r"<tr><td>[^<]*</td><td><bdi>[^<]*</bdi></td><td>\d+–\d+</td>", text))
        assert len(placed) + lost == len(facts) and lost == 0, page


def test_site_unplaced_spans_are_listed_not_dropped():
    from kg.site import render_text

    html, lost = render_text("甲乙丙丁", [{"k": "problem", "s": 1, "e": 3, "x": "乙丙"},
                                        {"k": "date", "s": 2, "e": 4, "x": "不是"},
                                        {"k": "person", "s": 3, "e": 99, "x": "丁"}])
    assert [f["x"] for f in lost] == ["不是", "丁"]
    assert 'data-f="0"' in str(html) and str(html).count("<span") == 1


# --------------------------------------------------------------------------- in Chromium

@needs_browser
def test_site_index_and_report_pages_open_clean_and_rows_jump_to_spans(browser, rounds_site):
    from selenium.webdriver.common.by import By

    _check_clean(open_page(browser, rounds_site / "index.html", shot="workbench-index.png"))
    assert browser.execute_script("return document.querySelectorAll('#reports tbody tr').length") == 2
    # sort by problems, filter by text
    browser.find_element(By.CSS_SELECTOR, "#reports th:nth-child(6)").click()
    first = browser.execute_script("return document.querySelector('#reports tbody tr td').textContent")
    assert "回头看" in first                      # 3 problems before 4
    box = browser.find_element(By.CSS_SELECTOR, 'input[data-table="reports"]')
    box.send_keys("第一轮")
    assert browser.execute_script(
        "return document.querySelectorAll('#reports tbody tr:not(.hidden)').length") == 1
    for page in sorted((rounds_site / "reports").iterdir()):
        result = open_page(browser, page, shot=f"workbench-report-{page.stem}.png")
        _check_clean(result)
        facts = browser.execute_script("return kg.facts")
        rows = browser.find_elements(By.CSS_SELECTOR, "#ledger tbody tr")
        assert rows
        for row in rows:
            i = int(row.get_attribute("data-goto"))
            browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
            row.find_element(By.CSS_SELECTOR, "td.problem").click()
            marked = browser.execute_script(
                "return Array.from(document.querySelectorAll('#text .f.active'))"
                ".map(function (e) { return e.textContent; }).join('')")
            assert marked == facts[i]["x"] == row.find_element(By.CSS_SELECTOR, "td.problem").text
            assert browser.execute_script(
                "var r = document.querySelector('#text .f.active').getBoundingClientRect();"
                "return r.top >= 0 && r.bottom <= window.innerHeight")   # scrolled into view
        # a click on highlighted text lists what was extracted there
        browser.execute_script("document.querySelector('#text .k-deadline, #text .k-problem').click()")
        assert browser.find_element(By.ID, "extracted").text.strip()
    xss_page = next(p for p in (rounds_site / "reports").iterdir()
                    if "round1.txt" in p.read_text(encoding="utf-8"))
    open_page(browser, xss_page)
    assert XSS + "财务报销审核不严" in browser.find_element(By.ID, "ledger").text
    assert XSS in browser.find_element(By.ID, "text").text
    assert browser.execute_script(
        "return Array.from(document.scripts).filter(function (s) {"
        " return s.textContent.trim() === 'alert(1)'; }).length") == 0
    assert browser.execute_script("return window.__alerts") == []


@needs_browser
def test_site_address_with_a_span_opens_the_page_there(browser, rounds_site):
    page = sorted((rounds_site / "reports").iterdir())[0]
    open_page(browser, page)
    fact = browser.execute_script("return kg.facts.filter(function (f) { return f.k === 'deadline'; })[0]")
    browser.get(page.resolve().as_uri() + f"#s-{fact['s']}-{fact['e']}")
    marked = browser.execute_script(
        "return Array.from(document.querySelectorAll('#text .f.active'))"
        ".map(function (e) { return e.textContent; }).join('')")
    assert marked == fact["x"]


@needs_browser
def test_site_graph_node_links_to_its_report_page_at_the_span(browser, rounds_site):
    from selenium.webdriver.common.by import By

    view = next((rounds_site / "views").glob("report-*.html"))
    _check_clean(open_page(browser, view))
    i = browser.execute_script("return kg.meta.findIndex(function (m) { return m.cls === 'problem'; })")
    browser.execute_script("kg.network.emit('click', {nodes: [arguments[0]], edges: []})", i)
    link = browser.find_element(By.CSS_SELECTOR, "#kg-open a")
    href = link.get_attribute("href")
    assert re.search(r"/reports/[0-9a-f]{16}\.html#s-\d+-\d+$", href)
    browser.get(href)
    label = browser.execute_script("return document.querySelector('#text .f.active').textContent")
    assert label and label in browser.find_element(By.ID, "ledger").text


@needs_browser
def test_site_compare_page_opens_clean(browser, rounds_site):
    from selenium.webdriver.common.by import By

    _check_clean(open_page(browser, rounds_site / "compare.html", shot="workbench-compare.png"))
    cells = [e.get_attribute("data-label") for e in browser.find_elements(By.CSS_SELECTOR, "td[data-label]")]
    assert sorted(c for c in cells if c) == sorted(["new", "back_again", "new", "recurring", "new",
                                                    "closed", "new", "closed", "new"])


@needs_browser
def test_site_sample_corpus_pages_open_clean(browser, built_corpus):
    """The pages `kg build data/corpus` wrote: index, every report page, compare."""
    pages = [built_corpus / "index.html", built_corpus / "compare.html",
             *sorted((built_corpus / "reports").glob("*.html"))]
    assert len(pages) == 7
    for page in pages:
        _check_clean(open_page(browser, page))
        assert "rectkg" in browser.title or browser.title
        assert not re.fullmatch(r"[0-9a-f_]+(\.txt)?", browser.title)     # never a hash


# --------------------------------------------------------------------------- .docx task tables

def test_docx_task_table_rows_become_problems_with_evidence(tmp_path):
    """A 整改任务清单 table (问题 / 整改措施 / 责任单位 / 时限 / 进展) in a real .docx, through
    the whole pipeline: each row a problem with its measure, unit and deadline, said in a warning."""
    import docx

    from kg.pipeline import process_file

    d = docx.Document()
    d.add_paragraph("中共某某县委员会关于县委巡察反馈问题整改情况的通报")
    d.add_paragraph("根据县委统一部署,县委第一巡察组于2022年3月1日至4月30日对县某某局开展了巡察。")
    d.add_paragraph("一、整改任务清单")
    rows = [["序号", "问题", "整改措施", "责任单位", "时限", "进展"],
            ["1", "工程款支付审核不严", "建立支付审核台账", "县某某局财务科", "2022年12月底前", "已整改完成"],
            ["2", "安全检查流于形式", "开展专项检查\n每季度通报一次", "县某某局安监站", "立行立改", "正在推进"]]
    table = d.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    d.add_paragraph("中共某某县委员会")
    d.add_paragraph("2022年9月1日")
    path = tmp_path / "tasks.docx"
    d.save(path)
    result = process_file(path)
    assert result.stats["problems"] == 2 and result.stats["evidence_exact"]
    assert any("整改任务清单" in w and "2 rows" in w for w in result.warnings)
    out = tmp_path / "out"
    from kg.pipeline import build_corpus

    build_corpus([path], out, write_views=False)
    rows = {r["problem"]: r for r in ledger.ledger_rows(out, as_of="2022-12-25")}
    first = rows["工程款支付审核不严"]
    assert (first["status"], first["units_text"], first["due"]) == ("completed", "县某某局财务科", "2022-12-31")
    second = rows["安全检查流于形式"]
    assert (second["deadline_text"], second["measures_text"].startswith("开展专项检查")) == ("立行立改", True)
    content = result.content
    assert content[first["start"]:first["end"]] == "工程款支付审核不严"


def test_docx_other_tables_stay_as_they_were():
    from kg.ingest.docx import task_list_lines

    assert task_list_lines([["姓名", "职务", "电话"], ["某某", "科长", "123"]]) is None
    assert task_list_lines([["问题"], ["只有一列"]]) is None


def test_recurring_groups_are_the_analysis_groups(built_corpus):
    from kg import analyse

    problems = analyse.problems(built_corpus)
    assert compare.recurring_groups(problems) == analyse.recurring_problems(problems)
    assert compare.recurring_groups(problems)      # the sample corpus has some


def test_site_bidi_override_in_a_report_stays_inside_bdi(tmp_path):
    """Issue 13: a U+202E in a report must not reorder rectkg's own text: every piece of document
    text that holds one sits inside a <bdi> (or in <title>, or in a JSON script, which are not laid
    out as text of the page)."""
    from html.parser import HTMLParser

    import pyoxigraph as ox

    from kg.analyse import _TINY

    rlo = "\u202e"
    data = _TINY.replace('dcterms:source "a.txt" ;', f'dcterms:source "a.txt" ; dcterms:title "甲{rlo}乙通报"@zh ;')
    data = data.replace('rdfs:label "公务接待管理不规范"@zh', f'rdfs:label "公务{rlo}接待管理不规范"@zh')
    store = ox.Store()
    store.load(data.encode("utf-8"), format=ox.RdfFormat.TRIG)
    write_site(store, tmp_path, as_of="2021-10-01")

    class Texts(HTMLParser):   # the standard library's parser knows <bdi> as well as any tag
        void = {"br", "meta", "link", "input", "img", "hr", "wbr", "col"}

        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.open, self.found = [], []

        def handle_starttag(self, tag, attrs):
            if tag not in self.void:
                self.open.append(tag)

        def handle_endtag(self, tag):
            if tag in self.open:
                while self.open.pop() != tag:
                    pass

        def handle_data(self, data):
            if rlo in data:
                self.found.append((list(self.open), data))

    seen = 0
    for page in [tmp_path / "index.html", *sorted((tmp_path / "reports").glob("*.html")),
                 *sorted((tmp_path / "views").glob("*.html"))]:
        parser = Texts()
        parser.feed(page.read_text(encoding="utf-8"))
        for open_tags, text in parser.found:
            seen += 1
            assert {"bdi", "title", "script"} & set(open_tags), (page.name, open_tags, text)
    assert seen >= 3


@needs_browser
def test_site_aggregate_overview_drills_down_to_reports(browser, rounds_out, tmp_path):
    """Above aggregate_over reports the overview draws regions, units, themes and policies in
    columns; a node's details list its reports, each a link to its report page."""
    from selenium.webdriver.common.by import By

    with open_store(rounds_out) as store:
        write_site(store, tmp_path, as_of="2021-12-26", aggregate_over=1)
    page = tmp_path / "views" / "overview.html"
    _check_clean(open_page(browser, page, shot="workbench-aggregate.png"))
    meta = browser.execute_script("return kg.meta")
    kinds = {m["cls"] for m in meta}
    assert {"region", "organisation"} <= kinds and (tmp_path / "views" / "entities.html").is_file()
    region = next(i for i, m in enumerate(meta) if m["cls"] == "region")
    assert meta[region]["search"] == "浙江省"
    browser.execute_script("kg.network.emit('click', {nodes: [arguments[0]], edges: []})", region)
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "#kg-open a")]
    assert len(links) == 2 and all(re.search(r"/reports/[0-9a-f]{16}\.html$", h) for h in links)
    positions = browser.execute_script("return kg.network.getPositions()")
    xs = {meta[int(k)]["cls"]: v["x"] for k, v in positions.items()}
    assert xs["region"] < xs["organisation"]          # columns, left to right


def test_workbench_site_without_graph_views_links_to_none(tmp_path, built_corpus):
    """Above GRAPH_VIEWS_MAX_REPORTS a build leaves the graph views out: the index and report pages
    are all there, and nothing links to a view that was not written."""
    from kg.site import write_site
    from kg.store import Store

    with Store.open(built_corpus, read_only=True) as st:
        written = write_site(st, tmp_path / "site", graph_views=False)
    names = {p.relative_to(tmp_path / "site").as_posix() for p in written}
    assert "index.html" in names and any(n.startswith("reports/") for n in names)
    assert not any(n.startswith("views/") for n in names)
    for page in [tmp_path / "site" / "index.html", *(tmp_path / "site" / "reports").iterdir()]:
        assert "views/" not in page.read_text(encoding="utf-8"), page.name
