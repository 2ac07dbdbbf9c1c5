"""Azure DevOps: CSV files for Boards' "Import work items" (Boards > Queries > Import).

Columns: Work Item Type, Title, Description (HTML), Priority (1 to 4), Tags
(semicolon-separated). Limits respected: Title at most 255 characters; at most 1,000
work items per file (the importer's limit: more are split into numbered files). The type
is "Task", the one type every process (Basic, Agile, Scrum, CMMI) has; acceptance
criteria are part of the description because Task has no Acceptance Criteria field in
every process. No ID column: the importer would treat rows as updates.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path
from typing import TextIO

from seoaudit.report.csv import safe_cell
from seoaudit.tickets.files import write_file
from seoaudit.tickets.model import Ticket
from seoaudit.tickets.render import html_body

TITLE_MAX = 255
DESCRIPTION_MAX = 32_000  # well inside the HTML field limit, and readable
ROWS_PER_FILE = 1000
PRIORITY = {"P1": "1", "P2": "2", "P3": "3", "P4": "4"}


def _title(ticket: Ticket) -> str:
    text = " ".join(f"{ticket.title} [{ticket.issue.rule}]".split())
    return text if len(text) <= TITLE_MAX else text[: TITLE_MAX - 1] + "…"


def _rows(chunk: list[Ticket], handle: TextIO) -> None:
    writer = csv.writer(handle)
    writer.writerow(["Work Item Type", "Title", "Description", "Priority", "Tags"])
    for ticket in chunk:
        tags = "; ".join(label.replace(";", ",") for label in ticket.labels)
        row = [
            "Task",
            _title(ticket),
            html_body(ticket, DESCRIPTION_MAX),
            PRIORITY.get(ticket.priority, "3"),
            tags,
        ]
        writer.writerow([safe_cell(cell) for cell in row])


def write(tickets: list[Ticket], out_dir: Path) -> list[Path]:
    paths: list[Path] = []
    chunks = [tickets[i : i + ROWS_PER_FILE] for i in range(0, len(tickets), ROWS_PER_FILE)]
    for number, chunk in enumerate(chunks or [[]], start=1):
        name = (
            "azure-devops-import.csv" if len(chunks) <= 1 else f"azure-devops-import-{number}.csv"
        )
        paths.append(write_file(out_dir / name, functools.partial(_rows, chunk)))
    return paths
