"""Recognising what a file is from its first bytes (images, archives, executables, PDF)."""
from __future__ import annotations

_FIX_NAME = "remove it or give the right extension"

_MAGIC: list[tuple[bytes, str]] = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"BM", ""),  # checked further below: "BM" alone is too common a start
    (b"\x00\x00\x01\x00", "an icon image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BZh", ""),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"%PDF-", "a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (.doc/.xls, Office 97-2003)"),
    (b"{\\rtf", "an RTF document"),
    (b"\x7fELF", "an ELF executable"),
    (b"MZ", ""),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O file"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\x00asm", "a WebAssembly module"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"OggS", "an Ogg media file"),
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"wOFF", "a web font"),
    (b"wOF2", "a web font"),
]


def _binary_kind(data: bytes) -> str | None:
    """What a known binary file format the bytes start with, if any."""
    head = data[:16]
    for magic, what in _MAGIC:
        if head.startswith(magic):
            if what:
                return what
            if magic == b"BM" and len(data) > 14 and b"\x00" in data[2:14]:
                return "a BMP image"
            if magic == b"MZ" and b"\x00" in data[2:64]:
                return "a Windows executable"
            if magic == b"BZh" and len(data) > 4 and data[3:4].isdigit() and data[4:10] == b"1AY&SY":
                return "a bzip2 archive"
    if head[4:8] == b"ftyp":
        return "an MP4/MOV media file"
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "a WebP image", b"WAVE": "a WAV audio file", b"AVI ": "an AVI video"}[head[8:12]]
    return None


def _binary_hint(kind: str) -> str:
    if "Office" in kind or "RTF" in kind:
        return "open it in Word and save it as .docx or .txt"
    if "archive" in kind:
        return "unpack it and give the reports inside, or remove it"
    return _FIX_NAME


def _pdf_start(data: bytes) -> bool:
    """A PDF header at the start, or in the first KB of a file that ends like a PDF."""
    return data.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:])
