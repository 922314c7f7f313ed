"""Finding the report files under the inputs given."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

from kg.errors import IngestError

SOURCE_SUFFIXES = frozenset({".txt", ".text", ".htm", ".html", ".shtml", ".docx", ".pdf"})


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
