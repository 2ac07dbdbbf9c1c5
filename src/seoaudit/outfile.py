"""Writing a file the user named (a report, a diff, a baseline).

A regular file (or one not there yet) is written to ``NAME.tmp`` and moved over the name,
so an interrupted or failed write never leaves half a report where a good one was, and the
``.tmp`` is removed when the write fails (Ctrl-C included). A symlink to a regular file is
written the same way at the file it points to, so the link stays a link. Anything else is
written in place: replacing ``/dev/null`` (as root, in a container), a FIFO or a link to
``/dev/stdout`` with a regular file would destroy the device or bypass the reader.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO


def write_output(path: Path, write: Callable[[TextIO], None], *, newline: str = "") -> None:
    """Write ``path`` with ``write(handle)``; raises OSError as ``open`` does."""
    if path.is_symlink():
        resolved = path.resolve()
        if not resolved.is_file():
            return _in_place(path, write, newline)
        path = resolved
    elif path.exists() and not path.is_file():
        return _in_place(path, write, newline)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline=newline) as handle:
            write(handle)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _in_place(path: Path, write: Callable[[TextIO], None], newline: str) -> None:
    with path.open("w", encoding="utf-8", newline=newline) as handle:
        write(handle)
