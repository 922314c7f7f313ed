"""kg.ingest: files → raw text and source facts. Small generated inputs, real parsers."""
from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import IngestError
from kg.ingest import (RawText, decode_bytes, hash_file, html_to_text, iter_sources, read_bytes,
                       read_source, strip_boilerplate_lines, walk_inputs)

sys.path.insert(0, str(Path(__file__).parent / "bad_inputs"))
from make_cases import png_bytes, write_docx, write_text_pdf, zip_bytes  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"

REPORT = ("根据市委统一部署，市委第一巡察组对某单位开展了巡察，并反馈了巡察意见。\n"
          "一、整改工作组织情况\n"
          "针对巡察反馈的问题，高度重视，认真履行整改主体责任，2021年9月完成整改。\n"
          "二、整改落实情况\n"
          "（一）关于“理论学习不够深入”问题的整改。建立学习制度，已完成。\n"
          "三、下一步工作打算\n"
          "持续巩固整改成果。\n")
TRADITIONAL = ("關於巡察反饋意見整改落實情況的通報\n一、整改工作組織情況\n"
               "區委高度重視，認真履行巡察整改主體責任，加強組織領導、統籌協調。\n"
               "二、整改落實情況\n（一）關於「理論學習不夠深入」問題的整改。建立學習制度，進一步壓實責任。\n")


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("data, encoding", [
    (REPORT.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + REPORT.encode("utf-8"), "utf-8-sig"),
    (REPORT.encode("gb18030"), "gb18030"),
    (REPORT.encode("gbk"), "gb18030"),
    (REPORT.replace("“", "").replace("”", "").encode("gb2312"), "gb18030"),
    (b"\xff\xfe" + REPORT.encode("utf-16-le"), "utf-16"),
    (b"\xfe\xff" + REPORT.encode("utf-16-be"), "utf-16"),
    (REPORT.encode("utf-16-le"), "utf-16-le"),
    (REPORT.encode("utf-16-be"), "utf-16-be"),
    ("\ufeff".encode("utf-32-le") + REPORT.encode("utf-32-le"), "utf-32"),
    ("\ufeff".encode("utf-32-be") + REPORT.encode("utf-32-be"), "utf-32"),
    (TRADITIONAL.encode("big5"), "big5"),
    (TRADITIONAL.encode("utf-8"), "utf-8"),
], ids=["utf8", "utf8-bom", "gb18030", "gbk", "gb2312", "utf16le-bom", "utf16be-bom", "utf16le",
        "utf16be", "utf32le-bom", "utf32be-bom", "big5", "traditional-utf8"])
def test_ingest_detects_encoding(data, encoding):
    text, enc, warnings = decode_bytes(data, "r.txt", fmt="txt")
    expected = TRADITIONAL if "關於" in text else REPORT
    if encoding == "gb18030" and "“" not in text:
        expected = REPORT.replace("“", "").replace("”", "")
    assert (text, enc, warnings) == (expected, encoding, [])


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_ingest_utf16_without_bom_or_any_ascii(codec):
    """All-Chinese UTF-16 has no NUL byte to go by; its content still gives it away."""
    text = "关于巡察整改情况的通报整改工作组织情况针对巡察反馈的问题高度重视认真履行整改主体责任" * 3
    data = text.encode(codec)
    assert 0 not in data
    assert decode_bytes(data, "r.txt", fmt="txt")[:2] == (text, codec)


def test_ingest_big5_not_mistaken_for_gb18030():
    data = TRADITIONAL.encode("big5")
    data.decode("gb18030")  # the trap: Big5 bytes are also valid GB18030
    assert decode_bytes(data, "r.txt", fmt="txt")[:2] == (TRADITIONAL, "big5")


def test_ingest_gbk_traditional_stays_gb18030():
    data = TRADITIONAL.encode("gbk")
    assert decode_bytes(data, "r.txt", fmt="txt")[:2] == (TRADITIONAL, "gb18030")


def test_ingest_gb18030_four_byte_characters():
    text = "生僻字𠀀𪚥与欧元€\n" + REPORT
    assert decode_bytes(text.encode("gb18030"), "r.txt", fmt="txt")[:2] == (text, "gb18030")


def test_ingest_mixed_encodings_decoded_line_by_line():
    lines = REPORT.splitlines(keepends=True)
    data = b"".join(line.encode("utf-8") if i % 2 else line.encode("gbk") for i, line in enumerate(lines))
    text, enc, warnings = decode_bytes(data, "r.txt", fmt="txt")
    assert text == REPORT
    assert enc == "utf-8+gb18030"
    assert len(warnings) == 1 and warnings[0].startswith("mixed encodings")


def test_ingest_broken_bytes_replaced_with_warning():
    data = REPORT.encode("gbk") + b"\xff" + REPORT.encode("gbk")[:-1] + b"\x81"
    text, enc, warnings = decode_bytes(data, "r.txt", fmt="txt")
    assert enc == "gb18030"
    assert text.startswith(REPORT) and text.count("\ufffd") == 2
    assert warnings == ["decoded as gb18030 with 2 replaced bytes"]


def test_ingest_utf8_with_a_truncated_character():
    data = REPORT.encode("utf-8") + "完".encode("utf-8")[:2]
    text, enc, warnings = decode_bytes(data, "r.txt", fmt="txt")
    assert (text[:len(REPORT)], enc) == (REPORT, "utf-8")
    assert "replaced" in warnings[0]


def test_ingest_meta_charset_breaks_a_tie():
    """Short Big5 text that also decodes as GB18030: the page's declaration decides."""
    body = "<p>整改落實</p>"
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head><body>{body}</body></html>'
    data = page.encode("big5")
    data.decode("gb18030")
    text, enc, warnings = decode_bytes(data, "p.html", fmt="html")
    assert (enc, warnings) == ("big5", [])
    assert body in text


def test_ingest_meta_charset_gb2312_on_a_utf8_page():
    page = '<html><head><meta charset="gb2312"></head><body><p>' + REPORT + "</p></body></html>"
    text, enc, warnings = decode_bytes(page.encode("utf-8"), "p.html", fmt="html")
    assert enc == "utf-8" and REPORT in text
    assert warnings == ["the page declares charset gb2312 but the bytes are utf-8; read as utf-8"]


def test_ingest_meta_charset_that_lies_is_overruled():
    page = '<html><head><meta charset="utf-8"></head><body><p>' + REPORT + "</p></body></html>"
    text, enc, warnings = decode_bytes(page.encode("gbk"), "p.html", fmt="html")
    assert enc == "gb18030" and REPORT in text
    assert warnings == ["the page declares charset utf-8 but the bytes are gb18030; read as gb18030"]


# --------------------------------------------------------------------------------------------
# Rejections
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "is empty"),
    ("blank.txt", " \n\t\r\n\u3000\u3000\n".encode("utf-8"), "only white space"),
    ("blank16.txt", "\ufeff \n \n".encode("utf-16"), "only white space"),
    ("x.txt", png_bytes(), "looks like a PNG image, not a report; remove it or give the right extension"),
    ("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(300), "JPEG image"),
    ("anim.txt", b"GIF89a" + bytes(100), "GIF image"),
    ("bundle.txt", zip_bytes({"a.txt": REPORT}), "ZIP archive"),
    ("prog.txt", b"\x7fELF\x02\x01\x01" + bytes(200), "ELF executable"),
    ("old.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "old Microsoft Office file"),
    ("data.txt", bytes(range(256)) * 20, "binary data"),
    ("ctrl.txt", ("\x01\x02\x03\x04\x05\x06" * 100 + "整改").encode("utf-8"), "control characters"),
    ("noise.txt", bytes(0x80 + (i * 37 + i // 3) % 0x7F for i in range(4096)), "undecodable"),
    ("page.html", "<html><script>var a = '整改';</script><style>p{}</style><nav>首页</nav></html>",
     "no report text"),
])
def test_ingest_rejects_what_is_no_report(tmp_path, name, data, message):
    p = write(tmp_path, name, data)
    with pytest.raises(IngestError) as e:
        read_source(p)
    assert message in str(e.value)
    assert str(e.value).startswith(f"{p}: ")
    assert e.value.source == str(p)


def test_ingest_pdf_without_text_layer_rejected(tmp_path):
    p = tmp_path / "scan.pdf"
    write_text_pdf(p, [], text=False)
    with pytest.raises(IngestError, match="no text layer.*run OCR"):
        read_source(p)


@pytest.mark.parametrize("name, data, message", [
    ("a.docx", zip_bytes({"content.xml": "<x/>"}), "not a Word .docx"),
    ("b.docx", png_bytes(), "PNG image"),
    ("c.pdf", png_bytes(), "not a PDF"),
    ("d.pdf", b"%PDF-1.4\n1 0 obj\n<<", "cannot be read as a PDF"),
])
def test_ingest_rejects_broken_containers(tmp_path, name, data, message):
    with pytest.raises(IngestError, match=message):
        read_source(write(tmp_path, name, data))


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

GOV_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>关于巡察整改情况的通报_某某网</title><script>document.write('脚本文字');</script>
<style>p { margin: 0 }</style></head>
<body><form id="form1" action="x.aspx">
<div class="topbar">无障碍 <a>English</a></div>
<nav><ul><li>首页</li><li>政务公开</li><li>互动交流</li></ul></nav>
<div class="position">当前位置：首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="main-wrap">
 <div class="detail">
  <h1>关于巡察整改情况的通报</h1>
  <div class="info">来源：巡察办 发布日期：2021-09-16 【字体：<a>大</a> <a>中</a> <a>小</a>】【打印本页】</div>
  <div class="TRS_Editor"><div>
   <p>根据市委统一部署，市委巡察组对某单位开展了巡察。</p>
   <p>一、整改工作组织情况</p>
   <p>高度重视，<b>认真</b>履行整改主体责任。<br>成立领导小组。</p>
   <table><tr><td>序号</td><td>问题</td></tr><tr><td>1</td><td>学习不够深入</td></tr></table>
   <ul><li>是。</li><li>否</li></ul>
   <noscript>请开启脚本</noscript><iframe src="x"></iframe>
  </div></div>
  <div class="bdsharebuttonbox">分享到：微信 微博</div>
  <div class="pre-next"><p>上一篇：关于某项工作的通知</p><p>下一篇：关于另一项工作的通知</p></div>
 </div>
 <aside class="right"><h3>热点新闻</h3><p>某地召开会议</p></aside>
</div>
<footer><p>主办单位：某某办公室 承办单位：某某中心</p><p>版权所有 © 2021 ICP备12345678号</p></footer>
</form></body></html>"""


def test_ingest_html_keeps_the_main_text_without_boilerplate():
    text, title, warnings = html_to_text(GOV_PAGE)
    assert title == "关于巡察整改情况的通报"
    assert warnings == []
    assert text.split("\n") == [
        "关于巡察整改情况的通报",
        "来源：巡察办 发布日期：2021-09-16 【字体：大 中 小】【打印本页】",
        "根据市委统一部署，市委巡察组对某单位开展了巡察。",
        "一、整改工作组织情况",
        "高度重视，认真履行整改主体责任。",
        "成立领导小组。",
        "序号\t问题",
        "1\t学习不够深入",
        "是。",
        "否",
    ]


def test_ingest_html_read_source_strips_boilerplate_lines(tmp_path):
    raw = read_source(write(tmp_path, "通报 页.html", GOV_PAGE))
    assert raw.format == "html" and raw.encoding == "utf-8"
    assert raw.text.split("\n")[:3] == ["关于巡察整改情况的通报", "来源：巡察办 发布日期：2021-09-16",
                                       "根据市委统一部署，市委巡察组对某单位开展了巡察。"]
    for junk in ("脚本文字", "首页", "版权所有", "分享到", "上一篇", "热点新闻", "主办单位", "请开启脚本", "English"):
        assert junk not in raw.text


def test_ingest_html_densest_block_when_nothing_is_labelled():
    links = "".join(f"<div><a href='/{i}'>栏目{i}</a></div>" for i in range(40))
    page = (f"<html><body><div>{links}</div><div><div><p>一、整改工作组织情况</p><p>{'认真整改。' * 30}</p>"
            f"<p>二、整改落实情况</p></div></div><div>{links}</div></body></html>")
    text, _, _ = html_to_text(page)
    assert text.split("\n") == ["一、整改工作组织情况", "认真整改。" * 30, "二、整改落实情况"]


def test_ingest_html_article_element_is_the_main_block():
    page = ("<html><body><div class='list'><p>其他新闻一则标题很长很长的那种</p><p>其他新闻二则标题</p></div>"
            "<article><p>正文第一段，整改工作取得成效。</p><p>正文第二段，持续推进。</p></article>"
            "<div><p>相关阅读推荐文章标题</p></div></body></html>")
    assert html_to_text(page)[0] == "正文第一段，整改工作取得成效。\n正文第二段，持续推进。"


def test_ingest_html_wrapper_named_like_boilerplate_is_not_dropped():
    """A page-wide wrapper whose class says 'nav' or a <form> around everything keeps its text."""
    page = "<html><body><div class='has-nav-layout'><form><p>一、整改情况</p><p>已完成整改。</p></form></div></body></html>"
    assert html_to_text(page)[0] == "一、整改情况\n已完成整改。"


def test_ingest_html_pre_keeps_its_line_breaks():
    page = "<html><body><div id='content'><pre>一、整改情况\n已完成。</pre><p>多个   空格 \n 合并</p></div></body></html>"
    assert html_to_text(page)[0] == "一、整改情况\n已完成。\n多个 空格 合并"


@pytest.mark.parametrize("page", [
    "<html><body><div><p>一、整改情况<p>已完成<div>未闭合",
    "<p>一、整改情况</b></i></div></span><p>已完成</html></html><p>尾部",
    "<<<>>><p>一、整改情况 <p>已完成&amp;&#x4E2D;&#99999999;&bogus;<p <b>",
    "<html><body>" + "<div>" * 3000 + "一、整改情况。已完成" + "</div>" * 3000 + "</body></html>",
    "\x00<html>\x00<body><p>一、整改情况 已完成</p>",
    "<?xml version='1.0' encoding='gb2312'?><html xmlns='http://www.w3.org/1999/xhtml'><body><p>一、整改情况 已完成</p></body></html>",
    "<table><tr><td>一、整改情况<td>已完成<tr><td>",
])
def test_ingest_html_malformed_does_not_crash(page):
    text, _, _ = html_to_text(page)
    assert "整改情况" in text and "已完成" in text


def test_ingest_html_sniffed_inside_a_txt_file(tmp_path):
    raw = read_source(write(tmp_path, "r.txt", GOV_PAGE))
    assert raw.format == "html" and "成立领导小组。" in raw.text
    assert "named .txt but contains HTML; read as HTML" in raw.warnings


def test_ingest_html_gbk_with_meta(tmp_path):
    page = GOV_PAGE.replace('charset="utf-8"', 'charset="gb2312"').replace("©", "")
    raw = read_source(write(tmp_path, "r.shtml", page.encode("gbk")))
    assert (raw.format, raw.encoding) == ("html", "gb18030")
    assert not any("charset" in w for w in raw.warnings)
    assert "成立领导小组。" in raw.text


# --------------------------------------------------------------------------------------------
# Boilerplate lines
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    ("版权所有：某某市人民政府办公室", None),
    ("Copyright © 2021 某某网 All Rights Reserved", None),
    ("京ICP备05070218号 京公网安备11010202000001号", None),
    ("网站地图 | 联系我们", None),
    ("联系我们", None),
    ("如有意见建议，请通过以下方式联系我们，我们将认真研究并及时反馈。", "如有意见建议，请通过以下方式联系我们，我们将认真研究并及时反馈。"),
    ("依法保护版权所有人的合法权益。", "依法保护版权所有人的合法权益。"),
    ("【字体：大 中 小】", None),
    ("字号：【大】【中】【小】 【打印本页】 【关闭窗口】", None),
    ("分享到：微信 微博 QQ空间", None),
    ("扫一扫在手机打开当前页", None),
    ("打印本页 关闭窗口", None),
    ("上一篇：关于开展某项工作的通知", None),
    ("下一篇：无", None),
    ("首页 > 政务公开 > 通知公告", None),
    ("当前位置：首页 > 新闻中心", None),
    ("浏览次数：1024", None),
    ("主办单位：某某市委办公室  承办单位：某某市大数据中心", None),
    ("来源:某某办 发布日期: 2021-09-26 17:48 【字体大小:", "来源:某某办 发布日期: 2021-09-26 17:48"),
    ("发布时间：2021-09-16 10:00 来源：某某网 【字体：大 中 小】 【打印】", "发布时间：2021-09-16 10:00 来源：某某网"),
    ("发布时间：2021-09-16  浏览次数：88", "发布时间：2021-09-16"),
    ("是。", "是。"),
    ("一、", "一、"),
    ("(一)", "(一)"),
    ("2021年9月14日", "2021年9月14日"),
    ("首页", "首页"),
    ("群众可通过微信扫一扫二维码进行举报，已受理线索12件，整改工作取得阶段性成效，"
     "群众满意度明显提升，相关做法在全市推广，并建立了长效机制持续推进。",
     "群众可通过微信扫一扫二维码进行举报，已受理线索12件，整改工作取得阶段性成效，"
     "群众满意度明显提升，相关做法在全市推广，并建立了长效机制持续推进。"),
    ("加强对知识产权和版权所有人合法权益的保护，查处侵权盗版案件15起，建立健全版权保护长效机制，"
     "开展专项整治行动3次，印发了《关于进一步加强版权保护工作的实施意见》，形成了齐抓共管的工作格局，"
     "取得了明显成效。",
     "加强对知识产权和版权所有人合法权益的保护，查处侵权盗版案件15起，建立健全版权保护长效机制，"
     "开展专项整治行动3次，印发了《关于进一步加强版权保护工作的实施意见》，形成了齐抓共管的工作格局，"
     "取得了明显成效。"),
])
def test_ingest_boilerplate_line(line, expected):
    text, removed = strip_boilerplate_lines(f"上文\n{line}\r\n下文")
    if expected is None:
        assert (text, removed) == ("上文\n下文", 1)
    else:
        assert (text, removed) == (f"上文\n{expected}\r\n下文", 0)


def test_ingest_one_line_report_with_footer_is_kept():
    """A whole report on one line (no line breaks) is never taken for a footer line."""
    line = REPORT.replace("\n", "") * 3 + "版权所有：某某网 ICP备12345678号 网站地图"
    assert strip_boilerplate_lines(line) == (line, 0)


def test_ingest_corpus_loses_only_page_furniture():
    """The sample reports keep every line, except one site's footer and its 【字体大小 widget."""
    for path in sorted(CORPUS.glob("*.txt")):
        original = path.read_text("utf-8")
        raw = read_source(path)
        assert (raw.format, raw.encoding) == ("txt", "utf-8")
        gone = [line for line in original.splitlines() if line not in raw.text.splitlines()]
        if path.name.startswith("002_"):
            assert len(gone) == 3
            assert gone[0].startswith("来源:莞巡宣 发布日期:") and gone[0].endswith("【字体大小:")
            assert gone[1].endswith("版权所有") and "ICP备" in gone[2]
            assert "来源:莞巡宣 发布日期: 2021-09-26 17:48\n" in raw.text
        else:
            assert gone == [] and raw.text == original and raw.warnings == ()


# --------------------------------------------------------------------------------------------
# Word and PDF
# --------------------------------------------------------------------------------------------

def test_ingest_docx_paragraphs_and_table_cells_in_order(tmp_path):
    p = tmp_path / "整改 报告.docx"
    write_docx(p, ["一、整改工作组织情况", "高度重视。", "", "二、整改落实情况"],
               table=[["序号", "问题", "措施"], ["1", "学习不够深入", "建立制度"]], title="关于整改情况的通报")
    raw = read_source(p)
    assert (raw.format, raw.encoding, raw.title, raw.source) == ("docx", "n/a", "关于整改情况的通报", "整改 报告.docx")
    # a 问题 / 措施 table is a rectification task list: each row one numbered item (issue 14)
    assert raw.text == "一、整改工作组织情况\n高度重视。\n二、整改落实情况\n1.问题:学习不够深入\n整改措施:建立制度"


def test_ingest_docx_renamed_txt_is_read_as_docx(tmp_path):
    p = tmp_path / "report.docx"
    write_docx(p, ["一、整改工作组织情况"])
    q = write(tmp_path, "report.txt", p.read_bytes())
    raw = read_source(q)
    assert (raw.format, raw.text) == ("docx", "一、整改工作组织情况")
    assert any("Word .docx" in w for w in raw.warnings)


def test_ingest_pdf_text_layer(tmp_path):
    p = tmp_path / "report.pdf"
    write_text_pdf(p, ["一、整改工作组织情况", "Rectification 2021: 25 problems", "（一）已完成"],
                   title="关于整改情况的通报")
    raw = read_source(p)
    assert (raw.format, raw.encoding, raw.title) == ("pdf", "n/a", "关于整改情况的通报")
    assert raw.text.split("\n") == ["一、整改工作组织情况", "Rectification 2021: 25 problems", "（一）已完成"]


# --------------------------------------------------------------------------------------------
# Files and folders
# --------------------------------------------------------------------------------------------

def test_ingest_iter_sources_walks_sorted_and_skips(tmp_path):
    for name in ["b.txt", "a.HTML", "c.text", "d.shtml", "e.htm", "f.docx", "g.pdf", "整改 报告.txt",
                 "notes.md", "image.png", ".hidden.txt", "~$lock.docx", "sub/z.txt", "sub/.git/x.txt",
                 ".cache/y.txt", "sub/deeper/y.pdf"]:
        write(tmp_path, name, "x")
    (tmp_path / "sub" / "back").symlink_to(tmp_path)          # a loop
    (tmp_path / "sub" / "self").symlink_to(".")               # another
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere")  # dangling: yielded, reading says so
    (tmp_path / "loop.txt").symlink_to("loop.txt")             # a file link loop: the same
    got = [p.relative_to(tmp_path).as_posix() for p in iter_sources([tmp_path])]
    assert got == ["a.HTML", "b.txt", "c.text", "d.shtml", "e.htm", "f.docx", "g.pdf", "gone.txt",
                   "loop.txt", "sub/deeper/y.pdf", "sub/z.txt", "整改 报告.txt"]


def test_ingest_iter_sources_given_files_whatever_their_extension(tmp_path):
    a = write(tmp_path, "notes.md", "x")
    b = write(tmp_path, "d/r.txt", "x")
    missing = tmp_path / "missing.txt"
    assert list(iter_sources([a, tmp_path / "d", missing, a])) == [a, b, missing, a]


# --------------------------------------------------------------------------------------------
# The walk: names, kinds, sizes and links, from a stat; no byte read
# --------------------------------------------------------------------------------------------

def _run_isolated(code: str, *, user: int | None = None) -> dict:
    """Run ``code`` (which sets ``out``) in a fresh interpreter, as ``user`` when given, and return
    ``out``: a call that must not block cannot hang the test run, and one that must not read
    everything is measured alone (``out["peak_mb"]``: the interpreter's own peak RSS, VmHWM)."""
    import json
    import subprocess
    import textwrap

    prelude = "import json, os, sys\nfrom pathlib import Path\nimport kg.ingest as ingest\n"
    if user is not None:  # drop root after the imports: the walk then meets real permissions
        prelude += f"os.setgroups([]); os.setgid({user}); os.setuid({user})\n"
    # VmHWM, the peak RSS of this interpreter alone (ru_maxrss survives exec: it would be pytest's)
    epilogue = ("\nout['peak_mb'] = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
                "print(json.dumps(out, ensure_ascii=False))\n")
    r = subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(code) + epilogue],
                       capture_output=True, text=True, timeout=600, cwd=Path(__file__).parent.parent)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.splitlines()[-1])


def test_ingest_walk_names_are_paths_relative_to_the_input(tmp_path):
    write(tmp_path, "in/2021/通报.txt", REPORT)
    write(tmp_path, "in/2022/通报.txt", REPORT + "二")
    write(tmp_path, "in/top.html", "<p>x</p>")
    write(tmp_path, "in/2022/notes.md", "x")
    write(tmp_path, "in/.git/x.txt", "x")
    write(tmp_path, "in/~$lock.docx", "x")
    alone = write(tmp_path, "elsewhere/deep/单独.txt", REPORT)
    w = walk_inputs([tmp_path / "in", alone])
    assert [(s.name, s.size) for s in w.sources] == [
        ("2021/通报.txt", len(REPORT.encode())), ("2022/通报.txt", len((REPORT + "二").encode())),
        ("top.html", 8), ("单独.txt", len(REPORT.encode()))]
    assert w.sources[0].path == tmp_path / "in" / "2021" / "通报.txt"
    assert (w.problems, w.unreadable, w.skipped) == ([], [], [])
    assert read_source(w.sources[0].path, name=w.sources[0].name).source == "2021/通报.txt"
    assert read_source(alone).source == "单独.txt"


def test_ingest_walk_samples_keep_their_bare_names():
    w = walk_inputs([CORPUS])
    assert [s.name for s in w.sources] == sorted(p.name for p in CORPUS.glob("*.txt"))
    assert len(w.sources) == 5 and all("/" not in s.name for s in w.sources)
    assert all(s.size == s.path.stat().st_size for s in w.sources)
    assert [s.path for s in w.sources] == list(iter_sources([CORPUS]))


def test_ingest_walk_same_name_from_two_inputs_keeps_the_first_and_says_so(tmp_path):
    a = write(tmp_path, "a/x.txt", REPORT)
    b = write(tmp_path, "b/x.txt", REPORT + "不同")
    w = walk_inputs([tmp_path / "a", tmp_path / "b"])
    assert [(s.name, s.path) for s in w.sources] == [("x.txt", a)]
    assert len(w.problems) == 1
    assert w.problems[0].startswith(f"{b}: has the same name (x.txt) as {a} from an earlier input")
    w = walk_inputs([a, b])  # two files given directly: the same bare name
    assert [s.path for s in w.sources] == [a] and str(b) in w.problems[0]


def test_ingest_walk_the_same_file_reached_twice_is_taken_once(tmp_path):
    x = write(tmp_path, "in/2021/x.txt", REPORT)
    write(tmp_path, "in/y.txt", REPORT)
    (tmp_path / "in" / "alias.txt").symlink_to("2021/x.txt")       # a link to a file inside
    os.link(x, tmp_path / "in" / "hard.txt")                         # a hard link
    w = walk_inputs([tmp_path / "in", x, tmp_path / "in"])
    assert [s.name for s in w.sources] == ["2021/x.txt", "y.txt"]
    assert w.problems == []


def test_ingest_walk_links_stay_inside_the_input(tmp_path):
    secret = write(tmp_path, "outside/secret.txt", REPORT)
    write(tmp_path, "outside/more/other.txt", REPORT + "二")
    write(tmp_path, "in/2021/x.txt", REPORT + "三")
    inside = tmp_path / "in"
    (inside / "secret.txt").symlink_to(secret)
    (inside / "ext").symlink_to(tmp_path / "outside")
    (inside / "zero.txt").symlink_to("/dev/zero")
    (inside / "2021" / "up.txt").symlink_to("../../outside/secret.txt")
    (inside / "readme").symlink_to(secret)          # not a report's extension: passed over
    (inside / "latest").symlink_to("2021")          # a folder inside: its files keep their names
    w = walk_inputs([inside])
    assert [s.name for s in w.sources] == ["2021/x.txt"]
    assert sorted(p.split(": ")[0] for p in w.problems) == sorted(
        str(inside / n) for n in ["2021/up.txt", "ext", "secret.txt", "zero.txt"])
    assert all("symbolic link leading out of the input folder" in p and "--follow-links" in p
               for p in w.problems)
    assert any(f"to the folder {tmp_path / 'outside'}" in p for p in w.problems)
    assert any("to the file /dev/zero" in p for p in w.problems)
    # allowed: the files outside are named by the links' paths; /dev/zero is still no file
    w = walk_inputs([inside], follow_links_outside=True)
    assert [s.name for s in w.sources] == ["2021/up.txt", "2021/x.txt", "ext/more/other.txt"]
    assert [p.split(": ", 1)[1] for p in w.problems] == [
        "is not a regular file (a character device); copy the report into a normal file"]


def test_ingest_walk_link_cycles_end(tmp_path):
    write(tmp_path, "in/a/r.txt", REPORT)
    (tmp_path / "in" / "a" / "up").symlink_to("..")
    (tmp_path / "in" / "a" / "self").symlink_to(".")
    (tmp_path / "in" / "p").symlink_to("q")
    (tmp_path / "in" / "q").symlink_to("p")
    (tmp_path / "in" / "loop.txt").symlink_to("loop.txt")
    (tmp_path / "in" / "gone.txt").symlink_to("nowhere.txt")
    w = walk_inputs([tmp_path / "in"])
    assert [s.name for s in w.sources] == ["a/r.txt"]
    assert [(Path(p.split(": ")[0]).name, p.split(": ", 1)[1].split(";")[0]) for p in w.problems] == [
        ("gone.txt", "is a symbolic link to a file that does not exist"),
        ("loop.txt", "is a symbolic link loop"),
        ("p", "is a symbolic link loop"), ("q", "is a symbolic link loop")]  # a folder, perhaps


def test_ingest_walk_fifo_socket_and_device_are_problems_and_never_block(tmp_path):
    import socket

    write(tmp_path, "in/good.txt", REPORT)
    os.mkfifo(tmp_path / "in" / "x.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "in" / "s.txt"))
    try:
        out = _run_isolated(f"""
            d = Path({str(tmp_path / "in")!r})
            w = ingest.walk_inputs([d])
            out = {{"sources": [s.name for s in w.sources], "problems": w.problems, "errors": []}}
            for f in (ingest.hash_file, ingest.read_source, ingest.read_bytes):
                for p in (d / "x.txt", Path("/dev/zero")):
                    try:
                        f(p)
                    except ingest.IngestError as e:
                        out["errors"].append(str(e))
        """)
    finally:
        sock.close()
    assert out["sources"] == ["good.txt"]
    assert [p.split(": ", 1)[1] for p in out["problems"]] == [
        "is not a regular file (a socket); copy the report into a normal file",
        "is not a regular file (a named pipe (FIFO)); copy the report into a normal file"]
    assert len(out["errors"]) == 6
    assert all("is not a regular file" in e for e in out["errors"])


def test_ingest_walk_too_large_is_a_problem_and_nothing_is_read(tmp_path):
    huge = tmp_path / "in" / "sparse_20gb.txt"
    huge.parent.mkdir()
    with open(huge, "wb") as f:  # 20 GB on paper, nothing on disk
        f.write(REPORT.encode())
        f.truncate(20 * 10**9)
    big = tmp_path / "in" / "text_200mb.txt"
    with open(big, "wb") as f:
        f.write(REPORT.encode() * 1000)
        f.truncate(200 * 10**6)
    write(tmp_path, "in/good.txt", REPORT)
    out = _run_isolated(f"""
        d = Path({str(tmp_path / "in")!r})
        w = ingest.walk_inputs([d])
        out = {{"sources": [s.name for s in w.sources], "problems": w.problems, "skipped": w.skipped,
               "errors": []}}
        for f in (ingest.hash_file, ingest.read_source):
            for n in ("sparse_20gb.txt", "text_200mb.txt"):
                try:
                    f(d / n)
                except ingest.IngestError as e:
                    out["errors"].append(str(e))
    """)
    assert out["sources"] == ["good.txt"]
    assert out["skipped"] == ["sparse_20gb.txt", "text_200mb.txt"]
    assert [p.split(": ", 1)[1] for p in out["problems"]] == [
        "is 20000.0 MB, larger than the 50.0 MB limit; split the report or raise the size limit",
        "is 200.0 MB, larger than the 50.0 MB limit; split the report or raise the size limit"]
    assert len(out["errors"]) == 4 and all("larger than the 50.0 MB limit" in e for e in out["errors"])
    assert out["peak_mb"] < 100  # the interpreter with kg.ingest loaded is ~20 MB; 200 MB were never read


def test_ingest_walk_unreadable_folder_is_named_and_the_rest_walked():
    """Run as an unprivileged user (root reads a chmod-000 folder anyway): the folder is a
    problem, its prefix is in ``unreadable``, and its siblings are still walked."""
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="kg-walk-"))  # under /tmp, not root's private pytest folder
    try:
        base.chmod(0o755)
        for n in ["in/2021/x.txt", "in/2022/secret/y.txt", "in/z.txt", "locked_input/w.txt"]:
            write(base, n, REPORT)
        for d in [base / "in", base / "in" / "2021", base / "in" / "2022"]:
            d.chmod(0o755)
        (base / "in" / "2022").chmod(0)
        (base / "locked_input").chmod(0)
        out = _run_isolated(f"""
            w = ingest.walk_inputs([Path({str(base / "in")!r}), Path({str(base / "locked_input")!r})])
            out = {{"sources": [s.name for s in w.sources], "problems": w.problems,
                   "unreadable": w.unreadable}}
        """, user=65534)
    finally:
        for d in [base / "in" / "2022", base / "locked_input"]:
            d.chmod(0o755)
        shutil.rmtree(base)
    assert out["sources"] == ["2021/x.txt", "z.txt"]
    assert out["unreadable"] == ["2022/", ""]
    assert out["problems"] == [
        f"{base / 'in' / '2022'}: cannot list the folder (Permission denied); the reports in it were "
        "not read; check its permissions or leave it out",
        f"{base / 'locked_input'}: cannot list the folder (Permission denied); the reports in it were "
        "not read; check its permissions or leave it out"]


def test_ingest_walk_missing_input_is_a_problem(tmp_path):
    w = walk_inputs([tmp_path / "nowhere", tmp_path])
    assert w.sources == [] and w.problems == [f"{tmp_path / 'nowhere'}: does not exist; check the path"]


def test_ingest_hash_file_streams_and_refuses_a_file_that_grows(tmp_path):
    p = write(tmp_path, "r.txt", REPORT * 3000)
    assert hash_file(p) == hashlib.sha256(p.read_bytes()).hexdigest() == read_source(p).sha256
    with pytest.raises(IngestError, match="larger than the 0.0 MB limit"):
        hash_file(p, max_bytes=1000)
    # a regular file whose stat says 0 bytes and that gives more: read, it passes the limit
    status = Path("/proc/self/status")
    assert status.stat().st_size == 0
    for f in (hash_file, read_bytes):
        with pytest.raises(IngestError, match="grew larger than the 0.0 MB limit while it was read"):
            f(status, max_bytes=100)


def test_ingest_read_bytes_errors(tmp_path):
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop.name)
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to("nothing.txt")
    big = write(tmp_path, "big.txt", "整改" * 1000)
    cases = {tmp_path / "missing.txt": "does not exist", tmp_path: "is a folder", loop: "symbolic link loop",
             dangling: "symbolic link to a file that does not exist"}
    for path, message in cases.items():
        with pytest.raises(IngestError, match=message) as e:
            read_bytes(path)
        assert e.value.source == str(path)
    with pytest.raises(IngestError, match=r"is 0.0 MB, larger than the 0.0 MB limit"):
        read_bytes(big, max_bytes=5000)
    with pytest.raises(IngestError, match="larger than"):
        read_source(big, max_bytes=5000)
    assert read_bytes(big, max_bytes=6000) == big.read_bytes()


def test_ingest_unreadable_file(tmp_path):
    p = write(tmp_path, "locked.txt", REPORT)
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop root from reading")
        with pytest.raises(IngestError, match="permission denied"):
            read_source(p)
    finally:
        p.chmod(0o644)


def test_ingest_raw_text_facts(tmp_path):
    data = REPORT.encode("gbk")
    p = write(tmp_path, "子 目录/整改 报告 (终稿).txt", data)
    raw = read_source(p)
    assert raw == RawText(source="整改 报告 (终稿).txt", path=str(p), sha256=hashlib.sha256(data).hexdigest(),
                          text=REPORT, format="txt", encoding="gb18030", warnings=(), title=None)
    url = "https://example.org/a/b.html"
    assert read_source(p, source=url).source == url


def test_ingest_changes_nothing_but_the_encoding(tmp_path):
    """No traditional→simplified, no white-space normalisation, no pinyin removal: normalise does that."""
    text = "關於整改\r\n\u3000\u3000进(jìn)行(xíng)整改  ，\t完成。\r\n\r\n（一）　全角空格\n"
    raw = read_source(write(tmp_path, "r.txt", text.encode("utf-16")))
    assert raw.text == text


def test_ingest_control_characters_kept_with_warning(tmp_path):
    raw = read_source(write(tmp_path, "r.txt", REPORT.replace("。", "。\x07", 2) + "\x1b"))
    assert raw.text == REPORT.replace("。", "。\x07", 2) + "\x1b"
    assert raw.warnings == ("contains 3 control characters (kept)",)


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

_report_chars = st.text(alphabet=st.sampled_from(list("整改问题情况一二三、，。（）“”：；0123456789abcXYZ \n")),
                        min_size=1, max_size=200).filter(lambda t: t.strip())


@settings(max_examples=150, deadline=None)
@given(text=_report_chars, codec=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_ingest_unicode_round_trips(text, codec):
    assert decode_bytes(text.encode(codec), "r.txt", fmt="txt")[0] == text


@settings(max_examples=300, deadline=None)
@given(data=st.binary(min_size=1, max_size=400))
def test_ingest_any_bytes_decode_or_raise_ingest_error(data):
    try:
        text, enc, warnings = decode_bytes(data, "r.txt", fmt="txt")
    except IngestError as e:
        assert str(e).startswith("r.txt: ")
    else:
        assert text.strip() and enc


@settings(max_examples=200, deadline=None)
@given(html=st.text(alphabet=st.sampled_from(list("<>/=\"' pdivbrscriptatble整改一、。&#;x\n")), max_size=300))
def test_ingest_any_html_text_never_crashes(html):
    text, title, warnings = html_to_text(html)
    assert isinstance(text, str)


def test_ingest_file_names_with_terminal_escapes_are_printed_escaped(tmp_path):
    """ESC[2J clears a terminal, ESC[31m paints it red: a file name may hold them (issue 13)."""
    from kg.errors import KgError, printable

    evil = "\x1b[2J\x1b[31m整改\n通报\u202e.txt"
    empty = write(tmp_path, "in/" + evil, b"")
    os.mkfifo(tmp_path / "in" / ("\x1b]0;title\x07" + ".txt"))
    with pytest.raises(IngestError) as e:
        read_source(empty)
    message = str(e.value)
    assert message == f"{tmp_path / 'in'}/\\x1b[2J\\x1b[31m整改\\n通报\\u202e.txt: is empty (0 bytes); " \
                      "remove it or export the report again"
    assert e.value.source == str(empty)  # the raw name stays available to code
    w = walk_inputs([tmp_path / "in"])
    assert [s.name for s in w.sources] == [evil]
    assert len(w.problems) == 1 and "\\x1b]0;title\\x07.txt: is not a regular file" in w.problems[0]
    for text in [message, *w.problems, str(KgError("x", source=evil, hint="\x1b[0m"))]:
        assert not any(c in text for c in "\x1b\x07\n\u202e"), text
    assert printable("整改 report.txt") == "整改 report.txt"
