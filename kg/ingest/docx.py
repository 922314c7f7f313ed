"""Word files (.docx): paragraphs and table cells in document order."""
from __future__ import annotations

import io

from kg.errors import IngestError


def _read_docx(data: bytes, source: str) -> tuple[str, str | None]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # python-docx raises zip, XML and its own errors
        raise IngestError(f"cannot be opened as a Word .docx file ({type(e).__name__}: {e})",
                          source=source, hint="open and save it again in Word, or export it as .txt") from None
    lines: list[str] = []

    def table_lines(table: Table) -> None:
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
                        sub: list[str] = []
                        lines_before = len(lines)
                        table_lines(Table(child, cell))
                        sub = lines[lines_before:]
                        del lines[lines_before:]
                        inner.extend(sub)
                cells.append("\n".join(t for t in inner if t.strip()))
            if any(c.strip() for c in cells):
                lines.append("\t".join(cells))

    body = document.element.body
    for child in body.iterchildren():
        local = child.tag.rsplit("}", 1)[-1]
        if local == "p":
            lines.append(Paragraph(child, document).text)
        elif local == "tbl":
            table_lines(Table(child, document))
        elif local == "sdt":  # content controls wrap paragraphs
            for p in child.iter("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}p"):
                lines.append(Paragraph(p, document).text)
    title = (document.core_properties.title or "").strip() or None
    return "\n".join(line for line in lines if line.strip()), title
