"""Word files (.docx): paragraphs and table cells in document order.

A .docx is a zip archive. Its directory is checked before anything is inflated (member count,
directory size, declared sizes and compression ratios: :mod:`kg.ingest.limits`), and only the
parts the text needs are inflated, each through a hard cap: the main document
(``word/document.xml``), the relationships that name it, and the core properties (the title).
Images, fonts, embedded files and every other part are never read, so a bomb among them costs
nothing. python-docx's element classes read the paragraphs and tables, as they did when
python-docx opened the whole package.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile

from kg.errors import IngestError, printable
from kg.ingest.limits import (DOCX_MAX_DOCUMENT, DOCX_MAX_SMALL_PART, ZIP_BOMB_BYTES, ZIP_MAX_DIRECTORY,
                              ZIP_MAX_MEMBERS, ZIP_MAX_RATIO, _mb)

_HINT = "open and save it again in Word, or export it as .txt"
_MAIN = "word/document.xml"
_RT_OFFICE_DOCUMENT = "/officeDocument"
_RT_CORE = "/metadata/core-properties"


def _directory_size(data: bytes) -> tuple[int, int] | None:
    """(members, central directory bytes) from the zip's end record, or None if there is none."""
    tail_start = max(0, len(data) - (65_535 + 22))
    i = data.rfind(b"PK\x05\x06", tail_start)
    if i < 0 or len(data) - i < 22:
        return None
    _, _, _, _, members, cd_size, _, _ = struct.unpack("<4s4H2LH", data[i:i + 22])
    if members == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the real counts are in its own record
        j = data.rfind(b"PK\x06\x07", max(0, i - 20), i)
        if j >= 0:
            (offset,) = struct.unpack("<Q", data[j + 8:j + 16])
            if data[offset:offset + 4] == b"PK\x06\x06" and len(data) >= offset + 56:
                members, cd_size = struct.unpack("<QQ", data[offset + 32:offset + 48])
    return members, cd_size


def open_docx(data: bytes, source: str) -> zipfile.ZipFile | None:
    """The zip of a Word file, its directory checked; None if ``data`` is no zip holding
    word/document.xml. Raises :class:`IngestError` for a zip too large to list or a zip bomb."""
    if not data.startswith(b"PK"):
        return None
    size = _directory_size(data)
    if size is None:
        return None
    members, cd_size = size
    if members > ZIP_MAX_MEMBERS or cd_size > ZIP_MAX_DIRECTORY:
        raise IngestError(f"is a zip archive of {members} members ({_mb(cd_size)} of directory), more "
                          f"than the {ZIP_MAX_MEMBERS} a Word file may hold; not read", source=source,
                          hint=_HINT)
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    if _MAIN not in z.NameToInfo:
        return None
    for info in z.infolist():
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > ZIP_BOMB_BYTES and ratio > ZIP_MAX_RATIO:
            raise IngestError(f"is a zip bomb: its part {printable(info.filename)} would inflate to "
                              f"{_mb(info.file_size)} from {_mb(info.compress_size)} ({ratio:.0f}:1); "
                              "not read", source=source, hint=_HINT)
    return z


def _read_part(z: zipfile.ZipFile, name: str, cap: int, source: str) -> bytes:
    """One member's bytes, inflated through a cap (its declared size is checked first, and the
    cap holds even when the declared size lies)."""
    info = z.getinfo(name)
    if info.file_size > cap:
        raise IngestError(f"has a {printable(name)} of {_mb(info.file_size)}, more than the {_mb(cap)} a "
                          "report's text needs; not read", source=source, hint=_HINT)
    with z.open(info) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise IngestError(f"has a {printable(name)} that inflates past the {_mb(cap)} limit (its zip "
                          "directory says less); not read", source=source, hint=_HINT)
    return data


def _targets(z: zipfile.ZipFile, source: str) -> tuple[str, str | None]:
    """The main document part and the core-properties part, from the package relationships."""
    main, core = _MAIN, ("docProps/core.xml" if "docProps/core.xml" in z.NameToInfo else None)
    if "_rels/.rels" not in z.NameToInfo:
        return main, core
    from lxml import etree

    rels = etree.fromstring(_read_part(z, "_rels/.rels", DOCX_MAX_SMALL_PART, source),
                            etree.XMLParser(resolve_entities=False, no_network=True))
    for rel in rels:
        kind, target = rel.get("Type") or "", (rel.get("Target") or "").lstrip("/")
        if rel.get("TargetMode") == "External" or target not in z.NameToInfo:
            continue
        if kind.endswith(_RT_OFFICE_DOCUMENT):
            main = target
        elif kind.endswith(_RT_CORE):
            core = target
    return main, core


def _read_docx(z: zipfile.ZipFile, source: str,
               warnings: list[str] | None = None) -> tuple[str, str | None]:
    from docx.oxml.parser import parse_xml
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        main, core = _targets(z, source)
        document = parse_xml(_read_part(z, main, DOCX_MAX_DOCUMENT, source))
        title = None
        if core is not None:  # python-docx made up "Word Document" for a file without one; we do not
            title = (parse_xml(_read_part(z, core, DOCX_MAX_SMALL_PART, source)).title_text or "").strip() or None
        body = document.body
        if body is None:
            raise ValueError(f"{main} has no body")
    except IngestError:
        raise
    except Exception as e:  # zip, XML and python-docx's own errors
        raise IngestError(f"cannot be opened as a Word .docx file ({type(e).__name__}: {e})",
                          source=source, hint=_HINT) from None
    lines: list[str] = []
    task_rows = [0]

    def table_lines(table: Table) -> None:
        start = len(lines)
        rows: list[list[str]] = []
        for row in table.rows:
            cells: list[str] = []
            last = None
            for cell in row.cells:
                if cell._tc is last:  # a merged cell repeats
                    continue
                last = cell._tc
                inner: list[str] = []
                for child in cell._tc.iterchildren():
                    local = child.tag.rsplit("}", 1)[-1]
                    if local == "p":
                        inner.append(Paragraph(child, cell).text)
                    elif local == "tbl":
                        lines_before = len(lines)
                        table_lines(Table(child, cell))
                        sub = lines[lines_before:]
                        del lines[lines_before:]
                        inner.extend(sub)
                cells.append("\n".join(t for t in inner if t.strip()))
            if any(c.strip() for c in cells):
                lines.append("\t".join(cells))
                rows.append(cells)
        items = task_list_lines(rows)  # 整改任务清单: one problem item per row (issue 14)
        if items is not None:
            del lines[start:]
            lines.extend(items)
            task_rows[0] += len(rows) - 1

    for child in body.iterchildren():
        local = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if local == "p":
            lines.append(Paragraph(child, None).text)
        elif local == "tbl":
            table_lines(Table(child, None))
        elif local == "sdt":  # content controls wrap paragraphs
            for p in child.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"):
                lines.append(Paragraph(p, None).text)
    if task_rows[0] and warnings is not None:
        warnings.append(f"read {task_rows[0]} rows of a rectification task table (整改任务清单) "
                        "as numbered problems")
    return "\n".join(line for line in lines if line.strip()), title


# --------------------------------------------------------------------------- 整改任务清单 tables
# (issue 14) A .docx often carries its problems as a table: 序号 / 问题 / 整改措施 / 责任单位 /
# 整改时限 / 进展. Such a table becomes one numbered item per row, each cell after its column's
# label, so the extractors read it as they read the genre's running text.

_TASK_COLUMNS = [  # (label written before the cell, header words), first match wins per column
    ("ordinal", ("序号", "编号")),
    ("problem", ("问题", "反馈问题", "存在问题", "问题描述", "具体问题", "整改任务", "任务")),
    ("整改措施", ("整改措施", "措施", "整改举措", "整改方案")),
    ("牵头单位", ("牵头单位", "牵头部门")),
    ("责任单位", ("责任单位", "责任部门", "责任科室", "整改单位")),
    ("配合单位", ("配合单位", "参与单位", "协办单位")),
    ("责任人", ("责任人", "责任领导", "牵头领导")),
    ("整改时限", ("整改时限", "完成时限", "时限", "整改期限", "完成时间")),
    ("整改进展", ("进展", "整改进展", "完成情况", "整改情况", "整改结果", "进展情况")),
]


def task_list_lines(rows: list[list[str]]) -> list[str] | None:
    """A 整改任务清单 table's rows as the genre's numbered items, or None for any other table.

    The first row is the header; the table is a task list when one column is the problem and
    another its measures, unit, deadline or progress. A multi-line cell is joined with "；".

    >>> task_list_lines([["序号", "问题", "整改措施", "责任单位", "时限", "进展"],
    ...                  ["1", "台账不全", "补齐台账", "办公室", "2023年6月底前", "已完成"]])
    ['1.问题:台账不全', '整改措施:补齐台账', '责任单位:办公室', '整改时限:2023年6月底前', '整改进展:已完成']
    >>> task_list_lines([["姓名", "职务"], ["某某", "科长"]]) is None
    True
    """
    if len(rows) < 2:
        return None
    header = [re.sub(r"\s+", "", c) for c in rows[0]]
    roles: dict[int, str] = {}
    for i, h in enumerate(header):
        for role, words in _TASK_COLUMNS:
            if h in words or (role != "ordinal" and any(h.endswith(w) for w in words if len(w) > 1)):
                if role not in roles.values():
                    roles[i] = role
                break
    if "problem" not in roles.values() or len(set(roles.values()) - {"ordinal", "problem"}) < 1:
        return None
    out: list[str] = []
    n = 0
    for row in rows[1:]:
        cells = {roles[i]: "；".join(x.strip() for x in c.split("\n") if x.strip())
                 for i, c in enumerate(row) if i in roles}
        problem = cells.get("problem", "")
        if not problem:
            continue
        n += 1
        ordinal = cells.get("ordinal", "").rstrip(".、．") or str(n)
        if not re.fullmatch(r"\d{1,3}", ordinal):
            ordinal = str(n)
        out.append(f"{ordinal}.问题:{problem}")
        for role, _ in _TASK_COLUMNS[2:]:
            if cells.get(role):
                out.append(f"{role}:{cells[role]}")
    return out or None
