"""Opening a file's bytes safely: its kind and size are checked before any byte is read.

Every file is looked at with a stat first (a FIFO, a socket, a device, a folder or a file over
the size limit is refused without being opened), then opened without blocking (``O_NONBLOCK``:
a FIFO swapped in after the stat cannot hang the build) and checked again on the open file, and
read with a hard cap (a file that grows while it is read is refused when it passes the limit).
Every failure is an :class:`~kg.errors.IngestError` naming the file.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import stat
import time
from pathlib import Path

from kg.errors import IngestError
from kg.ingest.limits import DEFAULT_MAX_BYTES, HASH_BLOCK, _mb

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)

_TOO_LARGE_HINT = "split the report or raise the size limit"


def kind_of(mode: int) -> str:
    """What a stat's mode says a path is, in words (for messages).

    >>> kind_of(os.stat("/").st_mode)
    'a folder'
    """
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def check_stat(st: os.stat_result, name: str, max_bytes: int) -> None:
    """Raise an :class:`IngestError` unless ``st`` is a regular file of at most ``max_bytes``."""
    if stat.S_ISDIR(st.st_mode):
        raise IngestError("is a folder, not a file", source=name,
                          hint="give the folder itself as an input to walk it")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError(f"is not a regular file ({kind_of(st.st_mode)})", source=name,
                          hint="copy the report into a normal file")
    if st.st_size > max_bytes:
        raise IngestError(f"is {_mb(st.st_size)}, larger than the {_mb(max_bytes)} limit",
                          source=name, hint=_TOO_LARGE_HINT)


def _stat(path: Path, name: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise IngestError("is a symbolic link to a file that does not exist", source=name,
                              hint="fix or remove the link") from None
        raise IngestError("does not exist (it may have been moved or deleted)", source=name,
                          hint="check the path") from None
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix or remove it") from None


def open_regular(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[int, os.stat_result]:
    """A descriptor open for reading on ``path`` and its fstat, once both say it is a regular file
    of at most ``max_bytes``; the caller closes the descriptor. Never blocks (FIFOs are refused)."""
    name = str(path)
    check_stat(_stat(path, name), name, max_bytes)  # nothing is opened unless the stat agrees
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix its permissions or remove it") from None
    try:
        st = os.fstat(fd)  # what was opened, which may not be what was looked at
        check_stat(st, name, max_bytes)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def _read_fd(fd: int, n: int, name: str) -> bytes:
    try:
        return os.read(fd, n)
    except BlockingIOError:  # cannot happen on a regular file; never wait for one that is not
        raise IngestError("is not a regular file (reading it would block)", source=name,
                          hint="copy the report into a normal file") from None
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix its permissions or remove it") from None


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, or an :class:`IngestError` naming it (gone, unreadable, not a file, too large).

    >>> read_bytes(Path("/nonexistent/r.txt"))
    Traceback (most recent call last):
    ...
    kg.errors.IngestError: /nonexistent/r.txt: does not exist (it may have been moved or deleted); check the path
    """
    name = str(path)
    fd, st = open_regular(path, max_bytes=max_bytes)
    try:
        parts: list[bytes] = []
        total = 0
        want = min(st.st_size, max_bytes) + 1  # one byte more than expected: has it grown?
        while total < want:
            block = _read_fd(fd, min(want - total, 1 << 26), name)
            if not block:
                break
            parts.append(block)
            total += len(block)
            if total == want and total <= max_bytes:  # it grew while we looked: read on, capped
                want = max_bytes + 1
    finally:
        os.close(fd)
    if total > max_bytes:
        raise IngestError(f"grew larger than the {_mb(max_bytes)} limit while it was read",
                          source=name, hint=_TOO_LARGE_HINT)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def hash_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The SHA-256 (hex) of a file's bytes, read in blocks of :data:`~kg.ingest.limits.HASH_BLOCK`:
    memory stays at one block whatever the file's size. The kind and size are checked first; a
    file that grows past ``max_bytes`` while it is read is refused. Raises :class:`IngestError`.

    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "r.txt"
    >>> _ = p.write_bytes(b"abc")
    >>> hash_file(p)
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    name = str(path)
    fd, _ = open_regular(path, max_bytes=max_bytes)
    h = hashlib.sha256()
    total = 0
    try:
        while True:
            block = _read_fd(fd, HASH_BLOCK, name)
            if not block:
                break
            total += len(block)
            if total > max_bytes:
                raise IngestError(f"grew larger than the {_mb(max_bytes)} limit while it was read",
                                  source=name, hint=_TOO_LARGE_HINT)
            h.update(block)
    finally:
        os.close(fd)
    return h.hexdigest()


def _os_reason(e: OSError) -> str:
    if e.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    return f"cannot be read ({e.strerror or e})"


class HashCache:
    """SHA-256 digests remembered by what a stat says of the file (device, inode, size, mtime and
    ctime in nanoseconds), so a build that finds its inputs unchanged reads none of their bytes.
    Any write to a file changes its ctime, which no user command can set back, so a file whose
    stat is unchanged has unchanged bytes. The cache is a JSON file beside the outputs; a missing,
    unreadable or damaged one only means hashing again, and one that cannot be written is left.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); p = d / "r.txt"; _ = p.write_bytes(b"abc")
    >>> c = HashCache(d / "hashes.json"); c.digest(p)[:8], c.hashed
    ('ba7816bf', 1)
    >>> c.save(); HashCache(d / "hashes.json").old   # changed in the last 2 s: not trusted yet
    {}
    >>> time.sleep(2.1); c = HashCache(d / "hashes.json"); _ = c.digest(p); c.save()
    >>> c = HashCache(d / "hashes.json"); c.digest(p)[:8], c.hashed
    ('ba7816bf', 0)
    >>> _ = p.write_bytes(b"abd"); c.digest(p)[:8], c.hashed
    ('a52d159f', 1)
    """

    VERSION = 1

    def __init__(self, path: Path):
        self.path = Path(path)
        self.old: dict[str, list] = {}
        self.new: dict[str, list] = {}
        self.hashed = 0
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("version") == self.VERSION and isinstance(data.get("files"), dict):
                self.old = data["files"]
        except (OSError, ValueError, AttributeError):
            pass

    def digest(self, path: Path, *, st: os.stat_result | None = None,
               max_bytes: int = DEFAULT_MAX_BYTES) -> str:
        """The file's SHA-256, from the cache when its stat (``st``: one already taken, as the
        walk's) is the one remembered."""
        key = os.path.abspath(path)
        try:
            st = st if st is not None else os.stat(path)
            sig = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        except OSError:
            sig = None
        old = self.old.get(key)
        if sig is not None and old is not None and old[:5] == sig and st.st_size <= max_bytes:
            self.new[key] = old
            return old[5]
        d = hash_file(path, max_bytes=max_bytes)
        self.hashed += 1
        # a file changed in the last seconds could change again within one tick of a coarse
        # file-system clock without its stat showing it: hashed again next time
        if sig is not None and max(sig[3], sig[4]) < time.time_ns() - 2_000_000_000:
            self.new[key] = sig + [d]
        return d

    def save(self) -> None:
        """Write what this run hashed or found (the files it did not see are forgotten)."""
        if self.new == self.old:
            return
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):  # a killed run's
            with contextlib.suppress(OSError):
                stale.unlink()
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"version": self.VERSION, "files": self.new},
                                      ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
