"""The library's exceptions. Only the CLI turns them into messages for people.

Every message says which file (where there is one), what is wrong, and what to do next.
"""
from __future__ import annotations

import re

# C0 and C1 controls and DEL; bidirectional overrides and isolates (which reorder what follows);
# line and paragraph separators; lone surrogates (a file name's undecodable bytes)
_UNPRINTABLE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                             "\u2028\u2029\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(m: re.Match) -> str:
    c = m.group(0)
    n = ord(c)
    if c in _NAMED:
        return _NAMED[c]
    if 0xDC80 <= n <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte: show the byte
        return f"\\x{n - 0xDC00:02x}"
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def printable(text: str, *, newlines: bool = False) -> str:
    r"""``text`` with every character that could act on a terminal or forge a line escaped.

    Control characters (ESC[2J clears the screen), line breaks, bidirectional overrides and the
    lone surrogates that stand for a file name's undecodable bytes become visible escapes; all
    else, Chinese included, is left as it is. ``newlines=True`` keeps line breaks (``\n``) for
    text that is laid out on purpose, such as a query error's caret under the column. Every
    :class:`KgError` message goes through it (its source fully, its message and hint keeping their
    line breaks); so must every line that prints a file name or a report's text.

    >>> printable("\x1b[2J整改\n报告\u202e.txt")
    '\\x1b[2J整改\\n报告\\u202e.txt'
    >>> printable(b"bad\xff.txt".decode("utf-8", "surrogateescape"))
    'bad\\xff.txt'
    >>> printable("line 3:\n  }\x1b[0m", newlines=True)
    'line 3:\n  }\\x1b[0m'
    """
    if not _UNPRINTABLE_RE.search(text):
        return text
    if newlines:
        return "\n".join(_UNPRINTABLE_RE.sub(_escape, line) for line in text.split("\n"))
    return _UNPRINTABLE_RE.sub(_escape, text)


class KgError(Exception):
    """Base class of every error rectkg raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None, hint: str | None = None):
        self.source = source
        self.hint = hint
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:  # "001.txt: no heading found; run `kg inspect 001.txt`"
        text = printable(self.message, newlines=True)
        if self.source:
            text = f"{printable(self.source)}: {text}"
        return f"{text}; {printable(self.hint, newlines=True)}" if self.hint else text


class IngestError(KgError):
    """A file cannot be read or decoded into report text (empty, binary, unknown encoding …)."""


class StructureError(KgError):
    """A report's text has no structure that the genre's heading systems explain."""


class ExtractorError(KgError):
    """An extractor is unknown, or the extractors are wired in an impossible order."""


class StoreError(KgError):
    """The on-disk store is missing, locked by another build, or damaged."""


class QueryError(KgError):
    """A SPARQL query is malformed, refused (update, LOAD, SERVICE) or timed out."""


class ExportError(KgError):
    """An export format is unknown or cannot be written."""

