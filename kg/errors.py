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
