"""The bounds of reading one file, in one place.

``DEFAULT_MAX_BYTES`` is the largest file read at all; its kind and size come from a stat taken
before any byte is read, so a larger (or sparse, or endless) file costs nothing.
"""
from __future__ import annotations

DEFAULT_MAX_BYTES = 50_000_000


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"
