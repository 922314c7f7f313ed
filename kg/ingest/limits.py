"""The bounds of reading one file, in one place, with the memory each one bounds.

Every file's kind and size come from a stat taken before any byte is read, so a file over
``DEFAULT_MAX_BYTES`` (or sparse, or endless like /dev/zero, or a FIFO) costs nothing.
"""
from __future__ import annotations

# The largest file read at all (any format). Text decoding holds the bytes and a few copies of
# the decoded text: reading a 50 MB one-line report peaked at 133 MB (tests/test_bad_inputs.py).
DEFAULT_MAX_BYTES = 50_000_000

# Hashing reads this much at a time: hashing any file needs one block of memory.
HASH_BLOCK = 1 << 20


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


# --- Word files (.docx are zip archives) ------------------------------------------------------
# Checked on the zip's directory before anything is inflated; only the parts a report's text
# needs are inflated (the main document, the package and document relationships, the core
# properties for the title), each read through a cap that holds even when its declared size lies.
ZIP_MAX_MEMBERS = 5_000             # a report's .docx has tens to a few hundred parts
ZIP_MAX_DIRECTORY = 2_000_000       # bytes of central directory: bounds the member list in memory
DOCX_MAX_DOCUMENT = 20_000_000      # bytes of word/document.xml inflated (parsed: 125–335 MB)
DOCX_MAX_SMALL_PART = 1_000_000     # bytes of a relationships or core-properties part
# a member that would inflate past ZIP_BOMB_BYTES at more than ZIP_MAX_RATIO : 1 is a zip bomb,
# whether or not a report needs it (nothing in a genuine report compresses like that)
ZIP_BOMB_BYTES = 100_000_000
ZIP_MAX_RATIO = 100
# Bound: reading a .docx holds its bytes (≤ DEFAULT_MAX_BYTES), the zip directory, one inflated
# part (≤ DOCX_MAX_DOCUMENT) and its parsed tree; measured peak ≤ 400 MB (tests/test_bad_inputs.py).


# --- HTML pages ---------------------------------------------------------------------------------
# A parsed page costs hundreds of bytes a tag (lxml's tree, the block marks, the main-block scores):
# a page of 300 000 tags took ~125 MB. A page with more tags is read by stripping the tags (with
# a warning), and a page over HTML_MAX_BYTES is refused: a report's page is well under 2 MB.
HTML_MAX_BYTES = 20_000_000
HTML_MAX_TAGS = 300_000

# Bound (measured, tests/test_bad_inputs.py): reading one file of any format at these limits peaks
# under 400 MB — text ~135 MB at 50 MB, .docx ≤ 340 MB, HTML ≤ 300 MB; a PDF is bounded by pypdf's
# own cap of 75 MB per decoded stream (pypdf.filters), one page at a time.
