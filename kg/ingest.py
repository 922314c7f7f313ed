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
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from kg.errors import IngestError

__all__ = [
    "RawText", "SOURCE_SUFFIXES", "DEFAULT_MAX_BYTES",
    "iter_sources", "walk_inputs", "hash_file", "Source", "Walk", "read_bytes", "decode_bytes", "read_source",
    "html_to_text", "strip_boilerplate_lines",
]

DEFAULT_MAX_BYTES = 50_000_000
SOURCE_SUFFIXES = frozenset({".txt", ".text", ".htm", ".html", ".shtml", ".docx", ".pdf"})
_HTML_SUFFIXES = frozenset({".htm", ".html", ".shtml", ".xhtml"})

_FIX_NAME = "remove it or give the right extension"


@dataclass(frozen=True)
class RawText:
    """One file's decoded text and the facts about where it came from."""

    source: str        # the file's basename (or its URL when given)
    path: str          # the path as given
    sha256: str        # SHA-256 hex of the ORIGINAL bytes
    text: str          # decoded text; for HTML the main text, boilerplate left out, one block a line
    format: str        # "txt" | "html" | "docx" | "pdf"
    encoding: str      # the detected encoding, or "n/a" for docx/pdf
    warnings: tuple[str, ...]   # non-fatal notes
    title: str | None = None    # an HTML <title>/<h1> or the docx/pdf title when there is one


# --------------------------------------------------------------------------------------------
# Finding files
# --------------------------------------------------------------------------------------------

def iter_sources(inputs: list[Path]) -> Iterator[Path]:
    """The report files under ``inputs``: folders walked recursively in sorted order.

    Hidden files and folders (``.name``), Office lock files (``~$name``) and files whose
    extension is not a report's are skipped inside folders; a file given directly is always
    yielded, whatever its extension (and even if it does not exist: reading it says so). Each
    folder is entered once, so symbolic-link loops end.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ["b.txt", "a.html", ".hidden.txt", "notes.md", "sub/c.pdf"]:
    ...     (d / n).parent.mkdir(exist_ok=True); _ = (d / n).write_text("x")
    >>> (d / "sub" / "loop").symlink_to(d)
    >>> [p.relative_to(d).as_posix() for p in iter_sources([d, d / "notes.md"])]
    ['a.html', 'b.txt', 'sub/c.pdf', 'notes.md']
    """
    seen_dirs: set[str] = set()
    for given in inputs:
        p = Path(given)
        if p.is_dir():
            yield from _walk(p, seen_dirs)
        else:
            yield p


def _walk(folder: Path, seen_dirs: set[str]) -> Iterator[Path]:
    real = os.path.realpath(folder)
    if real in seen_dirs:
        return
    seen_dirs.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        raise IngestError(f"cannot list the folder ({e.strerror or e})", source=str(folder),
                          hint="check its permissions or leave it out") from None
    for entry in entries:
        name = entry.name
        if name.startswith((".", "~$")):
            continue
        path = Path(entry.path)
        try:
            is_dir = entry.is_dir()  # follows symbolic links; loops are cut by seen_dirs
        except OSError:  # a link that points at itself: reading it names the problem
            is_dir = False
        if is_dir:
            yield from _walk(path, seen_dirs)
        elif path.suffix.lower() in SOURCE_SUFFIXES:
            yield path  # a dangling link is yielded too: reading it names the problem


@dataclass(frozen=True)
class Source:
    """One report file found by :func:`walk_inputs`."""

    path: Path   # what to open
    name: str    # its identity and dcterms:source: the path relative to the input folder given
                 # (POSIX separators); a file given directly keeps its bare name
    size: int    # bytes, when walked


@dataclass
class Walk:
    """What :func:`walk_inputs` found: the sources, what it skipped and why, and the name
    prefixes whose folders could not be listed (a prune must keep every report under them)."""

    sources: list
    problems: list
    unreadable: list


def walk_inputs(inputs: list[Path], *, follow_links_outside: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Walk:
    """The report files under ``inputs``, each named by its path relative to the input given.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ["2021/通报.txt", "2022/通报.txt", "a.txt"]:
    ...     (d / n).parent.mkdir(exist_ok=True); _ = (d / n).write_text("x")
    >>> [s.name for s in walk_inputs([d]).sources]
    ['2021/通报.txt', '2022/通报.txt', 'a.txt']
    """
    sources: dict[str, Source] = {}
    problems: list[str] = []
    unreadable: list[str] = []
    seen_files: set[str] = set()
    for given in inputs:
        root = Path(given)
        if root.is_dir():
            real_root = os.path.realpath(root)
            found = []
            _walk_named(root, "", real_root, follow_links_outside, set(), found, problems,
                        unreadable)
        else:
            found = [(root, root.name)]
        for path, name in found:
            real = os.path.realpath(path)
            if real in seen_files:
                continue
            if name in sources:
                problems.append(f"{path}: has the same name ({name}) as {sources[name].path} "
                                "from another input; skipped (give the folders one parent "
                                "folder so their names differ)")
                continue
            seen_files.add(real)
            try:
                size = os.stat(path).st_size
            except OSError:
                size = 0
            sources[name] = Source(Path(path), name, size)
    return Walk(sorted(sources.values(), key=lambda s: s.name), problems, unreadable)


def _walk_named(folder: Path, prefix: str, root: str, outside: bool, seen: set, found: list,
                problems: list, unreadable: list) -> None:
    real = os.path.realpath(folder)
    if real in seen:
        return
    seen.add(real)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as e:
        problems.append(f"{folder}: cannot list the folder ({e.strerror or e}); skipped, and "
                        "the reports built from it are kept")
        unreadable.append(prefix)
        return
    for entry in entries:
        name = entry.name
        if name.startswith((".", "~$")):
            continue
        path = Path(entry.path)
        if entry.is_symlink() and not outside:
            target = os.path.realpath(path)
            if not (target == root or target.startswith(root.rstrip(os.sep) + os.sep)):
                problems.append(f"{path}: a link that leads out of the input folder; not "
                                "followed (--follow-links follows it)")
                continue
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            _walk_named(path, f"{prefix}{name}/", root, outside, seen, found, problems, unreadable)
        elif path.suffix.lower() in SOURCE_SUFFIXES:
            found.append((path, prefix + name))


def hash_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """SHA-256 of a regular file, streamed; an :class:`IngestError` naming it otherwise."""
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise IngestError("does not exist (it may have been moved or deleted)", source=name,
                          hint="check the path") from None
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix or remove it") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise IngestError("is not a regular file (a device, pipe or socket)", source=name,
                              hint="copy the report into a normal file")
        if st.st_size > max_bytes:
            raise IngestError(f"is {_mb(st.st_size)}, larger than the {_mb(max_bytes)} limit",
                              source=name, hint="split the report or raise the size limit")
        h = hashlib.sha256()
        total = 0
        while True:
            block = os.read(fd, 1 << 20)
            if not block:
                break
            total += len(block)
            if total > max_bytes:
                raise IngestError(f"is larger than the {_mb(max_bytes)} limit", source=name,
                                  hint="split the report or raise the size limit")
            h.update(block)
        return h.hexdigest()
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix its permissions or remove it") from None
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------------
# Reading bytes
# --------------------------------------------------------------------------------------------

def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, or an :class:`IngestError` naming it (gone, unreadable, not a file, too large).

    >>> read_bytes(Path("/nonexistent/r.txt"))
    Traceback (most recent call last):
    ...
    kg.errors.IngestError: /nonexistent/r.txt: does not exist (it may have been moved or deleted); check the path
    """
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise IngestError("is a symbolic link to a file that does not exist", source=name,
                              hint="fix or remove the link") from None
        raise IngestError("does not exist (it may have been moved or deleted)", source=name,
                          hint="check the path") from None
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix or remove it") from None
    if stat.S_ISDIR(st.st_mode):
        raise IngestError("is a folder, not a file", source=name,
                          hint="give the folder itself as an input to walk it")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError("is not a regular file (a device, pipe or socket)", source=name,
                          hint="copy the report into a normal file")
    if st.st_size > max_bytes:
        raise IngestError(f"is {_mb(st.st_size)}, larger than the {_mb(max_bytes)} limit",
                          source=name, hint="split the report or raise the size limit")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix its permissions or remove it") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise IngestError(f"is larger than the {_mb(max_bytes)} limit", source=name,
                          hint="split the report or raise the size limit")
    return data


def _os_reason(e: OSError) -> str:
    import errno
    if e.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    return f"cannot be read ({e.strerror or e})"


# --------------------------------------------------------------------------------------------
# Recognising what a file is
# --------------------------------------------------------------------------------------------

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


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _pdf_start(data: bytes) -> bool:
    """A PDF header at the start, or in the first KB of a file that ends like a PDF."""
    return data.startswith(b"%PDF-") or (b"%PDF-" in data[:1024] and b"%%EOF" in data[-2048:])


# --------------------------------------------------------------------------------------------
# Decoding text
# --------------------------------------------------------------------------------------------

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# what a report in Chinese plausibly contains; anything else counts against a guessed decoding
_IMPLAUSIBLE_RE = re.compile(
    "[^\t\n\r\x0c\x20-\x7e\u00a0-\u024f\u0370-\u03ff\u0400-\u04ff\u2000-\u206f\u2100-\u218f"
    "\u2190-\u21ff\u2200-\u22ff\u2460-\u24ff\u2500-\u257f\u25a0-\u25ff\u2600-\u26ff\u3000-\u303f"
    "\u3040-\u30ff\u3100-\u312f\u3200-\u32ff\u3300-\u33ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\ufe30-\ufe4f\uff00-\uffef]")
# white space as str.strip() knows it, and the invisible characters a blank file may hold
_BLANK_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + "\ufeff\u200b\u200c\u200d\u2060"
_BAD_CHAR_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]")
_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)

_GB_FAMILY = {"gb2312", "gbk", "x-gbk", "cp936", "ms936", "gb18030", "euc-cn", "euccn", "x-euc-cn",
              "csgb2312", "gb_2312-80", "windows-936", "chinese", "iso-ir-58"}
_BIG5_FAMILY = {"big5", "big-5", "cn-big5", "csbig5", "x-x-big5", "cp950", "ms950", "windows-950"}
_BOMS: list[tuple[bytes, str, str]] = [  # (mark, codec, name reported); UTF-32 before UTF-16
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32", "utf-32"),
    (b"\xff\xfe", "utf-16", "utf-16"),
    (b"\xfe\xff", "utf-16", "utf-16"),
]


def _canonical_charset(name: str) -> str | None:
    """A charset name from a page as a Python codec name we use (GB family → gb18030)."""
    n = name.strip().lower()
    if n in _GB_FAMILY:
        return "gb18030"
    if n in _BIG5_FAMILY:
        return "big5"
    if n in ("big5-hkscs", "big5hkscs"):
        return "big5hkscs"
    import codecs
    try:
        return codecs.lookup(n).name
    except LookupError:
        return None


def _count_cjk(text: str) -> int:
    """How many CJK ideographs (U+4000–U+9FFF) the text holds, fast: their UTF-8 lead bytes.

    >>> _count_cjk("整改 report 完成")
    4
    """
    return len(text.encode("utf-8", "surrogatepass").translate(None, _NOT_CJK_LEAD))


_NOT_CJK_LEAD = bytes(b for b in range(256) if not 0xE4 <= b <= 0xE9)


def _implausible_share(text: str, sample: int = 50_000) -> float:
    s = text[:sample]
    if not s:
        return 1.0
    return len(_IMPLAUSIBLE_RE.findall(s)) / len(s)


@lru_cache(maxsize=1)
def _gb2312_hanzi() -> frozenset[str]:
    chars = set()
    for lead in range(0xB0, 0xF8):
        for trail in range(0xA1, 0xFF):
            try:
                chars.add(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


@lru_cache(maxsize=1)
def _big5_frequent() -> frozenset[str]:
    chars = set()
    for lead in range(0xA4, 0xC7):
        for trail in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            if lead == 0xC6 and trail > 0x7E:
                break
            try:
                chars.add(bytes((lead, trail)).decode("big5"))
            except UnicodeDecodeError:
                pass
    return frozenset(chars)


def _legacy_score(text: str, codec: str, sample: int = 20_000) -> float:
    """Share of the Chinese characters that are common ones *of that encoding's own repertoire*.

    Text in Big5 read as GB18030 (or the other way round) decodes without error into rare
    characters, so this tells the two apart: genuine text scores near 1, the wrong reading ~0.5.
    """
    common = _gb2312_hanzi() if codec == "gb18030" else _big5_frequent()
    hanzi = _CJK_RE.findall(text[:sample])
    if not hanzi:
        return 0.0
    return sum(1 for c in hanzi if c in common) / len(hanzi)


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _utf16_or_32_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-32/UTF-16 text without a byte-order mark, recognised by its NUL pattern or its content."""
    n = len(data)
    head = data[:65536]
    if n % 4 == 0 and n >= 4:
        for codec, zero_cols in (("utf-32-le", (2, 3)), ("utf-32-be", (0, 1))):
            if all(head[c::4].count(0) == len(head[c::4]) for c in zero_cols[1:]) \
                    and head[zero_cols[0]::4].count(0) > len(head[zero_cols[0]::4]) * 0.9:
                text = _strict(data, codec)
                if text is not None and _implausible_share(text) < 0.05:
                    return text, codec
    if n % 2:
        return None
    has_nul = 0 in head
    best: tuple[float, str] | None = None
    for codec in ("utf-16-le", "utf-16-be"):
        sample = _strict(head[:40_000], codec)  # 40 000 is even: no unit is cut in two
        if sample is None and len(head) > 40_000:  # a surrogate pair cut at the end
            sample = _strict(head[:39_998], codec)
        if sample is None:
            continue
        bad = _implausible_share(sample)
        if not has_nul and (not sample or _count_cjk(sample) < 0.6 * len(sample)):
            continue  # no NUL at all: only all-Chinese text is believable (random pairs are not)
        if bad < 0.05 and (best is None or bad < best[0]):
            best = (bad, codec)
    if best is None:
        return None
    text = _strict(data, best[1])
    return None if text is None else (text, best[1])


def _is_utf8_evidence(text: str) -> bool:
    """A line that is valid UTF-8 *and* reads as Chinese (legacy bytes rarely do both)."""
    cjk = _count_cjk(text)
    if cjk < 2:
        return False
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return cjk >= 0.5 * non_ascii


def _choose_legacy(data: bytes, hint: str | None) -> tuple[str, str | None]:
    """Pick GB18030 or Big5 for bytes that are not UTF-8: (codec, strict text or None)."""
    candidates: dict[str, str] = {}
    for codec in ("gb18030", "big5", "big5hkscs"):
        if codec == "big5hkscs" and "big5" in candidates:
            continue
        text = _strict(data, codec)
        if text is not None:
            candidates[codec] = text
    if hint in candidates:
        return hint, candidates[hint]
    if hint == "big5" and "big5hkscs" in candidates:
        return "big5hkscs", candidates["big5hkscs"]
    if len(candidates) == 1:
        codec, text = next(iter(candidates.items()))
        return codec, text
    if candidates:
        gb = candidates.get("gb18030")
        b5_codec = "big5" if "big5" in candidates else "big5hkscs"
        b5 = candidates[b5_codec]
        if gb is None:
            return b5_codec, b5
        if _legacy_score(b5, "big5") > _legacy_score(gb, "gb18030"):
            return b5_codec, b5
        return "gb18030", gb
    # nothing decodes strictly: the one with the fewest bad bytes
    def cost(codec: str) -> tuple[int, float]:
        t = data[:2_000_000].decode(codec, "replace")
        return t.count("\ufffd"), -_legacy_score(t, "gb18030" if codec == "gb18030" else "big5")
    codec = min(("gb18030", "big5hkscs"), key=cost)
    return codec, None


def _decode_by_line(data: bytes, legacy: str, *, mixed: bool = False) -> tuple[str, int, int, int]:
    """Decode line by line, each line as UTF-8 or the legacy codec, whichever reads.

    In a ``mixed`` file (some lines are certainly UTF-8), a broken line is only taken as legacy
    text if that gives at least two Chinese characters: a truncated UTF-8 character is not GBK.
    Returns (text, utf-8 lines, legacy lines, replaced characters).
    """
    out: list[str] = []
    n_utf8 = n_legacy = replaced = 0
    for line in data.split(b"\n"):
        if line.isascii():
            out.append(line.decode("ascii"))
            continue
        u = _strict(line, "utf-8")
        if u is not None:
            out.append(u)
            n_utf8 += 1
            continue
        g = _strict(line, legacy)
        u_rep = line.decode("utf-8", "replace")
        u_bad = u_rep.count("\ufffd")
        if mixed and _count_cjk(g if g is not None else line.decode(legacy, "replace")) < 2:
            out.append(u_rep)
            n_utf8 += 1
            replaced += u_bad
            continue
        u_cjk = _count_cjk(u_rep)
        if g is not None and not (u_bad * 4 < u_cjk):
            out.append(g)
            n_legacy += 1
            continue
        g_rep = line.decode(legacy, "replace")
        g_bad = g_rep.count("\ufffd")
        if u_bad <= g_bad or (u_bad * 4 < u_cjk):
            out.append(u_rep)
            n_utf8 += 1
            replaced += u_bad
        else:
            out.append(g_rep)
            n_legacy += 1
            replaced += g_bad
    return "\n".join(out), n_utf8, n_legacy, replaced


def decode_bytes(data: bytes, source: str, *, fmt: str) -> tuple[str, str, list[str]]:
    """Detect the encoding of a text or HTML file's bytes and decode them: (text, encoding, warnings).

    Raises :class:`IngestError` for empty, white-space-only and binary data. For ``fmt="html"``
    a ``<meta charset>`` is used when the bytes decode strictly with it, and only then.

    >>> decode_bytes("整改".encode("gbk"), "a.txt", fmt="txt")
    ('整改', 'gb18030', [])
    >>> decode_bytes("整改报告\\n".encode("utf-16-le"), "a.txt", fmt="txt")[1]
    'utf-16-le'
    >>> decode_bytes(b"\\x89PNG\\r\\n\\x1a\\n\\x00\\x00", "a.txt", fmt="txt")
    Traceback (most recent call last):
    ...
    kg.errors.IngestError: a.txt: looks like a PNG image, not a report; remove it or give the right extension
    """
    if not data:
        raise IngestError("is empty (0 bytes)", source=source, hint="remove it or export the report again")
    kind = _binary_kind(data)
    if kind:
        raise IngestError(f"looks like {kind}, not a report", source=source, hint=_binary_hint(kind))
    warnings: list[str] = []
    hint = declared = None
    if fmt == "html":
        m = _META_CHARSET_RE.search(data[:16384])
        if m:
            declared = m.group(1).decode("ascii", "replace")
            hint = _canonical_charset(declared)
            if hint is None:
                warnings.append(f"the page declares an unknown charset {declared!r}; ignored it")
    text, encoding = _detect(data, source, hint, warnings, declared=declared)
    _check_text(text, source, warnings)
    return text, encoding, warnings


def _detect(data: bytes, source: str, hint: str | None, warnings: list[str], *,
            declared: str | None = None) -> tuple[str, str]:
    """The text and its encoding, tried in order; ``hint`` is the page's declared charset."""
    declared = declared or hint

    def disagree(found: str) -> None:
        same = {hint, found} <= {"utf-8", "utf-8-sig"} or {hint, found} <= {"big5", "big5hkscs"} \
            or (hint or "").split("-")[:2] == found.split("-")[:2]
        if hint and hint != found and not same:
            warnings.append(f"the page declares charset {declared} but the bytes are {found}; read as {found}")

    # 1. a byte-order mark
    for mark, codec, name in _BOMS:
        if data.startswith(mark):
            text = _strict(data, codec)
            if text is not None:
                disagree(name)
                return text, name
            warnings.append(f"starts with a {name} byte-order mark but is not valid {name}")
            if codec == "utf-8-sig":
                data = data[len(mark):]
            break
    # 2. strict UTF-8 (but NUL bytes, valid in UTF-8, say UTF-16/32 first)
    has_nul = 0 in data
    if has_nul:
        found = _utf16_or_32_without_bom(data)
        if found is not None:
            return found
    text = _strict(data, "utf-8")
    if text is not None and not (has_nul and data.count(0) > max(8, len(data) // 1000)):
        if not data.isascii():
            disagree("utf-8")
        return text, "utf-8"
    # 3. UTF-16/32 without a byte-order mark (all-Chinese text has no NUL byte at all)
    if not has_nul:
        found = _utf16_or_32_without_bom(data)
        if found is not None:
            return found
    # 4. NUL bytes here mean binary data (a few stray ones are tolerated, with a warning)
    nuls = data.count(0)
    if nuls > max(8, len(data) // 1000):
        raise IngestError(f"looks like binary data ({nuls} NUL bytes), not a text report",
                          source=source, hint=_FIX_NAME)
    if nuls:
        warnings.append(f"contains {nuls} NUL bytes (kept)")
    # 5. mixed: some lines UTF-8, others a legacy encoding
    utf8_lines = bad_lines = bad_size = 0
    bad_parts: list[bytes] = []
    for line in data.split(b"\n"):
        if line.isascii():
            continue
        u = _strict(line, "utf-8")
        if u is None:
            bad_lines += 1
            if bad_size < 1_000_000:
                bad_parts.append(line)
                bad_size += len(line)
        elif _is_utf8_evidence(u):
            utf8_lines += 1
    if utf8_lines and bad_lines:
        legacy, _ = _choose_legacy(b"\n".join(bad_parts), hint if hint in ("gb18030", "big5") else None)
        text, n_u, n_l, replaced = _decode_by_line(data, legacy, mixed=True)
        if n_l == 0:  # UTF-8 with a few broken bytes
            warnings.append(f"decoded as utf-8 with {replaced} replaced bytes")
            return text, "utf-8"
        warnings.append(f"mixed encodings: decoded line by line, {n_u} lines as utf-8 and "
                        f"{n_l} lines as {legacy}"
                        + (f", {replaced} bytes replaced" if replaced else ""))
        return text, f"utf-8+{legacy}"
    # 6. the page's declared charset, when the bytes agree with it
    if hint and hint not in ("utf-8", "gb18030", "big5", "big5hkscs") and not hint.startswith(("utf-16", "utf-32")):
        text = _strict(data, hint)
        if text is not None:
            gb = _strict(data, "gb18030")
            if gb is None or _legacy_score(gb, "gb18030") < 0.9 or _CJK_RE.search(text[:20_000]):
                return text, hint
        else:
            warnings.append(f"the page declares charset {declared} but the bytes are not {declared}")
    # 7. GB18030 or Big5, strictly
    legacy, text = _choose_legacy(data, hint)
    if text is not None:
        disagree(legacy)
        return text, legacy
    # 8. a few broken bytes in an otherwise legacy (or UTF-8) text
    text, n_u, n_l, replaced = _decode_by_line(data, legacy)
    if replaced <= max(2, len(text) // 100):
        enc = legacy if n_l >= n_u else "utf-8"
        warnings.append(f"decoded as {enc} with {replaced} replaced bytes")
        return text, enc
    # 9. charset-normalizer as a last resort
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None and best.encoding:
        guess = data.decode(best.encoding, "replace")
        if _implausible_share(guess) < 0.05 and guess.count("\ufffd") <= max(2, len(guess) // 100):
            warnings.append(f"encoding guessed by charset-normalizer as {best.encoding}")
            return guess, best.encoding
    # 10. a few more broken bytes still, but only if what decodes reads as common Chinese
    enc = legacy if n_l >= n_u else "utf-8"
    score = _legacy_score(text, "big5" if enc.startswith("big5") else "gb18030")
    if score >= 0.8:
        warnings.append(f"decoded as {enc} with {replaced} replaced bytes")
        return text, enc
    raise IngestError(f"is not text in any encoding tried (UTF-8, UTF-16, GB18030, Big5): "
                      f"{replaced} undecodable bytes, and the rest is no common Chinese",
                      source=source, hint="check that it is a text report and save it as UTF-8")


def _check_text(text: str, source: str, warnings: list[str]) -> None:
    """Reject text that is empty, white space, or mostly replacement or control characters."""
    if not text.strip() or not text.strip(_BLANK_CHARS):
        raise IngestError("contains only white space, no text", source=source,
                          hint="remove it or export the report again")
    bad = len(_BAD_CHAR_RE.findall(text)) if _BAD_CHAR_RE.search(text) else 0
    if not bad:
        return
    visible = len("".join(text.split()))
    if bad > 0.25 * max(visible, 1):
        raise IngestError(f"is mostly undecodable bytes or control characters ({bad} of {len(text)} "
                          "characters), not report text", source=source,
                          hint="check that it is a text report and save it as UTF-8")
    replaced = text.count("\ufffd")
    if bad - replaced:
        warnings.append(f"contains {bad - replaced} control characters (kept)")


# --------------------------------------------------------------------------------------------
# Boilerplate lines (any format)
# --------------------------------------------------------------------------------------------

# a line that carries the publication facts: kept, only its trailing widget chunk is cut
_META_LINE_RE = re.compile(
    r"^.{0,40}?(?:来源|发布时间|发布日期|发文日期|成文日期|发布机构|发布单位|信息来源|文章来源|"
    r"日期|时间|作者|责任编辑|编辑)\s*[:：]")
# where a meta line's trailing widgets start (【字体：大 中 小】, 打印, 分享 …)
_TAIL_RE = re.compile(
    r"\s*[【\[［(（]?\s*(?:字[体號号]\s*(?:大小)?\s*[:：]|字[体号]大小|[【\[]\s*[大中小]\s*[】\]]|打印本页|"
    r"打印此页|打印文章|【\s*打印\s*】|\[\s*打印\s*\]|关闭窗口|关闭本页|【\s*关闭\s*】|\[\s*关闭\s*\]|"
    r"分享到|扫一扫|(?:浏览|阅读|访问|点击)(?:次数|量|数)\s*[:：]|【\s*收藏\s*】|加入收藏|收藏本页)")
# whole-line boilerplate found anywhere in a (short) line
_CONTAINS_RE = re.compile(
    r"版权所有(?![人者方])|[Cc]opyright|©|ICP\s*[备证]|公网安备|网站标识码|(?:主办|承办|协办)单位\s*[:：]|"
    r"技术支持\s*[:：]|(?:浏览|阅读|访问|点击)(?:次数|量|数)\s*[:：]|打印本页|关闭窗口|"
    r"【\s*打印\s*】|【\s*关闭\s*】|扫一扫在手机")
# weaker signs, also said in report prose ("请联系我们"): they only count in a short line
_WEAK_RE = re.compile(r"联系我们|网站地图|加入收藏|设为首页|返回顶部|技术支持|网站声明|隐私声明")
# whole-line boilerplate recognised by how the line starts
_STARTS_RE = re.compile(
    r"^\s*(?:[【\[［]?\s*(?:上一篇|下一篇|上一条|下一条|上一页|下一页)|"
    r"(?:当前位置|您现在的位置|您的位置|现在位置|所在位置|当前页面)\s*[:：]|"
    r"首页\s*(?:>|＞|›|»|→|/|&gt;|-\s*>)|"
    r"分享到|[【\[]?\s*扫一扫|[【\[]?\s*字[体號号]\s*(?:大小)?\s*[:：]|[【\[]?\s*字[体号]大小)")
# every match of the three above contains one of these keywords (a cheap first scan)
_KEY_RE = re.compile("|".join(map(re.escape, [
    "字体", "字號", "字号", "【大", "【中", "【小", "[大", "[中", "[小", "打印", "关闭", "分享到", "扫一扫",
    "次数", "浏览量", "阅读量", "访问量", "点击量", "浏览数", "阅读数", "访问数", "点击数", "收藏", "版权所有",
    "opyright", "©", "ICP", "公网安备", "网站标识码", "网站地图", "主办单位", "承办单位", "协办单位", "技术支持",
    "联系我们", "设为首页", "返回顶部", "上一篇", "上一条", "上一页", "下一篇", "下一条", "下一页", "位置",
    "当前页面", "首页", "网站声明", "隐私声明"])))
_EMPTY_REST_RE = re.compile(r"^[\s\W_\d大中小]*$")


def _clean_line(line: str) -> str | None:
    """The line without boilerplate: itself, a shortened meta line, or None to drop it."""
    if _META_LINE_RE.match(line) and len(line) < 300:
        m = _TAIL_RE.search(line)
        if m and m.start() > 0:
            head = line[:m.start()].rstrip()
            if not _EMPTY_REST_RE.match(head):
                return head
    if len(line) > 300:  # page furniture is short; a long line is text (or a whole one-line report)
        return line
    if _STARTS_RE.match(line) and len(line) < 200:
        return None
    hits = {m.group(0) for m in _CONTAINS_RE.finditer(line)}
    weak = {m.group(0) for m in _WEAK_RE.finditer(line)}
    if (hits and (len(line) < 120 or len(hits | weak) >= 2)) or (weak and (len(line) <= 30 or len(weak) >= 2)):
        return None
    if _TAIL_RE.search(line) and _EMPTY_REST_RE.match(_TAIL_RE.sub("", line)):
        return None
    return line


def strip_boilerplate_lines(text: str) -> tuple[str, int]:
    """Remove the boilerplate lines of government web pages; return (text, lines removed).

    Lines with the publication facts ("来源：… 发布日期：…") are kept, their trailing
    【字体：大 中 小】 chunk cut. Everything else, line endings included, is left as it was.

    >>> t = "首页 > 政务公开\\n关于整改情况的通报\\n来源：区纪委  发布日期：2021-09-16 【字体：大 中 小】\\n正文。\\n版权所有：某某\\n"
    >>> strip_boilerplate_lines(t)
    ('关于整改情况的通报\\n来源：区纪委  发布日期：2021-09-16\\n正文。\\n', 2)
    """
    if not _KEY_RE.search(text):
        return text, 0
    out: list[str] = []
    removed = 0
    pos = 0
    for m in _KEY_RE.finditer(text):
        if m.start() < pos:
            continue
        start = text.rfind("\n", 0, m.start()) + 1
        nl = text.find("\n", m.end())
        end = len(text) if nl < 0 else nl + 1
        out.append(text[pos:start])
        whole = text[start:end]
        body = whole.rstrip("\r\n")
        ending = whole[len(body):]
        cleaned = _clean_line(body)
        if cleaned is None:
            removed += 1
        else:
            out.append(cleaned + ending)
        pos = end
    out.append(text[pos:])
    return "".join(out), removed


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_JUNK_TAGS = ("script", "style", "noscript", "iframe", "template", "svg", "object", "embed",
              "select", "button", "textarea", "input", "canvas", "map", "audio", "video", "head")
_LAYOUT_TAGS = ("nav", "header", "footer", "aside", "form", "menu")
_BOILER_ATTR_RE = re.compile(
    r"nav|menu|footer|share|breadcrumb|crumb|copyright|banner|sidebar|comment|(?:pre|prev)[-_]?next|"
    r"pager|pagination|related|toolbar", re.IGNORECASE)
_MAIN_ATTR_RE = re.compile(r"content|article|main|trs_editor|zoom", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    "p div br li h1 h2 h3 h4 h5 h6 tr table section article ul ol dl dt dd blockquote pre hr "
    "main center figure figcaption caption tbody thead tfoot address fieldset body html header "
    "footer nav aside form details summary legend option".split())
_CELL_TAGS = frozenset({"td", "th"})
_INLINE_TAGS = frozenset(
    "a span font strong b i em u sub sup small big img label code abbr ins del s strike mark q "
    "cite time var kbd samp tt bdi bdo wbr o:p".split())
_HTML_WS_RE = re.compile(r"[ \t\r\n\f]+")
_PARA_TAGS = frozenset("p h1 h2 h3 h4 h5 h6 li dd dt blockquote pre".split())
_HTML_SNIFF_RE = re.compile(r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]",
                            re.IGNORECASE | re.DOTALL)


def _looks_like_html(text: str) -> bool:
    return bool(_HTML_SNIFF_RE.match(text[:4096]))


def _text_of(el) -> str:
    return _xpath_string()(el)


@lru_cache(maxsize=1)
def _xpath_string():
    from lxml import etree
    return etree.XPath("string()")


def _cjk_count(el) -> int:
    return _count_cjk(_text_of(el))


def _attr_text(el) -> str:
    return f"{el.get('id') or ''} {el.get('class') or ''}"


def _drop(el) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


_NL, _TAB = "\ue000", "\ue001"  # block and cell marks put into the tree, turned into \n and \t


def _mark_blocks(doc) -> bool:
    """Put a line mark around every block element and a tab mark before every cell.

    Afterwards the text of any element, serialised by libxml2 in C, carries its block
    structure. Returns False (and marks nothing) if the page itself uses the mark characters.
    """
    if _NL in _text_of(doc) or _TAB in _text_of(doc):
        return False
    for el in doc.iter(*_BLOCK_TAGS):
        el.text = _NL + (el.text or "")
        el.tail = _NL + (el.tail or "")
    for el in doc.iter(*_CELL_TAGS):
        el.text = _TAB + (el.text or "")
    for pre in doc.iter("pre"):  # keep the line breaks of preformatted text
        for node in pre.iter():
            if node.text:
                node.text = node.text.replace("\n", _NL)
            if node is not pre and node.tail:
                node.tail = node.tail.replace("\n", _NL)
    return True


def _html_lines(root, marked: bool = True) -> list[str]:
    """The text of an element, one line per block, cells of a row separated by tabs."""
    from lxml import etree

    if marked:
        text = etree.tostring(root, method="text", encoding=str, with_tail=False)
        text = _HTML_WS_RE.sub(" ", text).replace(_NL, "\n").replace(_TAB, "\t")
    else:
        text = _html_text_walk(root)
    lines = []
    for line in text.split("\n"):
        line = line.strip(" \t\r\f")
        if line and not line.isspace():
            lines.append(line)
    return lines


def _html_text_walk(root) -> str:
    """Like _html_lines's text, element by element in Python (for pages that use the marks)."""
    from lxml import etree

    parts: list[str] = []
    append = parts.append
    ws = _HTML_WS_RE.sub
    pre = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag in _BLOCK_TAGS:
                append("\n")
                if tag == "pre":
                    pre += 1
            elif tag in _CELL_TAGS:
                append("\t")
            t = el.text
            if t and tag.__class__ is str:
                append(t if pre else ws(" ", t))
        else:
            if tag in _BLOCK_TAGS:
                append("\n")
                if tag == "pre":
                    pre -= 1
            t = el.tail
            if t and el is not root:
                append(t if pre else ws(" ", t))
    return "".join(parts)


def _densest_block(body):
    """The element whose own paragraphs hold the most Chinese text (a readability-style guess)."""
    from lxml import etree

    scores: dict = {}
    stack: list = []  # nearest block ancestors

    def credit(text: str) -> None:
        n = _count_cjk(text)
        if n:
            holder = stack[-1]
            target = holder
            if holder.tag in _CELL_TAGS:  # text right in a table cell: the table is the block
                target = next(holder.iterancestors("table"), holder)
            elif holder.tag in _PARA_TAGS and holder.getparent() is not None:
                target = holder.getparent()
            scores[target] = scores.get(target, 0) + n

    for event, el in etree.iterwalk(body, events=("start", "end")):
        tag = el.tag
        if tag.__class__ is not str:
            continue
        block = tag not in _INLINE_TAGS
        if event == "start":
            if block:
                stack.append(el)
            if el.text and stack:
                credit(el.text)
        else:
            if block and stack and stack[-1] is el:
                stack.pop()
            if el.tail and stack:
                credit(el.tail)
    if not scores:
        return body
    return max(scores.items(), key=lambda kv: kv[1])[0]


def _main_block(body, total_cjk: int):
    """An <article> or a content/article/main/TRS_Editor/zoom element, else the densest block."""
    if total_cjk == 0:
        return body
    cands = []
    for el in body.xpath(".//article|.//main|.//*[@id or @class]"):
        if el.tag in ("article", "main") or _MAIN_ATTR_RE.search(_attr_text(el)):
            n = _cjk_count(el)
            if n >= 0.3 * total_cjk:
                cands.append((el, n))
    if cands:
        el, n = max(cands, key=lambda c: c[1])
        # go down to the most specific candidate that still holds most of the text
        while True:
            inner = [(c, m) for c, m in cands if c is not el and m >= 0.7 * n
                     and any(a is el for a in c.iterancestors())]
            if not inner:
                return el
            el, n = max(inner, key=lambda c: c[1])
    return _densest_block(body)


def html_to_text(html: str) -> tuple[str, str | None, list[str]]:
    """The main text of an HTML page, one block a line, its title (or None) and warnings.

    Scripts, styles, menus, headers, footers and elements whose id/class names them as
    navigation, sharing or copyright are left out; the main block is chosen, and the page's
    <h1> and the "来源/发布日期" lines above it are kept.

    >>> html_to_text("<html><head><title>T</title></head><body><div class='nav'>首页 新闻</div>"
    ...              "<div id='content'><p>一、整改情况</p><p>已完成。<br>正在推进。</p></div>"
    ...              "<div class='footer'>版权所有</div></body></html>")
    ('一、整改情况\\n已完成。\\n正在推进。', 'T', [])
    """
    from lxml import etree

    parser = etree.HTMLParser(encoding="utf-8", remove_pis=True, recover=True, huge_tree=True,
                              no_network=True)
    try:
        doc = etree.fromstring(html.encode("utf-8", "surrogatepass"), parser)
    except (etree.LxmlError, ValueError):
        doc = None
    if doc is not None:
        comments = list(doc.iter(etree.Comment))
        parsed = _count_cjk(_text_of(doc)) + sum(_count_cjk(c.text or "") for c in comments)
    if doc is None or parsed < 0.5 * _count_cjk(html):
        # the parser gave up part of the page (nested too deeply, say): strip the tags instead
        return "\n".join(_crude_html_lines(html)), None if doc is None else _html_title(doc), [
            "the HTML could not be parsed in full; its text was read by stripping the tags, "
            "page furniture included"]
    title = _html_title(doc)
    for el in comments:
        _drop(el)
    for el in list(doc.iter(*_JUNK_TAGS)):
        _drop(el)
    body = doc.find("body")
    if body is None:
        body = doc
    marked = _mark_blocks(doc)
    lines_full = _html_lines(body, marked)
    total = _count_cjk("\n".join(lines_full))
    # drop layout and boilerplate elements, unless one holds most of the page's text
    dropped: set = set()
    for el in body.xpath(".//nav|.//header|.//footer|.//aside|.//form|.//menu|.//*[@id or @class]"):
        if el.tag not in _LAYOUT_TAGS and not _BOILER_ATTR_RE.search(_attr_text(el)):
            continue
        if any(a in dropped for a in el.iterancestors()):
            continue
        if total and _cjk_count(el) > 0.5 * total:
            continue
        _drop(el)
        dropped.add(el)
    main = _main_block(body, _cjk_count(body))
    lines = _html_lines(main, marked)
    lines = _rescue_heading_lines(lines_full, lines, doc, marked)
    return "\n".join(lines), title, []


_CRUDE_DROP_RE = re.compile(r"<(script|style|noscript|template|textarea)\b.*?</\1\s*>|<!--.*?-->",
                            re.IGNORECASE | re.DOTALL)
_CRUDE_BLOCK_RE = re.compile(r"<(?:br|/?(?:p|div|li|h[1-6]|tr|table|section|article|ul|ol|dl|dd|dt|"
                             r"blockquote|pre|hr|center|form|header|footer|nav|aside))\b[^>]*>", re.IGNORECASE)
_CRUDE_CELL_RE = re.compile(r"<t[dh]\b[^>]*>", re.IGNORECASE)
_CRUDE_TAG_RE = re.compile(r"<[^>]*>")


def _crude_html_lines(html: str) -> list[str]:
    """The page's text by regular expressions alone, for pages the parser cannot take."""
    import html as htmllib

    t = _HTML_WS_RE.sub(" ", _CRUDE_DROP_RE.sub(" ", html))
    t = _CRUDE_BLOCK_RE.sub("\n", t)
    t = _CRUDE_CELL_RE.sub("\t", t)
    t = htmllib.unescape(_CRUDE_TAG_RE.sub("", t))
    lines = []
    for line in t.split("\n"):
        line = line.strip(" \t\r\f")
        if line.strip():
            lines.append(line)
    return lines


def _html_title(doc) -> str | None:
    for meta in doc.iter("meta"):
        if (meta.get("name") or "").lower() == "articletitle" and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    for h in doc.iter("h1"):
        t = _HTML_WS_RE.sub(" ", _text_of(h)).strip()
        if t:
            return t
    t = doc.find(".//title")
    if t is not None:
        text = _HTML_WS_RE.sub(" ", _text_of(t)).strip()
        if text:
            return text
    return None


def _rescue_heading_lines(lines_full: list[str], lines: list[str], doc, marked: bool) -> list[str]:
    """Put back the page's <h1> and the "来源/发布日期" lines that stand just above the main block."""
    if not lines or lines == lines_full:
        return lines
    try:
        start = lines_full.index(lines[0])
    except ValueError:
        start = min(len(lines_full), 30)
    inside = set(lines)
    h1s = {line for h in doc.iter("h1") for line in _html_lines(h, marked)}
    keep: list[str] = []
    for i in range(max(0, start - 8), start):
        line = lines_full[i]
        if line in inside:
            continue
        if _META_LINE_RE.match(line) and len(line) < 300:
            keep.append(line)
    heading = next((line for line in lines_full[:start] if line in h1s and line not in inside), None)
    if heading is not None:
        keep.insert(0, heading)
    return keep + lines


# --------------------------------------------------------------------------------------------
# Word and PDF
# --------------------------------------------------------------------------------------------

def _read_docx(data: bytes, source: str, warnings: list[str] | None = None) -> tuple[str, str | None]:
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
                        sub: list[str] = []
                        lines_before = len(lines)
                        table_lines(Table(child, cell))
                        sub = lines[lines_before:]
                        del lines[lines_before:]
                        inner.extend(sub)
                cells.append("\n".join(t for t in inner if t.strip()))
            if any(c.strip() for c in cells):
                lines.append("\t".join(cells))
                rows.append(cells)
        items = task_list_lines(rows)  # 整改任务清单: one problem item per row
        if items is not None:
            del lines[start:]
            lines.extend(items)
            task_rows[0] += len(rows) - 1

    task_rows = [0]
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


# --------------------------------------------------------------------------------------------
# The one entry point
# --------------------------------------------------------------------------------------------

def read_source(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, source: str | None = None) -> RawText:
    """Read one report file into :class:`RawText`; raise :class:`IngestError` if it is no report.

    The format comes from the content first (a PDF or .docx is read as such whatever its
    name) and the extension second. ``source`` overrides the name kept (a URL, say).

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
    elif _is_docx(data):
        fmt, encoding = "docx", "n/a"
        if suffix != ".docx":
            warnings.append(f"named {suffix or 'without extension'} but is a Word .docx file; read as docx")
        text, title = _read_docx(data, label, warnings)
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
        _check_text(text, label, warnings)
    return RawText(source=source or path.name, path=label, sha256=digest, text=text, format=fmt,
                   encoding=encoding, warnings=tuple(warnings), title=title)
