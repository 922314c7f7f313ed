"""Finding the report files under the inputs given, and naming each one.

A report's name is its identity (and its ``dcterms:source``): its path relative to the input
folder given, with POSIX separators (``2021/通报.txt``); a file given directly keeps its bare name.
The walk looks at every path with a stat and reads no byte: what is not a regular file of at most
the size limit, a symbolic link leading out of the input folder, a folder it cannot list and a
name another input already took are each named in :attr:`Walk.problems`, and the rest is walked.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from kg.errors import IngestError, printable
from kg.ingest.files import _os_reason, check_stat
from kg.ingest.limits import DEFAULT_MAX_BYTES

SOURCE_SUFFIXES = frozenset({".txt", ".text", ".htm", ".html", ".shtml", ".docx", ".pdf"})

# what a message about a link leading out of the input suggests (the CLI's flag)
FOLLOW_LINKS_HINT = "copy the file into the folder, or allow links out of the input with --follow-links"


@dataclass(frozen=True)
class Source:
    """One report file found by :func:`walk_inputs`."""

    path: Path   # what to open
    name: str    # the report's identity and dcterms:source: its path relative to the input folder
                 # given, POSIX separators ('2021/通报.txt'); a file given directly keeps its bare name
    size: int    # bytes, from the stat taken during the walk
    stat: os.stat_result | None = field(default=None, repr=False, compare=False)  # that stat


@dataclass
class Walk:
    """What :func:`walk_inputs` found: the sources, and each thing it skipped, named."""

    sources: list[Source] = field(default_factory=list)   # sorted by name
    problems: list[str] = field(default_factory=list)     # one message per thing skipped, naming it
    unreadable: list[str] = field(default_factory=list)   # name prefixes whose contents could not be
                                                          # listed ('2021/'; '' for a whole input)
    skipped: list[str] = field(default_factory=list)      # names of report files that are there but
                                                          # were not taken (too large, not a regular
                                                          # file, unreadable, a link leading out)


@dataclass
class _Found:
    name: str
    path: Path
    st: os.stat_result
    via_link: bool   # reached through a symbolic link (a file link, or inside a linked folder)


def walk_inputs(inputs: list[Path], *, follow_links_outside: bool = False,
                max_bytes: int = DEFAULT_MAX_BYTES) -> Walk:
    """The report files under ``inputs`` (folders walked recursively), each named and sized.

    Inside folders, hidden files and folders (``.name``), Office lock files (``~$name``) and
    files whose extension is not a report's are passed over; a file given directly is taken
    whatever its extension. Symbolic links are followed while they stay inside the input folder
    given (unless ``follow_links_outside``); a folder already walked is not walked again, so link
    cycles end. One file reached twice (a folder and a file inside it given together, a link and
    its target, a hard link) is taken once, by its name without a link if it has one, else the
    first. Two inputs that would give the same name: the first keeps it, the second is a problem.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> for n in ["b.txt", "a.html", ".hidden.txt", "notes.md", "2021/通报.txt", "2022/通报.txt"]:
    ...     (d / n).parent.mkdir(exist_ok=True); _ = (d / n).write_text("x")
    >>> (d / "2021" / "loop").symlink_to(d)
    >>> (d / "passwd.txt").symlink_to("/etc/passwd")
    >>> w = walk_inputs([d, d / "notes.md"])
    >>> [s.name for s in w.sources]
    ['2021/通报.txt', '2022/通报.txt', 'a.html', 'b.txt', 'notes.md']
    >>> [p.split(": ")[1].split(" (")[0] for p in w.problems]
    ['is a symbolic link leading out of the input folder']
    """
    walk = Walk()
    owner: dict[str, str] = {}          # name → the path that took it (for collision messages)
    taken: set[tuple[int, int]] = set()  # (device, inode) of every file taken
    for given in inputs:
        given = Path(given)
        shown = str(given)
        try:
            st = os.stat(given)
        except OSError as e:
            _problem(walk, shown, e, name=given.name)
            continue
        found: list[_Found] = []
        if stat.S_ISDIR(st.st_mode):
            _walk_folder(given, walk, found, follow_links_outside, max_bytes)
        else:  # a file given directly: its bare name, whatever its extension; links are the user's
            if _check(walk, shown, given.name, st, max_bytes):
                found.append(_Found(given.name, given, st, False))
        # the same file twice within one input: the name without a link wins, else the first name
        found.sort(key=lambda f: (f.via_link, f.name))
        for f in found:
            key = (f.st.st_dev, f.st.st_ino)
            if key in taken:
                continue
            if f.name in owner:
                walk.problems.append(str(IngestError(
                    f"has the same name ({printable(f.name)}) as {printable(owner[f.name])} from an "
                    "earlier input; not built",
                    source=str(f.path), hint="give the folder that holds both instead, or rename one")))
                continue
            taken.add(key)
            owner[f.name] = str(f.path)
            walk.sources.append(Source(path=f.path, name=f.name, size=f.st.st_size, stat=f.st))
    walk.sources.sort(key=lambda s: s.name)
    return walk


def _walk_folder(root: Path, walk: Walk, found: list[_Found], follow_outside: bool,
                 max_bytes: int) -> None:
    """Walk one input folder: its own tree first, then the folders that links lead to (so a file
    keeps the name of its real path when a link also leads to it), each real folder once."""
    root_real = os.path.realpath(root)
    visited: set[str] = set()
    pending: list[tuple[Path, str, bool]] = [(root, "", False)]  # (folder, name prefix, via link)
    linked: list[tuple[Path, str]] = []
    while pending or linked:
        if not pending:
            pending.append((*linked.pop(0), True))
            continue
        folder, prefix, via_link = pending.pop()
        real = os.path.realpath(folder)
        if real in visited:
            continue
        visited.add(real)
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            walk.problems.append(str(IngestError(
                f"cannot list the folder ({e.strerror or e}); the reports in it were not read",
                source=str(folder), hint="check its permissions or leave it out")))
            walk.unreadable.append(prefix)
            continue
        subfolders = []
        for entry in entries:
            n = entry.name
            if n.startswith((".", "~$")):
                continue
            name, path = prefix + n, Path(entry.path)
            is_report = path.suffix.lower() in SOURCE_SUFFIXES
            try:
                is_link = entry.is_symlink()
            except OSError:
                is_link = False
            try:
                st = entry.stat()  # follows a link
            except OSError as e:
                if is_report or is_link or entry.is_dir(follow_symlinks=False):
                    _problem(walk, str(path), e, name=name, link=is_link)
                    if entry.is_dir(follow_symlinks=False):
                        walk.unreadable.append(name + "/")
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if not is_dir and not is_report:
                continue
            if is_link:
                target = os.path.realpath(path)
                if not follow_outside and not _within(target, root_real):
                    what = "folder" if is_dir else "file"
                    walk.problems.append(str(IngestError(
                        f"is a symbolic link leading out of the input folder (to the {what} "
                        f"{printable(target)}); "
                        f"{'not walked' if is_dir else 'not read'}", source=str(path),
                        hint=FOLLOW_LINKS_HINT)))
                    if not is_dir:
                        walk.skipped.append(name)
                    continue
                if is_dir:
                    linked.append((path, name + "/"))
                    continue
            if is_dir:
                subfolders.append((path, name + "/", via_link))
            elif _check(walk, str(path), name, st, max_bytes):
                found.append(_Found(name, path, st, via_link or is_link))
        pending.extend(reversed(subfolders))


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _check(walk: Walk, shown: str, name: str, st: os.stat_result, max_bytes: int) -> bool:
    """Is it a regular file within the size limit? If not, name the problem."""
    try:
        check_stat(st, shown, max_bytes)
    except IngestError as e:
        walk.problems.append(str(e))
        walk.skipped.append(name)
        return False
    return True


def _problem(walk: Walk, shown: str, e: OSError, *, name: str, link: bool = False) -> None:
    import errno

    if isinstance(e, FileNotFoundError):
        reason, hint = ("is a symbolic link to a file that does not exist", "fix or remove the link") \
            if link or os.path.islink(shown) else ("does not exist", "check the path")
    else:
        reason, hint = _os_reason(e), "fix or remove it"
        if e.errno not in (errno.ELOOP,):
            walk.skipped.append(name)
    walk.problems.append(str(IngestError(reason, source=shown, hint=hint)))


# --------------------------------------------------------------------------------------------
# The walk before walk_inputs (kept until the build uses walk_inputs)
# --------------------------------------------------------------------------------------------

def iter_sources(inputs: list[Path]) -> Iterator[Path]:
    """The report files under ``inputs``: folders walked recursively in sorted order.

    Superseded by :func:`walk_inputs`, which names each report by its relative path, never
    reads outside the input, and names what it skips instead of failing; kept until the build
    calls it.

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
