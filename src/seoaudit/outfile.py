"""Writing a file the user named (a report, a diff, a baseline).

A regular file (or one not there yet) is written to ``NAME.tmp`` and moved over the name,
so an interrupted or failed write never leaves half a report where a good one was, and the
``.tmp`` is removed when the write fails (Ctrl-C included). A symlink to a regular file is
written the same way at the file it points to, so the link stays a link. Anything else is
written in place: replacing ``/dev/null`` (as root, in a container), a FIFO or a link to
``/dev/stdout`` with a regular file would destroy the device or bypass the reader.

``output_problem`` tells beforehand whether a path can be written, and ``folder_problem``
whether files can be written into a folder, so that a long crawl or export does not end in
"cannot write".
"""

from __future__ import annotations

import os
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


def output_problem(path: Path) -> str | None:
    """Why ``write_output`` could not write ``path``, as far as can be told without
    writing (a folder in the way, a parent that is a file, a folder that is not writable),
    or None. Missing parent folders are no problem: ``write_output`` makes them."""

    def check() -> str | None:
        target = path.resolve() if path.is_symlink() else path
        if target.is_dir():
            return "it is a folder"
        if target.exists() and not target.is_file():  # a device, a FIFO: written in place
            return None if os.access(target, os.W_OK) else "permission denied"
        # NAME.tmp is written in the folder, then moved over NAME.
        return _made_folder_problem(target.parent, None)

    return _checked(check)


def folder_problem(path: Path) -> str | None:
    """Why files could not be written into the folder ``path``, as far as can be told
    without writing (a file in the way, a parent that is a file, a folder that is not
    writable), or None. A missing folder is no problem: it is made with its parents."""

    def check() -> str | None:
        if path.is_symlink() and not path.exists():
            return "it is a broken symbolic link"
        target = path.resolve() if path.is_symlink() else path
        if target.exists() and not target.is_dir():
            return "it is not a folder"
        return _made_folder_problem(target, target)

    return _checked(check)


def _made_folder_problem(folder: Path, itself: Path | None) -> str | None:
    """Why files could not be written into ``folder``, which is made with its missing
    parents: the nearest one that exists must be a folder we may write in. ``itself``:
    the folder the caller names, said as "permission denied" rather than "... in it"."""
    while not folder.exists() and not folder.is_symlink() and folder != folder.parent:
        folder = folder.parent  # made
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return "permission denied" if folder == itself else f"permission denied in {folder}"
    return None


def _checked(check: Callable[[], str | None]) -> str | None:
    """``check()``, with what the file system says when it cannot even look."""
    try:
        return check()
    except OSError as exc:  # a name too long...
        return exc.strerror or str(exc)
    except RuntimeError:  # Path.resolve before Python 3.13
        return "symbolic link loop"
