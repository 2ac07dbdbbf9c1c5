"""GitLab: a CSV file for "Import CSV" on a project's issue list.

GitLab reads the columns ``title`` and ``description`` (Markdown), in that order; other
columns are ignored. Limits respected: title at most 255 characters, description at most
1,048,576 characters (GitLab's limit), and at most 10 MB per file (the default upload
limit: more is split into numbered files).
"""

from __future__ import annotations

import csv
import functools
import io
from pathlib import Path
from typing import TextIO

from seoaudit.report.csv import safe_cell
from seoaudit.tickets.files import write_file
from seoaudit.tickets.model import Ticket
from seoaudit.tickets.render import markdown

TITLE_MAX = 255
DESCRIPTION_MAX = 1_048_576
FILE_MAX = 10 * 1024 * 1024 - 64 * 1024  # bytes, with room for the header


def _title(ticket: Ticket) -> str:
    text = " ".join(f"{ticket.title} [{ticket.issue.rule}]".split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def _row(ticket: Ticket) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(
        [safe_cell(_title(ticket)), safe_cell(markdown(ticket, DESCRIPTION_MAX))]
    )
    return buffer.getvalue()


def _put(rows: list[str], handle: TextIO) -> None:
    handle.write("title,description\r\n")
    handle.writelines(rows)


def write(tickets: list[Ticket], out_dir: Path) -> list[Path]:
    files: list[list[str]] = [[]]
    size = 0
    for ticket in tickets:
        row = _row(ticket)
        if files[-1] and size + len(row.encode()) > FILE_MAX:
            files.append([])
            size = 0
        files[-1].append(row)
        size += len(row.encode())
    paths = []
    for number, rows in enumerate(files, start=1):
        name = "gitlab-import.csv" if len(files) == 1 else f"gitlab-import-{number}.csv"
        paths.append(write_file(out_dir / name, functools.partial(_put, rows)))
    return paths
