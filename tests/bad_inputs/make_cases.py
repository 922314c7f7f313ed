"""Write the bad-input corpus (issue 6) into a folder, with a manifest of what each case expects.

    python tests/bad_inputs/make_cases.py OUT_DIR [--big-mb 20] [--hostile]

The cases are generated, not committed, so that the large ones (a 20 MB report, a report with
500 problems) cost nothing in the repository. Report text is taken from the sample reports in
data/corpus. ``OUT_DIR/manifest.json`` lists every case::

    {"file": "png_renamed.txt", "expected": "error", "message": "PNG image", ...}

``expected`` is "ok" (read_source gives text) or "error" (read_source raises IngestError whose
message contains ``message`` and names the file). Optional keys: ``contains`` (text an ok case
must contain), ``absent`` (text it must not contain), ``format``/``encoding`` (what must be
detected), ``warning`` (a substring one warning must contain), ``same_as`` (a case with the same
bytes), ``skip_if_readable`` (the file is chmod 000; as root it is readable anyway, so skip),
``note`` (what a full build should make of it; for the lead's later checks).
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import struct
import sys
import zipfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "data" / "corpus"


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------

def corpus_texts() -> list[str]:
    """The sample reports' texts, in name order."""
    return [p.read_text("utf-8") for p in sorted(CORPUS.glob("*.txt"))]


def report_text() -> str:
    """A real report with headings and problems (the first sample)."""
    return corpus_texts()[0]


def write_text_pdf(path: Path, lines: list[str], *, title: str | None = None, text: bool = True,
                   overrides: dict[int, str] | None = None) -> None:
    """Write a one-page PDF whose text layer holds ``lines`` (any BMP characters, Chinese too).

    The font is a non-embedded Type0 font (Identity-H) with a ToUnicode map, so text extractors
    read the characters back exactly. With ``text=False`` the page only draws a rectangle: a
    PDF without a text layer, as a scan would be. ``overrides`` maps codes to other UTF-16 hex
    in the ToUnicode map (their 256-code row is then left out of the identity ranges).
    """
    overrides = overrides or {}
    if text:
        ops = ["BT", "/F1 12 Tf", "14 TL", "40 800 Td"]
        for i, line in enumerate(lines):
            if i:
                ops.append("T*")
            ops.append("<" + line.encode("utf-16-be").hex().upper() + "> Tj")
        ops.append("ET")
    else:
        ops = ["0.5 g", "40 400 300 300 re f"]
    content = "\n".join(ops).encode("ascii")
    rows = {code >> 8 for code in overrides}
    ranges = [f"<{h:02X}00> <{h:02X}FF> <{h:02X}00>" for h in range(256)
              if not 0xD8 <= h <= 0xDF and h not in rows]
    cmap_parts = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
                  "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
                  "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
                  "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    for i in range(0, len(ranges), 100):
        chunk = ranges[i:i + 100]
        cmap_parts += [f"{len(chunk)} beginbfrange", *chunk, "endbfrange"]
    if overrides:
        cmap_parts += [f"{len(overrides)} beginbfchar",
                       *(f"<{code:04X}> <{dest}>" for code, dest in sorted(overrides.items())), "endbfchar"]
    cmap_parts += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    cmap = "\n".join(cmap_parts).encode("ascii")

    def stream(body: bytes) -> bytes:
        return b"<< /Length %d >>\nstream\n" % len(body) + body + b"\nendstream"

    info = b"<< /Producer (rectkg tests) >>"
    if title:
        info = b"<< /Title <FEFF" + title.encode("utf-16-be").hex().upper().encode() + b"> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        stream(content),
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
        b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>",
        stream(cmap),
        info,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info 8 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())


def write_docx(path: Path, paragraphs: list[str], *, table: list[list[str]] | None = None,
               title: str | None = None) -> None:
    """Write a Word file with python-docx: paragraphs, then a table."""
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if table:
        t = d.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    if title:
        d.core_properties.title = title
    d.save(str(path))


def png_bytes() -> bytes:
    """A valid 1×1 PNG."""
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


def zip_bytes(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buf.getvalue()


GOV_PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>{title}_某市人民政府网站</title>
<script>var _hmt = _hmt || []; document.write("<div>统计代码</div>");</script>
<style>.nav {{ color: red }} body {{ font-size: 14px }}</style></head>
<body><form id="form1">
<div class="top-banner">欢迎访问 某市人民政府网站 无障碍浏览 English</div>
<div id="nav"><ul><li><a href="/">首页</a></li><li>政务公开</li><li>政务服务</li><li>互动交流</li></ul></div>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="article">
<h1>{title}</h1>
<div class="info">来源：巡察办  发布日期：2021-09-16 10:20  【字体：<a>大</a> <a>中</a> <a>小</a>】 【打印本页】</div>
<div class="TRS_Editor" id="zoom">{body}</div>
<div class="share">分享到：微信 微博 QQ空间</div>
<div>上一篇：关于开展某项工作的通知</div><div>下一篇：关于另一项工作的通知</div>
<div>【打印本页】 【关闭窗口】</div>
</div>
<div class="sidebar"><h3>相关新闻</h3><ul><li>某地召开巡察工作会议</li><li>某地推进整改工作</li></ul></div>
<div class="footer"><p>主办单位：某市人民政府办公室  承办单位：某市大数据中心</p>
<p>版权所有 © 2021 某市人民政府  ICP备12345678号  公网安备 44190002000000号</p>
<p>网站标识码：4419000000  网站地图  联系我们</p></div>
</form></body></html>
"""


def gov_page(body_lines: list[str], *, title: str, charset: str = "utf-8") -> str:
    body = "".join(f"<p>{line}</p>\n" for line in body_lines)
    return GOV_PAGE.format(title=title, body=body, charset=charset)


# --------------------------------------------------------------------------------------------
# Hostile files (issue 13): bombs, huge and endless files, links out, mislabelled bytes
# --------------------------------------------------------------------------------------------

def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _spaces_bomb(size: int) -> tuple[bytes, int]:
    """A raw deflate stream that inflates to ``size`` spaces (size a multiple of 1 MiB), and the
    CRC-32 of what it inflates to: built from one compressed block repeated, so a 1 GB bomb costs
    1 MB and a second to make."""
    block = b" " * (1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)  # a full flush: each copy stands alone
    crc = 0
    for _ in range(size >> 20):
        crc = zlib.crc32(block, crc)
    return one * (size >> 20) + zlib.compressobj(9, zlib.DEFLATED, -15).flush(), crc


def write_raw_zip(path: Path, members: list[tuple[str, bytes, int, int]], *,
                  declared: dict[str, int] | None = None) -> None:
    """Write a zip from already deflated members ``(name, deflated, crc32, size)``. ``declared``
    overrides the uncompressed size the zip's headers state for some members (a zip that lies)."""
    declared = declared or {}
    with open(path, "wb") as f:
        directory = []
        for name, deflated, crc, size in members:
            raw = name.encode("utf-8")
            stated = declared.get(name, size)
            directory.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, crc,
                                         len(deflated), stated, len(raw), 0, 0, 0, 0, 0, f.tell()) + raw)
            f.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, crc, len(deflated),
                                stated, len(raw), 0) + raw)
            f.write(deflated)
        start = f.tell()
        for entry in directory:
            f.write(entry)
        f.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(directory), len(directory),
                            f.tell() - start, start, 0))


def docx_members(paragraphs: list[str]) -> list[tuple[str, bytes, int, int]]:
    """The members of a genuine Word file (written by python-docx), deflated, for write_raw_zip."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "r.docx"
        write_docx(p, paragraphs)
        with zipfile.ZipFile(p) as z:
            return [(i.filename, _deflate(body), zlib.crc32(body), len(body))
                    for i in z.infolist() for body in [z.read(i)]]


def big_document_xml(paragraphs: list[str], size: int) -> bytes:
    """A valid word/document.xml of at least ``size`` bytes: the paragraphs, repeated."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
            '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>').encode()
    paras = "".join(f'<w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:rPr><w:rFonts w:hint="eastAsia"/>'
                    f'</w:rPr><w:t>{p}</w:t></w:r></w:p>' for p in paragraphs).encode()
    return head + paras * (size // len(paras) + 1) + b"</w:body></w:document>"


def write_tounicode_pdf(path: Path, lines: list[str], bad: dict[str, str]) -> None:
    """A text PDF whose font's ToUnicode map sends some codes to what no text can hold: ``bad``
    maps a private-use character used in ``lines`` to the UTF-16 hex its code yields (D800: a lone
    surrogate; 0000: NUL; 2028: a line separator)."""
    write_text_pdf(path, lines, overrides={ord(k): v for k, v in bad.items()})


def hostile_cases(out: Path, add, report: str, lines: list[str], *, big: bool = True) -> None:
    """The hostile files of issue 13, added to the manifest through ``add``. ``walk`` in a case is
    what walk_inputs must say of it instead of taking it as a source (a link out, a FIFO …);
    ``expected: "skipped"`` cases are only the walk's business."""
    first = lines[1]
    # -- Word files: bombs, a huge document, a zip that lies, a zip of many members
    base = docx_members(lines[:8])
    bomb, crc = _spaces_bomb(1000 << 20)
    gb = len(bomb)
    write_raw_zip(out / "docx_bomb_1gb.docx", [m if m[0] != "word/document.xml"
                                              else (m[0], bomb, crc, 1000 << 20) for m in base])
    add("docx_bomb_1gb.docx", None, "error", message="is a zip bomb: its part word/document.xml",
        note=f"a {gb} byte .docx whose document.xml inflates to 1 GB")
    write_raw_zip(out / "docx_image_bomb.docx", base + [("word/media/image1.png", bomb, crc, 1000 << 20)])
    add("docx_image_bomb.docx", None, "error", message="is a zip bomb: its part word/media/image1.png",
        note="a 1 GB bomb in a part no report needs")
    xml = big_document_xml(lines[1:30], 45_000_000)
    write_raw_zip(out / "docx_document_45mb.docx", [m if m[0] != "word/document.xml"
                                                   else (m[0], _deflate(xml), zlib.crc32(xml), len(xml))
                                                   for m in base])
    add("docx_document_45mb.docx", None, "error", message="has a word/document.xml of 45.0 MB")
    xml = big_document_xml(lines[1:30], 60_000_000)
    write_raw_zip(out / "docx_lying_sizes.docx", [m if m[0] != "word/document.xml"
                                                 else (m[0], _deflate(xml), zlib.crc32(xml), len(xml))
                                                 for m in base], declared={"word/document.xml": 1000})
    add("docx_lying_sizes.docx", None, "error", message="cannot be opened as a Word .docx file",
        note="the zip says document.xml is 1000 bytes; it inflates to 60 MB")
    empty = (_deflate(b""), 0, 0)
    write_raw_zip(out / "docx_many_members.docx", base + [(f"word/media/x{i}.bin", *empty) for i in range(6000)])
    add("docx_many_members.docx", None, "error", message="more than the 5000 a Word file may hold")
    # -- size and kind, known from a stat
    sparse = out / "sparse_20gb.txt"
    with open(sparse, "wb") as f:
        f.write(report.encode("utf-8"))
        f.truncate(20 * 10**9)
    add(sparse.name, None, "error", message="is 20000.0 MB, larger than the 50.0 MB limit",
        walk="larger than the 50.0 MB limit")
    if big:
        one_line = "".join(report.split()).encode("utf-8")
        with open(out / "line_50mb.txt", "wb") as f:  # exactly the default limit: read, then built
            n = 50_000_000 // len(one_line)
            f.write(one_line * n + b" " * (50_000_000 - n * len(one_line)))
        add("line_50mb.txt", None, "ok", contains="整改工作组织情况",
            note="50 MB on one line: ingest reads it; the build's per-file budget must bound the rest")
        chunk = (report + "\n").encode("utf-8")
        with open(out / "text_200mb.txt", "wb") as f:
            for _ in range(200_000_000 // len(chunk) + 1):
                f.write(chunk)
        add("text_200mb.txt", None, "error", message="larger than the 50.0 MB limit",
            walk="larger than the 50.0 MB limit")
    fifo = out / "fifo.txt"
    if not fifo.exists():
        os.mkfifo(fifo)
    add(fifo.name, None, "error", message="is not a regular file (a named pipe (FIFO))",
        walk="is not a regular file (a named pipe (FIFO))")
    # -- links leading out of the folder: to /dev/zero, to a good report, to a folder of them
    for name, target, message in [
            ("link_to_dev_zero.txt", Path("/dev/zero"), "is not a regular file (a character device)"),
            ("link_out_file.txt", CORPUS / "000_23a78b058b181c61.txt", None),
            ("link_out_folder", CORPUS, None)]:
        link = out / name
        if not link.is_symlink():
            link.symlink_to(target)
        add(name, None, "error" if message else "skipped", **({"message": message} if message else {}),
            walk="is a symbolic link leading out of the input folder")
    # -- characters and charsets
    write_tounicode_pdf(out / "pdf_bad_tounicode.pdf",
                        [lines[0][:20], first, "整改\ue000完成\ue001情况\ue002进展"],
                        {"\ue000": "D800", "\ue001": "0000", "\ue002": "2028"})
    add("pdf_bad_tounicode.pdf", None, "ok", contains=first, format="pdf", warning="lone surrogate")
    big5_lines = [line for line in lines if _gbk_reads_as_big5(line)][:8]
    add("html_big5_label_gbk_bytes.html",
        ('<html><head><meta charset="big5"><title>通报</title></head><body><div id="content">'
         + "".join(f"<p>{line}</p>" for line in big5_lines) + "</div></body></html>").encode("gbk"),
        "ok", contains=big5_lines[0], format="html", encoding="gb18030", warning="declares charset big5")
    add("html_many_tags.html", "<html><body><div id=content><p>" + first + "</p>"
        + "<p>整改</p>" * 310_000 + "</div></body></html>", "ok", contains=first, format="html",
        warning="tags, more than the 300000")
    if big:
        with open(out / "html_25mb.html", "wb") as f:
            f.write(("<html><body><div id=content>" + "".join(f"<p>{x}</p>" for x in lines)).encode())
            f.write(b" " * 25_000_000 + b"</div></body></html>")
        add("html_25mb.html", None, "error", message="more than the 20.0 MB a report's page needs")
    # -- names that would act on a terminal
    add("\x1b[2J\x1b[31m红色通报.txt", report, "ok", contains=first)
    add("\x1b]0;title\x07空.txt", b"", "error", message="is empty")


def _gbk_reads_as_big5(line: str) -> bool:
    try:
        line.encode("gbk").decode("big5")
    except UnicodeError:
        return False
    return len(line) > 10


# --------------------------------------------------------------------------------------------
# The cases
# --------------------------------------------------------------------------------------------

def make_cases(out: Path, *, big_mb: int = 20, hostile: bool = False, hostile_big: bool = True) -> list[dict]:
    """Write every case into ``out`` and return the manifest (also written to manifest.json).

    ``hostile`` adds the hostile files of issue 13 (zip bombs, a 45 MB document.xml, a sparse
    20 GB file, a FIFO, links leading out and to /dev/zero, a PDF whose font map yields lone
    surrogates, a mislabelled page, names with terminal escapes); ``hostile_big=False`` leaves out
    the ones that take disk (the 50 MB one-line report, the 200 MB text, the 25 MB page)."""
    out.mkdir(parents=True, exist_ok=True)
    texts = corpus_texts()
    report = texts[0]
    lines = [line for line in report.splitlines() if line.strip()]
    first = lines[1]  # "一、整改工作组织情况"
    body_sample = lines[2][:40]
    cases: list[dict] = []

    def add(name: str, data: bytes | str | None, expected: str, **facts) -> Path:
        path = out / name
        if data is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        cases.append({"file": name, "expected": expected, **facts})
        return path

    # -- empty, white space, binary --------------------------------------------------------
    add("empty.txt", b"", "error", message="is empty")
    add("whitespace_only.txt", " \t\r\n\u3000\u3000\n\n   \n".encode("utf-8"), "error",
        message="only white space")
    add("png_renamed.txt", png_bytes(), "error", message="PNG image")
    add("jpeg_renamed.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4, "error",
        message="JPEG image")
    add("gif_renamed.txt", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04"
        b"\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;", "error",
        message="GIF image")
    add("zip_renamed.txt", zip_bytes({"a.txt": report, "b.csv": "x,y\n1,2\n"}), "error",
        message="ZIP archive")
    add("elf_renamed.txt", b"\x7fELF\x02\x01\x01\x00" + bytes(56) + b"\x00" * 200, "error",
        message="ELF executable")
    import gzip
    add("gzip_renamed.txt", gzip.compress(report.encode("utf-8")), "error", message="gzip archive")
    add("old_word.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + report[:200].encode("utf-16-le"),
        "error", message="old Microsoft Office file")
    add("binary_nuls.txt", bytes((i * 7) % 256 for i in range(4096)), "error", message="binary data")
    add("random_high_bytes.txt", bytes(0x80 + (i * 37 + i // 3) % 0x7F for i in range(4096)), "error",
        message="undecodable")

    # -- encodings -------------------------------------------------------------------------
    add("utf8.txt", report, "ok", contains=first, encoding="utf-8")
    add("utf8_bom.txt", b"\xef\xbb\xbf" + report.encode("utf-8"), "ok", contains=first,
        encoding="utf-8-sig")
    add("utf8_crlf.txt", report.replace("\n", "\r\n"), "ok", contains=first + "\r\n", encoding="utf-8")
    add("gbk_no_declaration.txt", report.encode("gbk"), "ok", contains=first, encoding="gb18030")
    add("gb18030_four_byte.txt", ("𠀀𪚥 生僻字与欧元符号€ 也要读对。\n" + report).encode("gb18030"), "ok",
        contains="𠀀𪚥 生僻字", encoding="gb18030")
    add("gbk_with_bad_bytes.txt", report.encode("gbk")[:3000] + b"\xff" + report.encode("gbk")[3000:6000]
        + b"\x81", "ok", contains=first, warning="replaced", encoding="gb18030")
    add("utf16le_bom.txt", b"\xff\xfe" + report.encode("utf-16-le"), "ok", contains=first, encoding="utf-16")
    add("utf16be_bom.txt", b"\xfe\xff" + report.encode("utf-16-be"), "ok", contains=first, encoding="utf-16")
    add("utf16le_no_bom.txt", report.encode("utf-16-le"), "ok", contains=first, encoding="utf-16-le")
    add("utf16be_no_bom.txt", report.encode("utf-16-be"), "ok", contains=first, encoding="utf-16-be")
    add("utf32_bom.txt", "\ufeff".encode("utf-32-le") + report.encode("utf-32-le"), "ok", contains=first,
        encoding="utf-32")
    mixed_lines = report.splitlines(keepends=True)
    mixed = b"".join(line.encode("utf-8") if i % 2 == 0 else line.encode("gbk")
                     for i, line in enumerate(mixed_lines))
    add("mixed_utf8_gbk.txt", mixed, "ok", contains=lines[2][:30], encoding="utf-8+gb18030",
        warning="mixed encodings")
    trad = ("關於巡察反饋意見整改落實情況的通報\n一、整改工作組織情況\n區委政法委高度重視，認真履行巡察整改主體責任，"
            "加強組織領導、統籌協調，把巡察整改作為推動政法工作高質量發展的有利契機和重要抓手。\n"
            "二、整改落實情況\n（一）關於「黨對政法工作的絕對領導還要更加彰顯」問題的整改。深入學習貫徹，"
            "建立健全工作機制，進一步壓實責任。\n")
    add("big5_traditional.txt", trad.encode("big5"), "ok", contains="整改落實情況", encoding="big5",
        note="traditional characters: normalise converts them; structure must still find the headings")
    add("traditional_utf8.txt", trad, "ok", contains="關於巡察反饋意見", encoding="utf-8")
    pinyin = ("一、整改工作组织情况\n区委政法委进(jìn)行(xíng)了专题研究，"
              "對(duì)巡察反馈问题逐条进(jìn)行(xíng)梳理。\n二、整改落实情况\n1.关于“问题一”的整改。已完成。\n")
    add("pinyin_annotated.txt", pinyin, "ok", contains="进(jìn)行(xíng)", encoding="utf-8",
        note="pinyin in brackets after characters: normalise/extractors must not take it as an ordinal")
    add("control_chars.txt", report[:2000].replace("。", "。\x01", 5).replace("，", "\x07，", 5)
        + "\x1b[0m" + report[2000:], "ok", contains=first, warning="control characters")
    add("mostly_control.txt", "".join(chr(c) for c in list(range(1, 9)) * 200) + "整改", "error",
        message="control characters")
    add("stray_nul_bytes.txt", report.encode("utf-8").replace("。".encode(), "。".encode() + b"\x00", 3),
        "ok", contains=first, warning="removed 3 NUL characters")

    # -- HTML ------------------------------------------------------------------------------
    body_lines = lines[1:12]
    title = "关于巡察整改进展情况的通报"
    add("gov_page.html", gov_page(body_lines, title=title), "ok", contains=first, format="html",
        absent="版权所有", title=title)
    add("gov_page_gbk.html", gov_page(body_lines, title=title, charset="gb2312").encode("gb18030"), "ok",
        contains=first, format="html", encoding="gb18030")
    add("meta_charset_lies.html", gov_page(body_lines, title=title, charset="utf-8").encode("gb18030"), "ok",
        contains=first, format="html", encoding="gb18030", warning="declares charset")
    add("gov_page_utf16.htm", b"\xff\xfe" + gov_page(body_lines, title=title).encode("utf-16-le"), "ok",
        contains=first, format="html", encoding="utf-16")
    page = gov_page(lines[1:40], title=title)
    add("truncated.html", page[: len(page) // 2], "ok", contains=first, format="html")
    add("malformed.html", "<html><body><div id=content><p>" + "</p><p>".join(lines[1:10])
        + "<table><tr><td>序号<td>问题<tr><td>1<td>" + lines[10][:60] + "</div></span></b><p>未闭合"
        "<div <p>>>&amp &nbsp; &#x4E2D;&#25991;</body></html></html><p>尾部", "ok", contains=first,
        format="html")
    add("deeply_nested.html", "<html><body>" + "<div>" * 5000 + first + "。" + lines[2] + "</div>" * 5000
        + "</body></html>", "ok", contains=first, format="html")
    script = "<script>" + "var x = '整改';\n" * 20000 + "</script><style>" + "p{margin:0}\n" * 5000 + "</style>"
    add("mostly_script.html", f"<html><head>{script}</head><body>{script}<p>{first}</p><p>{lines[2]}</p>"
        f"{script}</body></html>", "ok", contains=first, absent="var x", format="html")
    add("only_script_style.html", f"<html><head>{script}</head><body>{script}<nav>首页 新闻</nav>"
        "<div class='footer'>版权所有</div></body></html>", "error", message="no report text")
    add("html_in_txt.txt", gov_page(body_lines, title=title), "ok", contains=first, format="html",
        warning="contains HTML")

    # -- size and structure ------------------------------------------------------------------
    big = out / "big_20mb.txt"
    target = big_mb * 1_000_000
    with open(big, "wb") as f:
        f.write(report.encode("utf-8"))
        written = len(report.encode("utf-8"))
        i = 0
        while written < target:
            chunk = "\n".join(texts[i % len(texts)].splitlines()[1:]).encode("utf-8") + b"\n"
            f.write(chunk)
            written += len(chunk)
            i += 1
    cases.append({"file": big.name, "expected": "ok", "contains": first, "encoding": "utf-8",
                  "note": f"{big_mb} MB: sections of the sample reports repeated; a build should finish"})
    heading = re.compile(r"^\s*[（(]?[一二三四五六七八九十0-9]+[)）、.．]")
    add("no_headings.txt", "\n".join(line for line in lines if not heading.match(line)), "ok",
        contains=body_sample, note="no headings: a build should report no structure found, not crash")
    add("no_problems.txt", texts[3], "ok", note="a news article: a build should find no problems")
    items = [f"{i}.关于“第{i}项工作的落实还需加强”问题的整改。制定整改方案，明确责任单位，已完成整改。"
             for i in range(1, 501)]
    add("problems_500.txt", "一、整改工作组织情况\n高度重视，成立领导小组。\n二、整改落实情况\n（一）已整改完成的问题\n"
        + "\n".join(items) + "\n三、下一步工作打算\n持续巩固整改成果。\n",
        "ok", contains="500.关于“第500项工作的落实还需加强”", note="500 problems: a build should find 500")
    add("one_line_no_whitespace.txt", "".join(report.split()), "ok", contains="整改工作组织情况",
        note="a single line: headings are not at line starts any more")
    add("dup_a.txt", report, "ok", contains=first)
    add("dup_b copy.txt", report, "ok", contains=first, same_as="dup_a.txt",
        note="same bytes as dup_a.txt: a build should keep one report")
    add("整改 报告 (终稿).txt", report, "ok", contains=first, same_as="dup_a.txt")
    add("子目录/第二 份.txt", texts[1], "ok", contains="整改")

    # -- Word and PDF ----------------------------------------------------------------------
    write_docx(out / "report.docx", lines[:8], table=[["序号", "问题", "整改措施"], ["1", lines[8][:30], "已完成"]],
               title=title)
    cases.append({"file": "report.docx", "expected": "ok", "contains": first, "format": "docx",
                  "encoding": "n/a", "title": title})
    (out / "docx_renamed.txt").write_bytes((out / "report.docx").read_bytes())
    cases.append({"file": "docx_renamed.txt", "expected": "ok", "contains": first, "format": "docx",
                  "warning": "Word .docx"})
    add("corrupt.docx", (out / "report.docx").read_bytes()[:2000], "error", message="Word")
    add("zip_not_docx.docx", zip_bytes({"content.xml": "<x/>"}), "error", message="not a Word .docx")
    write_text_pdf(out / "report_text.pdf", lines[:6], title=title)
    cases.append({"file": "report_text.pdf", "expected": "ok", "contains": first, "format": "pdf",
                  "encoding": "n/a", "title": title})
    write_text_pdf(out / "scan_no_text.pdf", [], text=False)
    cases.append({"file": "scan_no_text.pdf", "expected": "error", "message": "no text layer"})
    add("truncated.pdf", (out / "report_text.pdf").read_bytes()[:300], "error", message="PDF")

    # -- the file system -------------------------------------------------------------------
    loop = out / "symlink_loop.txt"
    if loop.is_symlink() or loop.exists():
        loop.unlink()
    loop.symlink_to(loop.name)
    cases.append({"file": loop.name, "expected": "error", "message": "symbolic link loop",
                  "walk": "is a symbolic link loop"})
    dangling = out / "dangling_link.txt"
    if dangling.is_symlink() or dangling.exists():
        dangling.unlink()
    dangling.symlink_to("does-not-exist.txt")
    cases.append({"file": dangling.name, "expected": "error", "message": "does not exist",
                  "walk": "is a symbolic link to a file that does not exist"})
    loop_dir = out / "子目录" / "loop"
    if not loop_dir.is_symlink():
        loop_dir.symlink_to("..")
    add("a_folder.txt/inside.txt", report, "ok", contains=first)
    cases.append({"file": "a_folder.txt", "expected": "error", "message": "is a folder"})
    locked = add("unreadable.txt", report, "error", message="permission denied", skip_if_readable=True)
    os.chmod(locked, 0)

    if hostile:
        hostile_cases(out, add, report, lines, big=hostile_big)

    (out / "manifest.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1), "utf-8")
    return cases


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="folder to write the cases into")
    ap.add_argument("--big-mb", type=int, default=20, help="size of the big report (MB)")
    ap.add_argument("--hostile", action="store_true",
                    help="add the hostile files of issue 13 (bombs, FIFO, links out …; ~300 MB of disk)")
    args = ap.parse_args(argv)
    cases = make_cases(args.out, big_mb=args.big_mb, hostile=args.hostile)
    print(f"wrote {len(cases)} cases to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
