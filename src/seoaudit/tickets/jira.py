"""Jira: one CSV file for Jira's CSV importer (System > External system import > CSV).

Columns: Summary, Issue Type, Priority, Description (wiki markup), and one "Labels"
column per label (the importer joins repeated "Labels" columns into the label list).
Limits respected: Summary at most 255 characters; Description at most 32,767, the
default text-field limit (jira.text.field.character.limit); labels contain no spaces.
Issue Type is "Task", which every Jira project template has; priority names are Jira's
defaults (P1 Highest, P2 High, P3 Medium, P4 Low), mapped in the import wizard if a site
renamed them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from seoaudit.report.csv import safe_cell
from seoaudit.tickets.files import write_file
from seoaudit.tickets.model import Ticket
from seoaudit.tickets.render import jira

SUMMARY_MAX = 255
DESCRIPTION_MAX = 32_767
PRIORITY = {"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low"}
FILE = "jira-import.csv"


def title(ticket: Ticket) -> str:
    return _limit(f"{ticket.title} [{ticket.issue.rule}]", SUMMARY_MAX)


def _limit(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write(tickets: list[Ticket], out_dir: Path) -> list[Path]:
    labels = max((len(t.labels) for t in tickets), default=0)

    def rows(handle: TextIO) -> None:
        writer = csv.writer(handle)
        writer.writerow(["Summary", "Issue Type", "Priority", "Description"] + ["Labels"] * labels)
        for ticket in tickets:
            row = [
                title(ticket),
                "Task",
                PRIORITY.get(ticket.priority, "Medium"),
                jira(ticket, DESCRIPTION_MAX),
            ]
            row += [label.replace(" ", "-") for label in ticket.labels]
            row += [""] * (labels - len(ticket.labels))
            writer.writerow([safe_cell(cell) for cell in row])

    return [write_file(out_dir / FILE, rows)]
