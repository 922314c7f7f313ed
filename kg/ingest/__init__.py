"""Files → raw report text and the facts about its source (name, hash, format, encoding).

The first step of the pipeline. It *detects* how a file is encoded, never assumes it: byte-order
marks, strict UTF-8, UTF-16/32 without a mark, GB18030 (a superset of GBK and GB2312), Big5, and
charset-normalizer as a last resort. HTML pages are cut down to their main text, Word files
(.docx) and PDFs (text layer only) are read, and the boilerplate lines of government web sites
(版权所有, ICP备, 【字体：大 中 小】 …) are removed. Nothing else is changed: converting
traditional characters and normalising white space is :mod:`kg.normalise`'s job.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "r.txt"
>>> _ = p.write_bytes("一、整改工作组织情况\\n版权所有：某某网站\\n".encode("gb18030"))
>>> raw = read_source(p)
>>> raw.encoding, raw.text
('gb18030', '一、整改工作组织情况\\n')
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kg.errors import IngestError
from kg.ingest.boilerplate import strip_boilerplate_lines
from kg.ingest.docx import _read_docx, open_docx
from kg.ingest.files import HashCache, hash_file, read_bytes
from kg.ingest.html import _HTML_SNIFF_RE, _HTML_SUFFIXES, _looks_like_html, html_to_text
from kg.ingest.limits import DEFAULT_MAX_BYTES, HTML_MAX_BYTES, _mb
from kg.ingest.pdf import _read_pdf
from kg.ingest.sniff import _FIX_NAME, _binary_kind, _pdf_start
from kg.ingest.text import _check_text, clean_characters, decode_bytes
from kg.ingest.walk import SOURCE_SUFFIXES, Source, Walk, iter_sources, walk_inputs

__all__ = [
    "RawText", "Source", "Walk", "SOURCE_SUFFIXES", "DEFAULT_MAX_BYTES",
    "walk_inputs", "hash_file", "HashCache", "read_source",
    "iter_sources", "read_bytes", "decode_bytes",
    "html_to_text", "strip_boilerplate_lines",
]


@dataclass(frozen=True)
class RawText:
    """One file's decoded text and the facts about where it came from."""

    source: str        # the report's name (Source.name), else the file's basename (or a URL when given)
    path: str          # the path as given
    sha256: str        # SHA-256 hex of the ORIGINAL bytes
    text: str          # decoded text; for HTML the main text, boilerplate left out, one block a line
    format: str        # "txt" | "html" | "docx" | "pdf"
    encoding: str      # the detected encoding, or "n/a" for docx/pdf
    warnings: tuple[str, ...]   # non-fatal notes
    title: str | None = None    # an HTML <title>/<h1> or the docx/pdf title when there is one


def read_source(path: Path, *, name: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                source: str | None = None) -> RawText:
    """Read one report file into :class:`RawText`; raise :class:`IngestError` if it is no report.

    The format comes from the content first (a PDF or .docx is read as such whatever its
    name) and the extension second. ``name`` is the report's name kept as ``RawText.source``
    (:attr:`Source.name`; by default the file's bare name); ``source`` is the same, for a URL
    say. The file's kind and size are checked before it is read: a FIFO, a device or a file
    over ``max_bytes`` is refused without blocking or reading it.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "页 1.html"
    >>> _ = p.write_bytes('<meta charset="gb2312"><title>通报</title><p>整改完成</p>'.encode("gbk"))
    >>> r = read_source(p)
    >>> (r.source, r.format, r.encoding, r.text, r.title)
    ('页 1.html', 'html', 'gb18030', '整改完成', '通报')
    """
    path = Path(path)
    label = str(path)
    data = read_bytes(path, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    suffix = path.suffix.lower()
    warnings: list[str] = []
    title: str | None = None

    if _pdf_start(data):
        fmt, encoding = "pdf", "n/a"
        if suffix != ".pdf":
            warnings.append(f"named {suffix or 'without extension'} but is a PDF; read as PDF")
        text, title, more = _read_pdf(data, label)
        warnings.extend(more)
    elif (package := open_docx(data, label)) is not None:
        fmt, encoding = "docx", "n/a"
        if suffix != ".docx":
            warnings.append(f"named {suffix or 'without extension'} but is a Word .docx file; read as docx")
        with package:
            text, title = _read_docx(package, label, warnings)
    else:
        if suffix == ".docx" and data:
            kind = _binary_kind(data)
            if kind is None or kind.startswith("a ZIP"):
                raise IngestError("is not a Word .docx file (no word/document.xml inside)",
                                  source=label, hint="open and save it again in Word, or export it as .txt")
        if suffix == ".pdf" and data and _binary_kind(data):
            raise IngestError("is not a PDF file (no %PDF header)", source=label, hint=_FIX_NAME)
        sniff_html = suffix in _HTML_SUFFIXES or bool(_HTML_SNIFF_RE.match(
            data[:4096].decode("latin-1").lstrip("\ufeff\xef\xbb\xbf")))
        text, encoding, more = decode_bytes(data, label, fmt="html" if sniff_html else "txt")
        warnings.extend(more)
        if suffix in (".docx", ".pdf"):
            warnings.append(f"named {suffix} but contains plain text; read as text")
        fmt = "html" if sniff_html or _looks_like_html(text) else "txt"
        if fmt == "html":
            if suffix not in _HTML_SUFFIXES:
                warnings.append(f"named {suffix or 'without extension'} but contains HTML; read as HTML")
            if len(data) > HTML_MAX_BYTES:
                raise IngestError(f"is an HTML page of {_mb(len(data))}, more than the "
                                  f"{_mb(HTML_MAX_BYTES)} a report's page needs; not read", source=label,
                                  hint="save the report's text from the page as .txt")
            text, title, more = html_to_text(text)
            warnings.extend(more)
            if not text.strip():
                raise IngestError("has no report text once scripts, styles, menus and page "
                                  "furniture are left out", source=label,
                                  hint="check that the page holds the report, or save its text as .txt")
    text, removed = strip_boilerplate_lines(text)
    if removed:
        warnings.append(f"removed {removed} boilerplate lines (copyright, menus, share buttons …)")
    if not text.strip():
        raise IngestError("has no report text once page boilerplate is removed", source=label,
                          hint="check that the file holds the report")
    if fmt in ("docx", "pdf"):
        text = clean_characters(text, warnings)
        _check_text(text, label, warnings)
    return RawText(source=name or source or path.name, path=label, sha256=digest, text=text, format=fmt,
                   encoding=encoding, warnings=tuple(warnings), title=title)
