"""Writing the files of a ticket export: each whole or not at all.

A tracker's importer reads whatever file it is given: half a CSV (a full disk, Ctrl-C)
would import as fewer tickets, or a truncated last one, without a word. So every file
goes through ``outfile.write_output`` (written beside, then moved over the name; the
temporary file removed when the write fails), and a failure names the file in one line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from seoaudit.outfile import write_output


class ExportError(OSError):
    """A file of the export could not be written; the message names it, in one line
    ("cannot write out/jira-import.csv: No space left on device"). The files written
    before it are whole; the export record is not updated."""


def write_file(path: Path, write: Callable[[TextIO], None], *, newline: str = "") -> Path:
    """Write ``path`` with ``write(handle)`` (UTF-8), whole or not at all."""
    try:
        write_output(path, write, newline=newline)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def write_text(path: Path, text: str, *, newline: str = "") -> Path:
    def put(handle: TextIO) -> None:
        handle.write(text)

    return write_file(path, put, newline=newline)
