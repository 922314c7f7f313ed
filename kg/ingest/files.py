"""Reading a file's bytes: its kind and size checked first, every failure an IngestError naming it."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from kg.errors import IngestError
from kg.ingest.limits import DEFAULT_MAX_BYTES, _mb


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The file's bytes, or an :class:`IngestError` naming it (gone, unreadable, not a file, too large).

    >>> read_bytes(Path("/nonexistent/r.txt"))
    Traceback (most recent call last):
    ...
    kg.errors.IngestError: /nonexistent/r.txt: does not exist (it may have been moved or deleted); check the path
    """
    name = str(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise IngestError("is a symbolic link to a file that does not exist", source=name,
                              hint="fix or remove the link") from None
        raise IngestError("does not exist (it may have been moved or deleted)", source=name,
                          hint="check the path") from None
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix or remove it") from None
    if stat.S_ISDIR(st.st_mode):
        raise IngestError("is a folder, not a file", source=name,
                          hint="give the folder itself as an input to walk it")
    if not stat.S_ISREG(st.st_mode):
        raise IngestError("is not a regular file (a device, pipe or socket)", source=name,
                          hint="copy the report into a normal file")
    if st.st_size > max_bytes:
        raise IngestError(f"is {_mb(st.st_size)}, larger than the {_mb(max_bytes)} limit",
                          source=name, hint="split the report or raise the size limit")
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise IngestError(_os_reason(e), source=name, hint="fix its permissions or remove it") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise IngestError(f"is larger than the {_mb(max_bytes)} limit", source=name,
                          hint="split the report or raise the size limit")
    return data


def _os_reason(e: OSError) -> str:
    import errno
    if e.errno == errno.ELOOP:
        return "is a symbolic link loop"
    if e.errno in (errno.EACCES, errno.EPERM):
        return "cannot be read: permission denied"
    return f"cannot be read ({e.strerror or e})"
