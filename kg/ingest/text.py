"""Decoding the bytes of a text or HTML file: the encoding is detected, never assumed.

Byte-order marks, strict UTF-8, UTF-16/32 without a mark, GB18030 (a superset of GBK and
GB2312), Big5, and charset-normalizer as a last resort.
"""
from __future__ import annotations

import re
from functools import lru_cache

from kg.errors import IngestError
from kg.ingest.sniff import _FIX_NAME, _binary_hint, _binary_kind

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
    declared = hint if hint in candidates else "big5hkscs" if hint == "big5" and "big5hkscs" in candidates \
        else None
    if declared is not None:
        # a page's declared charset is believed unless the bytes read as rare characters in it and
        # as common ones in the other (GBK bytes labelled Big5 decode strictly, into garbage)
        other = "gb18030" if declared.startswith("big5") else "big5" if "big5" in candidates else "big5hkscs"
        if other in candidates:
            mine = _legacy_score(candidates[declared], "big5" if declared.startswith("big5") else "gb18030")
            theirs = _legacy_score(candidates[other], "big5" if other.startswith("big5") else "gb18030")
            if theirs >= 0.9 and theirs - mine > 0.3:
                return other, candidates[other]
        return declared, candidates[declared]
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
    text = clean_characters(text, warnings)
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
    # (a few NUL bytes are removed, with a warning, by clean_characters)
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


# characters no later step can carry: NUL (refused by XML and by C strings), lone surrogates (no
# UTF-8 for them: a PDF font map can yield them) and the Unicode line and paragraph separators
# (line breaks to some tools and not to others, so offsets would disagree)
_UNCARRIABLE_RE = re.compile("[\x00\u2028\u2029\ud800-\udfff]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def clean_characters(text: str, warnings: list[str]) -> str:
    r"""``text`` without the characters no later step can carry, each kind counted in a warning:
    NUL is removed, a lone surrogate becomes U+FFFD, U+2028/U+2029 become a line break.

    >>> w = []
    >>> clean_characters("整改\x00完成\u2028已\ud800办", w)
    '整改完成\n已\ufffd办'
    >>> w
    ['removed 1 NUL character; replaced 1 lone surrogate (broken UTF-16) with U+FFFD; replaced 1 line or paragraph separator (U+2028/U+2029) with a line break']
    """
    if not _UNCARRIABLE_RE.search(text):
        return text
    nul = text.count("\x00")
    seps = text.count("\u2028") + text.count("\u2029")
    lone = len(_SURROGATE_RE.findall(text))
    text = _SURROGATE_RE.sub("\ufffd", text.replace("\x00", "").replace("\u2028", "\n").replace("\u2029", "\n"))
    said = []
    if nul:
        said.append(f"removed {nul} NUL character{'s' if nul > 1 else ''}")
    if lone:
        said.append(f"replaced {lone} lone surrogate{'s' if lone > 1 else ''} (broken UTF-16) with U+FFFD")
    if seps:
        said.append(f"replaced {seps} line or paragraph separator{'s' if seps > 1 else ''} "
                    "(U+2028/U+2029) with a line break")
    warnings.append("; ".join(said))
    return text


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
