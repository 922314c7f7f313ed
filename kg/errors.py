"""The library's exceptions. Only the CLI turns them into messages for people.

Every message says which file (where there is one), what is wrong, and what to do next.
"""
from __future__ import annotations


class KgError(Exception):
    """Base class of every error rectkg raises on purpose."""

    def __init__(self, message: str, *, source: str | None = None, hint: str | None = None):
        self.source = source
        self.hint = hint
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:  # "001.txt: no heading found; run `kg inspect 001.txt`"
        text = f"{self.source}: {self.message}" if self.source else self.message
        return f"{text}; {self.hint}" if self.hint else text


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


def printable(text: str, *, keep_newlines: bool = False) -> str:
    r"""``text`` with control characters shown as escapes, so a file name can never move the
    cursor, clear the screen or recolour a terminal.

    >>> printable("a\x1b[2Jb\tc")
    'a\\x1b[2Jb\\tc'
    """
    out = []
    for ch in text:
        o = ord(ch)
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif o < 0x20 or o == 0x7F or 0x80 <= o < 0xA0 or ch in "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069":
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)
