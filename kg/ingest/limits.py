"""The bounds of reading one file, in one place, with the memory each one bounds.

Every file's kind and size come from a stat taken before any byte is read, so a file over
``DEFAULT_MAX_BYTES`` (or sparse, or endless like /dev/zero, or a FIFO) costs nothing.
"""
from __future__ import annotations

# The largest file read at all (any format). Text decoding holds the bytes and a few copies of
# the decoded text: reading a text file of this size peaks at about 8× it (see NOTES.md).
DEFAULT_MAX_BYTES = 50_000_000

# Hashing reads this much at a time: hashing any file needs one block of memory.
HASH_BLOCK = 1 << 20


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"
