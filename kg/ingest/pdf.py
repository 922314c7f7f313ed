"""PDF files: the text layer only (a scan without one is refused)."""
from __future__ import annotations

import io

from kg.errors import IngestError


def _read_pdf(data: bytes, source: str) -> tuple[str, str | None, list[str]]:
    import logging

    from pypdf import PdfReader

    warnings: list[str] = []
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                try:
                    if not reader.decrypt(""):
                        raise IngestError("is an encrypted PDF", source=source,
                                          hint="save an unprotected copy or export it as .txt")
                except IngestError:
                    raise
                except Exception:
                    raise IngestError("is an encrypted PDF that cannot be opened", source=source,
                                      hint="save an unprotected copy or export it as .txt") from None
            pages = []
            for i, page in enumerate(reader.pages):
                try:
                    pages.append(page.extract_text() or "")
                except Exception as e:  # one broken page should not lose the others
                    warnings.append(f"page {i + 1}: text could not be extracted ({type(e).__name__})")
            title = None
            try:
                meta = reader.metadata
                if meta is not None and meta.title:
                    title = str(meta.title).strip() or None
            except Exception:
                pass
        except IngestError:
            raise
        except Exception as e:
            raise IngestError(f"cannot be read as a PDF ({type(e).__name__}: {e})", source=source,
                              hint="open and save it again, or export it as .txt") from None
    finally:
        logger.setLevel(level)
    text = "\n".join(p for p in pages)
    if not text.strip():
        raise IngestError("is a PDF with no text layer (a scanned image?)", source=source,
                          hint="run OCR on it first or give the report as text")
    return text, title, warnings
